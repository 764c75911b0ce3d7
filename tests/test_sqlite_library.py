"""The one process-wide SQLite setting (queries.sqlite_library): memory statistics off,
made only while the library holds nothing."""
from __future__ import annotations

import ctypes
import sqlite3
import subprocess
import sys
from pathlib import Path

import queries.db  # noqa: F401  (importing it makes the setting)
from queries.sqlite_library import _linked_library, memory_statistics_off

ROOT = Path(__file__).resolve().parent.parent


def _memory_used() -> int:
    used, high = ctypes.c_int64(), ctypes.c_int64()
    assert _linked_library().sqlite3_status64(0, ctypes.byref(used), ctypes.byref(high), 0) == 0
    return used.value


def test_statistics_are_off_in_this_process():
    assert memory_statistics_off() == "off"
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (x)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
    # with the statistics on, an open connection holding a table shows memory in use
    assert _memory_used() == 0
    con.close()


def test_left_alone_while_a_connection_is_open():
    script = ("import sqlite3; con = sqlite3.connect(':memory:'); con.execute('CREATE TABLE t (x)'); "
              "from queries.sqlite_library import memory_statistics_off; "
              "print(memory_statistics_off()); print(con.execute('SELECT count(*) FROM t').fetchone()[0])")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["left on: SQLite already holds memory (a connection is open)", "0"]
