"""Debian's Chromium driven by Playwright: sign in, open a page, wait until it has settled
(text, maps and charts drawn), look for error boxes, take full-page shots, record requests."""
from __future__ import annotations

import json
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH, HEIGHT = 1440, 900
# the demo's users (config/demo-users.yaml; README, 演示账号)
PASSWORDS = {"leader": "Leader@2026", "supervisor": "Supervisor@2026", "commission": "Commission@2026",
             "siming": "Siming@2026", "huli": "Huli@2026"}
MAP = "[data-testid='stDeckGlJsonChart']"
CHART = "[data-testid='stPlotlyChart']"
# st.exception / an uncaught error, and st.error (Streamlit 1.67 draws every st.error/
# warning/info/success as stAlert > stAlertContainer > stAlertContent<Kind>)
ERROR_BOXES = "[data-testid='stException'], [data-testid='stAlert']:has([data-testid='stAlertContentError'])"

# One look at the page: the run's state, the main area's text, the visible charts (plotted
# when plotly has made its .js-plotly-plot) and each visible map's canvas, sampled at
# 48×32 through a 2-D canvas (Chrome hands drawImage the WebGL canvas's last frame): the
# number of colours (1 = nothing drawn yet) and a hash (changes while deck.gl still draws).
_PROBE = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  const main = document.querySelector("[data-testid='stMain']");
  const shown = e => e.getClientRects().length > 0;
  const charts = [...document.querySelectorAll("%(chart)s")].filter(shown);
  const maps = [...document.querySelectorAll("%(map)s")].filter(shown).map(m => {
    const c = m.querySelector('canvas');
    if (!c || !c.width || !c.height) return [0, 0];
    const s = document.createElement('canvas'); s.width = 48; s.height = 32;
    const x = s.getContext('2d'); x.drawImage(c, 0, 0, 48, 32);
    const d = x.getImageData(0, 0, 48, 32).data; const seen = new Set(); let h = 0;
    for (let i = 0; i < d.length; i += 4) {
      const v = ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
      seen.add(v); h = (h * 31 + v) | 0;
    }
    return [seen.size, h];
  });
  return {app: !!app, running: !!app && app.getAttribute('data-test-script-state') === 'running',
          text: main ? main.innerText : '', charts: charts.length,
          plotted: charts.filter(c => c.querySelector('.js-plotly-plot')).length, maps};
}""" % {"chart": CHART, "map": MAP}


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is not installed: apt-get install -y chromium (make browser)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def new_tab(chromium: Browser, width: int = WIDTH, height: int = HEIGHT) -> tuple[BrowserContext, Page]:
    """A new context (its own cookies: a new user's browser) with one tab."""
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    return context, context.new_page()


class RequestLog:
    """Every request a page makes (the hosts it talks to)."""

    def __init__(self, page: Page):
        self.urls: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("websocket", lambda ws: self.urls.append(ws.url))

    def foreign(self, allowed_host: str) -> list[str]:
        """Requests to any host other than ``allowed_host`` (data: and blob: are local)."""
        out = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname != allowed_host:
                out.append(url)
        return out


def _ready(state: dict) -> bool:
    maps_drawn = all(colours > 1 for colours, _ in state["maps"])
    return (state["app"] and not state["running"] and bool(state["text"].strip())
            and state["plotted"] == state["charts"] and maps_drawn)


def wait_for_app(page: Page, timeout_ms: int = 30_000, settle_ms: int = 800) -> float:
    """Until Streamlit has finished running and the page has settled: no 'running' mark,
    every visible plotly chart plotted, every visible map's canvas drawn, and none of it
    (nor the main area's text) changed for ``settle_ms`` (a run draws in several steps, the
    sign-in a moment late, deck.gl a frame or more after its element). Returns the
    ``time.monotonic()`` of the last change seen: when the page reached its settled state."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    last, changed_at, state = None, time.monotonic(), {}
    while time.monotonic() < deadline:
        state = page.evaluate(_PROBE)
        now = time.monotonic()
        signature = json.dumps([state["text"], state["charts"], state["plotted"], state["maps"]])
        if signature != last:
            last, changed_at = signature, now
        elif _ready(state) and (now - changed_at) * 1000 >= settle_ms:
            return changed_at
        page.wait_for_timeout(100)
    raise TimeoutError(f"the page did not settle: running={state.get('running')}, "
                       f"charts {state.get('plotted')}/{state.get('charts')} plotted, "
                       f"maps (colours, hash) {state.get('maps')}, {page.url}")


def main_text(page: Page) -> str:
    return page.inner_text("[data-testid='stMain']")


def visit(page: Page, url: str) -> str:
    """Open ``url``, wait until the app has settled, and return the page's main text."""
    page.goto(url)
    wait_for_app(page)
    return main_text(page)


def sign_in(page: Page, username: str, password: str | None = None) -> None:
    """Fill the sign-in form (a demo user's password by default) and wait for the page."""
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or PASSWORDS[username])
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=退出登录", timeout=30_000)
    wait_for_app(page)


def error_boxes(page: Page) -> list[str]:
    """The text of every error box on the page (an exception, or st.error)."""
    return [e.inner_text() for e in page.query_selector_all(ERROR_BOXES)]


def counts(page: Page) -> dict[str, int]:
    """How many maps (with a canvas) and plotly charts the page shows."""
    return {"maps": len(page.query_selector_all(f"{MAP} canvas")),
            "charts": len(page.query_selector_all(f"{CHART} .js-plotly-plot"))}


def full_page_screenshot(page: Page, path: str | Path) -> None:
    """The whole page, not only the window: Streamlit scrolls its main area (and the
    sidebar) inside a window-high box, so Playwright's ``full_page`` shows only the
    window. The window is made as tall as the content for the shot, then put back."""
    size = page.viewport_size
    for _ in range(3):          # a taller window may lay out a little differently: re-measure
        height = page.evaluate("""() => Math.max(...['stMain', 'stSidebarContent'].map(id =>
            (document.querySelector(`[data-testid='${id}']`) || {}).scrollHeight || 0))""")
        current = page.viewport_size["height"]
        if height <= current:
            break
        page.set_viewport_size({"width": size["width"], "height": height})
        wait_for_app(page, settle_ms=300)       # the maps redraw at the new size
    page.screenshot(path=str(path))
    if page.viewport_size != size:
        page.set_viewport_size(size)


def open_from_menu(page: Page, title: str, timeout_ms: int = 30_000) -> float:
    """Click the sidebar's menu entry ``title`` (the same session: no reload) and wait until
    that page has settled; returns when it settled (``time.monotonic()``)."""
    before = page.url
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(lambda url: url != before, timeout=timeout_ms)
    return wait_for_app(page, timeout_ms)
