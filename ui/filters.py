"""Period and scope: read from the URL (``?period=2026Q3|campaign&scope=<code>``), kept
in the session across pages, drawn in the sidebar by ``app.py``.

The URL decides when it names a value (a shared link, a hand-edited address); otherwise
the session's choice stands (Streamlit clears the query string on a page switch) and is
written back, so the address bar always reproduces the view. A value the user may not
see is refused here, before any query is built: ``db.scope`` checks the user's regions.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from queries.database import Database
from queries.period import BadPeriod, Period, key_label
from queries.scope import BadScope, Scope
from ui.access import User

PERIOD_PARAM, SCOPE_PARAM = "period", "scope"
_PERIOD, _SCOPE = "oversight_period", "oversight_scope"                 # the session's choice
# widget keys end in "_widget": sign-out leaves them (ui/signin.py _forget_session)
_PERIOD_WIDGET, _SCOPE_WIDGET = "oversight_period_widget", "oversight_scope_widget"


@dataclass(frozen=True)
class Filters:
    period: Period
    scope: Scope
    top: Scope                     # the top of what the user may see

    def query_params(self) -> dict[str, str]:
        """What a link to this view carries (scope absent = the user's top)."""
        params = {PERIOD_PARAM: self.period.key}
        if self.scope.code != self.top.code:
            params[SCOPE_PARAM] = self.scope.code
        return params


class FilterRefused(Exception):
    """The URL asks for a period or scope that does not exist or is not the user's."""


def default_period(db: Database) -> str:
    return db.periods()[0]


def resolve(db: Database, user: User) -> Filters:
    """The view's period and scope; FilterRefused (Chinese message) if the URL's are wrong."""
    top = db.scope(None, allowed=user.regions)
    try:
        period = db.period(_wanted(PERIOD_PARAM, _PERIOD) or default_period(db))
        scope = db.scope(_wanted(SCOPE_PARAM, _SCOPE), allowed=user.regions)
    except (BadPeriod, BadScope) as exc:
        raise FilterRefused(str(exc)) from None
    st.session_state[_PERIOD], st.session_state[_SCOPE] = period.key, scope.code
    filters = Filters(period, scope, top)
    _write_url(filters)
    return filters


def fallback(db: Database, user: User) -> Filters:
    """The session's last good view, else the user's defaults (for the sidebar beside a refusal)."""
    top = db.scope(None, allowed=user.regions)
    try:
        period = db.period(st.session_state.get(_PERIOD) or default_period(db))
        scope = db.scope(st.session_state.get(_SCOPE), allowed=user.regions)
    except (BadPeriod, BadScope):
        period, scope = db.period(default_period(db)), top
    return Filters(period, scope, top)


def _wanted(param: str, state_key: str) -> str | None:
    value = st.query_params.get(param)
    if value:
        return value
    return st.session_state.get(state_key)


def _write_url(filters: Filters) -> None:
    wanted = filters.query_params()
    for param in (PERIOD_PARAM, SCOPE_PARAM):
        if param in wanted and st.query_params.get(param) != wanted[param]:
            st.query_params[param] = wanted[param]
        elif param not in wanted and param in st.query_params:
            del st.query_params[param]


# --------------------------------------------------------------------------- the sidebar

def draw_sidebar(db: Database, user: User, filters: Filters) -> None:
    """The period and scope pickers; a choice goes to the session and the URL at once."""
    periods = db.periods()
    st.session_state[_PERIOD_WIDGET] = filters.period.key
    st.sidebar.selectbox("统计期", periods, key=_PERIOD_WIDGET, format_func=key_label,
                         on_change=_chosen, args=(_PERIOD_WIDGET, _PERIOD, PERIOD_PARAM, None))
    codes, labels = scope_options(db, filters.top, user.regions)
    st.session_state[_SCOPE_WIDGET] = filters.scope.code
    st.sidebar.selectbox("范围", codes, key=_SCOPE_WIDGET, format_func=labels.__getitem__,
                         on_change=_chosen, args=(_SCOPE_WIDGET, _SCOPE, SCOPE_PARAM, filters.top.code),
                         help="全市 → 区 → 镇（街道）；可输入名称查找。")


def _chosen(widget: str, state_key: str, param: str, absent_value: str | None) -> None:
    value = st.session_state[widget]
    st.session_state[state_key] = value
    if value == absent_value:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = value


def choose_scope(code: str, top_code: str) -> None:
    """Make ``code`` the scope, as the scope picker would: for a click on a map area, a
    chart bar or a breadcrumb, in its ``on_click``/``on_select`` callback (callbacks run
    before the script, so the picker then shows the new scope; a widget's value cannot
    be set after it is drawn). ``top_code``: the user's top, left out of the URL."""
    st.session_state[_SCOPE] = code
    if code == top_code:
        st.query_params.pop(SCOPE_PARAM, None)
    else:
        st.query_params[SCOPE_PARAM] = code


def choose_period(key: str) -> None:
    """Make ``key`` the period, as the period picker would (for a button's ``on_click``)."""
    st.session_state[_PERIOD] = key
    st.query_params[PERIOD_PARAM] = key


def go_to_defaults() -> None:
    """Leave a refused view: the user's top scope and the default period."""
    for state_key in (_PERIOD, _SCOPE):
        st.session_state.pop(state_key, None)
    st.query_params.clear()


def scope_options(db: Database, top: Scope, allowed: tuple[str, ...] | None) -> tuple[list[str], dict[str, str]]:
    """The regions the user may pick, in tree order, indented by level below the top."""
    tree = db.tree
    codes, labels = [top.code], {top.code: top.name}

    def may_see(code: str) -> bool:
        return allowed is None or any(a in tree.ancestors_or_self(code) for a in allowed)

    def walk(region, depth: int) -> None:
        if may_see(region.code):
            codes.append(region.code)
            labels[region.code] = "\u3000" * depth + region.name
        for child in tree.children.get(region.code, []):
            walk(child, depth + 1)

    for child in top.children:
        walk(child, 1)
    return codes, labels
