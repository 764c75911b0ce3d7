"""Monthly series (queries/series.py) on hand-built rows (rows_series.py) and on the demo's
planted truths, on every backend.

The points are the month ends 2026-01-31 … 10-31 and the as-of day 11-15. Every expected
number is worked out by hand from rows_series.py (the parts each person, clue, item and
matter plays are written beside them there); the demo's from data/demo.manifest.json.
"""
from __future__ import annotations

from datetime import date

import pytest

from conftest import load_rows
from frames import statements_run
from queries.figures import MEASURE_SETS, METRICS
from queries.runner import compute
from queries.series import SERIES, monthly, month_starts, months_back, supported
from rows_series import ROWS

SIMING = "350203"
FIRST, AS_OF = date(2026, 1, 1), date(2026, 11, 15)
DAYS = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
        date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31),
        date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 15)]
KEYS = ["gap_persons", "gap_rate", "clues_received", "official_clues", "clue_conclusion_rate",
        "rect_items", "rect_closed", "rect_close_rate", "rect_unclosed", "petitions",
        "new_repeat_matters", "repeat_matters"]


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_series", lambda url: load_rows(url, ROWS))


def _pct(num, den):
    return [None if d == 0 else 100 * n / d for n, d in zip(num, den)]


def _norm(values):
    return [None if v is None else round(float(v), 6) for v in values]


