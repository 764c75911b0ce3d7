"""The four areas' monthly trends, one chart per area's main figure (总览, 乡镇画像)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.figures import METRICS
from ui import charts, data
from ui.navigation import View

# one trend per area: (figure, the area's name)
AREA_TRENDS = (("gap_persons", "应保尽保"), ("new_repeat_matters", "重复信访"),
               ("clue_conclusion_rate", "问题线索"), ("rect_close_rate", "整改进度"))


def area_trends(view: View, *, key: str) -> None:
    """Four charts, two per row, from one series call for the view's scope."""
    first = data.trend_start(view)
    series = area_series(view)
    for row in (AREA_TRENDS[:2], AREA_TRENDS[2:]):
        for column, (figure, area) in zip(st.columns(2, gap="large"), row):
            with column:
                charts.trend_lines(view, series, [figure], key=f"{key}.trend.{figure}",
                                   title=f"{area}：{METRICS[figure].label}")
    st.caption(charts.trend_note(view, first))


def trends_side_by_side(view: View, trends, *, key: str, note: str = "") -> None:
    """Charts side by side from one series call: ``trends`` is ((figures, title), …), each
    chart keyed ``<key>.trend.<first figure>``; the trend note under them, then ``note``."""
    first = data.trend_start(view)
    series = trend_series(view, trends)
    for column, (keys, title) in zip(st.columns(len(trends), gap="large"), trends):
        with column:
            charts.trend_lines(view, series, list(keys), key=f"{key}.trend.{keys[0]}", title=title)
    st.caption(charts.trend_note(view, first) + note)


def trend_series(view: View, trends) -> pd.DataFrame:
    """The one series call behind ``trends_side_by_side`` (a page may start it early, in
    ``data.together``: the same call is then a cache read)."""
    return data.series(view, [k for keys, _ in trends for k in keys], data.trend_start(view))


def area_series(view: View) -> pd.DataFrame:
    """The one series call behind ``area_trends`` (to start early in ``data.together``)."""
    return data.series(view, [k for k, _ in AREA_TRENDS], data.trend_start(view))
