"""Through the front server (deploy/, issue 14, part 3): nginx with TLS in front of two app
processes, in Chromium. Signed out nothing leaks; every response carries the security
headers; Streamlit's internal routes are closed; a signed-in session works over the
proxied websocket, on one process (sticky), under the Content-Security-Policy; nothing
asks another host.

Outside CI these tests skip (with the reason) when Chromium or nginx is missing; in CI
they must run.
"""
from __future__ import annotations

import os
import re
import shutil

import pytest

from deploy.serve import deployment, free_port
from conftest import CHROMIUM_MISSING, needs
from e2e.browser import PASSWORDS, RequestLog, chromium_path, counts, error_boxes, main_text, new_tab, open_from_menu, sign_in, wait_for_app
from settings import DEMO_DB_PATH

needs(CHROMIUM_MISSING if chromium_path() is None
      else "nginx is not installed (apt-get install -y nginx)" if shutil.which("nginx") is None
      and not os.path.exists("/usr/sbin/nginx") else None, "the end-to-end tests")

HEADERS = {"x-frame-options": "SAMEORIGIN", "x-content-type-options": "nosniff",
           "referrer-policy": "no-referrer"}
DATA_MARKERS = ["漏保人数", "重复信访事项", "思明区", "演示数据", "统计截至", "退出登录"]


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    run = tmp_path_factory.mktemp("front")
    os.environ.setdefault("OVERSIGHT_DB_URL", f"sqlite:///{DEMO_DB_PATH}")
    with deployment(2, free_port(), free_port(), run) as base:
        yield base, run


def _tab(chromium):
    context, page = new_tab(chromium, ignore_https_errors=True)     # the demo's own certificate
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return context, page, RequestLog(page), violations


def test_signed_out_nothing_leaks_and_the_headers_are_there(chromium, front):
    base, _run = front
    context, page, log, violations = _tab(chromium)
    try:
        response = page.goto(base + "/overview?scope=350203")
        wait_for_app(page, 60_000)
        headers = response.headers
        for name, value in HEADERS.items():
            assert headers.get(name) == value, (name, headers.get(name))
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "http" not in csp
        text = page.inner_text("body")
        assert "用户登录" in text and not [m for m in DATA_MARKERS if m in text], text[:300]
        assert log.foreign("127.0.0.1") == [] and violations == []
        for route in ("/_stcore/metrics", "/_stcore/upload_file/x/y", "/_stcore/agent/openapi.json",
                      "/_stcore/script-health-check", "/auth/login"):
            closed = page.request.get(base + route)
            assert closed.status == 404, (route, closed.status)
            assert closed.headers.get("x-frame-options") == "SAMEORIGIN", route
        # Streamlit's scripts come from nginx itself (deploy.serve.static_location), with the
        # same headers and cached for good (Streamlit's own answer says max-age=31536000)
        index = page.request.get(base + "/").text()
        script = re.search(r'src="\./(static/js/index\.[\w-]+\.js)"', index).group(1)
        served = page.request.get(f"{base}/{script}")
        assert served.status == 200 and "javascript" in served.headers["content-type"]
        assert served.headers.get("cache-control") == "max-age=315360000", served.headers
        for name, value in HEADERS.items():
            assert served.headers.get(name) == value, (name, served.headers.get(name))
    finally:
        context.close()


def test_http_is_sent_to_https(front):
    import urllib.request
    base, run = front
    http_port = (run / "nginx.conf").read_text().split("listen 127.0.0.1:")[1].split(";")[0]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.request.HTTPError) as moved:
        opener.open(f"http://127.0.0.1:{http_port}/overview", timeout=5)
    assert moved.value.code == 301 and moved.value.headers["Location"] == f"{base}/overview"


def test_a_session_through_the_front_server(chromium, front):
    base, run = front
    context, page, log, violations = _tab(chromium)
    try:
        page.goto(base + "/")
        wait_for_app(page, 60_000)
        sign_in(page, "commission")
        assert counts(page)["maps"] >= 1 and counts(page)["charts"] >= 1, counts(page)
        open_from_menu(page, "重复信访")
        assert "重复信访" in main_text(page) and not error_boxes(page)
        assert log.foreign("127.0.0.1") == [] and violations == [], violations[:3]
        assert any(url.startswith("wss://127.0.0.1") for url in log.urls)      # the websocket, proxied
        route = next(c["value"] for c in context.cookies() if c["name"] == "oversight_route")
        assert route
    finally:
        context.close()
    # sticky: every request of this browser (its route cookie) went to one app process
    served = {line.split()[-2] for line in (run / "access.log").read_text().splitlines()
              if line.endswith(f"route={route}") and line.split()[-2] != "-"}
    assert len(served) == 1, served


def test_the_load_benchmarks_client_speaks_the_apps_protocol(front):
    """bench/stclient.py (the load benchmark's simulated user: Streamlit's own websocket
    messages, no browser) through the front server: it signs in by the form's widget ids,
    a page it opens settles with the page's charts and map, and what a user would see as
    an error it counts as one — a wrong password, a page outside the role."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bench.stclient import Session

    async def visit() -> dict:
        out = {}
        refused = Session(front[0])
        await refused.open()
        out["wrong password"] = (await refused.sign_in("siming", "not-the-password")).errors
        await refused.close()
        user = Session(front[0])
        await user.open()
        out["sign-in"] = (await user.sign_in("siming", PASSWORDS["siming"])).errors
        clues = await user.request("clues")
        out["clues"] = clues.errors, {s.kind for s in clues.shown}
        out["briefing"] = (await user.request("briefing")).errors
        await user.close()
        return out

    # in a thread of its own: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(lambda: asyncio.run(visit())).result()
    assert seen["wrong password"] == ["用户名或密码错误。"]
    assert seen["sign-in"] == []
    errors, kinds = seen["clues"]
    assert errors == [] and {"plotly_chart", "deck_gl_json_chart", "metric"} <= kinds, kinds
    assert seen["briefing"] == ["您的角色（区级用户）无权查看“季度简报”页面。请从左侧菜单选择其他页面。"]
