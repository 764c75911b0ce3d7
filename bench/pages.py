"""The query set of each planned page, as the pages will call it (views.md, Pages).

Two computations are the same for every viewer and are shared, not repeated per page: the
township problem index (ranked among all townships of the deployment, whoever looks) and
the deployment's yardstick totals. The app computes them once per period and data load
(cached on data_as_of and period) and every page and user reads them; the benchmark times
them as a line of their own, 全域共享.

A page's query calls (figures, series, breakdowns, lists) run side by side
(``queries.db.side_by_side``), so their statements share the query pool's connections.
"""
from __future__ import annotations

from typing import Callable

from screens.overview_page import HEADLINE     # the page's own list: one place
from queries.cases import case_lists
from queries.db import side_by_side
from queries.figures import metrics_for
from queries.runner import compute, compute_many, compute_with_change
from queries.problem_index import problem_index
from queries.rectification import burn_down, items_by_phase
from queries.series import monthly, months_back

PROFILE = [*HEADLINE, "gap_rate", "overdue_clues", "rect_overdue", "unresolved_repeat_matters"]
# 总览's monthly trends of the four areas (views.md, page 1), 12 months to the as-of day
TREND = ["gap_rate", "new_repeat_matters", "clue_conclusion_rate", "rect_close_rate"]
PETITION_TREND = ["petitions", "new_repeat_matters"]
# 应保尽保's lists (issue 9): the people not yet covered and 死亡未退保
COVERAGE_LISTS = ["uncovered_persons", "deceased_active"]


def trend(db, scope, period, keys) -> None:
    monthly(db, keys, scope, months_back(period.as_of), period.as_of)


def overview(db, scope, period) -> None:
    side_by_side(lambda: compute_with_change(db, HEADLINE, scope, period),
                 lambda: burn_down(db, scope, period),
                 lambda: trend(db, scope, period, TREND))


def overview_latest_quarter(db, scope, _period) -> None:
    """The same page on the latest quarter: 环比 doubles the work."""
    overview(db, scope, db.period(db.latest_quarter()))


# the national ledger's flows (新纳入低保对象数 …) are figures of the 季度简报's 工作台账
# table (views.md, page 7), not of the 应保尽保 page
COVERAGE = [m.key for m in metrics_for("coverage") if m.measure_set != "dibao_flows"]


def coverage(db, scope, period) -> None:
    """The figures by place, 漏保 by screening category, 比对疑点 by register; the lists."""
    side_by_side(lambda: compute_many(db, [
        (COVERAGE, scope, period), (["gap_persons", "gap_rate"], scope, period, "category"),
        (["crosscheck_hits", "crosscheck_pending", "crosscheck_overdue"], scope, period, "register")]),
        lambda: case_lists(db, COVERAGE_LISTS, scope, period))


def petitions(db, scope, period) -> None:
    """The figures by place, the channel mix, the monthly trend."""
    side_by_side(lambda: compute_many(db, [
        ([m.key for m in metrics_for("petitions")], scope, period),
        (["petitions", "petition_matters"], scope, period, "channel")]),
        lambda: trend(db, scope, period, PETITION_TREND))


def clues(db, scope, period) -> None:
    """The figures by place, the source and category mix."""
    compute_many(db, [([m.key for m in metrics_for("clues")], scope, period),
                      (["clues_received", "clues_received_total"], scope, period, "source"),
                      (["clues_received", "clues_received_total"], scope, period, "category")])


def rectification(db, scope, period) -> None:
    side_by_side(lambda: compute(db, [m.key for m in metrics_for("rectification")], scope, period),
                 lambda: burn_down(db, scope, period), lambda: items_by_phase(db, scope, period))


def township_profile(db, scope, period) -> None:
    """One township against its district (the deployment's yardstick is shared)."""
    district = db.scope(scope.code[:6]) if len(scope.code) == 9 else scope
    side_by_side(lambda: compute_with_change(db, PROFILE, scope, period),
                 lambda: compute(db, PROFILE, district, period),
                 lambda: case_lists(db, COVERAGE_LISTS, scope, period))     # its open cases


def shared_per_period(db, _scope, period) -> None:
    """全域共享: the deployment's yardstick totals and the problem index, once per period.
    The yardstick first: its statements yield every measure the index uses, so the index
    reuses them (a statement yields only the measures asked of it)."""
    compute(db, PROFILE, db.deployment(), period)
    problem_index(db, period)


PAGES: dict[str, Callable] = {
    "总览 overview": overview, "总览 overview (latest quarter, 环比)": overview_latest_quarter,
    "应保尽保 coverage": coverage, "重复信访 petitions": petitions,
    "问题线索 clues": clues, "整改进度 rectification": rectification,
    "乡镇画像 township": township_profile,
    "全域共享 index + yardstick (once per period)": shared_per_period,
}
