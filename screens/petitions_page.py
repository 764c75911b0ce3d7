"""重复信访 — a placeholder until its full view lands: says what will come."""
from __future__ import annotations

from ui.navigation import View
from ui.placeholder import coming

PLANNED = (
    "新增重复信访事项、未化解重复信访事项（地图与排名）",
    "渠道构成与月度趋势",
    "一次性化解率、信访按期办结率",
    "重点标注清单：事项、镇街、件数、渠道、首末次日期、已历时、状态",
)


def render(view: View) -> None:
    coming(PLANNED)
