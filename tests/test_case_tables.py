"""The shared tables (ui/tables.py): figure tables with — for a missing value, case tables
masked by role, counted, linked and downloadable, every showing of personal information
logged; and the Excel files they write, read back with openpyxl.

The lists are hand-built (tests/cases_fixture.py): five people, worst first.
"""
from __future__ import annotations

import io
import json
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cases_fixture import all_rows, case_list, view
from ui.tables import count_line, figure_frame
from ui.xlsx import number_format, safe_sheet_title, workbook


@pytest.fixture
def log_path(monkeypatch, tmp_path):
    path = tmp_path / "access.log"
    monkeypatch.setenv("OVERSIGHT_ACCESS_LOG", str(path))
    return path


def _lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


# --------------------------------------------------------------------------- case tables

def _page(role: str, period_key: str, limit: int, total: int, with_all: bool) -> None:
    """A page drawing the hand-built list for a user of ``role`` (run by AppTest)."""
    from cases_fixture import all_rows, case_list, view
    from ui.tables import case_table
    case_table(case_list(limit, total), view(role, period_key), key="gap",
               fetch_all=all_rows if with_all else None, order="等待天数从长到短")


def _app(role: str, period_key: str = "2026Q3", limit: int = 3, total: int = 5,
         with_all: bool = True) -> AppTest:
    at = AppTest.from_function(_page, default_timeout=30, args=(role, period_key, limit, total, with_all))
    at.run()
    assert not at.exception, at.exception
    return at


def test_leader_sees_masked_names_short_ids_and_the_count(log_path, downloads):
    at = _app("leader")
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["人员编号", "姓名", "镇街", "类别", "排查日期", "等待天数", "月保障金额（元）"]
    assert table["姓名"].tolist() == ["张*丰", "李*", "欧**娜"]
    assert table["人员编号"].tolist() == ["0067d9…7b", "6295a4…a2", "9b1e0c…6c"]
    assert table["等待天数"].tolist() == [1258, 179, 88]
    assert at.markdown[0].value == "共 5 人；仅显示前 3 人（按等待天数从长到短排序），完整名单请下载 Excel。"
    # a township is a link to its 乡镇画像 that keeps the period; its name follows the #
    assert table["镇街"].tolist()[:2] == ["township?period=2026Q3&scope=350203001#厦港街道",
                                          "township?period=2026Q3&scope=350203004#中华街道"]
    assert at.dataframe[0].proto.placeholder == "—"


def test_commission_sees_names_and_ids_shortened(log_path, downloads):
    at = _app("commission")
    table = at.dataframe[0].value
    assert table["姓名"].tolist() == ["张三丰", "李四", "欧阳娜娜"]
    assert table["人员编号"].tolist() == ["0067d9…7b", "6295a4…a2", "9b1e0c…6c"]
    assert _lines(log_path)[0]["masked"] is False


def test_leader_excel_holds_every_row_masked_and_typed(log_path, downloads):
    _app("leader")
    sheet = _sheet(downloads[-1]())
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["人员编号", "姓名", "镇街", "类别", "排查日期", "等待天数", "月保障金额（元）"]
    assert len(rows) == 1 + 5                              # all five, not the three shown
    assert [r[1] for r in rows[1:]] == ["张*丰", "李*", "欧**娜", "王*", "赵*"]
    assert [r[0] for r in rows[1:]] == ["0067d9…7b", "6295a4…a2", "9b1e0c…6c", "a1b2c3…18", "ffee00…bb"]
    assert [r[2] for r in rows[1:]] == ["厦港街道", "中华街道", None, "厦港街道", "未识别区划"]
    first = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert first[4].value == datetime(2026, 3, 2) and first[4].is_date and first[4].number_format == "yyyy-mm-dd"
    assert first[5].value == 1258 and first[5].data_type == "n"
    assert first[6].value == 1234.5 and first[6].number_format == "#,##0.00"
    third = [c.value for c in list(sheet.iter_rows(min_row=4, max_row=4))[0]]
    assert third[4] is None and third[6] is None            # missing: empty cells, not "None"
    raw = downloads[-1]()
    for whole in (b"\xe5\xbc\xa0\xe4\xb8\x89\xe4\xb8\xb0", b"0067d986705cea7b"):   # 张三丰, the whole id
        assert whole not in raw


def test_commission_excel_has_names(log_path, downloads):
    _app("commission")
    sheet = _sheet(downloads[-1]())
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == ["张三丰", "李四", "欧阳娜娜", "王五", "赵六"]


