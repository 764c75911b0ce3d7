"""Test databases: every query test runs on SQLite, PostgreSQL and MariaDB.

The server URLs come from OVERSIGHT_TEST_PG_URL and OVERSIGHT_TEST_MYSQL_URL, else the
servers this machine kind runs on their usual local ports (LOCAL_URLS). Outside CI a server
that does not answer is skipped, the reason printed in one line at the end; in CI
(CI=true) it fails.
Each dataset (a hand-built fixture or the demo) gets its own database per backend, loaded
once per session through a writable engine; tests read it through the app's read-only one.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from queries.database import Database
from queries.schema import create_all, metadata

BACKENDS = ("sqlite", "postgresql", "mariadb")
_ENV = {"postgresql": "OVERSIGHT_TEST_PG_URL", "mariadb": "OVERSIGHT_TEST_MYSQL_URL"}
IN_CI = os.environ.get("CI", "").lower() == "true"
_loaded: dict[tuple[str, str], str] = {}
_unreachable: dict[str, str] = {}


# where this machine kind runs its servers (trust / empty password on 127.0.0.1): used
# when the variables are not set, so that `make test` runs everything the machine can
LOCAL_URLS = {"postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/oversight_test",
              "mariadb": "mysql+pymysql://root@127.0.0.1:3306/oversight_test"}


def _server_url(backend: str) -> URL:
    return make_url(os.environ.get(_ENV[backend]) or LOCAL_URLS[backend])


def _skip_or_fail(backend: str, reason: str):
    message = f"{backend} tests not run: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: the three databases are required)", pytrace=False)
    pytest.skip(message)


def needs(missing: str | None, what: str) -> None:
    """At a test module's top: when something it needs is missing (``missing`` says what,
    and how to install it), the module is skipped outside CI and fails in CI (CI=true),
    where ``what`` (e.g. "the end-to-end tests") is required."""
    if missing is None:
        return
    if IN_CI:
        pytest.fail(f"{missing} — CI=true: {what} are required", pytrace=False)
    pytest.skip(missing, allow_module_level=True)


CHROMIUM_MISSING = "Chromium is not installed (apt-get install -y chromium)"


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium, one per test module (e2e.browser)."""
    from e2e.browser import browser
    with browser() as b:
        yield b


def dataset_url(backend: str, dataset: str, tmp_dir: Path) -> str:
    """A database of its own for ``dataset`` on ``backend`` (created if missing)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / (dataset + '.sqlite')}"
    if backend in _unreachable:
        _skip_or_fail(backend, _unreachable[backend])
    base = _server_url(backend)
    name = f"{base.database or 'oversight_test'}_{dataset}"
    try:
        # administer from the server's own database: the base test database may not exist
        # (URL.set(database=None) would keep the name: _replace clears it for MariaDB)
        admin_url = base.set(database="postgres") if backend == "postgresql" else base._replace(database=None)
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if backend == "postgresql":
                exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                      {"n": name}).first()
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}` "
                                  "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        admin.dispose()
    except Exception as exc:  # the server does not answer
        _unreachable[backend] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        _skip_or_fail(backend, _unreachable[backend])
    return base.set(database=name).render_as_string(hide_password=False)


def load_rows(url: str, rows: dict[str, list[dict]]) -> None:
    """Replace every contract table at ``url`` with ``rows`` (missing columns are NULL)."""
    engine = create_engine(url)
    metadata.drop_all(engine)
    create_all(engine)
    with engine.begin() as conn:
        for table_name, table_rows in rows.items():
            if not table_rows:
                continue
            table = metadata.tables[table_name]
            full = [{c.name: r.get(c.name) for c in table.columns} for r in table_rows]
            unknown = {k for r in table_rows for k in r} - set(table.c.keys())
            assert not unknown, f"{table_name}: unknown columns {unknown}"
            conn.execute(table.insert(), full)
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def open_dataset(backend, tmp_path_factory) -> Callable[[str, Callable[[str], None]], Database]:
    """``open_dataset(name, loader)``: the dataset loaded once on this backend, opened the
    way the app opens it (read-only engine). ``loader(url)`` writes it."""
    tmp_dir = tmp_path_factory.getbasetemp()
    opened: dict[str, Database] = {}

    def open_(name: str, loader: Callable[[str], None]) -> Database:
        if name not in opened:
            url = dataset_url(backend, name, tmp_dir)
            if (backend, name) not in _loaded:
                loader(url)
                _loaded[(backend, name)] = url
            opened[name] = Database.open(url)
        return opened[name]

    yield open_
    for db in opened.values():
        db.engine.dispose()


def pytest_terminal_summary(terminalreporter):
    """One line at the end naming what did not run and why (a server that does not
    answer, Chromium missing), so a green run that skipped half the suite says so."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.write_line("NOT RUN: " + "; ".join(f"{n} tests: {r}" for r, n in sorted(reasons.items())),
                                    yellow=True, bold=True)


def pytest_report_header(config):
    lines = []
    for backend, env in _ENV.items():
        url = make_url(os.environ.get(env) or LOCAL_URLS[backend]).render_as_string(hide_password=True)
        lines.append(f"{backend}: {url} ({env} {'set' if os.environ.get(env) else 'not set: the local server'})")
    return lines


@pytest.fixture(autouse=True)
def own_sign_in_state(monkeypatch, tmp_path_factory):
    """Each test its own store of failed sign-ins and revoked cookies (ui.shared_state):
    a lock left by one test must not meet the next. Not in the test's tmp_path, whose
    files some tests list."""
    monkeypatch.setenv("OVERSIGHT_STATE_DB", str(tmp_path_factory.mktemp("state") / "state.sqlite"))


@pytest.fixture
def downloads(monkeypatch) -> list:
    """The callables handed to download buttons (built on click): call one to click."""
    made, original = [], MediaFileManager.add_deferred

    def capture(self, data_callable, *args, **kwargs):
        made.append(data_callable)
        return original(self, data_callable, *args, **kwargs)
    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    return made


@pytest.fixture
def demo_app(monkeypatch, tmp_path):
    """app.py on the demo database as a new server would run it: a cookie key, a fresh
    access log, no cached users or results (used by the AppTest modules)."""
    from app_driver import clear_server_caches
    from settings import DEMO_DB_PATH
    monkeypatch.setenv("OVERSIGHT_COOKIE_KEY", "test-cookie-key-" + "x" * 32)
    monkeypatch.setenv("OVERSIGHT_DB_URL", f"sqlite:///{DEMO_DB_PATH}")
    monkeypatch.setenv("OVERSIGHT_ACCESS_LOG", str(tmp_path / "access.log"))
    monkeypatch.setenv("OVERSIGHT_BOUNDARIES", "data/geo")
    clear_server_caches()
    yield
    clear_server_caches()


@pytest.fixture(scope="module")
def demo_db(open_dataset):
    """The demo generator's database on each backend (loaded once per session)."""
    from data.generate import write
    from test_demo_truths import demo
    return open_dataset("demo", lambda url: write(demo(), url))


@pytest.fixture(scope="module")
def demo_truth():
    """The truths the demo generator planted (its manifest)."""
    from test_demo_truths import demo
    return demo().manifest
