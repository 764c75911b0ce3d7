"""总览 — where the scope stands, and where it is worst (views.md, page 1).

For now: the headline figures with 环比, and the same figures for each area one level
down. The map, trends and the problem-index ranking come with the full view.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.figures import METRICS
from ui import drill, maps
from ui import format as fmt
from ui.navigation import View
from ui.tables import figure_table

HEADLINE = ("gap_persons", "new_repeat_matters", "repeat_matters", "clue_conclusion_rate",
            "rect_close_rate")
LEVEL_LABEL = {"city": "各市", "district": "各区", "township": "各镇（街道）"}


def render(view: View) -> None:
    st.title("总览")
    drill.breadcrumb(view)
    frame = view.figures(HEADLINE, with_change=True)
    _headline(view, frame[frame["is_total"]].iloc[0])
    maps.area_map(view, frame, "gap_persons", key="overview.map")
    _breakdown(view, frame[~frame["is_total"]])


def _headline(view: View, total: pd.Series) -> None:
    for column, key in zip(st.columns(len(HEADLINE)), HEADLINE):
        metric, change = METRICS[key], total[f"{key}.change"]
        zero = change is not None and change == 0
        column.metric(metric.label, fmt.value(metric, total[key]), delta=fmt.change(metric, change),
                      delta_color="off" if zero else fmt.delta_colour(metric),
                      delta_arrow="off" if zero else "auto",
                      delta_description="环比" if change is not None else None,
                      help=metric.description, border=True)
    period = view.filters.period
    if period.is_campaign:
        st.caption("专项治理以来为累计口径，不计环比。")
    else:
        st.caption(f"环比：与上一季度同期（{period.previous().label}）相比；比率的变化以百分点计。")


def _breakdown(view: View, rows: pd.DataFrame) -> None:
    scope = view.filters.scope
    level = scope.children[0].level if scope.children else "township"
    st.subheader(f"{LEVEL_LABEL.get(level, '下级地区')}情况" if scope.children else "本镇（街道）情况")
    figure_table(rows, HEADLINE, key="overview_breakdown")
