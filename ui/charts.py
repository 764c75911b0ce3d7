"""Plotly charts shared by every page: rankings, monthly trends, mixes, a distribution.

Each chart is built by a pure function (``*_figure``, tested without Streamlit) and drawn
by its wrapper. Every figure carries its title, scope, period, as-of day and unit inside
itself, so its own PNG download stands alone when pasted into a Word document 16 cm wide.
Drawing only: the frames come from the query layer.

Look (one place, ``_layout``): white ground, the CJK font stack and colours of
``ui.theme``, text of 12 px and more at the PNG's width of ``EXPORT_WIDTH`` px, no zoom or
pan (a briefing chart is read, not explored), bars one colour except where a warning
rule colours them (the same red and amber as the headline cards).
"""
from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from queries import warnings
from queries.figures import METRICS, Metric, is_null, plain_number
from queries.period import key_label
from queries.rectification import time_progress
from ui import drill
from ui import format as fmt
from ui.theme import (BACKGROUND, FONT_FAMILY, GRID_COLOUR, HIGHLIGHT_COLOUR, MUTED_COLOUR,
                      PHASE_BANDS, PRIMARY, SECONDARY, SERIES, TEXT_COLOUR, THRESHOLD,
                      WARNING_COLOURS)

if TYPE_CHECKING:
    from ui.navigation import View

OnPick = Callable[[str], None]

EXPORT_WIDTH = 720     # CSS px of a downloaded PNG (×2 = 1440 px): at 16 cm, 13 px ≈ 8 pt
FONT_SIZE, TITLE_SIZE, SMALL_SIZE = 13, 17, 12
ROW_PX = 24            # one bar of a ranking or mix
HEAD_PX = 70           # title and subtitle above the plot
LABEL_ROW_PX = 20      # one row of line or phase labels between the subtitle and the plot
AXIS_PX = 50           # the x axis's ticks and title below the plot
NOTE_PX = 18           # one footnote line
LEGEND_PX = 30
EDGE_PX = 8            # title, subtitle and footnotes from the figure's left edge
NUMBER_AXIS_PX = 72    # a y axis of numbers with its title (trend, histogram)
NO_DATA = "无数据"

# the level below the scope, as a ranking's title names it
# the axis title of several figures sharing one unit
UNIT_NOUN = {"人": "人数", "件": "件数", "个": "个数", "笔": "笔数", "条": "条数", "元": "金额",
             "天": "天数", "%": "比率", "‰": "千分比"}

# plotly.js bundles only English; its modebar speaks Chinese when handed the words
_ZH_CN = {
    "dictionary": {
        # the strings of the plotly.js that Streamlit bundles (3.x)
        "Download plot as a PNG": "下载图片（PNG）", "Download plot": "下载图片",
        "Preparing image - this may take a few seconds": "正在生成图片……",
        "Image download succeeded": "图片已下载",
        "Sorry, there was a problem downloading your image!": "图片下载失败，请重试。",
        "Autoscale": "自动缩放", "Reset axes": "还原坐标轴", "Zoom": "缩放", "Pan": "平移",
        "Zoom in": "放大", "Zoom out": "缩小", "Double-click to zoom back out": "双击还原",
        "Box Select": "框选", "Lasso Select": "套索选择", "Reset": "还原",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{m}月" for m in range(1, 13)],
        "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y-%m-%d",
    },
}
# everything but the PNG download: a briefing chart is not zoomed, panned or lassoed
_REMOVED_BUTTONS = ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d",
                    "autoScale2d", "resetScale2d", "toggleSpikelines", "hoverClosestCartesian",
                    "hoverCompareCartesian"]


# --------------------------------------------------------------------------- drawing

def ranked_bars(view: View, frame: pd.DataFrame, metric_key: str | Metric, *, key: str,
                on_pick: OnPick | None = None, lines: Iterable[tuple[str, float]] = (),
                title: str | None = None, highlight: str | None = None,
                colours: Mapping[str, str] | None = None, note: str | None = None) -> None:
    """The areas of ``frame`` (a ``compute`` frame) ranked worst first; a click on a bar
    calls ``on_pick(code)``. See ``ranked_figure``."""
    fig = ranked_figure(view, frame, metric_key, lines=lines, title=title, highlight=highlight,
                        colours=colours, note=note)
    show_figure(fig, key=key, on_pick=on_pick)


def trend_lines(view: View, series: pd.DataFrame, metric_keys: Sequence[str], *, key: str,
                title: str | None = None, note: str | None = None) -> None:
    """Monthly lines over the campaign's phases. See ``trend_figure``."""
    show_figure(trend_figure(view, series, metric_keys, title=title, note=note), key=key)


def mix_bars(view: View, frame: pd.DataFrame, metric_key: str, *, key: str,
             title: str | None = None, note: str | None = None, ordered: bool = False) -> None:
    """A breakdown by category or channel as sorted bars. See ``mix_figure``."""
    show_figure(mix_figure(view, frame, metric_key, title=title, note=note, ordered=ordered), key=key)


def mix_columns(view: View, frames: Mapping[str, pd.DataFrame], metric_key: str,
                parts: Sequence[tuple[str, str, str]], *, key: str) -> None:
    """Breakdowns side by side, one column each: ``parts`` (dimension, heading, chart title),
    ``frames`` by dimension (ui.data.figures_by_each)."""
    for column, (dim, heading, title) in zip(st.columns(len(parts), gap="large"), parts):
        with column:
            st.subheader(heading)
            mix_bars(view, frames[dim], metric_key, key=f"{key}.{dim}", title=title)


