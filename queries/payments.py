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

from sqlalchemy import and_, exists, func, literal_column, or_, select, true, tuple_, union
from sqlalchemy.sql import ColumnElement

import settings
from queries.coverage import PROGRAMME_LABEL
from queries.figures import Metric, Query, measure_set, register
from queries.period import Period
from queries.schema import death_record, payment, recipient
from queries.sql import (
    between_days, bytewise, count_if, day, days_before, flag, month_after, month_key, seek_each,
    seek_equal,
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
    return month_after(days_before(p.c.paid_date, grace_days()), p.c.pay_month)


def _blank(holder: ColumnElement) -> ColumnElement:
    """No name: NULL, empty, or spaces only (a name starts with no space: the first
    character is tested before the spaces are taken out)."""
    return or_(holder.is_(None), holder == "",
               and_(func.substr(holder, 1, 1).in_(SPACES), name_key(holder) == ""))


def mismatch_of(holder: ColumnElement, r, known: ColumnElement) -> ColumnElement:
    """持卡人不一致 for a holder name paid for spell ``r`` (columns name, programme,
    household_id; ``known`` NULL when the spell is unknown): neither the recipient's name
    nor the name on any spell of the same household; an orphan's payment never is."""
    h = recipient.alias("r_household")
    key = name_key(holder)
    # correlated to ``r`` and the holder at whatever level they are (a payment's own test
    # sits a level below the spell rows' in ``Spells``); a seek per row that reaches it,
    # never a hash of every spell's name (sql.seek_equal)
    in_household = exists().where(seek_equal(h.c.household_id, r.c.household_id),
                                  name_key(h.c.name) == key).correlate_except(h)
    # the recipient's own name as written first: most payments stop there
    return and_(known.is_not(None), bytewise(holder) != bytewise(r.c.name),
                r.c.programme != GUARDIAN_PAID, ~_blank(holder), key != name_key(r.c.name), ~in_household)


def died_before(person: ColumnElement, month: ColumnElement, as_of) -> ColumnElement:
    """死亡后发放 for a month paid for: after the month of the person's death (a death on
    or before the as-of day; pay_month is a month's first day, so "after the month of
    death" is pay_month > death_date), as ``coverage.paid_after_death_rows`` reads it."""
    d = death_record.alias("d_pay")
    return exists().where(d.c.person_id == person, d.c.death_date <= day(as_of), d.c.death_date < month) \
        .correlate_except(d)


# --------------------------------------------------------------------------- per spell
# A province pays some 14 M times a year: the period's payments are first summed per
# spell, account and holder name (and month) in one pass in the order of ix_payment_spell
# (province, campaign: 10.7 M payments, 1.3 M rows, no table rows read), and only those
# rows meet the spells, the households and the deaths: each is judged once for all the
# payments it sums, which share their spell, account and holder.

SPELL_COLUMNS = ("township_code", "person_id", "household_id", "name", "programme")


def spell_sums(period: Period, *, restrict=None, by_month: bool = False, name: str = "spells"):
    """The period's payments summed per spell, account and holder name (and ``month``
    when ``by_month``): n, amount and late, with the spell's own columns (``spell_id``,
    NULL for a payment whose spell is unknown, and SPELL_COLUMNS). ``restrict``: a
    statement of the spells to read (None: every spell).

    Every spell: the payments are summed first, then met by their spells (one join of
    1.3 M rows, not of 10.7 M). A few spells: their spells are read first and lead to their
    payments, which keeps PostgreSQL from hashing the whole recipient table on an
    estimate of a million rows where there are thousands."""
    p, r = payment.alias("p_sp"), recipient.alias(f"{name}_r")
    month = [month_key(p.c.paid_date).label("month")] if by_month else []
    # the holder name byte for byte: a case-insensitive MariaDB collation would put two
    # names in one group
    keys = [p.c.recipient_id, p.c.account_id, bytewise(p.c.account_holder_name).label("holder")]
    sums = [func.count().label("n"), func.sum(p.c.amount).label("amount"), count_if(late(p)).label("late")]
    group = [p.c.recipient_id, p.c.account_id, literal_column("holder")] + ([literal_column("month")] if by_month else [])
    spell = [r.c.recipient_id.label("spell_id"), *[r.c[c] for c in SPELL_COLUMNS]]
    if restrict is None:
        g = select(*keys, *month, *sums).where(paid_in(p, period)).group_by(*group).subquery(f"{name}_g")
        stmt = select(g, *spell).select_from(g.outerjoin(r, r.c.recipient_id == g.c.recipient_id))
    else:
        read = restrict.subquery(f"{name}_read")
        stmt = select(*keys, *month, *spell, *sums) \
            .select_from(read.join(r, r.c.recipient_id == read.c.recipient_id)
                         .join(p, p.c.recipient_id == r.c.recipient_id)) \
            .where(paid_in(p, period)).group_by(*group, *spell)
    return computed_once(stmt.cte(name))


def seeks_below_top(q: Query, stmt):
    """``stmt`` seeking each spell's payments below the top (``sql.seek_each``): there the
    spells are a few thousand; the whole deployment sums every payment in one pass."""
    return stmt if q.scope.is_whole_deployment else seek_each(stmt)


def scope_spells(q: Query):
    """The spells of the scope (None for the whole deployment: every spell)."""
    if q.scope.is_whole_deployment:
        return None
    r = recipient.alias("r_in")
    return select(r.c.recipient_id).where(*q.in_scope(r.c.township_code))


def related_spells(q: Query):
    """What 一人多卡 and 共用账户 of the scope's spells depend on: every spell of their
    persons, and every spell paid in the period into an account they were paid into (None
    for the whole deployment)."""
    if q.scope.is_whole_deployment:
        return None
    r_in, r_same, r_paid = recipient.alias("r_in"), recipient.alias("r_same"), recipient.alias("r_paid")
    p_in, p_same = payment.alias("p_in"), payment.alias("p_same")
    persons = select(r_in.c.person_id).where(*q.in_scope(r_in.c.township_code))
    accounts = select(p_in.c.account_id) \
        .select_from(p_in.join(r_paid, r_paid.c.recipient_id == p_in.c.recipient_id)) \
        .where(*q.in_scope(r_paid.c.township_code), paid_in(p_in, q.period))
    return union(select(r_same.c.recipient_id).where(r_same.c.person_id.in_(persons)),
                 select(p_same.c.recipient_id).where(p_same.c.account_id.in_(accounts),
                                                     paid_in(p_same, q.period)))


@dataclass(frozen=True)
class Spells:
    """Spell sums (``s``, see ``spell_sums``, which carry their spells' columns): whether a
    row's payments are 持卡人不一致 or 未核实, and whether they are 一卡通疑点 and why."""

    s: object
    period: Period
    by_month: bool = False

    def mismatch(self) -> ColumnElement:
        """The row's payments are 持卡人不一致."""
        return mismatch_of(self.s.c.holder, self.s, self.s.c.spell_id)

    def unknown(self) -> ColumnElement:
        """The row's payments have no holder name to compare (未核实)."""
        return _blank(self.s.c.holder)

    def _key(self, last: ColumnElement) -> ColumnElement:
        return tuple_(self.s.c.month, last) if self.by_month else last

    def shared(self, shared) -> ColumnElement:
        """The row's account is one of ``shared`` (that month's, by month)."""
        return self._key(self.s.c.account_id).in_(select(*list(shared.c)[:1 + self.by_month]))

    def multi_card(self, persons) -> ColumnElement:
        return self._key(self.s.c.person_id).in_(select(*persons.c))

    def after_death(self) -> ColumnElement:
        """A payment of the row's spell (its month's, by month) is 死亡后发放. The dead are
        found first as a set (one lookup per row), the payments only for them."""
        dead, p = death_record.alias("d_dead"), payment.alias("p_dead")
        month = [month_key(p.c.paid_date) == self.s.c.month] if self.by_month else []
        paid_after = exists().where(p.c.recipient_id == self.s.c.recipient_id, paid_in(p, self.period), *month,
                                    died_before(self.s.c.person_id, p.c.pay_month, self.period.as_of))
        return and_(self.s.c.person_id.in_(select(dead.c.person_id).where(dead.c.death_date <= day(self.period.as_of))),
                    paid_after)


def shared_accounts(s, *, by_month: bool = False, with_count: bool = False, name: str = "shared"):
    """Accounts paid in the period (month) for two or more households, wherever they live
    (一卡多户, the sign of 代管代取), from spell sums ``s``."""
    month = [s.c.month] if by_month else []
    households = func.count(func.distinct(s.c.household_id))
    count = [households.label("households")] if with_count else []
    return computed_once(select(*month, s.c.account_id, *count).where(s.c.account_id.is_not(None))
                 .group_by(*month, s.c.account_id).having(households >= 2).cte(name))


def multi_card_persons(s, *, by_month: bool = False, name: str = "multi"):
    """Persons whose payments in the period (month) went to two or more accounts, all their
    spells together (一人多卡), from spell sums ``s``."""
    month = [s.c.month] if by_month else []
    return computed_once(select(*month, s.c.person_id).where(s.c.person_id.is_not(None))
                 .group_by(*month, s.c.person_id).having(func.count(func.distinct(s.c.account_id)) >= 2).cte(name))


def computed_once(cte):
    """A CTE computed once, however often it is read: PostgreSQL and SQLite may otherwise
    inline it where it is read, and a nested loop (``seek_each``) would then group the
    spell sums again for every row it meets (the demo's 共用账户 list: past 30 s)."""
    return cte.prefix_with("MATERIALIZED", dialect="postgresql").prefix_with("MATERIALIZED", dialect="sqlite")


@dataclass(frozen=True)
class Suspects:
    """The scope's spell rows (``rows``) and the shared accounts and multi-card persons
    found among the spells they depend on: everything that decides 一卡通疑点."""

    rows: Spells
    shared: object
    multi: object

    def suspect(self) -> ColumnElement:
        rows = self.rows
        return or_(rows.mismatch(), rows.shared(self.shared), rows.multi_card(self.multi), rows.after_death())


def suspects(q: Query, *, by_month: bool = False, with_count: bool = False) -> Suspects:
    """One set of spell sums serves the rows, the accounts and the persons: for the whole
    deployment every spell's; below it the related spells' (the scope's among them), the
    rows then kept to the scope by the caller's scope test on their township."""
    every = spell_sums(q.period, restrict=related_spells(q), by_month=by_month)
    shared = shared_accounts(every, by_month=by_month, with_count=with_count)
    multi = multi_card_persons(every, by_month=by_month)
    return Suspects(Spells(every, q.period, by_month), shared, multi)


def judged_payments(q: Query, *, by_month: bool = False):
    """The scope's spell sums (by month), each row judged once: 持卡人不一致 and 未核实 as
    0/1 flags, read by the sums of ``payment_measures`` (a flag read twice is computed
    once). A payment whose spell is unknown keeps a NULL township (the top, 未识别区划)."""
    s = spell_sums(q.period, restrict=scope_spells(q), by_month=by_month)
    rows = Spells(s, q.period, by_month)
    judged = select(s.c.township_code, s.c.programme, *([s.c.month] if by_month else []), s.c.n, s.c.amount,
                  s.c.late, flag(rows.mismatch()).label("mismatch"), flag(rows.unknown()).label("unknown")) \
        .cte("judged")
    return computed_once(judged)


def payment_measures(judged) -> list[ColumnElement]:
    """The measures of the period's payments over ``judged_payments`` rows."""
    j = judged.c
    return [func.sum(j.n).label("payments"), func.sum(j.amount).label("amount"),
            func.sum(j.late).label("late"), func.sum(j.n - j.late).label("on_time"),
            func.sum(j.n * j.mismatch).label("mismatch"), func.sum(j.amount * j.mismatch).label("mismatch_amount"),
            func.sum(j.n * j.unknown).label("holder_unknown")]


@measure_set("payments", requires="payment", dims={"programme": PROGRAMME_LABEL})
def payment_counts(q: Query):
    """The period's payments: how many, how much, how many late, to a holder who is not
    the recipient's household (and how much), without a holder name. Summed per spell,
    account and holder first, each such row judged once."""
    judged = judged_payments(q)
    return seeks_below_top(q, q.select(judged.c.township_code, payment_measures(judged), from_=judged,
                                       dims={"programme": judged.c.programme}))


@measure_set("payment_suspects", requires="payment", people=True, few_rows=True)
def payment_suspects(q: Query):
    """Households (distinct per scope) with a 疑点 payment in the period, those paid into an
    account shared with another household, and the persons paid into two or more accounts
    (distinct per scope), in one pass over the 疑点 rows alone."""
    found = suspects(q)
    rows = found.rows
    return seeks_below_top(q, q.people(rows.s.c.township_code, rows.s.c.household_id,
                                       {"suspect": true(), "shared": rows.shared(found.shared),
                                        "persons": rows.multi_card(found.multi)},
                                       found.suspect(), from_=rows.s, counted_by={"persons": rows.s.c.person_id}))


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
    Metric("multi_card_persons", "一人多卡", "payments", "人", -1, "flow", "payment_suspects", "persons",
           description="统计期内的发放进入两个及以上不同账户的人数（其各项保障合并计算，按人去重）。" + _SUSPECT),
    Metric("shared_account_households", "共用账户户数", "payments", "户", -1, "flow",
           "payment_suspects", "shared",
           description="统计期内发放进入的账户同期也收到其他户的发放（一卡多户，代管代取的迹象），"
                       "这样的户数（按户去重，不论另一户在何处）。" + _SUSPECT),
    Metric("suspect_households", "一卡通疑点户数", "payments", "户", -1, "flow", "payment_suspects",
           "suspect",
           description="统计期内至少有一笔发放属于持卡人不一致、共用账户、一人多卡或死亡后发放的户数"
                       "（按户去重）。" + _SUSPECT),
)
