"""The province-scale benchmark (``make bench``): every planned page's query set on SQLite
and PostgreSQL, beside DuckDB (the practical floor) and a naive pandas baseline.

    python -m bench.run [--skip-build] [--engines sqlite,postgresql,duckdb] [--repeat 5]
                        [--pages overview,coverage,…] [--out bench/results.md]

1. Build (only when missing or stale, in one subprocess): the province dataset is
   generated once and written to ``bench/cache/province.sqlite``, to PostgreSQL at
   ``$OVERSIGHT_BENCH_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/
   oversight_bench``) and to ``bench/cache/province.duckdb``. Stale = the sha256 of the
   generator's and the schema's source differs from the one stored after the last build.
2. Timing, one subprocess per engine (so each peak RSS is that engine's own): each page at
   the top scope and at one district (思明区 350203; the township profile at a township of
   it), period 专项治理以来: cold = a new Database (new connection pool) and the page's first
   run; warm = the median of ``--repeat`` runs, each one ``page_run()``.
3. The naive baseline in its own subprocess (``bench.naive``), checked against the SQL
   layer's figures.
4. The map's payload (``bench.maps``): synthetic province boundaries, the deck's KB for
   the province top and for a district of 121 townships.
5. A Markdown table on stdout and in ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.common import (
    CACHE, CORE_KEYS, DISTRICT, DUCKDB_PATH, ENGINE_LABEL, ENGINES, MANIFEST_PATH, RATE_KEYS,
    ROOT, SQLITE_PATH, TARGET_DISTRICT_S, TARGET_RSS_MB, TARGET_SPEEDUP, TARGET_TOP_S,
    WARM_BUDGET_S, pg_reachable, pg_url,
)

WORKER_TIMEOUT_S = 1200
PAGE_ALIASES = {"overview": "总览", "coverage": "应保尽保", "petitions": "重复信访",
                "clues": "问题线索", "rectification": "整改进度", "township": "乡镇画像"}


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def select_pages(pages: dict, wanted: str) -> dict:
    """The pages named in ``wanted`` (comma-separated; English or Chinese, any part of the
    page's name), in PAGES order; all when empty."""
    words = [w.strip().lower() for w in (wanted or "").split(",") if w.strip()]
    if not words:
        return dict(pages)
    out = {}
    for w in words:
        hits = [n for n in pages if w in n.lower() or PAGE_ALIASES.get(w, "\0") in n]
        if not hits:
            raise SystemExit(f"unknown page {w!r}; pages: {', '.join(pages)}")
        out.update({n: pages[n] for n in hits})
    return {n: f for n, f in pages.items() if n in out}


# --------------------------------------------------------------------------- steps

def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _worker(module: str, args: list[str], json_path: Path) -> tuple[dict | None, str | None, float]:
    """Run ``python -m module args`` (its progress goes to our stderr); its JSON or an error."""
    json_path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([_python(), "-m", module, *args, "--json", str(json_path)],
                              cwd=ROOT, timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, f"did not finish within {WORKER_TIMEOUT_S} s", time.perf_counter() - t0
    dt = time.perf_counter() - t0
    data = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else None
    if data is None:
        return None, f"exited with code {proc.returncode} and no result", dt
    return data, (None if proc.returncode == 0 else f"exit code {proc.returncode}"), dt


def build_step(engines: list[str], need_sqlite: bool, skip_build: bool) -> tuple[list[str], dict]:
    """Build the stale targets; the engines that can be timed, and what happened."""
    from bench.build import stale_reason
    targets = ["manifest"] + [e for e in ENGINES if e in engines
                              or (e == "sqlite" and need_sqlite)]
    stale = {t: r for t in targets if (r := stale_reason(t))}
    info: dict = {"stale": stale, "built": {}, "seconds": None}
    if not stale:
        log("cache is fresh: nothing to build")
        return engines, info
    for t, why in stale.items():
        log(f"{t}: {why}")
    if skip_build:
        present = {"sqlite": SQLITE_PATH.exists(), "duckdb": DUCKDB_PATH.exists(),
                   "postgresql": True, "manifest": MANIFEST_PATH.exists()}
        for t in stale:
            log(f"--skip-build: {t} is used as it is" if present[t]
                else f"--skip-build: {t} is missing, skipped")
        info["skipped_build"] = True
        return [e for e in engines if present[e]], info
    log(f"building {', '.join(stale)} (generation ~35 s, then ~25-30 s per database) …")
    report, err, dt = _worker("bench.build", ["--targets", ",".join(stale)], CACHE / "build.json")
    info["seconds"], info["built"] = dt, (report or {})
    failed = {t for t in stale if not (report or {}).get("targets", {}).get(t, {}).get("ok")}
    if err and not failed:
        failed = set(stale)
    for t in failed:
        why = (report or {}).get("targets", {}).get(t, {}).get("error", err)
        log(f"{t}: build failed ({why}); its engine is skipped")
        info.setdefault("failed", {})[t] = why
    return [e for e in engines if e not in failed], info


# --------------------------------------------------------------------------- render

def fmt_s(s: float | None) -> str:
    if s is None:
        return "—"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_mb(mb: float | None) -> str:
    if mb is None:
        return "—"
    return f"{mb:.0f} MB" if mb < 1024 else f"{mb / 1024:.2f} GB"


def target_of(row: dict) -> float:
    from bench.pages import TARGETS
    below = row["scope_kind"] in ("district", "township")
    target = TARGETS.get(row["page"])
    if isinstance(target, tuple):          # (top, below)
        return target[1] if below else target[0]
    if target is not None:
        return target
    return TARGET_DISTRICT_S if below else TARGET_TOP_S


def _ok(v: bool | None) -> str:
    return "?" if v is None else ("✓" if v else "✗")


def compare_core(sql: dict, other: dict) -> list[str]:
    """Differences between two core-figure results (rows × CORE_KEYS, num/den of rates)."""
    diffs = []
    rows_a, rows_b = sql.get("rows", {}), other.get("rows", {})
    for rid in list(dict.fromkeys([*rows_a, *rows_b])):
        a, b = rows_a.get(rid, {}), rows_b.get(rid, {})
        name = a.get("name") or b.get("name") or rid
        for key in CORE_KEYS:
            cols = [f"{key}.num", f"{key}.den"] if key in RATE_KEYS else [key]
            for col in cols:
                va, vb = a.get(col) or 0, b.get(col) or 0
                if va != vb:
                    diffs.append(f"{name} {col}: SQL {va} vs {vb}")
            if key in RATE_KEYS:
                ra, rb = a.get(key), b.get(key)
                if (ra is None) != (rb is None) or (ra is not None and abs(ra - rb) > 1e-9):
                    diffs.append(f"{name} {key}: SQL {ra} vs {rb}")
    return diffs


def compare_burn(sql: list, other: list) -> list[str]:
    a, b = dict(map(tuple, sql)), dict(map(tuple, other))
    return [f"{d}: SQL {a.get(d)} vs {b.get(d)}" for d in sorted(set(a) | set(b))
            if a.get(d) != b.get(d)]


def machine() -> dict:
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "mem_gib": mem_kb / 1024 / 1024 if mem_kb else None,
            "cpu": cpu, "python": platform.python_version()}


def render(results: dict, baseline: dict | None, baseline_err: str | None, build: dict,
           engines: list[str], skipped: dict, args, timing_s: dict, total_s: float,
           maps: dict | None = None, maps_err: str | None = None, load: str | None = None) -> str:
    import pandas as pd
    import sqlalchemy
    m = machine()
    L: list[str] = []
    L.append(f"# Benchmark — province scale ({datetime.now().strftime('%Y-%m-%d %H:%M')})")
    L.append("")
    versions = [results[e].get("version", ENGINE_LABEL[e]) for e in engines if e in results]
    L.append(f"- Machine: {m['nproc']} cores ({m['cpu']}), "
             f"{m['mem_gib']:.1f} GiB memory; Python {m['python']}, SQLAlchemy "
             f"{sqlalchemy.__version__}, pandas {pd.__version__}" if m["mem_gib"] else "")
    L.append(f"- Engines: {'; '.join(versions) or 'none'}")
    for e, why in skipped.items():
        L.append(f"- {ENGINE_LABEL[e]} skipped: {why}")
    if MANIFEST_PATH.exists():
        rc = json.loads(MANIFEST_PATH.read_text(encoding="utf-8")).get("row_counts", {})
        L.append("- Data: generate(\"province\", seed 7, payments): " + ", ".join(
            f"{k} {v:,}" for k, v in rc.items() if v and k in (
                "recipient", "screening", "death_record", "payment", "petition", "clue", "rectification")))
    any_res = next((results[e] for e in engines if e in results), {})
    if load:
        L.append(f"- Load average (1 min, the machine's other work included): {load}")
    L.append(f"- Period 专项治理以来 (as-of {any_res.get('period_as_of', '?')}); scopes: top = "
             f"the province, district = {DISTRICT} 思明区, township = its first township; "
             f"warm = median of {args.repeat} runs")
    L.append("")

    rows_by: dict = {}
    order: list = []
    for e in engines:
        for r in results.get(e, {}).get("rows", []):
            k = (r["page"], r["scope_kind"])
            if k not in rows_by:
                order.append(k)
            rows_by.setdefault(k, {})[e] = r
    cols = []
    for e in ("sqlite", "postgresql"):
        if e in engines:
            cols += [(e, "cold"), (e, "warm")]
    if "duckdb" in engines:
        cols += [("duckdb", "warm")]
    head = ["page", "scope"] + [f"{ENGINE_LABEL[e]} {w}" for e, w in cols] + ["target"]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "---|" * len(head))
    notes: list[str] = []

    def note(text: str) -> str:
        if text not in notes:
            notes.append(text)
        return f"[{notes.index(text) + 1}]"

    core_rows = {}
    for k in order:
        page, kind = k
        per = rows_by[k]
        any_row = next(iter(per.values()))
        scope = f"{kind} {any_row.get('scope_name', '')}".strip()
        cells = [page, scope]
        target = target_of(any_row)
        verdicts = []
        for e, w in cols:
            r = per.get(e)
            if r is None:
                cells.append("—")
                continue
            if r.get("error"):
                cells.append("error " + note(f"{ENGINE_LABEL[e]}, {page}, {kind}: {r['error']}"))
                if e != "duckdb" and w == "warm":
                    verdicts.append(False)
                continue
            v = r["cold_s"] if w == "cold" else r["warm_median_s"]
            text = fmt_s(v)
            if w == "warm" and e != "duckdb":
                ok = v < target
                verdicts.append(ok)
                text += f" {_ok(ok)}"
                if len(r["warm_s"]) < args.repeat:
                    text += " " + note(f"fewer warm runs than --repeat where a run is slow "
                                       f"(budget {WARM_BUDGET_S:.0f} s per page × scope): n shown as measured")
                    text += f" (n={len(r['warm_s'])})"
            cells.append(text)
        label = f"{target:g} s" if target >= 1 else f"{target * 1000:g} ms"
        if page.startswith("全域共享"):
            label += " " + note("computed once per period and data load and shared by every "
                                "page and user (the problem index ranks all townships of the "
                                "deployment whoever looks); not part of any page's own set")
        cells.append(f"{label} {_ok(all(verdicts) if verdicts else None)}")
        L.append("| " + " | ".join(cells) + " |")
        if page.startswith("核心五项") and kind == "top":
            core_rows = per
    L.append("")
    opens = ", ".join(
        f"{ENGINE_LABEL[e]} {fmt_s(_median([r['open_s'] for r in results[e]['rows'] if r.get('open_s')]))}"
        for e in engines if e in results)
    L.append("'cold' = a new Database (new connection pool) and the page's first run on it; it is "
             "not OS-cache-cold: the SQLite and DuckDB files stay in the page cache and "
             "PostgreSQL keeps its shared buffers. Database.open itself (contract check, "
             f"region tree, meta) is not included: {opens} (median). "
             "核心五项 = compute(gap_persons, repeat_matters, new_repeat_matters, "
             "clue_conclusion_rate, rect_close_rate) + burn_down, the set the baseline computes.")
    L.append("")

    # baseline
    L.append("## Naive baseline and the check of the figures")
    L.append("")
    sql_core = results.get("sqlite", {}).get("core")
    if baseline is None:
        L.append(f"- Naive pandas baseline: not run ({baseline_err or 'skipped'})")
    else:
        L.append(f"- Naive pandas baseline (read screening, recipient, death_record, petition, "
                 f"clue, rectification whole from the SQLite file, then the five core figures "
                 f"and the burn-down in pandas, province → cities): "
                 f"**{fmt_s(baseline['total_s'])}** (load {fmt_s(baseline['load_s'])} + compute "
                 f"{fmt_s(baseline['compute_s'])}), peak RSS **{fmt_mb(baseline['peak_rss_mb'])}**"
                 + (f" (heap {fmt_mb(baseline.get('peak_anon_mb'))})" if baseline.get("peak_anon_mb") else ""))
        if sql_core:
            diffs = compare_core(sql_core, baseline["core"])
            ids = set(sql_core["rows"]) | set(baseline["core"]["rows"])
            n_children = len(ids - {"total", "unknown"})
            what = f"the total and {n_children} cities" + (", 未识别区划" if "unknown" in ids else "")
            if diffs:
                L.append(f"- Baseline vs SQL layer (compute on SQLite, top scope): **MISMATCH** "
                         f"({len(diffs)} values): " + "; ".join(diffs[:12]))
            else:
                L.append(f"- Baseline vs SQL layer (compute on SQLite, top scope): **MATCH** — "
                         f"{len(CORE_KEYS)} figures (rates by numerator and denominator) on "
                         f"{len(ids)} rows ({what})")
            bd = compare_burn(sql_core["burn_down"], baseline["core"]["burn_down"])
            n_weeks = len(sql_core["burn_down"])
            if bd:
                events = baseline["core"].get("burn_down_events")
                same_as_events = events is not None and not compare_burn(sql_core["burn_down"], events)
                bad = baseline["core"].get("closed_before_found") or []
                why = (" — the SQL layer counts events (+1 on the found day, −1 on the closing "
                       "day) and the baseline counted that way matches it at every point; the "
                       f"difference is {len(bad)} dirty item(s) closed before they were found "
                       f"({', '.join(bad[:6])}), which events count −1 between the two days "
                       "while metrics.md's 'found ≤ day and not closed by it' counts 0"
                       if same_as_events else "")
                L.append(f"- Burn-down ({n_weeks} points, metrics.md's definition) vs SQL layer: "
                         f"**MISMATCH** at {len(bd)}: " + "; ".join(bd[:8]) + why)
            else:
                L.append(f"- Burn-down ({n_weeks} points) vs SQL layer: **MATCH**")
        else:
            L.append("- Baseline vs SQL layer: not checked (no SQLite core figures)")
        base = baseline["total_s"]
        parts = []
        for e in engines:
            r = core_rows.get(e)
            if r and r.get("warm_median_s"):
                ratio = base / r["warm_median_s"]
                mark = f" {_ok(ratio >= TARGET_SPEEDUP)}" if e != "duckdb" else ""
                parts.append(f"{ENGINE_LABEL[e]} {ratio:.0f}×{mark}")
        L.append(f"- Speed-up, baseline ÷ warm 核心五项 at the top scope (target ≥ "
                 f"{TARGET_SPEEDUP:.0f}×): " + (", ".join(parts) or "—"))
    if sql_core:
        for e in ("postgresql", "duckdb"):
            other = results.get(e, {}).get("core")
            if e in engines and other and other.get("rows"):
                d = compare_core(sql_core, other) + compare_burn(sql_core["burn_down"],
                                                                 other["burn_down"])
                L.append(f"- {ENGINE_LABEL[e]} core figures vs SQLite: "
                         + ("identical" if not d else f"**differ** ({len(d)}): " + "; ".join(d[:8])))
    L.append("")

    # memory
    L.append("## Peak memory of each timing process (target < 1 GB)")
    L.append("")
    L.append("The target is held against the process's own memory: its anonymous resident "
             "memory (heap), sampled every 20 ms. Peak RSS is shown beside it; for SQLite it also "
             "counts the database file's pages once per connection that maps them (the page "
             "run's statements use up to OVERSIGHT_QUERY_THREADS connections, each with its own "
             "mmap of the same file): page cache the kernel shares and can drop, not memory the "
             "process holds.")
    L.append("")
    L.append("| process | peak RSS | of which heap (sampled) | heap < 1 GB |")
    L.append("|---|---|---|---|")
    for e in engines:
        r = results.get(e)
        if not r or r.get("peak_rss_mb") is None:
            continue
        extra = {"sqlite": " (RSS includes the mmap'd database file's pages)",
                 "postgresql": " (client only: the server's backends are not counted)",
                 "duckdb": ""}[e]
        own = r.get("peak_anon_mb") or r["peak_rss_mb"]
        L.append(f"| {ENGINE_LABEL[e]} timing{extra} | {fmt_mb(r['peak_rss_mb'])} | "
                 f"{fmt_mb(r.get('peak_anon_mb'))} | {_ok(own < TARGET_RSS_MB)} |")
    if baseline:
        L.append(f"| naive pandas baseline (reference, not held to the target) | "
                 f"{fmt_mb(baseline['peak_rss_mb'])} | {fmt_mb(baseline.get('peak_anon_mb'))} | — |")
    L.append("")

    L.extend(render_maps(maps, maps_err))
    if notes:
        L.append("Notes:")
        L.extend(f"{i}. {n}" for i, n in enumerate(notes, 1))
        L.append("")
    b = build.get("built") or {}
    if build.get("seconds"):
        steps = ", ".join(f"{t} {v['seconds']:.0f} s" for t, v in b.get("targets", {}).items()
                          if v.get("ok"))
        L.append(f"Build this run: {build['seconds']:.0f} s (generate "
                 f"{b.get('generate_s', 0):.0f} s; {steps}; peak RSS "
                 f"{fmt_mb(b.get('peak_rss_mb'))}).")
    elif build.get("skipped_build"):
        L.append("Build this run: skipped (--skip-build); stale or missing, used as they were: "
                 + ", ".join(f"{t} ({why})" for t, why in build["stale"].items()) + ".")
    else:
        L.append("Build this run: none (cache fresh).")
    L.append("Harness time: " + ", ".join(f"{k} {v:.0f} s" for k, v in timing_s.items())
             + f"; total {total_s:.0f} s.")
    L.append("")
    return "\n".join(L)


