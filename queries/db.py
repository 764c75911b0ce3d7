"""The dashboard's connection to the reporting database: read-only on every dialect.

The database belongs to the ETL; the dashboard must never be able to write to it, so
read-only is enforced by the connection itself, not by our good behaviour:
SQLite is opened with ``mode=ro`` (and ``query_only``), PostgreSQL sessions start with
``default_transaction_read_only``, MySQL/MariaDB sessions with ``TRANSACTION READ ONLY``.
Every statement also gets a time limit, so a runaway query cannot stall the server.
"""
from __future__ import annotations

import contextvars
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, TypeVar

import pandas as pd
from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine, URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Executable

import settings
from queries.sql import SEEK_EACH, SEEK_EACH_SETTINGS
from queries.sqlite_guard import guard
from queries.sqlite_library import memory_statistics_off

T, R = TypeVar("T"), TypeVar("R")

log = logging.getLogger(__name__)

# before this process opens its first SQLite connection: statements side by side then
# scale with the cores (see queries.sqlite_library)
memory_statistics_off()


class DatabaseUnavailable(RuntimeError):
    """The reporting database cannot be reached or read; the message is for users."""


def database_url() -> str:
    return str(settings.get("OVERSIGHT_DB_URL"))


def describe_url(url: str | URL) -> str:
    """The URL without its password, safe for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL: show nothing of it but its scheme
        return re.sub(r"//.*@", "//***@", str(url))


def replica_urls(value: str | URL) -> list[URL]:
    """``OVERSIGHT_DB_URL`` may name several replicas of one reporting database, separated
    by commas or spaces (a separator counts only before another URL's scheme, so a SQLite
    path may hold either)."""
    if isinstance(value, URL):
        return [value]
    return [make_url(part) for part in re.split(r"[\s,]+(?=[a-z][a-z0-9+]*://)", value.strip()) if part]


def read_only_engine(url: str | URL | None = None, *, pooled: bool = True) -> Engine:
    """An engine on which every session is read-only and every statement time-limited.
    Several URLs (replicas): one engine whose connections are spread over them and that
    goes on with the others when one stops answering (``Replicas``). ``pooled=False``: a
    new connection each time (a replica's engine, whose connections the replicas' pool
    takes over)."""
    urls = replica_urls(url or database_url())
    if len(urls) > 1:
        return _replicated(urls)
    url = urls[0]
    timeout_s = int(settings.get("OVERSIGHT_QUERY_TIMEOUT_S"))
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_read_only(url, timeout_s)
    if backend == "postgresql":
        work_mem = str(settings.get("OVERSIGHT_PG_WORK_MEM")).replace(" ", "")
        # jit=off: compiling a plan costs 10-50 ms, more than it saves on these aggregates.
        # No parallel workers by default: a page's statements already run side by side, one
        # per core, and workers inside them only contend (province, 2 cores: quarter
        # overview 1.40 → 0.92 s); serial plans also read 漏保's screenings in person order
        workers = int(settings.get("OVERSIGHT_PG_PARALLEL_WORKERS"))
        options = (f"-c default_transaction_read_only=on -c jit=off "
                   f"-c statement_timeout={timeout_s * 1000} -c work_mem={work_mem} "
                   f"-c random_page_cost={float(settings.get('OVERSIGHT_PG_RANDOM_PAGE_COST'))} "
                   f"-c max_parallel_workers_per_gather={workers}")
        return create_engine(url, connect_args={"options": options}, **_pool_args(pooled))
    if backend in {"mysql", "mariadb"}:
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        engine = create_engine(url, pool_recycle=3600, **_pool_args(pooled))
        event.listen(engine, "connect", _mysql_session_setup(timeout_s))
        return engine
    raise DatabaseUnavailable(f"不支持的数据库类型：{backend}。请使用 SQLite、PostgreSQL 或 MySQL/MariaDB。")


def _pool_args(pooled: bool) -> dict:
    return {"pool_pre_ping": True} if pooled else {"poolclass": NullPool}


class Replicas:
    """A pool's ``creator`` over several replicas: each new connection comes from the next
    replica in turn (the sessions spread over them), made by that replica's own read-only
    engine (its session settings applied) and detached from it. A replica that does not
    answer is passed over for ``COOLDOWN_S``, then tried again, so one that comes back
    takes its share again without a restart. When none answers, the last error is raised:
    the page says in Chinese that the database cannot be reached and recovers on a later
    run."""

    COOLDOWN_S = 10.0

    def __init__(self, engines: list[Engine]):
        self.engines = engines
        self.resting_until = [0.0] * len(engines)
        self.turn = 0
        self.lock = threading.Lock()

    def connect(self):
        with self.lock:
            start, self.turn = self.turn, self.turn + 1
        now, n = time.monotonic(), len(self.engines)
        order = [(start + k) % n for k in range(n)]
        # those not resting first; the resting ones last (all of them, when all rest)
        order = [i for i in order if self.resting_until[i] <= now] + [i for i in order if self.resting_until[i] > now]
        error: Exception | None = None
        for i in order:
            try:
                proxied = self.engines[i].raw_connection()
            except Exception as exc:        # noqa: BLE001 - the driver's own error (raw_connection
                # does not wrap it): try the next replica
                self.resting_until[i] = time.monotonic() + self.COOLDOWN_S
                log.warning("replica %s does not answer: %s", describe_url(self.engines[i].url), type(exc).__name__)
                error = exc
                continue
            self.resting_until[i] = 0.0
            proxied.detach()                            # ours now, not that engine's pool's
            return proxied.dbapi_connection
        raise error if error is not None else DatabaseUnavailable("没有可用的报表库副本。")


def _replicated(urls: list[URL]) -> Engine:
    """One engine over several replicas of one reporting database (``Replicas``)."""
    backends = {u.get_backend_name() for u in urls}
    if "sqlite" in backends or len(backends) > 1:
        raise DatabaseUnavailable("多个报表库地址须为同一种数据库服务器（PostgreSQL 或 MySQL/MariaDB）的副本；"
                                  "SQLite 不支持副本。")
    replicas = Replicas([read_only_engine(u, pooled=False) for u in urls])
    # pre-ping: a pooled connection to a replica that has stopped is found at checkout
    # and replaced by one from another replica, before the statement runs
    return create_engine(urls[0], creator=replicas.connect, pool_pre_ping=True, pool_recycle=3600)


def _sqlite_read_only(url: URL, timeout_s: int) -> Engine:
    path = url.database
    if not path or path == ":memory:":
        raise DatabaseUnavailable("SQLite 报表库须为文件路径，不能是内存库。")
    if not Path(path).exists():
        log.warning("the SQLite reporting database %s does not exist", path)
        raise DatabaseUnavailable("找不到报表库文件（路径已记入服务器日志）。演示库请先运行 make demo-db。")
    ro_url = URL.create("sqlite", database=f"file:{Path(path).resolve()}?mode=ro",
                        query={"uri": "true"})
    engine = create_engine(ro_url)
    mmap_bytes = int(settings.get("OVERSIGHT_SQLITE_MMAP_MB")) * 1024 * 1024

    @event.listens_for(engine, "connect")
    def _setup(dbapi_conn, _record):  # noqa: ANN001 - DBAPI objects
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only = 1")
        cur.execute(f"PRAGMA mmap_size = {mmap_bytes}")
        cur.close()
        _sqlite_time_limit(dbapi_conn, timeout_s)
        guard(dbapi_conn)        # last: from here on the connection only reads

    return engine


def _sqlite_time_limit(dbapi_conn, timeout_s: int) -> None:
    """Abort a statement that runs longer than ``timeout_s`` (SQLite has no server timeout):
    the trace callback marks each statement's start, the progress handler checks the clock."""
    started = [time.monotonic()]

    def trace(_stmt: str) -> None:
        started[0] = time.monotonic()

    dbapi_conn.set_trace_callback(trace)
    dbapi_conn.set_progress_handler(lambda: int(time.monotonic() - started[0] > timeout_s), 100_000)


