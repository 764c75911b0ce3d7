"""The store every app process shares (ui/shared_state.py): failed sign-ins counted across
processes without losing one, a lock that lifts after its time, revocation seen by another
process, nothing kept in clear."""
from __future__ import annotations

import multiprocessing
import os
import sqlite3

from ui import shared_state


def _fail(path: str, key: str, n: int) -> None:
    os.environ["OVERSIGHT_STATE_DB"] = path
    for _ in range(n):
        shared_state.record_failure(key, limit=10_000, lock_s=900)


def _revoke(path: str, token: str, until: float) -> None:
    os.environ["OVERSIGHT_STATE_DB"] = path
    shared_state.revoke(token, until)


def test_failures_from_several_processes_all_count(tmp_path, monkeypatch):
    path = str(tmp_path / "state.sqlite")
    monkeypatch.setenv("OVERSIGHT_STATE_DB", path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_fail, args=(path, "k", 50)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert shared_state.failures("k", limit=10_000, lock_s=900) == 200


def test_a_lock_lifts_after_its_time_and_counting_starts_again(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_STATE_DB", str(tmp_path / "state.sqlite"))
    for t in (0, 1, 2):
        shared_state.record_failure("k", limit=3, lock_s=60, now=1000 + t)
    assert shared_state.failures("k", limit=3, lock_s=60, now=1061) == 3      # 59 s after the third
    assert shared_state.failures("k", limit=3, lock_s=60, now=1062) == 0      # 60 s: lifted
    assert shared_state.record_failure("k", limit=3, lock_s=60, now=1063) == 1
    # under the limit a count does not lapse: slow guessing still reaches the lock
    assert shared_state.record_failure("k", limit=3, lock_s=60, now=5000) == 2


def test_a_revocation_made_by_another_process_holds_until_the_expiry(tmp_path, monkeypatch):
    import time
    path = str(tmp_path / "state.sqlite")
    monkeypatch.setenv("OVERSIGHT_STATE_DB", path)
    ctx = multiprocessing.get_context("spawn")
    for token, until in (("copied.cookie.value", time.time() + 3600), ("old.cookie", time.time() - 1)):
        p = ctx.Process(target=_revoke, args=(path, token, until))
        p.start()
        p.join(60)
    assert shared_state.is_revoked("copied.cookie.value")
    assert not shared_state.is_revoked("old.cookie")              # expired anyway: forgotten
    assert not shared_state.is_revoked("another.cookie")
    dump = "\n".join(sqlite3.connect(path).iterdump())
    assert "copied.cookie.value" not in dump
