"""Every figure against the truths the demo generator planted, on all three databases.

The expected numbers come from the generator's manifest (``data/manifest.py`` computes
them in plain Python from its own rows, never through SQL), so a wrong query and a
wrong manifest can only agree by accident.
"""
from __future__ import annotations

from functools import lru_cache

import pytest

from data.generate import generate, write
from queries.runner import compute, compute_with_change
from queries.problem_index import problem_index, township_grain
from queries.quality import quality_report


@lru_cache(maxsize=1)
def demo():
    return generate("demo", seed=7)


@pytest.fixture(scope="module")
def db(open_dataset):
    return open_dataset("demo", lambda url: write(demo(), url))


@pytest.fixture(scope="module")
def truth():
    return demo().manifest


def _total(frame, key):
    return frame.loc[frame["is_total"], key].iloc[0]


def _by_code(frame, key):
    rows = frame[~frame["is_total"]]
    return {("unknown" if c != c or c is None else c): v for c, v in zip(rows["code"], rows[key])}


# the as-of days of the manifest's stocks, and the period whose as-of day each is
AS_OF_PERIOD = {"2026-06-30": "2026Q2", "2026-09-30": "2026Q3", "2026-11-15": "2026Q4"}


@pytest.mark.parametrize("as_of", sorted(AS_OF_PERIOD))
def test_stocks_on_each_as_of_day(db, truth, as_of):
    t = truth["stocks_by_as_of"][as_of]
    keys = ["gap_persons", "gap_rate", "covered_persons", "deceased_active", "repeat_matters",
            "unresolved_repeat_matters", "clue_conclusion_rate", "overdue_clues",
            "rect_close_rate", "rect_overdue"]
    f = compute(db, keys, db.scope(None), db.period(AS_OF_PERIOD[as_of]))
    got = {
        "gap_persons_total": _total(f, "gap_persons"),
        "eligible_persons_total": _total(f, "gap_rate.den"),
        "covered_persons_total": _total(f, "covered_persons"),
        "deceased_still_active": _total(f, "deceased_active"),
        "repeat_matters_total": _total(f, "repeat_matters"),
        "unresolved_repeat_matters_total": _total(f, "unresolved_repeat_matters"),
        "clues": {"received_total": _total(f, "clue_conclusion_rate.den"),
                  "concluded_total": _total(f, "clue_conclusion_rate.num"),
                  "overdue_total": _total(f, "overdue_clues")},
        "rectification": {"items_total": _total(f, "rect_close_rate.den"),
                          "closed_total": _total(f, "rect_close_rate.num"),
                          "overdue_total": _total(f, "rect_overdue")},
    }
    assert got == t


def test_change_uses_the_same_day_of_the_previous_quarter(db, truth):
    # 2026Q4 is cut short at 11-15, so its 环比 compares with 2026Q3 on 08-15 (同期)
    t = truth["stocks_by_as_of"]["2026-08-15"]
    f = compute_with_change(db, ["gap_persons", "repeat_matters", "rect_overdue"],
                            db.scope(None), db.period("2026Q4"))
    assert _total(f, "gap_persons.prev") == t["gap_persons_total"]
    assert _total(f, "repeat_matters.prev") == t["repeat_matters_total"]
    assert _total(f, "rect_overdue.prev") == t["rectification"]["overdue_total"]
    assert _total(f, "gap_persons.change") == truth["coverage"]["gap_persons_total"] - t["gap_persons_total"]


def test_coverage_on_the_latest_day(db, truth):
    c = truth["coverage"]
    keys = ["gap_persons", "gap_rate", "covered_persons", "dibao_coverage", "gap_waiting_median",
            "gap_waiting_over", "deceased_active", "paid_after_death", "paid_after_death_amount"]
    f = compute(db, keys, db.scope(None), db.period("campaign"))
    assert _total(f, "gap_persons") == c["gap_persons_total"]
    assert _total(f, "gap_rate.den") == c["eligible_persons_total"]
    assert _total(f, "covered_persons") == c["covered_persons_total"]
    assert _total(f, "dibao_coverage.num") == c["dibao_persons_total"]
    median = c["waiting_days_median"]
    assert _total(f, "gap_waiting_median") == (median["low"] + median["high"]) / 2
    assert _total(f, "gap_waiting_over") == c["waiting_over_30_days"]
    assert _total(f, "deceased_active") == c["deceased_still_active"]["count"]
    assert _total(f, "paid_after_death") == c["paid_after_death"]["count"]
    assert round(float(_total(f, "paid_after_death_amount")), 2) == c["paid_after_death"]["amount"]


def test_gap_by_township_and_unknown_codes(db, truth):
    c = truth["coverage"]
    f = compute(db, ["gap_rate"], township_grain(db), db.period("campaign"))
    gaps = {k: v for k, v in _by_code(f, "gap_rate.num").items() if v}
    eligible = {k: v for k, v in _by_code(f, "gap_rate.den").items() if v}
    unknown_gap = sum(c["gap_persons_unrecognised_code"].values())
    assert gaps == {**c["gap_persons_by_township"], **({"unknown": unknown_gap} if unknown_gap else {})}
    assert {k: v for k, v in eligible.items() if k != "unknown"} == c["eligible_persons_by_township"]
    # the breakdown adds up to the top total: unknown codes are not dropped
    assert sum(gaps.values()) == c["gap_persons_total"]


