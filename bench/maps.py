"""The map's payload at province scale (``python -m bench.maps``): how many KB one map
ships to the browser for the province top (its cities) and for a district with over 100
townships, with the boundary budget of ``ui/boundaries.py``.

Province-scale boundary files do not exist, so synthetic ones are written to
``bench/cache/boundaries/``, shaped like real ones in the number of vertices: a township
is a cell of 40 vertices around its ``region.lon/lat`` (its radius wobbles, and stays
under half the distance to the nearest township, so cells do not overlap); a district is
the convex hull of its townships' cells, its edges bent at every scale down to 0.4 km
(``fractal``: a real border keeps turns whatever the tolerance); a city the same over its
districts. The province has no district with over 100 townships, so a
synthetic one (``BIG``, 121 townships on a jittered grid, about 60 km across) is added to
the region tree beside 福州市's districts. The figures on the map are made up (the
payload depends on the areas' shapes, names and text, not on the values).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import CACHE, SQLITE_PATH, write_json

FOLDER = CACHE / "boundaries"
BIG = "350198"                   # the synthetic district (no such code in the province)
BIG_SIDE = 11                    # townships per side of its grid: 121
CELL_VERTICES = 40
FINEST_KM = 0.4                  # a district's or city's outline: its shortest segments
ROUGHNESS = 0.18                 # a segment's midpoint moves sideways by up to this × its length
SEED = 7


# --------------------------------------------------------------------------- geometry

def _km_per_degree(lat: float) -> tuple[float, float]:
    return 111.32 * math.cos(math.radians(lat)), 110.57


def township_cell(lon: float, lat: float, radius_km: float, rng: np.random.Generator) -> np.ndarray:
    """A closed ring of CELL_VERTICES points around (lon, lat), its radius wobbling
    between 75 % and 100 % of ``radius_km``."""
    kx, ky = _km_per_degree(lat)
    angles = np.linspace(0, 2 * math.pi, CELL_VERTICES, endpoint=False)
    r = radius_km * (0.75 + 0.25 * rng.random(CELL_VERTICES))
    ring = np.column_stack([lon + r * np.cos(angles) / kx, lat + r * np.sin(angles) / ky])
    return np.vstack([ring, ring[:1]])


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Andrew's monotone chain: the hull's corners, counter-clockwise, closed."""
    pts = sorted(set(map(tuple, np.round(points, 6))))
    if len(pts) < 3:
        return np.array(pts + pts[:1])

    def half(seq):
        out: list = []
        for p in seq:
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                                     - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])) <= 0:
                out.pop()
            out.append(p)
        return out
    lower, upper = half(pts), half(reversed(pts))
    hull = np.array(lower[:-1] + upper[:-1])
    return np.vstack([hull, hull[:1]])


def fractal(ring: np.ndarray, rng: np.random.Generator, finest_km: float = FINEST_KM) -> np.ndarray:
    """The ring's edges bent by midpoint displacement (each midpoint moved sideways by up
    to ROUGHNESS of its segment's length, then each half in turn) down to segments of
    ``finest_km``: a border with turns at every scale, as real ones have, so that no
    simplification tolerance leaves it a few straight lines."""
    lat = float(ring[:, 1].mean())
    kx, ky = _km_per_degree(lat)
    out = []
    for a, b in zip(ring[:-1], ring[1:]):
        pts = [a, b]
        while True:
            seg = math.hypot((pts[1][0] - pts[0][0]) * kx, (pts[1][1] - pts[0][1]) * ky)
            if seg <= finest_km:
                break
            nxt = [pts[0]]
            for p, q in zip(pts[:-1], pts[1:]):
                dx, dy = (q[0] - p[0]) * kx, (q[1] - p[1]) * ky
                length = math.hypot(dx, dy) or 1.0
                shift = (rng.random() - 0.5) * 2 * ROUGHNESS * length
                mid = (p + q) / 2 + np.array([-dy / kx, dx / ky]) / length * shift
                nxt += [mid, q]
            pts = nxt
        out.append(np.array(pts[:-1]))
    pts = np.vstack(out)
    return np.vstack([pts, pts[:1]])


