"""乡镇画像, the 督导核查清单 and 总览's 预警清单 through app.py (AppTest) on the demo database
(and a bare fixture for a township with no cases and no boundary): figures equal separate
``compute`` calls at the township, its district and the deployment; each tab's count
equals its figure; the check list's files hold exactly the open cases, masked for leaders;
the warnings list is what queries/warnings.py says for every place."""
from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from docx import Document

from app_driver import fresh_app, submit, texts
from conftest import load_rows
from queries import warnings
from queries.figures import METRICS
from queries.problem_index import problem_index, rank_of
from queries.rectification import time_progress
from queries.runner import compute
from queries.scope import grain, levels_below
from rows_small_city import META, REGIONS
from screens import township_page
from test_pages import MANIFEST, PLANTED_GAP, open_page, shown
from ui import format as fmt
from ui.checklist import OPEN_CASES

pytestmark = pytest.mark.usefixtures("demo_app")


@pytest.fixture(scope="module")
def db():
    from queries.database import Database
    from settings import DEMO_DB_PATH
    return Database.open(f"sqlite:///{DEMO_DB_PATH}")

OPEN_FIGURE = {"uncovered_persons": "gap_persons", "deceased_active": "deceased_active",
               "unresolved_repeat_matters": "unresolved_repeat_matters", "overdue_clues": "overdue_clues",
               "open_items": "rect_unclosed"}
# (user, their township, its district): the planted coverage-gap township for city staff
TOWNSHIPS = {"leader": PLANTED_GAP, "supervisor": PLANTED_GAP, "commission": "350213103",
             "siming": "350203007"}


def _total(db, keys, code, regions=None):
    frame = compute(db, list(keys), db.scope(code, allowed=regions), db.period("campaign"))
    return frame[frame["is_total"]].iloc[0]


def _table(at, column):
    for frame in at.dataframe:
        value = frame.value
        if hasattr(value, "data"):          # a Styler
            value = value.data
        if column in value.columns:
            return value
    raise AssertionError(f"no table with the column {column}")


@pytest.mark.parametrize("username", sorted(TOWNSHIPS))
def test_township_for_every_role(db, username):
    code = TOWNSHIPS[username]
    regions = ("350203",) if username == "siming" else None
    at = open_page(username, "township", {"period": "campaign", "scope": code})
    assert not at.error, [e.value for e in at.error]
    own = _total(db, township_page.FIGURES + tuple(OPEN_FIGURE.values()), code, regions)
    district = _total(db, township_page.FIGURES, code[:6], regions)
    top = _total(db, township_page.FIGURES, None)
    cards = shown(at)
    for key in township_page.HEADLINE:
        assert cards[METRICS[key].label] == fmt.value(METRICS[key], own[key])
    table = _table(at, "方面")
    names = [db.tree.by_code[code].name, db.tree.by_code[code[:6]].name, f"全域（{db.tree.top.name}）"]
    assert list(table.columns) == ["方面", "指标", *names]      # 专项治理以来: no 环比 column
    keys = [k for _, ks in township_page.BY_AREA for k in ks]
    for column, row in zip(names, (own, district, top)):
        assert list(table[column]) == [fmt.value(METRICS[k], row[k], unit=False) for k in keys], column
    # one tab per area, its count the figure's
    labels = [t.label for t in at.tabs]
    for (key, _), label in zip(OPEN_CASES, labels):
        figure = METRICS[OPEN_FIGURE[key]]
        assert f"（{int(own[figure.key]):,} {figure.unit}）" in label, (key, label)
    rank = rank_of(problem_index(db, db.period("campaign")), code)
    assert f"第 {rank.position} / {rank.of} 名" in [m.delta for m in at.metric]


def test_planted_township_shows_its_warnings_and_cases(db):
    """汀溪镇 (planted: 42 people not yet covered, most waiting over 30 days)."""
    at = open_page("supervisor", "township", {"period": "campaign", "scope": PLANTED_GAP})
    body = texts(at)
    assert "超30天未纳入" in body and "黄色预警" in body
    people = _table(at, "待纳入天数")
    assert len(people) == MANIFEST["planted"]["coverage_gap"]["gap_persons"] == 42
    assert all("*" not in n for n in people["姓名"])         # a supervisor sees names


def test_district_user_refused_outside_their_regions():
    at = open_page("siming", "township", {"period": "campaign", "scope": PLANTED_GAP})
    assert any("无权查看" in e.value for e in at.error)
    assert not at.metric and not at.dataframe


def test_picker_opens_a_township():
    at = open_page("commission", "township", {"period": "campaign"})
    assert "请在上方选择一个镇（街道）" in texts(at)
    assert not at.metric
    at.selectbox(key=township_page.PICKER).set_value(PLANTED_GAP).run()
    assert not at.exception, at.exception
    assert at.query_params["scope"] == [PLANTED_GAP] or at.query_params["scope"] == PLANTED_GAP
    assert shown(at)[METRICS["gap_persons"].label] == "42 人"


