"""Personal information, masked by role in one place (views.md, Access).

Every table of cases and every download goes through here: names masked for the roles
that see them masked (张三丰 → 张*丰, 张三 → 张*), pseudonymous ids shortened for everyone
(first 6 and last 2 characters), whatever the role. A case list's columns say their kind
(``queries.cases.Column.kind``: 'name', 'id'), so a column is masked by what it holds, not
by what it is called; the known column names of the contract are masked as well, for a
frame without kinds and in case a list declares a personal column as plain text.
"""
from __future__ import annotations

import pandas as pd

from ui.access import User

# the contract's columns that carry personal information (reporting-db.md)
NAME_COLUMNS = frozenset({"name", "person_name", "petitioner_name", "official_name",
                          "account_holder_name"})
ID_COLUMNS = frozenset({"person_id", "petitioner_id", "recipient_id", "screening_id",
                        "household_id", "account_id"})
NAME_KIND, ID_KIND = "name", "id"


def mask_name(name: object) -> object:
    """张三丰 → 张*丰; 张三 → 张*; a single character stays; None stays None."""
    if not isinstance(name, str) or not name.strip():
        return name
    text = name.strip()
    if len(text) == 1:
        return text
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def shorten_id(value: object) -> object:
    """A pseudonymous id never shown whole: its first 6 and last 2 characters. Numbers
    are ids too (a database may hold them as integers): shortened as their digits."""
    if _missing(value):
        return None
    text = _id_text(value)
    if not text:
        return text
    if len(text) <= 8:   # too short to shorten and still hide anything
        return text[:2] + "…"
    return f"{text[:6]}…{text[-2:]}"


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _id_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))          # an integer id read into a float column
    return str(value)


def personal_columns(frame: pd.DataFrame, kinds: dict[str, str] | None = None) -> list[str]:
    """The columns of ``frame`` that hold names or ids (by kind, else by name)."""
    return [c for c in frame.columns if _kind(c, kinds) is not None]


def _kind(column: object, kinds: dict[str, str] | None) -> str | None:
    kind = (kinds or {}).get(column)
    if kind == NAME_KIND or column in NAME_COLUMNS:
        return NAME_KIND
    if kind == ID_KIND or column in ID_COLUMNS:
        return ID_KIND
    return None


def mask_frame(frame: pd.DataFrame, user: User, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """A copy fit for ``user``'s eyes: ids shortened always, names masked by role.
    ``kinds`` maps columns to their kind ('name', 'id', …) where the frame's columns are
    not the contract's names."""
    out = frame.copy()
    for column in out.columns:
        kind = _kind(column, kinds)
        if kind == ID_KIND:
            out[column] = _objects(out[column].map(shorten_id))
        elif kind == NAME_KIND and user.masks_names:
            out[column] = _objects(out[column].map(mask_name))
    return out


def _objects(values: pd.Series) -> pd.Series:
    """Text with None where a value is missing (pandas turns None into NaN on the way)."""
    values = values.astype(object)
    return values.where(values.notna(), None)

