"""问题线索 — clue figures on a hand-built fixture (metrics.md, 问题线索 and Conventions).

Every expected number below is worked out by hand from metrics.md; the working is in the
comments. Each test runs on SQLite, PostgreSQL and MariaDB through ``open_dataset``.

The fixture: data_as_of 2026-11-15, campaign 2026-06-01..2026-12-31.
2026Q4 is cut short (10-01..11-15); its 环比 is 2026Q3 up to 08-15 (同期).

    id   township   received due    concluded status        subst disp  official transf(date)  case  held
    c01  350203001  03-10    03-31  03-25     concluded     T     T     T        T (03-20)     T     2
    c02  350203001  07-05    08-05  08-10     concluded     T     F     F        F             T     1
    c03  350203002  08-01    08-31  10-20     concluded     F     F     T        T (08-10)     F     0
    c04  350206001  10-02    11-01  11-01     concluded     T     null  null     F             T     3
    c05  350203001  10-10    11-15  -         verifying     null  null  F        F             F     0
    c06  350203002  10-12    11-14  -         concluded(!)  null  null  T        T (11-15)     F     0
    c07  350206001  11-01    11-10  11-20     concluded     T     T     F        F             T     5
    c08  350203001  11-16    12-16  -         pending       null  null  T        T (11-16)     F     0
    c09  350299001  10-05    10-20  -         verifying     null  null  T        F             F     0
    c10  350203999  09-01    09-30  09-20     concluded     null  T     F        F             null  null
    c11  350206001  06-01    06-30  06-10     pending(!)    T     T     F        F             F     null
    c12  350211001  10-03    12-01  -         verifying     null  null  F        T (10-20)     F     0
    c13  350203002  11-05    11-25  11-15     concluded     F     F     F        F             F     0

c06's status says 已办结 but it has no concluded_date; c11's says 待研判 but it has one:
dates decide. c07 is concluded after the as-of day, c08 received after it. 350299001 and
350203999 are codes missing from ``region`` (未识别区划); 350206002 has no rows at all.
Days to conclude (concluded − received): c01 15, c02 36, c03 80, c04 30, c10 19, c11 9,
c13 10 (c07's 19 days lie after the as-of day).
"""
from __future__ import annotations

from datetime import date

import pytest

from conftest import load_rows
from frames import check, rows_by_id, statements_run
from rows_small_city import META, REGIONS
from queries.figures import METRICS, Metric
from queries.runner import compute, compute_many, compute_with_change, page_run

D = date
AS_OF = D(2026, 11, 15)

CAMPAIGN = [dict(campaign_id="C1", name="2026年社会救助领域群众身边不正之风和腐败问题专项整治",
                 start_date=D(2026, 6, 1), end_date=D(2026, 12, 31))]
PHASES = [
    dict(campaign_id="C1", seq=1, name="自查自纠", start_date=D(2026, 6, 1), end_date=D(2026, 7, 31)),
    dict(campaign_id="C1", seq=2, name="全面检查", start_date=D(2026, 8, 1), end_date=D(2026, 9, 30)),
    dict(campaign_id="C1", seq=3, name="重点抽查", start_date=D(2026, 10, 1), end_date=D(2026, 11, 30)),
    dict(campaign_id="C1", seq=4, name="整改深化", start_date=D(2026, 12, 1), end_date=D(2026, 12, 31)),
]


def _clue(cid, town, received, due, concluded, status, subst, disp, official, transf, transf_date,
          case, held):
    return dict(clue_id=cid, township_code=town, source="hotline", category="favouritism",
                received_date=received, due_date=due, concluded_date=concluded, status=status,
                substantiated=subst, disposed=disp, involves_official=official,
                transferred_to_commission=transf, transferred_date=transf_date, case_filed=case,
                officials_held_accountable=held)


