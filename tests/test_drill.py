"""Drill-down through the app (AppTest on app.py, demo database): a click on the map
narrows the scope, at the lowest level it opens 乡镇画像, the breadcrumb leads back up,
and nobody reaches a region outside their own.

AppTest has no accessor for a pydeck selection: ``select_area`` sends the widget state
the browser sends (DeckGlJsonChart.tsx: ``setStringValue(id, JSON.stringify({selection:
{indices, objects}}))``) with the next run, as Streamlit's frontend does. The same clicks
were checked in Chromium on the canvas (see the branch's report).

Expected figures: the demo manifest's 漏保人数 by township (data/demo.manifest.json).
"""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from app_driver import ROOT, signed_in
from e2e.browser import RequestLog, browser, chromium_path, sign_in, wait_for_app
from e2e.server import running_app
from queries.database import Database
from queries.figures import METRICS
from settings import DEMO_DB_PATH
from ui import boundaries as geo
from ui import maps

MANIFEST = json.loads((ROOT / "data" / "demo.manifest.json").read_text(encoding="utf-8"))
GAPS = MANIFEST["coverage"]["gap_persons_by_township"]          # as of 2026-11-15
CITY_GAP = MANIFEST["coverage"]["gap_persons_total"]            # 227 (one of an unknown code)
TONGAN_GAP = sum(n for code, n in GAPS.items() if code.startswith("350212"))   # 77
DATONG_GAP = GAPS["350212001"]                                                 # 大同街道: 7


pytestmark = pytest.mark.usefixtures("demo_app")


def the_map(at: AppTest):
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1, "the page draws one map"
    return decks[0]


def map_codes(at: AppTest) -> list[str]:
    layer = next(l for l in json.loads(the_map(at).proto.json)["layers"] if l["id"] == maps.AREAS)
    return [f["properties"]["code"] for f in layer["data"]]


def select_area(at: AppTest, code: str) -> AppTest:
    """Click the area ``code`` on the page's map, as the browser reports it."""
    deck = the_map(at)
    layer = next(l for l in json.loads(deck.proto.json)["layers"] if l["id"] == maps.AREAS)
    index = [f["properties"]["code"] for f in layer["data"]].index(code)
    value = {"selection": {"indices": {maps.AREAS: [index]}, "objects": {maps.AREAS: [layer["data"][index]]}}}
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=deck.proto.id, string_value=json.dumps(value, ensure_ascii=False)))
    at._run(states)
    assert not at.exception, at.exception
    return at


def gap_shown(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "漏保人数")


def test_city_to_district_to_township_then_its_profile():
    at = signed_in("commission", {"period": "campaign"})
    assert gap_shown(at) == f"{CITY_GAP} 人"
    assert sorted(map_codes(at)) == ["350203", "350205", "350206", "350211", "350212", "350213"]

    select_area(at, "350212")                                        # 同安区
    assert at.query_params.get("scope") == "350212" and at.query_params.get("period") == "campaign"
    assert gap_shown(at) == f"{TONGAN_GAP} 人"
    assert len(map_codes(at)) == 11 and all(c.startswith("350212") for c in map_codes(at))

    select_area(at, "350212001")                                     # 大同街道
    assert at.query_params.get("scope") == "350212001"
    assert gap_shown(at) == f"{DATONG_GAP} 人"
    assert len(map_codes(at)) == 11                                  # among its district's townships
    outline = next(l for l in json.loads(the_map(at).proto.json)["layers"] if l["id"] == maps.SCOPE_OUTLINE)
    assert [f["properties"]["code"] for f in outline["data"]] == ["350212001"]

    select_area(at, "350212001")                                     # the lowest level: 乡镇画像
    assert any("乡镇画像" in t.value for t in at.title), [t.value for t in at.title]
    assert at.query_params.get("scope") == "350212001" and at.query_params.get("period") == "campaign"
    # we left the overview: the map drawn is 乡镇画像's, its district's townships
    assert [m.key for m in at.get("deck_gl_json_chart")] == ["township.map.350212001"]


def test_another_township_at_the_lowest_level_opens_its_profile():
    at = signed_in("commission", {"period": "2026Q3", "scope": "350212001"})
    select_area(at, "350212109")                                     # 汀溪镇, beside 大同街道
    assert any("乡镇画像" in t.value for t in at.title)
    assert at.query_params.get("scope") == "350212109" and at.query_params.get("period") == "2026Q3"


