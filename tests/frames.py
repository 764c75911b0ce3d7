"""Reading compute() frames in tests: rows by region, and expected values checked by hand."""
from __future__ import annotations

import pytest
from sqlalchemy import event


def statements_run(db, fn) -> int:
    """How many statements ``fn()`` sends to ``db``: queries, not the planner settings
    sent with one (``sql.seek_each``'s SET LOCAL on PostgreSQL)."""
    sent = []
    listener = lambda conn, cursor, statement, *args: sent.append(1) if not statement.startswith("SET ") else None  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(sent)


def rows_by_id(frame) -> dict:
    """{'total': row, '<code>': row, 'unknown': row} from a compute() frame."""
    out = {}
    for rec in frame.to_dict("records"):
        if rec["is_total"]:
            out["total"] = rec
        elif isinstance(rec["code"], str):
            out[rec["code"]] = rec
        else:
            out["unknown"] = rec
    return out


def check(row: dict, expected: dict) -> None:
    """Each expected value: None means no value (—), floats approximately, the rest exactly."""
    for key, want in expected.items():
        got = row[key]
        if want is None:
            assert got is None or got != got, f"{key}: expected None, got {got!r}"
        elif isinstance(want, float):
            assert got == pytest.approx(want), f"{key}: expected {want}, got {got!r}"
        else:
            assert got == want, f"{key}: expected {want!r}, got {got!r}"