def _feature(code: str, name: str, ring: np.ndarray, synthetic: bool) -> dict:
    return {"type": "Feature",
            "properties": {"code": code, "name": name, "synthetic_geometry": synthetic},
            "geometry": {"type": "Polygon", "coordinates": [np.round(ring, 5).tolist()]}}


# --------------------------------------------------------------------------- the regions

def province_tree():
    """The province's region tree (from the bench SQLite file) with the synthetic
    district BIG under 福州市 (350100): 121 townships on a jittered grid."""
    from queries.database import Database
    from queries.db import read_only_engine
    from queries.scope import Region, RegionTree
    db = Database.open(engine=read_only_engine(f"sqlite:///{SQLITE_PATH}"))
    try:
        regions = list(db.tree.by_code.values())
    finally:
        db.engine.dispose()
    rng = np.random.default_rng(SEED)
    lon0, lat0 = 118.95, 26.35            # inland of 福州市, away from its other districts
    regions.append(Region(BIG, "示例大区", "district", "350100", lon0, lat0, None))
    spacing = 0.055                       # degrees: about 5.5 km between townships
    for i in range(BIG_SIDE * BIG_SIDE):
        row, col = divmod(i, BIG_SIDE)
        lon = lon0 + (col - BIG_SIDE / 2) * spacing + rng.normal(0, spacing / 6)
        lat = lat0 + (row - BIG_SIDE / 2) * spacing + rng.normal(0, spacing / 6)
        regions.append(Region(f"{BIG}{i + 1:03d}", f"示例{i + 1}镇", "township", BIG,
                              round(lon, 5), round(lat, 5), None))
    return RegionTree(regions)


def write_boundaries(tree, folder: Path = FOLDER, *, fine_km: float | None = None) -> dict[str, dict]:
    """Township cells, district and city outlines for every region of ``tree``, as three
    GeoJSON files in ``folder``; the number of features and vertices of each. With
    ``fine_km`` the townships' cells are bent down to that too (a heavy file: the budget
    must then simplify)."""
    rng = np.random.default_rng(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    towns = [r for r in tree.by_code.values() if r.level == "township" and r.lon is not None]
    xy = np.array([[r.lon, r.lat] for r in towns])
    kx, ky = _km_per_degree(float(xy[:, 1].mean()))
    cells: dict[str, np.ndarray] = {}
    for i, r in enumerate(towns):
        d = np.hypot((xy[:, 0] - r.lon) * kx, (xy[:, 1] - r.lat) * ky)
        d[i] = np.inf
        cell = township_cell(r.lon, r.lat, min(d.min() / 2, 6.0), rng)
        cells[r.code] = cell if fine_km is None else fractal(cell, rng, fine_km)
    outlines: dict[str, np.ndarray] = dict(cells)
    counts = {}
    for level in ("district", "city"):
        for r in (x for x in tree.by_code.values() if x.level == level):
            parts = [outlines[c.code] for c in tree.children.get(r.code, []) if c.code in outlines]
            if parts:
                outlines[r.code] = fractal(convex_hull(np.vstack(parts)), rng)
    for level, name in (("township", "townships"), ("district", "districts"), ("city", "cities")):
        feats = [_feature(r.code, r.name, outlines[r.code], level == "township")
                 for r in sorted(tree.by_code.values(), key=lambda x: x.code)
                 if r.level == level and r.code in outlines]
        path = folder / f"{name}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": feats},
                                   separators=(",", ":")), encoding="utf-8")
        counts[name] = {"features": len(feats),
                        "vertices": sum(len(f["geometry"]["coordinates"][0]) for f in feats),
                        "kb": path.stat().st_size / 1000}
    return counts


# --------------------------------------------------------------------------- payloads

def _rows(tree, parent: str) -> pd.DataFrame:
    """A compute-like frame for the children of ``parent``: made-up 漏保率 values."""
    kids = tree.children.get(parent, [])
    values = [round(2 + 10 * ((i * 37) % 23) / 23, 1) for i in range(len(kids))]
    total = pd.DataFrame({"code": [parent], "name": [tree.get(parent).name], "is_total": [True],
                          "gap_rate": [5.0]})
    return pd.concat([total, pd.DataFrame({"code": [k.code for k in kids],
                                           "name": [k.name for k in kids],
                                           "is_total": [False] * len(kids),
                                           "gap_rate": values})], ignore_index=True)


