"""乡镇问题指数 — the township problem index (metrics.md), higher is worse.

For every township of the deployment, four components are turned into percentile ranks
(0–100) among all townships of the deployment, so a township's index does not depend on
who is looking. A component without a value is left out and the others re-weighted.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

import settings
from queries.figures import Metric
from queries.runner import compute
from queries.period import Period
from queries.scope import Scope

COMPONENTS = (  # (column, Chinese label, metric it comes from)
    ("gap_rate", "漏保率", "gap_rate"),
    ("new_repeat_per_10k", "每万人新增重复信访事项", "new_repeat_per_10k"),
    ("overdue_clues", "逾期未办结线索", "overdue_clues"),
    ("rect_overdue", "逾期未整改", "rect_overdue"),
)
INDEX_LABEL = "乡镇问题指数"


def township_grain(db) -> Scope:
    """The whole deployment broken down straight to its townships."""
    return replace(db.deployment(), children=tuple(db.tree.townships()))


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
    cols = ["code", "name", "district", "index"] + [x for c, _, _ in COMPONENTS for x in (c, f"{c}_pct")]
    ranked = rows[cols].sort_values(["index", "code"], ascending=[False, True],
                                    na_position="last").reset_index(drop=True)
    return ranked if within is None else in_scope(ranked, within)


@dataclass(frozen=True)
class Rank:
    value: float         # the township's index
    position: int        # 1 = the highest index of the deployment (ties share the better place)
    of: int              # townships with an index


def rank_of(index: pd.DataFrame, code: str) -> Rank | None:
    """Where township ``code`` stands in the deployment's index (a whole ``problem_index``
    frame): 第 position / of. None when it has no index."""
    ranked = index.dropna(subset=["index"])
    mine = ranked[ranked["code"] == code]
    if mine.empty:
        return None
    value = float(mine["index"].iloc[0])
    higher = int((ranked["index"].astype(float) > value).sum())
    return Rank(value, higher + 1, len(ranked))


def in_scope(index: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The rows of ``index`` (a frame of places by ``code``: the problem index, a compute()
    frame) that lie in ``scope``, as the figures' own gate reads it: a code starting with
    one of its prefixes; a row without a code only where the scope is the whole deployment."""
    if scope.prefixes is None:
        return index
    keep = [isinstance(c, str) and any(c.startswith(p) for p in scope.prefixes) for c in index["code"]]
    return index[keep].reset_index(drop=True)


# what maps and rankings show for the index: a township's own, an area's worst township's
INDEX_METRIC = Metric("problem_index", INDEX_LABEL, "index", "分", -1, "stock", "", "", decimals=1,
                      description="四项分量各自在全部乡镇中的百分位（0–100，越高越差）的加权平均。")
WORST_INDEX_METRIC = Metric("problem_index", "最高乡镇问题指数", "index", "分", -1, "stock", "", "",
                            decimals=1, description="区域内问题指数最高的乡镇（街道）的指数。")


@dataclass(frozen=True)
class _Own:
    code: str
    name: str

    @property
    def prefix(self) -> str:
        return self.code


def by_area(index: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The index by the areas one level below ``scope``: a township its own index, a larger
    area the index of its worst township (``worst`` names it), so a map of districts
    still points at where to go. Columns: code, name, is_total, problem_index, worst."""
    rows = [{"code": scope.code, "name": scope.name, "is_total": True, "problem_index": None,
             "worst": None}]
    for child in scope.children or [_Own(scope.code, scope.name)]:   # a township: itself
        mine = index[[c.startswith(child.prefix) for c in index["code"]]].dropna(subset=["index"])
        top = mine.iloc[0] if not mine.empty else None      # index is sorted worst first
        rows.append({"code": child.code, "name": child.name, "is_total": False,
                     "problem_index": None if top is None else float(top["index"]),
                     "worst": None if top is None else top["name"]})
    return pd.DataFrame(rows)


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
