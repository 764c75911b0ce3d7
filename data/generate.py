"""Deterministic demonstration data for the reporting database, with a manifest of truths.

    python -m data.generate [--url URL] [--scale demo|province] [--seed 7]
                            [--no-payments | --payments] [--manifest PATH]

``generate(scale, seed, payments)`` is pure: it returns a :class:`Dataset` (every row of
every contract table, as tuples in the column order of ``queries.schema``, plus the
manifest) without touching a database. ``write(dataset, url)`` (re)creates the contract
tables at ``url``, bulk-loads the rows, builds the recommended indexes and runs ANALYZE.

The manifest (``data/demo.manifest.json`` beside ``data/demo.sqlite``) states the planted
truths and the headline figures, computed in plain Python from the rows themselves
(``data.manifest``) following ``shared/spec/metrics.md``: the SQL layer is tested
against it. Same seed, same rows, byte for byte: all randomness comes from one local
``random.Random(seed)`` and every date is relative to fixed days, never the clock.
"""
from __future__ import annotations

import argparse
import bisect
import csv
import hashlib
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from data import manifest as mf
from data.payments import PaymentPlan
from data.names import PLACE_FIRST, PLACE_SECOND, RECT_DESCRIPTIONS, fake_name, surname_of

GEO_DIR = Path(__file__).resolve().parent / "geo"

