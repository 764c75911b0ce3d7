"""Lists of cases behind the figures (the people not yet covered, 死亡未退保, …): which
columns a list has, with their Chinese headers, and what a list query returns.

Each list goes through the same scope and region gate as the figures, is ordered worst
first, is cut at a limit, and carries the total count of its rows, which equals the
figure shown above it (tested).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# how a column is shown, masked and written to Excel
KINDS = frozenset({
    "text",      # plain text (a code's Chinese label, a description)
    "name",      # a person's name: personal, masked by role
    "id",        # a pseudonymous id (person, household, account …): shortened for everyone
    "int",       # a count or number of days, written as a number
    "money",     # 元, two decimals, written as a number
    "date",      # YYYY-MM-DD, written as a date
    "township",  # a township code: shown as its name, linking to 乡镇画像
})


@dataclass(frozen=True)
class Column:
    key: str           # the column of the list's frame
    label: str         # the Chinese header, on the page and in the Excel file
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"column kind {self.kind!r} not in {sorted(KINDS)}")


@dataclass(frozen=True)
class CaseList:
    """One list for one scope and period: its first ``limit`` rows in the list's order
    (worst first), and how many rows the whole list has."""

    key: str                     # e.g. 'uncovered_persons'
    title: str                   # Chinese, e.g. 尚未纳入保障人员清单
    unit: str                    # 人, 笔, 条 … (共 N 人)
    columns: tuple[Column, ...]
    rows: pd.DataFrame           # columns named by Column.key
    total: int
    limit: int

    @property
    def is_cut(self) -> bool:
        return self.total > len(self.rows)
