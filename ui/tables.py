"""The app's tables (views.md, Shared on every page), each drawn one way on every page:

- ``figure_table``: areas (or a dimension's values) × figures, headed 标签（单位）;
- ``case_table``: a list of people, payments, matters … (``queries.cases.CaseList``),
  masked for the viewer, logged when personal, each township a link to 乡镇画像, with an
  Excel download of all its rows;
- ``not_connected``: where an optional table of the database is absent (未接入, never 0).

Missing values show as —, and as empty cells in Excel.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Sequence
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from queries.cases import EXCEL, CaseList, Column
from queries.figures import METRICS, Metric
from ui import access_log, theme, xlsx
from ui import format as fmt
from ui.format import plain
from ui.privacy import mask_frame, personal_columns

if TYPE_CHECKING:
    from ui.navigation import View

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_LIMIT = EXCEL                      # rows in a case list's Excel file (queries.cases)
UNKNOWN_AREA = "未识别区划"
UNKNOWN_NOTE = "“未识别区划”为区划代码无法识别的记录，详见“数据说明”。"
SORT_NOTE = "点击表头可排序。"
NO_DATA, NOT_CONNECTED = "暂无数据", "未接入"
_LINK_TEXT = r"#(.+)$"                  # a township link's text: its name, after the #


# --------------------------------------------------------------------------- figures

def header(metric: Metric) -> str:
    """A figure's column header: 漏保率（%）."""
    return f"{metric.label}（{metric.unit}）"


def figure_frame(frame: pd.DataFrame, keys: Sequence[str], name_label: str = "地区") -> pd.DataFrame:
    """``frame``'s rows (from ``queries.runner.compute``) with Chinese headers: the area's
    name, then one numeric column per figure (NaN where a figure has no value)."""
    if "is_total" in frame and frame["is_total"].any():
        # a township's breakdown is the township itself: its total row says it once
        total_code = frame.loc[frame["is_total"], "code"].iloc[0]
        frame = frame[frame["is_total"] | (frame["code"] != total_code)]
    table = pd.DataFrame({name_label: frame["name"].fillna(UNKNOWN_AREA).astype(str).tolist()})
    for key in keys:
        table[header(METRICS[key])] = pd.to_numeric(frame[key], errors="coerce").astype(float).tolist()
    return table


def figure_text_frame(frame: pd.DataFrame, keys: Sequence[str], name_label: str = "地区") -> pd.DataFrame:
    """``figure_frame`` with each figure written as the page writes it (its decimals, —
    where it has no value), for a Word table."""
    table = figure_frame(frame, keys, name_label)
    for key in keys:
        metric = METRICS[key]
        table[header(metric)] = [fmt.value(metric, v, unit=False) for v in table[header(metric)]]
    return table


def figure_table(frame: pd.DataFrame, keys: Sequence[str], *, key: str, name_label: str = "地区",
                 download: str | None = None) -> None:
    """Areas × figures: one row per row of ``frame`` (a ``compute`` result, total row
    included if the caller keeps it), sortable, numbers right-aligned with thousands
    separators, — where a figure has no value. ``download``: the Excel file's title (the
    button is drawn only when given). ``key`` keeps the widgets of two tables apart."""
    if frame.empty:
        st.info(NO_DATA)
        return
    table = figure_frame(frame, keys, name_label)
    config = {name_label: st.column_config.TextColumn(name_label)}
    links = _township_links(frame)
    if links is not None:      # a township's name opens its 乡镇画像
        shown = table.copy()
        shown[name_label] = links
        config[name_label] = township_column(name_label)
    else:
        shown = table
    for k in keys:
        metric = METRICS[k]
        config[header(metric)] = st.column_config.NumberColumn(
            header(metric), format=_printf(metric.decimals), help=metric.description, alignment="right")
    st.dataframe(shown, hide_index=True, width="stretch", height="content", column_config=config,
                 placeholder=fmt.NO_VALUE, key=f"{key}_figures")
    unknown = has_unknown_area(frame)
    st.caption(SORT_NOTE + (UNKNOWN_NOTE if unknown else ""))
    if unknown:
        unknown_codes_link()
    if download:
        formats = {header(METRICS[k]): xlsx.number_format(METRICS[k].decimals) for k in keys}
        st.download_button("下载 Excel", data=lambda: xlsx.workbook(table, download, formats),
                           file_name=_file_name(download), mime=XLSX_MIME, key=f"{key}_figures_xlsx",
                           on_click="ignore")


