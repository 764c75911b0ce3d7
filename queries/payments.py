"""资金发放 — 一卡通 payments (metrics.md). Main figure: 一卡通疑点户数, higher is worse.

A payment belongs to its recipient spell (``payment.recipient_id``): that spell's
township, person and household. Flows count payments with ``paid_date`` in the period, up
to the as-of day. Every figure here is a 疑点 — a match to verify, not a finding.

Names are compared in SQL (spaces removed, byte for byte) and never leave the database as
a list: a holder name is matched against the recipient's name and the names on the spells
of the same household, an orphan's payment (paid to a guardian by design) never mismatches.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select, true, tuple_
from sqlalchemy.sql import ColumnElement, FromClause

import settings
from queries.coverage import PROGRAMME_LABEL
from queries.figures import Metric, Query, measure_set, register
from queries.period import Period
from queries.schema import death_record, payment, recipient
from queries.sql import (
    between_days, bytewise, count_if, day, days_before, month_key, sum_if,
)

SPACES = (" ", "\u3000")     # an ASCII and an ideographic (full-width) space
GUARDIAN_PAID = "orphan"     # 孤儿/事实无人抚养儿童: paid to a guardian by design


def grace_days() -> int:
    """Days after the end of the month paid for within which a payment is still on time."""
    return int(settings.get("OVERSIGHT_PAYMENT_GRACE_DAYS"))


def name_key(col: ColumnElement) -> ColumnElement:
    """A name with its spaces removed, compared byte for byte (a case-insensitive MariaDB
    collation would make different names equal)."""
    for space in SPACES:
        col = func.replace(col, space, "")
    return bytewise(col)


def paid_in(p, period: Period) -> ColumnElement:
    """The payment (alias ``p``) was paid in the period, up to its as-of day."""
    return between_days(p.c.paid_date, period.start, period.as_of)


def late(p) -> ColumnElement:
    """发放不及时: paid after the last day of the month paid for plus the grace days, i.e.
    the day paid, less the grace days, falls in a later month than the one paid for."""
    return month_key(days_before(p.c.paid_date, grace_days())) > month_key(p.c.pay_month)


def holder_unknown(p) -> ColumnElement:
    """No holder name to compare (NULL, empty or only spaces): 未核实, never a mismatch."""
    return func.coalesce(name_key(p.c.account_holder_name), "") == ""


def holder_mismatch(p, r) -> ColumnElement:
    """持卡人不一致: a holder name that is neither the recipient's (spell ``r``) nor the name
    on any spell of the same household; an orphan's payment never is."""
    h = recipient.alias("r_household")
    holder = name_key(p.c.account_holder_name)
    in_household = exists().where(h.c.household_id == r.c.household_id, name_key(h.c.name) == holder)
    return and_(r.c.recipient_id.is_not(None), r.c.programme != GUARDIAN_PAID, ~holder_unknown(p),
                holder != name_key(r.c.name), ~in_household)


def paid_after_death(p, r, as_of) -> ColumnElement:
    """死亡后发放: the month paid for is after the month of the person's death (a death
    on or before the as-of day); as ``coverage.paid_after_death_rows`` reads it."""
    d = death_record.alias("d_pay")
    return exists().where(d.c.person_id == r.c.person_id, d.c.death_date <= day(as_of),
                          d.c.death_date < p.c.pay_month)


def _month_of(p, by_month: bool) -> list[ColumnElement]:
    """The month paid, where each month is a period of its own (the monthly series)."""
    return [month_key(p.c.paid_date)] if by_month else []


def shared_accounts(period: Period, *, by_month: bool = False, with_count: bool = False):
    """Accounts paid in the period for two or more households, wherever they live (一卡多户,
    the sign of 代管代取); ``by_month``: (month, account) pairs, each month on its own;
    ``with_count``: with the number of households (column ``households``)."""
    p, r = payment.alias("p_acc"), recipient.alias("r_acc")
    month = _month_of(p, by_month)
    households = func.count(func.distinct(r.c.household_id))
    count = [households.label("households")] if with_count else []
    return select(*month, p.c.account_id, *count) \
        .select_from(p.join(r, r.c.recipient_id == p.c.recipient_id)) \
        .where(paid_in(p, period), p.c.account_id.is_not(None)) \
        .group_by(*month, p.c.account_id).having(households >= 2)


def multi_card_persons(period: Period, *, by_month: bool = False):
    """Persons whose payments in the period went to two or more accounts, all their spells
    together (一人多卡); ``by_month``: (month, person) pairs."""
    p, r = payment.alias("p_card"), recipient.alias("r_card")
    month = _month_of(p, by_month)
    return select(*month, r.c.person_id).select_from(p.join(r, r.c.recipient_id == p.c.recipient_id)) \
        .where(paid_in(p, period), r.c.person_id.is_not(None)) \
        .group_by(*month, r.c.person_id).having(func.count(func.distinct(p.c.account_id)) >= 2)


@dataclass(frozen=True)
class Payments:
    """The period's payments joined to their spells, and what makes one a 疑点 (the
    figures and their case lists share it)."""

    from_: FromClause
    payment: object
    recipient: object
    period: Period
    by_month: bool = False       # each month a period of its own (the monthly series)

    @property
    def where(self) -> list[ColumnElement]:
        return [paid_in(self.payment, self.period)]

    def mismatch(self) -> ColumnElement:
        return holder_mismatch(self.payment, self.recipient)

    def shared(self) -> ColumnElement:
        key = _month_of(self.payment, self.by_month) + [self.payment.c.account_id]
        return _one_or_pair(key).in_(shared_accounts(self.period, by_month=self.by_month))

    def multi_card(self) -> ColumnElement:
        key = _month_of(self.payment, self.by_month) + [self.recipient.c.person_id]
        return _one_or_pair(key).in_(multi_card_persons(self.period, by_month=self.by_month))

    def after_death(self) -> ColumnElement:
        return paid_after_death(self.payment, self.recipient, self.period.as_of)

    def suspect(self) -> ColumnElement:
        return or_(self.mismatch(), self.shared(), self.multi_card(), self.after_death())


