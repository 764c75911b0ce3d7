"""Case lists (queries/cases.py): each list's total equals the figure above it, its rows
are the figure's rows, worst first, never outside the scope or the user's regions; on
hand-built rows (rows_coverage.py, 2026Q4 as of 11-15) and on the demo's planted truths.
"""
from __future__ import annotations

from datetime import date as D

import pytest

from conftest import load_rows
from frames import statements_run
from queries.cases import EXCEL, KINDS, LISTS, MATTER_PETITIONS, case_list, case_lists
from queries.runner import compute
from queries.statements import page_run
from rows_coverage import A, C, HULI, ROWS, SIMING, _r, _s
from test_coverage import _load_without_optional


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_coverage", lambda url: load_rows(url, ROWS))


def _figure(db, key, scope, period):
    frame = compute(db, [LISTS[key].figure], scope, period)
    return frame.loc[frame["is_total"], LISTS[key].figure].iloc[0]


def test_uncovered_persons_longest_waiting_first(db):
    # the 12 gaps of test_coverage (Q4_CITY) with their waiting days; equal days by id
    cl = case_list("uncovered_persons", db, db.scope(None), db.period("2026Q4"))
    assert cl.total == 12 and not cl.is_cut
    assert list(cl.rows["person_id"]) == ["p18", "p15", "p7", "p1", "p16", "p14", "p2", "p12",
                                          "p17", "p23", "p5", "p8"]
    assert list(cl.rows["days_waiting"]) == [106, 75, 75, 45, 41, 36, 30, 26, 14, 10, 10, 1]
    first = cl.rows.iloc[0].to_dict()
    assert first == {"name": "某p18", "person_id": "p18", "township_code": C, "category": "返贫返困",
                     "screened_date": D(2026, 8, 1), "days_waiting": 106}
    # p14's deciding row is s14b (unsupported_child), p12's is s12b in B
    by_id = cl.rows.set_index("person_id")
    assert by_id.loc["p14", "category"] == "事实无人抚养儿童"
    assert by_id.loc["p12", "township_code"] == "350203002"
    assert [c.label for c in cl.columns] == ["姓名", "身份标识", "所属镇街", "排查类别", "排查日期", "待纳入天数"]


def test_a_cut_list_keeps_the_total(db):
    cl = case_list("uncovered_persons", db, db.scope(None), db.period("2026Q4"), limit=3)
    assert (len(cl.rows), cl.total, cl.is_cut, cl.limit) == (3, 12, True, 3)
    assert list(cl.rows["person_id"]) == ["p18", "p15", "p7"]
    everything = case_list("uncovered_persons", db, db.scope(None), db.period("2026Q4"), limit=EXCEL)
    assert len(everything.rows) == 12 and not everything.is_cut


def test_district_and_regions_gate(db):
    # 思明区: p1 p2 p5 p7 p8 (A), p12 p14 p15 (B), p17 (350203999, in its code range)
    cl = case_list("uncovered_persons", db, db.scope(SIMING, allowed=[SIMING]), db.period("2026Q4"),
                   regions=[SIMING])
    assert cl.total == 9
    assert list(cl.rows["person_id"]) == ["p15", "p7", "p1", "p14", "p2", "p12", "p17", "p5", "p8"]
    assert all(code.startswith(SIMING) for code in cl.rows["township_code"])
    # the regions narrow even a scope built without them: never a row outside them
    narrowed = case_list("uncovered_persons", db, db.scope(None), db.period("2026Q4"), regions=[HULI])
    assert list(narrowed.rows["person_id"]) == ["p18", "p23"]                # C: 106 and 10 days
    for key in LISTS:
        rows = case_list(key, db, db.scope(None), db.period("2026Q4"), regions=[SIMING]).rows
        assert all(code.startswith(SIMING) for code in rows["township_code"]), key


def test_deceased_active(db):
    # active spell and earliest death strictly before 11-15: p44 (unknown code, 08-20),
    # p45 (C, disability subsidy, 10-01), p40 (A, 11-01), p42 (B, 11-10 of 11-10/11-15)
    cl = case_list("deceased_active", db, db.scope(None), db.period("2026Q4"))
    assert cl.total == 4
    assert list(cl.rows["person_id"]) == ["p44", "p45", "p40", "p42"]
    assert list(cl.rows["death_date"]) == [D(2026, 8, 20), D(2026, 10, 1), D(2026, 11, 1), D(2026, 11, 10)]
    assert list(cl.rows["days_since_death"]) == [87, 45, 14, 5]
    assert list(cl.rows["programme"]) == ["城市低保", "残疾人两项补贴", "城市低保", "特困供养"]
    assert list(cl.rows["monthly_amount"]) == [500.0] * 4
    # 2026Q3 (09-30): p44 (41 days), p41 (C, died 09-20, spell to 10-31: 10 days)
    q3 = case_list("deceased_active", db, db.scope(None), db.period("2026Q3"))
    assert (q3.total, list(q3.rows["person_id"]), list(q3.rows["days_since_death"])) == (2, ["p44", "p41"], [41, 10])


