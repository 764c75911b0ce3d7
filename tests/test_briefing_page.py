"""季度简报 through app.py (AppTest) on the demo database: the title line, the headline
figures with 环比 equal to the query layer's, each area's sentences from those figures;
专项治理以来 asks for a quarter; a district user gets the refusal only."""
from __future__ import annotations

import pytest

from app_driver import texts
from queries.database import Database
from queries.runner import compute_with_change
from screens import briefing_page
from settings import DEMO_DB_PATH
from test_pages import open_page
from ui import briefing_text
from ui import format as fmt
from queries.figures import METRICS

pytestmark = pytest.mark.usefixtures("demo_app")


def _files(downloads, count: int = 7) -> dict[str, list[bytes]]:
    """The page's last ``count`` download buttons clicked, by kind: png, docx, tables (the
    workbook whose first sheet is 主要指标), ledger (the form)."""
    out: dict[str, list[bytes]] = {"png": [], "docx": [], "tables": [], "ledger": []}
    for made in downloads[-count:]:
        data = made()
        if data[:4] == b"\x89PNG":
            out["png"].append(data)
        elif b"word/document.xml" in data:
            out["docx"].append(data)
        elif b"xl/workbook.xml" in data:
            out["tables" if _first_sheet(data) == "主要指标" else "ledger"].append(data)
    return out


def _first_sheet(data: bytes) -> str:
    import io
    import openpyxl
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames[0]


def test_quarter_sheet_for_the_city():
    db = Database.open(f"sqlite:///{DEMO_DB_PATH}")
    at = open_page("supervisor", "briefing", {"period": "2026Q3"})
    assert not at.error, [e.value for e in at.error]
    frame = compute_with_change(db, list(briefing_page.FIGURES), db.scope(None), db.period("2026Q3"))
    total = frame[frame["is_total"]].iloc[0]
    body = texts(at)
    assert "厦门市社会救助专项整治2026年第3季度情况" in body
    headline = next(f.value for f in at.dataframe if "环比" in f.value.columns)
    assert list(headline["本季度"]) == [fmt.value(METRICS[k], total[k]) for k in briefing_page.HEADLINE]
    assert list(headline["环比"]) == [fmt.change(METRICS[k], total[f"{k}.change"]) for k in briefing_page.HEADLINE]
    # the sentences are the templates' over these figures (numbers as written: 332人 …)
    petitions = "".join(briefing_text.petitions(total, frame, quarter=True))
    assert petitions.startswith(f"本季度新增重复信访事项{int(total['new_repeat_matters'])}件")
    flat = body.replace("\\", "")
    assert petitions in flat
    assert "".join(briefing_text.coverage(total, frame)) in flat


def test_campaign_asks_for_a_quarter():
    at = open_page("commission", "briefing", {"period": "campaign"})
    assert "季度简报按季度编写" in texts(at)
    at.button(key="briefing.latest").click().run()
    assert not at.exception, at.exception
    assert "社会救助专项整治2026年第4季度（截至11月15日）情况" in texts(at)


def test_district_user_gets_the_refusal_only():
    at = open_page("siming", "briefing", {"period": "2026Q3"})
    assert any("无权查看" in e.value for e in at.error)
    assert not at.dataframe


def _png_size(data: bytes) -> tuple[int, int]:
    import struct
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_each_chart_as_png_from_the_server(downloads):
    """Where Chromium is installed (CI installs it): a decodable PNG at scale 2 of the
    chart's export width."""
    from ui import charts, png
    if png.missing():
        pytest.skip(png.missing())
    at = open_page("commission", "briefing", {"period": "2026Q3"})
    assert [b.label for b in at.get("download_button")].count("下载 PNG 图片") == len(briefing_page.AREAS)
    pngs = _files(downloads)["png"]
    assert len(pngs) == len(briefing_page.AREAS)
    width, height = _png_size(pngs[0])
    assert width == 2 * charts.EXPORT_WIDTH and height > 300


