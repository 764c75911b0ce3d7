"""Area outlines for the maps: GeoJSON files read and simplified once per server.

The files come from ``OVERSIGHT_BOUNDARIES`` (files or folders, ``;``-separated; a folder
gives its ``*.geojson`` and ``*.json`` files in name order). A feature joins a region on
its ``code`` property; a code of 6, 9 or 12 digits is brought to one form first
(``canonical``), so a 12-digit 统计用区划代码 finds its 9-digit township. When several
files hold the same code, the later one wins (a deployment's own file listed after the
demo files replaces them). A file that cannot be read is skipped and logged: the map
then draws that area as a point at ``region.lon/lat``, as it does with no files at all.

Geometry is simplified twice: once on reading (Douglas–Peucker at ``READ_TOLERANCE``,
coordinates rounded to 5 decimals, about a metre), and once per set of areas a map shows
(``collection``), at a tolerance scaled to that map's extent, so one map never ships more
than ``budget`` bytes of geometry. Both results are cached per server, keyed on the
files' paths, sizes and modification times.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

import settings

log = logging.getLogger(__name__)

READ_TOLERANCE = 0.0001       # degrees (~10 m): below any pixel of a township map
MAP_BUDGET = 300_000          # bytes of geometry one map may ship to the browser
# a map's own tolerance: its extent / this (about half a pixel on an 800 px wide map)
PIXELS = 1600

Polygon = list[np.ndarray]    # exterior ring first, then holes; each ring an (n, 2) array


@dataclass(frozen=True)
class Shape:
    """One area's outline as read (already lightly simplified)."""

    code: str                             # canonical code (see ``canonical``)
    name: str
    polygons: tuple[Polygon, ...]
    synthetic: bool                       # a schematic cell (``synthetic_geometry: true``)
    label: tuple[float, float] | None     # where its name goes, if the file says

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return _bbox(np.concatenate([p[0] for p in self.polygons]))

    def label_at(self, *candidates: tuple[float, float] | None) -> tuple[float, float]:
        """Where the name goes: the first candidate (the file's label point, the region's
        lon/lat) inside the largest polygon, else a point inside it. A district's seat on
        an island, or a schematic cell's point on another cell's islet, would put the
        name away from the area a reader looks at."""
        ring = max((p[0] for p in self.polygons), key=ring_area)
        for point in (self.label, *candidates):
            if point is not None and inside(point, ring):
                return point
        return interior_point(ring)


@dataclass(frozen=True)
class Boundaries:
    shapes: dict[str, Shape]
    signature: tuple                      # the files' paths, sizes and times: the cache key
    files: tuple[str, ...]                # the files read (for the 数据说明 page and logs)
    problems: tuple[str, ...]             # files skipped, with the reason

    def get(self, code: str | None) -> Shape | None:
        return None if code is None else self.shapes.get(canonical(code))


def canonical(code) -> str:
    """One form for a region code: a 12-digit code ending in 000 is its 9-digit township
    (统计用区划代码 = township code + '000'), a 9-digit code ending in 000 its 6-digit
    district (no township is numbered 000)."""
    code = str(code).strip()
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 9 and code.endswith("000"):
        code = code[:6]
    return code


# --------------------------------------------------------------------------- reading

def configured_paths(value: str | None = None) -> list[Path]:
    """The GeoJSON files the setting names (folders expanded), in order."""
    raw = str(settings.get("OVERSIGHT_BOUNDARIES") if value is None else value)
    out: list[Path] = []
    for part in (p.strip() for p in raw.split(";")):
        if not part:
            continue
        path = Path(part).expanduser()
        path = path if path.is_absolute() else settings.ROOT / path
        if path.is_dir():
            out += sorted(f for f in path.iterdir() if f.suffix.lower() in (".geojson", ".json"))
        else:
            out.append(path)
    return out


def load(value: str | None = None) -> Boundaries:
    """The boundaries of the setting (or of ``value``), from the server's cache unless a
    file changed since."""
    signature = tuple((str(p), *_stamp(p)) for p in configured_paths(value))
    return _read_all(signature)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_size, st.st_mtime_ns
    except OSError:
        return -1, -1


@lru_cache(maxsize=8)
def _read_all(signature: tuple[tuple[str, int, int], ...]) -> Boundaries:
    shapes: dict[str, Shape] = {}
    files, problems = [], []
    for path, size, _ in signature:
        if size < 0:
            problems.append(f"{path}：文件不存在")
            continue
        try:
            found = _read_file(Path(path))
        except (OSError, ValueError, KeyError, TypeError) as exc:   # a bad file is skipped
            problems.append(f"{path}：无法读取（{exc}）")
            continue
        shapes.update(found)
        files.append(path)
    for problem in problems:
        log.warning("边界文件 %s", problem)
    return Boundaries(shapes, signature, tuple(files), tuple(problems))


def _read_file(path: Path) -> dict[str, Shape]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    features = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
    out = {}
    for feature in features:
        props = feature.get("properties") or {}
        if props.get("code") in (None, ""):
            continue
        polygons = _polygons(feature.get("geometry") or {}, READ_TOLERANCE, 5)
        if not polygons:
            continue
        code = canonical(props["code"])
        label = (props.get("label_lon"), props.get("label_lat"))
        out[code] = Shape(code, str(props.get("name") or code), tuple(polygons),
                          bool(props.get("synthetic_geometry")),
                          (float(label[0]), float(label[1])) if None not in label else None)
    return out


