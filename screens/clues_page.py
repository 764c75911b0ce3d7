"""问题线索 — a placeholder until its full view lands: says what will come."""
from __future__ import annotations

from ui.navigation import View
from ui.placeholder import coming

PLANNED = (
    "线索办理漏斗：受理、办结、查实、处置、移交、立案、问责",
    "线索办结率对照预警线",
    "来源与类别构成",
    "逾期线索、移交纪委监委的线索",
)


def render(view: View) -> None:
    coming(PLANNED)
