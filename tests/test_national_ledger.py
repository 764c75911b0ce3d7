"""全国工作台账 (queries/national_ledger.py) on a hand-built fixture, on SQLite, PostgreSQL
and MariaDB: each cell equals a separate computation of its column for each district (and
the hand-worked numbers), cumulative from the campaign's start to the as-of day except
重复信访事项 (all history); columns without a field are — (None), never 0."""
from __future__ import annotations

from datetime import date as D

import pytest

from conftest import load_rows
from queries.national_ledger import COLUMNS, national_ledger
from queries.runner import compute
from rows_small_city import META, REGIONS

A, B = "350203001", "350206001"
CAMPAIGN = [dict(campaign_id="c1", name="专项治理", start_date=D(2026, 3, 1), end_date=D(2026, 12, 31))]


def _clue(cid, town, received, *, concluded=None, substantiated=None, disposed=None, transferred=None,
          filed=None, officials=None):
    return dict(clue_id=cid, township_code=town, source="petition", category="fraud", received_date=received,
                due_date=D(2026, 12, 31), status="concluded" if concluded else "verifying",
                concluded_date=concluded, substantiated=substantiated, disposed=disposed,
                transferred_to_commission=transferred is not None or None, transferred_date=transferred,
                case_filed=filed, officials_held_accountable=officials)


def _item(iid, town, found, category, closed=None):
    return dict(item_id=iid, campaign_id="c1", township_code=town, source="self_check", category=category,
                description="x", found_date=found, responsible_unit="u", responsible_person="某某",
                deadline=D(2026, 12, 31), status="closed" if closed else "open", closed_date=closed)


ROWS = {
    "region": REGIONS, "meta": META, "campaign": CAMPAIGN,
    "clue": [
        _clue("c1", A, D(2026, 2, 20), concluded=D(2026, 3, 5), substantiated=True, disposed=True),   # before the start
        _clue("c2", A, D(2026, 4, 1), concluded=D(2026, 5, 1), substantiated=True, disposed=True,
              transferred=D(2026, 5, 2), filed=True, officials=2),
        _clue("c3", A, D(2026, 6, 1), concluded=D(2026, 7, 1), substantiated=True, disposed=False),
        _clue("c4", B, D(2026, 7, 1), concluded=D(2026, 10, 30), substantiated=False),   # concluded after 09-30
        _clue("c5", B, D(2026, 10, 2)),                                                   # after 09-30
    ],
    "rectification": [
        _item("r1", A, D(2026, 4, 1), "fund_irregular", closed=D(2026, 6, 1)),
        _item("r2", A, D(2026, 5, 1), "fund_irregular", closed=D(2026, 10, 9)),         # closed after 09-30
        _item("r3", B, D(2026, 2, 1), "fund_irregular", closed=D(2026, 3, 9)),          # found before the start
        _item("r4", B, D(2026, 5, 1), "procedure"),
    ],
}
# as of 2026-09-30 (the briefing of 2026Q3): 思明区 (A) row, 湖里区 (B) row
EXPECTED = {
    "问题线索数": (2, 1), "查证属实线索数": (2, 0), "已处置到位数": (1, 0), "向同级纪检监察部门移交线索数": (1, 0),
    "立案调查数": (1, 0), "问责干部数": (2, 0), "不规范问题数": (2, 0), "复核纠正数": (1, 0),
}


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_ledger", lambda url: load_rows(url, ROWS))


def test_hand_worked_cells(db):
    table = national_ledger(db, db.scope(None), db.period("2026Q3")).set_index("地区")
    for label, (siming, huli) in EXPECTED.items():
        assert (table.loc["思明区", label], table.loc["湖里区", label]) == (siming, huli), label
        assert table.loc["合计", label] == siming + huli, label
    for column in COLUMNS:
        if column.figure is None:
            assert table[column.label].isna().all(), column.label        # —, never 0


def test_each_cell_is_its_figure_since_the_start(db):
    """Every column, every district: a separate compute over the campaign to 09-30."""
    from dataclasses import replace
    period = replace(db.period("campaign"), as_of=D(2026, 9, 30))
    table = national_ledger(db, db.scope(None), db.period("2026Q3")).set_index("地区")
    for column in COLUMNS:
        if column.figure is None:
            continue
        frame = compute(db, [column.figure], db.scope(None), period).set_index("name")
        for district in ("思明区", "湖里区", "集美区"):
            assert table.loc[district, column.label] == frame.loc[district, column.figure], (column.label, district)


def test_before_the_campaign_there_is_no_ledger(db):
    from dataclasses import replace
    from queries.national_ledger import ledger_period
    assert ledger_period(db.period("campaign"), replace(db.period("2026Q1"), as_of=D(2026, 2, 28))) is None
    # 2026Q1 ends after the start (03-01): its ledger runs 03-01 to 03-31
    assert ledger_period(db.period("campaign"), db.period("2026Q1")).as_of == D(2026, 3, 31)


def test_briefing_sentences_from_the_fixture_database(db):
    """季度简报's 问题线索 sentences over this fixture, worked by hand: by 09-30 c1–c4
    received (4), c1–c3 concluded (75.0%); by 06-30 c1–c3 received, c1 c2 concluded
    (66.7%): 环比 +8.3 points; nothing overdue (due 12-31). 集美街道 has no clue: no rate,
    so its sentence is left out."""
    from queries.runner import compute_with_change
    from ui import briefing_text
    keys = ["clues_received_total", "clue_conclusion_rate", "overdue_clues"]
    frame = compute_with_change(db, keys, db.scope(None), db.period("2026Q3"))
    total = frame[frame["is_total"]].iloc[0]
    assert briefing_text.clues(total, frame) == [
        "累计受理问题线索4件。", "线索办结率75.0%，环比上升8.3个百分点。", "没有逾期未办结线索。"]
    quiet = compute_with_change(db, keys, db.scope("350211001"), db.period("2026Q3"))
    assert briefing_text.clues(quiet[quiet["is_total"]].iloc[0], quiet) == [
        "累计受理问题线索0件。", "没有逾期未办结线索。"]
