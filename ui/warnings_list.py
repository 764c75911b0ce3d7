"""预警清单 (总览): every warning that fires in the view's scope — the scope itself and every
region under it — with its level, place, figure, value and threshold, red first, each place
a link to its page for that figure. The rules are queries/warnings.py's (settings only)."""
from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

import settings
from queries import warnings
from queries.rectification import time_progress
from ui import data
from ui.navigation import View
from ui.tables import red_rows

# the page where each warned figure is read in full
PAGE_OF = {"deceased_active": "coverage", "gap_waiting_over": "coverage",
           "unresolved_repeat_long": "petitions", "clue_conclusion_rate": "clues",
           "rect_close_rate": "rectification"}
LEVEL_NAME = {"province": "省", "city": "市", "district": "区（县）", "township": "镇（街道）"}
SHOWN_ROWS = 12


def warning_list(view: View, *, key: str) -> None:
    f, rules = view.filters, warnings.rules_text()
    table, flags = _table(data.warning_frames(view), time_progress(view.db.campaign, f.period.as_of),
                          rules, f.period.key, f.top.code, view.db.tree)
    if table.empty:
        st.success("本期范围内没有触发预警。")
        return
    red = int(flags.sum())
    st.markdown(f":red-badge[红色预警 {red} 条] :orange-badge[黄色预警 {len(table) - red} 条]　"
                f"共 {len(table)} 条，红色在前。")
    st.dataframe(red_rows(table, flags), hide_index=True, width="stretch", key=f"{key}_warnings",
                 height=min(len(table), SHOWN_ROWS) * 35 + 38,
                 column_config={
                     "级别": st.column_config.TextColumn("级别", width="small"),
                     "地区": st.column_config.LinkColumn("地区", display_text=r"#(.+)$", width="small",
                                                       help="点击打开该地区对应指标的页面"),
                     "层级": st.column_config.TextColumn("层级", width="small"),
                     "指标": st.column_config.TextColumn("指标", width="medium"),
                     "数值": st.column_config.TextColumn("数值", alignment="right", width="small"),
                     "阈值": st.column_config.TextColumn("阈值", width="large")})
    st.caption(rules)


@st.cache_data(ttl=int(settings.get("OVERSIGHT_CACHE_TTL_S")), max_entries=100, show_spinner=False)
def _table(frames: list[pd.DataFrame], progress: float | None, rules: str, period_key: str,
           top_code: str, _tree) -> tuple[pd.DataFrame, np.ndarray]:
    """The list's rows and which are red, once per scope's figures, rules as set, period
    and user's top (the province's 2,687 warnings took 0.1 s to find and write out on
    every run); the frames stand for the data load and the scope, the tree belongs to
    that load."""
    found = warnings.places_warned(frames, time_progress=progress)
    rows = [_row(_tree, period_key, top_code, p) for p in found]
    return (pd.DataFrame(rows, columns=COLUMNS),
            np.array([p.warning.level == warnings.RED for p in found], dtype=bool))


COLUMNS = ["级别", "地区", "层级", "指标", "数值", "阈值"]


def _row(tree, period_key: str, top_code: str, place: warnings.PlaceWarning) -> dict:
    region = tree.by_code.get(place.code)
    query = {"period": period_key}
    if place.code != top_code:
        query["scope"] = place.code
    link = f"{PAGE_OF[place.warning.metric_key]}?{urlencode(query)}#{place.name}"
    return {"级别": warnings.LEVEL_LABEL[place.warning.level], "地区": link,
            "层级": LEVEL_NAME.get(region.level, "") if region else "",
            "指标": place.warning.label, "数值": place.warning.value_text, "阈值": place.warning.rule}
