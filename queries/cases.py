"""Lists of cases behind the figures (the people not yet covered, 死亡未退保, …): which
columns a list has, with their Chinese headers, and what a list query returns.

Each list goes through the same scope and region gate as the figures, is ordered worst
first, is cut at a limit, and carries the total count of its rows, which equals the
figure shown above it (tested). Its rows are the figure's own rows: the conditions come
from the figure's module (``coverage.uncovered``, ``deceased_spells`` …), not a copy.

``case_list(key, db, scope, period, limit=SHOWN, regions=None)`` (or the function of the
same name as the key; ``case_lists`` for several at once) is one statement: the first
``limit`` rows with COUNT(*) OVER () for the total (and SUM(amount) OVER () for 死亡后发放),
so the total costs no second pass. The people not yet covered, tens of thousands at a
province, are found otherwise: their figure's histogram of waiting days (the same
statement as 漏保人数, already run by the page) gives the total and the waiting time of
the ``limit``-th longest, and the list reads only the screenings at least that old. ``limit=EXCEL`` fetches a download's rows. LISTS holds
each list's title, unit, columns and the figure (METRICS key) its total equals; a list
whose figure has an audience is for that audience only (the page's business).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, Sequence

import pandas as pd
from sqlalchemy import case, func, select

from queries.coverage import (
    PROGRAMME_LABEL, REGISTER_LABEL, SCREENING_CATEGORY_LABEL, crosscheck_pending,
    deceased_spells, earliest_death, paid_after_death_rows, staff_relative_spells, uncovered,
    waiting_days,
)
from queries.clues import (
    CATEGORY_LABEL as CLUE_CATEGORY_LABEL, SOURCE_LABEL as CLUE_SOURCE_LABEL, overdue_clue, transferred_in,
)
from queries.figures import METRICS, NotForRole, Query, dim_label
from queries.period import Period
from queries.petitions import (
    CATEGORY_LABEL as PETITION_CATEGORY_LABEL, CHANNEL_LABEL, STATUS_LABEL as PETITION_STATUS_LABEL,
    matter_township, overdue_petition, placed_township, repeat_facts, scope_petitions, unresolved,
)
from queries.rectification import (
    CATEGORY_LABEL as RECT_CATEGORY_LABEL, SOURCE_LABEL as RECT_SOURCE_LABEL, STATE_LABEL, item_state,
    overdue_item,
)
from queries.schema import clue, crosscheck_hit, petition, recipient, rectification, screening
from queries.scope import Scope
from queries.sql import bytewise, codes_of, day, days_between, not_seekable, on_or_before
from queries.runner import histogram
from queries.statements import run_statements

# how a column is shown, masked and written to Excel
KINDS = frozenset({
    "text",      # plain text (a code's Chinese label)
    "note",      # a long free text (a description): a narrow column on the page, whole in Excel
    "name",      # a person's name: personal, masked by role
    "id",        # a pseudonymous id (person, household, account …): shortened for everyone
    "int",       # a count or number of days, written as a number
    "money",     # 元, two decimals, written as a number
    "date",      # YYYY-MM-DD, written as a date
    "township",  # a township code: shown as its name, linking to 乡镇画像
})


@dataclass(frozen=True)
class Column:
    key: str           # the column of the list's frame
    label: str         # the Chinese header, on the page and in the Excel file
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"column kind {self.kind!r} not in {sorted(KINDS)}")


@dataclass(frozen=True)
class CaseList:
    """One list for one scope and period: its first ``limit`` rows in the list's order
    (worst first), and how many rows the whole list has."""

    key: str                     # e.g. 'uncovered_persons'
    title: str                   # Chinese, e.g. 尚未纳入保障人员清单
    unit: str                    # 人, 笔, 条 … (共 N 人)
    columns: tuple[Column, ...]
    rows: pd.DataFrame           # columns named by Column.key
    total: int
    limit: int
    sums: dict = field(default_factory=dict)   # totals over all rows, e.g. {'amount': 元}

    @property
    def is_cut(self) -> bool:
        return self.total > len(self.rows)


# --------------------------------------------------------------------------- the lists

SHOWN = 1000          # rows a page shows (the list's own order, worst first)
EXCEL = 100_000       # rows an Excel download holds
_TOTAL = "__total"    # the statement's COUNT(*) OVER (): the rows before the limit
_SUM = "__sum_"       # prefix of a statement's SUM(…) OVER () columns


def uncovered_persons(db, scope: Scope, period: Period, *, limit: int = SHOWN,
                      regions: Sequence[str] | None = None) -> CaseList:
    """尚未纳入保障人员: the people not yet covered (漏保人数), the longest waiting first."""
    return case_list("uncovered_persons", db, scope, period, limit=limit, regions=regions)


def deceased_active(db, scope: Scope, period: Period, *, limit: int = SHOWN,
                    regions: Sequence[str] | None = None) -> CaseList:
    """死亡未退保, one row per person, the longest since death first."""
    return case_list("deceased_active", db, scope, period, limit=limit, regions=regions)


def paid_after_death(db, scope: Scope, period: Period, *, limit: int = SHOWN,
                     regions: Sequence[str] | None = None) -> CaseList | None:
    """死亡后发放 payments, the largest first; ``sums['amount']``: their 元. None without the
    ``payment`` table (未接入)."""
    return case_list("paid_after_death", db, scope, period, limit=limit, regions=regions)


def pending_crosscheck(db, scope: Scope, period: Period, *, limit: int = SHOWN,
                       regions: Sequence[str] | None = None) -> CaseList | None:
    """待核实疑点, the longest pending first. None without ``crosscheck_hit`` (未接入)."""
    return case_list("pending_crosscheck", db, scope, period, limit=limit, regions=regions)


def staff_relatives(db, scope: Scope, period: Period, *, limit: int = SHOWN,
                    regions: Sequence[str] | None = None) -> CaseList:
    """近亲属享受, one row per person, the longest receiving first."""
    return case_list("staff_relatives", db, scope, period, limit=limit, regions=regions)


def case_list(key: str, db, scope: Scope, period: Period, *, limit: int = SHOWN,
              regions: Sequence[str] | None = None, role: str | None = None) -> CaseList | None:
    """List ``key`` of LISTS for ``scope`` and ``period``: its first ``limit`` rows (worst
    first; ``limit=EXCEL`` for a download) and its total. None when its optional table is
    missing (未接入). ``regions``: the user's allowed regions, applied again."""
    return case_lists(db, [key], scope, period, limit=limit, regions=regions, role=role)[key]


