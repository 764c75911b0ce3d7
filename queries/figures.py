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
from queries.db import fetch_records, parallel_map
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
    people_part: str = "rows"           # a people set's statement: 'rows' or 'multi' (Query.people)

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
        """Distinct persons meeting each condition, per group and for the whole scope,
        without a COUNT(DISTINCT) over every row. Two statements, run side by side:

        - ``people_part='rows'``: every qualifying row counted by a plain sum per group
          (part 'a'), which streams over the covering index;
        - ``people_part='multi'``: the persons with several qualifying rows (the CTE
          ``multi``, a few percent), whose rows were counted more than once: their row
          sums per group (part 'r', to take away), their distinct count per group (part
          'm') and once for the whole scope (part 't').

        A group's persons = a − r + m; the scope's = Σa − Σr + t. Taking the multi rows
        away afterwards spares the row pass a NOT IN probe per row (SQLite, province:
        2.5 s → 1.6 s). Each condition yields the column ``<name>``.
        """
        conds = self._conditions(code_col, where, scoped=True)
        key = self._key(code_col, dims or {})
        # additive sums group by the raw township code (streams over the covering index)
        # and are rolled up to the children in Python
        sum_key = code_col if self.group == "region" else key

        def part(name: str, aggregate, by: ColumnElement | None, *extra) -> Select:
            cols = [literal(name).label(PART), (by if by is not None else null()).label(GROUP)]
            cols += [aggregate(cond).label(n) for n, cond in conditions.items()]
            stmt = select(*cols).select_from(from_).where(*conds, *extra)
            return stmt.group_by(literal_column(GROUP)) if by is not None else stmt

        plain_sum = lambda c: func.sum(case((c, 1), else_=0))  # noqa: E731
        if self.people_part == "rows":
            return part("a", plain_sum, sum_key)
        multi = (select(person_col.label("person_id")).select_from(from_)
                 .where(*conds, person_col.is_not(None))
                 .group_by(person_col).having(func.count() > 1).cte("multi"))
        # IN on the CTE: a hashed lookup on PostgreSQL whatever its (poor) estimate of the
        # CTE's size; a join let it hash the 1.2 M-row side instead
        in_multi = person_col.in_(select(multi.c.person_id))
        distinct = lambda c: func.count(func.distinct(case((c, person_col))))  # noqa: E731
        return part("r", plain_sum, sum_key, in_multi).union_all(
            part("m", distinct, key, in_multi), part("t", distinct, None, in_multi))

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

Records = list[tuple]


@dataclass(frozen=True)
class _Rows:
    """A statement's result as plain tuples: pandas' per-row access costs more than the SQL
    itself at a district."""

    columns: tuple[str, ...]
    records: Records

    def select(self, *names: str) -> Records:
        at = [self.columns.index(n) for n in names]
        return [tuple(r[i] for i in at) for r in self.records]

    def measures(self) -> list[str]:
        return [c for c in self.columns if c not in (PART, GROUP)]


@dataclass
class _SetResult:
    """One measure set's numbers: for counts, ``total`` and each group's {measure: value};
    for a histogram, ``total`` and each group's [(x, n), …]."""

    total: dict | list
    groups: dict


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


def _statement_key(db, stmt: Select) -> tuple:
    # SQLAlchemy's own statement cache key: the statement's structure and its parameter
    # values, without compiling it a second time (execution compiles from its cache)
    cache_key = stmt._generate_cache_key()
    return (id(db), cache_key.key, repr([p.effective_value for p in cache_key.bindparams]))


def _run_statements(db, stmts: list[Select]) -> list[_Rows]:
    """Execute ``stmts`` side by side on the pool's connections; identical statements (and,
    within a page run, statements already run) once."""
    memo = _PAGE_RUN.get()
    memo = {} if memo is None else memo
    keys = [_statement_key(db, stmt) for stmt in stmts]
    todo = {k: stmt for k, stmt in zip(keys, stmts) if k not in memo}
    fetched = parallel_map(lambda stmt: _Rows(*fetch_records(db.engine, stmt)), list(todo.values()))
    memo.update(zip(todo, fetched))
    return [memo[k] for k in keys]


