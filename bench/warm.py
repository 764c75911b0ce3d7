"""The first view after a new load, with and without the cache warmed (issue 14, part 5):

    python -m bench.warm [--engine sqlite|postgresql]

On the province database (bench/cache, built by ``make bench``): each page's first view at
the top (its figures, breakdowns and trends: ``start(view, lists=False)``, as a leader
opens it) on a cold cache; then the warming itself (ui.warm.warm, statements one at a time
as in the app); then the same first views again. Seconds, one process (the app's
processes share the warmed results through the disk cache).
"""
from __future__ import annotations

import argparse
import os
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="sqlite", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    from bench.common import SQLITE_PATH, pg_url
    os.environ["OVERSIGHT_DB_URL"] = f"sqlite:///{SQLITE_PATH}" if args.engine == "sqlite" else pg_url()
    os.environ["OVERSIGHT_WARM_CACHE"] = "0"
    os.environ.setdefault("OVERSIGHT_QUERY_TIMEOUT_S", "120")
    import logging
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import streamlit as st
    from ui import data, warm
    from ui.access import User
    from ui.filters import Filters, default_period
    from ui.navigation import BY_PATH, View
    db = data.database()
    top, period = db.deployment(), db.period(default_period(db))
    leader = User("bench", "", "leader", None)

    def first_views() -> dict[str, float]:
        out = {}
        for path, start in warm.page_starts().items():
            t = time.perf_counter()
            start(View(db, leader, Filters(period, top, top), BY_PATH[path]), lists=False)
            out[path] = time.perf_counter() - t
        return out

    st.cache_data.clear()
    cold = first_views()
    st.cache_data.clear()
    t = time.perf_counter()
    warm.warm(db)
    warming = time.perf_counter() - t
    warmed = first_views()
    print(f"| page (top, {period.label}) | first view, cold cache | first view after warming |")
    print("|---|---|---|")
    for path in cold:
        print(f"| {BY_PATH[path].title} | {cold[path]:.2f} s | {warmed[path] * 1000:.0f} ms |")
    print(f"\nWarming ({args.engine}, every page × 3 roles × 2 periods, one statement at a time): {warming:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
