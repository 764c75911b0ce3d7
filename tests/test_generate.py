"""The demo generator: deterministic, the sizes asked for, consistent rows, planted truths.

Everything here checks the in-memory Dataset in plain Python (no SQL figures: the query
layer is tested against the manifest elsewhere). One test writes to a temporary SQLite file
to check the loader round-trips the rows.
"""
from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from data.generate import (
    DATA_AS_OF, GAP_TOWNSHIP, OVERDUE_TOWNSHIP, REPEAT_TOWNSHIP, UNKNOWN_CODES, Dataset,
    generate, manifest_path_for, write,
)
from queries.schema import metadata

A = DATA_AS_OF


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return generate("demo", seed=7)


def col(table: str) -> dict[str, int]:
    return {c.name: i for i, c in enumerate(metadata.tables[table].columns)}


def rows_as_dicts(ds: Dataset, table: str) -> list[dict]:
    names = list(col(table))
    return [dict(zip(names, r)) for r in ds.tables[table]]


# -- determinism ---------------------------------------------------------------------------
def test_same_seed_same_rows_and_manifest(ds):
    again = generate("demo", seed=7)
    assert again.digest() == ds.digest()
    assert json.dumps(again.manifest, ensure_ascii=False) == json.dumps(ds.manifest, ensure_ascii=False)


def test_other_seed_other_rows(ds):
    other = generate("demo", seed=8, payments=False)
    assert other.digest() != ds.digest()
    assert other.tables["recipient"][:50] != ds.tables["recipient"][:50]
    assert other.tables["payment"] == []


def test_rows_match_the_schema(ds):
    assert list(ds.tables) == list(metadata.tables)
    for name, rows in ds.tables.items():
        width = len(metadata.tables[name].columns)
        assert all(len(r) == width for r in rows), name
        pk = [i for i, c in enumerate(metadata.tables[name].columns) if c.primary_key]
        if pk:
            keys = [tuple(r[i] for i in pk) for r in rows]
            assert len(keys) == len(set(keys)), f"duplicate primary key in {name}"
    assert ds.manifest["row_counts"] == ds.row_counts()


# -- sizes ---------------------------------------------------------------------------------
def test_row_counts_roughly_as_specified(ds):
    n = ds.row_counts()
    assert n["region"] == 1 + 6 + 45
    assert 18_000 <= n["recipient"] <= 24_000
    assert 7_000 <= n["screening"] <= 9_000
    assert 5_700 <= n["petition"] <= 6_300
    assert n["clue"] == 1_500 and n["rectification"] == 1_200
    assert 200 <= n["crosscheck_hit"] <= 600
    assert 500 <= n["death_record"] <= 2_000
    assert 150_000 <= n["payment"] <= 260_000
    active = Counter(r["programme"] for r in rows_as_dicts(ds, "recipient")
                     if r["start_date"] <= A and (r["end_date"] is None or r["end_date"] > A))
    assert 13_500 <= active["dibao_urban"] + active["dibao_rural"] <= 16_500
    assert 1_300 <= active["tekun"] <= 1_700
    matters = Counter(r["matter_id"] for r in rows_as_dicts(ds, "petition"))
    sizes = Counter(matters.values())
    assert sizes[1] / len(matters) > 0.7 and max(sizes) >= 7


def test_region_tree(ds):
    regions = rows_as_dicts(ds, "region")
    by = {r["code"]: r for r in regions}
    assert by["350200"]["level"] == "city" and by["350200"]["parent_code"] is None
    districts = [r for r in regions if r["level"] == "district"]
    towns = [r for r in regions if r["level"] == "township"]
    assert len(districts) == 6 and len(towns) == 45
    for d in districts:
        assert 300_000 <= d["population"] <= 1_100_000
        assert sum(t["population"] for t in towns if t["parent_code"] == d["code"]) == d["population"]
    assert by["350200"]["population"] == sum(d["population"] for d in districts)
    assert all(t["code"][:6] == t["parent_code"] for t in towns)
    assert all(117.8 < r["lon"] < 118.5 and 24.3 < r["lat"] < 24.95 for r in regions)