def _polygons(geometry: dict, tolerance: float, decimals: int) -> list[Polygon]:
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        coords = [coords]
    elif kind != "MultiPolygon":
        return []                          # points and lines draw no area
    out = []
    for polygon in coords:
        rings = [_simplify_ring(np.asarray(r, dtype=float)[:, :2], tolerance, decimals)
                 for r in polygon]
        if rings and rings[0] is not None:    # an exterior gone below the tolerance: drop
            out.append([rings[0]] + [r for r in rings[1:] if r is not None])
    return out


# --------------------------------------------------------------------------- simplifying

def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """The points of a line kept by Douglas–Peucker at ``tolerance`` (same units).
    Iterative (no recursion limit on long rings); distances computed with numpy."""
    n = len(points)
    if n < 3 or tolerance <= 0:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b, inner = points[i], points[j], points[i + 1:j]
        ab = b - a
        length = math.hypot(*ab)
        if length == 0:        # a closed ring's ends coincide: distance to the point
            dist = np.hypot(*(inner - a).T)
        else:
            dist = np.abs(ab[0] * (inner[:, 1] - a[1]) - ab[1] * (inner[:, 0] - a[0])) / length
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return points[keep]


def _simplify_ring(ring: np.ndarray, tolerance: float, decimals: int) -> np.ndarray | None:
    """A closed ring simplified and rounded; None when fewer than 3 corners remain."""
    if len(ring) and not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    out = np.round(douglas_peucker(ring, tolerance), decimals)
    # rounding can make neighbours equal: drop repeats
    out = out[np.r_[True, np.any(np.diff(out, axis=0) != 0, axis=1)]]
    return out if len(out) >= 4 else None


def ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2


def inside(point: tuple[float, float], ring: np.ndarray) -> bool:
    """Ray casting: is ``point`` inside the closed ``ring``?"""
    x, y = point
    x0, y0, x1, y1 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(crosses & (x < at)) % 2)


def interior_point(ring: np.ndarray) -> tuple[float, float]:
    """A point inside the ring: its centre if inside, else the middle of the widest
    stretch of the horizontal line through the centre (a concave shape's centre may
    fall outside it)."""
    x0, y0, x1, y1 = _bbox(ring)
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    if inside(centre, ring):
        return centre
    y = centre[1]
    a, b = ring[:-1], ring[1:]
    crosses = (a[:, 1] > y) != (b[:, 1] > y)
    xs = np.sort(a[crosses, 0] + (y - a[crosses, 1]) * (b[crosses, 0] - a[crosses, 0])
                 / (b[crosses, 1] - a[crosses, 1]))
    if len(xs) < 2:
        return centre
    widest = int(np.argmax(xs[1::2] - xs[0::2][: len(xs[1::2])]))
    return (float(xs[2 * widest] + xs[2 * widest + 1]) / 2, y)


def _bbox(points: np.ndarray) -> tuple[float, float, float, float]:
    return (float(points[:, 0].min()), float(points[:, 1].min()),
            float(points[:, 0].max()), float(points[:, 1].max()))


# --------------------------------------------------------------------------- one map's geometry

def collection(boundaries: Boundaries, codes: tuple[str, ...],
               budget: int = MAP_BUDGET) -> dict[str, dict]:
    """GeoJSON geometries of the areas ``codes`` that have a shape (by the code given),
    simplified for one map of them and under ``budget`` bytes in all."""
    key = tuple(sorted(canonical(c) for c in codes))
    by_canonical = _collection(boundaries.signature, key, budget)
    return {c: by_canonical[canonical(c)] for c in codes if canonical(c) in by_canonical}


@lru_cache(maxsize=512)
def _collection(signature: tuple, codes: tuple[str, ...], budget: int) -> dict[str, dict]:
    shapes = _read_all(signature).shapes          # cached: the same object as ``load`` gave
    return _fit([shapes[c] for c in codes if c in shapes], budget)


def _fit(shapes: list[Shape], budget: int) -> dict[str, dict]:
    """Simplify at a tolerance from the map's extent; coarser until under ``budget``."""
    if not shapes:
        return {}
    x0, y0, x1, y1 = _bbox(np.array([c for s in shapes for c in
                                     (s.bbox[:2], s.bbox[2:])]))
    tolerance = max(max(x1 - x0, y1 - y0) / PIXELS, READ_TOLERANCE)
    while True:
        decimals = min(5, max(2, math.ceil(-math.log10(tolerance)) + 1))
        out = {}
        for s in shapes:
            polygons = [[r.tolist() for r in p] for p in
                        _polygons(_geometry(s.polygons), tolerance, decimals)]
            if polygons:
                out[s.code] = {"type": "MultiPolygon", "coordinates": polygons}
        if payload_bytes(out.values()) <= budget or tolerance > 1:
            return out
        tolerance *= 2


def _geometry(polygons) -> dict:
    return {"type": "MultiPolygon", "coordinates": [[r for r in p] for p in polygons]}


def payload_bytes(geometries) -> int:
    """The size of geometries as the browser receives them (compact JSON)."""
    return len(json.dumps(list(geometries), separators=(",", ":")).encode())
