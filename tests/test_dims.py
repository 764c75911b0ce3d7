"""Breakdowns by dimension (compute(..., by=<dim>)): rows named by the Chinese label of
their code, a code outside the contract shown as itself marked (未知代码 xyz), NULL as
未填写; counts by hand from rows_coverage.py (2026Q4, as-of 2026-11-15) with three rows
added, and from rows_series.py.
"""
from __future__ import annotations

from datetime import date as D

import pandas as pd
import pytest

from conftest import load_rows
from frames import statements_run
from queries.runner import compute
from queries.statements import page_run
from rows_coverage import A, C, ROWS, _r, _s
from rows_series import ROWS as SERIES_ROWS

# rows_coverage plus: x1 an eligible gap whose category is not in the contract, x2 one
# without a category, x3 a staff relative on a programme not in the contract
ROWS_DIMS = {**ROWS,
             "screening": ROWS["screening"] + [_s("x1", "x1", A, D(2026, 10, 1), True, "xyz"),
                                               _s("x2", "x2", C, D(2026, 10, 2), True, None)],
             "recipient": ROWS["recipient"] + [_r("rx3", "x3", A, "pension", D(2026, 1, 1), staff=True)]}


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_dims", lambda url: load_rows(url, ROWS_DIMS))


def _rows(db, keys, by, period="2026Q4", code=None):
    frame = compute(db, keys, db.scope(code), db.period(period), by=by)
    total = frame[frame["is_total"]].iloc[0]
    parts = frame[~frame["is_total"]]
    return total, list(parts["name"]), {n: r for n, r in zip(parts["name"], parts.to_dict("records"))}


def test_gap_by_screening_category(db):
    # 漏保 by the deciding row's category (test_coverage: p12 -> serious_illness, p14 ->
    # unsupported_child, p15 -> edge_poverty), plus x1 (xyz) and x2 (no category)
    total, names, rows = _rows(db, ["gap_persons", "gap_rate"], "category")
    # the contract's order of categories, then codes outside it, then 未填写
    assert names == ["重度残疾", "重病", "返贫返困", "边缘易致贫", "支出型困难", "低收入",
                     "事实无人抚养儿童", "其他", "未知代码 xyz", "未填写"]
    assert [rows[n]["gap_persons"] for n in names] == [
        2,   # p1 p7
        2,   # p2 p12
        1,   # p18
        2,   # p5 p15
        2,   # p8 p23
        1,   # p16 (p3 p4 p6 p19 p20 are covered)
        1,   # p14
        1,   # p17
        1,   # x1
        1,   # x2
    ]
    assert [rows[n]["gap_rate.den"] for n in names] == [2, 2, 1, 2, 2, 6, 1, 1, 1, 1]
    assert rows["低收入"]["code"] == "low_income" and pd.isna(rows["未填写"]["code"])
    # every person is placed by one row: the categories add up to the total (12 + x1 + x2)
    assert total["gap_persons"] == 14 == sum(rows[n]["gap_persons"] for n in names)
    assert total["gap_rate.den"] == 19 == sum(rows[n]["gap_rate.den"] for n in names)


def test_gap_by_place_and_by_category_share_one_statement(db):
    """漏保's township-grain statement also groups by screening category: within a page
    run the breakdown by category costs no statement, with the figures above (and the
    places' figures those of the breakdown by place alone)."""
    scope, period = db.scope(None), db.period("2026Q4")
    by_place = compute(db, ["gap_persons"], scope, period)
    with page_run():
        assert statements_run(db, lambda: compute(db, ["gap_persons"], scope, period)) == 1
        frame = statements_run_frame(db, lambda: compute(db, ["gap_persons", "gap_rate"], scope,
                                                         period, by="category"))
    sent, by_category = frame
    assert sent == 0
    assert list(by_category["gap_persons"]) == [14, 2, 2, 1, 2, 2, 1, 1, 1, 1, 1]
    assert list(compute(db, ["gap_persons"], scope, period)["gap_persons"]) == list(by_place["gap_persons"])


def statements_run_frame(db, fn):
    out = []
    sent = statements_run(db, lambda: out.append(fn()))
    return sent, out[0]


