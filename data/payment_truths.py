"""The 资金发放 (一卡通) figures computed in plain Python from the generated rows, following
metrics.md literally (no SQL): the dashboard's queries are tested against them.

For a period (first day, as-of day): the payments paid in it; each belongs to its spell
(``recipient_id``): the spell's township, person and household. A scope counts distinct
persons and households among the payments placed in it; the top counts every payment.
"""
from __future__ import annotations

from datetime import date, timedelta

from queries.schema import metadata

SPACES = (" ", "\u3000")


def _ix(table: str) -> dict[str, int]:
    return {c.name: i for i, c in enumerate(metadata.tables[table].columns)}


R, PM = _ix("recipient"), _ix("payment")


def _key(name: str | None) -> str:
    for space in SPACES:
        name = (name or "").replace(space, "")
    return name


def _month_end(m: date) -> date:
    nxt = date(m.year + m.month // 12, m.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


class PaymentTruths:
    def __init__(self, tables: dict[str, list[tuple]], death: dict[str, date]):
        self.spell = {r[R["recipient_id"]]: r for r in tables["recipient"]}
        self.household_names: dict[str, set[str]] = {}
        for r in tables["recipient"]:
            if r[R["household_id"]] is not None:
                self.household_names.setdefault(r[R["household_id"]], set()).add(_key(r[R["name"]]))
        self.payments = tables["payment"]
        self.death = death          # a person's earliest death

    def figures(self, start: date, as_of: date, scopes: list[str], grace: int = 0) -> dict:
        """Every figure of the section for each scope code of ``scopes`` ('' = the top),
        in one pass over the period's payments."""
        rows = [p for p in self.payments
                if p[PM["paid_date"]] is not None and start <= p[PM["paid_date"]] <= as_of]
        shared, multi = self._shared_accounts(rows), self._multi_card(rows)
        sums = {code: dict(payments=0, amount=0.0, late=0, mismatch=0, mismatch_amount=0.0,
                           holder_unknown=0) for code in scopes}
        sets = {code: (set(), set(), set()) for code in scopes}    # suspect, shared, multi
        for p in rows:
            r = self.spell.get(p[PM["recipient_id"]])
            town = r[R["township_code"]] if r is not None else None
            places = [c for c in {"", (town or "")[:6], town or ""} if c in sums and (town or "").startswith(c)]
            if not places:
                continue
            unknown = _key(p[PM["account_holder_name"]]) == ""
            late = p[PM["paid_date"]] > _month_end(p[PM["pay_month"]]) + timedelta(days=grace)
            mismatch = r is not None and self._mismatch(p, r, unknown)
            for c in places:
                out = sums[c]
                out["payments"] += 1
                out["amount"] += p[PM["amount"]]
                out["late"] += late
                out["holder_unknown"] += unknown
                out["mismatch"] += mismatch
                out["mismatch_amount"] += p[PM["amount"]] if mismatch else 0
            if r is None:
                continue
            household, person = r[R["household_id"]], r[R["person_id"]]
            in_shared = p[PM["account_id"]] in shared
            died = self.death.get(person)
            after_death = died is not None and died <= as_of and died < p[PM["pay_month"]]
            for c in places:
                suspect, shared_h, multi_p = sets[c]
                if in_shared and household is not None:
                    shared_h.add(household)
                if person in multi:
                    multi_p.add(person)
                if (mismatch or in_shared or person in multi or after_death) and household is not None:
                    suspect.add(household)
        for c, out in sums.items():
            suspect, shared_h, multi_p = sets[c]
            out["on_time"] = out["payments"] - out["late"]
            out["amount"], out["mismatch_amount"] = round(out["amount"], 2), round(out["mismatch_amount"], 2)
            out.update(multi_card_persons=len(multi_p), shared_account_households=len(shared_h),
                       suspect_households=len(suspect))
        return sums

    def _mismatch(self, p, r, unknown: bool) -> bool:
        if unknown or r[R["programme"]] == "orphan":
            return False
        holder = _key(p[PM["account_holder_name"]])
        return holder != _key(r[R["name"]]) and holder not in self.household_names.get(r[R["household_id"]], ())

    def _shared_accounts(self, rows) -> set[str]:
        households: dict[str, set[str]] = {}
        for p in rows:
            r = self.spell.get(p[PM["recipient_id"]])
            if r is not None and p[PM["account_id"]] is not None and r[R["household_id"]] is not None:
                households.setdefault(p[PM["account_id"]], set()).add(r[R["household_id"]])
        return {a for a, hs in households.items() if len(hs) >= 2}

    def _multi_card(self, rows) -> set[str]:
        accounts: dict[str, set[str]] = {}
        for p in rows:
            r = self.spell.get(p[PM["recipient_id"]])
            if r is not None and p[PM["account_id"]] is not None:
                accounts.setdefault(r[R["person_id"]], set()).add(p[PM["account_id"]])
        return {person for person, accs in accounts.items() if len(accs) >= 2}


def payments_section(tables: dict, death: dict[str, date], periods: dict[str, tuple[date, date]],
                     scopes: list[str]) -> dict:
    """{period key: {scope code or 'top': figures}}."""
    truths = PaymentTruths(tables, death)
    return {key: {(code or "top"): figures for code, figures in
                  truths.figures(start, as_of, ["", *scopes]).items()}
            for key, (start, as_of) in periods.items()}
