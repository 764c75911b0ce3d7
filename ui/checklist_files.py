"""督导核查清单 as files: .xlsx (a summary sheet, then a sheet per township) and .docx (A4
landscape, a section per township, ready to print), from a ``Checklist`` that
``ui.checklist`` gathers (already masked for the viewer, with Chinese headers).

Each township starts with its figures and warnings; each area's open cases follow as a
table with three empty columns the team fills in on site (核查情况, 核查人, 核查日期).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ui import docx_writer
from ui.docx_writer import HEADING_FONT
from ui.xlsx import (BOLD, DATE_FORMAT, GRID, HEADER_FILL, INT_FORMAT, column_letter, excel_value, number_format,
                     safe_sheet_title, unique_title)

CHECK_COLUMNS = ("核查情况", "核查人", "核查日期")
CHECK_WIDTHS_CM = (4.6, 2.2, 2.6)
RED = "C62828"


@dataclass(frozen=True)
class Section:
    """One area's open cases of one township."""
    title: str                 # 应保尽保：尚未纳入保障人员
    unit: str                  # 人, 件, 个
    table: pd.DataFrame        # masked, Chinese headers, without the check columns
    total: int                 # all the township's cases of this kind (the table may be cut)
    money: tuple[str, ...] = ()   # columns in 元 (two decimals)

    @property
    def is_cut(self) -> bool:
        return self.total > len(self.table)


@dataclass(frozen=True)
class TownshipPart:
    code: str
    name: str
    district: str | None
    figures: list[tuple[str, str]]       # (label, value with unit)
    warnings: list[tuple[str, str]]      # (红色预警 | 黄色预警, what fires)
    sections: list[Section]

    @property
    def title(self) -> str:
        return f"{self.name}（{self.district}）" if self.district else self.name

    @property
    def cases(self) -> int:
        return sum(s.total for s in self.sections)


@dataclass(frozen=True)
class Checklist:
    scope: str                 # 厦门市, 同安区 …
    period: str                # 2026年第3季度
    as_of: date
    made_by: str               # the role's label (never a name: the file may travel)
    made_at: str               # 2026-12-02 08:15
    masked: bool
    parts: list[TownshipPart] = field(default_factory=list)

    @property
    def title(self) -> str:
        return "社会救助专项整治督导核查清单"

    @property
    def header(self) -> str:
        return (f"范围：{self.scope}　统计期：{self.period}　数据截至：{self.as_of.isoformat()}　"
                f"乡镇（街道）{len(self.parts)} 个")

    @property
    def footer(self) -> str:
        mask = "；姓名已按查看权限脱敏" if self.masked else ""
        return f"生成：{self.made_at}（{self.made_by}）{mask}。核查后请填写“核查情况”“核查人”“核查日期”。"


def section_heading(number: int, section: Section) -> str:
    """一、应保尽保：尚未纳入保障人员（共 12 人）."""
    cut = f"，下表列前 {len(section.table):,} {section.unit}" if section.is_cut else ""
    return f"{_CHINESE_NUMBERS[number]}、{section.title}（共 {section.total:,} {section.unit}{cut}）"


_CHINESE_NUMBERS = dict(enumerate("〇一二三四五六七八九十", 0))


# --------------------------------------------------------------------------- xlsx

_TITLE = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")


def to_xlsx(checklist: Checklist) -> bytes:
    """汇总 first (one row per township), then one sheet per township."""
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    _summary_sheet(summary, checklist)
    used = {"汇总"}
    for part in checklist.parts:
        title = unique_title(safe_sheet_title(part.name), used)
        _township_sheet(book.create_sheet(title), checklist, part)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_sheet(sheet, checklist: Checklist) -> None:
    sheet.append([checklist.title])
    sheet["A1"].font = _TITLE
    sheet.append([checklist.header])
    sheet.append([])
    titles = [s.title for s in checklist.parts[0].sections] if checklist.parts else []
    head = ["序号", "乡镇（街道）", "所属区", "待核查合计", *titles, "预警"]
    sheet.append(head)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, GRID
    for i, part in enumerate(checklist.parts, 1):
        sheet.append([i, part.name, part.district, part.cases, *[s.total for s in part.sections],
                      "；".join(f"{level}：{text}" for level, text in part.warnings) or "无"])
        for cell in sheet[sheet.max_row]:
            cell.border = GRID
    sheet.append([])
    sheet.append([checklist.footer])
    widths = [6, 16, 12, 12, *[14] * len(titles), 60]
    for i, width in enumerate(widths):
        sheet.column_dimensions[column_letter(i)].width = width