T, F, N = True, False, None
CLUES = [
    _clue("c01", "350203001", D(2026, 3, 10), D(2026, 3, 31), D(2026, 3, 25), "concluded",
          T, T, T, T, D(2026, 3, 20), T, 2),
    _clue("c02", "350203001", D(2026, 7, 5), D(2026, 8, 5), D(2026, 8, 10), "concluded",
          T, F, F, F, N, T, 1),
    _clue("c03", "350203002", D(2026, 8, 1), D(2026, 8, 31), D(2026, 10, 20), "concluded",
          F, F, T, T, D(2026, 8, 10), F, 0),
    _clue("c04", "350206001", D(2026, 10, 2), D(2026, 11, 1), D(2026, 11, 1), "concluded",
          T, N, N, F, N, T, 3),
    _clue("c05", "350203001", D(2026, 10, 10), D(2026, 11, 15), N, "verifying",
          N, N, F, F, N, F, 0),
    _clue("c06", "350203002", D(2026, 10, 12), D(2026, 11, 14), N, "concluded",
          N, N, T, T, D(2026, 11, 15), F, 0),
    _clue("c07", "350206001", D(2026, 11, 1), D(2026, 11, 10), D(2026, 11, 20), "concluded",
          T, T, F, F, N, T, 5),
    _clue("c08", "350203001", D(2026, 11, 16), D(2026, 12, 16), N, "pending",
          N, N, T, T, D(2026, 11, 16), F, 0),
    _clue("c09", "350299001", D(2026, 10, 5), D(2026, 10, 20), N, "verifying",
          N, N, T, F, N, F, 0),
    _clue("c10", "350203999", D(2026, 9, 1), D(2026, 9, 30), D(2026, 9, 20), "concluded",
          N, T, F, F, N, N, N),
    _clue("c11", "350206001", D(2026, 6, 1), D(2026, 6, 30), D(2026, 6, 10), "pending",
          T, T, F, F, N, F, N),
    _clue("c12", "350211001", D(2026, 10, 3), D(2026, 12, 1), N, "verifying",
          N, N, F, T, D(2026, 10, 20), F, 0),
    _clue("c13", "350203002", D(2026, 11, 5), D(2026, 11, 25), D(2026, 11, 15), "concluded",
          F, F, F, F, N, F, 0),
]
ROWS = {"region": REGIONS, "meta": META, "campaign": CAMPAIGN, "campaign_phase": PHASES,
        "clue": CLUES}

ALL_KEYS = ["clues_received", "clues_received_total", "clues_concluded", "clue_conclusion_rate",
            "clues_substantiated", "substantiation_rate", "clues_disposed", "disposal_rate",
            "clue_on_time_rate", "clue_days_mean", "clue_days_median", "overdue_clues",
            "clues_transferred", "cases_filed", "officials_accountable", "official_clues"]


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_clues", lambda url: load_rows(url, ROWS))


# --------------------------------------------------------------------------- top scope

# 2026Q4, as-of 11-15 (cut short), whole city, every row whatever its code.
Q4_TOTAL = {
    # received 10-01..11-15: c04 c05 c06 c07 c09 c12 c13 (c08 is 11-16) = 7
    "clues_received": 7,
    # received ≤ 11-15: all but c08 = 12
    "clues_received_total": 12,
    # concluded ≤ 11-15 by date: c01 c02 c03 c04 c10 c11 c13 = 7 (c06: status only; c07: 11-20)
    "clues_concluded": 7,
    "clue_conclusion_rate": 100 * 7 / 12,
    # substantiated among the 7: c01 c02 c04 c11 = 4 (c10 null is not; c07 not concluded yet)
    "clues_substantiated": 4,
    "substantiation_rate": 100 * 4 / 7,
    # disposed among the 4: c01 c11 = 2 (c02 false, c04 null; c10 disposed but not substantiated)
    "clues_disposed": 2,
    "disposal_rate": 100 * 2 / 4,
    # on time (concluded ≤ due): c01, c04 (on the due day), c10, c11, c13 = 5 of 7
    "clue_on_time_rate": 100 * 5 / 7,
    # days 15 36 80 30 19 9 10: sum 199 / 7; sorted 9 10 15 [19] 30 36 80
    "clue_days_mean": 199 / 7,
    "clue_days_median": 19.0,
    # open on 11-15 with due < 11-15: c06 (11-14), c07 (11-10; concluded only 11-20),
    # c09 (10-20) = 3; c05 is due on the as-of day itself: not overdue
    "overdue_clues": 3,
    # transferred 10-01..11-15: c06 (11-15), c12 (10-20) = 2; c08's 11-16 is after the as-of day
    "clues_transferred": 2,
    # concluded in 10-01..11-15 with case_filed: c04 = 1 (c03, c13 false; c07 after as-of)
    "cases_filed": 1,
    # held accountable on clues concluded 10-01..11-15: c03 0 + c04 3 + c13 0 = 3 (c07's 5 not yet)
    "officials_accountable": 3,
    # received in Q4 and involves_official true: c06, c09 = 2 (c04 null is not)
    "official_clues": 2,
}


