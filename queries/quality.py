"""数据质量 — rows that the figures cannot place or that contradict themselves.

Nothing is dropped silently: rows with unknown township codes stay in the top total and
appear as 未识别区划 in breakdowns; this module counts them, and the other defects, each
check with a few example ids and a sentence on how the figures treat such rows, for the
数据说明 page. Ids are row ids (信访件编号 …) or, for people, pseudonymous ids that the
page shortens; no names leave here.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, exists, func, literal, or_, select, union_all

from queries.db import fetch
from queries.schema import (
    clue, crosscheck_hit, payment, petition, rectification, recipient, region, screening,
)
from queries.coverage import PROGRAMME_LABEL, REGISTER_LABEL, SCREENING_CATEGORY_LABEL
from queries.petitions import CATEGORY_LABEL as PETITION_CATEGORY_LABEL, CHANNEL_LABEL
from queries.clues import CATEGORY_LABEL as CLUE_CATEGORY_LABEL, SOURCE_LABEL as CLUE_SOURCE_LABEL
from queries.rectification import STATUS_LABEL as RECT_STATUS_LABEL
from queries.statements import run_statements

TABLE_LABEL = {
    "recipient": "救助对象保障记录", "screening": "困难群众排查", "petition": "信访件",
    "clue": "问题线索", "rectification": "整改台账", "crosscheck_hit": "数据比对疑点",
    "payment": "一卡通发放明细",
}
FACT_TABLES = (recipient, screening, petition, clue, rectification, crosscheck_hit)

KIND_LABEL = {
    "unknown_township_code": "区划代码无法识别", "dates_out_of_order": "日期先后颠倒",
    "status_contradicts_date": "状态与日期矛盾", "flag_without_date": "标记缺少日期",
    "matter_township_disagrees": "同一事项归属镇街不一致", "amount_invalid": "金额缺失或为负",
    "unknown_code": "代码值无法识别",
    "unknown_reference": "关联记录不存在", "date_missing": "日期缺失",
}
# how the figures treat such rows (数据说明 says it beside each kind)
TREATMENT = {
    "unknown_township_code": "计入全域合计；分区统计中列为“未识别区划”，不计入任何区、镇（街道）。",
    "dates_out_of_order": "按记录中的日期原样统计（如办结日期早于受理日期，自办结日期起视为已办结）。",
    "status_contradicts_date": "是否办结一律按日期判断，不看状态；整改台账的状态拆分将其单列为“状态与日期不符”。",
    "flag_without_date": "移交纪检监察按移交日期计入统计期；缺少移交日期的线索不计入任何统计期的“移交纪检监察”。",
    "matter_township_disagrees": "信访事项按首次信访所在镇（街道）整体统计，此后信访所报镇（街道）不影响归属。",
    "amount_invalid": "金额合计按原值相加：缺失的不计入，负数冲减合计。",
    "unknown_code": "分类统计中以“未知代码 xxx”单列，不并入其他类别，也不丢弃。",
    "unknown_reference": "计入全域的发放笔数、金额（分区统计中列为“未识别区划”）；无法对应到人、户，"
                         "不计入一卡通疑点户数、一人多卡等按人、户统计的疑点。",
    "date_missing": "无发放日期的发放不计入任何统计期。",
}
EXAMPLES = 5
COLUMN_LABEL = {"programme": "保障项目", "category": "类别", "channel": "渠道", "source": "来源",
                "status": "状态", "register": "比对库"}


@dataclass(frozen=True)
class Check:
    key: str
    kind: str          # a key of KIND_LABEL
    table: object
    label: str         # what is wrong, in Chinese
    condition: object  # SQL condition selecting the defective rows (None: ``rows`` gives them)
    id_col: str
    rows: object = None  # a statement of the defective ids, when a condition cannot say it

    def ids(self):
        """The defective rows' ids, one column named ``id``."""
        if self.rows is not None:
            return self.rows
        return select(self.table.c[self.id_col].label("id")).where(self.condition)


def _id(t) -> str:
    return list(t.primary_key.columns)[0].name


def _unknown_township(t) -> Check:
    known = exists().where(region.c.code == t.c.township_code, region.c.level == "township")
    return Check(f"{t.name}.unknown_township", "unknown_township_code", t,
                 "乡镇（街道）代码不在区划表中", ~known, _id(t))


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
    out += [Check(f"{t.name}.{k}", "status_contradicts_date", t, label, cond, _id(t))
            for t, k, label, cond in _status_checks()]
    out.append(Check("clue.transferred_without_date", "flag_without_date", clue,
                     "标记已移交纪检监察但无移交日期",
                     and_(clue.c.transferred_to_commission.is_(True), clue.c.transferred_date.is_(None)),
                     "clue_id"))
    out.append(Check("petition.matter_townships", "matter_township_disagrees", petition,
                     "同一信访事项的信访件镇（街道）代码不一致", None, "matter_id",
                     rows=select(petition.c.matter_id.label("id")).group_by(petition.c.matter_id)
                     .having(func.count(func.distinct(petition.c.township_code)) > 1)))
    out += [Check(f"{t.name}.{col}_invalid", "amount_invalid", t, label,
                  or_(t.c[col].is_(None), t.c[col] < 0), _id(t))
            for t, col, label in ((recipient, "monthly_amount", "月保障金额缺失或为负"),
                                  (payment, "amount", "发放金额缺失或为负"))]
    out.append(Check("payment.unknown_recipient", "unknown_reference", payment,
                     "发放记录的保障记录编号（recipient_id）在救助对象表中不存在", None, "payment_id",
                     rows=_unknown_recipients()))
    out.append(Check("payment.paid_date_missing", "date_missing", payment, "发放日期缺失",
                     payment.c.paid_date.is_(None), "payment_id"))
    codes = [
        (recipient, "programme", PROGRAMME_LABEL), (screening, "category", SCREENING_CATEGORY_LABEL),
        (petition, "channel", CHANNEL_LABEL), (petition, "category", PETITION_CATEGORY_LABEL),
        (clue, "source", CLUE_SOURCE_LABEL), (clue, "category", CLUE_CATEGORY_LABEL),
        (rectification, "status", RECT_STATUS_LABEL), (crosscheck_hit, "register", REGISTER_LABEL),
    ]
    out += [Check(f"{t.name}.{col}.unknown", "unknown_code", t, f"{COLUMN_LABEL[col]}代码不在契约代码表中",
                  and_(t.c[col].is_not(None), t.c[col].not_in(list(labels))), _id(t))
            for t, col, labels in codes]
    return out


