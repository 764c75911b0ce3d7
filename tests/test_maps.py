"""The shared map: colour classes, legend, tooltip, the boundary join, the point fallback,
the geometry budget, and the view fitting the areas. Values are hand-made; codes and
names are those of the demo's 厦门市 (data/geo/SOURCE.md)."""
from __future__ import annotations

import json
import math
import os
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from queries.database import Database
from queries.figures import METRICS
from settings import DEMO_DB_PATH
from ui import boundaries as geo
from ui import maps, theme

DISTRICTS = {"350203": "思明区", "350205": "海沧区", "350206": "湖里区", "350211": "集美区",
             "350212": "同安区", "350213": "翔安区"}
SIMING_TOWNSHIPS = 10          # data/geo/xiamen_townships.csv: 思明区 has 10 街道
TONGAN_TOWNSHIPS = 11          # the district with the most townships in the demo
C = theme.CLASS_COLOURS


@pytest.fixture(scope="module")
def db() -> Database:
    return Database.open(f"sqlite:///{DEMO_DB_PATH}")


@pytest.fixture(scope="module")
def demo_geo() -> geo.Boundaries:
    return geo.load("data/geo")


def frame(key: str, values: dict[str, object], names: dict[str, str] | None = None) -> pd.DataFrame:
    """A compute-shaped frame: the total row, one row per area, 未识别区划 (code None)."""
    names = names or DISTRICTS
    rows = [{"code": "350200", "name": "厦门市", "is_total": True, key: 1.0}]
    rows += [{"code": c, "name": names.get(c, c), "is_total": False, key: v} for c, v in values.items()]
    rows.append({"code": None, "name": "未识别区划", "is_total": False, key: 99.0})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- classes

def test_ten_distinct_values_make_five_classes_of_two_darker_when_higher_is_worse():
    classes = maps.classify(list(range(10)), direction=-1)
    assert classes.index == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert classes.bounds == [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]
    assert classes.colours == list(C)


def test_higher_is_better_puts_the_lowest_values_in_the_darkest_class():
    classes = maps.classify([95.0, 60.0, 70.0, 80.0, 90.0, 100.0, 85.0, 75.0, 65.0, 99.0], direction=1)
    # sorted worst first (lowest): 60 65 | 70 75 | 80 85 | 90 95 | 99 100
    assert classes.index == [1, 4, 3, 2, 1, 0, 2, 3, 4, 0]
    assert classes.bounds[4] == (60.0, 65.0) and classes.bounds[0] == (99.0, 100.0)


def test_no_value_has_no_class_and_the_others_are_classed_without_it():
    classes = maps.classify([3, None, float("nan"), 1, 2], direction=-1)
    assert classes.index == [2, None, None, 0, 1]


def test_few_distinct_values_give_fewer_classes_spread_over_the_shades():
    classes = maps.classify([5, 5, 7, 7, 7, 9], direction=-1)
    assert classes.index == [0, 0, 1, 1, 1, 2]
    assert classes.colours == [C[0], C[2], C[4]]
    assert maps.classify([4, 4], direction=-1).colours == [C[2]]     # one value: the middle
    assert maps.classify([0, 8], direction=-1).colours == [C[0], C[4]]


def test_ties_never_split_even_if_a_class_then_stays_empty():
    # 11 values, six of them 1: the quantile breaks fall at 1, 1, 2, 4 → four classes
    classes = maps.classify([1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6], direction=-1)
    assert classes.index == [0] * 6 + [1, 2, 2, 3, 3]
    assert classes.bounds == [(1, 1), (2, 2), (3, 4), (5, 6)]


def test_ranks_worst_first_ties_share_none_has_none():
    # two areas tie worst: they are both 第1, the next is 第3 (as in a league table)
    assert maps.ranks([10, None, 30, 20, 30], direction=-1) == [4, None, 1, 3, 1]
    assert maps.ranks([10, None, 30, 20, 30], direction=1) == [1, None, 3, 2, 3]


def test_range_text_takes_the_units_of_format():
    assert maps.range_text(METRICS["gap_rate"], 0.0, 4.5) == "0.0%–4.5%"
    assert maps.range_text(METRICS["gap_persons"], 3, 7) == "3–7 人"
    assert maps.range_text(METRICS["gap_persons"], 1200, 3400) == "1,200–3,400 人"
    assert maps.range_text(METRICS["gap_persons"], 5, 5) == "5 人"


