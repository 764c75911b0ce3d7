"""The reporting database for the app, and the figures a page asks for, cached.

Results are cached on everything that changes the answer (stack-notes, Caching): the
database URL, its data_as_of (the data changes nightly), the figures, the period, the
scope code and the user's allowed regions. A user's rows are never served to another
whose regions differ.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd
import streamlit as st

import settings
from queries.database import Database
from queries.runner import compute, compute_with_change
from queries.db import database_url
from ui.filters import Filters


@st.cache_resource(show_spinner="正在连接报表库……")
def _open(url: str) -> Database:
    """One engine per database URL for the whole server (a failure is not cached)."""
    return Database.open(url)


def database() -> Database:
    return _open(database_url())


def figures(db: Database, keys: Iterable[str], filters: Filters, regions: tuple[str, ...] | None,
            *, with_change: bool = False) -> pd.DataFrame:
    """``compute`` (or ``compute_with_change``) for the view, from the cache when it can."""
    return _figures(db, database_url(), db.data_as_of.isoformat(), tuple(keys),
                    filters.period.key, filters.scope.code, regions, with_change)


@st.cache_data(ttl=int(settings.get("OVERSIGHT_CACHE_TTL_S")), max_entries=2000,
               show_spinner="正在统计……")
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
    return _figures(db, database_url(), db.data_as_of.isoformat(), tuple(keys),
                    filters.period.key, scope_code, regions, False)
