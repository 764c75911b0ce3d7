"""资金发放（一卡通） through app.py (AppTest) on the demo database: every role at the top,
a district and a township; the planted anomalies (data/payments.py, their counts in the
manifest) on the page; list counts equal to the figures; a leader's Excel masked; 未接入
without the payment table.
"""
from __future__ import annotations

import io
import json

import openpyxl
import pytest

import queries  # noqa: F401  (registers the figures)
from app_driver import texts
from queries.figures import METRICS
from queries.runner import compute
from screens import payments_page
from test_pages import MANIFEST, cards_at_each_scope, db, open_page, shown  # noqa: F401,F811  (db: the fixture)
from ui import format as fmt

PAY = MANIFEST["payment_figures"]
PLANTED = MANIFEST["planted"]["payments"]
SHARED_TOWN = PLANTED["shared_township"]                  # 灌口镇 (集美区)
LATE_DISTRICT = PLANTED["late_district"]                  # 海沧区
SCOPES = {
    "leader": (None, SHARED_TOWN[:6], SHARED_TOWN),
    "supervisor": (None, LATE_DISTRICT, SHARED_TOWN),
    "commission": (None, SHARED_TOWN[:6], SHARED_TOWN),
    "siming": (None, "350203", "350203007"),
}
# the manifest's names of the figures
TRUTH = {"suspect_households": "suspect_households", "holder_mismatch": "mismatch",
         "multi_card_persons": "multi_card_persons", "shared_account_households": "shared_account_households",
         "pay_late": "late", "pay_count": "payments"}

pytestmark = pytest.mark.usefixtures("demo_app")


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_page_for_every_role_and_level(db, username):
    for at in cards_at_each_scope(db, username, "payments", payments_page.HEADLINE, SCOPES[username]):
        assert "疑点，需核实" in texts(at)


def _plotly(at, key: str) -> dict:
    from test_pages import _plotly as plotly_of
    return plotly_of(at, key)


def _tables_with(at, column: str) -> list:
    return [f.value for f in at.dataframe if column in f.value.columns]


@pytest.mark.parametrize("period", ["campaign", "2026Q3", "2026Q4"])
def test_city_cards_are_the_manifest_truths(period):
    """The figures of the whole city equal those the generator's manifest computed from
    the rows in plain Python (data/payment_truths.py), for the campaign and two quarters."""
    at = open_page("commission", "payments", {"period": period})
    cards, truth = shown(at), PAY[period]["top"]
    for key in ("suspect_households", "holder_mismatch", "multi_card_persons", "shared_account_households"):
        assert cards[METRICS[key].label] == fmt.value(METRICS[key], truth[TRUTH[key]]), key
    rate = METRICS["pay_on_time_rate"]
    assert cards[rate.label] == fmt.value(rate, 100 * truth["on_time"] / truth["payments"])


def test_planted_shared_township_heads_the_ranking_and_the_city_list():
    """灌口镇's accounts paid for 2–3 households each (代管代取): first by 一卡通疑点户数 among
    集美区's townships, and first among the city's townships."""
    at = open_page("supervisor", "payments", {"period": "campaign", "scope": SHARED_TOWN[:6]})
    bars = _plotly(at, "payments.rank.suspect_households")["data"][0]
    assert bars["customdata"][bars["y"].index("r0")] == SHARED_TOWN
    city = open_page("supervisor", "payments", {"period": "campaign"})
    first = _tables_with(city, "镇（街道）")[0]
    assert first.iloc[0]["一卡通疑点户数（户）"] == PAY["campaign"][SHARED_TOWN]["suspect_households"]
    assert "灌口镇" in str(first.iloc[0]["镇（街道）"])


def test_planted_late_district_is_last_by_on_time_rate():
    at = open_page("leader", "payments", {"period": "2026Q3"})
    bars = _plotly(at, "payments.on_time")["data"][0]
    assert bars["customdata"][bars["y"].index("r0")] == LATE_DISTRICT
    truth = PAY["2026Q3"][LATE_DISTRICT]
    assert truth["late"] > 0 and PAY["2026Q3"]["top"]["late"] == truth["late"]