def test_legend_lists_the_darkest_class_first_and_no_data_last():
    rate = METRICS["clue_conclusion_rate"]          # higher is better
    rows = frame(rate.key, {"350203": 95.0, "350205": 80.0, "350206": None, "350211": 80.0,
                            "350212": 62.5, "350213": 95.0})
    assert maps.legend(rows, rate) == [(C[4], "62.5%"), (C[2], "80.0%"), (C[0], "95.0%"),
                                       (theme.NO_DATA_COLOUR, "无数据")]


def test_legend_classes_never_read_alike():
    """Two classes whose bounds round to the same text at the figure's decimals get one
    decimal more (0.318 and 0.324 件/万人 read 0.32 twice at two decimals)."""
    per_10k = METRICS["new_repeat_per_10k"]
    rows = frame(per_10k.key, {"350203": 0.318, "350205": 0.324, "350206": 0.21, "350211": 0.40,
                               "350212": 0.26, "350213": 0.60})
    labels = [text for _, text in maps.legend(rows, per_10k)]
    assert len(set(labels)) == len(labels), labels
    assert "0.324 件/万人" in labels and "0.318 件/万人" in labels


# --------------------------------------------------------------------------- the deck

def features(spec: maps.MapSpec) -> dict[str, dict]:
    layer = next(layer for layer in json.loads(spec.deck.to_json())["layers"] if layer["id"] == maps.AREAS)
    return {f["properties"]["code"]: f for f in layer["data"]}


def test_tooltip_has_the_name_the_value_with_unit_and_the_rank(db, demo_geo):
    rate = METRICS["clue_conclusion_rate"]
    rows = frame(rate.key, {"350203": 95.0, "350205": 80.0, "350206": None, "350211": 87.5,
                            "350212": 62.5, "350213": 99.0})
    props = {c: f["properties"] for c, f in features(maps.build(db.tree, demo_geo, rows, rate)).items()}
    assert props["350212"]["name"] == "同安区"
    assert props["350212"]["figure"] == "线索办结率：62.5%"
    assert props["350212"]["rank"] == "排名：第1/5（由差到好）"      # the lowest rate is the worst
    assert props["350211"]["rank"] == "排名：第3/5（由差到好）"
    assert props["350206"]["figure"] == "线索办结率：无数据" and props["350206"]["rank"] == ""
    assert props["350206"]["fill"] == theme.hex_to_rgb(theme.NO_DATA_COLOUR, 235)
    assert props["350212"]["fill"] == theme.hex_to_rgb(C[4], 235)
    assert None not in props and "未识别区划" not in {p["name"] for p in props.values()}


def test_all_six_districts_join_their_polygons(db, demo_geo):
    spec = maps.build(db.tree, demo_geo, frame("gap_persons", {c: 1 for c in DISTRICTS}),
                      METRICS["gap_persons"])
    shapes = features(spec)
    assert sorted(shapes) == sorted(DISTRICTS)
    assert {f["geometry"]["type"] for f in shapes.values()} == {"MultiPolygon"}
    assert spec.points == 0 and not spec.schematic      # real district outlines


def test_every_township_of_siming_joins_a_schematic_polygon(db, demo_geo):
    siming = db.scope("350203")
    assert len(siming.children) == SIMING_TOWNSHIPS
    names = {c.code: c.name for c in siming.children}
    rows = frame("gap_persons", {c: 2 for c in names}, names)
    spec = maps.build(db.tree, demo_geo, rows, METRICS["gap_persons"])
    shapes = features(spec)
    assert sorted(shapes) == sorted(names)
    assert {f["geometry"]["type"] for f in shapes.values()} == {"MultiPolygon"}
    assert spec.schematic                                # 示意边界 in the legend


def test_legend_notes_schematic_outlines_and_points(db, demo_geo, tmp_path):
    # draw_legend writes one st.markdown block: read what it was given
    names = {c.code: c.name for c in db.scope("350203").children}
    spec = maps.build(db.tree, demo_geo, frame("gap_persons", {c: 2 for c in names}, names),
                      METRICS["gap_persons"])
    with mock.patch("streamlit.markdown") as markdown:
        maps.draw_legend(spec, METRICS["gap_persons"])
    assert "示意边界" in markdown.call_args.args[0] and "漏保人数（人）" in markdown.call_args.args[0]
    empty = maps.build(db.tree, geo.load(str(tmp_path)), frame("gap_persons", {"350203": 1}),
                       METRICS["gap_persons"])
    with mock.patch("streamlit.markdown") as markdown:
        maps.draw_legend(empty, METRICS["gap_persons"])
    assert "圆点" in markdown.call_args.args[0] and "示意边界" not in markdown.call_args.args[0]


