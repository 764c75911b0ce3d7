"""Sign-in and sign-out, in Chinese: streamlit-authenticator for the sign-in cookie and
the sign-out, our own form and checks around it.

- The cookie is screened before the library sees it: one signed with another algorithm
  (``alg=none``, HS512: the library let ``InvalidAlgorithmError`` escape on every load), of
  an account no longer in the user file, or revoked by a sign-out, is deleted and the form
  shown, never a wedged page.
- The form is ours: failed attempts are counted per entered name, whether the account
  exists or not (the library counted existing accounts only, which told which exist), in
  the store every app process shares (ui.shared_state); the password is checked (bcrypt)
  for unknown names too, so the time taken tells nothing either.
- Signing out revokes the session's cookie in that store until it would have expired: a
  copied cookie stops working, in every process.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path

import jwt
import streamlit as st
import streamlit_authenticator as stauth

import settings
from ui import shared_state
from ui.access import ENTERING, User, UserFile, load_user_file, user_from

log = logging.getLogger(__name__)

SESSION_KEYS = ("authentication_status", "username", "name", "roles", "email")
WIDGET_SUFFIX = "_widget"      # our widgets' keys end so (ui/filters.py): never deleted here
TOKEN = "oversight_sign_in_token"      # session state: the cookie this session signs in with
EXPIRED = "登录状态已失效，请重新登录。"
# a bcrypt hash to check unknown names against: the same work as for a known one
_NOBODY = stauth.Hasher.hash("no such account")


@st.cache_resource(show_spinner=False)
def _user_file(path: str, _modified: float) -> UserFile:
    """Read once per server (and again when the file changes): the dict is shared."""
    return load_user_file(Path(path))


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
    if st.session_state.get("authentication_status"):
        token = st.session_state.get(TOKEN)
        if token and shared_state.is_revoked(token):      # signed out elsewhere with this cookie
            _forget_session()
            return _form(users, auth, EXPIRED)
        user = user_from(users.credentials, st.session_state.get("username") or "")
        if user is None:
            _forget_session()
            st.error("该账号已被删除或停用，请联系管理员。")
        return user
    notice = _screen_cookie(users, auth)
    if notice is None:                       # a good cookie: the library signs it in
        auth.login(location="unrendered", key="sign_in")
        if st.session_state.get("authentication_status"):
            st.session_state[TOKEN] = _cookie(users.cookie_name)
            return user_from(users.credentials, st.session_state.get("username") or "")
    return _form(users, auth, notice or None)


def _screen_cookie(users: UserFile, auth: stauth.Authenticate) -> str | None:
    """None when the request's cookie may sign in (or there is none: ""), else why not,
    the cookie then deleted and ignored for the rest of this session."""
    raw = _cookie(users.cookie_name)
    if not raw or st.session_state.get("logout"):
        return ""
    claims = _claims(raw, users.cookie_key)
    problem = ("not ours" if claims is None                  # another algorithm or key, a forgery
               else "unknown account" if str(claims.get("username")) not in users.credentials["usernames"]
               else "revoked" if shared_state.is_revoked(raw)
               else "expired" if _expires(claims) <= time.time() else None)
    if problem is None:
        return None
    log.info("sign-in cookie refused: %s", problem)
    st.session_state["logout"] = True        # the library skips the cookie from now on
    auth.cookie_controller.delete_cookie()
    return EXPIRED


def _cookie(name: str) -> str | None:
    """The request's cookie ``name``, if it has one (membership first, as the library reads
    it: a missing key may not raise)."""
    value = st.context.cookies[name] if name in st.context.cookies else None
    return value if isinstance(value, str) and value else None


def _form(users: UserFile, auth: stauth.Authenticate, notice: str | None) -> None:
    """The sign-in form, narrow in the middle; on 登录 the checks and, when they pass, the
    session and its cookie."""
    area = st.columns([1, 1.4, 1])[1]
    with area:
        _sign_in_header()
        if notice:
            st.info(notice)
        with st.form("sign_in", clear_on_submit=False):
            st.subheader("用户登录")
            name = st.text_input("用户名", autocomplete="off")
            password = st.text_input("密码", type="password", autocomplete="off")
            pressed = st.form_submit_button("登录")
    if pressed:
        _check(users, auth, area, name, password)
    return None


def _check(users: UserFile, auth: stauth.Authenticate, area, name: str, password: str) -> None:
    max_attempts = int(settings.get("OVERSIGHT_LOGIN_MAX_ATTEMPTS"))
    minutes = float(settings.get("OVERSIGHT_LOGIN_LOCK_MINUTES"))
    key = shared_state.name_key(name, users.cookie_key)
    if shared_state.failures(key, max_attempts, minutes * 60) >= max_attempts:
        area.error(_locked(max_attempts, minutes))
        return
    username = (name or "").strip().lower()
    entry = users.credentials["usernames"].get(username)
    try:
        matches = stauth.Hasher.check_pw(password or "", entry["password"] if entry else _NOBODY)
    except ValueError:               # a password in the file that is not a bcrypt hash
        matches = False
    if not (matches and entry):
        shared_state.record_failure(key, max_attempts, minutes * 60)   # at the limit: the next try is refused
        area.error("用户名或密码错误。")
        return
    shared_state.clear_failures(key)
    st.session_state.update({"authentication_status": True, "username": username,
                             "name": entry.get("name") or username, "roles": entry.get("roles"),
                             "email": entry.get("email"), "logout": None})
    auth.cookie_controller.set_cookie()
    st.session_state[TOKEN] = _issued(users, auth, username)
    # this run drew the form and sends the cookie; the cookie component's answer reruns
    # the script at once, and that run draws the page without the form
    area.success(ENTERING)


def _issued(users: UserFile, auth: stauth.Authenticate, username: str) -> str:
    """The cookie the library has just set: its token, as the library encodes it."""
    model = auth.cookie_controller.cookie_model
    return jwt.encode({"username": username, "exp_date": model.exp_date}, users.cookie_key, algorithm="HS256")


def _locked(max_attempts: int, minutes: float) -> str:
    return (f"该用户名连续登录失败已达 {max_attempts} 次，已锁定 {minutes:g} 分钟。"
            "请稍后再试，或联系管理员。")


def current_user(users: UserFile) -> User | None:
    """Who this session signed in as by its previous run (the menu is built before the
    sign-in is checked again)."""
    if not st.session_state.get("authentication_status"):
        return None
    return user_from(users.credentials, st.session_state.get("username") or "")


def sign_out_button(auth: stauth.Authenticate) -> None:
    auth.logout(button_name="退出登录", location="sidebar", key="sign_out",
                callback=lambda _info: _signed_out(auth))
    if not st.session_state.get("authentication_status"):
        st.rerun()        # signed out just now: draw the sign-in page, not this one


def _signed_out(auth: stauth.Authenticate) -> None:
    """Revoke this session's cookie (every copy of it, in every process) until it would
    have expired, then forget the session."""
    for token in {st.session_state.get(TOKEN), _cookie(auth.cookie_controller.cookie_model.cookie_name)}:
        if token:
            shared_state.revoke(token, _expiry(token, auth))
    _forget_session(keep_auth=True)


def _expiry(token: str, auth: stauth.Authenticate) -> float:
    """When the cookie would expire (a cookie not ours: a whole cookie lifetime from now)."""
    claims = _claims(token, auth.cookie_controller.cookie_model.cookie_key)
    if claims is not None and _expires(claims) > 0:
        return _expires(claims)
    return datetime.now().timestamp() + float(settings.get("OVERSIGHT_COOKIE_EXPIRY_DAYS")) * 86400


def _expires(claims: dict) -> float:
    """The claims' expiry (a timestamp); 0 when it has none that is a number."""
    value = claims.get("exp_date")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _claims(token: str, key: str) -> dict | None:
    """A sign-in cookie's claims, when it is one of ours (HS256 under our key); else None."""
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def _sign_in_header() -> None:
    st.title("社会救助监督看板")
    st.caption("民政局 · 纪委监委 专项治理监督平台（内网）。请使用分配的账号登录。")


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
