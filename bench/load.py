"""Load through the front server (issue 14, part 6): simulated users at once, each signing
in and opening every page of its role with a pause between pages, against 127.0.0.1.

    python -m bench.load [--db demo|province] [--users 10,25,50] [--workers 1,2,3]
                         [--duration 90] [--ramp 20] [--pause 5,20] [--out bench/load.md]

For each number of app processes and each number of users, a fresh deployment
(``deploy.serve.deployment``: nginx with TLS in front of the processes, one shared state
store and access log) on the chosen database. A first visitor (a leader, then a district)
opens every page once — the first view of the day, timed apart — and the processes are
left to settle (the cache warmer included). Then the users arrive over ``--ramp`` seconds,
one in five of each demo account (leader, supervisor, commission, two districts). Each
loads ``/`` and the app's scripts and styles as a browser with an empty cache does, signs
in through the form, and opens its role's pages in menu order, round and round, pausing a
random ``--pause`` seconds between pages, until ``--duration`` seconds after the ramp.
Every request goes through ``bench.stclient`` (Streamlit's own websocket messages, no
browser) and is timed from the request to the page settled (its script run finished).

Reported per (processes, users): page opens, their p50 / p95 / max, errors (an exception
or an error box on a page, a refused sign-in, a closed socket, no answer in 120 s), the
sign-in and first load, memory (each app process's anonymous resident memory, before the
users and at the end with every session open: the difference per session), how the
sessions were spread over the processes (the front server's log), and the CPU the client
itself took (it shares the 2 cores with the servers it measures).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.common import SQLITE_PATH, write_json
from bench.stclient import Session, Settled
from deploy.serve import demo_tls_context
from e2e.browser import PASSWORDS
from settings import DEMO_DB_PATH

# (name, password, role) of each demo account, one simulated user in five of each
ACCOUNTS = tuple((name, PASSWORDS[name], role) for name, role in (
    ("leader", "leader"), ("supervisor", "supervisor"), ("commission", "commission"),
    ("siming", "district"), ("huli", "district")))
DATABASES = {"demo": f"sqlite:///{DEMO_DB_PATH}", "province": f"sqlite:///{SQLITE_PATH}"}


def log(msg: str) -> None:
    print(f"[load] {msg}", file=sys.stderr, flush=True)


def role_pages(role: str) -> list[str]:
    import logging
    logging.getLogger("streamlit").setLevel(logging.ERROR)     # its caches warn outside a server
    from ui.navigation import PAGES
    return [p.url_path for p in PAGES if role in p.roles]


# ------------------------------------------------------------------ one simulated user

@dataclass
class Record:
    account: str
    kind: str           # "page", "sign_in", "first_load"
    page: str
    started: float
    seconds: float
    errors: list[str] = field(default_factory=list)


def _static_assets(base: str, index: str) -> None:
    """What a browser with an empty cache fetches after the page (``index``, its HTML):
    its scripts and styles, and the chart and map bundles the pages load (gzip, as
    browsers ask)."""
    context = demo_tls_context()

    def get(path: str) -> bytes:
        request = urllib.request.Request(f"{base}/{path}", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=60, context=context) as response:
            return response.read()
    assets = re.findall(r'(?:src|href)="\./(static/[^"]+\.(?:js|css))"', index)
    entry = next((a for a in assets if "/index." in a and a.endswith(".js")), None)
    if entry:
        import gzip
        body = get(entry)
        text = (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body).decode("utf-8", "replace")
        assets += ["static/js/" + m for m in
                   dict.fromkeys(re.findall(r"((?:PlotlyChart|DeckGlJsonChart)\.[\w-]+\.js)", text))]
    for asset in dict.fromkeys(assets):
        get(asset)


async def simulated_user(base: str, account: tuple[str, str, str], start_at: float, stop_at: float,
                         pause: tuple[float, float], rng: random.Random, out: list[Record]) -> Session | None:
    """Arrive at ``start_at``, sign in, open the role's pages until ``stop_at``; the
    session stays open (for the memory reading) and is returned."""
    name, password, role = account
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    t = time.perf_counter()
    try:
        session = Session(base)
        await session.open()                   # GET / (the page, the cookies), the websocket
        await asyncio.to_thread(_static_assets, base, session.html)
        out.append(Record(name, "first_load", "", t, time.perf_counter() - t))
    except Exception as exc:          # noqa: BLE001 - a failed arrival is an error to count
        out.append(Record(name, "first_load", "", t, time.perf_counter() - t, [f"{type(exc).__name__}: {exc}"]))
        return None
    t = time.perf_counter()
    done = await session.sign_in(name, password)
    out.append(Record(name, "sign_in", "", t, done.seconds, done.errors))
    if done.errors:
        return session
    pages, i = role_pages(role), 0
    while time.perf_counter() < stop_at:
        page = pages[i % len(pages)]
        t = time.perf_counter()
        done: Settled = await session.request(page)
        out.append(Record(name, "page", page, t, done.seconds, done.errors))
        if session.closed_because:
            break
        i += 1
        await asyncio.sleep(rng.uniform(*pause))
    return session


# ------------------------------------------------------------------ the app processes

def app_processes() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True)
            if any("streamlit" in part for part in p.cmdline()[:2])]


def anon_mb(proc: psutil.Process) -> float:
    with open(f"/proc/{proc.pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def wait_idle(procs: list[psutil.Process], below: float = 5.0, hold_s: float = 3.0, limit_s: float = 900.0) -> float:
    """Wait until the app processes use under ``below`` % of a core together for
    ``hold_s`` seconds (the cache warmer done); seconds waited."""
    started, quiet_since = time.perf_counter(), None
    for p in procs:
        p.cpu_percent(None)
    while time.perf_counter() - started < limit_s:
        time.sleep(1.0)
        busy = sum(p.cpu_percent(None) for p in procs)
        quiet_since = (quiet_since or time.perf_counter()) if busy < below else None
        if quiet_since and time.perf_counter() - quiet_since >= hold_s:
            break
    return time.perf_counter() - started


def app_ports(procs: list[psutil.Process]) -> list[int]:
    return sorted(c.laddr.port for p in procs for c in p.net_connections("tcp") if c.status == psutil.CONN_LISTEN)


def front_log_lines(run: Path) -> list[str]:
    path = run / "access.log"
    return path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []


def sessions_per_process(lines: list[str], ports: list[int]) -> dict[str, int]:
    """The front server's log: how many websockets went to each app process."""
    counts = {f"127.0.0.1:{port}": 0 for port in ports}
    for line in lines:
        if '"GET /_stcore/stream' in line:
            m = re.search(r" (\d+) (127\.0\.0\.1:\d+) ", line)
            if m and m.group(1) == "101":
                counts[m.group(2)] = counts.get(m.group(2), 0) + 1
    return dict(sorted(counts.items()))