@dataclass(frozen=True)
class _Request:
    """One ``compute`` call: its figures' measure sets and the statements they need."""

    scope: Scope
    period: Period
    by: str
    sets: tuple[str, ...]

    def jobs(self, name: str) -> dict[str, Query]:
        """The statements a set needs, by role: 'groups' (and 'total' for a set that is
        not additive); a people set's 'rows' and 'multi' (Query.people)."""
        mset = MEASURE_SETS[name]
        if mset.people:
            return {part: Query(self.scope, self.period, self.by, part) for part in ("rows", "multi")}
        if self.by_township(mset):
            return {"groups": Query(self.scope, self.period, "township")}
        jobs = {"groups": Query(self.scope, self.period, self.by)}
        if not mset.additive:
            jobs["total"] = Query(self.scope, self.period, None)
        return jobs

    def by_township(self, mset: MeasureSet) -> bool:
        # aggregate per township once, then roll up (perf-notes, 7): the same result
        # serves every breakdown of the scope and the problem index
        return mset.additive and not mset.histogram and self.by == "region"


def compute(db, keys: Iterable[str], scope: Scope, period: Period, *,
            by: str = "region") -> pd.DataFrame:
    """The figures ``keys`` for ``scope`` and ``period``, broken down one level down.

    Rows: the scope total first (``is_total``), then every child region in code order, then
    未识别区划 when rows with unknown codes exist. ``by`` may name a dimension instead
    (e.g. 'category'); rows are then the dimension's values. Columns: code, name, is_total
    and one column per figure; a rate also gets ``<key>.num`` and ``<key>.den``. A figure
    whose optional table is missing is all None.
    """
    return compute_many(db, [(keys, scope, period, by)])[0]


def compute_many(db, requests: Iterable[tuple]) -> list[pd.DataFrame]:
    """Several ``compute`` calls, given as (keys, scope, period[, by]), whose statements
    all run side by side: a page's figures cost its slowest statement, not their sum."""
    planned = []
    for keys, scope, period, *rest in requests:
        metrics = [METRICS[k] for k in keys]
        sets = tuple(name for name in dict.fromkeys(m.measure_set for m in metrics)
                     if not (MEASURE_SETS[name].requires and not db.has(MEASURE_SETS[name].requires)))
        planned.append((metrics, _Request(scope, period, rest[0] if rest else "region", sets)))
    stmts = [MEASURE_SETS[name].build(query)
             for _, req in planned for name in req.sets for query in req.jobs(name).values()]
    results = iter(_run_statements(db, stmts))
    out = []
    for metrics, req in planned:
        sets = {name: _assemble(name, req, {role: next(results) for role in req.jobs(name)})
                for name in req.sets}
        out.append(_fill_frame(db, metrics, req, sets))
    return out


def _assemble(name: str, req: _Request, rows: dict[str, _Rows]) -> _SetResult:
    mset = MEASURE_SETS[name]
    child = _child_of(req.scope) if req.by == "region" else None
    if mset.people:
        return _people_result(rows["rows"], rows["multi"], child)
    if mset.histogram:
        groups: dict = {}
        for key, x, n in rows["groups"].select(GROUP, HIST_X, HIST_N):
            groups.setdefault(None if _is_null(key) else key, []).append((x, n))
        total = (_merge_histograms(groups.values()) if mset.additive
                 else rows["total"].select(HIST_X, HIST_N))
        return _SetResult(total, groups)
    measures = rows["groups"].measures()
    sums = _accumulate({}, rows["groups"].select(GROUP, *measures),
                       child if req.by_township(mset) else None)
    groups = {k: dict(zip(measures, v)) for k, v in sums.items()}
    if mset.additive:   # every unit row is in exactly one group: the total is their sum
        total = dict(zip(measures, [sum(col) for col in zip(*sums.values())] or [0] * len(measures)))
    else:
        total = dict(zip(measures, (rows["total"].select(*measures) or [()])[0]))
    return _SetResult(total, groups)


def _people_result(rows: _Rows, multi: _Rows, child: Callable | None) -> _SetResult:
    """Assemble a people set (Query.people): a group's persons = a − r + m, the scope's =
    Σa − Σr + t. With ``child`` the row sums come per township code and are first rolled
    up to the scope's children."""
    measures = rows.measures()
    a = rows.select(GROUP, *measures)
    parts: dict[str, list] = {"r": [], "m": [], "t": []}
    for part, *record in multi.select(PART, GROUP, *measures):
        parts[part].append(record)
    groups: dict = {}
    _accumulate(groups, a, child)
    _accumulate(groups, parts["r"], child, sign=-1)
    _accumulate(groups, parts["m"])
    whole = lambda _key: 0  # noqa: E731
    total: dict = {}
    _accumulate(total, a + parts["t"], whole)
    _accumulate(total, parts["r"], whole, sign=-1)
    return _SetResult(dict(zip(measures, total.get(0, [0] * len(measures)))),
                      {k: dict(zip(measures, v)) for k, v in groups.items()})