DATA_AS_OF = date(2026, 11, 15)
LOADED_AT = "2026-11-16 02:00:00"
SOURCE_NOTE = "demo"
CAMPAIGN_ID = "C2026"
CAMPAIGN_NAME = "2026年社会救助领域群众身边不正之风和腐败问题专项整治"
CAMPAIGN_START = date(2026, 3, 1)
CAMPAIGN_END = date(2026, 12, 31)
PHASES = (
    (1, "自查自纠", date(2026, 3, 1), date(2026, 4, 30)),
    (2, "全面检查", date(2026, 5, 1), date(2026, 7, 31)),
    (3, "重点抽查", date(2026, 7, 15), date(2026, 9, 30)),   # overlaps phase 2 on purpose
    (4, "整改深化", date(2026, 10, 1), date(2026, 12, 31)),
)
PAY_MONTHS = tuple(date(2025 + (11 + i) // 12, (11 + i) % 12 + 1, 1) for i in range(12))  # 2025-12 .. 2026-11
PETITION_START = date(2024, 1, 1)
CLUE_START = date(2024, 1, 1)
SCREEN_START = date(2025, 1, 1)
SPELL_START = date(2015, 1, 1)
EXIT_START = date(2024, 1, 1)

UNKNOWN_CODES = ("350299001", "350203099")   # no such district / no such township in 思明区

# The planted townships (real codes of 厦门市, present at both scales).
GAP_TOWNSHIP = "350212109"        # 汀溪镇: a large 漏保 cluster
REPEAT_TOWNSHIP = "350206003"     # 禾山街道: new repeat matters in 2026Q3
OVERDUE_TOWNSHIP = "350213103"    # 新圩镇: overdue clues and rectification items
PLANTED_TOWNSHIPS = (GAP_TOWNSHIP, REPEAT_TOWNSHIP, OVERDUE_TOWNSHIP)

DIBAO = ("dibao_urban", "dibao_rural")
PAID_PROGRAMMES = ("dibao_urban", "dibao_rural", "tekun", "orphan", "disability_subsidy")

# ---------------------------------------------------------------------------------------
# dates as ordinals, with shared date objects (millions of rows at province scale)
_D0 = date(2014, 1, 1).toordinal()
_DATES = [date.fromordinal(o) for o in range(_D0, date(2028, 12, 31).toordinal() + 1)]
AS_OF = DATA_AS_OF.toordinal()


def D(o: int) -> date:
    return _DATES[o - _D0]


def O(d: date) -> int:
    return d.toordinal()


def _month_first(o: int) -> int:
    d = D(o)
    return date(d.year, d.month, 1).toordinal()


# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sizes:
    """Parametrised sizes: the same code builds the demo and the province benchmark."""
    active_dibao: int          # persons in long-running dibao households (active on data_as_of)
    ended_dibao: int           # persons in dibao households that exited 2024..2026
    deceased_dibao: int        # single-person dibao spells ended by death
    active_tekun: int
    tekun_from_dibao: int      # of active_tekun, persons who had a dibao spell before
    deceased_tekun: int
    linshi: int
    orphan: int
    disability: int
    screened_persons: int
    unrelated_deaths: int
    death_duplicates: int
    petitions: int
    repeat_profile: tuple      # weights for 1..10 petitions per matter
    clues: int
    rectification: int
    crosscheck_hits: int
    townships: int             # only for the synthetic province geography
    payments_default: bool


SIZES = {
    "demo": Sizes(active_dibao=12_300, ended_dibao=2_300, deceased_dibao=450, active_tekun=1_350,
                  tekun_from_dibao=150, deceased_tekun=220, linshi=1_000, orphan=120,
                  disability=500, screened_persons=7_000, unrelated_deaths=150,
                  death_duplicates=40, petitions=6_000,
                  repeat_profile=(800, 110, 45, 20, 9, 6, 4, 3, 2, 1), clues=1_500,
                  rectification=1_200, crosscheck_hits=400, townships=45,
                  payments_default=True),
    "province": Sizes(active_dibao=920_000, ended_dibao=170_000, deceased_dibao=34_000,
                      active_tekun=100_000, tekun_from_dibao=11_000, deceased_tekun=16_000,
                      linshi=75_000, orphan=9_000, disability=37_000, screened_persons=300_000,
                      unrelated_deaths=38_000, death_duplicates=3_000, petitions=400_000,
                      repeat_profile=(640, 190, 75, 40, 20, 14, 8, 6, 4, 3), clues=80_000,
                      rectification=60_000, crosscheck_hits=30_000, townships=1_200,
                      payments_default=False),
}


@dataclass
class Township:
    code: str
    name: str
    district: str
    district_name: str
    is_town: bool          # 镇/乡 (rural) rather than 街道
    suburban: bool         # a 街道 with villages (not in the old city)
    population: int = 0
    lon: float = 0.0
    lat: float = 0.0
    q: float = 1.0         # overall quality: > 1 worse
    gap_prob: float = 0.07
    pet_ontime: float = 0.92
    clue_stuck: float = 0.015
    clue_ontime: float = 0.9
    rect_stuck: float = 0.03


@dataclass
class Dataset:
    """All rows of one generated database, and its manifest.

    ``tables[name]`` is a list of tuples in the column order of ``queries.schema``'s table
    of that name (dates as ``datetime.date``, booleans as bool/None, amounts as float).
    """
    scale: str
    seed: int
    payments: bool
    tables: dict[str, list[tuple]]
    manifest: dict = field(default_factory=dict)

    def rows(self, table: str) -> list[tuple]:
        return self.tables[table]

    @staticmethod
    def columns(table: str) -> list[str]:
        from queries.schema import metadata
        return [c.name for c in metadata.tables[table].columns]

    def frame(self, table: str):
        """The rows of one table as a pandas DataFrame (for DuckDB or pandas benchmarks)."""
        import pandas as pd
        return pd.DataFrame.from_records(self.tables[table], columns=self.columns(table))

    def row_counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}

    def digest(self) -> str:
        """sha256 over every row of every table (and the manifest): equal for equal seeds."""
        h = hashlib.sha256()
        for name, rows in self.tables.items():
            h.update(name.encode())
            for r in rows:
                h.update(repr(r).encode())
                h.update(b"\n")
        h.update(json.dumps(self.manifest, ensure_ascii=False, sort_keys=True).encode())
        return h.hexdigest()


class _Sampler:
    """Weighted choice by bisection over cumulative weights (fast, deterministic)."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = []
        acc = 0.0
        for w in weights:
            acc += w
            self.cum.append(acc)
        self.total = acc

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _day_sampler(start: date, end: date, weight) -> _Sampler:
    days = range(O(start), O(end) + 1)
    return _Sampler(days, [weight(D(o)) for o in days])


_SPRING_FESTIVAL = (date(2024, 2, 10), date(2025, 1, 29), date(2026, 2, 17))


def _petition_weight(d: date) -> float:
    w = 1.0 if d.weekday() < 5 else 0.55
    w *= {2024: 1.0, 2025: 1.06, 2026: 1.12}.get(d.year, 1.0)
    if any(abs((d - sf).days) <= 25 for sf in _SPRING_FESTIVAL):
        w *= 1.5
    if d.month in (6, 7):
        w *= 1.25
    if CAMPAIGN_START <= d <= CAMPAIGN_END:
        w *= 1.3
    return w


def _clue_weight(d: date) -> float:
    w = 1.0 if d.weekday() < 5 else 0.3
    w *= {2024: 1.0, 2025: 1.15}.get(d.year, 1.0)
    if CAMPAIGN_START <= d <= CAMPAIGN_END:
        w *= 2.6
    elif d.year == 2026:
        w *= 1.3
    return w


def _screen_weight(d: date) -> float:
    w = 1.0 if d.weekday() < 5 else 0.2
    if CAMPAIGN_START <= d <= date(2026, 4, 30):
        w *= 2.4          # 摸底排查 in 自查自纠
    elif CAMPAIGN_START <= d:
        w *= 1.5
    return w


def _rect_weight(d: date) -> float:
    w = 0.0
    if date(2026, 3, 1) <= d <= date(2026, 4, 30):
        w += 3.0
    if date(2026, 5, 1) <= d <= date(2026, 7, 31):
        w += 1.6
    if date(2026, 7, 15) <= d <= date(2026, 9, 30):
        w += 1.3
    if d >= date(2026, 10, 1):
        w += 0.7
    return w * (1.0 if d.weekday() < 5 else 0.25)


def _start_weight(d: date) -> float:
    return {2015: 3, 2016: 3.5, 2017: 4, 2018: 5, 2019: 6, 2020: 7.5, 2021: 8, 2022: 8.5,
            2023: 9, 2024: 9, 2025: 7, 2026: 6}.get(d.year, 1)


def _exit_weight(d: date) -> float:
    w = {2024: 1.0, 2025: 1.1, 2026: 1.1}.get(d.year, 0.0)
    if CAMPAIGN_START <= d:
        w *= 1.6          # 清退 during the campaign
    return w


# ---------------------------------------------------------------------------------------
# geography
_DEMO_DISTRICT_POP = {"350203": 960_000, "350205": 330_000, "350206": 720_000,
                      "350211": 560_000, "350212": 620_000, "350213": 480_000}
_OLD_CITY = ("350203", "350206")
CITY_POINT = (118.09, 24.48)


def _xiamen(rng: random.Random) -> tuple[list[tuple], list[Township]]:
    """The real 厦门市: city, 6 districts, 45 townships (codes, names, label points)."""
    districts = {f["properties"]["code"]: f["properties"] for f in
                 json.loads((GEO_DIR / "xiamen_districts.geojson").read_text("utf-8"))["features"]}
    labels = {f["properties"]["code"]: f["properties"] for f in
              json.loads((GEO_DIR / "townships_demo.geojson").read_text("utf-8"))["features"]}
    with open(GEO_DIR / "xiamen_townships.csv", encoding="utf-8") as fh:
        trows = list(csv.DictReader(fh))
    towns: list[Township] = []
    for r in trows:
        lab = labels[r["code"]]
        towns.append(Township(r["code"], r["name"], r["district_code"], r["district"],
                              is_town=r["name"].endswith(("镇", "乡")),
                              suburban=r["district_code"] not in _OLD_CITY,
                              lon=lab["label_lon"], lat=lab["label_lat"]))
    for dcode, dpop in _DEMO_DISTRICT_POP.items():
        _split_population(rng, [t for t in towns if t.district == dcode], dpop)
    dist_rows = []
    for dcode in sorted(districts):
        p = districts[dcode]
        dist_rows.append((dcode, p["name"], "district", "350200", p["label_lon"], p["label_lat"],
                          _DEMO_DISTRICT_POP[dcode]))
    return dist_rows, towns


def _split_population(rng: random.Random, towns: list[Township], total: int) -> None:
    weights = [rng.uniform(0.55, 1.5) * (0.6 if t.is_town else 1.0) for t in towns]
    s = sum(weights)
    left = total
    for i, t in enumerate(towns):
        if i == len(towns) - 1:
            t.population = left
        else:
            t.population = int(round(total * weights[i] / s, -2))
            left -= t.population


def _regions_demo(rng: random.Random) -> tuple[list[tuple], list[Township]]:
    dist_rows, towns = _xiamen(rng)
    city = ("350200", "厦门市", "city", None, CITY_POINT[0], CITY_POINT[1],
            sum(_DEMO_DISTRICT_POP.values()))
    rows = [city] + dist_rows + [(t.code, t.name, "township", t.district, t.lon, t.lat, t.population)
                                 for t in towns]
    return rows, towns


_CITIES = (("350100", "福州市", 119.30, 26.08), ("350200", "厦门市", 118.09, 24.48),
           ("350300", "莆田市", 119.01, 25.45), ("350400", "三明市", 117.64, 26.26),
           ("350500", "泉州市", 118.68, 24.87), ("350600", "漳州市", 117.65, 24.51),
           ("350700", "南平市", 118.12, 27.33), ("350800", "龙岩市", 117.02, 25.08),
           ("350900", "宁德市", 119.55, 26.67))


def _regions_province(rng: random.Random, n_townships: int) -> tuple[list[tuple], list[Township]]:
    """福建省 with 9 cities; 厦门市 real, the other cities synthetic (about 90 districts)."""
    xm_dist_rows, xm_towns = _xiamen(rng)
    rows: list[tuple] = []
    towns: list[Township] = []
    city_rows = []
    other = [c for c in _CITIES if c[0] != "350200"]
    n_left = n_townships - len(xm_towns)
    n_dists = [11 if i % 2 == 0 else 10 for i in range(len(other))]     # 84 + 6 = 90
    total_d = sum(n_dists)
    per_district = [n_left // total_d] * total_d
    for i in range(n_left - sum(per_district)):
        per_district[i * 7 % total_d] += 1
    di = 0
    for (ccode, cname, clon, clat), nd in zip(other, n_dists):
        cpop = 0
        names_used: set[str] = set()
        for k in range(nd):
            dcode = ccode[:4] + f"{k + 2:02d}"
            is_county = k >= 4
            while True:
                dname = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND) + ("县" if is_county else "区")
                if dname not in names_used:
                    names_used.add(dname)
                    break
            dlon, dlat = clon + rng.uniform(-0.45, 0.45), clat + rng.uniform(-0.35, 0.35)
            dpop = int(round(rng.uniform(220_000, 900_000), -3))
            cpop += dpop
            rows.append((dcode, dname, "district", ccode, round(dlon, 5), round(dlat, 5), dpop))
            nt = per_district[di]
            di += 1
            n_street = max(1, int(nt * (0.12 if is_county else 0.4)))
            tnames: set[str] = set()
            dtowns = []
            for j in range(nt):
                street = j < n_street
                suffix = "街道" if street else ("乡" if j % 6 == 5 else "镇")
                num = j + 1 if street else 100 + (j - n_street) + 1
                while True:
                    tname = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND) + suffix
                    if tname not in tnames:
                        tnames.add(tname)
                        break
                dtowns.append(Township(f"{dcode}{num:03d}", tname, dcode, dname, is_town=not street,
                                       suburban=is_county or not street,
                                       lon=round(dlon + rng.uniform(-0.12, 0.12), 5),
                                       lat=round(dlat + rng.uniform(-0.1, 0.1), 5)))
            _split_population(rng, dtowns, dpop)
            towns.extend(dtowns)
        city_rows.append((ccode, cname, "city", "350000", clon, clat, cpop))
    xm_pop = sum(_DEMO_DISTRICT_POP.values())
    city_rows.insert(1, ("350200", "厦门市", "city", "350000", CITY_POINT[0], CITY_POINT[1], xm_pop))
    rows = [("350000", "福建省", "province", None, 119.30, 26.08,
             sum(r[6] for r in city_rows))] + city_rows + xm_dist_rows + rows
    towns = xm_towns + towns
    rows += [(t.code, t.name, "township", t.district, t.lon, t.lat, t.population) for t in towns]
    rows.sort(key=lambda r: (len(r[0]), r[0]))
    towns.sort(key=lambda t: t.code)
    return rows, towns


# ---------------------------------------------------------------------------------------
class _Gen:
    def __init__(self, scale: str, seed: int, payments: bool):
        if scale not in SIZES:
            raise ValueError(f"unknown scale {scale!r}: demo or province")
        self.scale, self.seed, self.payments = scale, seed, payments
        self.sz = SIZES[scale]
        self.rng = random.Random(seed)
        geo_rng = random.Random(f"geo:{scale}")       # geography does not depend on the seed
        if scale == "demo":
            self.region_rows, self.towns = _regions_demo(geo_rng)
        else:
            self.region_rows, self.towns = _regions_province(geo_rng, self.sz.townships)
        self.town = {t.code: t for t in self.towns}
        self.n_person = 0
        self.n_household = 0
        self.recipients: list[tuple] = []
        self.screening: list[tuple] = []
        self.deaths: list[tuple] = []
        self.petitions: list[tuple] = []
        self.clues: list[tuple] = []
        self.rect: list[tuple] = []
        self.hits: list[tuple] = []
        self.payment_rows: list[tuple] = []
        self.planted: dict = {}
        self.dirty_ids: dict = {"unknown_township_code": {}, "dates_out_of_order": {},
                                "status_contradicts_date": {}}
        self.alive_recipients: list[int] = []    # indices of rows of persons alive, active dibao
        self.dead_active_spells: list[tuple[int, int]] = []   # (row index, death ordinal)

    # -- ids and people ------------------------------------------------------------------
    def new_person(self, surname: str | None = None) -> tuple[str, str]:
        self.n_person += 1
        pid = hashlib.sha256(f"{self.seed}:{self.n_person}".encode()).hexdigest()[:16]
        keep = surname is not None and self.rng.random() < 0.6
        return pid, fake_name(self.rng, surname if keep else None)

    def new_household(self) -> str:
        self.n_household += 1
        return "h" + hashlib.sha256(f"{self.seed}:h:{self.n_household}".encode()).hexdigest()[:15]

    def _rid(self) -> str:
        return f"R{len(self.recipients) + 1:08d}"

    # -- township qualities --------------------------------------------------------------
    def _qualities(self) -> None:
        rng = self.rng
        for t in self.towns:
            t.q = math.exp(rng.gauss(0, 0.25))
        ordinary = [t for t in self.towns if t.code not in PLANTED_TOWNSHIPS]
        picks = rng.sample(range(len(ordinary)), max(6, len(ordinary) // 8))
        half = len(picks) // 2
        for i in picks[:half]:
            ordinary[i].q = 0.55       # consistently better
        for i in picks[half:]:
            ordinary[i].q = 1.7        # consistently worse
        for t in self.towns:
            t.gap_prob = min(0.25, 0.04 * t.q)
            t.pet_ontime = max(0.78, min(0.985, 1 - 0.08 * t.q))
            t.clue_stuck = min(0.12, 0.012 * t.q)
            t.clue_ontime = max(0.75, min(0.98, 1 - 0.1 * t.q))
            t.rect_stuck = min(0.15, 0.025 * t.q)
        g, r, o = self.town[GAP_TOWNSHIP], self.town[REPEAT_TOWNSHIP], self.town[OVERDUE_TOWNSHIP]
        g.gap_prob = 0.15
        r.pet_ontime = 0.8
        o.clue_stuck, o.clue_ontime, o.rect_stuck = 0.2, 0.7, 0.25

    def _programme_for(self, t: Township) -> str:
        if t.is_town:
            return "dibao_rural" if self.rng.random() < 0.9 else "dibao_urban"
        if t.suburban:
            return "dibao_rural" if self.rng.random() < 0.25 else "dibao_urban"
        return "dibao_urban"

    # -- recipients ----------------------------------------------------------------------
    def _aid(self, programme: str, size: int) -> tuple:
        rng = self.rng
        if programme not in ("dibao_urban", "dibao_rural", "tekun", "orphan"):
            return (None, None, None, None, None)
        r = rng.random()
        medical = True if r < 0.93 else (False if r < 0.965 else None)
        r = rng.random()
        edu_p = 0.22 if size >= 2 else 0.04
        edu_need = True if r < edu_p else (False if r < 0.95 else None)
        edu = None
        if edu_need:
            r = rng.random()
            edu = True if r < 0.9 else (False if r < 0.97 else None)
        r = rng.random()
        house_need = True if r < 0.08 else (False if r < 0.95 else None)
        house = None
        if house_need:
            r = rng.random()
            house = True if r < 0.85 else (False if r < 0.95 else None)
        return (medical, edu_need, edu, house_need, house)

    def _amount(self, programme: str, sph: bool | None) -> float:
        rng = self.rng
        if programme in DIBAO:
            return 1200.0 if sph else float(300 + 10 * rng.randint(0, 90))
        if programme == "tekun":
            return float(1560 + rng.choice((0, 0, 300, 300, 600, 900, 1200)))
        if programme == "orphan":
            return float(rng.choice((2300, 2300, 2600)))
        if programme == "disability_subsidy":
            return float(rng.choice((90, 150, 150, 180, 240, 300)))
        return float(100 * rng.randint(5, 50))           # linshi, one-off

    def add_spell(self, pid, hid, name, code, programme, start: int, end: int | None,
                  exit_reason: str | None, sph: bool | None = None, size: int = 1,
                  amount: float | None = None, staff_relative: bool | None = None) -> int:
        rng = self.rng
        if programme in DIBAO and sph is None:
            sph = False
        if programme not in DIBAO:
            sph = None
        if staff_relative is None:
            staff_relative = rng.random() < 0.005 if programme != "linshi" else False
        if amount is None:
            amount = self._amount(programme, sph)
        row = (self._rid(), pid, hid, name, code, programme, sph, D(start),
               None if end is None else D(end), exit_reason, amount, staff_relative,
               *self._aid(programme, size))
        self.recipients.append(row)
        return len(self.recipients) - 1

    def _household(self, t: Township, programme: str, start: int, size: int,
                   end: int | None = None, exit_reason: str | None = None,
                   first: tuple[str, str] | None = None, sph_p: float = 0.35) -> list[int]:
        hid = self.new_household()
        sph = programme in DIBAO and size == 1 and self.rng.random() < sph_p
        staff = self.rng.random() < 0.003
        if exit_reason == "favouritism":
            staff = self.rng.random() < 0.4
        out = []
        surname = None
        for k in range(size):
            pid, name = first if (k == 0 and first) else self.new_person(surname)
            surname = surname or surname_of(name)
            out.append(self.add_spell(pid, hid, name, t.code, programme, start, end, exit_reason,
                                      sph=sph, size=size, staff_relative=staff))
        return out

    _SIZE_DEFAULT = _Sampler((1, 2, 3, 4), (42, 26, 19, 13))
    _SIZE_SCREENED = _Sampler((1, 2, 3, 4), (55, 28, 12, 5))

    def _size(self, sampler: _Sampler | None = None) -> int:
        return (sampler or self._SIZE_DEFAULT)(self.rng)

    def gen_recipients(self) -> None:
        rng, sz = self.rng, self.sz
        w_recip = [t.population * (3.0 if t.is_town else (1.5 if t.suburban else 1.0)) * t.q
                   for t in self.towns]
        pick = _Sampler(self.towns, w_recip)
        start_s = _day_sampler(SPELL_START, DATA_AS_OF - timedelta(days=1), _start_weight)
        old_start_s = _day_sampler(SPELL_START, date(2023, 12, 31), _start_weight)
        exit_s = _day_sampler(EXIT_START, DATA_AS_OF - timedelta(days=2), _exit_weight)

        # A. long-running dibao households, active on data_as_of
        n = 0
        while n < sz.active_dibao:
            t = pick(rng)
            size = self._size()
            idx = self._household(t, self._programme_for(t), start_s(rng), size)
            self.alive_recipients.extend(idx)
            n += size
        # B. dibao households that exited (not by death)
        reasons_before = (("ineligible", 62), ("policy", 5), ("favouritism", 3), ("other", 20), (None, 10))
        reasons_campaign = (("ineligible", 48), ("policy", 14), ("favouritism", 10), ("other", 18), (None, 10))
        n = 0
        while n < sz.ended_dibao:
            t = pick(rng)
            size = self._size()
            end = exit_s(rng)
            start = min(start_s(rng), end - 30 - rng.randint(0, 400))
            start = max(start, O(SPELL_START))
            reasons = reasons_campaign if end >= O(CAMPAIGN_START) else reasons_before
            reason = rng.choices([r for r, _ in reasons], weights=[w for _, w in reasons])[0]
            self._household(t, self._programme_for(t), start, size, end, reason)
            n += size
        # B2/D. single persons whose dibao or tekun spell ended by death
        for programme, count in (("dibao", sz.deceased_dibao), ("tekun", sz.deceased_tekun)):
            for _ in range(count):
                t = pick(rng)
                death = exit_s(rng)
                start = min(old_start_s(rng), death - 60)
                end = self._exit_after_death(death)
                prog = self._programme_for(t) if programme == "dibao" else "tekun"
                (i,) = self._household(t, prog, start, 1, end, "deceased", sph_p=0.1)
                self._add_death(self.recipients[i][1], death)
                self._note_dead_spell(i, death)
        # C. tekun, active; some had a dibao spell before (exit 'other' on the day tekun began)
        for k in range(sz.active_tekun):
            t = pick(rng)
            start = start_s(rng)
            if k < sz.tekun_from_dibao and start - O(SPELL_START) > 400:
                pid, name = self.new_person()
                hid = self.new_household()
                d_start = rng.randint(O(SPELL_START), start - 200)
                self.add_spell(pid, hid, name, t.code, self._programme_for(t), d_start, start, "other")
                i = self.add_spell(pid, hid, name, t.code, "tekun", start, None, None)
            else:
                (i,) = self._household(t, "tekun", start, 1)
            self.alive_recipients.append(i)
        # F. orphans (a few ended when they came of age)
        for k in range(sz.orphan):
            t = pick(rng)
            start = start_s(rng)
            ended = k % 12 == 0 and start < AS_OF - 400
            end = rng.randint(start + 300, AS_OF - 1) if ended else None
            self._household(t, "orphan", start, 1, end, "other" if ended else None)
        # G. disability subsidy: half to current dibao members, half to others
        for k in range(sz.disability):
            start = start_s(rng)
            ended = rng.random() < 0.05 and start < AS_OF - 200
            end = rng.randint(start + 100, AS_OF - 1) if ended else None
            reason = rng.choice(("ineligible", "other")) if ended else None
            if k % 2 == 0 and self.alive_recipients:
                src = self.recipients[rng.choice(self.alive_recipients)]
                self.add_spell(src[1], src[2], src[3], src[4], "disability_subsidy", start, end, reason)
            else:
                self._household(pick(rng), "disability_subsidy", start, 1, end, reason)

    def gen_linshi(self) -> None:
        rng = self.rng
        w = [t.population * (2.0 if t.is_town else 1.0) for t in self.towns]
        pick = _Sampler(self.towns, w)
        day_s = _day_sampler(date(2024, 1, 1), DATA_AS_OF, _clue_weight)
        for _ in range(self.sz.linshi):
            d = day_s(rng)
            if rng.random() < 0.35 and self.alive_recipients:
                src = self.recipients[rng.choice(self.alive_recipients)]
                if O(src[7]) <= d:
                    self.add_spell(src[1], src[2], src[3], src[4], "linshi", d, d, None)
                    continue
            self._household(pick(rng), "linshi", d, 1, d, None)

    def _exit_after_death(self, death: int) -> int:
        """The exit day after a death: mostly that month, some on the 1st, some a month late."""
        rng = self.rng
        mf_next = _month_first(_month_first(death) + 32)
        r = rng.random()
        if r < 0.5:
            end = rng.randint(death, max(death, mf_next - 1))
        elif r < 0.82:
            end = mf_next
        else:
            end = mf_next + rng.randint(1, 25)
        return min(max(end, death), AS_OF - 1)

    def _note_dead_spell(self, i: int, death: int) -> None:
        end = self.recipients[i][8]
        if end is not None and O(end) > death:
            self.dead_active_spells.append((i, death))

    def _add_death(self, pid: str, death: int, source: str | None = None) -> None:
        src = source or self.rng.choices(("funeral", "public_security", "health"), weights=(50, 35, 15))[0]
        self.deaths.append((pid, D(death), src))

    # -- screening -----------------------------------------------------------------------
    _CATEGORIES = (("severe_disability", 14, 0.45), ("serious_illness", 16, 0.42),
                   ("returned_poverty", 8, 0.5), ("edge_poverty", 20, 0.25),
                   ("expenditure_poverty", 14, 0.35), ("low_income", 20, 0.3),
                   ("unsupported_child", 3, 0.6), ("other", 5, 0.2))

    def _sid(self) -> str:
        return f"S{len(self.screening) + 1:08d}"

    def _screen_row(self, pid, name, code, cat, d: int, elig) -> None:
        self.screening.append((self._sid(), pid, name, code, cat, D(d), elig))

    def gen_screening(self) -> None:
        rng, sz = self.rng, self.sz
        w = [t.population * (3.0 if t.is_town else (1.5 if t.suburban else 1.0)) for t in self.towns]
        pick = _Sampler(self.towns, w)
        cats = _Sampler([c for c in self._CATEGORIES], [c[1] for c in self._CATEGORIES])
        day_s = _day_sampler(SCREEN_START, DATA_AS_OF, _screen_weight)
        for _ in range(sz.screened_persons):
            cat, _, p_elig = cats(rng)
            d1 = day_s(rng)
            if rng.random() < 0.1 and self.alive_recipients:
                # an existing recipient met again by 摸底排查: already covered
                src = self.recipients[rng.choice(self.alive_recipients)]
                if O(src[7]) < d1:
                    elig = True if rng.random() < 0.85 else False
                    self._screen_row(src[1], src[3], src[4], cat, d1, elig)
                    continue
            t = pick(rng)
            pid, name = self.new_person()
            dates = [d1]
            if rng.random() < 0.14 and d1 <= AS_OF - 40:
                dates.append(d1 + rng.randint(30, min(300, AS_OF - d1)))
            last = dates[-1]
            if last > AS_OF - 45 and rng.random() < 0.6:
                elig = None                                   # not yet assessed
            else:
                r = rng.random()
                elig = True if r < p_elig else (False if r < 0.96 else None)
            codes = [t.code]
            if len(dates) == 2:
                if rng.random() < 0.1:                        # moved within the district
                    same = [x for x in self.towns if x.district == t.district and x.code != t.code]
                    codes.append(rng.choice(same).code if same else t.code)
                else:
                    codes.append(t.code)
                first_elig = rng.choices((None, False, True), weights=(3, 4, 3))[0]
                self._screen_row(pid, name, codes[0], cat, dates[0], first_elig)
            self._screen_row(pid, name, codes[-1], cat, last, elig)
            town = self.town[codes[-1]]
            dead = None
            if rng.random() < 0.03 and last + 10 < AS_OF - 1:
                dead = rng.randint(last + 10, min(last + 400, AS_OF - 1))
                self._add_death(pid, dead)
            if elig is not True or rng.random() < town.gap_prob:
                continue
            start = last + 10 + min(110, int(rng.expovariate(1 / 25)))
            if start > AS_OF or (dead is not None and dead <= start):
                continue                                      # waiting, or died before enrolment
            tekun = cat in ("severe_disability", "serious_illness") and rng.random() < 0.25
            programme = "tekun" if tekun else self._programme_for(town)
            size = 1 if tekun else self._size(self._SIZE_SCREENED)
            sph_p = 0.45 if cat in ("severe_disability", "serious_illness") else 0.1
            idx = self._household(town, programme, start, size, first=(pid, name), sph_p=sph_p)
            i0 = idx[0]
            if dead is not None:
                end = self._exit_after_death(dead)
                self.recipients[i0] = self.recipients[i0][:8] + (D(end), "deceased") + self.recipients[i0][10:]
                self._note_dead_spell(i0, dead)
                self.alive_recipients.extend(idx[1:])
            elif rng.random() < 0.01 and start < AS_OF - 90:
                end = rng.randint(start + 60, AS_OF - 1)
                for i in idx:
                    self.recipients[i] = self.recipients[i][:8] + (D(end), "ineligible") + self.recipients[i][10:]
            else:
                self.alive_recipients.extend(idx)

    def gen_deaths_other(self) -> None:
        rng = self.rng
        for _ in range(self.sz.unrelated_deaths):
            pid, _name = self.new_person()
            self._add_death(pid, rng.randint(O(date(2023, 1, 1)), AS_OF - 1))
        # a second row from another source for some persons, on a later day (earliest counts)
        base = list(self.deaths)
        for k in range(self.sz.death_duplicates):
            pid, d, src = base[(k * 7919) % len(base)]
            other = [s for s in ("funeral", "public_security", "health") if s != src]
            later = min(O(d) + rng.randint(1, 20), AS_OF - 1)
            if later > O(d):
                self.deaths.append((pid, D(later), rng.choice(other)))

    # -- planted coverage truths ---------------------------------------------------------
    def plant_coverage(self) -> None:
        rng = self.rng
        pl = self.planted
        # 4. deceased recipients still active (died strictly before data_as_of)
        specs = (
            ("350212105", "dibao_rural", date(2019, 4, 1), [(date(2026, 7, 18), "funeral")]),
            ("350213111", "tekun", date(2017, 9, 1),
             [(date(2026, 10, 3), "public_security"), (date(2026, 9, 28), "health")]),
            ("350206001", "dibao_urban", date(2021, 2, 1), [(date(2026, 10, 30), "funeral")]),
            ("350203007", "dibao_urban", date(2023, 6, 1), [(date(2026, 11, 14), "public_security")]),
        )
        pl["deceased_still_active"] = []
        for code, prog, start, deaths in specs:
            (i,) = self._household(self.town[code], prog, O(start), 1)
            pid = self.recipients[i][1]
            for d, src in deaths:
                self._add_death(pid, O(d), src)
            earliest = min(d for d, _ in deaths)
            self.dead_active_spells.append((i, O(earliest)))
            pl["deceased_still_active"].append(
                {"person_id": pid, "recipient_id": self.recipients[i][0], "township_code": code,
                 "programme": prog, "death_date": earliest.isoformat(),
                 "death_rows": [d.isoformat() for d, _ in deaths]})
        # died exactly on data_as_of: active, not yet a failure to exit
        (i,) = self._household(self.town["350211103"], "dibao_rural", O(date(2018, 3, 1)), 1)
        self._add_death(self.recipients[i][1], AS_OF, "funeral")
        pl["recipient_died_on_as_of"] = {"person_id": self.recipients[i][1],
                                         "recipient_id": self.recipients[i][0]}
        # 6. a spell ending exactly on data_as_of (not active that day), one starting that day
        (i,) = self._household(self.town["350203010"], "dibao_urban", O(date(2020, 5, 1)), 1,
                               AS_OF, "ineligible")
        pl["spell_ending_on_as_of"] = {"person_id": self.recipients[i][1],
                                       "recipient_id": self.recipients[i][0]}
        (i,) = self._household(self.town["350205002"], "dibao_urban", AS_OF, 1)
        pl["spell_starting_on_as_of"] = {"person_id": self.recipients[i][1],
                                         "recipient_id": self.recipients[i][0]}
        # 1. the 漏保 cluster: eligible persons screened in the campaign, never covered
        g = self.town[GAP_TOWNSHIP]
        for _ in range(30 if self.scale == "demo" else 40):
            pid, name = self.new_person()
            d = rng.randint(O(date(2026, 3, 2)), O(date(2026, 9, 20)))
            cat = rng.choice(("severe_disability", "serious_illness", "returned_poverty",
                              "expenditure_poverty", "low_income"))
            self._screen_row(pid, name, g.code, cat, d, True)
        # a screened, eligible, uncovered person who died on data_as_of (not a gap)
        pid, name = self.new_person()
        self._screen_row(pid, name, "350212001", "serious_illness", O(date(2026, 8, 20)), True)
        self._add_death(pid, AS_OF, "health")
        pl["screened_died_on_as_of"] = {"person_id": pid}
        # two rows on the same day: the larger screening_id decides (eligible, uncovered)
        pid, name = self.new_person()
        self._screen_row(pid, name, "350211002", "low_income", O(date(2026, 6, 10)), False)
        self._screen_row(pid, name, "350211002", "low_income", O(date(2026, 6, 10)), True)
        pl["screening_same_day_tie"] = {"person_id": pid, "screening_ids": [
            self.screening[-2][0], self.screening[-1][0]], "counts_as_gap": True}
        # eligible in one township, covered by a spell in another: not a gap
        pid, name = self.new_person()
        self._screen_row(pid, name, "350205001", "edge_poverty", O(date(2026, 4, 2)), True)
        self._household(self.town["350205003"], "dibao_urban", O(date(2026, 5, 6)), 1,
                        first=(pid, name))
        pl["covered_in_other_township"] = {"person_id": pid}
        # moved: an eligible row in one township, the later (deciding) row in another
        pid, name = self.new_person()
        self._screen_row(pid, name, "350213001", "edge_poverty", O(date(2025, 5, 12)), True)
        self._screen_row(pid, name, "350213002", "edge_poverty", O(date(2026, 4, 21)), True)
        pl["screening_moved"] = {"person_id": pid, "deciding_township": "350213002"}

    # -- petitions -----------------------------------------------------------------------
    _CHANNELS = (("hotline_12345", 34), ("online", 25), ("assistance_hotline", 12),
                 ("letter", 10), ("visit", 15), ("media", 4))
    _PET_CATS = (("dibao_eligibility", 33), ("payment", 15), ("conduct", 15), ("tekun", 8),
                 ("linshi", 10), ("disability", 7), ("other", 12))

    def _pid_petition(self) -> str:
        return f"P{len(self.petitions) + 1:08d}"

    def _add_matter(self, matter_id: str, code: str, dates: list[int], category: str,
                    open_last: bool | None = None, codes: list[str] | None = None) -> None:
        rng = self.rng
        t = self.town.get(code)
        ontime = t.pet_ontime if t else 0.9
        pet_id, pet_name = (self.new_person() if rng.random() < 0.6 or not self.alive_recipients
                            else self.recipients[rng.choice(self.alive_recipients)][1:4:2])
        ch_items = [c for c, _ in self._CHANNELS]
        ch_w = [w for _, w in self._CHANNELS]
        for k, d in enumerate(dates):
            channel = rng.choices(ch_items, weights=ch_w)[0]
            if k >= 1 and rng.random() < 0.25:
                channel = "visit"
            due = d + 60
            if rng.random() < 0.006:
                closed = None                                    # stuck
            elif rng.random() < ontime:
                closed = d + rng.randint(3, 60)
            else:
                closed = d + 60 + rng.randint(1, 60)
            last = k == len(dates) - 1
            if open_last is not None and last:
                closed = None if open_last else min(d + rng.randint(5, 40), AS_OF)
            if closed is not None and closed > AS_OF:
                closed = None
            if closed is None:
                status = "accepted" if d >= AS_OF - 5 and rng.random() < 0.6 else "processing"
                satisfied = None
            else:
                status = "closed"
                r = rng.random()
                if not last:
                    satisfied = False if r < 0.35 else (True if r < 0.96 else None)
                else:
                    satisfied = True if r < 0.93 else (False if r < 0.98 else None)
            who_id, who_name = pet_id, pet_name
            if k >= 1 and rng.random() < 0.1:
                who_id, who_name = self.new_person(surname_of(pet_name))
            pcode = codes[k] if codes else code
            self.petitions.append((self._pid_petition(), matter_id, who_id, who_name, pcode, channel,
                                   category, D(d), D(due), status,
                                   None if closed is None else D(closed), satisfied))

    def gen_petitions(self) -> None:
        rng, sz = self.rng, self.sz
        pick = _Sampler(self.towns, [t.population * t.q for t in self.towns])
        day_s = _day_sampler(PETITION_START, DATA_AS_OF, _petition_weight)
        counts = _Sampler(range(1, 11), sz.repeat_profile)
        cats = _Sampler([c for c, _ in self._PET_CATS], [w for _, w in self._PET_CATS])
        self.n_matter = 0
        target = sz.petitions - 60        # leave room for the planted matters
        while len(self.petitions) < target:
            t = pick(rng)
            n = counts(rng)
            if t.code == REPEAT_TOWNSHIP and n >= 3:
                n = 2                      # the township's repeat matters are all planted
            d = day_s(rng)
            dates = [d]
            for _ in range(n - 1):
                d = d + 7 + min(200, int(rng.expovariate(1 / 45)))
                if d > AS_OF:
                    break
                dates.append(d)
            self.n_matter += 1
            self._add_matter(self._mid(), t.code, dates, cats(rng))
        self._plant_matters(cats)

    def _mid(self) -> str:
        return f"M{self.n_matter:08d}"

    def _plant_matters(self, cats) -> None:
        rng = self.rng
        pl = self.planted
        pl["matters"] = []
        specs = (
            # 3 petitions: 2nd in Q2, 3rd on the first day of Q3 (quarter after its second)
            ("350203008", ["2026-04-08", "2026-05-19", "2026-07-01"], False, None),
            # 4 petitions across 2025Q4 -> 2026Q2; the 3rd in the quarter after the 2nd (new year)
            ("350211003", ["2025-10-15", "2025-12-22", "2026-01-12", "2026-06-30"], False, None),
            # 7 petitions 2024..2026, 3rd on a quarter's last day; the last still open;
            # the later petitions carry another township code (the matter stays with the first)
            ("350212001", ["2024-03-05", "2024-06-18", "2024-09-30", "2025-01-06", "2025-05-12",
                           "2026-02-16", "2026-09-01"], True,
             ["350212001"] * 4 + ["350212002"] * 3),
        )
        for code, ds, open_last, codes in specs:
            self.n_matter += 1
            mid = self._mid()
            dates = [O(date.fromisoformat(x)) for x in ds]
            self._add_matter(mid, code, dates, "dibao_eligibility", open_last=open_last, codes=codes)
            pl["matters"].append(mid)
        # 2. the repeat cluster: matters whose 3rd petition falls in 2026Q3
        pl["repeat_cluster"] = []
        q3s, q3e = O(date(2026, 7, 1)), O(date(2026, 9, 30))
        for k in range(8 if self.scale == "demo" else 10):
            first = rng.randint(O(date(2026, 1, 5)), O(date(2026, 5, 31)))
            second = first + rng.randint(14, 45)
            third = rng.randint(max(second + 7, q3s), q3e)
            dates = [first, second, third]
            if k % 3 == 0:
                dates.append(third + rng.randint(10, 40))
            self.n_matter += 1
            mid = self._mid()
            self._add_matter(mid, REPEAT_TOWNSHIP, dates, cats(rng), open_last=(k % 2 == 0))
            pl["repeat_cluster"].append(mid)

    # -- clues ---------------------------------------------------------------------------
    _CLUE_SOURCES = ("petition", "hotline", "portal", "screening", "online_monitoring", "inspection",
                     "media", "audit", "transfer_in")
    _SRC_W_BEFORE = (30, 20, 10, 5, 10, 8, 4, 5, 8)
    _SRC_W_CAMPAIGN = (22, 15, 8, 12, 15, 14, 3, 4, 7)
    _CLUE_CATS = (("favouritism", 18, 0.45), ("fraud", 16, 0.42), ("embezzlement", 6, 0.4),
                  ("bribery", 5, 0.3), ("dereliction", 20, 0.38), ("formalism", 12, 0.35),
                  ("fund_irregular", 15, 0.4), ("other", 8, 0.2))

    def _cid(self) -> str:
        return f"CL{len(self.clues) + 1:07d}"

    def _add_clue(self, t: Township, received: int, stuck: bool, cat_sampler) -> None:
        rng = self.rng
        in_campaign = received >= O(CAMPAIGN_START)
        source = rng.choices(self._CLUE_SOURCES,
                             weights=self._SRC_W_CAMPAIGN if in_campaign else self._SRC_W_BEFORE)[0]
        cat, _, p_sub = cat_sampler(rng)
        due_days = rng.choices((30, 45, 60, 90), weights=(25, 25, 35, 15))[0]
        due = received + due_days
        if stuck:
            concluded = None
        elif rng.random() < t.clue_ontime:
            concluded = received + rng.randint(7, due_days)
        else:
            concluded = received + due_days + rng.randint(1, 45)
        if concluded is not None and concluded > AS_OF:
            concluded = None
        involves = rng.random() < 0.4
        substantiated = disposed = None
        transferred, t_date, case_filed, held = False, None, False, 0
        if concluded is not None:
            status = "concluded"
            substantiated = rng.random() < p_sub
            if substantiated:
                r = rng.random()
                disposed = True if r < 0.88 else (False if r < 0.96 else None)
                if involves and rng.random() < 0.5:
                    transferred = True
                    t_date = rng.randint(min(received + 5, concluded), concluded)
                    case_filed = rng.random() < 0.6
                held = rng.randint(1, 3) if case_filed else (
                    rng.choice((0, 0, 1)) if involves else 0)
        else:
            status = "pending" if received >= AS_OF - 10 and rng.random() < 0.6 else "verifying"
        self.clues.append((self._cid(), t.code, source, cat, D(received), D(due), status,
                           None if concluded is None else D(concluded), substantiated, disposed,
                           involves, transferred, None if t_date is None else D(t_date),
                           case_filed, held))

    def gen_clues(self) -> None:
        rng, sz = self.rng, self.sz
        pick = _Sampler(self.towns, [t.population ** 0.8 * t.q for t in self.towns])
        day_s = _day_sampler(CLUE_START, DATA_AS_OF, _clue_weight)
        cats = _Sampler(self._CLUE_CATS, [c[1] for c in self._CLUE_CATS])
        o = self.town[OVERDUE_TOWNSHIP]
        for _ in range(sz.clues - 15):
            t = pick(rng)
            self._add_clue(t, day_s(rng), rng.random() < t.clue_stuck, cats)
        # 3. the overdue township: clues received in the campaign and left lying
        for _ in range(15):
            self._add_clue(o, rng.randint(O(date(2026, 3, 2)), O(date(2026, 8, 10))), True, cats)

    # -- rectification -------------------------------------------------------------------
    _RECT_CATS = (("favouritism", 9), ("fraud", 8), ("embezzlement", 3), ("bribery", 2),
                  ("dereliction", 12), ("formalism", 10), ("fund_irregular", 12),
                  ("procedure", 16), ("records", 14), ("publicity", 8), ("other", 6))

    def _source_for(self, d: date) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.07:
            return "clue"
        if r < 0.11:
            return "petition"
        if r < 0.14:
            return "audit"
        if d <= date(2026, 4, 30):
            return "self_check"
        if d < date(2026, 7, 15):
            return "inspection"
        if d <= date(2026, 7, 31):
            return rng.choice(("inspection", "spot_check"))
        if d <= date(2026, 9, 30):
            return "spot_check"
        return rng.choice(("inspection_tour", "inspection_tour", "audit", "spot_check", "clue"))

    def gen_rectification(self) -> None:
        rng, sz = self.rng, self.sz
        pick = _Sampler(self.towns, [(10 + t.population / 10_000) * t.q for t in self.towns])
        day_s = _day_sampler(CAMPAIGN_START, DATA_AS_OF, _rect_weight)
        cats = _Sampler([c for c, _ in self._RECT_CATS], [w for _, w in self._RECT_CATS])
        # substantiated clues per township, by concluded day, for clue_id links
        by_town: dict[str, list[tuple[int, str]]] = {}
        for c in self.clues:
            if c[7] is not None and c[8]:
                by_town.setdefault(c[1], []).append((O(c[7]), c[0]))
        for v in by_town.values():
            v.sort()
        o = self.town[OVERDUE_TOWNSHIP]
        n_plant = 16
        for k in range(sz.rectification):
            if k < sz.rectification - n_plant:
                t = pick(rng)
                found = day_s(rng)
                stuck = rng.random() < t.rect_stuck
            else:                                # 3. the overdue township's lying items
                t, stuck = o, True
                found = rng.randint(O(date(2026, 3, 5)), O(date(2026, 8, 31)))
            self._add_item(t, found, stuck, cats(rng), by_town)

    def _add_item(self, t: Township, found: int, stuck: bool, cat: str, by_town) -> None:
        rng = self.rng
        source = self._source_for(D(found))
        clue_id = None
        if source == "clue" or (source in ("inspection", "spot_check") and rng.random() < 0.15):
            cands = by_town.get(t.code, [])
            j = bisect.bisect_right(cands, (found, "~"))
            if j:
                clue_id = cands[rng.randrange(j)][1]
            elif source == "clue":
                source = "inspection"
        dl_days = rng.choices((30, 45, 60, 90), weights=(30, 25, 30, 15))[0]
        deadline = found + dl_days
        closed = None
        if stuck:
            status = rng.choices(("open", "in_progress", "done"), weights=(30, 55, 15))[0]
        else:
            v = rng.randint(3, 20)
            if rng.random() < 0.9:
                done = found + rng.randint(5, max(6, dl_days - v))
            else:
                done = found + dl_days + rng.randint(1, 40)
            if done + v <= AS_OF:
                closed, status = done + v, "closed"
            elif done <= AS_OF:
                status = "done"
            else:
                status = "open" if found >= AS_OF - 10 and rng.random() < 0.6 else "in_progress"
        desc = rng.choice(RECT_DESCRIPTIONS[cat])
        if rng.random() < 0.3:
            desc += f"（涉及{rng.randint(1, 12)}户）"
        r = rng.random()
        unit = (f"{t.name}社会事务办" if r < 0.62 else
                f"{t.district_name}民政局" if r < 0.88 else f"{t.name}便民服务中心")
        _pid, person = self.new_person()
        self.n_person -= 1          # responsible staff are not persons of the ledger
        self.rect.append((f"ZG{len(self.rect) + 1:07d}", CAMPAIGN_ID, t.code, source, clue_id, cat, desc,
                          D(found), unit, person, D(deadline), status,
                          None if closed is None else D(closed)))

    # -- crosscheck hits -----------------------------------------------------------------
    _REGISTERS = (("vehicle", 25), ("property", 20), ("business", 20), ("public_payroll", 8),
                  ("village_cadre", 7), ("deceased", 10), ("other", 10))

    def gen_hits(self) -> None:
        rng = self.rng
        days = [O(date(2026, m, 8)) for m in range(1, 12) if O(date(2026, m, 8)) <= AS_OF]
        pool = [i for i, r in enumerate(self.recipients) if r[5] in ("dibao_urban", "dibao_rural", "tekun")]
        regs = [r for r, _ in self._REGISTERS if r != "deceased"]
        regw = [w for r, w in self._REGISTERS if r != "deceased"]
        planted_dead = {d["recipient_id"] for d in self.planted.get("deceased_still_active", [])}
        # the planted deceased-but-active recipients are hit by the death register (pending)
        for i, death in self.dead_active_spells:
            row = self.recipients[i]
            if row[0] not in planted_dead:
                continue
            h = next((x for x in days if x > death), None)
            if h is not None:
                self._add_hit(row, "deceased", h, "pending", None)
        target = self.sz.crosscheck_hits
        while len(self.hits) < target:
            h = rng.choice(days)
            if rng.random() < 0.1 and self.dead_active_spells:
                for _try in range(40):
                    i, d = rng.choice(self.dead_active_spells)
                    row = self.recipients[i]
                    if (d < h and row[8] is not None and O(row[8]) > h and row[0] not in planted_dead
                            and row[4] in self.town):
                        self._resolve_hit(row, "deceased", h, confirmed=True)
                        break
                continue
            i = rng.choice(pool)
            row = self.recipients[i]
            if not (O(row[7]) <= h and (row[8] is None or O(row[8]) > h)) or row[4] not in self.town:
                continue
            self._resolve_hit(row, rng.choices(regs, weights=regw)[0], h)

    def _resolve_hit(self, row, register, h, confirmed: bool | None = None) -> None:
        rng = self.rng
        if rng.random() < (0.92 if h <= AS_OF - 30 else 0.4):
            res = min(h + rng.randint(5, 60), AS_OF)
            ok = confirmed if confirmed is not None else rng.random() < 0.3
            self._add_hit(row, register, h, "confirmed" if ok else "cleared", res)
        else:
            self._add_hit(row, register, h, "pending", None)

    def _add_hit(self, row, register, h, status, resolved) -> None:
        self.hits.append((f"H{len(self.hits) + 1:07d}", row[0], row[4], register, D(h), status,
                          None if resolved is None else D(resolved)))

    # -- payments ------------------------------------------------------------------------
    def gen_payments(self) -> None:
        """一卡通 payments with the planted anomalies (data.payments)."""
        if not self.payments:
            return
        plan = PaymentPlan(self.recipients, PAY_MONTHS, DATA_AS_OF, self.seed, self.scale,
                           PAID_PROGRAMMES, {i for i, _ in self.dead_active_spells})
        self.payment_rows = plan.rows()
        self.planted["payments"] = plan.planted

    # -- dirty rows ----------------------------------------------------------------------
    def plant_dirty(self) -> None:
        rng = self.rng
        bad = set(PLANTED_TOWNSHIPS)
        special_pet = set(self.planted.get("matters", [])) | set(self.planted.get("repeat_cluster", []))
        dirty = self.dirty_ids

        def mark(kind, table, key):
            dirty[kind].setdefault(table, []).append(key)

        # petitions: single-petition matters only, outside the planted townships
        per_matter: dict[str, int] = {}
        for p in self.petitions:
            per_matter[p[1]] = per_matter.get(p[1], 0) + 1
        singles = [i for i, p in enumerate(self.petitions)
                   if per_matter[p[1]] == 1 and p[1] not in special_pet and p[4] not in bad
                   and p[10] is not None and O(p[7]) < AS_OF - 120]
        chosen = rng.sample(singles, 8)
        for k, i in enumerate(chosen):
            p = list(self.petitions[i])
            if k < 3:
                p[4] = UNKNOWN_CODES[k % 2]
                mark("unknown_township_code", "petition", p[0])
            elif k < 5:
                p[10] = D(O(p[7]) - rng.randint(1, 15))
                mark("dates_out_of_order", "petition", p[0])
            elif k < 7:
                p[10], p[11] = None, None
                mark("status_contradicts_date", "petition", p[0])
            else:
                p[9] = "processing"
                mark("status_contradicts_date", "petition", p[0])
            self.petitions[i] = tuple(p)
        # clues
        cands = [i for i, c in enumerate(self.clues)
                 if c[1] not in bad and c[7] is not None and O(c[4]) < AS_OF - 150]
        for k, i in enumerate(rng.sample(cands, 8)):
            c = list(self.clues[i])
            if k < 3:
                c[1] = UNKNOWN_CODES[k % 2]
                mark("unknown_township_code", "clue", c[0])
            elif k < 5:
                c[7] = D(O(c[4]) - rng.randint(1, 20))
                if c[12] is not None:
                    c[12] = c[7]
                mark("dates_out_of_order", "clue", c[0])
            elif k < 7:
                c[7] = None
                c[8] = c[9] = None
                c[11], c[12], c[13], c[14] = False, None, False, 0
                mark("status_contradicts_date", "clue", c[0])
            else:
                c[6] = "verifying"
                mark("status_contradicts_date", "clue", c[0])
            self.clues[i] = tuple(c)
        # rectification
        cands = [i for i, x in enumerate(self.rect) if x[2] not in bad and x[12] is not None]
        for k, i in enumerate(rng.sample(cands, 9)):
            x = list(self.rect[i])
            if k < 3:
                x[2] = UNKNOWN_CODES[k % 2]
                mark("unknown_township_code", "rectification", x[0])
            elif k < 5:
                x[12] = D(O(x[7]) - rng.randint(1, 10))
                mark("dates_out_of_order", "rectification", x[0])
            elif k < 7:
                x[12] = None
                mark("status_contradicts_date", "rectification", x[0])
            else:
                x[11] = "open"
                mark("status_contradicts_date", "rectification", x[0])
            self.rect[i] = tuple(x)
        # recipients: unknown codes on active spells, end before start on ended spells
        planted_rids = {d["recipient_id"] for d in self.planted.get("deceased_still_active", [])}
        active = [i for i in self.alive_recipients
                  if self.recipients[i][4] not in bad and self.recipients[i][8] is None
                  and self.recipients[i][0] not in planted_rids and self.recipients[i][5] in DIBAO]
        for k, i in enumerate(rng.sample(active, 3)):
            r = list(self.recipients[i])
            r[4] = UNKNOWN_CODES[k % 2]
            mark("unknown_township_code", "recipient", r[0])
            self.recipients[i] = tuple(r)
        ended = [i for i, r in enumerate(self.recipients)
                 if r[4] not in bad and r[8] is not None and r[9] in ("ineligible", "other")
                 and r[5] in DIBAO and O(r[8]) < O(PAY_MONTHS[0]) and r[8] > r[7]]
        for i in rng.sample(ended, 2):
            r = list(self.recipients[i])
            r[8] = D(O(r[7]) - rng.randint(1, 40))
            mark("dates_out_of_order", "recipient", r[0])
            self.recipients[i] = tuple(r)
        # screening: one eligible, uncovered person under an unknown code; one ineligible
        pid, name = self.new_person()
        self._screen_row(pid, name, UNKNOWN_CODES[0], "low_income", O(date(2026, 5, 20)), True)
        mark("unknown_township_code", "screening", self.screening[-1][0])
        self.planted["screened_unknown_code_gap"] = {"person_id": pid, "township_code": UNKNOWN_CODES[0]}
        pid, name = self.new_person()
        self._screen_row(pid, name, UNKNOWN_CODES[1], "edge_poverty", O(date(2026, 2, 11)), False)
        mark("unknown_township_code", "screening", self.screening[-1][0])

    # -- everything ----------------------------------------------------------------------
    def run(self) -> Dataset:
        self._qualities()
        self.gen_recipients()
        self.gen_screening()
        self.plant_coverage()
        self.gen_linshi()
        self.gen_deaths_other()
        self.gen_petitions()
        self.gen_clues()
        self.gen_rectification()
        self.plant_dirty()
        self.gen_hits()
        self.gen_payments()
        tables = {
            "region": self.region_rows,
            "recipient": self.recipients,
            "screening": self.screening,
            "death_record": self.deaths,
            "payment": self.payment_rows,
            "crosscheck_hit": self.hits,
            "petition": self.petitions,
            "clue": self.clues,
            "rectification": self.rect,
            "campaign": [(CAMPAIGN_ID, CAMPAIGN_NAME, CAMPAIGN_START, CAMPAIGN_END)],
            "campaign_phase": [(CAMPAIGN_ID, seq, name, s, e) for seq, name, s, e in PHASES],
            "meta": [("data_as_of", DATA_AS_OF.isoformat()), ("loaded_at", LOADED_AT),
                     ("source_note", SOURCE_NOTE)],
        }
        ds = Dataset(self.scale, self.seed, self.payments, tables)
        ds.manifest = mf.build_manifest(ds, self.planted, self.dirty_ids, {
            "gap": GAP_TOWNSHIP, "repeat": REPEAT_TOWNSHIP, "overdue": OVERDUE_TOWNSHIP},
            campaign={"id": CAMPAIGN_ID, "name": CAMPAIGN_NAME, "start": CAMPAIGN_START,
                      "end": CAMPAIGN_END, "phases": PHASES},
            data_as_of=DATA_AS_OF)
        return ds


def generate(scale: str = "demo", seed: int = 7, payments: bool | None = True) -> Dataset:
    """Every row of the demo (or province) database and its manifest; no database access.

    ``payments=None`` means the scale's default (on for demo, off for province)."""
    if payments is None:
        payments = SIZES[scale].payments_default
    return _Gen(scale, seed, payments).run()


# ---------------------------------------------------------------------------------------
# loading
def write(dataset: Dataset, url: str) -> None:
    """(Re)create the contract tables at ``url`` and bulk-load ``dataset`` into them."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.schema import CreateTable
    from queries.schema import create_indexes, metadata

    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    if backend in ("mysql", "mariadb") and "charset" not in u.query:
        u = u.update_query_dict({"charset": "utf8mb4"})
    engine = create_engine(u)
    try:
        metadata.drop_all(engine)
        if backend == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("VACUUM")
        with engine.begin() as conn:        # tables only: the indexes come after the load
            for table in metadata.sorted_tables:
                conn.execute(CreateTable(table))
        raw = engine.raw_connection()
        try:
            if backend == "sqlite":
                _load_sqlite(raw, dataset)
            elif backend == "postgresql":
                _load_postgresql(raw, dataset)
            elif backend in ("mysql", "mariadb"):
                _load_mysql(raw, dataset)
            else:
                raise ValueError(f"unsupported database: {backend}")
        finally:
            raw.close()
        create_indexes(engine)
        if backend == "postgresql":
            # VACUUM sets the visibility map, without which PostgreSQL's index-only scans
            # still visit the heap (what a nightly ETL should end with, too)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with engine.begin() as conn:
                if backend == "sqlite":
                    conn.execute(text("ANALYZE"))
                else:
                    conn.execute(text("ANALYZE TABLE " + ", ".join(metadata.tables)))
    finally:
        engine.dispose()


def _insert_sql(table: str, paramstyle: str) -> str:
    from queries.schema import metadata
    cols = [c.name for c in metadata.tables[table].columns]
    marks = ", ".join(["?" if paramstyle == "qmark" else "%s"] * len(cols))
    quote = "`" if paramstyle == "format" else '"'
    return f"INSERT INTO {quote}{table}{quote} ({', '.join(quote + c + quote for c in cols)}) VALUES ({marks})"


def _load_sqlite(raw, dataset: Dataset) -> None:
    import sqlite3
    sqlite3.register_adapter(date, date.isoformat)      # ISO text, as SQLAlchemy's Date reads it
    cur = raw.cursor()
    cur.execute("PRAGMA journal_mode = OFF")
    cur.execute("PRAGMA synchronous = OFF")
    for table, rows in dataset.tables.items():
        if rows:
            cur.executemany(_insert_sql(table, "qmark"), rows)
    raw.commit()
    cur.close()


def _load_postgresql(raw, dataset: Dataset) -> None:
    from queries.schema import metadata
    conn = raw.driver_connection
    with conn.cursor() as cur:
        for table, rows in dataset.tables.items():
            if not rows:
                continue
            cols = ", ".join(f'"{c.name}"' for c in metadata.tables[table].columns)
            with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as cp:
                for r in rows:
                    cp.write_row(r)
    conn.commit()


def _load_mysql(raw, dataset: Dataset, batch: int = 5_000) -> None:
    cur = raw.cursor()
    for table, rows in dataset.tables.items():
        sql = _insert_sql(table, "format")
        for i in range(0, len(rows), batch):
            cur.executemany(sql, rows[i:i + batch])
    raw.commit()
    cur.close()


def default_url(scale: str) -> str:
    import settings
    path = settings.DEMO_DB_PATH if scale == "demo" else settings.DATA_DIR / f"{scale}.sqlite"
    return f"sqlite:///{path}"


def manifest_path_for(url: str, scale: str) -> Path:
    """Beside a SQLite file (``demo.sqlite`` -> ``demo.manifest.json``); else data/<scale>-<dialect>."""
    from sqlalchemy import make_url
    import settings
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite" and u.database and u.database != ":memory:":
        p = Path(u.database)
        return p.parent / f"{p.stem}.manifest.json"
    return settings.DATA_DIR / f"{scale}-{backend}.manifest.json"


def write_manifest(dataset: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dataset.manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成演示报表库（确定性）及其清单 manifest")
    parser.add_argument("--url", help="SQLAlchemy URL (default: SQLite file under data/)")
    parser.add_argument("--scale", choices=sorted(SIZES), default="demo")
    parser.add_argument("--seed", type=int, default=7)
    pay = parser.add_mutually_exclusive_group()
    pay.add_argument("--no-payments", dest="payments", action="store_false", default=None,
                     help="create the payment table empty (default at province scale)")
    pay.add_argument("--payments", dest="payments", action="store_true",
                     help="generate payments (default at demo scale)")
    parser.add_argument("--manifest", type=Path, help="where to write the manifest JSON")
    args = parser.parse_args(argv)
    url = args.url or default_url(args.scale)
    t0 = time.perf_counter()
    ds = generate(args.scale, args.seed, args.payments)
    t1 = time.perf_counter()
    write(ds, url)
    t2 = time.perf_counter()
    path = args.manifest or manifest_path_for(url, args.scale)
    write_manifest(ds, path)
    from sqlalchemy import make_url
    print(f"database: {make_url(url).render_as_string(hide_password=True)}")
    print(f"manifest: {path}")
    for name, n in ds.row_counts().items():
        print(f"  {name:<16}{n:>12,}")
    print(f"generated in {t1 - t0:.1f} s, written in {t2 - t1:.1f} s, total {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
