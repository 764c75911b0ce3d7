"""Every figure of metrics.md, declared once: the measure sets (SQL) and the metrics.

A *measure set* is one SQL statement that yields several named counts per group (for
example all clue counts); a *metric* names its label, unit, direction and flow/stock,
and which measures of which set make it (a count, or a ratio of two counts — never a mean
of per-row ratios). ``queries.runner`` computes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable, Mapping

from sqlalchemy import func, literal, literal_column, null, select
from sqlalchemy.sql import ColumnElement, Select

import settings
from queries.period import Period
from queries.scope import Scope
from queries.sql import count_if, distinct_if, flag

GROUP = "grp"                 # the label of the grouping column in every measure set
PART = "part"                 # people sets: 'g' rows per group, one 't' row for the scope
HIST_X, HIST_N = "x", "n"     # a histogram set yields (grp, x, n): n rows with value x
DIM = "dim_"                  # prefix of a township-grain statement's dimension columns
PREVIOUS = "__prev"           # suffix of a paired set's measures for Query.previous (环比)
NOT_FILLED = "未填写"          # a dimension's row of NULL values
UNKNOWN_CODE = "未知代码 {}"   # a dimension's row of a code outside the contract's list


@dataclass(frozen=True)
class Query:
    """What a measure-set builder needs: the scope, the period, and how to group."""

    scope: Scope
    period: Period
    group: str | None = None            # None: scope total; 'region': one level down; else a dimension
    people_part: str = "rows"           # a people set's statement: 'rows', 'multi' or 'few' (Query.people)
    # 环比 in one statement: a set with ``pairs_periods`` then also yields every measure
    # for this period, suffixed PREVIOUS (MeasureSet.pairs_periods)
    previous: Period | None = None
    # group='township' also groups by these dimensions (columns DIM + name), so that one
    # statement serves the breakdown by place and by each of them (MeasureSet.township_dims)
    with_dims: tuple[str, ...] = ()
    # the measures the statement must yield (None: all); a builder may leave out the work
    # of the others (petition_matters by channel: no per-matter seeks for 信访件数 alone)
    needs: frozenset[str] | None = None

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
        extra = self._dim_columns(dims or {})
        stmt = select(key.label(GROUP), *extra, *measures) if key is not None else select(*measures)
        stmt = self._from_where(stmt, code_col, where, from_, scoped)
        if key is not None:
            # group by the output name: PostgreSQL rejects a repeated expression whose
            # bound parameters (the IN list of child codes) are numbered anew
            stmt = stmt.group_by(literal_column(GROUP), *[literal_column(c.key) for c in extra])
        return stmt

    def select_periods(self, code_col: ColumnElement,
                       measures: Callable[[Period, ColumnElement | None], list[ColumnElement]],
                       rows_of: Callable[[Period], ColumnElement], *,
                       dims: dict[str, ColumnElement] | None = None) -> Select:
        """``select`` of ``measures(period, None)`` over the period's rows (``rows_of``);
        with ``previous`` set, also ``measures(previous, rows_of(previous))`` suffixed
        PREVIOUS, over the previous period's rows: these are among this period's (an
        earlier as-of day), so one pass serves both (MeasureSet.pairs_periods)."""
        cols = measures(self.period, None)
        if self.previous is not None:
            cols += [m.element.label(m.name + PREVIOUS)
                     for m in measures(self.previous, rows_of(self.previous))]
        return self.select(code_col, cols, rows_of(self.period), dims=dims)

    def people(self, code_col: ColumnElement, person_col: ColumnElement,
               conditions: dict[str, ColumnElement], *where, from_, dims=None,
               counted_by: dict[str, ColumnElement] | None = None) -> Select:
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

        A set whose qualifying rows are few (``people_part='few'``: the deceased, the
        relatives of staff) is one statement instead: the rows once (the CTE ``few``),
        then their persons counted distinct per group (part 'm') and for the scope (part
        't'). Looking for persons with several rows among 1.2 M spells would cost more
        than the whole count.
        """
        if self.people_part == "few":
            return self._few_people(code_col, person_col, conditions, where, from_, dims, counted_by or {})
        if counted_by:
            raise ValueError("counted_by is for sets of few rows (few_rows=True)")
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

        plain_sum = count_if
        if self.people_part == "rows":
            return part("a", plain_sum, sum_key)
        multi = (select(person_col.label("person_id")).select_from(from_)
                 .where(*conds, person_col.is_not(None))
                 .group_by(person_col).having(func.count() > 1).cte("multi"))
        # IN on the CTE: a hashed lookup on PostgreSQL whatever its (poor) estimate of the
        # CTE's size; a join let it hash the 1.2 M-row side instead
        in_multi = person_col.in_(select(multi.c.person_id))
        distinct = lambda c: distinct_if(c, person_col)  # noqa: E731
        return part("r", plain_sum, sum_key, in_multi).union_all(
            part("m", distinct, key, in_multi), part("t", distinct, None, in_multi))

    def _few_people(self, code_col, person_col, conditions, where, from_, dims, counted_by) -> Select:
        """``counted_by``: a measure counted in other units than ``person_col`` (a set
        counting households and persons in one pass) names its id column."""
        key = self._key(code_col, dims or {})
        ids = {"person_id": person_col, **{f"id_{n}": col for n, col in counted_by.items()}}
        rows = (select(*[col.label(label) for label, col in ids.items()], key.label(GROUP),
                       *[flag(c).label(n) for n, c in conditions.items()])
                .select_from(from_).where(*self._conditions(code_col, where, scoped=True))
                .cte("few"))

        def part(name: str, by: ColumnElement | None) -> Select:
            cols = [literal(name).label(PART), (by if by is not None else null()).label(GROUP)]
            cols += [distinct_if(rows.c[n] == 1, rows.c[f"id_{n}" if n in counted_by else "person_id"]).label(n)
                     for n in conditions]
            stmt = select(*cols)
            return stmt.group_by(literal_column(GROUP)) if by is not None else stmt

        return part("m", rows.c[GROUP]).union_all(part("t", None))

    def histogram(self, code_col: ColumnElement, x: ColumnElement, *where, from_=None,
                  scoped: bool = True, dims: dict[str, ColumnElement] | None = None,
                  key_col: ColumnElement | None = None) -> Select:
        """Per-value counts (for medians): SELECT [key,] x, count(*) GROUP BY [key,] x.
        ``key_col``: the code to group by, when it must differ from the one the scope
        seeks on (to keep a planner from reading in code order)."""
        key = self._key(key_col if key_col is not None else code_col, dims or {})
        extra = self._dim_columns(dims or {})
        cols = ([key.label(GROUP)] if key is not None else []) + extra \
            + [x.label(HIST_X), func.count().label(HIST_N)]
        stmt = self._from_where(select(*cols), code_col, where, from_, scoped)
        group = ([literal_column(GROUP)] if key is not None else []) \
            + [literal_column(c.key) for c in extra] + [literal_column(HIST_X)]
        return stmt.group_by(*group)

    def _dim_columns(self, dims: dict[str, ColumnElement]) -> list[ColumnElement]:
        """The dimension columns a township-grain statement also groups by (``with_dims``)."""
        if self.group != "township":
            return []
        missing = set(self.with_dims) - set(dims)
        if missing:
            raise ValueError(f"dimensions {sorted(missing)} not offered by this measure set")
        return [dims[d].label(DIM + d) for d in self.with_dims]

    def in_scope(self, code_col: ColumnElement) -> list[ColumnElement]:
        """The scope's code ranges on ``code_col``, as conditions (none for the whole
        deployment)."""
        where = self.scope.filter(code_col)
        return [] if where is None else [where]

    def _conditions(self, code_col: ColumnElement, where, *, scoped: bool) -> list[ColumnElement]:
        """The builder's conditions, and the scope's code ranges unless already applied."""
        return [w for w in where if w is not None] + (self.in_scope(code_col) if scoped else [])

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
    # A people set whose qualifying rows are few: counted distinct in one statement.
    few_rows: bool = False
    # Dimensions under which one unit may fall in several groups (a matter with petitions
    # by letter and by visit): broken down by one of them, the total is a query of its own.
    shared_dims: tuple[str, ...] = ()
    # The measures that count units shared between a shared dimension's groups (matters);
    # the others (petitions) add up under every breakdown
    shared_measures: frozenset[str] = frozenset()
    # The builder also yields the measures of Query.previous (suffixed PREVIOUS) when it is
    # set, sharing the pass that both periods need (repeat matters: one GROUP BY matter
    # and its seeks serve both as-of days). The runner then runs one statement for 环比.
    pairs_periods: bool = False
    # Dimensions the township-grain statement also groups by (few values each): the one
    # statement then serves the breakdown by place and by these, within a page run
    # (应保尽保's 漏保 by place and by screening category: one pass instead of two)
    township_dims: tuple[str, ...] = ()
    # Dimensions whose breakdowns one statement serves together, for the measures that add
    # up under them: a township-grain statement grouped by all of them (信访件数 by channel
    # and by category: one pass over the scope's matters instead of two)
    joint_dims: tuple[str, ...] = ()
    # each dimension's Chinese labels of its codes (queries.coverage, petitions …)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        for kind, named in (("township_dims", self.township_dims), ("joint_dims", self.joint_dims)):
            if set(named) - set(self.dims) or (named and not self.additive):
                raise ValueError(f"{self.name}: {kind} must be dimensions of an additive set")

    def adds_up(self, by: str, needs: "frozenset[str] | None" = None) -> bool:
        """Whether the scope's total of the measures ``needs`` (None: all) is the sum of the
        groups of breakdown ``by``: under a shared dimension, only for measures that count
        what falls in one group (a petition has one channel; its matter may have several)."""
        if not self.additive:
            return False
        return by not in self.shared_dims or (needs is not None and not needs & self.shared_measures)


