"""重复信访 — repeat petitions (views.md, page 3): new and unresolved repeat matters by
place, the channel and category mix, the monthly trend, the resolution rates by place,
the flagged list (重点标注) whose matters open to their petitions, and 超期未办结信访.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.figures import METRICS
from queries.petitions import repeat_open_days, repeat_threshold
from ui import cards, charts, data, drill, places, tables
from ui.format import plain
from ui.navigation import View
from ui.trends import trend_series, trends_side_by_side

# 长期未化解 is the warning on the 未化解 card (ui.cards.WARNING_HOME), not a card of its
# own; four cards, so that 未化解重复信访事项 and its warning fit at 1440 px (信访件数 is in
# the mix and the trend below)
HEADLINE = ("new_repeat_matters", "unresolved_repeat_matters", "repeat_matters", "overdue_petitions")
# the figures a user may colour the map and rank by, the page's main one first
MAP_FIGURES = ("new_repeat_per_10k", "new_repeat_matters", "unresolved_repeat_matters")
# the areas' tables: four columns fit at 1440 px beside the names (a fifth was cut off)
BY_PLACE = ("new_repeat_matters", "new_repeat_per_10k", "unresolved_repeat_matters",
            "unresolved_repeat_long")
RATES = ("one_time_resolution", "petition_on_time_rate", "satisfaction_rate")
# (figures, title): received against closed in one chart, new repeat matters beside it
TRENDS = ((("petitions", "petitions_closed"), "收到与办结信访件数"), (("new_repeat_matters",), "新增重复信访事项"))
LISTS = ("repeat_matters", "overdue_petitions")


def start(view: View, lists: bool = True) -> list:
    """The page's data calls at once (``data.together``). ``lists=False``: its figures,
    breakdowns and trends only, nothing personal (what ui.warm computes ahead)."""
    keys = list(dict.fromkeys(HEADLINE + BY_PLACE + RATES + tuple(cards.warning_keys(HEADLINE))))
    return data.together(lambda: view.figures(keys, with_change=True),
                         lambda: data.case_lists(view, LISTS) if lists else None, lambda: _mixes(view),
                         lambda: trend_series(view, TRENDS))


def render(view: View) -> None:
    drill.breadcrumb(view)
    frame, lists, _, _ = start(view)
    total = frame[frame["is_total"]].iloc[0]
    cards.headline_cards(view, total, HEADLINE, key="petitions.head")
    st.caption(_period_note(view))
    _by_place(view, frame)
    _mix(view)
    _trends(view)
    _rates(view, frame)
    _flagged(view, lists["repeat_matters"])
    st.subheader("超期未办结信访")
    tables.case_table(lists["overdue_petitions"], view, key="petitions.overdue",
                      fetch_all=lambda: data.all_cases(view, "overdue_petitions"), order="超期天数从长到短")


def _period_note(view: View) -> str:
    period = view.filters.period
    flow = (f"新增重复信访事项为 {period.start.isoformat()} 起的累计数" if period.is_campaign
            else "新增重复信访事项为本季度内的数")
    return (f"{flow}；重复信访事项、未化解重复信访事项、超期未办结信访为统计截至日的时点数。"
            f"认定标准：同一事项各渠道信访 {repeat_threshold()} 次（含）以上；未化解超过 "
            f"{repeat_open_days()} 天为长期未化解（红色预警）。{cards.change_note(period)}")


def _by_place(view: View, frame: pd.DataFrame) -> None:
    st.subheader(f"{drill.child_label(view)}重复信访")
    cards.worst_line(view, frame, ("unresolved_repeat_matters", "最多"), ("new_repeat_per_10k", "最高"))
    choice = st.segmented_control("地图与排名指标", MAP_FIGURES, default=MAP_FIGURES[0],
                                  format_func=lambda k: METRICS[k].label, key="petitions.map_figure",
                                  required=True)
    places.map_and_ranking(view, frame, choice, key="petitions", rank_key=f"petitions.rank.{choice}")
    tables.figure_table(frame, BY_PLACE, key="petitions.areas")


MIX = (("channel", "按信访渠道", "信访件数 · 按渠道"),
       ("category", "按反映问题类别", "信访件数 · 按反映问题类别"))


def _mixes(view: View) -> dict[str, pd.DataFrame]:
    return data.figures_by_each(view, ["petitions"], [dim for dim, _, _ in MIX])


def _mix(view: View) -> None:
    charts.mix_columns(view, _mixes(view), "petitions", MIX, key="petitions")


def _trends(view: View) -> None:
    st.subheader("月度趋势")
    trends_side_by_side(view, TRENDS, key="petitions")


def _rates(view: View, frame: pd.DataFrame) -> None:
    st.subheader("化解与办理质量")
    choice = st.segmented_control("排名指标", RATES, default=RATES[0],
                                  format_func=lambda k: METRICS[k].label, key="petitions.rate",
                                  required=True)
    areas, highlight = drill.comparison(view, frame, METRICS[choice])
    charts.ranked_bars(view, areas, choice, key=f"petitions.rates.{choice}",
                       on_pick=drill.picker(view), highlight=highlight)
    tables.figure_table(frame, RATES, key="petitions.rates_table")


def _flagged(view: View, case) -> None:
    """重点标注: every repeat matter, the unresolved first; 超60天 in red; a matter picked
    below opens to its petitions."""
    st.subheader("重复信访事项清单（重点标注）")
    st.caption(f"同一事项各渠道信访 {repeat_threshold()} 次（含）以上即列入；未化解在前，"
               f"历时超过 {repeat_open_days()} 天的未化解事项标红。")
    tables.case_table(case, view, key="petitions.flagged",
                      fetch_all=lambda: data.all_cases(view, "repeat_matters"),
                      order="未化解在前、历时从长到短", alert=_long_open)
    if case is None or case.rows.empty:
        return
    matter = st.selectbox("查看事项的各次信访", case.rows["matter_id"].tolist(), index=None,
                          placeholder="选择事项编号", key="petitions.matter")
    if matter is not None:
        petitions = data.matter_petitions(view, matter)
        st.markdown(f"**事项 {plain(matter)} 的信访件**")
        tables.case_table(petitions, view, key="petitions.matter_rows", order="收到日期")


def _long_open(rows: pd.DataFrame) -> pd.Series:
    """超60天: the unresolved matters open longer than the warning's days."""
    days = pd.to_numeric(rows["days_open"], errors="coerce").fillna(0)
    return (rows["resolution"] == "未化解") & (days > repeat_open_days())
