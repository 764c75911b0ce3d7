"""应保尽保 — a placeholder until its full view lands: says what will come."""
from __future__ import annotations

from ui.navigation import View
from ui.placeholder import coming

PLANNED = (
    "按地区的漏保人数、漏保率（地图与排名）",
    "按排查类别、待纳入天数",
    "三保障未落实（医疗、教育、住房）",
    "死亡未退保、死亡后发放",
    "比对疑点、近亲属享受（纪委监委、督导组）",
    "尚未纳入人员清单（按角色脱敏，可导出 Excel）",
)


def render(view: View) -> None:
    coming("应保尽保", PLANNED)
