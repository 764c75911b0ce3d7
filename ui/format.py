"""Numbers as a Chinese government office writes them (views.md): thousands separators,
rates with one decimal and %, dates YYYY-MM-DD."""
from __future__ import annotations

from queries.figures import Metric

RATE_UNITS = frozenset({"%", "‰"})
NO_VALUE = "—"


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def number(value, decimals: int = 0) -> str:
    if _is_missing(value):
        return NO_VALUE
    return f"{value:,.{decimals}f}"


def value(metric: Metric, raw) -> str:
    """A figure with its unit: 1,234 人, 87.5%, 3.2‰, 12.5 天."""
    if _is_missing(raw):
        return NO_VALUE
    if metric.unit in RATE_UNITS:
        return f"{raw:,.1f}{metric.unit}"
    return f"{number(raw, metric.decimals)} {metric.unit}"


def change(metric: Metric, raw) -> str | None:
    """环比 as a signed difference; rates in percentage points. None: no 环比."""
    if _is_missing(raw):
        return None
    if metric.unit == "%":
        return f"{raw:+,.1f} 个百分点"
    if metric.unit == "‰":
        return f"{raw:+,.1f} 个千分点"
    return f"{raw:+,.{metric.decimals}f} {metric.unit}"


def delta_colour(metric: Metric) -> str:
    """st.metric's delta colour: green when the change is good (plotly/streamlit 'normal'
    = up is green), 'inverse' when higher is worse, 'off' when neither."""
    return {1: "normal", -1: "inverse"}.get(metric.direction, "off")