def payloads(tree, folder: Path = FOLDER, cases: list | None = None) -> list[dict]:
    """``ui.maps.build(...).payload_bytes`` (the whole deck's JSON) and the geometry's
    own bytes for the maps a user opens: the province top (its cities), a city (its
    districts), the big district and 思明区 (their townships), a township among BIG's."""
    from queries.figures import METRICS
    from ui import boundaries as geo
    from ui import maps
    bounds = geo.load(str(folder))
    metric = METRICS["gap_rate"]
    out = []
    cases = cases or [("province top", tree.top.code, None), ("city 福州市", "350100", None),
             (f"district {BIG} (synthetic, {len(tree.children[BIG])} townships)", BIG, None),
             ("district 350203 思明区", "350203", None),
             (f"township {BIG}001 among its district's", BIG, f"{BIG}001")]
    for label, parent, highlight in cases:
        rows = _rows(tree, parent)
        spec = maps.build(tree, bounds, rows, metric, highlight=highlight)
        shapes = geo.collection(bounds, tuple(rows["code"][1:]))
        out.append({"map": label, "areas": len(rows) - 1, "polygons": len(shapes),
                    "points": spec.points, "deck_kb": spec.payload_bytes / 1000,
                    "geometry_kb": geo.payload_bytes(shapes.values()) / 1000,
                    "budget_kb": geo.MAP_BUDGET / 1000})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the map's payload at province scale")
    parser.add_argument("--json", help="write the result here")
    args = parser.parse_args(argv)
    if not SQLITE_PATH.exists():
        print(f"no {SQLITE_PATH}: run `python -m bench.run` first (it builds it)", file=sys.stderr)
        return 1
    tree = province_tree()
    files = write_boundaries(tree)
    # the same district with townships bent down to 50 m: its geometry as read is over the
    # budget, which must then simplify it
    heavy = FOLDER.with_name("boundaries_heavy")
    heavy_files = write_boundaries(tree, heavy, fine_km=0.05)
    files["townships (heavy)"] = heavy_files["townships"]
    t0 = time.perf_counter()
    heavy_maps = payloads(tree, heavy, [(f"district {BIG}, townships bent to 50 m", BIG, None)])
    heavy_maps[0]["first_build_s"] = time.perf_counter() - t0
    # the budget's own loop (coarser until under it), asked for a fifth of the budget
    from ui import boundaries as geo
    small = geo.MAP_BUDGET // 5
    shapes = geo.collection(geo.load(str(heavy)), tuple(c.code for c in tree.children[BIG]), small)
    result_budget = {"budget_kb": small / 1000, "geometry_kb": geo.payload_bytes(shapes.values()) / 1000,
                     "polygons": len(shapes)}
    result = {"files": files, "maps": payloads(tree) + heavy_maps, "small_budget": result_budget}
    for f, c in files.items():
        print(f"{f}: {c['features']} features, {c['vertices']:,} vertices, {c['kb']:.0f} KB")
    for m in result["maps"]:
        ok = "✓" if m["deck_kb"] <= m["budget_kb"] else "✗"
        print(f"{m['map']}: {m['areas']} areas ({m['polygons']} polygons, {m['points']} points): "
              f"deck {m['deck_kb']:.0f} KB {ok}, geometry {m['geometry_kb']:.0f} KB "
              f"(budget {m['budget_kb']:.0f} KB)")
    b = result["small_budget"]
    print(f"budget loop: the heavy district under a {b['budget_kb']:.0f} KB budget: "
          f"{b['geometry_kb']:.0f} KB, {b['polygons']} polygons "
          f"{'✓' if b['geometry_kb'] <= b['budget_kb'] else '✗'}")
    print(f"first build of the heavy district's map (read + simplify): {heavy_maps[0]['first_build_s']:.1f} s")
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
