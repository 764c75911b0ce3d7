"""Small SQL building blocks shared by every area, portable across SQLite, PostgreSQL,
MySQL/MariaDB (and DuckDB for the benchmark's floor)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, and_, bindparam, case, func, literal_column, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


# One instance: a type's part of a statement's cache key is worked out once per instance,
# by introspecting its class (SQLAlchemy's get_cls_kwargs, ~1.4 ms), and `type_=Date` made
# a new instance per parameter: a district's page spent 0.15 s of its 0.4 s on them
_DATE = Date()


def day(value: date) -> ColumnElement:
    """A date parameter typed as DATE (SQLite then binds ISO text, as the contract stores)."""
    return bindparam(None, value, type_=_DATE)


def is_true(col: ColumnElement) -> ColumnElement:
    """``col`` is true; NULL (unknown) is not true. Works for 0/1 and native booleans."""
    return col.is_(True)


def is_false(col: ColumnElement) -> ColumnElement:
    return col.is_(False)


def flag(cond: ColumnElement) -> ColumnElement:
    return case((cond, 1), else_=0)


class count_if(FunctionElement):
    """Number of rows meeting ``cond``: ``count(*) FILTER (WHERE cond)`` where the dialect
    has it (SQLite, PostgreSQL, DuckDB), ``SUM(CASE …)`` on MySQL/MariaDB (NULL on no rows,
    which the runner reads as 0). The filter skips the CASE and the SUM's arithmetic per
    row: SQLite, ten counts over 1.2 M spells, 0.36 s → 0.23 s."""

    type = Integer()
    inherit_cache = True
    name = "count_if"


@compiles(count_if)
def _count_if_filter(element, compiler, **kw):
    (cond,) = list(element.clauses)
    return f"count(*) FILTER (WHERE {compiler.process(cond, **kw)})"


@compiles(count_if, "mysql")
@compiles(count_if, "mariadb")
def _count_if_sum(element, compiler, **kw):
    (cond,) = list(element.clauses)
    return compiler.process(func.sum(flag(cond)), **kw)


def sum_if(cond: ColumnElement, value: ColumnElement) -> ColumnElement:
    return func.sum(case((cond, value), else_=0))


def distinct_if(cond: ColumnElement, col: ColumnElement) -> ColumnElement:
    """Distinct values of ``col`` on the rows meeting ``cond`` (people, matters)."""
    return func.count(func.distinct(case((cond, col))))


def among(rows: ColumnElement | None, cond: ColumnElement) -> ColumnElement:
    """``cond`` for the rows meeting ``rows`` only (None: every row of the statement)."""
    return cond if rows is None else and_(rows, cond)


def count_among(rows: ColumnElement | None) -> ColumnElement:
    """The number of rows meeting ``rows``: ``count(*)`` when it is every row."""
    return func.count() if rows is None else count_if(rows)


def between_days(col: ColumnElement, first: date, last: date) -> ColumnElement:
    return and_(col >= day(first), col <= day(last))


def done_by(col: ColumnElement, as_of: date) -> ColumnElement:
    """Closed/concluded/resolved on or before ``as_of``: dates decide, never status."""
    return and_(col.is_not(None), col <= day(as_of))


def not_done_by(col: ColumnElement, as_of: date) -> ColumnElement:
    return or_(col.is_(None), col > day(as_of))


class _ColumnWrapper(FunctionElement):
    """A column rendered differently per dialect, keeping the column's type."""

    inherit_cache = True

    def __init__(self, col):
        super().__init__(col)
        self.type = col.type


def on_or_before(col: ColumnElement, last: date) -> ColumnElement:
    """``col <= last`` as a row filter, never an index seek on SQLite: a date range behind a
    leading ``township_code`` makes SQLite's planner pick a skip-scan with a table lookup per
    row (1.6 s against 0.2 s for a plain scan of 1.5 M spells); with a scope, the township
    range still seeks."""
    return not_seekable(col) <= day(last)


def active_on(start: ColumnElement, end: ColumnElement, on: date) -> ColumnElement:
    """A spell is active on day D when start <= D and (end is null or end > D)."""
    return and_(not_seekable(start) <= day(on), or_(end.is_(None), end > day(on)))


class not_seekable(_ColumnWrapper):
    """``col`` kept out of SQLite's index seek (written ``+col``).

    SQLite 3.40 (Debian 12's, which Python links) returns wrong rows for
    ``person_id = ? AND programme IN (…) AND start_date <= ?`` on the covering index
    ``recipient(person_id, programme, start_date, end_date)`` after ANALYZE: its SeekScan
    step skips the start_date bound. Checking start_date on the index entries instead of
    seeking on it gives the right rows at the same speed (the index still covers the query).
    """

    inherit_cache = True
    name = "not_seekable"


