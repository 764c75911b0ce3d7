"""季度简报 — the quarter laid out for capture (views.md, page 7): a fixed-width white sheet
with the title line, the headline figures with 环比, one map, and for each of the four
areas a ranked chart, a short table and a few sentences in the style of a 情况通报, every
chart and table titled with scope, period and as-of day inside it.

The sentences come from ui/briefing_text.py's templates over the same figures the tables
show. The exports (PNG, .xlsx, .docx) and the national 工作台账 come with the rest of issue 12.
"""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from queries.figures import METRICS, is_null
from queries.period import key_label
from queries.rectification import time_progress
from queries.national_ledger import COLUMNS as LEDGER_COLUMNS
from ui import briefing_text, charts, data, drill, maps, png, tables, xlsx
from ui import format as fmt
from ui.filters import choose_period
from ui.format import plain
from ui.briefing_doc import briefing_docx
from ui.docx_writer import DOCX_MIME
from ui.navigation import View

SHEET_WIDTH = 1000
HEADLINE = ("gap_persons", "gap_rate", "deceased_active", "new_repeat_matters", "unresolved_repeat_matters",
            "clue_conclusion_rate", "overdue_clues", "rect_close_rate", "rect_overdue")
# (area, its ranked figure, its table's figures, its sentences (total, areas, 时间进度))
AREAS = (
    ("一、应保尽保", "gap_persons", ("gap_persons", "gap_rate", "gap_waiting_over", "deceased_active"),
     lambda total, frame, _: briefing_text.coverage(total, frame)),
    ("二、重复信访", "new_repeat_matters", ("new_repeat_matters", "unresolved_repeat_matters", "unresolved_repeat_long"),
     lambda total, frame, _: briefing_text.petitions(total, frame, quarter=True)),
    ("三、问题线索", "clue_conclusion_rate", ("clues_received_total", "clue_conclusion_rate", "overdue_clues"),
     lambda total, frame, _: briefing_text.clues(total, frame)),
    ("四、整改进度", "rect_close_rate", ("rect_items", "rect_close_rate", "rect_overdue"),
     briefing_text.rectification),
)
MAP_FIGURE = "gap_rate"
FIGURES = tuple(dict.fromkeys(HEADLINE + (MAP_FIGURE,) + tuple(k for _, _, keys, _ in AREAS for k in keys)))


def render(view: View) -> None:
    period = view.filters.period
    if period.is_campaign:
        _ask_for_a_quarter(view)
        return
    frame = view.figures(FIGURES, with_change=True)
    total = frame[frame["is_total"]].iloc[0]
    _downloads(view, frame)
    with st.container(width=SHEET_WIDTH, key="briefing_sheet"):
        st.markdown(f"<h2 style='text-align:center;margin:0'>{_title(view)}</h2>", unsafe_allow_html=True)
        st.markdown(f"<p style='text-align:center;color:#555'>数据截至 {period.as_of.isoformat()}"
                    f"　环比为与上一季度同期相比</p>", unsafe_allow_html=True)
        _headline(total)
        st.markdown(f"**{html.escape(METRICS[MAP_FIGURE].label)}分布 · {_stamp(view)}**", unsafe_allow_html=True)
        maps.area_map(view, frame, MAP_FIGURE, key="briefing.map")
        for (area, ranked, keys, _), (text, fig) in zip(AREAS, area_parts(view, frame)):
            st.markdown(f"#### {area}")
            st.markdown(plain(text))
            _chart(fig, f"briefing.rank.{ranked}")
            st.markdown(f"**{html.escape(area[2:])}分区情况 · {_stamp(view)}**", unsafe_allow_html=True)
            tables.figure_table(frame, keys, key=f"briefing.{ranked}")
    _ledger(view)


def _downloads(view: View, frame: pd.DataFrame) -> None:
    """The whole briefing's files, above the sheet; each built only when clicked."""
    with st.container(horizontal=True, gap="small"):
        st.download_button("下载整份简报 Word（A4 竖版）", data=lambda: briefing_word(view, frame),
                           file_name=f"{_plain_title(view)}.docx", mime=DOCX_MIME, key="briefing.docx",
                           on_click="ignore", icon=":material/description:", type="primary")
        st.download_button("下载全部表格 Excel", data=lambda: tables_workbook(view, frame),
                           file_name=f"{_plain_title(view)}-表格.xlsx", mime=tables.XLSX_MIME, key="briefing.xlsx",
                           on_click="ignore", icon=":material/table_view:")
    st.caption("本页按打印版式排列，可直接截图粘贴；每张图下方可下载服务器生成的 PNG 图片；整份简报可下载为 Word"
               "（标题、文字、图、表，仿宋/黑体），全部表格可下载为一个 Excel（每表一页）。")


LEDGER_TITLE = "2021年全国农村低保专项治理巩固提升行动工作台账"
LEDGER_NOTE = ("除重复信访事项（截至统计日全部历史）外，其余数据均为专项治理开始以来至统计截至日的累计数；"
               "“—”为数据契约中没有对应字段的栏目（不是 0）。各栏对应的指标见“数据说明”。")