# -- consistency: everything holds except exactly the dirty rows in the manifest ------------
def _violations(ds: Dataset) -> dict[str, dict[str, set[str]]]:
    codes = {r[0] for r in ds.tables["region"]}
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for table, key in (("recipient", "recipient_id"), ("screening", "screening_id"),
                       ("crosscheck_hit", "hit_id"), ("petition", "petition_id"),
                       ("clue", "clue_id"), ("rectification", "item_id")):
        for r in rows_as_dicts(ds, table):
            if r["township_code"] not in codes:
                out["unknown_township_code"][table].add(r[key])
    for table, key, a, b in (("petition", "petition_id", "received_date", "closed_date"),
                             ("clue", "clue_id", "received_date", "concluded_date"),
                             ("rectification", "item_id", "found_date", "closed_date"),
                             ("recipient", "recipient_id", "start_date", "end_date")):
        for r in rows_as_dicts(ds, table):
            if r[b] is not None and r[b] < r[a]:
                out["dates_out_of_order"][table].add(r[key])
    for table, key, datecol, done in (("petition", "petition_id", "closed_date", "closed"),
                                      ("clue", "clue_id", "concluded_date", "concluded"),
                                      ("rectification", "item_id", "closed_date", "closed")):
        for r in rows_as_dicts(ds, table):
            if (r["status"] == done) != (r[datecol] is not None):
                out["status_contradicts_date"][table].add(r[key])
    return out


def test_dirty_rows_are_exactly_those_in_the_manifest(ds):
    found = _violations(ds)
    man = ds.manifest
    for kind in ("unknown_township_code", "dates_out_of_order", "status_contradicts_date"):
        assert {t: len(v) for t, v in found[kind].items()} == man["dirty"][kind], kind
        assert {t: sorted(v) for t, v in found[kind].items()} == man["dirty_ids"][kind], kind
    # a handful per table, in every table the brief names, outside the planted townships
    assert set(man["dirty"]["unknown_township_code"]) == {
        "petition", "clue", "rectification", "screening", "recipient"}
    assert set(man["dirty"]["dates_out_of_order"]) == {"petition", "clue", "rectification", "recipient"}
    assert set(man["dirty"]["status_contradicts_date"]) == {"petition", "clue", "rectification"}
    assert all(1 <= n <= 5 for d in man["dirty"].values() for n in d.values())
    dirty_ids = {i for d in man["dirty_ids"].values() for ids in d.values() for i in ids}
    for table, key in (("petition", "petition_id"), ("clue", "clue_id"),
                       ("rectification", "item_id"), ("recipient", "recipient_id")):
        for r in rows_as_dicts(ds, table):
            if r[key] in dirty_ids:
                assert r["township_code"] not in (GAP_TOWNSHIP, REPEAT_TOWNSHIP, OVERDUE_TOWNSHIP)
    unknown = {r["township_code"] for t in ("petition", "clue", "rectification", "screening", "recipient")
               for r in rows_as_dicts(ds, t) if r["township_code"] in UNKNOWN_CODES}
    assert unknown == set(UNKNOWN_CODES)


def test_dates_and_statuses_consistent(ds):
    dirty = {i for d in ds.manifest["dirty_ids"].values() for ids in d.values() for i in ids}
    for r in rows_as_dicts(ds, "petition"):
        assert r["received_date"] <= A and r["due_date"] == r["received_date"] + timedelta(days=60)
        assert r["closed_date"] is None or r["closed_date"] <= A
        if r["petition_id"] in dirty:
            continue
        assert r["received_date"] < r["closed_date"] if r["closed_date"] else r["status"] in ("accepted", "processing")
        if r["closed_date"] is None:
            assert r["satisfied"] is None
    for r in rows_as_dicts(ds, "clue"):
        assert r["received_date"] <= A and 30 <= (r["due_date"] - r["received_date"]).days <= 90
        if r["clue_id"] in dirty:
            continue
        concluded = r["concluded_date"] is not None
        assert (r["status"] == "concluded") == concluded
        assert concluded or r["substantiated"] is None
        if concluded:
            assert r["received_date"] <= r["concluded_date"] <= A
            assert r["substantiated"] is not None
        if r["transferred_to_commission"]:
            assert r["substantiated"] and r["involves_official"]
            assert r["received_date"] <= r["transferred_date"] <= r["concluded_date"]
        else:
            assert r["transferred_date"] is None
        assert r["officials_held_accountable"] >= 0
        assert not r["case_filed"] or r["transferred_to_commission"]
    for r in rows_as_dicts(ds, "rectification"):
        assert r["campaign_id"] == "C2026"
        assert date(2026, 3, 1) <= r["found_date"] <= A
        assert 30 <= (r["deadline"] - r["found_date"]).days <= 90
        if r["item_id"] in dirty:
            continue
        assert (r["status"] == "closed") == (r["closed_date"] is not None)
        if r["closed_date"]:
            assert r["found_date"] < r["closed_date"] <= A
    clue_dates = {c[0]: c[4] for c in ds.tables["clue"]}
    linked = [r for r in rows_as_dicts(ds, "rectification") if r["clue_id"]]
    assert linked and all(clue_dates[r["clue_id"]] <= r["found_date"] for r in linked)
    for r in rows_as_dicts(ds, "recipient"):
        assert r["start_date"] <= A
        if r["recipient_id"] in dirty:
            continue
        assert (r["end_date"] is None) <= (r["exit_reason"] is None)
        if r["end_date"] is not None:
            assert r["end_date"] <= A
            assert r["end_date"] == r["start_date"] if r["programme"] == "linshi" else r["end_date"] > r["start_date"]
        assert (r["single_person_household"] is not None) == r["programme"].startswith("dibao")
    for r in rows_as_dicts(ds, "screening"):
        assert date(2025, 1, 1) <= r["screened_date"] <= A
    for r in rows_as_dicts(ds, "crosscheck_hit"):
        assert r["hit_date"] <= A
        assert (r["status"] == "pending") == (r["resolved_date"] is None)
        assert r["resolved_date"] is None or r["hit_date"] <= r["resolved_date"] <= A


