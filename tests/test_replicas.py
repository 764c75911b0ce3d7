"""Several replicas of one reporting database (issue 14, part 4): a PostgreSQL primary and
a streaming replica on ports of their own, made here with Debian's cluster tools
(``pg_createcluster``, ``pg_basebackup``). ``OVERSIGHT_DB_URL`` names both; the app's
engine spreads its sessions over them, goes on with the other when the one in use stops
(no restart), says in Chinese when both are down, and recovers when one comes back.

Outside CI these tests skip (with the reason) when the cluster tools or root are missing;
in CI they must run.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from app_driver import PASSWORDS, fresh_app, submit, texts
from conftest import load_rows, needs
from queries.database import Database
from queries.db import DatabaseUnavailable, Replicas
from queries.runner import compute
from test_clues import Q4_TOTAL, ROWS

VERSIONS = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
MISSING = ("Debian's PostgreSQL cluster tools are not installed" if not (shutil.which("pg_createcluster") and VERSIONS)
           else "making clusters needs root" if os.geteuid() != 0 else None)
needs(MISSING, "the replica tests")

VERSION = VERSIONS[-1]
HBA = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n"
KEYS = ["clues_received", "clues_received_total", "clues_concluded"]


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _cluster(name: str, port: int, data_from: int | None = None) -> None:
    """A cluster on ``port``; with ``data_from``, a streaming replica of that port's."""
    _run("pg_dropcluster", "--stop", VERSION, name) if Path(f"/etc/postgresql/{VERSION}/{name}").exists() else None
    _run("pg_createcluster", VERSION, name, "-p", str(port))
    Path(f"/etc/postgresql/{VERSION}/{name}/pg_hba.conf").write_text(HBA)
    if data_from is not None:
        data = Path(f"/var/lib/postgresql/{VERSION}/{name}")
        shutil.rmtree(data)
        _run("install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", str(data))
        _run("runuser", "-u", "postgres", "--", "pg_basebackup", "-h", "127.0.0.1", "-p", str(data_from),
             "-U", "postgres", "-D", str(data), "-R", "-X", "stream", "-c", "fast")
    _run("pg_ctlcluster", VERSION, name, "start")


def _stop(name: str) -> None:
    _run("pg_ctlcluster", VERSION, name, "stop", "-m", "immediate")


def _start(name: str) -> None:
    status = subprocess.run(["pg_ctlcluster", VERSION, name, "status"], capture_output=True)
    if status.returncode != 0:                          # 3: not running
        _run("pg_ctlcluster", VERSION, name, "start")


@pytest.fixture(scope="module")
def clusters():
    from deploy.serve import free_port
    primary, replica = free_port(), free_port()
    names = ("oversight_test_primary", "oversight_test_replica")
    _cluster(names[0], primary)
    url = "postgresql+psycopg://postgres@127.0.0.1:{}/reporting"
    _run("psql", "-h", "127.0.0.1", "-p", str(primary), "-U", "postgres", "-c", "CREATE DATABASE reporting")
    load_rows(url.format(primary), ROWS)
    _cluster(names[1], replica, data_from=primary)
    try:
        yield names, [url.format(primary), url.format(replica)]
    finally:
        for name in names:
            subprocess.run(["pg_dropcluster", "--stop", VERSION, name], capture_output=True, timeout=120)


def _figures(db: Database) -> list:
    frame = compute(db, KEYS, db.deployment(), db.period("2026Q4"))
    return [int(frame.iloc[0][k]) for k in KEYS]


def _ports(engine, n: int = 6) -> set[int]:
    """The server ports of ``n`` connections held at once."""
    conns = [engine.connect() for _ in range(n)]
    try:
        return {c.execute(text("SELECT inet_server_port()")).scalar() for c in conns}
    finally:
        for c in conns:
            c.close()


def test_sessions_spread_and_fail_over_without_a_restart(clusters, monkeypatch):
    names, urls = clusters
    monkeypatch.setattr(Replicas, "COOLDOWN_S", 0.5)
    expected = [Q4_TOTAL[k] for k in KEYS]
    db = Database.open(", ".join(urls))
    assert _figures(db) == expected == [7, 12, 7]
    ports = {int(u.split(":")[-1].split("/")[0]) for u in urls}
    assert _ports(db.engine) == ports                     # both replicas serve sessions
    # the replica stops in the middle of the session: the next run goes on with the primary
    _stop(names[1])
    try:
        assert _figures(db) == expected
        assert _ports(db.engine) == ports - {int(urls[1].split(":")[-1].split("/")[0])}
        # both down: a Chinese message, no traceback; then one comes back: figures again
        _stop(names[0])
        with pytest.raises(DatabaseUnavailable) as down:
            _figures(db)
        assert "报表库" in str(down.value)
    finally:
        _start(names[1])
        _start(names[0])
    assert _figures(db) == expected
    db.engine.dispose()


def test_the_app_says_so_and_recovers(clusters, monkeypatch, tmp_path):
    names, urls = clusters
    monkeypatch.setattr(Replicas, "COOLDOWN_S", 0.5)
    monkeypatch.setenv("OVERSIGHT_COOKIE_KEY", "test-cookie-key-" + "x" * 32)
    monkeypatch.setenv("OVERSIGHT_DB_URL", " ".join(urls))
    monkeypatch.setenv("OVERSIGHT_ACCESS_LOG", str(tmp_path / "access.log"))
    from app_driver import clear_server_caches
    clear_server_caches()
    from streamlit.util import calc_hash
    at = fresh_app({"period": "2026Q4"})
    at._page_hash = calc_hash("clues")                   # 问题线索, whose figures this data has
    submit(at, "commission", PASSWORDS["commission"]).run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown.get("受理线索数") == "7 件", shown
    _stop(names[0])
    _stop(names[1])
    try:
        clear_server_caches()                             # a new figure is asked of the database
        at.run()
        assert not at.exception
        assert any("报表库" in e.value for e in at.error), [e.value for e in at.error]
        assert "127.0.0.1" not in texts(at)
    finally:
        _start(names[1])
    import time
    time.sleep(0.6)                                       # the replica's rest is over
    at.run()
    assert not at.exception and {m.label: m.value for m in at.metric}.get("受理线索数") == "7 件"
    _start(names[0])