def _mysql_session_setup(timeout_s: int):
    def setup(dbapi_conn, _record):  # noqa: ANN001
        cur = dbapi_conn.cursor()
        cur.execute("SET SESSION TRANSACTION READ ONLY")
        try:  # MariaDB: seconds, all statements
            cur.execute(f"SET SESSION max_statement_time = {timeout_s}")
        except Exception:  # MySQL: milliseconds, SELECT only
            cur.execute(f"SET SESSION max_execution_time = {timeout_s * 1000}")
        cur.close()
    return setup


def fetch(engine: Engine, stmt: Executable) -> pd.DataFrame:
    """Run one SELECT and return its rows; connection failures become DatabaseUnavailable."""
    columns, records = fetch_records(engine, stmt)
    return pd.DataFrame(records, columns=columns)


def fetch_records(engine: Engine, stmt: Executable) -> tuple[tuple[str, ...], list[tuple]]:
    """Run one SELECT: its column names and rows as plain tuples."""
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql" and stmt.get_execution_options().get(SEEK_EACH):
                for setting in SEEK_EACH_SETTINGS:
                    conn.exec_driver_sql(setting)
            result = conn.execute(stmt)
            return tuple(result.keys()), [tuple(r) for r in result.fetchall()]
    except SQLAlchemyError as exc:
        log.warning("query failed on %s: %s", describe_url(engine.url), type(exc).__name__)
        raise DatabaseUnavailable(
            "报表库查询失败：数据库无法连接或查询超时。请稍后重试；如持续出现，请联系信息科检查报表库。"
        ) from exc