def test_paid_after_death_and_its_amount(db):
    # pay41b (C, 600.00, paid 10-05); pay44b/c/d (unknown code, 450.50 each): largest first,
    # then the latest paid
    cl = case_list("paid_after_death", db, db.scope(None), db.period("2026Q4"))
    assert (cl.total, cl.sums) == (4, {"amount": 1951.5})
    assert list(cl.rows["payment_id"]) == ["pay41b", "pay44d", "pay44c", "pay44b"]
    assert list(cl.rows["amount"]) == [600.0, 450.5, 450.5, 450.5]
    assert list(cl.rows["death_date"]) == [D(2026, 9, 20)] + [D(2026, 8, 20)] * 3
    assert cl.rows.iloc[0]["pay_month"] == D(2026, 10, 1) and cl.rows.iloc[0]["paid_date"] == D(2026, 10, 5)
    # a district starts from its own spells (the figure's other statement shape)
    huli = case_list("paid_after_death", db, db.scope(HULI, allowed=[HULI]), db.period("2026Q4"))
    assert (huli.total, huli.sums, list(huli.rows["payment_id"])) == (1, {"amount": 600.0}, ["pay41b"])
    assert list(huli.rows["death_date"]) == [D(2026, 9, 20)]


def test_pending_crosscheck(db):
    # hits on or before 11-15 not resolved by it: h6 (45 days), h1 (41), h2 (30)
    cl = case_list("pending_crosscheck", db, db.scope(None), db.period("2026Q4"))
    assert cl.total == 3
    assert list(cl.rows["hit_id"]) == ["h6", "h1", "h2"]
    assert list(cl.rows["days_pending"]) == [45, 41, 30]
    assert list(cl.rows["register"]) == ["财政供养人员", "车辆登记", "不动产登记"]
    assert list(cl.rows["person_id"]) == ["p44", "p3", "p40"]          # the spells matched


def test_staff_relatives(db):
    # active spell, staff_relative: p7 (A, disability subsidy since 2025-01-01), p19 (C)
    cl = case_list("staff_relatives", db, db.scope(None), db.period("2026Q4"))
    assert cl.total == 2
    assert list(cl.rows["person_id"]) == ["p7", "p19"]
    assert list(cl.rows["household_id"]) == ["hp7", "hp19"]
    assert list(cl.rows["start_date"]) == [D(2025, 1, 1), D(2026, 10, 5)]


@pytest.mark.parametrize("code", [None, SIMING, HULI, A, "350211"])
@pytest.mark.parametrize("period", ["2026Q4", "2026Q3"])
def test_every_total_equals_its_figure(db, code, period):
    scope, p = db.scope(code), db.period(period)
    for key in LISTS:
        cl = case_list(key, db, scope, p)
        assert cl.total == _figure(db, key, scope, p), (key, code, period)
        assert len(cl.rows) == cl.total
    cl = case_list("paid_after_death", db, scope, p)
    frame = compute(db, ["paid_after_death_amount"], scope, p)
    assert cl.sums["amount"] == round(float(frame.loc[frame["is_total"], "paid_after_death_amount"].iloc[0]), 2)


def test_one_statement_per_list(db):
    scope, period = db.scope(None), db.period("2026Q4")
    for key in set(LISTS) - {"uncovered_persons"}:
        assert statements_run(db, lambda: case_list(key, db, scope, period)) == 1
    # the people not yet covered: their figure's statement (the waiting days), then the
    # list's; within a page run that has shown the figure, the list's alone
    assert statements_run(db, lambda: case_list("uncovered_persons", db, scope, period)) == 2
    with page_run():
        compute(db, ["gap_persons"], scope, period)
        assert statements_run(db, lambda: case_list("uncovered_persons", db, scope, period)) == 1


@pytest.mark.parametrize("code", [None, SIMING])
def test_uncovered_list_cut_anywhere_is_the_full_lists_head(db, code):
    """The list reads only screenings as old as the limit-th longest wait (ties at the cut
    included): for every limit its rows are the first rows of the whole list."""
    scope, period = db.scope(code), db.period("2026Q4")
    whole = case_list("uncovered_persons", db, scope, period, limit=EXCEL)
    waits = list(whole.rows["days_waiting"])
    assert len(waits) > len(set(waits)), "the fixture needs equal waits to test the cut's ties"
    for limit in range(1, whole.total + 2):
        cut = case_list("uncovered_persons", db, scope, period, limit=limit)
        assert cut.total == whole.total
        assert cut.rows.equals(whole.rows.head(limit).reset_index(drop=True)), limit


def test_lists_of_a_view_run_together(db, db_noopt):
    keys = ["uncovered_persons", "deceased_active", "paid_after_death"]
    lists = case_lists(db, keys, db.scope(None), db.period("2026Q4"), limit=2)
    assert [lists[k].total for k in keys] == [12, 4, 4]
    assert [len(lists[k].rows) for k in keys] == [2, 2, 2]
    # one each, and the waiting days behind the people not yet covered (see above)
    assert statements_run(db, lambda: case_lists(db, keys, db.scope(None), db.period("2026Q4"))) == 4
    # without the payment table: that list is None (未接入), the others as before
    lists = case_lists(db_noopt, keys, db_noopt.scope(None), db_noopt.period("2026Q4"))
    assert (lists["uncovered_persons"].total, lists["paid_after_death"]) == (12, None)