def audience(key: str) -> frozenset[str] | None:
    """The roles that may see list ``key`` (None: everyone): its own, else its figure's."""
    spec = LISTS[key]
    return spec.audience if spec.audience is not None else METRICS[spec.figure].audience


def case_lists(db, keys: Sequence[str], scope: Scope, period: Period, *, limit: int = SHOWN,
               regions: Sequence[str] | None = None, role: str | None = None) -> dict[str, CaseList | None]:
    """Several lists of one view, their statements run side by side (one each). ``role``:
    the user's; a list outside its audience raises NotForRole before anything runs."""
    for key in keys:
        allowed = audience(key)
        if role is not None and allowed is not None and role not in allowed:
            raise NotForRole(f"{key} is not for {role}")
    prepared = {key: LISTS[key].prepare(db, scope, period, regions, limit) for key in keys}
    todo = [p for p in prepared.values() if p is not None]
    rows = run_statements(db, [_limited(p, limit) for p in todo])
    done = {p.key: _finish(p, r, limit) for p, r in zip(todo, rows)}
    return {key: done.get(key) for key in keys}


@dataclass(frozen=True)
class _Prepared:
    key: str
    stmt: object                 # ordered worst first, not yet limited
    labels: dict                 # column → the labels of its codes
    total: int | None = None     # known before the statement runs (else COUNT(*) OVER ())