def _township_sheet(sheet, checklist: Checklist, part: TownshipPart) -> None:
    sheet.append([f"{checklist.title}：{part.title}"])
    sheet.cell(sheet.max_row, 1).font = _TITLE
    sheet.append([checklist.header])
    sheet.append(["主要指标：" + "；".join(f"{label} {value}" for label, value in part.figures)])
    for level, text in part.warnings or [("预警", "无")]:
        sheet.append([f"{level}：{text}"])
        if level.startswith("红"):
            sheet.cell(sheet.max_row, 1).font = Font(bold=True, color=RED)
    widest = 1
    for number, section in enumerate(part.sections, 1):
        sheet.append([])
        sheet.append([section_heading(number, section)])
        sheet.cell(sheet.max_row, 1).font = BOLD
        columns = [*map(str, section.table.columns), *CHECK_COLUMNS]
        widest = max(widest, len(columns))
        if section.table.empty:
            sheet.append(["无"])
            continue
        sheet.append(columns)
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEADER_FILL, GRID, _WRAP
        formats = _formats(section)
        for row in section.table.itertuples(index=False, name=None):
            sheet.append([excel_value(v) for v in row] + [None] * len(CHECK_COLUMNS))
            for cell, style in zip(sheet[sheet.max_row], formats + [None] * len(CHECK_COLUMNS)):
                cell.border, cell.alignment = GRID, _WRAP
                if style and cell.value is not None:
                    cell.number_format = style
    sheet.append([])
    sheet.append([checklist.footer])
    for i in range(max(widest, 1)):
        sheet.column_dimensions[column_letter(i)].width = 16
    sheet.column_dimensions["A"].width = 18


def _formats(section: Section) -> list[str | None]:
    out = []
    for column in section.table.columns:
        values = section.table[column].dropna()
        if column in section.money:
            out.append(number_format(2))
        elif not values.empty and isinstance(values.iloc[0], date):
            out.append(DATE_FORMAT)
        elif not values.empty and pd.api.types.is_integer_dtype(section.table[column].dtype):
            out.append(INT_FORMAT)
        else:
            out.append(None)
    return out


# --------------------------------------------------------------------------- docx

def to_docx(checklist: Checklist) -> bytes:
    """A4 landscape; a cover block, then each township on a page of its own."""
    document = docx_writer.new_document(landscape=True)
    docx_writer.paragraph(document, checklist.title, size=18, bold=True, font=HEADING_FONT,
                          align=WD_ALIGN_PARAGRAPH.CENTER)
    docx_writer.paragraph(document, checklist.header, size=11, align=WD_ALIGN_PARAGRAPH.CENTER)
    docx_writer.paragraph(document, checklist.footer, size=10)
    if not checklist.parts:
        docx_writer.paragraph(document, "范围内没有符合条件的乡镇（街道）。", size=12)
    for i, part in enumerate(checklist.parts):
        if i > 0:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _township(document, checklist, part)
    return docx_writer.to_bytes(document)


def _township(document, checklist: Checklist, part: TownshipPart) -> None:
    say = docx_writer.paragraph
    say(document, part.title, size=16, bold=True, font=HEADING_FONT, space_after=2)
    say(document, f"{checklist.period}，数据截至 {checklist.as_of.isoformat()}", size=10)
    say(document, "主要指标：" + "；".join(f"{label} {value}" for label, value in part.figures), size=11)
    if part.warnings:
        for level, text in part.warnings:
            say(document, f"{level}：{text}", size=11, bold=True, colour=RED if level.startswith("红") else "8D5A00")
    else:
        say(document, "预警：无", size=11)
    for number, section in enumerate(part.sections, 1):
        say(document, section_heading(number, section), size=12, bold=True, font=HEADING_FONT, space_after=2)
        if section.table.empty:
            say(document, "无", size=11)
            continue
        # the check columns get room to write in by hand, and each row a line's height
        docx_writer.table(document, section.table, blank_columns=CHECK_COLUMNS, blank_widths_cm=CHECK_WIDTHS_CM,
                          money=section.money, row_height_cm=0.8)
        document.add_paragraph().paragraph_format.space_after = Pt(2)
