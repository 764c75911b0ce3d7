"""The one runner of the figures: ``compute`` runs the measure sets a page's figures need
(side by side on the pool's connections), assembles each set's scope total and its
breakdown one level down, and fills one column per figure. ``compute_with_change`` adds
环比. The figures themselves are declared in ``queries.figures``.

The runner executes each needed set once grouped one level down (additive sets per
township, then rolled up) and, for a set that does not add up, once more for the scope's
own total; rows of unknown codes are gathered as 未识别区划. Which statements run, with
which measures, and what a page run reuses: ``queries.statements``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import pandas as pd

from queries.figures import (
    DIM, GROUP, HIST_N, HIST_X, HISTOGRAM_REDUCERS, MEASURE_SETS, METRICS, PART, Metric, dim_label,
    is_null, plain_number, rate,
)
from queries.period import Period
from queries.scope import UNKNOWN_LABEL, Scope
from queries.statements import Request, Rows, page_run, plan, run

__all__ = ["compute", "compute_many", "compute_with_change", "histogram", "page_run"]


@dataclass
class _SetResult:
    """One measure set's numbers: for counts, ``total`` and each group's {measure: value};
    for a histogram, ``total`` and each group's [(x, n), …]."""

    total: dict | list
    groups: dict


def compute(db, keys: Iterable[str], scope: Scope, period: Period, *,
            by: str = "region") -> pd.DataFrame:
    """The figures ``keys`` for ``scope`` and ``period``, broken down one level down.

    Rows: the scope total first (``is_total``), then every child region in code order, then
    未识别区划 when rows with unknown codes exist. ``by`` may name a dimension instead
    (e.g. 'category'); rows are then the dimension's values, in the order of their labels
    (``name``: the Chinese label, 未知代码 xyz for a code outside the contract, 未填写 for
    NULL; ``code``: the raw value). Columns: code, name, is_total
    and one column per figure; a rate also gets ``<key>.num`` and ``<key>.den``. A figure
    whose optional table is missing is all None.
    """
    return compute_many(db, [(keys, scope, period, by)])[0]


def compute_many(db, requests: Iterable[tuple]) -> list[pd.DataFrame]:
    """Several ``compute`` calls, given as (keys, scope, period[, by]), whose statements
    all run side by side: a page's figures cost its slowest statement, not their sum."""
    planned = []
    for keys, scope, period, *rest in requests:
        metrics = [METRICS[k] for k in keys]
        planned.append((metrics, Request.of(db, metrics, scope, period, rest[0] if rest else "region")))
    results = _run_sets(db, [req for _, req in planned])
    return [_fill_frame(db, metrics, req, sets) for (metrics, req), sets in zip(planned, results)]


def histogram(db, key: str, scope: Scope, period: Period) -> list[tuple] | None:
    """The per-value histogram behind a histogram figure (e.g. 待纳入天数), for the scope
    as a whole: [(value, rows)] in value order, rows without a value left out. The same
    statement as the figure's (within a page run, the figure's own result). None when
    the figure's optional table is missing."""
    metric = METRICS[key]
    if not MEASURE_SETS[metric.measure_set].histogram:
        raise ValueError(f"{key} is not a histogram figure")
    req = Request.of(db, [metric], scope, period, "region")
    if metric.measure_set not in req.sets:
        return None
    hist = _run_sets(db, [req])[0][metric.measure_set].total
    return sorted((plain_number(x), int(plain_number(n))) for x, n in hist if not is_null(x))


def _run_sets(db, requests: list[Request]) -> list[dict[str, "_SetResult"]]:
    """Each request's measure sets, assembled; all statements side by side."""
    rows = run(db, plan(db, requests))
    return [{name: _assemble(name, req, {role: rows[i, name, role] for role in req.queries(name)})
             for name in req.sets} for i, req in enumerate(requests)]


