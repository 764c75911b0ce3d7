"""Headline cards: a figure, its 环比, and its warning level (metrics.md, 预警).

A card's colour comes from the warning rule that belongs to it — the figure's own
(线索办结率, 整改销号率) or the rule of a figure that qualifies it (漏保人数 is amber while
anyone has waited more than 30 days) — and the card says which, in words, so the warning
reads in grey print and for colour-blind readers too.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from queries import warnings
from queries.figures import METRICS, is_null
from queries.period import Period, key_label
from queries.rectification import time_progress
from ui import drill
from ui import format as fmt
from ui.format import plain
from ui.maps import area_rows, ranks        # the map's own ranking: worst first
from ui.tables import NOT_CONNECTED
from ui.navigation import View


@dataclass(frozen=True)
class Warning:
    level: str | None         # 'red', 'amber' or None
    reason: str               # e.g. 超30天未纳入 171 人; '' when none


# the figure whose warning rule colours a headline card, when not the card's own figure
WARNED_BY = {
    "gap_persons": "gap_waiting_over",
    "gap_rate": "gap_waiting_over",
    "new_repeat_matters": "unresolved_repeat_long",
    "repeat_matters": "unresolved_repeat_long",
    "unresolved_repeat_matters": "unresolved_repeat_long",
}


# the card a rule belongs on when the row has it and not the rule's own figure
WARNING_HOME = {"unresolved_repeat_long": "unresolved_repeat_matters"}


def warning_keys(keys) -> list[str]:
    """The extra figures a row of cards needs for its warnings."""
    return sorted({WARNED_BY[k] for k in keys if k in WARNED_BY} - set(keys))


def warning_for(view: View, key: str, row: pd.Series) -> Warning:
    """The warning of card ``key`` from the figures in ``row`` (a compute() row)."""
    rule = WARNED_BY.get(key, key)
    value = row.get(rule)
    progress = None
    if rule == "rect_close_rate":
        progress = time_progress(view.db.campaign, view.filters.period.as_of)
    level = warnings.level(rule, None if is_null(value) else value, time_progress=progress)
    if level is None:
        return Warning(None, "")
    metric = METRICS[rule]
    if rule == "rect_close_rate":
        reason = f"时间进度 {progress:.1f}%"
    elif rule == key:      # the card shows the value: say the rule it breaks instead
        reason = warnings.rule_text(rule, level)
    else:
        reason = f"{metric.label} {fmt.value(metric, value)}"
    return Warning(level, reason)


def warned_cards(keys) -> list[str]:
    """The cards of a row that carry a warning: each rule colours one card only, its own
    figure's when that has a card (超30天未纳入), else its home's (WARNING_HOME: 未化解重复信访
    事项 for 长期未化解), else the first card it qualifies (漏保人数, not 漏保率 beside it as
    well: the same warning twice reads as two)."""
    keys = list(keys)
    chosen: dict[str, str] = {}
    for key in keys:
        rule = WARNED_BY.get(key, key)
        if rule in keys:
            chosen[rule] = rule
        elif WARNING_HOME.get(rule) in keys:
            chosen[rule] = WARNING_HOME[rule]
        else:
            chosen.setdefault(rule, key)
    return list(chosen.values())


def worst_places(frame: pd.DataFrame, key: str, *, worse: str = "最多", limit: int = 3,
                 extra=None) -> str | None:
    """The sentence that answers "where is it worst" at a glance, from a compute() frame's
    places (not the total, not 未识别区划): 未化解重复信访事项最多：汀溪镇（4 件）. Equal worst
    places are all named (up to ``limit``). ``extra(row)`` may add words after the value.
    None when no place has a value, or when the worst is no problem (a count of 0)."""
    metric = METRICS[key]
    rows = area_rows(frame)
    rank = ranks(rows[key].tolist(), metric.direction)
    worst = [row for (_, row), r in zip(rows.iterrows(), rank) if r == 1]
    if not worst or (not metric.is_rate and not worst[0][key]):
        return None
    names = "、".join(plain(str(r["name"])) for r in worst[:limit]) + ("等" if len(worst) > limit else "")
    tail = extra(worst[0]) if extra is not None else ""
    return f"{metric.label}{worse}：{names}（{fmt.value(metric, worst[0][key])}{tail}）"


def worst_line(view: View, frame: pd.DataFrame, *figures: tuple[str, str], extra=None) -> None:
    """For each (figure, 最多/最低/最高) the ``worst_places`` sentence over the places the
    map beside it compares (at a township scope, its district's townships), in bold on
    one line; nothing when none has something to say. ``extra``: see ``worst_places``."""
    shown = [worst_places(drill.comparison(view, frame, METRICS[key])[0], key, worse=worse, extra=extra)
             for key, worse in figures]
    if any(shown):
        st.markdown("**" + "；".join(s for s in shown if s) + "**")


def change_note(period: Period) -> str:
    """What the cards' changes compare with: 环比 against the previous quarter's same day."""
    previous = period.previous()
    if previous is None:
        return "专项治理以来不计环比。"
    day = f"，截至{previous.as_of.month}月{previous.as_of.day}日" if previous.cut_short else ""
    return f"卡片中的变化为环比：与上一季度同期（{key_label(previous.key)}{day}）相比；比率的变化以百分点计。"


def headline_cards(view: View, row: pd.Series, keys, *, key: str) -> None:
    """One card per figure: value with unit, 环比 (quarters; the page's caption says so:
    the word beside each delta was cut off in a fifth card at 1440 px), warning colour and reason.
    ``key``: unique on the page (the same figure may have a card in two sections)."""
    warned = warned_cards(keys)
    for column, figure in zip(st.columns(len(keys)), keys):
        with column:
            _card(view, figure, row, f"{key}_{figure}", warns=figure in warned)


def _card(view: View, key: str, row: pd.Series, widget: str, *, warns: bool) -> None:
    metric = METRICS[key]
    change = row.get(f"{key}.change")
    change = None if is_null(change) else change
    warning = warning_for(view, key, row) if warns else Warning(None, "")
    level = warning.level or "ok"
    absent = metric.requires is not None and not view.db.has(metric.requires)
    shown = NOT_CONNECTED if absent else fmt.value(metric, row.get(key))   # never a 0 for a missing table
    with st.container(border=True, key=f"card_{level}_{widget}"):
        zero = change is not None and change == 0
        st.metric(metric.label, shown, delta=fmt.change(metric, change),
                  delta_color="off" if zero else fmt.delta_colour(metric),
                  delta_arrow="off" if zero else "auto",
                  help=metric.description)
        if warning.level:
            st.markdown(f":{_badge_colour(warning.level)}-badge[{warnings.LEVEL_LABEL[warning.level]}] "
                        f"{warning.reason}")


def _badge_colour(level: str) -> str:
    return {"red": "red", "amber": "orange"}[level]
