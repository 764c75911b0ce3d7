"""乡镇问题指数, 预警, periods, scopes, read-only access and the contract check.

Expected numbers are worked out by hand from metrics.md and reporting-db.md (working in
comments). Database tests run on SQLite, PostgreSQL and MariaDB through ``open_dataset``;
the period and warning-level tests are pure Python.

The index fixture (data_as_of 2026-11-15, period 2026Q4 = 10-01..11-15):

    township         pop    漏保率 (eligible)         新增重复信访事项   逾期未办结线索  逾期未整改
    T1 350203001     10000  1 of 2 = 50 %            1 (M1)  = 1.0/万  0               2
    T2 350203002     20000  1 of 4 = 25 %            2 (M2 M3) = 1.0/万 1               0
    T3 350206001      5000  0 of 1 = 0 %             1 (M4)  = 2.0/万  3               0
    T4 350206002     10000  1 of 2 = 50 %            0 (M5: 3rd in Q3) 1               1
    T5 350211001     10000  none eligible: no value  0 (M7: 3rd 11-16) 2               0
    T6 350211002     10000  no rows at all: no value 0                 0               0
    350299001 (unknown code): 1 overdue clue, 1 overdue item — in no township's rank.

Percentile rank = (mean rank − 1) / (n − 1) × 100 among the townships that have a value
(T6, with no rows at all, is a township of the deployment and is ranked too):
    漏保率 [T1 50, T2 25, T3 0, T4 50] (n = 4): T3 0, T2 33.33, T1 = T4 83.33; T5 T6 none
    per 10,000 [1, 1, 2, 0, 0, 0] (n = 6): T4 = T5 = T6 rank 2 -> 20, T1 = T2 rank 4.5 -> 70,
        T3 100
    逾期未办结线索 [0, 1, 3, 1, 2, 0]: T1 = T6 rank 1.5 -> 10, T2 = T4 rank 3.5 -> 50,
        T5 80, T3 100
    逾期未整改 [2, 0, 0, 1, 0, 0]: T2 = T3 = T5 = T6 rank 2.5 -> 30, T4 80, T1 100
Index (equal weights; T5 and T6 re-weighted over three components):
    T1 (83.33 + 70 + 10 + 100) / 4 = 65.833    T2 (33.33 + 70 + 50 + 30) / 4 = 45.833
    T3 (0 + 100 + 100 + 30) / 4 = 57.5         T4 (83.33 + 20 + 50 + 80) / 4 = 58.333
    T5 (20 + 80 + 30) / 3 = 43.333             T6 (20 + 10 + 30) / 3 = 20
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import Column, MetaData, Table, create_engine, delete, func, make_url, select, text, update

from conftest import load_rows
from queries.database import ContractViolation
from queries.runner import compute
from queries.period import BadPeriod, make_period
from queries.problem_index import problem_index
from queries.schema import (
    RECOMMENDED_INDEXES, campaign_phase, clue, death_record, meta, payment, rectification,
)
from queries.scope import BadScope
from queries.warnings import AMBER, RED, level

D = date
AS_OF = D(2026, 11, 15)
T1, T2, T3, T4, T5, T6 = ("350203001", "350203002", "350206001", "350206002", "350211001",
                          "350211002")
UNKNOWN = "350299001"


def regions(t5_population=10000):
    return [
        dict(code="350200", name="厦门市", level="city", parent_code=None, population=None),
        dict(code="350203", name="思明区", level="district", parent_code="350200", population=None),
        dict(code="350206", name="湖里区", level="district", parent_code="350200", population=None),
        dict(code="350211", name="集美区", level="district", parent_code="350200", population=None),
        dict(code=T1, name="厦港街道", level="township", parent_code="350203", population=10000),
        dict(code=T2, name="鹭江街道", level="township", parent_code="350203", population=20000),
        dict(code=T3, name="湖里街道", level="township", parent_code="350206", population=5000),
        dict(code=T4, name="殿前街道", level="township", parent_code="350206", population=10000),
        dict(code=T5, name="集美街道", level="township", parent_code="350211",
             population=t5_population),
        dict(code=T6, name="杏林街道", level="township", parent_code="350211", population=10000),
    ]


META = [dict(key="data_as_of", value="2026-11-15"), dict(key="source_note", value="demo")]
CAMPAIGN = [dict(campaign_id="C1", name="2026年社会救助领域群众身边不正之风和腐败问题专项整治",
                 start_date=D(2026, 6, 1), end_date=D(2026, 12, 31))]
PHASES = [dict(campaign_id="C1", seq=1, name="自查自纠", start_date=D(2026, 6, 1),
               end_date=D(2026, 12, 31))]


def _screen(pid, town, screened, eligible):
    return dict(screening_id="s" + pid, person_id=pid, name="某某", township_code=town,
                category="low_income", screened_date=screened, assessed_eligible=eligible)


def _spell(pid, town, programme):
    return dict(recipient_id="r" + pid, person_id=pid, household_id="h" + pid, name="某某",
                township_code=town, programme=programme, start_date=D(2026, 1, 1), end_date=None,
                monthly_amount=800)


SCREENING = [
    _screen("pA1", T1, D(2026, 3, 1), True),     # covered
    _screen("pA2", T1, D(2026, 10, 16), True),   # gap, waiting 30 days on 11-15: not over 30
    _screen("pB1", T2, D(2026, 10, 15), True),   # gap, waiting 31 days: over 30
    _screen("pB2", T2, D(2026, 3, 1), True),
    _screen("pB3", T2, D(2026, 3, 1), True),
    _screen("pB4", T2, D(2026, 3, 1), True),
    _screen("pC1", T3, D(2026, 3, 1), True),
    _screen("pD1", T4, D(2026, 6, 1), True),     # gap, waiting 167 days
    _screen("pD2", T4, D(2026, 3, 1), True),
    _screen("pE1", T5, D(2026, 3, 1), None),     # not yet assessed: not eligible
    _screen("pE2", T5, D(2026, 3, 1), False),
]
RECIPIENTS = [
    _spell("pA1", T1, "dibao_urban"), _spell("pB2", T2, "dibao_rural"), _spell("pB3", T2, "tekun"),
    _spell("pB4", T2, "dibao_urban"), _spell("pC1", T3, "dibao_urban"), _spell("pD2", T4, "tekun"),
]


def _matter(mid, town, dates, last_closed=None):
    out = []
    for k, received in enumerate(dates, 1):
        closed = last_closed if k == len(dates) else received + timedelta(days=5)
        out.append(dict(petition_id=f"{mid}-{k}", matter_id=mid, petitioner_id="x" + mid,
                        township_code=town, channel="visit", category="dibao_eligibility",
                        received_date=received, due_date=received + timedelta(days=60),
                        status="closed" if closed else "processing", closed_date=closed))
    return out


PETITIONS = (
    # M1: first 09-16, open exactly 60 days on 11-15 (not "more than 60"); 3rd 10-10 -> new in Q4
    _matter("M1", T1, [D(2026, 9, 16), D(2026, 10, 1), D(2026, 10, 10)])
    # M2: first 09-15, open 61 days; 3rd 10-20 -> new
    + _matter("M2", T2, [D(2026, 9, 15), D(2026, 10, 5), D(2026, 10, 20)])
    # M3: 3rd 10-04 -> new; resolved (last petition closed 10-30)
    + _matter("M3", T2, [D(2026, 10, 2), D(2026, 10, 3), D(2026, 10, 4)], D(2026, 10, 30))
    # M4: 3rd on the as-of day 11-15 -> new; open since 07-01
    + _matter("M4", T3, [D(2026, 7, 1), D(2026, 8, 1), D(2026, 11, 15)])
    # M5: 3rd 09-01 (Q3) -> not new in Q4; resolved 11-01
    + _matter("M5", T4, [D(2026, 5, 1), D(2026, 6, 1), D(2026, 9, 1), D(2026, 10, 20)],
              D(2026, 11, 1))
    # M6: two petitions only; M7: its 3rd comes 11-16, after the as-of day
    + _matter("M6", T5, [D(2026, 10, 1), D(2026, 10, 20)])
    + _matter("M7", T5, [D(2026, 10, 1), D(2026, 10, 20), D(2026, 11, 16)])
)


def _clue(cid, town, due):
    return dict(clue_id=cid, township_code=town, source="hotline", category="fraud",
                received_date=D(2026, 9, 1), due_date=due, status="verifying")


OVERDUE = D(2026, 10, 1)
CLUES = (
    [_clue("k1", T1, AS_OF)]                                  # due on the as-of day: not overdue
    + [_clue("k2", T2, OVERDUE)]
    + [_clue(f"k3{i}", T3, OVERDUE) for i in range(3)]
    + [_clue("k4", T4, OVERDUE)]
    + [_clue(f"k5{i}", T5, OVERDUE) for i in range(2)]
    + [_clue("k9", UNKNOWN, OVERDUE)]
)


def _item(iid, town, deadline, closed=None):
    return dict(item_id=iid, campaign_id="C1", township_code=town, source="inspection",
                category="records", found_date=D(2026, 7, 1), deadline=deadline,
                status="closed" if closed else "in_progress", closed_date=closed)


ITEMS = [
    _item("i11", T1, OVERDUE), _item("i12", T1, OVERDUE),
    _item("i21", T2, OVERDUE, closed=D(2026, 9, 1)),
    _item("i31", T3, AS_OF),                                   # deadline on the as-of day
    _item("i41", T4, OVERDUE),
    _item("i91", UNKNOWN, OVERDUE),
]


def index_rows(t5_population=10000):
    return {"region": regions(t5_population), "meta": META, "campaign": CAMPAIGN,
            "campaign_phase": PHASES, "screening": SCREENING, "recipient": RECIPIENTS,
            "petition": PETITIONS, "clue": CLUES, "rectification": ITEMS}


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_index", lambda url: load_rows(url, index_rows()))


@pytest.fixture
def db_nopop(open_dataset):
    # the same rows, but 集美街道 has no population
    return open_dataset("fx_index_nopop", lambda url: load_rows(url, index_rows(None)))


def by_code(frame):
    return {r["code"]: r for r in frame.to_dict("records")}


def is_none(v):
    return v is None or v != v


# --------------------------------------------------------------------------- 乡镇问题指数

PCT = {  # township: (漏保率, per 10,000, 逾期未办结线索, 逾期未整改) percentile ranks
    T1: (250 / 3, 70.0, 10.0, 100.0),
    T2: (100 / 3, 70.0, 50.0, 30.0),
    T3: (0.0, 100.0, 100.0, 30.0),
    T4: (250 / 3, 20.0, 50.0, 80.0),
    T5: (None, 20.0, 80.0, 30.0),
    T6: (None, 20.0, 10.0, 30.0),
}
INDEX = {T1: (250 / 3 + 70 + 10 + 100) / 4,     # 65.83
         T2: (100 / 3 + 70 + 50 + 30) / 4,      # 45.83
         T3: (0 + 100 + 100 + 30) / 4,          # 57.5
         T4: (250 / 3 + 20 + 50 + 80) / 4,      # 58.33
         T5: (20 + 80 + 30) / 3,                # 43.33
         T6: (20 + 10 + 30) / 3}                # 20
COMPONENTS = ("gap_rate", "new_repeat_per_10k", "overdue_clues", "rect_overdue")


def test_index_components_and_percentiles(db):
    out = problem_index(db, db.period("2026Q4"))
    rows = by_code(out)
    # every township of the deployment, and nothing else (no district, no unknown code)
    assert sorted(rows) == [T1, T2, T3, T4, T5, T6]
    raw = {T1: (50.0, 1.0, 0, 2), T2: (25.0, 1.0, 1, 0), T3: (0.0, 2.0, 3, 0),
           T4: (50.0, 0.0, 1, 1), T5: (None, 0.0, 2, 0), T6: (None, 0.0, 0, 0)}
    for code in rows:
        for col, want, want_pct in zip(COMPONENTS, raw[code], PCT[code]):
            got, got_pct = rows[code][col], rows[code][f"{col}_pct"]
            if want is None:
                assert is_none(got) and is_none(got_pct), (code, col, got, got_pct)
            else:
                assert float(got) == pytest.approx(want), (code, col)
                assert float(got_pct) == pytest.approx(want_pct), (code, col)
        assert float(rows[code]["index"]) == pytest.approx(INDEX[code]), code
    assert rows[T1]["district"] == "思明区" and rows[T5]["district"] == "集美区"
    # higher is worse: sorted worst first
    assert out["code"].tolist() == [T1, T4, T3, T2, T5, T6]


@pytest.mark.parametrize("within, codes", [
    ("350203", [T1, T2]),
    ("350206", [T3, T4]),
    ("350211", [T5, T6]),
    (T5, [T5]),
])
def test_index_does_not_change_with_the_viewers_scope(db, within, codes):
    out = by_code(problem_index(db, db.period("2026Q4"), within=db.scope(within)))
    assert sorted(out) == codes
    for code in codes:
        assert float(out[code]["index"]) == pytest.approx(INDEX[code])
        for col, want_pct in zip(COMPONENTS, PCT[code]):
            got = out[code][f"{col}_pct"]
            assert is_none(got) if want_pct is None else float(got) == pytest.approx(want_pct)


def test_index_for_a_user_with_two_districts(db):
    scope = db.scope(None, ["350203", "350206"])
    out = by_code(problem_index(db, db.period("2026Q4"), within=scope))
    assert sorted(out) == [T1, T2, T3, T4]
    for code in out:
        assert float(out[code]["index"]) == pytest.approx(INDEX[code])


def test_index_weights_come_from_the_setting(db, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_INDEX_WEIGHTS", "2,1,1,0")
    out = by_code(problem_index(db, db.period("2026Q4")))
    expected = {
        T1: (2 * 250 / 3 + 70 + 10) / 4,        # 61.67
        T2: (2 * 100 / 3 + 70 + 50) / 4,        # 46.67
        T3: (0 + 100 + 100) / 4,                # 50
        T4: (2 * 250 / 3 + 20 + 50) / 4,        # 59.17
        T5: (20 + 80) / 2,                      # 漏保率 missing, 逾期未整改 weight 0: 50
        T6: (20 + 10) / 2,                      # 15
    }
    for code, want in expected.items():
        assert float(out[code]["index"]) == pytest.approx(want), code


def test_index_uses_raw_counts_when_a_township_lacks_population(db_nopop):
    out = by_code(problem_index(db_nopop, db_nopop.period("2026Q4")))
    # raw 新增重复信访事项 for every township: T1 1, T2 2, T3 1, T4 0, T5 0, T6 0
    # ranks: T4 = T5 = T6 2, T1 = T3 4.5, T2 6 -> 20, 70, 100
    raw = {T1: 1.0, T2: 2.0, T3: 1.0, T4: 0.0, T5: 0.0, T6: 0.0}
    pct = {T1: 70.0, T2: 100.0, T3: 70.0, T4: 20.0, T5: 20.0, T6: 20.0}
    for code in raw:
        assert float(out[code]["new_repeat_per_10k"]) == pytest.approx(raw[code]), code
        assert float(out[code]["new_repeat_per_10k_pct"]) == pytest.approx(pct[code]), code
    assert float(out[T2]["index"]) == pytest.approx((100 / 3 + 100 + 50 + 30) / 4)   # 53.33
    assert float(out[T3]["index"]) == pytest.approx((0 + 70 + 100 + 30) / 4)         # 50
    assert float(out[T1]["index"]) == pytest.approx(INDEX[T1])


# --------------------------------------------------------------------------- 预警

@pytest.mark.parametrize("key, value, tp, expected", [
    # 线索办结率 below 90 % amber, below 70 % red
    ("clue_conclusion_rate", 100.0, None, None),
    ("clue_conclusion_rate", 90.0, None, None),
    ("clue_conclusion_rate", 89.9, None, AMBER),
    ("clue_conclusion_rate", 70.0, None, AMBER),
    ("clue_conclusion_rate", 69.9, None, RED),
    ("clue_conclusion_rate", 0.0, None, RED),
    ("clue_conclusion_rate", None, None, None),          # no value (—) never warns
    # 整改销号率 below 时间进度 amber, 20 points below red. Read as "more than 20 points
    # behind" (lag > 20) for red, like "below 70 %" is strictly below: exactly 20 behind is amber.
    ("rect_close_rate", 60.0, 50.0, None),
    ("rect_close_rate", 50.0, 50.0, None),
    ("rect_close_rate", 49.9, 50.0, AMBER),
    ("rect_close_rate", 30.0, 50.0, AMBER),
    ("rect_close_rate", 29.9, 50.0, RED),
    ("rect_close_rate", None, 50.0, None),
    # any 死亡未退保 red
    ("deceased_active", 0, None, None),
    ("deceased_active", 1, None, RED),
    # any 未化解重复信访事项 open more than 60 days red
    ("unresolved_repeat_long", 0, None, None),
    ("unresolved_repeat_long", 1, None, RED),
    # 超30天未纳入 above zero amber
    ("gap_waiting_over", 0, None, None),
    ("gap_waiting_over", 1, None, AMBER),
])
def test_warning_levels(key, value, tp, expected):
    assert level(key, value, time_progress=tp) == expected


def test_warning_thresholds_come_from_settings(monkeypatch):
    monkeypatch.setenv("OVERSIGHT_WARN_CLUE_RATE_AMBER", "95")
    monkeypatch.setenv("OVERSIGHT_WARN_CLUE_RATE_RED", "80")
    monkeypatch.setenv("OVERSIGHT_WARN_RECT_LAG_RED", "10")
    assert level("clue_conclusion_rate", 92.0) == AMBER
    assert level("clue_conclusion_rate", 79.9) == RED
    assert level("rect_close_rate", 39.9, time_progress=50.0) == RED
    assert level("rect_close_rate", 40.0, time_progress=50.0) == AMBER


@pytest.mark.parametrize("scope, long_open, waiting_over", [
    # M1 open exactly 60 days (09-16..11-15): not more than 60; pA2 waits exactly 30 days
    (T1, 0, 0),
    # M2 open 61 days; pB1 waits 31 days
    (T2, 1, 1),
    # whole city: M2 and M4 (open since 07-01; M3, M5 resolved); pB1 and pD1
    (None, 2, 2),
])
def test_day_thresholds_behind_the_warnings(db, scope, long_open, waiting_over):
    frame = compute(db, ["unresolved_repeat_long", "gap_waiting_over"], db.scope(scope),
                    db.period("2026Q4"))
    total = frame[frame["is_total"]].iloc[0]
    assert (total["unresolved_repeat_long"], total["gap_waiting_over"]) == (long_open, waiting_over)
    assert level("unresolved_repeat_long", total["unresolved_repeat_long"]) == \
        (RED if long_open else None)
    assert level("gap_waiting_over", total["gap_waiting_over"]) == (AMBER if waiting_over else None)


# --------------------------------------------------------------------------- periods (no database)

CAMP = (D(2026, 6, 1), D(2026, 12, 31))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("key, data_as_of, label, start, as_of", [
    ("2026Q3", D(2026, 11, 15), "2026年第3季度", D(2026, 7, 1), D(2026, 9, 30)),
    ("2026Q4", D(2026, 11, 15), "2026年第4季度（截至11月15日）", D(2026, 10, 1), D(2026, 11, 15)),
    ("2026Q4", D(2026, 12, 31), "2026年第4季度", D(2026, 10, 1), D(2026, 12, 31)),
    ("2026Q1", D(2026, 1, 1), "2026年第1季度（截至1月1日）", D(2026, 1, 1), D(2026, 1, 1)),
    ("campaign", D(2026, 11, 15), "专项治理以来", D(2026, 6, 1), D(2026, 11, 15)),
    ("campaign", D(2027, 3, 1), "专项治理以来", D(2026, 6, 1), D(2026, 12, 31)),  # campaign over
])
def test_period_labels_and_as_of_day(key, data_as_of, label, start, as_of):
    p = make_period(key, data_as_of, campaign=CAMP)
    assert (p.label, p.start, p.as_of, p.data_as_of) == (label, start, as_of, data_as_of)
    assert p.is_latest == (as_of == data_as_of)


@pytest.mark.parametrize("key, data_as_of, prev_key, prev_start, prev_as_of", [
    ("2026Q4", D(2026, 11, 15), "2026Q3", D(2026, 7, 1), D(2026, 8, 15)),     # 同期
    ("2026Q1", D(2026, 3, 31), "2025Q4", D(2025, 10, 1), D(2025, 12, 31)),    # across the year
    ("2026Q1", D(2026, 3, 30), "2025Q4", D(2025, 10, 1), D(2025, 12, 30)),
    ("2026Q1", D(2026, 1, 31), "2025Q4", D(2025, 10, 1), D(2025, 10, 31)),
    ("2026Q2", D(2026, 5, 31), "2026Q1", D(2026, 1, 1), D(2026, 2, 28)),      # no 02-31
    ("2028Q2", D(2028, 5, 31), "2028Q1", D(2028, 1, 1), D(2028, 2, 29)),      # leap year
    ("2026Q3", D(2026, 11, 15), "2026Q2", D(2026, 4, 1), D(2026, 6, 30)),     # full quarter
])
def test_previous_period(key, data_as_of, prev_key, prev_start, prev_as_of):
    prev = make_period(key, data_as_of, campaign=CAMP).previous()
    assert (prev.key, prev.start, prev.as_of) == (prev_key, prev_start, prev_as_of)


def test_campaign_has_no_previous_period():
    assert make_period("campaign", AS_OF, campaign=CAMP).previous() is None


@pytest.mark.parametrize("key", ["2026Q5", "2026Q0", "2026-3", "Q3", "abc", "", "2026 Q3",
                                 "campaigns", "2026Q3; DROP TABLE clue"])
def test_bad_period_keys_raise_with_a_chinese_message(key):
    with pytest.raises(BadPeriod) as exc:
        make_period(key, AS_OF, campaign=CAMP)
    assert CHINESE.search(str(exc.value))


@pytest.mark.parametrize("key, data_as_of", [
    ("2027Q1", D(2026, 11, 15)),
    ("2026Q4", D(2026, 9, 30)),
])
def test_quarter_after_data_as_of_raises(key, data_as_of):
    with pytest.raises(BadPeriod) as exc:
        make_period(key, data_as_of, campaign=CAMP)
    assert CHINESE.search(str(exc.value))


def test_campaign_period_without_a_campaign_raises():
    with pytest.raises(BadPeriod) as exc:
        make_period("campaign", AS_OF, campaign=None)
    assert CHINESE.search(str(exc.value))


def test_periods_offer_the_campaign_first_once_it_has_begun(db):
    """The period picker's list, its first entry the default: 专项治理以来 (C1 from 06-01)
    once the campaign has begun on the data's as-of day, else the latest quarter."""
    from dataclasses import replace
    assert db.periods()[:3] == ["campaign", "2026Q4", "2026Q3"]
    assert replace(db, data_as_of=D(2026, 5, 31)).periods()[:2] == ["2026Q2", "2026Q1"]
    assert replace(db, data_as_of=D(2026, 6, 1)).periods()[:2] == ["campaign", "2026Q2"]
    assert replace(db, campaign=None).periods()[0] == "2026Q4"


