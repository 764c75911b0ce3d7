"""乡镇问题指数 — the township problem index (metrics.md), higher is worse.

For every township of the deployment, four components are turned into percentile ranks
(0–100) among all townships of the deployment, so a township's index does not depend on
who is looking. A component without a value is left out and the others re-weighted.
"""
from __future__ import annotations

import pandas as pd

import settings
from queries.runner import compute
from queries.period import Period
from queries.scope import Scope, deployment_scope

COMPONENTS = (  # (column, Chinese label, metric it comes from)
    ("gap_rate", "漏保率", "gap_rate"),
    ("new_repeat_per_10k", "新增重复信访事项（每万人）", "new_repeat_matters"),
    ("overdue_clues", "逾期未办结线索", "overdue_clues"),
    ("rect_overdue", "逾期未整改", "rect_overdue"),
)
INDEX_LABEL = "乡镇问题指数"


def township_grain(db) -> Scope:
    """The whole deployment broken down straight to its townships."""
    top = deployment_scope(db.tree)
    return Scope(top.code, top.name, top.level, None, tuple(db.tree.townships()), top.population)


def problem_index(db, period: Period, within: Scope | None = None) -> pd.DataFrame:
    """Index and components for every township, ranked among all townships of the
    deployment; ``within`` then keeps only the townships of the viewer's scope.

    Columns: code, name, district, index, and per component its value and ``<col>_pct``.
    """
    grain = township_grain(db)
    figures = compute(db, ["gap_rate", "new_repeat_matters", "overdue_clues", "rect_overdue"],
                      grain, period)
    rows = figures[~figures["is_total"] & figures["code"].notna()].copy()
    pops = [db.tree.population(c) for c in rows["code"]]
    if all(p for p in pops):
        rows["new_repeat_per_10k"] = [n * 10000.0 / p for n, p in zip(rows["new_repeat_matters"], pops)]
    else:  # raw counts for every township when any lacks a population
        rows["new_repeat_per_10k"] = rows["new_repeat_matters"].astype(float)
    weights = settings.index_weights()
    for col, _, _ in COMPONENTS:
        rows[f"{col}_pct"] = percentile_rank(rows[col])
    rows["index"] = [weighted_mean([r[f"{c}_pct"] for c, _, _ in COMPONENTS], weights)
                     for _, r in rows.iterrows()]
    rows["district"] = [db.tree.by_code[db.tree.by_code[c].parent_code].name
                        if db.tree.by_code[c].parent_code in db.tree.by_code else None
                        for c in rows["code"]]
    if within is not None and within.prefixes is not None:
        rows = rows[[any(c.startswith(p) for p in within.prefixes) for c in rows["code"]]]
    cols = ["code", "name", "district", "index"] + [x for c, _, _ in COMPONENTS for x in (c, f"{c}_pct")]
    return rows[cols].sort_values(["index", "code"], ascending=[False, True],
                                  na_position="last").reset_index(drop=True)


def percentile_rank(values: pd.Series) -> pd.Series:
    """0 for the lowest value, 100 for the highest, ties sharing their mean rank; values
    that are missing stay missing. A single value ranks 50."""
    present = values.dropna().astype(float)
    if present.empty:
        return pd.Series([None] * len(values), index=values.index, dtype=object)
    n = len(present)
    ranks = present.rank(method="average")
    pct = (ranks - 1) / (n - 1) * 100.0 if n > 1 else ranks * 0 + 50.0
    out = pd.Series([None] * len(values), index=values.index, dtype=object)
    out.loc[pct.index] = pct.round(6).tolist()
    return out


def weighted_mean(values, weights) -> float | None:
    pairs = [(v, w) for v, w in zip(values, weights) if v is not None and v == v and w > 0]
    total = sum(w for _, w in pairs)
    return None if not pairs or total == 0 else sum(v * w for v, w in pairs) / total
