"""How fast the pages are as a user meets them, on the demo database (issue 9, Speed).
Not a test: a table of figures for the README.

    python -m bench.browser [--tries 3] [--user commission]

In Debian's Chromium on a fresh server (e2e/): (a) a fresh tab (a new browser context)
until the sign-in form is visible; (b) from the click on 登录 until 总览 has settled;
(c) a click on the menu from 总览 until 应保尽保 has settled, and back. "Settled" = the
run finished, maps drawn, charts plotted, and nothing changed since (e2e/browser.py
``wait_for_app``); the time is that of the last change, not of the end of the quiet spell.
Each try is a new tab on the same server, so the first try of (a) pays the server's
first run (its imports) and the first of (b) and (c) the empty result cache.

Beside them, in the same run, the floors of this browser on this machine: a bare Streamlit
page with nothing of ours (``FLOOR_APP``): a fresh tab until its sign-in form shows, and
登录 until the next page, one plotly chart and one pydeck polygon, has settled. A page of
ours can be no faster than these.

Then (d), with Streamlit's AppTest in this process (after the server has stopped): each
page's ``render(view)`` alone, cold (``st.cache_data`` cleared: every figure queried) and
warm (the next run), with the imports, the database connection and the boundaries loaded.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from e2e.browser import PASSWORDS, browser, new_tab, open_from_menu, page_specs, wait_for_app
from e2e.server import running_app
from settings import DEMO_DB_PATH

# issue 9, Speed: seconds
TARGETS = {"form": 1.0, "sign_in": 1.5, "menu": 2.0, "cold": 1.0, "warm": 0.1}
CITY_USERS = ("leader", "supervisor", "commission")


def browser_timings(tries: int, user: str) -> tuple[dict[str, list[float]], dict[str, dict[str, list[float]]]]:
    """(a)–(c): seconds per try, on one fresh server; and for (b) and (c) when each part
    of the page last changed (seconds after the click): where the time goes."""
    out: dict[str, list[float]] = {"form": [], "sign_in": [], "to_coverage": [], "to_overview": []}
    parts: dict[str, dict[str, list[float]]] = {k: {} for k in ("sign_in", "to_coverage", "to_overview")}
    env = {"OVERSIGHT_DB_URL": f"sqlite:///{DEMO_DB_PATH}", "OVERSIGHT_ACCESS_LOG": os.devnull}
    with running_app(env) as base, browser() as chromium:
        for _ in range(tries):
            context, page = new_tab(chromium)
            out["form"].append(_time_to_form(page, base))
            page.get_by_label("用户名").fill(user)
            page.get_by_label("密码").fill(PASSWORDS[user])
            start, detail = time.monotonic(), {}
            page.get_by_role("button", name="登录").click()
            page.wait_for_selector("text=退出登录", timeout=60_000)
            detail["signed_in"] = time.monotonic()       # the server has signed the user in
            out["sign_in"].append(wait_for_app(page, 60_000, detail=detail) - start)
            _add(parts["sign_in"], detail, start)
            for key, title in (("to_coverage", "应保尽保"), ("to_overview", "总览")):
                start, detail = time.monotonic(), {}
                out[key].append(open_from_menu(page, title, 60_000, detail=detail) - start)
                _add(parts[key], detail, start)
            context.close()
    return out, parts


# the floors: Streamlit alone: a sign-in form, then a page with one plotly chart and one
# pydeck polygon (the two lazily loaded chunks and the WebGL start every page of ours pays)
FLOOR_APP = """
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st
st.set_page_config(page_title="floor", layout="wide")
if not st.session_state.get("in"):
    with st.form("f"):
        st.text_input("用户名")
        st.text_input("密码", type="password")
        if st.form_submit_button("登录"):
            st.session_state["in"] = True
            st.rerun()
    st.stop()
