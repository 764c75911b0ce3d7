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
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from ui.xlsx import DATE_FORMAT, INT_FORMAT, excel_value, number_format, safe_sheet_title

CHECK_COLUMNS = ("核查情况", "核查人", "核查日期")
BODY_FONT, HEADING_FONT = "仿宋", "黑体"          # as Chinese official documents use
TABLE_STYLE = "核查清单表格"
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

_BOLD, _TITLE = Font(bold=True), Font(bold=True, size=14)
_THIN = Side(style="thin", color="999999")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")
_WRAP = Alignment(wrap_text=True, vertical="top")


def to_xlsx(checklist: Checklist) -> bytes:
    """汇总 first (one row per township), then one sheet per township."""
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    _summary_sheet(summary, checklist)
    used = {"汇总"}
    for part in checklist.parts:
        title = _unique(safe_sheet_title(part.name), used)
        _township_sheet(book.create_sheet(title), checklist, part)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _unique(title: str, used: set[str]) -> str:
    out, n = title, 2
    while out in used:
        suffix = f"({n})"
        out, n = title[:31 - len(suffix)] + suffix, n + 1
    used.add(out)
    return out


def _summary_sheet(sheet, checklist: Checklist) -> None:
    sheet.append([checklist.title])
    sheet["A1"].font = _TITLE
    sheet.append([checklist.header])
    sheet.append([])
    titles = [s.title for s in checklist.parts[0].sections] if checklist.parts else []
    head = ["序号", "乡镇（街道）", "所属区", "待核查合计", *titles, "预警"]
    sheet.append(head)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill, cell.border = _BOLD, _HEAD_FILL, _GRID
    for i, part in enumerate(checklist.parts, 1):
        sheet.append([i, part.name, part.district, part.cases, *[s.total for s in part.sections],
                      "；".join(f"{level}：{text}" for level, text in part.warnings) or "无"])
        for cell in sheet[sheet.max_row]:
            cell.border = _GRID
    sheet.append([])
    sheet.append([checklist.footer])
    widths = [6, 16, 12, 12, *[14] * len(titles), 60]
    for i, width in enumerate(widths):
        sheet.column_dimensions[_letter(i)].width = width


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
        sheet.cell(sheet.max_row, 1).font = _BOLD
        columns = [*map(str, section.table.columns), *CHECK_COLUMNS]
        widest = max(widest, len(columns))
        if section.table.empty:
            sheet.append(["无"])
            continue
        sheet.append(columns)
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _HEAD_FILL, _GRID, _WRAP
        formats = _formats(section)
        for row in section.table.itertuples(index=False, name=None):
            sheet.append([excel_value(v) for v in row] + [None] * len(CHECK_COLUMNS))
            for cell, style in zip(sheet[sheet.max_row], formats + [None] * len(CHECK_COLUMNS)):
                cell.border, cell.alignment = _GRID, _WRAP
                if style and cell.value is not None:
                    cell.number_format = style
    sheet.append([])
    sheet.append([checklist.footer])
    for i in range(max(widest, 1)):
        sheet.column_dimensions[_letter(i)].width = 16
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


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


# --------------------------------------------------------------------------- docx

def to_docx(checklist: Checklist) -> bytes:
    """A4 landscape; a cover block, then each township on a page of its own."""
    document = Document()
    _page_setup(document)
    _styles(document)
    _paragraph(document, checklist.title, size=18, bold=True, font=HEADING_FONT,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, checklist.header, size=11, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, checklist.footer, size=10)
    if not checklist.parts:
        _paragraph(document, "范围内没有符合条件的乡镇（街道）。", size=12)
    for i, part in enumerate(checklist.parts):
        if i > 0:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _township(document, checklist, part)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))
    section.top_margin = section.bottom_margin = Cm(1.6)


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(11)
    _east_asian(normal.element.get_or_add_rPr(), BODY_FONT)
    cells = document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cells.base_style = normal
    cells.font.size = Pt(9)
    cells.paragraph_format.space_after = Pt(0)