# --------------------------------------------------------------------------- scopes

def test_no_restriction_sees_everything(db):
    top = db.scope(None)
    assert top.code == "350200" and top.is_whole_deployment
    assert [c.code for c in top.children] == ["350203", "350206", "350211"]
    for code in ("350200", "350203", "350206", T1, T5):
        assert db.scope(code).code == code


def test_district_user(db):
    allowed = ["350203"]
    assert db.scope(None, allowed).code == "350203"
    assert db.scope("350203", allowed).code == "350203"
    assert db.scope(T1, allowed).code == T1
    assert db.scope(T2, allowed).code == T2


@pytest.mark.parametrize("requested", ["350200", "350206", "350211", T3, T5])
def test_district_user_is_refused_other_regions(db, requested):
    with pytest.raises(BadScope) as exc:
        db.scope(requested, ["350203"])
    assert CHINESE.search(str(exc.value))


@pytest.mark.parametrize("allowed", [None, ["350203"]])
@pytest.mark.parametrize("requested", ["999999", "350203999", UNKNOWN, "abc"])
def test_unknown_code_is_refused(db, requested, allowed):
    with pytest.raises(BadScope):
        db.scope(requested, allowed)


def test_two_district_user_gets_a_narrowed_top(db):
    allowed = ["350203", "350206"]
    scope = db.scope(None, allowed)
    assert scope.code == "350200"
    assert [c.code for c in scope.children] == ["350203", "350206"]
    # each district and its townships may be opened; the third district may not
    assert db.scope("350206", allowed).code == "350206"
    assert db.scope(T3, allowed).code == T3
    with pytest.raises(BadScope):
        db.scope("350211", allowed)
    frame = compute(db, ["overdue_clues", "rect_overdue"], scope, db.period("2026Q4"))
    # overdue clues: T1 0 + T2 1 + T3 3 + T4 1 = 5 (not T5's 2, not the unknown code's 1);
    # overdue items: T1 2 + T4 1 = 3 (not the unknown code's 1)
    assert frame["code"].tolist() == ["350200", "350203", "350206"]
    assert "未识别区划" not in frame["name"].tolist()
    rows = frame.to_dict("records")
    assert (rows[0]["overdue_clues"], rows[0]["rect_overdue"]) == (5, 3)
    assert (rows[1]["overdue_clues"], rows[2]["overdue_clues"]) == (1, 4)
    # the whole city counts every row: 5 + 2 + 1 = 8 and 3 + 1 = 4
    city = compute(db, ["overdue_clues", "rect_overdue"], db.scope(None), db.period("2026Q4"))
    assert (city["overdue_clues"].iloc[0], city["rect_overdue"].iloc[0]) == (8, 4)