def render_maps(maps: dict | None, err: str | None) -> list[str]:
    """The map payload section (``bench.maps``): each map's deck and geometry in KB."""
    L = ["## Map payload (synthetic boundaries, `python -m bench.maps`)", ""]
    if maps is None:
        return L + [f"Not measured ({err or 'skipped'}).", ""]
    files = "; ".join(f"{k} {v['features']:,} features, {v['vertices']:,} vertices, "
                      f"{v['kb']:,.0f} KB" for k, v in maps["files"].items())
    L += [f"Boundary files written to bench/cache/boundaries*/: {files}.", "",
          "| map | areas | deck JSON (what the browser gets) | of which geometry | budget |",
          "|---|---|---|---|---|"]
    for m in maps["maps"]:
        ok = "✓" if m["deck_kb"] <= m["budget_kb"] else "✗"
        L.append(f"| {m['map']} | {m['areas']} | {m['deck_kb']:.0f} KB {ok} | "
                 f"{m['geometry_kb']:.0f} KB | {m['budget_kb']:.0f} KB |")
    b = maps["small_budget"]
    L += ["", f"The budget's own loop, asked for {b['budget_kb']:.0f} KB on the heavy district: "
              f"{b['geometry_kb']:.0f} KB for {b['polygons']} polygons "
              f"{'✓' if b['geometry_kb'] <= b['budget_kb'] else '✗'}.", ""]
    return L


