"""Periods: a calendar quarter or the campaign to date, each with its as-of day.

metrics.md, Conventions: the as-of day is the period's last day, or ``meta.data_as_of``
if that is earlier. 环比 compares a quarter with the previous one on that quarter's own
as-of day; when the current quarter is cut short by ``data_as_of``, the previous quarter
is cut at the same day of the quarter (同期): 11-15 in Q4 compares with 08-15 in Q3.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date

CAMPAIGN = "campaign"
# ASCII digits only: \d would also take ２０２６ or ٢٠٢٦, a second spelling of a quarter
_QUARTER = re.compile(r"^([0-9]{4})[Qq]([1-4])$")


class BadPeriod(ValueError):
    """A period that cannot be read or lies outside the data; the message is for users."""


@dataclass(frozen=True)
class Period:
    key: str           # '2026Q3' or 'campaign' (the URL value)
    start: date        # first day of the period
    end: date          # last day of the period as planned (quarter end, campaign end)
    as_of: date        # the day stocks are evaluated on; flows run start..as_of
    data_as_of: date   # meta.data_as_of, to tell whether as_of is the latest day

    @property
    def is_campaign(self) -> bool:
        return self.key == CAMPAIGN

    @property
    def is_latest(self) -> bool:
        """True when the as-of day is the latest day of the data: status may split open items."""
        return self.as_of == self.data_as_of

    @property
    def cut_short(self) -> bool:
        return self.as_of < self.end

    @property
    def label(self) -> str:
        text = key_label(self.key)
        if self.cut_short and not self.is_campaign:
            text += f"（截至{self.as_of.month}月{self.as_of.day}日）"
        return text

    def previous(self) -> "Period | None":
        """The 环比 period: the previous quarter on the same day of the quarter, or None."""
        if self.is_campaign:
            return None
        year, q = int(self.key[:4]), int(self.key[-1])
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
        if year < 1:
            return None
        start, end = quarter_bounds(year, q)
        as_of = end
        if self.cut_short:
            months_in = (self.as_of.year - self.start.year) * 12 + self.as_of.month - self.start.month
            month = start.month + months_in
            day = min(self.as_of.day, calendar.monthrange(start.year, month)[1])
            as_of = date(start.year, month, day)
        return replace(self, key=f"{year:04d}Q{q}", start=start, end=end, as_of=as_of)


def quarter_bounds(year: int, q: int) -> tuple[date, date]:
    first_month = 3 * (q - 1) + 1
    last_month = first_month + 2
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def quarter_of(day: date) -> str:
    return f"{day.year:04d}Q{(day.month - 1) // 3 + 1}"


def key_label(key: str) -> str:
    """A period key's Chinese name: 专项治理以来, 2026年第3季度."""
    if key == CAMPAIGN:
        return "专项治理以来"
    return f"{key[:4]}年第{key[-1]}季度"


def make_period(key: str, data_as_of: date, campaign: tuple[date, date] | None = None,
                data_start: date | None = None) -> Period:
    """Read a period key from a URL; ``campaign`` is (start, end) of the latest campaign."""
    key = (key or "").strip()
    if key == CAMPAIGN:
        if campaign is None:
            raise BadPeriod("报表库中没有专项治理活动，无法按“专项治理以来”统计。")
        start, end = campaign
        if start > data_as_of:
            raise BadPeriod("专项治理尚未开始（开始日期晚于数据截至日）。")
        return Period(CAMPAIGN, start, end, min(end, data_as_of), data_as_of)
    match = _QUARTER.match(key)
    if not match or int(match[1]) < 1:          # there is no year 0
        raise BadPeriod(f"无法识别的统计期“{key[:20]}”。请选择季度（如 2026Q3）或“专项治理以来”。")
    start, end = quarter_bounds(int(match[1]), int(match[2]))
    if start > data_as_of:
        raise BadPeriod(f"{match[1]}年第{match[2]}季度晚于数据截至日 {data_as_of.isoformat()}，暂无数据。")
    if data_start is not None and end < data_start:
        raise BadPeriod(f"{match[1]}年第{match[2]}季度早于数据起始日 {data_start.isoformat()}。")
    return Period(key.upper(), start, end, min(end, data_as_of), data_as_of)


def quarters_between(first: date, last: date) -> list[str]:
    """Quarter keys from the quarter of ``first`` to that of ``last``, newest first."""
    keys, y, q = [], last.year, (last.month - 1) // 3 + 1
    while (y, q) >= (first.year, (first.month - 1) // 3 + 1):
        keys.append(f"{y}Q{q}")
        y, q = (y - 1, 4) if q == 1 else (y, q - 1)
    return keys
