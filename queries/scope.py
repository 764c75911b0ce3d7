"""The region tree and the scope of a query, with the user's allowed regions enforced.

A scope is built only by ``resolve_scope`` (for a user) or ``deployment_scope`` (the
top-level yardstick everyone may see), so no query can run on a region the user may not
see. A row belongs to a region when its ``township_code`` starts with the region's code
prefix (2 digits for a province, 4 for a city, 6 for a district, 9 for a township); the
prefix becomes a code range, which lets the ``(township_code, date)`` indexes work.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement

from queries.db import fetch
from queries.schema import region

PREFIX_LEN = {"province": 2, "city": 4, "district": 6, "township": 9}
LEVEL_LABEL = {"province": "省", "city": "市", "district": "区（县）", "township": "镇（街道）"}
UNKNOWN_LABEL = "未识别区划"


class BadScope(ValueError):
    """A scope the user may not see or that does not exist; the message is for users."""


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None
    lon: float | None
    lat: float | None
    population: int | None

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LEN.get(self.level, len(self.code))]


class RegionTree:
    """The ``region`` table held in memory (a few thousand rows at most)."""

    def __init__(self, regions: Iterable[Region]):
        self.by_code: dict[str, Region] = {r.code: r for r in regions}
        self.children: dict[str, list[Region]] = {}
        roots = []
        for r in sorted(self.by_code.values(), key=lambda r: r.code):
            if r.parent_code and r.parent_code in self.by_code:
                self.children.setdefault(r.parent_code, []).append(r)
            else:
                roots.append(r)
        if len(roots) != 1:
            raise BadScope(f"region 表应有且只有一个顶层区划（市或省），实际有 {len(roots)} 个。")
        self.top = roots[0]

    @classmethod
    def load(cls, engine: Engine) -> "RegionTree":
        rows = fetch(engine, select(region.c.code, region.c.name, region.c.level,
                                    region.c.parent_code, region.c.lon, region.c.lat,
                                    region.c.population))
        return cls(Region(str(r.code), r.name, r.level,
                          None if r.parent_code is None else str(r.parent_code),
                          _num(r.lon), _num(r.lat), _int(r.population))
                   for r in rows.itertuples(index=False))

    def get(self, code: str) -> Region | None:
        return self.by_code.get(code)

    def ancestors_or_self(self, code: str) -> list[str]:
        out, node = [], self.by_code.get(code)
        while node is not None:
            out.append(node.code)
            node = self.by_code.get(node.parent_code) if node.parent_code else None
        return out

    def townships(self) -> list[Region]:
        return [r for r in self.by_code.values() if r.level == "township"]

    def population(self, code: str) -> int | None:
        """The region's own population, else the sum of its children's when all are known."""
        node = self.by_code[code]
        if node.population is not None:
            return node.population
        kids = self.children.get(code, [])
        if not kids:
            return None
        pops = [self.population(k.code) for k in kids]
        return None if any(p is None for p in pops) else sum(pops)


def _num(v) -> float | None:
    return None if v is None or v != v else float(v)


def _int(v) -> int | None:
    return None if v is None or v != v else int(v)


@dataclass(frozen=True)
class Scope:
    code: str                              # the region the figures are for
    name: str
    level: str
    prefixes: tuple[str, ...] | None       # code prefixes a row must start with; None = all rows
    children: tuple[Region, ...]           # the breakdown one level down
    population: int | None
    # the petition matters whose petitions lie both inside and outside the scope's townships
    # (queries.matter_places; Database.scope fills it): every other matter's petitions
    # share one township, so the scope's matters are its own petitions plus these. None:
    # not known (or too many to list), the scope's matters are found by a join instead
    matters_across: tuple[str, ...] | None = None

    @property
    def is_whole_deployment(self) -> bool:
        return self.prefixes is None

    def filter(self, code_col: ColumnElement) -> ColumnElement | None:
        """WHERE clause keeping the rows of this scope, as code ranges (index friendly)."""
        if self.prefixes is None:
            return None
        return or_(*(and_(code_col >= p, code_col < _next_prefix(p)) for p in self.prefixes))

    def child_key(self, code_col: ColumnElement) -> ColumnElement:
        """The breakdown key: the child region's prefix, or NULL (未识别区划) when none matches."""
        if not self.children:  # a township: its rows are its own single row
            return literal(self.code)
        length = len(self.children[0].prefix)
        piece = func.substr(code_col, 1, length)
        return case((piece.in_([c.prefix for c in self.children]), piece), else_=None)

    def child_by_prefix(self) -> dict[str, Region]:
        return {c.prefix: c for c in self.children}


