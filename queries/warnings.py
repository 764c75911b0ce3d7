"""预警 — warning levels from the thresholds in settings.py (metrics.md, 预警)."""
from __future__ import annotations

import settings

RED, AMBER = "red", "amber"
LEVEL_LABEL = {RED: "红色预警", AMBER: "黄色预警"}


def level(metric_key: str, value, *, time_progress: float | None = None) -> str | None:
    """The warning level of one figure's value, or None. A missing value never warns."""
    if value is None or value != value:
        return None
    if metric_key == "clue_conclusion_rate":
        if value < float(settings.get("OVERSIGHT_WARN_CLUE_RATE_RED")):
            return RED
        if value < float(settings.get("OVERSIGHT_WARN_CLUE_RATE_AMBER")):
            return AMBER
        return None
    if metric_key == "rect_close_rate":
        if time_progress is None:
            return None
        if value < time_progress - float(settings.get("OVERSIGHT_WARN_RECT_LAG_RED")):
            return RED
        return AMBER if value < time_progress else None
    if metric_key == "deceased_active":
        return RED if value > 0 else None
    if metric_key == "unresolved_repeat_long":
        return RED if value > 0 else None
    if metric_key == "gap_waiting_over":
        return AMBER if value > 0 else None
    return None


def rule_text(metric_key: str, level_: str) -> str:
    """The rule a figure's value breaks, in words (for a card that already shows the value)."""
    if metric_key == "clue_conclusion_rate":
        limit = settings.get("OVERSIGHT_WARN_CLUE_RATE_RED" if level_ == RED else "OVERSIGHT_WARN_CLUE_RATE_AMBER")
        return f"低于 {float(limit):g}%"
    if metric_key in ("deceased_active", "unresolved_repeat_long", "gap_waiting_over"):
        return "应为 0"
    return ""


def thresholds(time_progress: float | None = None) -> dict[str, list[tuple[str, float]]]:
    """Lines to draw on charts that rank places: metric key → [(level, value)].
    整改销号率's lines move with 时间进度, so they exist only when it is given."""
    lines = {
        "clue_conclusion_rate": [(AMBER, float(settings.get("OVERSIGHT_WARN_CLUE_RATE_AMBER"))),
                                 (RED, float(settings.get("OVERSIGHT_WARN_CLUE_RATE_RED")))],
    }
    if time_progress is not None:
        lag = float(settings.get("OVERSIGHT_WARN_RECT_LAG_RED"))
        lines["rect_close_rate"] = [(AMBER, time_progress), (RED, time_progress - lag)]
    return lines
