"""A protocol-level Streamlit client for the load benchmark (bench/load.py): one simulated
user is one websocket session that speaks Streamlit's own messages (BackMsg out,
ForwardMsg in, protobufs) through the front server, as the browser's frontend does, with
no browser: 50 Chromium tabs do not fit on 2 cores.

What it does as the frontend does: it first loads ``/`` (the front server's route cookie
and Streamlit's cookies come with it), opens ``/_stcore/stream`` with those cookies,
asks for a page by its url path (``page_name``) with the address's query string, reports
the large messages it has already received (``cached_message_hashes``: the server then
sends a reference instead), keeps the query string the app writes (``page_info_changed``),
and fills and submits the sign-in form by the widget ids the server sent. A request is
settled when the script run it started finished (``script_finished``,
FINISHED_SUCCESSFULLY), after any rerun the app asked for itself.

It does not run components (the sign-in cookie's component) or draw anything.
"""
from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

from deploy.serve import demo_tls_context

SUCCESS = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
ALERT_ERROR, ALERT_SUCCESS = Alert.Format.Value("ERROR"), Alert.Format.Value("SUCCESS")


@dataclass(frozen=True)
class Shown:
    """What the client keeps of one element: enough to find widgets and errors."""

    kind: str
    label: str = ""
    widget_id: str = ""
    alert: int = 0


@dataclass
class Settled:
    """One request: how long until its run finished, and what it showed."""

    seconds: float
    shown: list[Shown]
    received_bytes: int
    error: str | None = None

    @property
    def errors(self) -> list[str]:
        found = [s.label for s in self.shown if s.kind == "exception" or s.alert == ALERT_ERROR]
        return ([self.error] if self.error else []) + found


@dataclass
class _Run:
    shown: list[Shown] = field(default_factory=list)
    received_bytes: int = 0


def _first_load(base: str, context) -> tuple[str, str]:
    """GET / as the browser does first: the cookies it sets (as a Cookie header) and the
    page's HTML."""
    with urllib.request.urlopen(base + "/", timeout=30, context=context if base.startswith("https") else None) as response:
        html = response.read().decode("utf-8", "replace")
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return "; ".join(f"{k}={m.value}" for k, m in jar.items()), html


def _summary(msg: ForwardMsg) -> Shown | None:
    if msg.delta.WhichOneof("type") != "new_element":
        return None
    element = msg.delta.new_element
    kind = element.WhichOneof("type") or ""
    if kind == "alert":
        return Shown(kind, element.alert.body[:200], alert=element.alert.format)
    if kind == "exception":
        return Shown(kind, f"{element.exception.type}: {element.exception.message}"[:200])
    if kind in ("text_input", "button"):
        inner = getattr(element, kind)
        return Shown(kind, inner.label, widget_id=inner.id)
    return Shown(kind)


class Session:
    """One user's browser tab, without the browser."""

    def __init__(self, base: str, timeout_s: float = 120.0):
        self.base, self.timeout_s = base, timeout_s
        self.query_string = ""
        self.html = ""                                  # the page's HTML, once open
        self._context = demo_tls_context()
        self._known: dict[str, Shown | None] = {}     # cacheable messages' hashes (the browser's cache)
        self._run = _Run()
        self._finished: asyncio.Queue[int] = asyncio.Queue()
        self._ws = None
        self._reader: asyncio.Task | None = None
        self.closed_because: str | None = None

    async def open(self) -> None:
        cookies, self.html = await asyncio.to_thread(_first_load, self.base, self._context)
        uri = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self._ws = await connect(uri, ssl=self._context if uri.startswith("wss") else None, subprotocols=["streamlit"], max_size=None,
                                 additional_headers={"Cookie": cookies, "Origin": self.base},
                                 open_timeout=60, ping_interval=None)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                self._take(data)
        except Exception as exc:        # noqa: BLE001 - reported by the next request
            self.closed_because = f"{type(exc).__name__}: {exc}"
        else:
            self.closed_because = self.closed_because or "websocket closed"
        self._finished.put_nowait(-1)

    def _take(self, data: bytes) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(data)
        self._run.received_bytes += len(data)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._run = _Run(received_bytes=len(data))
        elif kind == "ref_hash":                   # the server knows we have this one
            shown = self._known.get(msg.ref_hash)
            if shown:
                self._run.shown.append(shown)
        elif kind == "delta":
            shown = _summary(msg)
            if msg.metadata.cacheable:
                self._known[msg.hash] = shown
            if shown:
                self._run.shown.append(shown)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "script_finished":
            self._finished.put_nowait(msg.script_finished)

    async def request(self, page: str = "", widgets: list[WidgetState] | None = None) -> Settled:
        """Ask for ``page`` (its url path; "" = the app's default) and wait until settled."""
        while not self._finished.empty():
            self._finished.get_nowait()
        state = ClientState(query_string=self.query_string, page_name=page,
                            cached_message_hashes=list(self._known))
        state.widget_states.widgets.extend(widgets or [])
        started = time.perf_counter()
        try:
            await self._ws.send(BackMsg(rerun_script=state).SerializeToString())
            status = await asyncio.wait_for(self._settled(), self.timeout_s)
        except (asyncio.TimeoutError, TimeoutError):
            return Settled(time.perf_counter() - started, [], 0, f"no answer within {self.timeout_s:.0f} s")
        except Exception as exc:         # noqa: BLE001 - a closed socket is an error to report
            return Settled(time.perf_counter() - started, [], 0, f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        error = None if status == SUCCESS else (self.closed_because or f"script finished with status {status}")
        return Settled(seconds, list(self._run.shown), self._run.received_bytes, error)

    async def _settled(self) -> int:
        while True:
            status = await self._finished.get()
            if status != FOR_RERUN:       # a rerun follows at once (st.rerun, switch_page)
                return status

    async def sign_in(self, username: str, password: str) -> Settled:
        """Open the app (the sign-in form), fill it in and press 登录, by the widget ids the
        form came with. The result is the run after 登录 (its success message)."""
        form = await self.request("")
        if form.errors:
            return form
        ids = {s.label: s.widget_id for s in form.shown if s.widget_id}
        if not {"用户名", "密码", "登录"} <= set(ids):
            form.error = "no sign-in form"
            return form
        widgets = [WidgetState(id=ids["用户名"], string_value=username),
                   WidgetState(id=ids["密码"], string_value=password),
                   WidgetState(id=ids["登录"], trigger_value=True)]
        done = await self.request("", widgets)
        if not done.errors and not any(s.alert == ALERT_SUCCESS for s in done.shown):
            done.error = "sign-in refused"
        return done