def _child_of(scope: Scope) -> Callable[[object], object]:
    """Township code → the key of the scope's child holding it; codes that match no child
    (unknown codes, NULL) → None, the 未识别区划 group."""
    if not scope.children:
        return lambda _code: scope.code
    length = len(scope.children[0].prefix)
    prefixes = {c.prefix for c in scope.children}
    return lambda code: code[:length] if isinstance(code, str) and code[:length] in prefixes else None


def _accumulate(sums: dict, records: Iterable, key: Callable | None = None, sign: int = 1) -> dict:
    """Add ``records`` (group key, *measures) into ``sums`` under ``key(group key)``."""
    for group_key, *values in records:
        k = group_key if key is None else key(group_key)
        acc = sums.setdefault(None if _is_null(k) else k, [0] * len(values))
        for i, v in enumerate(values):
            if not _is_null(v):
                acc[i] += sign * plain_number(v)
    return sums


def _merge_histograms(hists: Iterable[list]) -> list[tuple]:
    merged: dict = {}
    for hist in hists:
        for x, n in hist:
            merged[x] = merged.get(x, 0) + plain_number(n)
    return list(merged.items())


def _fill_frame(db, metrics: list[Metric], req: _Request, results: dict) -> pd.DataFrame:
    frame = _frame(req.scope, req.by, results)
    columns: dict[str, list] = {}
    for m in metrics:
        columns.update(_fill(frame, m, results.get(m.measure_set), req.scope, req.period, db))
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index, dtype=object)], axis=1)


def _frame(scope: Scope, by: str, results: dict[str, _SetResult]) -> pd.DataFrame:
    keys_seen: set = set()
    for r in results.values():
        keys_seen.update(r.groups)
    rows = [{"code": scope.code, "name": scope.name, "is_total": True, GROUP: "__total__"}]
    if by == "region":
        if not scope.children:   # a township: its only row is itself
            rows.append({"code": scope.code, "name": scope.name, "is_total": False, GROUP: scope.code})
        for child in scope.children:
            rows.append({"code": child.code, "name": child.name, "is_total": False, GROUP: child.prefix})
        if None in keys_seen:
            rows.append({"code": None, "name": UNKNOWN_LABEL, "is_total": False, GROUP: None})
    else:
        for k in sorted((k for k in keys_seen if k is not None), key=str):
            rows.append({"code": k, "name": str(k), "is_total": False, GROUP: k})
        if None in keys_seen:
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
    keys = [None if _is_null(g) else g for g in frame[GROUP]]
    if MEASURE_SETS[m.measure_set].histogram:
        reduce = HISTOGRAM_REDUCERS[m.num]
        return {m.key: [reduce(res.total if g == "__total__" else res.groups.get(g, []))
                        for g in keys]}
    num = [_measure(res, g, m.num) for g in keys]
    if m.den is None:
        return {m.key: num}
    if m.den == "@population":
        den = [_population(db, scope, code, is_total)
               for code, is_total in zip(frame["code"], frame["is_total"])]
    else:
        den = [_measure(res, g, m.den) for g in keys]
    return {m.key: [rate(a, b, m.scale) for a, b in zip(num, den)],
            f"{m.key}.num": num, f"{m.key}.den": den}


def rate(num, den, scale: float = 100.0) -> float | None:
    """A ratio of counts; a zero or unknown denominator gives no value (shown —)."""
    if num is None or den is None or den == 0:
        return None
    return float(num) * scale / float(den)


def _measure(res: _SetResult, group_key, column: str):
    values = res.total if group_key == "__total__" else res.groups.get(group_key, {})
    value = values.get(column)
    # SUM over no rows is NULL in SQL: for a count that means zero
    return 0 if _is_null(value) else plain_number(value)


def plain_number(value):
    """int for whole numbers, float otherwise: PostgreSQL's SUM gives Decimal, numpy its own."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


Histogram = list[tuple]        # [(x, n), …]: n rows had the value x


def _median(hist: Histogram) -> float | None:
    """The median of a per-value histogram; the mean of the two middle values if even."""
    pairs = sorted((float(x), int(plain_number(n))) for x, n in hist if not _is_null(x))
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


def count_over(limit_setting: str) -> Callable[[Histogram], int]:
    """A histogram reducer: how many values are strictly above a setting's number."""
    def reduce(hist: Histogram) -> int:
        limit = float(settings.get(limit_setting))
        return int(sum(int(plain_number(n)) for x, n in hist if not _is_null(x) and float(x) > limit))
    return reduce


# what a histogram metric's ``num`` may name
HISTOGRAM_REDUCERS: dict[str, Callable[[Histogram], object]] = {"median": _median}


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
    prev_period = period.previous()
    if prev_period is None:
        current, previous = compute(db, keys, scope, period), None
    else:
        current, previous = compute_many(db, [(keys, scope, period), (keys, scope, prev_period)])
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
