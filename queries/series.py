"""Monthly series of the figures, for trend charts (metrics.md: flows count events dated
in the period, stocks are evaluated on the day).

``monthly(db, keys, scope, first_month, as_of)`` gives one row per month from
``first_month`` to the month of ``as_of``: a flow figure counts the events dated in that
month (up to ``as_of`` in its last month), a stock figure is its value on the month's last
day (``as_of`` for the last month), a rate is the ratio of its two counts on that point.

Each measure set that has a series (``series_of``) yields, in ONE grouped statement, the
change of its counts per month (``GROUP BY`` the month of each event), never one query per
month. A flow is the month's events; a stock is the running sum of the changes from the
first event of all history, so every stock here is written as events: +1 when a row starts
to count, −1 when it stops (漏保: when a person's latest screening starts or stops to
decide, when a spell of cover begins or ends). The last point of every series equals
``compute`` for that as-of day (tested on hand-worked rows and on the demo's truths).
"""
from __future__ import annotations

import calendar
import inspect
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Mapping

import pandas as pd
from sqlalchemy import and_, case, exists, func, literal, literal_column, or_, select, tuple_, union_all
from sqlalchemy.sql import ColumnElement, Select

from queries.coverage import CORE
from queries.figures import MEASURE_SETS, METRICS, Metric, Query, plain_number, rate
from queries.period import Period
from queries.payments import (
    judged_payments, late, paid_in, payment_measures, scope_spells, seeks_below_top, suspects,
)
from queries.petitions import placed_township, repeat_facts, scope_petitions
from queries.schema import clue, death_record, payment, recipient, rectification, screening
from queries.scope import Scope
from queries.sql import (
    bytewise, count_if, day, distinct_if, earlier, flag, is_true, later, latest, month_key,
    not_seekable, on_or_before,
)
from queries.statements import run_statements

MONTH = "m"                    # the month bucket (YYYYMM) every series statement groups by
FAR = date(9999, 12, 31)       # an open spell's end


@dataclass(frozen=True)
class SeriesSet:
    """The monthly statement of one measure set: ``build`` yields rows (MONTH, change of
    each column); ``deltas`` names, for each measure of the set a figure may read, the
    column of its monthly change. A flow figure reads a column of events, a stock figure
    the running sum of one."""

    measure_set: str
    build: Callable[[Query, str], Select]      # (query, dialect name)
    deltas: Mapping[str, str]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.deltas.values()))

    def make(self, q: Query, dialect: str, needed: frozenset[str]) -> Select:
        """The statement; a builder that takes ``columns`` is told which columns the
        figures read (the others it may yield as 0)."""
        if "columns" in inspect.signature(self.build).parameters:
            return self.build(q, dialect, columns=needed)
        return self.build(q, dialect)


SERIES: dict[str, SeriesSet] = {}


def series_of(measure_set: str, **deltas: str):
    """Decorator registering a builder ``(Query, dialect) -> Select`` as the monthly
    statement of ``measure_set``; ``deltas``: measure name → column of its monthly change."""
    def register(build: Callable[[Query, str], Select]):
        if measure_set not in MEASURE_SETS or measure_set in SERIES:
            raise ValueError(f"series of {measure_set}: unknown set or declared twice")
        SERIES[measure_set] = SeriesSet(measure_set, build, dict(deltas))
        return build
    return register


def supported(key: str) -> bool:
    """Whether figure ``key`` has a monthly series."""
    m = METRICS[key]
    s = SERIES.get(m.measure_set)
    return s is not None and m.num in s.deltas and (m.den is None or m.den in s.deltas)


