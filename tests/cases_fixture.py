"""A hand-built case list and a view to draw it for (tests of ui/tables.py)."""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from queries.cases import CaseList, Column
from queries.scope import Region
from ui.access import User

TOWNSHIPS = {"350203001": "厦港街道", "350203004": "中华街道"}
COLUMNS = (Column("person_id", "人员编号", "id"), Column("name", "姓名", "name"),
           Column("township_code", "镇街", "township"), Column("category", "类别"),
           Column("screened_date", "排查日期", "date"), Column("days_waiting", "等待天数", "int"),
           Column("amount", "月保障金额（元）", "money"))


def all_rows() -> pd.DataFrame:
    """Five people, worst first; the third has no screening date, amount or township."""
    return pd.DataFrame({
        "person_id": ["0067d986705cea7b", "6295a4cc634980a2", "9b1e0c4d2f3a5b6c", "a1b2c3d4e5f60718", "ffee00112233aabb"],
        "name": ["张三丰", "李四", "欧阳娜娜", "王五", "赵六"],
        "township_code": ["350203001", "350203004", None, "350203001", "999999001"],
        "category": ["低收入家庭", "特困", "低收入家庭", "低保边缘", "特困"],
        "screened_date": [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-05-20"), None,
                          pd.Timestamp("2026-08-31"), pd.Timestamp("2026-10-01")],
        "days_waiting": [1258, 179, 88, 76, 45],
        "amount": [1234.5, 650.0, None, 0.25, 700.0],
    })


def case_list(limit: int = 3, total: int = 5) -> CaseList:
    return CaseList("uncovered_persons", "尚未纳入保障人员清单", "人", COLUMNS,
                    all_rows().head(limit), total, limit)


def view(role: str, period_key: str = "2026Q3", page: str = "coverage") -> SimpleNamespace:
    regions = [Region(code, name, "township", "350203", None, None, None) for code, name in TOWNSHIPS.items()]
    db = SimpleNamespace(tree=SimpleNamespace(by_code={r.code: r for r in regions}))
    filters = SimpleNamespace(scope=SimpleNamespace(code="350203", name="思明区"),
                              period=SimpleNamespace(key=period_key))
    return SimpleNamespace(db=db, user=User("u1", "测试用户", role, None), filters=filters,
                           page=SimpleNamespace(url_path=page))