def test_breadcrumb_leads_back_up():
    at = signed_in("commission", {"period": "campaign", "scope": "350212001"})
    crumbs = [b for b in at.button if ".crumb." in (b.key or "")]
    assert [b.label for b in crumbs] == ["厦门市", "同安区"]
    next(b for b in crumbs if b.label == "同安区").click().run()
    assert at.query_params.get("scope") == "350212" and gap_shown(at) == f"{TONGAN_GAP} 人"
    next(b for b in at.button if b.label == "厦门市").click().run()
    assert "scope" not in at.query_params and gap_shown(at) == f"{CITY_GAP} 人"


def test_a_district_user_never_sees_a_level_above_their_own():
    at = signed_in("siming", {"period": "campaign", "scope": "350203003"})
    assert [b.label for b in at.button if ".crumb." in (b.key or "")] == ["思明区"]
    assert gap_shown(at) == f"{GAPS['350203003']} 人"


def test_a_selection_naming_another_district_changes_nothing():
    at = signed_in("siming", {"period": "campaign"})
    codes = map_codes(at)
    assert all(c.startswith("350203") for c in codes) and "350212" not in codes
    # a forged message: the picked feature names 同安区 (not on this user's map)
    deck = the_map(at)
    forged = {"selection": {"indices": {maps.AREAS: [99]},
                            "objects": {maps.AREAS: [{"properties": {"code": "350212"}}]}}}
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=deck.proto.id, string_value=json.dumps(forged)))
    at._run(states)
    assert not at.exception and not at.error
    siming_gap = sum(n for code, n in GAPS.items() if code.startswith("350203"))       # 37
    assert "scope" not in at.query_params and gap_shown(at) == f"{siming_gap} 人"


def test_with_an_empty_boundary_folder_the_map_still_drills(monkeypatch, tmp_path):
    monkeypatch.setenv("OVERSIGHT_BOUNDARIES", str(tmp_path))          # no GeoJSON at all
    at = signed_in("commission", {"period": "campaign"})
    layer = next(l for l in json.loads(the_map(at).proto.json)["layers"] if l["id"] == maps.AREAS)
    assert [f["geometry"]["type"] for f in layer["data"]] == ["Point"] * 6
    select_area(at, "350212")
    assert at.query_params.get("scope") == "350212" and gap_shown(at) == f"{TONGAN_GAP} 人"


def _picker_page():
    """A page of buttons that call drill.picker(view) for a district user (思明区)."""
    import streamlit as st

    from queries.database import Database
    from settings import DEMO_DB_PATH
    from ui import drill, filters
    from ui.access import User
    from ui.navigation import BY_PATH, View

    db = Database.open(f"sqlite:///{DEMO_DB_PATH}")
    user = User("siming", "思明区民政局", "district", ("350203",))
    view = View(db, user, filters.resolve(db, user), BY_PATH["overview"])
    st.text(view.filters.scope.code)
    for code in ("350212", "350212001", "350200", "no-such-code", "350203001"):
        st.button(code, key=code, on_click=drill.picker(view), args=(code,))


def test_the_picker_refuses_a_region_outside_the_users():
    at = AppTest.from_function(_picker_page, default_timeout=30).run()
    assert at.text[0].value == "350203"
    for refused in ("350212", "350212001", "350200", "no-such-code"):
        at.button(key=refused).click().run()
        assert not at.exception and not at.error
        assert at.text[0].value == "350203" and "scope" not in at.query_params
    at.button(key="350203001").click().run()
    assert at.text[0].value == "350203001" and at.query_params.get("scope") == "350203001"


def test_picked_code_reads_the_feature_else_the_index():
    codes = ["350203", "350212"]
    feature = {"type": "Feature", "properties": {"code": "350212", "name": "同安区"}, "geometry": None}
    assert maps.picked_code({"selection": {"indices": {maps.AREAS: [1]},
                                           "objects": {maps.AREAS: [feature]}}}, codes) == "350212"
    assert maps.picked_code({"selection": {"indices": {maps.AREAS: [0]}, "objects": {}}}, codes) == "350203"
    assert maps.picked_code({"selection": {"indices": {}, "objects": {}}}, codes) is None
    assert maps.picked_code({"selection": {"indices": {"labels": [0]}, "objects": {}}}, codes) is None
    assert maps.picked_code(None, codes) is None


# --------------------------------------------------------------------------- in Chromium

