"""Driving app.py with Streamlit's AppTest: sign in as a demo user, with a URL's query."""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PASSWORDS = {"leader": "Leader@2026", "supervisor": "Supervisor@2026",
             "commission": "Commission@2026", "siming": "Siming@2026", "huli": "Huli@2026"}


def fresh_app(query: dict[str, str] | None = None) -> AppTest:
    """A new session (a new browser tab) on app.py, the URL carrying ``query``."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, username: str, password: str) -> AppTest:
    inputs = [t for t in at.text_input]
    inputs[0].input(username)
    inputs[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def signed_in(username: str, query: dict[str, str] | None = None) -> AppTest:
    """Signed in as a demo user; the run after the sign-in (in a browser, the cookie
    component's answer triggers it) draws the page."""
    at = submit(fresh_app(query), username, PASSWORDS[username])
    assert any("登录成功" in s.value for s in at.success), [e.value for e in at.error]
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything written on the page (markdown, titles, messages), for assertions."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption",
                                  "error", "warning", "info", "success")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def clear_server_caches() -> None:
    """Between tests: a new server (no shared user dict, no cached results)."""
    st.cache_resource.clear()
    st.cache_data.clear()
