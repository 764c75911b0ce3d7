"""Hand-built rows for the 应保尽保 (coverage) tests (test_coverage.py).

The data are "today" 2026-11-15 (meta.data_as_of), so 2026Q4 is cut short at 11-15 and its
环比 is 2026Q3 up to 08-15. Every person is named pN and plays one part, written beside it;
the expected figures in test_coverage.py are worked out by hand from these rows and
metrics.md, never from the query code.

Regions (population):
    350200 厦门市 city (10000)
      350203 思明区 (2000): A 350203001 (1000), B 350203002 (1000)
      350206 湖里区 (4000): C 350206001 (2000), D 350206002 (population unknown)
      350211 集美区 (1000): E 350211001 (1000)  -- no rows at all (the empty scope)
Unknown codes: UNK 350299001 (no such district: 未识别区划 at the top) and
UNK_SM 350203999 (inside 思明区's code range but no such township: counted in 思明区's total
and shown as 未识别区划 in 思明区's breakdown).
"""
from __future__ import annotations

from datetime import date as D

CITY, SIMING, HULI, JIMEI = "350200", "350203", "350206", "350211"
A, B, C, DD, E = "350203001", "350203002", "350206001", "350206002", "350211001"
UNK, UNK_SM = "350299001", "350203999"
DATA_AS_OF = D(2026, 11, 15)


def _region(code, name, level, parent, population):
    return dict(code=code, name=name, level=level, parent_code=parent, lon=118.1, lat=24.5,
                population=population)


REGIONS = [
    _region(CITY, "厦门市", "city", None, 10000),
    _region(SIMING, "思明区", "district", CITY, 2000),
    _region(HULI, "湖里区", "district", CITY, 4000),
    _region(JIMEI, "集美区", "district", CITY, 1000),
    _region(A, "厦港街道", "township", SIMING, 1000),
    _region(B, "中华街道", "township", SIMING, 1000),
    _region(C, "湖里街道", "township", HULI, 2000),
    _region(DD, "殿前街道", "township", HULI, None),
    _region(E, "集美街道", "township", JIMEI, 1000),
]


def _s(sid, pid, town, day, eligible, category="low_income"):
    return dict(screening_id=sid, person_id=pid, name="某" + pid, township_code=town,
                category=category, screened_date=day, assessed_eligible=eligible)


# Waiting days are counted to the as-of day 2026-11-15 (Q4) unless said otherwise.
SCREENING = [
    _s("s01", "p1", A, D(2026, 10, 1), True, "severe_disability"),  # gap, 45 days
    _s("s02", "p2", A, D(2026, 10, 16), True, "serious_illness"),   # gap, exactly 30 days
    _s("s03", "p3", A, D(2026, 10, 2), True),                       # covered: dibao_urban in A
    _s("s04", "p4", A, D(2026, 10, 3), True),                       # covered: tekun in C (another township)
    _s("s05", "p5", A, D(2026, 11, 5), True, "edge_poverty"),       # spell ends on the as-of day: gap, 10 days
    _s("s06", "p6", A, D(2026, 10, 25), True),                      # spell starts on the as-of day: covered
    _s("s07", "p7", A, D(2026, 9, 1), True, "severe_disability"),   # only disability_subsidy: gap, 75 days
    _s("s08", "p8", A, D(2026, 11, 14), True, "expenditure_poverty"),  # only linshi: gap, 1 day
    _s("s09", "p9", A, D(2026, 11, 1), True, "serious_illness"),    # died on the as-of day: not counted
    _s("s10", "p10", A, D(2026, 10, 1), None),                      # not yet assessed: not counted
    _s("s11", "p11", A, D(2026, 10, 1), False),                     # not eligible: not counted
    # two rows: the later (in B, eligible) decides -> gap in B, 26 days
    _s("s12a", "p12", A, D(2026, 6, 1), False, "low_income"),
    _s("s12b", "p12", B, D(2026, 10, 20), True, "serious_illness"),
    # two rows: the later (in A, not eligible) decides -> not counted (on 08-15: eligible gap in B)
    _s("s13a", "p13", B, D(2026, 5, 1), True, "returned_poverty"),
    _s("s13b", "p13", A, D(2026, 9, 10), False, "returned_poverty"),
    # two rows on the same day: the larger screening_id (s14b, in B, eligible) decides -> gap, 36 days
    _s("s14a", "p14", A, D(2026, 10, 10), False, "other"),
    _s("s14b", "p14", B, D(2026, 10, 10), True, "unsupported_child"),
    # a later row dated after the as-of day is ignored -> gap in B, 75 days
    _s("s15a", "p15", B, D(2026, 9, 1), True, "edge_poverty"),
    _s("s15b", "p15", A, D(2026, 11, 20), False, "other"),
    _s("s16", "p16", UNK, D(2026, 10, 5), True),                    # unknown code: gap, 41 days
    _s("s17", "p17", UNK_SM, D(2026, 11, 1), True, "other"),        # unknown code in 思明区: gap, 14 days
    _s("s18", "p18", C, D(2026, 8, 1), True, "returned_poverty"),   # gap, 106 days
    _s("s19", "p19", C, D(2026, 9, 15), True),                      # covered (dibao from 10-05)
    _s("s20", "p20", DD, D(2026, 7, 10), True),                     # covered (dibao_rural)
    _s("s21", "p21", A, D(2026, 6, 15), True, "serious_illness"),   # died 11-01: not counted in Q4
    _s("s22", "p22", A, D(2026, 11, 20), True),                     # only row after the as-of day
    _s("s23", "p23", C, D(2026, 11, 5), True, "expenditure_poverty"),  # gap, 10 days
]


