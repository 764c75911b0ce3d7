"""问题线索 — clue handling (metrics.md). Main figure: 线索办结率, higher is better.

The population of the rates is every clue received on or before the as-of day (all
history), so a quarter and the campaign both show the state on their as-of day.
"""
from __future__ import annotations

from sqlalchemy import and_, func

from queries.figures import Metric, Query, measure_set, register
from queries.period import Period
from queries.schema import clue
from queries.sql import (
    among, between_days, count_among, count_if, day, days_between, done_by, is_true,
    not_done_by, on_or_before, sum_if,
)

SOURCE_LABEL = {
    "petition": "信访举报", "hotline": "热线", "portal": "门户网站", "screening": "对象排查",
    "online_monitoring": "在线监管/数据比对", "inspection": "调研检查督查", "media": "媒体曝光",
    "audit": "审计", "transfer_in": "上级或同级移交",
}
CATEGORY_LABEL = {
    "favouritism": "优亲厚友/人情保关系保", "fraud": "虚报冒领", "embezzlement": "截留挪用贪污侵占",
    "bribery": "吃拿卡要", "dereliction": "不担当不作为", "formalism": "形式主义官僚主义",
    "fund_irregular": "资金发放不规范", "other": "其他",
}


def _concluded(c, as_of):
    return done_by(c.c.concluded_date, as_of)


def overdue_clue(c, as_of):
    """逾期未办结: a clue (alias ``c``) not concluded by the as-of day and past its due day
    (the figure and its list share it)."""
    return and_(not_done_by(c.c.concluded_date, as_of), c.c.due_date < day(as_of))


def transferred_in(c, period: Period):
    """移交纪检监察 in ``period``: flagged as transferred, dated within it (a flag without
    its date is in no period; the figure and its list share it)."""
    return and_(is_true(c.c.transferred_to_commission),
                between_days(c.c.transferred_date, period.start, period.as_of))


@measure_set("clue_counts", dims={"source": SOURCE_LABEL, "category": CATEGORY_LABEL},
             pairs_periods=True)
def clue_counts(q: Query):
    c = clue.alias("c")
    return q.select_periods(c.c.township_code, lambda period, rows: _clue_counts(c, period, rows),
                            lambda period: on_or_before(c.c.received_date, period.as_of),
                            dims={"source": c.c.source, "category": c.c.category})


def _clue_counts(c, period: Period, rows) -> list:
    """The clue counts of ``period`` over the clues meeting ``rows``."""
    start, as_of = period.start, period.as_of
    concluded = among(rows, _concluded(c, as_of))
    substantiated = and_(concluded, is_true(c.c.substantiated))
    in_period = lambda col: among(rows, between_days(col, start, as_of))  # noqa: E731
    return [
        count_if(in_period(c.c.received_date)).label("received"),
        count_among(rows).label("received_total"),
        count_if(concluded).label("concluded"),
        count_if(substantiated).label("substantiated"),
        count_if(and_(substantiated, is_true(c.c.disposed))).label("disposed"),
        count_if(and_(concluded, c.c.concluded_date <= c.c.due_date)).label("on_time"),
        sum_if(concluded, days_between(c.c.concluded_date, c.c.received_date)).label("days_sum"),
        count_if(among(rows, overdue_clue(c, as_of))).label("overdue"),
        count_if(among(rows, transferred_in(c, period))).label("transferred"),
        count_if(and_(is_true(c.c.case_filed), in_period(c.c.concluded_date))).label("cases_filed"),
        sum_if(in_period(c.c.concluded_date), func.coalesce(c.c.officials_held_accountable, 0))
        .label("accountable"),
        count_if(and_(is_true(c.c.involves_official), in_period(c.c.received_date)))
        .label("official"),
        # the national ledger's (工作台账) cumulative columns: of the clues received in the period
        count_if(and_(substantiated, in_period(c.c.received_date))).label("received_substantiated"),
        count_if(and_(substantiated, is_true(c.c.disposed), in_period(c.c.received_date)))
        .label("received_disposed"),
    ]


