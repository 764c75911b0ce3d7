"""一卡通 payments for the demo (and the province benchmark, ``--payments``), with the
anomalies the 一卡通 campaign looks for planted (metrics.md, 资金发放; seed 002):

- background: every paid spell is paid on the 10th for each month it is active; a
  household of several members is, half the time, paid into the first member's card in
  that member's name (a household member, not a mismatch); an orphan is paid into a
  guardian's card in the guardian's name (by design, not a mismatch);
- 资金发放不及时: in one district (LATE_DISTRICT), the payments for the third quarter's
  months are paid early in the next month;
- 持卡人不一致: a few spells paid, from MISMATCH_FROM, to a holder outside the household;
  beside them holders written with a space inside the name (not a mismatch) and holders
  left blank (未核实);
- 一人多卡: a few persons paid alternately into two accounts, and one who changes account
  once (two accounts in the campaign, one in the latest quarter);
- 一卡多户 (代管代取): in one township (SHARED_TOWNSHIP), accounts in a village cadre's
  name that receive, from SHARED_FROM, the payments of two or three households;
- the planted deceased are still paid (死亡后发放), as their spells are still active.

Its own random stream: the other tables do not change with it. The manifest recomputes
every figure from the rows (data.manifest.payments_section); the ids planted are listed.
"""
from __future__ import annotations

import hashlib
import random
from datetime import date

from data.names import fake_name, surname_of

LATE_DISTRICT = "350205"                  # 海沧区
LATE_MONTHS = (date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1))
SHARED_TOWNSHIP = "350211102"             # 灌口镇
SHARED_GROUPS = (2, 3, 2)                 # households per shared account
SHARED_FROM = date(2026, 5, 1)
MISMATCH_FROM = date(2026, 4, 1)
UNKNOWN_FROM = date(2026, 6, 1)
SWITCH_ON = date(2026, 8, 1)
PAID_ON_DAY = 10
PLANTED = {"demo": dict(mismatch=6, spaces=3, unknown=3, alternating=3),
           "province": dict(mismatch=30, spaces=6, unknown=6, alternating=12)}
# recipient tuple positions (queries.schema order)
RID, PID, HID, NAME, TOWN, PROGRAMME, START, END, AMOUNT = 0, 1, 2, 3, 4, 5, 7, 8, 10


def _account(seed: int, kind: str, key: str) -> str:
    return hashlib.sha256(f"{seed}:{kind}:{key}".encode()).hexdigest()[:20]


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


