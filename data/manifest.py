"""The manifest: figures computed in plain Python from the generated rows (no SQL).

Each function follows ``shared/spec/metrics.md`` literally, on the rows as they will be in
the database, so the dashboard's SQL can be checked against these numbers:

- dates decide (closed means ``closed_date``/``concluded_date`` <= the day), status only
  splits what is still open on the latest day;
- people, not spells: distinct ``person_id``; the latest screening row on or before the
  day places a person (equal dates: the larger ``screening_id``); the earliest death row
  is the death;
- a matter belongs to the township of its first petition (``received_date``, then
  ``petition_id``) and is closed on the day its last petition received so far is closed;
- the top scope counts every row, whatever its ``township_code``.
"""
from __future__ import annotations

import statistics
from datetime import date, timedelta

from data.payment_truths import payments_section
from queries.schema import metadata

COVER_PROGRAMMES = ("dibao_urban", "dibao_rural", "tekun")
DIBAO = ("dibao_urban", "dibao_rural")
REPEAT_THRESHOLD = 3


def _ix(table: str) -> dict[str, int]:
    return {c.name: i for i, c in enumerate(metadata.tables[table].columns)}


R = _ix("recipient")
S = _ix("screening")
P = _ix("petition")
C = _ix("clue")
X = _ix("rectification")
PM = _ix("payment")


def quarter_of(d: date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def quarter_span(key: str, data_as_of: date) -> tuple[date, date]:
    """First day and as-of day of a quarter (cut at data_as_of)."""
    y, q = int(key[:4]), int(key[-1])
    start = date(y, 3 * q - 2, 1)
    end = (date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)) - timedelta(days=1)
    return start, min(end, data_as_of)


