"""应保尽保 — coverage gaps (views.md, page 2): 漏保 by place, by screening category and by
waiting time; 三保障未落实; 死亡未退保 and 死亡后发放; 比对疑点; 近亲属享受 (commission and
supervisors); the lists of people not yet covered and of 死亡未退保.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.coverage import WAITING_OVER_DAYS
from queries.figures import METRICS
from ui import cards, charts, data, drill, places, tables
from ui import format as fmt
from ui.navigation import View

HEADLINE = ("gap_persons", "gap_rate", "gap_waiting_over", "deceased_active",
            "three_guarantees_gap")
BY_PLACE = ("gap_persons", "gap_rate", "gap_waiting_median", "gap_waiting_over",
            "covered_persons", "dibao_coverage")
THREE_GUARANTEES = (("医疗救助", "medical_gap", "medical_unknown"),
                    ("教育救助", "education_gap", "education_unknown"),
                    ("住房救助", "housing_gap", "housing_unknown"))
DEATH = ("deceased_active", "paid_after_death", "paid_after_death_amount")
CROSSCHECK = ("crosscheck_hits", "crosscheck_pending", "crosscheck_overdue", "crosscheck_confirmed")
RELATIVES = "staff_relatives"
LISTS = ("uncovered_persons", "deceased_active", "paid_after_death", "pending_crosscheck")


def start(view: View, lists: bool = True) -> tuple:
    """The page's data calls at once (``data.together``). ``lists=False``: its figures,
    breakdowns and trends only, nothing personal (what ui.warm computes ahead)."""
    keys = list(dict.fromkeys(HEADLINE + BY_PLACE + DEATH + CROSSCHECK
                              + tuple(k for _, gap, unknown in THREE_GUARANTEES for k in (gap, unknown))
                              + tuple(cards.warning_keys(HEADLINE))
                              + ((RELATIVES,) if _sees(view, RELATIVES) else ())))
    # the figures first: the lists, 漏保 by category and the waiting days reuse their 漏保
    # statement within the page run; then the rest at once
    frame = view.figures(keys, with_change=True)
    lists_shown = LISTS + ((RELATIVES,) if _sees(view, RELATIVES) else ())
    crosscheck = view.db.has("crosscheck_hit")
    cases, *_ = data.together(lambda: data.case_lists(view, lists_shown) if lists else None,
                              lambda: _categories(view), lambda: data.histogram(view, "gap_waiting_median"),
                              lambda: _registers(view) if crosscheck else None)
    return frame, cases


def render(view: View) -> None:
    drill.breadcrumb(view)
    frame, lists = start(view)
    total = frame[frame["is_total"]].iloc[0]
    cards.headline_cards(view, total, HEADLINE, key="coverage.head")
    st.caption(f"漏保人数、漏保率、{METRICS['gap_waiting_over'].label}、死亡未退保、三保障未落实均为统计截至日的时点数。"
               + cards.change_note(view.filters.period))
    _gap_by_place(view, frame)
    left, right = st.columns(2, gap="large")
    with left:
        _by_category(view)
    with right:
        _waiting(view, total)
    _three_guarantees(view, frame, total)
    _deaths(view, total, lists)
    _crosscheck(view, total, lists)
    if _sees(view, RELATIVES):
        _relatives(view, total, lists)
    st.subheader("尚未纳入保障人员清单")
    _case_table(view, lists, "uncovered_persons")


def _sees(view: View, key: str) -> bool:
    audience = METRICS[key].audience
    return audience is None or view.user.role in audience


def _categories(view: View) -> pd.DataFrame:
    return data.figures_by(view, ["gap_persons", "gap_rate"], "category")


def _registers(view: View) -> pd.DataFrame:
    return data.figures_by(view, list(CROSSCHECK), "register")


def _gap_by_place(view: View, frame: pd.DataFrame) -> None:
    st.subheader(f"{drill.child_label(view)}漏保情况")
    choice = st.segmented_control("排名指标", ("gap_rate", "gap_persons"), default="gap_rate",
                                  format_func=lambda k: METRICS[k].label, key="coverage.rank_figure",
                                  required=True)
    places.map_and_ranking(view, frame, choice, key="coverage")
    tables.figure_table(frame, BY_PLACE, key="coverage.areas")


def _by_category(view: View) -> None:
    st.subheader("按排查类别")
    by_category = _categories(view)
    charts.mix_bars(view, by_category, "gap_persons", key="coverage.category",
                    title="漏保人数 · 按排查类别")


def _waiting(view: View, total: pd.Series) -> None:
    st.subheader("待纳入时长")
    hist = data.histogram(view, "gap_waiting_median")
    charts.histogram_bars(view, hist or [], key="coverage.waiting", title="漏保对象待纳入天数分布",
                          median=total["gap_waiting_median"], line_at=WAITING_OVER_DAYS)
    st.caption(f"中位数 {fmt.value(METRICS['gap_waiting_median'], total['gap_waiting_median'])}；"
               f"{METRICS['gap_waiting_over'].label} {fmt.value(METRICS['gap_waiting_over'], total['gap_waiting_over'])}。"
               "待纳入天数 = 统计截至日 − 排查日期。")


def _three_guarantees(view: View, frame: pd.DataFrame, total: pd.Series) -> None:
    st.subheader("三保障未落实")
    kinds = pd.DataFrame({
        "保障类别": [label for label, _, _ in THREE_GUARANTEES],
        "未落实（人）": [total[gap] for _, gap, _ in THREE_GUARANTEES],
        "未核实（人）": [total[unknown] for _, _, unknown in THREE_GUARANTEES],
    })
    with st.container(width=460):
        st.dataframe(kinds, hide_index=True, width="stretch")
    st.caption("在保低保、特困对象中相关救助未落实的人数；“未核实”为记录为空、无法判断的人数。"
               "一人可有多项未落实。")
    tables.figure_table(frame, ("three_guarantees_gap",) + tuple(gap for _, gap, _ in THREE_GUARANTEES),
                        key="coverage.three")


def _deaths(view: View, total: pd.Series, lists: dict) -> None:
    st.subheader("死亡未退保与死亡后发放")
    cards.headline_cards(view, total, DEATH, key="coverage.death")
    tabs = st.tabs(["死亡未退保人员", "死亡后发放明细"])
    with tabs[0]:
        _case_table(view, lists, "deceased_active")
    with tabs[1]:
        _case_table(view, lists, "paid_after_death")


def _crosscheck(view: View, total: pd.Series, lists: dict) -> None:
    st.subheader("比对疑点")
    if not view.db.has("crosscheck_hit"):
        tables.not_connected("数据比对疑点")
        return
    cards.headline_cards(view, total, CROSSCHECK, key="coverage.crosscheck")
    by_register = _registers(view)
    # the table wider than the chart: its three figure columns were cut off in half the
    # width at 1440 px (比对疑点 itself is the chart beside it)
    left, right = st.columns([2, 3], gap="large")
    with left:
        charts.mix_bars(view, by_register, "crosscheck_hits", key="coverage.register",
                        title="比对疑点 · 按比对数据源")
    with right:
        tables.figure_table(by_register, CROSSCHECK[1:], key="coverage.register_table", name_label="比对数据源")
    st.markdown("**待核实疑点清单**")
    _case_table(view, lists, "pending_crosscheck")


def _relatives(view: View, total: pd.Series, lists: dict) -> None:
    st.subheader("近亲属享受")
    st.caption("经办人员、村（居）干部近亲属备案且在保的人员，仅纪委监委、督导组可见。")
    _case_table(view, lists, RELATIVES)


def _case_table(view: View, lists: dict, key: str) -> None:
    case = lists[key]
    if case is None:                 # its optional table is missing
        tables.not_connected("死亡后发放明细" if key == "paid_after_death" else "待核实疑点清单")
        return
    tables.case_table(case, view, key=f"coverage.{key}", fetch_all=lambda: data.all_cases(view, key))
