"""重复信访 — repeat petitions (metrics.md). Main figure: 新增重复信访事项, higher is worse.

A matter belongs to the township of its first petition (by received_date, then
petition_id) and is counted whole there; it is a repeat matter once it has N petitions
(a setting, default 3) received on or before the day in question, and closed on a day when
its last petition received so far is closed by then.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.sql import Select

import settings
from queries.figures import Metric, Query, measure_set, register
from queries.schema import petition
from queries.sql import between_days, bytewise, count_if, day, days_between, distinct_if, \
    done_by, is_true, not_done_by

CHANNEL_LABEL = {
    "letter": "来信", "visit": "来访", "online": "网上信访", "hotline_12345": "12345热线",
    "assistance_hotline": "社会救助热线", "media": "媒体反映",
}
CATEGORY_LABEL = {
    "dibao_eligibility": "低保认定", "payment": "资金发放", "conduct": "工作作风",
    "tekun": "特困供养", "linshi": "临时救助", "disability": "残疾人补贴", "other": "其他",
}


def _earlier_in_matter(p, q_alias):
    """A petition of the same matter that comes before ``p`` (received_date, petition_id)."""
    return exists().where(
        q_alias.c.matter_id == p.c.matter_id,
        or_(q_alias.c.received_date < p.c.received_date,
            and_(q_alias.c.received_date == p.c.received_date,
                 bytewise(q_alias.c.petition_id) < bytewise(p.c.petition_id))))


def first_petitions(q: Query, received_in_period: bool = False) -> Select:
    """The first petition of every matter (in scope), with the matter's township; with
    ``received_in_period`` only matters first raised in the period."""
    p1, p0 = petition.alias("p_first"), petition.alias("p_before")
    stmt = select(p1.c.matter_id, p1.c.township_code, p1.c.received_date.label("first_date")) \
        .where(~_earlier_in_matter(p1, p0))
    if received_in_period:
        stmt = stmt.where(between_days(p1.c.received_date, q.period.start, q.period.as_of))
    if (f := q.scope.filter(p1.c.township_code)) is not None:
        stmt = stmt.where(f)
    return stmt


def matter_facts(q: Query, matter_ids: Select):
    """Per matter among ``matter_ids``, as of the as-of day: township and date of the first
    petition, date of the N-th, number of petitions, and the closing date of the last one."""
    as_of, n = q.period.as_of, q.repeat_threshold
    p = petition.alias("p_m")
    order = (p.c.received_date, bytewise(p.c.petition_id))
    ranked = select(
        p.c.matter_id, p.c.township_code, p.c.received_date, p.c.closed_date,
        func.row_number().over(partition_by=p.c.matter_id, order_by=order).label("rn"),
        func.count().over(partition_by=p.c.matter_id).label("cnt"),
    ).where(p.c.received_date <= day(as_of), p.c.matter_id.in_(matter_ids)).subquery("ranked")
    return select(
        ranked.c.matter_id,
        func.max(case((ranked.c.rn == 1, ranked.c.township_code))).label("township_code"),
        func.max(case((ranked.c.rn == 1, ranked.c.received_date))).label("first_date"),
        func.max(case((ranked.c.rn == n, ranked.c.received_date))).label("nth_date"),
        func.max(ranked.c.cnt).label("petitions"),
        func.max(case((ranked.c.rn == ranked.c.cnt, ranked.c.closed_date))).label("last_closed"),
    ).group_by(ranked.c.matter_id).subquery("facts")


def repeat_matter_ids(q: Query, day_=None) -> Select:
    """Matters with N or more petitions received on or before the day (the as-of day)."""
    p = petition.alias("p_rep")
    on = day_ or q.period.as_of
    stmt = select(p.c.matter_id).where(p.c.received_date <= day(on))
    if not q.scope.is_whole_deployment:
        # only a prefilter (a matter in scope has a petition in scope); the first petition decides
        inside = petition.alias("p_in")
        stmt = stmt.where(p.c.matter_id.in_(
            select(inside.c.matter_id).where(q.scope.filter(inside.c.township_code))))
    return stmt.group_by(p.c.matter_id).having(func.count() >= q.repeat_threshold)


def repeat_facts(q: Query):
    return matter_facts(q, repeat_matter_ids(q))


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
    """Petitions placed by their matter's first petition."""
    start, as_of = q.period.start, q.period.as_of
    first = first_petitions(q).subquery("first")
    p = petition.alias("p")
    received = between_days(p.c.received_date, start, as_of)
    closed = between_days(p.c.closed_date, start, as_of)
    repeat_ids = repeat_matter_ids(q)
    return q.select(first.c.township_code, [
        count_if(received).label("petitions"),
        distinct_if(received, p.c.matter_id).label("matters"),
        count_if(and_(received, p.c.matter_id.in_(repeat_ids))).label("repeat_petitions"),
        count_if(closed).label("closed"),
        count_if(and_(closed, p.c.closed_date <= p.c.due_date)).label("closed_on_time"),
        count_if(and_(closed, p.c.satisfied.is_not(None))).label("rated"),
        count_if(and_(closed, is_true(p.c.satisfied))).label("satisfied"),
        count_if(and_(not_done_by(p.c.closed_date, as_of), p.c.due_date < day(as_of)))
        .label("overdue"),
    ], p.c.received_date <= day(as_of),
        from_=p.join(first, first.c.matter_id == p.c.matter_id), scoped=False,
        dims={"channel": p.c.channel, "category": p.c.category})


@measure_set("first_time_matters")
def first_time_matters(q: Query):
    """Matters first raised in the period: closed by the as-of day, and of those how many
    needed exactly one petition (一次性化解)."""
    start, as_of = q.period.start, q.period.as_of
    new = first_petitions(q, received_in_period=True).subquery("new_matters")
    f = matter_facts(q, select(new.c.matter_id))
    closed = done_by(f.c.last_closed, as_of)
    return q.select(f.c.township_code, [
        count_if(closed).label("closed"),
        count_if(and_(closed, f.c.petitions == 1)).label("single"),
    ], from_=f, scoped=False)


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
