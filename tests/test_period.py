"""Period keys from the URL: ASCII ``YYYYQn`` or ``campaign``; anything else is refused
with a Chinese message, never a crash, and never read as a second spelling of a quarter."""
from __future__ import annotations

import re
from datetime import date as D

import pytest

from queries.period import BadPeriod, make_period

AS_OF = D(2026, 11, 15)
CAMP = (D(2026, 6, 1), D(2026, 12, 31))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("key", [
    "0000Q1", "0000q1", "\u0660\u0660\u0660\u0660Q1",          # year 0, also in Arabic-Indic digits
    "２０２６Q3", "2026Ｑ3", "２０２６Q３",                       # full-width digits or Q
    "\u0662\u0660\u0662\u0666Q3", "20260Q3", "226Q3", "2026Q", "Q2026",
])
def test_other_spellings_are_refused_in_chinese(key):
    with pytest.raises(BadPeriod) as exc:
        make_period(key, AS_OF, campaign=CAMP)
    assert CHINESE.search(str(exc.value))


@pytest.mark.parametrize("key", ["2026Q3", "2026q3", " 2026Q3 "])
def test_a_quarter_has_one_key(key):
    assert make_period(key, AS_OF, campaign=CAMP).key == "2026Q3"


def test_the_first_quarter_of_year_one_has_no_previous_quarter():
    # no year 0 to compare with (date() would raise)
    assert make_period("0001Q1", AS_OF).previous() is None
    assert make_period("0001Q2", AS_OF).previous().key == "0001Q1"
