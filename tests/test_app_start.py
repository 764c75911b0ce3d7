"""After sign-in the app opens the database as the dashboard will, and says in Chinese
what is wrong when it cannot — never a stack trace, and the app keeps running."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from app_driver import PASSWORDS, fresh_app, submit, texts
from conftest import load_rows

ROWS = {
    "region": [dict(code="350200", name="厦门市", level="city"),
               dict(code="350203", name="思明区", level="district", parent_code="350200"),
               dict(code="350203001", name="厦港街道", level="township", parent_code="350203")],
    "meta": [dict(key="data_as_of", value="2026-11-15"), dict(key="source_note", value="demo")],
}


# a new server on the demo app (conftest); each test points it at its own database
pytestmark = pytest.mark.usefixtures("demo_app")


def _run(monkeypatch, url: str):
    monkeypatch.setenv("OVERSIGHT_DB_URL", url)
    at = submit(fresh_app(), "leader", PASSWORDS["leader"])
    at.run()
    assert not at.exception, at.exception
    return at


def test_demo_database_is_announced(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'ok.sqlite'}"
    load_rows(url, ROWS)
    at = _run(monkeypatch, url)
    # no campaign in this database: the default period is the latest quarter, cut short
    assert "厦门市 · 2026年第4季度 · 统计截至 2026-11-15" in texts(at)
    assert "数据更新至" not in texts(at)          # the quarter's as-of day is the data's last day
    assert "演示数据" in texts(at)


def test_missing_database_file(monkeypatch, tmp_path):
    at = _run(monkeypatch, f"sqlite:///{tmp_path / 'absent.sqlite'}")
    assert "找不到报表库文件" in at.error[0].value
    assert "absent.sqlite" not in texts(at)            # the path is in the server log only


def test_contract_violation_names_what_is_missing(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'broken.sqlite'}"
    load_rows(url, ROWS)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE clue"))
    engine.dispose()
    at = _run(monkeypatch, url)
    message = at.error[0].value
    assert "不符合数据契约" in message and "clue" in message


def test_unreachable_server(monkeypatch):
    # a port nothing listens on: the page says so in Chinese and keeps running
    at = _run(monkeypatch, "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    assert "无法连接报表库" in at.error[0].value
    assert "Traceback" not in at.error[0].value
    # the address (user, host, port, database) goes to the server log, never to users
    shown = texts(at)
    assert not any(part in shown for part in ("nobody", "127.0.0.1", ":9", "/none")), shown
