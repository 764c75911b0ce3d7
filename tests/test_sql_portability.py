"""The dialect-specific pieces of SQL, compiled for each dialect (no database needed)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.dialects import mysql, postgresql, sqlite

from queries.schema import petition, recipient
from queries.sql import active_on, bytewise, days_between, on_or_before


def _sql(expr, dialect) -> str:
    return str(expr.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_bytewise_ids_per_dialect():
    assert _sql(bytewise(petition.c.petition_id), sqlite.dialect()) == "petition.petition_id"
    assert _sql(bytewise(petition.c.petition_id), mysql.dialect()) == \
        "CAST(petition.petition_id AS BINARY)"
    pg = postgresql.dialect()
    assert _sql(bytewise(petition.c.petition_id), pg) == '(petition.petition_id COLLATE "C")'
    pg.oversight_bytewise_collation = True   # the database's collation is already byte order
    assert _sql(bytewise(petition.c.petition_id), pg) == "petition.petition_id"


@pytest.mark.parametrize("dialect, expected", [
    (sqlite.dialect(), "CAST(julianday(petition.closed_date) - julianday(petition.received_date) AS INTEGER)"),
    (postgresql.dialect(), "(petition.closed_date - petition.received_date)"),
    (mysql.dialect(), "DATEDIFF(petition.closed_date, petition.received_date)"),
])
def test_days_between_per_dialect(dialect, expected):
    assert _sql(days_between(petition.c.closed_date, petition.c.received_date), dialect) == expected


def test_sqlite_date_filters_are_not_seeks():
    # SQLite 3.40's SeekScan bug and its skip-scan trap: the spell's start and the period's
    # date bounds are written +col on SQLite only
    active = _sql(active_on(recipient.c.start_date, recipient.c.end_date, date(2026, 9, 30)),
                  sqlite.dialect())
    assert active.startswith("+recipient.start_date <= '2026-09-30'")
    assert _sql(on_or_before(petition.c.received_date, date(2026, 9, 30)), postgresql.dialect()) \
        .startswith("petition.received_date <=")


def test_a_runaway_sqlite_statement_is_stopped(tmp_path, monkeypatch):
    # SQLite has no server-side timeout: the app's engine interrupts a statement after
    # OVERSIGHT_QUERY_TIMEOUT_S seconds (here 1) instead of hanging the page
    import time

    import sqlalchemy
    from queries.db import read_only_engine

    path = tmp_path / "t.sqlite"
    sqlalchemy.create_engine(f"sqlite:///{path}").connect().close()
    monkeypatch.setenv("OVERSIGHT_QUERY_TIMEOUT_S", "1")
    engine = read_only_engine(f"sqlite:///{path}")
    endless = sqlalchemy.text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                              "SELECT count(*) FROM c")
    started = time.monotonic()
    with pytest.raises(sqlalchemy.exc.OperationalError, match="interrupt"):
        with engine.connect() as conn:
            conn.execute(endless).scalar()
    assert time.monotonic() - started < 10


def test_shared_value_per_dialect_and_on_sqlite():
    # a value every row of a group shares: SQLite's bare column, MIN elsewhere, and on a
    # real SQLite group (with other aggregates beside it) the group's own value
    import sqlalchemy
    from sqlalchemy import func, select

    from queries.sql import count_if, shared_value
    assert _sql(shared_value(petition.c.township_code), sqlite.dialect()) == "petition.township_code"
    assert _sql(shared_value(petition.c.township_code), postgresql.dialect()) == "min(petition.township_code)"
    assert _sql(shared_value(petition.c.township_code), mysql.dialect()) == "min(petition.township_code)"
    engine = sqlalchemy.create_engine("sqlite://")
    rows = [("M1", "350203001", "2026-01-02"), ("M1", "350203001", "2026-03-04"), ("M2", "350211002", "2026-02-01"),
            ("M2", "350211002", "2025-12-30"), ("M2", "350211002", "2026-05-06"), ("M3", None, "2026-01-01")]
    p = sqlalchemy.table("p", sqlalchemy.column("matter_id"), sqlalchemy.column("township_code"),
                         sqlalchemy.column("received_date"))
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE p (matter_id TEXT, township_code TEXT, received_date TEXT)")
        conn.exec_driver_sql("INSERT INTO p VALUES (?, ?, ?)", rows)
        got = conn.execute(select(p.c.matter_id, shared_value(p.c.township_code), func.count(),
                                  count_if(p.c.received_date < "2026-01-01"), func.max(p.c.received_date))
                           .group_by(p.c.matter_id).order_by(p.c.matter_id)).all()
    assert [tuple(r) for r in got] == [("M1", "350203001", 2, 0, "2026-03-04"),
                                       ("M2", "350211002", 3, 1, "2026-05-06"), ("M3", None, 1, 0, "2026-01-01")]
