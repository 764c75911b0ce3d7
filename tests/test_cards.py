"""The "where is it worst" sentence under a page's place heading (ui.cards.worst_places),
on hand-built frames shaped like compute()'s."""
from __future__ import annotations

import pandas as pd

import queries  # noqa: F401  (registers the figures)
from ui.cards import worst_places


def _frame(key: str, values: dict) -> pd.DataFrame:
    rows = [{"code": "350212", "name": "同安区", "is_total": True, key: sum(v or 0 for v in values.values())}]
    rows += [{"code": code, "name": name, "is_total": False, key: v}
             for (code, name), v in values.items()]
    return pd.DataFrame(rows)


def test_the_most_is_named_with_its_value_and_ties_are_all_named():
    frame = _frame("unresolved_repeat_matters", {("1", "汀溪镇"): 4, ("2", "五显镇"): 4, ("3", "莲花镇"): 1,
                                                 (None, "未识别区划"): 9})
    # 未识别区划 is no place to visit: never named, however large
    assert worst_places(frame, "unresolved_repeat_matters") == "未化解重复信访事项最多：汀溪镇、五显镇（4 件）"


def test_a_rate_where_higher_is_better_names_the_lowest():
    frame = _frame("clue_conclusion_rate", {("1", "甲镇"): 95.0, ("2", "乙镇"): 73.7, ("3", "丙镇"): None})
    assert worst_places(frame, "clue_conclusion_rate", worse="最低") == "线索办结率最低：乙镇（73.7%）"
    extra = worst_places(frame, "clue_conclusion_rate", worse="最低", extra=lambda row: "，低于 90%")
    assert extra == "线索办结率最低：乙镇（73.7%，低于 90%）"


def test_no_sentence_when_nothing_is_wrong_or_known():
    assert worst_places(_frame("overdue_clues", {("1", "甲镇"): 0, ("2", "乙镇"): 0}), "overdue_clues") is None
    assert worst_places(_frame("overdue_clues", {("1", "甲镇"): None}), "overdue_clues") is None


def test_a_name_from_the_database_is_plain_text():
    frame = _frame("overdue_clues", {("1", "[点此](//evil)镇"): 3})
    from ui.format import plain
    assert worst_places(frame, "overdue_clues") == f"逾期未办结线索最多：{plain('[点此](//evil)镇')}（3 件）"
    assert "[点此](" not in worst_places(frame, "overdue_clues")