def test_deaths_and_exits_agree(ds):
    death: dict[str, date] = {}
    for pid, d, _src in ds.tables["death_record"]:
        death[pid] = min(d, death.get(pid, d))
        assert d <= A
    for r in rows_as_dicts(ds, "recipient"):
        if r["exit_reason"] == "deceased":
            assert r["person_id"] in death and death[r["person_id"]] <= r["end_date"]
    twice = Counter(pid for pid, _d, _s in ds.tables["death_record"])
    assert sum(1 for n in twice.values() if n > 1) >= 10


def test_payments(ds):
    """Paid on the 10th of the month paid for, but in the late district for the third
    quarter's months (early in the next month); the spell's monthly amount; a holder other
    than the recipient for household cards, orphans' guardians and the planted few."""
    rec = {r["recipient_id"]: r for r in rows_as_dicts(ds, "recipient")}
    household_names = {}
    for r in rec.values():
        household_names.setdefault(r["household_id"], set()).add(r["name"])
    planted = ds.manifest["planted"]["payments"]
    odd_holders = set(planted["mismatch_recipients"]) | set(planted["spaced_holder_recipients"]) \
        | set(planted["blank_holder_recipients"])
    cadre_accounts = set(planted["shared_accounts"])
    months = set()
    holders_differ = late = 0
    for p in rows_as_dicts(ds, "payment"):
        r = rec[p["recipient_id"]]
        m = p["pay_month"]
        months.add(m)
        nxt = (m.replace(day=28) + timedelta(days=4)).replace(day=1)
        assert m.day == 1 and p["paid_date"] <= A
        if r["township_code"].startswith("350205") and date(2026, 7, 1) <= m <= date(2026, 9, 1):
            assert nxt <= p["paid_date"] <= nxt + timedelta(days=5)
            late += 1
        else:
            assert p["paid_date"] == m + timedelta(days=9)
        assert p["amount"] == r["monthly_amount"]
        assert r["programme"] in ("dibao_urban", "dibao_rural", "tekun", "orphan", "disability_subsidy")
        assert r["start_date"] < nxt and (r["end_date"] is None or r["end_date"] > m)
        holders_differ += p["account_holder_name"] != r["name"]
        if not (r["programme"] == "orphan" or r["recipient_id"] in odd_holders
                or p["account_id"] in cadre_accounts):
            assert p["account_holder_name"] in household_names[r["household_id"]]
    assert months == {date(2025, 12, 1)} | {date(2026, k, 1) for k in range(1, 12)}
    assert 0.05 * ds.row_counts()["payment"] < holders_differ < 0.3 * ds.row_counts()["payment"]
    assert late > 1000


