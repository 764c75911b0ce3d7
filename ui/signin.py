"""Sign-in and sign-out with streamlit-authenticator, in Chinese.

The credentials dict lives in ``st.cache_resource``: one dict for the whole server, so
the library's failed-attempt counter (kept in it) counts across reruns and sessions and
the limit really triggers. We add what the library lacks: the lock lifts by itself after
``OVERSIGHT_LOGIN_LOCK_MINUTES``.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

import settings
from ui.access import ENTERING, User, UserFile, load_user_file, user_from

log = logging.getLogger(__name__)

FORM_FIELDS = {"Form name": "用户登录", "Username": "用户名", "Password": "密码", "Login": "登录",
               "Captcha": "验证码"}
SESSION_KEYS = ("authentication_status", "username", "name", "roles", "email")
WIDGET_SUFFIX = "_widget"      # our widgets' keys end so (ui/filters.py): never deleted here


@st.cache_resource(show_spinner=False)
def _user_file(path: str, _modified: float) -> UserFile:
    """Read once per server (and again when the file changes): the dict is shared."""
    return load_user_file(Path(path))


@st.cache_resource(show_spinner=False)
def _locks() -> dict[str, float]:
    return {}   # username -> when the lock began


def user_file() -> UserFile:
    path = settings.path("OVERSIGHT_AUTH_FILE")
    modified = path.stat().st_mtime if path.exists() else 0.0
    return _user_file(str(path), modified)


def authenticator(users: UserFile) -> stauth.Authenticate:
    # login_sleep_time=0: the library sleeps 0.7 s on every signed-out run (and before
    # checking a password), once to let its cookie component answer; 0.4.2 reads the
    # cookie from the request (st.context.cookies) instead, so the sleep only delayed the
    # sign-in form and the page after 登录 (measured: 0.7 s each)
    return stauth.Authenticate(users.credentials, users.cookie_name, users.cookie_key,
                               float(settings.get("OVERSIGHT_COOKIE_EXPIRY_DAYS")), auto_hash=False,
                               login_sleep_time=0)


def sign_in(users: UserFile, auth: stauth.Authenticate) -> User | None:
    """The signed-in user; else draws the sign-in form (or restores the sign-in from the
    cookie) and returns None."""
    max_attempts = int(settings.get("OVERSIGHT_LOGIN_MAX_ATTEMPTS"))
    _lift_expired_locks(users, max_attempts)
    signed_in_before = bool(st.session_state.get("authentication_status"))
    # signed out: a narrow form in the middle; signed in, login() only checks the cookie
    area = st.columns([1, 1.4, 1])[1] if not signed_in_before else st.container()
    try:
        with area:
            if not signed_in_before:
                _sign_in_header()
            auth.login(location="main", max_login_attempts=max_attempts, fields=FORM_FIELDS,
                       key="sign_in")
    except LoginError as exc:
        if "attempts" in str(exc):
            minutes = int(settings.get("OVERSIGHT_LOGIN_LOCK_MINUTES"))
            area.error(f"该账号连续登录失败已达 {max_attempts} 次，已锁定 {minutes} 分钟。"
                     "请稍后再试，或联系管理员。")
        else:   # a cookie of an account that no longer exists
            _forget_session()
            area.error("登录状态已失效，请重新登录。")
        return None
    status = st.session_state.get("authentication_status")
    if status is False:
        area.error("用户名或密码错误。")
    if not status:
        return None
    if not signed_in_before:
        # this run drew the form and sends the cookie; the cookie component's answer
        # reruns the script at once, and that run draws the page without the form
        area.success(ENTERING)
        return None
    user = user_from(users.credentials, st.session_state.get("username") or "")
    if user is None:
        _forget_session()
        st.error("该账号已被删除或停用，请联系管理员。")
    return user


def current_user(users: UserFile) -> User | None:
    """Who this session signed in as by its previous run (the menu is built before the
    sign-in is checked again)."""
    if not st.session_state.get("authentication_status"):
        return None
    return user_from(users.credentials, st.session_state.get("username") or "")


def sign_out_button(auth: stauth.Authenticate) -> None:
    auth.logout(button_name="退出登录", location="sidebar", key="sign_out",
                callback=lambda _info: _forget_session(keep_auth=True))
    if not st.session_state.get("authentication_status"):
        st.rerun()        # signed out just now: draw the sign-in page, not this one


def _sign_in_header() -> None:
    st.title("社会救助监督看板")
    st.caption("民政局 · 纪委监委 专项治理监督平台（内网）。请使用分配的账号登录。")


def _lift_expired_locks(users: UserFile, max_attempts: int) -> None:
    locks, now = _locks(), time.time()
    limit_s = 60 * float(settings.get("OVERSIGHT_LOGIN_LOCK_MINUTES"))
    for name, entry in users.credentials["usernames"].items():
        if entry.get("failed_login_attempts", 0) < max_attempts:
            locks.pop(name, None)
            continue
        began = locks.setdefault(name, now)
        if now - began >= limit_s:
            entry["failed_login_attempts"] = 0
            locks.pop(name, None)
            log.info("sign-in lock lifted for one account")


def _forget_session(keep_auth: bool = False) -> None:
    """Drop what this session knew about its user (filters, access-log marks).

    A widget's own state (keys ending in ``_widget``) stays: the browser may still send
    the old page's widget values in the next rerun (the cookie component answers before
    the sign-in form is drawn), and a widget whose state was deleted then counts as
    changed, so its callback runs with no value (KeyError). The sign-in page draws none
    of them, so Streamlit drops them as stale; a signed-in page sets them afresh."""
    for key in list(st.session_state.keys()):
        if key in SESSION_KEYS and keep_auth:
            continue
        name = str(key)
        if key in SESSION_KEYS or (name.startswith("oversight_") and not name.endswith(WIDGET_SUFFIX)):
            del st.session_state[key]