def _canvas_point(page, shown: list[str], target: str) -> tuple[float, float]:
    """Where ``target``'s name sits on the page's map canvas: the view the map fits to
    the areas shown (their values do not move it), projected as deck.gl's MapView does."""
    db = Database.open(f"sqlite:///{DEMO_DB_PATH}")
    rows = pd.DataFrame([{"code": c, "name": c, "is_total": False, "gap_persons": 1} for c in shown])
    view = maps.build(db.tree, geo.load(), rows, METRICS["gap_persons"]).deck.initial_view_state
    region = db.tree.by_code[target]
    lon, lat = geo.load().get(target).label_at((region.lon, region.lat))
    scale = 512 * 2 ** view.zoom

    def px(lo: float, la: float) -> tuple[float, float]:
        merc = math.log(math.tan(math.pi / 4 + math.radians(la) / 2))
        return (lo + 180) / 360 * scale, (1 - merc / math.pi) / 2 * scale

    canvas = page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas")
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(800)                 # deck.gl draws a moment after the element
    box = canvas.bounding_box()
    (cx, cy), (x, y) = px(view.longitude, view.latitude), px(lon, lat)
    return box["x"] + box["width"] / 2 + x - cx, box["y"] + box["height"] / 2 + y - cy


def test_clicks_on_the_canvas_drill_down_in_chromium(tmp_path):
    if chromium_path() is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    districts = ["350203", "350205", "350206", "350211", "350212", "350213"]
    tongan = sorted(c for c in GAPS if c.startswith("350212"))
    steps = ((districts, "350212", "同安区", "/overview?period=campaign&scope=350212"),
             (tongan, "350212001", "大同街道", "/overview?period=campaign&scope=350212001"),
             (tongan, "350212001", "大同街道", "/township?period=campaign&scope=350212001"))
    env = {"OVERSIGHT_DB_URL": f"sqlite:///{DEMO_DB_PATH}", "OVERSIGHT_ACCESS_LOG": str(tmp_path / "a.log")}
    with running_app(env) as base, browser() as chromium:
        page = chromium.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        log = RequestLog(page)
        page.goto(base + "/")
        wait_for_app(page)
        sign_in(page, "commission", "Commission@2026")          # lands on 总览, default period
        for shown, code, name, url in steps:
            x, y = _canvas_point(page, shown, code)
            page.mouse.move(x, y)
            page.wait_for_selector(".deck-tooltip", state="visible")
            tooltip = page.inner_text(".deck-tooltip")
            # name, the page's figure with its unit, the rank (whichever figure 总览 maps)
            assert tooltip.startswith(name) and "排名：第" in tooltip and len(tooltip.splitlines()) == 3
            page.mouse.click(x, y)
            page.wait_for_url(base + url, timeout=15_000)
            wait_for_app(page)
        assert "乡镇画像" in page.inner_text("[data-testid='stMain']")
        assert log.foreign("127.0.0.1") == []


def select_bar(at: AppTest, code: str) -> AppTest:
    """Click the bar of ``code`` in the page's ranking, as the browser reports a plotly
    selection (PlotlyChart.tsx: the selected points with their customdata)."""
    chart = next(c for c in at.get("plotly_chart") if "rank" in c.proto.id)
    bars = json.loads(chart.proto.spec)["data"][0]
    index = bars["customdata"].index(code)
    point = {"curve_number": 0, "point_number": index, "point_index": index,
             "x": bars["x"][index], "y": bars["y"][index], "customdata": code}
    value = {"selection": {"points": [point], "point_indices": [index], "box": [], "lasso": []}}
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=chart.proto.id, string_value=json.dumps(value, ensure_ascii=False)))
    at._run(states)
    assert not at.exception, at.exception
    return at


def test_a_bar_of_the_ranking_drills_like_the_map():
    """总览's ranking: 同安区's bar narrows to 同安区 (77 人); at a township scope a bar
    of a neighbouring township opens its 乡镇画像."""
    at = signed_in("commission", {"period": "campaign"})
    select_bar(at, "350212")
    assert at.query_params.get("scope") == "350212"
    assert gap_shown(at) == f"{TONGAN_GAP} 人"
    select_bar(at, "350212001")                                      # 大同街道
    assert at.query_params.get("scope") == "350212001"
    assert gap_shown(at) == f"{DATONG_GAP} 人"
    select_bar(at, "350212109")                                      # the lowest level: 汀溪镇's profile
    assert any("乡镇画像" in t.value for t in at.title), [t.value for t in at.title]
    assert at.query_params.get("scope") == "350212109"