def _east_asian(r_pr, font: str) -> None:
    """Word takes a Chinese run's font from w:eastAsia; without it 仿宋 is ignored for CJK."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), font)


def _paragraph(document_or_cell, text: str, *, size: float = 11, bold: bool = False,
               font: str = BODY_FONT, align=None, colour: str | None = None, space_after: float = 4):
    paragraph = document_or_cell.add_paragraph()
    _run(paragraph, text, size=size, bold=bold, font=font, colour=colour)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    return paragraph


def _run(paragraph, text: str, *, size: float, bold: bool = False, font: str = BODY_FONT,
         colour: str | None = None):
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, font
    _east_asian(run._element.get_or_add_rPr(), font)
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    return run


def _township(document, checklist: Checklist, part: TownshipPart) -> None:
    _paragraph(document, part.title, size=16, bold=True, font=HEADING_FONT, space_after=2)
    _paragraph(document, f"{checklist.period}，数据截至 {checklist.as_of.isoformat()}", size=10)
    _paragraph(document, "主要指标：" + "；".join(f"{label} {value}" for label, value in part.figures), size=11)
    if part.warnings:
        for level, text in part.warnings:
            _paragraph(document, f"{level}：{text}", size=11, bold=True,
                       colour=RED if level.startswith("红") else "8D5A00")
    else:
        _paragraph(document, "预警：无", size=11)
    for number, section in enumerate(part.sections, 1):
        _paragraph(document, section_heading(number, section), size=12, bold=True, font=HEADING_FONT,
                   space_after=2)
        if section.table.empty:
            _paragraph(document, "无", size=11)
            continue
        _table(document, section)


def _table(document, section: Section) -> None:
    """Built row by row from the cells each new row returns: python-docx recomputes the
    grid on every ``table.rows[i].cells``, which made a 400-row list take seconds."""
    columns = [*map(str, section.table.columns), *CHECK_COLUMNS]
    widths = _widths(section)
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths):      # the grid LibreOffice reads
        column.width = width
    header = table.rows[0]
    style = document.styles[TABLE_STYLE]
    for cell, text, width in zip(header.cells, columns, widths):
        cell.width = width                                  # the cells Word reads
        _cell_text(cell, text, style, bold=True)
    _repeat_header(header)
    money = [column in set(section.money) for column in section.table.columns]
    blank = len(CHECK_COLUMNS)
    for row in section.table.itertuples(index=False, name=None):
        added = table.add_row()
        added.height, added.height_rule = Cm(0.8), WD_ROW_HEIGHT_RULE.AT_LEAST   # room to write
        texts = [_text(value, is_money) for value, is_money in zip(row, money)] + [""] * blank
        for cell, text in zip(added.cells, texts):      # add_row takes the grid's widths
            _cell_text(cell, text, style)
    document.add_paragraph().paragraph_format.space_after = Pt(2)


# A4 landscape less the margins; the check columns get room to write in by hand
_USABLE_CM, _CHECK_CM = 29.7 - 2 * 1.8, (4.6, 2.2, 2.6)


def _widths(section: Section) -> list:
    """Each data column as wide as its longest text needs (CJK counted double, capped), in
    what the check columns leave."""
    needs = []
    for column in section.table.columns:
        texts = [str(column)] + [_text(v) for v in section.table[column].head(200)]
        needs.append(min(max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in t) for t in texts), 40) + 4)
    room = _USABLE_CM - sum(_CHECK_CM)
    return [Cm(room * n / sum(needs)) for n in needs] + [Cm(w) for w in _CHECK_CM]


def _repeat_header(row) -> None:
    """The header row repeats on every printed page of a long table."""
    tr_pr = row._tr.get_or_add_trPr()
    element = tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    tr_pr.append(element)


def _cell_text(cell, text: str, style, *, bold: bool = False) -> None:
    """The cell's text in the table style (TABLE_STYLE: 仿宋 9 pt, set once per document,
    not per run)."""
    paragraph = cell.paragraphs[0]
    # the style id straight on <w:pPr>: python-docx's style setter scans every style of the
    # document for each paragraph (seconds for a few thousand cells)
    paragraph._p.style = style.style_id
    if text:
        run = paragraph.add_run(text)
        if bold:
            run.bold = True


def _text(value, money: bool = False) -> str:
    value = excel_value(value)
    if value is None:
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    if money and isinstance(value, (int, float)):
        return f"{value:,.2f}"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