def test_user_with_a_district_and_a_township_of_another(db):
    allowed = ["350203", T3]
    scope = db.scope(None, allowed)
    assert scope.code == "350200"
    assert db.scope(T3, allowed).code == T3
    for refused in ("350206", T4, "350211"):
        with pytest.raises(BadScope):
            db.scope(refused, allowed)
    frame = compute(db, ["overdue_clues"], scope, db.period("2026Q4"))
    # T1 0 + T2 1 + T3 3 = 4; 湖里区's row holds only 湖里街道 (T3), not 殿前街道 (T4)
    assert frame["code"].tolist() == ["350200", "350203", "350206"]
    assert frame["overdue_clues"].tolist() == [4, 1, 3]


def test_township_user_and_user_without_valid_regions(db):
    assert db.scope(None, [T1]).code == T1
    with pytest.raises(BadScope):
        db.scope("350203", [T1])
    with pytest.raises(BadScope):
        db.scope(None, ["999999"])
    with pytest.raises(BadScope):
        db.scope(None, [])


def test_township_scope_breakdown_is_the_township(db):
    frame = compute(db, ["overdue_clues", "rect_overdue"], db.scope(T3),
                    db.period("2026Q4"))
    assert frame["code"].tolist() == [T3, T3]
    assert frame["is_total"].tolist() == [True, False]
    assert frame["overdue_clues"].tolist() == [3, 3]
    assert frame["rect_overdue"].tolist() == [0, 0]