def _uncovered_persons(db, scope: Scope, period: Period, regions, limit: int) -> _Prepared | None:
    """The people not yet covered (漏保人数): the longest waiting first.

    Their figure's histogram (waiting days → persons) says how many there are and how
    long the ``limit``-th longest has waited; only screenings at least that old can be in
    the first ``limit``, so the statement tests only those, not every eligible person
    (province: 0.9 s → ms). Ties at the cut are all read, then ordered and cut."""
    q, s = Query(scope, period), screening.alias("s")
    waited = histogram(db, "gap_waiting_median", scope, period) or []
    total = sum(n for _, n in waited)
    at_least = _cut(waited, limit)
    stmt = select(s.c.name, s.c.person_id, s.c.township_code, s.c.category, s.c.screened_date,
                  waiting_days(q, s).label("days_waiting")) \
        .where(*uncovered(q, s), *_gate(db, q, s.c.township_code, regions),
               on_or_before(s.c.screened_date, period.as_of - timedelta(days=at_least))) \
        .order_by(s.c.screened_date, bytewise(s.c.person_id))
    return _Prepared("uncovered_persons", stmt, {"category": SCREENING_CATEGORY_LABEL}, total)


def _cut(hist: list[tuple], limit: int) -> int:
    """The value x of a histogram [(x, n)] such that the ``limit`` largest values are all
    at least x (0 when there are no more rows than that)."""
    seen = 0
    for x, n in sorted(hist, reverse=True):
        seen += n
        if seen >= limit:
            return int(x)
    return 0


