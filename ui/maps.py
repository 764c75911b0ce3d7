"""The map every page shares: the areas one level below the scope, coloured by the page's
main figure, with a legend, names, a Chinese tooltip, and a click that drills down.

No basemap (``map_provider=None``): the areas alone on the page's white, outlined in grey,
so the map needs no tile server. An area with no boundary (``ui.boundaries``) is drawn as
a circle at ``region.lon/lat``. Drawing only: the figures come from the caller's frame
(``queries.runner.compute`` for the scope, or ``View.figures``).
"""
from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import pandas as pd
import pydeck as pdk
import streamlit as st
from pydeck.bindings.json_tools import default_serialize

from queries.figures import METRICS, Metric, is_null
from queries.scope import RegionTree
from ui import boundaries as geo
from ui import drill, theme
from ui import format as fmt
from ui.navigation import View

AREAS, SCOPE_OUTLINE, LABELS = "areas", "scope_outline", "labels"     # layer ids
NO_DATA = "无数据"
MAP_HEIGHT = 460
MAP_WIDTH = (400, 680)       # px: the map's width follows the areas' shape, within these (with the
                             # legend, 680 fits the 1440 px screen with the sidebar open)
LEGEND_WIDTH = 240           # px: the legend beside the map
OUTLINE = theme.SECONDARY    # area outlines: the app's neutral grey reads on white and in print
POINT_RADIUS = 9             # px: an area without a boundary
TILE = 512                   # px: the world's width at zoom 0 in deck.gl's MapView


# --------------------------------------------------------------------------- classes

@dataclass(frozen=True)
class Classes:
    """Each value's colour class (0 = lightest = best) and each class's range."""

    index: list[int | None]                 # per value; None: no value (无数据)
    bounds: list[tuple[float, float]]       # per class: its smallest and largest value
    colours: list[str]                      # per class, from theme.CLASS_COLOURS


def classify(values: Sequence, direction: int, k: int = 5) -> Classes:
    """Up to ``k`` colour classes, darker = worse whatever the figure's direction.

    Class breaks are quantiles of the areas' values: each class holds about as many areas
    as the next. With 6–40 areas a map is read as a ranking ("which places are worst"),
    and figures such as counts are skewed, one or two places far above the rest: equal
    intervals would paint nearly every area the lightest shade and say only "one outlier",
    while quantiles keep the worst fifth darkest and still order the rest. Equal values
    always share a class, so ties never split; with five or fewer distinct values each
    value is a class of its own (fewer classes than five). The legend shows each class's
    actual smallest and largest value, so a reader sees the real spread; colours are taken
    evenly across the five shades so two classes still contrast.
    """
    numbers = [None if is_null(v) else float(v) for v in values]
    badness = [None if v is None else (-v if direction > 0 else v) for v in numbers]
    present = sorted(b for b in badness if b is not None)
    if not present:
        return Classes([None] * len(values), [], [])
    distinct = sorted(set(present))
    if len(distinct) <= k:
        uppers = distinct[:-1]
    else:   # the upper bound of each class but the last: every (n/k)-th value
        n = len(present)
        uppers = sorted({present[math.ceil(j * n / k) - 1] for j in range(1, k)})
    raw = [None if b is None else sum(1 for u in uppers if u < b) for b in badness]
    used = sorted({c for c in raw if c is not None})          # drop classes left empty
    index = [None if c is None else used.index(c) for c in raw]
    bounds = []
    for c in range(len(used)):
        members = [v for v, i in zip(numbers, index) if i == c]
        bounds.append((min(members), max(members)))
    return Classes(index, bounds, class_colours(len(used)))


