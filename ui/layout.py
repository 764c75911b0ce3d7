"""What every page shares above its own content: the header line and the user box."""
from __future__ import annotations

import streamlit as st

from queries.database import Database
from queries.period import key_label
from ui.access import User
from ui.filters import Filters
from ui.format import plain


# The app's only CSS, drawn by app.py on every run (st.html of style alone takes no space).
# - Streamlit leaves 6rem above a page for its toolbar; with toolbarMode "minimal" there is
#   no toolbar, and its header bar lets clicks through (pointer-events: none): 1.5rem does.
# - The sign-in cookie's component (an invisible iframe) took a line and a gap above every
#   page: taken out of the flow, still rendered so that it keeps answering.
STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; }
[data-testid="stElementContainer"]:has(> div > iframe[title="extra_streamlit_components.CookieManager.cookie_manager"]) {
  position: absolute; width: 0; height: 0; overflow: hidden; }
</style>"""


def draw_style() -> None:
    st.html(STYLE)


def header_parts(filters: Filters) -> list[str]:
    """scope · period · 统计截至 the period's own as-of day (views.md, Shared on every
    page): a screenshot of a past quarter reads as that quarter's, not as today's. The
    first part, the scope's name, comes from the database."""
    period = filters.period
    return [filters.scope.name, key_label(period.key), f"统计截至 {period.as_of.isoformat()}"]


def header_line(filters: Filters) -> str:
    return " · ".join(header_parts(filters))


def updated_note(db: Database, filters: Filters) -> str | None:
    """数据更新至 meta.data_as_of, when it is not the period's as-of day."""
    if filters.period.as_of == db.data_as_of:
        return None
    return f"数据更新至 {db.data_as_of.isoformat()}"


def draw_header(db: Database, filters: Filters) -> None:
    scope, *rest = header_parts(filters)
    parts = ["**" + " · ".join([plain(scope), *rest]) + "**"]
    note = updated_note(db, filters)
    if note:
        parts.append(f":gray[{note}]")
    if db.is_demo:
        parts.append(":orange-badge[演示数据]")
    st.markdown("　".join(parts))


def draw_user(user: User, db: Database | None = None) -> None:
    if user.regions is None:
        scope = "全部区划"
    else:
        names = {r: db.tree.by_code[r].name for r in user.regions if db and r in db.tree.by_code}
        scope = "、".join(names.get(r, r) for r in user.regions)
    st.sidebar.caption(f"当前用户：{plain(user.name)}（{user.role_label}）\n\n可查看：{plain(scope)}")
