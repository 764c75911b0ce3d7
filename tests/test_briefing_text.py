"""季度简报's sentences (ui/briefing_text.py) from hand-worked figures: every number as the
page writes it, 环比 in words (增加/减少, 上升/下降, 持平), the worst area named, and a
sentence whose figure has no value left out."""
from __future__ import annotations

import pandas as pd

import queries  # noqa: F401  (registers the figures)
from ui import briefing_text as bt


def _frame(key: str, values: dict[str, object]) -> pd.DataFrame:
    rows = [{"code": "350200", "name": "厦门市", "is_total": True, key: sum(v for v in values.values() if v)}]
    rows += [{"code": f"3502{i:02d}", "name": name, "is_total": False, key: v}
             for i, (name, v) in enumerate(values.items(), 3)]
    rows.append({"code": None, "name": "未识别区划", "is_total": False, key: 99})
    return pd.DataFrame(rows)


def test_petitions_in_the_style_of_a_briefing():
    total = {"new_repeat_matters": 12, "new_repeat_matters.change": -3, "unresolved_repeat_matters": 5,
             "unresolved_repeat_matters.change": 0, "unresolved_repeat_long": 2}
    frame = _frame("new_repeat_matters", {"思明区": 3, "同安区": 7, "湖里区": 2})
    assert bt.petitions(total, frame, quarter=True) == [
        "本季度新增重复信访事项12件，环比减少3件，主要集中在同安区（7件）。",    # 未识别区划 is no place
        "未化解重复信访事项5件，环比持平。",
        "其中未化解超过60天的2件，列为红色预警。"]


def test_rates_rise_and_fall_in_points_and_missing_values_are_left_out():
    total = {"clues_received_total": 1234, "clue_conclusion_rate": 87.25, "clue_conclusion_rate.change": 1.2,
             "overdue_clues": 0}
    assert bt.clues(total, _frame("overdue_clues", {"思明区": 0})) == [
        "累计受理问题线索1,234件。", "线索办结率87.2%，环比上升1.2个百分点。", "没有逾期未办结线索。"]
    # no rate (no clue received) and no 环比 (专项治理以来): both sentences go, nothing says 0 or None
    empty = {"clues_received_total": 0, "clue_conclusion_rate": None, "overdue_clues": 0}
    said = bt.clues(empty, _frame("overdue_clues", {}))
    assert said == ["累计受理问题线索0件。", "没有逾期未办结线索。"]
    assert not any("None" in s or "nan" in s for s in said)


def test_rectification_against_the_clock_names_the_lowest_area():
    total = {"rect_items": 60, "rect_close_rate": 45.0, "rect_close_rate.change": -0.04, "rect_overdue": 7}
    frame = _frame("rect_close_rate", {"思明区": 80.0, "同安区": 30.5, "湖里区": None})
    assert bt.rectification(total, frame, 52.3) == [
        "排查发现整改问题60个。", "整改销号率45.0%（时间进度52.3%），环比持平，最低的是同安区（30.5%）。",
        "逾期未整改7个。"]


def test_coverage_with_no_gap_names_no_place():
    total = {"gap_persons": 0, "gap_rate": 0.0, "gap_waiting_over": 0, "deceased_active": 0}
    assert bt.coverage(total, _frame("gap_persons", {"思明区": 0, "同安区": 0})) == [
        "排查认定符合条件但尚未纳入保障0人。", "漏保率0.0%。", "其中超30天未纳入0人。", "未发现死亡未退保。"]
