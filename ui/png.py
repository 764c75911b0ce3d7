"""Charts as PNG on the server (季度简报's downloads, the briefing's .docx): kaleido 1.x
driving Debian's Chromium, one kaleido server for the whole process (a fresh browser costs
~3 s, an image on a running one ~0.2 s: stack-notes), scale 2 at the chart's export width,
so the picture is the one the chart's own camera button gives.

Where no Chromium is installed the app still runs: ``missing()`` says what to install and
the page keeps the in-browser download.
"""
from __future__ import annotations

import importlib.util
import shutil
import threading

import plotly.graph_objects as go

SCALE = 2
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
INSTALL = "apt-get install -y chromium fonts-wqy-microhei"
_lock = threading.Lock()
_started = False


def missing() -> str | None:
    """Why server-side PNG cannot work here (in Chinese), or None when it can."""
    if importlib.util.find_spec("kaleido") is None:
        return "服务器未安装 kaleido（pip install kaleido），请用图表右上角的相机按钮下载。"
    if not any(shutil.which(b) for b in BROWSERS):
        return f"服务器未安装 Chromium（{INSTALL}），请用图表右上角的相机按钮下载。"
    return None


def images(figures: list[go.Figure], width: int, height: int | None = None) -> list[bytes]:
    """Each figure as PNG bytes, ``width`` CSS px wide (its own height unless given), at
    SCALE, through the process's one kaleido server (started on first use)."""
    import kaleido
    global _started
    out = []
    with _lock:        # the sync server takes one request at a time
        if not _started:
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
            _started = True
        for fig in figures:
            opts = {"format": "png", "scale": SCALE, "width": width,
                    "height": height or int(fig.layout.height or 450)}
            out.append(kaleido.calc_fig_sync(fig, opts=opts))
    return out


def image(figure: go.Figure, width: int, height: int | None = None) -> bytes:
    return images([figure], width, height)[0]
