"""``make screenshots``: a PNG of every page, for the city and one district, into
``screenshots/`` (ignored by git), taken in Debian's Chromium on a fresh server.

    python -m e2e.screenshots [--out screenshots] [--user commission] [--district 350203]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from e2e.browser import HEIGHT, WIDTH, RequestLog, browser, sign_in, wait_for_app
from e2e.server import ROOT, running_app
from settings import DEMO_DB_PATH
from ui.navigation import PAGES

PASSWORDS = {"commission": "Commission@2026", "leader": "Leader@2026", "supervisor": "Supervisor@2026"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="screenshots of every page")
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--user", default="commission", choices=sorted(PASSWORDS))
    parser.add_argument("--district", default="350203")
    parser.add_argument("--period", default="campaign")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {"OVERSIGHT_DB_URL": f"sqlite:///{DEMO_DB_PATH}", "OVERSIGHT_ACCESS_LOG": str(out / "access.log")}
    with running_app(env) as base, browser() as chromium:
        page = chromium.new_page(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
        log = RequestLog(page)
        page.goto(base + "/")
        wait_for_app(page)
        page.screenshot(path=str(out / "00_sign_in.png"))
        sign_in(page, args.user, PASSWORDS[args.user])
        for n, spec in enumerate(PAGES, start=1):
            for label, query in (("city", f"period={args.period}"),
                                 (f"district_{args.district}", f"period={args.period}&scope={args.district}")):
                page.goto(f"{base}/{spec.url_path}?{query}")
                wait_for_app(page)
                path = out / f"{n:02d}_{spec.url_path}_{label}.png"
                page.screenshot(path=str(path), full_page=True)
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    foreign = log.foreign("127.0.0.1")
    if foreign:
        print("requests to other hosts:", *foreign, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
