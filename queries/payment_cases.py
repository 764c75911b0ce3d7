"""The 资金发放 (一卡通) case lists: the payments behind 持卡人不一致, 一人多卡 and 共用账户户数
(死亡后发放's list is ``cases.paid_after_death``). Registered in ``cases.LISTS`` on import,
so that the pages, the downloads and the tests reach them like every other list.

Each row is a payment (views.md, page 2a): its spell's person and household, the account
(shortened for everyone) and the holder's name (masked by role), the amount, the month
paid for and the day paid. A list of payments whose figure counts persons or households
also carries that count (``sums['persons']``, ``sums['households']``), which equals the
figure: the rows' distinct persons (households), numbered by DENSE_RANK and read by MAX()
OVER () in the same statement.
"""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from queries.cases import _SUM, LISTS, ListSpec, _c, _gate, _NAME, _PERSON, _Prepared, _TOWN
from queries.coverage import PROGRAMME_LABEL
from queries.figures import Query
from queries.payments import Spells, computed_once, paid_in, scope_spells, seeks_below_top, spell_sums, suspects
from queries.schema import payment
from queries.period import Period
from queries.scope import Scope
from queries.sql import bytewise, seek_each

_HOUSEHOLD, _ACCOUNT = _c("household_id", "户编号", "id"), _c("account_id", "发放账户", "id")
_PAYMENT_COLUMNS = (_c("payment_id", "发放编号"), _NAME, _PERSON, _HOUSEHOLD, _TOWN,
                    _c("programme", "保障项目"), _ACCOUNT, _c("holder", "持卡人", "name"),
                    _c("amount", "发放金额（元）", "money"), _c("pay_month", "所属月份", "date"),
                    _c("paid_date", "发放日期", "date"))


def _payments(rows: Spells, p, *extra):
    """The payment columns of a list, in _PAYMENT_COLUMNS order."""
    r = rows.s
    return [p.c.payment_id, r.c.name, r.c.person_id, r.c.household_id, r.c.township_code,
            r.c.programme, p.c.account_id, p.c.account_holder_name.label("holder"), p.c.amount,
            p.c.pay_month, p.c.paid_date, *extra]


def _paid(rows: Spells):
    """The spell rows, their spells and the payments each row sums (alias ``p_list``):
    the period's, of its spell, account and holder."""
    p, s = payment.alias("p_list"), rows.s
    same = and_(p.c.recipient_id == s.c.recipient_id, paid_in(p, rows.period),
                or_(p.c.account_id == s.c.account_id, and_(p.c.account_id.is_(None), s.c.account_id.is_(None))),
                or_(bytewise(p.c.account_holder_name) == s.c.holder,
                    and_(p.c.account_holder_name.is_(None), s.c.holder.is_(None))))
    return p, rows.s.join(p, same)


def _holder_mismatch(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """持卡人不一致: the payments, the latest paid first; their 元 as ``sums['amount']``."""
    if not db.has("payment"):
        return None
    q = Query(scope, period)
    every = Spells(spell_sums(period, restrict=scope_spells(q)), period)
    # the spell rows that mismatch, found first (37 at the province, of 1.3 M), and only
    # then their payments, a seek each at every scope (seek_each): PostgreSQL, which
    # guesses a million such rows, otherwise hash-joined all 10.7 M payments to every
    # spell row whose holder is not the recipient and tested the household per payment
    # (18 s alone at the top, past the 30 s statement timeout in a page run; now 11 s)
    mismatched = select(every.s).where(every.mismatch(), *_gate(db, q, every.s.c.township_code, regions))
    flagged = computed_once(mismatched.cte("flagged"))
    rows = Spells(flagged, period)
    p, from_ = _paid(rows)
    stmt = select(*_payments(rows, p, func.sum(p.c.amount).over().label(_SUM + "amount"))) \
        .select_from(from_) \
        .order_by(p.c.paid_date.desc(), bytewise(p.c.payment_id))
    return _Prepared("holder_mismatch_payments", seek_each(stmt), {"programme": PROGRAMME_LABEL})


def _counted(q: Query, rows: Spells, p, from_, by, where: list, order: list, key: str, unit_key: str,
             extra=()) -> _Prepared:
    """The payments ``where``, ordered, with the number of distinct ``by`` among them
    (``sums[unit_key]``)."""
    inner = select(*_payments(rows, p, *extra), func.dense_rank().over(order_by=bytewise(by)).label("k")) \
        .select_from(from_).where(*where).subquery("listed")
    columns = [c for c in inner.c if c.key != "k"]
    stmt = select(*columns, func.max(inner.c.k).over().label(_SUM + unit_key)) \
        .order_by(*[inner.c[c] if isinstance(c, str) else c(inner) for c in order])
    return _Prepared(key, seeks_below_top(q, stmt), {"programme": PROGRAMME_LABEL})


def _multi_card(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """一人多卡: the period's payments of each person paid into two or more accounts, a
    person's together, by account and day; the persons as ``sums['persons']``."""
    if not db.has("payment"):
        return None
    q = Query(scope, period)
    found = suspects(q)
    rows = found.rows
    p, from_ = _paid(rows)
    where = [rows.multi_card(found.multi), *_gate(db, q, rows.s.c.township_code, regions)]
    return _counted(q, rows, p, from_, rows.s.c.person_id, where,
                    [lambda t: bytewise(t.c.person_id), "account_id", "paid_date",
                     lambda t: bytewise(t.c.payment_id)], "multi_card_payments", "persons")


def _shared_account(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """共用账户: the period's payments of the scope's households into an account paid for
    two or more households, an account's together (the most households first), with how
    many households it was paid for, wherever they live; the scope's households as
    ``sums['households']``."""
    if not db.has("payment"):
        return None
    q = Query(scope, period)
    found = suspects(q, with_count=True)
    rows, shared = found.rows, found.shared
    p, from_ = _paid(rows)
    from_ = from_.join(shared, shared.c.account_id == p.c.account_id)
    where = [rows.s.c.household_id.is_not(None), *_gate(db, q, rows.s.c.township_code, regions)]
    return _counted(q, rows, p, from_, rows.s.c.household_id, where,
                    [lambda t: t.c.account_households.desc(), "account_id",
                     lambda t: bytewise(t.c.household_id), "paid_date", lambda t: bytewise(t.c.payment_id)],
                    "shared_account_payments", "households",
                    extra=(shared.c.households.label("account_households"),))


LISTS.update({
    "holder_mismatch_payments": ListSpec("持卡人不一致发放明细", "笔", "holder_mismatch",
                                         _PAYMENT_COLUMNS, _holder_mismatch),
    "multi_card_payments": ListSpec("一人多卡发放明细", "笔", "multi_card_persons",
                                    _PAYMENT_COLUMNS, _multi_card),
    "shared_account_payments": ListSpec("共用账户发放明细", "笔", "shared_account_households",
                                        _PAYMENT_COLUMNS + (_c("account_households", "该账户收款户数", "int"),),
                                        _shared_account),
})
# the unit its count is in, when the figure counts persons or households, not payments
COUNTED = {"multi_card_payments": ("persons", "人"), "shared_account_payments": ("households", "户")}
