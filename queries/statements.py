"""The statements behind ``compute`` calls, and running them side by side.

- A measure set's statement selects only the measures the requested figures use: the
  overview's headline needs two of the twelve clue counts (``_only``).
- Within a page run (``page_run``) a statement already run serves again wherever its
  measures suffice: the problem index and the page share the township-grain counts.
- For 环比, a set that pairs periods (MeasureSet.pairs_periods) runs once for both
  quarters; its result is remembered as the two single-quarter results it equals.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from sqlalchemy.sql import Select

from queries.db import fetch_records, parallel_map
from queries.figures import DIM, GROUP, MEASURE_SETS, PART, PREVIOUS, MeasureSet, Metric, Query
from queries.period import Period
from queries.scope import Scope

Records = list[tuple]
Needed = frozenset[str] | None        # the measure columns a statement must yield; None: all


@dataclass(frozen=True)
class Rows:
    """A statement's result as plain tuples: pandas' per-row access costs more than the SQL
    itself at a district."""

    columns: tuple[str, ...]
    records: Records

    def select(self, *names: str) -> Records:
        at = [self.columns.index(n) for n in names]
        return [tuple(r[i] for i in at) for r in self.records]

    def measures(self) -> list[str]:
        return [c for c in self.columns if c not in (PART, GROUP) and not c.startswith(DIM)]

    def split_periods(self) -> tuple["Rows", "Rows"]:
        """A paired statement's result as two: its own period's and the previous one's
        (the measures suffixed PREVIOUS, under their plain names)."""
        keys = [c for c in self.columns if c in (PART, GROUP) or c.startswith(DIM)]
        own = keys + [c for c in self.measures() if not c.endswith(PREVIOUS)]
        earlier = keys + [c for c in self.measures() if c.endswith(PREVIOUS)]
        return (Rows(tuple(own), self.select(*own)),
                Rows(tuple(c.removesuffix(PREVIOUS) for c in earlier), self.select(*earlier)))


@dataclass(frozen=True)
class Request:
    """One ``compute`` call: its scope, period, breakdown, and the measures of each set
    its figures use."""

    scope: Scope
    period: Period
    by: str
    needs: dict[str, Needed]          # set name → measures needed, in the figures' order

    @classmethod
    def of(cls, db, metrics: list[Metric], scope: Scope, period: Period, by: str) -> "Request":
        """The request for ``metrics``; a set whose optional table is missing is left out
        (its figures are then empty)."""
        needs: dict[str, Needed] = {
            name: frozenset() for name in dict.fromkeys(m.measure_set for m in metrics)
            if not (MEASURE_SETS[name].requires and not db.has(MEASURE_SETS[name].requires))}
        for m in metrics:
            if m.measure_set in needs:
                needs[m.measure_set] = _union(needs[m.measure_set], _used(m))
        return cls(scope, period, by, needs)

    @property
    def sets(self) -> tuple[str, ...]:
        return tuple(self.needs)

    def queries(self, name: str) -> dict[str, Query]:
        """The statements a set needs, by role: 'groups' (and 'total' for a set that is
        not additive); a people set's 'rows' and 'multi' (Query.people)."""
        mset = MEASURE_SETS[name]
        if mset.people:
            parts = ("few",) if mset.few_rows else ("rows", "multi")
            return {part: Query(self.scope, self.period, self.by, part) for part in parts}
        if self.by_township(mset):
            return {"groups": Query(self.scope, self.period, "township", with_dims=mset.township_dims)}
        if self.by_joint_dims(mset, self.needs[name]):
            return {"groups": Query(self.scope, self.period, "township", with_dims=mset.joint_dims,
                                    needs=self.needs[name])}
        queries = {"groups": Query(self.scope, self.period, self.by, needs=self.needs[name])}
        if not mset.adds_up(self.by, self.needs[name]):
            queries["total"] = Query(self.scope, self.period, None, needs=self.needs[name])
        return queries

    def by_township(self, mset: MeasureSet) -> bool:
        # aggregate per township once, then roll up (perf-notes, 7): the same result
        # serves every breakdown of the scope, the problem index and, for the set's
        # township_dims, the breakdowns by those
        return mset.additive and (self.by == "region" or self.by in mset.township_dims)

    def by_joint_dims(self, mset: MeasureSet, needs: Needed) -> bool:
        # the same statement for each of the set's joint dimensions: run once in a page run.
        # Below the top only: there each breakdown seeks the scope's matters, which the joint
        # statement does once (a district: 2 × 22 → 24 ms); the whole deployment counts its
        # petitions as they are, and SQLite sorts 400 k rows on two columns slower than it
        # groups them twice on one (246 ms against 2 × 100 ms)
        return (self.by in mset.joint_dims and mset.adds_up(self.by, needs)
                and not self.scope.is_whole_deployment)


Served = tuple[int, str, str]         # (request, set, role)


@dataclass(frozen=True)
class Job:
    """One statement to run and the results it gives: ``serves`` one (request, set,
    role), or two for a paired statement (this quarter's, then the previous one's)."""

    whole: Select                     # the set's statement with all its measures
    key: tuple                        # its identity (structure and values), for reuse
    needed: Needed
    serves: tuple[Served, ...]
    halves: tuple[tuple, tuple] | None = None    # a paired job: its single quarters' keys

    @property
    def stmt(self) -> Select:
        """What runs: only the needed measures."""
        return _only(self.whole, self.needed)


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