def test_quarter_cut_short_whole_city(db):
    period = db.period("2026Q4")
    assert period.as_of == AS_OF
    frame = compute(db, ALL_KEYS, db.scope(None), period)
    check(rows_by_id(frame)["total"], Q4_TOTAL)


def test_rate_numerators_and_denominators(db):
    frame = compute(db, ["clue_conclusion_rate", "substantiation_rate", "disposal_rate",
                         "clue_on_time_rate"], db.scope(None), db.period("2026Q4"))
    total = rows_by_id(frame)["total"]
    assert (total["clue_conclusion_rate.num"], total["clue_conclusion_rate.den"]) == (7, 12)
    assert (total["substantiation_rate.num"], total["substantiation_rate.den"]) == (4, 7)
    assert (total["disposal_rate.num"], total["disposal_rate.den"]) == (2, 4)
    assert (total["clue_on_time_rate.num"], total["clue_on_time_rate.den"]) == (5, 7)


def test_full_past_quarter_uses_its_own_as_of_day(db):
    # 2026Q3 ends 09-30, before data_as_of: as-of 09-30.
    period = db.period("2026Q3")
    assert period.as_of == D(2026, 9, 30)
    frame = compute(db, ALL_KEYS, db.scope(None), period)
    check(rows_by_id(frame)["total"], {
        # received 07-01..09-30: c02 c03 c10 = 3; ≤ 09-30: c01 c02 c03 c10 c11 = 5
        "clues_received": 3, "clues_received_total": 5,
        # concluded ≤ 09-30: c01 c02 c10 c11 = 4 (c03 concluded 10-20: not yet) -> 80 %
        "clues_concluded": 4, "clue_conclusion_rate": 80.0,
        # substantiated c01 c02 c11 = 3 of 4; disposed c01 c11 = 2 of 3
        "clues_substantiated": 3, "substantiation_rate": 75.0,
        "clues_disposed": 2, "disposal_rate": 100 * 2 / 3,
        # on time c01 c10 c11 (c02 late) = 3 of 4
        "clue_on_time_rate": 75.0,
        # days 15 36 19 9: mean 79/4 = 19.75; even count: sorted 9 [15 19] 36 -> 17.0
        "clue_days_mean": 19.75, "clue_days_median": 17.0,
        # c03 open on 09-30 and due 08-31 = 1
        "overdue_clues": 1,
        # c03 transferred 08-10; c02 concluded 08-10 with case, 1 held (c10 case/held null)
        "clues_transferred": 1, "cases_filed": 1, "officials_accountable": 1,
        # received in Q3 involving an official: c03
        "official_clues": 1,
    })