def histogram_bars(view: View, hist: Sequence[tuple] | None, *, key: str, title: str,
                   median: float | None = None, line_at: float | None = 30, unit: str = "天",
                   x_label: str = "待纳入天数", count_label: str = "人数", count_unit: str = "人",
                   note: str | None = None) -> None:
    """A distribution of days. See ``histogram_figure``."""
    fig = histogram_figure(view, hist, title=title, median=median, line_at=line_at, unit=unit,
                           x_label=x_label, count_label=count_label, count_unit=count_unit,
                           note=note)
    show_figure(fig, key=key)


def show_figure(fig: go.Figure | None, *, key: str, on_pick: OnPick | None = None) -> None:
    """Draw a figure of this module (暂无数据 for None). With ``on_pick``, a click on a
    point whose ``customdata`` is a code calls it, in a callback (before the script runs,
    so a scope picker drawn later shows the new scope)."""
    if fig is None:
        st.info("暂无数据")
        return
    meta = fig.layout.meta or {}
    options: dict[str, Any] = dict(width="stretch", theme=None, key=key, alt=meta.get("alt"),
                                   config=plotly_config(meta.get("filename", "图表")))
    if on_pick is not None:
        options.update(on_select=partial(_on_select, key, on_pick), selection_mode="points")
    st.plotly_chart(fig, **options)


def plotly_config(filename: str) -> dict:
    """The chart options: the PNG download at scale 2 and a fixed width (its text stays
    legible at 16 cm whatever the screen), Chinese modebar titles, no other buttons."""
    return {"toImageButtonOptions": {"format": "png", "scale": 2, "filename": filename,
                                     "width": EXPORT_WIDTH},
            "displaylogo": False, "modeBarButtonsToRemove": list(_REMOVED_BUTTONS),
            "locale": "zh-CN", "locales": {"zh-CN": _ZH_CN}}


