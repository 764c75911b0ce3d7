"""社会救助监督看板 — the only entry point.

Sign-in → the user's role and regions → period and scope from the URL → the page, which
calls the query layer and draws. Every page is registered with the navigation on every
run, before anything else is drawn: deep links resolve on a fresh tab, and the sign-in
form's widgets keep their identity from the first run on (drawn before the navigation,
a first submission was lost).
"""
from __future__ import annotations

import streamlit as st

from queries.database import ContractViolation
from queries.db import DatabaseUnavailable
from screens import (briefing_page, clues_page, coverage_page, data_notes_page, overview_page,
                     payments_page, petitions_page, rectification_page, township_page)
from ui import data, drill, filters, layout, navigation, signin
from ui.access import AccessConfigError
from ui.format import plain

st.set_page_config(page_title="社会救助监督看板", layout="wide", initial_sidebar_state="expanded")

# each page's render(view), by url_path: the pages live in screens/, not pages/ (a pages/
# folder beside the entry starts a fresh server in Streamlit's folder mode: docs/decisions.md)
RENDERS: dict[str, navigation.Render] = {
    "overview": overview_page.render, "coverage": coverage_page.render,
    "payments": payments_page.render,
    "petitions": petitions_page.render, "clues": clues_page.render,
    "rectification": rectification_page.render, "township": township_page.render,
    "briefing": briefing_page.render, "data": data_notes_page.render,
}


def main() -> None:
    views: dict[str, navigation.View] = {}          # filled below, read when the page runs
    layout.draw_style()
    try:
        users = signin.user_file()
    except AccessConfigError as exc:
        st.navigation(navigation.build(RENDERS, views.get, None), position="hidden")
        st.title("社会救助监督看板")
        st.error(plain(exc))
        return
    known = signin.current_user(users)               # as of the previous run
    page = st.navigation(navigation.build(RENDERS, views.get, known, data.missing_tables() if known else frozenset()),
                         position="sidebar" if known else "hidden")
    auth = signin.authenticator(users)
    user = signin.sign_in(users, auth)
    if user is None:
        return
    try:
        db = data.database()
    except (DatabaseUnavailable, ContractViolation) as exc:
        _sidebar_user(user, auth)
        st.error(plain(exc))
        st.caption("问题解决后刷新本页即可。")          # the address is in the server log only
        return
    try:
        chosen = filters.resolve(db, user)
    except filters.FilterRefused as exc:
        filters.draw_sidebar(db, user, filters.fallback(db, user))
        _sidebar_user(user, auth, db)
        st.error(plain(exc))           # the message quotes the URL's value: plain text
        st.button("回到我的默认范围", on_click=filters.go_to_defaults)
        return
    filters.draw_sidebar(db, user, chosen)
    _sidebar_user(user, auth, db)
    layout.draw_header(db, chosen, page.title)
    for spec in navigation.PAGES:
        views[spec.url_path] = navigation.View(db, user, chosen, spec)
    drill.follow_pending(chosen)          # a map click at the lowest level opens 乡镇画像
    page.run()


def _sidebar_user(user, auth, db=None) -> None:
    st.sidebar.divider()
    layout.draw_user(user, db)
    signin.sign_out_button(auth)


main()
