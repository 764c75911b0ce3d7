"""资金发放（一卡通） — the payment checks of the 一卡通 campaign (views.md, page 2a):
一卡通疑点户数 by place on the map and ranked; 按时发放率 by place; 持卡人不一致, 一人多卡,
共用账户户数 and 死亡后发放, each with its list of payments; monthly payments against late
ones. Every figure is a 疑点 (a match to verify), and the page says so wherever it shows
them. Without the ``payment`` table the menu marks the page 未接入 (ui/navigation.py).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.figures import METRICS
from queries.payment_cases import COUNTED
from queries.payments import grace_days
from ui import cards, charts, data, drill, places, tables
from ui import format as fmt
from ui.navigation import View
from ui.trends import trend_series, trends_side_by_side

SUSPECT_NOTE = "疑点，需核实"
HEADLINE = ("suspect_households", "holder_mismatch", "multi_card_persons",
            "shared_account_households", "pay_on_time_rate")
MAP_FIGURES = ("suspect_households", "holder_mismatch", "shared_account_households", "multi_card_persons")
# four figure columns fit beside the names at 1440 px
BY_PLACE = ("suspect_households", "holder_mismatch", "shared_account_households", "multi_card_persons")
TOP_TOWNSHIPS = 10
TIMELINESS = ("pay_count", "pay_amount", "pay_late", "pay_on_time_rate")
MORE = ("holder_mismatch_amount", "holder_unknown", "paid_after_death", "paid_after_death_amount")
# (list, its figure, tab title, how the list is ordered)
LISTS = (("holder_mismatch_payments", "holder_mismatch", "持卡人不一致", "发放日期从近到远"),
         ("multi_card_payments", "multi_card_persons", "一人多卡", "按人、账户、发放日期"),
         ("shared_account_payments", "shared_account_households", "共用账户（一卡多户）",
          "收款户数从多到少，按账户、户"),
         ("paid_after_death", "paid_after_death", "死亡后发放", "金额从大到小"))
TRENDS = ((("pay_count", "pay_late"), "发放笔数与发放不及时笔数"), (("pay_on_time_rate",), "按时发放率"))


def start(view: View, lists: bool = True, chosen: str = LISTS[0][0]) -> list:
    """The page's data calls at once (``data.together``). ``lists=False``: its figures,
    breakdowns and trends only, nothing personal (what ui.warm computes ahead)."""
    keys = list(dict.fromkeys(HEADLINE + BY_PLACE + TIMELINESS + MORE + MAP_FIGURES))
    return data.together(lambda: view.figures(keys, with_change=True), lambda: _townships(view),
                         lambda: data.case_lists(view, [chosen]) if lists else None,
                         lambda: trend_series(view, TRENDS))


def render(view: View) -> None:
    drill.breadcrumb(view)
    # the list chosen read in the script's thread: the workers have no session state
    frame, _, _, _ = start(view, chosen=_list_chosen())
    total = frame[frame["is_total"]].iloc[0]
    st.warning(f"本页各项均为一卡通发放数据比对发现的疑点（{SUSPECT_NOTE}），不是认定结论；"
               "请核实后再作处理。", icon=":material/fact_check:")
    cards.headline_cards(view, total, HEADLINE, key="payments.head")
    st.caption(_period_note(view, total))
    _by_place(view, frame)
    _timeliness(view, frame)
    _trends(view)
    _lists(view, total)


def _period_note(view: View, total: pd.Series) -> str:
    return (f"均按发放日期计入统计期（{view.filters.period.label}）。持卡人不一致 "
            f"{fmt.value(METRICS['holder_mismatch_amount'], total['holder_mismatch_amount'])}；"
            f"无持卡人姓名、无法比对的 {fmt.value(METRICS['holder_unknown'], total['holder_unknown'])}"
            f"（未核实，不计入持卡人不一致）。孤儿/事实无人抚养儿童由监护人代领，不计持卡人不一致。"
            f"发放不及时：发放日期晚于所属月份最后一天{_grace()}。{cards.change_note(view.filters.period)}")


def _grace() -> str:
    days = grace_days()
    return f"加宽限 {days} 天" if days else "（宽限天数为 0，可在系统设置中调整）"


def _by_place(view: View, frame: pd.DataFrame) -> None:
    st.subheader(f"{drill.child_label(view)}一卡通疑点（{SUSPECT_NOTE}）")
    cards.worst_line(view, frame, ("suspect_households", "最多"))
    towns = _townships(view)
    if towns is not None and (line := cards.worst_places(towns, "suspect_households", worse="最多的镇（街道）")):
        st.markdown(f"**{line}**")
    choice = st.segmented_control("地图与排名指标", MAP_FIGURES, default=MAP_FIGURES[0],
                                  format_func=lambda k: METRICS[k].label, key="payments.map_figure",
                                  required=True)
    places.map_and_ranking(view, frame, choice, key="payments", rank_key=f"payments.rank.{choice}")
    tables.figure_table(frame, BY_PLACE, key="payments.areas")
    if towns is not None:
        _townships_first(towns)


def _townships(view: View) -> pd.DataFrame | None:
    """At a city (the map compares districts) every township of it, for naming those whose
    cards most need checking; None elsewhere: a district's map shows its townships, and a
    province's thousand townships would cost the page another pass over its payments per
    figure set (a city's leader, or the province's drilling into a city, sees them)."""
    children = view.filters.scope.children
    if not children or children[0].level != "district":
        return None
    return data.township_figures(view, BY_PLACE)


def _townships_first(towns: pd.DataFrame) -> None:
    """The townships with the most 疑点 households, each a link to its 乡镇画像."""
    towns = towns[~towns["is_total"] & towns["code"].notna()]
    towns = towns[towns["suspect_households"].fillna(0) > 0] \
        .sort_values(["suspect_households", "holder_mismatch"], ascending=False).head(TOP_TOWNSHIPS)
    st.markdown(f"**一卡通疑点户数最多的{len(towns)}个镇（街道）**" if len(towns) else "**各镇（街道）均无一卡通疑点户**")
    if len(towns):
        tables.figure_table(towns, BY_PLACE, key="payments.top_townships", name_label="镇（街道）")


def _timeliness(view: View, frame: pd.DataFrame) -> None:
    st.subheader("发放及时性")
    areas, highlight = drill.comparison(view, frame, METRICS["pay_on_time_rate"])
    charts.ranked_bars(view, areas, "pay_on_time_rate", key="payments.on_time",
                       on_pick=drill.picker(view), highlight=highlight)
    tables.figure_table(frame, TIMELINESS, key="payments.timeliness")


def _trends(view: View) -> None:
    st.subheader("月度发放情况")
    trends_side_by_side(view, TRENDS, key="payments", note="按发放日期所在月份统计。")


LIST_CHOICE = "payments.list"


def _list_chosen() -> str:
    """The list the user has chosen (the control below keeps it), to start it early."""
    chosen = st.session_state.get(LIST_CHOICE)
    return chosen if chosen in {key for key, *_ in LISTS} else LISTS[0][0]


def _lists(view: View, total: pd.Series) -> None:
    """One list at a time, chosen above it: each is a pass over the period's payments (at a
    province's top, seconds), so only the one asked for is read."""
    st.subheader(f"疑点发放明细（{SUSPECT_NOTE}）")
    st.caption("发放账户为脱敏后的账户标识；点击镇街名称可进入该镇街画像。")
    by_key = {key: (figure, title, order) for key, figure, title, order in LISTS}
    key = st.segmented_control(
        "清单", list(by_key), default=LISTS[0][0], required=True, key=LIST_CHOICE,
        format_func=lambda k: f"{by_key[k][1]}（{fmt.value(METRICS[by_key[k][0]], total[by_key[k][0]])}）")
    figure, _, order = by_key[key]
    case = data.case_lists(view, [key])[key]
    if case is not None and key in COUNTED and case.total:
        what, unit = COUNTED[key]
        st.caption(f"{METRICS[figure].label} {int(case.sums.get(what, 0)):,} {unit}，"
                   f"以下为其统计期内的全部发放（{SUSPECT_NOTE}）。")
    tables.case_table(case, view, key=f"payments.{key}", order=order,
                      fetch_all=lambda: data.all_cases(view, key))
