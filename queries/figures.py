"""Every figure of metrics.md, declared once, and the one runner that computes them.

A *measure set* is one SQL statement that yields several named counts per group (for
example all clue counts); a *metric* names its label, unit, direction and flow/stock,
and which measures of which set make it (a count, or a ratio of two counts — never a mean
of per-row ratios). The runner executes each needed set twice: once for the scope's own
total (no grouping: distinct people and matters do not add up) and once grouped one level
down, with rows of unknown codes gathered as 未识别区划.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable

import pandas as pd
from sqlalchemy import case, func, literal, literal_column, null, select
from sqlalchemy.sql import ColumnElement, Select

import settings
from queries.db import fetch
from queries.period import Period
from queries.scope import UNKNOWN_LABEL, Scope

GROUP = "grp"                 # the label of the grouping column in every measure set
PART = "part"                 # people sets: 'g' rows per group, one 't' row for the scope
HIST_X, HIST_N = "x", "n"     # a histogram set yields (grp, x, n): n rows with value x


@dataclass(frozen=True)
class Query:
    """What a measure-set builder needs: the scope, the period, and how to group."""

    scope: Scope
    period: Period
    group: str | None = None            # None: scope total; 'region': one level down; else a dimension

    @property
    def repeat_threshold(self) -> int:
        return int(settings.get("OVERSIGHT_REPEAT_THRESHOLD"))

    def select(self, code_col: ColumnElement, measures: Iterable[ColumnElement], *where,
               dims: dict[str, ColumnElement] | None = None, from_=None,
               scoped: bool = True) -> Select:
        """SELECT <group key>, measures FROM from_ WHERE where AND <scope> [GROUP BY key].

        ``code_col`` is the township code that places a row; ``dims`` the columns a
        dimension breakdown may group by. With ``scoped=False`` the builder has already
        applied the scope (e.g. to the first petition of a matter).
        """
        key = self._key(code_col, dims or {})
        stmt = select(key.label(GROUP), *measures) if key is not None else select(*measures)
        stmt = self._from_where(stmt, code_col, where, from_, scoped)
        if key is not None:
            # group by the output name: PostgreSQL rejects a repeated expression whose
            # bound parameters (the IN list of child codes) are numbered anew
            stmt = stmt.group_by(literal_column(GROUP))
        return stmt

    def people(self, code_col: ColumnElement, person_col: ColumnElement,
               conditions: dict[str, ColumnElement], *where, from_, dims=None) -> Select:
        """Distinct persons meeting each condition, per group and for the whole scope, in
        one statement — without a COUNT(DISTINCT) over every row.

        A person with one qualifying row in the scope is counted by a plain sum, which adds
        up across groups (part 'g'). Persons with several rows (the CTE ``multi``, a few
        percent) are counted distinctly per group (part 'm') and once for the scope (part
        't'). Each condition yields the column ``<name>``.
        """
        conds = self._conditions(code_col, where, scoped=True)
        multi = (select(person_col.label("person_id")).select_from(from_)
                 .where(*conds, person_col.is_not(None))
                 .group_by(person_col).having(func.count() > 1).cte("multi"))
        key = self._key(code_col, dims or {})
        group_col = (key if key is not None else null()).label(GROUP)
        # IN / NOT IN on the CTE: a hashed lookup on PostgreSQL whatever its (poor) estimate
        # of the CTE's size; a join let it hash the 1.2 M-row side instead
        multi_ids = select(multi.c.person_id)

        def part(name: str, aggregate, rows_from, *extra, grouped: bool, by_code: bool = False):
            # singles add up, so they group by the raw township code (streams over the
            # covering index) and are rolled up to the children in Python
            label = code_col.label(GROUP) if by_code else group_col
            cols = [literal(name).label(PART), label if grouped else null().label(GROUP)]
            cols += [aggregate(cond).label(n) for n, cond in conditions.items()]
            stmt = select(*cols).select_from(rows_from).where(*conds, *extra)
            return stmt.group_by(literal_column(GROUP)) if grouped and key is not None else stmt

        singles = part("g", lambda c: func.sum(case((c, 1), else_=0)), from_,
                       person_col.not_in(multi_ids), grouped=True,
                       by_code=self.group == "region")
        distinct = lambda c: func.count(func.distinct(case((c, person_col))))  # noqa: E731
        per_group = part("m", distinct, from_, person_col.in_(multi_ids), grouped=True)
        total = part("t", distinct, from_, person_col.in_(multi_ids), grouped=False)
        return singles.union_all(per_group, total)

    def histogram(self, code_col: ColumnElement, x: ColumnElement, *where, from_=None,
                  scoped: bool = True) -> Select:
        """Per-value counts (for medians): SELECT [key,] x, count(*) GROUP BY [key,] x."""
        key = self._key(code_col, {})
        cols = ([key.label(GROUP)] if key is not None else []) + [x.label(HIST_X),
                                                                 func.count().label(HIST_N)]
        stmt = self._from_where(select(*cols), code_col, where, from_, scoped)
        group = ([literal_column(GROUP)] if key is not None else []) + [literal_column(HIST_X)]
        return stmt.group_by(*group)

    def _conditions(self, code_col: ColumnElement, where, *, scoped: bool) -> list[ColumnElement]:
        """The builder's conditions, and the scope's code ranges unless already applied."""
        conditions = [w for w in where if w is not None]
        if scoped and (f := self.scope.filter(code_col)) is not None:
            conditions.append(f)
        return conditions

    def _from_where(self, stmt: Select, code_col: ColumnElement, where, from_,
                    scoped: bool) -> Select:
        if from_ is not None:
            stmt = stmt.select_from(from_)
        conditions = self._conditions(code_col, where, scoped=scoped)
        return stmt.where(*conditions) if conditions else stmt

    def _key(self, code_col: ColumnElement, dims: dict[str, ColumnElement]) -> ColumnElement | None:
        if self.group is None:
            return None
        if self.group == "region":
            return self.scope.child_key(code_col)
        if self.group == "township":       # raw codes: rolled up to the children in Python
            return code_col
        if self.group not in dims:
            raise ValueError(f"dimension {self.group!r} not offered by this measure set")
        return dims[self.group]


@dataclass(frozen=True)
class MeasureSet:
    name: str
    build: Callable[[Query], Select]
    requires: str | None = None        # an optional table the set needs (payment, crosscheck_hit)
    histogram: bool = False
    dims: tuple[str, ...] = ()         # dimension breakdowns offered besides 'region'
    # Additive: every unit row (a clue, an item, a payment, a matter placed by its first
    # petition, a person placed by their latest screening row) falls in exactly one group,
    # 未识别区划 included, so the scope total is the sum of the groups — identical by
    # construction, and one query instead of two. Sets that count people over several
    # rows (a person with spells in two townships) are not additive: their total is a
    # query of its own.
    additive: bool = True
    # People counted over several rows: the builder returns groups and the scope total in
    # one statement (see Query.people), marked by a PART column.
    people: bool = False


@dataclass(frozen=True)
class Metric:
    key: str
    label: str                          # the exact Chinese label of metrics.md
    area: str                           # coverage | petitions | clues | rectification
    unit: str                           # 人 件 个 笔 元 天 % ‰
    direction: int                      # +1 higher is better, -1 higher is worse, 0 neither
    kind: str                           # 'flow' (events in the period) or 'stock' (on the as-of day)
    measure_set: str
    num: str                            # measure column; for a histogram set: a HISTOGRAM_REDUCERS name
    den: str | None = None              # measure column, or '@population' for per-capita
    scale: float = 1.0                  # 100 for %, 1000 for ‰, 10000 per 10,000 residents
    description: str = ""
    latest_only: bool = False           # status splits exist only on the latest day
    audience: frozenset[str] | None = None  # roles that may see it; None = everyone
    decimals: int = 0

    @property
    def is_rate(self) -> bool:
        return self.den is not None

    @property
    def requires(self) -> str | None:
        return MEASURE_SETS[self.measure_set].requires


MEASURE_SETS: dict[str, MeasureSet] = {}
METRICS: dict[str, Metric] = {}


def measure_set(name: str, *, requires: str | None = None, histogram: bool = False,
                dims: tuple[str, ...] = (), additive: bool = True, people: bool = False):
    """Decorator registering a builder ``(Query) -> Select`` as a measure set."""
    def register(build: Callable[[Query], Select]):
        if name in MEASURE_SETS:
            raise ValueError(f"measure set {name} declared twice")
        MEASURE_SETS[name] = MeasureSet(name, build, requires, histogram, dims,
                                        additive and not people, people)
        return build
    return register


def register(*metrics: Metric) -> None:
    for m in metrics:
        if m.key in METRICS:
            raise ValueError(f"metric {m.key} declared twice")
        if m.label in {x.label for x in METRICS.values()}:
            raise ValueError(f"label {m.label} used twice")
        METRICS[m.key] = m


# --------------------------------------------------------------------------- running

@dataclass
class _SetResult:
    total: pd.DataFrame                 # one row (or a histogram)
    groups: pd.DataFrame                # one row per group key (or a histogram)

    def __post_init__(self) -> None:
        # looked up once per group key, not filtered per metric and row (a township-grain
        # breakdown has 1,200 rows)
        keys = [None if _is_null(k) else k for k in self.groups[GROUP]] if GROUP in self.groups else []
        self.rows: dict = {}
        self.hists: dict = {}
        if keys and HIST_X in self.groups.columns:
            for key, part in self.groups.assign(**{GROUP: keys}).groupby(GROUP, dropna=False):
                self.hists[None if _is_null(key) else key] = part
        else:
            for key, record in zip(keys, self.groups.to_dict("records")):
                self.rows.setdefault(key, record)


_PAGE_RUN: ContextVar[dict | None] = ContextVar("page_run_results", default=None)


@contextmanager
def page_run():
    """Within one page run, a statement that was already executed is not executed again
    (the overview's problem index reuses the period's township-grain counts). Held in a
    context variable: every Streamlit session runs in a thread of its own."""
    token = _PAGE_RUN.set({})
    try:
        yield
    finally:
        _PAGE_RUN.reset(token)


def run_set(db, name: str, scope: Scope, period: Period, group: str | None) -> pd.DataFrame:
    """Execute one measure set; ``group`` None gives the scope total."""
    stmt = MEASURE_SETS[name].build(Query(scope, period, group))
    memo = _PAGE_RUN.get()
    if memo is None:
        return fetch(db.engine, stmt)
    # SQLAlchemy's own statement cache key: the statement's structure and its parameter
    # values, without compiling it a second time (execution compiles from its cache)
    cache_key = stmt._generate_cache_key()
    key = (id(db), cache_key.key, repr([p.effective_value for p in cache_key.bindparams]))
    if key not in memo:
        memo[key] = fetch(db.engine, stmt)
    return memo[key].copy()


def compute(db, keys: Iterable[str], scope: Scope, period: Period, *,
            by: str = "region") -> pd.DataFrame:
    """The figures ``keys`` for ``scope`` and ``period``, broken down one level down.

    Rows: the scope total first (``is_total``), then every child region in code order, then
    未识别区划 when rows with unknown codes exist. ``by`` may name a dimension instead
    (e.g. 'category'); rows are then the dimension's values. Columns: code, name, is_total
    and one column per figure; a rate also gets ``<key>.num`` and ``<key>.den``. A figure
    whose optional table is missing is all None.
    """
    metrics = [METRICS[k] for k in keys]
    results: dict[str, _SetResult] = {}
    for set_name in dict.fromkeys(m.measure_set for m in metrics):
        mset = MEASURE_SETS[set_name]
        if mset.requires and not db.has(mset.requires):
            continue
        if mset.people:
            results[set_name] = _people_result(run_set(db, set_name, scope, period, by),
                                               scope if by == "region" else None)
            continue
        if mset.additive and not mset.histogram and by == "region":
            # aggregate per township once, then roll up (perf-notes, 7): the same result
            # serves every breakdown of the scope and the problem index
            groups = _roll_up(run_set(db, set_name, scope, period, "township"), scope)
        else:
            groups = run_set(db, set_name, scope, period, by)
        total = (_sum_groups(groups, mset.histogram) if mset.additive
                 else run_set(db, set_name, scope, period, None))
        results[set_name] = _SetResult(total, groups)
    frame = _frame(scope, by, results)
    columns: dict[str, list] = {}
    for m in metrics:
        columns.update(_fill(frame, m, results.get(m.measure_set), scope, period, db))
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index, dtype=object)], axis=1)


def _people_result(frame: pd.DataFrame, roll_up_scope: Scope | None) -> _SetResult:
    """Assemble a people statement: a group's persons = its singles + its multi-row persons;
    the scope's = all singles + its multi-row persons counted once. With ``roll_up_scope``
    the singles come per township code and are first rolled up to the scope's children."""
    measures = [c for c in frame.columns if c not in (PART, GROUP)]
    if roll_up_scope is not None:
        singles = frame[frame[PART] == "g"].drop(columns=[PART])
        rolled = _roll_up(singles, roll_up_scope)
        rolled.insert(0, PART, "g")
        frame = pd.concat([rolled, frame[frame[PART] != "g"]], ignore_index=True)
    groups: dict = {}
    for part, group_key, *values in frame[[PART, GROUP, *measures]].itertuples(index=False):
        if part == "t":
            continue
        key = None if _is_null(group_key) else group_key
        acc = groups.setdefault(key, [0] * len(measures))
        for i, v in enumerate(values):
            acc[i] += 0 if _is_null(v) else plain_number(v)
    singles = frame[frame[PART] == "g"]
    multi_total = frame[frame[PART] == "t"]
    total = {m: [sum(plain_number(v) for v in singles[m] if not _is_null(v))
                 + sum(plain_number(v) for v in multi_total[m] if not _is_null(v))]
             for m in measures}
    return _SetResult(pd.DataFrame(total),
                      pd.DataFrame([[k, *v] for k, v in groups.items()], columns=[GROUP, *measures]))


