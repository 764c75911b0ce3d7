"""Hand-built rows for the monthly series (test_series.py) and the case lists
(test_cases.py). Data as of 2026-11-15; the series run from 2026-01 to 2026-11, so the
points are the month ends 01-31 … 10-31 and the as-of day 11-15 (P1 … P11).

Townships (rows_small_city): A 350203001, B 350203002 (思明区); C 350206001,
D 350206002 (湖里区); E 350211001 (集美区); UNK 350299001 is in no district.

Every person plays one part, written beside their rows; the expected values in
test_series.py are worked out by hand from these rows and metrics.md.
"""
from __future__ import annotations

from datetime import date as D

from rows_small_city import META, REGIONS

A, B, C, DD, E = "350203001", "350203002", "350206001", "350206002", "350211001"
UNK = "350299001"


def _s(sid, pid, town, day, eligible, category="low_income"):
    return dict(screening_id=sid, person_id=pid, name="某" + pid, township_code=town,
                category=category, screened_date=day, assessed_eligible=eligible)


def _r(rid, pid, town, programme, start, end=None, amount=500, staff=False):
    return dict(recipient_id=rid, person_id=pid, household_id="h" + pid, name="某" + pid,
                township_code=town, programme=programme, start_date=start, end_date=end,
                monthly_amount=amount, staff_relative=staff)


# 漏保: a spell covers D when start <= D < end; a screening row decides from its day
# until the person's next row or death.
SCREENING = [
    _s("s01", "g1", A, D(2026, 5, 10), True, "severe_disability"),  # only a non-core spell: gap from P5
    _s("s02", "g2", A, D(2026, 6, 15), True, "serious_illness"),    # gap P6 P7; dibao from 08-01
    _s("s03", "g3", B, D(2026, 4, 1), True, "edge_poverty"),       # tekun to 07-10, rural from 09-30: gap P7 P8
    _s("s04", "g4", B, D(2026, 2, 1), True),                       # overlapping spells (counted once); gap P2, P10 P11
    _s("s05a", "g5", A, D(2026, 6, 1), True),                      # gap P6 P7 P8, then
    _s("s05b", "g5", A, D(2026, 9, 10), False),                    #   a later row, not eligible: gone from P9
    _s("s06", "g6", C, D(2026, 7, 20), True),                      # gap P7 P8 P9; died 10-05
    _s("s07", "g7", C, D(2026, 5, 20), True, "other"),             # gap P5; dibao 06-01..08-31; gap from P8 (ends on 08-31)
    _s("s08", "g8", UNK, D(2026, 8, 5), True),                     # unknown code: gap from P8 (city only)
    _s("s09a", "g9", A, D(2026, 6, 10), True),                     # same day: the larger id decides,
    _s("s09b", "g9", A, D(2026, 6, 10), False),                    #   not eligible: never counted
    _s("s10", "g10", A, D(2026, 11, 20), True),                    # after the as-of day: never
    _s("s11", "g11", B, D(2026, 10, 15), True),                    # gap P10; dibao starts on the as-of day
    _s("s12a", "g12", A, D(2026, 5, 1), True),                     # gap in A P5 P6 P7, then moves:
    _s("s12b", "g12", C, D(2026, 8, 10), True),                    #   gap in C P8 P9; dibao in C from 10-20
    _s("s13", "g13", DD, D(2026, 5, 5), True),                     # two touching spells: covered throughout
    _s("s14", "g14", DD, D(2026, 5, 1), True),                     # died before the screening: never
    _s("s15", "g15", E, D(2026, 9, 1), True, None),                # a spell ending before it starts: gap from P9
]
RECIPIENT = [
    _r("r01", "g1", A, "disability_subsidy", D(2025, 1, 1)),
    _r("r02", "g2", A, "dibao_urban", D(2026, 8, 1)),
    _r("r03a", "g3", B, "tekun", D(2026, 1, 1), D(2026, 7, 10)),
    _r("r03b", "g3", B, "dibao_rural", D(2026, 9, 30)),
    _r("r04a", "g4", B, "dibao_urban", D(2026, 3, 1), D(2026, 10, 1)),
    _r("r04b", "g4", B, "tekun", D(2026, 6, 1), D(2026, 9, 1)),
    _r("r07", "g7", C, "dibao_urban", D(2026, 6, 1), D(2026, 8, 31)),
    _r("r11", "g11", B, "dibao_urban", D(2026, 11, 15)),
    _r("r12", "g12", C, "dibao_rural", D(2026, 10, 20)),
    _r("r13a", "g13", DD, "dibao_rural", D(2026, 1, 1), D(2026, 7, 15)),
    _r("r13b", "g13", DD, "dibao_urban", D(2026, 7, 15)),
    _r("r15a", "g15", E, "dibao_urban", D(2026, 9, 10), D(2026, 9, 5)),
    _r("r15b", "g15", E, "linshi", D(2026, 10, 1), D(2026, 10, 1)),
]
DEATH_RECORD = [
    dict(person_id="g6", death_date=D(2026, 10, 5), source="funeral"),
    dict(person_id="g14", death_date=D(2026, 4, 1), source="funeral"),
]