def picked_code(state) -> str | None:
    """The area code of the clicked point in a plotly selection state, if any."""
    try:
        points = state["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or ():
        data = point.get("customdata")
        if isinstance(data, (list, tuple)):
            data = data[0] if data else None
        if isinstance(data, str) and data:
            return data
    return None


def _on_select(key: str, on_pick: OnPick) -> None:
    code = picked_code(st.session_state.get(key))
    if code is not None:
        on_pick(code)


# --------------------------------------------------------------------------- ranking

def ranked_figure(view: View, frame: pd.DataFrame, metric_key: str | Metric, *,
                  lines: Iterable[tuple[str, float]] = (), title: str | None = None,
                  highlight: str | None = None, colours: Mapping[str, str] | None = None,
                  note: str | None = None) -> go.Figure | None:
    """Horizontal bars of the areas (rows that are neither the total nor 未识别区划),
    worst first at the top whatever the figure's direction; areas without a value listed
    last as 无数据 (a bureau reads a missing district as an omission, so each is named).
    Lines: the figure's warning thresholds (整改销号率: 时间进度 and its red line) and
    ``lines`` (label, value), e.g. the city's own value. Bars are ``PRIMARY``, or the
    warning colour where the warning rule fires, or ``colours[code]`` (e.g. the map's
    classes). None when no area has a value."""
    metric = METRICS[metric_key] if isinstance(metric_key, str) else metric_key
    metric_key = metric.key
    places = _places(frame)
    values = [_number(v) for v in places[metric_key].tolist()] if metric_key in places else []
    if not any(v is not None for v in values):
        return None
    progress = (time_progress(view.db.campaign, view.filters.period.as_of)
                if metric_key == "rect_close_rate" else None)
    bars = _ranked_bars(places, values, metric, progress, highlight, colours or {})
    # at a township scope the bars are its district's townships: the subtitle names the district
    heading = _heading(view, title or f"{metric.label} · {drill.child_label(view)}排名",
                       place=drill.compared_place(view) if highlight else None)
    notes = _level_note(bars) + _unknown_note(frame, metric) + _user_note(note)
    refs = _threshold_lines(metric, progress) + [
        _Line(float(v), f"{_esc(label)} {fmt.value(metric, v)}", SECONDARY, "dot") for label, v in lines]
    return _hbar_figure(heading, bars, metric, refs, notes)


@dataclass(frozen=True)
class _Bar:
    code: str | None          # customdata: the area a click picks (None: not clickable)
    label: str                # the axis label, escaped
    value: float | None
    text: str                 # at the bar's end
    hover: str
    colour: str
    outlined: bool = False
    warned: str | None = None   # the warning level its colour shows


@dataclass(frozen=True)
class _Line:
    value: float
    label: str
    colour: str
    dash: str = "dash"


def _places(frame: pd.DataFrame) -> pd.DataFrame:
    """The areas to rank: not the scope's total, not 未识别区划 (code None: not a place)."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["code", "name"])
    keep = ~frame["is_total"].astype(bool) & frame["code"].notna()
    return frame[keep]


def _ranked_bars(places: pd.DataFrame, values: list, metric: Metric, progress: float | None,
                 highlight: str | None, colours: Mapping[str, str]) -> list[_Bar]:
    order = worst_first(values, metric.direction)
    ranks = _ranks(values, metric.direction)
    counted = sum(v is not None for v in values)
    side = "由差到好" if metric.direction else "由高到低"
    codes, names = places["code"].tolist(), places["name"].tolist()
    bars = []
    for i in order:
        code, name, value = str(codes[i]), _esc(names[i]), values[i]
        level = warnings.level(metric.key, value, time_progress=progress)
        text = fmt.value(metric, value) if value is not None else NO_DATA
        hover = f"<b>{name}</b><br>{metric.label}：{text}"
        if value is not None:
            hover += f"<br>第{ranks[i]}/{counted}位（{side}）"
        if level:
            hover += f"<br>{warnings.LEVEL_LABEL[level]}"
        warned = None if code in colours else level
        colour = colours.get(code) or (WARNING_COLOURS[warned] if warned else PRIMARY)
        label = f"<b>{name}</b>" if code == highlight else name
        bars.append(_Bar(code, label, value, text, hover, colour, code == highlight, warned))
    return bars


def worst_first(values: Sequence[float | None], direction: int) -> list[int]:
    """Indices of ``values`` worst first (direction +1: lowest first; -1 or 0: highest
    first), ties in their given order; those without a value last, in their order."""
    valued = [i for i, v in enumerate(values) if v is not None]
    valued.sort(key=lambda i: values[i] if direction > 0 else -values[i])
    return valued + [i for i, v in enumerate(values) if v is None]


def _ranks(values: Sequence[float | None], direction: int) -> list[int | None]:
    """1 = worst; equal values share a rank (1, 2, 2, 4)."""
    valued = sorted((v for v in values if v is not None), reverse=direction <= 0)
    first = {}
    for rank, v in enumerate(valued, start=1):
        first.setdefault(v, rank)
    return [None if v is None else first[v] for v in values]


def _threshold_lines(metric: Metric, progress: float | None) -> list[_Line]:
    out = []
    for level, value in warnings.thresholds(progress).get(metric.key, []):
        name = f"{warnings.LEVEL_LABEL[level]}线"
        if metric.key == "rect_close_rate" and level == warnings.AMBER:
            name = "时间进度（黄色预警线）"
        out.append(_Line(value, f"{name} {fmt.value(metric, value)}", WARNING_COLOURS[level]))
    return out


def _level_note(bars: list[_Bar]) -> list[str]:
    levels = [lv for lv in (warnings.RED, warnings.AMBER) if any(b.warned == lv for b in bars)]
    if not levels:
        return []
    keys = "　".join(f'<span style="color:{WARNING_COLOURS[lv]}">■</span> {warnings.LEVEL_LABEL[lv]}'
                    for lv in levels)
    return [f"柱色：{keys}"]


def _unknown_note(frame: pd.DataFrame, metric: Metric) -> list[str]:
    unknown = frame[~frame["is_total"].astype(bool) & frame["code"].isna()] if not frame.empty else frame
    if unknown.empty or metric.key not in unknown or _number(unknown[metric.key].iloc[0]) is None:
        return []
    value = fmt.value(metric, _number(unknown[metric.key].iloc[0]))
    return [f"另有区划代码无法识别的记录（未识别区划：{value}）不参与排名，详见“数据说明”。"]


def _user_note(note: str | None) -> list[str]:
    """A page's footnote, escaped, in lines that fit the PNG's width (plotly does not wrap)."""
    if not note:
        return []
    text, lines = str(note), []
    while text:
        cut = _fit(text, EXPORT_WIDTH - 24, SMALL_SIZE)
        lines.append(_esc(text[:cut]))
        text = text[cut:]
    return lines


def _text_px(text: str, size: int = FONT_SIZE) -> float:
    """About how wide ``text`` (plotly HTML allowed) is drawn: CJK characters are square,
    Latin letters and digits about 0.6 of the size."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    return sum(size if ord(c) >= 0x2E80 else 0.62 * size for c in plain)


def _fit(text: str, width_px: float, size: int) -> int:
    """How many leading characters of ``text`` fit in ``width_px`` (at least one)."""
    used = 0.0
    for i, c in enumerate(text):
        used += size if ord(c) >= 0x2E80 else 0.62 * size
        if used > width_px:
            return max(i, 1)
    return len(text)


# --------------------------------------------------------------------------- horizontal bars

def _hbar_figure(heading: _Heading, bars: list[_Bar], metric: Metric, lines: list[_Line],
                 notes: list[str]) -> go.Figure:
    """Bars from top to bottom in the given order; no-value bars as 无数据 text."""
    ids = [f"r{i}" for i in range(len(bars))]   # axis categories: names may repeat
    shown = [(i, b) for i, b in zip(ids, bars) if b.value is not None]
    missing = [(i, b) for i, b in zip(ids, bars) if b.value is None]
    rows = max(len(bars), 3)
    data = [dict(
        type="bar", orientation="h", y=[i for i, _ in shown], x=[b.value for _, b in shown],
        width=0.7 * len(bars) / rows,          # the same thickness for one bar as for 45
        marker=dict(color=[b.colour for _, b in shown],
                    line=dict(color=HIGHLIGHT_COLOUR, width=[2.5 if b.outlined else 0 for _, b in shown])),
        text=[b.text for _, b in shown], textposition="outside", cliponaxis=False,
        textfont=dict(size=FONT_SIZE, color=TEXT_COLOUR),
        customdata=[b.code for _, b in shown], hovertext=[b.hover for _, b in shown],
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False, name=metric.label)]
    if missing:
        data.append(dict(
            type="scatter", y=[i for i, _ in missing], x=[0] * len(missing), mode="text",
            text=[NO_DATA] * len(missing), textposition="middle right",
            textfont=dict(size=FONT_SIZE, color=MUTED_COLOUR), hoverinfo="skip", showlegend=False,
            cliponaxis=False))
    # the names' column sized here, so the footnotes can start at the figure's left edge
    left = math.ceil(max(_text_px(b.label) for b in bars) * 1.1) + 20
    # the value labels beyond the bars' ends get a right margin as wide as the widest one:
    # they fit whatever the chart's width (a share of the axis did not in a half column)
    right = math.ceil(max(_text_px(b.text) for b in bars) * 1.05) + 12
    layout = _layout(heading, plot_px=rows * ROW_PX, top_rows=len(lines), notes=notes, left=left,
                     right=right)
    values = [b.value for _, b in shown] + [ln.value for ln in lines]
    x_range = _value_range(values)
    layout["xaxis"] = dict(title=dict(text=_axis_title([metric]), standoff=6), range=x_range,
                           automargin=True, **_value_axis(metric.unit, values))
    layout["yaxis"] = dict(type="category", categoryorder="array", categoryarray=ids, tickvals=ids,
                           ticktext=[b.label for b in bars], range=[len(bars) - 0.5, -0.5],
                           showgrid=False, ticks="", ticksuffix=" ", automargin=True, fixedrange=True)
    _add_lines(layout, lines, x_range)
    return _figure(data, layout)


def _value_range(values: list[float]) -> list[float]:
    """From zero (bars start at 0) to just past the largest value (the value labels sit in
    the right margin)."""
    lo, hi = min([0.0] + values), max([0.0] + values)
    if hi == lo:
        hi = lo + 1.0
    return [lo, hi + (hi - lo) * 0.02]


def _value_axis(unit: str, values: list[float]) -> dict:
    axis = dict(tickformat=",~f", showgrid=True, gridcolor=GRID_COLOUR, zeroline=True,
                zerolinecolor=MUTED_COLOUR, fixedrange=True)
    if unit not in fmt.RATE_UNITS and max([0.0] + values) < 5:
        axis["dtick"] = 1                      # counts below 5: no ticks at 0.5
    return axis


def _add_lines(layout: dict, lines: list[_Line], x_range) -> None:
    """Vertical lines across the plot, each labelled on a row of its own above it."""
    lo, hi = x_range
    for row, line in enumerate(lines):
        layout["shapes"].append(dict(
            type="line", x0=line.value, x1=line.value, xref="x", y0=0, y1=1, yref="paper",
            line=dict(color=line.colour, width=1.5, dash=line.dash), layer="above"))
        left = (line.value - lo) <= 0.6 * (hi - lo)     # label on the side with room
        layout["annotations"].append(dict(
            x=line.value, xref="x", y=1, yref="paper", yanchor="bottom",
            xanchor="left" if left else "right", xshift=3 if left else -3,
            yshift=2 + LABEL_ROW_PX * (len(lines) - 1 - row), text=line.label,
            showarrow=False, font=dict(size=SMALL_SIZE, color=line.colour)))


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """The figure, unvalidated: plotly checks every property on each assignment, 40–70 ms
    a chart, most of a page's render. ``tests/test_charts.py`` validates each kind."""
    return go.Figure(dict(data=data, layout=layout), _validate=False)


# --------------------------------------------------------------------------- trend

def trend_note(view: View, first: date) -> str:
    """The caption under a page's monthly trends: their months and how points are read."""
    return (f"自 {first.year}年{first.month}月 至 {view.filters.period.as_of.isoformat()}；"
            "流量指标为当月数，时点指标为月末（末月为统计截至日）数。阴影为专项治理各阶段。")


def trend_figure(view: View, series: pd.DataFrame, metric_keys: Sequence[str], *,
                 title: str | None = None, note: str | None = None) -> go.Figure | None:
    """One line per figure, a point per month (``month``: its first day; ``day``: the
    point's as-of day, the month's end or the as-of day in the last month, shown on
    hover), ticks 3月 with the year under the first and each January; the campaign's
    phases as shaded bands named above the plot (overlaps show darker). One y axis per
    unit, at most two (the second dashed, for grey print). Subtitle: the months shown and
    the last as-of day. None when no point has a value."""
    keys = list(metric_keys)
    metrics = [METRICS[k] for k in keys]
    units = list(dict.fromkeys(m.unit for m in metrics))
    if len(units) > 2:
        raise ValueError(f"at most two units on one trend chart, got {units}")
    if series is None or series.empty:
        return None
    series = series.sort_values("month")
    columns = {k: [_number(v) for v in series[k]] for k in keys}
    if not any(v is not None for vs in columns.values() for v in vs):
        return None
    months = [_as_date(m) for m in series["month"]]
    days = [_as_date(d) for d in series["day"]]
    labels = month_labels(months)
    heading = _heading(view, title or f"{'、'.join(m.label for m in metrics)} · 月度趋势",
                       span=_month_span(months), as_of=max(days))
    # each month's point in the middle of its month: evenly spaced, under its tick, and
    # within the phase bands of that month (its as-of day is in the hover)
    xs = [m + timedelta(days=14) for m in months]
    x_lo, x_hi = months[0], _next_month(months[-1])
    data = [_trend_trace(i, m, xs, days, labels, columns[m.key], len(metrics) == 1,
                         second=len(units) == 2 and m.unit == units[1]) for i, m in enumerate(metrics)]
    bands, band_rows = phase_bands(view.db.campaign, x_lo, x_hi)
    layout = _layout(heading, plot_px=300, top_rows=band_rows, notes=_user_note(note),
                     legend=len(metrics) > 1, right=NUMBER_AXIS_PX if len(units) == 2 else None)
    layout["shapes"] += [shape for shape, _ in bands]
    layout["annotations"] += [label for _, label in bands]
    step = math.ceil(len(days) / 13)           # at most 13 tick labels side by side
    layout["xaxis"] = dict(type="date", range=[x_lo, x_hi], tickvals=xs[::step],
                           ticktext=tick_labels(months)[::step], tickangle=0, showgrid=False,
                           ticks="outside", tickcolor=GRID_COLOUR, fixedrange=True,
                           linecolor=MUTED_COLOUR, showline=True, automargin=True)
    for axis, unit in zip(("yaxis", "yaxis2"), units):
        shown = [m for m in metrics if m.unit == unit]
        values = [v for m in shown for v in columns[m.key] if v is not None]
        layout[axis] = dict(title=dict(text=_axis_title(shown)), automargin=True,
                            range=[0, max([0.0] + values) * 1.15 or 1.0], **_value_axis(unit, values))
        if axis == "yaxis2":
            layout[axis].update(overlaying="y", side="right", showgrid=False, tickmode="auto")
    return _figure(data, layout)


LABEL_ALL_POINTS = 8        # a single line has every point labelled up to this many months


def _trend_trace(i: int, metric: Metric, xs: list[date], days: list[date], labels: list[str],
                 values: list, label_all: bool, second: bool) -> dict:
    """A figure's line; values written at every point when alone and the months few, else
    at the last point and at the highest and lowest (twelve rates side by side overlap in
    a half-width chart)."""
    # the unit is in the axis title and the legend: the points carry the number alone
    texts = [_plain(metric, v) for v in values]
    if not (label_all and len(values) <= LABEL_ALL_POINTS):
        shown = [j for j, v in enumerate(values) if v is not None]
        keep = {shown[-1]} if shown else set()
        if label_all and shown:
            keep |= {max(shown, key=lambda j: values[j]), min(shown, key=lambda j: values[j])}
        texts = [t if j in keep else "" for j, t in enumerate(texts)]
    hovers = [f"{labels[j]}（截至 {d.isoformat()}）<br>{metric.label}：{fmt.value(metric, v)}"
              for j, (d, v) in enumerate(zip(days, values))]
    symbols = ("circle", "square", "diamond", "triangle-up", "x")
    return dict(
        type="scatter", x=xs, y=values, name=f"{metric.label}（{metric.unit}）", yaxis="y2" if second else "y",
        mode="lines+markers+text", text=texts, textposition="top center", cliponaxis=False,
        textfont=dict(size=SMALL_SIZE, color=SERIES[i % len(SERIES)]),
        line=dict(color=SERIES[i % len(SERIES)], width=2.5, dash="dash" if second else "solid"),
        marker=dict(size=7, symbol=symbols[i % len(symbols)]), connectgaps=False,
        hovertext=hovers, hovertemplate="%{hovertext}<extra></extra>")


def month_labels(months: Sequence[date]) -> list[str]:
    """2026年3月 for the first month and each January, 4月 otherwise (hover text)."""
    return [f"{m.year}年{m.month}月" if i == 0 or m.month == 1 else f"{m.month}月"
            for i, m in enumerate(months)]


def tick_labels(months: Sequence[date]) -> list[str]:
    """The axis's month ticks: 3月 with the year below it on the first and each January;
    not on a first December followed by January, whose two years would overlap (the
    subtitle names the span anyway)."""
    def with_year(i: int, m: date) -> bool:
        if m.month == 1:
            return True
        return i == 0 and not (len(months) > 1 and months[1].month == 1)
    return [f"{m.month}月<br>{m.year}年" if with_year(i, m) else f"{m.month}月"
            for i, m in enumerate(months)]


def _plain(metric: Metric, value) -> str:
    """A value's number as ``fmt.value`` writes it, without the unit (rates keep %)."""
    if value is None:
        return ""
    if metric.unit in fmt.RATE_UNITS:
        return fmt.value(metric, value)
    return fmt.number(value, metric.decimals)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_span(months: list[date]) -> str:
    first, last = min(months), max(months)
    if first == last:
        return f"{first.year}年{first.month}月"
    end = f"{last.month}月" if last.year == first.year else f"{last.year}年{last.month}月"
    return f"{first.year}年{first.month}月—{end}"


def phase_bands(campaign, x_lo: date, x_hi: date, *, plot_width_px: int = EXPORT_WIDTH - 140
                ) -> tuple[list[tuple[dict, dict]], int]:
    """(shape, label) per campaign phase that meets [x_lo, x_hi], clipped to it, and the
    number of label rows: a label takes the first row where it does not overlap another
    (overlapping phases, short phases side by side). For any chart with a date x axis."""
    if campaign is None:
        return [], 0
    span_days = max((x_hi - x_lo).days, 1)
    px_per_day = plot_width_px / span_days
    row_ends: list[float] = []
    out = []
    for n, phase in enumerate(sorted(campaign.phases, key=lambda p: (p.start, p.seq))):
        start, end = max(phase.start, x_lo), min(phase.end + timedelta(days=1), x_hi)
        if start >= end:
            continue
        middle = start + (end - start) / 2
        half = (len(phase.name) * SMALL_SIZE + 12) / 2 / px_per_day
        centre = (middle - x_lo).days
        row = next((r for r, e in enumerate(row_ends) if e <= centre - half), len(row_ends))
        if row == len(row_ends):
            row_ends.append(0.0)
        row_ends[row] = centre + half
        shape = dict(type="rect", xref="x", x0=start, x1=end, yref="paper", y0=0, y1=1,
                     fillcolor=PHASE_BANDS[n % len(PHASE_BANDS)], line=dict(width=0), layer="below")
        label = dict(x=middle, xref="x", y=1, yref="paper", yanchor="bottom", xanchor="center",
                     yshift=2 + LABEL_ROW_PX * row, text=_esc(phase.name), showarrow=False,
                     font=dict(size=SMALL_SIZE, color=MUTED_COLOUR))
        out.append((shape, label))
    return out, len(row_ends)


# --------------------------------------------------------------------------- mix

def mix_figure(view: View, frame: pd.DataFrame, metric_key: str, *, title: str | None = None,
               note: str | None = None, ordered: bool = False) -> go.Figure | None:
    """Sorted bars of a breakdown, largest first, with each one's share of the scope's
    total for counts (not for rates or days). ``frame``: a ``compute(..., by=…)`` frame
    (rows named by ``name``; the total row gives the share's base; a row with no code,
    e.g. 未填写, goes last in grey) or a plain frame with columns ``label`` and ``value``
    (base: their sum). Rows without a value last, as 无数据. None when none has a value."""
    metric = METRICS[metric_key]
    rows, total = _mix_rows(frame, metric_key)
    if not any(v is not None for _, v, _ in rows):
        return None
    shares = not metric.is_rate and metric.unit not in fmt.RATE_UNITS | {"天"}
    if total is None:
        total = sum(v for _, v, _ in rows if v is not None)
    if not ordered:     # ``ordered``: the rows' own order matters (campaign phases)
        rows.sort(key=lambda r: (r[1] is None, r[2], -(r[1] or 0)))
    bars = []
    for label, value, blank in rows:
        text = fmt.value(metric, value) if value is not None else NO_DATA
        if shares and value is not None and total:
            text += f"（{100.0 * value / total:.1f}%）"
        colour = SECONDARY if blank else PRIMARY
        bars.append(_Bar(None, _esc(label), value, text, f"<b>{_esc(label)}</b><br>{metric.label}：{text}", colour))
    notes = ([f"括号内为占{_esc(view.filters.scope.name)}合计（{fmt.value(metric, total)}）的比例。"]
             if shares and total else []) + _user_note(note)
    heading = _heading(view, title or f"{metric.label} · 构成")
    return _hbar_figure(heading, bars, metric, [], notes)


def _mix_rows(frame: pd.DataFrame, metric_key: str) -> tuple[list[tuple[str, float | None, bool]], float | None]:
    """[(label, value, is_blank)] and the total (None: none given)."""
    if frame is None or frame.empty:
        return [], None
    if "label" in frame.columns and "value" in frame.columns:
        return [(str(lb), _number(v), False) for lb, v in zip(frame["label"], frame["value"])], None
    totals = frame[frame["is_total"].astype(bool)]
    total = _number(totals[metric_key].iloc[0]) if not totals.empty else None
    parts = frame[~frame["is_total"].astype(bool)]
    return [(str(n), _number(v), pd.isna(c)) for n, v, c in
            zip(parts["name"], parts[metric_key], parts["code"])], total


# --------------------------------------------------------------------------- burn-down

def burn_down_chart(view: View, burn, *, key: str, title: str = "未销号问题 · 燃尽图") -> None:
    """The campaign's open items week by week. See ``burn_down_figure``."""
    show_figure(burn_down_figure(view, burn, title=title), key=key)


def burn_down_figure(view: View, burn, *, title: str) -> go.Figure | None:
    """``burn`` (queries.rectification.BurnDown): open items at the end of each week of
    the campaign to the as-of day, the 所需进度 line from there to zero at the campaign's
    end (dashed: what it takes to finish on time), the phases as bands. None without one."""
    if burn is None or burn.points.empty:
        return None
    camp = view.db.campaign
    days = [_as_date(d) for d in burn.points["day"]]
    opens = [int(v) for v in burn.points["open"]]
    need_days = [_as_date(d) for d in burn.required["day"]]
    x_lo, x_hi = camp.start, camp.end + timedelta(days=1)
    data = [
        dict(type="scatter", x=days, y=opens, name="未销号问题（个）", mode="lines+markers",
             line=dict(color=PRIMARY, width=2.5), marker=dict(size=6),
             hovertext=[f"截至 {d.isoformat()}<br>未销号：{v:,} 个" for d, v in zip(days, opens)],
             hovertemplate="%{hovertext}<extra></extra>"),
        dict(type="scatter", x=need_days, y=[int(v) for v in burn.required["open"]],
             name="所需进度（按期销号须降至 0）", mode="lines", line=dict(color=THRESHOLD, width=2, dash="dash"),
             hoverinfo="skip"),
        dict(type="scatter", x=[days[-1]], y=[opens[-1]], mode="text", text=[f"{opens[-1]:,}"],
             textposition="top right", cliponaxis=False, showlegend=False, hoverinfo="skip",
             textfont=dict(size=FONT_SIZE, color=PRIMARY)),
    ]
    heading = _heading(view, title, span=f"{camp.start.isoformat()} 至 {camp.end.isoformat()}")
    bands, band_rows = phase_bands(camp, x_lo, x_hi)
    layout = _layout(heading, plot_px=300, top_rows=band_rows, legend=True,
                     notes=["每周末（末点为统计截至日）尚未销号的问题数；虚线为从统计截至日起按期销号所需进度。"])
    layout["shapes"] += [shape for shape, _ in bands]
    layout["annotations"] += [label for _, label in bands]
    layout["xaxis"] = dict(type="date", range=[x_lo, x_hi], tickformat="%-m月%-d日", showgrid=False,
                           ticks="outside", tickcolor=GRID_COLOUR, fixedrange=True,
                           linecolor=MUTED_COLOUR, showline=True, automargin=True)
    layout["yaxis"] = dict(title=dict(text="未销号问题（个）"), automargin=True,
                           range=[0, max(opens + [1]) * 1.15], **_value_axis("个", [float(max(opens))]))
    return _figure(data, layout)


# --------------------------------------------------------------------------- funnel

def funnel_bars(view: View, row: pd.Series, steps: Sequence[tuple[str, str | None]], *, key: str,
                title: str, axis: str, note: str | None = None) -> None:
    """The steps of a process as bars from the top down. See ``funnel_figure``."""
    show_figure(funnel_figure(view, row, steps, title=title, axis=axis, note=note), key=key)


def funnel_figure(view: View, row: pd.Series, steps: Sequence[tuple[str, str | None]], *,
                  title: str, axis: str, note: str | None = None) -> go.Figure | None:
    """``steps``: (count figure, the rate figure from the step before or None), in order;
    ``row``: a compute() row holding them. Each bar says its count and the rate that
    leads to it (受理 → 办结 82.4% → …), so the step where most fall away shows. ``axis``:
    what the counts are (线索数), titled with their unit."""
    first = replace(METRICS[steps[0][0]], label=axis)
    bars = []
    for count_key, rate_key in steps:
        metric, value = METRICS[count_key], _number(row.get(count_key))
        text = fmt.value(metric, value) if value is not None else NO_DATA
        if rate_key is not None and _number(row.get(rate_key)) is not None:
            text += f"（{METRICS[rate_key].label} {fmt.value(METRICS[rate_key], row.get(rate_key))}）"
        bars.append(_Bar(None, _esc(metric.label), value, text,
                         f"<b>{_esc(metric.label)}</b><br>{text}", PRIMARY))
    if not any(b.value is not None for b in bars):
        return None
    return _hbar_figure(_heading(view, title), bars, first, [], _user_note(note))


# --------------------------------------------------------------------------- histogram

def histogram_figure(view: View, hist: Sequence[tuple] | None, *, title: str,
                     median: float | None = None, line_at: float | None = 30, unit: str = "天",
                     x_label: str = "待纳入天数", count_label: str = "人数", count_unit: str = "人",
                     note: str | None = None) -> go.Figure | None:
    """Columns of how many rows waited how many days, in bins of whole days (1, 2, 3, 5, …
    so that ``line_at`` falls on a bin edge and at most 30 columns); the median and the
    ``line_at`` line marked, bins beyond it in amber (their count is 超30天未纳入).
    ``hist``: [(days, rows)] as the query layer's histogram. None when empty."""
    pairs = [(float(plain_number(x)), int(plain_number(n))) for x, n in (hist or ())
             if not is_null(x) and not is_null(n) and n]
    total = sum(n for _, n in pairs)
    if total == 0:
        return None
    width = bin_width(max(x for x, _ in pairs), line_at)
    counts: dict[int, int] = defaultdict(int)
    for x, n in pairs:
        counts[_bin_of(x, width)] += n
    bins = sorted(counts)
    edges = [_bin_edges(k, width) for k in bins]
    over = [line_at is not None and lo > line_at for lo, _ in edges]
    data = [dict(
        type="bar", x=[(lo + hi) / 2 for lo, hi in edges], width=[hi - lo + 1 for lo, hi in edges],
        y=[counts[k] for k in bins], marker=dict(color=[WARNING_COLOURS["amber"] if o else PRIMARY
                                                        for o in over], line=dict(color=BACKGROUND, width=1)),
        text=[f"{counts[k]:,}" for k in bins] if len(bins) <= 24 else None, textposition="outside",
        cliponaxis=False, textfont=dict(size=SMALL_SIZE, color=TEXT_COLOUR),
        hovertext=[f"{_days(lo, hi, unit)}：{counts[k]:,} {count_unit}" for k, (lo, hi) in zip(bins, edges)],
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False)]
    lines = []
    if median is not None and not is_null(median):
        lines.append(_Line(float(median), f"中位数 {fmt.number(median, 0 if float(median).is_integer() else 1)} {unit}",
                           TEXT_COLOUR))
    if line_at is not None:
        beyond = sum(n for x, n in pairs if x > line_at)
        lines.append(_Line(line_at + 0.5, f"超{fmt.number(line_at)}{unit}：{beyond:,} {count_unit}",
                           WARNING_COLOURS["amber"]))
    step = f"；每柱 {width} {unit}" if width > 1 else ""
    notes = [f"共 {total:,} {count_unit}{step}。"] + _user_note(note)
    layout = _layout(_heading(view, title), plot_px=300, top_rows=len(lines), notes=notes)
    x_range = [-0.5, max(edges[-1][1], (line_at or 0) + width) + 0.5]
    layout["xaxis"] = dict(title=dict(text=f"{x_label}（{unit}）", standoff=6), range=x_range,
                           showgrid=False, ticks="outside", tickcolor=GRID_COLOUR, fixedrange=True,
                           zeroline=False, automargin=True)
    peak = max(counts.values())
    layout["yaxis"] = dict(title=dict(text=f"{count_label}（{count_unit}）"), range=[0, peak * 1.15],
                           automargin=True, **_value_axis(count_unit, [float(peak)]))
    _add_lines(layout, lines, x_range)
    return _figure(data, layout)


def bin_width(largest: float, line_at: float | None) -> int:
    """The smallest of 1, 2, 3, 5, 6, 10, 15, 30, 60, 90, 180, 360 days giving at most 30
    columns whose edges meet ``line_at`` (it or the width divides the other)."""
    for width in (1, 2, 3, 5, 6, 10, 15, 30, 60, 90, 180, 360):
        fits = line_at is None or (line_at % width == 0 or width % line_at == 0)
        if fits and math.ceil((largest + 1) / width) <= 30:
            return width
    return 360 * math.ceil((largest + 1) / (360 * 30))


def _bin_of(x: float, width: int) -> int:
    """Bin 0 holds days 0..width, bin k holds k·width+1..(k+1)·width: ``x`` > line_at
    never shares a bin with ``x`` ≤ line_at (超30天 is strictly more than 30)."""
    if width == 1:
        return int(round(x))
    return max(0, math.ceil(round(x) / width) - 1)


def _bin_edges(k: int, width: int) -> tuple[int, int]:
    """The first and last whole day of bin ``k``."""
    if width == 1:
        return k, k
    return (0 if k == 0 else k * width + 1), (k + 1) * width


def _days(lo: int, hi: int, unit: str) -> str:
    return f"{lo}{unit}" if lo == hi else f"{lo}–{hi}{unit}"


# --------------------------------------------------------------------------- shared layout

@dataclass(frozen=True)
class _Heading:
    title: str       # escaped
    place: str       # the scope's name, escaped
    span: str        # the period's label, or the months shown
    as_of: date

    @property
    def subtitle(self) -> str:
        return f"{self.place} · {self.span} · 统计截至 {self.as_of.isoformat()}"

    @property
    def filename(self) -> str:
        raw = html.unescape("_".join((self.title, self.place, self.span)))
        return re.sub(r'[\\/:*?"<>|\s·]+', "_", raw).strip("_")


def _heading(view: View, title: str, *, span: str | None = None, as_of: date | None = None,
             place: str | None = None) -> _Heading:
    """The period by its name alone (2026年第4季度, not …（截至11月15日）): the subtitle
    names the as-of day anyway, and a short subtitle fits a half-width column."""
    period = view.filters.period
    return _Heading(_esc(title), _esc(place or view.filters.scope.name), span or key_label(period.key),
                    as_of or period.as_of)


def _layout(heading: _Heading, *, plot_px: int, top_rows: int = 0, notes: Sequence[str] = (),
            legend: bool = False, left: int = NUMBER_AXIS_PX, right: int | None = None) -> dict:
    """Everything every chart shares: title, subtitle and footnotes at the figure's left
    edge, the font, the white ground, margins sized to what sits above, beside (``left``:
    the y axis's labels) and below the plot."""
    top = HEAD_PX + LABEL_ROW_PX * top_rows
    bottom = AXIS_PX + NOTE_PX * len(notes) + (LEGEND_PX if legend else 0)
    annotations = [dict(text=text, x=0, xref="paper", xanchor="left", xshift=EDGE_PX - left,
                        y=-(AXIS_PX + NOTE_PX * i) / plot_px,
                        yref="paper", yanchor="top", showarrow=False, align="left",
                        font=dict(size=SMALL_SIZE, color=MUTED_COLOUR))
                   for i, text in enumerate(notes)]
    return dict(
        height=top + plot_px + bottom,
        margin=dict(t=top, b=bottom, l=left, r=right or 28, autoexpand=True),
        title=dict(text=f"<b>{heading.title}</b>", x=0, xref="container", xanchor="left",
                   y=1, yref="container", yanchor="top", pad=dict(t=12, l=EDGE_PX),
                   font=dict(size=TITLE_SIZE, color=TEXT_COLOUR),
                   subtitle=dict(text=heading.subtitle, font=dict(size=FONT_SIZE, color=MUTED_COLOUR))),
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color=TEXT_COLOUR),
        paper_bgcolor=BACKGROUND, plot_bgcolor=BACKGROUND, separators=".,",
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=FONT_SIZE), bgcolor=BACKGROUND,
                        bordercolor=MUTED_COLOUR),
        showlegend=legend,
        legend=dict(orientation="h", x=0, xref="container", xanchor="left", y=0, yref="container", yanchor="bottom",
                    font=dict(size=FONT_SIZE)),
        annotations=annotations, shapes=[], dragmode=False, hovermode="closest",
        meta={"filename": heading.filename, "alt": html.unescape(f"{heading.title}：{heading.subtitle}")},
    )


def _axis_title(metrics: Sequence[Metric]) -> str:
    """漏保率（%） for one figure; 人数（人） for several sharing a unit."""
    unit = metrics[0].unit
    if len(metrics) == 1:
        return f"{metrics[0].label}（{unit}）"
    return f"{UNIT_NOUN.get(unit, '数值')}（{unit}）"


def _number(value) -> float | None:
    if is_null(value):
        return None
    try:
        return float(plain_number(value))
    except (TypeError, ValueError):
        return None


def _as_date(value) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _esc(text) -> str:
    """Text from the database for plotly's HTML subset: tags shown as written."""
    return html.escape(str(text), quote=False)
