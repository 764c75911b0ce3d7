"""Time every page's query set on one engine, in a process of its own.

    python -m bench.timing --engine sqlite|postgresql|duckdb --json PATH
                           [--repeat 5] [--pages overview,coverage,…]

For each page and scope: **cold** = ``Database.open`` on a fresh engine (a new connection
pool) and the page's first run on it; **warm** = the median of ``--repeat`` further runs on
that same Database. Every run is one ``with page_run():`` (identical statements within a
page run execute once, as the app does). 'Cold' is a new connection, not a cold OS cache:
the database file (SQLite, DuckDB) or PostgreSQL's shared buffers stay warm between runs.

The result (timings, peak memory, engine version, and the core figures for the check
against the naive baseline) is written as JSON to ``--json``.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

from bench.common import (
    CORE_KEYS, DISTRICT, DUCKDB_PATH, PERIOD, SQLITE_PATH, WARM_BUDGET_S, AnonPeak, one_line,
    peak_rss_mb, pg_url, write_json,
)

CORE_PAGE = "核心五项 core five figures"


def log(msg: str) -> None:
    print(f"[timing] {msg}", file=sys.stderr, flush=True)


def make_engine(engine: str):
    from sqlalchemy import create_engine
    from queries.db import read_only_engine
    if engine == "sqlite":
        return read_only_engine(f"sqlite:///{SQLITE_PATH}")
    if engine == "postgresql":
        return read_only_engine(pg_url())
    if engine == "duckdb":
        return create_engine(f"duckdb:///{DUCKDB_PATH}", connect_args={"read_only": True})
    raise ValueError(engine)


def open_db(engine: str):
    from queries.database import Database
    eng = make_engine(engine)
    # DuckDB's driver cannot reflect tables: its copy is trusted (no contract check)
    db = Database.open(engine=eng, inspect_contract=(engine != "duckdb"))
    gc.freeze()          # as the app does after opening (ui.data._open)
    return db


def core_set(db, scope, period, sink: dict | None = None) -> None:
    """The overview's five core figures (perf-notes) and the weekly burn-down."""
    from queries.runner import compute
    from queries.rectification import burn_down
    frame = compute(db, CORE_KEYS, scope, period)
    bd = burn_down(db, scope, period)
    if sink is not None:
        sink["frame"], sink["burn_down"] = frame, bd


def engine_version(engine: str, db) -> str:
    from sqlalchemy import text
    if engine == "sqlite":
        import sqlite3
        return f"SQLite {sqlite3.sqlite_version}"
    if engine == "postgresql":
        with db.engine.connect() as conn:
            return f"PostgreSQL {conn.execute(text('SHOW server_version')).scalar()}"
    import duckdb
    try:
        from importlib.metadata import version
        de = f", duckdb_engine {version('duckdb_engine')}"
    except Exception:
        de = ""
    return f"DuckDB {duckdb.__version__}{de}"


def cells(db, pages: dict) -> list[tuple[str, object, str, str]]:
    """(page name, page function, scope kind, scope code) in table order."""
    from bench.pages import shared_per_period, township_profile
    tree = db.tree
    district = DISTRICT if DISTRICT in tree.by_code else None
    if district is None:  # should not happen at province scale: take the first district
        district = next(r.code for r in sorted(tree.by_code.values(), key=lambda r: r.code)
                        if r.level == "district")
    towns = tree.children.get(district, [])
    township = towns[0].code if towns else district
    out = []
    for name, fn in pages.items():
        if fn is township_profile:     # any township: the district's first, the most populous
            out.append((name, fn, "township", township))
            biggest = max(tree.townships(), key=lambda r: tree.population(r.code) or 0).code
            if biggest != township:
                out.append((name, fn, "largest township", biggest))
        elif fn is shared_per_period:   # deployment-wide: the same for every scope
            out.append((name, fn, "top", None))
        else:
            out.append((name, fn, "top", None))
            out.append((name, fn, "district", district))
    out.append((CORE_PAGE, core_set, "top", None))
    out.append((CORE_PAGE, core_set, "district", district))
    return out