def test_one_log_line_per_showing_and_one_per_download(log_path, downloads):
    at = _app("leader")
    at.run()                                   # a rerun: no second line
    lines = _lines(log_path)
    assert len(lines) == 1
    assert {k: lines[0][k] for k in ("user", "role", "page", "scope", "period", "rows", "masked")} == {
        "user": "u1", "role": "leader", "page": "coverage", "scope": "350203", "period": "2026Q3",
        "rows": 3, "masked": True}
    assert "download" not in lines[0]
    downloads[-1]()
    lines = _lines(log_path)
    assert len(lines) == 2 and lines[1]["download"] is True and lines[1]["rows"] == 5
    raw = log_path.read_text(encoding="utf-8")
    for personal in ("张三丰", "李四", "0067d986705cea7b", "6295a4"):
        assert personal not in raw


def test_new_session_or_period_logs_again(log_path, downloads):
    for _ in range(2):
        _app("supervisor")
    _app("supervisor", "2026Q2")
    assert [x["period"] for x in _lines(log_path)] == ["2026Q3", "2026Q3", "2026Q2"]


def test_whole_list_shown_says_only_the_count(log_path, downloads):
    at = _app("supervisor", limit=5, total=5)
    assert at.markdown[0].value == "共 5 人。"
    assert len(at.dataframe[0].value) == 5


def test_without_fetch_all_the_excel_holds_the_rows_shown(log_path, downloads):
    at = _app("supervisor", with_all=False)
    assert at.markdown[0].value == "共 5 人；仅显示前 3 人（按等待天数从长到短排序）。"
    assert _sheet(downloads[-1]()).max_row == 1 + 3


def test_count_line_beyond_the_excel_limit():
    assert count_line(case_list(3, 123_456), "等待天数从长到短") == (
        "共 123,456 人；仅显示前 3 人（按等待天数从长到短排序），Excel 含前 100,000 人。")


def test_empty_list_and_absent_table():
    def page() -> None:
        from cases_fixture import case_list, view
        from ui.tables import case_table, not_connected
        case_table(case_list(0, 0), view("leader"), key="none")
        not_connected("死亡后发放")
    at = AppTest.from_function(page, default_timeout=30)
    at.run()
    assert [i.value for i in at.info] == ["暂无数据", "死亡后发放：未接入（报表库中没有这部分数据）"]
    assert not at.dataframe


# --------------------------------------------------------------------------- figure tables

def _figures() -> pd.DataFrame:
    # as queries.runner.compute returns it below the total: two districts and 未识别区划,
    # whose 漏保率 has no denominator (no value)
    return pd.DataFrame({"code": ["350203", "350206", None], "name": ["思明区", "湖里区", "未识别区划"],
                         "is_total": [False, False, False], "gap_persons": [12, 1234, 3],
                         "gap_rate": [2.5, 10.25, None]})


def test_figure_table_headers_numbers_and_dash_for_no_value():
    def page() -> None:
        import pandas as pd
        from ui.tables import figure_table
        figure_table(pd.DataFrame({"code": ["350203", "350206", None], "name": ["思明区", "湖里区", "未识别区划"],
                                   "is_total": [False, False, False], "gap_persons": [12, 1234, 3],
                                   "gap_rate": [2.5, 10.25, None]}),
                     ["gap_persons", "gap_rate"], key="t", download="各区漏保")
    at = AppTest.from_function(page, default_timeout=30)
    at.run()
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["地区", "漏保人数（人）", "漏保率（%）"]
    assert table["漏保人数（人）"].tolist() == [12, 1234, 3]
    assert pd.isna(table["漏保率（%）"].iloc[2])          # a number column, missing: not the text "None"
    assert at.dataframe[0].proto.placeholder == "—"
    assert "未识别区划" in at.caption[0].value


def test_figure_excel_writes_blanks_and_numbers():
    table = figure_frame(_figures(), ["gap_persons", "gap_rate"])
    data = workbook(table, "各区漏保", {"漏保率（%）": number_format(1), "漏保人数（人）": number_format(0)})
    rows = [[c.value for c in row] for row in _sheet(data).iter_rows()]
    assert rows == [["地区", "漏保人数（人）", "漏保率（%）"], ["思明区", 12, 2.5], ["湖里区", 1234, 10.25],
                    ["未识别区划", 3, None]]
    assert b"None" not in data and b"nan" not in data.lower()


# --------------------------------------------------------------------------- Excel files

@pytest.mark.parametrize("title, safe", [
    ("尚未纳入人员", "尚未纳入人员"), ("思明区/湖里区", "思明区_湖里区"), ("[2026Q3]", "_2026Q3_"),
    ("12:30", "12_30"), ("a\\b?c*d", "a_b_c_d"), ("", "Sheet1"), ("'引号'", "引号"),
    ("很长的标题" * 10, ("很长的标题" * 10)[:31]),
])
def test_sheet_titles_excel_accepts(title, safe):
    assert safe_sheet_title(title) == safe
    data = workbook(pd.DataFrame({"a": [1]}), title)
    assert _sheet(data).title == safe