def test_columns():
    for key, spec in LISTS.items():
        assert all(c.kind in KINDS for c in spec.columns)
        kinds = {c.key: c.kind for c in spec.columns}
        assert kinds["township_code"] == "township", key
        # a person's name is masked by role and an id shortened wherever a list has them
        assert kinds.get("name", "name") == "name" and kinds.get("person_id", "id") == "id", key
    assert {c.kind for c in MATTER_PETITIONS.columns if c.key == "name"} == {"name"}


@pytest.fixture
def db_noopt(open_dataset):
    return open_dataset("fx_coverage_noopt", _load_without_optional)


def test_without_the_optional_tables(db_noopt):
    period = db_noopt.period("2026Q4")
    assert case_list("paid_after_death", db_noopt, db_noopt.scope(None), period) is None
    assert case_list("pending_crosscheck", db_noopt, db_noopt.scope(None), period) is None
    assert case_list("deceased_active", db_noopt, db_noopt.scope(None), period).total == 4


# one person, two active spells (two programmes, two townships), died before the as-of day
ONE_PERSON = {**{k: ROWS[k] for k in ("region", "meta")},
              "screening": [_s("t1", "t0", A, D(2026, 10, 1), True)],
              "recipient": [_r("ra", "d1", A, "dibao_urban", D(2025, 1, 1), amount=500, staff=True),
                            _r("rb", "d1", C, "disability_subsidy", D(2024, 6, 1), amount=150, staff=True)],
              "death_record": [dict(person_id="d1", death_date=D(2026, 10, 1), source="funeral")]}


def test_a_person_with_two_spells_is_one_row(open_dataset):
    db = open_dataset("fx_cases_person", lambda url: load_rows(url, ONE_PERSON))
    period = db.period("2026Q4")
    for key, programme, amount in (("deceased_active", "城市低保、残疾人两项补贴", 650.0),
                                   ("staff_relatives", "城市低保、残疾人两项补贴", 650.0)):
        cl = case_list(key, db, db.scope(None), period)
        assert (cl.total, len(cl.rows)) == (1, 1), key
        row = cl.rows.iloc[0]
        assert (row["programme"], row["monthly_amount"], row["township_code"]) == (programme, amount, A)
        # 湖里区 sees the person through the spell in C only
        huli = case_list(key, db, db.scope(HULI), period)
        assert (huli.total, huli.rows.iloc[0]["programme"], huli.rows.iloc[0]["township_code"]) == \
            (1, "残疾人两项补贴", C)
    assert case_list("staff_relatives", db, db.scope(None), period).rows.iloc[0]["start_date"] == D(2024, 6, 1)


# --------------------------------------------------------------------------- the demo


def test_demo_deceased_are_the_planted_ones(demo_db, demo_truth):
    cl = case_list("deceased_active", demo_db, demo_db.scope(None), demo_db.period("campaign"))
    planted = sorted(demo_truth["planted"]["deceased_still_active"], key=lambda p: p["death_date"])
    assert cl.total == demo_truth["coverage"]["deceased_still_active"]["count"] == 4
    assert list(cl.rows["person_id"]) == [p["person_id"] for p in planted]
    as_of = D.fromisoformat(demo_truth["coverage"]["as_of"])
    assert list(cl.rows["days_since_death"]) == [(as_of - D.fromisoformat(p["death_date"])).days for p in planted]
    assert list(cl.rows["township_code"]) == [p["township_code"] for p in planted]


def test_demo_paid_after_death(demo_db, demo_truth):
    cl = case_list("paid_after_death", demo_db, demo_db.scope(None), demo_db.period("campaign"), limit=EXCEL)
    t = demo_truth["coverage"]["paid_after_death"]
    assert (cl.total, len(cl.rows), cl.sums["amount"]) == (t["count"], t["count"], t["amount"])


def test_demo_uncovered_in_the_planted_township(demo_db, demo_truth):
    gap = demo_truth["planted"]["coverage_gap"]
    scope = demo_db.scope(gap["township_code"])
    cl = case_list("uncovered_persons", demo_db, scope, demo_db.period("campaign"))
    assert cl.total == gap["gap_persons"] == 42
    assert set(cl.rows["township_code"]) == {gap["township_code"]}
    assert list(cl.rows["days_waiting"]) == sorted(cl.rows["days_waiting"], reverse=True)


@pytest.mark.parametrize("code", [None, "350212", "350206003"])
def test_demo_totals_equal_the_figures(demo_db, code):
    scope, period = demo_db.scope(code), demo_db.period("campaign")
    from queries.payment_cases import COUNTED
    for key in LISTS:
        cl = case_list(key, demo_db, scope, period)
        # a list of payments whose figure counts persons (households) says how many
        counted = cl.sums.get(COUNTED[key][0], 0) if key in COUNTED else cl.total
        assert counted == _figure(demo_db, key, scope, period), key
        if code is not None:
            assert all(c.startswith(code) for c in cl.rows["township_code"]), key
