"""The reporting database for the app, and the figures a page asks for, cached.

Results are cached on everything that changes the answer (stack-notes, Caching): the
database URL, its data_as_of (the data changes nightly), the figures, the period, the
scope code and the user's allowed regions. A user's rows are never served to another
whose regions differ.
"""
from __future__ import annotations

import functools
import gc
import logging
import pickle
import time
from datetime import date
from typing import Callable, Iterable, TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.caching.cache_errors import CacheError

import settings
from queries.database import Database
from queries.figures import refuse_unseen
from queries.scope import BadScope, Scope, grain, levels_below
from queries import cases, rectification
from queries.problem_index import in_scope
from queries.warnings import WARNING_FIGURES
from queries.quality import quality_report, unknown_codes
from queries.national_ledger import national_ledger as ledger_table
from queries.privileges import warning_text
from queries.problem_index import problem_index as compute_problem_index
from queries.runner import compute, compute_many, compute_with_change
from queries.runner import histogram as runner_histogram
from queries.series import monthly, months_back
from queries.database import current_load
from queries.db import PAGE_CALL_THREAD, DatabaseUnavailable, database_url, side_by_side
from ui.filters import Filters

R = TypeVar("R")
log = logging.getLogger(__name__)


def _load(db: Database) -> str:
    """What identifies the database's data in every cache key: its as-of day and load
    time (a nightly load changes one or both)."""
    return f"{db.data_as_of.isoformat()} {db.loaded_at or ''}".strip()


def _shared(fn: Callable[..., R] | None = None, *, spinner: str = "正在统计……"):
    """A figure cache every app process of the server shares (``persist="disk"``: one
    process's result, a warmed one included, is every process's), for results that hold
    nothing personal: figures, breakdowns, trends, the problem index, the data-quality
    checks (record ids, no names). Keyed by the load, so it needs no time limit. A file
    another process is still writing reads as broken: the result is then computed here,
    uncached."""
    if fn is None:
        return functools.partial(_shared, spinner=spinner)
    cached = st.cache_data(persist="disk", show_spinner=spinner)(fn)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return cached(*args, **kwargs)
        except (CacheError, EOFError, pickle.UnpicklingError) as exc:
            log.warning("shared cache unreadable for %s (%s): computed uncached", fn.__name__, type(exc).__name__)
            return fn(*args, **kwargs)
    call.clear = cached.clear            # type: ignore[attr-defined]
    return call


@st.cache_resource(show_spinner="正在连接报表库……")
def _open(url: str) -> Database:
    """One engine per database URL for the whole server (a failure is not cached). An
    account that may write is said in the server log (and on 数据说明)."""
    db = Database.open(url)
    # what is alive now (modules, the region tree) lives as long as the server: kept out of
    # the garbage collector's full passes, which otherwise walk it all every few page runs
    # (a 150 ms pause in one run of seven at a province's district; bench.timing does the same)
    gc.freeze()
    if db.write_access:
        log.warning(warning_text(db.write_access, for_log=True))
    return db


def database() -> Database:
    """The reporting database, opened once per server and looked at again every
    ``OVERSIGHT_DATA_CHECK_S``: when the nightly load has changed meta (data_as_of or
    loaded_at), it is opened anew, so headers and cache keys follow the new data (and the
    views everyone opens first are computed ahead, ui.warm)."""
    url = database_url()
    db = _open(url)
    if _load_changed(db, url):
        log.info("a new load of the reporting database (data_as_of was %s): opened anew", db.data_as_of)
        _open.clear()
        db = _open(url)
    from ui import warm
    warm.maybe_start(db)
    return db


_CHECKED: dict[str, float] = {}     # url → when its meta was last read (this process)


def _load_changed(db: Database, url: str) -> bool:
    now = time.monotonic()
    if now - _CHECKED.get(url, 0.0) < float(settings.get("OVERSIGHT_DATA_CHECK_S")):
        return False
    _CHECKED[url] = now
    try:
        data_as_of, loaded_at = current_load(db)
    except DatabaseUnavailable:
        return False                 # the next query says so; the open database stays
    return (data_as_of, loaded_at) != (db.data_as_of.isoformat(), db.loaded_at)


def together(*calls: Callable[[], R]) -> list[R]:
    """A page's data calls (``figures``, ``case_lists``, ``series`` …; lambdas) run at once
    before it draws, their results in order. On a cold cache their statements reach the
    query pool together, so the page costs its slowest statements, not the sum of its calls
    (重复信访 at a district made four calls one after another); on a warm one each call is
    a cache read, as before. Only calls whose statements differ belong together: a call
    that would reuse another's statement within the page run (应保尽保's lists reuse its
    漏保) must come after it.

    The calls run on worker threads without Streamlit's script context (its multithreading
    guide: work in threads, draw in the script's), so a call must not draw; the caches'
    own spinners are skipped there and one spinner shows here instead."""
    with st.spinner("正在统计……"):
        return side_by_side(*calls)


