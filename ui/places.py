"""The places of a page: the map coloured by a figure and, beside it where the row is wide
enough (ui/layout.py's CSS, keys beside_… and ranking_…), the ranking of the same areas.
At a township scope both show its district's townships with this one highlighted; a click
on either drills down (ui/drill.py)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.figures import METRICS, Metric
from ui import charts, drill, maps
from ui.navigation import View


def map_and_ranking(view: View, frame: pd.DataFrame, metric: str | Metric, *, key: str,
                    rank_key: str | None = None, district_frame: pd.DataFrame | None = None) -> None:
    """``frame``: a compute() frame (or the problem index's) holding ``metric``; ``key``
    names the widgets (``<key>.map``, ``<key>.rank`` unless ``rank_key``)."""
    metric = METRICS[metric] if isinstance(metric, str) else metric
    areas, highlight = drill.comparison(view, frame, metric, district_frame)
    with st.container(horizontal=True, gap="large", key=f"beside_{key}"):
        maps.area_map(view, frame, metric, key=f"{key}.map", district_frame=district_frame)
        with st.container(key=f"ranking_{key}"):
            charts.ranked_bars(view, areas, metric, key=rank_key or f"{key}.rank",
                               on_pick=drill.picker(view), highlight=highlight)
