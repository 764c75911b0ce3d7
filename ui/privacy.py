"""Personal information, masked by role in one place (views.md, Access).

Every table of cases and every download goes through ``mask_frame``: names masked for the
roles that see them masked (张三丰 → 张*丰, 张三 → 张*), pseudonymous ids shortened for
everyone (first 6 and last 2 characters), whatever the role.
"""
from __future__ import annotations

import pandas as pd

from ui.access import User

# the columns that carry personal information, by kind; a case table names its columns
# with these keys before masking, so nothing personal is missed by a renamed header
NAME_COLUMNS = frozenset({"name", "person_name", "petitioner_name", "official_name"})
ID_COLUMNS = frozenset({"person_id", "petitioner_id", "recipient_id", "screening_id"})


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
    """A pseudonymous id never shown whole: its first 6 and last 2 characters."""
    if not isinstance(value, str) or not value:
        return value
    if len(value) <= 8:   # too short to shorten and still hide anything
        return value[:2] + "…"
    return f"{value[:6]}…{value[-2:]}"


def personal_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c in NAME_COLUMNS or c in ID_COLUMNS]


def mask_frame(frame: pd.DataFrame, user: User) -> pd.DataFrame:
    """A copy fit for ``user``'s eyes: ids shortened always, names masked by role."""
    out = frame.copy()
    for column in out.columns:
        if column in ID_COLUMNS:
            out[column] = out[column].map(shorten_id)
        elif column in NAME_COLUMNS and user.masks_names:
            out[column] = out[column].map(mask_name)
    return out
