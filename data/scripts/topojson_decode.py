"""Minimal TopoJSON -> GeoJSON conversion and bounding-box clipping.

Pure functions only (no Streamlit, no third-party dependencies), used to build
the offline Europe basemap in ``data/basemap/`` and to keep that build tested.

TopoJSON recap (https://github.com/topojson/topojson-specification):

* ``topology["arcs"]`` is a list of arcs, each a list of positions.
* If ``topology["transform"]`` is present the topology is *quantized*: every arc
  is delta-encoded integers (first position absolute, the following ones
  relative to the previous position) and a position ``(x, y)`` maps to
  ``(x * scale[0] + translate[0], y * scale[1] + translate[1])``.
  Without a transform, arc positions are plain absolute coordinates.
* Geometries reference arcs by index; a negative index ``~i`` (== ``-i - 1``)
  means arc ``i`` traversed in reverse.  Consecutive arcs share their joint
  position, which must appear only once in the stitched line/ring.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Iterable, Sequence

Position = tuple[float, float]

__all__ = [
    "decode_arcs",
    "feature_geometry",
    "to_geojson",
    "clip_to_bbox",
    "round_coords",
    "simplify",
    "geometry_bounds",
]


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


def _transform_of(topology: dict) -> tuple[float, float, float, float] | None:
    transform = topology.get("transform")
    if not transform:
        return None
    sx, sy = transform["scale"]
    tx, ty = transform["translate"]
    return float(sx), float(sy), float(tx), float(ty)


def decode_arcs(topology: dict) -> list[list[Position]]:
    """Return every arc of ``topology`` as absolute ``(x, y)`` positions.

    With a ``transform`` the arcs are delta-decoded and then scaled/translated;
    without one they are returned as given (converted to float tuples).
    Extra dimensions beyond x/y are ignored.
    """
    tf = _transform_of(topology)
    decoded: list[list[Position]] = []
    for arc in topology.get("arcs", []):
        if tf is None:
            decoded.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        sx, sy, tx, ty = tf
        x = y = 0
        points: list[Position] = []
        for p in arc:
            x += p[0]
            y += p[1]
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _decode_position(topology: dict, position: Sequence[float]) -> list[float]:
    """Decode a Point/MultiPoint position (quantized but never delta-encoded)."""
    tf = _transform_of(topology)
    if tf is None:
        return [float(position[0]), float(position[1])]
    sx, sy, tx, ty = tf
    return [position[0] * sx + tx, position[1] * sy + ty]


def _arc_points(arcs: list[list[Position]], index: int) -> list[Position]:
    if index < 0:
        return list(reversed(arcs[~index]))
    return list(arcs[index])


def _stitch(arcs: list[list[Position]], indices: Iterable[int]) -> list[list[float]]:
    """Concatenate arcs, keeping each shared joint position only once."""
    line: list[list[float]] = []
    for index in indices:
        points = _arc_points(arcs, index)
        if line and points:
            points = points[1:]  # first point == last point already in line
        line.extend([float(x), float(y)] for x, y in points)
    return line


def _ring(arcs: list[list[Position]], indices: Iterable[int]) -> list[list[float]]:
    ring = _stitch(arcs, indices)
    if ring and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return ring


def feature_geometry(
    topology: dict,
    geometry: dict,
    _arcs: list[list[Position]] | None = None,
) -> dict | None:
    """Convert one TopoJSON geometry object into a GeoJSON geometry dict.

    Supports Point, MultiPoint, LineString, MultiLineString, Polygon,
    MultiPolygon and GeometryCollection.  A geometry with ``type: null``
    yields ``None``.  ``_arcs`` lets callers pass pre-decoded arcs.
    """
    gtype = geometry.get("type")
    if gtype is None:
        return None
    arcs = _arcs if _arcs is not None else decode_arcs(topology)

    if gtype == "Point":
        return {"type": "Point", "coordinates": _decode_position(topology, geometry["coordinates"])}
    if gtype == "MultiPoint":
        return {
            "type": "MultiPoint",
            "coordinates": [_decode_position(topology, p) for p in geometry["coordinates"]],
        }
    if gtype == "LineString":
        return {"type": "LineString", "coordinates": _stitch(arcs, geometry["arcs"])}
    if gtype == "MultiLineString":
        return {
            "type": "MultiLineString",
            "coordinates": [_stitch(arcs, line) for line in geometry["arcs"]],
        }
    if gtype == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(arcs, r) for r in geometry["arcs"]]}
    if gtype == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[_ring(arcs, r) for r in poly] for poly in geometry["arcs"]],
        }
    if gtype == "GeometryCollection":
        return {
            "type": "GeometryCollection",
            "geometries": [
                g
                for g in (feature_geometry(topology, sub, arcs) for sub in geometry.get("geometries", []))
                if g is not None
            ],
        }
    raise ValueError(f"Unsupported TopoJSON geometry type: {gtype!r}")


def to_geojson(topology: dict, object_name: str) -> dict:
    """Convert ``topology["objects"][object_name]`` to a GeoJSON FeatureCollection.

    Each geometry of a GeometryCollection becomes one Feature; a single
    geometry object becomes a one-feature collection.  ``properties`` are
    copied and ``id`` is kept when present.
    """
    try:
        obj = topology["objects"][object_name]
    except KeyError as exc:
        raise KeyError(f"TopoJSON has no object named {object_name!r}") from exc
    arcs = decode_arcs(topology)
    members = obj["geometries"] if obj.get("type") == "GeometryCollection" else [obj]
    features = []
    for geom in members:
        feature: dict[str, Any] = {"type": "Feature"}
        if "id" in geom:
            feature["id"] = geom["id"]
        feature["properties"] = dict(geom.get("properties") or {})
        feature["geometry"] = feature_geometry(topology, geom, arcs)
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------------------
# Clipping
# ---------------------------------------------------------------------------


def _clip_ring(ring: Sequence[Sequence[float]], west: float, south: float, east: float, north: float):
    """Sutherland–Hodgman clip of one closed ring against an axis-aligned box.

    Returns a closed ring, or ``[]`` when nothing with positive area remains.
    """
    pts = [(float(p[0]), float(p[1])) for p in ring]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]

    # Each edge: (inside test, intersection of segment a->b with the edge line)
    def x_cut(a, b, x):
        t = (x - a[0]) / (b[0] - a[0])
        return (x, a[1] + t * (b[1] - a[1]))

    def y_cut(a, b, y):
        t = (y - a[1]) / (b[1] - a[1])
        return (a[0] + t * (b[0] - a[0]), y)

    edges = [
        (lambda p: p[0] >= west, lambda a, b: x_cut(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: x_cut(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: y_cut(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: y_cut(a, b, north)),
    ]
    for inside, cut in edges:
        if not pts:
            break
        out = []
        prev = pts[-1]
        prev_in = inside(prev)
        for cur in pts:
            cur_in = inside(cur)
            if cur_in:
                if not prev_in:
                    out.append(cut(prev, cur))
                out.append(cur)
            elif prev_in:
                out.append(cut(prev, cur))
            prev, prev_in = cur, cur_in
        pts = out

    # Remove consecutive duplicates produced by the clipping.
    cleaned: list[tuple[float, float]] = []
    for p in pts:
        if not cleaned or cleaned[-1] != p:
            cleaned.append(p)
    while len(cleaned) > 1 and cleaned[0] == cleaned[-1]:
        cleaned.pop()
    if len(cleaned) < 3 or abs(_signed_area(cleaned)) < 1e-12:
        return []
    return [[x, y] for x, y in cleaned] + [[cleaned[0][0], cleaned[0][1]]]


def _signed_area(points: Sequence[Sequence[float]]) -> float:
    area = 0.0
    n = len(points)
    for i in range(n):
        x1, y1 = points[i][0], points[i][1]
        x2, y2 = points[(i + 1) % n][0], points[(i + 1) % n][1]
        area += x1 * y2 - x2 * y1
    return area / 2.0


def _unwrap_ring(ring: Sequence[Sequence[float]]) -> list[list[float]]:
    """Make longitudes continuous across the antimeridian.

    World-atlas rings may jump from ~180 to -180 (a short edge on the sphere).
    Each jump larger than 180 degrees is undone by shifting the following
    positions by a multiple of 360, so the ring becomes planar-correct (its x
    range may then extend beyond [-180, 180]).  A ring whose unwrapped form
    does not close again (e.g. one encircling a pole) is returned unchanged.
    """
    if not ring:
        return []
    out = [[float(ring[0][0]), float(ring[0][1])]]
    offset = 0.0
    changed = False
    for prev, cur in zip(ring, ring[1:]):
        dx = cur[0] - prev[0]
        if dx > 180:
            offset -= 360.0
            changed = True
        elif dx < -180:
            offset += 360.0
            changed = True
        out.append([float(cur[0]) + offset, float(cur[1])])
    if not changed:
        return [list(map(float, p[:2])) for p in ring]
    if abs(out[-1][0] - out[0][0]) > 1e-9 and ring[0] == ring[-1]:
        return [list(map(float, p[:2])) for p in ring]
    return out


def _clip_polygon(rings, west, south, east, north) -> list:
    """Clip one polygon (outer ring + holes); returns a list of polygons.

    Rings are unwrapped across the antimeridian first, then clipped against
    the box and its copies shifted by +/-360 degrees, so parts of a ring that
    straddles +/-180 land on the right side of the map instead of producing
    strips across the whole box.
    """
    if not rings:
        return []
    outer = _unwrap_ring(rings[0])
    if len(outer) < 4:
        return []
    oxs = [p[0] for p in outer]
    o_min, o_max = min(oxs), max(oxs)
    holes = []
    for hole in rings[1:]:
        h = _unwrap_ring(hole)
        if not h:
            continue
        # Move the hole by whole turns so it sits inside the outer ring's x range.
        while h[0][0] < o_min - 1e-9:
            h = [[x + 360.0, y] for x, y in h]
        while h[0][0] > o_max + 1e-9:
            h = [[x - 360.0, y] for x, y in h]
        holes.append(h)

    result = []
    for shift in (-360.0, 0.0, 360.0):
        w, e = west + shift, east + shift
        if o_max < w or o_min > e:
            continue
        clipped_outer = _clip_ring(outer, w, south, e, north)
        if not clipped_outer:
            continue
        clipped_holes = [c for c in (_clip_ring(h, w, south, e, north) for h in holes) if c]
        poly = [clipped_outer, *clipped_holes]
        if shift:
            poly = [[[x - shift, y] for x, y in ring] for ring in poly]
        result.append(poly)
    return result


def _point_in_box(p, west, south, east, north) -> bool:
    return west <= p[0] <= east and south <= p[1] <= north


def _clip_line(line, west, south, east, north):
    """Keep runs of consecutive in-box vertices (simple, no edge intersections)."""
    parts, current = [], []
    for p in line:
        if _point_in_box(p, west, south, east, north):
            current.append(list(p))
        else:
            if len(current) >= 2:
                parts.append(current)
            current = []
    if len(current) >= 2:
        parts.append(current)
    return parts


def _clip_geometry(geom: dict | None, west, south, east, north) -> dict | None:
    if geom is None:
        return None
    gtype = geom["type"]
    coords = geom.get("coordinates")
    if gtype == "Point":
        return geom if _point_in_box(coords, west, south, east, north) else None
    if gtype == "MultiPoint":
        kept = [p for p in coords if _point_in_box(p, west, south, east, north)]
        return {"type": "MultiPoint", "coordinates": kept} if kept else None
    if gtype in ("LineString", "MultiLineString"):
        lines = [coords] if gtype == "LineString" else coords
        parts = [part for line in lines for part in _clip_line(line, west, south, east, north)]
        if not parts:
            return None
        if len(parts) == 1:
            return {"type": "LineString", "coordinates": parts[0]}
        return {"type": "MultiLineString", "coordinates": parts}
    if gtype in ("Polygon", "MultiPolygon"):
        polys = [coords] if gtype == "Polygon" else coords
        kept = [part for poly in polys for part in _clip_polygon(poly, west, south, east, north)]
        if not kept:
            return None
        if len(kept) == 1:
            return {"type": "Polygon", "coordinates": kept[0]}
        return {"type": "MultiPolygon", "coordinates": kept}
    if gtype == "GeometryCollection":
        subs = [g for g in (_clip_geometry(s, west, south, east, north) for s in geom["geometries"]) if g]
        return {"type": "GeometryCollection", "geometries": subs} if subs else None
    raise ValueError(f"Unsupported GeoJSON geometry type: {gtype!r}")


def _iter_positions(geom: dict | None):
    if geom is None:
        return
    if geom["type"] == "GeometryCollection":
        for sub in geom["geometries"]:
            yield from _iter_positions(sub)
        return

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            yield c
        else:
            for item in c:
                yield from walk(item)

    yield from walk(geom["coordinates"])


def geometry_bounds(geom: dict | None) -> tuple[float, float, float, float] | None:
    """Return ``(west, south, east, north)`` of a GeoJSON geometry, or None if empty."""
    xs, ys = [], []
    for p in _iter_positions(geom):
        xs.append(p[0])
        ys.append(p[1])
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def clip_to_bbox(geojson: dict, west: float, south: float, east: float, north: float) -> dict:
    """Clip a FeatureCollection to a lon/lat box.

    Features whose geometry does not intersect the box are dropped; polygon
    rings are clipped with Sutherland–Hodgman (per ring) and parts that end up
    empty or degenerate are removed.  Rings crossing the antimeridian (a
    longitude jump of more than 180 degrees between neighbours) are unwrapped
    first, so they do not turn into strips spanning the whole box.  Lines keep only their in-box vertex runs;
    points outside the box are dropped.  The input is not modified.
    """
    if west >= east or south >= north:
        raise ValueError("bbox must satisfy west < east and south < north")
    features = []
    for feature in geojson.get("features", []):
        geom = feature.get("geometry")
        bounds = geometry_bounds(geom)
        if bounds is None:
            continue
        fw, fs, fe, fn = bounds
        if fe < west or fw > east or fn < south or fs > north:
            continue
        clipped = _clip_geometry(geom, west, south, east, north)
        if clipped is None:
            continue
        new_feature = {k: copy.deepcopy(v) for k, v in feature.items() if k != "geometry"}
        new_feature["geometry"] = clipped
        features.append(new_feature)
    out = {k: copy.deepcopy(v) for k, v in geojson.items() if k not in ("features", "bbox")}
    out["features"] = features
    return out


# ---------------------------------------------------------------------------
# Size reduction
# ---------------------------------------------------------------------------


def _map_coords(c, fn):
    if c and isinstance(c[0], (int, float)):
        return fn(c)
    return [_map_coords(item, fn) for item in c]


def _map_geometry(geom: dict | None, fn) -> dict | None:
    if geom is None:
        return None
    if geom["type"] == "GeometryCollection":
        return {"type": "GeometryCollection", "geometries": [_map_geometry(g, fn) for g in geom["geometries"]]}
    return {"type": geom["type"], "coordinates": _map_coords(geom["coordinates"], fn)}


def round_coords(geojson: dict, ndigits: int) -> dict:
    """Return a copy of a FeatureCollection with every coordinate rounded.

    Consecutive duplicate positions created by rounding are kept (rings stay
    valid); use :func:`simplify` to thin them out.
    """

    def rnd(p):
        return [round(float(v), ndigits) + 0.0 for v in p]  # +0.0 turns -0.0 into 0.0

    out = {k: copy.deepcopy(v) for k, v in geojson.items() if k != "features"}
    out["features"] = []
    for feature in geojson.get("features", []):
        new_feature = {k: copy.deepcopy(v) for k, v in feature.items() if k != "geometry"}
        new_feature["geometry"] = _map_geometry(feature.get("geometry"), rnd)
        out["features"].append(new_feature)
    return out


def _thin_ring(ring: list, min_dist: float) -> list:
    """Drop ring vertices closer than ``min_dist`` to the last kept vertex.

    The ring stays closed and never drops below 4 positions: if thinning would
    go below that, the ring is returned unchanged (minus exact duplicates).
    """
    if len(ring) <= 4:
        return ring
    closed = ring[0] == ring[-1]
    body = ring[:-1] if closed else ring
    kept = [body[0]]
    for p in body[1:]:
        if math.hypot(p[0] - kept[-1][0], p[1] - kept[-1][1]) >= min_dist:
            kept.append(p)
    if len(kept) < 3:
        dedup = [body[0]]
        for p in body[1:]:
            if p != dedup[-1]:
                dedup.append(p)
        kept = dedup if len(dedup) >= 3 else body
    return kept + [kept[0]] if closed else kept


def simplify(geojson: dict, min_dist: float) -> dict:
    """Return a copy where polygon ring vertices closer than ``min_dist``
    (in coordinate units) to the previous kept vertex are dropped.

    Rings keep at least 4 positions; rings collapsing to zero area are dropped
    (and polygons whose outer ring collapses).  Non-polygon geometries are
    left untouched.
    """

    def thin_poly(rings):
        out = []
        for i, ring in enumerate(rings):
            thinned = _thin_ring(ring, min_dist)
            if len(thinned) < 4 or abs(_signed_area(thinned[:-1])) < 1e-12:
                if i == 0:
                    return []
                continue
            out.append(thinned)
        return out

    def thin_geom(geom):
        if geom is None:
            return None
        if geom["type"] == "Polygon":
            rings = thin_poly(geom["coordinates"])
            return {"type": "Polygon", "coordinates": rings} if rings else None
        if geom["type"] == "MultiPolygon":
            polys = [p for p in (thin_poly(poly) for poly in geom["coordinates"]) if p]
            if not polys:
                return None
            return {"type": "MultiPolygon", "coordinates": polys}
        if geom["type"] == "GeometryCollection":
            subs = [g for g in (thin_geom(s) for s in geom["geometries"]) if g]
            return {"type": "GeometryCollection", "geometries": subs}
        return copy.deepcopy(geom)

    out = {k: copy.deepcopy(v) for k, v in geojson.items() if k != "features"}
    out["features"] = []
    for feature in geojson.get("features", []):
        new_geom = thin_geom(feature.get("geometry"))
        if new_geom is None and feature.get("geometry") is not None:
            # Never lose a whole feature to simplification: keep the original.
            new_geom = copy.deepcopy(feature["geometry"])
        new_feature = {k: copy.deepcopy(v) for k, v in feature.items() if k != "geometry"}
        new_feature["geometry"] = new_geom
        out["features"].append(new_feature)
    return out
