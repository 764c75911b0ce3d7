"""数据说明 — the data's as-of day, load time and source; data quality, counted with example
ids and how the figures treat such rows; what the database lacks (optional tables,
recommended indexes, with their DDL); the definition of every figure, one expander per area
(views.md, page 8)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.database import Database
from queries.figures import METRICS
from queries.national_ledger import column_sources
from queries.quality import KIND_LABEL, TABLE_LABEL
from queries.privileges import reader_sql, warning_text
from queries.schema import index_ddl
from ui import data
from ui.format import plain
from ui.navigation import View

AREA_LABEL = {"coverage": "应保尽保", "payments": "资金发放（一卡通）", "petitions": "重复信访",
              "clues": "问题线索", "rectification": "整改进度"}
KIND_WORD = {"flow": "期间量", "stock": "时点量"}
DIRECTION_WORD = {1: "越高越好", -1: "越高越差", 0: ""}
OPTIONAL_EFFECT = {"payment": "死亡后发放及资金发放（一卡通）各项指标", "crosscheck_hit": "数据比对疑点各项指标"}


def render(view: View) -> None:
    db = view.db
    st.markdown(f"- 数据更新至：**{db.data_as_of.isoformat()}**\n"
                f"- 数据装载时间：{plain(db.loaded_at) if db.loaded_at else '未记录'}\n"
                f"- 数据来源：{_source(db)}")
    st.caption("“排查认定符合条件”“是否查实”“是否处置”等没有自身日期的字段按当前值统计；"
               "查看过去的统计期时也用当前值。")
    _quality(view)
    _database(db)
    _definitions(view)


def _source(db: Database) -> str:
    """Where the data comes from; the database's own note is its text, not Markdown."""
    if db.is_demo:
        return "演示数据（由生成器构造，非真实数据）"
    return plain(db.source_note) if db.source_note else "报表库"


# --------------------------------------------------------------------------- quality

def _quality(view: View) -> None:
    st.subheader("数据质量")
    report, codes = data.quality(view)
    found = report[report["rows"] > 0]
    if found.empty:
        st.success(f"已检查 {len(report)} 项，未发现问题。")
        return
    st.markdown(f"已检查 {len(report)} 项，其中 {len(found)} 项发现问题，共 **{int(found['rows'].sum()):,}** 条记录。"
                "这些记录不会被丢弃，下面说明各项统计如何处理。")
    for kind, label in KIND_LABEL.items():
        rows = found[found["kind"] == kind]
        if rows.empty:
            continue
        st.markdown(f"**{label}**（{int(rows['rows'].sum()):,} 条）")
        st.caption(f"统计处理：{rows['treatment'].iloc[0]}")
        if kind == "unknown_township_code" and not codes.empty:
            _unknown_codes(codes)
        table = pd.DataFrame({
            "数据表": rows["table_label"].tolist(), "问题": rows["problem"].tolist(),
            "记录数": rows["rows"].astype(int).tolist(),
            "示例编号（最多5个）": ["、".join(ex) for ex in rows["examples"]],
        })
        st.dataframe(table, hide_index=True, width="stretch", height="content", key=f"data.quality.{kind}",
                     column_config={"记录数": st.column_config.NumberColumn("记录数", format="%,d"),
                                    "示例编号（最多5个）": st.column_config.TextColumn(width="large")})
    quiet = report[report["rows"] == 0]
    st.caption(f"其余 {len(quiet)} 项检查未发现问题："
               + "；".join(f"{TABLE_LABEL[t]}·{p}" for t, p in zip(quiet["table"], quiet["problem"])) + "。")


def _unknown_codes(codes: pd.DataFrame) -> None:
    """未识别区划: the codes themselves, per table (总览's footnote leads here)."""
    shown = pd.DataFrame({"数据表": codes["table_label"].tolist(),
                          "乡镇（街道）代码": codes["code"].fillna("（空）").astype(str).tolist(),
                          "记录数": codes["rows"].astype(int).tolist()})
    st.markdown("未识别区划的代码：")
    st.dataframe(shown, hide_index=True, width="stretch", height="content", key="data.unknown_codes",
                 column_config={"记录数": st.column_config.NumberColumn("记录数", format="%,d")})


# --------------------------------------------------------------------------- the database

def _database(db: Database) -> None:
    missing_optional = db.contract.missing_optional
    missing_indexes = db.contract.missing_indexes
    if not missing_optional and not missing_indexes and not db.write_access:
        return
    st.subheader("报表库待完善（供信息科）")
    if db.write_access:
        st.error(plain(warning_text(db.write_access)), icon=":material/lock_open:")
        st.code(reader_sql(db.dialect), language="sql")
    for table in missing_optional:
        st.info(f"报表库中没有“{TABLE_LABEL.get(table, table)}”表（{table}），"
                f"{OPTIONAL_EFFECT.get(table, '相关指标')}显示为“未接入”。如源系统有此数据，请在 ETL 中补充。")
    if missing_indexes:
        st.warning(f"报表库缺少 {len(missing_indexes)} 个建议索引，相关页面查询会较慢。"
                   "请信息科在报表库执行下列语句（只建索引，不改数据）：")
        st.code(index_ddl(missing_indexes, db.engine.dialect), language="sql")


# --------------------------------------------------------------------------- definitions

def _definitions(view: View) -> None:
    st.subheader("指标口径")
    st.caption("期间量统计统计期内发生的事项，时点量统计统计截至日当天的状态。")
    for area, label in AREA_LABEL.items():
        metrics = [m for m in METRICS.values()
                   if m.area == area and (m.audience is None or view.user.role in m.audience)]
        if not metrics:
            continue
        with st.expander(f"{label}（{len(metrics)} 项指标）"):
            st.markdown("\n".join(_definition(m) for m in metrics))
    with st.expander("全国农村低保专项治理工作台账：各栏对应的指标与口径"):
        st.dataframe(column_sources(), hide_index=True, width="stretch", height="content", key="data.ledger_columns")


def _definition(metric) -> str:
    traits = "，".join(t for t in (metric.unit, KIND_WORD[metric.kind], DIRECTION_WORD[metric.direction]) if t)
    return f"- **{plain(metric.label)}**（{plain(traits)}）：{plain(metric.description)}"