def test_list_counts_equal_the_figures():
    """Each list, chosen above it: 持卡人不一致 and 死亡后发放 count payments as their
    figures do; 一人多卡 and 共用账户 name the persons and households of their figures."""
    at = open_page("commission", "payments", {"period": "campaign"})
    truth = PAY["campaign"]["top"]
    expected = {"holder_mismatch_payments": f"共 {truth['mismatch']:,} 笔",
                "multi_card_payments": f"一人多卡 {truth['multi_card_persons']:,} 人",
                "shared_account_payments": f"共用账户户数 {truth['shared_account_households']:,} 户",
                "paid_after_death": f"共 {MANIFEST['coverage']['paid_after_death']['count']:,} 笔"}
    assert f"共 {truth['mismatch']:,} 笔" in texts(at)          # the first list, shown at once
    for key, words in expected.items():
        at.segmented_control(key="payments.list").set_value(key).run()
        assert not at.exception, at.exception
        assert words in texts(at), key


def test_leader_gets_names_and_accounts_masked_in_the_page_and_the_excel(tmp_path, downloads):
    at = open_page("leader", "payments", {"period": "campaign"})
    tables = []
    for key in ("multi_card_payments", "shared_account_payments", "paid_after_death", "holder_mismatch_payments"):
        at.segmented_control(key="payments.list").set_value(key).run()
        tables += _tables_with(at, "持卡人")
    assert len(tables) == 4
    for table in tables:
        assert all("*" in n or len(n) < 2 for n in table["持卡人"].dropna())
        assert all("…" in a for a in table["发放账户"].dropna())
        assert all("*" in n or len(n) < 2 for n in table["姓名"].dropna())
    files = [make() for make in downloads]
    sheets = [openpyxl.load_workbook(io.BytesIO(f)).active for f in files if b"xl/workbook.xml" in f]
    sheet = next(s for s in sheets if "持卡人" in [c.value for c in s[1]])
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == PAY["campaign"]["top"]["mismatch"]
    assert all("*" in r[header.index("持卡人")] for r in rows if r[header.index("持卡人")])
    assert all("…" in r[header.index("发放账户")] for r in rows)
    log = [json.loads(x) for x in (tmp_path / "access.log").read_text(encoding="utf-8").splitlines()]
    assert {e["list"] for e in log} >= {"holder_mismatch_payments", "multi_card_payments",
                                        "shared_account_payments", "paid_after_death"}
    assert all(e["masked"] is True for e in log)


def test_without_the_payment_table_the_page_is_marked_not_connected(tmp_path, monkeypatch):
    import shutil
    import sqlite3
    from settings import DEMO_DB_PATH
    path = tmp_path / "no_payment.sqlite"
    shutil.copy(DEMO_DB_PATH, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE payment")
    monkeypatch.setenv("OVERSIGHT_DB_URL", f"sqlite:///{path}")
    at = open_page("commission", "payments", {"period": "campaign"})
    assert any("资金发放（一卡通）”未接入" in i.value for i in at.info), [i.value for i in at.info]
    assert not at.metric


def _menu_titles(missing: str) -> None:
    """Run by AppTest (st.Page keeps its title only inside a script run)."""
    import streamlit as st
    from ui import navigation
    from ui.access import User
    user = User("commission", "纪委", "commission", None)
    renders = {spec.url_path: (lambda _view: None) for spec in navigation.PAGES}
    groups = navigation.build(renders, lambda _path: None, user, frozenset(missing.split(",")) - {""})
    st.text(" | ".join(page.title for group in groups.values() for page in group))


@pytest.mark.parametrize("missing, title", [("payment", "资金发放（一卡通）（未接入）"),
                                            ("crosscheck_hit", "资金发放（一卡通）"), ("", "资金发放（一卡通）")])
def test_the_menu_marks_the_page_not_connected(missing, title):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_function(_menu_titles, args=(missing,)).run()
    assert not at.exception, at.exception
    assert title in at.text[0].value.split(" | ")


def test_township_profile_shows_its_own_payment_checks(db):
    """乡镇画像 of 灌口镇: its 一卡通疑点户数 (the manifest's), 持卡人不一致 and 按时发放率 as
    cards, with a link to its 资金发放 page; the comparison table has no 资金发放 rows."""
    at = open_page("supervisor", "township", {"period": "campaign", "scope": SHARED_TOWN})
    assert not at.exception and not at.error, [e.value for e in at.error]
    cards, truth = shown(at), PAY["campaign"][SHARED_TOWN]
    assert cards["一卡通疑点户数"] == fmt.value(METRICS["suspect_households"], truth["suspect_households"])
    assert cards["持卡人不一致"] == fmt.value(METRICS["holder_mismatch"], truth["mismatch"])
    assert "疑点，需核实" in texts(at)
    compare = next(f.value for f in at.dataframe if "指标" in f.value.columns)
    assert not any("一卡通" in str(v) for v in compare["指标"])