# 漏保 per point (see rows_series.py): eligible and alive by the deciding row | not covered
#   P2 02-28 g4 (its dibao starts 03-01) | g4.   P4 04-30 g3 g4 (both covered).
#   P5 05-31 g1 g3 g4 g7 g12 g13 | g1 g7 g12.   P6 06-30 + g2 g5 | g1 g2 g5 g12 (g4's two
#   overlapping spells cover it once; counted twice, 漏保 would be 3).
#   P7 07-31 + g6 | g1 g2 g3 g5 g6 g12.   P8 08-31 + g8 | g1 g3 g5 g6 g7 g8 g12 (g7's spell
#   ends on 08-31).   P9 09-30 − g5 + g15 | g1 g6 g7 g8 g12 g15 (g3's spell starts 09-30).
#   P10 10-31 − g6 + g11 | g1 g4 g7 g8 g11 g15.   P11 11-15 | g1 g4 g7 g8 g15.
CITY = {
    "gap_persons": [0, 1, 0, 0, 3, 4, 6, 7, 6, 6, 5],
    "gap_rate.den": [0, 1, 1, 2, 6, 8, 9, 10, 10, 10, 10],
    # received by month: k1 k2 | k3 | - | k4 k5 | - | - | k6 | k7 | - | k8
    "clues_received": [0, 2, 1, 0, 2, 0, 0, 1, 1, 0, 1],
    "official_clues": [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0],              # k2, k6
    "clue_conclusion_rate.den": [0, 2, 3, 3, 5, 5, 5, 6, 7, 7, 8],
    # concluded (received and concluded by the day): k2 Feb, k1 Mar, k3 Jun, k5 Jul,
    #   k6 Aug (concluded 07-30 before its receipt 08-02), k8 on the as-of day; k7 after
    "clue_conclusion_rate.num": [0, 1, 2, 2, 2, 3, 4, 5, 5, 5, 6],
    "rect_items": [0, 0, 0, 2, 2, 4, 4, 4, 4, 5, 6],                   # i1 i2 | i3 i4 | i5 | i6
    # closed: i1 May, i3 Jun (closed 06-01 before found 06-05), i4 Sep, i6 Nov; i5 after
    "rect_closed": [0, 0, 0, 0, 1, 2, 2, 2, 3, 3, 4],
    "rect_unclosed": [0, 0, 0, 2, 1, 2, 2, 2, 1, 2, 2],
    # petitions by month, every matter: p01 | p02 | - | p03 p05 p06 | p04 | p07 | p08 p09 |
    #   p11 p12 | p14 | p13 (p10 after the as-of day)
    "petitions": [0, 1, 1, 0, 3, 1, 1, 2, 2, 1, 1],
    "new_repeat_matters": [0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1],           # M1 May, M2 Jul, M4 11-15
    "repeat_matters": [0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 3],
}
# 思明区 (A, B): g12 counts here until its row in C (08-10); matters M1 (A), M3 (B), M5 (A)
SIMING_EXPECTED = {
    "gap_persons": [0, 1, 0, 0, 2, 4, 5, 3, 1, 3, 2],
    "gap_rate.den": [0, 1, 1, 2, 4, 6, 6, 5, 4, 5, 5],
    "clues_received": [0, 2, 1, 0, 0, 0, 0, 0, 1, 0, 1],               # k1 k2 | k3 | k7 | k8
    "clue_conclusion_rate.den": [0, 2, 3, 3, 3, 3, 3, 3, 4, 4, 5],
    "clue_conclusion_rate.num": [0, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4],
    "rect_items": [0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 3],                   # i1 i2 | i6
    "rect_closed": [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2],
    # M1: p01 p02 p03 p04 (wherever each was received); M3: p08 p09; M5: p14
    "petitions": [0, 1, 1, 0, 1, 1, 0, 2, 0, 1, 0],
    "new_repeat_matters": [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
    "repeat_matters": [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
}


def test_months_and_days(db):
    frame = monthly(db, ["rect_items"], db.scope(None), FIRST, AS_OF)
    assert list(frame["month"]) == [date(2026, m, 1) for m in range(1, 12)]
    assert list(frame["day"]) == DAYS
    # a first month given mid-month means its month; a quarter-end as-of day closes the series
    frame = monthly(db, ["rect_items"], db.scope(None), date(2026, 8, 20), date(2026, 9, 30))
    assert list(frame["month"]) == [date(2026, 8, 1), date(2026, 9, 1)]
    assert list(frame["day"]) == [date(2026, 8, 31), date(2026, 9, 30)]
    assert list(frame["rect_items"]) == [4, 4]


@pytest.mark.parametrize("key", list(CITY))
def test_city_series(db, key):
    frame = monthly(db, KEYS, db.scope(None), FIRST, AS_OF)
    assert list(frame[key]) == CITY[key]


@pytest.mark.parametrize("key", list(SIMING_EXPECTED))
def test_district_series(db, key):
    frame = monthly(db, KEYS, db.scope(SIMING, allowed=[SIMING]), FIRST, AS_OF)
    assert list(frame[key]) == SIMING_EXPECTED[key]


def test_rates_are_ratios_of_the_points_and_none_without_a_denominator(db):
    frame = monthly(db, KEYS, db.scope(None), FIRST, AS_OF)
    # January: nobody screened, no clue, no item yet -> no rate; counts 0
    assert _norm(frame["gap_rate"]) == _norm(_pct(CITY["gap_persons"], CITY["gap_rate.den"]))
    assert frame["gap_rate"][0] is None and frame["gap_rate"][2] == 0.0
    assert _norm(frame["clue_conclusion_rate"]) == _norm(
        [None, 50.0, 200 / 3, 200 / 3, 40.0, 60.0, 80.0, 500 / 6, 500 / 7, 500 / 7, 75.0])
    assert _norm(frame["rect_close_rate"]) == _norm(
        [None, None, None, 0.0, 50.0, 50.0, 50.0, 50.0, 75.0, 60.0, 200 / 3])
    assert [frame[k][0] for k in ("gap_persons", "clues_received", "rect_items", "petitions")] == [0] * 4



# 漏保 alone runs a shorter statement than with its rate (rows one spell covers from their
# first point on are left out before their next row, death and pieces are sought; events
# before the first month count in it): the same hand-worked points, from January and
# from later first months (the slices of the points above).
@pytest.mark.parametrize("first, at", [(FIRST, 0), (date(2026, 6, 1), 5), (date(2026, 9, 15), 8)])
@pytest.mark.parametrize("code, expected", [(None, CITY), (SIMING, SIMING_EXPECTED)])
def test_gap_alone_and_with_its_rate(db, code, expected, first, at):
    scope = db.scope(code)
    alone = monthly(db, ["gap_persons"], scope, first, AS_OF)
    with_rate = monthly(db, ["gap_persons", "gap_rate"], scope, first, AS_OF)
    assert list(alone["gap_persons"]) == expected["gap_persons"][at:]
    assert list(with_rate["gap_persons"]) == expected["gap_persons"][at:]
    assert list(with_rate["gap_rate.den"]) == expected["gap_rate.den"][at:]


# Twin spells: a person's cover counts once however its spells overlap, also when two
# spells start (and end) on the same day. All in 厦港街道 (A), as of 2026-11-15.
#   t1 screened 02-10; two dibao spells 04-01..07-01: gap P2 P3, covered P4-P6, gap P7-P11
#   t2 screened 03-01; two tekun spells from 05-15, open: gap P3 P4, covered from P5
#   t3 screened 01-05; dibao 03-01..05-01 and tekun 03-01..09-01: gap P1 P2, covered
#      P3-P8 (08-31 < 09-01), gap P9-P11
TWINS_GAP = [1, 2, 2, 1, 0, 0, 1, 1, 2, 2, 2]
TWINS_ELIGIBLE = [1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3]


def _twin_rows():
    from rows_series import _r, _s
    from rows_small_city import META, REGIONS
    a = "350203001"
    return {"region": REGIONS, "meta": META,
            "screening": [_s("t1s", "t1", a, date(2026, 2, 10), True),
                          _s("t2s", "t2", a, date(2026, 3, 1), True),
                          _s("t3s", "t3", a, date(2026, 1, 5), True)],
            "recipient": [_r("t1a", "t1", a, "dibao_urban", date(2026, 4, 1), date(2026, 7, 1)),
                          _r("t1b", "t1", a, "dibao_urban", date(2026, 4, 1), date(2026, 7, 1)),
                          _r("t2a", "t2", a, "tekun", date(2026, 5, 15)),
                          _r("t2b", "t2", a, "tekun", date(2026, 5, 15)),
                          _r("t3a", "t3", a, "dibao_rural", date(2026, 3, 1), date(2026, 5, 1)),
                          _r("t3b", "t3", a, "tekun", date(2026, 3, 1), date(2026, 9, 1))]}


@pytest.mark.parametrize("first, at", [(FIRST, 0), (date(2026, 5, 1), 4)])
def test_twin_spells_cover_once(open_dataset, first, at):
    db = open_dataset("fx_series_twins", lambda url: load_rows(url, _twin_rows()))
    for code in (None, "350203", "350203001"):
        scope = db.scope(code)
        alone = monthly(db, ["gap_persons"], scope, first, AS_OF)
        both = monthly(db, ["gap_persons", "gap_rate"], scope, first, AS_OF)
        assert list(alone["gap_persons"]) == TWINS_GAP[at:], code
        assert list(both["gap_persons"]) == TWINS_GAP[at:], code
        assert list(both["gap_rate.den"]) == TWINS_ELIGIBLE[at:], code
    q3 = compute(db, ["gap_persons"], db.scope(None), db.period("2026Q3"))
    assert q3[q3["is_total"]].iloc[0]["gap_persons"] == TWINS_GAP[8]      # 09-30: t1 and t3


STOCKS = ["gap_persons", "gap_rate", "clue_conclusion_rate", "rect_items", "rect_closed",
          "rect_close_rate", "rect_unclosed", "repeat_matters"]
FLOWS = ["clues_received", "official_clues", "petitions", "petitions_closed", "new_repeat_matters"]


@pytest.mark.parametrize("code", [None, SIMING, "350206", "350203001"])
def test_points_equal_the_figures(db, code):
    # a stock's point on a quarter's as-of day is the figure for that quarter; a flow's
    # months of a quarter add up to the quarter's figure (2026Q4 up to the as-of day)
    scope = db.scope(code)
    frame = monthly(db, STOCKS + FLOWS, scope, FIRST, AS_OF)
    for quarter, point, months in (("2026Q3", 8, [6, 7, 8]), ("2026Q4", 10, [9, 10])):
        figures = compute(db, STOCKS + FLOWS, scope, db.period(quarter))
        total = figures[figures["is_total"]].iloc[0]
        for key in STOCKS:
            assert _norm([frame[key][point]]) == _norm([total[key]]), (quarter, key)
        for key in FLOWS:
            assert sum(frame[key][m] for m in months) == total[key], (quarter, key)


def test_one_statement_per_measure_set(db):
    # five sets (漏保, clues, items, petitions, repeat matters): five statements, whatever
    # the number of months
    assert statements_run(db, lambda: monthly(db, KEYS, db.scope(None), FIRST, AS_OF)) == 5
    assert statements_run(db, lambda: monthly(db, ["gap_rate"], db.scope(SIMING),
                                              date(2020, 1, 1), AS_OF)) == 1


def test_figures_without_a_series_are_refused(db):
    assert supported("gap_persons") and supported("clue_conclusion_rate")
    assert not supported("gap_waiting_median") and not supported("overdue_clues")
    with pytest.raises(KeyError, match="overdue_clues"):
        monthly(db, ["gap_persons", "overdue_clues"], db.scope(None), FIRST, AS_OF)


def test_month_helpers():
    assert months_back(date(2026, 11, 15)) == date(2025, 12, 1)
    assert months_back(date(2026, 3, 31), 3) == date(2026, 1, 1)
    assert month_starts(date(2025, 11, 30), date(2026, 2, 1)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert month_starts(date(2026, 12, 1), date(2026, 11, 15)) == []


def test_no_months_no_statement(db):
    # a first month after the as-of day: an empty frame with the columns, and no query
    frame = monthly(db, ["gap_rate"], db.scope(None), date(2026, 12, 1), AS_OF)
    assert frame.empty and list(frame.columns) == ["month", "day", "gap_rate", "gap_rate.num", "gap_rate.den"]
    assert statements_run(db, lambda: monthly(db, ["gap_rate"], db.scope(None), date(2026, 12, 1), AS_OF)) == 0
    assert set(SERIES) == {"screened_eligible", "clue_counts", "rectification_items",
                           "petition_matters", "repeat_matters", "payments", "payment_suspects"}


# --------------------------------------------------------------------------- the demo


def test_demo_stocks_at_month_ends(demo_db, demo_truth):
    keys = ["gap_persons", "gap_rate", "repeat_matters", "clue_conclusion_rate", "rect_close_rate"]
    frame = monthly(demo_db, keys, demo_db.scope(None), date(2026, 1, 1), date(2026, 11, 15))
    at = {d.isoformat(): i for i, d in enumerate(frame["day"])}
    for day in ("2026-06-30", "2026-09-30", "2026-11-15"):
        t, i = demo_truth["stocks_by_as_of"][day], at[day]
        got = {"gap_persons_total": frame["gap_persons"][i],
               "eligible_persons_total": frame["gap_rate.den"][i],
               "repeat_matters_total": frame["repeat_matters"][i],
               "received_total": frame["clue_conclusion_rate.den"][i],
               "concluded_total": frame["clue_conclusion_rate.num"][i],
               "items_total": frame["rect_close_rate.den"][i],
               "closed_total": frame["rect_close_rate.num"][i]}
        assert got == {"gap_persons_total": t["gap_persons_total"],
                       "eligible_persons_total": t["eligible_persons_total"],
                       "repeat_matters_total": t["repeat_matters_total"],
                       "received_total": t["clues"]["received_total"],
                       "concluded_total": t["clues"]["concluded_total"],
                       "items_total": t["rectification"]["items_total"],
                       "closed_total": t["rectification"]["closed_total"]}, day


def test_demo_flows_add_up_to_the_quarters(demo_db, demo_truth):
    p = demo_truth["petitions"]
    frame = monthly(demo_db, ["petitions", "new_repeat_matters"], demo_db.scope(None),
                    date(2026, 1, 1), date(2026, 11, 15))
    for q, months in (("2026Q1", [0, 1, 2]), ("2026Q2", [3, 4, 5]), ("2026Q3", [6, 7, 8]),
                      ("2026Q4", [9, 10])):
        assert sum(frame["petitions"][m] for m in months) == p["petitions_by_quarter"][q]
        assert sum(frame["new_repeat_matters"][m] for m in months) == p["new_repeat_matters_by_quarter"][q]


ALL_STOCKS = [k for k, m in METRICS.items() if supported(k) and m.kind == "stock"]
ALL_FLOWS = [k for k, m in METRICS.items() if supported(k) and m.kind == "flow"]
# flows whose months add up to the quarter: counts of events (a rate's count parts do; the
# persons and households of 资金发放 are counted distinct within each month: they do not)
ADDING_FLOWS = [k for k in ALL_FLOWS if not METRICS[k].is_rate
                and not MEASURE_SETS[METRICS[k].measure_set].people]
RATE_FLOWS = [k for k in ALL_FLOWS if METRICS[k].is_rate]


@pytest.mark.parametrize("code", [None, "350212", "350212109"])
def test_demo_points_are_the_quarter_figures(demo_db, code):
    # every figure with a series, for the city and the planted coverage-gap district and
    # township: a series ending on 2026Q3's last day has the 2026Q3 figure as its last
    # point (stocks), and the quarter's three months add up to it (flows)
    scope = demo_db.scope(code)
    frame = monthly(demo_db, ALL_STOCKS + ALL_FLOWS, scope, date(2025, 10, 1), date(2026, 9, 30))
    figures = compute(demo_db, ALL_STOCKS + ALL_FLOWS, scope, demo_db.period("2026Q3"))
    total = figures[figures["is_total"]].iloc[0]
    last = frame.iloc[-1]
    assert last["day"] == date(2026, 9, 30)
    for key in ALL_STOCKS:
        assert _norm([last[key]]) == _norm([total[key]]), key
    for key in ADDING_FLOWS:
        assert sum(frame[key].iloc[-3:]) == total[key], key
    for key in RATE_FLOWS:
        for part in (f"{key}.num", f"{key}.den"):
            assert sum(frame[part].iloc[-3:]) == total[part], part
    assert len(ADDING_FLOWS) + len(RATE_FLOWS) < len(ALL_FLOWS)     # the distinct ones: test_payments


def test_a_pages_calls_side_by_side(db):
    # a page's query calls run at once (queries.db.side_by_side) give what they give alone,
    # in order; within a page run an identical statement still runs once; errors surface
    from queries.db import side_by_side
    from queries.runner import page_run
    scope, period = db.scope(None), db.period("2026Q4")
    alone = [monthly(db, KEYS, scope, FIRST, AS_OF), compute(db, ["gap_persons"], scope, period)]
    with page_run():
        together = side_by_side(lambda: monthly(db, KEYS, scope, FIRST, AS_OF),
                                lambda: compute(db, ["gap_persons"], scope, period))
        assert statements_run(db, lambda: monthly(db, KEYS, scope, FIRST, AS_OF)) == 0
    for a, b in zip(alone, together):
        assert a.astype(str).equals(b.astype(str))
    with pytest.raises(KeyError):
        side_by_side(lambda: 1, lambda: monthly(db, ["overdue_clues"], scope, FIRST, AS_OF))