def _assemble(name: str, req: Request, rows: dict[str, Rows]) -> _SetResult:
    mset = MEASURE_SETS[name]
    child = _child_of(req.scope) if req.by == "region" else None
    if mset.people:
        return _people_result(rows.get("rows"), rows.get("multi") or rows["few"], child)
    # a township-grain statement read by one of its dimensions: that column is the key
    key_col = DIM + req.by if req.by in mset.township_dims or req.by_joint_dims(mset, req.needs[name]) else GROUP
    to_child = child if child is not None and req.by_township(mset) else None
    if mset.histogram:
        per_group: dict = {}
        for key, x, n in rows["groups"].select(key_col, HIST_X, HIST_N):
            k = key if to_child is None else to_child(key)
            per_group.setdefault(None if is_null(k) else k, []).append((x, n))
        groups = {k: _merge_histograms([hist]) for k, hist in per_group.items()}
        total = (_merge_histograms(groups.values()) if mset.adds_up(req.by, req.needs[name])
                 else rows["total"].select(HIST_X, HIST_N))
        return _SetResult(total, groups)
    measures = rows["groups"].measures()
    if not req.needs[name] <= set(measures):   # a figure naming a measure its set lacks
        raise KeyError(f"{name} yields no {sorted(req.needs[name] - set(measures))}")
    sums = _accumulate({}, rows["groups"].select(key_col, *measures), to_child)
    groups = {k: dict(zip(measures, v)) for k, v in sums.items()}
    if mset.adds_up(req.by, req.needs[name]):   # every unit row in exactly one group: the total is their sum
        total = dict(zip(measures, [sum(col) for col in zip(*sums.values())] or [0] * len(measures)))
    else:
        total = dict(zip(measures, (rows["total"].select(*measures) or [()])[0]))
    return _SetResult(total, groups)


def _people_result(rows: Rows | None, multi: Rows, child: Callable | None) -> _SetResult:
    """Assemble a people set (Query.people): a group's persons = a − r + m, the scope's =
    Σa − Σr + t. With ``child`` the row sums come per township code and are first rolled
    up to the scope's children. A set of few rows has no 'a' or 'r': m and t are all."""
    measures = multi.measures()
    a = rows.select(GROUP, *measures) if rows is not None else []
    parts: dict[str, list] = {"r": [], "m": [], "t": []}
    for part, *record in multi.select(PART, GROUP, *measures):
        parts[part].append(record)
    groups: dict = {}
    _accumulate(groups, a, child)
    _accumulate(groups, parts["r"], child, sign=-1)
    _accumulate(groups, parts["m"])
    whole = lambda _key: 0  # noqa: E731
    total: dict = {}
    _accumulate(total, a + parts["t"], whole)
    _accumulate(total, parts["r"], whole, sign=-1)
    return _SetResult(dict(zip(measures, total.get(0, [0] * len(measures)))),
                      {k: dict(zip(measures, v)) for k, v in groups.items()})


def _child_of(scope: Scope) -> Callable[[object], object]:
    """Township code → the key of the scope's child holding it; codes that match no child
    (unknown codes, NULL) → None, the 未识别区划 group."""
    if not scope.children:
        return lambda _code: scope.code
    length = len(scope.children[0].prefix)
    prefixes = {c.prefix for c in scope.children}
    return lambda code: code[:length] if isinstance(code, str) and code[:length] in prefixes else None


def _accumulate(sums: dict, records: Iterable, key: Callable | None = None, sign: int = 1) -> dict:
    """Add ``records`` (group key, *measures) into ``sums`` under ``key(group key)``."""
    for group_key, *values in records:
        k = group_key if key is None else key(group_key)
        acc = sums.setdefault(None if is_null(k) else k, [0] * len(values))
        for i, v in enumerate(values):
            if not is_null(v):
                acc[i] += sign * plain_number(v)
    return sums


def _merge_histograms(hists: Iterable[list]) -> list[tuple]:
    merged: dict = {}
    for hist in hists:
        for x, n in hist:
            merged[x] = merged.get(x, 0) + plain_number(n)
    return list(merged.items())


def _fill_frame(db, metrics: list[Metric], req: Request, results: dict) -> pd.DataFrame:
    frame = _frame(req.scope, req.by, results)
    columns: dict[str, list] = {}
    for m in metrics:
        columns.update(_fill(frame, m, results.get(m.measure_set), req.scope, req.period, db))
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index, dtype=object)], axis=1)


def _frame(scope: Scope, by: str, results: dict[str, _SetResult]) -> pd.DataFrame:
    keys_seen: set = set()
    for r in results.values():
        keys_seen.update(r.groups)
    rows = [{"code": scope.code, "name": scope.name, "is_total": True, GROUP: "__total__"}]
    if by == "region":
        if not scope.children:   # a township: its only row is itself
            rows.append({"code": scope.code, "name": scope.name, "is_total": False, GROUP: scope.code})
        for child in scope.children:
            rows.append({"code": child.code, "name": child.name, "is_total": False, GROUP: child.prefix})
        if None in keys_seen:
            rows.append({"code": None, "name": UNKNOWN_LABEL, "is_total": False, GROUP: None})
    else:
        labels = _dim_labels(results, by)
        known = [k for k in (labels or {}) if k in keys_seen]
        others = sorted((k for k in keys_seen if k is not None and k not in known), key=str)
        for k in known + others + ([None] if None in keys_seen else []):
            rows.append({"code": k, "name": dim_label(labels, k), "is_total": False, GROUP: k})
    return pd.DataFrame(rows)