def quarters(first: date, last: date) -> list[str]:
    out, y, q = [], first.year, (first.month - 1) // 3 + 1
    while (y, q) <= (last.year, (last.month - 1) // 3 + 1):
        out.append(f"{y}Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


# ---------------------------------------------------------------------------------------
class Facts:
    """Indexes over a Dataset's rows, built once, for figures at any as-of day."""

    def __init__(self, tables: dict[str, list[tuple]]):
        self.t = tables
        self.township_codes = {r[0] for r in tables["region"] if r[2] == "township"}
        self.region_codes = {r[0] for r in tables["region"]}
        self.death: dict[str, date] = {}
        for pid, d, _src in tables["death_record"]:
            if pid not in self.death or d < self.death[pid]:
                self.death[pid] = d
        self.matters: dict[str, list[tuple]] = {}
        for p in tables["petition"]:
            self.matters.setdefault(p[P["matter_id"]], []).append(
                (p[P["received_date"]], p[P["petition_id"]], p[P["township_code"]], p[P["closed_date"]]))
        for ps in self.matters.values():
            ps.sort(key=lambda x: (x[0], x[1]))
        self._active: dict = {}
        self._coverage: dict = {}
        self.person_of_recipient = {r[R["recipient_id"]]: r[R["person_id"]] for r in tables["recipient"]}

    # -- coverage ------------------------------------------------------------------------
    def active(self, as_of: date, programmes=None) -> set[str]:
        """Persons with a spell active on ``as_of`` (start <= day < end), of ``programmes``."""
        key = (as_of, None if programmes is None else tuple(programmes))
        if key not in self._active:
            anyp, cover, dibao = set(), set(), set()
            sd, ed, pr, pe = R["start_date"], R["end_date"], R["programme"], R["person_id"]
            for r in self.t["recipient"]:
                if r[sd] <= as_of and (r[ed] is None or r[ed] > as_of):
                    anyp.add(r[pe])
                    if r[pr] in COVER_PROGRAMMES:
                        cover.add(r[pe])
                        if r[pr] in DIBAO:
                            dibao.add(r[pe])
            self._active[(as_of, None)] = anyp
            self._active[(as_of, COVER_PROGRAMMES)] = cover
            self._active[(as_of, DIBAO)] = dibao
        if key not in self._active:          # another programme set: compute it directly
            self._active[key] = {r[R["person_id"]] for r in self.t["recipient"]
                                 if r[R["start_date"]] <= as_of
                                 and (r[R["end_date"]] is None or r[R["end_date"]] > as_of)
                                 and r[R["programme"]] in programmes}
        return self._active[key]

    def latest_screening(self, as_of: date) -> dict[str, tuple]:
        latest: dict[str, tuple] = {}
        for s in self.t["screening"]:
            d = s[S["screened_date"]]
            if d > as_of:
                continue
            pid = s[S["person_id"]]
            key = (d, s[S["screening_id"]])
            cur = latest.get(pid)
            if cur is None or key > cur[0]:
                latest[pid] = (key, s[S["township_code"]], s[S["assessed_eligible"]], s[S["category"]])
        return latest

    def coverage(self, as_of: date) -> dict:
        if as_of not in self._coverage:
            self._coverage[as_of] = self._coverage_uncached(as_of)
        return self._coverage[as_of]

    def _coverage_uncached(self, as_of: date) -> dict:
        covered = self.active(as_of, COVER_PROGRAMMES)
        latest = self.latest_screening(as_of)
        eligible: dict[str, tuple] = {}
        for pid, (key, code, elig, _cat) in latest.items():
            if elig is True and not (pid in self.death and self.death[pid] <= as_of):
                eligible[pid] = (code, key[0])
        gap = {pid: v for pid, v in eligible.items() if pid not in covered}
        active_any = self.active(as_of)
        death = self.death
        dead_active = sorted(p for p, d in death.items() if d < as_of and p in active_any)
        return {"covered": covered, "eligible": eligible, "gap": gap, "dead_active": dead_active,
                "dead_active_cover": sorted(p for p in dead_active if p in covered)}

    def paid_after_death(self, as_of: date) -> tuple[int, float]:
        n, amount = 0, 0.0
        for p in self.t["payment"]:
            pid = self.person_of_recipient.get(p[PM["recipient_id"]])
            d = self.death.get(pid)
            if d is None or d > as_of:
                continue
            pm, paid = p[PM["pay_month"]], p[PM["paid_date"]]
            if (pm.year, pm.month) > (d.year, d.month) and paid is not None and paid <= as_of:
                n += 1
                amount += p[PM["amount"]]
        return n, round(amount, 2)

    # -- petitions -----------------------------------------------------------------------
    def repeat_stock(self, as_of: date) -> tuple[int, int, list[str]]:
        repeat = 0
        unresolved: list[str] = []
        for mid, ps in self.matters.items():
            got = [p for p in ps if p[0] <= as_of]
            if len(got) >= REPEAT_THRESHOLD:
                repeat += 1
                closed = got[-1][3]
                if closed is None or closed > as_of:
                    unresolved.append(mid)
        return repeat, len(unresolved), sorted(unresolved)

    def new_repeat(self, start: date, end: date, township: str | None = None) -> int:
        n = 0
        for ps in self.matters.values():
            if len(ps) >= REPEAT_THRESHOLD and start <= ps[REPEAT_THRESHOLD - 1][0] <= end:
                if township is None or ps[0][2] == township:
                    n += 1
        return n

    def new_repeat_by_township(self, start: date, end: date) -> dict[str, int]:
        out: dict[str, int] = {}
        for ps in self.matters.values():
            if len(ps) >= REPEAT_THRESHOLD and start <= ps[REPEAT_THRESHOLD - 1][0] <= end:
                out[ps[0][2]] = out.get(ps[0][2], 0) + 1
        return dict(sorted(out.items()))

    def petitions_in(self, start: date, end: date) -> int:
        rd = P["received_date"]
        return sum(1 for p in self.t["petition"] if start <= p[rd] <= end)

    # -- clues and rectification ---------------------------------------------------------
    _CLUE_STOCK = ("received_total", "concluded_total", "overdue_total")
    _RECT_STOCK = ("items_total", "closed_total", "overdue_total")

    def clue_stock_by_township(self, as_of: date) -> dict[str, dict[str, int]]:
        return _stock_by_township(self.t["clue"], as_of, self._CLUE_STOCK, C["township_code"],
                                  C["received_date"], C["concluded_date"], C["due_date"])

    def rect_stock_by_township(self, as_of: date) -> dict[str, dict[str, int]]:
        return _stock_by_township(self.t["rectification"], as_of, self._RECT_STOCK,
                                  X["township_code"], X["found_date"], X["closed_date"],
                                  X["deadline"])

    def clue_stock(self, as_of: date, township: str | None = None) -> dict[str, int]:
        return _stock_of(self.clue_stock_by_township(as_of), self._CLUE_STOCK, township)

    def rect_stock(self, as_of: date, township: str | None = None) -> dict[str, int]:
        return _stock_of(self.rect_stock_by_township(as_of), self._RECT_STOCK, township)

    def open_by_status(self, as_of: date) -> dict[str, int]:
        out = {"open": 0, "in_progress": 0, "done": 0}
        for x in self.t["rectification"]:
            if x[X["found_date"]] > as_of:
                continue
            cd = x[X["closed_date"]]
            if cd is None or cd > as_of:
                st = x[X["status"]]
                out[st] = out.get(st, 0) + 1
        return out

    # -- data quality --------------------------------------------------------------------
    def dirty(self) -> dict:
        unknown: dict[str, list[str]] = {}
        for table in ("recipient", "screening", "crosscheck_hit", "petition", "clue", "rectification"):
            ix = _ix(table)
            key = list(ix)[0]
            for r in self.t[table]:
                if r[ix["township_code"]] not in self.region_codes:
                    unknown.setdefault(table, []).append(r[ix[key]])
        order: dict[str, list[str]] = {}
        for table, a, b in (("petition", "received_date", "closed_date"),
                            ("clue", "received_date", "concluded_date"),
                            ("rectification", "found_date", "closed_date"),
                            ("recipient", "start_date", "end_date")):
            ix = _ix(table)
            key = list(ix)[0]
            for r in self.t[table]:
                if r[ix[b]] is not None and r[ix[b]] < r[ix[a]]:
                    order.setdefault(table, []).append(r[ix[key]])
        status: dict[str, list[str]] = {}
        for table, col, done in (("petition", "closed_date", "closed"),
                                 ("clue", "concluded_date", "concluded"),
                                 ("rectification", "closed_date", "closed")):
            ix = _ix(table)
            key = list(ix)[0]
            for r in self.t[table]:
                if (r[ix["status"]] == done) != (r[ix[col]] is not None):
                    status.setdefault(table, []).append(r[ix[key]])
        return {"unknown_township_code": unknown, "dates_out_of_order": order,
                "status_contradicts_date": status}


# ---------------------------------------------------------------------------------------
def _median(values: list[int]) -> dict:
    if not values:
        return {"low": None, "high": None}
    return {"low": statistics.median_low(values), "high": statistics.median_high(values)}


def coverage_section(f: Facts, as_of: date, with_townships: bool = True) -> dict:
    cov = f.coverage(as_of)
    gap_by, unrec, elig_by = {}, {}, {}
    for pid, (code, _d) in cov["gap"].items():
        if code in f.township_codes:
            gap_by[code] = gap_by.get(code, 0) + 1
        else:
            unrec[code] = unrec.get(code, 0) + 1
    for pid, (code, _d) in cov["eligible"].items():
        if code in f.township_codes:
            elig_by[code] = elig_by.get(code, 0) + 1
    waits = sorted((as_of - d).days for _code, d in cov["gap"].values())
    n_pay, amount = f.paid_after_death(as_of)
    out = {
        "as_of": as_of.isoformat(),
        "gap_persons_total": len(cov["gap"]),
        "eligible_persons_total": len(cov["eligible"]),
        "covered_persons_total": len(cov["covered"]),
        "dibao_persons_total": len(f.active(as_of, DIBAO)),
        "gap_persons_unrecognised_code": dict(sorted(unrec.items())),
        "waiting_days_median": _median(waits),
        "waiting_over_30_days": sum(1 for w in waits if w > 30),
        "deceased_still_active": {"count": len(cov["dead_active"]), "person_ids": cov["dead_active"]},
        "paid_after_death": {"count": n_pay, "amount": amount},
    }
    if with_townships:
        out["gap_persons_by_township"] = dict(sorted(gap_by.items()))
        out["eligible_persons_by_township"] = dict(sorted(elig_by.items()))
    return out


def petitions_section(f: Facts, as_of: date, data_start: date) -> dict:
    repeat, unresolved, _ids = f.repeat_stock(as_of)
    qs = quarters(data_start, as_of)
    by_q, new_q = {}, {}
    for q in qs:
        s, e = quarter_span(q, as_of)
        by_q[q] = f.petitions_in(s, e)
        new_q[q] = f.new_repeat(s, e)
    q3s, q3e = quarter_span("2026Q3", as_of)
    return {
        "repeat_threshold": REPEAT_THRESHOLD,
        "petitions_total": len(f.t["petition"]),
        "matters_total": len(f.matters),
        "repeat_matters_total": repeat,
        "unresolved_repeat_matters_total": unresolved,
        "petitions_by_quarter": by_q,
        "new_repeat_matters_by_quarter": new_q,
        "new_repeat_matters_2026Q3_by_township": f.new_repeat_by_township(q3s, q3e),
        "new_repeat_matters_campaign": f.new_repeat(date(2026, 3, 1), as_of),
    }


def planted_matter(f: Facts, mid: str, as_of: date) -> dict:
    ps = f.matters[mid]
    last_closed = ps[-1][3]
    return {"matter_id": mid, "petitions": len(ps), "township_code": ps[0][2],
            "first_date": ps[0][0].isoformat(),
            "third_date": ps[2][0].isoformat() if len(ps) >= 3 else None,
            "last_date": ps[-1][0].isoformat(),
            "received_dates": [p[0].isoformat() for p in ps],
            "petition_township_codes": [p[2] for p in ps],
            "quarter_of_third": quarter_of(ps[2][0]) if len(ps) >= 3 else None,
            "closed_on_as_of": last_closed is not None and last_closed <= as_of}


def build_manifest(ds, planted: dict, dirty_ids: dict, towns: dict, *, campaign: dict,
                   data_as_of: date) -> dict:
    f = Facts(ds.tables)
    A = data_as_of
    province = ds.scale != "demo"
    cov = coverage_section(f, A)
    pet = petitions_section(f, A, date(2024, 1, 1))
    zero_c = {"received_total": 0, "concluded_total": 0, "overdue_total": 0}
    zero_r = {"items_total": 0, "closed_total": 0, "overdue_total": 0}
    cb, rb = f.clue_stock_by_township(A), f.rect_stock_by_township(A)
    clue_by = {code: cb.get(code, dict(zero_c)) for code in sorted(f.township_codes)}
    rect_by = {code: rb.get(code, dict(zero_r)) for code in sorted(f.township_codes)}
    q3s, q3e = quarter_span("2026Q3", A)
    dirty = f.dirty()
    planted_ids = {k: {t: sorted(v) for t, v in d.items()} for k, d in dirty_ids.items()}
    found_ids = {k: {t: sorted(v) for t, v in d.items()} for k, d in dirty.items()}
    if planted_ids != found_ids:
        raise RuntimeError(f"unplanted dirty rows: planted {planted_ids} found {found_ids}")

    def town_figures(code: str) -> dict:
        return {"township_code": code,
                "gap_persons": cov["gap_persons_by_township"].get(code, 0),
                "eligible_persons": cov["eligible_persons_by_township"].get(code, 0),
                "new_repeat_matters_2026Q3": f.new_repeat(q3s, q3e, code),
                "overdue_clues": clue_by[code]["overdue_total"],
                "overdue_rectification_items": rect_by[code]["overdue_total"]}

    stocks = {}
    for day in (date(2026, 6, 30), date(2026, 8, 15), date(2026, 9, 30), A):
        c = f.coverage(day)
        rep, unres, _ = f.repeat_stock(day)
        stocks[day.isoformat()] = {
            "gap_persons_total": len(c["gap"]), "eligible_persons_total": len(c["eligible"]),
            "covered_persons_total": len(c["covered"]),
            "deceased_still_active": len(c["dead_active"]),
            "repeat_matters_total": rep, "unresolved_repeat_matters_total": unres,
            "clues": f.clue_stock(day), "rectification": f.rect_stock(day)}

    pl_matters = [planted_matter(f, mid, A) for mid in planted.get("matters", [])]
    pay = planted.get("payments")
    man = {
        "scale": ds.scale,
        "seed": ds.seed,
        "payments": ds.payments,
        "data_as_of": A.isoformat(),
        "loaded_at": dict(ds.tables["meta"]).get("loaded_at"),
        "source_note": dict(ds.tables["meta"]).get("source_note"),
        "campaign": {"id": campaign["id"], "name": campaign["name"],
                     "start": campaign["start"].isoformat(), "end": campaign["end"].isoformat(),
                     "phases": [{"seq": s, "name": n, "start": a.isoformat(), "end": b.isoformat()}
                                for s, n, a, b in campaign["phases"]]},
        "row_counts": ds.row_counts(),
        "coverage": cov,
        "petitions": {**pet, "planted_matters": pl_matters,
                      "repeat_cluster_matters": [planted_matter(f, m, A)
                                                 for m in planted.get("repeat_cluster", [])]},
        "clues": {**f.clue_stock(A),
                  "overdue_township": {"township_code": towns["overdue"],
                                       **f.clue_stock(A, towns["overdue"])}},
        "rectification": {**f.rect_stock(A),
                          "overdue_township": {"township_code": towns["overdue"],
                                               **f.rect_stock(A, towns["overdue"])},
                          "open_by_status": f.open_by_status(A)},
        "planted": {
            "coverage_gap_township": towns["gap"],
            "repeat_cluster_township": towns["repeat"],
            "overdue_township": towns["overdue"],
            "coverage_gap": town_figures(towns["gap"]),
            "repeat_cluster": town_figures(towns["repeat"]),
            "overdue": town_figures(towns["overdue"]),
            **{k: v for k, v in planted.items() if k not in ("matters", "repeat_cluster")},
        },
        "dirty": {kind: {t: len(v) for t, v in d.items()} for kind, d in found_ids.items()},
        "payment_figures": None if not pay else payments_section(
            ds.tables, f.death, {"campaign": (campaign["start"], A), "2026Q3": (q3s, q3e),
                                 "2026Q4": quarter_span("2026Q4", A)},
            sorted({pay["late_district"], pay["shared_township"], pay["shared_township"][:6]}
                   | ({r[0] for r in ds.tables["region"] if r[2] in ("district", "township")}
                      if not province else set()))),
        "dirty_ids": found_ids,
        "stocks_by_as_of": stocks,
        "notes": NOTES,
    }
    if not province:
        man["clues"]["by_township"] = clue_by
        man["rectification"]["by_township"] = rect_by
    return man


NOTES = [
    "All figures follow shared/spec/metrics.md on the rows as written; whole-city figures count every row whatever its township_code.",
    "coverage.eligible_persons_total (漏保率 denominator) = persons whose latest screening row on or before as-of has assessed_eligible = true, with no death on or before as-of (the 漏保 definition without the spell condition).",
    "coverage.gap_persons_by_township keys are township codes present in region; persons whose deciding screening row carries an unknown code are in gap_persons_unrecognised_code (and in gap_persons_total).",
    "coverage.deceased_still_active counts persons with an active spell of any programme whose earliest death_date is strictly before as-of; in this data every such spell is dibao/tekun, so restricting to those programmes gives the same count.",
    "coverage.paid_after_death: payments whose pay_month is in a later calendar month than the person's earliest death (death <= as-of, paid_date <= as-of), joined payment.recipient_id -> recipient.person_id.",
    "coverage.waiting_days_median gives the lower and upper median (the two middle values for an even count).",
    "petitions: a repeat matter has >= 3 petitions received on or before the day; its 3rd petition (ordered by received_date, petition_id) dates 新增; it is unresolved when its last petition received so far has no closed_date <= the day. Petitions of one matter never share a received_date.",
    "petitions_by_quarter and new_repeat_matters_by_quarter run over each quarter's full span, 2026Q4 up to 2026-11-15.",
    "clues: received_total = received_date <= as-of; concluded_total = of those, concluded_date <= as-of (whatever the status); overdue_total = of those not concluded, due_date < as-of.",
    "rectification: items_total = found_date <= as-of; closed_total = closed_date <= as-of (whatever the status); overdue_total = not closed and deadline < as-of (status done included). open_by_status splits the unclosed items by status; an item with status 'closed' but no closed_date is unclosed and appears there under 'closed'.",
    "dirty: unknown_township_code = township_code not in region; dates_out_of_order = closed/concluded/end date before received/found/start date; status_contradicts_date = (status is closed/concluded) differs from (closing date is not null).",
    "stocks_by_as_of gives stock figures on other as-of days; fields without a date of their own (assessed_eligible, substantiated, disposed) are taken as they are now.",
]


def _stock_by_township(rows, as_of: date, names: tuple[str, str, str], town: int, opened: int,
                       closed: int, due: int) -> dict[str, dict[str, int]]:
    """The stock rule for clues and items, once: opened (received/found) by the as-of day;
    closed (concluded) by it — dates decide; otherwise overdue when due before it."""
    total, done, overdue = names
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        if r[opened] > as_of:
            continue
        st = out.setdefault(r[town], {total: 0, done: 0, overdue: 0})
        st[total] += 1
        if r[closed] is not None and r[closed] <= as_of:
            st[done] += 1
        elif r[due] is not None and r[due] < as_of:
            st[overdue] += 1
    return out


def _stock_of(by_township: dict, names: tuple[str, str, str], township: str | None) -> dict[str, int]:
    """One township's stock, or the whole city's (every row, whatever its code)."""
    if township is not None:
        return dict(by_township.get(township, dict.fromkeys(names, 0)))
    return {n: sum(st[n] for st in by_township.values()) for n in names}
