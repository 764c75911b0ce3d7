"""A page still being built says what it will show, and nothing else."""
from __future__ import annotations

from typing import Iterable

import streamlit as st


def coming(planned: Iterable[str]) -> None:
    # the page's title is the header's (ui/layout.draw_header)
    st.info("本页正在建设中，将展示：\n\n" + "\n".join(f"- {item}" for item in planned))