def _roll_up(by_township: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Township-grain counts added up to the scope's children; codes that match no child
    (unknown codes, NULL) become one 未识别区划 group (key None)."""
    if not scope.children:
        keys = [scope.code] * len(by_township)
    else:
        length = len(scope.children[0].prefix)
        prefixes = {c.prefix for c in scope.children}
        keys = [code[:length] if isinstance(code, str) and code[:length] in prefixes else None
                for code in by_township[GROUP]]
    measures = by_township.drop(columns=[GROUP])
    sums: dict = {}
    for key, row in zip(keys, measures.itertuples(index=False)):
        acc = sums.setdefault(key, [0] * len(measures.columns))
        for i, v in enumerate(row):
            if not _is_null(v):
                acc[i] += plain_number(v)
    return pd.DataFrame([[k, *v] for k, v in sums.items()], columns=[GROUP, *measures.columns])


def _sum_groups(groups: pd.DataFrame, histogram: bool) -> pd.DataFrame:
    """The scope total of an additive set: its groups added up (histograms: per value)."""
    measures = groups.drop(columns=[GROUP])
    if histogram:
        if measures.empty:
            return measures
        return measures.groupby(HIST_X, as_index=False)[HIST_N].sum()
    summed = {c: [sum(plain_number(v) for v in measures[c] if not _is_null(v))]
              for c in measures.columns}
    return pd.DataFrame(summed)


def _frame(scope: Scope, by: str, results: dict[str, _SetResult]) -> pd.DataFrame:
    keys_seen: set = set()
    for r in results.values():
        if GROUP in r.groups:
            keys_seen.update(r.groups[GROUP].tolist())
    rows = [{"code": scope.code, "name": scope.name, "is_total": True, GROUP: "__total__"}]
    if by == "region":
        if not scope.children:   # a township: its only row is itself
            rows.append({"code": scope.code, "name": scope.name, "is_total": False, GROUP: scope.code})
        for child in scope.children:
            rows.append({"code": child.code, "name": child.name, "is_total": False, GROUP: child.prefix})
        if any(_is_null(k) for k in keys_seen):
            rows.append({"code": None, "name": UNKNOWN_LABEL, "is_total": False, GROUP: None})
    else:
        for k in sorted((k for k in keys_seen if not _is_null(k)), key=str):
            rows.append({"code": k, "name": str(k), "is_total": False, GROUP: k})
        if any(_is_null(k) for k in keys_seen):
            rows.append({"code": None, "name": "未填写", "is_total": False, GROUP: None})
    return pd.DataFrame(rows)


def _is_null(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _fill(frame: pd.DataFrame, m: Metric, res: _SetResult | None, scope: Scope,
          period: Period, db) -> dict[str, list]:
    """The column(s) of one metric, aligned with ``frame``'s rows."""
    n = len(frame)
    if res is None or (m.latest_only and not period.is_latest):
        return {m.key: [None] * n}
    if MEASURE_SETS[m.measure_set].histogram:
        reduce = HISTOGRAM_REDUCERS[m.num]
        return {m.key: [reduce(_hist_for(res, g)) for g in frame[GROUP]]}
    num = [_measure(res, g, m.num) for g in frame[GROUP]]
    if m.den is None:
        return {m.key: num}
    if m.den == "@population":
        den = [_population(db, scope, code, is_total)
               for code, is_total in zip(frame["code"], frame["is_total"])]
    else:
        den = [_measure(res, g, m.den) for g in frame[GROUP]]
    return {m.key: [rate(a, b, m.scale) for a, b in zip(num, den)],
            f"{m.key}.num": num, f"{m.key}.den": den}


def rate(num, den, scale: float = 100.0) -> float | None:
    """A ratio of counts; a zero or unknown denominator gives no value (shown —)."""
    if num is None or den is None or den == 0:
        return None
    return float(num) * scale / float(den)


def _measure(res: _SetResult, group_key, column: str):
    if group_key == "__total__":
        value = res.total[column].iloc[0] if len(res.total) else None
    else:
        record = res.rows.get(None if _is_null(group_key) else group_key)
        value = None if record is None else record.get(column)
    # SUM over no rows is NULL in SQL: for a count that means zero
    if value is None or (isinstance(value, float) and value != value):
        return 0
    return plain_number(value)


def plain_number(value):
    """int for whole numbers, float otherwise: PostgreSQL's SUM gives Decimal, numpy its own."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _hist_for(res: _SetResult, group_key) -> pd.DataFrame:
    if group_key == "__total__":
        return res.total
    empty = res.groups.iloc[0:0]
    return res.hists.get(None if _is_null(group_key) else group_key, empty)


def _median(hist: pd.DataFrame) -> float | None:
    """The median of a per-value histogram (x, n); the mean of the two middle values if even."""
    if hist.empty:
        return None
    pairs = sorted((float(x), int(n)) for x, n in zip(hist[HIST_X], hist[HIST_N]) if not _is_null(x))
    total = sum(n for _, n in pairs)
    if total == 0:
        return None
    lo_rank, hi_rank = (total + 1) // 2, total // 2 + 1   # 1-based ranks of the middle
    lo = hi = None
    seen = 0
    for x, n in pairs:
        seen += n
        if lo is None and seen >= lo_rank:
            lo = x
        if seen >= hi_rank:
            hi = x
            break
    return (lo + hi) / 2


def count_over(limit_setting: str) -> Callable[[pd.DataFrame], int]:
    """A histogram reducer: how many values are strictly above a setting's number."""
    def reduce(hist: pd.DataFrame) -> int:
        limit = float(settings.get(limit_setting))
        return int(sum(int(n) for x, n in zip(hist[HIST_X], hist[HIST_N])
                       if not _is_null(x) and float(x) > limit)) if not hist.empty else 0
    return reduce


# what a histogram metric's ``num`` may name
HISTOGRAM_REDUCERS: dict[str, Callable[[pd.DataFrame], object]] = {"median": _median}


def _population(db, scope: Scope, code, is_total: bool) -> int | None:
    if is_total:
        return scope.population
    if _is_null(code) or code not in db.tree.by_code:
        return None
    return db.tree.population(code)


# --------------------------------------------------------------------------- 环比

def compute_with_change(db, keys: Iterable[str], scope: Scope, period: Period) -> pd.DataFrame:
    """``compute`` plus ``<key>.prev`` and ``<key>.change`` (环比) for a quarter.

    The previous quarter is taken on its own as-of day (同期 when the current one is cut
    short). Rates change in percentage points. The campaign period has no 环比 (None).
    """
    keys = list(keys)
    current = compute(db, keys, scope, period)
    prev_period = period.previous()
    previous = compute(db, keys, scope, prev_period) if prev_period else None
    extra: dict[str, list] = {}
    for k in keys:
        if previous is None:
            extra[f"{k}.prev"] = extra[f"{k}.change"] = [None] * len(current)
            continue
        prev_by_code = dict(zip(_row_ids(previous), previous[k]))
        # a row absent from the previous period (未识别区划 with no rows then) had zero of
        # every count, so the breakdown's changes still add up; a rate or median had no value
        absent = 0 if _is_count(METRICS[k]) else None
        prev_vals = [prev_by_code.get(i, absent) for i in _row_ids(current)]
        extra[f"{k}.prev"] = prev_vals
        extra[f"{k}.change"] = [None if _is_null(a) or _is_null(b) else a - b
                                for a, b in zip(current[k], prev_vals)]
    return pd.concat([current, pd.DataFrame(extra, index=current.index, dtype=object)], axis=1)


def _is_count(m: Metric) -> bool:
    return m.den is None and not MEASURE_SETS[m.measure_set].histogram


def _row_ids(frame: pd.DataFrame) -> list:
    return [("total" if t else c) for c, t in zip(frame["code"], frame["is_total"])]


def metrics_for(area: str, role: str | None = None) -> list[Metric]:
    """The metrics of one area that ``role`` may see, in declaration order."""
    return [m for m in METRICS.values()
            if m.area == area and (m.audience is None or role is None or role in m.audience)]