class _NoContextWarning(logging.Filter):
    """Streamlit warns of every call made outside its script thread; ``together``'s worker
    threads draw nothing by design, so their warnings are noise in the server log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith((f"Thread '{PAGE_CALL_THREAD}", "Thread 'cache-warm"))
                    and "missing ScriptRunContext" in message)


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NoContextWarning())


def missing_tables() -> frozenset[str]:
    """The optional tables the database lacks, for the menu (未接入); none when the
    database cannot be opened (the page then says why)."""
    from queries.schema import OPTIONAL_TABLES
    try:
        db = database()
    except Exception:              # noqa: BLE001 - reported by the page, not the menu
        return frozenset()
    return frozenset(t for t in OPTIONAL_TABLES if not db.has(t))


def figures(db: Database, keys: Iterable[str], filters: Filters, regions: tuple[str, ...] | None,
            *, with_change: bool = False) -> pd.DataFrame:
    """``compute`` (or ``compute_with_change``) for the view, from the cache when it can."""
    return _figures(db, database_url(), _load(db), tuple(keys),
                    filters.period.key, filters.scope.code, regions, with_change)


@_shared
def _figures(_db: Database, url: str, data_as_of: str, keys: tuple[str, ...], period_key: str,
             scope_code: str, regions: tuple[str, ...] | None, with_change: bool) -> pd.DataFrame:
    period = _db.period(period_key)
    scope = _db.scope(scope_code, allowed=regions)
    run = compute_with_change if with_change else compute
    return run(_db, list(keys), scope, period)


def figures_in(db: Database, keys: Iterable[str], filters: Filters, regions: tuple[str, ...] | None,
               scope_code: str) -> pd.DataFrame:
    """``figures`` for another scope in the same period (a township's district, for the
    map that shows the township among its neighbours). BadScope if the user may not see it."""
    return _figures(db, database_url(), _load(db), tuple(keys),
                    filters.period.key, scope_code, regions, False)


def township_figures(view, keys: Iterable[str]) -> pd.DataFrame:
    """``figures`` for every township in the view's scope, one row each (one grouped
    statement): the townships a page names as the ones to check first."""
    keys = list(keys)
    refuse_unseen(keys, view.user.role)
    f = view.filters
    return _township_figures(view.db, database_url(), _load(view.db), tuple(keys),
                             f.period.key, f.scope.code, view.user.regions)


@_shared
def _township_figures(_db: Database, url: str, data_as_of: str, keys: tuple[str, ...], period_key: str,
                      scope_code: str, regions: tuple[str, ...] | None) -> pd.DataFrame:
    scope = _db.scope(scope_code, allowed=regions)
    return compute(_db, list(keys), grain(_db.tree, scope, "township"), _db.period(period_key))


# --------------------------------------------------------------------------- beyond figures
# Each cached on everything that changes its answer, like _figures: the scope code and the
# user's regions included, so one user's rows never reach another.

def figures_by(view, keys: Iterable[str], by: str) -> pd.DataFrame:
    """The figures for the view's scope, broken down by a dimension (e.g. 'category')."""
    return figures_by_each(view, keys, (by,))[by]


def figures_by_each(view, keys: Iterable[str], dims: Iterable[str]) -> dict[str, pd.DataFrame]:
    """``figures_by`` for several dimensions at once, their statements side by side."""
    keys, dims = list(keys), tuple(dims)
    refuse_unseen(keys, view.user.role)
    f = view.filters
    return _figures_by_each(view.db, database_url(), _load(view.db), tuple(keys), dims,
                            f.period.key, f.scope.code, view.user.regions)


@_shared
def _figures_by_each(_db: Database, url: str, data_as_of: str, keys: tuple[str, ...], dims: tuple[str, ...],
                     period_key: str, scope_code: str, regions: tuple[str, ...] | None) -> dict:
    scope, period = _db.scope(scope_code, allowed=regions), _db.period(period_key)
    return dict(zip(dims, compute_many(_db, [(list(keys), scope, period, by) for by in dims])))


def histogram(view, key: str) -> list[tuple] | None:
    """The distribution behind a histogram figure (e.g. 待纳入天数) for the view's scope."""
    f = view.filters
    return _histogram(view.db, database_url(), _load(view.db), key,
                      f.period.key, f.scope.code, view.user.regions)


@_shared
def _histogram(_db: Database, url: str, data_as_of: str, key: str, period_key: str,
               scope_code: str, regions: tuple[str, ...] | None) -> list[tuple] | None:
    return runner_histogram(_db, key, _db.scope(scope_code, allowed=regions), _db.period(period_key))