# ------------------------------------------------------------------ one run

async def first_visits(base: str, accounts=(ACCOUNTS[0], ACCOUNTS[3])) -> list[Record]:
    """The first leader and the first district of the day, each page once (cold)."""
    out: list[Record] = []
    for name, password, role in accounts:
        session = Session(base, timeout_s=600)
        await session.open()
        done = await session.sign_in(name, password)
        out.append(Record(name, "sign_in", "", 0, done.seconds, done.errors))
        for page in role_pages(role):
            done = await session.request(page)
            out.append(Record(name, "page", page, 0, done.seconds, done.errors))
        await session.close()
    return out


async def load(base: str, users: int, duration: float, ramp: float, pause: tuple[float, float],
               seed: int, procs: list[psutil.Process]) -> dict:
    rng = random.Random(seed)
    # each user's page load in a thread of its own (the default pool of 6 queued them:
    # the client's wait, not the server's)
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=users + 4))
    now = time.perf_counter()
    stop_at = now + ramp + duration
    records: list[Record] = []
    before = {p.pid: anon_mb(p) for p in procs}
    cpu0 = os.times()
    tasks = [asyncio.create_task(simulated_user(base, ACCOUNTS[i % len(ACCOUNTS)], now + rng.uniform(0, ramp),
                                                stop_at, pause, random.Random(rng.random()), records))
             for i in range(users)]
    peak = dict(before)
    while not all(t.done() for t in tasks):
        await asyncio.sleep(1.0)
        for p in procs:
            peak[p.pid] = max(peak[p.pid], anon_mb(p))
    sessions = [t.result() for t in tasks]
    cpu1 = os.times()
    wall = time.perf_counter() - now
    after = {p.pid: anon_mb(p) for p in procs}      # every session still open
    for s in sessions:
        if s is not None:
            await s.close()
    result = summarize(records, users, wall, before, after, peak,
                       (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system))
    result["records"] = [(r.kind, r.page, round(r.started - now, 2), round(r.seconds, 3), len(r.errors))
                         for r in records]
    return result


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def summarize(records: list[Record], users: int, wall: float, before: dict, after: dict, peak: dict,
              client_cpu_s: float) -> dict:
    def stats(kind: str) -> dict:
        values = sorted(r.seconds for r in records if r.kind == kind)
        return {"n": len(values), "p50": _pct(values, 50), "p95": _pct(values, 95),
                "max": values[-1] if values else None}
    pages = [r for r in records if r.kind == "page"]
    per_page = {}
    for page in dict.fromkeys(r.page for r in pages):
        values = sorted(r.seconds for r in pages if r.page == page)
        per_page[page] = {"n": len(values), "p50": _pct(values, 50), "p95": _pct(values, 95)}
    errors = [f"{r.account} {r.kind} {r.page}: {e}" for r in records for e in r.errors]
    signed_in = sum(1 for r in records if r.kind == "sign_in" and not r.errors)
    return {"users": users, "signed_in": signed_in, "wall_s": wall, "pages": stats("page"),
            "sign_in": stats("sign_in"), "first_load": stats("first_load"), "per_page": per_page,
            "errors": len(errors),         # a user who did not sign in has one (first load or sign-in)
            "error_samples": errors[:10],
            "opens_per_s": len(pages) / wall if wall else None,
            "memory_before_mb": sorted(before.values()), "memory_after_mb": sorted(after.values()),
            "memory_peak_mb": sorted(peak.values()),
            "memory_per_session_mb": (sum(after.values()) - sum(before.values())) / users,
            "client_cpu_s": client_cpu_s, "client_cpu_share": client_cpu_s / wall / os.cpu_count()}


