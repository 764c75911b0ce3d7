"""Paths, the cache's fingerprint and small helpers shared by the benchmark's processes.

The benchmark runs in several processes (``bench.run`` starts them): one that builds the
province database once (``bench.build``), one per engine that times the pages
(``bench.timing``) and one for the naive pandas baseline (``bench.naive``), so that each
one's peak memory is its own. They talk through JSON files in ``bench/cache/``.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
SQLITE_PATH = CACHE / "province.sqlite"
DUCKDB_PATH = CACHE / "province.duckdb"
MANIFEST_PATH = CACHE / "province.manifest.json"

SCALE, SEED = "province", 7
PAYMENTS = True     # with the 一卡通 payments (~14 M rows for 12 months): issue 13
DISTRICT = "350203"                       # 思明区 (厦门市), real at province scale
PERIOD = "campaign"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/oversight_bench"

# what the cached databases are built from: a change to any of these rebuilds them
FINGERPRINT_SOURCES = ("data/generate.py", "data/manifest.py", "data/names.py",
                       "data/payments.py", "data/payment_truths.py", "queries/schema.py",
                       "bench/common.py")
FINGERPRINT_DIRS = ("data/geo",)          # the geography the generator reads

# the five core figures of perf-notes.md (plus the weekly burn-down, timed with them)
CORE_KEYS = ["gap_persons", "repeat_matters", "new_repeat_matters", "clue_conclusion_rate",
             "rect_close_rate"]
RATE_KEYS = {"clue_conclusion_rate", "rect_close_rate"}

TARGET_TOP_S = 1.0
TARGET_DISTRICT_S = 0.1
TARGET_SPEEDUP = 10.0
TARGET_RSS_MB = 1024.0
WARM_BUDGET_S = 60.0      # per page × scope: stop repeating once the warm runs took this long

ENGINES = ("sqlite", "postgresql", "duckdb")
ENGINE_LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "duckdb": "DuckDB"}


def pg_url() -> str:
    return os.environ.get("OVERSIGHT_BENCH_PG_URL") or DEFAULT_PG_URL


def fingerprint() -> str:
    """sha256 over the generator's and the schema's source (and the geography it reads)."""
    h = hashlib.sha256()
    files = [ROOT / f for f in FINGERPRINT_SOURCES]
    for d in FINGERPRINT_DIRS:
        files += sorted(p for p in (ROOT / d).rglob("*") if p.is_file())
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(b"\0")
        h.update(path.read_bytes() if path.exists() else b"<missing>")
        h.update(b"\0")
    return h.hexdigest()


def fingerprint_path(target: str) -> Path:
    return CACHE / f"{target}.fingerprint"


def stored_fingerprint(target: str) -> str | None:
    p = fingerprint_path(target)
    return p.read_text().strip() if p.exists() else None


def mark_built(target: str, fp: str) -> None:
    fingerprint_path(target).write_text(fp + "\n")


def unmark(target: str) -> None:
    fingerprint_path(target).unlink(missing_ok=True)


def pg_reachable(url: str, timeout_s: int = 5) -> tuple[bool, str]:
    """Whether the PostgreSQL server answers (on its 'postgres' database), and what it said."""
    from sqlalchemy import create_engine, make_url, text
    try:
        admin = make_url(url).set(database="postgres")
        eng = create_engine(admin, connect_args={"connect_timeout": timeout_s})
        try:
            with eng.connect() as conn:
                version = conn.execute(text("SHOW server_version")).scalar()
        finally:
            eng.dispose()
        return True, f"PostgreSQL {version}"
    except Exception as exc:  # any failure to answer: skip the engine, never crash
        return False, one_line(exc)


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception and its causes as one readable line (DatabaseUnavailable hides the cause)."""
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        text = re.sub(r"\s*\(Background on this error at: [^)]*\)", "", " ".join(str(exc).split()))
        parts.append(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    out = " <- ".join(parts)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def peak_rss_mb() -> float:
    """Peak resident set size of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class AnonPeak:
    """Samples the process's anonymous (heap) resident memory in a background thread.

    ru_maxrss counts file pages mapped into the process too (SQLite's mmap of the database
    file), which are page cache the kernel can drop; the anonymous part is what the
    process itself holds. Sampled every ``interval`` s, so a shorter spike can be missed.
    """

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            v = _status_kb("RssAnon")
            if v is not None and v > self.peak_kb:
                self.peak_kb = v
            self._stop.wait(self.interval)

    def __enter__(self) -> "AnonPeak":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float | None:
        return self.peak_kb / 1024.0 if self.peak_kb else None


def write_json(path: str | Path, obj) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)