def dim_label(labels: Mapping[str, str] | None, code) -> str:
    """A dimension value as users read it: its Chinese label; NULL as 未填写; a code
    outside the contract's list as itself, marked (未知代码 xyz), never dropped."""
    if is_null(code):
        return NOT_FILLED
    if labels is None:
        return str(code)
    return labels.get(code, UNKNOWN_CODE.format(code))


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
                dims: Mapping[str, Mapping[str, str]] | None = None, additive: bool = True,
                people: bool = False, few_rows: bool = False, shared_dims: tuple[str, ...] = (),
                pairs_periods: bool = False, township_dims: tuple[str, ...] = (),
                shared_measures: frozenset[str] = frozenset(), joint_dims: tuple[str, ...] = ()):
    """Decorator registering a builder ``(Query) -> Select`` as a measure set. ``dims``:
    the dimensions it may be broken down by, each with the Chinese labels of its codes."""
    def register(build: Callable[[Query], Select]):
        if name in MEASURE_SETS:
            raise ValueError(f"measure set {name} declared twice")
        MEASURE_SETS[name] = MeasureSet(name, build, requires, histogram, tuple(dims or ()),
                                        additive and not people, people, people and few_rows,
                                        shared_dims, shared_measures, pairs_periods, township_dims,
                                        joint_dims, labels=dict(dims or {}))
        return build
    return register


