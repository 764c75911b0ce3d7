"""What every app process of one deployment must share: failed sign-ins (the lockout) and
revoked sign-in cookies. A small SQLite file in WAL mode (``OVERSIGHT_STATE_DB``), outside
the read-only reporting database and never in process memory: behind a front server
several Streamlit processes serve one user base, and a lock or a sign-out made in one must
hold in the others.

Neither names nor cookies are kept in clear: an entered name (it may be a mistyped
password) as a keyed hash, a cookie as its SHA-256.
"""
from __future__ import annotations

import hashlib
import hmac
import sqlite3
import time
from contextlib import closing

import settings

SCHEMA = ("CREATE TABLE IF NOT EXISTS failed_sign_in (name TEXT PRIMARY KEY, attempts INTEGER NOT NULL, "
          "last_at REAL NOT NULL)",
          "CREATE TABLE IF NOT EXISTS revoked (token TEXT PRIMARY KEY, until REAL NOT NULL)")


def _connect() -> sqlite3.Connection:
    path = settings.path("OVERSIGHT_STATE_DB")
    path.parent.mkdir(parents=True, exist_ok=True)
    # autocommit; several processes write: wait for another's write instead of failing
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA busy_timeout = 10000")
    for statement in SCHEMA:
        conn.execute(statement)
    return conn


def name_key(name: str, secret: str) -> str:
    """An entered user name as the store keeps it: HMAC-SHA256 under the cookie key."""
    return hmac.new(secret.encode(), (name or "").strip().lower().encode(), hashlib.sha256).hexdigest()


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --------------------------------------------------------------------------- sign-in lockout

def failures(key: str, limit: int, lock_s: float, now: float | None = None) -> int:
    """Failed sign-ins in a row under ``key``. Reaching ``limit`` locks the name for
    ``lock_s`` from that failure; then the count starts again from 0."""
    now = time.time() if now is None else now
    with closing(_connect()) as conn:
        row = conn.execute("SELECT attempts, last_at FROM failed_sign_in WHERE name = ?", (key,)).fetchone()
    return 0 if row is None or _lapsed(row, limit, lock_s, now) else int(row[0])


def record_failure(key: str, limit: int, lock_s: float, now: float | None = None) -> int:
    """Count one more failure under ``key`` (after a lock that has lapsed, the first
    again); the new count."""
    now = time.time() if now is None else now
    with closing(_connect()) as conn:
        conn.execute("BEGIN IMMEDIATE")          # read and write as one step across processes
        row = conn.execute("SELECT attempts, last_at FROM failed_sign_in WHERE name = ?", (key,)).fetchone()
        attempts = 1 if row is None or _lapsed(row, limit, lock_s, now) else int(row[0]) + 1
        conn.execute("INSERT INTO failed_sign_in (name, attempts, last_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (name) DO UPDATE SET attempts = excluded.attempts, last_at = excluded.last_at",
                     (key, attempts, now))
        conn.execute("COMMIT")
    return attempts


def _lapsed(row: tuple, limit: int, lock_s: float, now: float) -> bool:
    attempts, last_at = row
    return attempts >= limit and now - last_at >= lock_s


def clear_failures(key: str) -> None:
    with closing(_connect()) as conn:
        conn.execute("DELETE FROM failed_sign_in WHERE name = ?", (key,))


# --------------------------------------------------------------------------- revoked cookies

def revoke(token: str, until: float) -> None:
    """The cookie ``token`` no longer signs anyone in, until it would have expired."""
    with closing(_connect()) as conn:
        conn.execute("DELETE FROM revoked WHERE until < ?", (time.time(),))
        conn.execute("INSERT OR REPLACE INTO revoked (token, until) VALUES (?, ?)", (token_key(token), until))


def is_revoked(token: str) -> bool:
    with closing(_connect()) as conn:
        row = conn.execute("SELECT until FROM revoked WHERE token = ?", (token_key(token),)).fetchone()
    return row is not None and row[0] >= time.time()


# --------------------------------------------------------------------------- one-off jobs

def claim(job: str) -> bool:
    """True for the first process (of all that share the store) to ask for ``job``, false
    for every later ask: a job done once per deployment (the cache warmed after a load)."""
    with closing(_connect()) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS claimed (job TEXT PRIMARY KEY, at REAL NOT NULL)")
        cur = conn.execute("INSERT OR IGNORE INTO claimed (job, at) VALUES (?, ?)", (job, time.time()))
        return cur.rowcount == 1
