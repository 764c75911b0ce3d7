"""The pages, who may see each, and what a page is handed when it draws (views.md, Pages).

Every page is registered with ``st.navigation`` for everyone, so a deep link resolves even
on a fresh tab whose sign-in is restored a moment later (stack-notes); the menu lists only
the role's pages, and a page outside the role draws a refusal and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import pandas as pd
import streamlit as st

from queries.database import Database
from queries.db import DatabaseUnavailable
from queries.runner import page_run
from queries.figures import refuse_unseen
from ui import data
from ui.access import ROLE_LABEL, User
from ui.filters import Filters

EVERYONE = frozenset(ROLE_LABEL)
CITY_STAFF = frozenset({"leader", "supervisor", "commission"})


@dataclass(frozen=True)
class PageSpec:
    url_path: str
    title: str
    group: str
    roles: frozenset[str] = EVERYONE
    requires: str | None = None      # an optional table the page is about (未接入 without it)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "总览", "综合"),
    PageSpec("coverage", "应保尽保", "专项监督"),
    PageSpec("payments", "资金发放（一卡通）", "专项监督", requires="payment"),
    PageSpec("petitions", "重复信访", "专项监督"),
    PageSpec("clues", "问题线索", "专项监督"),
    PageSpec("rectification", "整改进度", "专项监督"),
    PageSpec("township", "乡镇画像", "下钻与通报"),
    # the city's 季度情况通报 is written by the bureau and the commission, not by a district
    PageSpec("briefing", "季度简报", "下钻与通报", CITY_STAFF),
    PageSpec("data", "数据说明", "说明"),
)
BY_PATH = {p.url_path: p for p in PAGES}


@dataclass(frozen=True)
class View:
    """What a page draws for: the database, the signed-in user, the period and scope."""

    db: Database
    user: User
    filters: Filters
    page: PageSpec

    def figures(self, keys: Iterable[str], *, with_change: bool = False) -> pd.DataFrame:
        keys = list(keys)
        refuse_unseen(keys, self.user.role)        # a figure outside the role never runs
        return data.figures(self.db, keys, self.filters, self.user.regions, with_change=with_change)


def page_ref(url_path: str) -> st.Page:
    """The page registered for ``url_path``, for st.page_link / st.switch_page: Streamlit
    knows a page by its url_path, and a callable page re-created with the same url_path
    is accepted."""
    return st.Page(_registered_elsewhere, title=BY_PATH[url_path].title, url_path=url_path)


def _registered_elsewhere() -> None:      # never runs: the navigation's own page does
    pass


def may_see(user: User, spec: PageSpec) -> bool:
    return user.role in spec.roles


Render = Callable[[View], None]


NOT_CONNECTED_MARK = "（未接入）"


def build(renders: dict[str, Render], view_for: Callable[[str], View | None],
          user: User | None, missing: frozenset[str] = frozenset()) -> dict[str, list]:
    """st.Page objects of every page, grouped; hidden from the menu when not the user's.
    ``renders`` maps each url_path to its page's ``render`` (the entry owns the pages and
    hands them over). The address without a path (``/``) leads to 总览 at ``/overview``.
    ``missing``: the optional tables the database lacks; a page about one is marked 未接入
    in the menu and says so when opened."""
    groups: dict[str, list] = {}
    by_path = {}
    for spec in PAGES:
        visible = user is not None and may_see(user, spec)
        absent = spec.requires is not None and spec.requires in missing
        render = _not_connected(spec) if absent else renders[spec.url_path]
        by_path[spec.url_path] = st.Page(
            _runner(spec, render, view_for), title=spec.title + (NOT_CONNECTED_MARK if absent else ""),
            url_path=spec.url_path, visibility="visible" if visible else "hidden")
        groups.setdefault(spec.group, []).append(by_path[spec.url_path])
    home = st.Page(lambda: st.switch_page(by_path["overview"], query_params=dict(st.query_params)),
                   title="总览", url_path="home", default=True, visibility="hidden")
    groups[PAGES[0].group].insert(0, home)
    return groups


def _not_connected(spec: PageSpec) -> Render:
    def render(_view: View) -> None:
        st.info(f"“{spec.title}”{NOT_CONNECTED_MARK[1:-1]}：报表库中没有{TABLE_LABEL.get(spec.requires, spec.requires)}"
                "（可选表），本页各项指标无法统计。如源系统有此数据，请在 ETL 中补充后刷新。")
    return render


TABLE_LABEL = {"payment": "一卡通发放明细表（payment）"}


def _runner(spec: PageSpec, render: Render, view_for: Callable[[str], View | None]) -> Callable[[], None]:
    def run() -> None:
        view = view_for(spec.url_path)
        if view is None:          # signed out, or the view was refused: app.py said why
            return
        if not may_see(view.user, spec):
            st.error(f"您的角色（{view.user.role_label}）无权查看“{spec.title}”页面。请从左侧菜单选择其他页面。")
            return
        try:
            with page_run():         # a statement two of the page's calls need runs once
                render(view)
        except DatabaseUnavailable as exc:     # the database went away or a query timed out
            st.error(str(exc))
    run.__name__ = f"page_{spec.url_path}"
    return run