def _township_links(frame: pd.DataFrame) -> list[str | None] | None:
    """Links to 乡镇画像 for the rows of ``frame`` that are townships (a 9-digit code:
    reporting-db.md), keeping the URL's period; None when no row is one. The total row of
    a township scope is the township itself (figure_frame keeps one)."""
    if "code" not in frame:
        return None
    if "is_total" in frame and frame["is_total"].any():
        total_code = frame.loc[frame["is_total"], "code"].iloc[0]
        frame = frame[frame["is_total"] | (frame["code"] != total_code)]
    codes = [c if isinstance(c, str) else None for c in frame["code"]]
    if not any(c is not None and len(c) == 9 for c in codes):
        return None
    period = st.query_params.get("period")
    kept = {"period": period} if period else {}
    # a township opens its profile; the scope's own row (a district) 乡镇画像's list of its
    # townships; 未识别区划 数据说明, where its codes are listed
    return [f"data?{urlencode(kept)}#{UNKNOWN_AREA}" if c is None else
            "township?" + urlencode({**kept, "scope": c}) + "#" + str(n)
            for c, n in zip(codes, frame["name"])]


def unknown_codes_link() -> None:
    """A link to 数据说明, where the codes behind 未识别区划 are listed."""
    from ui.navigation import page_ref
    period = st.query_params.get("period")
    st.page_link(page_ref("data"), label="查看未识别区划的代码（数据说明）", icon=":material/help:",
                 query_params={"period": period} if period else None)


