"""Debian's Chromium driven by Playwright: sign in, open a page, wait until it has settled
(text, maps and charts drawn), look for error boxes, take full-page shots, record requests."""
from __future__ import annotations

import json
import logging
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from ui.access import ENTERING

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

# One look at the page: the run's state, the main area's text (its fingerprint), the placeholders of
# elements whose code is still loading (Streamlit draws a stSkeleton while a lazily loaded
# element such as plotly or deck.gl arrives: until then neither chart nor map is in the
# page), the visible charts (plotted once plotly has made its .js-plotly-plot) and the maps
# in the window (deck.gl draws only a canvas on screen), each canvas sampled at 48×32
# through a 2-D canvas (Chrome hands drawImage the WebGL canvas's last frame): the number
# of colours (1 = nothing drawn yet) and a hash (changes while deck.gl still draws).
_PROBE = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  const main = document.querySelector("[data-testid='stMain']");
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const onScreen = e => { const r = e.getBoundingClientRect();
    return shown(e) && r.top < window.innerHeight && r.bottom > 0; };
  const charts = [...document.querySelectorAll("%(chart)s")].filter(shown);
  const maps = [...document.querySelectorAll("%(map)s")].filter(onScreen).map(m => {
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
  // the text as its length and a hash: the whole text, every 100 ms, cost the test driver
  // more CPU than anything but the browser and the server
  const text = main ? main.innerText : ''; let th = 0;
  for (let i = 0; i < text.length; i++) th = (th * 31 + text.charCodeAt(i)) | 0;
  return {app: !!app, running: !!app && app.getAttribute('data-test-script-state') === 'running',
          entering: text.includes(%(entering)s),
          text: text.trim() ? `${text.length}:${th}` : '', charts: charts.length,
          loading: [...document.querySelectorAll("[data-testid='stSkeleton']")].filter(shown).length,
          plotted: charts.filter(c => c.querySelector('.js-plotly-plot')).length, maps};
}""" % {"chart": CHART, "map": MAP, "entering": json.dumps(ENTERING)}


def page_specs() -> tuple:
    """The app's pages (``ui.navigation.PAGES``), imported without Streamlit's warning, once
    per cached function, that its caches run outside a server (this process is none)."""
    from streamlit.logger import get_logger
    get_logger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    from ui.navigation import PAGES
    return PAGES


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


def new_tab(chromium: Browser, width: int = WIDTH, height: int = HEIGHT, **options) -> tuple[BrowserContext, Page]:
    """A new context (its own cookies: a new user's browser) with one tab; ``options`` for
    the context (e.g. ``ignore_https_errors`` behind the front server's own certificate)."""
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **options)
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
    return (state["app"] and not state["running"] and not state["entering"] and bool(state["text"].strip())
            and not state["loading"] and state["plotted"] == state["charts"] and maps_drawn)


def wait_for_app(page: Page, timeout_ms: int = 30_000, settle_ms: int = 800,
                 detail: dict[str, float] | None = None) -> float:
    """Until Streamlit has finished running and the page has settled: no 'running' mark,
    no element still loading, every visible plotly chart plotted, every map in the window
    drawn, and none of it (nor the main area's text) changed for ``settle_ms`` (a run draws
    in several steps, the sign-in a moment late, deck.gl a frame or more after its
    element). Returns the
    ``time.monotonic()`` of the last change seen: when the page reached its settled state.
    ``detail`` gets the time each part last changed: text, charts (and loading), maps."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    last: dict[str, str] = {}
    changed = dict.fromkeys(("text", "charts", "maps"), time.monotonic())
    state: dict = {}
    while time.monotonic() < deadline:
        state = page.evaluate(_PROBE)
        now = time.monotonic()
        parts = {"text": state["text"], "charts": f"{state['plotted']}/{state['charts']}/{state['loading']}",
                 "maps": json.dumps(state["maps"])}
        for name, value in parts.items():
            if last.get(name) != value:
                last[name], changed[name] = value, now
        settled_at = max(changed.values())
        if _ready(state) and (now - settled_at) * 1000 >= settle_ms:
            if detail is not None:
                detail.update(changed)
            return settled_at
        page.wait_for_timeout(100)
    raise TimeoutError(f"the page did not settle: running={state.get('running')}, "
                       f"{state.get('loading')} elements loading, "
                       f"charts {state.get('plotted')}/{state.get('charts')} plotted, "
                       f"maps (colours, hash) {state.get('maps')}, {page.url}")


def main_text(page: Page) -> str:
    return page.inner_text("[data-testid='stMain']")


def visit(page: Page, url: str) -> str:
    """Open ``url``, wait until the app has settled, and return the page's main text."""
    page.goto(url)
    wait_for_app(page)
    return main_text(page)


def submit_sign_in(page: Page, username: str, password: str | None = None) -> None:
    """Fill the sign-in form (a demo user's password by default) and press 登录."""
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or PASSWORDS[username])
    page.get_by_role("button", name="登录").click()


def sign_in(page: Page, username: str, password: str | None = None) -> None:
    """Sign in through the form and wait until the page has settled."""
    submit_sign_in(page, username, password)
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
        wait_for_app(page, settle_ms=500)       # maps come on screen and draw
    page.screenshot(path=str(path))
    if page.viewport_size != size:
        page.set_viewport_size(size)


def open_from_menu(page: Page, title: str, timeout_ms: int = 30_000,
                   detail: dict[str, float] | None = None) -> float:
    """Click the sidebar's menu entry ``title`` (the same session: no reload) and wait until
    that page has settled; returns when it settled (``time.monotonic()``)."""
    before = page.url
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(lambda url: url != before, timeout=timeout_ms)
    return wait_for_app(page, timeout_ms, detail=detail)