def test_without_boundary_files_every_area_is_a_point_at_its_region(db, tmp_path):
    empty = geo.load(str(tmp_path))                     # a folder with no GeoJSON at all
    assert empty.shapes == {} and empty.problems == ()
    spec = maps.build(db.tree, empty, frame("gap_persons", {c: i for i, c in enumerate(DISTRICTS)}),
                      METRICS["gap_persons"])
    shapes = features(spec)
    assert spec.points == 6 and sorted(shapes) == sorted(DISTRICTS)
    tongan = db.tree.by_code["350212"]
    assert shapes["350212"]["geometry"] == {"type": "Point", "coordinates": [tongan.lon, tongan.lat]}


def test_a_12_digit_code_joins_its_9_digit_township(tmp_path, db):
    square = [[[118.0, 24.6], [118.1, 24.6], [118.1, 24.7], [118.0, 24.7], [118.0, 24.6]]]
    (tmp_path / "t.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "350212001000", "name": "大同街道"},
         "geometry": {"type": "Polygon", "coordinates": square}}]}), encoding="utf-8")
    bounds = geo.load(str(tmp_path))
    assert bounds.get("350212001") is not None and bounds.get("350212001000") is not None
    assert geo.canonical("350212000000") == "350212" and geo.canonical("350212001") == "350212001"
    names = {c.code: c.name for c in db.scope("350212").children}
    spec = maps.build(db.tree, bounds, frame("gap_persons", {c: 1 for c in names}, names),
                      METRICS["gap_persons"])
    kinds = {c: f["geometry"]["type"] for c, f in features(spec).items()}
    assert kinds.pop("350212001") == "MultiPolygon"
    assert set(kinds.values()) == {"Point"} and len(kinds) == len(names) - 1


def test_a_broken_file_is_skipped_and_the_others_still_load(tmp_path):
    (tmp_path / "a_bad.geojson").write_text("{not json", encoding="utf-8")
    (tmp_path / "b_good.geojson").write_text(
        (geo.settings.ROOT / "data/geo/xiamen_districts.geojson").read_text(encoding="utf-8"),
        encoding="utf-8")
    bounds = geo.load(f"{tmp_path};{tmp_path / 'missing.geojson'}")
    assert sorted(bounds.shapes) == sorted(DISTRICTS)
    assert len(bounds.problems) == 2 and "a_bad.geojson" in bounds.problems[0]


def test_layers_have_ids_cjk_text_and_no_basemap(db, demo_geo):
    spec = maps.build(db.tree, demo_geo, frame("gap_persons", {c: 1 for c in DISTRICTS}),
                      METRICS["gap_persons"])
    deck = json.loads(spec.deck.to_json())
    labels = next(layer for layer in deck["layers"] if layer["id"] == maps.LABELS)
    assert labels["characterSet"] == "auto" and labels["fontFamily"] == theme.FONT_FAMILY
    assert "Microsoft YaHei" in labels["fontFamily"] and "WenQuanYi Micro Hei" in labels["fontFamily"]
    assert sorted(t["text"] for t in labels["data"]) == sorted(DISTRICTS.values())
    assert all(layer.get("id") for layer in deck["layers"])
    assert "mapProvider" not in deck or deck["mapProvider"] is None
    assert "carto" not in spec.deck.to_json().lower() and "mapbox" not in spec.deck.to_json().lower()


def test_a_township_scope_outlines_its_township_among_its_districts(db, demo_geo):
    names = {c.code: c.name for c in db.scope("350212").children}
    spec = maps.build(db.tree, demo_geo, frame("gap_persons", {c: 1 for c in names}, names),
                      METRICS["gap_persons"], highlight="350212001")
    outline = next(layer for layer in json.loads(spec.deck.to_json())["layers"]
                   if layer["id"] == maps.SCOPE_OUTLINE)
    assert [f["properties"]["code"] for f in outline["data"]] == ["350212001"]
    assert outline["getLineColor"] == theme.hex_to_rgb(theme.HIGHLIGHT_COLOUR)
    assert len(features(spec)) == TONGAN_TOWNSHIPS


