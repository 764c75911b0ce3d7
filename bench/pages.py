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

from screens import (
    clues_page as clues_screen, coverage_page as coverage_screen, overview_page as overview_screen,
    payments_page as payments_screen, petitions_page as petitions_screen, rectification_page as rectification_screen,
    township_page as township_screen,
)
from queries.cases import case_lists, ledger
from queries.db import side_by_side
from queries.figures import METRICS
from queries.runner import compute, compute_many, compute_with_change, histogram
from queries.problem_index import problem_index
from queries.rectification import burn_down, items_by_phase
from queries.series import monthly, months_back
from ui.cards import warning_keys
from queries.scope import grain, levels_below
from queries.warnings import WARNING_FIGURES

from ui.checklist import OPEN_CASES
from ui.trends import AREA_TRENDS

# 乡镇画像 (screens/township_page.py): its figures, beside its district's and the deployment's
PROFILE = list(township_screen.FIGURES)
OPEN_CASE_LISTS = [key for key, _ in OPEN_CASES]


# 总览 (screens/overview_page.py): its figures with 环比 (the cards, the map's figures, the
# cards' warnings), the four areas' trends over the campaign's months (a quarter: the 12
# months to its end). Its problem index is the shared one (全域共享, below), read from the
# app's cache; the map and the ranking draw the figures' frame (no query of their own).
OVERVIEW_FIGURES = list(dict.fromkeys(overview_screen.HEADLINE + overview_screen.MAP_FIGURES
                                      + tuple(warning_keys(overview_screen.HEADLINE))))
OVERVIEW_TRENDS = [key for key, _ in overview_screen.TRENDS]


def first_month(period):
    """The trends' first month, as the pages pick it (``ui.data.trend_start``)."""
    return period.start.replace(day=1) if period.is_campaign else months_back(period.as_of, 12)


def overview(db, scope, period) -> None:
    """Its figures with 环比 and the trends. Its warnings list reads the deployment's warned
    figures at every level, shared (全域共享, ui.data.warning_frames)."""
    side_by_side(lambda: compute_with_change(db, OVERVIEW_FIGURES, scope, period),
                 lambda: monthly(db, OVERVIEW_TRENDS, scope, first_month(period), period.as_of))


def overview_latest_quarter(db, scope, _period) -> None:
    """The same page on the latest quarter: 环比 doubles the work."""
    overview(db, scope, db.period(db.latest_quarter()))


# 应保尽保 (screens/coverage_page.py) as a commission user sees it (the widest view: with
# 近亲属享受): its figures with 环比, 漏保 by screening category, the waiting-time
# histogram, 比对疑点 by register, and its lists.
def _coverage_keys(page) -> list[str]:
    return list(dict.fromkeys(
        page.HEADLINE + page.BY_PLACE + page.DEATH + page.CROSSCHECK
        + tuple(k for _, gap, unknown in page.THREE_GUARANTEES for k in (gap, unknown))
        + tuple(warning_keys(page.HEADLINE)) + (page.RELATIVES,)))


COVERAGE_FIGURES = _coverage_keys(coverage_screen)
COVERAGE_PAGE_LISTS = list(coverage_screen.LISTS) + [coverage_screen.RELATIVES]
# the national ledger's flows (新纳入低保对象数 …) are figures of the 季度简报's 工作台账
# table (views.md, page 7), not of the 应保尽保 page
assert not {k for k in COVERAGE_FIGURES if METRICS[k].measure_set == "dibao_flows"}


def coverage(db, scope, period) -> None:
    """In the page's order (screens/coverage_page.py): the figures first, whose 漏保
    statement then serves the lists' people not yet covered, 漏保 by screening category
    and the waiting-time histogram within the page run."""
    page = coverage_screen
    compute_with_change(db, COVERAGE_FIGURES, scope, period)
    side_by_side(lambda: case_lists(db, COVERAGE_PAGE_LISTS, scope, period),
                 lambda: compute(db, ["gap_persons", "gap_rate"], scope, period, by="category"),
                 lambda: histogram(db, "gap_waiting_median", scope, period),
                 lambda: compute(db, list(page.CROSSCHECK), scope, period, by="register")
                 if db.has("crosscheck_hit") else None)


def _page_keys(page, *groups) -> list[str]:
    return list(dict.fromkeys(k for g in groups for k in g))


def payments(db, scope, period) -> None:
    """资金发放（一卡通） in the page's order (screens/payments_page.py): its figures with 环比,
    at a city the townships to check first (township-grain statements), the list shown
    first (the others are read when chosen), the monthly payments against late ones."""
    page = payments_screen
    at_city = scope.children and scope.children[0].level == "district"
    side_by_side(lambda: compute_with_change(db, _page_keys(page, page.HEADLINE, page.BY_PLACE, page.TIMELINESS,
                                                            page.MORE, page.MAP_FIGURES), scope, period),
                 lambda: compute(db, list(page.BY_PLACE), grain(db.tree, scope, "township"), period)
                 if at_city else None,
                 lambda: case_lists(db, [page.LISTS[0][0]], scope, period),   # the list shown first
                 lambda: monthly(db, [k for keys, _ in page.TRENDS for k in keys], scope,
                                 first_month(period), period.as_of))


def petitions(db, scope, period) -> None:
    """As the page starts them (screens/petitions_page.py, ``data.together``): figures
    with 环比, its two lists, the channel and category mix, the two monthly trends, side by
    side."""
    page = petitions_screen
    side_by_side(lambda: compute_with_change(db, _page_keys(page, page.HEADLINE, page.BY_PLACE, page.RATES,
                                                            warning_keys(page.HEADLINE)), scope, period),
                 lambda: case_lists(db, list(page.LISTS), scope, period),
                 lambda: compute_many(db, [(["petitions"], scope, period, by) for by, _, _ in page.MIX]),
                 lambda: monthly(db, [k for keys, _ in page.TRENDS for k in keys], scope,
                                 first_month(period), period.as_of))


