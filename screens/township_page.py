"""乡镇画像 — one township (views.md, page 6): its figures beside its district's and the
deployment's, its problem index and rank with the warnings that fire, its trends, its
place on its district's map, its open cases per area, and the on-site check list.

Reached from every map, ranking and table (a township is a link) and from the picker here.
Without a township in scope the page offers the picker and the townships of the scope by
problem index.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries import warnings
from queries.figures import METRICS, is_null
from queries.problem_index import COMPONENTS, INDEX_LABEL, rank_of
from queries.rectification import time_progress
from ui import cards, checklist, data, drill, places, tables
from ui import format as fmt
from ui.filters import choose_scope, scope_options
from ui.format import plain
from ui.index_table import INDEX_HELP, index_frames, top_townships
from ui.navigation import View, page_ref
from ui.trends import area_series, area_trends

# the township's figures, area by area (the comparison table)
BY_AREA = (
    ("应保尽保", ("gap_persons", "gap_rate", "gap_waiting_over", "deceased_active")),
    ("重复信访", ("new_repeat_matters", "unresolved_repeat_matters", "unresolved_repeat_long")),
    ("问题线索", ("clues_received", "clue_conclusion_rate", "overdue_clues")),
    ("整改进度", ("rect_items", "rect_close_rate", "rect_overdue")),
)
HEADLINE = ("gap_persons", "unresolved_repeat_matters", "clue_conclusion_rate", "rect_close_rate")
FIGURES = tuple(dict.fromkeys(
    HEADLINE + tuple(k for _, keys in BY_AREA for k in keys) + warnings.WARNING_FIGURES))
PICKER = "township.picker"
# 资金发放: the township's own 一卡通 figures, not in the problem index (metrics.md fixes its
# four components) and not beside its district's and the deployment's: at a province those
# are passes over millions of payments each (bench: 乡镇画像 0.05 → 3.6 s on PostgreSQL
# with them in the comparison)
PAYMENTS = ("suspect_households", "holder_mismatch", "pay_on_time_rate")
OPEN_CASE_KEYS = [k for k, _ in checklist.OPEN_CASES]


def render(view: View) -> None:
    drill.breadcrumb(view)
    scope = view.filters.scope
    _picker(view)
    if scope.children:          # not a township: choose one
        _choose(view)
        return
    frame = _start(view)
    row = frame[frame["is_total"]].iloc[0]
    cards.headline_cards(view, row, HEADLINE, key="township.head")
    st.caption(cards.change_note(view.filters.period))
    _index_and_warnings(view, row)
    _comparison(view, frame, row)
    _payments(view)
    st.subheader("在所在区的位置")
    metric, own, district = index_frames(view)
    places.map_and_ranking(view, own, metric, key="township", district_frame=district)
    st.subheader("月度趋势")
    area_trends(view, key="township")
    _open_cases(view)
    st.subheader("督导核查清单")
    checklist.downloads(view, lambda: [scope.code], key="township.checklist", label=scope.name)


def _start(view: View) -> pd.DataFrame:
    """The page's data calls at once (its figures, its 一卡通 checks, its district's figures,
    its open cases, its trends); the sections below read them from the cache."""
    district = data.district_of(view)
    paid = view.db.has("payment")
    frame, *_ = data.together(
        lambda: view.figures(FIGURES, with_change=True),
        lambda: view.figures(PAYMENTS, with_change=True) if paid else None,
        lambda: _district_figures(view, district) if district is not None else None,
        lambda: data.case_lists(view, OPEN_CASE_KEYS), lambda: area_series(view))
    return frame


def _district_figures(view: View, district) -> pd.DataFrame:
    return data.figures_in(view.db, FIGURES, view.filters, view.user.regions, district.code)


# --------------------------------------------------------------------------- picking

def _picker(view: View) -> None:
    """A township picker over every township the user may see (type to search)."""
    codes, labels = _townships(view)
    if not codes:
        return
    current = view.filters.scope.code
    st.session_state[PICKER] = current if current in labels else None
    st.selectbox("镇（街道）", codes, key=PICKER, format_func=labels.__getitem__, index=None,
                 placeholder="选择或输入镇（街道）名称", on_change=_picked,
                 args=(view.filters.top.code,), width=360)


def _picked(top_code: str) -> None:
    code = st.session_state.get(PICKER)
    if code:
        choose_scope(code, top_code)


def _townships(view: View) -> tuple[list[str], dict[str, str]]:
    """The townships among the regions the scope picker offers the user, 区 · 镇."""
    tree = view.db.tree
    codes, _ = scope_options(view.db, view.filters.top, view.user.regions)
    labels = {}
    for code in codes:
        region = tree.by_code[code]
        if region.level != "township":
            continue
        parent = tree.by_code.get(region.parent_code)
        labels[code] = f"{parent.name} · {region.name}" if parent else region.name
    return list(labels), labels


def _choose(view: View) -> None:
    st.info("请在上方选择一个镇（街道），或点击下表中的乡镇名称查看其画像。")
    st.subheader(f"{plain(view.filters.scope.name)}各镇（街道）问题指数")
    index = data.problem_index(view)
    top_townships(view, index, n=len(index), key="township.choose")


# --------------------------------------------------------------------------- the index

def _index_and_warnings(view: View, row: pd.Series) -> None:
    scope = view.filters.scope
    rank = rank_of(data.problem_index_whole(view), scope.code)
    fired = warnings.fired(row, time_progress=time_progress(view.db.campaign, view.filters.period.as_of))
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(INDEX_LABEL)
        if rank is None:
            st.info("暂无数据：四项分量均无数值")
        else:
            st.metric(f"{INDEX_LABEL}（全域排名）", f"{rank.value:.1f} 分",
                      delta=f"第 {rank.position} / {rank.of} 名", delta_color="off", delta_arrow="off",
                      help=INDEX_HELP)
            _components(view, scope.code)
    with right:
        st.subheader("预警")
        if not fired:
            st.success("本期没有触发预警。")
        for warning in fired:
            colour = "red" if warning.level == warnings.RED else "orange"
            st.markdown(f":{colour}-badge[{warnings.LEVEL_LABEL[warning.level]}] "
                        f"{plain(warnings.describe(warning))}")


def _components(view: View, code: str) -> None:
    whole = data.problem_index_whole(view)
    mine = whole[whole["code"] == code]
    if mine.empty:
        return
    mine = mine.iloc[0]
    rows = []
    for column, label, metric_key in COMPONENTS:
        metric = METRICS[metric_key]
        value, pct = mine[column], mine[f"{column}_pct"]
        rows.append({"分项": label, "数值": fmt.value(metric, None if is_null(value) else float(value)),
                     "百分位": None if is_null(pct) else float(pct)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="township.components",
                 column_config={"百分位": st.column_config.ProgressColumn(
                     "百分位", format="%.0f", min_value=0, max_value=100,
                     help="在全部乡镇中的百分位（0–100），越高越差")},
                 placeholder=fmt.NO_VALUE)


# --------------------------------------------------------------------------- beside its district

def _comparison(view: View, frame: pd.DataFrame, row: pd.Series) -> None:
    """The township's figures beside its district's (when the user may see it) and the
    deployment's (a yardstick for everyone: views.md, Access)."""
    st.subheader("与所在区、全域对比")
    district = data.district_of(view)
    district_row = None
    if district is not None:
        dframe = _district_figures(view, district)
        district_row = dframe[dframe["is_total"]].iloc[0]
    top = data.yardstick(view, FIGURES)
    own_name = view.filters.scope.name
    with_change = view.filters.period.previous() is not None      # 专项治理以来 has no 环比
    top_name = view.db.tree.top.name
    rows = []
    for area, keys in BY_AREA:
        for key in keys:
            metric = METRICS[key]
            change = row.get(f"{key}.change")
            cells = {"方面": area, "指标": f"{metric.label}（{metric.unit}）",
                     own_name: fmt.value(metric, row[key], unit=False)}
            if with_change:
                cells["环比"] = fmt.change(metric, None if is_null(change) else change) or fmt.NO_VALUE
            if district is not None:
                cells[district.name] = fmt.value(metric, district_row[key], unit=False)
            cells[f"全域（{top_name}）"] = fmt.value(metric, top[key], unit=False)
            rows.append(cells)
    table = pd.DataFrame(rows)
    config = {c: st.column_config.TextColumn(c, alignment="right") for c in table.columns[2:]}
    st.dataframe(table, hide_index=True, width="stretch", height="content", column_config=config,
                 key="township.compare")
    note = "" if district is not None else "您的权限不含所在区，仅与全域对比。"
    st.caption(f"全域为整个部署范围的合计，作为参照。{note}{cards.change_note(view.filters.period)}")


