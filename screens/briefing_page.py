"""季度简报 — a placeholder until its full view lands: says what will come."""
from __future__ import annotations

from ui.navigation import View
from ui.placeholder import coming

PLANNED = (
    "按季度排版的图表与表格，适合截图粘贴",
    "图片 PNG、表格 Excel、整份简报 Word 下载",
    "全国农村低保专项治理工作台账（按区）",
)


def render(view: View) -> None:
    coming(PLANNED)