def series(view, keys: Iterable[str], first_month: date) -> pd.DataFrame:
    """Monthly values of ``keys`` for the view's scope, from ``first_month`` to the as-of day."""
    f = view.filters
    return _series(view.db, database_url(), _load(view.db), tuple(keys),
                   first_month, f.period.as_of, f.scope.code, view.user.regions)


@_shared
def _series(_db: Database, url: str, data_as_of: str, keys: tuple[str, ...], first_month: date,
            as_of: date, scope_code: str, regions: tuple[str, ...] | None) -> pd.DataFrame:
    return monthly(_db, list(keys), _db.scope(scope_code, allowed=regions), first_month, as_of)


def case_lists(view, keys: Iterable[str]) -> dict:
    """The view's lists of cases (queries.cases), their statements side by side: for each
    key its first rows (worst first) and its total; None where its table is missing."""
    f = view.filters
    return _case_lists(view.db, database_url(), _load(view.db), tuple(keys),
                       f.period.key, f.scope.code, view.user.regions, view.user.role)


@st.cache_data(ttl=int(settings.get("OVERSIGHT_CACHE_TTL_S")), max_entries=500, show_spinner="正在查询……")
def _case_lists(_db: Database, url: str, data_as_of: str, keys: tuple[str, ...], period_key: str,
                scope_code: str, regions: tuple[str, ...] | None, role: str) -> dict:
    # the role is part of the key: a list outside it raises (queries.cases.NotForRole)
    return cases.case_lists(_db, list(keys), _db.scope(scope_code, allowed=regions),
                            _db.period(period_key), regions=regions, role=role)


def matter_petitions(view, matter_id: str):
    """The petitions of one repeat matter of the view (queries.cases.matter_petitions):
    nothing unless the matter lies in the view's scope and the user's regions."""
    f = view.filters
    return _matter_petitions(view.db, database_url(), _load(view.db), str(matter_id),
                             f.period.key, f.scope.code, view.user.regions)


@st.cache_data(ttl=int(settings.get("OVERSIGHT_CACHE_TTL_S")), max_entries=500, show_spinner="正在查询……")
def _matter_petitions(_db: Database, url: str, data_as_of: str, matter_id: str, period_key: str,
                      scope_code: str, regions: tuple[str, ...] | None):
    return cases.matter_petitions(_db, matter_id, _db.scope(scope_code, allowed=regions),
                                  _db.period(period_key), regions=regions)


def burn_down(view):
    """The campaign's open items week by week for the view (queries.rectification)."""
    f = view.filters
    return _burn_down(view.db, database_url(), _load(view.db), f.period.key,
                      f.scope.code, view.user.regions)


@_shared
def _burn_down(_db: Database, url: str, data_as_of: str, period_key: str, scope_code: str,
               regions: tuple[str, ...] | None):
    return rectification.burn_down(_db, _db.scope(scope_code, allowed=regions), _db.period(period_key))


def items_by_phase(view) -> pd.DataFrame:
    """Items found (and closed) per campaign phase for the view."""
    f = view.filters
    return _items_by_phase(view.db, database_url(), _load(view.db), f.period.key,
                           f.scope.code, view.user.regions)


@_shared
def _items_by_phase(_db: Database, url: str, data_as_of: str, period_key: str, scope_code: str,
                    regions: tuple[str, ...] | None) -> pd.DataFrame:
    return rectification.items_by_phase(_db, _db.scope(scope_code, allowed=regions), _db.period(period_key))


def ledger(view, *, states: tuple = (), categories: tuple = (), overdue_only: bool = False,
           complete: bool = False):
    """对账销号台账 for the view, narrowed by the page's filters: the first rows shown
    (cached), or with ``complete`` every row up to queries.cases.EXCEL (the Excel, on click)."""
    f = view.filters
    if complete:
        return cases.ledger(view.db, view.db.scope(f.scope.code, allowed=view.user.regions), f.period,
                            states=states, categories=categories, overdue_only=overdue_only,
                            limit=cases.EXCEL, regions=view.user.regions)
    return _ledger(view.db, database_url(), _load(view.db), f.period.key, f.scope.code,
                   view.user.regions, tuple(states), tuple(categories), bool(overdue_only))


@st.cache_data(ttl=int(settings.get("OVERSIGHT_CACHE_TTL_S")), max_entries=500, show_spinner="正在查询……")
def _ledger(_db: Database, url: str, data_as_of: str, period_key: str, scope_code: str,
            regions: tuple[str, ...] | None, states: tuple, categories: tuple, overdue_only: bool):
    return cases.ledger(_db, _db.scope(scope_code, allowed=regions), _db.period(period_key),
                        states=states, categories=categories, overdue_only=overdue_only, regions=regions)


