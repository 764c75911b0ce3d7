"""季度简报's sentences, in the style of a 情况通报, made from figures by templates.

Every number in a sentence is a figure the page shows (the headline table or an area's
table), written as ``ui.format`` writes it; a sentence whose figure has no value is left
out, never filled with 0 or "None". 环比 reads 增加/减少 N 件 (rates 上升/下降 N 个百分点), or
持平 when the change is zero.
"""
from __future__ import annotations

from typing import Callable, Mapping

import pandas as pd

from queries.figures import METRICS, is_null
from ui import format as fmt
from ui.maps import area_rows, ranks

Row = Mapping[str, object]


def number(key: str, value) -> str:
    """A figure's value as the page writes it (ui.format.value), run into the sentence:
    12件, 8.6%, 1,234人."""
    return fmt.value(METRICS[key], float(value)).replace(" ", "")


def change_words(key: str, change) -> str | None:
    """环比增加3件 / 环比下降1.2个百分点 / 环比持平; None without a 环比."""
    if is_null(change):
        return None
    metric = METRICS[key]
    change = float(change)
    if round(change, metric.decimals if metric.unit not in ("%", "‰") else 1) == 0:
        return "环比持平"
    rate = metric.unit in ("%", "‰")
    up, down = ("上升", "下降") if rate else ("增加", "减少")
    unit = ("个百分点" if metric.unit == "%" else "个千分点") if rate else metric.unit
    amount = f"{abs(change):,.1f}" if rate else f"{abs(change):,.{metric.decimals}f}"
    return f"环比{up if change > 0 else down}{amount}{unit}"


def worst_area(frame: pd.DataFrame, key: str) -> tuple[str, object] | None:
    """The area of ``frame`` (a compute() frame: places one level down) where ``key`` is
    worst, with its value; None when no area has a value or the worst count is 0. Ties:
    the first in the frame's order."""
    rows = area_rows(frame)
    if rows.empty or key not in rows:
        return None
    metric = METRICS[key]
    order = ranks(rows[key].tolist(), metric.direction)
    best = [(row, r) for (_, row), r in zip(rows.iterrows(), order) if r == 1]
    if not best:
        return None
    row = best[0][0]
    if not metric.is_rate and not row[key]:
        return None
    return str(row["name"]), row[key]


def _figure(total: Row, key: str, text: Callable[[str], str]) -> str | None:
    """``text(value as written)``, or None when the figure has no value."""
    value = total.get(key)
    return None if is_null(value) else text(number(key, value))


def _with_change(total: Row, key: str) -> str:
    words = change_words(key, total.get(f"{key}.change"))
    return f"，{words}" if words else ""


def _where(frame: pd.DataFrame, key: str, lead: str = "主要集中在") -> str:
    found = worst_area(frame, key)
    return f"，{lead}{found[0]}（{number(key, found[1])}）" if found else ""


def coverage(total: Row, frame: pd.DataFrame) -> list[str]:
    out = [_figure(total, "gap_persons",
                   lambda v: f"排查认定符合条件但尚未纳入保障{v}{_with_change(total, 'gap_persons')}"
                             f"{_where(frame, 'gap_persons')}。"),
           _figure(total, "gap_rate", lambda v: f"漏保率{v}{_with_change(total, 'gap_rate')}。"),
           _figure(total, "gap_waiting_over", lambda v: f"其中{METRICS['gap_waiting_over'].label}{v}。"),
           _figure(total, "deceased_active",
                   lambda v: f"死亡未退保{v}。" if total["deceased_active"] else "未发现死亡未退保。")]
    return [s for s in out if s]


def petitions(total: Row, frame: pd.DataFrame, *, quarter: bool) -> list[str]:
    when = "本季度" if quarter else "专项治理以来"
    out = [_figure(total, "new_repeat_matters",
                   lambda v: f"{when}新增重复信访事项{v}{_with_change(total, 'new_repeat_matters')}"
                             f"{_where(frame, 'new_repeat_matters')}。"),
           _figure(total, "unresolved_repeat_matters",
                   lambda v: f"未化解重复信访事项{v}{_with_change(total, 'unresolved_repeat_matters')}。"),
           _figure(total, "unresolved_repeat_long",
                   lambda v: f"其中未化解超过60天的{v}，列为红色预警。" if total["unresolved_repeat_long"] else None)]
    return [s for s in out if s]


def clues(total: Row, frame: pd.DataFrame) -> list[str]:
    out = [_figure(total, "clues_received_total", lambda v: f"累计受理问题线索{v}。"),
           _figure(total, "clue_conclusion_rate",
                   lambda v: f"线索办结率{v}{_with_change(total, 'clue_conclusion_rate')}。"),
           _figure(total, "overdue_clues",
                   lambda v: (f"逾期未办结线索{v}{_where(frame, 'overdue_clues', '最多的是')}。"
                              if total["overdue_clues"] else "没有逾期未办结线索。"))]
    return [s for s in out if s]


def rectification(total: Row, frame: pd.DataFrame, time_progress: float | None) -> list[str]:
    clock = f"（时间进度{time_progress:.1f}%）" if time_progress is not None else ""
    out = [_figure(total, "rect_items", lambda v: f"排查发现整改问题{v}。"),
           _figure(total, "rect_close_rate",
                   lambda v: f"整改销号率{v}{clock}{_with_change(total, 'rect_close_rate')}"
                             f"{_where(frame, 'rect_close_rate', '最低的是')}。"),
           _figure(total, "rect_overdue",
                   lambda v: f"逾期未整改{v}。" if total["rect_overdue"] else "没有逾期未整改的问题。")]
    return [s for s in out if s]