st.title("已登录")
st.plotly_chart(go.Figure(go.Bar(x=[3, 2, 1], y=["甲", "乙", "丙"], orientation="h")))
ring = [[118.0, 24.4], [118.2, 24.4], [118.2, 24.6], [118.0, 24.4]]
feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {}}
layer = pdk.Layer("GeoJsonLayer", [feature], stroked=True, filled=True,
                  get_fill_color=[200, 30, 30, 200], get_line_color=[0, 0, 0])
st.pydeck_chart(pdk.Deck(layers=[layer], map_provider=None,
                         initial_view_state=pdk.ViewState(latitude=24.5, longitude=118.1, zoom=9)),
                height=400)
"""


def floor_timings(tries: int) -> dict[str, list[float]]:
    """The bare page's times, seconds per try: a fresh tab to the form; 登录 to the next
    page settled (its chart plotted and its map drawn, as ours are waited for)."""
    out: dict[str, list[float]] = {"form": [], "sign_in": []}
    with tempfile.TemporaryDirectory() as folder, browser() as chromium:
        script = Path(folder, "floor_app.py")
        script.write_text(FLOOR_APP, encoding="utf-8")
        with running_app(script=script) as base:
            for _ in range(tries):
                context, page = new_tab(chromium)
                out["form"].append(_time_to_form(page, base))
                start = time.monotonic()
                page.get_by_role("button", name="登录").click()
                page.get_by_text("已登录").wait_for(state="visible", timeout=60_000)
                out["sign_in"].append(wait_for_app(page, 60_000) - start)
                context.close()
    return out


def _time_to_form(page, base: str) -> float:
    """Seconds from opening ``base`` in ``page`` until its sign-in form shows; then waits
    until the page has settled (not counted)."""
    start = time.monotonic()
    page.goto(base + "/")
    page.get_by_label("密码").wait_for(state="visible", timeout=60_000)
    seconds = time.monotonic() - start
    wait_for_app(page)
    return seconds


def _add(parts: dict[str, list[float]], detail: dict[str, float], start: float) -> None:
    for name, at in detail.items():
        parts.setdefault(name, []).append(at - start)


def render_timings(tries: int, user: str) -> dict[str, dict[str, list[float]]]:
    """(d): each page's render() alone, cold and warm, in seconds per try, by url_path."""
    os.environ["OVERSIGHT_DB_URL"] = f"sqlite:///{DEMO_DB_PATH}"
    os.environ["OVERSIGHT_ACCESS_LOG"] = os.devnull
    os.environ.setdefault("OVERSIGHT_COOKIE_KEY", "bench-cookie-key-" + "x" * 32)
    from streamlit.logger import get_logger

    from ui import navigation

    seconds: list[float] = []
    original = navigation._runner

    def timed_runner(spec, render, view_for):
        # app.py builds the navigation on every run: each page's render is wrapped here
        def timed(view) -> None:
            start = time.perf_counter()
            render(view)
            seconds.append(time.perf_counter() - start)
        return original(spec, timed, view_for)

    navigation._runner = timed_runner
    # AppTest's sessions print the sign-in library's cookie complaints and Streamlit's
    # bare-mode warnings: not figures
    get_logger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return _render_runs(tries, user, seconds)
    finally:
        navigation._runner = original


def _render_runs(tries: int, user: str, seconds: list[float]) -> dict[str, dict[str, list[float]]]:
    import streamlit as st
    from streamlit.util import calc_hash

    from tests.app_driver import clear_server_caches, signed_in

    clear_server_caches()
    at = signed_in(user)                  # imports, database, boundaries: loaded
    out = {}
    for spec in page_specs():
        at._page_hash = calc_hash(spec.url_path)         # the page at /<url_path>
        out[spec.url_path] = {"cold": [], "warm": []}
        for _ in range(tries):
            for kind in ("cold", "warm"):
                if kind == "cold":
                    st.cache_data.clear()
                seconds.clear()
                at.run()
                if at.exception or len(seconds) != 1:
                    raise RuntimeError(f"{spec.url_path}: {at.exception or 'render did not run'}")
                out[spec.url_path][kind].append(seconds[0])
    return out


