"""应保尽保 (coverage) figures on hand-built rows (rows_coverage.py), on every backend.

Every expected number is worked out by hand from metrics.md (section 应保尽保 and the
Conventions) and the rows; the working is in the comments. The data are "today" 2026-11-15:
2026Q4 is cut short at 11-15 (as-of day), its 环比 is 2026Q3 up to 08-15 (flows 07-01..08-15,
stocks on 08-15), 2026Q3 itself runs 07-01..09-30, the campaign 2026-04-01..(11-15).

Readings chosen where metrics.md leaves room (each marked "READING" below):
- 教育/住房救助未核实: the condition `needed and not aid` evaluated in SQL's three-valued logic;
  未核实 counts the persons for whom it is NULL. needed = null with aid = true gives
  `NULL and false` = false: the aid is in place, nothing is left to verify (p30's education).
- 死亡未退保 and 近亲属享受 say "an active spell" without naming programmes (unlike 在保人数 and
  三保障, which name dibao/tekun), so any programme counts (p45's and p7's disability_subsidy).
- 死亡后发放 sits with the stocks: payments paid (paid_date) on or before the as-of day, of
  persons who died on or before it.
- 比对疑点 is a flow (hits dated in the period); 待核实疑点 / 超期待核实 read "resolved" from
  resolved_date (dates decide, as for every closing date); 超期 = as-of − hit_date > 30.
- Recipient-based figures place a person by the township of the spell; payments by the
  township of the spell paid.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine

import queries  # noqa: F401  (registers every figure)
from conftest import load_rows
from queries.runner import compute, compute_with_change, histogram
from queries.schema import crosscheck_hit, payment
from rows_coverage import (  # noqa: F401
    A, B, C, DD, E, HULI, JIMEI, ROWS, SIMING, UNK_SM, _r, _s,
)

UNKNOWN = "未识别区划"
TOTAL = "total"

OPTIONAL_KEYS = ("paid_after_death", "paid_after_death_amount", "crosscheck_hits",
                 "crosscheck_pending", "crosscheck_confirmed", "crosscheck_overdue")

# --------------------------------------------------------------------------- helpers


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_coverage", lambda url: load_rows(url, ROWS))


def _load_without_optional(url: str) -> None:
    """The same rows, then the two optional tables dropped through a writable engine."""
    load_rows(url, ROWS)
    engine = create_engine(url)
    payment.drop(engine)
    crosscheck_hit.drop(engine)
    engine.dispose()


@pytest.fixture
def db_noopt(open_dataset):
    return open_dataset("fx_coverage_noopt", _load_without_optional)


def _null(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _norm(v):
    """Plain Python values, floats rounded, so lists compare exactly (None stays None)."""
    if hasattr(v, "item"):
        v = v.item()
    if _null(v):
        return None
    if isinstance(v, float):
        return round(v, 6)
    return v


def figures(db, scope, period, keys, by="region") -> dict:
    """{row id: {column: value}}; row id is 'total', a child code, or 未识别区划."""
    df = compute(db, list(keys), scope, period, by=by)
    out = {}
    for row in df.to_dict("records"):
        if row["is_total"]:
            rid = TOTAL
        elif _null(row["code"]):
            rid = UNKNOWN if by == "region" else "未填写"
        else:
            rid = row["code"]
        assert rid not in out, f"row {rid} twice"
        out[rid] = row
    return out


def column(rows: dict, key: str, order) -> list:
    return [_norm(rows[r][key]) if r in rows else "<row missing>" for r in order]


def expect(values) -> list:
    return [_norm(v) for v in values]


# --------------------------------------------------------------------------- 2026Q4, the city

Q4_ROWS = (TOTAL, SIMING, HULI, JIMEI, UNKNOWN)

# Each entry: (total 厦门市, 思明区, 湖里区, 集美区 (empty), 未识别区划). As-of day 2026-11-15.
Q4_CITY = {
    # 漏保: eligible (latest row <= as-of, assessed_eligible true, alive on the as-of day):
    #   A: p1 p2 p3 p4 p5 p6 p7 p8 (8; p9 died on the as-of day, p10 null, p11 false, p13's
    #      latest row false, p15's A row is after the as-of day, p21 died, p22 only after)
    #   B: p12 (later row), p14 (same day, larger id s14b), p15 (row after as-of ignored) (3)
    #   350203999 (in 思明区's range): p17 (1)      C: p18 p19 p23 (3)   D: p20 (1)
    #   350299001: p16 (1)                           -> 思明 12, 湖里 4, 集美 0, 未识别 1, total 17
    # Uncovered among them: p3 (dibao A), p4 (tekun in C: anywhere counts), p6 (spell starts
    #   on the as-of day), p19, p20 covered; p5 (spell ends on the as-of day), p7
    #   (disability_subsidy), p8 (linshi) are gaps.
    #   gaps: A p1 p2 p5 p7 p8; B p12 p14 p15; p17; C p18 p23; p16
    "gap_persons": (12, 9, 2, 0, 1),
    "gap_rate": (12 / 17 * 100, 75.0, 50.0, None, 100.0),   # 集美: 0/0 -> None
    "gap_rate.num": (12, 9, 2, 0, 1),
    "gap_rate.den": (17, 12, 4, 0, 1),
    # waiting days to 11-15: p1 45, p2 30, p5 10, p7 75, p8 1, p12 26, p14 36, p15 75, p17 14,
    #   p18 106, p23 10, p16 41
    # total (12, even): 1 10 10 14 26 [30 36] 41 45 75 75 106 -> (30+36)/2 = 33
    # 思明 (9, odd): 1 10 14 26 [30] 36 45 75 75 -> 30;  湖里 (2): 10 106 -> 58;  未识别: 41
    "gap_waiting_median": (33.0, 30.0, 58.0, None, 41.0),
    # over 30 days (p2's exactly 30 is not): p1 p7 p14 p15 | p18 | p16
    "gap_waiting_over": (6, 4, 1, 0, 1),
    # 在保 (active dibao/tekun on 11-15, persons): A p3 p6 p31 (two spells, one person) p40 p43;
    #   B p30 (new urban spell) p42; C p4 p19; D p20; 350299001 p44 p48.
    #   Not: p5 (ends on the as-of day), r47 (starts 11-16), p7/p45 (disability), p8 (linshi).
    "covered_persons": (12, 7, 3, 0, 2),
    # dibao persons (tekun p4, p42 left out): A 5, B 1 (p30), C 1 (p19), D 1 (p20), unknown 2
    # ‰ of population: 10/10000, 6/2000, 2/4000, 0/1000, 未识别 has no population -> None
    "dibao_coverage": (1.0, 3.0, 0.5, 0.0, None),
    "dibao_coverage.num": (10, 6, 2, 0, 2),
    # 三保障 over active dibao/tekun spells:
    #   medical false: p4 (C), p31 (A, both spells), p44 (unknown); p7/p45 are disability, p5
    #   and p30's old spell are not active, r47 not yet -> not counted. medical null: p6 (A).
    "medical_gap": (3, 1, 1, 0, 1),
    "medical_unknown": (1, 1, 0, 0, 0),
    #   education: p19 needed & not aid (C); p4 needed null (C) -> 未核实; p43 needed & aid: no.
    #   READING: p30 (B) needed null but aid true -> neither gap nor 未核实.
    "education_gap": (1, 0, 1, 0, 0),
    "education_unknown": (1, 0, 1, 0, 0),
    #   housing: p31, p43 needed & not aid (A); p20 (D) needed & aid null, p30 (B) needed null
    #   & aid false -> 未核实; p19 needed & aid -> no.
    "housing_gap": (2, 2, 0, 0, 0),
    "housing_unknown": (2, 1, 1, 0, 0),
    #   any of the three: p31, p43 (A), p4, p19 (C), p44 (unknown)
    "three_guarantees_gap": (5, 2, 2, 0, 1),
    # 死亡未退保: active spell and earliest death strictly before 11-15:
    #   p40 (A, 11-01), p42 (B, rows 11-15 and 11-10 -> 11-10), p45 (C, disability, 10-01),
    #   p44 (unknown, 08-20). Not p43 (died on the as-of day), p41 (spell ended 10-31).
    "deceased_active": (4, 2, 1, 0, 1),
    # 死亡后发放: pay_month after the death month, paid by 11-15:
    #   p41 (C) died 09-20 (earliest of 09-20/10-15): 10-01 counted, 09-01 (death month) not;
    #   p44 (unknown) died 08-20: 09-01 10-01 11-01 counted (3 x 450.50), 08-01 not;
    #   p40 died 11-01: 11-01 is the death month; p42 died 11-10: 11-01 is the death month.
    "paid_after_death": (4, 0, 1, 0, 3),
    "paid_after_death_amount": (1951.5, 0, 600.0, 0, 1351.5),
    # 比对疑点 (hit_date in 10-01..11-15): h1 h2 (A), h4 (B), h6 (unknown)
    "crosscheck_hits": (4, 3, 0, 0, 1),
    # 待核实 (hit <= 11-15, resolved_date null or later): h1 h2 (A), h6 (unknown)
    "crosscheck_pending": (3, 2, 0, 0, 1),
    # 核实有问题 (confirmed, resolved 10-01..11-15): h3 (B, 10-20), h5 (C, 10-10)
    "crosscheck_confirmed": (2, 1, 1, 0, 0),
    # 超期待核实: h1 41 days, h6 45 days; h2 exactly 30 days is not over 30
    "crosscheck_overdue": (2, 1, 0, 0, 1),
    # 近亲属享受: active spell & staff_relative: p7 (A, disability - READING), p19 (C);
    #   not p5 (ends on the as-of day), not p30 (old spell ended, new spell null)
    "staff_relatives": (2, 1, 1, 0, 0),
    # ledger, dibao spells started 10-01..11-15: r06 (A, 11-15, single), r30b (B), r19 (C),
    #   r48 (unknown, single). Not r31a (09-30), r47 (11-16), r42 (tekun).
    "dibao_new": (4, 2, 1, 0, 1),
    "dibao_new_single": (2, 1, 0, 0, 1),
    # dibao spells ended 10-01..11-15: r05 (A, 11-15, ineligible), r49 (A, favouritism),
    #   r30a (B, other), r50 (B, policy), r41 (C, deceased), r51 (D, null).
    #   Not r52 (09-30), r53 (tekun).
    "dibao_exits": (6, 4, 2, 0, 0),
    "dibao_exit_favouritism": (1, 1, 0, 0, 0),
    "dibao_exit_policy": (1, 1, 0, 0, 0),
    "dibao_exit_deceased": (1, 0, 1, 0, 0),
    "dibao_exit_other": (3, 2, 1, 0, 0),     # ineligible r05, other r30a, null r51
}
COVERAGE_KEYS = [k for k in Q4_CITY if "." not in k]


def test_every_coverage_figure_is_covered():
    from queries.figures import metrics_for
    assert sorted(m.key for m in metrics_for("coverage")) == sorted(COVERAGE_KEYS)


def test_q4_city_rows(db):
    # the total, every district in code order (集美区 with no rows too), then 未识别区划
    period = db.period("2026Q4")
    df = compute(db, COVERAGE_KEYS, db.scope(None), period)
    assert list(df["is_total"]) == [True, False, False, False, False]
    assert list(df["code"])[:4] == ["350200", SIMING, HULI, JIMEI]
    assert _null(list(df["code"])[4])
    assert list(df["name"]) == ["厦门市", "思明区", "湖里区", "集美区", UNKNOWN]
    assert period.as_of == date(2026, 11, 15)
    assert period.label == "2026年第4季度（截至11月15日）"


@pytest.mark.parametrize("key", list(Q4_CITY))
def test_q4_city(db, key):
    rows = figures(db, db.scope(None), db.period("2026Q4"), COVERAGE_KEYS)
    assert column(rows, key, Q4_ROWS) == expect(Q4_CITY[key])


ADDITIVE = [k for k in COVERAGE_KEYS if k not in ("gap_rate", "gap_waiting_median", "dibao_coverage")]


def test_q4_city_breakdown_adds_up(db):
    # 未识别区划 makes every breakdown add up to the total for counts (here persons never
    # sit in two districts, so even the distinct counts add up)
    rows = figures(db, db.scope(None), db.period("2026Q4"), COVERAGE_KEYS)
    for key in ADDITIVE:
        parts = [rows[r][key] for r in Q4_ROWS[1:]]
        if any(v is None for v in parts + [rows[TOTAL][key]]):
            continue
        assert _norm(sum(parts)) == _norm(rows[TOTAL][key]), key


def test_counts_are_ints(db):
    rows = figures(db, db.scope(None), db.period("2026Q4"), COVERAGE_KEYS)
    for key in ADDITIVE:
        if key == "paid_after_death_amount":
            continue
        for rid, row in rows.items():
            assert isinstance(row[key], int) and not isinstance(row[key], bool), (key, rid, row[key])


# --------------------------------------------------------------------------- user scopes

# 思明区 as a district user sees it: (total, A, B, 未识别区划 = p17's code 350203999)
SIMING_ROWS = (TOTAL, A, B, UNKNOWN)
Q4_SIMING = {
    # A: eligible 8, gaps p1 p2 p5 p7 p8; B: eligible 3, gaps p12 p14 p15; 350203999: p17.
    # p4 (screened in A) stays covered by her tekun spell in 湖里区: scope filters the
    # screening row only.
    "gap_persons": (9, 5, 3, 1),
    "gap_rate": (75.0, 62.5, 100.0, 100.0),
    # A (5, odd): 1 10 [30] 45 75 -> 30;  B: 26 [36] 75 -> 36;  p17: 14
    "gap_waiting_median": (30.0, 30.0, 36.0, 14.0),
    "gap_waiting_over": (4, 2, 2, 0),          # p1 p7 | p14 p15
    "covered_persons": (7, 5, 2, 0),
    "dibao_coverage": (3.0, 5.0, 1.0, None),   # 6/2000, 5/1000, 1/1000 (p30), no population
    "three_guarantees_gap": (2, 2, 0, 0),      # p31 p43
    "medical_gap": (1, 1, 0, 0),               # p31
    "medical_unknown": (1, 1, 0, 0),           # p6
    "education_gap": (0, 0, 0, 0),
    "education_unknown": (0, 0, 0, 0),         # READING: p30 (needed null, aid true) is not 未核实
    "housing_gap": (2, 2, 0, 0),               # p31 p43
    "housing_unknown": (1, 0, 1, 0),           # p30
    "deceased_active": (2, 1, 1, 0),           # p40 | p42
    "paid_after_death": (0, 0, 0, 0),
    "paid_after_death_amount": (0, 0, 0, 0),
    "crosscheck_hits": (3, 2, 1, 0),           # h1 h2 | h4
    "crosscheck_pending": (2, 2, 0, 0),        # h1 h2
    "crosscheck_confirmed": (1, 0, 1, 0),      # h3
    "crosscheck_overdue": (1, 1, 0, 0),        # h1
    "staff_relatives": (1, 1, 0, 0),           # p7
    "dibao_new": (2, 1, 1, 0),                 # r06 | r30b
    "dibao_new_single": (1, 1, 0, 0),          # r06
    "dibao_exits": (4, 2, 2, 0),               # r05 r49 | r30a r50
    "dibao_exit_favouritism": (1, 1, 0, 0),
    "dibao_exit_policy": (1, 0, 1, 0),
    "dibao_exit_deceased": (0, 0, 0, 0),
    "dibao_exit_other": (2, 1, 1, 0),          # r05 | r30a
}


@pytest.mark.parametrize("key", list(Q4_SIMING))
def test_q4_district_user(db, key):
    scope = db.scope(SIMING, allowed=[SIMING])
    rows = figures(db, scope, db.period("2026Q4"), COVERAGE_KEYS)
    assert list(rows) == list(SIMING_ROWS)
    assert column(rows, key, SIMING_ROWS) == expect(Q4_SIMING[key])


def test_waiting_days_histogram(db):
    """The distribution behind 待纳入天数, 2026Q4 on 11-15, hand-worked above (Q4_CITY):
    city p8 1, p5 10, p23 10, p17 14, p12 26, p2 30, p14 36, p16 41, p1 45, p7 75, p15 75,
    p18 106; 思明区 (a user's scope) the nine of A, B and 350203999; none without a value."""
    q4 = db.period("2026Q4")
    city = histogram(db, "gap_waiting_median", db.scope(None), q4)
    assert city == [(1, 1), (10, 2), (14, 1), (26, 1), (30, 1), (36, 1), (41, 1), (45, 1),
                    (75, 2), (106, 1)]
    siming = histogram(db, "gap_waiting_median", db.scope(SIMING, allowed=[SIMING]), q4)
    assert siming == [(1, 1), (10, 1), (14, 1), (26, 1), (30, 1), (36, 1), (45, 1), (75, 2)]
    with pytest.raises(ValueError):
        histogram(db, "covered_persons", db.scope(None), q4)


def test_q4_paid_after_death_in_a_district(db):
    # a scope starts from its own spells, the whole city from the deaths (two statement
    # shapes): 湖里区 must see p41's 10-01 payment of 600.00 in C, as the city does
    rows = figures(db, db.scope(HULI, allowed=[HULI]), db.period("2026Q4"),
                   ["paid_after_death", "paid_after_death_amount"])
    assert list(rows) == [TOTAL, C, DD]
    assert [rows[r]["paid_after_death"] for r in rows] == [1, 1, 0]
    assert [_norm(rows[r]["paid_after_death_amount"]) for r in rows] == [600.0, 600.0, 0]


# township 厦港街道 (A) as a township user sees it: the total and its own single row
Q4_TOWNSHIP_A = {
    "gap_persons": 5, "gap_rate": 62.5, "gap_waiting_median": 30.0, "gap_waiting_over": 2,
    "covered_persons": 5, "dibao_coverage": 5.0, "three_guarantees_gap": 2, "medical_gap": 1,
    "medical_unknown": 1, "education_gap": 0, "education_unknown": 0, "housing_gap": 2,
    "housing_unknown": 0, "deceased_active": 1, "paid_after_death": 0,
    "paid_after_death_amount": 0, "crosscheck_hits": 2, "crosscheck_pending": 2,
    "crosscheck_confirmed": 0, "crosscheck_overdue": 1, "staff_relatives": 1, "dibao_new": 1,
    "dibao_new_single": 1, "dibao_exits": 2, "dibao_exit_favouritism": 1,
    "dibao_exit_policy": 0, "dibao_exit_deceased": 0, "dibao_exit_other": 1,
}


def test_q4_township_user(db):
    scope = db.scope(None, allowed=[A])
    assert scope.code == A
    rows = figures(db, scope, db.period("2026Q4"), COVERAGE_KEYS)
    assert list(rows) == [TOTAL, A]
    for rid in (TOTAL, A):
        got = {k: _norm(rows[rid][k]) for k in Q4_TOWNSHIP_A}
        assert got == {k: _norm(v) for k, v in Q4_TOWNSHIP_A.items()}, rid


def test_township_without_population(db):
    # 殿前街道 (D) has no population: 低保覆盖率 is None although p20 is on dibao there;
    # p20 is eligible and covered: 漏保率 0/1 = 0.0 (a value, not None)
    rows = figures(db, db.scope(DD), db.period("2026Q4"),
                   ["covered_persons", "dibao_coverage", "gap_persons", "gap_rate"])
    for rid in (TOTAL, DD):
        assert _norm(rows[rid]["covered_persons"]) == 1
        assert rows[rid]["dibao_coverage"] is None
        assert _norm(rows[rid]["dibao_coverage.num"]) == 1
        assert _norm(rows[rid]["gap_persons"]) == 0
        assert _norm(rows[rid]["gap_rate"]) == 0.0


@pytest.mark.parametrize("code, rows_expected", [(JIMEI, [TOTAL, E]), (E, [TOTAL, E])])
def test_empty_scope(db, code, rows_expected):
    # 集美区 / 集美街道 have no rows at all: counts 0, rates and the median None;
    # 低保覆盖率 is 0/1000 = 0.0 (the population is known)
    rows = figures(db, db.scope(code), db.period("2026Q4"), COVERAGE_KEYS)
    assert list(rows) == rows_expected
    for rid in rows_expected:
        for key in COVERAGE_KEYS:
            if key in ("gap_rate", "gap_waiting_median"):
                assert rows[rid][key] is None, (rid, key)
            elif key == "dibao_coverage":
                assert _norm(rows[rid][key]) == 0.0, (rid, key)
            else:
                assert _norm(rows[rid][key]) == 0, (rid, key, rows[rid][key])


# --------------------------------------------------------------------------- other breakdowns


def test_gap_by_category(db):
    # the latest row's category counts: p12 -> serious_illness (not its earlier low_income),
    # p14 -> unsupported_child (s14b), p15 -> edge_poverty (its row after the as-of day ignored)
    rows = figures(db, db.scope(None), db.period("2026Q4"), ["gap_persons"], by="category")
    got = {rid: _norm(r["gap_persons"]) for rid, r in rows.items() if rid != TOTAL and r["gap_persons"]}
    assert got == {"severe_disability": 2,   # p1 p7
                   "serious_illness": 2,     # p2 p12
                   "edge_poverty": 2,        # p5 p15
                   "expenditure_poverty": 2,  # p8 p23
                   "unsupported_child": 1,   # p14
                   "low_income": 1,          # p16
                   "other": 1,               # p17
                   "returned_poverty": 1}    # p18
    assert _norm(rows[TOTAL]["gap_persons"]) == 12


def test_crosscheck_hits_by_register(db):
    # hits dated 10-01..11-15: h1 vehicle, h2 property, h4 vehicle, h6 public_payroll
    rows = figures(db, db.scope(None), db.period("2026Q4"), ["crosscheck_hits"], by="register")
    got = {rid: _norm(r["crosscheck_hits"]) for rid, r in rows.items()
           if rid != TOTAL and r["crosscheck_hits"]}
    assert got == {"vehicle": 2, "property": 1, "public_payroll": 1}


# --------------------------------------------------------------------------- other periods

# 2026Q3 in full: 07-01..09-30, as-of 09-30. Rows: (total, 思明区, 湖里区, 集美区)
Q3_ROWS = (TOTAL, SIMING, HULI, JIMEI)
Q3_CITY = {
    # eligible on 09-30: p7 (A, 09-01), p15 (B, 09-01; its 11-20 row not yet), p21 (A, 06-15,
    #   alive until 11-01), p18 (C), p19 (C, dibao only from 10-05), p20 (D, covered).
    #   Not: p12 (latest on 09-30 is 06-01, false), p13 (latest 09-10, false), the rest
    #   screened after 09-30.
    "gap_persons": (5, 3, 2, 0),
    "gap_rate": (5 / 6 * 100, 100.0, 2 / 3 * 100, None),
    # days to 09-30: p7 29, p15 29, p21 107, p18 60, p19 15
    # total: 15 29 [29] 60 107 -> 29;  思明: 29 [29] 107 -> 29;  湖里: 15 60 -> 37.5
    "gap_waiting_median": (29.0, 29.0, 37.5, None),
    "gap_waiting_over": (2, 1, 1, 0),          # p21 | p18
    # 在保 on 09-30: 思明 p3 p5 p30 (old spell) p31 (r31a starts 09-30) p40 p43 p49 p50;
    #   湖里 p4 p20 p41 p51 p53; unknown p44. r52 ends 09-30: not active.
    "covered_persons": (14, 8, 5, 0),
    # died before 09-30 with an active spell: p41 (C, 09-20, spell to 10-31), p44 (unknown)
    "deceased_active": (2, 0, 1, 0),
    # paid by 09-30 for a month after the death month: pay44b (09-01, paid 09-05) only;
    #   p41's October payment was paid 10-05, after the as-of day
    "paid_after_death": (1, 0, 0, 0),
    "paid_after_death_amount": (450.5, 0, 0, 0),
    "crosscheck_hits": (3, 1, 2, 0),           # h3 (B) | h5 h7 (C)
    "crosscheck_pending": (2, 1, 1, 0),        # h3 (resolved 10-20), h5 (resolved 10-10)
    "crosscheck_confirmed": (1, 0, 1, 0),      # h7 resolved 08-20
    "crosscheck_overdue": (1, 0, 1, 0),        # h5 60 days; h3 29 days
    "dibao_new": (2, 2, 0, 0),                 # r54 (07-20), r31a (09-30)
    "dibao_new_single": (1, 1, 0, 0),          # r54
    "dibao_exits": (2, 2, 0, 0),               # r54 (08-10, ineligible), r52 (09-30, favouritism)
    "dibao_exit_favouritism": (1, 1, 0, 0),
    "dibao_exit_other": (1, 1, 0, 0),
}


@pytest.mark.parametrize("key", list(Q3_CITY))
def test_q3_full_quarter(db, key):
    period = db.period("2026Q3")
    assert (period.start, period.as_of, period.label) == (date(2026, 7, 1), date(2026, 9, 30),
                                                          "2026年第3季度")
    rows = figures(db, db.scope(None), period, list(Q3_CITY))
    assert column(rows, key, Q3_ROWS) == expect(Q3_CITY[key])


# 专项治理以来: 2026-04-01..11-15. Stocks equal Q4's (same as-of day); flows from 04-01.
CAMPAIGN_TOTAL = {
    "gap_persons": 12, "gap_rate": 12 / 17 * 100, "gap_waiting_median": 33.0,
    "gap_waiting_over": 6, "covered_persons": 12, "deceased_active": 4, "paid_after_death": 4,
    "crosscheck_pending": 3, "crosscheck_overdue": 2,
    "crosscheck_hits": 7,          # h1..h7 are all dated 07-05..10-16
    "crosscheck_confirmed": 3,     # h7 (08-20), h5 (10-10), h3 (10-20)
    "dibao_new": 6,                # Q4's 4 + r54 (07-20) + r31a (09-30)
    "dibao_new_single": 3,         # r06 r48 r54
    "dibao_exits": 8,              # Q4's 6 + r54 (08-10) + r52 (09-30)
    "dibao_exit_favouritism": 2,   # r49 r52
    "dibao_exit_policy": 1, "dibao_exit_deceased": 1,
    "dibao_exit_other": 4,         # r05 r30a r51 r54
}


def test_campaign_period(db):
    period = db.period("campaign")
    assert (period.start, period.as_of, period.label) == (date(2026, 4, 1), date(2026, 11, 15),
                                                          "专项治理以来")
    df = compute_with_change(db, list(CAMPAIGN_TOTAL), db.scope(None), period)
    total = df[df["is_total"]].iloc[0]
    assert {k: _norm(total[k]) for k in CAMPAIGN_TOTAL} == {k: _norm(v) for k, v in CAMPAIGN_TOTAL.items()}
    # 专项治理以来 has no 环比
    for k in CAMPAIGN_TOTAL:
        assert total[f"{k}.prev"] is None and total[f"{k}.change"] is None, k


# 2026Q4 (cut at 11-15) against 2026Q3 up to 08-15 (同期): flows 07-01..08-15, stocks on 08-15.
# (key, Q4 total, previous total)
Q4_CHANGE = [
    # on 08-15: eligible p13 (B, 05-01 row; her 09-10 row not yet), p21 (A, alive), p18 (C),
    #   p20 (D, covered) -> gaps p13 p21 p18
    ("gap_persons", 12, 3),
    ("gap_rate", 12 / 17 * 100, 75.0),
    # days to 08-15: p13 106, p21 61, p18 14 -> median 61; over 30: p13 p21
    ("gap_waiting_median", 33.0, 61.0),
    ("gap_waiting_over", 6, 2),
    # 在保 on 08-15: p3 p4 p5 p20 p30 p31 (tekun) p40 p41 p43 p44 p49 p50 p51 p52 p53
    #   (r54 ended 08-10, r31a not yet)
    ("covered_persons", 12, 15),
    ("deceased_active", 4, 0),     # nobody had died by 08-15 (p44 on 08-20)
    ("paid_after_death", 4, 0),
    ("crosscheck_hits", 4, 2),     # h7 (07-05), h5 (08-01)
    ("crosscheck_pending", 3, 2),  # h7 (resolved 08-20), h5
    ("crosscheck_confirmed", 2, 0),
    ("crosscheck_overdue", 2, 1),  # h7 41 days; h5 14 days
    ("dibao_new", 4, 1),           # r54 (07-20); r31a (09-30) is after 08-15
    ("dibao_new_single", 2, 1),
    ("dibao_exits", 6, 1),         # r54 (08-10); r52 (09-30) is after 08-15
    ("dibao_exit_favouritism", 1, 0),
    ("dibao_exit_other", 3, 1),
]


def test_previous_quarter_is_cut_at_the_same_day(db):
    prev = db.period("2026Q4").previous()
    assert (prev.key, prev.start, prev.as_of) == ("2026Q3", date(2026, 7, 1), date(2026, 8, 15))


@pytest.mark.parametrize("key, now, before", Q4_CHANGE, ids=[c[0] for c in Q4_CHANGE])
def test_q4_change(db, key, now, before):
    df = compute_with_change(db, [key], db.scope(None), db.period("2026Q4"))
    total = df[df["is_total"]].iloc[0]
    assert (_norm(total[key]), _norm(total[f"{key}.prev"]), _norm(total[f"{key}.change"])) == \
        (_norm(now), _norm(before), _norm(now - before))


# 漏保 on two days whose states differ (2026Q4 to 11-15 against 2026Q3 to 08-15): each
# person changes between the days in one way.
GAP_CHANGE_ROWS = {
    **{k: ROWS[k] for k in ("region", "campaign", "campaign_phase", "meta")},
    "screening": [
        _s("g1", "q1", A, date(2026, 5, 1), True),    # covered from 09-01: gap on 08-15 only, 106 d
        _s("g2", "q2", C, date(2026, 6, 1), True),    # covered until 10-01: gap on 11-15 only, 167 d
        _s("g3", "q3", A, date(2026, 7, 1), True),    # gap on 08-15 (45 d); then
        _s("g3b", "q3", A, date(2026, 10, 1), False),  # a later row, not eligible
        _s("g4", "q4", C, date(2026, 7, 15), True),   # gap on 08-15 (31 d); died 09-20
        _s("g5", "q5", C, date(2026, 9, 1), True),    # screened after 08-15: gap on 11-15, 75 d
        _s("g6", "q6", C, date(2026, 3, 1), True),    # covered on both days
        _s("g7", "q7", A, date(2026, 8, 15), True),   # screened on 08-15 itself: gap 0 d, then 92 d
        _s("g8a", "q8", A, date(2026, 6, 1), True),   # same day, the larger id is the latest:
        _s("g8b", "q8", A, date(2026, 6, 1), False),  #   not eligible, so counted on neither day
    ],
    "recipient": [
        _r("x1", "q1", A, "dibao_urban", date(2026, 9, 1)),
        _r("x2", "q2", C, "dibao_rural", date(2025, 6, 1), date(2026, 10, 1), "ineligible"),
        _r("x6", "q6", C, "tekun", date(2025, 1, 1)),
    ],
    "death_record": [dict(person_id="q4", death_date=date(2026, 9, 20), source="funeral")],
}


def test_gap_change_when_states_differ_between_the_days(open_dataset):
    db = open_dataset("fx_gap_change", lambda url: load_rows(url, GAP_CHANGE_ROWS))
    keys = ["gap_persons", "gap_rate", "gap_waiting_median", "gap_waiting_over"]
    frame = compute_with_change(db, keys, db.scope(None), db.period("2026Q4"))
    by = {("total" if t else c): r for c, t, r in zip(frame["code"], frame["is_total"],
                                                      frame.to_dict("records"))}
    total = by["total"]
    # 思明区 (A): 11-15 q1 (covered) q7 -> gap q7; 08-15 q1 q3 q7, all gaps.
    # 湖里区 (C): 11-15 q2 q5 q6 (covered) -> gaps q2 q5; 08-15 q2 (covered) q4 q6 -> gap q4.
    assert [_norm(by[SIMING][k]) for k in ("gap_persons", "gap_persons.prev")] == [1, 3]
    assert [_norm(by[HULI][k]) for k in ("gap_persons", "gap_persons.prev")] == [2, 1]
    assert _norm(by[HULI]["gap_rate.prev"]) == _norm(100 / 3)
    # 11-15: counted q1 (covered) q2 q5 q6 (covered) q7 -> gaps q2 q5 q7 = 3 of 5 (60 %),
    #   waiting 167 75 92 -> median 92, over 30 days 3
    assert [_norm(total[k]) for k in keys] == [3, 60.0, 92.0, 3]
    # 08-15: counted q1 q2 (covered) q3 q4 q6 (covered) q7 -> gaps q1 q3 q4 q7 = 4 of 6,
    #   waiting 106 45 31 0 -> median 38, over 30 days 3 (31 counts, 0 does not)
    assert [_norm(total[f"{k}.prev"]) for k in keys] == [4, _norm(400 / 6), 38.0, 3]


def test_q4_change_by_district(db):
    # 漏保人数 on 08-15: 思明 p13 (B) p21 (A) = 2, 湖里 p18 = 1, 集美 0
    # 漏保率 on 08-15: 思明 2/2, 湖里 1/2 (p20 covered), 集美 0/0 -> no value, no 环比
    df = compute_with_change(db, ["gap_persons", "gap_rate"], db.scope(None), db.period("2026Q4"))
    by = {("total" if t else c): r for c, t, r in zip(df["code"], df["is_total"], df.to_dict("records"))}
    assert [_norm(by[c]["gap_persons.change"]) for c in (SIMING, HULI, JIMEI)] == [7, 1, 0]
    assert [_norm(by[c]["gap_rate.prev"]) for c in (SIMING, HULI, JIMEI)] == [100.0, 50.0, None]
    assert [_norm(by[c]["gap_rate.change"]) for c in (SIMING, HULI, JIMEI)] == [-25.0, 0.0, None]


# --------------------------------------------------------------------------- optional tables


def test_optional_tables_present(db):
    assert db.has("payment") and db.has("crosscheck_hit")


def test_without_optional_tables(db, db_noopt):
    # same rows, payment and crosscheck_hit dropped: the database opens, the figures that
    # need them are None on every row, every other figure is what the full database gives
    # (compared with the full database, so a disputed figure fails in test_q4_city only)
    assert not db_noopt.has("payment")
    assert not db_noopt.has("crosscheck_hit")
    assert set(db_noopt.contract.missing_optional) == {"payment", "crosscheck_hit"}
    rows = figures(db_noopt, db_noopt.scope(None), db_noopt.period("2026Q4"), COVERAGE_KEYS)
    full = figures(db, db.scope(None), db.period("2026Q4"), COVERAGE_KEYS)
    assert list(rows) == list(Q4_ROWS)
    for key in Q4_CITY:
        if key.split(".")[0] in OPTIONAL_KEYS:
            assert column(rows, key, Q4_ROWS) == [None] * len(Q4_ROWS), key
        else:
            assert column(rows, key, Q4_ROWS) == column(full, key, Q4_ROWS), key
    # and a few of them literally (undisputed figures)
    for key in ("gap_persons", "gap_waiting_median", "covered_persons", "deceased_active",
                "three_guarantees_gap", "dibao_exits"):
        assert column(rows, key, Q4_ROWS) == expect(Q4_CITY[key]), key


def test_without_optional_tables_change(db_noopt):
    # 环比 of a figure without its table is None too, and the others still compute
    df = compute_with_change(db_noopt, ["paid_after_death", "crosscheck_hits", "gap_persons"],
                             db_noopt.scope(None), db_noopt.period("2026Q4"))
    total = df[df["is_total"]].iloc[0]
    for k in ("paid_after_death", "crosscheck_hits"):
        assert total[k] is None and total[f"{k}.prev"] is None and total[f"{k}.change"] is None
    assert (_norm(total["gap_persons"]), _norm(total["gap_persons.change"])) == (12, 9)
