"""Case tables: masked by role, downloadable with the same columns, and every showing of
personal information logged once per session for the same page, scope and period."""
from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest


def _page(role: str, period_key: str) -> None:
    """A page drawing one case table for a user of ``role`` (run by AppTest)."""
    from types import SimpleNamespace

    import pandas as pd

    from ui.access import User
    from ui.tables import case_table
    user = User("u1", "测试用户", role, None)
    view = SimpleNamespace(scope=SimpleNamespace(code="350203"), period=SimpleNamespace(key=period_key))
    cases = pd.DataFrame({"person_id": ["0067d986705cea7b", "6295a4cc634980a2"],
                          "name": ["张三丰", "李四"], "township": ["厦港街道", "中华街道"]})
    case_table(cases, {"person_id": "人员编号", "name": "姓名", "township": "镇街"},
               user=user, page="coverage", filters=view, title="尚未纳入人员", key="gap")


def _app(role: str, period_key: str = "2026Q3") -> AppTest:
    return AppTest.from_function(_page, default_timeout=30, args=(role, period_key))


@pytest.fixture
def log_path(monkeypatch, tmp_path):
    path = tmp_path / "access.log"
    monkeypatch.setenv("OVERSIGHT_ACCESS_LOG", str(path))
    return path


def _lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_leader_sees_masked_names_and_one_log_line_per_session(log_path):
    at = _app("leader")
    at.run()
    at.run()                                   # a rerun: no second line
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["人员编号", "姓名", "镇街"]
    assert table["姓名"].tolist() == ["张*丰", "李*"]
    assert table["人员编号"].tolist() == ["0067d9…7b", "6295a4…a2"]
    lines = _lines(log_path)
    assert len(lines) == 1
    entry = lines[0]
    assert {k: entry[k] for k in ("user", "role", "page", "scope", "period", "rows", "masked")} == {
        "user": "u1", "role": "leader", "page": "coverage", "scope": "350203", "period": "2026Q3",
        "rows": 2, "masked": True}
    raw = log_path.read_text(encoding="utf-8")
    for personal in ("张三丰", "李四", "0067d986705cea7b", "6295a4"):
        assert personal not in raw


def test_commission_sees_names_and_ids_shortened(log_path):
    at = _app("commission")
    at.run()
    table = at.dataframe[0].value
    assert table["姓名"].tolist() == ["张三丰", "李四"]
    assert table["人员编号"].tolist() == ["0067d9…7b", "6295a4…a2"]
    assert _lines(log_path)[0]["masked"] is False


def test_new_session_or_period_logs_again(log_path):
    for _ in range(2):
        _app("supervisor").run()
    _app("supervisor", "2026Q2").run()
    assert [x["period"] for x in _lines(log_path)] == ["2026Q3", "2026Q3", "2026Q2"]


def test_download_has_the_same_columns_and_masking(log_path):
    from ui.tables import to_xlsx
    shown = pd.DataFrame({"人员编号": ["0067d9…7b"], "姓名": ["张*丰"]})
    back = pd.read_excel(io.BytesIO(to_xlsx(shown, "尚未纳入人员")))
    assert back.columns.tolist() == ["人员编号", "姓名"] and back.iloc[0].tolist() == ["0067d9…7b", "张*丰"]
