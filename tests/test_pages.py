"""总览 and 应保尽保 through app.py (AppTest) on the demo database, for every role at the
top, a district and a township: no exception, the headline values the query layer gives,
and the truths the demo generator planted (data/demo.manifest.json).
"""
from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

import queries  # noqa: F401  (registers the figures)
from app_driver import ROOT, signed_in, texts
from queries.database import Database
from queries.figures import METRICS
from queries.runner import compute
from screens import clues_page, coverage_page, overview_page, petitions_page, rectification_page
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
PAGES = {"overview": overview_page.HEADLINE, "coverage": coverage_page.HEADLINE,
         "petitions": petitions_page.HEADLINE, "clues": clues_page.HEADLINE,
         "rectification": rectification_page.HEADLINE}
PLANTED_REPEAT = MANIFEST["planted"]["repeat_cluster"]["township_code"]     # 湖里区


pytestmark = pytest.mark.usefixtures("demo_app")


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
    for _ in cards_at_each_scope(db, username, url_path, PAGES[url_path], SCOPES[username]):
        pass


def cards_at_each_scope(db, username: str, url_path: str, keys, codes):
    """The page in one session at each scope of ``codes`` (None: the user's top), through
    the URL: no exception, no error box, the cards ``keys`` equal to the query layer's for
    that scope (period 专项治理以来). Yields the AppTest after each scope's checks."""
    at = open_page(username, url_path, {"period": "campaign"})
    user_regions = ("350203",) if username == "siming" else None
    for code in codes:
        if code is not None:
            at.query_params["scope"] = code
            at.run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        expected = compute(db, list(keys), db.scope(code, allowed=user_regions), db.period("campaign"))
        total = expected[expected["is_total"]].iloc[0]
        cards = shown(at)
        for key in keys:
            assert cards[METRICS[key].label] == fmt.value(METRICS[key], total[key]), (code, key)
        yield at


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


def test_leader_sees_masked_names_in_the_list_and_its_excel(tmp_path, downloads):
    """The people not yet covered for a leader: names masked on the page and in the Excel
    file (all 227 rows), ids shortened; the access log gets a line per list shown and per download, with no personal field."""
    at = open_page("leader", "coverage", {"period": "campaign"})
    gap_total = MANIFEST["coverage"]["gap_persons_total"]                  # 227
    table = _table_with(at, "待纳入天数")
    assert len(table) == gap_total
    assert all(len(n) < 2 or "*" in n for n in table["姓名"]), list(table["姓名"][:5])
    assert all("…" in i for i in table["身份标识"])
    files = [make() for make in downloads]
    sheets = [openpyxl.load_workbook(io.BytesIO(f)).active for f in files if b"xl/workbook.xml" in f]
    sheet = next(s for s in sheets if "待纳入天数" in [c.value for c in s[1]])
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == gap_total
    assert all(len(r[header.index("姓名")]) < 2 or "*" in r[header.index("姓名")] for r in rows)
    log = [json.loads(x) for x in (tmp_path / "access.log").read_text(encoding="utf-8").splitlines()]
    shown = [e for e in log if e["page"] == "coverage" and not e.get("download")]
    by_list = {e["list"]: e for e in shown}
    assert len(by_list) == len(shown), "one line per list shown"
    assert by_list["uncovered_persons"]["rows"] == gap_total
    assert by_list["deceased_active"]["rows"] == MANIFEST["coverage"]["deceased_still_active"]["count"]
    assert all(e["masked"] is True and e["user"] == "leader" for e in log)
    downloaded = [e for e in log if e.get("download")]
    assert {"list": "uncovered_persons", "rows": gap_total} in [
        {"list": e["list"], "rows": e["rows"]} for e in downloaded]
    assert {k for e in log for k in e} <= {"time", "user", "role", "page", "list", "scope", "period",
                                             "rows", "masked", "download"}