class NotForRole(PermissionError):
    """A figure or list asked for by a role outside its audience (涉及干部线索, the clues
    transferred to the commission … for anyone but the commission)."""


def refuse_unseen(keys: Iterable[str], role: str | None) -> None:
    """Raise NotForRole when any figure of ``keys`` has an audience without ``role``."""
    for key in keys:
        allowed = METRICS[key].audience
        if role is not None and allowed is not None and role not in allowed:
            raise NotForRole(f"{key} is not for {role}")


def register(*metrics: Metric) -> None:
    for m in metrics:
        if m.key in METRICS:
            raise ValueError(f"metric {m.key} declared twice")
        if m.label in {x.label for x in METRICS.values()}:
            raise ValueError(f"label {m.label} used twice")
        METRICS[m.key] = m


# --------------------------------------------------------------------------- values

def is_null(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def rate(num, den, scale: float = 100.0) -> float | None:
    """A ratio of counts; a zero or unknown denominator gives no value (shown —)."""
    if num is None or den is None or den == 0:
        return None
    return float(num) * scale / float(den)


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
    pairs = sorted((float(x), int(plain_number(n))) for x, n in hist if not is_null(x))
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


def counting(reduce: Callable[[Histogram], int]) -> Callable[[Histogram], int]:
    """Mark a histogram reducer as yielding a count of rows (for 环比: a row absent from
    the previous period had zero of it, where a median had no value)."""
    reduce.is_count = True
    return reduce


def count_over(limit_setting: str) -> Callable[[Histogram], int]:
    """A histogram reducer: how many values are strictly above a setting's number."""
    @counting
    def reduce(hist: Histogram) -> int:
        limit = float(settings.get(limit_setting))
        return int(sum(int(plain_number(n)) for x, n in hist if not is_null(x) and float(x) > limit))
    return reduce


@counting
def _count(hist: Histogram) -> int:
    return int(sum(int(plain_number(n)) for _, n in hist))


@counting
def _count_with_value(hist: Histogram) -> int:
    return int(sum(int(plain_number(n)) for x, n in hist if not is_null(x)))


# what a histogram metric's ``num`` (and ``den``) may name
HISTOGRAM_REDUCERS: dict[str, Callable[[Histogram], object]] = {
    "median": _median,                      # of the values (NULLs are not values)
    "count": _count,                        # every row
    "count_with_value": _count_with_value,  # the rows whose value is not NULL
}


def metrics_for(area: str, role: str | None = None) -> list[Metric]:
    """The metrics of one area that ``role`` may see, in declaration order."""
    return [m for m in METRICS.values()
            if m.area == area and (m.audience is None or role is None or role in m.audience)]
