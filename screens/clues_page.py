"""问题线索 — clue handling (views.md, page 4): the funnel 受理 → 办结 → 查证属实 → 处置到位
with 移交纪检监察, 立案 and 问责 beside it; 线索办结率 by place against its thresholds; the
source and category mix; received against concluded by month; 逾期未办结线索. For the
commission only: 涉及干部线索, the clues transferred to it, and 立案 and 问责 by place.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import cards, charts, data, drill, places, tables
from ui.navigation import View

HEADLINE = ("clues_received", "clue_conclusion_rate", "overdue_clues", "clue_on_time_rate",
            "clue_days_median")
FUNNEL = (("clues_received_total", None), ("clues_concluded", "clue_conclusion_rate"),
          ("clues_substantiated", "substantiation_rate"), ("clues_disposed", "disposal_rate"))
OUTCOMES = ("clues_transferred", "cases_filed", "officials_accountable")
BY_PLACE = ("clue_conclusion_rate", "clues_received_total", "clues_concluded", "overdue_clues")
QUALITY = ("clue_on_time_rate", "clue_days_median", "substantiation_rate", "disposal_rate")
# the commission's own: 涉及干部线索 and what was transferred, filed and held to account, by place
COMMISSION = "commission"
OFFICIAL = ("official_clues", "clues_transferred", "cases_filed", "officials_accountable")
TRENDS = ["clues_received_total", "clues_concluded"]


def start(view: View, lists: bool = True) -> list:
    """The page's data calls at once (``data.together``). ``lists=False``: its figures,
    breakdowns and trends only, nothing personal (what ui.warm computes ahead)."""
    commission = view.user.role == COMMISSION
    keys = list(dict.fromkeys(HEADLINE + tuple(k for step in FUNNEL for k in step if k) + OUTCOMES
                              + BY_PLACE + QUALITY + (OFFICIAL if commission else ())))
    lists_shown = ("overdue_clues",) + (("transferred_clues",) if commission else ())
    return data.together(lambda: view.figures(keys, with_change=True),
                         lambda: data.case_lists(view, lists_shown) if lists else None,
                         lambda: _mixes(view), lambda: _series(view))


def render(view: View) -> None:
    drill.breadcrumb(view)
    commission = view.user.role == COMMISSION
    frame, lists, _, _ = start(view)
    total = frame[frame["is_total"]].iloc[0]
    cards.headline_cards(view, total, HEADLINE, key="clues.head")
    st.caption(_period_note(view))
    _funnel(view, total)
    _by_place(view, frame)
    _mix(view)
    _trend(view)
    st.subheader("逾期未办结线索")
    tables.case_table(lists["overdue_clues"], view, key="clues.overdue",
                      fetch_all=lambda: data.all_cases(view, "overdue_clues"), order="逾期天数从长到短")
    if commission:
        _commission(view, frame, total, lists["transferred_clues"])


def _period_note(view: View) -> str:
    period = view.filters.period
    flows = "受理线索数、移交纪检监察、立案数、问责干部数为" + (
        f"{period.start.isoformat()} 起的累计数" if period.is_campaign else "本季度内的数")
    return (f"{flows}；办结、查证属实、处置到位及其比率按截至统计日累计受理的全部线索计，"
            f"为统计截至日的时点数。{cards.change_note(period)}")


def _funnel(view: View, total: pd.Series) -> None:
    st.subheader("线索办理漏斗")
    left, right = st.columns([3, 2], gap="large")
    with left:
        charts.funnel_bars(view, total, FUNNEL, key="clues.funnel", axis="线索数",
                           title="受理 → 办结 → 查证属实 → 处置到位",
                           note="括号内为由上一级到本级的比率；受理为截至统计日累计受理数。")
    with right:
        for key in OUTCOMES:
            cards.headline_cards(view, total, (key,), key=f"clues.outcome_{key}")


def _by_place(view: View, frame: pd.DataFrame) -> None:
    st.subheader(f"{drill.child_label(view)}线索办结率")
    cards.worst_line(view, frame, ("clue_conclusion_rate", "最低"), ("overdue_clues", "最多"))
    places.map_and_ranking(view, frame, "clue_conclusion_rate", key="clues")
    tables.figure_table(frame, BY_PLACE, key="clues.areas")
    tables.figure_table(frame, QUALITY, key="clues.quality")


MIX = (("source", "按线索来源", "受理线索数 · 按来源"),
       ("category", "按问题类别", "受理线索数 · 按问题类别"))


def _mixes(view: View) -> dict[str, pd.DataFrame]:
    return data.figures_by_each(view, ["clues_received"], [dim for dim, _, _ in MIX])


def _mix(view: View) -> None:
    charts.mix_columns(view, _mixes(view), "clues_received", MIX, key="clues")


def _series(view: View) -> pd.DataFrame:
    return data.series(view, TRENDS, data.trend_start(view))


def _trend(view: View) -> None:
    st.subheader("月度趋势")
    first = data.trend_start(view)
    series = _series(view)
    charts.trend_lines(view, series, TRENDS, key="clues.trend", title="累计受理与已办结线索",
                       note="两线之间为截至当月末尚未办结的线索。")
    st.caption(charts.trend_note(view, first))


def _commission(view: View, frame: pd.DataFrame, total: pd.Series, transferred) -> None:
    """纪委监委 only: who else asks gets none of it (the figures and the list refuse other
    roles in the query layer's audience)."""
    st.subheader("涉及干部与移交纪检监察（仅纪委监委可见）")
    cards.headline_cards(view, total, ("official_clues",), key="clues.official")
    tables.figure_table(frame, OFFICIAL, key="clues.official_places")
    st.markdown("**移交纪检监察线索清单**")
    tables.case_table(transferred, view, key="clues.transferred",
                      fetch_all=lambda: data.all_cases(view, "transferred_clues"), order="移交日期从近到远")