@measure_set("clue_days", histogram=True)
def clue_days(q: Query):
    c = clue.alias("c")
    as_of = q.period.as_of
    return q.histogram(c.c.township_code, days_between(c.c.concluded_date, c.c.received_date),
                       on_or_before(c.c.received_date, as_of), _concluded(c, as_of))


register(
    Metric("clues_received", "受理线索数", "clues", "件", 0, "flow", "clue_counts", "received",
           description="统计期内受理的问题线索数。"),
    Metric("clues_received_total", "累计受理线索数", "clues", "件", 0, "stock", "clue_counts",
           "received_total", description="截至统计日累计受理的问题线索数（全部历史）。"),
    Metric("clues_concluded", "已办结线索", "clues", "件", 0, "stock", "clue_counts", "concluded",
           description="截至统计日累计受理的线索中，已办结的件数（漏斗第二级）。"),
    Metric("clue_conclusion_rate", "线索办结率", "clues", "%", 1, "stock", "clue_counts",
           "concluded", "received_total", scale=100, decimals=1,
           description="截至统计日累计受理的线索中，截至统计日已办结的比例。"),
    Metric("clues_substantiated", "查证属实线索", "clues", "件", 0, "stock", "clue_counts",
           "substantiated", description="已办结线索中查证属实的件数（漏斗第三级）。"),
    Metric("substantiation_rate", "查证属实率", "clues", "%", 0, "stock", "clue_counts",
           "substantiated", "concluded", scale=100, decimals=1,
           description="已办结线索中查证属实的比例（查证结论按当前值）。"),
    Metric("clues_disposed", "处置到位线索", "clues", "件", 0, "stock", "clue_counts", "disposed",
           description="查证属实线索中已处置到位的件数（漏斗第四级）。"),
    Metric("disposal_rate", "处置到位率", "clues", "%", 1, "stock", "clue_counts", "disposed",
           "substantiated", scale=100, decimals=1,
           description="查证属实的线索中已处置到位的比例。"),
    Metric("clue_on_time_rate", "线索按期办结率", "clues", "%", 1, "stock", "clue_counts",
           "on_time", "concluded", scale=100, decimals=1,
           description="已办结线索中，在办理期限内办结的比例。"),
    Metric("clue_days_mean", "平均办理天数", "clues", "天", -1, "stock", "clue_counts", "days_sum",
           "concluded", scale=1, decimals=1,
           description="已办结线索自受理至办结的天数的平均值。"),
    Metric("clue_days_median", "办理天数中位数", "clues", "天", -1, "stock", "clue_days", "median",
           decimals=1, description="已办结线索自受理至办结的天数的中位数。"),
    Metric("overdue_clues", "逾期未办结线索", "clues", "件", -1, "stock", "clue_counts", "overdue",
           description="统计日尚未办结且已过办理期限的线索数。"),
    Metric("clues_transferred", "移交纪检监察", "clues", "件", 0, "flow", "clue_counts",
           "transferred", description="统计期内移交纪检监察机关的线索数（按移交日期）。"),
    Metric("cases_filed", "立案数", "clues", "件", 0, "flow", "clue_counts", "cases_filed",
           description="统计期内办结并立案调查的线索数（按办结日期）。"),
    Metric("officials_accountable", "问责干部数", "clues", "人", 0, "flow", "clue_counts",
           "accountable", description="统计期内办结线索的问责干部人数合计（按办结日期）。"),
    Metric("clues_substantiated_in", "查证属实线索数", "clues", "件", 0, "flow", "clue_counts",
           "received_substantiated",
           description="统计期内受理、截至统计日已办结且查证属实的线索数（工作台账口径）。"),
    Metric("clues_disposed_in", "已处置到位数", "clues", "件", 0, "flow", "clue_counts", "received_disposed",
           description="统计期内受理、查证属实且已处置到位的线索数（工作台账口径）。"),
    Metric("official_clues", "涉及干部线索", "clues", "件", 0, "flow", "clue_counts", "official",
           audience=frozenset({"commission"}),
           description="统计期内受理的涉及干部的线索数（仅纪委监委可见）。"),
)
