"""The SQLite reporting database's second wall: an authorizer on every connection of the
app's engine that allows reading and nothing else.

``mode=ro`` and ``PRAGMA query_only`` are settings a statement can undo or step around:
``PRAGMA query_only = 0``, ``ATTACH DATABASE 'x.sqlite'`` (a new, writable file) and
``VACUUM INTO 'copy.sqlite'`` (a copy of every name and id, which SQLite runs as an ATTACH)
all worked on a read-only connection. SQLite asks the authorizer about each action while
it prepares a statement; whatever is not on the list below is refused there, before
anything runs. No path from the browser reaches raw SQL; this holds if one ever does.
"""
from __future__ import annotations

import sqlite3

# actions that only read: SELECT, a column read, a function call, WITH RECURSIVE, and the
# transaction statements the driver issues itself (BEGIN, ROLLBACK: nothing to write)
_READING = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                      sqlite3.SQLITE_RECURSIVE, sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT})
# pragmas that describe the schema (SQLAlchemy's reflection asks them with a table's name)
_DESCRIBING = frozenset({"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo",
                         "foreign_key_list", "database_list", "collation_list", "table_list"})
# pragmas that act although asked with no value
_ACTING = frozenset({"optimize", "wal_checkpoint", "incremental_vacuum", "shrink_memory"})
# load_extension is off in Python's sqlite3 already; refused here as well
_FUNCTIONS_REFUSED = frozenset({"load_extension"})


def reading_only(action: int, arg1: str | None, arg2: str | None, _db: str | None,
                 _source: str | None) -> int:
    """sqlite3 authorizer: SQLITE_OK for a reading action, SQLITE_DENY for any other (the
    statement then fails with 'not authorized')."""
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if (arg2 or "").lower() in _FUNCTIONS_REFUSED else sqlite3.SQLITE_OK
    if action in _READING:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _DESCRIBING or (arg2 is None and name not in _ACTING):
            return sqlite3.SQLITE_OK     # a question about the database, not a setting
    return sqlite3.SQLITE_DENY


def guard(dbapi_conn: sqlite3.Connection) -> None:
    """Install the authorizer (after the connection's own settings are made)."""
    dbapi_conn.set_authorizer(reading_only)