def clues(db, scope, period) -> None:
    """As the commission sees it (the widest view: its figures and the transferred list)."""
    page = clues_screen
    keys = _page_keys(page, page.HEADLINE, [k for step in page.FUNNEL for k in step if k],
                      page.OUTCOMES, page.BY_PLACE, page.QUALITY, page.OFFICIAL)
    side_by_side(lambda: compute_with_change(db, keys, scope, period),
                 lambda: case_lists(db, ["overdue_clues", "transferred_clues"], scope, period),
                 lambda: compute_many(db, [(["clues_received"], scope, period, by) for by, _, _ in page.MIX]),
                 lambda: monthly(db, page.TRENDS, scope, first_month(period), period.as_of))


def rectification(db, scope, period) -> None:
    page = rectification_screen
    side_by_side(lambda: compute_with_change(db, _page_keys(page, page.HEADLINE, page.BY_PLACE, page.SPLIT),
                                             scope, period),
                 lambda: case_lists(db, ["overdue_items"], scope, period),
                 lambda: burn_down(db, scope, period), lambda: items_by_phase(db, scope, period))
    ledger(db, scope, period)       # drawn last, narrowed by the page's own filters


def township_profile(db, scope, period) -> None:
    """In the page's order: its figures with 环比, its district's, its 一卡通 checks (its
    own only), its open cases (one tab per area), the four trends. The deployment's yardstick and the problem index (its rank,
    the district's map) are shared (全域共享)."""
    district = db.scope(scope.code[:6]) if len(scope.code) == 9 else scope
    side_by_side(lambda: compute_with_change(db, PROFILE, scope, period),
                 lambda: compute_with_change(db, list(township_screen.PAYMENTS), scope, period),
                 lambda: compute(db, PROFILE, district, period),
                 lambda: case_lists(db, OPEN_CASE_LISTS, scope, period),
                 lambda: monthly(db, [k for k, _ in AREA_TRENDS], scope, first_month(period), period.as_of))


def shared_per_period(db, _scope, period) -> None:
    """全域共享: the deployment's yardstick totals, the problem index and the warned figures
    of every region (总览's 预警清单), once per period. The yardstick first: its statements
    yield every measure the index uses, so the index reuses them (a statement yields only
    the measures asked of it)."""
    compute(db, PROFILE, db.deployment(), period)
    problem_index(db, period)
    top = db.deployment()
    compute_many(db, [(list(WARNING_FIGURES), grain(db.tree, top, level), period)
                      for level in levels_below(db.tree, top)])


PAGES: dict[str, Callable] = {
    "总览 overview": overview, "总览 overview (latest quarter, 环比)": overview_latest_quarter,
    "应保尽保 coverage": coverage, "资金发放 payments (一卡通)": payments, "重复信访 petitions": petitions,
    "问题线索 clues": clues, "整改进度 rectification": rectification,
    "乡镇画像 township": township_profile,
    "全域共享 index + yardstick (once per period)": shared_per_period,
}


def checklist_top10(db, scope, period) -> None:
    """督导核查清单 of the scope's ten townships with the highest problem index, both files,
    as a commission user downloads it from 总览 (the index itself is 全域共享)."""
    import os
    import tempfile
    from queries.problem_index import in_scope
    from ui import checklist, data
    from ui.access import User
    from ui.checklist_files import to_docx, to_xlsx
    from ui.filters import Filters
    from ui.navigation import BY_PATH, View
    os.environ.setdefault("OVERSIGHT_ACCESS_LOG", os.path.join(tempfile.gettempdir(), "bench-access.log"))
    view = View(db, User("bench", "bench", "commission", None), Filters(period, scope, scope), BY_PATH["overview"])
    index = in_scope(data.problem_index_whole(view), scope)
    made = checklist.gather(view, list(index.dropna(subset=["index"])["code"].head(10)))
    to_xlsx(made), to_docx(made)


PAGES["督导核查清单 checklist, top 10 townships (xlsx + docx)"] = checklist_top10
# targets other than the pages' (1 s at the top, 100 ms at a district): issue 11
TARGETS = {"乡镇画像 township": 0.2,
           # issue 13: 2 s at the top, 100 ms at a district as every page (top, below)
           "资金发放 payments (一卡通)": (2.0, 0.1), "督导核查清单 checklist, top 10 townships (xlsx + docx)": 5.0}


def briefing_docx(db, scope, period) -> None:
    """季度简报 for the latest quarter as `python -m briefing` writes it: its figures with
    环比, the national 工作台账, the .docx with every chart (server-side PNG) and the .xlsx."""
    from briefing import AS
    from queries.national_ledger import national_ledger
    from screens.briefing_page import FIGURES, briefing_word, tables_workbook
    from ui.access import User
    from ui.filters import Filters
    from ui.navigation import BY_PATH, View
    quarter = db.period(db.latest_quarter())
    view = View(db, User(*AS, None), Filters(quarter, scope, scope), BY_PATH["briefing"])
    frame = compute_with_change(db, list(FIGURES), scope, quarter)
    national_ledger(db, scope, quarter)
    briefing_word(view, frame), tables_workbook(view, frame)


PAGES["季度简报 briefing, latest quarter (.docx with charts, .xlsx, 工作台账)"] = briefing_docx
TARGETS["季度简报 briefing, latest quarter (.docx with charts, .xlsx, 工作台账)"] = 20.0