def test_planted_payment_anomalies(ds):
    """What data.payments says it planted is in the rows: shared accounts paid for 2–3
    households of one township in a holder's name outside them; mismatched holders outside
    the household; blank holders; two accounts for the alternating persons."""
    planted = ds.manifest["planted"]["payments"]
    rec = {r["recipient_id"]: r for r in rows_as_dicts(ds, "recipient")}
    pays = rows_as_dicts(ds, "payment")
    for account, households in planted["shared_accounts"].items():
        paid = [p for p in pays if p["account_id"] == account]
        assert sorted({rec[p["recipient_id"]]["household_id"] for p in paid}) == households
        assert 2 <= len(households) <= 3
        assert {rec[p["recipient_id"]]["township_code"] for p in paid} == {planted["shared_township"]}
        assert all(p["account_holder_name"] != rec[p["recipient_id"]]["name"] for p in paid)
    for rid in planted["mismatch_recipients"]:
        late_holders = {p["account_holder_name"] for p in pays if p["recipient_id"] == rid
                        and p["pay_month"] >= date(2026, 4, 1)}
        assert len(late_holders) == 1 and rec[rid]["name"] not in late_holders
    for rid in planted["blank_holder_recipients"]:
        assert any(p["account_holder_name"] is None for p in pays if p["recipient_id"] == rid)
    by_person = {}
    for p in pays:
        by_person.setdefault(rec[p["recipient_id"]]["person_id"], set()).add(p["account_id"])
    assert all(len(by_person[pid]) == 2 for pid in planted["alternating_accounts_persons"])
    assert len(by_person[planted["account_switch_person"]["person_id"]]) == 2


def test_flows_and_attributes_are_plausible(ds):
    recs = rows_as_dicts(ds, "recipient")
    new = [r for r in recs if r["programme"].startswith("dibao") and r["start_date"] >= date(2025, 1, 1)]
    sph = sum(1 for r in new if r["single_person_household"]) / len(new)
    assert 0.05 <= sph <= 0.12
    for q0 in (date(2025, 7, 1), date(2026, 4, 1), date(2026, 7, 1)):
        q1 = (q0 + timedelta(days=95)).replace(day=1)
        started = sum(1 for r in recs if r["programme"].startswith("dibao") and q0 <= r["start_date"] < q1)
        ended = sum(1 for r in recs if r["programme"].startswith("dibao") and r["end_date"]
                    and q0 <= r["end_date"] < q1)
        assert started > 200 and ended > 150
    staff = sum(1 for r in recs if r["staff_relative"]) / len(recs)
    assert 0.002 <= staff <= 0.01
    names = [r["name"] for r in recs]
    assert {len(n) for n in names} >= {2, 3}
    petitions = rows_as_dicts(ds, "petition")
    closed = [p for p in petitions if p["closed_date"] and p["satisfied"] is not None]
    assert 0.85 <= sum(p["satisfied"] for p in closed) / len(closed) <= 0.95
    on_time = [p["closed_date"] <= p["due_date"] for p in petitions if p["closed_date"]]
    assert 0.8 <= sum(on_time) / len(on_time) <= 0.98
    clues = [c for c in rows_as_dicts(ds, "clue") if c["substantiated"] is not None]
    assert 0.3 <= sum(c["substantiated"] for c in clues) / len(clues) <= 0.45
    # clue 办结率 per township mostly 80–98 %
    rates = [v["concluded_total"] / v["received_total"]
             for v in ds.manifest["clues"]["by_township"].values() if v["received_total"] >= 10]
    assert statistics.median(rates) >= 0.85 and sum(r < 0.8 for r in rates) <= 3


