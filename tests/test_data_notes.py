"""数据说明 shows the database's own words (meta.source_note, meta.loaded_at) as plain
text: a note written as Markdown draws no link, image or emphasis (stack-notes, Text from
users)."""
from __future__ import annotations

import re

import pytest
from streamlit.util import calc_hash

from app_driver import PASSWORDS, fresh_app, submit, texts
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


def _data_page(monkeypatch, url: str):
    """数据说明 for the commission, the app on a database holding ROWS at ``url``."""
    load_rows(url, ROWS)
    monkeypatch.setenv("OVERSIGHT_DB_URL", url)
    at = fresh_app()
    at._page_hash = calc_hash("data")             # the page at /data
    submit(at, "commission", PASSWORDS["commission"]).run()
    assert not at.exception, at.exception
    return at


def test_source_note_and_load_time_are_plain_text(monkeypatch, tmp_path):
    at = _data_page(monkeypatch, f"sqlite:///{tmp_path / 'notes.sqlite'}")
    lines = {line.split("：", 1)[0]: line.split("：", 1)[1]
             for md in at.markdown for line in md.value.splitlines() if line.startswith("- 数据")}
    assert set(lines) >= {"- 数据装载时间", "- 数据来源"}, lines
    for key, raw in (("- 数据装载时间", LOADED), ("- 数据来源", NOTE)):
        shown = lines[key]
        assert LIVE_MARK.search(shown) is None, (key, shown)
        assert shown.replace("\\", "") == raw          # every character is still there


def test_quality_definitions_and_no_setting_names():
    """On the demo: every planted dirty row counted under its kind, the unknown codes listed,
    the definitions readable (one expander per area), no setting name and no sentence that
    points to this page itself."""
    import json
    from app_driver import ROOT, signed_in
    manifest = json.loads((ROOT / "data" / "demo.manifest.json").read_text(encoding="utf-8"))
    at = signed_in("commission", {"period": "campaign"})
    at._page_hash = calc_hash("data")                                  # noqa: SLF001
    at.run()
    assert not at.exception, at.exception
    body = "\n".join([texts(at)] + [e.label for e in at.expander])
    assert "OVERSIGHT_" not in body
    assert "见数据说明" not in body and "详见“数据说明”" not in body
    planted = manifest["dirty"]
    for kind, label in (("unknown_township_code", "区划代码无法识别"), ("dates_out_of_order", "日期先后颠倒"),
                        ("status_contradicts_date", "状态与日期矛盾")):
        assert f"**{label}**（{sum(planted[kind].values())} 条）" in body, kind
    codes = next(f.value for f in at.dataframe if "乡镇（街道）代码" in f.value.columns)
    assert int(codes["记录数"].sum()) == sum(planted["unknown_township_code"].values())
    examples = next(f.value for f in at.dataframe if "示例编号（最多5个）" in f.value.columns)
    first_ids = manifest["dirty_ids"]["unknown_township_code"]["recipient"]
    assert examples["示例编号（最多5个）"].iloc[0] == "、".join(first_ids)
    assert [e.label.split("（")[0] for e in at.expander][:5] == ["应保尽保", "资金发放", "重复信访", "问题线索", "整改进度"]
    sources = next(f.value for f in at.dataframe if "对应指标" in f.value.columns)
    assert len(sources) == 23 and set(sources["统计口径"]) == {
        "专项治理开始至统计截至日累计", "截至统计日全部历史", "数据契约无对应字段"}


def test_missing_indexes_give_their_ddl(monkeypatch, tmp_path):
    """A database without the recommended indexes: 数据说明 says so for the IT team and
    gives the CREATE INDEX statements to copy."""
    from sqlalchemy import create_engine, text
    from queries.schema import RECOMMENDED_INDEXES
    url = f"sqlite:///{tmp_path / 'bare.sqlite'}"
    load_rows(url, ROWS)
    engine = create_engine(url)
    with engine.begin() as conn:
        for index in RECOMMENDED_INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
    engine.dispose()
    monkeypatch.setenv("OVERSIGHT_DB_URL", url)
    at = fresh_app()
    at._page_hash = calc_hash("data")                                  # noqa: SLF001
    submit(at, "commission", PASSWORDS["commission"]).run()
    assert not at.exception, at.exception
    assert any(f"缺少 {len(RECOMMENDED_INDEXES)} 个建议索引" in w.value for w in at.warning)
    ddl = "\n".join(c.value for c in at.code)
    assert ddl.count("CREATE INDEX") == len(RECOMMENDED_INDEXES)
    assert "ix_petition_matter" in ddl


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_account_that_can_write_is_named(monkeypatch, tmp_path, backend):
    """The test server's PostgreSQL account is a superuser: 数据说明 says the account is not
    read-only and shows the script for one, without the database's address; SQLite's
    connections refuse every write, so nothing is said there."""
    from conftest import dataset_url
    at = _data_page(monkeypatch, dataset_url(backend, "notes_privileges", tmp_path))
    warned = [e.value for e in at.error if "不是只读账号" in e.value]
    if backend == "sqlite":
        assert not warned
        return
    assert len(warned) == 1 and "超级用户" in warned[0] and "OVERSIGHT_" not in warned[0], warned
    scripts = [c.value for c in at.code]
    assert any("GRANT SELECT ON TABLE recipient TO oversight_reader;" in s for s in scripts)
    shown = texts(at) + "\n".join(scripts)
    assert "127.0.0.1" not in shown and "notes_privileges" not in shown
