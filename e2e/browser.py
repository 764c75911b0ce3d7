"""Debian's Chromium driven by Playwright: sign in, open a page, record every request."""
from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH, HEIGHT = 1440, 1000


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is not installed: apt-get install -y chromium (make e2e-deps)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


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


def wait_for_app(page: Page, timeout_ms: int = 30_000, settle_ms: int = 800) -> None:
    """Until Streamlit has finished running: no 'running' indicator and the page's text
    unchanged for ``settle_ms`` (a run draws in several steps, the sign-in a moment late)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    last, stable_since = None, time.monotonic()
    while time.monotonic() < deadline:
        # the app's own mark (the status widget is not drawn with toolbarMode "minimal")
        running = page.query_selector("[data-testid='stApp'][data-test-script-state='running']") is not None
        text = page.inner_text("[data-testid='stMain']") if page.query_selector("[data-testid='stMain']") else ""
        if text != last or running or not text.strip():
            last, stable_since = text, time.monotonic()
        elif (time.monotonic() - stable_since) * 1000 >= settle_ms:
            return
        page.wait_for_timeout(100)
    raise TimeoutError("the page did not settle")


def main_text(page: Page) -> str:
    return page.inner_text("[data-testid='stMain']")


def visit(page: Page, url: str) -> str:
    """Open ``url``, wait until the app has settled, and return the page's main text."""
    page.goto(url)
    wait_for_app(page)
    return main_text(page)


def sign_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=退出登录", timeout=30_000)
    wait_for_app(page)
