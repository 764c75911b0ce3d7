"""数据质量 — rows that the figures cannot place or that contradict themselves.

Nothing is dropped silently: rows with unknown township codes stay in the top total and
appear as 未识别区划 in breakdowns; this module counts them, and the other defects, with
a few examples each, for the 数据说明 page.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, exists, func, literal, select, union_all

from queries.db import fetch
from queries.schema import (
    clue, crosscheck_hit, petition, rectification, recipient, region, screening,
)
from queries.coverage import PROGRAMME_LABEL, REGISTER_LABEL, SCREENING_CATEGORY_LABEL
from queries.petitions import CATEGORY_LABEL as PETITION_CATEGORY_LABEL, CHANNEL_LABEL
from queries.clues import CATEGORY_LABEL as CLUE_CATEGORY_LABEL, SOURCE_LABEL as CLUE_SOURCE_LABEL
from queries.rectification import STATUS_LABEL as RECT_STATUS_LABEL

TABLE_LABEL = {
    "recipient": "救助对象保障记录", "screening": "困难群众排查", "petition": "信访件",
    "clue": "问题线索", "rectification": "整改台账", "crosscheck_hit": "数据比对疑点",
}
FACT_TABLES = (recipient, screening, petition, clue, rectification, crosscheck_hit)


@dataclass(frozen=True)
class Check:
    key: str
    kind: str          # unknown_township_code | dates_out_of_order | status_contradicts_date | unknown_code
    table: object
    label: str         # what is wrong, in Chinese
    condition: object  # SQL condition selecting the defective rows
    id_col: str


def _unknown_township(t) -> Check:
    known = exists().where(region.c.code == t.c.township_code, region.c.level == "township")
    return Check(f"{t.name}.unknown_township", "unknown_township_code", t,
                 "乡镇（街道）代码不在区划表中", ~known, t.primary_key.columns.values()[0].name
                 if t.primary_key.columns else "township_code")


def _checks() -> list[Check]:
    out = [_unknown_township(t) for t in FACT_TABLES]
    order = [
        (recipient, "end_before_start", "退出日期早于纳入日期", recipient.c.end_date < recipient.c.start_date),
        (petition, "closed_before_received", "办结日期早于受理日期", petition.c.closed_date < petition.c.received_date),
        (clue, "concluded_before_received", "办结日期早于受理日期", clue.c.concluded_date < clue.c.received_date),
        (rectification, "closed_before_found", "销号日期早于发现日期", rectification.c.closed_date < rectification.c.found_date),
        (crosscheck_hit, "resolved_before_hit", "核实日期早于比对日期", crosscheck_hit.c.resolved_date < crosscheck_hit.c.hit_date),
    ]
    out += [Check(f"{t.name}.{k}", "dates_out_of_order", t, label, cond, _id(t)) for t, k, label, cond in order]
    status = [
        (petition, "closed_without_date", "状态为已办结但无办结日期",
         and_(petition.c.status == "closed", petition.c.closed_date.is_(None))),
        (petition, "open_with_date", "状态为未办结但有办结日期",
         and_(petition.c.status.in_(["accepted", "processing"]), petition.c.closed_date.is_not(None))),
        (clue, "concluded_without_date", "状态为已办结但无办结日期",
         and_(clue.c.status == "concluded", clue.c.concluded_date.is_(None))),
        (clue, "open_with_date", "状态为待研判/核查中但有办结日期",
         and_(clue.c.status.in_(["pending", "verifying"]), clue.c.concluded_date.is_not(None))),
        (rectification, "closed_without_date", "状态为已销号但无销号日期",
         and_(rectification.c.status == "closed", rectification.c.closed_date.is_(None))),
        (rectification, "open_with_date", "状态为未销号但有销号日期",
         and_(rectification.c.status.in_(["open", "in_progress", "done"]),
              rectification.c.closed_date.is_not(None))),
    ]
    out += [Check(f"{t.name}.{k}", "status_contradicts_date", t, label, cond, _id(t)) for t, k, label, cond in status]
    codes = [
        (recipient, "programme", PROGRAMME_LABEL), (screening, "category", SCREENING_CATEGORY_LABEL),
        (petition, "channel", CHANNEL_LABEL), (petition, "category", PETITION_CATEGORY_LABEL),
        (clue, "source", CLUE_SOURCE_LABEL), (clue, "category", CLUE_CATEGORY_LABEL),
        (rectification, "status", RECT_STATUS_LABEL), (crosscheck_hit, "register", REGISTER_LABEL),
    ]
    out += [Check(f"{t.name}.{col}.unknown", "unknown_code", t, f"{col} 取值不在契约代码表中",
                  and_(t.c[col].is_not(None), t.c[col].not_in(list(labels))), _id(t))
            for t, col, labels in codes]
    return out


def _id(t) -> str:
    return list(t.primary_key.columns)[0].name


KIND_LABEL = {
    "unknown_township_code": "区划代码无法识别", "dates_out_of_order": "日期先后颠倒",
    "status_contradicts_date": "状态与日期矛盾", "unknown_code": "代码值无法识别",
}


def quality_report(db, examples: int = 5) -> pd.DataFrame:
    """One row per check with its count (all checks, zero included), in one statement."""
    checks = [c for c in _checks() if db.has(c.table.name)]
    parts = [select(literal(c.key).label("key"), func.count().label("rows"))
             .select_from(c.table).where(c.condition) for c in checks]
    counts = dict(fetch(db.engine, union_all(*parts)).itertuples(index=False))
    return pd.DataFrame([{
        "key": c.key, "kind": c.kind, "kind_label": KIND_LABEL[c.kind], "table": c.table.name,
        "table_label": TABLE_LABEL[c.table.name], "problem": c.label, "rows": int(counts.get(c.key, 0)),
    } for c in checks])


def examples(db, key: str, limit: int = 5) -> pd.DataFrame:
    """A few defective rows of one check (ids, codes and dates only: no personal data)."""
    check = next(c for c in _checks() if c.key == key)
    t = check.table
    safe = [c for c in t.columns if c.name in {
        check.id_col, "township_code", "status", "received_date", "closed_date", "concluded_date",
        "found_date", "start_date", "end_date", "hit_date", "resolved_date", "programme",
        "channel", "category", "source", "register"}]
    return fetch(db.engine, select(*safe).where(check.condition)
                 .order_by(t.c[check.id_col]).limit(limit))
