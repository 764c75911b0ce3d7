"""资金发放 (一卡通) figures on hand-built rows (rows_payments.py), on every backend.

Every expected number is worked out by hand from metrics.md (资金发放 and the Conventions)
and the rows; the working is in the comments.

Readings chosen where metrics.md leaves room (also in docs/decisions.md):
- "spaces removed" removes the ASCII and the ideographic (full-width) space, and names are
  compared byte for byte;
- a blank holder name (empty, or spaces only) is a missing one: 未核实;
- 一人多卡 and 共用账户 look at all of a person's (an account's) payments in the period,
  wherever the spells are; the person (household) then counts in each place where it has
  a payment in the period, once in a scope that holds several;
- a payment whose spell is unknown counts at the top (发放笔数, 金额, 及时) under 未识别区划,
  and in no person or household figure.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine

import queries  # noqa: F401  (registers every figure)
from conftest import load_rows
from queries.runner import compute_with_change
from queries.schema import payment
from queries.series import monthly
from rows_coverage import A, B, C, DD, HULI, JIMEI, SIMING
from rows_payments import ROWS
from test_coverage import TOTAL, UNKNOWN, _norm, column, figures

KEYS = ("pay_count", "pay_amount", "pay_late", "pay_on_time_rate", "holder_mismatch",
        "holder_mismatch_amount", "holder_unknown", "multi_card_persons",
        "shared_account_households", "suspect_households")


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_payments", lambda url: load_rows(url, ROWS))


def _empty_payments(url: str) -> None:
    load_rows(url, {**ROWS, "payment": []})


def _no_payments(url: str) -> None:
    load_rows(url, ROWS)
    engine = create_engine(url)
    payment.drop(engine)
    engine.dispose()


# 2026Q3 (07-01..09-30): pm01–pm18 but pm10 (10-10); pm19 is June.
#   A: pm01 pm02 pm03 (r1, 300 each) pm04 pm05 (r2, 500) pm11 (r6, 600) pm13 (r8a, 450) = 7, 2,950
#   B: pm06 (r3, 2,300) pm07 pm08 (r4, 400) pm15 pm16 (r9, 350)                      = 5, 3,800
#   C: pm09 (r5, 1,560) pm12 (r7, 700) = 2, 2,260      DD: pm14 (r8b, 150) = 1, 150
#   未识别区划: pm17 (no spell, 100), pm18 (UNK, 200) = 2, 300       total 17, 9,460
# late: pm02 only (August's paid 09-01; July's paid 07-31 is on time)
# 未核实: pm03 (no holder)
# mismatch: pm05 (周九 for 李四: h6's name, not h2's; 李小四 of pm04 is), pm12 (周九 for 吴十), pm13, pm14;
#   not pm02 (张 三丰: the space is removed), pm06 (an orphan's guardian), pm17 (no spell)
# 一人多卡: p4 (a4, a4b) in B; p5 has a5 only in Q3
# 共用账户: ax paid for h6 (A) and h7 (C)
# 死亡后发放: pm16 (August, p9 died 07-20)
# 疑点户: h2 (A), h6 (A), h8 (A and DD), h4 (B), h9 (B), h7 (C): 6 in all, h8 once
Q3 = {   # (total, 思明区, 湖里区, 集美区, 未识别区划)
    "pay_count": (17, 12, 3, 0, 2),
    "pay_amount": (9460, 6750, 2410, 0, 300),
    "pay_late": (1, 1, 0, 0, 0),
    "pay_on_time_rate": (16 / 17 * 100, 11 / 12 * 100, 100.0, None, 100.0),
    "holder_mismatch": (4, 2, 2, 0, 0),
    "holder_mismatch_amount": (1800, 950, 850, 0, 0),
    "holder_unknown": (1, 1, 0, 0, 0),
    "multi_card_persons": (1, 1, 0, 0, 0),
    "shared_account_households": (2, 1, 1, 0, 0),
    "suspect_households": (6, 5, 2, 0, 0),
}
ORDER = (TOTAL, SIMING, HULI, JIMEI, UNKNOWN)


@pytest.mark.parametrize("key", KEYS)
def test_q3_city(db, key):
    rows = figures(db, db.deployment(), db.period("2026Q3"), KEYS)
    expected = [None if v is None else _norm(float(v) if "amount" in key or "rate" in key else v)
                for v in Q3[key]]
    got = column(rows, key, ORDER)
    if key.endswith("amount"):
        got = [None if g is None else float(g) for g in got]
    assert got == [None if e is None else (float(e) if key.endswith("amount") else e) for e in expected]


def test_q3_townships_of_simming(db):
    # A: h2, h6, h8 suspect; B: h4, h9. Shared: h6 in A. 一人多卡: p4 in B.
    rows = figures(db, db.scope(SIMING), db.period("2026Q3"), KEYS)
    assert column(rows, "suspect_households", (TOTAL, A, B)) == [5, 3, 2]
    assert column(rows, "shared_account_households", (TOTAL, A, B)) == [1, 1, 0]
    assert column(rows, "multi_card_persons", (TOTAL, A, B)) == [1, 0, 1]
    assert column(rows, "pay_count", (TOTAL, A, B)) == [12, 7, 5]


def test_a_household_in_two_townships_counts_in_each_and_once_above(db):
    # h8: pm13 in A (思明区), pm14 in DD (湖里区): one in each township and district, one in the city
    huli = figures(db, db.scope(HULI), db.period("2026Q3"), ["suspect_households"])
    assert column(huli, "suspect_households", (TOTAL, C, DD)) == [2, 1, 1]
    city = figures(db, db.deployment(), db.period("2026Q3"), ["suspect_households"])
    assert column(city, "suspect_households", (TOTAL, SIMING, HULI)) == [6, 5, 2]


def test_two_accounts_in_different_periods(db):
    # p5: a5 in August, a5b in October: one account in Q3 and in Q4, two in the campaign
    # (from 04-01: pm19 too, but that is p1's a1). 一人多卡 in the campaign: p4 and p5.
    for period, expected in (("2026Q3", 1), ("2026Q4", 0), ("campaign", 2)):
        rows = figures(db, db.deployment(), db.period(period), ["multi_card_persons"])
        assert column(rows, "multi_card_persons", (TOTAL,)) == [expected], period


def test_q4_and_its_change(db):
    # Q4 (10-01..11-15): pm10 alone, 1,560, its holder 孙　八 (ideographic space) is 孙八.
    # 环比: Q3 up to 08-15 (同期): Q3's 17 but pm02 (09-01) and pm03 (09-10) = 15
    frame = compute_with_change(db, ["pay_count", "pay_amount", "holder_mismatch"],
                                db.deployment(), db.period("2026Q4"))
    total = frame[frame["is_total"]].iloc[0]
    assert (_norm(total["pay_count"]), float(total["pay_amount"]), _norm(total["holder_mismatch"])) == (1, 1560.0, 0)
    assert _norm(total["pay_count.change"]) == 1 - 15


def test_grace_days_setting(db, monkeypatch):
    # one grace day: pm02 (August's, paid 09-01) is on time
    monkeypatch.setenv("OVERSIGHT_PAYMENT_GRACE_DAYS", "1")
    rows = figures(db, db.deployment(), db.period("2026Q3"), ["pay_late", "pay_on_time_rate"])
    assert column(rows, "pay_late", (TOTAL,)) == [0]
    assert column(rows, "pay_on_time_rate", (TOTAL,)) == [100.0]


def test_monthly_payments_and_late(db):
    # by month paid: June pm19; July pm01 pm04 pm06 pm07 pm11–pm15 pm17 pm18 (11);
    # August pm05 pm08 pm09 pm16 (4); September pm02 (late) pm03 (2); October pm10
    series = monthly(db, ["pay_count", "pay_late"], db.deployment(),
                     db.period("campaign").start, db.period("campaign").as_of)
    by_month = {r["month"].month: (_norm(r["pay_count"]), _norm(r["pay_late"]))
                for r in series.to_dict("records")}
    assert by_month == {4: (0, 0), 5: (0, 0), 6: (1, 0), 7: (11, 0), 8: (4, 0), 9: (2, 1),
                        10: (1, 0), 11: (0, 0)}


def test_empty_payment_table_gives_zeros(open_dataset):
    db = open_dataset("fx_payments_empty", _empty_payments)
    rows = figures(db, db.deployment(), db.period("2026Q3"), KEYS)
    total = {k: _norm(rows[TOTAL][k]) for k in KEYS}
    assert total == {**{k: 0 for k in KEYS}, "pay_on_time_rate": None}


def test_without_payment_table_every_figure_is_missing(open_dataset):
    db = open_dataset("fx_payments_none", _no_payments)
    assert not db.has("payment")
    rows = figures(db, db.deployment(), db.period("2026Q3"), KEYS)
    assert all(_norm(rows[TOTAL][k]) is None for k in KEYS)


def test_monthly_households_each_month_on_its_own(db):
    # July: ax shared (h6, h7), h8 mismatched twice: 3; p4 has one account in July.
    # August: h2 (pm05), h9 (pm16 after death): 2; p4's a4b is August's only account.
    series = monthly(db, ["suspect_households", "shared_account_households", "multi_card_persons"],
                     db.deployment(), db.period("campaign").start, db.period("campaign").as_of)
    got = {r["month"].month: (_norm(r["suspect_households"]), _norm(r["shared_account_households"]),
                              _norm(r["multi_card_persons"])) for r in series.to_dict("records")}
    assert got == {4: (0, 0, 0), 5: (0, 0, 0), 6: (0, 0, 0), 7: (3, 2, 0), 8: (2, 0, 0),
                   9: (0, 0, 0), 10: (0, 0, 0), 11: (0, 0, 0)}
    simming = monthly(db, ["suspect_households"], db.scope(SIMING), db.period("campaign").start,
                      db.period("campaign").as_of)
    assert [_norm(v) for v in simming["suspect_households"]] == [0, 0, 0, 2, 2, 0, 0, 0]   # h6 h8; h2 h9


def test_case_lists_equal_their_figures(db):
    """Each list's count equals its figure, in every scope (2026Q3): the payments for
    持卡人不一致 (and its 元), the persons of 一人多卡 and the households of 共用账户 among
    their payments."""
    from queries.cases import case_lists
    period = db.period("2026Q3")
    for scope in (db.deployment(), db.scope(SIMING), db.scope(A), db.scope(HULI), db.scope(DD)):
        lists = case_lists(db, ["holder_mismatch_payments", "multi_card_payments",
                                "shared_account_payments"], scope, period)
        total = figures(db, scope, period, KEYS)[TOTAL]
        mismatch = lists["holder_mismatch_payments"]
        assert mismatch.total == _norm(total["holder_mismatch"]) == len(mismatch.rows)
        assert mismatch.sums.get("amount", 0) == float(total["holder_mismatch_amount"])
        assert lists["multi_card_payments"].sums.get("persons", 0) == _norm(total["multi_card_persons"])
        assert lists["shared_account_payments"].sums.get("households", 0) == \
            _norm(total["shared_account_households"])


def test_case_list_rows(db):
    from queries.cases import case_lists
    lists = case_lists(db, ["holder_mismatch_payments", "multi_card_payments", "shared_account_payments"],
                       db.deployment(), db.period("2026Q3"))
    # the latest paid first: pm05 (08-10), then the July ones by payment id
    assert list(lists["holder_mismatch_payments"].rows["payment_id"]) == ["pm05", "pm12", "pm13", "pm14"]
    assert list(lists["multi_card_payments"].rows["payment_id"]) == ["pm07", "pm08"]
    shared = lists["shared_account_payments"].rows
    assert list(shared["payment_id"]) == ["pm11", "pm12"]
    assert list(shared["account_households"]) == [2, 2]
    # in 湖里区 only h7's payment, though the account was paid for h6 (思明区) too
    huli = case_lists(db, ["shared_account_payments"], db.scope(HULI), db.period("2026Q3"))
    assert list(huli["shared_account_payments"].rows["payment_id"]) == ["pm12"]
    assert list(huli["shared_account_payments"].rows["account_households"]) == [2]
