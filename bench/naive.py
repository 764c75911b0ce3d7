"""The naive baseline: read the fact tables whole into pandas, then compute there.

    python -m bench.naive --json PATH [--sqlite bench/cache/province.sqlite]

What a dashboard without a query layer would do: ``SELECT *`` of every table the five
core figures need, then the figures in pandas, following shared/spec/metrics.md
literally, for the period 专项治理以来 at the top scope broken down to its children
(province → cities; rows with unknown codes as 未识别区划):

- 漏保人数: each person's latest screening row on or before the as-of day (equal dates:
  the larger screening_id), eligible, no active dibao/tekun spell on the as-of day anywhere,
  no death on or before it; placed by that screening row.
- 重复信访事项 / 新增重复信访事项: matters with ≥ 3 petitions received by the as-of day /
  of those, the 3rd petition received in the period; a matter is placed by its first
  petition (received_date, then petition_id).
- 线索办结率: clues received by the as-of day, the share concluded by it.
- 整改销号率: items found by the as-of day, the share closed by it.
- Burn-down: open items (found ≤ day, not closed by it) at the end of each 7-day block
  from the campaign's start, and on the as-of day.

Runs in its own process: its peak memory is its own. Writes timings, peak RSS and the
figures (same JSON shape as ``bench.timing``'s core figures) to ``--json``.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from datetime import date, timedelta

import pandas as pd

from bench.common import CORE_KEYS, SQLITE_PATH, AnonPeak, peak_rss_mb, write_json

TABLES = ("region", "meta", "campaign", "screening", "recipient", "death_record", "petition",
          "clue", "rectification")
COVER = ("dibao_urban", "dibao_rural", "tekun")
PREFIX_LEN = {"province": 2, "city": 4, "district": 6, "township": 9}
REPEAT_THRESHOLD = 3


def load(path) -> dict[str, pd.DataFrame]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: pd.read_sql_query(f'SELECT * FROM "{t}"', con) for t in TABLES}
    finally:
        con.close()


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="ISO8601", errors="coerce")


def compute(t: dict[str, pd.DataFrame]) -> dict:
    meta = dict(zip(t["meta"]["key"], t["meta"]["value"]))
    data_as_of = date.fromisoformat(str(meta["data_as_of"])[:10])
    camp = t["campaign"].sort_values(["start_date", "campaign_id"], ascending=False).iloc[0]
    c_start = date.fromisoformat(str(camp["start_date"])[:10])
    c_end = date.fromisoformat(str(camp["end_date"])[:10])
    as_of_d = min(c_end, data_as_of)
    start, as_of = pd.Timestamp(c_start), pd.Timestamp(as_of_d)

    # the top region and its children (the breakdown)
    region = t["region"]
    codes = set(region["code"])
    top = region[region["parent_code"].isna() | ~region["parent_code"].isin(codes)].iloc[0]
    children = region[region["parent_code"] == top["code"]].sort_values("code")
    plen = PREFIX_LEN[children["level"].iloc[0]]
    prefix_to_code = {c[:plen]: c for c in children["code"]}

    def child_of(township_codes: pd.Series) -> pd.Series:
        return township_codes.astype("object").str[:plen].map(prefix_to_code).fillna("unknown")

    def tally(keys: pd.Series, values: pd.Series | None = None) -> dict:
        counts = (keys.value_counts() if values is None
                  else values.groupby(keys).sum())
        out = {k: int(v) for k, v in counts.items()}
        out["total"] = int(len(keys) if values is None else values.sum())
        return out

    # 漏保人数
    s = t["screening"].copy()
    s["screened_date"] = _dates(s["screened_date"])
    s = s[s["screened_date"] <= as_of]
    latest = (s.sort_values(["person_id", "screened_date", "screening_id"])
              .drop_duplicates("person_id", keep="last"))
    eligible = latest[latest["assessed_eligible"] == 1]
    d = t["death_record"]
    dead = set(d.loc[_dates(d["death_date"]) <= as_of, "person_id"])
    eligible = eligible[~eligible["person_id"].isin(dead)]
    r = t["recipient"]
    r_start, r_end = _dates(r["start_date"]), _dates(r["end_date"])
    active = r["programme"].isin(COVER) & (r_start <= as_of) & (r_end.isna() | (r_end > as_of))
    covered = set(r.loc[active, "person_id"])
    gap = eligible[~eligible["person_id"].isin(covered)]
    gap_persons = tally(child_of(gap["township_code"]))

    # 重复信访事项, 新增重复信访事项
    p = t["petition"].copy()
    p["received_date"] = _dates(p["received_date"])
    p = p.sort_values(["matter_id", "received_date", "petition_id"])
    first_town = p.drop_duplicates("matter_id", keep="first").set_index("matter_id")["township_code"]
    upto = p[p["received_date"] <= as_of]
    n_pet = upto.groupby("matter_id").size()
    repeat_ids = n_pet[n_pet >= REPEAT_THRESHOLD].index
    nth = upto.groupby("matter_id").nth(REPEAT_THRESHOLD - 1).set_index("matter_id")["received_date"]
    rep = pd.DataFrame({"town": first_town.reindex(repeat_ids),
                        "nth": nth.reindex(repeat_ids)})
    rep_key = child_of(rep["town"])
    repeat_matters = tally(rep_key)
    new_repeat = tally(rep_key, ((rep["nth"] >= start) & (rep["nth"] <= as_of)).astype(int))

    # 线索办结率
    c = t["clue"]
    c_recv, c_conc = _dates(c["received_date"]), _dates(c["concluded_date"])
    c = c[c_recv <= as_of]
    c_key = child_of(c["township_code"])
    concluded = (c_conc[c.index].notna() & (c_conc[c.index] <= as_of)).astype(int)
    clue_num, clue_den = tally(c_key, concluded), tally(c_key)

    # 整改销号率 and the burn-down
    x = t["rectification"]
    found, closed = _dates(x["found_date"]), _dates(x["closed_date"])
    x_in = found <= as_of
    x_key = child_of(x.loc[x_in, "township_code"])
    is_closed = (closed[x_in].notna() & (closed[x_in] <= as_of)).astype(int)
    rect_num, rect_den = tally(x_key, is_closed), tally(x_key)
    checkpoints = [c_start + timedelta(days=7 * k - 1)
                   for k in range(1, (as_of_d - c_start).days // 7 + 2)]
    checkpoints = [cp for cp in checkpoints if cp <= as_of_d]
    if not checkpoints or checkpoints[-1] != as_of_d:
        checkpoints.append(as_of_d)
    burn = [[cp.isoformat(), int(((found <= pd.Timestamp(cp))
                                  & ~(closed <= pd.Timestamp(cp))).sum())]
            for cp in checkpoints]

    # the same weeks counted as events (+1 on the found day, -1 on the closing day), the
    # way the SQL layer counts them: tells a difference in method from a wrong figure
    in_found = found[x_in]
    in_closed = closed[x_in & closed.notna() & (closed <= as_of)]
    burn_events = [[cp.isoformat(), int((in_found <= pd.Timestamp(cp)).sum()
                                        - (in_closed <= pd.Timestamp(cp)).sum())]
                   for cp in checkpoints]
    closed_before_found = sorted(x.loc[closed < found, "item_id"].tolist())

    rows: dict = {}
    names = dict(zip(children["code"], children["name"]))
    for rid in ["total", *children["code"], "unknown"]:
        row = {"name": top["name"] if rid == "total" else names.get(rid, "未识别区划"),
               "gap_persons": gap_persons.get(rid, 0),
               "repeat_matters": repeat_matters.get(rid, 0),
               "new_repeat_matters": new_repeat.get(rid, 0)}
        for key, num, den in (("clue_conclusion_rate", clue_num, clue_den),
                              ("rect_close_rate", rect_num, rect_den)):
            n, dd = num.get(rid, 0), den.get(rid, 0)
            row[key] = n * 100.0 / dd if dd else None
            row[f"{key}.num"], row[f"{key}.den"] = n, dd
        if rid == "unknown" and not any(row[k] for k in row if k != "name" and row[k]):
            continue  # no rows with unknown codes
        rows[rid] = row
    assert set(CORE_KEYS) <= set(rows["total"])
    return {"as_of": as_of_d.isoformat(), "rows": rows, "burn_down": burn,
            "burn_down_events": burn_events, "closed_before_found": closed_before_found}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the naive pandas baseline")
    parser.add_argument("--json", required=True)
    parser.add_argument("--sqlite", default=str(SQLITE_PATH))
    args = parser.parse_args(argv)
    with AnonPeak() as anon:
        t0 = time.perf_counter()
        tables = load(args.sqlite)
        t1 = time.perf_counter()
        figures = compute(tables)
        t2 = time.perf_counter()
    out = {"load_s": t1 - t0, "compute_s": t2 - t1, "total_s": t2 - t0,
           "rows_loaded": {k: len(v) for k, v in tables.items()},
           "peak_rss_mb": peak_rss_mb(), "peak_anon_mb": anon.peak_mb, "core": figures}
    write_json(args.json, out)
    print(f"[naive] load {out['load_s']:.1f} s + compute {out['compute_s']:.1f} s, "
          f"peak RSS {out['peak_rss_mb']:.0f} MB", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