@pytest.mark.parametrize("quarter", ["2024Q1", "2025Q3", "2026Q1", "2026Q2", "2026Q3", "2026Q4"])
def test_petition_flows_by_quarter(db, truth, quarter):
    p = truth["petitions"]
    f = compute(db, ["petitions", "new_repeat_matters"], db.scope(None), db.period(quarter))
    assert _total(f, "petitions") == p["petitions_by_quarter"][quarter]
    assert _total(f, "new_repeat_matters") == p["new_repeat_matters_by_quarter"][quarter]


def test_repeat_cluster_township_in_2026q3(db, truth):
    p = truth["petitions"]
    f = compute(db, ["new_repeat_matters"], township_grain(db), db.period("2026Q3"))
    got = {k: v for k, v in _by_code(f, "new_repeat_matters").items() if v}
    assert got == p["new_repeat_matters_2026Q3_by_township"]
    cluster = truth["planted"]["repeat_cluster"]
    assert max(got, key=got.get) == cluster["township_code"]
    assert got[cluster["township_code"]] == cluster["new_repeat_matters_2026Q3"]


def test_campaign_petition_totals(db, truth):
    p = truth["petitions"]
    f = compute(db, ["new_repeat_matters", "repeat_matters", "unresolved_repeat_matters"],
                db.scope(None), db.period("campaign"))
    assert _total(f, "new_repeat_matters") == p["new_repeat_matters_campaign"]
    assert _total(f, "repeat_matters") == p["repeat_matters_total"]
    assert _total(f, "unresolved_repeat_matters") == p["unresolved_repeat_matters_total"]


def test_clues_and_rectification_by_township(db, truth):
    f = compute(db, ["clue_conclusion_rate", "overdue_clues", "rect_close_rate", "rect_overdue"],
                township_grain(db), db.period("campaign"))
    clues = {k: {"received_total": r, "concluded_total": c, "overdue_total": o}
             for k, r, c, o in zip(f["code"], f["clue_conclusion_rate.den"],
                                   f["clue_conclusion_rate.num"], f["overdue_clues"])
             if isinstance(k, str) and len(k) == 9 and r}
    items = {k: {"items_total": n, "closed_total": c, "overdue_total": o}
             for k, n, c, o in zip(f["code"], f["rect_close_rate.den"], f["rect_close_rate.num"],
                                   f["rect_overdue"])
             if isinstance(k, str) and len(k) == 9 and n}
    assert clues == truth["clues"]["by_township"]
    assert items == truth["rectification"]["by_township"]


def test_status_split_of_open_items_on_the_latest_day(db, truth):
    f = compute(db, ["rect_status_open", "rect_status_in_progress", "rect_status_done",
                     "rect_status_other"], db.scope(None), db.period("2026Q4"))
    split = truth["rectification"]["open_by_status"]
    assert _total(f, "rect_status_open") == split["open"]
    assert _total(f, "rect_status_in_progress") == split["in_progress"]
    assert _total(f, "rect_status_done") == split["done"]
    assert _total(f, "rect_status_other") == split.get("closed", 0)


def test_planted_townships_top_their_components(db, truth):
    planted = truth["planted"]
    index = problem_index(db, db.period("campaign")).set_index("code")
    gap_town = planted["coverage_gap"]["township_code"]
    late_town = planted["overdue"]["township_code"]
    assert index.loc[gap_town, "gap_rate_pct"] == 100
    assert index.loc[gap_town, "gap_rate"] == pytest.approx(
        100 * planted["coverage_gap"]["gap_persons"] / planted["coverage_gap"]["eligible_persons"])
    assert index.loc[late_town, "overdue_clues"] == planted["overdue"]["overdue_clues"]
    assert index.loc[late_town, "rect_overdue"] == planted["overdue"]["overdue_rectification_items"]
    assert index.loc[late_town, "overdue_clues_pct"] == 100
    assert index.loc[late_town, "rect_overdue_pct"] == 100
    assert len(index) == 45


def test_dirty_rows_are_found(db, truth):
    report = quality_report(db)
    found: dict[str, dict[str, int]] = {}
    for kind, table, rows in zip(report["kind"], report["table"], report["rows"]):
        if rows:
            found.setdefault(kind, {}).setdefault(table, 0)
            found[kind][table] += rows
    for kind in ("unknown_township_code", "dates_out_of_order", "status_contradicts_date"):
        assert found.get(kind, {}) == truth["dirty"][kind], kind
    assert "unknown_code" not in found


def test_one_page_run_gives_the_same_figures_as_separate_queries(db):
    # within page_run() identical statements run once; statements differing only in a
    # date, a scope's code range or the N-th petition must never be taken for each other
    from queries.figures import METRICS
    from queries.runner import page_run
    keys = list(METRICS)
    cases = [(code, period) for code in (None, "350203", "350212109")
             for period in ("2026Q2", "2026Q3", "2026Q4", "campaign")]
    separate = [compute(db, keys, db.scope(code), db.period(period)) for code, period in cases]
    with page_run():
        together = [compute(db, keys, db.scope(code), db.period(period)) for code, period in cases]
    for (code, period), a, b in zip(cases, separate, together):
        assert a.drop(columns=["grp"]).astype(str).equals(b.drop(columns=["grp"]).astype(str)), (code, period)