def _unknown_recipients():
    """The payments whose spell is not in ``recipient``: the distinct spells paid (1.5 M at
    the province, in the order of ix_payment_recipient) looked up once each, then the
    payments of the few unknown ones, instead of a lookup per payment (14 M: SQLite 3.6 →
    1.1 s); and those without a spell id."""
    p, paid, unknown = payment.alias("p_ref"), payment.alias("p_paid"), payment.alias("p_unknown")
    spells = select(paid.c.recipient_id).distinct().subquery("paid")
    missing = select(spells.c.recipient_id) \
        .where(~exists().where(recipient.c.recipient_id == spells.c.recipient_id))
    return union_all(select(p.c.payment_id.label("id")).where(p.c.recipient_id.is_(None)),
                     select(unknown.c.payment_id.label("id")).where(unknown.c.recipient_id.in_(missing)))


def _status_checks() -> list:
    """Statuses that contradict the dates that decide (metrics.md, Dates decide): a closed
    status without its closing day, or a closing day under any other status (missing and
    unknown statuses included: NULL is not a status)."""
    out = []
    for t, col, done, label_done, label_open in (
            (petition, "closed_date", "closed", "状态为已办结但无办结日期", "有办结日期但状态不是已办结"),
            (clue, "concluded_date", "concluded", "状态为已办结但无办结日期", "有办结日期但状态不是已办结"),
            (rectification, "closed_date", "closed", "状态为已销号但无销号日期", "有销号日期但状态不是已销号"),
            (crosscheck_hit, "resolved_date", None, "状态为已核实但无核实日期", "有核实日期但状态为待核实或缺失")):
        dated = t.c[col].is_not(None)
        if done is None:     # 比对疑点: two statuses close it (cleared, confirmed)
            closed = t.c.status.in_(["cleared", "confirmed"])
        else:
            closed = t.c.status == done
        out.append((t, "closed_without_date", label_done, and_(closed, ~dated)))
        out.append((t, "open_with_date", label_open, and_(dated, or_(t.c.status.is_(None), ~closed))))
    return out


def _present(db, checks: list[Check]) -> list[Check]:
    return [c for c in checks if db.has(c.table.name)]


def quality_report(db, examples: int = EXAMPLES) -> pd.DataFrame:
    """One row per check (zero included): its kind, table, problem, rows, up to
    ``examples`` example ids (in id order) and how the figures treat such rows. The
    counts, each its own statement side by side (the payments' checks each read 14 M rows
    at the province: one UNION ALL ran them one after another on one core), then the
    examples of the checks that found rows."""
    checks = _present(db, _checks())
    parts = [select(func.count().label("rows")).select_from(c.ids().subquery()) for c in checks]
    counts = {c.key: rows.records[0][0] for c, rows in zip(checks, run_statements(db, parts))}
    found = [c for c in checks if counts.get(c.key)]
    samples = run_statements(db, [_examples(c, examples) for c in found]) if found else []
    ids = {c.key: [str(r[0]) for r in rows.records] for c, rows in zip(found, samples)}
    return pd.DataFrame([{
        "key": c.key, "kind": c.kind, "kind_label": KIND_LABEL[c.kind], "table": c.table.name,
        "table_label": TABLE_LABEL[c.table.name], "problem": c.label, "rows": int(counts.get(c.key, 0)),
        "id_column": c.id_col, "examples": ids.get(c.key, []), "treatment": TREATMENT[c.kind],
    } for c in checks])


def _examples(check: Check, limit: int):
    inner = check.ids().subquery()
    return select(inner.c.id).order_by(inner.c.id).limit(limit)


def unknown_codes(db) -> pd.DataFrame:
    """The township codes that match no township of ``region``, per table, with their row
    counts (NULL as a code of its own), most rows first."""
    parts = []
    for t in FACT_TABLES:
        if not db.has(t.name):
            continue
        known = exists().where(region.c.code == t.c.township_code, region.c.level == "township")
        parts.append(select(literal(t.name).label("table"), t.c.township_code.label("code"),
                            func.count().label("rows")).where(~known).group_by(t.c.township_code))
    frame = fetch(db.engine, union_all(*parts))
    if frame.empty:
        return pd.DataFrame(columns=["table", "table_label", "code", "rows"])
    frame["table_label"] = frame["table"].map(TABLE_LABEL)
    frame["rows"] = frame["rows"].astype(int)
    return frame.sort_values(["rows", "table", "code"], ascending=[False, True, True],
                             na_position="last").reset_index(drop=True)[["table", "table_label", "code", "rows"]]