def trend_start(view) -> date:
    """The first month of a page's monthly trends: the campaign's for 专项治理以来, else the
    twelve months to the quarter's end."""
    period = view.filters.period
    return period.start.replace(day=1) if period.is_campaign else months_back(period.as_of, 12)


def all_cases(view, key: str) -> pd.DataFrame:
    """Every row of a list (up to queries.cases.EXCEL), for its Excel download: built on
    click, not cached (a download is rare and its rows are many)."""
    f = view.filters
    whole = cases.case_list(key, view.db, view.db.scope(f.scope.code, allowed=view.user.regions),
                            f.period, limit=cases.EXCEL, regions=view.user.regions, role=view.user.role)
    return whole.rows if whole is not None else pd.DataFrame()


def problem_index(view, scope: Scope | None = None) -> pd.DataFrame:
    """乡镇问题指数 of the townships in the view's scope (or ``scope``, one the user may
    see). The index ranks every township of the deployment whoever looks (metrics.md), so
    it is computed once per period and data load for everyone, then narrowed."""
    whole = _problem_index(view.db, database_url(), _load(view.db),
                           view.filters.period.key)
    return in_scope(whole, scope or view.filters.scope)


def warning_frames(view) -> list[pd.DataFrame]:
    """The warned figures (queries.warnings.WARNING_FIGURES) of the view's scope and every
    region under it, a frame per level. A place's figures do not depend on who looks, so
    they are computed once per period and data load for the whole deployment (every level
    in one side-by-side run), then narrowed to the scope by the figures' own gate (a
    region's row lies within it, its own included)."""
    whole = _warning_frames(view.db, database_url(), _load(view.db), view.filters.period.key)
    return [in_scope(frame, view.filters.scope) for frame in whole]


@_shared
def _warning_frames(_db: Database, url: str, data_as_of: str, period_key: str) -> list[pd.DataFrame]:
    top, period = _db.deployment(), _db.period(period_key)
    grains = [grain(_db.tree, top, level) for level in levels_below(_db.tree, top)] or [top]
    return compute_many(_db, [(list(WARNING_FIGURES), g, period) for g in grains])


def national_ledger(view) -> pd.DataFrame | None:
    """工作台账 for the view (queries.national_ledger): the areas one level down and 合计,
    cumulative from the campaign's start to the period's as-of day."""
    f = view.filters
    return _national_ledger(view.db, database_url(), _load(view.db), f.period.key,
                            f.scope.code, view.user.regions)


@st.cache_data(ttl=int(settings.get("OVERSIGHT_CACHE_TTL_S")), max_entries=200, show_spinner="正在统计……")
def _national_ledger(_db: Database, url: str, data_as_of: str, period_key: str, scope_code: str,
                     regions: tuple[str, ...] | None) -> pd.DataFrame | None:
    return ledger_table(_db, _db.scope(scope_code, allowed=regions), _db.period(period_key))


def quality(view) -> tuple[pd.DataFrame, pd.DataFrame]:
    """数据质量 (queries.quality): the checks with their counts and example ids, and the
    unknown township codes per table; once per data load for everyone (ids only)."""
    return _quality(view.db, database_url(), _load(view.db))


@_shared(spinner="正在检查数据质量……")
def _quality(_db: Database, url: str, data_as_of: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return quality_report(_db), unknown_codes(_db)


def problem_index_whole(view) -> pd.DataFrame:
    """乡镇问题指数 of every township of the deployment (for a township's rank, 第 N / 45:
    a position, never another township's row, is what a user outside it sees)."""
    return _problem_index(view.db, database_url(), _load(view.db), view.filters.period.key)


def yardstick(view, keys: Iterable[str]) -> pd.Series:
    """The deployment's total of each figure (views.md, Access: one number per figure,
    never a breakdown or a case, may be shown to everyone as a yardstick)."""
    keys = list(keys)
    refuse_unseen(keys, view.user.role)
    db = view.db
    frame = _figures(db, database_url(), _load(db), tuple(keys), view.filters.period.key,
                     db.tree.top.code, None, False)
    return frame[frame["is_total"]].iloc[0]


def district_of(view) -> Scope | None:
    """The district of the view's township scope, when the user may see it (else None)."""
    region = view.db.tree.get(view.filters.scope.code)
    if region is None or region.parent_code is None:
        return None
    try:
        return view.db.scope(region.parent_code, allowed=view.user.regions)
    except BadScope:
        return None


@_shared
def _problem_index(_db: Database, url: str, data_as_of: str, period_key: str) -> pd.DataFrame:
    return compute_problem_index(_db, _db.period(period_key))
