"""Start the dashboard on a free local port, as ``make run`` would, and stop it."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT = ROOT / ".venv" / "bin" / "streamlit"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(env: dict[str, str] | None = None, timeout_s: float = 60,
                script: str | Path = "app.py", extra_args: list[str] | None = None) -> Iterator[str]:
    """A fresh server on 127.0.0.1:<port>; yields its base URL. ``env`` adds settings
    (the cookie key defaults to a random one); ``script``: another Streamlit script (the
    benchmark's bare pages); ``extra_args``: more ``streamlit run`` options."""
    port = free_port()
    full_env = {**os.environ, "OVERSIGHT_COOKIE_KEY": secrets.token_urlsafe(48), **(env or {})}
    command = [str(STREAMLIT) if STREAMLIT.exists() else sys.executable, *([] if STREAMLIT.exists() else ["-m", "streamlit"]),
               "run", str(script), "--server.address", "127.0.0.1", "--server.port", str(port),
               "--server.headless", "true", *(extra_args or [])]
    log_path = Path(full_env.get("OVERSIGHT_E2E_SERVER_LOG", "/dev/null"))
    with log_path.open("ab") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, timeout_s)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_healthy(base: str, proc: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Streamlit server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the Streamlit server did not answer within {timeout_s:.0f} s")
