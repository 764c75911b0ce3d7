"""社会救助监督看板 — entry point.

A placeholder until the app shell lands (issue 3): it opens the reporting database the
way the dashboard will (read-only, checked against the contract) and says what it found.
"""
from __future__ import annotations

import streamlit as st

from queries.database import ContractViolation, Database
from queries.db import DatabaseUnavailable, database_url, describe_url

st.set_page_config(page_title="社会救助监督看板", layout="wide")


@st.cache_resource(show_spinner="正在连接报表库……")
def open_database(url: str) -> Database:
    """One engine per database URL for the whole server (a failure is not cached)."""
    return Database.open(url)


def main() -> None:
    st.title("社会救助监督看板")
    try:
        db = open_database(database_url())
    except (DatabaseUnavailable, ContractViolation) as exc:
        st.error(str(exc))
        st.caption(f"报表库：{describe_url(database_url())}")
        return
    mark = "（演示数据）" if db.is_demo else ""
    st.success(f"报表库已连接{mark}：数据截至 {db.data_as_of.isoformat()}，"
               f"区划 {len(db.tree.by_code)} 个，顶层为{db.tree.top.name}。")
    if db.contract.missing_optional:
        st.info("以下可选数据表缺失，相关指标不显示：" + "、".join(db.contract.missing_optional))
    if db.contract.missing_indexes:
        st.warning("报表库缺少建议索引，查询可能较慢（请信息科补建）：" + "；".join(db.contract.missing_indexes))
    st.caption("各页面正在建设中。")


main()