def _one_or_pair(key: list[ColumnElement]) -> ColumnElement:
    return key[0] if len(key) == 1 else tuple_(*key)


def payments_of(period: Period, *, outer: bool = False, by_month: bool = False) -> Payments:
    """The period's payments (alias p) with their spells (alias r); ``outer``: a payment
    whose spell is unknown is kept (its township NULL: counted at the top, 未识别区划)."""
    p, r = payment.alias("p"), recipient.alias("r")
    on = r.c.recipient_id == p.c.recipient_id
    return Payments(p.outerjoin(r, on) if outer else p.join(r, on), p, r, period, by_month)


@measure_set("payments", requires="payment", dims={"programme": PROGRAMME_LABEL})
def payment_counts(q: Query):
    """The period's payments: how many, how much, how many late, to a holder who is not
    the recipient's household (and how much), without a holder name."""
    rows = payments_of(q.period, outer=True)
    p, mismatch = rows.payment, rows.mismatch()
    return q.select(rows.recipient.c.township_code, [
        func.count().label("payments"),
        func.sum(p.c.amount).label("amount"),
        count_if(late(p)).label("late"),
        count_if(~late(p)).label("on_time"),
        count_if(mismatch).label("mismatch"),
        sum_if(mismatch, p.c.amount).label("mismatch_amount"),
        count_if(holder_unknown(p)).label("holder_unknown"),
    ], *rows.where, from_=rows.from_, dims={"programme": rows.recipient.c.programme})


@measure_set("payment_households", requires="payment", people=True, few_rows=True)
def payment_households(q: Query):
    """Households (distinct per scope) with a 疑点 payment in the period, and those paid
    into an account shared with another household. Only the 疑点 payments are read into
    the count (a few percent): every household has a payment a month."""
    rows = payments_of(q.period)
    return q.people(rows.recipient.c.township_code, rows.recipient.c.household_id,
                    {"suspect": true(), "shared": rows.shared()},
                    *rows.where, rows.suspect(), from_=rows.from_)


@measure_set("multi_card", requires="payment", people=True, few_rows=True)
def multi_card(q: Query):
    """Persons (distinct per scope) paid in the period into two or more accounts."""
    rows = payments_of(q.period)
    return q.people(rows.recipient.c.township_code, rows.recipient.c.person_id,
                    {"persons": true()}, *rows.where, rows.multi_card(), from_=rows.from_)


_SUSPECT = "疑点，需核实。"
register(
    Metric("pay_count", "发放笔数", "payments", "笔", 0, "flow", "payments", "payments",
           description="统计期内发放（发放日期在统计期内）的一卡通资金笔数，按所属保障记录的镇街统计。"),
    Metric("pay_amount", "发放金额", "payments", "元", 0, "flow", "payments", "amount", decimals=2,
           description="统计期内一卡通发放金额合计（元）。"),
    Metric("pay_late", "发放不及时", "payments", "笔", -1, "flow", "payments", "late",
           description="发放日期晚于所属月份最后一天加宽限天数（系统设置，默认0天）的发放笔数。" + _SUSPECT),
    Metric("pay_on_time_rate", "按时发放率", "payments", "%", 1, "flow", "payments", "on_time",
           "payments", scale=100, decimals=1, description="1 − 发放不及时 ÷ 发放笔数。"),
    Metric("holder_mismatch", "持卡人不一致", "payments", "笔", -1, "flow", "payments", "mismatch",
           description="持卡人姓名（去掉空格）既不是救助对象本人、也不是同户任何保障记录上的姓名的发放笔数；"
                       "孤儿/事实无人抚养儿童由监护人代领，不计。" + _SUSPECT),
    Metric("holder_mismatch_amount", "持卡人不一致金额", "payments", "元", -1, "flow", "payments",
           "mismatch_amount", decimals=2, description="上述持卡人不一致发放的金额合计（元）。" + _SUSPECT),
    Metric("holder_unknown", "持卡人未核实", "payments", "笔", -1, "flow", "payments", "holder_unknown",
           description="发放明细中没有持卡人姓名、无法比对的发放笔数（不计入持卡人不一致）。"),
    Metric("multi_card_persons", "一人多卡", "payments", "人", -1, "flow", "multi_card", "persons",
           description="统计期内的发放进入两个及以上不同账户的人数（其各项保障合并计算，按人去重）。" + _SUSPECT),
    Metric("shared_account_households", "共用账户户数", "payments", "户", -1, "flow",
           "payment_households", "shared",
           description="统计期内发放进入的账户同期也收到其他户的发放（一卡多户，代管代取的迹象），"
                       "这样的户数（按户去重，不论另一户在何处）。" + _SUSPECT),
    Metric("suspect_households", "一卡通疑点户数", "payments", "户", -1, "flow", "payment_households",
           "suspect",
           description="统计期内至少有一笔发放属于持卡人不一致、共用账户、一人多卡或死亡后发放的户数"
                       "（按户去重）。" + _SUSPECT),
)
