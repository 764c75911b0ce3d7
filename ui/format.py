"""Numbers as a Chinese government office writes them (views.md): thousands separators,
rates with one decimal and %, dates YYYY-MM-DD."""
from __future__ import annotations

import re

from queries.figures import Metric, is_null

RATE_UNITS = frozenset({"%", "‰"})
NO_VALUE = "—"
# every ASCII punctuation mark may be backslash-escaped in Markdown (CommonMark); escaping
# them all leaves no link, image, emphasis, :colour[…] directive, :emoji:, $LaTeX$, HTML
# or bare-URL autolink in the text
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: object) -> str:
    """``text`` (from the URL, the database, the user file, an error) as Markdown that
    shows exactly it: st.error/info/caption/markdown and widget labels render Markdown,
    so ``![](//host/x)`` from a URL would make the browser fetch from another host
    (stack-notes, Text from users). Line breaks become spaces: no new block can start."""
    flat = re.sub(r"[\r\n]+", " ", "" if text is None else str(text))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", flat)


def number(value, decimals: int = 0) -> str:
    if is_null(value):
        return NO_VALUE
    return f"{value:,.{decimals}f}"


def value(metric: Metric, raw, *, unit: bool = True) -> str:
    """A figure with its unit: 1,234 人, 87.5%, 3.2‰, 12.5 天 (``unit=False`` where a
    header says it: 1,234, 87.5)."""
    if is_null(raw):
        return NO_VALUE
    if metric.unit in RATE_UNITS:
        return f"{raw:,.1f}" + (metric.unit if unit else "")
    return number(raw, metric.decimals) + (f" {metric.unit}" if unit else "")


def change(metric: Metric, raw) -> str | None:
    """环比 as a signed difference; rates in percentage points. None: no 环比."""
    if is_null(raw):
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
