"""全国农村低保专项治理巩固提升行动工作台账 (the form attached to the 2021 national plan,
seed 004): a row per area one level down plus the total, by the form's own rule — every
figure cumulative from the campaign's start to the as-of day, except 重复信访事项, which
counts over all history (a stock on the as-of day).

Each column names the registry figure it shows; a column the contract has no field for
(受疫情影响…, 特困 care arrangements, the split between 民政 and the 驻民政部门纪检监察组)
has none and shows —, never 0.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from queries.figures import METRICS
from queries.period import Period
from queries.runner import compute
from queries.scope import Scope

SINCE_START, ALL_HISTORY, NO_FIELD = "专项治理开始至统计截至日累计", "截至统计日全部历史", "数据契约无对应字段"


@dataclass(frozen=True)
class LedgerColumn:
    group: str            # the form's upper header (merged over its columns)
    label: str            # the form's own column title
    figure: str | None    # the registry figure it shows; None: no field, shown —

    @property
    def period_rule(self) -> str:
        if self.figure is None:
            return NO_FIELD
        return ALL_HISTORY if self.figure == "repeat_matters" else SINCE_START


_POLICY, _LINSHI, _TEKUN = "农村低保政策落实情况", "临时救助政策落实情况", "特困人员供养服务落实情况"
_FUNDS, _CLUES, _PETITIONS = "低保金管理发放情况", "问题线索查处情况", "社会救助领域信访事项处理情况"
COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn(_POLICY, "退出不再符合条件低保对象数", "dibao_exits"),
    LedgerColumn(_POLICY, "其中：清退“关系保”“人情保”数", "dibao_exit_favouritism"),
    LedgerColumn(_POLICY, "清退“政策保”数", "dibao_exit_policy"),
    LedgerColumn(_POLICY, "死亡人员退出低保数", "dibao_exit_deceased"),
    LedgerColumn(_POLICY, "其他", "dibao_exit_other"),
    LedgerColumn(_POLICY, "新纳入低保对象数", "dibao_new"),
    LedgerColumn(_POLICY, "其中：重病、重残人员参照“单人户”纳入低保数", "dibao_new_single"),
    LedgerColumn(_POLICY, "受疫情影响纳入低保对象数", None),
    LedgerColumn(_LINSHI, "受疫情影响纳入临时救助数", None),
    LedgerColumn(_TEKUN, "有集中供养需求人数", None),
    LedgerColumn(_TEKUN, "其中：安排入住机构人数", None),
    LedgerColumn(_TEKUN, "分散供养人数", None),
    LedgerColumn(_TEKUN, "其中：签订委托照料服务协议人数", None),
    LedgerColumn(_FUNDS, "不规范问题数", "rect_fund_irregular"),
    LedgerColumn(_FUNDS, "复核纠正数", "rect_fund_corrected"),
    LedgerColumn(_CLUES, "问题线索数", "clues_received"),
    LedgerColumn(_CLUES, "其中：驻民政部门纪检监察组（办）查处数", None),
    LedgerColumn(_CLUES, "查证属实线索数", "clues_substantiated_in"),
    LedgerColumn(_CLUES, "已处置到位数", "clues_disposed_in"),
    LedgerColumn(_CLUES, "向同级纪检监察部门移交线索数", "clues_transferred"),
    LedgerColumn(_CLUES, "立案调查数", "cases_filed"),
    LedgerColumn(_CLUES, "问责干部数", "officials_accountable"),
    LedgerColumn(_PETITIONS, "重复信访事项数", "repeat_matters"),
)
FIGURES = tuple(c.figure for c in COLUMNS if c.figure)
AREA = "地区"


def ledger_period(campaign_period: Period, as_of_period: Period) -> Period | None:
    """From the campaign's start to ``as_of_period``'s as-of day (a quarter's, for the
    briefing); None when the campaign had not started by then."""
    if as_of_period.as_of < campaign_period.start:
        return None
    return replace(campaign_period, as_of=min(as_of_period.as_of, campaign_period.as_of))


def national_ledger(db, scope: Scope, period: Period) -> pd.DataFrame | None:
    """The form for ``scope`` (its areas one level down, then 合计) as of ``period``'s
    as-of day; columns: 地区, then each COLUMNS label (None where it has no field).
    None when the campaign had not started by then (or there is none)."""
    if db.campaign is None:
        return None
    since = ledger_period(db.period("campaign"), period)
    if since is None:
        return None
    frame = compute(db, list(FIGURES), scope, since)
    rows = pd.concat([frame[~frame["is_total"]], frame[frame["is_total"]]])
    out = pd.DataFrame({AREA: [("合计" if total else name) for name, total in zip(rows["name"].fillna("未识别区划"),
                                                                                  rows["is_total"])]})
    for column in COLUMNS:
        out[column.label] = [None] * len(rows) if column.figure is None else \
            [None if v is None or v != v else int(v) for v in rows[column.figure]]
    return out.reset_index(drop=True)


def column_sources() -> pd.DataFrame:
    """The form's column → figure → period table (数据说明)."""
    return pd.DataFrame({
        "栏目": [f"{c.group}·{c.label}" for c in COLUMNS],
        "对应指标": [METRICS[c.figure].label if c.figure else "—" for c in COLUMNS],
        "统计口径": [c.period_rule for c in COLUMNS],
    })
