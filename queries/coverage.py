"""应保尽保 — coverage gaps (metrics.md). Main figure: 漏保率, higher is worse."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, exists, func, or_, select, true, tuple_
from sqlalchemy.sql import Alias, ColumnElement, FromClause

import settings
from queries.figures import HISTOGRAM_REDUCERS, Metric, Query, count_over, measure_set, register
from queries.schema import crosscheck_hit, death_record, payment, recipient, screening
from queries.sql import (
    active_on, between_days, bytewise, count_if, day, days_between, is_false, is_true,
    not_done_by, not_seekable, on_or_before,
)

DIBAO = ("dibao_urban", "dibao_rural")
CORE = DIBAO + ("tekun",)            # the programmes that count as 保障 for 漏保 and 在保

EXIT_REASON_LABEL = {
    "favouritism": "清退关系保人情保", "policy": "清退政策保", "deceased": "死亡退出",
    "ineligible": "不再符合条件", "other": "其他",
}
SCREENING_CATEGORY_LABEL = {
    "severe_disability": "重度残疾", "serious_illness": "重病", "returned_poverty": "返贫返困",
    "edge_poverty": "边缘易致贫", "expenditure_poverty": "支出型困难", "low_income": "低收入",
    "unsupported_child": "事实无人抚养儿童", "other": "其他",
}
PROGRAMME_LABEL = {
    "dibao_urban": "城市低保", "dibao_rural": "农村低保", "tekun": "特困供养", "linshi": "临时救助",
    "orphan": "孤儿/事实无人抚养儿童", "disability_subsidy": "残疾人两项补贴",
}
REGISTER_LABEL = {
    "vehicle": "车辆登记", "property": "不动产登记", "business": "工商注册",
    "public_payroll": "财政供养人员", "village_cadre": "村(居)干部", "deceased": "死亡数据",
    "other": "其他",
}


def latest_screening(q: Query, s, *extra) -> list[ColumnElement]:
    """Conditions keeping each person's latest screening row on or before the as-of day
    (on equal dates the larger screening_id), eligible, and not dead by the as-of day.

    Eligibility comes first (cheap, and most rows fail it). "No later row" is one range
    seek on screening(person_id, screened_date, screening_id) with a row-value comparison;
    an OR of date and id conditions would make SQLite walk all of a person's rows.
    """
    as_of = q.period.as_of
    later = screening.alias("s_later")
    d = death_record.alias("d")
    later_row = exists().where(
        later.c.person_id == s.c.person_id,
        tuple_(later.c.screened_date, bytewise(later.c.screening_id))
        > tuple_(s.c.screened_date, bytewise(s.c.screening_id)),
        later.c.screened_date <= day(as_of))
    dead = exists().where(d.c.person_id == s.c.person_id, d.c.death_date <= day(as_of))
    return [is_true(s.c.assessed_eligible), on_or_before(s.c.screened_date, as_of),
            ~later_row, ~dead, *extra]


def covered(q: Query, s) -> ColumnElement:
    """The screened person ``s`` has an active dibao or tekun spell anywhere in the database
    on the as-of day."""
    r = recipient.alias("r_cover")
    # one seek on person_id; the programmes are checked on the (covering) index entries.
    # The outer row's own date test, repeated inside, changes nothing (it holds already)
    # but keeps PostgreSQL from hashing all 1.2 M covered persons in place of one probe per
    # screened person, which its cost model prefers and which is slower (0.87 s against
    # 0.54 s at province scale)
    return exists().where(r.c.person_id == s.c.person_id, not_seekable(r.c.programme).in_(CORE),
                          active_on(r.c.start_date, r.c.end_date, q.period.as_of),
                          on_or_before(s.c.screened_date, q.period.as_of))


def uncovered(q: Query, s) -> list[ColumnElement]:
    """The 漏保 rows: ``s`` is a person's latest screening, eligible, alive, not covered on
    the as-of day (the figure and the list of persons not yet covered share it)."""
    return [*latest_screening(q, s), ~covered(q, s)]


def waiting_days(q: Query, s) -> ColumnElement:
    """待纳入天数: as-of day − screening day."""
    return days_between(day(q.period.as_of), s.c.screened_date)


@measure_set("screened_eligible", histogram=True, dims={"category": SCREENING_CATEGORY_LABEL},
             township_dims=("category",))
def screened_eligible(q: Query):
    """Eligible, living persons by their latest screening, as a histogram of the days an
    uncovered person has waited (as-of day − screening day); NULL for a covered person.

    漏保 and its waiting time in one pass: the 未纳入 test (a seek per person) is written
    once, so it runs once per row; two statements would each run it (SQLite, province:
    0.55 + 0.53 s → 0.55 s)."""
    s = screening.alias("s")
    waited = case((~covered(q, s), waiting_days(q, s)))
    # grouped by a code SQLite cannot read in index order, so that it reads screenings in
    # person order (ix_screening_person), whose seeks then go to neighbouring keys
    # (province, per township: 0.75 s → 0.3 s); the scope still seeks on the code
    return q.histogram(s.c.township_code, waited, *latest_screening(q, s),
                       dims={"category": s.c.category}, key_col=not_seekable(s.c.township_code))


HISTOGRAM_REDUCERS["over_waiting_days"] = count_over("OVERSIGHT_WARN_WAITING_DAYS")
# 超30天未纳入 names its threshold, a setting: the label says the days as set when the
# process started (a bureau that sets 45 reads 超45天未纳入 everywhere the figure appears)
WAITING_OVER_DAYS = int(settings.get("OVERSIGHT_WARN_WAITING_DAYS"))


@measure_set("active_core", dims={"programme": PROGRAMME_LABEL}, people=True)
def active_core(q: Query):
    """Distinct persons with an active 低保 or 特困 spell on the as-of day, by what they lack.

    Only those spells are read: the programme is tested once per row, not once per figure
    (SQLite, province, 1.2 M active spells: 0.9 s → 0.3 s)."""
    r = recipient.alias("r")
    edu_gap = and_(is_true(r.c.education_aid_needed), is_false(r.c.education_aid))
    house_gap = and_(is_true(r.c.housing_aid_needed), is_false(r.c.housing_aid))
    return q.people(r.c.township_code, r.c.person_id, {
        "covered": true(),
        "dibao": r.c.programme.in_(DIBAO),
        "medical_gap": is_false(r.c.medical_aid),
        "medical_unknown": r.c.medical_aid.is_(None),
        "education_gap": edu_gap,
        "education_unknown": _unknown_gap(r.c.education_aid_needed, r.c.education_aid),
        "housing_gap": house_gap,
        "housing_unknown": _unknown_gap(r.c.housing_aid_needed, r.c.housing_aid),
        "any_gap": or_(is_false(r.c.medical_aid), edu_gap, house_gap),
    }, active_on(r.c.start_date, r.c.end_date, q.period.as_of), r.c.programme.in_(CORE),
        from_=r, dims={"programme": r.c.programme})


@measure_set("staff_relatives", dims={"programme": PROGRAMME_LABEL}, people=True, few_rows=True)
def staff_relatives(q: Query):
    """Distinct persons with an active spell of any programme recorded as a close relative
    of staff or of a village cadre."""
    r = recipient.alias("r")
    return q.people(r.c.township_code, r.c.person_id, {"persons": true()},
                    *staff_relative_spells(q, r), from_=r, dims={"programme": r.c.programme})


def staff_relative_spells(q: Query, r) -> list[ColumnElement]:
    """The spells (recipient alias ``r``) behind 近亲属享受: active on the as-of day, of a
    recorded close relative of staff (the figure and its list share them)."""
    return [active_on(r.c.start_date, r.c.end_date, q.period.as_of), is_true(r.c.staff_relative)]


def _unknown_gap(needed, given):
    """未核实: the gap condition ``needed AND NOT given`` is NULL in SQL's three-valued
    logic — unknown whether there is a gap. Aid already given is no gap, need or not."""
    return or_(and_(needed.is_(None), or_(given.is_(None), is_false(given))),
               and_(is_true(needed), given.is_(None)))


@measure_set("deceased_active", dims={"programme": PROGRAMME_LABEL}, people=True, few_rows=True)
def deceased_active(q: Query):
    """Persons with an active spell on the as-of day who died strictly before it.

    The persons are found first, from the two person-ordered indexes alone (recipient's
    person, programme and dates; death_record's person and date), then their few spells
    are read for the township and programme. In one step PostgreSQL reads every active
    spell's table row to hash it against the deaths (province: 0.40 s against 0.18 s);
    MATERIALIZED keeps it from folding the steps back into one."""
    r = recipient.alias("r")
    return q.people(r.c.township_code, r.c.person_id, {"persons": true()},
                    *deceased_spells(q, r), from_=r, dims={"programme": r.c.programme})


def deceased_spells(q: Query, r) -> list[ColumnElement]:
    """The spells (recipient alias ``r``) behind 死亡未退保: active on the as-of day, of a
    person who died strictly before it (the figure and its list share them)."""
    as_of = q.period.as_of
    r_dead, d = recipient.alias("r_dead"), death_record.alias("d")
    dead = select(r_dead.c.person_id) \
        .join(d, d.c.person_id == r_dead.c.person_id) \
        .where(active_on(r_dead.c.start_date, r_dead.c.end_date, as_of), d.c.death_date < day(as_of),
               *q.in_scope(r_dead.c.township_code)) \
        .cte("deceased_persons").prefix_with("MATERIALIZED", dialect="postgresql")
    return [active_on(r.c.start_date, r.c.end_date, as_of), r.c.person_id.in_(select(dead.c.person_id))]


def earliest_death(person_id: ColumnElement, as_of) -> ColumnElement:
    """A person's death day: the earliest of their death records on or before ``as_of``."""
    d = death_record.alias("d_first")
    return select(func.min(d.c.death_date)).where(d.c.person_id == person_id,
                                                  d.c.death_date <= day(as_of)).scalar_subquery()


@measure_set("paid_after_death", requires="payment")
def paid_after_death(q: Query):
    """Payments for a month after the month of death (pay_month is a month's first day,
    so 'after the month of death' is exactly pay_month > death_date).

    For the whole deployment the statement starts from the deaths (a person's earliest
    death record on or before the as-of day), then their spells and payments: starting from
    the spells probes every one of them (SQLite, province: 1.0 s against 0.15 s). A scope
    starts from its own spells (a code range), fewer than the deployment's deaths.
    """
    rows = paid_after_death_rows(q)
    p = rows.payment
    measures = [func.count().label("payments"), func.sum(p.c.amount).label("amount")]
    return q.select(rows.recipient.c.township_code, measures, *rows.where, from_=rows.from_)


@dataclass(frozen=True)
class PaymentRows:
    """Where the payments after death come from (the figure and its list share it)."""

    from_: FromClause
    where: list
    payment: Alias
    recipient: Alias
    died: ColumnElement       # the person's death day, as this statement shape knows it


def paid_after_death_rows(q: Query) -> PaymentRows:
    """The payments behind 死亡后发放: paid on or before the as-of day, for a month after
    the month of the person's earliest death on or before it."""
    as_of = q.period.as_of
    p, r, dr = payment.alias("p"), recipient.alias("r"), death_record.alias("dr")
    paid = func.coalesce(p.c.paid_date, p.c.pay_month) <= day(as_of)
    if q.scope.is_whole_deployment:
        died = select(dr.c.person_id, func.min(dr.c.death_date).label("died")) \
            .where(dr.c.death_date <= day(as_of)).group_by(dr.c.person_id).subquery("d")
        return PaymentRows(died.join(r, r.c.person_id == died.c.person_id)
                           .join(p, p.c.recipient_id == r.c.recipient_id),
                           [paid, p.c.pay_month > died.c.died], p, r, died.c.died)
    died_before = exists().where(dr.c.person_id == r.c.person_id, dr.c.death_date <= day(as_of),
                                 dr.c.death_date < p.c.pay_month)
    # the scope's dead recipients first (one lookup per spell), then their payments: the
    # other way round every payment of the scope meets the deaths (province with its 14 M
    # payments, 思明区: 0.94 s)
    dead = death_record.alias("dr_dead")
    dead_spell = r.c.person_id.in_(select(dead.c.person_id).where(dead.c.death_date <= day(as_of)))
    return PaymentRows(r.join(p, p.c.recipient_id == r.c.recipient_id), [dead_spell, paid, died_before], p, r,
                       earliest_death(r.c.person_id, as_of))


@measure_set("crosscheck", requires="crosscheck_hit", dims={"register": REGISTER_LABEL})
def crosscheck(q: Query):
    h = crosscheck_hit.alias("h")
    start, as_of = q.period.start, q.period.as_of
    pending = crosscheck_pending(h, as_of)
    overdue_limit = as_of - timedelta(days=30)
    return q.select(
        h.c.township_code,
        [count_if(h.c.hit_date >= day(start)).label("hits"),
         count_if(pending).label("pending"),
         count_if(and_(h.c.status == "confirmed",
                       between_days(h.c.resolved_date, start, as_of))).label("confirmed"),
         count_if(and_(pending, h.c.hit_date < day(overdue_limit))).label("overdue")],
        on_or_before(h.c.hit_date, as_of), dims={"register": h.c.register})


def crosscheck_pending(h, as_of) -> ColumnElement:
    """待核实: a hit (dated on or before the as-of day) not resolved by it: the date
    decides, not the status (the figure and its list share it)."""
    return not_done_by(h.c.resolved_date, as_of)


@measure_set("dibao_flows", dims={"exit_reason": EXIT_REASON_LABEL})
def dibao_flows(q: Query):
    """The national ledger's flows over dibao spells (spells, as the ledger counts them)."""
    r = recipient.alias("r")
    start, as_of = q.period.start, q.period.as_of
    started = between_days(r.c.start_date, start, as_of)
    ended = between_days(r.c.end_date, start, as_of)
    return q.select(
        r.c.township_code,
        [count_if(started).label("new"),
         count_if(and_(started, is_true(r.c.single_person_household))).label("new_single"),
         count_if(ended).label("exits"),
         count_if(and_(ended, r.c.exit_reason == "favouritism")).label("exit_favouritism"),
         count_if(and_(ended, r.c.exit_reason == "policy")).label("exit_policy"),
         count_if(and_(ended, r.c.exit_reason == "deceased")).label("exit_deceased"),
         count_if(and_(ended, or_(r.c.exit_reason.is_(None),
                                  r.c.exit_reason.not_in(["favouritism", "policy", "deceased"]))))
         .label("exit_other")],
        r.c.programme.in_(DIBAO),
        or_(started, ended), dims={"exit_reason": r.c.exit_reason})


# What a figure means is said once, here; docs and tooltips read it from the registry.
register(
    Metric("gap_persons", "漏保人数", "coverage", "人", -1, "stock", "screened_eligible",
           "count_with_value", description="最近一次排查（截至统计日）经核对符合低保/特困条件，但统计日无有效低保或特困保障、且未死亡的人数。按排查记录所在地统计。"),
    Metric("gap_rate", "漏保率", "coverage", "%", -1, "stock", "screened_eligible",
           "count_with_value", "count", scale=100, decimals=1,
           description="漏保人数 ÷ 经核对符合条件且未死亡的排查人数（不论是否已纳入）。"),
    Metric("gap_waiting_median", "待纳入天数", "coverage", "天", -1, "stock", "screened_eligible",
           "median", decimals=1, description="漏保对象自排查之日至统计日的天数，取中位数。"),
    Metric("gap_waiting_over", f"超{WAITING_OVER_DAYS}天未纳入", "coverage", "人", -1, "stock",
           "screened_eligible", "over_waiting_days",
           description=f"漏保对象中，自排查之日起超过{WAITING_OVER_DAYS}天仍未纳入的人数（天数由系统设置规定，默认30天）。"),
    Metric("covered_persons", "在保人数", "coverage", "人", 0, "stock", "active_core",
           "covered", description="统计日有有效城市低保、农村低保或特困供养保障的人数（按人去重）。"),
    Metric("dibao_coverage", "低保覆盖率", "coverage", "‰", 0, "stock", "active_core",
           "dibao", "@population", scale=1000, decimals=1,
           description="统计日在保低保人数 ÷ 户籍人口，千分比。"),
    Metric("three_guarantees_gap", "三保障未落实", "coverage", "人", -1, "stock",
           "active_core", "any_gap",
           description="在保低保、特困对象中，医疗、教育、住房救助至少一项未落实的人数。"),
    Metric("medical_gap", "医疗救助未落实", "coverage", "人", -1, "stock", "active_core",
           "medical_gap", description="在保低保、特困对象中医疗救助/资助参保未落实（为“否”）的人数；空值计入未核实。"),
    Metric("medical_unknown", "医疗救助未核实", "coverage", "人", -1, "stock", "active_core",
           "medical_unknown", description="在保低保、特困对象中医疗救助落实情况为空（未核实）的人数。"),
    Metric("education_gap", "教育救助未落实", "coverage", "人", -1, "stock", "active_core",
           "education_gap", description="在保低保、特困对象中有在学成员而教育救助未落实的人数。"),
    Metric("education_unknown", "教育救助未核实", "coverage", "人", -1, "stock", "active_core",
           "education_unknown", description="有无在学成员或教育救助落实情况为空（未核实）的人数。"),
    Metric("housing_gap", "住房救助未落实", "coverage", "人", -1, "stock", "active_core",
           "housing_gap", description="在保低保、特困对象中住房困难而住房救助未落实的人数。"),
    Metric("housing_unknown", "住房救助未核实", "coverage", "人", -1, "stock", "active_core",
           "housing_unknown", description="有无住房困难或住房救助落实情况为空（未核实）的人数。"),
    Metric("deceased_active", "死亡未退保", "coverage", "人", -1, "stock", "deceased_active",
           "persons", description="统计日仍有有效保障、但已于统计日之前死亡的人数（统计日当天死亡不计）。"),
    Metric("paid_after_death", "死亡后发放", "coverage", "笔", -1, "stock", "paid_after_death",
           "payments", description="截至统计日已发放、所属月份晚于死亡当月的一卡通发放笔数（需发放明细表）。"),
    Metric("paid_after_death_amount", "死亡后发放金额", "coverage", "元", -1, "stock",
           "paid_after_death", "amount", decimals=2,
           description="上述死亡后发放的金额合计（元），即应追缴金额。"),
    Metric("crosscheck_hits", "比对疑点", "coverage", "条", -1, "flow", "crosscheck", "hits",
           description="统计期内数据比对发现的疑点条数（需比对疑点表），可按比对库分列。"),
    Metric("crosscheck_pending", "待核实疑点", "coverage", "条", -1, "stock", "crosscheck",
           "pending", description="统计日前发现、统计日尚未核实完毕的疑点条数。"),
    Metric("crosscheck_confirmed", "核实有问题", "coverage", "条", -1, "flow", "crosscheck",
           "confirmed", description="统计期内核实完毕且结论为有问题的疑点条数。"),
    Metric("crosscheck_overdue", "超期待核实", "coverage", "条", -1, "stock", "crosscheck",
           "overdue", description="待核实超过30天的疑点条数。"),
    Metric("staff_relatives", "近亲属享受", "coverage", "人", -1, "stock", "staff_relatives",
           "persons", audience=frozenset({"commission", "supervisor"}),
           description="统计日有有效保障、且经办人员或村干部近亲属备案为“是”的人数。"),
    Metric("dibao_new", "新纳入低保对象数", "coverage", "人", 0, "flow", "dibao_flows", "new",
           description="统计期内开始的城乡低保保障记录数（全国工作台账口径）。"),
    Metric("dibao_new_single", "单人户纳入数", "coverage", "人", 0, "flow", "dibao_flows",
           "new_single", description="新纳入低保中重病重残参照“单人户”纳入的记录数。"),
    Metric("dibao_exits", "退出低保对象数", "coverage", "人", 0, "flow", "dibao_flows", "exits",
           description="统计期内结束的城乡低保保障记录数，按退出原因分列。"),
    Metric("dibao_exit_favouritism", "清退关系保人情保", "coverage", "人", 0, "flow", "dibao_flows",
           "exit_favouritism", description="退出原因为清退“关系保”“人情保”的记录数。"),
    Metric("dibao_exit_policy", "清退政策保", "coverage", "人", 0, "flow", "dibao_flows",
           "exit_policy", description="退出原因为清退“政策保”的记录数。"),
    Metric("dibao_exit_deceased", "死亡退出", "coverage", "人", 0, "flow", "dibao_flows",
           "exit_deceased", description="退出原因为死亡的记录数。"),
    Metric("dibao_exit_other", "其他原因退出", "coverage", "人", 0, "flow", "dibao_flows",
           "exit_other", description="退出原因为不再符合条件、其他或未填写的记录数。"),
)
