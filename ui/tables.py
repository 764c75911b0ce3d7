"""Tables of cases: masked for the viewer, logged when personal, downloadable as .xlsx with
the same columns and Chinese headers (views.md, Shared on every page)."""
from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from ui import access_log
from ui.access import User
from ui.filters import Filters
from ui.privacy import mask_frame, personal_columns


def case_table(frame: pd.DataFrame, labels: dict[str, str], *, user: User, page: str,
               filters: Filters, title: str, key: str) -> None:
    """Draw ``frame`` (columns named as ``labels``' keys) for ``user`` on ``page``."""
    if frame.empty:
        st.info("暂无数据")
        return
    shown = mask_frame(frame, user)[list(labels)].rename(columns=labels)
    if personal_columns(frame):
        access_log.record(user, page, filters.scope.code, filters.period.key, len(frame),
                          masked=user.masks_names)
    st.dataframe(shown, hide_index=True, width="stretch", key=f"{key}_table")
    st.download_button("下载 Excel", data=lambda: to_xlsx(shown, title), key=f"{key}_xlsx",
                       file_name=f"{title}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def to_xlsx(frame: pd.DataFrame, sheet_title: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet_title[:31] or "Sheet1")
    return buffer.getvalue()
