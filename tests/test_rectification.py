"""整改进度 — rectification figures on a hand-built fixture (metrics.md, 整改进度).

Every expected number is worked out by hand from metrics.md (working in comments); each
test runs on SQLite, PostgreSQL and MariaDB through ``open_dataset``.

data_as_of 2026-11-15. Campaign C1 2026-06-01..2026-12-31 (214 days) with overlapping
phases 1 自查自纠 06-01..07-31, 2 全面检查 07-15..09-30, 3 重点抽查 09-01..11-05,
4 整改深化 11-01..12-31 (inserted out of seq order). An older campaign C0 (2025) has a
phase 2026-05-01..05-31 that must not be used: the campaign is the latest by start date.

    id   township   found  deadline closed  status
    r01  350203001  06-03  06-30    06-28   closed
    r02  350203001  07-20  08-31    09-05   closed        (late)
    r03  350203002  08-10  09-30    -       done          (已整改待销号, overdue on 11-15)
    r04  350206001  09-10  11-15    -       in_progress   (deadline = as-of day: not overdue)
    r05  350206001  10-01  10-31    10-31   closed        (closed on the deadline: on time)
    r06  350203001  11-02  11-14    -       open          (overdue)
    r07  350206001  11-10  12-10    11-20   in_progress   (closed after the as-of day)
    r08  350203002  11-15  12-15    -       closed(!)     (found on the as-of day; status
                                                           says 已销号 but no date: open)
    r09  350203001  11-16  12-16    -       open          (found after the as-of day)
    r10  350299001  06-20  07-20    -       open          (unknown code, overdue)
    r11  (null)     05-20  06-15    06-10   closed        (no code; found before the campaign)
    r12  350211001  10-15  11-30    -       open

350206002 has no rows at all.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import load_rows
from frames import check, rows_by_id, statements_run
from rows_small_city import META, REGIONS
from queries.runner import compute, compute_with_change
from queries.rectification import burn_down, items_by_phase, time_progress

D = date
AS_OF = D(2026, 11, 15)

CAMPAIGNS = [
    dict(campaign_id="C1", name="2026年社会救助领域群众身边不正之风和腐败问题专项整治",
         start_date=D(2026, 6, 1), end_date=D(2026, 12, 31)),
    dict(campaign_id="C0", name="2025年专项整治", start_date=D(2025, 1, 1),
         end_date=D(2026, 5, 31)),
]
PHASES = [
    dict(campaign_id="C1", seq=2, name="全面检查", start_date=D(2026, 7, 15), end_date=D(2026, 9, 30)),
    dict(campaign_id="C1", seq=4, name="整改深化", start_date=D(2026, 11, 1), end_date=D(2026, 12, 31)),
    dict(campaign_id="C1", seq=1, name="自查自纠", start_date=D(2026, 6, 1), end_date=D(2026, 7, 31)),
    dict(campaign_id="C1", seq=3, name="重点抽查", start_date=D(2026, 9, 1), end_date=D(2026, 11, 5)),
    dict(campaign_id="C0", seq=1, name="旧阶段", start_date=D(2026, 5, 1), end_date=D(2026, 5, 31)),
]


def _item(iid, town, found, deadline, closed, status):
    return dict(item_id=iid, campaign_id="C1", township_code=town, source="self_check",
                category="procedure", description="台账不规范", found_date=found,
                responsible_unit="民政办", responsible_person="张三", deadline=deadline,
                status=status, closed_date=closed)


ITEMS = [
    _item("r01", "350203001", D(2026, 6, 3), D(2026, 6, 30), D(2026, 6, 28), "closed"),
    _item("r02", "350203001", D(2026, 7, 20), D(2026, 8, 31), D(2026, 9, 5), "closed"),
    _item("r03", "350203002", D(2026, 8, 10), D(2026, 9, 30), None, "done"),
    _item("r04", "350206001", D(2026, 9, 10), D(2026, 11, 15), None, "in_progress"),
    _item("r05", "350206001", D(2026, 10, 1), D(2026, 10, 31), D(2026, 10, 31), "closed"),
    _item("r06", "350203001", D(2026, 11, 2), D(2026, 11, 14), None, "open"),
    _item("r07", "350206001", D(2026, 11, 10), D(2026, 12, 10), D(2026, 11, 20), "in_progress"),
    _item("r08", "350203002", D(2026, 11, 15), D(2026, 12, 15), None, "closed"),
    _item("r09", "350203001", D(2026, 11, 16), D(2026, 12, 16), None, "open"),
    _item("r10", "350299001", D(2026, 6, 20), D(2026, 7, 20), None, "open"),
    _item("r11", None, D(2026, 5, 20), D(2026, 6, 15), D(2026, 6, 10), "closed"),
    _item("r12", "350211001", D(2026, 10, 15), D(2026, 11, 30), None, "open"),
]
ROWS = {"region": REGIONS, "meta": META, "campaign": CAMPAIGNS, "campaign_phase": PHASES,
        "rectification": ITEMS}

KEYS = ["rect_items", "rect_closed", "rect_close_rate", "rect_unclosed", "rect_status_open",
        "rect_status_in_progress", "rect_status_done", "rect_overdue", "rect_on_time_rate"]
ADDITIVE = ["rect_items", "rect_closed", "rect_unclosed", "rect_overdue"]


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_rect", lambda url: load_rows(url, ROWS))


# On the latest day 11-15 (campaign to date, or 2026Q4 cut short: the same stocks)
LATEST_TOTAL = {
    # found ≤ 11-15: all but r09 = 11 (r08 found on the as-of day counts; r11 has no code
    # but the top counts every row)
    "rect_items": 11,
    # closed ≤ 11-15: r01 r02 r05 r11 = 4 (r07 closed 11-20: not yet; r08: status only)
    "rect_closed": 4,
    "rect_close_rate": 100 * 4 / 11,
    # 11 − 4 = 7: r03 r04 r06 r07 r08 r10 r12
    "rect_unclosed": 7,
    # split by status: 未整改 r06 r10 r12 = 3; 整改中 r04 r07 = 2; 已整改待销号 r03 = 1
    # (r08's status 已销号 contradicts its dates: it is in none of the three)
    "rect_status_open": 3, "rect_status_in_progress": 2, "rect_status_done": 1,
    # not closed on 11-15 and deadline < 11-15: r03 (done, 09-30), r06 (11-14), r10 (07-20) = 3
    # (r04's deadline is the as-of day itself: not overdue)
    "rect_overdue": 3,
    # closed on or before the deadline: r01, r05 (on the day), r11 of r01 r02 r05 r11 = 3/4
    "rect_on_time_rate": 75.0,
}


@pytest.mark.parametrize("period_key", ["campaign", "2026Q4"])
def test_latest_day_figures_and_status_split(db, period_key):
    period = db.period(period_key)
    assert period.as_of == AS_OF and period.is_latest
    frame = compute(db, KEYS, db.scope(None), period)
    check(rows_by_id(frame)["total"], LATEST_TOTAL)


def test_past_quarter_has_no_status_split(db):
    period = db.period("2026Q3")     # as-of 09-30, not the latest day
    assert period.as_of == D(2026, 9, 30) and not period.is_latest
    frame = compute(db, KEYS, db.scope(None), period)
    for rec in frame.to_dict("records"):
        for key in ("rect_status_open", "rect_status_in_progress", "rect_status_done"):
            assert rec[key] is None, (rec["name"], key)
    check(rows_by_id(frame)["total"], {
        # found ≤ 09-30: r01 r02 r03 r04 r10 r11 = 6; closed ≤ 09-30: r01 r02 r11 = 3
        "rect_items": 6, "rect_closed": 3, "rect_close_rate": 50.0, "rect_unclosed": 3,
        # open on 09-30 with deadline < 09-30: r10 only (r03's deadline is 09-30 itself)
        "rect_overdue": 1,
        # on time r01 r11 of r01 r02 r11
        "rect_on_time_rate": 100 * 2 / 3,
    })


def test_change_of_cut_short_quarter(db):
    frame = compute_with_change(db, ["rect_items", "rect_closed", "rect_close_rate",
                                     "rect_overdue"], db.scope(None), db.period("2026Q4"))
    total = rows_by_id(frame)["total"]
    assert statements_run(db, lambda: compute_with_change(db, ["rect_items"], db.scope(None),
                                                          db.period("2026Q4"))) == 1
    # previous: stocks on 2026-08-15 (same day of 2026Q3):
    #   found ≤ 08-15: r01 r02 r03 r10 r11 = 5; closed ≤ 08-15: r01 r11 = 2 -> 40 %
    #   overdue on 08-15: r10 (07-20) = 1 (r02 due 08-31, r03 due 09-30)
    check(total, {
        "rect_items.prev": 5, "rect_items.change": 11 - 5,
        "rect_closed.prev": 2, "rect_closed.change": 2,
        "rect_close_rate.prev": 40.0, "rect_close_rate.change": 100 * 4 / 11 - 40.0,
        "rect_overdue.prev": 1, "rect_overdue.change": 2,
    })


def test_city_breakdown_adds_up_with_unknown_and_missing_codes(db):
    frame = compute(db, KEYS, db.scope(None), db.period("campaign"))
    assert frame["code"].tolist()[:4] == ["350200", "350203", "350206", "350211"]
    assert frame["name"].tolist()[4:] == ["未识别区划"]
    rows = rows_by_id(frame)
    # 思明区: r01 r02 r03 r06 r08 = 5; closed r01 r02; overdue r03 r06
    check(rows["350203"], {"rect_items": 5, "rect_closed": 2, "rect_unclosed": 3,
                           "rect_overdue": 2, "rect_close_rate": 40.0,
                           "rect_status_open": 1, "rect_status_done": 1})
    # 湖里区: r04 r05 r07 = 3; closed r05; none overdue
    check(rows["350206"], {"rect_items": 3, "rect_closed": 1, "rect_overdue": 0,
                           "rect_status_in_progress": 2})
    # 集美区: r12
    check(rows["350211"], {"rect_items": 1, "rect_closed": 0, "rect_close_rate": 0.0})
    # 未识别区划: r10 (350299001) and r11 (null code); r11 closed, r10 overdue
    check(rows["unknown"], {"rect_items": 2, "rect_closed": 1, "rect_overdue": 1,
                            "rect_on_time_rate": 100.0})
    for key in ADDITIVE:
        assert sum(rows[k][key] for k in ("350203", "350206", "350211", "unknown")) == \
            rows["total"][key], key


def test_township_and_empty_scopes(db):
    frame = compute(db, KEYS, db.scope("350203002"), db.period("campaign"))
    assert frame["code"].tolist() == ["350203002", "350203002"]
    # 鹭江街道: r03 (done, overdue) and r08 (found on the as-of day, status closed, no date)
    for rec in frame.to_dict("records"):
        check(rec, {"rect_items": 2, "rect_closed": 0, "rect_close_rate": 0.0,
                    "rect_unclosed": 2, "rect_overdue": 1, "rect_status_done": 1,
                    "rect_on_time_rate": None})
    empty = rows_by_id(compute(db, KEYS, db.scope("350206002"), db.period("campaign")))["total"]
    check(empty, {"rect_items": 0, "rect_closed": 0, "rect_unclosed": 0, "rect_overdue": 0,
                  "rect_close_rate": None, "rect_on_time_rate": None,
                  "rect_status_open": 0, "rect_status_in_progress": 0, "rect_status_done": 0})


def test_two_district_user(db):
    scope = db.scope(None, ["350203", "350206"])
    frame = compute(db, KEYS, scope, db.period("campaign"))
    assert frame["code"].tolist() == ["350200", "350203", "350206"]
    # 5 + 3 = 8 items, 2 + 1 = 3 closed, overdue r03 r06 = 2; r10 r11 (unknown codes) and
    # r12 (集美区) are outside the user's districts
    check(rows_by_id(frame)["total"], {"rect_items": 8, "rect_closed": 3, "rect_overdue": 2,
                                       "rect_close_rate": 100 * 3 / 8})


# --------------------------------------------------------------------------- campaign time

def test_campaign_is_the_latest_by_start_date(db):
    assert (db.campaign.start, db.campaign.end) == (D(2026, 6, 1), D(2026, 12, 31))
    assert [p.seq for p in db.campaign.phases] == [1, 2, 3, 4]
    period = db.period("campaign")
    assert period.label == "专项治理以来"
    assert (period.start, period.as_of) == (D(2026, 6, 1), AS_OF)


@pytest.mark.parametrize("as_of, expected", [
    (D(2026, 6, 1), 100 * 1 / 214),      # the first day counts: 1 of 214
    (D(2026, 11, 15), 100 * 168 / 214),  # Jun 30 + Jul 31 + Aug 31 + Sep 30 + Oct 31 + 15 = 168
    (D(2026, 12, 31), 100.0),            # the last day: 214 of 214
])
def test_time_progress(db, as_of, expected):
    assert time_progress(db.campaign, as_of) == pytest.approx(expected)


# Open items (found ≤ day, not closed by it) at the end of each 7-day block from 06-01:
# 06-07, 06-14, ... every 7 days. On 06-07: r11 (closes 06-10) and r01 = 2; 06-14: r01 = 1;
# 06-21: r01 r10 = 2; 06-28: r01 closed that day -> r10 = 1; ... 07-26: + r02 = 2;
# 08-16: + r03 = 3; 09-06: r02 closed 09-05 -> 2; 09-13: + r04 = 3; 10-04: + r05 = 4;
# 10-18: + r12 = 5; 11-01: r05 closed 10-31 -> 4; 11-08: + r06 = 5;
# 11-15: + r07 (closed only 11-20) + r08 (found that day) = 7.
BLOCK_OPEN = [2, 1, 2, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 2, 3, 3, 3, 4, 4, 5, 5, 4, 5, 7]
BLOCK_DAYS = [D(2026, 6, 1) + timedelta(days=7 * k - 1) for k in range(1, 25)]


def test_burn_down_campaign(db):
    # 06-01 + 167 days = 11-15 is itself the end of the 24th block: no extra point
    bd = burn_down(db, db.scope(None), db.period("campaign"))
    days = [_d(x) for x in bd.points["day"]]
    assert BLOCK_DAYS[-1] == AS_OF
    assert days == BLOCK_DAYS
    assert [int(x) for x in bd.points["open"]] == BLOCK_OPEN
    # 所需进度: from the 7 open on the as-of day to 0 on the campaign's end day
    assert [(_d(d), int(n)) for d, n in zip(bd.required["day"], bd.required["open"])] == \
        [(AS_OF, 7), (D(2026, 12, 31), 0)]
    assert [p.seq for p in bd.phases] == [1, 2, 3, 4]


def test_burn_down_ends_with_the_as_of_day(db):
    # 2026Q3: as-of 09-30; blocks end 06-07 ... 09-27 (17 of them), then 09-30 itself:
    # open on 09-30: r03 r04 r10 = 3
    bd = burn_down(db, db.scope(None), db.period("2026Q3"))
    days = [_d(x) for x in bd.points["day"]]
    assert days == BLOCK_DAYS[:17] + [D(2026, 9, 30)]
    assert [int(x) for x in bd.points["open"]] == BLOCK_OPEN[:17] + [3]
    assert [(_d(d), int(n)) for d, n in zip(bd.required["day"], bd.required["open"])] == \
        [(D(2026, 9, 30), 3), (D(2026, 12, 31), 0)]


def test_burn_down_of_a_district(db):
    # 思明区: r01 r02 r03 r06 r08. On 06-07 r01 = 1 ... on 11-15 r03 r06 r08 = 3
    bd = burn_down(db, db.scope("350203"), db.period("campaign"))
    opened = [int(x) for x in bd.points["open"]]
    assert opened[0] == 1            # 06-07: r01
    assert opened[3] == 0            # 06-28: r01 closed that day
    assert opened[-1] == 3           # 11-15: r03 r06 r08
    assert [int(n) for n in bd.required["open"]] == [3, 0]


def test_items_by_phase_first_phase_by_seq(db):
    out = items_by_phase(db, db.scope(None), db.period("campaign"))
    got = {int(r["seq"]): (int(r["items"]), int(r["closed"])) for r in out.to_dict("records")}
    # seq 1 (06-01..07-31): r01, r10, r02 (07-20 lies in 1 and 2: the first by seq) = 3, closed r01 r02
    # seq 2 (07-15..09-30): r03, r04 (09-10 lies in 2 and 3) = 2, none closed
    # seq 3 (09-01..11-05): r05, r12, r06 (11-02 lies in 3 and 4) = 3, closed r05
    # seq 4 (11-01..12-31): r07, r08 = 2 (r07 closes 11-20: not by the as-of day); r09 after it
    # r11 (05-20) is in no phase of C1 (C0's phase must not be used)
    assert got == {1: (3, 2), 2: (2, 0), 3: (3, 1), 4: (2, 0)}


def _d(value) -> date:
    if isinstance(value, date):
        return value if type(value) is date else value.date()
    return date.fromisoformat(str(value)[:10])


# --- an item closed before it was found (dirty) is never open ---------------------------
# d01 found 07-10 but "closed" 06-20; d02 found 06-02 and still open. Open = found ≤ day and
# not closed by it, so d01 is open on no day (before 07-10 not found; from 07-10 on, closed):
# every block end counts d02 alone. Counting −1 on d01's closing day would give 0 on
# 06-21, 06-28 and 07-05.
DIRTY_ROWS = {"region": REGIONS, "meta": META, "campaign": CAMPAIGNS, "campaign_phase": PHASES,
              "rectification": [
                  _item("d01", "350203001", D(2026, 7, 10), D(2026, 8, 10), D(2026, 6, 20), "closed"),
                  _item("d02", "350203001", D(2026, 6, 2), D(2026, 12, 1), None, "open")]}


def test_burn_down_item_closed_before_found_is_never_open(open_dataset):
    db = open_dataset("fx_rect_dirty", lambda url: load_rows(url, DIRTY_ROWS))
    bd = burn_down(db, db.scope(None), db.period("campaign"))
    assert [int(x) for x in bd.points["open"]] == [1] * len(BLOCK_DAYS)


def test_status_split_adds_up_with_a_missing_status(open_dataset):
    """An open item whose status is NULL (r13) is 状态与日期不符 (an unknown status), like
    r08's contradiction: the four parts of the split add up to 未销号. SQL's
    ``status NOT IN (…)`` never holds for NULL, so it must be asked for on its own."""
    r13 = _item("r13", "350206001", D(2026, 10, 20), D(2026, 12, 20), None, None)
    db = open_dataset("fx_rect_null", lambda url: load_rows(url, {**ROWS, "rectification": ITEMS + [r13]}))
    parts = ["rect_status_open", "rect_status_in_progress", "rect_status_done", "rect_status_other"]
    frame = compute(db, ["rect_unclosed", *parts], db.scope(None), db.period("2026Q4"))
    for row in frame.to_dict("records"):
        assert sum(row[k] for k in parts) == row["rect_unclosed"], row
    total = rows_by_id(frame)["total"]
    check(total, {"rect_unclosed": 8, "rect_status_open": 3, "rect_status_in_progress": 2,
                  "rect_status_done": 1, "rect_status_other": 2})     # r08 and r13
    check(rows_by_id(frame)["350206"], {"rect_unclosed": 3, "rect_status_other": 1})  # r04 r07 r13


# --------------------------------------------------------------------------- the lists

def test_overdue_items_list(db):
    """逾期未整改 on 11-15: r10 118 days past its deadline (unknown code, counted at the
    top), r03 46 (已整改待销号 but not closed), r06 1; r04's deadline is the as-of day."""
    from queries.cases import case_list
    scope, period = db.scope(None), db.period("2026Q4")
    cl = case_list("overdue_items", db, scope, period)
    assert cl.total == LATEST_TOTAL["rect_overdue"] == 3
    assert list(cl.rows["item_id"]) == ["r10", "r03", "r06"]
    assert list(cl.rows["days_overdue"]) == [118, 46, 1]
    assert list(cl.rows["state"]) == ["未整改", "已整改待销号", "未整改"]