def _dim_labels(results: dict, by: str) -> dict | None:
    """The labels of dimension ``by`` of the sets computed (the same for all of them: one
    breakdown cannot mix, say, petition and clue categories)."""
    found = {id(MEASURE_SETS[name].labels.get(by)): MEASURE_SETS[name].labels.get(by)
             for name in results}
    if len(found) > 1:
        raise ValueError(f"figures of different sets name different things {by!r}")
    return next(iter(found.values()), None)


def _fill(frame: pd.DataFrame, m: Metric, res: _SetResult | None, scope: Scope,
          period: Period, db) -> dict[str, list]:
    """The column(s) of one metric, aligned with ``frame``'s rows."""
    n = len(frame)
    if res is None or (m.latest_only and not period.is_latest):
        return {m.key: [None] * n}
    keys = [None if is_null(g) else g for g in frame[GROUP]]
    value = _reduced if MEASURE_SETS[m.measure_set].histogram else _measure
    num = [value(res, g, m.num) for g in keys]
    if m.den is None:
        return {m.key: num}
    if m.den == "@population":
        den = [_population(db, scope, code, is_total)
               for code, is_total in zip(frame["code"], frame["is_total"])]
    else:
        den = [value(res, g, m.den) for g in keys]
    return {m.key: [rate(a, b, m.scale) for a, b in zip(num, den)],
            f"{m.key}.num": num, f"{m.key}.den": den}


def _measure(res: _SetResult, group_key, column: str):
    values = res.total if group_key == "__total__" else res.groups.get(group_key, {})
    value = values.get(column)
    # SUM over no rows is NULL in SQL: for a count that means zero
    return 0 if is_null(value) else plain_number(value)


def _reduced(res: _SetResult, group_key, reducer: str):
    """A histogram set's figure: a reducer (median, count …) over the group's histogram."""
    hist = res.total if group_key == "__total__" else res.groups.get(group_key, [])
    return HISTOGRAM_REDUCERS[reducer](hist)


def _population(db, scope: Scope, code, is_total: bool) -> int | None:
    if is_total:
        return scope.population
    if is_null(code) or code not in db.tree.by_code:
        return None
    return db.tree.population(code)


# --------------------------------------------------------------------------- 环比

def compute_with_change(db, keys: Iterable[str], scope: Scope, period: Period) -> pd.DataFrame:
    """``compute`` plus ``<key>.prev`` and ``<key>.change`` (环比) for a quarter.

    The previous quarter is taken on its own as-of day (同期 when the current one is cut
    short). Rates change in percentage points. The campaign period has no 环比 (None).
    """
    keys = list(keys)
    prev_period = period.previous()
    if prev_period is None:
        current, previous = compute(db, keys, scope, period), None
    else:
        current, previous = compute_many(db, [(keys, scope, period), (keys, scope, prev_period)])
    extra: dict[str, list] = {}
    for k in keys:
        if previous is None:
            extra[f"{k}.prev"] = extra[f"{k}.change"] = [None] * len(current)
            continue
        prev_by_code = dict(zip(_row_ids(previous), previous[k]))
        # a row absent from the previous period (未识别区划 with no rows then) had zero of
        # every count, so the breakdown's changes still add up; a rate or median had no value
        absent = 0 if _is_count(METRICS[k]) else None
        prev_vals = [prev_by_code.get(i, absent) for i in _row_ids(current)]
        extra[f"{k}.prev"] = prev_vals
        extra[f"{k}.change"] = [None if is_null(a) or is_null(b) else a - b
                                for a, b in zip(current[k], prev_vals)]
    return pd.concat([current, pd.DataFrame(extra, index=current.index, dtype=object)], axis=1)


def _is_count(m: Metric) -> bool:
    if m.den is not None:
        return False
    return getattr(HISTOGRAM_REDUCERS[m.num], "is_count", False) \
        if MEASURE_SETS[m.measure_set].histogram else True


def _row_ids(frame: pd.DataFrame) -> list:
    return [("total" if t else c) for c, t in zip(frame["code"], frame["is_total"])]
