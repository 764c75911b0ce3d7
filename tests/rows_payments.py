"""Hand-built rows for the 资金发放 (一卡通) tests (test_payments.py).

The city, districts and townships of rows_coverage (A, B in 思明区; C, DD in 湖里区; E in
集美区 with no rows; UNK a code of no district). "Today" is 2026-11-15, the campaign runs
from 2026-04-01; 2026Q3 is 07-01..09-30. Every spell plays one part, written beside it;
test_payments.py works the expected figures out by hand from these rows and metrics.md.
"""
from __future__ import annotations

from datetime import date as D

from rows_coverage import A, B, C, CAMPAIGN, CAMPAIGN_PHASE, DD, META, REGIONS, UNK


def _r(rid, pid, hid, name, town, programme="dibao_urban", amount=300):
    return dict(recipient_id=rid, person_id=pid, household_id=hid, name=name, township_code=town,
                programme=programme, single_person_household=None, start_date=D(2024, 1, 1),
                end_date=None, exit_reason=None, monthly_amount=amount, staff_relative=False,
                medical_aid=True, education_aid_needed=False, education_aid=None,
                housing_aid_needed=False, housing_aid=None)


RECIPIENT = [
    _r("r1", "p1", "h1", "张三丰", A),                          # last day on time, a day late, spaced, blank
    _r("r2", "p2", "h2", "李四", A, amount=500),                # holder: a household member, then a stranger
    _r("r2b", "p2b", "h2", "李小四", A, "disability_subsidy", 150),   # that household member (no payment)
    _r("r3", "p3", "h3", "赵六", B, "orphan", 2300),            # paid to a guardian by design
    _r("r4", "p4", "h4", "钱七", B, amount=400),                # two accounts in 2026Q3
    _r("r5", "p5", "h5", "孙八", C, "tekun", 1560),             # one account in Q3, another in Q4
    _r("r6", "p6", "h6", "周九", A, amount=600),                # account ax, own name
    _r("r7", "p7", "h7", "吴十", C, amount=700),                # account ax too (another township)
    _r("r8a", "p8", "h8", "郑一", A, amount=450),               # household h8 in A …
    _r("r8b", "p8b", "h8", "郑二", DD, "disability_subsidy", 150),   # … and in DD
    _r("r9", "p9", "h9", "褚九", B, amount=350),                # died 2026-07-20
    _r("r10", "p10", "h10", "卫十", UNK, amount=200),           # a township code of no district
]

DEATH_RECORD = [dict(person_id="p9", death_date=D(2026, 7, 20), source="funeral")]


def _pay(pid, rid, month, paid, amount, account, holder):
    return dict(payment_id=pid, recipient_id=rid, pay_month=month, paid_date=paid, amount=amount,
                account_id=account, account_holder_name=holder)


JUL, AUG, SEP, OCT = D(2026, 7, 1), D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1)
PAYMENT = [
    _pay("pm01", "r1", JUL, D(2026, 7, 31), 300, "a1", "张三丰"),     # last day of its month: on time
    _pay("pm02", "r1", AUG, D(2026, 9, 1), 300, "a1", "张 三丰"),     # a day later: late; spaced name
    _pay("pm03", "r1", SEP, D(2026, 9, 10), 300, "a1", None),        # no holder name: 未核实
    _pay("pm04", "r2", JUL, D(2026, 7, 10), 500, "a2", "李小四"),     # a household member: no mismatch
    _pay("pm05", "r2", AUG, D(2026, 8, 10), 500, "a2", "周九"),       # another household's name: mismatch
    _pay("pm06", "r3", JUL, D(2026, 7, 10), 2300, "a3", "赵大"),      # an orphan's guardian
    _pay("pm07", "r4", JUL, D(2026, 7, 10), 400, "a4", "钱七"),
    _pay("pm08", "r4", AUG, D(2026, 8, 10), 400, "a4b", "钱七"),      # second account: 一人多卡
    _pay("pm09", "r5", AUG, D(2026, 8, 10), 1560, "a5", "孙八"),
    _pay("pm10", "r5", OCT, D(2026, 10, 10), 1560, "a5b", "孙　八"),  # Q4, another account; full-width space
    _pay("pm11", "r6", JUL, D(2026, 7, 10), 600, "ax", "周九"),       # ax: h6 …
    _pay("pm12", "r7", JUL, D(2026, 7, 10), 700, "ax", "周九"),       # … and h7: shared; mismatch
    _pay("pm13", "r8a", JUL, D(2026, 7, 10), 450, "a8", "冯某"),      # mismatch, h8 in A
    _pay("pm14", "r8b", JUL, D(2026, 7, 10), 150, "a8b", "陈某"),     # mismatch, h8 in DD
    _pay("pm15", "r9", JUL, D(2026, 7, 10), 350, "a9", "褚九"),       # the month of death: not after
    _pay("pm16", "r9", AUG, D(2026, 8, 10), 350, "a9", "褚九"),       # after death
    _pay("pm17", "rX", JUL, D(2026, 7, 10), 100, "aX", "某"),         # no such spell: the top only
    _pay("pm18", "r10", JUL, D(2026, 7, 10), 200, "a10", "卫十"),     # unknown township code
    _pay("pm19", "r1", D(2026, 6, 1), D(2026, 6, 10), 300, "a1", "张三丰"),   # before Q3 (campaign only)
]

# the data's first day (Database.data_start) comes from screenings, petitions, clues and
# items, not payments: one screening row, of nobody here, opens the quarters from 2025
SCREENING = [dict(screening_id="s0", person_id="p0", name="某甲", township_code=A, category="other",
                  screened_date=D(2025, 1, 10), assessed_eligible=False)]

ROWS = {
    "region": REGIONS, "screening": SCREENING, "recipient": RECIPIENT, "death_record": DEATH_RECORD,
    "payment": PAYMENT, "crosscheck_hit": [], "campaign": CAMPAIGN, "campaign_phase": CAMPAIGN_PHASE,
    "meta": META,
}