def test_without_chromium_the_page_says_what_to_install(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    at = open_page("commission", "briefing", {"period": "2026Q3"})
    assert not at.error
    buttons = [b for b in at.get("download_button") if b.label == "下载 PNG 图片"]
    assert buttons and all(b.proto.disabled for b in buttons)
    assert all("apt-get install -y chromium" in b.proto.help for b in buttons)


def test_all_tables_as_one_workbook(downloads):
    import io
    import openpyxl
    db = Database.open(f"sqlite:///{DEMO_DB_PATH}")
    assert not open_page("leader", "briefing", {"period": "2026Q3"}).error
    book = openpyxl.load_workbook(io.BytesIO(_files(downloads)["tables"][0]))
    assert book.sheetnames == ["主要指标", "应保尽保", "重复信访", "问题线索", "整改进度"]
    frame = compute_with_change(db, list(briefing_page.FIGURES), db.scope(None), db.period("2026Q3"))
    total = frame[frame["is_total"]].iloc[0]
    rows = list(book["主要指标"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [METRICS[k].label for k in briefing_page.HEADLINE]
    assert rows[0][2] == int(total["gap_persons"]) and rows[0][3] == int(total["gap_persons.change"])
    sheet = book["重复信访"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["地区", "新增重复信访事项（件）"]
    values = {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["厦门市"] == total["new_repeat_matters"]
    assert isinstance(values["厦门市"], (int, float))


def test_the_whole_briefing_as_word(downloads):
    """A4 portrait; the title; the headline table as on the page; per area its sentences,
    its chart as an image (where Chromium is installed) and its table."""
    import io
    from docx import Document
    from ui import png
    at = open_page("supervisor", "briefing", {"period": "2026Q3"})
    document = Document(io.BytesIO(_files(downloads)["docx"][0]))
    section = document.sections[0]
    assert section.page_height > section.page_width
    texts_ = [p.text for p in document.paragraphs]
    assert texts_[0] == "厦门市社会救助专项整治2026年第3季度情况"
    headline = next(f.value for f in at.dataframe if "环比" in f.value.columns)
    first = document.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["指标", "本季度", "环比"]
    assert [[c.text for c in r.cells] for r in first.rows[1:]] == headline.astype(str).values.tolist()
    assert len(document.tables) == 1 + len(briefing_page.AREAS)
    body = "\n".join(texts_)
    for area, *_ in briefing_page.AREAS:
        assert area in body
    assert len(document.inline_shapes) == (len(briefing_page.AREAS) if png.missing() is None else 0)
    assert "None" not in body and "nan" not in body


def _members(data: bytes) -> dict[str, bytes]:
    """A .docx or .xlsx part by part, but its creation time (docProps/core.xml)."""
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def test_the_command_line_writes_the_buttons_files(downloads, tmp_path, capsys):
    """python -m briefing: the same .docx and .xlsx as the page's buttons, part for part
    (only the creation time differs); progress printed; nothing half written."""
    import briefing
    at = open_page("supervisor", "briefing", {"period": "2026Q3"})
    assert not at.error
    files = _files(downloads)
    button_docx, button_xlsx = files["docx"][0], files["tables"][0]
    out = tmp_path / "通报.docx"
    assert briefing.main(["--period", "2026Q3", "--out", str(out)]) == 0
    assert _members(out.read_bytes()) == _members(button_docx)
    assert _members((tmp_path / "通报-表格.xlsx").read_bytes()) == _members(button_xlsx)
    printed = capsys.readouterr().out
    assert "统计完成：厦门市 2026年第3季度" in printed and "已写出" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["通报-表格.xlsx", "通报.docx"]


@pytest.mark.parametrize("args, says", [
    (["--period", "2026Q9"], "无法识别的统计期"), (["--period", "campaign"], "请用 --period 指定季度"),
    (["--period", "2026Q3", "--scope", "999"], "区划代码“999”不存在")])
def test_the_command_line_refuses_bad_input_in_chinese(args, says, tmp_path, capsys):
    import briefing
    assert briefing.main([*args, "--out", str(tmp_path / "x.docx")]) == 2
    assert says in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_national_ledger_on_the_page_and_its_form(downloads):
    """The 工作台账 as the page shows it equals queries.national_ledger; its .xlsx has the
    form's two-row header (groups merged above their columns, 地区 over both rows) and —
    where the contract has no field."""
    import io
    import openpyxl
    from queries.national_ledger import COLUMNS, national_ledger
    db = Database.open(f"sqlite:///{DEMO_DB_PATH}")
    at = open_page("commission", "briefing", {"period": "2026Q3"})
    shown = next(f.value for f in at.dataframe if "重复信访事项数" in f.value.columns)
    expected = national_ledger(db, db.scope(None), db.period("2026Q3"))
    assert shown.astype(str).values.tolist() == expected.astype(str).values.tolist()
    assert list(shown["地区"])[-1] == "合计"
    sheet = openpyxl.load_workbook(io.BytesIO(_files(downloads)["ledger"][0])).active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A2:A3" in merged                                    # 地区 over both header rows
    assert sheet.cell(2, 2).value == COLUMNS[0].group and sheet.cell(3, 2).value == COLUMNS[0].label
    first_group = sum(1 for c in COLUMNS if c.group == COLUMNS[0].group)
    assert f"B2:{openpyxl.utils.get_column_letter(1 + first_group)}2" in merged
    total = [c.value for c in sheet[3 + len(expected)]]
    assert total[0] == "合计"
    no_field = [i for i, c in enumerate(COLUMNS, 1) if c.figure is None]
    assert all(total[i] == "—" for i in no_field)
    assert total[COLUMNS.index(next(c for c in COLUMNS if c.figure == "repeat_matters")) + 1] == \
        int(expected.iloc[-1]["重复信访事项数"])


def test_a_township_sheet_ranks_its_districts_townships():
    """At a township scope the charts compare its district's townships (this one among
    them) and the sentences name no place of concentration: the scope is one place."""
    import json
    at = open_page("commission", "briefing", {"period": "2026Q3", "scope": "350212109"})
    assert not at.error
    assert "主要集中在" not in texts(at).replace("\\", "")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = " ".join(map(str, spec["layout"]["yaxis"].get("ticktext", [])))
    assert "汀溪镇" in names and len({y for trace in spec["data"] for y in trace.get("y", [])}) > 5