def test_card_warnings_follow_the_thresholds():
    """翔安区 (the planted overdue township's district), 专项治理以来: its 线索办结率 from the
    manifest's townships is under 90% (amber, not under 70%); 漏保人数 is amber while
    anyone waited over 30 days."""
    district = MANIFEST["planted"]["overdue"]["township_code"][:6]
    clues = [v for code, v in MANIFEST["clues"]["by_township"].items() if code.startswith(district)]
    rate = 100 * sum(v["concluded_total"] for v in clues) / sum(v["received_total"] for v in clues)
    assert 70 <= rate < 90
    at = open_page("supervisor", "overview", {"period": "campaign", "scope": district})
    badges = [m.value for m in at.markdown if "badge[" in m.value]
    # a card showing its own figure says the rule it breaks, not its value a second time
    assert ":orange-badge[黄色预警] 低于 90%" in badges, badges
    assert f"{rate:.1f}%" in [m.value for m in at.metric if m.label == "线索办结率"]
    assert any(b.startswith(":orange-badge[黄色预警] 超30天未纳入") for b in badges), badges


def test_a_warning_colours_one_card_of_a_row():
    """应保尽保's cards: 超30天未纳入 has a card of its own, which carries the warning (amber,
    应为 0); 漏保人数 and 漏保率 beside it do not repeat it."""
    at = open_page("supervisor", "coverage", {"period": "campaign"})
    badges = [m.value for m in at.markdown if "badge[" in m.value]
    assert ":orange-badge[黄色预警] 应为 0" in badges, badges
    assert not any("超30天未纳入" in b for b in badges), badges


def test_problem_index_on_the_map_points_at_each_districts_worst_township():
    """乡镇问题指数 chosen: each district is coloured by its worst township's index, so the
    city's top township (first in the top-ten table) lies in the district ranked first."""
    at = open_page("commission", "overview", {"period": "campaign"})
    at.segmented_control(key="overview.map_figure").set_value("problem_index").run()
    assert not at.exception, at.exception
    top = _table_with(at, "乡镇问题指数")
    bars = _plotly(at, "overview.rank")["data"][0]
    first = bars["customdata"][bars["y"].index("r0")]
    assert first == DISTRICT_OF[top["所属区"].iloc[0]]
    assert "最高乡镇问题指数" in bars["hovertext"][0]
    assert top["乡镇问题指数"].iloc[0] == pytest.approx(float(bars["x"][bars["y"].index("r0")]), abs=0.05)


DISTRICT_OF = {"思明区": "350203", "海沧区": "350205", "湖里区": "350206", "集美区": "350211",
               "同安区": "350212", "翔安区": "350213"}