def _payments(view: View) -> None:
    """The township's 一卡通 checks (疑点，需核实), with a link to its 资金发放 page."""
    st.subheader("资金发放（一卡通）疑点")
    if not view.db.has("payment"):
        tables.not_connected("资金发放（一卡通）")
        return
    row = view.figures(PAYMENTS, with_change=True)
    cards.headline_cards(view, row[row["is_total"]].iloc[0], PAYMENTS, key="township.payments")
    st.caption("疑点，需核实：一卡通发放数据比对发现的疑点，不是认定结论，不计入乡镇问题指数。")
    st.page_link(page_ref("payments"), label="查看本镇（街道）的疑点发放明细 →",
                 query_params=view.filters.query_params())


# --------------------------------------------------------------------------- open cases

def _open_cases(view: View) -> None:
    st.subheader("未办结案件")
    keys = OPEN_CASE_KEYS
    lists = data.case_lists(view, keys)
    labels = [f"{title.split('：')[1]}（{_count(lists[k])}）" for k, title in checklist.OPEN_CASES]
    for tab, key in zip(st.tabs(labels), keys):
        with tab:
            tables.case_table(lists[key], view, key=f"township.{key}",
                              fetch_all=lambda key=key: data.all_cases(view, key))


def _count(case) -> str:
    return tables.NOT_CONNECTED if case is None else f"{case.total:,} {case.unit}"