def _r(rid, pid, town, programme, start, end=None, exit_reason=None, *, single=None,
       staff=False, medical=True, edu_needed=False, edu=None, housing_needed=False,
       housing=None, amount=500):
    return dict(recipient_id=rid, person_id=pid, household_id="h" + pid, name="某" + pid,
                township_code=town, programme=programme, single_person_household=single,
                start_date=start, end_date=end, exit_reason=exit_reason, monthly_amount=amount,
                staff_relative=staff, medical_aid=medical, education_aid_needed=edu_needed,
                education_aid=edu, housing_aid_needed=housing_needed, housing_aid=housing)


RECIPIENT = [
    _r("r03", "p3", A, "dibao_urban", D(2025, 1, 1)),
    _r("r04", "p4", C, "tekun", D(2024, 6, 1), medical=False, edu_needed=None, edu=None),
    _r("r05", "p5", A, "dibao_rural", D(2025, 3, 1), D(2026, 11, 15), "ineligible",
       staff=True, medical=False),                         # ends on the as-of day: not active
    _r("r06", "p6", A, "dibao_urban", D(2026, 11, 15), single=True, medical=None),
    _r("r07", "p7", A, "disability_subsidy", D(2025, 1, 1), staff=True, medical=False),
    # linshi: one-off; its payment day (end_date) lies after the as-of day, so it is even
    # "active" by the contract's rule, and still does not cover 漏保
    _r("r08", "p8", A, "linshi", D(2026, 11, 10), D(2026, 12, 1)),
    _r("r19", "p19", C, "dibao_urban", D(2026, 10, 5), single=False, staff=True,
       edu_needed=True, edu=False, housing_needed=True, housing=True),
    _r("r20", "p20", DD, "dibao_rural", D(2026, 2, 1), housing_needed=True, housing=None),
    # p30 moves from rural to urban dibao on 10-10 (exit 'other', new spell single null)
    _r("r30a", "p30", B, "dibao_rural", D(2024, 3, 1), D(2026, 10, 10), "other",
       staff=True, medical=False),
    _r("r30b", "p30", B, "dibao_urban", D(2026, 10, 10), staff=None,
       edu_needed=None, edu=True, housing_needed=None, housing=False),
    # p31: two active core spells at once (dirty data): one person
    _r("r31a", "p31", A, "dibao_urban", D(2026, 9, 30), single=False, medical=False),
    _r("r31b", "p31", A, "tekun", D(2026, 1, 1), medical=False, housing_needed=True,
       housing=False),
    _r("r40", "p40", A, "dibao_urban", D(2024, 1, 1)),     # died 11-01 (and 11-10)
    _r("r41", "p41", C, "dibao_rural", D(2023, 1, 1), D(2026, 10, 31), "deceased"),  # died 09-20
    _r("r42", "p42", B, "tekun", D(2026, 10, 20), single=True),  # died 11-10 (and 11-15)
    _r("r43", "p43", A, "dibao_rural", D(2025, 6, 1), edu_needed=True, edu=True,
       housing_needed=True, housing=False),                # died on the as-of day
    _r("r44", "p44", UNK, "dibao_urban", D(2024, 5, 1), medical=False),  # died 08-20
    _r("r45", "p45", C, "disability_subsidy", D(2024, 1, 1), medical=False),  # died 10-01
    _r("r47", "p47", A, "dibao_rural", D(2026, 11, 16), single=True, medical=False),  # after as-of
    _r("r48", "p48", UNK, "dibao_rural", D(2026, 10, 12), single=True),
    _r("r49", "p49", A, "dibao_urban", D(2024, 1, 1), D(2026, 10, 15), "favouritism"),
    _r("r50", "p50", B, "dibao_urban", D(2024, 1, 1), D(2026, 11, 1), "policy"),
    _r("r51", "p51", DD, "dibao_rural", D(2023, 5, 1), D(2026, 10, 20), None),
    _r("r52", "p52", A, "dibao_urban", D(2024, 1, 1), D(2026, 9, 30), "favouritism"),
    _r("r53", "p53", C, "tekun", D(2022, 1, 1), D(2026, 10, 25), "deceased"),
    _r("r54", "p54", B, "dibao_urban", D(2026, 7, 20), D(2026, 8, 10), "ineligible", single=True),
]

