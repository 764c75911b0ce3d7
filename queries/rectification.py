"""整改进度 — rectification progress (metrics.md). Main figure: 整改销号率, higher is better."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import and_, case, func, literal_column, or_, select

from queries.clues import CATEGORY_LABEL as CLUE_CATEGORY_LABEL
from queries.db import fetch
from queries.figures import Metric, Query, measure_set, register, rate
from queries.period import Period
from queries.schema import rectification
from queries.scope import Scope
from queries.sql import among, between_days, count_among, count_if, day, done_by, not_done_by, on_or_before

STATUS_LABEL = {"open": "未整改", "in_progress": "整改中", "done": "已整改待销号", "closed": "已销号"}
# an item's state on a day, as the status split reads it (dates decide 已销号)
STATE_LABEL = {**STATUS_LABEL, "mismatch": "状态与日期不符"}
SOURCE_LABEL = {
    "self_check": "自查自纠", "inspection": "全面检查", "spot_check": "重点抽查", "audit": "审计",
    "inspection_tour": "巡视巡察", "petition": "信访", "clue": "问题线索",
}
# the clue categories, plus three of the ledger's own (reporting-db.md)
CATEGORY_LABEL = {**{k: v for k, v in CLUE_CATEGORY_LABEL.items() if k != "other"},
                  "procedure": "程序不规范", "records": "台账档案不规范", "publicity": "公示不到位",
                  "other": "其他"}


@measure_set("rectification_items", dims={"source": SOURCE_LABEL, "category": CATEGORY_LABEL,
                                          "status": STATUS_LABEL}, pairs_periods=True)
def rectification_items(q: Query):
    i = rectification.alias("i")
    return q.select_periods(i.c.township_code, lambda period, rows: _item_counts(i, period, rows),
                            lambda period: on_or_before(i.c.found_date, period.as_of),
                            dims={"source": i.c.source, "category": i.c.category, "status": i.c.status})


def overdue_item(i, as_of):
    """逾期未整改: an item (alias ``i``) not closed by the as-of day and past its deadline
    (the figure, its list and the ledger's 是否逾期 share it)."""
    return and_(not_done_by(i.c.closed_date, as_of), i.c.deadline < day(as_of))


def item_state(i, as_of):
    """An item's state on the as-of day as the status split reads it: 已销号 by its closing
    day; else its status, or 状态与日期不符 when that is 已销号, unknown or missing (the
    ledger's 整改状态 and its filter)."""
    return case((done_by(i.c.closed_date, as_of), "closed"),
                (i.c.status.in_(["open", "in_progress", "done"]), i.c.status), else_="mismatch")


def _item_counts(i, period: Period, rows) -> list:
    """The item counts as of ``period``'s as-of day, over the items meeting ``rows``."""
    as_of = period.as_of
    closed = among(rows, done_by(i.c.closed_date, as_of))
    open_ = among(rows, not_done_by(i.c.closed_date, as_of))
    return [
        count_among(rows).label("items"),
        count_if(closed).label("closed"),
        count_if(open_).label("unclosed"),
        count_if(and_(open_, i.c.status == "open")).label("status_open"),
        count_if(and_(open_, i.c.status == "in_progress")).label("status_in_progress"),
        count_if(and_(open_, i.c.status == "done")).label("status_done"),
        # 状态与日期不符: any other status, or none (NOT IN never holds for NULL)
        count_if(and_(open_, or_(i.c.status.is_(None), i.c.status.not_in(["open", "in_progress", "done"]))))
        .label("status_other"),
        count_if(and_(open_, i.c.status.is_(None))).label("status_missing"),
        count_if(among(rows, overdue_item(i, as_of))).label("overdue"),
        count_if(and_(closed, i.c.closed_date <= i.c.deadline)).label("closed_on_time"),
        # the national ledger's 低保金管理发放情况: 资金发放不规范 items found in the period
        count_if(_fund_irregular(i, period, rows)).label("fund_irregular"),
        count_if(and_(_fund_irregular(i, period, rows), done_by(i.c.closed_date, as_of))).label("fund_corrected"),
    ]


def _fund_irregular(i, period: Period, rows):
    return among(rows, and_(i.c.category == "fund_irregular",
                            between_days(i.c.found_date, period.start, period.as_of)))


register(
    Metric("rect_items", "整改问题数", "rectification", "个", 0, "stock", "rectification_items",
           "items", description="截至统计日发现（登记）的整改问题数。"),
    Metric("rect_closed", "已销号", "rectification", "个", 1, "stock", "rectification_items",
           "closed", description="截至统计日已销号（销号日期不晚于统计日）的问题数。"),
    Metric("rect_close_rate", "整改销号率", "rectification", "%", 1, "stock",
           "rectification_items", "closed", "items", scale=100, decimals=1,
           description="已销号 ÷ 整改问题数。以时间进度为参照。"),
    Metric("rect_unclosed", "未销号", "rectification", "个", -1, "stock", "rectification_items",
           "unclosed", description="截至统计日尚未销号的问题数。"),
    Metric("rect_status_open", "未整改", "rectification", "个", -1, "stock", "rectification_items",
           "status_open", latest_only=True,
           description="未销号问题中状态为未整改的个数（仅最新数据日可按状态拆分）。"),
    Metric("rect_status_in_progress", "整改中", "rectification", "个", 0, "stock",
           "rectification_items", "status_in_progress", latest_only=True,
           description="未销号问题中状态为整改中的个数（仅最新数据日）。"),
    Metric("rect_status_done", "已整改待销号", "rectification", "个", 0, "stock",
           "rectification_items", "status_done", latest_only=True,
           description="未销号问题中状态为已整改待销号的个数（仅最新数据日）。"),
    Metric("rect_status_other", "状态与日期不符", "rectification", "个", -1, "stock",
           "rectification_items", "status_other", latest_only=True,
           description="未销号（无销号日期）但状态为已销号、无法识别或未填写的个数（数据质量问题，需源系统更正）。"),
    Metric("rect_overdue", "逾期未整改", "rectification", "个", -1, "stock", "rectification_items",
           "overdue", description="统计日尚未销号（含已整改待销号）且已过整改时限的问题数。"),
    Metric("rect_fund_irregular", "低保金发放不规范问题数", "rectification", "个", -1, "flow",
           "rectification_items", "fund_irregular",
           description="统计期内发现的“资金发放不规范”类整改问题数（工作台账口径）。"),
    Metric("rect_fund_corrected", "复核纠正数", "rectification", "个", 1, "flow", "rectification_items",
           "fund_corrected", description="其中截至统计日已销号（复核纠正）的个数（工作台账口径）。"),
    Metric("rect_on_time_rate", "按期销号率", "rectification", "%", 1, "stock",
           "rectification_items", "closed_on_time", "closed", scale=100, decimals=1,
           description="已销号问题中，在整改时限内销号的比例。"),
)


# --------------------------------------------------------------------------- campaign time

def time_progress(campaign, as_of: date) -> float | None:
    """时间进度 (%): the share of the campaign's days elapsed on the as-of day, both ends counted."""
    if campaign is None:
        return None
    total = (campaign.end - campaign.start).days + 1
    elapsed = (min(as_of, campaign.end) - campaign.start).days + 1
    return 100.0 * max(0, min(elapsed, total)) / total if total > 0 else None


@dataclass(frozen=True)
class BurnDown:
    points: pd.DataFrame        # columns: day, open (items found ≤ day and not closed by it)
    required: pd.DataFrame      # 所需进度: from (as_of, open on as_of) to (campaign end, 0)
    phases: tuple               # the campaign's phases, for bands


def burn_down(db, scope: Scope, period: Period) -> BurnDown | None:
    """Open items at the end of each 7-day block from the campaign's start to the as-of day
    (and on the as-of day itself), from per-day found/closed events counted in SQL."""
    camp = db.campaign
    if camp is None or period.as_of < camp.start:
        return None
    as_of = period.as_of
    events = fetch(db.engine, _events(scope, as_of))
    deltas: dict[date, int] = {}
    for d, n in zip(events["d"], events["delta"]):
        deltas[_as_date(d)] = deltas.get(_as_date(d), 0) + int(n)
    checkpoints = [camp.start + timedelta(days=7 * k - 1)
                   for k in range(1, (as_of - camp.start).days // 7 + 2)]
    checkpoints = [c for c in checkpoints if c <= as_of]
    if not checkpoints or checkpoints[-1] != as_of:
        checkpoints.append(as_of)
    running, ordered, out = 0, sorted(deltas.items()), []
    idx = 0
    for c in checkpoints:
        while idx < len(ordered) and ordered[idx][0] <= c:
            running += ordered[idx][1]
            idx += 1
        out.append({"day": c, "open": running})
    points = pd.DataFrame(out)
    required = pd.DataFrame([{"day": as_of, "open": running}, {"day": camp.end, "open": 0}])
    return BurnDown(points, required, camp.phases)


def _events(scope: Scope, as_of: date):
    """+1 per item on its found day, −1 on the day it stops being open (both on or before
    as_of). An item is open when found ≤ day and not closed by it, so one closed before it
    was found (a dirty row) is never open: its −1 falls on its found day, not before."""
    i = rectification.alias("i")
    found = select(i.c.found_date.label("d"), func.count().label("delta")) \
        .where(on_or_before(i.c.found_date, as_of))
    stops = case((i.c.closed_date < i.c.found_date, i.c.found_date), else_=i.c.closed_date)
    closed = select(stops.label("d"), (-func.count()).label("delta")) \
        .where(on_or_before(i.c.found_date, as_of), done_by(i.c.closed_date, as_of))
    if (f := scope.filter(i.c.township_code)) is not None:
        found, closed = found.where(f), closed.where(f)
    found = found.group_by(literal_column("d"))
    closed = closed.group_by(literal_column("d"))
    return found.union_all(closed)


def items_by_phase(db, scope: Scope, period: Period) -> pd.DataFrame:
    """Items found and closed (by the as-of day) per campaign phase: the first phase, by
    seq, whose dates contain the found day."""
    camp = db.campaign
    if camp is None:
        return pd.DataFrame(columns=["seq", "phase", "items", "closed", "rate"])
    i = rectification.alias("i")
    as_of = period.as_of
    stmt = select(i.c.found_date.label("d"), func.count().label("items"),
                  count_if(done_by(i.c.closed_date, as_of)).label("closed")) \
        .where(on_or_before(i.c.found_date, as_of))
    if (f := scope.filter(i.c.township_code)) is not None:
        stmt = stmt.where(f)
    per_day = fetch(db.engine, stmt.group_by(literal_column("d")))
    rows = {p.seq: {"seq": p.seq, "phase": p.name, "items": 0, "closed": 0} for p in camp.phases}
    for d, n, c in zip(per_day["d"], per_day["items"], per_day["closed"]):
        d = _as_date(d)
        phase = next((p for p in camp.phases if p.start <= d <= p.end), None)
        if phase is not None:
            rows[phase.seq]["items"] += int(n)
            rows[phase.seq]["closed"] += int(c or 0)
    out = pd.DataFrame(list(rows.values()))
    out["rate"] = [rate(c, n) for c, n in zip(out["closed"], out["items"])]
    return out


def _as_date(value) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