def monthly(db, keys: Iterable[str], scope: Scope, first_month: date, as_of: date) -> pd.DataFrame:
    """The figures ``keys`` month by month for ``scope`` (its total; no breakdown).

    Rows: one per month from the month of ``first_month`` to the month of ``as_of``.
    Columns: ``month`` (its first day), ``day`` (the point's day: the month's last day, or
    ``as_of`` in the last month), one column per figure, and for a rate ``<key>.num`` and
    ``<key>.den``. Counts of a month without events are 0; a rate with a zero denominator
    is None. A figure whose optional table is missing is all None. Raises KeyError for a
    figure without a series (``supported``).
    """
    metrics = [METRICS[k] for k in keys]
    missing = [m.key for m in metrics if not supported(m.key)]
    if missing:
        raise KeyError(f"no monthly series for {missing}")
    months = month_starts(first_month, as_of)
    days = [min(_month_end(m), as_of) for m in months]
    if not months:
        return pd.DataFrame(columns=["month", "day", *[c for m in metrics for c in _columns(m)]])
    names = [n for n in dict.fromkeys(m.measure_set for m in metrics)
             if not (MEASURE_SETS[n].requires and not db.has(MEASURE_SETS[n].requires))]
    q = Query(scope, Period("series", months[0], as_of, as_of, db.data_as_of))
    needed = {n: frozenset(SERIES[n].deltas[c] for m in metrics if m.measure_set == n
                           for c in (m.num, m.den) if c is not None) for n in names}
    results = dict(zip(names, run_statements(db, [SERIES[n].make(q, db.dialect, needed[n])
                                                  for n in names])))
    changes = {n: _changes(rows.select(MONTH, *SERIES[n].columns), SERIES[n].columns)
               for n, rows in results.items()}
    frame = pd.DataFrame({"month": months, "day": days})
    columns: dict[str, list] = {}
    for m in metrics:
        columns.update(_figure(m, changes.get(m.measure_set), months))
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index, dtype=object)], axis=1)


