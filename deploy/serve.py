"""Run the dashboard as a bureau deploys it, on this machine: nginx in front (TLS with a
self-signed certificate for the demo, security headers, sticky sessions, internal routes
closed) and N Streamlit processes behind it, sharing one sign-in state store, one access
log and one cookie key.

    python -m deploy.serve [--workers 3] [--https-port 8443] [--http-port 8080] [--run DIR]

Prints the address, runs until stopped (Ctrl-C or SIGTERM), and stopping it stops every
process it started. ``make serve WORKERS=3`` runs it.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
STREAMLIT = ROOT / ".venv" / "bin" / "streamlit"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def certificate(run: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (made once per run folder)."""
    cert, key = run / "tls.crt", run / "tls.key"
    if not cert.exists() or not key.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365",
                        "-subj", "/CN=oversight-demo", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        key.chmod(0o600)
    return cert, key


def static_location() -> str:
    """nginx serves Streamlit's own scripts, styles and fonts (``/static/``: hashed names
    that never change) from the package folder itself, cached by browsers for good: no app
    process spends its time on 10 MB per new browser (bench/load.py: under 50 arriving
    users an app process served them between page runs). Only when nginx's workers (another
    user) can read the folder; else they go through the app processes as before."""
    import streamlit
    root = Path(streamlit.__file__).resolve().parent / "static"
    folders = [root / "static" / "js", root / "static" / "css", root / "static", root, *root.parents]
    if not (all(os.stat(d).st_mode & 0o001 for d in folders) and os.stat(root / "index.html").st_mode & 0o004):
        print(f"nginx cannot read {root}: Streamlit's static files go through the app processes", file=sys.stderr)
        return ""
    return (f"        location /static/ {{\n            root {root};\n            expires max;\n"
            f"            access_log off;\n        }}\n")


def demo_tls_context():
    """A client's TLS context that accepts the demo's self-signed certificate (127.0.0.1
    only: the health checks here, the load benchmark's clients)."""
    import ssl
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def nginx_conf(run: Path, app_ports: list[int], https_port: int, http_port: int) -> Path:
    cert, key = certificate(run)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.read_text(encoding="utf-8")
    values = {"run": str(run), "cert": str(cert), "key": str(key), "https_port": str(https_port),
              "http_port": str(http_port), "static_location": static_location(),
              "upstreams": "\n".join(f"        server 127.0.0.1:{p};" for p in app_ports)}
    for name, value in values.items():     # nginx's own braces stay: no str.format
        text = text.replace("{" + name + "}", value)
    path = run / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


def app_env(run: Path) -> dict[str, str]:
    """What the processes share: the cookie key, the state store, the access log."""
    key_file = run / "cookie.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        key_file.chmod(0o600)
    env = dict(os.environ)
    env.setdefault("OVERSIGHT_COOKIE_KEY", key_file.read_text(encoding="utf-8").strip())
    env.setdefault("OVERSIGHT_STATE_DB", str(run / "state.sqlite"))
    env.setdefault("OVERSIGHT_ACCESS_LOG", str(run / "access.jsonl"))
    return env


@contextmanager
def process(command: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> Iterator[subprocess.Popen]:
    out = log.open("ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log:
            out.close()


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 90, context=None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")


@contextmanager
def deployment(workers: int, https_port: int, http_port: int, run: Path) -> Iterator[str]:
    """The front server and ``workers`` app processes, started and healthy; yields the
    HTTPS address. Leaving stops them all."""
    run.mkdir(parents=True, exist_ok=True)
    env = app_env(run)
    ports = [free_port() for _ in range(workers)]
    with ExitStack() as stack:
        apps = []
        for i, port in enumerate(ports):
            command = [str(STREAMLIT) if STREAMLIT.exists() else sys.executable,
                       *([] if STREAMLIT.exists() else ["-m", "streamlit"]), "run", "app.py",
                       "--server.address", "127.0.0.1", "--server.port", str(port),
                       "--server.headless", "true"]
            apps.append(stack.enter_context(process(command, env, run / f"app-{i + 1}.log")))
        for port, proc in zip(ports, apps):
            wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc)
        conf = nginx_conf(run, ports, https_port, http_port)
        nginx = stack.enter_context(process([NGINX, "-p", str(run), "-c", str(conf), "-g", "daemon off;"],
                                            log=run / "nginx.out"))
        base = f"https://127.0.0.1:{https_port}"
        wait_healthy(base + "/_stcore/health", nginx, context=demo_tls_context())
        yield base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="nginx in front of N dashboard processes")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", 3)))
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--http-port", type=int, default=8080)
    parser.add_argument("--run", default=str(ROOT / ".local" / "serve"), help="config, logs, pid, certificate")
    args = parser.parse_args(argv)
    stop = {"now": False}

    def on_signal(_signum, _frame):
        stop["now"] = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with deployment(args.workers, args.https_port, args.http_port, Path(args.run)) as base:
        print(f"社会救助监督看板: {base}/  ({args.workers} 个应用进程；证书为自签名，仅供演示)", flush=True)
        while not stop["now"]:
            time.sleep(0.5)
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