_POOL: ThreadPoolExecutor | None = None
PAGE_CALL_THREAD = "page-call"          # side_by_side's threads are named after it
_CALLS: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


_ONE_AT_A_TIME: contextvars.ContextVar[bool] = contextvars.ContextVar("one_at_a_time", default=False)


@contextmanager
def one_at_a_time():
    """Within it, ``parallel_map`` and ``side_by_side`` run their work in the calling
    thread, one after another: background work (ui.warm) that must leave the pools'
    threads to users' requests."""
    token = _ONE_AT_A_TIME.set(True)
    try:
        yield
    finally:
        _ONE_AT_A_TIME.reset(token)


def parallel_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, run side by side on a shared pool of
    ``OVERSIGHT_QUERY_THREADS`` threads (each on a connection of its own): statements of one
    page are independent, and the database (SQLite's engine releases Python's lock while it
    works) uses several cores. Results in order; the first exception is raised. Not to be
    called from within ``fn`` (the pool's threads would wait on themselves)."""
    items = list(items)
    if len(items) <= 1 or _ONE_AT_A_TIME.get():
        return [fn(x) for x in items]
    futures = [_pool().submit(contextvars.copy_context().run, fn, x) for x in items]
    return [f.result() for f in futures]


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            workers = max(1, int(settings.get("OVERSIGHT_QUERY_THREADS")))
            _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="query")
        return _POOL


def side_by_side(*calls: Callable[[], R]) -> list[R]:
    """The results of ``calls`` (a page's query calls: ``compute``, ``monthly``,
    ``case_lists`` …) run at once, so that all their statements reach the query pool
    together and the page costs its slowest statements, not the sum of its calls. Each call
    runs in the caller's context (a ``page_run`` is shared) on a pool of its own: the query
    pool's threads must not wait on themselves. Results in order; the first exception is
    raised."""
    global _CALLS
    if len(calls) <= 1 or _ONE_AT_A_TIME.get():
        return [call() for call in calls]
    with _POOL_LOCK:
        if _CALLS is None:
            _CALLS = ThreadPoolExecutor(max_workers=8, thread_name_prefix=PAGE_CALL_THREAD)
    futures = [_CALLS.submit(contextvars.copy_context().run, call) for call in calls]
    return [f.result() for f in futures]