def _next_prefix(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix`` (digits only)."""
    stripped = prefix.rstrip("9")
    if not stripped:
        return "A"  # every digit string is below a letter
    return stripped[:-1] + chr(ord(stripped[-1]) + 1)


def deployment_scope(tree: RegionTree) -> Scope:
    """The whole deployment: every row counts, unknown codes included (the yardstick)."""
    top = tree.top
    return Scope(top.code, top.name, top.level, None, tuple(tree.children.get(top.code, [])),
                 tree.population(top.code))


LEVELS = ("province", "city", "district", "township")


def levels_below(tree: RegionTree, scope: Scope) -> list[str]:
    """The levels of the regions under ``scope``, top down (a city: district, township)."""
    found = {r.level for r in _under(tree, scope)}
    return [level for level in LEVELS if level in found]


def grain(tree: RegionTree, scope: Scope, level: str) -> Scope:
    """``scope`` broken down straight to its regions of ``level`` (e.g. every township of
    a city in one grouped statement): the same rows and total, other children."""
    kids = tuple(r for r in _under(tree, scope) if r.level == level)
    return replace(scope, children=kids)


def _under(tree: RegionTree, scope: Scope) -> list[Region]:
    """The regions strictly below ``scope`` (within its prefixes)."""
    out = []
    for node in tree.by_code.values():
        if node.code == scope.code or node.level == tree.by_code.get(scope.code, node).level:
            continue
        if scope.prefixes is None or any(node.code.startswith(p) for p in scope.prefixes):
            out.append(node)
    return sorted(out, key=lambda r: r.code)


def _region_scope(tree: RegionTree, node: Region) -> Scope:
    kids = tuple(tree.children.get(node.code, []))
    return Scope(node.code, node.name, node.level, (node.prefix,), kids, tree.population(node.code))


def resolve_scope(tree: RegionTree, requested: str | None,
                  allowed: Sequence[str] | None = None) -> Scope:
    """The scope a user asked for (a region code from the URL), within their allowed regions.

    ``allowed`` None means everything. A code outside the allowed regions is refused, never
    silently widened or narrowed. Without a request, the user gets the top of what they may see.
    """
    requested = (requested or "").strip() or None
    if requested is not None and requested not in tree.by_code:
        raise BadScope(f"区划代码“{requested[:20]}”不存在。请从左侧选择范围，或去掉地址栏中的 scope 参数。")
    if allowed is None:
        return deployment_scope(tree) if requested in (None, tree.top.code) \
            else _region_scope(tree, tree.by_code[requested])
    allowed = [a for a in allowed if a in tree.by_code]
    if not allowed:
        raise BadScope("您的账号未配置有效的可查看区划，请联系管理员。")
    default = _default_scope(tree, allowed)
    if requested is None or requested == default.code:
        return default
    if any(a in tree.ancestors_or_self(requested) for a in allowed):
        return _region_scope(tree, tree.by_code[requested])
    raise BadScope(f"您无权查看“{tree.by_code[requested].name}”的数据。请在左侧选择您有权查看的区划。")


def _default_scope(tree: RegionTree, allowed: list[str]) -> Scope:
    # drop regions already covered by another allowed region
    allowed = [a for a in allowed if not any(b != a and b in tree.ancestors_or_self(a) for b in allowed)]
    if len(allowed) == 1:
        return _region_scope(tree, tree.by_code[allowed[0]])
    chains = [list(reversed(tree.ancestors_or_self(a))) for a in allowed]
    common = None
    for level_codes in zip(*chains):
        if len(set(level_codes)) != 1:
            break
        common = level_codes[0]
    node = tree.by_code[common]
    allowed_prefixes = tuple(sorted(tree.by_code[a].prefix for a in allowed))
    kids = tuple(k for k in tree.children.get(node.code, [])
                 if any(p.startswith(k.prefix) or k.prefix.startswith(p) for p in allowed_prefixes))
    pops = [tree.population(a) for a in allowed]
    return Scope(node.code, f"{node.name}（授权范围）", node.level, allowed_prefixes, kids,
                 None if any(p is None for p in pops) else sum(pops))