def test_a_label_stays_on_the_areas_largest_part(demo_geo):
    # 滨海街道's schematic cell has an islet where the file's label point lies
    binhai = demo_geo.get("350203005")
    largest = max((p[0] for p in binhai.polygons), key=geo.ring_area)
    assert not geo.inside(binhai.label, largest)
    assert geo.inside(binhai.label_at(), largest)


# --------------------------------------------------------------------------- size and view

def test_payload_of_the_city_and_the_biggest_district_is_under_300_kb(db, demo_geo):
    biggest = max(db.tree.children[db.tree.top.code], key=lambda d: len(db.tree.children[d.code]))
    assert biggest.code == "350212" and len(db.tree.children["350212"]) == TONGAN_TOWNSHIPS
    for scope in (db.scope(None), db.scope(biggest.code)):
        names = {c.code: c.name for c in scope.children}
        spec = maps.build(db.tree, demo_geo, frame("gap_persons", {c: 1 for c in names}, names),
                          METRICS["gap_persons"])
        assert spec.payload_bytes < 300_000, (scope.name, spec.payload_bytes)


def _circle(lon: float, lat: float, radius: float, n: int) -> list:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    # a wiggly outline: no point is redundant at the read tolerance
    r = radius * (1 + 0.05 * np.sin(37 * t) + 0.02 * np.sin(301 * t))
    ring = np.c_[lon + r * np.cos(t), lat + r * np.sin(t)].round(6).tolist()
    return [ring + [ring[0]]]


def test_detailed_boundaries_are_simplified_under_the_budget(db, tmp_path):
    # 11 townships of 20,000 vertices each: ~5 MB of GeoJSON as a deployment might supply
    towns = db.tree.children["350212"]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": t.code + "000", "name": t.name},
         "geometry": {"type": "Polygon", "coordinates": _circle(t.lon, t.lat, 0.02, 20_000)}}
        for t in towns]}
    path = tmp_path / "detailed.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert path.stat().st_size > 3_000_000
    bounds = geo.load(str(path))
    names = {t.code: t.name for t in towns}
    rows = frame("gap_persons", {c: 1 for c in names}, names)
    spec = maps.build(db.tree, bounds, rows, METRICS["gap_persons"])
    assert spec.points == 0 and spec.payload_bytes < 300_000
    tight = maps.build(db.tree, bounds, rows, METRICS["gap_persons"], budget=20_000)
    shapes = features(tight)
    assert geo.payload_bytes(f["geometry"] for f in shapes.values()) <= 20_000
    assert {f["geometry"]["type"] for f in shapes.values()} == {"MultiPolygon"}


def test_douglas_peucker_drops_what_the_tolerance_hides():
    line = np.array([[0, 0], [1, 0.001], [2, 0], [3, 0.5], [4, 0]], dtype=float)
    assert geo.douglas_peucker(line, 0.01).tolist() == [[0, 0], [2, 0], [3, 0.5], [4, 0]]
    assert geo.douglas_peucker(line, 1.0).tolist() == [[0, 0], [4, 0]]


def test_boundaries_are_read_once_until_a_file_changes(tmp_path):
    path = tmp_path / "d.geojson"
    path.write_text((geo.settings.ROOT / "data/geo/xiamen_districts.geojson").read_text(encoding="utf-8"),
                    encoding="utf-8")
    first = geo.load(str(path))
    assert geo.load(str(path)) is first
    os.utime(path, ns=(0, 10**18))
    assert geo.load(str(path)) is not first


def test_the_view_fits_every_area_inside_the_canvas(db, demo_geo):
    spec = maps.build(db.tree, demo_geo, frame("gap_persons", {c: 1 for c in DISTRICTS}),
                      METRICS["gap_persons"], height=460)
    view = spec.deck.initial_view_state
    scale = 512 * 2 ** view.zoom

    def px(lon: float, lat: float) -> tuple[float, float]:
        merc = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        return (lon + 180) / 360 * scale, (1 - merc / math.pi) / 2 * scale

    cx, cy = px(view.longitude, view.latitude)
    for f in features(spec).values():
        for polygon in f["geometry"]["coordinates"]:
            for lon, lat in polygon[0]:
                x, y = px(lon, lat)
                assert abs(x - cx) <= spec.width / 2 and abs(y - cy) <= 460 / 2
    # and it is not drawn tiny: the areas span most of the height (Xiamen is taller than wide)
    ys = [px(lon, lat)[1] for f in features(spec).values() for p in f["geometry"]["coordinates"]
          for lon, lat in p[0]]
    assert max(ys) - min(ys) > 0.7 * 460
