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


def draw_user(user: User) -> None:
    scope = "全部区划" if user.regions is None else "、".join(user.regions)
    st.sidebar.caption(f"当前用户：{user.name}（{user.role_label}）· 可查看：{scope}")