def test_campaign_period(db):
    period = db.period("campaign")
    assert (period.start, period.as_of) == (D(2026, 6, 1), AS_OF)
    frame = compute(db, ALL_KEYS, db.scope(None), period)
    check(rows_by_id(frame)["total"], {
        # received 06-01..11-15: all but c01 (03-10) and c08 (11-16) = 11 (c11 on the start day)
        "clues_received": 11,
        # stocks are those of the as-of day 11-15, as for 2026Q4
        "clues_received_total": 12, "clue_conclusion_rate": 100 * 7 / 12,
        "overdue_clues": 3, "clue_days_median": 19.0,
        # transferred c03 (08-10), c06 (11-15), c12 (10-20) = 3 (c01's 03-20 is before)
        "clues_transferred": 3,
        # concluded 06-01..11-15 with case: c02, c04 = 2 (c01 03-25 before; c07 after)
        "cases_filed": 2,
        # held: c02 1 + c03 0 + c04 3 + c10 null + c11 null + c13 0 = 4
        "officials_accountable": 4,
        # received in the campaign involving an official: c03 c06 c09 = 3
        "official_clues": 3,
    })


# --------------------------------------------------------------------------- 环比

def test_change_of_cut_short_quarter_compares_with_same_day_of_previous_quarter(db):
    period = db.period("2026Q4")
    prev = period.previous()
    assert (prev.key, prev.start, prev.as_of) == ("2026Q3", D(2026, 7, 1), D(2026, 8, 15))
    frame = compute_with_change(db, ["clues_received", "clues_received_total",
                                     "clue_conclusion_rate", "overdue_clues",
                                     "clues_transferred", "cases_filed",
                                     "officials_accountable", "official_clues"],
                                db.scope(None), period)
    total = rows_by_id(frame)["total"]
    # both quarters from one pass over the clues
    assert statements_run(db, lambda: compute_with_change(db, ["clues_received"], db.scope(None),
                                                          period)) == 1
    # previous: 2026Q3 counted 07-01..08-15, stocks on 08-15
    #   received c02 c03 = 2 (c10's 09-01 lies after 08-15); ≤ 08-15: c01 c02 c03 c11 = 4
    #   concluded ≤ 08-15: c01 c02 c11 = 3 -> 75 % (c03 only on 10-20)
    #   overdue on 08-15: none (c03 is due 08-31) = 0
    #   transferred c03 08-10 = 1; case c02 08-10 = 1; held 1; official c03 = 1
    check(total, {
        "clues_received.prev": 2, "clues_received.change": 7 - 2,
        "clues_received_total.prev": 4, "clues_received_total.change": 12 - 4,
        "clue_conclusion_rate.prev": 75.0,
        "clue_conclusion_rate.change": 100 * 7 / 12 - 75.0,   # −16.7 percentage points
        "overdue_clues.prev": 0, "overdue_clues.change": 3,
        "clues_transferred.prev": 1, "clues_transferred.change": 1,
        "cases_filed.prev": 1, "cases_filed.change": 0,
        "officials_accountable.prev": 1, "officials_accountable.change": 2,
        "official_clues.prev": 1, "official_clues.change": 1,
    })


def test_change_of_each_breakdown_row_adds_up(db):
    frame = compute_with_change(db, ["clues_received"], db.scope(None), db.period("2026Q4"))
    rows = rows_by_id(frame)
    # received 07-01..08-15 (previous, 同期) vs 10-01..11-15:
    #   思明区 c02 c03 = 2 -> c05 c06 c13 = 3; 湖里区 0 -> c04 c07 = 2; 集美区 0 -> c12 = 1;
    #   未识别区划 0 (c09 not yet received on 08-15) -> c09 = 1. A count with nothing is 0,
    #   so the unknown row's 环比 is +1 and the breakdown's changes add up to the total's +5.
    expected = {"350203": (2, 1), "350206": (0, 2), "350211": (0, 1), "unknown": (0, 1),
                "total": (2, 5)}
    for key, (prev, change) in expected.items():
        assert (rows[key]["clues_received.prev"], rows[key]["clues_received.change"]) == \
            (prev, change), key


