"""Read-only held by the database, not only by the session (issue 14, part 1).

Probes had written through the app's engine: ``SET TRANSACTION READ WRITE`` then INSERT on
PostgreSQL, ``SET SESSION TRANSACTION READ WRITE`` then INSERT on MariaDB, and on SQLite
``ATTACH DATABASE``, ``PRAGMA query_only = 0`` and ``VACUUM INTO`` (which copied the data
out). Each is tried here as the app would run it: on SQLite through the app's engine (its
authorizer), on the servers as the SELECT-only account that ``make ddl`` creates. Each
must fail and leave the data as it was; the privilege check tells the two accounts apart.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from conftest import dataset_url, load_rows
from queries.db import read_only_engine
from queries.privileges import PASSWORD_PLACEHOLDER, reader_sql, write_access
from queries.schema import meta, metadata

ROWS = {"meta": [{"key": "data_as_of", "value": "2026-11-15"}, {"key": "source_note", "value": "test"}]}
READER = "oversight_reader_test"
READER_PASSWORD = "reader-test-pw-3"

# each attack: statements run one after another on one connection; one of them must fail
ATTACKS = {
    "sqlite": [
        ("ATTACH DATABASE '{tmp}/attached.sqlite' AS x", "CREATE TABLE x.names (n TEXT)"),
        ("PRAGMA query_only = 0", "INSERT INTO meta (key, value) VALUES ('x', 'y')"),
        ("VACUUM INTO '{tmp}/copy.sqlite'",),
        ("INSERT INTO meta (key, value) VALUES ('x', 'y')",),
        ("DELETE FROM meta",),
        ("UPDATE meta SET value = 'x'",),
        ("CREATE TEMP TABLE names (n TEXT)",),
        ("PRAGMA writable_schema = 1",),
        ("DROP TABLE meta",),
    ],
    "postgresql": [
        ("SET TRANSACTION READ WRITE", "INSERT INTO meta (key, value) VALUES ('x', 'y')"),
        ("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "DELETE FROM meta"),
        ("SET TRANSACTION READ WRITE", "UPDATE meta SET value = 'x'"),
        ("SET TRANSACTION READ WRITE", "CREATE TABLE names (n TEXT)"),
        ("SET TRANSACTION READ WRITE", "TRUNCATE meta"),
        ("COPY meta TO '/tmp/oversight_meta_copy.csv'",),
    ],
    "mariadb": [
        ("SET SESSION TRANSACTION READ WRITE", "INSERT INTO meta (`key`, value) VALUES ('x', 'y')"),
        ("SET SESSION TRANSACTION READ WRITE", "DELETE FROM meta"),
        ("SET SESSION TRANSACTION READ WRITE", "CREATE TABLE names (n TEXT)"),
        ("CREATE TEMPORARY TABLE names (n TEXT)",),
        ("SELECT * FROM meta INTO OUTFILE '/tmp/oversight_meta_copy.txt'",),
    ],
}


@pytest.fixture(scope="module", params=list(ATTACKS))
def walls(request, tmp_path_factory):
    """(the app's engine, the administrator's URL, a scratch folder) on one backend."""
    backend, tmp = request.param, tmp_path_factory.mktemp("walls")
    url = dataset_url(backend, "walls", tmp)
    load_rows(url, ROWS)
    if backend == "sqlite":
        yield backend, read_only_engine(url), url, tmp
        return
    engine = read_only_engine(_make_reader(backend, url))
    yield backend, engine, url, tmp
    engine.dispose()


def _make_reader(backend: str, admin_url: str) -> str:
    """Run ``make ddl``'s account statements as the administrator; the reader's URL."""
    url = make_url(admin_url)
    dialect = "postgresql" if backend == "postgresql" else "mysql"
    script = reader_sql(dialect, url.database, READER).replace(PASSWORD_PLACEHOLDER, READER_PASSWORD)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if backend == "postgresql":
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": READER}).first():
                script = "\n".join(line for line in script.splitlines() if not line.startswith("CREATE ROLE"))
        else:
            conn.execute(text(f"DROP USER IF EXISTS '{READER}'@'%'"))
        for statement in _statements(script):
            conn.execute(text(statement))          # text(): the driver's '%' escaped
    admin.dispose()
    return url.set(username=READER, password=READER_PASSWORD).render_as_string(hide_password=False)


def _statements(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if line.strip() and not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _meta_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(meta)).scalar()
    engine.dispose()
    return n


def test_every_attack_fails_and_nothing_changes(walls):
    backend, engine, admin_url, tmp = walls
    before = _meta_rows(admin_url)
    for attack in ATTACKS[backend]:
        with engine.connect() as conn, pytest.raises(Exception) as refused:
            for statement in attack:
                conn.exec_driver_sql(statement.format(tmp=tmp))
            conn.commit()
        assert "Timeout" not in type(refused.value).__name__, attack
    assert _meta_rows(admin_url) == before == 2
    assert not (tmp / "attached.sqlite").exists() and not (tmp / "copy.sqlite").exists()


def test_the_reader_still_reads(walls):
    _backend, engine, _url, _tmp = walls
    with engine.connect() as conn:
        assert conn.execute(select(meta.c.value).where(meta.c.key == "data_as_of")).scalar() == "2026-11-15"


def test_the_privilege_check_tells_the_accounts_apart(walls):
    backend, engine, admin_url, _tmp = walls
    assert write_access(engine) == ()             # the reader (SQLite: the guarded engine)
    if backend == "sqlite":
        return
    admin = create_engine(admin_url)
    found = write_access(admin)
    admin.dispose()
    # the test servers' administrators: a PostgreSQL superuser, MariaDB's root with ALL
    assert ("超级用户（可写任何表）" in found) if backend == "postgresql" else ("INSERT 权限" in found), found
    assert f"全部 {len(metadata.tables)} 张数据表可写" in found or backend != "postgresql"


def test_make_ddl_prints_both_accounts():
    from queries.schema import main
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--dialect", "postgresql", "--accounts", "--database", "reporting"])
    printed = out.getvalue()
    assert "CREATE TABLE recipient" in printed
    assert "GRANT SELECT ON TABLE payment TO oversight_reader;" in printed
    assert "GRANT SELECT ON `reporting`.`payment` TO 'oversight_reader'@'%';" in printed
    assert "INSERT" not in printed.split("只读账号（PostgreSQL）")[1]      # SELECT only
