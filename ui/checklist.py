"""督导核查清单 — what a supervision team takes on site (issue 11): for one township, or the
top N townships of the problem index in the user's scope, every open case to verify,
grouped by township and area, with the township's figures and warnings on top.

The open cases are the lists 乡镇画像 shows in its tabs (``OPEN_CASES``: one place), each
whole (up to queries.cases.EXCEL rows), masked for the viewer as on the page; every
township's personal rows are logged as a download. Files are built only on click.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from queries import warnings
from queries.cases import EXCEL, LISTS, case_lists
from queries.db import side_by_side
from queries.figures import METRICS
from queries.problem_index import INDEX_LABEL, rank_of
from queries.rectification import time_progress
from queries.runner import compute
from queries.scope import Scope
from ui import access_log, data
from ui import format as fmt
from ui.checklist_files import Checklist, Section, TownshipPart, to_docx, to_xlsx
from ui.navigation import View
from ui.privacy import personal_columns
from ui.docx_writer import DOCX_MIME
from ui.tables import XLSX_MIME, case_frame

# a township's open cases, one per area: (list key, the area's title)
OPEN_CASES = (
    ("uncovered_persons", "应保尽保：尚未纳入保障人员"),
    ("deceased_active", "应保尽保：死亡未退保人员"),
    ("unresolved_repeat_matters", "重复信访：未化解重复信访事项"),
    ("overdue_clues", "问题线索：逾期未办结线索"),
    ("open_items", "整改进度：未销号整改问题"),
)
# the figures at the top of each township's part
FIGURES = ("gap_persons", "gap_rate", "deceased_active", "unresolved_repeat_matters",
           "overdue_clues", "clue_conclusion_rate", "rect_overdue", "rect_close_rate")
MAX_TOWNSHIPS = 50


def gather(view: View, codes: list[str]) -> Checklist:
    """The check list of townships ``codes`` (each one the user may see) for the view's period."""
    db, period, user = view.db, view.filters.period, view.user
    scopes = [db.scope(code, allowed=user.regions) for code in codes]
    index = data.problem_index_whole(view)
    progress = time_progress(db.campaign, period.as_of)
    parts = side_by_side(*[(lambda s=s: _part(view, s, index, progress)) for s in scopes])
    return Checklist(scope=view.filters.scope.name, period=period.label, as_of=period.as_of,
                     made_by=user.role_label, made_at=datetime.now().strftime("%Y-%m-%d %H:%M"),
                     masked=user.masks_names, parts=list(parts))


def _part(view: View, scope: Scope, index: pd.DataFrame, progress: float | None) -> TownshipPart:
    db, period, user = view.db, view.filters.period, view.user
    keys = list(dict.fromkeys(FIGURES + warnings.WARNING_FIGURES))
    row = compute(db, keys, scope, period).query("is_total").iloc[0]
    lists = case_lists(db, [k for k, _ in OPEN_CASES], scope, period, limit=EXCEL,
                       regions=user.regions, role=user.role)
    figures = [(METRICS[k].label, fmt.value(METRICS[k], row[k])) for k in FIGURES]
    rank = rank_of(index, scope.code)
    if rank is not None:
        figures.append((INDEX_LABEL, f"{rank.value:.1f}（第 {rank.position} / {rank.of} 名）"))
    fired = [(warnings.LEVEL_LABEL[w.level], warnings.describe(w))
             for w in warnings.fired(row, time_progress=progress)]
    sections = []
    for key, title in OPEN_CASES:
        case = lists[key]
        spec = LISTS[key]
        columns = [c for c in spec.columns if c.kind != "township"]   # the part is the township's
        table = case_frame(case.rows, columns, view, links=False) if case is not None else pd.DataFrame()
        if case is not None and personal_columns(case.rows, {c.key: c.kind for c in spec.columns}):
            access_log.record_download(user, view.page.url_path, f"checklist.{key}", scope.code,
                                       period.key, len(case.rows), masked=user.masks_names)
        sections.append(Section(title, spec.unit, table, case.total if case is not None else 0,
                                money=tuple(c.label for c in columns if c.kind == "money")))
    region = db.tree.by_code[scope.code]
    district = db.tree.by_code.get(region.parent_code)
    return TownshipPart(scope.code, scope.name, district.name if district else None, figures, fired, sections)


def downloads(view: View, codes_of: "callable", *, key: str, label: str) -> None:
    """Two buttons (.xlsx, .docx) whose files are built on click for the townships
    ``codes_of()`` returns; ``label`` says whose they are."""
    st.caption(f"督导核查清单（{label}）：每个镇（街道）的主要指标、预警和全部待核查案件，"
               "附“核查情况”“核查人”“核查日期”空栏，供现场核查填写。")
    with st.container(horizontal=True, gap="small"):
        st.download_button("下载核查清单 Excel", data=lambda: to_xlsx(gather(view, codes_of())),
                           file_name=f"督导核查清单-{label}.xlsx", mime=XLSX_MIME,
                           key=f"{key}.xlsx", on_click="ignore", icon=":material/table_view:")
        st.download_button("下载核查清单 Word（A4横向，可直接打印）",
                           data=lambda: to_docx(gather(view, codes_of())),
                           file_name=f"督导核查清单-{label}.docx", mime=DOCX_MIME,
                           key=f"{key}.docx", on_click="ignore", icon=":material/print:")
