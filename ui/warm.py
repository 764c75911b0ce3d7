"""No user waits for a cold province query (issue 14, part 5): when the app sees a new load
(a new data_as_of or loaded_at, ui.data.database), one process of the deployment — the
first to claim the load in the shared store — computes in a background thread the views
every user opens first: each page at the top, for each role that sees the whole
deployment, in the default period and the latest quarter, the shared problem index and
warnings, and 数据说明's data-quality checks (10–14 s at a province before they were run
side by side; 3.5–5 s after). Figures, breakdowns, trends and record ids only: nothing
personal is computed ahead (the lists are a user's own request). The results go to the
figure caches, which every process reads from disk (``persist="disk"`` in ui.data), so
the first leader of the day, on any process, gets them from the cache.

It never delays a user's request: the thread runs its statements one at a time (the
query pool's threads stay free for users), and a user asking for the same view meanwhile
simply computes it as before.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import settings
from queries.database import Database
from queries.db import database_url, one_at_a_time
from ui import shared_state
from ui.access import User
from ui.filters import Filters, default_period

log = logging.getLogger(__name__)

WHOLE_DEPLOYMENT_ROLES = ("leader", "supervisor", "commission")
_started: set[tuple[str, str, str]] = set()      # (url, data_as_of, loaded_at) seen by this process
_lock = threading.Lock()


def maybe_start(db: Database) -> threading.Thread | None:
    """Start warming for ``db``'s load unless this process has seen it or another process
    of the deployment has claimed it. The thread, or None."""
    if not int(settings.get("OVERSIGHT_WARM_CACHE")):
        return None
    load = (database_url(), db.data_as_of.isoformat(), str(db.loaded_at))
    with _lock:
        if load in _started:
            return None
        _started.add(load)
    if not shared_state.claim("warm " + " ".join(load)):
        return None
    thread = threading.Thread(target=warm, args=(db,), name="cache-warm", daemon=True)
    thread.start()
    return thread


def warm(db: Database) -> float:
    """Compute the views ahead (see the module); seconds taken. Failures are logged, never
    raised: a user's own request computes what is missing."""
    from ui import data
    from ui.navigation import PAGES, View
    started, top, starts = time.perf_counter(), db.deployment(), page_starts()
    # (role, page) pairs the role may open, the pages that have data calls of their own
    views = [(User(f"warm-{role}", "", role, None), spec) for role in WHOLE_DEPLOYMENT_ROLES
             for spec in PAGES if spec.url_path in starts and role in spec.roles]
    try:
        with one_at_a_time():
            for key in dict.fromkeys([default_period(db), db.latest_quarter()]):
                filters = Filters(db.period(key), top, top)
                for user, spec in views:
                    starts[spec.url_path](View(db, user, filters, spec), lists=False)
                shared = View(db, views[0][0], filters, PAGES[0])      # the same for everyone
                data.problem_index_whole(shared)
                data.warning_frames(shared)
            data.quality(shared)              # 数据说明's checks: once per load
    except Exception as exc:              # noqa: BLE001 - warming is a help, never a failure
        log.warning("warming the cache stopped: %s", type(exc).__name__)
    seconds = time.perf_counter() - started
    log.info("cache warmed for the load of %s in %.1f s", db.data_as_of, seconds)
    _forget_old_results()
    return seconds


KEEP_DAYS = 3


def _forget_old_results() -> None:
    """The shared figure cache keeps earlier loads' results on disk (keyed by the load,
    never read again): those older than KEEP_DAYS go."""
    from streamlit.runtime.caching.storage.local_disk_cache_storage import get_cache_folder_path
    folder, limit = Path(get_cache_folder_path()), time.time() - KEEP_DAYS * 86400
    for path in folder.glob("*.memo") if folder.is_dir() else ():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def page_starts() -> dict:
    """The pages' data calls as they make them (each page's ``start``), by url_path."""
    from screens import (clues_page, coverage_page, overview_page, payments_page, petitions_page,
                         rectification_page)
    return {"overview": overview_page.start, "coverage": coverage_page.start, "payments": payments_page.start,
            "petitions": petitions_page.start, "clues": clues_page.start,
            "rectification": rectification_page.start}


def forget() -> None:
    """This process has seen no load (tests: a new server)."""
    with _lock:
        _started.clear()