def one_deployment(db_url: str, workers: int, users: int, args) -> dict:
    from deploy.serve import deployment, free_port
    os.environ["OVERSIGHT_DB_URL"] = db_url
    with tempfile.TemporaryDirectory(prefix="oversight-load-") as tmp:
        run = Path(tmp)
        t = time.perf_counter()
        with deployment(workers, free_port(), free_port(), run) as base:
            started = time.perf_counter() - t
            procs = app_processes()
            ports = app_ports(procs)
            first = asyncio.run(first_visits(base))
            for port in ports:        # every process has served a page before the load
                asyncio.run(first_visits(f"http://127.0.0.1:{port}", ACCOUNTS))
            waited = wait_idle(procs)
            seen = len(front_log_lines(run))
            log(f"{workers} process(es), {users} users: started in {started:.1f} s, first visits "
                f"{sum(r.seconds for r in first):.1f} s, settled after {waited:.0f} s more")
            result = asyncio.run(load(base, users, args.duration, args.ramp, args.pause, args.seed, procs))
            time.sleep(1.0)
        result.update(workers=workers, start_s=started, settle_s=waited,
                      first_visits=[r.__dict__ for r in first],
                      first_visit_errors=sum(len(r.errors) for r in first),
                      sessions_per_process=sessions_per_process(front_log_lines(run)[seen:], ports))
    p = result["pages"]
    log(f"  → {p['n']} page opens, p50 {p['p50']:.2f} s, p95 {p['p95']:.2f} s, max {p['max']:.2f} s, "
        f"errors {result['errors']}, {result['memory_per_session_mb']:.1f} MB per session")
    return result


# ------------------------------------------------------------------ report

def table(results: list[dict], db: str, args) -> str:
    lines = [f"### {db}: {args.duration:.0f} s per run after a {args.ramp:.0f} s ramp, pause "
             f"{args.pause[0]:g}–{args.pause[1]:g} s between pages",
             "",
             "| app processes | users | page opens | p50 | p95 | max | errors | sign-in p95 | first load p95 "
             "| memory per process, before → end (MB) | per session | sessions per process | client CPU |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        p = r["pages"]
        before = "/".join(f"{m:.0f}" for m in r["memory_before_mb"])
        after = "/".join(f"{m:.0f}" for m in r["memory_after_mb"])
        spread = "/".join(str(n) for n in r["sessions_per_process"].values())
        lines.append(
            f"| {r['workers']} | {r['users']} | {p['n']} | {p['p50']:.2f} s | {p['p95']:.2f} s | {p['max']:.2f} s "
            f"| {r['errors']} | {r['sign_in']['p95']:.2f} s | {r['first_load']['p95']:.2f} s "
            f"| {before} → {after} | {r['memory_per_session_mb']:.1f} MB | {spread} "
            f"| {100 * r['client_cpu_share']:.0f} % |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="demo", help="demo, province (bench/cache) or a database URL")
    parser.add_argument("--users", default="10,25,50")
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--duration", type=float, default=90.0)
    parser.add_argument("--ramp", type=float, default=20.0)
    parser.add_argument("--pause", default="5,20", help="seconds between pages, min,max")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", help="append the Markdown table here")
    parser.add_argument("--json", help="write every result here")
    args = parser.parse_args(argv)
    args.pause = tuple(float(x) for x in args.pause.split(","))
    db_url = DATABASES.get(args.db, args.db)
    results = []
    for workers in [int(w) for w in args.workers.split(",")]:
        for users in [int(u) for u in args.users.split(",")]:
            results.append(one_deployment(db_url, workers, users, args))
            if args.json:
                write_json(args.json, {"db": args.db, "args": vars(args), "results": results})
    text = table(results, args.db, args)
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0 if all(r["errors"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