def _ledger(view: View) -> None:
    """The national 工作台账 (queries/national_ledger.py), on screen and as .xlsx with the
    form's merged two-row header."""
    st.subheader("全国农村低保专项治理工作台账")
    table = data.national_ledger(view)
    if table is None:
        st.info("统计截至日专项治理尚未开始，暂无台账数据。")
        return
    config = {c.label: st.column_config.NumberColumn(c.label, format="%,d", help=c.group) for c in LEDGER_COLUMNS}
    st.dataframe(table, hide_index=True, width="stretch", column_config=config, placeholder=fmt.NO_VALUE,
                 key="briefing.ledger")
    st.caption(LEDGER_NOTE)
    groups = [None] + [c.group for c in LEDGER_COLUMNS]
    title = f"{LEDGER_TITLE}（{view.filters.scope.name}，截至{view.filters.period.as_of.isoformat()}）"
    st.download_button("下载工作台账 Excel", data=lambda: xlsx.grouped_workbook(title, table, groups, LEDGER_NOTE),
                       file_name=f"工作台账-{view.filters.scope.name}-{view.filters.period.key}.xlsx",
                       mime=tables.XLSX_MIME, key="briefing.ledger_xlsx", on_click="ignore",
                       icon=":material/table_view:")


def area_parts(view: View, frame: pd.DataFrame) -> list[tuple[str, object]]:
    """Each area's sentences and ranked chart. The chart compares what the maps compare
    (at a township scope its district's townships, this one highlighted); the sentences
    name the worst place only where the scope has places below it."""
    total = frame[frame["is_total"]].iloc[0]
    progress = time_progress(view.db.campaign, view.filters.period.as_of)
    places = frame if view.filters.scope.children else frame[frame["is_total"]]
    out = []
    for _, ranked, _, sentences in AREAS:
        areas, highlight = drill.comparison(view, frame, METRICS[ranked])
        out.append(("".join(sentences(total, places, progress)),
                    charts.ranked_figure(view, areas, ranked, highlight=highlight)))
    return out


def briefing_word(view: View, frame: pd.DataFrame) -> bytes:
    """The sheet as .docx: the same title, sentences, charts and tables (ui/briefing_doc.py)."""
    total = frame[frame["is_total"]].iloc[0]
    areas = [(area, text, fig, tables.figure_text_frame(frame, keys))
             for (area, _, keys, _), (text, fig) in zip(AREAS, area_parts(view, frame))]
    headline = _headline_frame(total)
    period = view.filters.period
    stamp = f"数据截至 {period.as_of.isoformat()}　环比为与上一季度同期相比"
    return briefing_docx(_plain_title(view), stamp, headline, areas)


def tables_workbook(view: View, frame: pd.DataFrame) -> bytes:
    """Every table of the sheet, a sheet each: Chinese headers with units, numbers as numbers."""
    headline = pd.DataFrame({
        "指标": [METRICS[k].label for k in HEADLINE], "单位": [METRICS[k].unit for k in HEADLINE],
        "本季度": [_number(frame, k, k) for k in HEADLINE],
        "环比": [_number(frame, f"{k}.change", k) for k in HEADLINE]})
    sheets = [("主要指标", headline, {})]
    for area, _, keys, _ in AREAS:
        formats = {tables.header(METRICS[k]): xlsx.number_format(METRICS[k].decimals) for k in keys}
        sheets.append((area[2:], tables.figure_frame(frame, keys), formats))
    return xlsx.workbook_of(sheets)


def _number(frame: pd.DataFrame, column: str, key: str):
    """The scope's value of ``column`` rounded as the figure ``key`` is shown (rates to 0.1)."""
    value = frame[frame["is_total"]].iloc[0].get(column)
    if is_null(value):
        return None
    decimals = 1 if METRICS[key].is_rate else METRICS[key].decimals
    return round(float(value), decimals) if decimals else int(round(float(value)))


def _plain_title(view: View) -> str:
    return f"{view.filters.scope.name}社会救助专项整治{view.filters.period.label}情况"


def _chart(fig, key: str) -> None:
    """The chart, and its PNG made on the server when the button is clicked (the same
    picture as the chart's own camera button, at scale 2)."""
    charts.show_figure(fig, key=key)
    if fig is None:
        return
    why_not = png.missing()
    name = (fig.layout.meta or {}).get("filename", "图表")
    st.download_button("下载 PNG 图片", data=(lambda: png.image(fig, charts.EXPORT_WIDTH)) if not why_not else b"",
                       file_name=f"{name}.png", mime="image/png", key=f"{key}.png", on_click="ignore",
                       disabled=why_not is not None, help=why_not or "服务器生成，2 倍分辨率，可直接插入 Word",
                       icon=":material/image:")


def _stamp(view: View) -> str:
    """Scope, period and as-of day, as every chart and table of the sheet is titled."""
    period = view.filters.period
    return html.escape(f"{view.filters.scope.name} · {key_label(period.key)} · 统计截至 {period.as_of.isoformat()}")


def _title(view: View) -> str:
    return html.escape(_plain_title(view))


def _ask_for_a_quarter(view: View) -> None:
    latest = view.db.latest_quarter()
    st.info("季度简报按季度编写，请在左侧“统计期”中选择一个季度。")
    st.button(f"查看{key_label(latest)}简报", on_click=choose_period, args=(latest,), type="primary",
              key="briefing.latest")


def _headline_frame(total: pd.Series) -> pd.DataFrame:
    """指标, 本季度, 环比 as the sheet writes them (with units)."""
    rows = []
    for key in HEADLINE:
        metric = METRICS[key]
        change = total.get(f"{key}.change")
        rows.append({"指标": metric.label, "本季度": fmt.value(metric, total[key]),
                     "环比": fmt.change(metric, None if is_null(change) else change) or fmt.NO_VALUE})
    return pd.DataFrame(rows)


def _headline(total: pd.Series) -> None:
    st.dataframe(_headline_frame(total), hide_index=True, width="stretch", height="content", key="briefing.headline",
                 column_config={c: st.column_config.TextColumn(c, alignment="right") for c in ("本季度", "环比")})
