"""重复信访 — repeat petitions (metrics.md). Main figure: 新增重复信访事项, higher is worse.

A matter belongs to the township of its first petition (by received_date, then
petition_id) and is counted whole there; it is a repeat matter once it has N petitions
(a setting, default 3) received on or before the day in question, and closed on a day when
its last petition received so far is closed by then.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import Select
from sqlalchemy.sql.selectable import ScalarSelect

import settings
from queries.figures import Metric, Query, measure_set, register
from queries.schema import petition
from queries.sql import on_or_before, between_days, bytewise, count_if, day, days_between, distinct_if, \
    done_by, flag, is_true, not_done_by

CHANNEL_LABEL = {
    "letter": "来信", "visit": "来访", "online": "网上信访", "hotline_12345": "12345热线",
    "assistance_hotline": "社会救助热线", "media": "媒体反映",
}
CATEGORY_LABEL = {
    "dibao_eligibility": "低保认定", "payment": "资金发放", "conduct": "工作作风",
    "tekun": "特困供养", "linshi": "临时救助", "disability": "残疾人补贴", "other": "其他",
}


def _ordered(q_alias, descending: bool = False):
    """A matter's petitions in order: received_date, then petition_id (byte order)."""
    if descending:
        return (q_alias.c.received_date.desc(), bytewise(q_alias.c.petition_id).desc())
    return (q_alias.c.received_date, bytewise(q_alias.c.petition_id))


def matter_township(matter_id) -> ScalarSelect:
    """The township of the matter's first petition: one seek on the covering index
    petition(matter_id, received_date, petition_id, township_code)."""
    q = petition.alias("p_town")
    return select(q.c.township_code).where(q.c.matter_id == matter_id) \
        .order_by(*_ordered(q)).limit(1).scalar_subquery()


def _nth_date(matter_id, n: int) -> ScalarSelect:
    q = petition.alias("p_nth")
    return select(q.c.received_date).where(q.c.matter_id == matter_id) \
        .order_by(*_ordered(q)).limit(1).offset(n - 1).scalar_subquery()


def _last_closed(matter_id, as_of) -> ScalarSelect:
    """Closing date of the last petition received on or before the as-of day."""
    q = petition.alias("p_last")
    return select(q.c.closed_date).where(q.c.matter_id == matter_id,
                                         q.c.received_date <= day(as_of)) \
        .order_by(*_ordered(q, descending=True)).limit(1).scalar_subquery()


def _in_scope(q: Query, p):
    """``p`` (a petition alias) limited to matters with a petition in scope — a superset,
    the first petition decides later. A join from the distinct matters found through
    petition(township_code, …): PostgreSQL misjudges ``matter_id IN (subquery)`` and scans
    every petition. The whole deployment needs no limit."""
    if q.scope.is_whole_deployment:
        return p
    inside = petition.alias("p_in")
    matters = select(inside.c.matter_id).where(q.scope.filter(inside.c.township_code)) \
        .distinct().subquery("in_scope")
    return p.join(matters, matters.c.matter_id == p.c.matter_id)


def matter_facts(q: Query, *, repeat_only: bool = False, first_in_period: bool = False):
    """Per matter, as of the as-of day: its township (first petition's), first date, N-th
    date, number of petitions, and the closing date of its last petition so far.

    One GROUP BY matter_id over the covering index; the per-matter dates are index seeks
    computed in that same grouped query (perf-notes, 5), after HAVING, so only for the
    matters kept — and once each: outside it, planners inline a subquery per reference.
    """
    as_of, n = q.period.as_of, q.repeat_threshold
    p = petition.alias("p_g")
    stmt = select(p.c.matter_id, func.count().label("petitions"),
                  func.min(p.c.received_date).label("first_date"),
                  matter_township(p.c.matter_id).label("township_code"),
                  _nth_date(p.c.matter_id, n).label("nth_date"),
                  _last_closed(p.c.matter_id, as_of).label("last_closed")) \
        .select_from(_in_scope(q, p)).where(on_or_before(p.c.received_date, as_of))
    stmt = stmt.group_by(p.c.matter_id)
    if repeat_only:
        stmt = stmt.having(func.count() >= n)
    if first_in_period:
        stmt = stmt.having(between_days(func.min(p.c.received_date), q.period.start, as_of))
    return stmt.subquery("facts")


def repeat_matter_ids(q: Query) -> Select:
    """Matters with N or more petitions received on or before the as-of day."""
    p = petition.alias("p_rep")
    stmt = select(p.c.matter_id).select_from(_in_scope(q, p)) \
        .where(on_or_before(p.c.received_date, q.period.as_of))
    return stmt.group_by(p.c.matter_id).having(func.count() >= q.repeat_threshold)


def repeat_facts(q: Query):
    return matter_facts(q, repeat_only=True)


def _unresolved(f, as_of):
    return not_done_by(f.c.last_closed, as_of)


@measure_set("repeat_matters")
def repeat_matters(q: Query):
    f = repeat_facts(q)
    start, as_of = q.period.start, q.period.as_of
    open_limit = as_of - timedelta(days=int(settings.get("OVERSIGHT_WARN_REPEAT_OPEN_DAYS")))
    return q.select(f.c.township_code, [
        count_if(between_days(f.c.nth_date, start, as_of)).label("new"),
        func.count().label("total"),
        count_if(_unresolved(f, as_of)).label("unresolved"),
        count_if(and_(_unresolved(f, as_of), f.c.first_date < day(open_limit))).label("unresolved_long"),
    ], from_=f)