# --------------------------------------------------------------------------- read-only

READONLY_ROWS = {"region": regions(), "meta": META, "campaign": CAMPAIGN,
                 "campaign_phase": PHASES, "clue": CLUES}
_WRITABLE_URL: dict[str, str] = {}


def _backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    return "mariadb" if name in ("mysql", "mariadb") else name


def _load_readonly(url: str) -> None:
    _WRITABLE_URL[_backend_of(url)] = url
    load_rows(url, READONLY_ROWS)


def _count(url: str, table) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize("what", ["insert_meta", "insert_clue", "update", "delete"])
def test_app_engine_cannot_write(open_dataset, backend, what):
    db = open_dataset("fx_readonly", _load_readonly)
    url = _WRITABLE_URL[backend]
    stmt = {
        "insert_meta": meta.insert().values(key="hacked", value="x"),
        "insert_clue": clue.insert().values(clue_id="hacked", township_code=T1,
                                            received_date=D(2026, 11, 1)),
        "update": update(clue).values(status="concluded"),
        "delete": delete(clue),
    }[what]
    meta_before, clues_before = _count(url, meta), _count(url, clue)
    assert (meta_before, clues_before) == (len(META), len(CLUES))
    with pytest.raises(Exception):
        with db.engine.begin() as conn:
            conn.execute(stmt)
    assert (_count(url, meta), _count(url, clue)) == (len(META), len(CLUES))
    engine = create_engine(url)
    with engine.connect() as conn:
        statuses = set(conn.execute(select(clue.c.status)).scalars())
    engine.dispose()
    assert statuses == {"verifying"}


