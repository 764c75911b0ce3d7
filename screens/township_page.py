"""乡镇画像 — a placeholder until its full view lands: says what will come."""
from __future__ import annotations

from ui.navigation import View
from ui.placeholder import coming

PLANNED = (
    "一个镇（街道）四个方面的指标，对照所在区和全市",
    "问题指数各分项",
    "该镇街未办结的案件清单",
)


def render(view: View) -> None:
    coming(PLANNED)
