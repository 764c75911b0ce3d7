"""Word (.docx) as a Chinese government office prints it (the check list, the briefing):
A4, 仿宋 for the text and 黑体 for headings (set for East Asian text too, or Word ignores
them for Chinese; where the fonts are absent Word and LibreOffice fall back to a CJK font),
tables with a repeated header row, sized to their content.
"""
from __future__ import annotations

import io
from datetime import date

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ui.xlsx import excel_value

BODY_FONT, HEADING_FONT = "仿宋", "黑体"          # as Chinese official documents use
TABLE_STYLE = "表格文字"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MARGIN_CM = 1.8


def new_document(*, landscape: bool = False, body_size: float = 11, table_size: float = 9):
    """An A4 document (portrait or landscape) with the body and table styles set."""
    document = Document()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(MARGIN_CM)
    section.top_margin = section.bottom_margin = Cm(1.6)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(body_size)
    _east_asian(normal.element.get_or_add_rPr(), BODY_FONT)
    cells = document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cells.base_style = normal
    cells.font.size = Pt(table_size)
    cells.paragraph_format.space_after = Pt(0)
    return document


def usable_width_cm(document) -> float:
    section = document.sections[0]
    return (section.page_width - section.left_margin - section.right_margin) / 360000


def to_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _east_asian(r_pr, font: str) -> None:
    """Word takes a Chinese run's font from w:eastAsia; without it 仿宋 is ignored for CJK."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), font)


def paragraph(document_or_cell, text: str, *, size: float = 11, bold: bool = False,
              font: str = BODY_FONT, align=None, colour: str | None = None, space_after: float = 4,
              first_line_indent: bool = False, keep_with_next: bool = False):
    """A paragraph of one run; ``first_line_indent``: two characters, as a 通报's body;
    ``keep_with_next``: on the page of what follows (a heading never ends a page)."""
    out = document_or_cell.add_paragraph()
    run(out, text, size=size, bold=bold, font=font, colour=colour)
    if align is not None:
        out.alignment = align
    out.paragraph_format.space_after = Pt(space_after)
    if first_line_indent:
        out.paragraph_format.first_line_indent = Pt(size * 2)
    if keep_with_next:
        out.paragraph_format.keep_with_next = True
    return out


def run(paragraph_, text: str, *, size: float, bold: bool = False, font: str = BODY_FONT,
        colour: str | None = None):
    out = paragraph_.add_run(text)
    out.font.size, out.font.bold, out.font.name = Pt(size), bold, font
    _east_asian(out._element.get_or_add_rPr(), font)
    if colour:
        out.font.color.rgb = RGBColor.from_string(colour)
    return out


def table(document, frame: pd.DataFrame, *, blank_columns: tuple[str, ...] = (),
          blank_widths_cm: tuple[float, ...] = (), money: tuple[str, ...] = (),
          row_height_cm: float | None = None, numbers_right: bool = False,
          right: tuple[str, ...] = (), keep_together: bool = False) -> None:
    """``frame`` as a Word table (— where a value is missing), its columns as wide as their
    longest text needs within the page, then ``blank_columns`` of ``blank_widths_cm`` to fill
    in by hand. Built row by row from the cells each new row returns: python-docx
    recomputes the grid on every ``table.rows[i].cells``, which made a 400-row list take
    seconds. Numbers (``numbers_right``) and the columns named in ``right`` align right;
    ``keep_together``: the table is not split across pages (a short table of a briefing)."""
    columns = [*map(str, frame.columns), *blank_columns]
    widths = _widths(frame, usable_width_cm(document) - sum(blank_widths_cm)) + [Cm(w) for w in blank_widths_cm]
    out = document.add_table(rows=1, cols=len(columns))
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    out.autofit = False
    for column, width in zip(out.columns, widths):      # the grid LibreOffice reads
        column.width = width
    header = out.rows[0]
    style = document.styles[TABLE_STYLE]
    for cell, text, width in zip(header.cells, columns, widths):
        cell.width = width                                # the cells Word reads
        _cell_text(cell, text, style, bold=True)
    _repeat_header(header)
    is_money = [c in set(money) for c in frame.columns]
    numeric = [(numbers_right and pd.api.types.is_numeric_dtype(frame[c])) or c in right for c in frame.columns]
    blank = [""] * len(blank_columns)
    if keep_together:
        _keep_with_next(header.cells)
    last = len(frame) - 1
    for n, row in enumerate(frame.itertuples(index=False, name=None)):
        added = out.add_row()
        if row_height_cm:
            added.height, added.height_rule = Cm(row_height_cm), WD_ROW_HEIGHT_RULE.AT_LEAST
        texts = [text_of(v, m) for v, m in zip(row, is_money)] + blank
        cells = added.cells
        for i, (cell, text) in enumerate(zip(cells, texts)):   # add_row takes the grid's widths
            _cell_text(cell, text, style, right=i < len(numeric) and numeric[i])
        if keep_together and n < last:
            _keep_with_next(cells)


def _keep_with_next(cells) -> None:
    """Word keeps a table on one page when every row but the last keeps with the next."""
    for cell in cells:
        cell.paragraphs[0].paragraph_format.keep_with_next = True


def _widths(frame: pd.DataFrame, room_cm: float) -> list:
    """Each column as wide as its longest text needs (CJK counted double, capped), in ``room_cm``."""
    needs = []
    for column in frame.columns:
        texts = [str(column)] + [text_of(v) for v in frame[column].head(200)]
        needs.append(min(max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in t) for t in texts), 40) + 4)
    if not needs:
        return []
    return [Cm(room_cm * n / sum(needs)) for n in needs]


def _repeat_header(row) -> None:
    """The header row repeats on every printed page of a long table."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))


def _cell_text(cell, text: str, style, *, bold: bool = False, right: bool = False) -> None:
    """The cell's text in the table style (set once per document, not per run)."""
    paragraph_ = cell.paragraphs[0]
    # the style id straight on <w:pPr>: python-docx's style setter scans every style of the
    # document for each paragraph (seconds for a few thousand cells)
    paragraph_._p.style = style.style_id
    if right:
        paragraph_.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if text:
        added = paragraph_.add_run(text)
        if bold:
            added.bold = True


def text_of(value, money: bool = False) -> str:
    """A cell's text: — for a missing value, dates YYYY-MM-DD, numbers with separators."""
    value = excel_value(value)
    if value is None:
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    if money and isinstance(value, (int, float)):
        return f"{value:,.2f}"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
