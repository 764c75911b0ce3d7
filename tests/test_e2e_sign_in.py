"""The sign-in cookie in Chromium, against two app processes that share one state store
and one cookie key, as behind the front server (issue 14, part 2):

- a cookie signed with another algorithm (``alg=none``, HS512) or of an account no longer
  in the user file clears itself and leaves the sign-in form, never an error or a page
  stuck on 登录状态已失效;
- signing out revokes the cookie on the server: a copy in another browser stops working,
  on the other process too.

Outside CI these tests skip (with the reason) when Chromium is missing; in CI they must run.
"""
from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from conftest import CHROMIUM_MISSING, needs
from e2e.browser import chromium_path, error_boxes, main_text, new_tab, sign_in, wait_for_app
from e2e.server import running_app
from settings import DEMO_DB_PATH

COOKIE = "oversight_auth"                        # config/demo-users.yaml, cookie.name
KEY = "e2e-shared-cookie-key-" + "k" * 48     # 70 bytes: long enough for HS512 too

needs(CHROMIUM_MISSING if chromium_path() is None else None, "the end-to-end tests")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two app processes on one state store and one cookie key."""
    tmp = tmp_path_factory.mktemp("sign_in")
    env = {"OVERSIGHT_DB_URL": f"sqlite:///{DEMO_DB_PATH}", "OVERSIGHT_ACCESS_LOG": str(tmp / "access.log"),
           "OVERSIGHT_STATE_DB": str(tmp / "state.sqlite"), "OVERSIGHT_COOKIE_KEY": KEY}
    with running_app(env) as first, running_app(env) as second:
        yield first, second


def _token(username: str, algorithm: str = "HS256", key: str = KEY) -> str:
    claims = {"username": username, "exp_date": time.time() + 3600}
    if algorithm == "none":
        part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
        return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
    return jwt.encode(claims, key, algorithm=algorithm)


def _cookie_value(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == COOKIE), None)


def _open_with(chromium, base: str, token: str):
    context, page = new_tab(chromium)
    context.add_cookies([{"name": COOKIE, "value": token, "url": base}])
    page.goto(base + "/")
    wait_for_app(page, 60_000)
    return context, page


def _shows_the_form(page) -> bool:
    page.wait_for_selector("text=用户登录", timeout=30_000)
    return "退出登录" not in page.inner_text("body")


@pytest.mark.parametrize("how", ["alg=none", "HS512", "removed account", "another key"])
def test_a_cookie_that_may_not_sign_in_clears_itself(chromium, servers, how):
    base = servers[0]
    token = {"alg=none": lambda: _token("leader", "none"),
             "HS512": lambda: _token("leader", "HS512"),
             "removed account": lambda: _token("left-the-bureau"),
             "another key": lambda: _token("leader", key="x" * 48)}[how]()
    context, page = _open_with(chromium, base, token)
    try:
        assert _shows_the_form(page), how
        assert not error_boxes(page), (how, error_boxes(page))
        page.wait_for_function("() => !document.cookie.includes('oversight_auth=')", timeout=15_000)
        assert _cookie_value(context) is None, how
        page.reload()                           # and the next load is a plain sign-in page
        wait_for_app(page)
        assert _shows_the_form(page) and "登录状态已失效" not in main_text(page), how
    finally:
        context.close()


def test_a_good_cookie_still_signs_in_on_either_process(chromium, servers):
    for base in servers:
        context, page = _open_with(chromium, base, _token("supervisor"))
        try:
            page.wait_for_selector("text=退出登录", timeout=30_000)
        finally:
            context.close()


def test_signing_out_revokes_every_copy_of_the_cookie(chromium, servers):
    first, second = servers
    context, page = new_tab(chromium)
    page.goto(first + "/")
    wait_for_app(page, 60_000)
    sign_in(page, "leader")
    copied = _cookie_value(context)
    assert copied, "no sign-in cookie was set"
    # a copy works, in another browser, on the other process
    thief, thief_page = _open_with(chromium, second, copied)
    thief_page.wait_for_selector("text=退出登录", timeout=30_000)
    thief.close()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_selector("text=用户登录", timeout=30_000)
    context.close()
    for base in (first, second):
        thief, thief_page = _open_with(chromium, base, copied)
        try:
            assert _shows_the_form(thief_page), base
            assert not error_boxes(thief_page)
        finally:
            thief.close()


def test_the_warmed_cache_is_every_process_s(chromium, tmp_path):
    """One process warms the first views after a load (ui.warm); the other, which never
    warms (the load is claimed), reads them from the shared disk cache."""
    home = tmp_path / "home"            # the servers' own ~/.streamlit/cache
    env = {"OVERSIGHT_DB_URL": f"sqlite:///{DEMO_DB_PATH}", "OVERSIGHT_ACCESS_LOG": str(tmp_path / "access.log"),
           "OVERSIGHT_STATE_DB": str(tmp_path / "state.sqlite"), "OVERSIGHT_COOKIE_KEY": KEY, "HOME": str(home)}
    second_log = tmp_path / "second.log"
    with running_app(env) as first, running_app({**env, "OVERSIGHT_E2E_SERVER_LOG": str(second_log)},
                                                extra_args=["--logger.level", "debug"]) as second:
        context, page = new_tab(chromium)
        page.goto(first + "/")
        wait_for_app(page, 60_000)
        sign_in(page, "leader")                          # the first process sees the load: it warms
        cache = home / ".streamlit" / "cache"
        counts, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:               # until the warming has written its last result
            counts.append(len(list(cache.glob("*.memo"))) if cache.is_dir() else 0)
            if len(counts) > 6 and counts[-1] > 20 and len(set(counts[-6:])) == 1:
                break
            time.sleep(0.5)
        context.close()
        context, page = new_tab(chromium)
        page.goto(second + "/")
        wait_for_app(page, 60_000)
        sign_in(page, "leader")
        context.close()
    hits = second_log.read_text(encoding="utf-8", errors="replace").count("Disk cache HIT")
    # 总览 asks four shared caches (its figures, trends, warnings, problem index): all from disk
    assert counts[-1] > 20 and hits >= 4, (counts[-6:], hits)