def test_app_engine_cannot_create_a_table(open_dataset, backend):
    db = open_dataset("fx_readonly", _load_readonly)
    url = _WRITABLE_URL[backend]
    try:
        with pytest.raises(Exception):
            with db.engine.begin() as conn:
                conn.execute(text("CREATE TABLE probe_written (a INTEGER)"))
    finally:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS probe_written"))
        engine.dispose()


def test_complete_database_has_no_contract_findings(open_dataset):
    db = open_dataset("fx_readonly", _load_readonly)
    assert db.contract.ok
    assert tuple(db.contract.missing_indexes) == ()


# --------------------------------------------------------------------------- contract check

def _recreate_without(conn, table, column: str) -> None:
    table.drop(conn)
    md = MetaData()
    Table(table.name, md, *[Column(c.name, c.type, primary_key=c.primary_key)
                            for c in table.columns if c.name != column]).create(conn)


def _load_broken(url: str) -> None:
    load_rows(url, READONLY_ROWS)
    engine = create_engine(url)
    with engine.begin() as conn:
        death_record.drop(conn)              # required table
        campaign_phase.drop(conn)            # required table
        payment.drop(conn)                   # optional table: not an error
        _recreate_without(conn, clue, "disposed")
        _recreate_without(conn, rectification, "deadline")
    engine.dispose()


