"""Drill-down: a click on an area (map or ranking bar) makes it the scope; at the lowest
level a click opens 乡镇画像; a breadcrumb leads back up.

A click arrives in a widget's ``on_select``/``on_click`` callback, which runs before the
script, so the scope picker drawn later shows the new scope (a widget's value cannot be
set after it is drawn). ``st.switch_page`` cannot run in a callback: the callback leaves
a note (``PENDING``) and ``follow_pending``, called by ``app.py`` before the page runs,
switches to 乡镇画像 with the period and scope in the URL.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st

import pandas as pd

from queries.figures import METRICS, Metric
from queries.scope import BadScope
from ui import data
from ui.format import plain
from ui.filters import PERIOD_PARAM, SCOPE_PARAM, Filters, choose_scope
from ui.navigation import View, page_ref

PENDING = "oversight_drill_pending"       # (url_path, scope code, query params) to open next
PROFILE = "township"                      # 乡镇画像's url_path


def picker(view: View) -> Callable[[str], None]:
    """``on_pick(code)`` for the map and the ranking charts, to call from their selection
    callback: the picked area becomes the scope; a township picked at a township scope
    (the lowest level: the map shows the district's townships) opens 乡镇画像 for it.
    A code the user may not see, or that is not a region, is ignored."""
    db, user, filters = view.db, view.user, view.filters
    at_lowest = not filters.scope.children
    on_profile = view.page.url_path == PROFILE

    def pick(code: str) -> None:
        region = db.tree.get(str(code)) if code is not None else None
        if region is None:
            return
        try:
            db.scope(region.code, allowed=user.regions)     # the same gate as the URL's
        except BadScope:
            return
        choose_scope(region.code, filters.top.code)
        if at_lowest and region.level == "township" and not on_profile:
            params = {PERIOD_PARAM: filters.period.key}
            if region.code != filters.top.code:
                params[SCOPE_PARAM] = region.code
            st.session_state[PENDING] = (PROFILE, region.code, params)
    return pick


def hint(view: View) -> str:
    """What a click on the view's map does, for the legend."""
    if view.filters.scope.children:
        return "点击地区可下钻"
    return "点击镇（街道）切换" if view.page.url_path == PROFILE else "点击镇（街道）查看乡镇画像"


def follow_pending(filters: Filters) -> None:
    """Open the page a drill-down asked for (see ``picker``); call before the page runs.
    The note is followed only if the view is the one it was left for (a refused URL in
    between drops it)."""
    pending = st.session_state.pop(PENDING, None)
    if pending is None:
        return
    url_path, code, params = pending
    if filters.scope.code != code:
        return
    st.switch_page(page_ref(url_path), query_params=params)


# --------------------------------------------------------------------------- comparisons

CHILD_LABEL = {"province": "各省", "city": "各市", "district": "各区", "township": "各镇（街道）"}


def child_label(view: View) -> str:
    """What the areas a map or ranking compares are called: 各区, 各镇（街道）…; at a
    township scope they are its district's townships."""
    children = view.filters.scope.children
    return CHILD_LABEL.get(children[0].level, "各地区") if children else CHILD_LABEL["township"]


def compared_place(view: View) -> str:
    """The name of the area whose parts a map or ranking compares: the scope, or at a
    township scope its district."""
    scope = view.filters.scope
    if scope.children:
        return scope.name
    region = view.db.tree.get(scope.code)
    if region is None or region.parent_code not in view.db.tree.by_code:
        return scope.name
    return view.db.tree.by_code[region.parent_code].name


def comparison(view: View, frame: pd.DataFrame, metric: Metric,
               district_frame: pd.DataFrame | None = None) -> tuple[pd.DataFrame, str | None]:
    """The areas a map or ranking compares, and the code to highlight among them: the
    areas of ``frame`` (one level down); at a township scope its district's townships
    with this one highlighted — ``district_frame`` when given, else fetched for the
    district when ``metric`` is a registry figure and the user may see the district
    (otherwise the township alone)."""
    scope = view.filters.scope
    if scope.children:
        return frame, None
    if district_frame is not None:
        return district_frame, scope.code
    district = data.district_of(view)      # None: a user who may not see the district
    if district is None or metric.key not in METRICS:
        return frame, scope.code
    return data.figures_in(view.db, [metric.key], view.filters, view.user.regions, district.code), scope.code


# --------------------------------------------------------------------------- breadcrumb

def levels(view: View) -> list[tuple[str, str]]:
    """(code, name) from the user's top down to the scope, leaving out any level the
    user may not see (a user of two townships in different districts skips the districts)."""
    db, filters = view.db, view.filters
    chain = list(reversed(db.tree.ancestors_or_self(filters.scope.code)))
    if filters.top.code in chain:
        chain = chain[chain.index(filters.top.code) + 1:]
    out = [(filters.top.code, filters.top.name)]
    for code in chain:
        try:
            db.scope(code, allowed=view.user.regions)
        except BadScope:
            continue
        out.append((code, db.tree.by_code[code].name))
    return out


def breadcrumb(view: View) -> None:
    """厦门市 › 同安区 › 汀溪镇: each level above the scope a link-like button back up."""
    crumbs = levels(view)
    if len(crumbs) < 2:          # at the user's top: the header line names it already
        return
    top = view.filters.top.code
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        for code, name in crumbs[:-1]:
            st.button(plain(name), key=f"{view.page.url_path}.crumb.{code}", type="tertiary",
                      on_click=choose_scope, args=(code, top), help="回到这一级")
            st.markdown("›")
        st.markdown(f"**{plain(crumbs[-1][1])}**")