def test_statement_yields_only_the_measures_asked_for_and_is_reused(db):
    """A statement selects the measures its figures use; within a page run, one that has
    them all serves again, one that lacks some does not."""
    period = db.period("2026Q4")
    sent = []
    with page_run():
        sent.append(statements_run(db, lambda: compute(
            db, ["clue_conclusion_rate", "overdue_clues"], db.scope(None), period)))
        frames = []
        sent.append(statements_run(db, lambda: frames.append(
            compute(db, ["overdue_clues"], db.scope(None), period))))
        sent.append(statements_run(db, lambda: compute(
            db, ["clues_received"], db.scope(None), period)))
    assert sent == [1, 0, 1]
    assert rows_by_id(frames[0])["total"]["overdue_clues"] == 3      # as on 11-15 above


def test_one_statement_serves_requests_that_differ_only_in_measures(db):
    period = db.period("2026Q4")
    frames = []
    assert statements_run(db, lambda: frames.extend(compute_many(db, [
        (["clues_received"], db.scope(None), period),
        (["overdue_clues"], db.scope(None), period)]))) == 1
    # received 10-01..11-15 = 7 (see the 环比 test); overdue on 11-15 = 3
    assert rows_by_id(frames[0])["total"]["clues_received"] == 7
    assert rows_by_id(frames[1])["total"]["overdue_clues"] == 3


def test_a_figure_naming_a_measure_its_set_lacks_is_an_error(db, monkeypatch):
    monkeypatch.setitem(METRICS, "bogus", Metric("bogus", "虚构", "clues", "件", 0, "flow",
                                                "clue_counts", "no_such_measure"))
    with pytest.raises(KeyError, match="no_such_measure"):
        compute(db, ["bogus"], db.scope(None), db.period("2026Q4"))


def test_campaign_has_no_change(db):
    frame = compute_with_change(db, ["clues_received", "clue_conclusion_rate"], db.scope(None),
                                db.period("campaign"))
    for rec in frame.to_dict("records"):
        for key in ("clues_received.change", "clue_conclusion_rate.change",
                    "clues_received.prev", "clue_conclusion_rate.prev"):
            assert rec[key] is None or rec[key] != rec[key]


# --------------------------------------------------------------------------- breakdowns and scopes

ADDITIVE = ["clues_received", "clues_received_total", "clues_concluded", "clues_substantiated",
            "clues_disposed", "overdue_clues", "clues_transferred", "cases_filed",
            "officials_accountable", "official_clues"]


def test_city_breakdown_has_every_district_and_unknown_codes(db):
    frame = compute(db, ADDITIVE + ["clue_conclusion_rate"], db.scope(None), db.period("2026Q4"))
    # total first, the three districts in code order, then 未识别区划 (c09's 350299001;
    # c10's 350203999 starts with 350203 and so belongs to 思明区)
    assert frame["is_total"].tolist() == [True, False, False, False, False]
    assert frame["code"].tolist()[:4] == ["350200", "350203", "350206", "350211"]
    assert frame["name"].tolist()[4] == "未识别区划"
    rows = rows_by_id(frame)
    # 思明区: c01 c02 c03 c05 c06 c10 c13 ≤ 11-15 = 7; in Q4 c05 c06 c13 = 3;
    #   concluded c01 c02 c03 c10 c13 = 5; overdue c06 = 1
    check(rows["350203"], {"clues_received_total": 7, "clues_received": 3, "clues_concluded": 5,
                           "clue_conclusion_rate": 100 * 5 / 7, "overdue_clues": 1})
    # 湖里区: c04 c07 c11 = 3; in Q4 c04 c07 = 2; concluded c04 c11 = 2; overdue c07 = 1
    check(rows["350206"], {"clues_received_total": 3, "clues_received": 2, "clues_concluded": 2,
                           "overdue_clues": 1, "cases_filed": 1, "officials_accountable": 3})
    # 集美区: c12 only, not concluded: rate 0 (a value, not None)
    check(rows["350211"], {"clues_received_total": 1, "clues_concluded": 0,
                           "clue_conclusion_rate": 0.0, "clues_transferred": 1})
    # 未识别区划: c09 received 10-05, overdue, involves an official
    check(rows["unknown"], {"clues_received_total": 1, "clues_received": 1,
                            "overdue_clues": 1, "official_clues": 1,
                            "clue_conclusion_rate": 0.0})
    # the breakdown adds up to the total for every additive count
    for key in ADDITIVE:
        parts = sum(rows[k][key] for k in ("350203", "350206", "350211", "unknown"))
        assert parts == rows["total"][key], key


