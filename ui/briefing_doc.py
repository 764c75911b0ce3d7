"""The whole 季度简报 as .docx (A4 portrait, 仿宋/黑体): the title line, the headline table,
then for each area its sentences, its ranked chart as an image (16 cm wide, server-side
PNG: ui/png.py) and its table — the figures, sentences and charts of the page itself
(screens/briefing_page.py hands them over), ready to paste into the bureau's template."""
from __future__ import annotations

import io
from typing import Sequence

import pandas as pd
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from ui import charts, docx_writer, png
from ui.docx_writer import HEADING_FONT

IMAGE_WIDTH_CM = 16.0


def briefing_docx(title: str, stamp: str, headline: pd.DataFrame,
                  areas: Sequence[tuple[str, str, object, pd.DataFrame]]) -> bytes:
    """``areas``: (heading, sentences, plotly figure or None, table as text) each. Charts become
    images only where the server can draw them (png.missing() is None); otherwise the
    document says so in their place."""
    document = docx_writer.new_document(body_size=14, table_size=10.5)
    say = docx_writer.paragraph
    say(document, title, size=20, bold=True, font=HEADING_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    say(document, stamp, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=10)
    say(document, "主要指标", size=15, bold=True, font=HEADING_FONT, space_after=4)
    docx_writer.table(document, headline, right=tuple(headline.columns[1:]), keep_together=True)
    document.add_paragraph()
    figures = [fig for _, _, fig, _ in areas if fig is not None]
    why_not = png.missing()
    images = iter(png.images(figures, charts.EXPORT_WIDTH) if figures and why_not is None else [])
    for heading, sentences, fig, table in areas:
        say(document, heading, size=15, bold=True, font=HEADING_FONT, space_after=4, keep_with_next=True)
        if sentences:
            say(document, sentences, size=14, first_line_indent=True, space_after=6, keep_with_next=True)
        if fig is not None:
            if why_not is None:
                document.add_picture(io.BytesIO(next(images)), width=Cm(IMAGE_WIDTH_CM))
                document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                say(document, f"（图略：{why_not}）", size=10.5)
        docx_writer.table(document, table, right=tuple(table.columns[1:]), keep_together=len(table) <= 30)
        document.add_paragraph()
    return docx_writer.to_bytes(document)