def class_colours(count: int) -> list[str]:
    """``count`` shades spread over the five, lightest first (one class: the middle)."""
    shades = theme.CLASS_COLOURS
    if count == 1:
        return [shades[len(shades) // 2]]
    return [shades[round(i * (len(shades) - 1) / (count - 1))] for i in range(count)]


def ranks(values: Sequence, direction: int) -> list[int | None]:
    """Rank of each value, 1 = worst (the highest, or the lowest when higher is better);
    equal values share a rank and the next skips (1, 1, 3); no value → None."""
    badness = [None if is_null(v) else (-float(v) if direction > 0 else float(v)) for v in values]
    present = [b for b in badness if b is not None]
    return [None if b is None else 1 + sum(1 for o in present if o > b) for b in badness]


def range_text(metric: Metric, low: float, high: float) -> str:
    """'0.0%–4.5%', '3–7 人', or one value when both ends are equal."""
    if fmt.value(metric, low) == fmt.value(metric, high):
        return fmt.value(metric, low)
    if metric.unit in fmt.RATE_UNITS:
        return f"{fmt.value(metric, low)}–{fmt.value(metric, high)}"
    return f"{fmt.number(low, metric.decimals)}–{fmt.value(metric, high)}"


# --------------------------------------------------------------------------- the map's content

@dataclass(frozen=True)
class Area:
    code: str
    name: str
    value: object
    colour: str
    rank: int | None
    ranked: int                          # how many areas have a value (the 6 of 第3/6)

    def tooltip(self, metric: Metric) -> dict[str, str]:
        """The tooltip's lines (plain text; deck.gl escapes them into its HTML)."""
        if self.rank is None:
            return {"name": self.name, "figure": f"{metric.label}：{NO_DATA}", "rank": ""}
        return {"name": self.name, "figure": f"{metric.label}：{fmt.value(metric, self.value)}",
                "rank": f"排名：第{self.rank}/{self.ranked}（由差到好）"}


@dataclass(frozen=True)
class MapSpec:
    deck: pdk.Deck
    legend: list[tuple[str, str]]        # (colour, text), worst first, 无数据 last if any
    schematic: bool                      # some outlines are schematic (示意边界)
    points: int                          # areas drawn as points (no boundary)
    codes: list[str]                     # the areas, in the order of the AREAS layer
    width: int                           # px: the map's width (its height is the deck's)

    @property
    def payload_bytes(self) -> int:
        return len(self.deck.to_json().encode())


def area_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a map draws: not the total, not 未识别区划 (no code)."""
    return frame[~frame["is_total"].astype(bool) & frame["code"].notna()]


def areas(rows: pd.DataFrame, metric: Metric) -> list[Area]:
    """The frame's areas with their class colour and rank."""
    rows = area_rows(rows)
    values = rows[metric.key].tolist()
    classes = classify(values, metric.direction)
    rank = ranks(values, metric.direction)
    ranked = sum(1 for r in rank if r is not None)
    return [Area(str(code), str(name), v, theme.NO_DATA_COLOUR if c is None else classes.colours[c],
                 r, ranked)
            for code, name, v, c, r in zip(rows["code"], rows["name"], values, classes.index, rank)]


def legend(rows: pd.DataFrame, metric: Metric) -> list[tuple[str, str]]:
    """(colour, class range) pairs, darkest (worst) first; 无数据 last when an area lacks one."""
    classes = classify(area_rows(rows)[metric.key].tolist(), metric.direction)
    shown = metric
    for _ in range(3):   # two classes that read alike (0.32 and 0.32 件/万人): one decimal more
        texts = [range_text(shown, *bounds) for bounds in classes.bounds]
        if len(set(texts)) == len(texts):
            break
        shown = replace(shown, decimals=shown.decimals + 1)
    items = list(zip(classes.colours, texts))[::-1]
    if any(i is None for i in classes.index):
        items.append((theme.NO_DATA_COLOUR, NO_DATA))
    return items


def build(tree: RegionTree, bounds: geo.Boundaries, rows: pd.DataFrame, metric: Metric, *,
          highlight: str | None = None, height: int = MAP_HEIGHT,
          budget: int = geo.MAP_BUDGET) -> MapSpec:
    """The deck for ``rows`` (a compute frame): polygons where a boundary exists, points
    at ``region.lon/lat`` otherwise (an area with neither is left out), names, tooltip;
    ``highlight``: the code outlined in HIGHLIGHT_COLOUR (a township among its district's)."""
    shown = areas(rows, metric)
    shapes = geo.collection(bounds, tuple(a.code for a in shown), budget)
    features, labels, extent, schematic = [], [], [], False
    for area in shown:
        feature, label = _feature(area, metric, shapes.get(area.code), bounds.get(area.code),
                                  tree.get(area.code))
        if feature is None:
            continue
        features.append(feature)
        labels.append(label)
        extent += _points_of(feature["geometry"])
        schematic |= feature["properties"]["schematic"]
    layers = [_area_layer(features), _label_layer(labels)]
    target = next((f for f in features if f["properties"]["code"] == highlight), None)
    if target is not None:
        layers.insert(1, _outline_layer(target))
    width = map_width(extent, height)
    deck = CompactDeck(layers=layers, initial_view_state=fit_view(extent, width, height),
                       views=[pdk.View("MapView", controller={"scrollZoom": False, "dragRotate": False,
                                                              "doubleClickZoom": False})],
                       map_provider=None, height=height,
                       tooltip={"html": "<b>{name}</b><br/>{figure}<br/>{rank}",
                                "style": {"backgroundColor": "#ffffff", "color": "#222222",
                                          "fontFamily": theme.FONT_FAMILY, "fontSize": "13px",
                                          "border": "1px solid #8c8c8c", "padding": "6px 8px"}})
    return MapSpec(deck, legend(rows, metric), schematic,
                   sum(1 for f in features if f["geometry"]["type"] == "Point"),
                   [f["properties"]["code"] for f in features], width)


def _feature(area: Area, metric: Metric, geometry: dict | None, shape: geo.Shape | None, region):
    """The GeoJSON feature of one area and its label, or (None, None) with nowhere to draw.
    ``geometry`` (this map's simplification of ``shape``) or else a point at the region."""
    seat = (region.lon, region.lat) if region is not None and None not in (region.lon, region.lat) \
        else None
    if geometry is None and seat is None:
        return None, None
    if geometry is None:
        geometry, at, offset = {"type": "Point", "coordinates": list(seat)}, list(seat), \
            [0, -(POINT_RADIUS + 9)]                  # the name above the point
    else:
        at, offset = list(shape.label_at(seat)), [0, 0]
    props = {"code": area.code, **area.tooltip(metric), "fill": theme.hex_to_rgb(area.colour, 235),
             "schematic": geometry["type"] != "Point" and shape.synthetic}
    # an area without a value says so on the map too: its grey is close to a light shade in print
    text = area.name if area.rank is not None else f"{area.name}\n（{NO_DATA}）"
    return ({"type": "Feature", "geometry": geometry, "properties": props},
            {"position": at, "text": text, "offset": offset})


def _points_of(geometry: dict) -> list:
    if geometry["type"] == "Point":
        return [geometry["coordinates"]]
    return [pt for polygon in geometry["coordinates"] for pt in polygon[0]]


def _lit(text: str) -> str:
    """A literal string for a pydeck layer (pydeck reads a bare string as an expression)."""
    return f"`{text}`"


def _area_layer(features: list[dict]) -> pdk.Layer:
    return pdk.Layer(
        "GeoJsonLayer", features, id=AREAS, pickable=True, auto_highlight=True,
        highlight_color=theme.hex_to_rgb(theme.HIGHLIGHT_COLOUR, 70),
        stroked=True, filled=True, get_fill_color="properties.fill",
        get_line_color=theme.hex_to_rgb(OUTLINE), get_line_width=1, line_width_units=_lit("pixels"),
        line_width_min_pixels=1, point_type=_lit("circle"), get_point_radius=POINT_RADIUS,
        point_radius_units=_lit("pixels"))


def _outline_layer(feature: dict) -> pdk.Layer:
    return pdk.Layer(
        "GeoJsonLayer", [feature], id=SCOPE_OUTLINE, pickable=False, stroked=True, filled=False,
        get_line_color=theme.hex_to_rgb(theme.HIGHLIGHT_COLOUR), get_line_width=4,
        line_width_units=_lit("pixels"), point_type=_lit("circle"),
        get_point_radius=POINT_RADIUS + 2, point_radius_units=_lit("pixels"))


def _label_layer(labels: list[dict]) -> pdk.Layer:
    return pdk.Layer(
        "TextLayer", labels, id=LABELS, pickable=False, get_position="position", get_text="text",
        get_pixel_offset="offset", get_size=14, size_units=_lit("pixels"),
        get_color=[34, 34, 34, 255], character_set=_lit("auto"),
        font_family=_lit(theme.FONT_FAMILY), font_weight=_lit("bold"),
        background=True, get_background_color=[255, 255, 255, 215], background_padding=[4, 2, 4, 2],
        get_text_anchor=_lit("middle"), get_alignment_baseline=_lit("center"),
        line_height=1.1)


def map_width(points: list, height: int, margin: int = 36) -> int:
    """A width that gives the areas' shape room at ``height``: a tall city a narrow map
    (its legend close beside it), a wide province a wide one."""
    if not points:
        return MAP_WIDTH[0]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    merc = [_merc(y) for y in ys]
    aspect = max(max(xs) - min(xs), 1e-3) / 360 / max((max(merc) - min(merc)) / (2 * math.pi), 1e-6)
    return int(min(max((height - 2 * margin) * aspect + 2 * margin, MAP_WIDTH[0]), MAP_WIDTH[1]))


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(points: list, width: int, height: int, margin: int = 36) -> pdk.ViewState:
    """Centre and zoom (Web Mercator) that fit ``points`` into ``width``×``height`` px,
    ``margin`` px kept free on every side (a point's name is drawn above it)."""
    if not points:
        return pdk.ViewState(latitude=0, longitude=0, zoom=1)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    merc = [_merc(y) for y in ys]
    span_x = max(max(xs) - min(xs), 1e-3)
    span_y = max(max(merc) - min(merc), 1e-5)
    zoom_x = math.log2(max(width - 2 * margin, 50) * 360 / (TILE * span_x))
    zoom_y = math.log2(max(height - 2 * margin, 50) * 2 * math.pi / (TILE * span_y))
    mid_merc = (max(merc) + min(merc)) / 2
    lat = math.degrees(2 * math.atan(math.exp(mid_merc)) - math.pi / 2)
    return pdk.ViewState(latitude=lat, longitude=(max(xs) + min(xs)) / 2,
                         zoom=round(min(zoom_x, zoom_y, 14), 2), pitch=0, bearing=0)


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents by 2, which triples the bytes
    of every coordinate sent to the browser (st.pydeck_chart sends ``to_json()``)."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


# --------------------------------------------------------------------------- on the page

def area_map(view: View, frame: pd.DataFrame, metric: str | Metric, *, key: str,
             height: int = MAP_HEIGHT, district_frame: pd.DataFrame | None = None) -> None:
    """The map of the view's scope, coloured by ``metric``, its legend beside it; a click
    on an area drills into it (``drill.picker``).

    ``frame``: the figures of the scope (``View.figures``), one row per area one level
    down. At a township scope the map shows its district's townships with this one
    outlined; their figures are fetched for the district when ``metric`` is a registry
    key, or given as ``district_frame`` (e.g. for the 乡镇问题指数). ``key``: unique on
    the page (the scope is added, so each scope starts with no selection).
    """
    metric = METRICS[metric] if isinstance(metric, str) else metric
    rows, highlight = drill.comparison(view, frame, metric, district_frame)
    spec = build(view.db.tree, geo.load(), rows, metric, highlight=highlight, height=height)
    if not spec.codes:
        st.info("暂无数据")
        return
    pick = drill.picker(view)
    widget = f"{key}.{view.filters.scope.code}"
    # a fixed width, so that a page may set a chart beside the map where the screen is wide
    # enough (a horizontal container wraps what does not fit: at 1440 px it goes below)
    with st.container(horizontal=True, gap="medium", vertical_alignment="center",
                      width=spec.width + LEGEND_WIDTH + 48):
        st.pydeck_chart(spec.deck, width=spec.width, height=height, key=widget,
                        selection_mode="single-object", alt=f"{metric.label}分布图",
                        on_select=_on_select(widget, spec.codes, pick))
        with st.container(width=LEGEND_WIDTH):
            draw_legend(spec, metric, drill.hint(view))


def _on_select(widget: str, codes: list[str], pick: Callable[[str], None]) -> Callable[[], None]:
    def handle() -> None:
        code = picked_code(st.session_state.get(widget), codes)
        if code is not None:
            pick(code)
    return handle


def picked_code(state, codes: list[str]) -> str | None:
    """The area code a map selection names: the picked feature's ``code``, else its index
    in the areas layer; None when nothing (or a label) is picked."""
    selection = (state or {}).get("selection") or {}
    objects = (selection.get("objects") or {}).get(AREAS) or []
    if objects:
        code = (objects[0].get("properties") or {}).get("code")
        if code in codes:
            return code
    indices = (selection.get("indices") or {}).get(AREAS) or []
    if indices and 0 <= indices[0] < len(codes):
        return codes[indices[0]]
    return None


def draw_legend(spec: MapSpec, metric: Metric, hint: str = "") -> None:
    """The legend: title with unit, one swatch per class (darkest = worst first), notes."""
    direction = {1: f"颜色越深越差（{metric.label}越低）", -1: f"颜色越深越差（{metric.label}越高）"}
    rows = "".join(
        f'<div style="display:flex;align-items:center;margin:3px 0">'
        f'<span style="display:inline-block;width:22px;height:14px;margin-right:6px;'
        f'background:{colour};border:1px solid #555"></span>{html.escape(text)}</div>'
        for colour, text in spec.legend)
    notes = [direction.get(metric.direction, f"颜色越深，{metric.label}越高")]
    if hint:
        notes.append(hint)
    if spec.points:
        notes.append("圆点：无边界数据的地区，按其区划坐标定位")
    if spec.schematic:
        notes.append("示意边界：镇（街道）形状为示意，仅表示相对位置")
    st.markdown(
        f'<div style="font-size:13px;line-height:1.35">'
        f'<div style="font-weight:600;margin-bottom:4px">{html.escape(metric.label)}'
        f'（{html.escape(metric.unit)}）</div>{rows}'
        + "".join(f'<div style="color:#555;margin-top:6px">{html.escape(n)}</div>' for n in notes)
        + "</div>", unsafe_allow_html=True)