def test_district_scope_with_an_unknown_township_code(db):
    frame = compute(db, ADDITIVE + ["clue_conclusion_rate", "clue_days_median", "clue_days_mean"],
                    db.scope("350203"), db.period("2026Q4"))
    assert frame["code"].tolist()[:3] == ["350203", "350203001", "350203002"]
    rows = rows_by_id(frame)
    # 思明区 total: 7 received by 11-15, 3 in Q4, 5 concluded; days 15 36 80 19 10:
    #   median 19, mean 160/5 = 32
    check(rows["total"], {"clues_received_total": 7, "clues_received": 3, "clues_concluded": 5,
                          "clue_days_median": 19.0, "clue_days_mean": 32.0})
    # 厦港街道: c01 c02 c05 (c08 after the as-of day) = 3; Q4 c05; concluded c01 c02
    check(rows["350203001"], {"clues_received_total": 3, "clues_received": 1, "clues_concluded": 2})
    # 鹭江街道: c03 c06 c13 = 3; Q4 c06 c13 = 2; concluded c03 c13 = 2; overdue c06
    check(rows["350203002"], {"clues_received_total": 3, "clues_received": 2, "clues_concluded": 2,
                              "overdue_clues": 1})
    # 350203999 is no township of the region table: 未识别区划 inside 思明区 (c10)
    check(rows["unknown"], {"clues_received_total": 1, "clues_received": 0, "clues_concluded": 1})
    for key in ADDITIVE:
        assert sum(rows[k][key] for k in ("350203001", "350203002", "unknown")) == \
            rows["total"][key], key


def test_township_scope_breakdown_is_the_township_itself(db):
    frame = compute(db, ALL_KEYS, db.scope("350203002"), db.period("2026Q4"))
    assert frame["code"].tolist() == ["350203002", "350203002"]
    assert frame["is_total"].tolist() == [True, False]
    expected = {
        # c03 c06 c13: 3 by 11-15; in Q4 c06 c13 = 2; concluded c03 (80 days) c13 (10 days)
        "clues_received_total": 3, "clues_received": 2, "clues_concluded": 2,
        "clue_conclusion_rate": 100 * 2 / 3,
        # even count: median (10 + 80) / 2 = 45
        "clue_days_median": 45.0, "clue_days_mean": 45.0,
        # c03 not substantiated, c13 not: 0 of 2; disposal has no substantiated clue: None
        "clues_substantiated": 0, "substantiation_rate": 0.0, "disposal_rate": None,
        # c03 late, c13 on time
        "clue_on_time_rate": 50.0,
        "overdue_clues": 1, "clues_transferred": 1, "official_clues": 1,
    }
    rows = frame.to_dict("records")
    check(rows[0], expected)
    check(rows[1], expected)


def test_empty_township_counts_zero_and_rates_none(db):
    # 殿前街道 350206002 has no clue at all
    frame = compute(db, ALL_KEYS, db.scope("350206002"), db.period("2026Q4"))
    total = rows_by_id(frame)["total"]
    for key in ADDITIVE:
        assert total[key] == 0, key
    for key in ("clue_conclusion_rate", "substantiation_rate", "disposal_rate",
                "clue_on_time_rate", "clue_days_mean", "clue_days_median"):
        assert total[key] is None, key


def test_user_with_two_districts_counts_only_their_rows(db):
    scope = db.scope(None, ["350203", "350206"])
    assert scope.code == "350200"
    frame = compute(db, ["clues_received_total", "clues_received", "clues_concluded",
                         "clue_conclusion_rate", "overdue_clues"], scope, db.period("2026Q4"))
    # only 思明区 and 湖里区 as children; c09 (350299001) and c12 (集美区) are outside
    assert frame["code"].tolist() == ["350200", "350203", "350206"]
    assert "未识别区划" not in frame["name"].tolist()
    rows = rows_by_id(frame)
    # 7 + 3 = 10 received by 11-15; in Q4 3 + 2 = 5; concluded 5 + 2 = 7 -> 70 %;
    # overdue c06 c07 = 2
    check(rows["total"], {"clues_received_total": 10, "clues_received": 5, "clues_concluded": 7,
                          "clue_conclusion_rate": 70.0, "overdue_clues": 2})


