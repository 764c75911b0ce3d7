"""One process-wide setting of the SQLite library that Python links: memory statistics off.

SQLite counts the memory it holds in one global counter behind one mutex, taken on every
allocation (``SQLITE_DEFAULT_MEMSTATUS=1``, the default, in Debian's build). A page's
statements run side by side on several connections, and they then queue on that mutex:
the four petition statements at province scale, on this machine's 2 cores, took 1.02 s on
one thread and 0.84 s on two; with the statistics off, 0.89 s and 0.48 s. SQLite's
documentation lists ``SQLITE_DEFAULT_MEMSTATUS=0`` among its recommended options for
speed; nothing here reads the statistics.

The setting can change only while the library holds nothing: ``sqlite3_shutdown``,
``sqlite3_config``, ``sqlite3_initialize``. So it is made once, at import, and only when
the library reports no memory in use (no connection is open); otherwise it is left as it
is, and everything still works, only slower side by side.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

_SQLITE_STATUS_MEMORY_USED = 0
_SQLITE_CONFIG_MEMSTATUS = 9
_lock = threading.Lock()
_state: str | None = None


def memory_statistics_off() -> str:
    """Turn SQLite's memory statistics off if it can be done safely; say what happened.

    Returns 'off' (done now or before), or why it was left alone."""
    global _state
    with _lock:
        if _state is None:
            _state = _turn_off()
            log.info("SQLite memory statistics: %s", _state)
        return _state


def _turn_off() -> str:
    lib = _linked_library()
    if lib is None:
        return "left on: the SQLite library Python uses was not found"
    used, high = ctypes.c_int64(), ctypes.c_int64()
    if lib.sqlite3_status64(_SQLITE_STATUS_MEMORY_USED, ctypes.byref(used), ctypes.byref(high), 0) != 0:
        return "left on: sqlite3_status64 failed"
    if used.value != 0:
        return "left on: SQLite already holds memory (a connection is open)"
    if lib.sqlite3_shutdown() != 0:
        return "left on: sqlite3_shutdown failed"
    configured = lib.sqlite3_config(_SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0)) == 0
    if lib.sqlite3_initialize() != 0:      # sqlite3.connect would initialise it anyway
        return "left on: sqlite3_initialize failed"
    return "off" if configured else "left on: sqlite3_config refused"


def _linked_library() -> ctypes.CDLL | None:
    """The shared SQLite library Python's sqlite3 module has loaded, or None (statically
    linked, another platform): it must be the same copy, checked by its version."""
    candidates = _loaded_paths()
    if not candidates and (found := ctypes.util.find_library("sqlite3")):
        candidates = [found]
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)     # already loaded: the same handle, not a second copy
        except OSError:
            continue
        lib.sqlite3_libversion.restype = ctypes.c_char_p
        if lib.sqlite3_libversion().decode() == sqlite3.sqlite_version:
            return lib
    return None


def _loaded_paths() -> list[str]:
    """Paths of the SQLite libraries mapped into this process (Linux)."""
    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return []
    return list(dict.fromkeys(line.split()[-1] for line in maps
                              if "libsqlite3" in line.rsplit("/", 1)[-1]))
