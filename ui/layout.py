"""What every page shares above its own content: the header line and the user box."""
from __future__ import annotations

import streamlit as st

from queries.database import Database
from ui.access import User
from ui.filters import Filters


def header_line(db: Database, filters: Filters) -> str:
    """scope · period · 数据截至 as-of day (the demo mark is drawn beside it)."""
    return " · ".join([filters.scope.name, filters.period.label, f"数据截至 {db.data_as_of.isoformat()}"])


def draw_header(db: Database, filters: Filters) -> None:
    demo = "　:orange-badge[演示数据]" if db.is_demo else ""
    st.markdown(f"**{header_line(db, filters)}**{demo}")


def draw_user(user: User, db: Database | None = None) -> None:
    if user.regions is None:
        scope = "全部区划"
    else:
        names = {r: db.tree.by_code[r].name for r in user.regions if db and r in db.tree.by_code}
        scope = "、".join(names.get(r, r) for r in user.regions)
    st.sidebar.caption(f"当前用户：{user.name}（{user.role_label}）\n\n可查看：{scope}")
