"""预警清单 (总览): every warning that fires in the view's scope — the scope itself and every
region under it — with its level, place, figure, value and threshold, red first, each place
a link to its page for that figure. The rules are queries/warnings.py's (settings only)."""
from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from queries import warnings
from queries.rectification import time_progress
from ui import data
from ui.navigation import View
from ui.tables import ALERT_STYLE

# the page where each warned figure is read in full
PAGE_OF = {"deceased_active": "coverage", "gap_waiting_over": "coverage",
           "unresolved_repeat_long": "petitions", "clue_conclusion_rate": "clues",
           "rect_close_rate": "rectification"}
LEVEL_NAME = {"province": "省", "city": "市", "district": "区（县）", "township": "镇（街道）"}
SHOWN_ROWS = 12


def warning_list(view: View, *, key: str) -> None:
    frames = data.warning_frames(view)
    progress = time_progress(view.db.campaign, view.filters.period.as_of)
    found = warnings.places_warned(frames, time_progress=progress)
    if not found:
        st.success("本期范围内没有触发预警。")
        return
    red = sum(p.warning.level == warnings.RED for p in found)
    st.markdown(f":red-badge[红色预警 {red} 条] :orange-badge[黄色预警 {len(found) - red} 条]　"
                f"共 {len(found)} 条，红色在前。")
    table = pd.DataFrame([_row(view, p) for p in found])
    flags = [p.warning.level == warnings.RED for p in found]
    styled = table.style.apply(lambda r: [ALERT_STYLE if flags[r.name] else ""] * len(r), axis=1)
    st.dataframe(styled, hide_index=True, width="stretch", key=f"{key}_warnings",
                 height=min(len(table), SHOWN_ROWS) * 35 + 38,
                 column_config={
                     "级别": st.column_config.TextColumn("级别", width="small"),
                     "地区": st.column_config.LinkColumn("地区", display_text=r"#(.+)$", width="small",
                                                       help="点击打开该地区对应指标的页面"),
                     "层级": st.column_config.TextColumn("层级", width="small"),
                     "指标": st.column_config.TextColumn("指标", width="medium"),
                     "数值": st.column_config.TextColumn("数值", alignment="right", width="small"),
                     "阈值": st.column_config.TextColumn("阈值", width="large")})
    st.caption(warnings.rules_text())


def _row(view: View, place: warnings.PlaceWarning) -> dict:
    region = view.db.tree.by_code.get(place.code)
    query = {"period": view.filters.period.key}
    if place.code != view.filters.top.code:
        query["scope"] = place.code
    link = f"{PAGE_OF[place.warning.metric_key]}?{urlencode(query)}#{place.name}"
    return {"级别": warnings.LEVEL_LABEL[place.warning.level], "地区": link,
            "层级": LEVEL_NAME.get(region.level, "") if region else "",
            "指标": place.warning.label, "数值": place.warning.value_text, "阈值": place.warning.rule}