def plan(db, requests: list[Request]) -> list[Job]:
    """The statements of ``requests``. When the second request is the first one's 环比
    (same scope, breakdown and sets; the previous period), a set that pairs periods runs
    once for both.

    Set by set, the requests' statements of a set together: the pool then starts the
    first sets' statements of every request first (the overview's 漏保, its longest, for
    both quarters) instead of leaving the previous quarter's to start last."""
    paired = (len(requests) == 2 and requests[0].period.previous() == requests[1].period
              and (requests[0].scope, requests[0].by, requests[0].sets)
              == (requests[1].scope, requests[1].by, requests[1].sets))
    jobs = []
    for name in dict.fromkeys(name for req in requests for name in req.sets):
        mset = MEASURE_SETS[name]
        for i, req in enumerate(requests):
            if name not in req.sets or (paired and mset.pairs_periods and i == 1):
                continue
            for role, query in req.queries(name).items():
                if not (paired and mset.pairs_periods):
                    jobs.append(_job(db, mset, query, req.needs[name], ((i, name, role),)))
                    continue
                earlier = requests[1].queries(name)[role]
                needed = _union(req.needs[name], requests[1].needs[name])
                halves = (_key(db, mset.build(query)), _key(db, mset.build(earlier)))
                jobs.append(_job(db, mset, replace(query, previous=earlier.period), needed,
                                 ((0, name, role), (1, name, role)), halves))
    return jobs


def run(db, jobs: list[Job]) -> dict[Served, Rows]:
    """Run the jobs' statements side by side: each statement once, with the measures all
    its jobs need, and none that the page run already has with them; each result by what
    it serves."""
    memo = _PAGE_RUN.get()
    memo = {} if memo is None else memo
    todo: dict[tuple, Job] = {}       # one run per statement, with every measure asked of it
    for job in jobs:
        if _found(memo, job) is None:
            same = todo.get(job.key)
            todo[job.key] = job if same is None else replace(same, needed=_union(same.needed, job.needed))
    fetched = parallel_map(lambda job: Rows(*fetch_records(db.engine, job.stmt)), list(todo.values()))
    for job, rows in zip(todo.values(), fetched):
        _remember(memo, job, rows)
    return {served: rows for job in jobs for served, rows in zip(job.serves, _found(memo, job))}


def run_statements(db, stmts: list[Select]) -> list[Rows]:
    """Statements outside the figures' planning (monthly series, case lists), run side by
    side like the figures' and, within a page run, each run once."""
    jobs = [Job(stmt, _key(db, stmt), None, ((i, "", ""),)) for i, stmt in enumerate(stmts)]
    rows = run(db, jobs)
    return [rows[i, "", ""] for i in range(len(stmts))]


def _job(db, mset: MeasureSet, query: Query, needed: Needed, serves: tuple[Served, ...],
         halves: tuple[tuple, tuple] | None = None) -> Job:
    whole = mset.build(query)
    return Job(whole, _key(db, whole), needed, serves, halves)


def _only(stmt: Select, needed: Needed) -> Select:
    """``stmt`` yielding only the ``needed`` measures (and its grouping key). Each measure
    left out is an aggregate less per row (SQLite, province, the overview's clue counts
    0.20 → 0.07 s, its rectification counts 0.13 → 0.06 s), and PostgreSQL also drops a
    grouped subquery's outputs that no measure left reads (the repeat matters' closing-date
    seeks: 0.38 → 0.26 s)."""
    if needed is None:
        return stmt
    keep = [c for c in stmt.selected_columns
            if c.key in (GROUP, PART) or c.key.startswith(DIM) or c.key.removesuffix(PREVIOUS) in needed]
    return stmt.with_only_columns(*keep, maintain_column_froms=True)


def _key(db, stmt: Select) -> tuple:
    # SQLAlchemy's own statement cache key: the statement's structure and its parameter
    # values, without compiling it a second time (execution compiles from its cache)
    cache_key = stmt._generate_cache_key()
    return (id(db), cache_key.key, repr([p.effective_value for p in cache_key.bindparams]))


def _used(m: Metric) -> Needed:
    """The measure columns a figure reads: its numerator and denominator; every column
    of a histogram (a reducer reads it whole) or of a people set (parts)."""
    mset = MEASURE_SETS[m.measure_set]
    if mset.histogram or mset.people:
        return None
    return frozenset([m.num] + ([m.den] if m.den not in (None, "@population") else []))


def _union(a: Needed, b: Needed) -> Needed:
    return None if a is None or b is None else a | b


def _reusable(memo: dict, key: tuple, needed: Needed) -> Rows | None:
    for have, rows in memo.get(key, ()):
        if have is None or (needed is not None and needed <= have):
            return rows
    return None


def _found(memo: dict, job: Job) -> list[Rows] | None:
    """The job's results from what has run: its own statement's, or a paired job's two
    single quarters'."""
    if job.halves is not None:
        halves = [_reusable(memo, key, job.needed) for key in job.halves]
        if all(h is not None for h in halves):
            return halves
    rows = _reusable(memo, job.key, job.needed)
    if rows is None:
        return None
    return [rows] if len(job.serves) == 1 else list(rows.split_periods())


def _remember(memo: dict, job: Job, rows: Rows) -> None:
    memo.setdefault(job.key, []).append((job.needed, rows))
    if job.halves is not None:
        for key, half in zip(job.halves, rows.split_periods()):
            memo.setdefault(key, []).append((job.needed, half))
