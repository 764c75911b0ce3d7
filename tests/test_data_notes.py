"""数据说明 shows the database's own words (meta.source_note, meta.loaded_at) as plain
text: a note written as Markdown draws no link, image or emphasis (stack-notes, Text from
users)."""
from __future__ import annotations

import re

import pytest
from streamlit.util import calc_hash

from app_driver import PASSWORDS, fresh_app, submit
from conftest import load_rows

NOTE = "[点此下载](//127.1:9/x) ![](//127.1:9/y)"
LOADED = "**2026-11-16** <b>02:00</b>"
ROWS = {
    "region": [dict(code="350200", name="厦门市", level="city"),
               dict(code="350203", name="思明区", level="district", parent_code="350200"),
               dict(code="350203001", name="厦港街道", level="township", parent_code="350203")],
    "meta": [dict(key="data_as_of", value="2026-11-15"), dict(key="source_note", value=NOTE),
             dict(key="loaded_at", value=LOADED)],
}
# a Markdown mark that still works: one not preceded by a backslash
LIVE_MARK = re.compile(r"(?<!\\)[\[\]()!*<>]")


# a new server on the demo app (conftest); each test points it at its own database
pytestmark = pytest.mark.usefixtures("demo_app")


def test_source_note_and_load_time_are_plain_text(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'notes.sqlite'}"
    load_rows(url, ROWS)
    monkeypatch.setenv("OVERSIGHT_DB_URL", url)
    at = fresh_app()
    at._page_hash = calc_hash("data")             # the page at /data
    submit(at, "commission", PASSWORDS["commission"]).run()
    assert not at.exception, at.exception
    lines = {line.split("：", 1)[0]: line.split("：", 1)[1]
             for md in at.markdown for line in md.value.splitlines() if line.startswith("- 数据")}
    assert set(lines) >= {"- 数据装载时间", "- 数据来源"}, lines
    for key, raw in (("- 数据装载时间", LOADED), ("- 数据来源", NOTE)):
        shown = lines[key]
        assert LIVE_MARK.search(shown) is None, (key, shown)
        assert shown.replace("\\", "") == raw          # every character is still there
