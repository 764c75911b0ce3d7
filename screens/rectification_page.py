"""整改进度 — rectification progress (views.md, page 5): 整改销号率 by place against
时间进度 (map and ranking), the burn-down over the campaign's weeks and the items found per
phase, the status split of 未销号 on the latest day, 逾期未整改, and the ledger (对账销号台账)
with its filters and Excel export.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.figures import METRICS, is_null
from queries.rectification import CATEGORY_LABEL, STATE_LABEL, time_progress
from ui import cards, charts, data, drill, places, tables
from ui import format as fmt
from ui.navigation import View

HEADLINE = ("rect_close_rate", "rect_items", "rect_unclosed", "rect_overdue", "rect_on_time_rate")
BY_PLACE = ("rect_close_rate", "rect_items", "rect_unclosed", "rect_overdue")
SPLIT = ("rect_status_open", "rect_status_in_progress", "rect_status_done", "rect_status_other")


def start(view: View, lists: bool = True) -> list:
    """The page's data calls at once (``data.together``). ``lists=False``: its figures,
    breakdowns and trends only, nothing personal (what ui.warm computes ahead)."""
    return data.together(
        lambda: view.figures(list(dict.fromkeys(HEADLINE + BY_PLACE + SPLIT)), with_change=True),
        lambda: data.case_lists(view, ("overdue_items",)) if lists else None,
        lambda: data.burn_down(view), lambda: data.items_by_phase(view))


def render(view: View) -> None:
    drill.breadcrumb(view)
    frame, lists, _, _ = start(view)
    total = frame[frame["is_total"]].iloc[0]
    cards.headline_cards(view, total, HEADLINE, key="rect.head")
    st.caption(_period_note(view))
    _by_place(view, frame)
    _progress(view, total)
    st.subheader("逾期未整改问题")
    tables.case_table(lists["overdue_items"], view, key="rect.overdue",
                      fetch_all=lambda: data.all_cases(view, "overdue_items"), order="逾期天数从长到短")
    _ledger(view)


def _period_note(view: View) -> str:
    progress = time_progress(view.db.campaign, view.filters.period.as_of)
    clock = f"专项治理时间进度 {progress:.1f}%（统计截至日已过天数 ÷ 专项治理总天数）；" if progress is not None else ""
    return (f"{clock}整改销号率低于时间进度为黄色预警，低于 20 个百分点以上为红色预警。"
            f"各项均为统计截至日的时点数。{cards.change_note(view.filters.period)}")


def _by_place(view: View, frame: pd.DataFrame) -> None:
    st.subheader(f"{drill.child_label(view)}整改销号率")
    progress = time_progress(view.db.campaign, view.filters.period.as_of)
    behind = (lambda row: f"，落后时间进度 {progress - row['rect_close_rate']:.1f} 个百分点"
              if progress is not None and row["rect_close_rate"] < progress else "")
    cards.worst_line(view, frame, ("rect_close_rate", "最低"), extra=behind)
    # the ranking's time-progress line and the red line 20 points below it come with the figure
    places.map_and_ranking(view, frame, "rect_close_rate", key="rect")
    tables.figure_table(frame, BY_PLACE, key="rect.areas")


def _progress(view: View, total: pd.Series) -> None:
    st.subheader("整改进度")
    charts.burn_down_chart(view, data.burn_down(view), key="rect.burn_down")
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**各阶段发现问题**")
        phases = data.items_by_phase(view)
        charts.mix_bars(view, pd.DataFrame({"label": phases["phase"], "value": phases["items"]}),
                        "rect_items", key="rect.phases", title="发现问题数 · 按专项治理阶段", ordered=True)
    with right:
        st.markdown("**未销号问题状态**")
        _status_split(view, total)


def _status_split(view: View, total: pd.Series) -> None:
    """未整改, 整改中, 已整改待销号, 状态与日期不符: they add up to 未销号 (latest day only)."""
    if all(is_null(total.get(k)) for k in SPLIT):
        st.info("状态拆分仅适用于最新数据日：请选择包含最新数据日的统计期查看。")
        return
    split = pd.DataFrame({"label": [METRICS[k].label for k in SPLIT], "value": [total[k] for k in SPLIT]})
    charts.mix_bars(view, split, "rect_unclosed", key="rect.status", title="未销号问题 · 按整改状态",
                    note=f"四项合计即未销号 {fmt.value(METRICS['rect_unclosed'], total['rect_unclosed'])}；"
                         "状态与日期不符见数据说明。")


def _ledger(view: View) -> None:
    """对账销号台账: filterable by state, category and overdue; its Excel holds what the
    filters keep, in the ledger's column order."""
    st.subheader("对账销号台账")
    cols = st.columns([2, 2, 1], gap="medium", vertical_alignment="bottom")
    states = cols[0].multiselect("整改状态", list(STATE_LABEL), format_func=STATE_LABEL.get,
                                 placeholder="全部状态", key="rect.ledger_states")
    categories = cols[1].multiselect("问题类别", list(CATEGORY_LABEL), format_func=CATEGORY_LABEL.get,
                                     placeholder="全部类别", key="rect.ledger_categories")
    overdue = cols[2].toggle("仅看逾期", key="rect.ledger_overdue")
    narrowed = dict(states=tuple(states), categories=tuple(categories), overdue_only=overdue)
    tables.case_table(data.ledger(view, **narrowed), view, key="rect.ledger",
                      fetch_all=lambda: data.ledger(view, **narrowed, complete=True).rows,
                      order="发现日期从早到晚")
