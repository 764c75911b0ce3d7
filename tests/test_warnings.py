"""预警 (metrics.md): which warnings fire for a place, in words, from hand-picked values
against the default thresholds (90 / 70 %, 时间进度 and 20 points, any 死亡未退保, any
matter open over 60 days, anyone waiting over 30 days)."""
from __future__ import annotations

import pandas as pd

from queries import warnings
from queries.problem_index import rank_of


def test_a_place_with_every_warning():
    row = pd.Series({"deceased_active": 2, "unresolved_repeat_long": 1, "clue_conclusion_rate": 62.5,
                     "rect_close_rate": 20.0, "gap_waiting_over": 3})
    fired = warnings.fired(row, time_progress=45.0)
    assert [(w.metric_key, w.level) for w in fired] == [
        ("deceased_active", "red"), ("unresolved_repeat_long", "red"), ("clue_conclusion_rate", "red"),
        ("rect_close_rate", "red"), ("gap_waiting_over", "amber")]
    text = [warnings.describe(w) for w in fired]
    assert text == ["死亡未退保 2 人，应为 0", "长期未化解重复信访事项 1 件，未化解超 60 天的应为 0",
                    "线索办结率 62.5%，低于 70%", "整改销号率 20.0%，低于时间进度（45.0%）20 个百分点以上",
                    "超30天未纳入 3 人，应为 0"]


def test_amber_levels_and_quiet_places():
    row = {"clue_conclusion_rate": 85.0, "rect_close_rate": 40.0}
    fired = warnings.fired(row, time_progress=45.0)
    assert [(w.metric_key, w.level, w.rule) for w in fired] == [
        ("clue_conclusion_rate", "amber", "低于 90%"), ("rect_close_rate", "amber", "低于时间进度（45.0%）")]
    # zero counts, rates on or above their thresholds, missing values: nothing fires
    quiet = {"deceased_active": 0, "unresolved_repeat_long": 0, "clue_conclusion_rate": 90.0,
             "rect_close_rate": 45.0, "gap_waiting_over": float("nan")}
    assert warnings.fired(quiet, time_progress=45.0) == []
    # 整改销号率 warns only against a clock
    assert warnings.fired({"rect_close_rate": 1.0}) == []
    assert warnings.fired(pd.Series({"clue_conclusion_rate": None}, dtype=object)) == []


def test_rank_among_the_deployments_townships():
    index = pd.DataFrame({"code": ["a", "b", "c", "d", "e"], "index": [90.0, 75.0, 75.0, 10.0, None]})
    assert rank_of(index, "a").position == 1 and rank_of(index, "a").of == 4
    # ties share the better place; a township without an index has no rank
    assert (rank_of(index, "b").position, rank_of(index, "c").position) == (2, 2)
    assert rank_of(index, "d").position == 4
    assert rank_of(index, "e") is None and rank_of(index, "zz") is None


def test_places_warned_worst_first_each_place_once():
    city = pd.DataFrame({
        "code": ["350200", "350203", "350206", None],
        "name": ["厦门市", "思明区", "湖里区", "未识别区划"],
        "deceased_active": [3, 1, 2, 5], "clue_conclusion_rate": [80.0, 95.0, 60.0, 10.0]})
    towns = pd.DataFrame({"code": ["350200", "350203001"], "name": ["厦门市", "厦港街道"],
                          "deceased_active": [3, 1], "clue_conclusion_rate": [80.0, 65.0]})
    got = [(p.code, p.warning.metric_key, p.warning.level)
           for p in warnings.places_warned([city, towns])]
    assert got == [
        ("350200", "deceased_active", "red"), ("350206", "deceased_active", "red"),
        ("350203", "deceased_active", "red"), ("350203001", "deceased_active", "red"),
        ("350206", "clue_conclusion_rate", "red"), ("350203001", "clue_conclusion_rate", "red"),
        ("350200", "clue_conclusion_rate", "amber")]


def test_a_scope_keeps_the_places_within_it():
    """The warnings list narrows the deployment's places by the figures' gate: a district
    keeps itself and its townships; a user's two districts (授权范围, named after their
    common city) keep those districts, not the city's own row."""
    from queries.problem_index import in_scope
    from queries.scope import Scope
    places = pd.DataFrame({"code": ["350200", "350203", "350203001", "350206", "350206001", "350211", None]})
    def kept(prefixes):
        return list(in_scope(places, Scope("350200", "x", "city", prefixes, (), None))["code"])
    assert kept(("350203",)) == ["350203", "350203001"]
    assert kept(("350203", "350206")) == ["350203", "350203001", "350206", "350206001"]
    assert len(kept(None)) == len(places)


def test_waiting_days_setting_names_the_figure():
    """超30天未纳入's 30 is the setting OVERSIGHT_WARN_WAITING_DAYS: set to 45, the figure,
    its warning and the rule text all say 45, and the count is of those over 45 days (a
    fresh process: the label is read when the registry is built)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path
    code = ("import json, pandas as pd\n"
            "from queries.figures import METRICS, HISTOGRAM_REDUCERS\n"
            "from queries import warnings\n"
            "m = METRICS['gap_waiting_over']\n"
            "row = pd.Series({'gap_waiting_over': 2})\n"
            "print(json.dumps([m.label, m.description, warnings.rules_text(),\n"
            "  [warnings.describe(w) for w in warnings.fired(row, time_progress=None)],\n"
            "  HISTOGRAM_REDUCERS['over_waiting_days']([(30, 4), (45, 1), (46, 2), (90, 3)])]))\n")
    env = {**os.environ, "OVERSIGHT_WARN_WAITING_DAYS": "45"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    label, description, rules, described, over = json.loads(out.strip().splitlines()[-1])
    assert label == "超45天未纳入"
    assert "超过45天" in description
    assert "超45天未纳入任一即黄色" in rules and "超30天" not in rules
    assert described == ["超45天未纳入 2 人，应为 0"]
    assert over == 5          # 46 and 90 days: 2 + 3; 45 is not over 45
