"""整改进度 — a placeholder until its full view lands: says what will come."""
from __future__ import annotations

from ui.navigation import View
from ui.placeholder import coming

PLANNED = (
    "整改销号率对照专项治理时间进度",
    "按阶段的燃尽图",
    "逾期整改事项",
    "对账销号台账（可导出 Excel）",
)


def render(view: View) -> None:
    coming(PLANNED)
