"""A new load is noticed, and the views everyone opens first are computed ahead, once per
deployment (issue 14, part 5)."""
from __future__ import annotations

import multiprocessing
import shutil

import pytest
from sqlalchemy import create_engine, text
from streamlit.util import calc_hash

import queries.statements as statements
from app_driver import PASSWORDS, clear_server_caches, fresh_app, submit
from settings import DEMO_DB_PATH
from ui import data, shared_state, warm


@pytest.fixture
def demo_copy(monkeypatch, tmp_path):
    """A copy of the demo database the test may reload, the app pointed at it."""
    path = tmp_path / "reporting.sqlite"
    shutil.copy(DEMO_DB_PATH, path)
    monkeypatch.setenv("OVERSIGHT_DB_URL", f"sqlite:///{path}")
    monkeypatch.setenv("OVERSIGHT_COOKIE_KEY", "test-cookie-key-" + "x" * 32)
    monkeypatch.setenv("OVERSIGHT_ACCESS_LOG", str(tmp_path / "access.log"))
    clear_server_caches()
    warm.forget()
    yield path
    clear_server_caches()
    warm.forget()


def test_a_new_load_is_noticed(demo_copy, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_WARM_CACHE", "0")
    monkeypatch.setenv("OVERSIGHT_DATA_CHECK_S", "0")
    before = data.database()
    assert before.data_as_of.isoformat() == "2026-11-15"
    engine = create_engine(f"sqlite:///{demo_copy}")
    with engine.begin() as conn:                  # the nightly load: a new as-of day
        conn.execute(text("UPDATE meta SET value = '2026-11-16' WHERE key = 'data_as_of'"))
    engine.dispose()
    after = data.database()
    assert after.data_as_of.isoformat() == "2026-11-16" and after is not before
    assert data.database() is after               # unchanged since: the same database


def _statements(monkeypatch) -> list:
    seen: list = []
    original = statements.fetch_records
    monkeypatch.setattr(statements, "fetch_records", lambda engine, stmt: seen.append(stmt) or original(engine, stmt))
    return seen


@pytest.mark.parametrize("page", ["overview", "petitions", "rectification", "data"])
def test_after_warming_the_first_view_runs_no_figure_statement(demo_copy, monkeypatch, page):
    monkeypatch.setenv("OVERSIGHT_WARM_CACHE", "0")          # warmed here, in the foreground
    seconds = warm.warm(data.database())
    assert seconds > 0
    seen = _statements(monkeypatch)
    at = fresh_app()
    at._page_hash = calc_hash(page)
    submit(at, "leader", PASSWORDS["leader"]).run()
    assert not at.exception, at.exception
    if page == "data":            # 数据说明: its data-quality checks came from the cache
        assert at.dataframe and not seen, [str(s)[:80] for s in seen]
        return
    assert at.metric
    # the page's figures, breakdowns and trends all came from the cache; only its lists
    # (a user's own request, never computed ahead) may have queried
    assert all("LIMIT" in str(stmt).upper() for stmt in seen), [str(s)[:80] for s in seen]


def test_without_warming_the_first_view_queries(demo_copy, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_WARM_CACHE", "0")
    seen = _statements(monkeypatch)
    at = fresh_app()
    at._page_hash = calc_hash("overview")
    submit(at, "leader", PASSWORDS["leader"]).run()
    assert not at.exception and len(seen) >= 5


def _claim(path: str, job: str, out) -> None:
    import os
    os.environ["OVERSIGHT_STATE_DB"] = path
    out.put(shared_state.claim(job))


def test_one_process_of_the_deployment_warms(tmp_path, monkeypatch):
    path = str(tmp_path / "state.sqlite")
    monkeypatch.setenv("OVERSIGHT_STATE_DB", path)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claim, args=(path, "warm load-1", out)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    won = [out.get(timeout=10) for _ in procs]
    assert sorted(won) == [False, False, True]
    assert not shared_state.claim("warm load-1") and shared_state.claim("warm load-2")
