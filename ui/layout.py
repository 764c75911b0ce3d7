"""What every page shares above its own content: the header line and the user box."""
from __future__ import annotations

import streamlit as st

from queries.database import Database
from queries.period import key_label
from ui.access import User
from ui.filters import Filters
from ui.format import plain
from ui.theme import WARNING_COLOURS


# The app's only CSS, drawn by app.py on every run (st.html of style alone takes no space).
# - Streamlit leaves 6rem above a page for its toolbar; with toolbarMode "minimal" there is
#   no toolbar, and its header bar lets clicks through (pointer-events: none): 1.5rem does.
# - The sign-in cookie's component (an invisible iframe) took a line and a gap above every
#   page: taken out of the flow, still rendered so that it keeps answering.
# - A ranking set beside a map (keys beside_… and ranking_…) takes the rest of the row, at least 480 px:
#   beside the map on a wide screen, below it (full width) where the row is too narrow.
# - 季度简报's sheet (key briefing_sheet) is white with a thin frame, like a printed page.
# - A headline card's left edge shows its warning colour (ui/cards.py keys its container
#   card_<level>_…, which Streamlit turns into the class st-key-card_<level>_…).
STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; }
[class*="st-key-beside_"] { flex-wrap: wrap; }
[class*="st-key-beside_"] > div:has(> [class*="st-key-ranking_"]) { flex: 1 1 480px; min-width: 480px; }
[class*="st-key-briefing_sheet"] { background: #fff; border: 1px solid #d9d9d9; padding: 28px 36px; }
[class*="st-key-card_red_"] { border-left: 6px solid %(red)s !important; }
[class*="st-key-card_amber_"] { border-left: 6px solid %(amber)s !important; }
[data-testid="stElementContainer"]:has(> div > iframe[title="extra_streamlit_components.CookieManager.cookie_manager"]) {
  position: absolute; width: 0; height: 0; overflow: hidden; }
</style>""" % {"red": WARNING_COLOURS["red"], "amber": WARNING_COLOURS["amber"]}


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


def draw_header(db: Database, filters: Filters, title: str) -> None:
    """The page's title, then scope · period · 统计截至 …, 数据更新至 … and 演示数据."""
    st.title(title, anchor=False)
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
