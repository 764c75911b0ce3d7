"""重复信访 — repeat petitions (metrics.md). Main figure: 新增重复信访事项, higher is worse.

A matter belongs to the township of its first petition (by received_date, then
petition_id) and is counted whole there; it is a repeat matter once it has N petitions
(a setting, default 3) received on or before the day in question, and closed on a day when
its last petition received so far is closed by then.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, case, func, or_, select, union_all
from sqlalchemy.sql.selectable import ScalarSelect

import settings
from queries.figures import PREVIOUS, Metric, Query, measure_set, register
from queries.period import Period
from queries.schema import petition
from queries.sql import (
    among, between_days, bytewise, count_among, count_if, day, days_between, done_by, is_true,
    not_done_by, on_or_before, shared_value, sum_if,
)

CHANNEL_LABEL = {
    "letter": "来信", "visit": "来访", "online": "网上信访", "hotline_12345": "12345热线",
    "assistance_hotline": "社会救助热线", "media": "媒体反映",
}
STATUS_LABEL = {"accepted": "已受理", "processing": "办理中", "closed": "已办结"}
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


def scope_petitions(q: Query, name: str, *columns: str):
    """The petitions of the matters with a petition in scope, as ``name`` with ``columns``
    (all of them for the whole deployment, which needs no limit): a superset of the
    scope's matters, the first petition decides later (``placed_township``).

    A matter whose petitions share one township is in or out as a whole: the scope's own
    petitions (a range on petition(township_code, …)), and the other petitions of the few
    matters across its border (``Scope.matters_across``). Where those are not known, the
    petitions of the distinct matters found in scope, by a join: PostgreSQL misjudges
    ``matter_id IN (subquery)`` and scans every petition."""
    if q.scope.is_whole_deployment:
        return petition.alias(name)
    across, inside = q.scope.matters_across, q.scope.filter
    if across is None:
        p, found = petition.alias(f"{name}_all"), petition.alias("p_in")
        matters = select(found.c.matter_id).where(inside(found.c.township_code)).distinct() \
            .subquery("in_scope")
        return select(*(p.c[c] for c in columns)) \
            .join_from(p, matters, matters.c.matter_id == p.c.matter_id).subquery(name)
    own = petition.alias(f"{name}_own")
    parts = [select(*(own.c[c] for c in columns)).where(inside(own.c.township_code))]
    if across:
        other = petition.alias(f"{name}_across")
        parts.append(select(*(other.c[c] for c in columns)).where(
            other.c.matter_id.in_(across),
            or_(other.c.township_code.is_(None), ~inside(other.c.township_code))))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery(name)


def placed_township(q: Query, p, *, grouped: bool):
    """The township a matter is counted in (its first petition's), on rows of
    ``scope_petitions`` grouped by matter (``grouped``) or one per petition: the township
    the matter's petitions share, a seek only for the matters across townships
    (``Scope.matters_across``); where those are not known (too many), a seek per matter."""
    across = q.scope.matters_across
    if across is None:
        return matter_township(p.c.matter_id)
    shared = shared_value(p.c.township_code) if grouped else p.c.township_code
    return case((p.c.matter_id.in_(across), matter_township(p.c.matter_id)), else_=shared) \
        if across else shared


def matter_facts(q: Query, *, repeat_only: bool = False, columns: tuple[str, ...] | None = None):
    """Per matter, as of the as-of day: its township (first petition's), first date, N-th
    date, number of petitions, and the closing date of its last petition so far; and for
    the figures, its petitions received before the period and before the day a matter
    opened since is 长期未化解 (``before_start``, ``before_open``; ``…_prev`` for 环比).

    One GROUP BY matter_id over the covering index; the per-matter dates are index seeks
    computed in that same grouped query (perf-notes, 5), after HAVING, so only for the
    matters kept — and once each: outside it, planners inline a subquery per reference.
    ``columns``: only those (SQLite computes every column of a grouped subquery, a seek
    per matter for each date not read).
    """
    as_of, n = q.period.as_of, q.repeat_threshold
    p = scope_petitions(q, "p_g", "matter_id", "received_date", "township_code")
    # 环比 (Query.previous, an earlier as-of day): the matters repeat by then are among
    # those kept here; their petitions so far and last closing are counted as of that day
    previous = [] if q.previous is None else [
        count_if(on_or_before(p.c.received_date, q.previous.as_of)).label("petitions_prev"),
        _last_closed(p.c.matter_id, q.previous.as_of).label("last_closed_prev"),
        *_counted_before(p, q.previous, PREVIOUS)]
    stmt = select(p.c.matter_id, func.count().label("petitions"),
                  func.min(p.c.received_date).label("first_date"),
                  placed_township(q, p, grouped=True).label("township_code"),
                  _nth_date(p.c.matter_id, n).label("nth_date"),
                  _last_closed(p.c.matter_id, as_of).label("last_closed"),
                  *_counted_before(p, q.period), *previous) \
        .where(on_or_before(p.c.received_date, as_of))
    stmt = stmt.group_by(p.c.matter_id).order_by(p.c.matter_id)
    if repeat_only:
        stmt = stmt.having(func.count() >= n)
    if columns is not None:
        stmt = stmt.with_only_columns(*(stmt.selected_columns[c] for c in columns),
                                      maintain_column_froms=True)
    return stmt.subquery("facts")


def _counted_before(p, period: Period, suffix: str = "") -> list:
    """A matter's petitions received before ``period`` starts, and before the day a matter
    opened since is 长期未化解 on its as-of day: its N-th petition came in the period when
    fewer than N came before it; it opened before that day when any came before it. Counts
    in the grouped pass instead of a seek for the N-th date and a MIN of the first
    (SQLite, province: a TEXT MIN costs as much as three counts)."""
    return [count_if(p.c.received_date < day(period.start)).label("before_start" + suffix),
            count_if(p.c.received_date < day(_open_limit(period))).label("before_open" + suffix)]


def _open_limit(period: Period):
    return period.as_of - timedelta(days=repeat_open_days())


def repeat_facts(q: Query, columns: tuple[str, ...] | None = None):
    return matter_facts(q, repeat_only=True, columns=columns)


def repeat_threshold() -> int:
    """The petitions that make a matter a repeat matter (同一问题3次(含)以上): a setting."""
    return int(settings.get("OVERSIGHT_REPEAT_THRESHOLD"))


def repeat_open_days() -> int:
    """Days a repeat matter may stay unresolved before it is 长期未化解 (red): a setting."""
    return int(settings.get("OVERSIGHT_WARN_REPEAT_OPEN_DAYS"))


def overdue_petition(p, as_of):
    """超期未办结: a petition (alias ``p``) not closed by the as-of day and past its due day
    (the figure and its list share it)."""
    return and_(not_done_by(p.c.closed_date, as_of), p.c.due_date < day(as_of))


def unresolved(last_closed, as_of):
    """A repeat matter is unresolved while its last petition so far is not closed (the
    figures and the flagged list share it)."""
    return not_done_by(last_closed, as_of)


# the facts repeat_matters reads
REPEAT_COUNTS = ("township_code", "last_closed", "before_start", "before_open")
REPEAT_COUNTS_PREV = ("petitions_prev", "last_closed_prev", "before_start" + PREVIOUS,
                      "before_open" + PREVIOUS)


@measure_set("repeat_matters", pairs_periods=True)
def repeat_matters(q: Query):
    f = repeat_facts(q, REPEAT_COUNTS + (REPEAT_COUNTS_PREV if q.previous is not None else ()))
    n = q.repeat_threshold
    measures = _repeat_measures(f, q.period, n, f.c.last_closed)
    if q.previous is not None:
        measures += _repeat_measures(f, q.previous, n, f.c.last_closed_prev, suffix=PREVIOUS,
                                     repeat_by_then=f.c.petitions_prev >= n)
    return q.select(f.c.township_code, measures, from_=f)


def _repeat_measures(f, period: Period, n: int, last_closed, *, suffix: str = "",
                     repeat_by_then=None) -> list:
    """The repeat-matter counts as of ``period``'s as-of day over the facts' matters (only
    those that are repeat matters by then, for an earlier period; ``n`` petitions make
    one), whose last petition so far closed on ``last_closed``: new when fewer than ``n``
    came before the period, long open when one came before the limit (``_counted_before``)."""
    open_ = among(repeat_by_then, unresolved(last_closed, period.as_of))
    return [
        count_if(among(repeat_by_then, f.c["before_start" + suffix] < n)).label("new" + suffix),
        count_among(repeat_by_then).label("total" + suffix),
        count_if(open_).label("unresolved" + suffix),
        count_if(and_(open_, f.c["before_open" + suffix] > 0)).label("unresolved_long" + suffix),
    ]


@measure_set("unresolved_days", histogram=True)
def unresolved_days(q: Query):
    f = repeat_facts(q, ("township_code", "first_date", "last_closed"))
    return q.histogram(f.c.township_code, days_between(day(q.period.as_of), f.c.first_date),
                       unresolved(f.c.last_closed, q.period.as_of), from_=f)


def _matter_count(matter_id, as_of) -> ScalarSelect:
    q = petition.alias("p_count")
    return select(func.count()).where(q.c.matter_id == matter_id,
                                      q.c.received_date <= day(as_of)).scalar_subquery()


def _matter_first_date(matter_id) -> ScalarSelect:
    q = petition.alias("p_first")
    return select(func.min(q.c.received_date)).where(q.c.matter_id == matter_id).scalar_subquery()


# the columns petition_matters reads
PETITION_FACTS = ("matter_id", "received_date", "township_code", "closed_date", "due_date", "satisfied",
                  "channel", "category")


@measure_set("petition_matters", dims={"channel": CHANNEL_LABEL, "category": CATEGORY_LABEL},
             shared_dims=("channel", "category"), joint_dims=("channel", "category"),
             shared_measures=frozenset({"matters", "first_time_closed", "first_time_single"}))
def petition_matters(q: Query):
    """The period's petition figures in one pass over matters: a matter's petitions are
    summed together (received, closed, on time, rated, satisfied, overdue), then the
    matter is placed once by its first petition and tested once for being a repeat
    matter and for being first raised in the period (一次性化解).

    Per matter, not per petition: the township is one seek per matter, not per petition,
    distinct matters need no COUNT(DISTINCT), and repeat matters need no second pass
    (PostgreSQL, province: four statements' 1.8 s → 0.6 s). Only matters with a petition
    received or closed in the period, or open and past due, are kept.

    By channel or category a matter is one row per value of it (its petitions of that
    kind), and its matter-wide facts (petitions so far, first date) are seeks instead.
    """
    if q.needs is not None and q.needs <= LEAN_MEASURES:
        return _received_matters(q)
    start, as_of, n = q.period.start, q.period.as_of, q.repeat_threshold
    p = scope_petitions(q, "p_m", *PETITION_FACTS)
    received = between_days(p.c.received_date, start, as_of)
    closed = between_days(p.c.closed_date, start, as_of)
    overdue = overdue_petition(p, as_of)
    dims = _dims_grouped(q, p)
    if not dims:       # one row per matter: its facts are aggregates of its rows
        # first raised in the period: none of its petitions so far came before it (a
        # count: SQLite's MIN over TEXT dates costs as much as three)
        so_far, first_in_period = func.count(), count_if(p.c.received_date < day(start)) == 0
    else:
        so_far = _matter_count(p.c.matter_id, as_of)
        first_in_period = between_days(_matter_first_date(p.c.matter_id), start, as_of)
    f = select(
        p.c.matter_id, *[col.label(f"dim_{name}") for name, col in dims.items()],
        so_far.label("so_far"),
        count_if(received).label("received"), count_if(closed).label("closed"),
        count_if(and_(closed, p.c.closed_date <= p.c.due_date)).label("closed_on_time"),
        count_if(and_(closed, p.c.satisfied.is_not(None))).label("rated"),
        count_if(and_(closed, is_true(p.c.satisfied))).label("satisfied"),
        count_if(overdue).label("overdue"),
        placed_township(q, p, grouped=True).label("township_code"),
        # the closing of the matter's last petition, only where 一次性化解 asks for it: a
        # matter of one petition so far is closed by the as-of day when its one petition
        # is, a count in this group (most of them: the province's top seeks 74 k → 22 k
        # matters' last petitions), and then stands as closed on the as-of day
        case((first_in_period, case((so_far == 1, case((count_if(done_by(p.c.closed_date, as_of)) > 0,
                                                        day(as_of)))),
                                    else_=_last_closed(p.c.matter_id, as_of)))).label("first_time_closed"),
    ).where(on_or_before(p.c.received_date, as_of)) \
        .group_by(p.c.matter_id, *dims.values()) \
        .having(count_if(or_(received, closed, overdue)) > 0).subquery("matters")
    first_closed = done_by(f.c.first_time_closed, as_of)   # NULL unless first raised in the period
    return q.select(f.c.township_code, [
        func.sum(f.c.received).label("petitions"),
        count_if(f.c.received > 0).label("matters"),
        sum_if(f.c.so_far >= n, f.c.received).label("repeat_petitions"),
        func.sum(f.c.closed).label("closed"),
        func.sum(f.c.closed_on_time).label("closed_on_time"),
        func.sum(f.c.rated).label("rated"),
        func.sum(f.c.satisfied).label("satisfied"),
        func.sum(f.c.overdue).label("overdue"),
        count_if(first_closed).label("first_time_closed"),
        count_if(and_(first_closed, f.c.so_far == 1)).label("first_time_single"),
    ], from_=f, dims={name: f.c[f"dim_{name}"] for name in dims})


def _dims_grouped(q: Query, p) -> dict:
    """The dimensions a matter is split by: the breakdown's (by channel, a matter is one
    row per channel of its petitions), or the joint dimensions of a township-grain
    statement (MeasureSet.joint_dims); none for a breakdown by place."""
    columns = {"channel": p.c.channel, "category": p.c.category}
    names = q.with_dims if q.group == "township" else [q.group] if q.group in columns else []
    return {name: columns[name] for name in names}


LEAN_MEASURES = frozenset({"petitions", "matters"})


def _received_matters(q: Query):
    """petition_matters' 信访件数 and 信访事项数 alone (what the channel and category mix
    read): the period's petitions summed per matter (and channel or category), placed by
    the matter's first petition, without the seeks the other measures need (a matter's
    petitions so far, its first day, its last closing). The whole deployment needs no
    place: its petitions are counted as they are (SQLite, province, by channel: 0.67 s →
    0.1 s)."""
    p = scope_petitions(q, "p_r", "matter_id", "received_date", "township_code", "channel", "category")
    received = between_days(p.c.received_date, q.period.start, q.period.as_of)
    dims = _dims_grouped(q, p)
    if q.scope.is_whole_deployment and q.group != "region":
        return q.select(p.c.township_code, [func.count().label("petitions"),
                                            func.count(func.distinct(p.c.matter_id)).label("matters")],
                        received, dims=dims, scoped=False)
    f = select(p.c.matter_id, *[col.label(f"dim_{name}") for name, col in dims.items()],
               func.count().label("received"), placed_township(q, p, grouped=True).label("township_code")) \
        .where(received) \
        .group_by(p.c.matter_id, *dims.values()).subquery("received")
    return q.select(f.c.township_code, [func.sum(f.c.received).label("petitions"),
                                        func.count().label("matters")],
                    from_=f, dims={name: f.c[f"dim_{name}"] for name in dims})


register(
    Metric("petitions", "信访件数", "petitions", "件", 0, "flow", "petition_matters", "petitions",
           description="统计期内收到的信访件数（各渠道），按信访事项首件所在地统计。"),
    Metric("petitions_closed", "信访办结件数", "petitions", "件", 0, "flow", "petition_matters",
           "closed", description="统计期内办结的信访件数（截至统计日收到的信访件中，办结日期在统计期内的）。"),
    Metric("petition_matters", "信访事项数", "petitions", "件", 0, "flow", "petition_matters",
           "matters", description="统计期内收到的信访件所涉及的不同信访事项数。"),
    Metric("new_repeat_matters", "新增重复信访事项", "petitions", "件", -1, "flow",
           "repeat_matters", "new",
           description="第3次（含）信访件在统计期内收到的信访事项数，即本期新成为重复信访的事项。"),
    Metric("new_repeat_per_10k", "每万人新增重复信访事项", "petitions", "件/万人", -1, "flow",
           "repeat_matters", "new", "@population", scale=10000, decimals=2,
           description="新增重复信访事项 ÷ 户籍人口 × 10,000；用于在人口不同的地区之间比较"
                       "（乡镇问题指数的一项）。无户籍人口的地区不计。"),
    Metric("repeat_matters", "重复信访事项", "petitions", "件", -1, "stock", "repeat_matters",
           "total", description="截至统计日，各渠道反映同一问题3次（含）以上的信访事项数（累计）。"),
    Metric("unresolved_repeat_matters", "未化解重复信访事项", "petitions", "件", -1, "stock",
           "repeat_matters", "unresolved",
           description="统计日尚未办结（最后一件未办结）的重复信访事项数。"),
    Metric("unresolved_repeat_long", "长期未化解重复信访事项", "petitions", "件", -1, "stock",
           "repeat_matters", "unresolved_long",
           description="未化解重复信访事项中，自首次信访起超过预警天数（默认60天，"
                       "由系统设置规定）的事项数，大于零即红色预警。"),
    Metric("unresolved_repeat_days", "未化解天数", "petitions", "天", -1, "stock",
           "unresolved_days", "median", decimals=1,
           description="未化解重复信访事项自首次信访至统计日的天数，取中位数。"),
    Metric("repeat_share", "重复件占比", "petitions", "%", -1, "flow", "petition_matters",
           "repeat_petitions", "petitions", scale=100, decimals=1,
           description="统计期内收到的信访件中，属于重复信访事项（截至统计日）的比例。"),
    Metric("one_time_resolution", "一次性化解率", "petitions", "%", 1, "flow",
           "petition_matters", "first_time_single", "first_time_closed", scale=100, decimals=1,
           description="统计期内首次信访、且截至统计日已办结的事项中，只有一件信访的比例（初次信访事项一次性化解比例）。"),
    Metric("petition_on_time_rate", "信访按期办结率", "petitions", "%", 1, "flow", "petition_matters",
           "closed_on_time", "closed", scale=100, decimals=1,
           description="统计期内办结的信访件中，在办理期限内办结的比例。"),
    Metric("overdue_petitions", "超期未办结信访", "petitions", "件", -1, "stock", "petition_matters",
           "overdue", description="统计日尚未办结且已过办理期限的信访件数。"),
    Metric("satisfaction_rate", "满意率", "petitions", "%", 1, "flow", "petition_matters",
           "satisfied", "rated", scale=100, decimals=1,
           description="统计期内办结且有满意度评价的信访件中，群众满意的比例。"),
)
