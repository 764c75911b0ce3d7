"""The access log of personal information (views.md, Access): one JSON line per list shown —
time, user, role, page, list, scope, period, rows, masked or not — once per session for the
same page, list, scope and period, not on every rerun; and one line per Excel download of
a list (``"download": true``). Never the personal information itself.

It lives outside the database, which stays read-only: ``OVERSIGHT_ACCESS_LOG``.
"""
from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

import settings
from ui.access import User

_WRITE = threading.Lock()          # sessions run in threads of one process; processes: O_APPEND
_SEEN = "oversight_access_logged"  # session state: (page, list, scope, period) already logged


def record(user: User, page: str, what: str, scope_code: str, period_key: str, rows: int,
           masked: bool) -> bool:
    """Append the line of list ``what`` (e.g. uncovered_persons) unless this session
    already logged it for this page, scope and period. Returns whether a line was written."""
    seen: set = st.session_state.setdefault(_SEEN, set())
    mark = (page, what, scope_code, period_key)
    if mark in seen:
        return False
    append(settings.path("OVERSIGHT_ACCESS_LOG"),
           _entry(user, page, what, scope_code, period_key, rows, masked))
    seen.add(mark)
    return True


def record_download(user: User, page: str, what: str, scope_code: str, period_key: str,
                    rows: int, masked: bool) -> None:
    """Append the line of a download (an Excel file of list ``what``): every download is
    its own line. Runs outside the script (the file is built on click), so it needs no
    session state."""
    entry = _entry(user, page, what, scope_code, period_key, rows, masked)
    entry["download"] = True
    append(settings.path("OVERSIGHT_ACCESS_LOG"), entry)


def _entry(user: User, page: str, what: str, scope_code: str, period_key: str, rows: int,
           masked: bool) -> dict:
    return {
        "time": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "user": user.username, "role": user.role, "page": page, "list": what,
        "scope": scope_code, "period": period_key, "rows": int(rows), "masked": bool(masked),
    }


def append(path: Path, entry: dict) -> None:
    """One line, written whole: several app processes append to the same file, so the line
    goes out in a single write() on a file opened O_APPEND (the kernel puts each such
    write at the end of the file, never interleaved with another's), not through a
    buffered file object that may split it."""
    data = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    with _WRITE:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            written = os.write(fd, data)
        finally:
            os.close(fd)
    if written != len(data):          # a full disk: say so rather than leave half a line
        raise OSError(f"access log: {written} of {len(data)} bytes written")