DEATH_RECORD = [
    dict(person_id="p9", death_date=D(2026, 11, 15), source="funeral"),
    dict(person_id="p21", death_date=D(2026, 11, 1), source="funeral"),
    dict(person_id="p40", death_date=D(2026, 11, 1), source="funeral"),
    dict(person_id="p40", death_date=D(2026, 11, 10), source="public_security"),
    dict(person_id="p41", death_date=D(2026, 10, 15), source="funeral"),
    dict(person_id="p41", death_date=D(2026, 9, 20), source="health"),       # the earliest
    dict(person_id="p42", death_date=D(2026, 11, 15), source="funeral"),
    dict(person_id="p42", death_date=D(2026, 11, 10), source="health"),      # the earliest
    dict(person_id="p43", death_date=D(2026, 11, 15), source="funeral"),
    dict(person_id="p44", death_date=D(2026, 8, 20), source="public_security"),
    dict(person_id="p45", death_date=D(2026, 10, 1), source="funeral"),
]


def _pay(pid, rid, month, paid, amount):
    return dict(payment_id=pid, recipient_id=rid, pay_month=month, paid_date=paid,
                amount=amount, account_id="acc" + rid, account_holder_name="某")


PAYMENT = [
    _pay("pay03", "r03", D(2026, 11, 1), D(2026, 11, 5), 700),     # alive
    _pay("pay40a", "r40", D(2026, 10, 1), D(2026, 10, 5), 500),    # before death
    _pay("pay40b", "r40", D(2026, 11, 1), D(2026, 11, 5), 500),    # the death month itself
    _pay("pay41a", "r41", D(2026, 9, 1), D(2026, 9, 5), 600),      # the death month (09-20)
    _pay("pay41b", "r41", D(2026, 10, 1), D(2026, 10, 5), 600),    # after: counted (paid 10-05)
    _pay("pay42a", "r42", D(2026, 11, 1), D(2026, 11, 5), 800),    # death month (11-10)
    _pay("pay44a", "r44", D(2026, 8, 1), D(2026, 8, 5), 450.50),   # death month (08-20)
    _pay("pay44b", "r44", D(2026, 9, 1), D(2026, 9, 5), 450.50),   # after
    _pay("pay44c", "r44", D(2026, 10, 1), D(2026, 10, 5), 450.50),  # after
    _pay("pay44d", "r44", D(2026, 11, 1), D(2026, 11, 5), 450.50),  # after
]


def _hit(hid, rid, town, register, hit, status, resolved=None):
    return dict(hit_id=hid, recipient_id=rid, township_code=town, register=register,
                hit_date=hit, status=status, resolved_date=resolved)


CROSSCHECK_HIT = [
    _hit("h1", "r03", A, "vehicle", D(2026, 10, 5), "pending"),                    # 41 days open
    _hit("h2", "r40", A, "property", D(2026, 10, 16), "pending"),                  # exactly 30 days
    _hit("h3", "r30b", B, "business", D(2026, 9, 1), "confirmed", D(2026, 10, 20)),
    _hit("h4", "r42", B, "vehicle", D(2026, 10, 10), "cleared", D(2026, 11, 1)),
    _hit("h5", "r19", C, "deceased", D(2026, 8, 1), "confirmed", D(2026, 10, 10)),
    _hit("h6", "r44", UNK, "public_payroll", D(2026, 10, 1), "pending"),           # 45 days open
    _hit("h7", "r04", C, "village_cadre", D(2026, 7, 5), "confirmed", D(2026, 8, 20)),
]

CAMPAIGN = [dict(campaign_id="c2026", name="2026年社会救助领域群众身边不正之风和腐败问题专项整治",
                 start_date=D(2026, 4, 1), end_date=D(2026, 12, 31))]
CAMPAIGN_PHASE = [
    dict(campaign_id="c2026", seq=1, name="自查自纠", start_date=D(2026, 4, 1), end_date=D(2026, 5, 31)),
    dict(campaign_id="c2026", seq=2, name="全面检查", start_date=D(2026, 6, 1), end_date=D(2026, 8, 31)),
    dict(campaign_id="c2026", seq=3, name="重点抽查", start_date=D(2026, 9, 1), end_date=D(2026, 10, 31)),
    dict(campaign_id="c2026", seq=4, name="整改深化", start_date=D(2026, 11, 1), end_date=D(2026, 12, 31)),
]
META = [dict(key="data_as_of", value=DATA_AS_OF.isoformat()), dict(key="source_note", value="demo")]

ROWS = {
    "region": REGIONS, "screening": SCREENING, "recipient": RECIPIENT,
    "death_record": DEATH_RECORD, "payment": PAYMENT, "crosscheck_hit": CROSSCHECK_HIT,
    "campaign": CAMPAIGN, "campaign_phase": CAMPAIGN_PHASE, "meta": META,
}
