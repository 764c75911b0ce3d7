"""季度简报 without a browser, for a scheduled job (issue 12): the same .docx and .xlsx as the
page's buttons, through the same code (screens/briefing_page.py).

    python -m briefing --period 2026Q3 [--scope 350200] --out 通报.docx

writes 通报.docx and 通报-表格.xlsx. Each step is printed; a bad period, scope or database
exits non-zero with a Chinese message; a file is written under a temporary name and renamed,
so a reader never sees half of one. The database is OVERSIGHT_DB_URL's (the demo's by default).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

AS = ("cli", "定时任务", "supervisor")        # who the files are made as: no names in them anyway


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.monotonic()
    try:
        view, frame = _view(args.period, args.scope)
    except Exception as exc:          # noqa: BLE001 — every failure ends in one Chinese line
        print(f"简报未生成：{exc}", file=sys.stderr)
        return 2
    from screens.briefing_page import briefing_word, tables_workbook
    docx = Path(args.out)
    xlsx = docx.with_name(f"{docx.stem}-表格.xlsx")
    _step(f"统计完成：{view.filters.scope.name} {view.filters.period.label}", started)
    _write(docx, briefing_word(view, frame))
    _step(f"已写出 {docx}", started)
    _write(xlsx, tables_workbook(view, frame))
    _step(f"已写出 {xlsx}", started)
    return 0


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m briefing", description="生成季度简报（Word 与 Excel）")
    parser.add_argument("--period", required=True, help="季度，如 2026Q3")
    parser.add_argument("--scope", default=None, help="区划代码（默认：全部）")
    parser.add_argument("--out", required=True, help="Word 文件路径（.docx）；表格写在其旁 *-表格.xlsx")
    args = parser.parse_args(argv)
    if not args.out.endswith(".docx"):
        parser.error("--out 应以 .docx 结尾")
    return args


def _view(period_key: str, scope_code: str | None):
    """The view the page would draw, for a user who sees everything, and its figures."""
    import streamlit.logger
    streamlit.logger.set_log_level("error")      # its caches warn that no app runs: none is meant to
    from queries.database import Database
    from queries.db import database_url
    from queries.period import BadPeriod
    from queries.runner import compute_with_change
    from screens.briefing_page import FIGURES
    from ui.access import User
    from ui.filters import Filters
    from ui.navigation import BY_PATH, View
    db = Database.open(database_url())
    try:
        period = db.period(period_key)
    except BadPeriod as exc:
        raise ValueError(str(exc)) from None
    if period.is_campaign:
        raise ValueError("季度简报按季度编写，请用 --period 指定季度，如 2026Q3。")
    scope, top = db.scope(scope_code), db.scope(None)
    view = View(db, User(*AS, None), Filters(period, scope, top), BY_PATH["briefing"])
    return view, compute_with_change(db, list(FIGURES), scope, period)


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _step(text: str, started: float) -> None:
    print(f"[{time.monotonic() - started:5.1f} s] {text}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
