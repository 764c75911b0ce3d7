"""The access log of personal information (views.md, Access): one JSON line per list shown —
time, user, role, page, list, scope, period, rows, masked or not — once per session for the
same page, list, scope and period, not on every rerun; and one line per Excel download of
a list (``"download": true``). Never the personal information itself.

It lives outside the database, which stays read-only: ``OVERSIGHT_ACCESS_LOG``.
"""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

import settings
from ui.access import User

_WRITE = threading.Lock()          # sessions run in threads of one process
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
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    with _WRITE:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