def _deceased_active(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """死亡未退保, one row per person (their active spells' programmes and monthly amounts
    together): the longest since death first."""
    q, r = Query(scope, period), recipient.alias("r")
    person = _person(r)
    died = earliest_death(r.c.person_id, period.as_of)
    death_date = died.label("death_date")
    stmt = select(func.min(r.c.name).label("name"), person,
                  func.min(r.c.township_code).label("township_code"),
                  codes_of(r.c.programme).label("programme"), death_date,
                  days_between(day(period.as_of), died).label("days_since_death"),
                  func.sum(r.c.monthly_amount).label("monthly_amount")) \
        .where(*deceased_spells(q, r), *_gate(db, q, r.c.township_code, regions)) \
        .group_by(person).order_by(death_date, bytewise(r.c.person_id))
    return _Prepared("deceased_active", stmt, {"programme": PROGRAMME_LABEL})


def _paid_after_death(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """死亡后发放 payments, the largest first (then the latest), with their total in 元
    (死亡后发放金额) as ``sums['amount']``."""
    if not db.has("payment"):
        return None
    q = Query(scope, period)
    rows = paid_after_death_rows(q)
    p, r = rows.payment, rows.recipient
    stmt = select(p.c.payment_id, r.c.name, r.c.person_id, r.c.household_id, r.c.township_code,
                  r.c.programme, rows.died.label("death_date"), p.c.account_id,
                  p.c.account_holder_name.label("holder"), p.c.pay_month, p.c.paid_date, p.c.amount,
                  func.sum(p.c.amount).over().label(_SUM + "amount")) \
        .select_from(rows.from_).where(*rows.where, *_gate(db, q, r.c.township_code, regions)) \
        .order_by(func.coalesce(p.c.amount, 0).desc(),
                  func.coalesce(p.c.paid_date, p.c.pay_month).desc(), bytewise(p.c.payment_id))
    return _Prepared("paid_after_death", stmt, {"programme": PROGRAMME_LABEL})


def _pending_crosscheck(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """待核实疑点, the longest pending first."""
    if not db.has("crosscheck_hit"):
        return None
    q, as_of = Query(scope, period), period.as_of
    h, r = crosscheck_hit.alias("h"), recipient.alias("r")
    stmt = select(h.c.hit_id, r.c.name, r.c.person_id, h.c.township_code, h.c.register,
                  h.c.hit_date, days_between(day(as_of), h.c.hit_date).label("days_pending")) \
        .select_from(h.outerjoin(r, r.c.recipient_id == h.c.recipient_id)) \
        .where(on_or_before(h.c.hit_date, as_of), crosscheck_pending(h, as_of),
               *_gate(db, q, h.c.township_code, regions)) \
        .order_by(h.c.hit_date, bytewise(h.c.hit_id))
    return _Prepared("pending_crosscheck", stmt, {"register": REGISTER_LABEL})


def _staff_relatives(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """近亲属享受, one row per person (their active spells together): the longest
    receiving first. For the roles of its figure's audience only (METRICS[...].audience)."""
    q, r = Query(scope, period), recipient.alias("r")
    person = _person(r)
    start = func.min(r.c.start_date).label("start_date")
    stmt = select(func.min(r.c.name).label("name"), person,
                  func.min(r.c.household_id).label("household_id"),
                  func.min(r.c.township_code).label("township_code"),
                  codes_of(r.c.programme).label("programme"), start,
                  func.sum(r.c.monthly_amount).label("monthly_amount")) \
        .where(*staff_relative_spells(q, r), *_gate(db, q, r.c.township_code, regions)) \
        .group_by(person).order_by(start, bytewise(r.c.person_id))
    return _Prepared("staff_relatives", stmt, {"programme": PROGRAMME_LABEL})


def _repeat_matters(db, scope: Scope, period: Period, regions, _limit: int, *,
                    unresolved_only: bool = False) -> _Prepared | None:
    """重复信访事项 (重点标注): every matter with N petitions or more by the as-of day, placed
    by its first petition; the unresolved first, the longest open first. ``unresolved_only``:
    未化解重复信访事项 alone (a township's open cases)."""
    q, as_of = Query(scope, period), period.as_of
    f = repeat_facts(q, ("matter_id", "township_code", "petitions", "first_date", "last_closed"))
    resolved = ~unresolved(f.c.last_closed, as_of)
    p = petition.alias("p_list")
    of_matter = [p.c.matter_id == f.c.matter_id, p.c.received_date <= day(as_of)]
    ended = case((resolved, f.c.last_closed), else_=day(as_of))
    days_open = days_between(ended, f.c.first_date)
    where = _gate(db, q, f.c.township_code, regions)
    if unresolved_only:
        where.append(~resolved)
    stmt = select(f.c.matter_id, f.c.township_code, f.c.petitions.label("petitions"),
                  select(codes_of(p.c.channel)).where(*of_matter).scalar_subquery().label("channels"),
                  f.c.first_date,
                  select(func.max(p.c.received_date)).where(*of_matter).scalar_subquery().label("last_date"),
                  days_open.label("days_open"),
                  case((resolved, "resolved"), else_="unresolved").label("resolution")) \
        .select_from(f).where(*where) \
        .order_by(case((resolved, 1), else_=0), days_open.desc(), bytewise(f.c.matter_id))
    return _Prepared("unresolved_repeat_matters" if unresolved_only else "repeat_matters", stmt, {"channels": CHANNEL_LABEL, "resolution": RESOLUTION_LABEL})


RESOLUTION_LABEL = {"unresolved": "未化解", "resolved": "已化解"}


def _overdue_petitions(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """超期未办结信访: petitions received by the as-of day, past their due day and not closed
    by it, placed by their matter's first petition; the longest overdue first."""
    q, as_of = Query(scope, period), period.as_of
    p = scope_petitions(q, "p_over", "petition_id", "matter_id", "petitioner_name", "township_code",
                        "channel", "category", "received_date", "due_date", "closed_date")
    town = placed_township(q, p, grouped=False)
    overdue = days_between(day(as_of), p.c.due_date)
    inner = select(p.c.petition_id, p.c.matter_id, p.c.petitioner_name.label("name"),
                   town.label("township_code"), p.c.channel, p.c.category, p.c.received_date,
                   p.c.due_date, overdue.label("days_overdue")) \
        .where(on_or_before(p.c.received_date, as_of), overdue_petition(p, as_of)).subquery("overdue")
    stmt = select(*inner.c).where(*_gate(db, q, inner.c.township_code, regions)) \
        .order_by(inner.c.days_overdue.desc(), bytewise(inner.c.petition_id))
    return _Prepared("overdue_petitions", stmt,
                     {"channel": CHANNEL_LABEL, "category": PETITION_CATEGORY_LABEL})


def _overdue_clues(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """逾期未办结线索: received by the as-of day, past due and not concluded by it; the
    longest overdue first."""
    q, as_of = Query(scope, period), period.as_of
    c = clue.alias("c_over")
    overdue = days_between(day(as_of), c.c.due_date)
    stmt = select(c.c.clue_id, c.c.township_code, c.c.source, c.c.category, c.c.received_date,
                  c.c.due_date, overdue.label("days_overdue")) \
        .where(on_or_before(c.c.received_date, as_of), overdue_clue(c, as_of),
               *_gate(db, q, c.c.township_code, regions)) \
        .order_by(overdue.desc(), bytewise(c.c.clue_id))
    return _Prepared("overdue_clues", stmt, {"source": CLUE_SOURCE_LABEL, "category": CLUE_CATEGORY_LABEL})


def _transferred_clues(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """移交纪检监察: the clues transferred to the commission in the period (by their
    transfer day, as the figure counts them); the latest first."""
    q = Query(scope, period)
    c = clue.alias("c_moved")
    stmt = select(c.c.clue_id, c.c.township_code, c.c.category, c.c.received_date,
                  c.c.transferred_date, c.c.concluded_date,
                  case((c.c.substantiated.is_(True), "属实"), (c.c.substantiated.is_(False), "不属实"))
                  .label("substantiated"),
                  case((c.c.case_filed.is_(True), "已立案"), else_="—").label("case_filed"),
                  c.c.officials_held_accountable) \
        .where(transferred_in(c, period), on_or_before(c.c.received_date, period.as_of),
               *_gate(db, q, c.c.township_code, regions)) \
        .order_by(c.c.transferred_date.desc(), bytewise(c.c.clue_id))
    return _Prepared("transferred_clues", stmt, {"category": CLUE_CATEGORY_LABEL})


def _overdue_items(db, scope: Scope, period: Period, regions, _limit: int) -> _Prepared | None:
    """逾期未整改: items found by the as-of day, not closed by it, past their deadline; the
    longest overdue first."""
    q, as_of = Query(scope, period), period.as_of
    i = rectification.alias("i_over")
    overdue = days_between(day(as_of), i.c.deadline)
    stmt = select(i.c.item_id, i.c.township_code, i.c.category, i.c.description, i.c.found_date,
                  i.c.deadline, overdue.label("days_overdue"), i.c.responsible_unit,
                  i.c.responsible_person.label("name"), item_state(i, as_of).label("state")) \
        .where(on_or_before(i.c.found_date, as_of), overdue_item(i, as_of),
               *_gate(db, q, i.c.township_code, regions)) \
        .order_by(overdue.desc(), bytewise(i.c.item_id))
    return _Prepared("overdue_items", stmt, {"category": RECT_CATEGORY_LABEL, "state": STATE_LABEL})


def _unresolved_repeat_matters(db, scope: Scope, period: Period, regions, limit: int) -> _Prepared | None:
    return _repeat_matters(db, scope, period, regions, limit, unresolved_only=True)


# an item's states while it is open (未销号): everything item_state gives but 已销号
OPEN_STATES = tuple(k for k in STATE_LABEL if k != "closed")


def _open_items(db, scope: Scope, period: Period, regions, limit: int) -> _Prepared | None:
    """未销号整改问题: the ledger's items not closed by the as-of day, in its order."""
    prepared = _ledger(db, scope, period, regions, limit, states=OPEN_STATES)
    return _Prepared("open_items", prepared.stmt, prepared.labels)


def _ledger(db, scope: Scope, period: Period, regions, _limit: int, *, states=None, categories=None,
            overdue_only: bool = False) -> _Prepared | None:
    """对账销号台账: every item found by the as-of day, in the order found; ``states`` (see
    _item_state), ``categories`` and ``overdue_only`` narrow it (the page's filters)."""
    q, as_of = Query(scope, period), period.as_of
    i = rectification.alias("i_ledger")
    state = item_state(i, as_of)
    overdue = overdue_item(i, as_of)
    where = [on_or_before(i.c.found_date, as_of), *_gate(db, q, i.c.township_code, regions)]
    if states:
        where.append(state.in_(list(states)))
    if categories:
        where.append(i.c.category.in_(list(categories)))
    if overdue_only:
        where.append(overdue)
    stmt = select(i.c.item_id, i.c.township_code, i.c.source, i.c.category, i.c.description,
                  i.c.found_date, i.c.responsible_unit, i.c.responsible_person.label("name"),
                  i.c.deadline, state.label("state"), i.c.closed_date,
                  case((overdue, "是"), else_="否").label("overdue")) \
        .where(*where).order_by(i.c.found_date, bytewise(i.c.item_id))
    return _Prepared("ledger", stmt, {"source": RECT_SOURCE_LABEL, "category": RECT_CATEGORY_LABEL,
                                      "state": STATE_LABEL})


def ledger(db, scope: Scope, period: Period, *, states=None, categories=None,
           overdue_only: bool = False, limit: int = SHOWN,
           regions: Sequence[str] | None = None) -> CaseList:
    """The ledger narrowed by the page's filters (its total is then the narrowed count,
    not the figure's): see ``_ledger``."""
    prepared = _ledger(db, scope, period, regions, limit, states=states, categories=categories,
                       overdue_only=overdue_only)
    rows = run_statements(db, [_limited(prepared, limit)])[0]
    return _finish(prepared, rows, limit)


@dataclass(frozen=True)
class ListSpec:
    title: str
    unit: str
    figure: str                  # the figure (METRICS key) its total equals
    columns: tuple[Column, ...]
    prepare: Callable            # (db, scope, period, regions, limit) -> _Prepared | None
    audience: frozenset[str] | None = None   # roles that may see it; None: its figure's


def _c(key: str, label: str, kind: str = "text") -> Column:
    return Column(key, label, kind)


_NAME, _PERSON, _TOWN = _c("name", "姓名", "name"), _c("person_id", "身份标识", "id"), \
    _c("township_code", "所属镇街", "township")
_PROGRAMME, _AMOUNT = _c("programme", "保障项目"), _c("monthly_amount", "月保障金额（元）", "money")
_MATTER = (_c("matter_id", "事项编号"), _TOWN, _c("petitions", "信访次数", "int"),
           _c("channels", "反映渠道"), _c("first_date", "首次信访日期", "date"),
           _c("last_date", "最近信访日期", "date"), _c("days_open", "历时天数", "int"))

LISTS: dict[str, ListSpec] = {
    "uncovered_persons": ListSpec("尚未纳入保障人员清单", "人", "gap_persons", (
        _NAME, _PERSON, _TOWN, _c("category", "排查类别"), _c("screened_date", "排查日期", "date"),
        _c("days_waiting", "待纳入天数", "int")), _uncovered_persons),
    "deceased_active": ListSpec("死亡未退保人员清单", "人", "deceased_active", (
        _NAME, _PERSON, _TOWN, _PROGRAMME, _c("death_date", "死亡日期", "date"),
        _c("days_since_death", "死亡至今天数", "int"), _AMOUNT), _deceased_active),
    "paid_after_death": ListSpec("死亡后发放明细", "笔", "paid_after_death", (
        _c("payment_id", "发放编号"), _NAME, _PERSON, _c("household_id", "户编号", "id"), _TOWN,
        _PROGRAMME, _c("death_date", "死亡日期", "date"), _c("account_id", "发放账户", "id"),
        _c("holder", "持卡人", "name"), _c("pay_month", "所属月份", "date"),
        _c("paid_date", "发放日期", "date"), _c("amount", "发放金额（元）", "money")), _paid_after_death),
    "pending_crosscheck": ListSpec("待核实比对疑点清单", "条", "crosscheck_pending", (
        _c("hit_id", "疑点编号"), _NAME, _PERSON, _TOWN, _c("register", "比对库"),
        _c("hit_date", "比对日期", "date"), _c("days_pending", "待核实天数", "int")), _pending_crosscheck),
    "staff_relatives": ListSpec("近亲属享受人员清单", "人", "staff_relatives", (
        _NAME, _PERSON, _c("household_id", "户编号", "id"), _TOWN, _PROGRAMME,
        _c("start_date", "纳入日期", "date"), _AMOUNT), _staff_relatives),
    "repeat_matters": ListSpec("重复信访事项清单", "件", "repeat_matters",
                               _MATTER + (_c("resolution", "化解情况"),), _repeat_matters),
    # the same matters, the unresolved alone: no 化解情况 column
    "unresolved_repeat_matters": ListSpec("未化解重复信访事项清单", "件", "unresolved_repeat_matters",
                                          _MATTER, _unresolved_repeat_matters),
    "overdue_petitions": ListSpec("超期未办结信访清单", "件", "overdue_petitions", (
        _c("petition_id", "信访件编号"), _c("matter_id", "事项编号"), _NAME, _TOWN,
        _c("channel", "渠道"), _c("category", "反映问题类别"), _c("received_date", "收到日期", "date"),
        _c("due_date", "办理期限", "date"), _c("days_overdue", "超期天数", "int")), _overdue_petitions),
    "overdue_clues": ListSpec("逾期未办结线索清单", "件", "overdue_clues", (
        _c("clue_id", "线索编号"), _TOWN, _c("source", "线索来源"), _c("category", "问题类别"),
        _c("received_date", "受理日期", "date"), _c("due_date", "办理期限", "date"),
        _c("days_overdue", "逾期天数", "int")), _overdue_clues),
    "transferred_clues": ListSpec("移交纪检监察线索清单", "件", "clues_transferred", (
        _c("clue_id", "线索编号"), _TOWN, _c("category", "问题类别"),
        _c("received_date", "受理日期", "date"), _c("transferred_date", "移交日期", "date"),
        _c("concluded_date", "办结日期", "date"), _c("substantiated", "查证结论"),
        _c("case_filed", "立案情况"), _c("officials_held_accountable", "问责干部数", "int")),
        _transferred_clues, audience=frozenset({"commission"})),
    # how late and who answers for it first; the description last
    "overdue_items": ListSpec("逾期未整改问题清单", "个", "rect_overdue", (
        _c("item_id", "问题编号"), _TOWN, _c("category", "问题类别"),
        _c("found_date", "发现日期", "date"), _c("deadline", "整改时限", "date"),
        _c("days_overdue", "逾期天数", "int"), _c("responsible_unit", "责任单位"),
        _c("name", "责任人", "name"), _c("state", "整改状态"),
        _c("description", "问题描述", "note")), _overdue_items),
    # the ledger's own column order (对账销号台账), as on the page and in its Excel file
    "ledger": ListSpec("对账销号台账", "个", "rect_items", (
        _c("item_id", "问题编号"), _TOWN, _c("source", "问题来源"), _c("category", "问题类别"),
        _c("description", "问题描述", "note"), _c("found_date", "发现日期", "date"),
        _c("responsible_unit", "责任单位"), _c("name", "责任人", "name"),
        _c("deadline", "整改时限", "date"), _c("state", "整改状态"),
        _c("closed_date", "销号日期", "date"), _c("overdue", "是否逾期")), _ledger),
    # a township's open items (乡镇画像, 督导核查清单): the ledger's columns but the closing day
    "open_items": ListSpec("未销号整改问题清单", "个", "rect_unclosed", (
        _c("item_id", "问题编号"), _TOWN, _c("source", "问题来源"), _c("category", "问题类别"),
        _c("found_date", "发现日期", "date"), _c("deadline", "整改时限", "date"),
        _c("overdue", "是否逾期"), _c("state", "整改状态"), _c("responsible_unit", "责任单位"),
        _c("name", "责任人", "name"), _c("description", "问题描述", "note")), _open_items),
}


def matter_petitions(db, matter_id: str, scope: Scope, period: Period, *,
                     regions: Sequence[str] | None = None) -> CaseList:
    """The petitions of one matter received by the as-of day, in order (what a flagged
    matter opens to): empty unless the matter is placed (by its first petition) in
    ``scope`` and the user's regions."""
    q, as_of = Query(scope, period), period.as_of
    p = petition.alias("p_of")
    stmt = select(p.c.petition_id, p.c.received_date, p.c.channel, p.c.category, p.c.status,
                  p.c.closed_date, p.c.petitioner_name.label("name")) \
        .where(p.c.matter_id == matter_id, on_or_before(p.c.received_date, as_of),
               *_gate(db, q, matter_township(p.c.matter_id), regions)) \
        .order_by(p.c.received_date, bytewise(p.c.petition_id))
    prepared = _Prepared("matter_petitions", stmt, {"channel": CHANNEL_LABEL,
                                                    "category": PETITION_CATEGORY_LABEL,
                                                    "status": PETITION_STATUS_LABEL})
    rows = run_statements(db, [_limited(prepared, EXCEL)])[0]
    return _finish(prepared, rows, EXCEL, MATTER_PETITIONS)


MATTER_PETITIONS = ListSpec("信访件明细", "件", "", (
    _c("petition_id", "信访件编号"), _c("received_date", "收到日期", "date"), _c("channel", "渠道"),
    _c("category", "反映问题类别"), _c("status", "办理状态"), _c("closed_date", "办结日期", "date"),
    _NAME), lambda *_: None)


def _person(r):
    """A list's person, grouped by a key SQLite cannot read in index order: it then seeks
    the few qualifying spells (ix_recipient_staff_relative, the deceased) instead of
    walking every spell in person order to spare a sort (province: 1.6 s → ms)."""
    return not_seekable(r.c.person_id).label("person_id")


def _gate(db, q: Query, code_col, regions: Sequence[str] | None) -> list:
    """The scope's code ranges, as the figures apply them, and, when given, the user's
    allowed regions again (a scope built by ``db.scope(code, allowed=regions)`` lies within
    them already: this keeps a list from ever showing a row outside them)."""
    where = q.in_scope(code_col)
    if regions is not None:
        where.append(db.scope(None, allowed=list(regions)).filter(code_col))
    return where


def _limited(prepared: _Prepared, limit: int):
    """The statement cut at ``limit`` rows, with the number of all its rows (COUNT(*)
    OVER (): counted before the limit, in the same pass) unless known already."""
    stmt = prepared.stmt
    if prepared.total is None:
        stmt = stmt.add_columns(func.count().over().label(_TOTAL))
    return stmt.limit(max(0, int(limit)))


def _finish(prepared: _Prepared, rows, limit: int, spec: "ListSpec | None" = None) -> CaseList:
    """The list from its statement's rows: cells by column kind, codes as labels, the
    total and the SUM(…) OVER () columns from its first row."""
    spec = spec or LISTS[prepared.key]
    records = rows.select(*rows.columns)
    at = {c: i for i, c in enumerate(rows.columns)}
    first = records[0] if records else None
    total = prepared.total if prepared.total is not None else int(first[at[_TOTAL]]) if first else 0
    sums = {c[len(_SUM):]: (_number(first[i]) if first else 0.0)
            for c, i in at.items() if c.startswith(_SUM)}
    frame = pd.DataFrame({col.key: _cells(col, [r[at[col.key]] for r in records], prepared.labels.get(col.key))
                          for col in spec.columns}, columns=[c.key for c in spec.columns])
    return CaseList(prepared.key, spec.title, spec.unit, spec.columns, frame, total, limit, sums)


def _cells(col: Column, values: list, labels: dict | None) -> list:
    """A column's cells; codes labelled once per distinct value (a list repeats a few)."""
    if labels is None:
        return [_cell(col, v) for v in values]
    done: dict = {}
    return [done[v] if v in done else done.setdefault(v, _labelled(v, labels)) for v in values]


def _cell(col: Column, value):
    if value is None:
        return None
    if col.kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if col.kind == "int":
        return int(value)
    if col.kind == "money":
        return _number(value)
    return value


def _labelled(codes, labels: dict) -> str:
    """A code, or a person's codes joined by commas (codes_of), as their labels."""
    if codes is None:
        return dim_label(labels, None)
    found = set(str(codes).split(","))
    ordered = [k for k in labels if k in found] + sorted(found - set(labels))
    return "、".join(dim_label(labels, k) for k in ordered)


def _number(value) -> float:
    return 0.0 if value is None else round(float(value), 2)