class PaymentPlan:
    """Who is paid into which account, in whose name, and when: decided per spell, then
    written month by month (``rows``)."""

    def __init__(self, recipients: list[tuple], months: tuple[date, ...], as_of: date,
                 seed: int, scale: str, paid_programmes: tuple[str, ...], avoid: set[str]):
        self.recipients, self.months, self.as_of, self.seed = recipients, months, as_of, seed
        self.rng = random.Random(f"{seed}:payments")
        self.paid = [i for i, r in enumerate(recipients)
                     if r[PROGRAMME] in paid_programmes and self._months_of(r)]
        self.avoid = avoid                 # spells already planted elsewhere (the deceased)
        self.household_size: dict[str, int] = {}
        for r in recipients:
            self.household_size[r[HID]] = self.household_size.get(r[HID], 0) + 1
        self.card: dict[int, tuple[str, str]] = {}       # spell → (account, holder)
        self.overrides: dict[int, list] = {}             # spell → [(from month, account, holder)]
        self.alternate: dict[int, str] = {}              # spell → second account, odd months
        self.planted: dict = {}
        self._background()
        self._plant(PLANTED[scale])

    def _months_of(self, r) -> list[date]:
        start, end = r[START], r[END]
        return [m for m in self.months
                if start < _next_month(m) and (end is None or end > m) and self._paid_day(r, m) <= self.as_of]

    def _paid_day(self, r, m: date) -> date:
        if r[TOWN].startswith(LATE_DISTRICT) and m in LATE_MONTHS:
            nxt = _next_month(m)
            return date(nxt.year, nxt.month, 1 + int(hashlib.md5(r[RID].encode()).digest()[0]) % 6)
        return date(m.year, m.month, PAID_ON_DAY)

    # -- who holds the card -----------------------------------------------------------
    def _background(self) -> None:
        members: dict[str, list[int]] = {}
        for i in self.paid:
            members.setdefault(self.recipients[i][HID], []).append(i)
        by_person: dict[str, tuple[str, str]] = {}
        for hid, spells in members.items():
            head = self.recipients[spells[0]]
            family_card = len({self.recipients[i][PID] for i in spells}) > 1 and self.rng.random() < 0.5
            for i in spells:
                r = self.recipients[i]
                if r[PROGRAMME] == "orphan":
                    guardian = fake_name(self.rng, surname_of(r[NAME]))
                    self.card[i] = (_account(self.seed, "guardian", r[RID]), guardian)
                elif family_card:
                    self.card[i] = (_account(self.seed, "acct", head[PID]), head[NAME])
                else:
                    self.card[i] = by_person.setdefault(
                        r[PID], (_account(self.seed, "acct", r[PID]), r[NAME]))

    def _candidates(self, n: int, *, township: str | None = None) -> list[int]:
        """``n`` spells of one-person households paid in every month from the campaign's
        start to the as-of day, outside the late district, not planted already."""
        sizes = self.household_size
        pool = [i for i in self.paid
                if sizes[self.recipients[i][HID]] == 1 and i not in self.avoid
                and self.recipients[i][PROGRAMME] in ("dibao_urban", "dibao_rural", "tekun")
                and self.recipients[i][START] < date(2026, 1, 1) and self.recipients[i][END] is None
                and not self.recipients[i][TOWN].startswith(LATE_DISTRICT)
                and (township is None or self.recipients[i][TOWN] == township)]
        picked = self.rng.sample(pool, n)
        self.avoid.update(picked)
        return picked

    def _stranger(self, r) -> str:
        """A name of another family (the candidates live alone: their household's only
        name is their own)."""
        while True:
            name = fake_name(self.rng)
            if surname_of(name) != surname_of(r[NAME]):
                return name

    def _plant(self, n: dict) -> None:
        pl, rec, seed = self.planted, self.recipients, self.seed
        pl["late_district"], pl["late_months"] = LATE_DISTRICT, [m.isoformat() for m in LATE_MONTHS]
        pl["mismatch_recipients"] = []
        for i in self._candidates(n["mismatch"]):
            self.overrides[i] = [(MISMATCH_FROM, self.card[i][0], self._stranger(rec[i]))]
            pl["mismatch_recipients"].append(rec[i][RID])
        pl["spaced_holder_recipients"] = []
        for k, i in enumerate(self._candidates(n["spaces"])):
            name = rec[i][NAME]
            space = "\u3000" if k == 0 else " "
            cut = len(surname_of(name))
            self.card[i] = (self.card[i][0], name[:cut] + space + name[cut:])
            pl["spaced_holder_recipients"].append(rec[i][RID])
        pl["blank_holder_recipients"] = []
        for i in self._candidates(n["unknown"]):
            self.overrides[i] = [(UNKNOWN_FROM, self.card[i][0], None)]
            pl["blank_holder_recipients"].append(rec[i][RID])
        pl["alternating_accounts_persons"] = []
        for i in self._candidates(n["alternating"]):
            self.alternate[i] = _account(seed, "second", rec[i][PID])
            pl["alternating_accounts_persons"].append(rec[i][PID])
        (i,) = self._candidates(1)
        self.overrides[i] = [(SWITCH_ON, _account(seed, "second", rec[i][PID]), self.card[i][1])]
        pl["account_switch_person"] = {"person_id": rec[i][PID], "switched_on": SWITCH_ON.isoformat()}
        pl["shared_township"], pl["shared_accounts"] = SHARED_TOWNSHIP, {}
        spells = iter(self._candidates(sum(SHARED_GROUPS), township=SHARED_TOWNSHIP))
        for k, size in enumerate(SHARED_GROUPS):
            account = _account(seed, "cadre", f"{SHARED_TOWNSHIP}:{k}")
            cadre = fake_name(self.rng)
            group = [next(spells) for _ in range(size)]
            for i in group:
                self.overrides[i] = [(SHARED_FROM, account, cadre)]
            pl["shared_accounts"][account] = sorted(rec[i][HID] for i in group)

    # -- the rows ---------------------------------------------------------------------
    def rows(self) -> list[tuple]:
        out = []
        for i in self.paid:
            r = self.recipients[i]
            for k, m in enumerate(self._months_of(r)):
                account, holder = self.card[i]
                for since, acc, name in self.overrides.get(i, ()):
                    if m >= since:
                        account, holder = acc, name
                if i in self.alternate and m.month % 2 == 1:
                    account = self.alternate[i]
                out.append((f"PM{len(out) + 1:09d}", r[RID], m, self._paid_day(r, m), r[AMOUNT],
                            account, holder))
        return out