@compiles(not_seekable)
def _not_seekable_default(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(not_seekable, "sqlite")
def _not_seekable_sqlite(element, compiler, **kw):
    return f"+{compiler.process(list(element.clauses)[0], **kw)}"


class shared_value(_ColumnWrapper):
    """In a grouped query, a value every row of the group has (a matter's township when
    its petitions share one): SQLite reads it as a bare column, from any row of the group,
    DuckDB as ANY_VALUE; the others as MIN. SQLite's MIN over TEXT costs as much as three
    filtered counts (province, 400 k petitions: 70 ms)."""

    inherit_cache = True
    name = "shared_value"


@compiles(shared_value)
def _shared_value_default(element, compiler, **kw):  # PostgreSQL, MySQL/MariaDB
    return f"min({compiler.process(list(element.clauses)[0], **kw)})"


@compiles(shared_value, "sqlite")
def _shared_value_sqlite(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(shared_value, "duckdb")
def _shared_value_duckdb(element, compiler, **kw):
    return f"any_value({compiler.process(list(element.clauses)[0], **kw)})"


class days_between(FunctionElement):
    """Whole days from ``earlier`` to ``later`` (later − earlier), on every dialect."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_default(element, compiler, **kw):  # PostgreSQL, DuckDB: date − date is days
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"CAST(julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)")


@compiles(days_between, "mysql")
@compiles(days_between, "mariadb")
def _days_mysql(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"DATEDIFF({compiler.process(later, **kw)}, {compiler.process(earlier, **kw)})"


class bytewise(_ColumnWrapper):
    """``col`` compared byte by byte, whatever the database's collation: ids decide ties
    (same-day petitions, screenings), and a case-insensitive MariaDB collation or a locale
    collation on PostgreSQL must not order them differently from SQLite."""

    inherit_cache = True
    name = "bytewise"


@compiles(bytewise)
def _bytewise_default(element, compiler, **kw):  # SQLite and DuckDB compare bytes already
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(bytewise, "postgresql")
def _bytewise_pg(element, compiler, **kw):
    col = compiler.process(list(element.clauses)[0], **kw)
    # a database whose collation already orders by bytes needs no COLLATE, which would
    # keep the planner from reading ties in index order (see mark_bytewise_collation)
    if getattr(compiler.dialect, "oversight_bytewise_collation", False):
        return col
    return f'({col} COLLATE "C")'


BYTEWISE_PG_COLLATIONS = {"c", "posix", "c.utf-8", "c.utf8", "ucs_basic"}


def mark_bytewise_collation(engine) -> None:
    """Tell the PostgreSQL compiler whether the database's collation is byte order."""
    if engine.dialect.name != "postgresql":
        return
    from sqlalchemy import text
    with engine.connect() as conn:
        collation = conn.execute(text(
            "SELECT datcollate FROM pg_database WHERE datname = current_database()")).scalar()
    engine.dialect.oversight_bytewise_collation = str(collation or "").lower() in BYTEWISE_PG_COLLATIONS


@compiles(bytewise, "mysql")
@compiles(bytewise, "mariadb")
def _bytewise_mysql(element, compiler, **kw):
    return f"CAST({compiler.process(list(element.clauses)[0], **kw)} AS BINARY)"


class month_key(FunctionElement):
    """The month of a date as the integer YYYYMM, on every dialect (SQLite's dates are
    ISO text, the others' DATE): the bucket of a monthly series."""

    type = Integer()
    inherit_cache = True
    name = "month_key"


@compiles(month_key)
def _month_key_default(element, compiler, **kw):  # PostgreSQL, DuckDB
    # date_part (double precision), not EXTRACT (numeric since PostgreSQL 14): grouping a
    # province's 10.7 M payments by month 2.4 → 1.4 s
    col = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(date_part('year', {col}) * 100 + date_part('month', {col}) AS INTEGER)"


@compiles(month_key, "sqlite")
def _month_key_sqlite(element, compiler, **kw):
    # from the ISO text itself: strftime parses each date (80 k clues: 0.06 → 0.04 s)
    col = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(substr({col}, 1, 4) || substr({col}, 6, 2) AS INTEGER)"


@compiles(month_key, "mysql")
@compiles(month_key, "mariadb")
def _month_key_mysql(element, compiler, **kw):
    return f"EXTRACT(YEAR_MONTH FROM {compiler.process(list(element.clauses)[0], **kw)})"


class codes_of(FunctionElement):
    """The distinct values of ``col`` in a group, joined by commas (order unspecified):
    a person's programmes in a list of persons. Codes hold no commas."""

    type = String()
    inherit_cache = True
    name = "codes_of"


@compiles(codes_of)
def _codes_default(element, compiler, **kw):  # PostgreSQL, DuckDB
    return f"string_agg(DISTINCT {compiler.process(list(element.clauses)[0], **kw)}, ',')"


@compiles(codes_of, "sqlite")
@compiles(codes_of, "mysql")
@compiles(codes_of, "mariadb")
def _codes_group_concat(element, compiler, **kw):  # both separate by ',' by default
    return f"group_concat(DISTINCT {compiler.process(list(element.clauses)[0], **kw)})"


def earlier(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    """The earlier of two dates, either of which may be NULL (= never): NULL only when
    both are. Portable where LEAST is not (SQLite)."""
    return case((a.is_(None), b), (b.is_(None), a), (a < b, a), else_=b)


def later(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    """The later of two dates that are not NULL."""
    return case((a > b, a), else_=b)


class latest(FunctionElement):
    """The latest of several dates, none of them NULL, each written once (a correlated
    subquery among them then runs once): SQLite's scalar max(), GREATEST elsewhere."""

    inherit_cache = True
    name = "latest"

    @property
    def type(self):
        return list(self.clauses)[0].type


@compiles(latest)
def _latest_default(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(latest, "sqlite")
def _latest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


def days_before(col: ColumnElement, n: int) -> ColumnElement:
    """The date ``n`` days before ``col`` (``n`` a whole number of days, from settings):
    the grace days of 资金发放不及时 are taken off the day paid, which is then compared by
    month with the month paid for. ``n`` is written into the statement (a literal is part
    of SQLAlchemy's cache key, a bound value is not)."""
    return _days_before(col, literal_column(str(int(n))))


class _days_before(FunctionElement):
    type = Date()
    inherit_cache = True
    name = "days_before"


def _days_of(element) -> tuple:
    col, n = list(element.clauses)
    return col, int(n.name)


@compiles(_days_before)
def _days_before_default(element, compiler, **kw):  # PostgreSQL, DuckDB: date − integer
    col, n = _days_of(element)
    return f"({compiler.process(col, **kw)} - {n})" if n else compiler.process(col, **kw)


@compiles(_days_before, "sqlite")
def _days_before_sqlite(element, compiler, **kw):
    col, n = _days_of(element)
    return f"date({compiler.process(col, **kw)}, '-{n} days')" if n else compiler.process(col, **kw)


@compiles(_days_before, "mysql")
@compiles(_days_before, "mariadb")
def _days_before_mysql(element, compiler, **kw):
    col, n = _days_of(element)
    return f"DATE_SUB({compiler.process(col, **kw)}, INTERVAL {n} DAY)" if n else compiler.process(col, **kw)


class month_after(FunctionElement):
    """Whether date ``a`` falls in a later calendar month than date ``b`` (发放不及时): on
    SQLite the ISO texts' 'YYYY-MM' compared (a fraction of month_key's cost per row over
    a province's payments)."""

    type = Boolean()
    inherit_cache = True
    name = "month_after"


@compiles(month_after)
def _month_after_default(element, compiler, **kw):  # PostgreSQL, DuckDB
    # truncated as timestamps without a time zone: date_trunc of a DATE converts it to a
    # timestamp with one, per row (a province's 10.7 M payments: 0.92 → 0.42 s)
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(date_trunc('month', CAST({a} AS TIMESTAMP)) > date_trunc('month', CAST({b} AS TIMESTAMP)))"


@compiles(month_after, "sqlite")
def _month_after_sqlite(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(substr({a}, 1, 7) > substr({b}, 1, 7))"


@compiles(month_after, "mysql")
@compiles(month_after, "mariadb")
def _month_after_mysql(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(YEAR_MONTH FROM {a}) > EXTRACT(YEAR_MONTH FROM {b}))"


# --------------------------------------------------------------------------- plans
SEEK_EACH = "oversight_seek_each"
# what PostgreSQL is told for a SEEK_EACH statement, in its transaction only (SET LOCAL)
SEEK_EACH_SETTINGS = ("SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off")


def seek_each(stmt):
    """``stmt`` run on PostgreSQL with nested loops only: each of a few rows found first
    seeks its own (a district's related spells, each its payments through
    ix_payment_spell). PostgreSQL's estimate of those spells is 40 times too high (its
    sample puts 70 payments on an account that has 14), so it merge-joins all 10 M
    payments instead (思明区's 疑点 households: 2.7 s → 0.55 s). The other engines plan
    nested loops anyway. Applied by ``queries.db.fetch_records``."""
    return stmt.execution_options(**{SEEK_EACH: True})


class seek_equal(FunctionElement):
    """``a = b`` for a correlated subquery's seek on ``a``. On PostgreSQL written as a range
    of one value: it turns an EXISTS correlated by equalities into one hash of the whole
    inner table (every spell's name with its spaces taken out: 1.5 M, 0.9 s) where a seek
    for the few outer rows that reach the test costs nothing (思明区: 1.0 → 0.2 s). MariaDB
    seeks only on the equality (the range scanned every spell per row).

    No Boolean type: MySQL's compiler would add ``= 1`` to a boolean function."""

    inherit_cache = True
    name = "seek_equal"


@compiles(seek_equal)
def _seek_equal_default(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"{a} = {b}"


@compiles(seek_equal, "postgresql")
def _seek_equal_pg(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"({a} >= {b} AND {a} <= {b})"