@measure_set("unresolved_days", histogram=True)
def unresolved_days(q: Query):
    f = repeat_facts(q)
    return q.histogram(f.c.township_code, days_between(day(q.period.as_of), f.c.first_date),
                       _unresolved(f, q.period.as_of), from_=f)


@measure_set("petition_rows", dims=("channel", "category"))
def petition_rows(q: Query):
    """Petitions placed by their matter's first petition. Only the rows some figure needs
    are read: received or closed in the period, or still open and past due."""
    start, as_of = q.period.start, q.period.as_of
    p = petition.alias("p")
    received = between_days(p.c.received_date, start, as_of)
    closed = between_days(p.c.closed_date, start, as_of)
    overdue = and_(not_done_by(p.c.closed_date, as_of), p.c.due_date < day(as_of))
    rows = select(p.c.matter_id, p.c.channel, p.c.category, p.c.closed_date, p.c.due_date,
                  p.c.satisfied, flag(received).label("received"), flag(closed).label("closed"),
                  flag(overdue).label("overdue"),
                  matter_township(p.c.matter_id).label("township_code")) \
        .select_from(_in_scope(q, p)) \
        .where(on_or_before(p.c.received_date, as_of), or_(received, closed, overdue))
    r = rows.subquery("pr")
    is_received, is_closed = r.c.received == 1, r.c.closed == 1
    return q.select(r.c.township_code, [
        func.sum(r.c.received).label("petitions"),
        distinct_if(is_received, r.c.matter_id).label("matters"),
        count_if(and_(is_received, r.c.matter_id.in_(repeat_matter_ids(q)))).label("repeat_petitions"),
        func.sum(r.c.closed).label("closed"),
        count_if(and_(is_closed, r.c.closed_date <= r.c.due_date)).label("closed_on_time"),
        count_if(and_(is_closed, r.c.satisfied.is_not(None))).label("rated"),
        count_if(and_(is_closed, is_true(r.c.satisfied))).label("satisfied"),
        func.sum(r.c.overdue).label("overdue"),
    ], from_=r, dims={"channel": r.c.channel, "category": r.c.category})


@measure_set("first_time_matters")
def first_time_matters(q: Query):
    """Matters first raised in the period: closed by the as-of day, and of those how many
    needed exactly one petition (一次性化解)."""
    f = matter_facts(q, first_in_period=True)
    closed = done_by(f.c.last_closed, q.period.as_of)
    return q.select(f.c.township_code, [
        count_if(closed).label("closed"),
        count_if(and_(closed, f.c.petitions == 1)).label("single"),
    ], from_=f)


register(
    Metric("petitions", "信访件数", "petitions", "件", 0, "flow", "petition_rows", "petitions",
           description="统计期内收到的信访件数（各渠道），按信访事项首件所在地统计。"),
    Metric("petition_matters", "信访事项数", "petitions", "件", 0, "flow", "petition_rows",
           "matters", description="统计期内收到的信访件所涉及的不同信访事项数。"),
    Metric("new_repeat_matters", "新增重复信访事项", "petitions", "件", -1, "flow",
           "repeat_matters", "new",
           description="第3次（含）信访件在统计期内收到的信访事项数，即本期新成为重复信访的事项。"),
    Metric("repeat_matters", "重复信访事项", "petitions", "件", -1, "stock", "repeat_matters",
           "total", description="截至统计日，各渠道反映同一问题3次（含）以上的信访事项数（累计）。"),
    Metric("unresolved_repeat_matters", "未化解重复信访事项", "petitions", "件", -1, "stock",
           "repeat_matters", "unresolved",
           description="统计日尚未办结（最后一件未办结）的重复信访事项数。"),
    Metric("unresolved_repeat_long", "长期未化解重复信访事项", "petitions", "件", -1, "stock",
           "repeat_matters", "unresolved_long",
           description="未化解重复信访事项中，自首次信访起超过预警天数（默认60天，见设置 "
                       "OVERSIGHT_WARN_REPEAT_OPEN_DAYS）的事项数，大于零即红色预警。"),
    Metric("unresolved_repeat_days", "未化解天数", "petitions", "天", -1, "stock",
           "unresolved_days", "median", decimals=1,
           description="未化解重复信访事项自首次信访至统计日的天数，取中位数。"),
    Metric("repeat_share", "重复件占比", "petitions", "%", -1, "flow", "petition_rows",
           "repeat_petitions", "petitions", scale=100, decimals=1,
           description="统计期内收到的信访件中，属于重复信访事项（截至统计日）的比例。"),
    Metric("one_time_resolution", "一次性化解率", "petitions", "%", 1, "flow",
           "first_time_matters", "single", "closed", scale=100, decimals=1,
           description="统计期内首次信访、且截至统计日已办结的事项中，只有一件信访的比例（初次信访事项一次性化解比例）。"),
    Metric("petition_on_time_rate", "信访按期办结率", "petitions", "%", 1, "flow", "petition_rows",
           "closed_on_time", "closed", scale=100, decimals=1,
           description="统计期内办结的信访件中，在办理期限内办结的比例。"),
    Metric("overdue_petitions", "超期未办结信访", "petitions", "件", -1, "stock", "petition_rows",
           "overdue", description="统计日尚未办结且已过办理期限的信访件数。"),
    Metric("satisfaction_rate", "满意率", "petitions", "%", 1, "flow", "petition_rows",
           "satisfied", "rated", scale=100, decimals=1,
           description="统计期内办结且有满意度评价的信访件中，群众满意的比例。"),
)
