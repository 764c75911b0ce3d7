"""Build the province database once, for every stale target, in this one process.

    python -m bench.build --targets sqlite,postgresql,duckdb,manifest [--json PATH]

``generate("province", 7, payments=True)`` runs once (a few minutes, several GB of memory); its
rows are then written to each target in turn. A target's fingerprint file
(``bench/cache/<target>.fingerprint``) is removed before it is written and stored only
after it was written in full, so an interrupted build is rebuilt next time.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench.common import (
    CACHE, DUCKDB_PATH, MANIFEST_PATH, PAYMENTS, SCALE, SEED, SQLITE_PATH, fingerprint, mark_built,
    one_line, peak_rss_mb, pg_reachable, pg_url, stored_fingerprint, unmark, write_json,
)

TARGETS = ("sqlite", "postgresql", "duckdb", "manifest")


def log(msg: str) -> None:
    print(f"[build] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------- staleness

def stale_reason(target: str, fp: str | None = None) -> str | None:
    """Why ``target`` must be (re)built, or None when its cache is fresh."""
    fp = fp or fingerprint()
    have = stored_fingerprint(target)
    if have is None:
        return "not built yet"
    if have != fp:
        return "generator or schema changed"
    if target == "sqlite" and not SQLITE_PATH.exists():
        return f"{SQLITE_PATH.name} missing"
    if target == "duckdb" and not DUCKDB_PATH.exists():
        return f"{DUCKDB_PATH.name} missing"
    if target == "manifest" and not MANIFEST_PATH.exists():
        return f"{MANIFEST_PATH.name} missing"
    if target == "postgresql":
        return _pg_contents_differ()
    return None


def _pg_contents_differ() -> str | None:
    """The PostgreSQL database lives outside bench/cache: check it still holds our rows
    (someone may have dropped or reloaded it since)."""
    if not MANIFEST_PATH.exists():
        return None
    from sqlalchemy import create_engine, text
    expected = json.loads(MANIFEST_PATH.read_text(encoding="utf-8")).get("row_counts", {})
    eng = create_engine(pg_url(), connect_args={"connect_timeout": 5})
    try:
        with eng.connect() as conn:
            for table, n in expected.items():
                got = conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
                if got != n:
                    return f"table {table} has {got} rows, expected {n}"
    except Exception as exc:
        return f"cannot read it ({one_line(exc, 120)})"
    finally:
        eng.dispose()
    return None


# ------------------------------------------------------------------------- targets

def build_sqlite(ds) -> None:
    from data.generate import write
    tmp = SQLITE_PATH.with_name(SQLITE_PATH.name + ".tmp")
    for p in (tmp, Path(str(tmp) + "-journal")):
        p.unlink(missing_ok=True)
    write(ds, f"sqlite:///{tmp}")
    os.replace(tmp, SQLITE_PATH)


def ensure_pg_database(url: str) -> None:
    """Create the benchmark database when missing (CREATE DATABASE needs AUTOCOMMIT)."""
    from sqlalchemy import create_engine, make_url, text
    u = make_url(url)
    name = u.database
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name}).scalar()
            if not found:
                log(f"creating PostgreSQL database {name}")
                conn.execute(text('CREATE DATABASE "{}"'.format(name.replace('"', '""'))))
    finally:
        admin.dispose()


def build_postgresql(ds) -> None:
    from data.generate import write
    url = pg_url()
    ensure_pg_database(url)
    write(ds, url)


def _duckdb_type(col) -> str:
    from sqlalchemy import Boolean, Date, Float, Integer, Numeric
    t = col.type
    if isinstance(t, Boolean):
        return "BOOLEAN"
    if isinstance(t, Date):
        return "DATE"
    if isinstance(t, Integer):
        return "INTEGER"
    if isinstance(t, Float):
        return "DOUBLE"
    if isinstance(t, Numeric):
        return f"DECIMAL({t.precision or 18}, {t.scale or 0})"
    return "VARCHAR"


def build_duckdb(ds) -> None:
    """Each generator frame registered and copied into a table of the same name and
    columns, typed as the contract says (DATE, BOOLEAN, …); no indexes."""
    import duckdb
    from queries.schema import metadata
    tmp = DUCKDB_PATH.with_name(DUCKDB_PATH.name + ".tmp")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for table in metadata.sorted_tables:
            frame = ds.frame(table.name)
            con.register("bench_frame", frame)
            cols = ", ".join(f'CAST("{c.name}" AS {_duckdb_type(c)}) AS "{c.name}"'
                             for c in table.columns)
            con.execute(f'CREATE TABLE "{table.name}" AS SELECT {cols} FROM bench_frame')
            con.unregister("bench_frame")
            del frame
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, DUCKDB_PATH)


def build_manifest(ds) -> None:
    from data.generate import write_manifest
    write_manifest(ds, MANIFEST_PATH)


BUILDERS = {"sqlite": build_sqlite, "postgresql": build_postgresql, "duckdb": build_duckdb,
            "manifest": build_manifest}


def build(targets: list[str]) -> dict:
    """Generate once, write every target; a failing target is reported, not fatal."""
    CACHE.mkdir(parents=True, exist_ok=True)
    fp = fingerprint()
    out: dict = {"targets": {}, "fingerprint": fp}
    if "postgresql" in targets:
        ok, msg = pg_reachable(pg_url())
        if not ok:
            log(f"PostgreSQL does not answer ({msg}): not building it")
            out["targets"]["postgresql"] = {"ok": False, "error": f"server does not answer: {msg}"}
            targets = [t for t in targets if t != "postgresql"]
    if not targets:
        return out
    from data.generate import generate
    log(f"generating {SCALE} (seed {SEED}, payments {PAYMENTS}) for {', '.join(targets)} …")
    t0 = time.perf_counter()
    ds = generate(SCALE, SEED, payments=PAYMENTS)
    out["generate_s"] = time.perf_counter() - t0
    log(f"generated in {out['generate_s']:.1f} s: " +
        ", ".join(f"{k} {v:,}" for k, v in ds.row_counts().items() if v))
    # the manifest first: the PostgreSQL freshness check compares row counts with it
    for target in sorted(targets, key=lambda t: t != "manifest"):
        unmark(target)
        t1 = time.perf_counter()
        try:
            BUILDERS[target](ds)
        except Exception as exc:
            log(f"{target}: FAILED ({one_line(exc)})")
            out["targets"][target] = {"ok": False, "error": one_line(exc)}
            continue
        mark_built(target, fp)
        dt = time.perf_counter() - t1
        out["targets"][target] = {"ok": True, "seconds": dt}
        log(f"{target}: written in {dt:.1f} s")
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="build the benchmark's province databases")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--json", help="write a JSON report here")
    args = parser.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    report = build(targets)
    if args.json:
        write_json(args.json, report)
    return 0 if all(t.get("ok") for t in report["targets"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