def test_three_guarantees_by_programme(db):
    # active 低保/特困 spells on 11-15 by programme; a person with spells in two
    # programmes (p31: dibao_urban and tekun) counts in each and once in the total
    total, names, rows = _rows(db, ["three_guarantees_gap", "medical_gap", "covered_persons"],
                               "programme")
    assert names == ["城市低保", "农村低保", "特困供养"]
    # 三保障: urban p31 (medical) p19 (education) p44 (medical); rural p43 (housing);
    #   tekun p31 (medical, housing) p4 (medical) -> 3 + 1 + 2 = 6 rows of 5 persons
    assert [rows[n]["three_guarantees_gap"] for n in names] == [3, 1, 2]
    assert total["three_guarantees_gap"] == 5
    assert [rows[n]["medical_gap"] for n in names] == [2, 0, 2]       # p31 p44 | - | p4 p31
    assert total["medical_gap"] == 3
    # 在保: urban p3 p6 p19 p30 p31 p40 p44; rural p20 p43 p48; tekun p4 p31 p42
    assert [rows[n]["covered_persons"] for n in names] == [7, 3, 3]
    assert total["covered_persons"] == 12


def test_staff_relatives_by_programme_with_an_unknown_code(db):
    # p19 (dibao_urban), p7 (disability_subsidy), x3 (pension, not in the contract)
    total, names, rows = _rows(db, ["staff_relatives"], "programme")
    assert names == ["城市低保", "残疾人两项补贴", "未知代码 pension"]
    assert [rows[n]["staff_relatives"] for n in names] == [1, 1, 1]
    assert total["staff_relatives"] == 3


def test_additive_sets_add_up(db):
    # hits dated 10-01..11-15 by register: h1 h4 vehicle, h2 property, h6 public_payroll;
    # the registers with older hits only show 0
    total, names, rows = _rows(db, ["crosscheck_hits", "crosscheck_pending"], "register")
    assert names == ["车辆登记", "不动产登记", "工商注册", "财政供养人员", "村(居)干部", "死亡数据"]
    assert [rows[n]["crosscheck_hits"] for n in names] == [2, 1, 0, 1, 0, 0]
    assert [rows[n]["crosscheck_pending"] for n in names] == [1, 1, 0, 1, 0, 0]   # h1 h2 h6
    assert total["crosscheck_hits"] == 4 and total["crosscheck_pending"] == 3
    # dibao spells ended in Q4 by exit reason; the spells started in Q4 have none (未填写)
    total, names, rows = _rows(db, ["dibao_exits", "dibao_new"], "exit_reason")
    assert names == ["清退关系保人情保", "清退政策保", "死亡退出", "不再符合条件", "其他", "未填写"]
    assert [rows[n]["dibao_exits"] for n in names] == [1, 1, 1, 1, 1, 1]   # r49 r50 r41 r05 r30a r51
    assert [rows[n]["dibao_new"] for n in names] == [0, 0, 0, 0, 0, 4]     # r06 r30b r19 r48
    assert (total["dibao_exits"], total["dibao_new"]) == (6, 4)


@pytest.fixture
def series_db(open_dataset):
    return open_dataset("fx_series", lambda url: load_rows(url, SERIES_ROWS))


def test_clue_and_rectification_labels(series_db):
    # rows_series: every clue 'hotline'/'fraud', every item 'self_check'/'procedure' (a
    # category of the ledger's own); received by 11-15: k1..k8, found: i1..i6
    total, names, rows = _rows(series_db, ["clues_received_total"], "category")
    assert names == ["虚报冒领"] and total["clues_received_total"] == 8
    total, names, rows = _rows(series_db, ["clues_received_total"], "source")
    assert names == ["热线"]
    total, names, rows = _rows(series_db, ["rect_items"], "category")
    assert names == ["程序不规范"] and rows["程序不规范"]["rect_items"] == 6
    total, names, rows = _rows(series_db, ["rect_items"], "source")
    assert names == ["自查自纠"]


def test_one_breakdown_cannot_mix_different_categories(series_db):
    # screening categories and clue categories share the name 'category', not the codes
    with pytest.raises(ValueError, match="category"):
        compute(series_db, ["gap_persons", "clues_received"], series_db.scope(None),
                series_db.period("2026Q4"), by="category")