def test_district_user_sees_the_same_district_figures(db):
    own = compute(db, ADDITIVE, db.scope(None, ["350203"]), db.period("2026Q4"))
    admin = compute(db, ADDITIVE, db.scope("350203"), db.period("2026Q4"))
    assert rows_by_id(own)["total"]["clues_received_total"] == 7
    for key in ADDITIVE:
        assert rows_by_id(own)["total"][key] == rows_by_id(admin)["total"][key], key


# --------------------------------------------------------------------------- dates decide

@pytest.mark.parametrize("period_key, concluded, received_total", [
    # c11 (status 待研判, concluded 06-10) counts as concluded from 06-10 on; c06 (status
    # 已办结, no date) never does; c03 (concluded 10-20) only from Q4 on
    ("2026Q2", 2, 2),    # as-of 06-30: received c01 c11, both concluded
    ("2026Q3", 4, 5),    # as-of 09-30: c01 c02 c10 c11 of c01 c02 c03 c10 c11
    ("2026Q4", 7, 12),   # as-of 11-15: see Q4_TOTAL
])
def test_concluded_is_read_from_the_date(db, period_key, concluded, received_total):
    frame = compute(db, ["clues_concluded", "clues_received_total"], db.scope(None),
                    db.period(period_key))
    total = rows_by_id(frame)["total"]
    assert (total["clues_concluded"], total["clues_received_total"]) == (concluded, received_total)


# --------------------------------------------------------------------------- the lists

def test_overdue_clues_list(db):
    """逾期未办结线索 on 11-15: c09 26 days past due, c07 5 (concluded only on 11-20), c06
    1 (its status says concluded, its dates do not); c05 is due on the as-of day itself."""
    from queries.cases import case_list
    scope, period = db.scope(None), db.period("2026Q4")
    cl = case_list("overdue_clues", db, scope, period)
    frame = compute(db, ["overdue_clues"], scope, period)
    assert cl.total == 3 == frame.loc[frame["is_total"], "overdue_clues"].iloc[0]
    assert list(cl.rows["clue_id"]) == ["c09", "c07", "c06"]
    assert list(cl.rows["days_overdue"]) == [26, 5, 1]


@pytest.mark.parametrize("period_key, expected", [("campaign", ["c06", "c12", "c03"]), ("2026Q4", ["c06", "c12"])])
def test_transferred_clues_list_for_the_commission_only(db, period_key, expected):
    """移交纪检监察 by transfer day within the period (c01's 03-20 is before the campaign,
    c08's 11-16 after the as-of day), the latest first; for the commission only."""
    from queries.cases import case_list
    from queries.figures import NotForRole
    scope, period = db.scope(None), db.period(period_key)
    cl = case_list("transferred_clues", db, scope, period, role="commission")
    frame = compute(db, ["clues_transferred"], scope, period)
    assert cl.total == len(expected) == frame.loc[frame["is_total"], "clues_transferred"].iloc[0]
    assert list(cl.rows["clue_id"]) == expected
    for role in ("leader", "supervisor", "district"):
        with pytest.raises(NotForRole):
            case_list("transferred_clues", db, scope, period, role=role)


def test_official_clues_figure_is_the_commissions():
    from queries.figures import NotForRole, metrics_for, refuse_unseen
    refuse_unseen(["official_clues", "clues_transferred"], "commission")
    for role in ("leader", "supervisor", "district"):
        with pytest.raises(NotForRole):
            refuse_unseen(["clues_received", "official_clues"], role)
        assert "official_clues" not in [m.key for m in metrics_for("clues", role)]