def has_unknown_area(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` has the 未识别区划 row (code None, not the total)."""
    if "code" not in frame:
        return False
    unknown = frame["code"].isna()
    if "is_total" in frame:
        unknown &= ~frame["is_total"].astype(bool)
    return bool(unknown.any())


def _printf(decimals: int) -> str:
    return "%,d" if decimals == 0 else f"%,.{decimals}f"


# --------------------------------------------------------------------------- cases

def case_table(case: CaseList | None, view: "View", *, key: str,
               fetch_all: Callable[[], pd.DataFrame] | None = None, order: str | None = None,
               alert: Callable[[pd.DataFrame], pd.Series] | None = None) -> None:
    """A list of cases for ``view``'s user: the count (共 N 人), the first rows in the
    list's order (``order`` says which, e.g. 待纳入天数从长到短), sortable, masked by role,
    townships linking to 乡镇画像, and an Excel download with the same columns of all the
    rows (``fetch_all()``, at most EXCEL_LIMIT; without it, the rows shown). ``alert``:
    given the list's own rows, which to draw in red (a boolean per row, computed for all
    rows at once: row by row, the styling cost a warm 重复信访 half its time). None: 未接入."""
    if case is None:
        not_connected("本清单")
        return
    if case.total == 0 or case.rows.empty:
        st.info(NO_DATA)
        return
    st.markdown(count_line(case, order, complete_download=fetch_all is not None))
    user = view.user
    personal = bool(personal_columns(case.rows, _kinds(case.columns)))
    if personal:
        access_log.record(user, view.page.url_path, case.key, view.filters.scope.code,
                          view.filters.period.key, len(case.rows), masked=user.masks_names)
    shown = case_frame(case.rows, case.columns, view, links=True)
    if alert is not None:
        shown = red_rows(shown, pd.Series(alert(case.rows)).fillna(False).astype(bool).to_numpy())
    st.dataframe(shown, hide_index=True, width="stretch", column_config=case_config(case.columns),
                 placeholder=fmt.NO_VALUE, key=f"{key}_cases")
    title = f"{case.title}-{view.filters.scope.name}-{view.filters.period.key}"
    st.download_button(f"下载 Excel（{_excel_rows(case, fetch_all is not None):,} {case.unit}）",
                       data=lambda: case_xlsx(case, view, fetch_all, personal), file_name=_file_name(title),
                       mime=XLSX_MIME, key=f"{key}_cases_xlsx", on_click="ignore")


ALERT_STYLE = f"color: {theme.WARNING_COLOURS['red']}; font-weight: 600"


def red_rows(frame: pd.DataFrame, red: np.ndarray) -> "pd.io.formats.style.Styler":
    """``frame`` with the rows where ``red`` holds in the alert style, styled in one step
    (a function per row cost 0.3 s on the province's 2,687 warnings)."""
    cells = np.repeat(np.asarray(red, dtype=bool)[:, None], len(frame.columns), axis=1)
    styles = pd.DataFrame(np.where(cells, ALERT_STYLE, ""), index=frame.index, columns=frame.columns)
    return frame.style.apply(lambda _frame: styles, axis=None)


def count_line(case: CaseList, order: str | None = None, *, complete_download: bool = True) -> str:
    """共 12,345 人；仅显示前 1,000 人（按…排序），完整名单请下载 Excel。"""
    text = f"共 {case.total:,} {case.unit}"
    if not case.is_cut:
        return text + "。"
    shown = f"；仅显示前 {len(case.rows):,} {case.unit}" + (f"（按{order}排序）" if order else "")
    if not complete_download:
        return text + shown + "。"
    if case.total > EXCEL_LIMIT:
        return text + shown + f"，Excel 含前 {EXCEL_LIMIT:,} {case.unit}。"
    return text + shown + "，完整名单请下载 Excel。"


def _excel_rows(case: CaseList, complete: bool) -> int:
    return min(case.total, EXCEL_LIMIT) if complete else len(case.rows)


def case_frame(rows: pd.DataFrame, columns: Sequence[Column], view: "View", *, links: bool) -> pd.DataFrame:
    """The list as shown and written: masked for ``view.user``, Chinese headers, dates as
    dates, numbers as numbers, a township as its name (``links``: a link to its 乡镇画像
    that keeps the period, the name after the #)."""
    masked = mask_frame(rows[[c.key for c in columns]], view.user, _kinds(columns)).reset_index(drop=True)
    return pd.DataFrame({c.label: _values(masked[c.key], c.kind, view, links) for c in columns})


def _values(values: pd.Series, kind: str, view: "View", links: bool) -> pd.Series:
    if kind == "township":   # a list holds few distinct townships: each cell made once
        cells = {code: township_cell(code, view, links) for code in values.dropna().unique()}
        return _or_none(values.map(cells))
    if kind == "date":
        return _or_none(pd.to_datetime(values, errors="coerce").dt.date)
    if kind == "int":
        return pd.to_numeric(values, errors="coerce").round().astype("Int64")
    if kind == "money":
        return pd.to_numeric(values, errors="coerce").astype(float)
    return _or_none(values)


def _or_none(values: pd.Series) -> pd.Series:
    """Objects with None where a value is missing (NaN, NaT): shown as —, written empty."""
    values = values.astype(object)
    return values.where(values.notna(), None)


def case_config(columns: Sequence[Column]) -> dict:
    """st.dataframe's column_config for each kind of column."""
    config = {}
    for c in columns:
        if c.kind == "int":
            config[c.label] = st.column_config.NumberColumn(c.label, format="%,d", alignment="right")
        elif c.kind == "money":
            config[c.label] = st.column_config.NumberColumn(c.label, format="%,.2f", alignment="right")
        elif c.kind == "date":
            config[c.label] = st.column_config.DateColumn(c.label, format="YYYY-MM-DD")
        elif c.kind == "township":
            config[c.label] = township_column(c.label)
        elif c.kind == "note":      # the figures beside it stay in view; the whole text on hover
            config[c.label] = st.column_config.TextColumn(c.label, width="medium")
        else:
            config[c.label] = st.column_config.TextColumn(c.label)
    return config


def township_column(label: str):
    """The column_config of township links: the name as the text, 乡镇画像 on click."""
    return st.column_config.LinkColumn(label, display_text=_LINK_TEXT, help="点击打开该镇（街道）的乡镇画像")


def case_xlsx(case: CaseList, view: "View", fetch_all: Callable[[], pd.DataFrame] | None,
              personal: bool) -> bytes:
    """The Excel file of the list (built on click): all rows, masked as on the page."""
    rows = fetch_all().head(EXCEL_LIMIT) if fetch_all is not None else case.rows
    if personal:     # each download of personal information is its own line
        access_log.record_download(view.user, view.page.url_path, case.key, view.filters.scope.code,
                                   view.filters.period.key, len(rows), masked=view.user.masks_names)
    formats = {c.label: xlsx.number_format(2) for c in case.columns if c.kind == "money"}
    return xlsx.workbook(case_frame(rows, case.columns, view, links=False), case.title, formats)


def _kinds(columns: Sequence[Column]) -> dict[str, str]:
    return {c.key: c.kind for c in columns}


def township_cell(code, view: "View", link: bool = True) -> str | None:
    """A township code as a case table shows it: a link to its 乡镇画像 (keeping the
    period) whose text is its name; the name alone for Excel."""
    if code is None or (isinstance(code, float) and code != code):
        return None
    region = view.db.tree.by_code.get(str(code))
    if region is None or region.level != "township":
        return f"data?{urlencode({'period': view.filters.period.key})}#{UNKNOWN_AREA}" if link else UNKNOWN_AREA
    if not link:
        return region.name
    query = urlencode({"period": view.filters.period.key, "scope": region.code})
    return f"township?{query}#{region.name}"


def _file_name(title: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", title).strip("_") + ".xlsx"


# --------------------------------------------------------------------------- absent tables

def not_connected(title: str) -> None:
    """An optional table of the database is absent: say 未接入 under the section's title
    (never a 0, which would read as "no problem found")."""
    st.info(f"{plain(title)}：{NOT_CONNECTED}（报表库中没有这部分数据）")
