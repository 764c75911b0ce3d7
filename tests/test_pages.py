"""总览 and 应保尽保 through app.py (AppTest) on the demo database, for every role at the
top, a district and a township: no exception, the headline values the query layer gives,
and the truths the demo generator planted (data/demo.manifest.json).
"""
from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

import queries  # noqa: F401  (registers the figures)
from app_driver import ROOT, clear_server_caches, signed_in, texts
from queries.database import Database
from queries.figures import METRICS
from queries.runner import compute
from screens import coverage_page, overview_page
from settings import DEMO_DB_PATH
from ui import format as fmt

MANIFEST = json.loads((ROOT / "data" / "demo.manifest.json").read_text(encoding="utf-8"))
PLANTED_GAP = MANIFEST["planted"]["coverage_gap"]["township_code"]          # 汀溪镇, 同安区
TONGAN = PLANTED_GAP[:6]
# (role's user, scope asked for in the URL: top, a district, a township)
SCOPES = {
    "leader": (None, TONGAN, PLANTED_GAP),
    "supervisor": (None, TONGAN, PLANTED_GAP),
    "commission": (None, TONGAN, PLANTED_GAP),
    "siming": (None, "350203", "350203007"),
}
PAGES = {"overview": overview_page.HEADLINE, "coverage": coverage_page.HEADLINE}


@pytest.fixture(autouse=True)
def demo_app(monkeypatch, tmp_path):
    monkeypatch.setenv("OVERSIGHT_COOKIE_KEY", "test-cookie-key-" + "x" * 32)
    monkeypatch.setenv("OVERSIGHT_DB_URL", f"sqlite:///{DEMO_DB_PATH}")
    monkeypatch.setenv("OVERSIGHT_ACCESS_LOG", str(tmp_path / "access.log"))
    clear_server_caches()
    yield
    clear_server_caches()


@pytest.fixture(scope="module")
def db():
    return Database.open(f"sqlite:///{DEMO_DB_PATH}")


def open_page(username: str, url_path: str, query: dict[str, str] | None = None) -> AppTest:
    """Signed in, on the page registered under ``url_path`` (st.Page hashes its url_path)."""
    at = signed_in(username, query)
    at._page_hash = calc_hash(url_path)     # noqa: SLF001 (AppTest finds callable pages by hash only)
    at.run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("username", sorted(SCOPES))
@pytest.mark.parametrize("url_path", sorted(PAGES))
def test_page_for_every_role_and_level(db, username, url_path):
    """Each scope level in one session: top, then a district, then a township, through the
    URL; the cards show what the query layer computes for that scope."""
    at = open_page(username, url_path, {"period": "campaign"})
    user_regions = ("350203",) if username == "siming" else None
    for code in SCOPES[username]:
        if code is not None:
            at.query_params["scope"] = code
            at.run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        scope = db.scope(code, allowed=user_regions)
        expected = compute(db, list(PAGES[url_path]), scope, db.period("campaign"))
        total = expected[expected["is_total"]].iloc[0]
        cards = shown(at)
        for key in PAGES[url_path]:
            assert cards[METRICS[key].label] == fmt.value(METRICS[key], total[key]), (code, key)


def test_planted_gap_township_heads_the_coverage_ranking():
    """同安区's townships: 汀溪镇 (42 of 106 eligible not covered) is first, on the map's
    and the ranking's figure 漏保率."""
    at = open_page("supervisor", "coverage", {"period": "campaign", "scope": TONGAN})
    bars = _plotly(at, "coverage.rank")["data"][0]
    # rows r0, r1 … from the top: the chart's first row is its worst area
    top = bars["customdata"][bars["y"].index("r0")]
    assert top == PLANTED_GAP
    assert bars["hovertext"][bars["y"].index("r0")].startswith("<b>汀溪镇</b><br>漏保率：39.6%")


def test_planted_deceased_recipients_listed_with_their_days():
    """The four planted 死亡未退保 persons, longest since death first (as-of 2026-11-15:
    07-18 → 120 days, 09-28 (earliest of two records) → 48, 10-30 → 16, 11-14 → 1)."""
    at = open_page("commission", "coverage", {"period": "campaign"})
    table = _table_with(at, "死亡至今天数")
    as_of = date(2026, 11, 15)
    planted = sorted(MANIFEST["planted"]["deceased_still_active"],
                     key=lambda p: p["death_date"])
    days = [(as_of - date.fromisoformat(p["death_date"])).days for p in planted]
    assert days == [120, 48, 16, 1]
    assert list(table["死亡至今天数"]) == days
    assert f"共 {len(planted)} 人" in texts(at)


@pytest.mark.parametrize("username", ["leader", "siming"])
def test_staff_relatives_hidden_from_leader_and_district(username):
    at = open_page(username, "coverage", {"period": "campaign"})
    assert "近亲属享受" not in texts(at)
    assert "近亲属享受" not in shown(at)


def test_staff_relatives_for_the_commission(db):
    at = open_page("commission", "coverage", {"period": "campaign"})
    assert "近亲属享受" in texts(at)


def _plotly(at: AppTest, key: str) -> dict:
    for element in at.get("plotly_chart"):
        if key in element.proto.id or key in getattr(element.proto, "form_id", ""):
            return json.loads(element.proto.spec)
    charts = at.get("plotly_chart")
    assert charts, "no plotly chart drawn"
    raise AssertionError(f"no chart with key {key}: {[c.proto.id for c in charts]}")


def _table_with(at: AppTest, column: str):
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with the column {column}")