def _row(label: str, target: float, values: list[float]) -> str:
    tries = " · ".join(f"{v:.2f}" for v in values)
    median = statistics.median(values)
    mark = "✓" if median < target else "✗"
    return (f"| {label} | < {target:g} s | {tries} | {median:.2f} {mark} | "
            f"{min(values):.2f}–{max(values):.2f} |")


def table(browser_s: dict[str, list[float]], render_s: dict[str, dict[str, list[float]]]) -> str:
    titles = {spec.url_path: spec.title for spec in page_specs()}
    lines = ["| measure | target | tries (s) | median | range |", "|---|---|---|---|---|"]
    if browser_s:
        lines += [_row("(a) new tab → sign-in form visible", TARGETS["form"], browser_s["form"]),
                  _row("(b) 登录 → 总览 settled", TARGETS["sign_in"], browser_s["sign_in"]),
                  _row("(c) menu 总览 → 应保尽保 settled", TARGETS["menu"], browser_s["to_coverage"]),
                  _row("(c) menu 应保尽保 → 总览 settled", TARGETS["menu"], browser_s["to_overview"])]
    for path, kinds in render_s.items():
        for kind in ("cold", "warm"):
            lines.append(_row(f"(d) {titles[path]} render() {kind}", TARGETS[kind], kinds[kind]))
    return "\n".join(lines)


PART_LABEL = {"signed_in": "退出登录 shown", "text": "text", "charts": "charts plotted", "maps": "map drawn"}
STEP_LABEL = {"sign_in": "(b) 登录 → 总览", "to_coverage": "(c) → 应保尽保", "to_overview": "(c) → 总览"}


def parts_table(parts: dict[str, dict[str, list[float]]]) -> str:
    """When each part of the page last changed, seconds after the click (median of the tries)."""
    names = [n for n in PART_LABEL if any(n in p for p in parts.values())]
    lines = ["| after the click | " + " | ".join(PART_LABEL[n] for n in names) + " |",
             "|---|" + "---|" * len(names)]
    for step, found in parts.items():
        cells = [f"{statistics.median(found[n]):.2f}" if n in found else "" for n in names]
        lines.append(f"| {STEP_LABEL[step]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def floor_table(floor: dict[str, list[float]], browser_s: dict[str, list[float]]) -> str:
    """Ours beside the bare pages' floors, medians, and how many times the floor."""
    med = statistics.median
    rows = [("(a) fresh tab → sign-in form", browser_s["form"], floor["form"]),
            ("(b) 登录 → page settled (ours: 总览; floor: one chart, one map)", browser_s["sign_in"],
             floor["sign_in"])]
    lines = ["| measure | ours (median) | bare Streamlit (tries) | floor (median) | ours ÷ floor |",
             "|---|---|---|---|---|"]
    for label, ours, bare in rows:
        tries = " · ".join(f"{v:.2f}" for v in bare)
        lines.append(f"| {label} | {med(ours):.2f} s | {tries} | {med(bare):.2f} s | "
                     f"{med(ours) / med(bare):.1f} |")
    return "\n".join(lines)


def machine() -> str:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the pages' speed in Chromium and through AppTest")
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--user", default="commission", choices=CITY_USERS)
    parser.add_argument("--render-only", action="store_true", help="(d) alone: no browser")
    args = parser.parse_args(argv)
    print(f"before: {machine()}", flush=True)
    if args.render_only:
        render_s = render_timings(args.tries, args.user)
        print(f"after: {machine()}\n")
        print(table({}, render_s))
        return 0
    browser_s, parts = browser_timings(args.tries, args.user)
    floor = floor_timings(args.tries)
    render_s = render_timings(args.tries, args.user)
    print(f"after: {machine()}\n")
    print(table(browser_s, render_s))
    print("\nWhere the time goes: when each part of the page last changed (median, s)\n")
    print(parts_table(parts))
    print("\nThe floors: bare Streamlit pages in the same browser, same run (s)\n")
    print(floor_table(floor, browser_s))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