def test_missing_tables_and_columns_are_all_named(open_dataset):
    with pytest.raises(ContractViolation) as exc:
        open_dataset("fx_contract_broken", _load_broken)
    message = str(exc.value)
    for name in ("death_record", "campaign_phase", "disposed", "deadline"):
        assert name in message, (name, message)
    # each missing column is named with its table
    assert re.search(r"clue\W{1,3}disposed|disposed\W{1,3}clue", message), message
    assert re.search(r"rectification\W{1,3}deadline|deadline\W{1,3}rectification", message), message
    assert "payment" not in message
    assert CHINESE.search(message)


DROPPED_INDEXES = ("ix_clue_township", "ix_rectification_township")


def _load_without_indexes(url: str) -> None:
    load_rows(url, READONLY_ROWS)
    engine = create_engine(url)
    with engine.begin() as conn:
        for ix in RECOMMENDED_INDEXES:
            if ix.name in DROPPED_INDEXES:
                ix.drop(conn)
    engine.dispose()


def test_missing_recommended_indexes_are_listed_but_do_not_fail(open_dataset):
    db = open_dataset("fx_contract_noindex", _load_without_indexes)
    assert db.contract.ok
    missing = list(db.contract.missing_indexes)
    assert len(missing) == 2, missing
    clue_ix = [m for m in missing if m.startswith("clue")]
    rect_ix = [m for m in missing if m.startswith("rectification")]
    assert len(clue_ix) == 1 and "township_code" in clue_ix[0] and "received_date" in clue_ix[0]
    assert len(rect_ix) == 1 and "township_code" in rect_ix[0] and "found_date" in rect_ix[0]
    # and the figures still work: k2 k3x3 k4 k5x2 k9 overdue = 8
    frame = compute(db, ["overdue_clues"], db.scope(None), db.period("2026Q4"))
    assert frame["overdue_clues"].iloc[0] == 8
