"""总览 — where the scope stands, and where it is worst (views.md, page 1).

Headline cards with 环比 and warning colour; a map coloured by a figure the user picks,
beside the ranking of the areas one level down; the table of all headline figures by area;
monthly trends of the four areas; the ten townships with the highest problem index.
"""
from __future__ import annotations

import streamlit as st

from queries.figures import METRICS
from ui import cards, checklist, data, drill, places, tables
from ui.index_table import index_frames, top_townships
from ui.trends import AREA_TRENDS, area_series, area_trends
from ui.navigation import View
from ui.warnings_list import warning_list

HEADLINE = ("gap_persons", "new_repeat_matters", "repeat_matters", "clue_conclusion_rate",
            "rect_close_rate")
# the figures a user may colour the map by, the page's main one first
MAP_FIGURES = ("gap_rate", "new_repeat_per_10k", "clue_conclusion_rate", "rect_close_rate")
INDEX_CHOICE = "problem_index"
TRENDS = AREA_TRENDS
STOCK_NOTE = "漏保人数、重复信访事项、线索办结率、整改销号率为统计截至日的时点数"


def start(view: View, lists: bool = True) -> list:
    """The page's data calls at once (``data.together``); it has no list of its own."""
    keys = list(dict.fromkeys(HEADLINE + MAP_FIGURES + tuple(cards.warning_keys(HEADLINE))))
    return data.together(lambda: view.figures(keys, with_change=True), lambda: area_series(view))


def render(view: View) -> None:
    drill.breadcrumb(view)
    frame, _ = start(view)
    total = frame[frame["is_total"]].iloc[0]
    cards.headline_cards(view, total, HEADLINE, key="overview.head")
    st.caption(_period_note(view))
    _places(view, frame)
    st.subheader("预警清单")
    warning_list(view, key="overview")
    _trends(view)
    _top_townships(view)


def _period_note(view: View) -> str:
    period = view.filters.period
    if period.is_campaign:
        return (f"专项治理以来：新增重复信访事项为 {period.start.isoformat()} 起的累计数；"
                f"{STOCK_NOTE}。{cards.change_note(period)}")
    return f"新增重复信访事项为本季度内的数；{STOCK_NOTE}。{cards.change_note(period)}"


def _places(view: View, frame) -> None:
    st.subheader(f"{drill.child_label(view)}比较")
    choice = st.segmented_control(
        "地图与排名指标", MAP_FIGURES + (INDEX_CHOICE,), default=MAP_FIGURES[0],
        format_func=_choice_label, key="overview.map_figure", required=True)
    metric, areas, district = _map_figure(view, frame, choice)
    places.map_and_ranking(view, areas, metric, key="overview", rank_key=f"overview.rank.{choice}",
                           district_frame=district)
    tables.figure_table(frame[~frame["is_total"]], HEADLINE, key="overview.areas")


def _map_figure(view: View, frame, choice: str):
    """The figure to colour and rank by, the areas' frame, and at a township scope the
    district's townships for the index (the registry's figures are fetched by the map)."""
    if choice != INDEX_CHOICE:
        return METRICS[choice], frame, None
    return index_frames(view)


def _choice_label(key: str) -> str:
    return "乡镇问题指数" if key == INDEX_CHOICE else METRICS[key].label


def _trends(view: View) -> None:
    st.subheader("月度趋势")
    area_trends(view, key="overview")


def _top_townships(view: View) -> None:
    st.subheader("问题指数最高的乡镇（街道）")
    index = data.problem_index(view)
    top_townships(view, index, n=10, key="overview.top")
    if index.dropna(subset=["index"]).empty:
        return
    count = st.number_input("核查清单包含问题指数最高的前 N 个乡镇（街道）", min_value=1,
                            max_value=min(checklist.MAX_TOWNSHIPS, len(index)), value=min(10, len(index)),
                            step=1, key="overview.checklist_n", width=360)
    codes = lambda: list(index.dropna(subset=["index"])["code"].head(int(count)))  # noqa: E731
    checklist.downloads(view, codes, key="overview.checklist",
                        label=f"{view.filters.scope.name}问题指数前{int(count)}个乡镇")
