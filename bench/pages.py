"""The query set of each planned page, as the pages will call it (views.md, Pages)."""
from __future__ import annotations

from typing import Callable

from queries.figures import compute, compute_with_change, metrics_for
from queries.problem_index import problem_index
from queries.rectification import burn_down, items_by_phase

HEADLINE = ["gap_persons", "new_repeat_matters", "repeat_matters", "clue_conclusion_rate",
            "rect_close_rate"]


def overview(db, scope, period) -> None:
    compute_with_change(db, HEADLINE, scope, period)
    problem_index(db, period, within=scope)
    burn_down(db, scope, period)


def coverage(db, scope, period) -> None:
    compute(db, [m.key for m in metrics_for("coverage")], scope, period)


def petitions(db, scope, period) -> None:
    compute(db, [m.key for m in metrics_for("petitions")], scope, period)


def clues(db, scope, period) -> None:
    compute(db, [m.key for m in metrics_for("clues")], scope, period)


def rectification(db, scope, period) -> None:
    compute(db, [m.key for m in metrics_for("rectification")], scope, period)
    burn_down(db, scope, period)
    items_by_phase(db, scope, period)


def township_profile(db, scope, period) -> None:
    """One township against its district and the deployment (the yardstick)."""
    keys = HEADLINE + ["gap_rate", "overdue_clues", "rect_overdue", "unresolved_repeat_matters"]
    compute_with_change(db, keys, scope, period)
    district = db.scope(scope.code[:6]) if len(scope.code) == 9 else scope
    compute(db, keys, district, period)
    compute(db, keys, db.deployment(), period)
    problem_index(db, period, within=scope)


PAGES: dict[str, Callable] = {
    "总览 overview": overview, "应保尽保 coverage": coverage, "重复信访 petitions": petitions,
    "问题线索 clues": clues, "整改进度 rectification": rectification,
    "乡镇画像 township": township_profile,
}