# -- planted truths ------------------------------------------------------------------------
def test_planted_matters(ds):
    planted = ds.manifest["petitions"]["planted_matters"]
    assert [m["petitions"] for m in planted] == [3, 4, 7]
    by_matter = defaultdict(list)
    for p in rows_as_dicts(ds, "petition"):
        by_matter[p["matter_id"]].append(p)
    quarter = lambda d: (d.year, (d.month - 1) // 3)   # noqa: E731
    for m in planted:
        ps = sorted(by_matter[m["matter_id"]], key=lambda p: (p["received_date"], p["petition_id"]))
        assert len(ps) == m["petitions"]
        assert len({p["received_date"] for p in ps}) == len(ps)
        assert ps[0]["township_code"] == m["township_code"]
        assert ps[2]["received_date"].isoformat() == m["third_date"]
        assert len({quarter(p["received_date"]) for p in ps}) >= 2
    three, four, seven = planted
    assert three["third_date"] == "2026-07-01"                      # a quarter's first day
    assert four["received_dates"][1] < "2026-01-01" <= four["third_date"]   # quarter after the 2nd
    assert len(set(seven["petition_township_codes"])) == 2         # later petitions elsewhere
    assert not seven["closed_on_as_of"]


def test_planted_townships_stand_out(ds):
    man = ds.manifest
    pl = man["planted"]
    gaps = man["coverage"]["gap_persons_by_township"]
    assert pl["coverage_gap"]["gap_persons"] == gaps[GAP_TOWNSHIP] == max(gaps.values())
    assert gaps[GAP_TOWNSHIP] >= 2 * sorted(gaps.values())[-2]
    new_q3 = man["petitions"]["new_repeat_matters_2026Q3_by_township"]
    assert pl["repeat_cluster"]["new_repeat_matters_2026Q3"] == new_q3[REPEAT_TOWNSHIP] >= 6
    assert new_q3[REPEAT_TOWNSHIP] >= 2 * max(v for k, v in new_q3.items() if k != REPEAT_TOWNSHIP)
    clues = man["clues"]["by_township"]
    rect = man["rectification"]["by_township"]
    assert clues[OVERDUE_TOWNSHIP]["overdue_total"] == man["clues"]["overdue_township"]["overdue_total"]
    assert clues[OVERDUE_TOWNSHIP]["overdue_total"] >= 2 * max(
        v["overdue_total"] for k, v in clues.items() if k != OVERDUE_TOWNSHIP)
    assert rect[OVERDUE_TOWNSHIP]["overdue_total"] >= 2 * max(
        v["overdue_total"] for k, v in rect.items() if k != OVERDUE_TOWNSHIP)
    assert pl["overdue"]["overdue_clues"] >= 10 and pl["overdue"]["overdue_rectification_items"] >= 10


def test_planted_coverage_edges(ds):
    man = ds.manifest
    cov = man["coverage"]
    pl = man["planted"]
    dead = cov["deceased_still_active"]
    assert dead["count"] == len(pl["deceased_still_active"]) == 4
    assert sorted(d["person_id"] for d in pl["deceased_still_active"]) == dead["person_ids"]
    assert pl["recipient_died_on_as_of"]["person_id"] not in dead["person_ids"]
    assert cov["paid_after_death"]["count"] > 0
    recs = {r["recipient_id"]: r for r in rows_as_dicts(ds, "recipient")}
    assert recs[pl["spell_ending_on_as_of"]["recipient_id"]]["end_date"] == A
    assert recs[pl["spell_starting_on_as_of"]["recipient_id"]]["start_date"] == A
    # the person whose two death rows differ: the earliest one is the death
    two = next(d for d in pl["deceased_still_active"] if len(d["death_rows"]) == 2)
    assert two["death_date"] == min(two["death_rows"])


# -- an independent recomputation of headline figures ----------------------------------------
def test_manifest_figures_recomputed_independently(ds):
    man = ds.manifest
    death: dict[str, date] = {}
    for pid, d, _ in ds.tables["death_record"]:
        death[pid] = min(d, death.get(pid, d))
    recs = rows_as_dicts(ds, "recipient")
    cover = {r["person_id"] for r in recs if r["programme"] in ("dibao_urban", "dibao_rural", "tekun")
             and r["start_date"] <= A and (r["end_date"] is None or A < r["end_date"])}
    assert len(cover) == man["coverage"]["covered_persons_total"]
    # latest screening row by sorting (screening_id breaks ties: fixed width, so text order)
    screens = sorted(rows_as_dicts(ds, "screening"), key=lambda s: (s["screened_date"], s["screening_id"]))
    latest = {s["person_id"]: s for s in screens if s["screened_date"] <= A}
    eligible = [p for p, s in latest.items() if s["assessed_eligible"] is True
                and not (p in death and death[p] <= A)]
    gap = [p for p in eligible if p not in cover]
    assert len(eligible) == man["coverage"]["eligible_persons_total"]
    assert len(gap) == man["coverage"]["gap_persons_total"]
    by_town = Counter(latest[p]["township_code"] for p in gap)
    known = {r[0] for r in ds.tables["region"] if r[2] == "township"}
    assert {k: v for k, v in by_town.items() if k in known} == man["coverage"]["gap_persons_by_township"]
    pl = man["planted"]
    assert pl["screening_same_day_tie"]["person_id"] in gap
    assert pl["screened_died_on_as_of"]["person_id"] not in gap
    assert pl["screened_died_on_as_of"]["person_id"] not in eligible
    assert pl["covered_in_other_township"]["person_id"] not in gap
    assert pl["screened_unknown_code_gap"]["person_id"] in gap
    assert sum(man["coverage"]["gap_persons_by_township"].values()) + sum(
        man["coverage"]["gap_persons_unrecognised_code"].values()) == len(gap)
    # petitions: matters, repeats, new repeats by quarter, unresolved
    matters = defaultdict(list)
    for p in rows_as_dicts(ds, "petition"):
        matters[p["matter_id"]].append(p)
    repeat = [sorted(ps, key=lambda p: (p["received_date"], p["petition_id"]))
              for ps in matters.values() if len(ps) >= 3]
    assert len(repeat) == man["petitions"]["repeat_matters_total"]
    unresolved = [ps for ps in repeat if ps[-1]["closed_date"] is None or ps[-1]["closed_date"] > A]
    assert len(unresolved) == man["petitions"]["unresolved_repeat_matters_total"]
    q = lambda d: f"{d.year}Q{(d.month - 1) // 3 + 1}"   # noqa: E731
    assert dict(Counter(q(ps[2]["received_date"]) for ps in repeat)) == {
        k: v for k, v in man["petitions"]["new_repeat_matters_by_quarter"].items() if v}
    assert dict(Counter(q(p["received_date"]) for p in rows_as_dicts(ds, "petition"))) == \
        man["petitions"]["petitions_by_quarter"]
    # clues and rectification at data_as_of
    clues = rows_as_dicts(ds, "clue")
    done = [c for c in clues if c["concluded_date"] is not None and c["concluded_date"] <= A]
    late = [c for c in clues if c not in done and c["due_date"] < A]
    assert (len(clues), len(done), len(late)) == tuple(
        man["clues"][k] for k in ("received_total", "concluded_total", "overdue_total"))
    items = rows_as_dicts(ds, "rectification")
    closed = [x for x in items if x["closed_date"] is not None and x["closed_date"] <= A]
    overdue = [x for x in items if x not in closed and x["deadline"] < A]
    assert (len(items), len(closed), len(overdue)) == tuple(
        man["rectification"][k] for k in ("items_total", "closed_total", "overdue_total"))
    still_open = Counter(x["status"] for x in items if x not in closed)
    assert {k: v for k, v in man["rectification"]["open_by_status"].items() if v} == dict(still_open)
    # deaths after which payments went on
    person = {r["recipient_id"]: r["person_id"] for r in recs}
    paid = [p for p in rows_as_dicts(ds, "payment")
            if person[p["recipient_id"]] in death and death[person[p["recipient_id"]]] <= A
            and p["pay_month"] > death[person[p["recipient_id"]]] and p["paid_date"] <= A]
    assert len(paid) == man["coverage"]["paid_after_death"]["count"]
    assert round(sum(p["amount"] for p in paid), 2) == man["coverage"]["paid_after_death"]["amount"]


def test_manifest_required_keys(ds):
    man = ds.manifest
    for key in ("data_as_of", "campaign", "row_counts", "seed", "scale", "coverage", "petitions",
                "clues", "rectification", "planted", "dirty"):
        assert key in man
    assert man["data_as_of"] == "2026-11-15" and man["seed"] == 7 and man["scale"] == "demo"
    assert [p["seq"] for p in man["campaign"]["phases"]] == [1, 2, 3, 4]
    assert set(man["petitions"]["new_repeat_matters_by_quarter"]) >= {"2026Q3", "2026Q4"}
    for k in ("coverage_gap_township", "repeat_cluster_township", "overdue_township"):
        assert man["planted"][k] in man["coverage"]["eligible_persons_by_township"]
    json.dumps(man, ensure_ascii=False)


# -- the loader ----------------------------------------------------------------------------
def test_write_sqlite_round_trip(ds, tmp_path):
    from sqlalchemy import create_engine, func, inspect, select
    from queries.schema import RECOMMENDED_INDEXES, petition, recipient

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    write(ds, url)
    write(ds, url)                       # a second run replaces the tables
    engine = create_engine(url)
    with engine.connect() as conn:
        for name, n in ds.row_counts().items():
            assert conn.execute(select(func.count()).select_from(metadata.tables[name])).scalar() == n
        first = conn.execute(select(recipient).order_by(recipient.c.recipient_id).limit(1)).one()
        assert tuple(first)[:10] == ds.tables["recipient"][0][:10]
        assert conn.execute(select(func.max(petition.c.received_date))).scalar() <= A
    names = {ix["name"] for t in ("recipient", "petition", "payment")
             for ix in inspect(engine).get_indexes(t)}
    assert {ix.name for ix in RECOMMENDED_INDEXES
            if ix.table.name in ("recipient", "petition", "payment")} <= names
    engine.dispose()
    assert manifest_path_for(url, "demo") == tmp_path / "demo.manifest.json"
    assert manifest_path_for("postgresql+psycopg://u@h/db", "province").name == "province-postgresql.manifest.json"