def test_without_the_optional_tables_coverage_says_not_connected(tmp_path, monkeypatch):
    """A database without payment and crosscheck_hit: 死亡后发放 and 比对疑点 read 未接入,
    never 0, and the page still draws everything else."""
    import shutil
    import sqlite3
    path = tmp_path / "no_optional.sqlite"
    shutil.copy(DEMO_DB_PATH, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE payment")
        conn.execute("DROP TABLE crosscheck_hit")
    monkeypatch.setenv("OVERSIGHT_DB_URL", f"sqlite:///{path}")
    at = open_page("commission", "coverage", {"period": "campaign"})
    cards = shown(at)
    assert cards["死亡后发放"] == cards["死亡后发放金额"] == "未接入"
    assert cards["漏保人数"] == f"{MANIFEST['coverage']['gap_persons_total']} 人"
    assert "比对疑点" not in cards
    infos = [i.value for i in at.info]
    assert any(i.startswith("数据比对疑点：未接入") for i in infos), infos
    assert any(i.startswith("死亡后发放明细：未接入") for i in infos), infos


# --------------------------------------------------------------------------- 重复信访

def test_planted_repeat_township_heads_the_new_repeat_ranking():
    """2026Q3 in 湖里区: the planted cluster township has 8 new repeat matters, the most."""
    at = open_page("supervisor", "petitions", {"period": "2026Q3", "scope": PLANTED_REPEAT[:6]})
    at.segmented_control(key="petitions.map_figure").set_value("new_repeat_matters").run()
    assert not at.exception, at.exception
    bars = _plotly(at, "petitions.rank.new_repeat_matters")["data"][0]
    assert bars["customdata"][bars["y"].index("r0")] == PLANTED_REPEAT
    assert bars["x"][bars["y"].index("r0")] == MANIFEST["planted"]["repeat_cluster"]["new_repeat_matters_2026Q3"]


def test_planted_matters_in_the_flagged_list_with_their_petitions():
    """The planted matters with exactly 3, 4 and 7 petitions are flagged with those counts,
    the list counts every repeat matter, and the unresolved 7-petition matter comes first
    among them; picked, a matter opens to its petitions, names masked for a leader."""
    at = open_page("leader", "petitions", {"period": "campaign"})
    flagged = _table_with(at, "信访次数")
    assert len(flagged) == MANIFEST["petitions"]["repeat_matters_total"]
    counts = dict(zip(flagged["事项编号"], flagged["信访次数"]))
    for matter in MANIFEST["petitions"]["planted_matters"]:
        assert counts[matter["matter_id"]] == matter["petitions"], matter["matter_id"]
    resolution = dict(zip(flagged["事项编号"], flagged["化解情况"]))
    assert resolution["M00004421"] == "未化解" and resolution["M00004420"] == "已化解"
    at.selectbox(key="petitions.matter").set_value("M00004421").run()
    assert not at.exception, at.exception
    petitions = _table_with(at, "办理状态")
    assert len(petitions) == 7
    assert all(len(n) < 2 or "*" in n for n in petitions["姓名"])


def test_overdue_petitions_list_equals_its_card():
    at = open_page("commission", "petitions", {"period": "campaign", "scope": TONGAN})
    overdue = _table_with(at, "超期天数")
    assert f"{len(overdue)} 件" == shown(at)["超期未办结信访"]
    assert list(overdue["超期天数"]) == sorted(overdue["超期天数"], reverse=True)


# --------------------------------------------------------------------------- 问题线索

PLANTED_OVERDUE = MANIFEST["planted"]["overdue"]


def test_planted_overdue_township_heads_the_overdue_clues():
    """翔安区: the planted township has the most 逾期未办结线索 (18), in the areas' table and
    in the list, whose count is the card's."""
    district = PLANTED_OVERDUE["township_code"][:6]
    at = open_page("supervisor", "clues", {"period": "campaign", "scope": district})
    places = _table_with(at, "逾期未办结线索（件）")
    places = places[places["地区"] != places["地区"].iloc[0]]       # the district's own row first
    worst = places.loc[places["逾期未办结线索（件）"].idxmax()]
    name = Database.open(f"sqlite:///{DEMO_DB_PATH}").tree.get(PLANTED_OVERDUE["township_code"]).name
    assert (worst["地区"].split("#")[-1], worst["逾期未办结线索（件）"]) == (name, PLANTED_OVERDUE["overdue_clues"])
    overdue = _table_with(at, "逾期天数")
    assert f"{len(overdue)} 件" == shown(at)["逾期未办结线索"]
    assert [c.split("#")[-1] for c in overdue["所属镇街"]].count(name) == PLANTED_OVERDUE["overdue_clues"]
    # and it is named above the map, where a reader looks first
    assert any(f"逾期未办结线索最多：{name}（{PLANTED_OVERDUE['overdue_clues']} 件）" in m.value for m in at.markdown)


def test_funnel_steps_equal_the_figures(db):
    at = open_page("leader", "clues", {"period": "campaign"})
    funnel = _plotly(at, "clues.funnel")["data"][0]
    frame = compute(db, ["clues_received_total", "clues_concluded", "clues_substantiated",
                         "clues_disposed"], db.scope(None), db.period("campaign"))
    total = frame[frame["is_total"]].iloc[0]
    assert funnel["x"] == [total[k] for k, _ in clues_page.FUNNEL]


@pytest.mark.parametrize("username", ["leader", "supervisor", "siming"])
def test_commission_parts_refused_to_every_other_role(username):
    """涉及干部线索, the clues transferred to the commission, 立案 and 问责 by place: none of
    them on the page for another role (the query layer refuses them too: test_clues)."""
    at = open_page(username, "clues", {"period": "campaign"})
    assert "涉及干部线索" not in shown(at)
    assert "仅纪委监委可见" not in texts(at) and "移交纪检监察线索清单" not in texts(at)
    assert not any("移交日期" in f.value.columns for f in at.dataframe)
    assert not any("立案数（件）" in f.value.columns for f in at.dataframe)


def test_commission_sees_its_parts(db):
    at = open_page("commission", "clues", {"period": "campaign"})
    frame = compute(db, ["official_clues", "clues_transferred"], db.scope(None), db.period("campaign"))
    total = frame[frame["is_total"]].iloc[0]
    assert shown(at)["涉及干部线索"] == fmt.value(METRICS["official_clues"], total["official_clues"])
    assert len(_table_with(at, "移交日期")) == total["clues_transferred"]
    assert "立案数（件）" in _table_with(at, "问责干部数（人）").columns


# --------------------------------------------------------------------------- 整改进度

def test_planted_overdue_township_heads_the_overdue_items():
    """翔安区: the planted township has the most 逾期未整改 (18); the list's count is the card's."""
    district = PLANTED_OVERDUE["township_code"][:6]
    at = open_page("supervisor", "rectification", {"period": "campaign", "scope": district})
    places = _table_with(at, "逾期未整改（个）").iloc[1:]          # the district's own row first
    worst = places.loc[places["逾期未整改（个）"].idxmax()]
    name = Database.open(f"sqlite:///{DEMO_DB_PATH}").tree.get(PLANTED_OVERDUE["township_code"]).name
    assert (worst["地区"].split("#")[-1], worst["逾期未整改（个）"]) == (name, PLANTED_OVERDUE["overdue_rectification_items"])
    overdue = _table_with(at, "逾期天数")
    assert f"{len(overdue)} 个" == shown(at)["逾期未整改"]


def test_ledger_counts_filters_and_masks(db):
    """The ledger holds every item of the scope (整改问题数), masks 责任人 for a leader, and
    its filters narrow it: 仅看逾期 leaves 逾期未整改's items."""
    district = PLANTED_OVERDUE["township_code"][:6]
    at = open_page("leader", "rectification", {"period": "campaign", "scope": district})
    ledger = _table_with(at, "销号日期")
    assert f"{len(ledger):,} 个" == shown(at)["整改问题数"]
    assert all(n is None or len(n) < 2 or "*" in n for n in ledger["责任人"])
    at.toggle(key="rect.ledger_overdue").set_value(True).run()
    assert not at.exception, at.exception
    assert f"{len(_table_with(at, '销号日期'))} 个" == shown(at)["逾期未整改"]
    # a closed item is never overdue: nothing left, and the page says so
    at.multiselect(key="rect.ledger_states").set_value(["closed"]).run()
    assert not at.exception, at.exception
    assert not any("销号日期" in f.value.columns for f in at.dataframe)
    assert any("暂无数据" in i.value for i in at.info)


def test_status_split_adds_up_to_unclosed(db):
    at = open_page("commission", "rectification", {"period": "campaign"})
    split = _plotly(at, "rect.status")["data"][0]
    frame = compute(db, ["rect_unclosed"], db.scope(None), db.period("campaign"))
    assert sum(split["x"]) == frame.loc[frame["is_total"], "rect_unclosed"].iloc[0]


def test_worst_place_at_a_township_is_among_its_districts(db):
    """At a township scope the map compares its district's townships, and so does the line
    above it: the lowest 整改销号率 of 同安区's townships, with how far it is behind."""
    at = open_page("supervisor", "rectification", {"period": "campaign", "scope": PLANTED_GAP})
    frame = compute(db, ["rect_close_rate"], db.scope(TONGAN), db.period("campaign"))
    places = frame[~frame["is_total"] & frame["code"].notna()]
    lowest = places.loc[places["rect_close_rate"].astype(float).idxmin()]
    line = next(m.value for m in at.markdown if m.value.startswith("**整改销号率最低："))
    assert line.startswith(f"**整改销号率最低：{lowest['name']}（{fmt.value(METRICS['rect_close_rate'], lowest['rect_close_rate'])}")


def test_flagged_matters_open_past_the_warning_days_are_red():
    """超60天 marked red: exactly the unresolved matters open longer than the warning's
    days, as many as the figure 长期未化解重复信访事项 counts (the whole list is shown)."""
    import re
    at = open_page("commission", "petitions", {"period": "campaign"})
    element = next(f for f in at.dataframe if "信访次数" in f.value.columns)
    table = element.value
    rules = [rule.split("{") for rule in element.proto.arrow_data.styler.styles.split("}") if "{" in rule]
    red_rows = {int(r) for selectors, declared in rules if "color:" in declared
                for r in re.findall(r"_row(\d+)_col", selectors)}
    expected = {i for i, (state, days) in enumerate(zip(table["化解情况"], table["历时天数"]))
                if state == "未化解" and days > 60}
    db = Database.open(f"sqlite:///{DEMO_DB_PATH}")
    figure = compute(db, ["unresolved_repeat_long"], db.scope(None), db.period("campaign"))
    assert red_rows == expected and len(red_rows) == int(figure.iloc[0]["unresolved_repeat_long"]) > 0