def test_township_with_no_cases_and_no_boundary(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'bare.sqlite'}"
    # coordinates but no boundary: each township is drawn as a point
    regions = [dict(r, lon=118.05 + 0.02 * i, lat=24.45 + 0.01 * i) for i, r in enumerate(REGIONS)]
    load_rows(url, {"region": regions, "meta": META})
    monkeypatch.setenv("OVERSIGHT_DB_URL", url)
    monkeypatch.setenv("OVERSIGHT_BOUNDARIES", str(tmp_path))        # no GeoJSON at all
    at = submit(fresh_app({"period": "2026Q4", "scope": "350203001"}), "commission", "Commission@2026")
    at.run()
    from streamlit.util import calc_hash
    at._page_hash = calc_hash("township")                             # noqa: SLF001
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [t.label for t in at.tabs][:len(OPEN_CASES)] == [
        f"{title.split('：')[1]}（0 {unit}）" for (_, title), unit in zip(OPEN_CASES, "人人件件个")]
    assert sum("暂无数据" in i.value for i in at.info) >= len(OPEN_CASES)
    assert at.get("deck_gl_json_chart"), "the map is drawn (areas as points)"


# --------------------------------------------------------------------------- the check list

def _workbook(make):
    return openpyxl.load_workbook(io.BytesIO(make()))


def _sections(sheet) -> dict[str, int]:
    """Each section heading's 共 N, from a township's sheet."""
    out = {}
    for (value,) in sheet.iter_rows(min_col=1, max_col=1, values_only=True):
        found = re.match(r"^[一二三四五]、(.+?)（共 ([\d,]+) ", str(value or ""))
        if found:
            out[found.group(1)] = int(found.group(2).replace(",", ""))
    return out


@pytest.mark.parametrize("username", ["leader", "commission"])
def test_check_list_files_hold_the_open_cases(db, username, downloads, tmp_path):
    at = open_page(username, "overview", {"period": "campaign"})
    at.number_input(key="overview.checklist_n").set_value(3).run()
    assert not at.exception, at.exception
    made = [m() for m in downloads[-2:]]                     # the page's last two buttons
    xlsx = next(lambda d=d: d for d in made if b"xl/workbook.xml" in d)
    book = _workbook(xlsx)
    index = problem_index(db, db.period("campaign"))
    top3 = list(index["code"].head(3))
    assert book.sheetnames[0] == "汇总"
    assert book.sheetnames[1:] == [db.tree.by_code[c].name for c in top3]
    for code, name in zip(top3, book.sheetnames[1:]):
        own = _total(db, OPEN_FIGURE.values(), code)
        sheet = book[name]
        expected = {title: int(own[OPEN_FIGURE[key]]) for key, title in OPEN_CASES}
        assert _sections(sheet) == expected, name
        header = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "姓名")
        assert tuple(v for v in header if v is not None)[-3:] == ("核查情况", "核查人", "核查日期")
        names = [r[0] for r in sheet.iter_rows(values_only=True)
                 if r and r[0] and r[1] and "…" in str(r[1])]        # rows with a shortened id
        assert names
        masked = all("*" in n for n in names if len(n) > 1)
        assert masked is (username == "leader")
    docx = next(lambda d=d: d for d in made if b"word/document.xml" in d)
    document = Document(io.BytesIO(docx()))
    headings = [p.text for p in document.paragraphs]
    for code in top3:
        assert any(h.startswith(db.tree.by_code[code].name) for h in headings)
    tables = document.tables
    assert all(t.rows[0].cells[-1].text == "核查日期" for t in tables)
    rows = sum(len(t.rows) - 1 for t in tables)
    assert rows == sum(int(_total(db, OPEN_FIGURE.values(), c)[list(OPEN_FIGURE.values())].sum()) for c in top3)
    assert document.sections[0].page_width > document.sections[0].page_height       # landscape
    log = [json.loads(x) for x in (tmp_path / "access.log").read_text(encoding="utf-8").splitlines()]
    lines = [e for e in log if e.get("download") and e["list"].startswith("checklist.")]
    assert {e["scope"] for e in lines} == set(top3)
    assert all(e["masked"] is (username == "leader") for e in lines)


# --------------------------------------------------------------------------- the warnings list

def test_warnings_list_is_what_the_rules_say_for_every_place(db):
    at = open_page("commission", "overview", {"period": "campaign"})
    table = _table(at, "阈值")
    period = db.period("campaign")
    scope = db.scope(None)
    progress = time_progress(db.campaign, period.as_of)
    expected = []
    for level in levels_below(db.tree, scope):
        frame = compute(db, list(warnings.WARNING_FIGURES), grain(db.tree, scope, level), period)
        for _, row in frame.iterrows():
            if row["code"] is None or row["code"] != row["code"]:
                continue
            expected += [(row["name"], w.label, w.level) for w in warnings.fired(row, time_progress=progress)]
    got = [(re.sub(r"^.*#", "", link), figure, "red" if level == "红色预警" else "amber")
           for link, figure, level in zip(table["地区"], table["指标"], table["级别"])]
    assert sorted(got) == sorted(set(expected))
    assert table["级别"].tolist() == sorted(table["级别"].tolist(), key=lambda x: x != "红色预警")
    # the planted places: 汀溪镇's long waits, each planted deceased recipient's township
    assert ("汀溪镇", "超30天未纳入", "amber") in got
    for person in MANIFEST["planted"]["deceased_still_active"]:
        assert (db.tree.by_code[person["township_code"]].name, "死亡未退保", "red") in got
