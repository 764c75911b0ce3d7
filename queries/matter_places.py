"""Where a petition matter's petitions lie: the few matters whose petitions carry more than
one township code (a petitioner who moved, a petition filed elsewhere).

A matter is counted whole in the township of its first petition (metrics.md), so a
district's figures need every petition of every matter with a petition in the district.
Found by a join, that is one index seek per matter in every statement of a page (重复信访
at a province's district: 4,055 seeks, ~20 ms on PostgreSQL, seven times). But a matter
whose petitions share one township is inside a scope or outside it as a whole: only the
matters listed here need their other petitions fetched. They are read once per data load
(``Database.matters_across``) and handed to the statements through ``Scope.matters_across``.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from queries.db import fetch_records
from queries.schema import petition

# above this many matters across a scope's border, the IN list would cost more than the
# join it saves (and SQLite caps a statement's parameters): the join is used instead
MAX_LISTED = 500
NO_CODE = ""          # a petition without a township code: a township of its own here


class MattersAcross:
    """The matters whose petitions lie in more than one township, by township."""

    def __init__(self, pairs: Sequence[tuple[str, str | None]]):
        by_township: dict[str, set[str]] = defaultdict(set)
        for matter_id, township in pairs:
            by_township[township or NO_CODE].add(str(matter_id))
        self._by_township = {t: frozenset(ms) for t, ms in by_township.items()}
        self.count = len({m for ms in self._by_township.values() for m in ms})
        # every db.scope() asks (many times a page run): each scope's answer is kept
        self._touching: dict[tuple[str, ...] | None, tuple[str, ...] | None] = {}

    @classmethod
    def load(cls, engine: Engine) -> "MattersAcross":
        """One pass over the matter index: the matters with two township codes or more (a
        missing code counts as one), with each of their codes."""
        code = func.coalesce(petition.c.township_code, NO_CODE)
        across = select(petition.c.matter_id).group_by(petition.c.matter_id) \
            .having(func.min(code) != func.max(code)).subquery("across")
        p = petition.alias("p_across")
        stmt = select(p.c.matter_id, p.c.township_code).distinct() \
            .join_from(p, across, across.c.matter_id == p.c.matter_id)
        return cls(fetch_records(engine, stmt)[1])

    def touching(self, prefixes: tuple[str, ...] | None) -> tuple[str, ...] | None:
        """The matters with a petition in the townships under ``prefixes`` (None: the whole
        deployment, all of them), sorted (so that a statement's text is the same each time);
        None when there are more than ``MAX_LISTED``."""
        if prefixes not in self._touching:
            found = {m for township, matters in self._by_township.items()
                     if prefixes is None or township and township.startswith(prefixes) for m in matters}
            self._touching[prefixes] = tuple(sorted(found))
        found = self._touching[prefixes]
        return None if len(found) > MAX_LISTED else found