def month_starts(first_month: date, as_of: date) -> list[date]:
    """The first days of the months from the month of ``first_month`` to that of ``as_of``."""
    out, m = [], first_month.replace(day=1)
    while m <= as_of:
        out.append(m)
        m = date(m.year + m.month // 12, m.month % 12 + 1, 1)
    return out


def months_back(as_of: date, n: int = 12) -> date:
    """The first day of the month ``n - 1`` months before that of ``as_of``: a series of
    ``n`` points ending on ``as_of``."""
    k = as_of.year * 12 + as_of.month - 1 - (n - 1)
    return date(k // 12, k % 12 + 1, 1)


def _month_end(m: date) -> date:
    return m.replace(day=calendar.monthrange(m.year, m.month)[1])


def _key(m: date) -> int:
    return m.year * 100 + m.month


def _changes(records: list[tuple], columns: tuple[str, ...]) -> dict[int, list]:
    """{YYYYMM: [change of each column]}, the statement's parts added up."""
    out: dict[int, list] = {}
    for month, *values in records:
        acc = out.setdefault(int(month), [0] * len(columns))
        for i, v in enumerate(values):
            acc[i] += 0 if v is None else plain_number(v)
    return out


def _columns(m: Metric) -> list[str]:
    return [m.key] + ([f"{m.key}.num", f"{m.key}.den"] if m.is_rate else [])


def _figure(m: Metric, changes: dict[int, list] | None, months: list[date]) -> dict[str, list]:
    if changes is None:                      # its optional table is missing
        return {m.key: [None] * len(months)}
    s = SERIES[m.measure_set]
    num = _points(changes, s.columns.index(s.deltas[m.num]), months, m.kind == "stock")
    if m.den is None:
        return {m.key: num}
    den = _points(changes, s.columns.index(s.deltas[m.den]), months, m.kind == "stock")
    return {m.key: [rate(a, b, m.scale) for a, b in zip(num, den)],
            f"{m.key}.num": num, f"{m.key}.den": den}


def _points(changes: dict[int, list], i: int, months: list[date], stock: bool) -> list:
    """A flow: each month's change. A stock: the running sum of every change up to the
    month (history before the first month included)."""
    if not stock:
        return [changes.get(_key(m), [0] * (i + 1))[i] for m in months]
    ordered = sorted(changes.items())
    out, total, at = [], 0, 0
    for m in months:
        while at < len(ordered) and ordered[at][0] <= _key(m):
            total += ordered[at][1][i]
            at += 1
        out.append(total)
    return out


# --------------------------------------------------------------------------- statements

Part = tuple[ColumnElement, dict[str, ColumnElement], list, object]   # (date, measures, where, from)


def _by_month(q: Query, columns: tuple[str, ...], *parts: Part) -> Select:
    """One statement: for each part, its events grouped by the month of their date (on or
    before the as-of day), every column present (0 where a part has none)."""
    selects = []
    for when, measures, where, from_ in parts:
        cols = [month_key(when).label(MONTH)] + [
            (measures[c] if c in measures else literal(0)).label(c) for c in columns]
        selects.append(select(*cols).select_from(from_)
                       .where(*where, on_or_before(when, q.period.as_of))
                       .group_by(literal_column(MONTH)))
    return selects[0] if len(selects) == 1 else union_all(*selects)


@series_of("clue_counts", received="received", received_total="received", official="official",
           concluded="concluded", substantiated="substantiated", disposed="disposed",
           on_time="on_time")
def clue_series(q: Query, _dialect: str) -> Select:
    """Clues received by month; concluded by month of the day both its receipt and its
    conclusion had happened (concluded on D = received ≤ D and concluded ≤ D)."""
    c = clue.alias("c")
    scope = q.in_scope(c.c.township_code)
    substantiated = is_true(c.c.substantiated)
    received = {"received": func.count(), "official": count_if(is_true(c.c.involves_official))}
    concluded = {
        "concluded": func.count(), "substantiated": count_if(substantiated),
        "disposed": count_if(and_(substantiated, is_true(c.c.disposed))),
        "on_time": count_if(c.c.concluded_date <= c.c.due_date),
    }
    return _by_month(q, SERIES["clue_counts"].columns,
                     (c.c.received_date, received, scope, c),
                     (later(c.c.received_date, c.c.concluded_date), concluded,
                      [c.c.concluded_date.is_not(None), *scope], c))


@series_of("rectification_items", items="items", closed="closed", unclosed="unclosed",
           closed_on_time="closed_on_time")
def rectification_series(q: Query, _dialect: str) -> Select:
    """Items by month found (+1 open); closed by month of the day both its finding and its
    closing had happened (−1 open), as ``rectification._events`` for the burn-down."""
    i = rectification.alias("i")
    scope = q.in_scope(i.c.township_code)
    closed = {"closed": func.count(), "unclosed": -func.count(),
              "closed_on_time": count_if(i.c.closed_date <= i.c.deadline)}
    return _by_month(q, SERIES["rectification_items"].columns,
                     (i.c.found_date, {"items": func.count(), "unclosed": func.count()}, scope, i),
                     (later(i.c.found_date, i.c.closed_date), closed,
                      [i.c.closed_date.is_not(None), *scope], i))


@series_of("repeat_matters", new="new", total="new")
def repeat_series(q: Query, _dialect: str) -> Select:
    """Repeat matters by month of their N-th petition (新增); 重复信访事项 on a day is the
    running sum (a matter stays a repeat matter). The matters of ``repeat_facts``, placed
    by their first petition. Only the columns read are kept: SQLite computes every
    column of a grouped subquery, and the last petition's closing is a seek per matter
    (province: 0.28 → 0.16 s); the township only below the top."""
    keep = ("nth_date",) + (() if q.scope.is_whole_deployment else ("township_code",))
    f = repeat_facts(q, keep)
    return select(month_key(f.c.nth_date).label(MONTH), func.count().label("new")) \
        .select_from(f).where(*(q.in_scope(f.c.township_code) if "township_code" in keep else [])) \
        .group_by(literal_column(MONTH))


PETITION_EVENTS = ("petitions", "closed")


@series_of("petition_matters", petitions="petitions", closed="closed")
def petition_series(q: Query, _dialect: str,
                    columns: frozenset[str] = frozenset(PETITION_EVENTS)) -> Select:
    """Petitions received (and closed) by month, each counted where its matter's first
    petition lies: below the top, the scope's matters' petitions are read once for both
    (summed per matter and month of each event, the matter's township a seek per group);
    the whole deployment holds every matter and counts its petitions by month. A petition
    closed counts in the month of its closing, when it was received by the as-of day (as
    信访按期办结率 counts it). Only the columns read are computed."""
    p = scope_petitions(q, "p_s", "matter_id", "received_date", "closed_date", "township_code")
    start, as_of = q.period.start, q.period.as_of
    wanted = [c for c in PETITION_EVENTS if c in columns] or ["petitions"]
    when = {"petitions": p.c.received_date, "closed": p.c.closed_date}
    event = {c: and_(not_seekable(when[c]) >= day(start), on_or_before(when[c], as_of),
                     on_or_before(p.c.received_date, as_of)) for c in wanted}
    if q.scope.is_whole_deployment:
        parts = [select(month_key(when[c]).label(MONTH), func.count().label(c)).where(event[c])
                 .group_by(literal_column(MONTH)) for c in wanted]
    else:
        # one pass instead of one per column (PostgreSQL, a district: 46 → 28 ms)
        months = {c: case((event[c], month_key(when[c]))) for c in wanted}
        f = select(*[m.label(f"m_{c}") for c, m in months.items()], func.count().label("n"),
                   placed_township(q, p, grouped=True).label("township_code")) \
            .where(or_(*event.values())) \
            .group_by(p.c.matter_id, *[literal_column(f"m_{c}") for c in months]).cte("matter_months")
        parts = [select(f.c[f"m_{c}"].label(MONTH), func.sum(f.c.n).label(c))
                 .where(f.c[f"m_{c}"].is_not(None), *q.in_scope(f.c.township_code))
                 .group_by(f.c[f"m_{c}"]) for c in wanted]
    # every part yields the month and every column, the others' as 0, in one order
    order = (MONTH, *PETITION_EVENTS)
    parts = [part.add_columns(*[literal(0).label(o) for o in PETITION_EVENTS if o != c])
             for part, c in zip(parts, wanted)]
    parts = [part.with_only_columns(*sorted(part.selected_columns, key=lambda col: order.index(col.key)),
                                    maintain_column_froms=True) for part in parts]
    return parts[0] if len(parts) == 1 else union_all(*parts)


PAYMENT_MEASURES = ("payments", "amount", "late", "on_time", "mismatch", "mismatch_amount",
                    "holder_unknown")


@series_of("payments", **{m: m for m in PAYMENT_MEASURES})
def payment_series(q: Query, _dialect: str, columns: frozenset[str] = frozenset(PAYMENT_MEASURES)) -> Select:
    """一卡通 payments by month paid (flows): ``payments.payment_counts`` month by month.
    Counts, 元 and lateness alone (what the page's trend reads) are one pass over the
    payments by month (of the scope's spells below the top); 持卡人不一致 and 未核实 are
    judged per spell, account and holder, summed by month."""
    simple = {"payments", "amount", "late", "on_time"}
    if columns <= simple:
        p = payment.alias("p_m")
        spells = scope_spells(q)
        if spells is not None:
            spells = spells.subquery("in_scope")
        from_ = p if spells is None else spells.join(p, p.c.recipient_id == spells.c.recipient_id)
        month = month_key(p.c.paid_date)
        return select(month.label(MONTH), func.count().label("payments"), func.sum(p.c.amount).label("amount"),
                      count_if(late(p)).label("late"), count_if(~late(p)).label("on_time"),
                      *[literal(0).label(c) for c in PAYMENT_MEASURES if c not in simple]) \
            .select_from(from_).where(paid_in(p, q.period)).group_by(literal_column(MONTH))
    judged = judged_payments(q, by_month=True)
    return seeks_below_top(q, select(judged.c.month.label(MONTH), *payment_measures(judged))
                           .where(*q.in_scope(judged.c.township_code)).group_by(literal_column(MONTH)))


@series_of("payment_suspects", suspect="suspect", shared="shared", persons="persons")
def payment_household_series(q: Query, _dialect: str) -> Select:
    """Households with a 疑点 payment (and paid into a shared account), and persons paid
    into several accounts, by month, each month a period of its own: an account is shared,
    a person has several cards, within the month."""
    found = suspects(q, by_month=True)
    rows = found.rows
    # each row's flags first, counted after: MariaDB refuses the flags' subqueries inside
    # an aggregate's argument
    flags = select(rows.s.c.month, rows.s.c.household_id, rows.s.c.person_id,
                   flag(found.suspect()).label("suspect"), flag(rows.shared(found.shared)).label("shared"),
                   flag(rows.multi_card(found.multi)).label("persons")) \
        .select_from(rows.s).where(*q.in_scope(rows.s.c.township_code)).subquery("flags")
    return seeks_below_top(q, select(flags.c.month.label(MONTH),
                                     distinct_if(flags.c.suspect == 1, flags.c.household_id).label("suspect"),
                                     distinct_if(flags.c.shared == 1, flags.c.household_id).label("shared"),
                                     distinct_if(flags.c.persons == 1, flags.c.person_id).label("persons"))
                           .group_by(literal_column(MONTH)))


@series_of("screened_eligible", count="eligible", count_with_value="gap")
def gap_series(q: Query, dialect: str, columns: frozenset[str] = frozenset({"eligible", "gap"})) -> Select:
    """漏保 as events. A screening row decides for its person from its own day until the
    person's next row (in (date, id) order) or death, whichever comes first: while it is
    eligible, the person counts in the denominator (+1 on its day, −1 on that end). Cover
    is the union of the person's 低保/特困 spells, as disjoint pieces (``_overlaps``:
    overlapping spells count once); each piece's overlap with a deciding eligible row is
    −1 漏保 from its start and +1 again from its end. 漏保 on D = eligible on D − covered
    on D: ``coverage.latest_screening`` and ``coverage.covered`` on every day at once.

    Only the points matter (the month ends and the as-of day), so the statement leaves
    out what changes none of them: an interval (a row's deciding days, an overlap) that
    holds no point, and, for 漏保 alone (``columns``), a row that one spell covers from
    its first point to the as-of day, which one index probe tells before the row's next
    row, death and pieces are sought (province: 125 k rows, 59 k left). Events before the
    first month count in it (``_events``)."""
    rows = _deciding_rows(q, dialect, uncovered_only="eligible" not in columns) \
        .cte("deciding").prefix_with("MATERIALIZED", dialect="postgresql") \
        .prefix_with("MATERIALIZED", dialect="sqlite")
    ends = earlier(rows.c.nxt, rows.c.died)             # NULL: it decides for good
    open_ = select(rows.c.person_id, rows.c.a, ends.label("en")) \
        .where(*_holds_point(q, rows.c.a, ends)).cte("open_rows")
    measures = {"eligible": func.count(), "gap": func.count()} if "eligible" in columns \
        else {"gap": func.count()}
    overlap = _overlaps(q, open_, dialect)
    return _by_month(q, SERIES["screened_eligible"].columns,
                     *_events(q, open_.c.a, open_.c.en, measures, [], open_),
                     *_events(q, overlap.c.lo, overlap.c.hi, {"gap": -func.count()},
                              [overlap.c.lo < overlap.c.hi,
                               *_holds_point(q, overlap.c.lo, overlap.c.hi)], overlap))


def _overlaps(q: Query, rows, dialect: str):
    """Each deciding row's overlap [lo, hi) with each piece of its person's cover (lo ≥
    hi: none). A piece is a 低保/特困 spell started by the as-of day, from the latest end
    of the person's spells before it in (start, end) order when that is later than its
    start (after a twin, an empty piece): overlapping spells then count once.

    Two shapes, for what each engine does fast (province, 55 k rows, 42 k spells): SQLite
    and MySQL probe the spells before each spell (its index holds the id that orders
    twins: SQLite's rowid, InnoDB's primary key); PostgreSQL reads the spells index-only
    and takes the earlier spells' end from a window over the rows' spells (the id would
    read each spell's table row: 0.9 → 0.6 s)."""
    r = recipient.alias("r_cover")
    as_of = q.period.as_of
    spell_end = func.coalesce(r.c.end_date, day(FAR))
    if dialect in ("postgresql", "duckdb"):
        before = func.max(spell_end).over(partition_by=(rows.c.person_id, rows.c.a),
                                          order_by=(r.c.start_date, spell_end), rows=(None, -1))
    else:
        before = _spells_before(r, as_of, dialect)
    # the latest of the row's day, the spell's start and the earlier spells' end, each
    # written once: a probe among them runs once per spell
    lo = latest(rows.c.a, r.c.start_date, func.coalesce(before, r.c.start_date))
    hi = earlier(rows.c.en, spell_end)
    return select(lo.label("lo"), hi.label("hi")) \
        .select_from(rows.join(r, r.c.person_id == rows.c.person_id)).where(*_spells(r, as_of)) \
        .cte("overlap").prefix_with("MATERIALIZED", dialect="postgresql") \
        .prefix_with("MATERIALIZED", dialect="sqlite")


def _spells(r, as_of: date) -> list[ColumnElement]:
    """The 低保/特困 spells (recipient alias ``r``) started by the as-of day, not empty."""
    return [not_seekable(r.c.programme).in_(CORE), on_or_before(r.c.start_date, as_of),
            or_(r.c.end_date.is_(None), r.c.end_date > r.c.start_date)]


def _spells_before(r, as_of: date, dialect: str) -> ColumnElement:
    """The latest end of the person's spells before spell ``r`` in (start, end, id) order."""
    r2 = recipient.alias("r_before")

    def order(t):
        tie = literal_column(f"{t.name}.rowid") if dialect == "sqlite" else bytewise(t.c.recipient_id)
        return tuple_(t.c.start_date, func.coalesce(t.c.end_date, day(FAR)), tie)

    return select(func.max(func.coalesce(r2.c.end_date, day(FAR)))) \
        .where(r2.c.person_id == r.c.person_id, *_spells(r2, as_of), order(r2) < order(r)) \
        .scalar_subquery()


def _holds_point(q: Query, start: ColumnElement, stop: ColumnElement) -> list[ColumnElement]:
    """[start, stop) holds a point of the series (stop NULL: never stops): a month end
    from the later of start's month and the first month on, before stop's month, or the
    as-of day itself."""
    first = literal(_key(q.period.start))
    return [start <= day(q.period.as_of),
            or_(stop.is_(None), stop > day(q.period.as_of),
                month_key(stop) > case((month_key(start) > first, month_key(start)), else_=first))]


def _events(q: Query, start: ColumnElement, stop: ColumnElement,
            measures: dict[str, ColumnElement], where: list, from_) -> list[Part]:
    """An interval's two events: ``measures`` from ``start`` (counted in the first month
    when earlier: every point lies after it) and their opposite from ``stop`` (after the
    as-of day or NULL: none)."""
    opposite = {k: -v for k, v in measures.items()}
    return [(later(start, day(q.period.start)), measures, where, from_),
            (stop, opposite, [*where, stop.is_not(None)], from_)]


def _deciding_rows(q: Query, dialect: str, *, uncovered_only: bool) -> Select:
    """The eligible screening rows of the scope on or before the as-of day, each with the
    day of the person's next row (``nxt``, in (date, id) order; NULL: none by the as-of
    day) and the person's death (``died``, the earliest record). With ``uncovered_only``,
    only the rows that no one spell covers from their first point to the as-of day (the
    others are never 漏保 on a point).

    Shapes for what each engine does fast (province, 125 k rows; 59 k uncovered): SQLite
    seeks the next row and the death per row (its window over every screening takes
    0.85 s). PostgreSQL runs such seeks as subplans of several µs each: for every row it
    streams a window over the person-ordered index instead (0.3 s), for the uncovered
    rows it seeks the next row (0.15 s) and, for the whole deployment, merge-joins the
    deaths."""
    s, d = screening.alias("s"), death_record.alias("d")
    stream = dialect in ("postgresql", "duckdb")
    if stream and not uncovered_only:
        return _deciding_by_window(q)
    where = [is_true(s.c.assessed_eligible), on_or_before(s.c.screened_date, q.period.as_of),
             *q.in_scope(s.c.township_code)]
    if uncovered_only:
        where.append(~_covered_from(q, s.c.person_id, s.c.screened_date))
    n = screening.alias("s_next")
    next_date = select(func.min(n.c.screened_date)).where(
        n.c.person_id == s.c.person_id,
        tuple_(n.c.screened_date, bytewise(n.c.screening_id))
        > tuple_(s.c.screened_date, bytewise(s.c.screening_id))).scalar_subquery()
    cols = [s.c.person_id, s.c.screened_date.label("a"), next_date.label("nxt")]
    # below the top a seek: a join would group all the deaths first (district: 60 → 5 ms)
    if stream and q.scope.is_whole_deployment:
        deaths = select(d.c.person_id, func.min(d.c.death_date).label("died")) \
            .group_by(d.c.person_id).subquery("deaths")
        return select(*cols, deaths.c.died) \
            .select_from(s.outerjoin(deaths, deaths.c.person_id == s.c.person_id)).where(*where)
    died = select(func.min(d.c.death_date)).where(d.c.person_id == s.c.person_id).scalar_subquery()
    return select(*cols, died.label("died")).where(*where)


def _deciding_by_window(q: Query) -> Select:
    """``_deciding_rows`` from a window over every row of the persons with a row in scope
    (the next row may lie elsewhere) and the deaths merge-joined."""
    s, d = screening.alias("s"), death_record.alias("d")
    persons = [] if q.scope.is_whole_deployment else [s.c.person_id.in_(
        select(screening.c.person_id).where(*q.in_scope(screening.c.township_code)))]
    rows = select(s.c.person_id, s.c.township_code, s.c.assessed_eligible,
                  s.c.screened_date.label("a"),
                  func.lead(s.c.screened_date).over(
                      partition_by=s.c.person_id,
                      order_by=(s.c.screened_date, bytewise(s.c.screening_id))).label("nxt")) \
        .where(s.c.screened_date <= day(q.period.as_of), *persons).subquery("rows")
    deaths = select(d.c.person_id, func.min(d.c.death_date).label("died")) \
        .group_by(d.c.person_id).subquery("deaths")
    return select(rows.c.person_id, rows.c.a, rows.c.nxt, deaths.c.died) \
        .select_from(rows.outerjoin(deaths, deaths.c.person_id == rows.c.person_id)) \
        .where(is_true(rows.c.assessed_eligible), *q.in_scope(rows.c.township_code))


def _covered_from(q: Query, person_id: ColumnElement, screened: ColumnElement) -> ColumnElement:
    """One 低保/特困 spell of the person covers every point from the first on or after the
    screening day ``screened`` to the as-of day: it starts by the later of that day and
    the first point, and lasts beyond the as-of day."""
    r = recipient.alias("r_through")
    as_of = q.period.as_of
    first_point = min(_month_end(q.period.start), as_of)
    return exists().where(r.c.person_id == person_id, not_seekable(r.c.programme).in_(CORE),
                          r.c.start_date <= later(screened, day(first_point)),
                          or_(r.c.end_date.is_(None), r.c.end_date > day(as_of)))


__all__ = ["SERIES", "SeriesSet", "monthly", "month_starts", "months_back", "series_of",
           "supported"]