def _clue(cid, town, received, concluded, official=False):
    return dict(clue_id=cid, township_code=town, source="hotline", category="fraud",
                received_date=received, due_date=None, concluded_date=concluded,
                status="concluded" if concluded else "verifying", involves_official=official)


# concluded on D = received <= D and concluded <= D
CLUE = [
    _clue("k1", A, D(2026, 2, 10), D(2026, 3, 5)),
    _clue("k2", A, D(2026, 2, 20), D(2026, 2, 25), official=True),
    _clue("k3", B, D(2026, 3, 15), D(2026, 6, 10)),
    _clue("k4", C, D(2026, 5, 1), None),
    _clue("k5", C, D(2026, 5, 31), D(2026, 7, 1)),
    _clue("k6", UNK, D(2026, 8, 2), D(2026, 7, 30), official=True),  # concluded before received: counts in August
    _clue("k7", A, D(2026, 9, 9), D(2026, 11, 16)),                  # concluded after the as-of day
    _clue("k8", B, D(2026, 11, 15), D(2026, 11, 15)),                # both on the as-of day
    _clue("k9", A, D(2026, 11, 16), None),                           # received after the as-of day
]


def _item(iid, town, found, closed):
    return dict(item_id=iid, campaign_id="C1", township_code=town, source="self_check",
                category="procedure", found_date=found, deadline=None,
                status="closed" if closed else "open", closed_date=closed)


# closed on D = found <= D and closed <= D
RECTIFICATION = [
    _item("i1", A, D(2026, 4, 10), D(2026, 5, 20)),
    _item("i2", A, D(2026, 4, 20), None),
    _item("i3", C, D(2026, 6, 5), D(2026, 6, 1)),      # closed before found: closed from its found day
    _item("i4", DD, D(2026, 6, 30), D(2026, 9, 30)),
    _item("i5", UNK, D(2026, 10, 1), D(2026, 11, 16)),  # closed after the as-of day
    _item("i6", B, D(2026, 11, 15), D(2026, 11, 15)),
]


def _p(pid, matter, town, received):
    return dict(petition_id=pid, matter_id=matter, township_code=town, channel="letter",
                category="other", received_date=received, status="accepted")


# a matter lies where its first petition lies; it is a repeat matter from its third
PETITION = [
    _p("p01", "M1", A, D(2026, 2, 3)), _p("p02", "M1", B, D(2026, 3, 10)),
    _p("p03", "M1", C, D(2026, 5, 5)), _p("p04", "M1", A, D(2026, 6, 1)),      # M1 in A, repeat in May
    _p("p05", "M2", C, D(2026, 5, 20)), _p("p06", "M2", A, D(2026, 5, 21)),
    _p("p07", "M2", C, D(2026, 7, 31)),                                      # M2 in C, repeat in July
    _p("p08", "M3", B, D(2026, 8, 1)), _p("p09", "M3", B, D(2026, 8, 2)),
    _p("p10", "M3", B, D(2026, 11, 16)),                                     # M3 in B, third after as-of
    _p("p11", "M4", UNK, D(2026, 9, 1)), _p("p12", "M4", A, D(2026, 9, 2)),
    _p("p13", "M4", A, D(2026, 11, 15)),                                     # M4 unknown, repeat on the as-of day
    _p("p14", "M5", A, D(2026, 10, 10)),                                     # M5 in A, once
]

ROWS = {"region": REGIONS, "meta": META, "screening": SCREENING, "recipient": RECIPIENT,
        "death_record": DEATH_RECORD, "clue": CLUE, "rectification": RECTIFICATION,
        "petition": PETITION}