def run_once(fn, db, scope, period, sink=None) -> float:
    from queries.runner import page_run
    t0 = time.perf_counter()
    with page_run():
        if sink is None:
            fn(db, scope, period)
        else:
            fn(db, scope, period, sink)
    return time.perf_counter() - t0


def time_cell(engine: str, name: str, fn, kind: str, code: str | None, repeat: int,
              sink: dict | None) -> dict:
    row = {"page": name, "scope_kind": kind, "scope_code": code, "cold_s": None,
           "warm_s": [], "warm_median_s": None, "open_s": None, "error": None}
    db = None
    try:
        t0 = time.perf_counter()
        db = open_db(engine)
        row["open_s"] = time.perf_counter() - t0
        scope = db.scope(code)
        period = db.period(PERIOD)
        row["scope_name"] = scope.name
        row["cold_s"] = run_once(fn, db, scope, period)
        spent = 0.0
        for _ in range(repeat):
            dt = run_once(fn, db, scope, period, sink)
            row["warm_s"].append(dt)
            spent += dt
            if spent > WARM_BUDGET_S:
                break
        row["warm_median_s"] = statistics.median(row["warm_s"])
    except Exception as exc:  # record and go on with the next page
        row["error"] = one_line(exc)
    finally:
        if db is not None:
            db.engine.dispose()
    return row


def _plain(v):
    from queries.figures import plain_number
    if v is None or (isinstance(v, float) and v != v):
        return None
    return plain_number(v)


def core_figures(sink: dict) -> dict:
    """The core figures per row (total, cities, 未识别区划) and the burn-down, as JSON."""
    frame, bd = sink.get("frame"), sink.get("burn_down")
    rows = {}
    if frame is not None:
        for rec in frame.to_dict("records"):
            rid = "total" if rec["is_total"] else (rec["code"] if rec["code"] is not None else "unknown")
            rows[rid] = {"name": rec["name"], **{k: _plain(v) for k, v in rec.items()
                                                if k.split(".")[0] in CORE_KEYS}}
    burn = []
    if bd is not None:
        burn = [[str(d)[:10], int(n)] for d, n in zip(bd.points["day"], bd.points["open"])]
    return {"rows": rows, "burn_down": burn}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="time the pages' query sets on one engine")
    parser.add_argument("--engine", required=True, choices=["sqlite", "postgresql", "duckdb"])
    parser.add_argument("--json", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", default="", help="comma-separated page names (default all)")
    args = parser.parse_args(argv)
    from bench.pages import PAGES
    from bench.run import select_pages
    pages = select_pages(PAGES, args.pages)

    result: dict = {"engine": args.engine, "rows": [], "repeat": args.repeat}
    t_start = time.perf_counter()
    with AnonPeak() as anon:
        try:
            probe = open_db(args.engine)
        except Exception as exc:
            result["error"] = one_line(exc)
            write_json(args.json, result)
            log(f"{args.engine}: cannot open ({result['error']})")
            return 1
        result["version"] = engine_version(args.engine, probe)
        result["period_as_of"] = str(probe.period(PERIOD).as_of)
        todo = cells(probe, pages)
        probe.engine.dispose()
        sink: dict = {}
        for name, fn, kind, code in todo:
            want = sink if (fn is core_set and kind == "top") else None
            row = time_cell(args.engine, name, fn, kind, code, args.repeat, want)
            result["rows"].append(row)
            if row["error"]:
                log(f"{args.engine} {name} [{kind}]: ERROR {row['error']}")
            else:
                log(f"{args.engine} {name} [{kind} {row.get('scope_name', '')}]: "
                    f"cold {row['cold_s']:.3f} s, warm {row['warm_median_s']:.3f} s "
                    f"(n={len(row['warm_s'])})")
        result["core"] = core_figures(sink)
    result["peak_rss_mb"] = peak_rss_mb()
    result["peak_anon_mb"] = anon.peak_mb
    result["seconds"] = time.perf_counter() - t_start
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
