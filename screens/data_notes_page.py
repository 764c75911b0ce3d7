"""数据说明 — the data's as-of day and load time, the contract's state, and the definition
of every figure. Data-quality counts and examples come with the full view."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.database import Database
from queries.figures import METRICS
from ui.format import plain
from ui.navigation import View

AREA_LABEL = {"coverage": "应保尽保", "petitions": "重复信访", "clues": "问题线索",
              "rectification": "整改进度"}
KIND_LABEL = {"flow": "期间量", "stock": "时点量"}
DIRECTION_LABEL = {1: "越高越好", -1: "越高越差", 0: "—"}


def render(view: View) -> None:
    db = view.db
    st.markdown(f"- 数据更新至：**{db.data_as_of.isoformat()}**\n"
                f"- 数据装载时间：{plain(db.loaded_at) if db.loaded_at else '未记录'}\n"
                f"- 数据来源：{_source(db)}")
    if db.contract.missing_optional:
        st.info("以下可选数据表缺失，相关指标不显示：" + "、".join(db.contract.missing_optional))
    if db.contract.missing_indexes:
        st.warning("报表库缺少建议索引，查询可能较慢（请信息科补建）：" + "；".join(db.contract.missing_indexes))
    st.caption("“排查认定符合条件”“是否查实”“是否处置”等没有自身日期的字段按当前值统计；"
               "查看过去的统计期时也用当前值。")
    st.subheader("指标口径")
    rows = [{"方面": AREA_LABEL[m.area], "指标": m.label, "单位": m.unit,
             "类型": KIND_LABEL[m.kind], "方向": DIRECTION_LABEL[m.direction], "口径": m.description}
            for area in AREA_LABEL for m in METRICS.values()
            if m.area == area and (m.audience is None or view.user.role in m.audience)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height="content")


def _source(db: Database) -> str:
    """Where the data comes from; the database's own note is its text, not Markdown."""
    if db.is_demo:
        return "演示数据（由生成器构造，非真实数据）"
    return plain(db.source_note) if db.source_note else "报表库"