def _median(xs: list[float]) -> float | None:
    import statistics
    return statistics.median(xs) if xs else None


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="province-scale benchmark of the pages' queries")
    parser.add_argument("--skip-build", action="store_true",
                        help="use the cache as it is, even when stale")
    parser.add_argument("--engines", default="sqlite,postgresql,duckdb")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per page (median)")
    parser.add_argument("--pages", default="", help="subset, e.g. overview,clues (default all)")
    parser.add_argument("--skip-baseline", action="store_true", help="no naive pandas baseline")
    parser.add_argument("--out", default="bench/results.md")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if bad := [e for e in engines if e not in ENGINES]:
        parser.error(f"unknown engines: {', '.join(bad)} (choose from {', '.join(ENGINES)})")
    from bench.pages import PAGES
    select_pages(PAGES, args.pages)      # fail early on a bad name
    t_all = time.perf_counter()
    load_start = os.getloadavg()[0]
    CACHE.mkdir(parents=True, exist_ok=True)
    skipped: dict = {}
    if "postgresql" in engines:
        ok, msg = pg_reachable(pg_url())
        if not ok:
            log(f"PostgreSQL at {pg_url()} does not answer: {msg} — skipping it")
            skipped["postgresql"] = f"server does not answer ({msg})"
            engines.remove("postgresql")
        else:
            log(f"PostgreSQL answers: {msg}")

    timing_s: dict = {}
    ready, build = build_step(engines, not args.skip_baseline, args.skip_build)
    for e in engines:
        if e not in ready:
            skipped[e] = f"build failed: {(build.get('failed') or {}).get(e, 'missing')}"
    engines = ready
    if build.get("seconds"):
        timing_s["build"] = build["seconds"]

    results: dict = {}
    extra = ["--repeat", str(args.repeat)] + (["--pages", args.pages] if args.pages else [])
    for e in engines:
        log(f"timing {ENGINE_LABEL[e]} …")
        data, err, dt = _worker("bench.timing", ["--engine", e, *extra], CACHE / f"timing-{e}.json")
        timing_s[ENGINE_LABEL[e]] = dt
        if data is None or data.get("error"):
            skipped[e] = (data or {}).get("error") or err
            log(f"{ENGINE_LABEL[e]}: {skipped[e]}")
            continue
        results[e] = data
    engines = [e for e in engines if e in results]

    baseline, baseline_err = None, None
    if not args.skip_baseline:
        if SQLITE_PATH.exists():
            log("naive pandas baseline …")
            baseline, baseline_err, dt = _worker("bench.naive", [], CACHE / "naive.json")
            timing_s["baseline"] = dt
        else:
            baseline_err = "no SQLite database to read"

    maps, maps_err = None, "no SQLite database to read"
    if SQLITE_PATH.exists():
        log("map payload …")
        maps, maps_err, timing_s["maps"] = _worker("bench.maps", [], CACHE / "maps.json")

    total = time.perf_counter() - t_all
    # a 2-core machine shared with other work: the load says how far to trust the times
    load = f"{load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    text = render(results, baseline, baseline_err, build, engines, skipped, args, timing_s, total,
                  maps, maps_err, load)
    print(text)
    out = Path(args.out)
    if not out.is_absolute():
        out = ROOT / out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    log(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
