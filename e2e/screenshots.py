"""``make screenshots``: PNGs of the pages, taken in Debian's Chromium on a fresh server
with the demo database, into ``screenshots/`` (ignored by git).

- the pages of ``--pages`` (default 总览 and 应保尽保) for the city, a district and a
  township, at every size of ``--sizes``: ``overview_city_1440.png``,
  ``coverage_township_1920.png`` …
- the other pages for the city and the district at the first size only (``--no-others``
  leaves them out), and the sign-in form (``sign_in_1440.png``).

Every shot is the whole page (Streamlit scrolls inside the window: e2e/browser.py), taken once the
page has settled: the run finished, maps drawn, charts plotted.

    python -m e2e.screenshots [--out screenshots] [--user commission] [--pages overview,coverage]
                              [--sizes 1440x900,1920x1080] [--district 350212]
                              [--township 350212109] [--period campaign] [--no-others]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from playwright.sync_api import Page

from e2e.browser import (PASSWORDS, RequestLog, browser, error_boxes, full_page_screenshot, new_tab,
                         page_specs, sign_in, wait_for_app)
from e2e.server import ROOT, running_app
from settings import DEMO_DB_PATH

PAGES = page_specs()

CITY_USERS = ("leader", "supervisor", "commission")      # the district and township below are 同安区's


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="full-page screenshots of the dashboard's pages")
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--user", default="commission", choices=CITY_USERS)
    parser.add_argument("--pages", default="overview,coverage",
                        help="url paths shot at every size and scope (comma-separated)")
    parser.add_argument("--sizes", default="1440x900,1920x1080", help="window sizes, WIDTHxHEIGHT")
    parser.add_argument("--district", default="350212", help="同安区")
    parser.add_argument("--township", default="350212109", help="汀溪镇")
    parser.add_argument("--period", default="campaign")
    parser.add_argument("--no-others", dest="others", action="store_false",
                        help="leave out the other pages' city and district shots")
    args = parser.parse_args(argv)
    args.pages = [p for p in args.pages.split(",") if p]
    known = [spec.url_path for spec in PAGES]
    unknown = [p for p in args.pages if p not in known]
    if unknown:
        parser.error(f"unknown page(s) {unknown}; known: {', '.join(known)}")
    args.sizes = [_size(s) for s in args.sizes.split(",") if s]
    return args


def shots(args: argparse.Namespace) -> list[tuple[str, str, tuple[int, int]]]:
    """(url_path, scope label, size) of every page shot, in the order taken (by size, so
    the window is resized once per size)."""
    scopes = ("city", "district", "township")
    out = [(p, s, size) for size in args.sizes for p in args.pages for s in scopes]
    if args.others:
        out += [(spec.url_path, s, args.sizes[0]) for spec in PAGES
                if spec.url_path not in args.pages for s in scopes[:2]]
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    queries = {"city": f"period={args.period}", "district": f"period={args.period}&scope={args.district}",
               "township": f"period={args.period}&scope={args.township}"}
    env = {"OVERSIGHT_DB_URL": f"sqlite:///{DEMO_DB_PATH}", "OVERSIGHT_ACCESS_LOG": str(out / "access.log")}
    started, taken, problems = time.monotonic(), [], []
    with running_app(env) as base, browser() as chromium:
        width, height = args.sizes[0]
        context, page = new_tab(chromium, width, height)
        log = RequestLog(page)
        page.goto(base + "/")
        wait_for_app(page)
        taken.append(_shoot(page, out / f"sign_in_{width}.png", problems))
        sign_in(page, args.user, PASSWORDS[args.user])
        for url_path, scope, (width, height) in shots(args):
            if page.viewport_size != {"width": width, "height": height}:
                page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/{url_path}?{queries[scope]}")
            wait_for_app(page)
            taken.append(_shoot(page, out / f"{url_path}_{scope}_{width}.png", problems))
        context.close()
    problems += [f"request to another host: {url}" for url in log.foreign("127.0.0.1")]
    print(f"{len(taken)} PNGs in {time.monotonic() - started:.0f} s (server start included)")
    print(*problems, sep="\n")
    return 1 if problems else 0


def _shoot(page: Page, path: Path, problems: list[str]) -> Path:
    full_page_screenshot(page, path)
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path, flush=True)
    problems += [f"{path.name}: error box: {text[:200]}" for text in error_boxes(page)]
    return path


if __name__ == "__main__":
    raise SystemExit(main())
