"""预警 — warning levels from the thresholds in settings.py (metrics.md, 预警)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import settings
from queries.figures import METRICS, is_null

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


# the figures that carry a warning rule, in the order a list of warnings shows them
WARNING_FIGURES = ("deceased_active", "unresolved_repeat_long", "clue_conclusion_rate",
                   "rect_close_rate", "gap_waiting_over")
_UNITS = {"deceased_active": "人", "unresolved_repeat_long": "件", "gap_waiting_over": "人"}


@dataclass(frozen=True)
class Fired:
    """A warning that fires for one place: the figure, its level, its value and the rule."""
    metric_key: str
    level: str
    value: float
    rule: str            # the threshold in words: 低于 70%, 应为 0, 低于时间进度 45.3% 达 20 个百分点

    @property
    def label(self) -> str:
        return METRICS[self.metric_key].label

    @property
    def value_text(self) -> str:
        if self.metric_key in _UNITS:
            return f"{int(self.value):,} {_UNITS[self.metric_key]}"
        return f"{self.value:.1f}%"


def fired(row: Mapping, *, time_progress: float | None = None) -> list[Fired]:
    """The warnings that fire for one place, red first, from its figures (a compute() row
    holding WARNING_FIGURES; a figure missing from it or without a value never warns)."""
    out = []
    for key in WARNING_FIGURES:
        value = row.get(key)
        if is_null(value):
            continue
        found = level(key, float(value), time_progress=time_progress)
        if found is not None:
            out.append(Fired(key, found, float(value), threshold_text(key, found, time_progress)))
    return sorted(out, key=lambda w: w.level != RED)


def threshold_text(metric_key: str, level_: str, time_progress: float | None = None) -> str:
    """The rule a value breaks, in words, with the threshold's number."""
    if metric_key == "rect_close_rate" and time_progress is not None:
        if level_ == RED:
            lag = float(settings.get("OVERSIGHT_WARN_RECT_LAG_RED"))
            return f"低于时间进度（{time_progress:.1f}%）{lag:g} 个百分点以上"
        return f"低于时间进度（{time_progress:.1f}%）"
    if metric_key == "unresolved_repeat_long":
        days = int(settings.get("OVERSIGHT_WARN_REPEAT_OPEN_DAYS"))
        return f"未化解超 {days} 天的应为 0"
    return rule_text(metric_key, level_)


def describe(warning: Fired) -> str:
    """One warning in a sentence: 线索办结率 62.5%，低于 70%."""
    return f"{warning.label} {warning.value_text}，{warning.rule}"


@dataclass(frozen=True)
class PlaceWarning:
    code: str
    name: str
    warning: Fired


def places_warned(frames, *, time_progress: float | None = None) -> list[PlaceWarning]:
    """Every warning that fires for a place of ``frames`` (compute() frames holding
    WARNING_FIGURES: a scope's total row and its areas, at one level or several), each
    place once, worst first: red before amber, then by figure (WARNING_FIGURES' order),
    then the largest count or the lowest rate. Rows without a code (未识别区划) are no
    place: 数据说明 lists them."""
    seen, out = set(), []
    for frame in frames:
        for _, row in frame.iterrows():
            code = row.get("code")
            if is_null(code) or code in seen:
                continue
            seen.add(code)
            out += [PlaceWarning(str(code), str(row["name"]), w) for w in fired(row, time_progress=time_progress)]
    order = {key: i for i, key in enumerate(WARNING_FIGURES)}
    rates = {"clue_conclusion_rate", "rect_close_rate"}
    return sorted(out, key=lambda p: (p.warning.level != RED, order[p.warning.metric_key],
                                      p.warning.value if p.warning.metric_key in rates else -p.warning.value,
                                      p.code))


def rules_text() -> str:
    """The rules in one sentence, with the thresholds as set."""
    amber = float(settings.get("OVERSIGHT_WARN_CLUE_RATE_AMBER"))
    red = float(settings.get("OVERSIGHT_WARN_CLUE_RATE_RED"))
    lag = float(settings.get("OVERSIGHT_WARN_RECT_LAG_RED"))
    days = int(settings.get("OVERSIGHT_WARN_REPEAT_OPEN_DAYS"))
    return (f"预警规则：线索办结率低于 {amber:g}% 黄色、低于 {red:g}% 红色；整改销号率低于时间进度黄色、"
            f"低于 {lag:g} 个百分点以上红色；死亡未退保任一即红色；重复信访事项未化解超过 {days} 天"
            f"任一即红色；{METRICS['gap_waiting_over'].label}任一即黄色。")
