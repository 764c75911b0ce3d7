"""Excel (.xlsx) files of tables, as an office reads them: Chinese headers, numbers as
numbers (with thousands separators), dates as dates, an empty cell where a value is
missing (never "None" or "nan"), and a sheet title Excel accepts.
"""
from __future__ import annotations

import io
import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

# Excel's number formats for the kinds of column a table has
INT_FORMAT, DATE_FORMAT = "#,##0", "yyyy-mm-dd"
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")   # characters Excel refuses in a sheet title
MAX_SHEET_TITLE = 31
# a printed form's cells: thin grey grid, bold headers on light grey
_THIN = Side(style="thin", color="999999")
GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
BOLD, HEADER_FILL = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")


def number_format(decimals: int) -> str:
    """#,##0 / #,##0.0 / #,##0.00 …"""
    return INT_FORMAT + ("." + "0" * decimals if decimals > 0 else "")


def safe_sheet_title(title: str) -> str:
    """``title`` as Excel allows a sheet to be named: no []:*?/\\, at most 31
    characters, not empty, no apostrophe at either end."""
    text = _FORBIDDEN.sub("_", str(title or "")).strip().strip("'")
    return text[:MAX_SHEET_TITLE].strip() or "Sheet1"


def workbook(frame: pd.DataFrame, sheet_title: str, formats: Mapping[str, str] | None = None) -> bytes:
    """One sheet: the frame's column names as headers, then its rows. ``formats`` gives
    a column's Excel number format (INT_FORMAT, DATE_FORMAT, number_format(2) …)."""
    return workbook_of([(sheet_title, frame, formats or {})])


def workbook_of(sheets) -> bytes:
    """Several sheets, each (title, frame, formats) as ``workbook`` writes one; titles made
    safe and unique."""
    book = Workbook(write_only=True)        # streams rows: 100,000 rows stay quick and small
    used: set[str] = set()
    for title, frame, formats in sheets:
        _sheet(book, unique_title(safe_sheet_title(title), used), frame, formats or {})
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def unique_title(title: str, used: set[str]) -> str:
    """``title``, or with (2), (3) … when a sheet of that title exists (``used``, updated)."""
    out, n = title, 2
    while out in used:
        suffix = f"({n})"
        out, n = title[:MAX_SHEET_TITLE - len(suffix)] + suffix, n + 1
    used.add(out)
    return out


def _sheet(book, title: str, frame: pd.DataFrame, formats: Mapping[str, str]) -> None:
    sheet = book.create_sheet(title)
    columns = [str(c) for c in frame.columns]
    for i, column in enumerate(columns):
        sheet.column_dimensions[column_letter(i)].width = _width(column, formats.get(column))
    sheet.freeze_panes = "A2"
    sheet.append([_header(sheet, c) for c in columns])
    styles = [formats.get(c) for c in columns]
    for row in frame.itertuples(index=False, name=None):
        sheet.append([_cell(sheet, value, style) for value, style in zip(row, styles)])


def _header(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def _cell(sheet, value, style: str | None):
    value = excel_value(value)
    if style is None or value is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = style
    return cell


def excel_value(value):
    """A value as openpyxl writes it: missing → None (an empty cell); numpy and Decimal
    numbers → Python numbers; timestamps → dates or datetimes."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.date() if value == datetime.combine(value.date(), datetime.min.time()) else value
    if isinstance(value, date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item"):              # numpy scalars
        return excel_value(value.item())
    return value


def column_letter(index: int) -> str:
    """A, B, … for the 0-based column ``index``."""
    return get_column_letter(index + 1)


def _width(header: str, style: str | None) -> float:
    # CJK characters are about two Latin characters wide
    header_width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in header) + 2
    return max(header_width, 12 if style == DATE_FORMAT else 10)


def grouped_workbook(title: str, frame: pd.DataFrame, groups: list[str | None], note: str = "") -> bytes:
    """One sheet laid out like a printed form: a title line, a two-row header whose upper
    row merges each run of columns of the same group (a column without one spans both
    rows), then the rows (— where a value is missing, numbers as numbers), then ``note``."""
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    book = Workbook()
    sheet = book.active
    sheet.title = safe_sheet_title(title)
    columns = [str(c) for c in frame.columns]
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet.cell(1, 1).font, sheet.cell(1, 1).alignment = Font(bold=True, size=14), centre
    sheet.append([g or c for g, c in zip(groups, columns)])
    sheet.append([c if g else None for g, c in zip(groups, columns)])
    start = 0
    for i in range(1, len(columns) + 1):          # merge runs of the same group (row 2)
        if i == len(columns) or groups[i] != groups[start] or groups[start] is None:
            if groups[start] is None:
                sheet.merge_cells(start_row=2, start_column=start + 1, end_row=3, end_column=start + 1)
            elif i - start > 1:
                sheet.merge_cells(start_row=2, start_column=start + 1, end_row=2, end_column=i)
            start = i
    for row in sheet.iter_rows(min_row=2, max_row=3, max_col=len(columns)):
        for cell in row:
            cell.font, cell.alignment, cell.border = BOLD, centre, GRID
    for values in frame.itertuples(index=False, name=None):
        sheet.append(["—" if v is None else v for v in map(excel_value, values)])
        for cell in sheet[sheet.max_row]:
            cell.border = GRID
            if isinstance(cell.value, (int, float)):
                cell.number_format = INT_FORMAT
            elif cell.value == "—":
                cell.alignment = Alignment(horizontal="center")
    if note:
        sheet.append([note])
    sheet.column_dimensions[column_letter(0)].width = 12
    for i in range(1, len(columns)):
        sheet.column_dimensions[column_letter(i)].width = 11
    sheet.row_dimensions[3].height = 96
    sheet.freeze_panes = "B4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