def test_open_items_list(db):
    """A township's open items (乡镇画像, 督导核查清单): the ledger's 11 items found by 11-15
    but the four closed by then (r11 r01 r02 r05), in the order found: 7 = 未销号."""
    from queries.cases import case_list
    cl = case_list("open_items", db, db.scope(None), db.period("2026Q4"))
    assert cl.total == 7
    assert list(cl.rows["item_id"]) == ["r10", "r03", "r04", "r12", "r06", "r07", "r08"]
    assert dict(zip(cl.rows["item_id"], cl.rows["state"]))["r08"] == "状态与日期不符"


def test_ledger_in_order_found_and_its_filters(db):
    """The ledger holds every item found by 11-15 (11: not r09), in the order found; its
    filters narrow by state (dates decide 已销号: r07 closes only on 11-20; r08's status
    contradicts its dates), category and overdue."""
    from queries.cases import case_list, ledger
    scope, period = db.scope(None), db.period("2026Q4")
    whole = case_list("ledger", db, scope, period)
    assert whole.total == LATEST_TOTAL["rect_items"] == 11
    assert list(whole.rows["item_id"]) == ["r11", "r01", "r10", "r02", "r03", "r04", "r05", "r12",
                                           "r06", "r07", "r08"]
    ids = lambda **kw: list(ledger(db, scope, period, **kw).rows["item_id"])  # noqa: E731
    assert ids(states=["mismatch"]) == ["r08"]
    assert ids(states=["closed"]) == ["r11", "r01", "r02", "r05"]
    assert ids(states=["in_progress", "done"]) == ["r03", "r04", "r07"]
    assert ids(overdue_only=True) == ["r10", "r03", "r06"]
    assert ids(categories=["procedure"], overdue_only=True) == ["r10", "r03", "r06"]
    assert ids(categories=["records"]) == []
    assert dict(zip(whole.rows["item_id"], whole.rows["overdue"]))["r03"] == "是"
