"""Tests for the build-time TopoJSON decoder (data/scripts/topojson_decode.py) and the committed basemap."""

from __future__ import annotations

import copy
import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "scripts"))
from topojson_decode import (  # noqa: E402  (build-time code, kept beside the script that uses it)
    clip_to_bbox,
    decode_arcs,
    feature_geometry,
    round_coords,
    simplify,
    to_geojson,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
BASEMAP = REPO_ROOT / "data" / "basemap" / "europe_countries.geojson"
EUROPE_BBOX = (-25.0, 34.0, 45.0, 72.0)


# ---------------------------------------------------------------------------
# Hand-made topologies
#
# Two unit squares side by side sharing the vertical edge x=1:
#
#   (0,1)---(1,1)---(2,1)
#     |  A    |   B   |
#   (0,0)---(1,0)---(2,0)
#
# arc 0: shared edge (1,0)->(1,1)
# arc 1: rest of A   (1,1)->(0,1)->(0,0)->(1,0)
# arc 2: rest of B   (1,0)->(2,0)->(2,1)->(1,1)
# A = [0, 1]; B = [~0, 2] = [-1, 2] (shared edge used reversed).
# ---------------------------------------------------------------------------


def plain_topology() -> dict:
    return {
        "type": "Topology",
        "arcs": [
            [[1, 0], [1, 1]],
            [[1, 1], [0, 1], [0, 0], [1, 0]],
            [[1, 0], [2, 0], [2, 1], [1, 1]],
        ],
        "objects": {
            "squares": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "A", "properties": {"name": "Alpha"}},
                    {"type": "Polygon", "arcs": [[-1, 2]], "id": "B", "properties": {"name": "Beta"}},
                ],
            }
        },
    }


def quantized_topology() -> dict:
    """Same shape, quantized: x = 10 + 0.5*qx, y = 50 + 0.25*qy.

    Quantized grid positions: x in {0,2,4} -> {10,11,12}; y in {0,4} -> {50,51}.
    Arcs are delta-encoded.
    """
    return {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [10, 50]},
        "arcs": [
            [[2, 0], [0, 4]],  # (2,0)->(2,4)          = (11,50)->(11,51)
            [[2, 4], [-2, 0], [0, -4], [2, 0]],  # (2,4)->(0,4)->(0,0)->(2,0)
            [[2, 0], [2, 0], [0, 4], [-2, 0]],  # (2,0)->(4,0)->(4,4)->(2,4)
        ],
        "objects": {
            "squares": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "A", "properties": {"name": "Alpha"}},
                    {"type": "Polygon", "arcs": [[-1, 2]], "id": "B", "properties": {"name": "Beta", "n": 2}},
                    {"type": "MultiPolygon", "arcs": [[[0, 1]], [[-1, 2]]], "id": "AB", "properties": {}},
                    {"type": "Point", "coordinates": [4, 4], "id": "P"},
                    {"type": "LineString", "arcs": [0, -3], "id": "L"},
                ],
            }
        },
    }


def test_decode_arcs_without_transform_returns_absolute_positions():
    arcs = decode_arcs(plain_topology())
    assert arcs == [
        [(1.0, 0.0), (1.0, 1.0)],
        [(1.0, 1.0), (0.0, 1.0), (0.0, 0.0), (1.0, 0.0)],
        [(1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0)],
    ]


def test_decode_arcs_with_transform_undoes_delta_and_scales():
    arcs = decode_arcs(quantized_topology())
    assert arcs == [
        [(11.0, 50.0), (11.0, 51.0)],
        [(11.0, 51.0), (10.0, 51.0), (10.0, 50.0), (11.0, 50.0)],
        [(11.0, 50.0), (12.0, 50.0), (12.0, 51.0), (11.0, 51.0)],
    ]


def test_polygons_without_transform_share_arc_and_reverse_it():
    fc = to_geojson(plain_topology(), "squares")
    assert fc["type"] == "FeatureCollection"
    a, b = fc["features"]
    assert a["id"] == "A" and a["properties"] == {"name": "Alpha"}
    assert b["id"] == "B" and b["properties"] == {"name": "Beta"}
    # Joint points appear once: 4 corners + closing point.
    assert a["geometry"] == {
        "type": "Polygon",
        "coordinates": [[[1, 0], [1, 1], [0, 1], [0, 0], [1, 0]]],
    }
    # ~0 = arc 0 reversed: (1,1)->(1,0), then arc 2.
    assert b["geometry"] == {
        "type": "Polygon",
        "coordinates": [[[1, 1], [1, 0], [2, 0], [2, 1], [1, 1]]],
    }


def test_geometries_with_transform():
    topo = quantized_topology()
    fc = to_geojson(topo, "squares")
    geoms = {f["id"]: f["geometry"] for f in fc["features"]}
    ring_a = [[11, 50], [11, 51], [10, 51], [10, 50], [11, 50]]
    ring_b = [[11, 51], [11, 50], [12, 50], [12, 51], [11, 51]]
    assert geoms["A"] == {"type": "Polygon", "coordinates": [ring_a]}
    assert geoms["B"] == {"type": "Polygon", "coordinates": [ring_b]}
    assert geoms["AB"] == {"type": "MultiPolygon", "coordinates": [[ring_a], [ring_b]]}
    # Points are quantized but not delta-encoded.
    assert geoms["P"] == {"type": "Point", "coordinates": [12.0, 51.0]}
    # Line: arc 0 then arc 2 reversed, shared (11,51) kept once.
    assert geoms["L"] == {
        "type": "LineString",
        "coordinates": [[11, 50], [11, 51], [12, 51], [12, 50], [11, 50]],
    }
    props = {f["id"]: f["properties"] for f in fc["features"]}
    assert props["B"] == {"name": "Beta", "n": 2}
    assert props["P"] == {}


def test_feature_geometry_single_geometry_and_unknown_object():
    topo = quantized_topology()
    geom = feature_geometry(topo, {"type": "Polygon", "arcs": [[-1, 2]]})
    assert geom["coordinates"][0][0] == [11, 51]
    assert feature_geometry(topo, {"type": None}) is None
    with pytest.raises(KeyError):
        to_geojson(topo, "nope")


# ---------------------------------------------------------------------------
# Clipping / rounding / simplification
# ---------------------------------------------------------------------------


def _fc(*geoms, props=None):
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": str(i), "properties": dict(props or {"i": i}), "geometry": g}
            for i, g in enumerate(geoms)
        ],
    }


def _shoelace(ring):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:])) / 2.0


def test_clip_polygon_crossing_bbox_edge():
    # Square (-1,-1)..(1,1) clipped to (0,0)..(10,10) -> unit square (0,0)..(1,1).
    square = {"type": "Polygon", "coordinates": [[[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]]]}
    # A triangle entirely outside the box is dropped.
    outside = {"type": "Polygon", "coordinates": [[[20, 20], [21, 20], [20, 21], [20, 20]]]}
    src = _fc(square, outside)
    out = clip_to_bbox(src, 0, 0, 10, 10)
    assert len(out["features"]) == 1
    feat = out["features"][0]
    assert feat["id"] == "0" and feat["properties"] == {"i": 0}
    ring = feat["geometry"]["coordinates"][0]
    assert feat["geometry"]["type"] == "Polygon"
    assert ring[0] == ring[-1]
    assert {tuple(p) for p in ring} == {(0, 0), (1, 0), (1, 1), (0, 1)}
    assert abs(_shoelace(ring)) == pytest.approx(1.0)
    # The input is not modified.
    assert src["features"][0]["geometry"]["coordinates"][0][0] == [-1, -1]


def test_clip_multipolygon_drops_empty_parts_and_cuts_edges():
    inside = [[[2, 2], [3, 2], [3, 3], [2, 3], [2, 2]]]
    far = [[[50, 50], [51, 50], [51, 51], [50, 51], [50, 50]]]
    crossing = [[[8, 4], [14, 4], [14, 6], [8, 6], [8, 4]]]  # sticks out east of x=10
    geom = {"type": "MultiPolygon", "coordinates": [inside, far, crossing]}
    out = clip_to_bbox(_fc(geom), 0, 0, 10, 10)
    parts = out["features"][0]["geometry"]["coordinates"]
    assert len(parts) == 2
    xs = [p[0] for poly in parts for ring in poly for p in ring]
    assert max(xs) == 10
    assert abs(_shoelace(parts[1][0])) == pytest.approx(4.0)  # 2 x 2 left of x=10


def test_clip_unwraps_rings_crossing_antimeridian():
    # Ring from lon 170 eastwards across the antimeridian to -170 (short way).
    ring = [[170, 0], [-170, 0], [-170, 10], [170, 10], [170, 0]]
    fc = _fc({"type": "Polygon", "coordinates": [ring]})
    # A box far from the antimeridian must not receive a strip across it.
    assert clip_to_bbox(fc, -25, 0, 45, 10)["features"] == []
    west_side = clip_to_bbox(fc, -180, 0, -160, 10)["features"][0]["geometry"]["coordinates"][0]
    assert {tuple(p) for p in west_side} == {(-180, 0), (-170, 0), (-170, 10), (-180, 10)}


def test_clip_rejects_bad_bbox():
    with pytest.raises(ValueError):
        clip_to_bbox(_fc(), 10, 0, 0, 10)


def test_round_coords_rounds_every_position():
    geom = {"type": "Polygon", "coordinates": [[[0.12345, -0.00004], [1.98765, 0], [1, 1.00049], [0.12345, -0.00004]]]}
    out = round_coords(_fc(geom), 3)
    ring = out["features"][0]["geometry"]["coordinates"][0]
    assert ring == [[0.123, 0.0], [1.988, 0.0], [1.0, 1.0], [0.123, 0.0]]
    assert math.copysign(1, ring[0][1]) == 1  # no "-0.0" in output


def test_simplify_drops_close_points_but_keeps_four():
    dense = [[i / 1000, 0] for i in range(0, 1001)] + [[1, 1], [0, 1], [0, 0]]
    tiny = [[0, 0], [0.001, 0], [0.001, 0.001], [0, 0.001], [0, 0]]
    out = simplify(_fc({"type": "MultiPolygon", "coordinates": [[dense], [tiny]]}), 0.02)
    big, small = out["features"][0]["geometry"]["coordinates"]
    assert 4 <= len(big[0]) < 100
    assert big[0][0] == big[0][-1]
    assert small[0] == tiny  # too small to thin: left intact


# ---------------------------------------------------------------------------
# The committed basemap
# ---------------------------------------------------------------------------


def _point_in_ring(lon, lat, ring):
    """Even-odd ray casting."""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def _point_in_geometry(lon, lat, geom):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    for poly in polys:
        if _point_in_ring(lon, lat, poly[0]) and not any(_point_in_ring(lon, lat, h) for h in poly[1:]):
            return True
    return False


def _positions(geom):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    for poly in polys:
        for ring in poly:
            yield from ring


@pytest.fixture(scope="module")
def basemap():
    return json.loads(BASEMAP.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_iso(basemap):
    return {f["properties"]["iso_a2"]: f for f in basemap["features"] if f["properties"]["iso_a2"]}


def test_point_in_polygon_helper_sanity():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]]}
    assert _point_in_geometry(3, 3, square)
    assert not _point_in_geometry(1.5, 1.5, square)  # in the hole
    assert not _point_in_geometry(5, 3, square)


def test_basemap_structure_and_size(basemap):
    assert basemap["type"] == "FeatureCollection"
    assert BASEMAP.stat().st_size < 1_500_000
    assert len(basemap["features"]) >= 40
    codes = [f["properties"]["iso_a2"] for f in basemap["features"] if f["properties"]["iso_a2"]]
    assert len(codes) == len(set(codes)), "iso_a2 codes must be unique"
    for f in basemap["features"]:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert isinstance(f["properties"]["name"], str) and f["properties"]["name"]
        code = f["properties"]["iso_a2"]
        assert code is None or (len(code) == 2 and code.isupper())
    for code in ("DK", "FR", "DE", "GB", "NO", "SE", "ES", "IT", "PL", "TR", "RU", "IS", "XK"):
        assert code in codes, code


def test_denmark_bounds_contain_aarhus(by_iso):
    dk = by_iso["DK"]
    assert dk["properties"]["name"] == "Denmark"
    lons = [p[0] for p in _positions(dk["geometry"])]
    lats = [p[1] for p in _positions(dk["geometry"])]
    assert min(lons) <= 10.20 <= max(lons)
    assert min(lats) <= 56.16 <= max(lats)
    # And Denmark's bounds are Denmark-sized (not stretched by Greenland/Faroe).
    assert max(lons) - min(lons) < 10 and max(lats) - min(lats) < 5


def test_france_contains_paris(by_iso):
    assert _point_in_geometry(2.35, 48.86, by_iso["FR"]["geometry"])
    assert not _point_in_geometry(2.35, 48.86, by_iso["DE"]["geometry"])
    assert not _point_in_geometry(13.40, 52.52, by_iso["FR"]["geometry"])  # Berlin
    assert _point_in_geometry(13.40, 52.52, by_iso["DE"]["geometry"])


def test_every_coordinate_within_bbox(basemap):
    west, south, east, north = EUROPE_BBOX
    count = 0
    for f in basemap["features"]:
        for lon, lat in _positions(f["geometry"]):
            count += 1
            assert west <= lon <= east and south <= lat <= north, (f["properties"], lon, lat)
    assert count > 1000


def test_rings_are_closed_and_valid(basemap):
    for f in basemap["features"]:
        geom = f["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        for poly in polys:
            for ring in poly:
                assert len(ring) >= 4 and ring[0] == ring[-1], f["properties"]


def test_build_is_reproducible_from_hand_topology(tmp_path):
    """The build script's pipeline works end to end on a tiny topology."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_basemap", REPO_ROOT / "data" / "scripts" / "build_basemap.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    topo = copy.deepcopy(plain_topology())
    # Place the squares over Denmark (numeric id 208) and one far outside (Canada-ish).
    topo["arcs"] = [[[x + 9, y + 55] for x, y in arc] for arc in topo["arcs"]]
    topo["objects"]["squares"]["geometries"][0]["id"] = "208"
    topo["objects"]["squares"]["geometries"][1]["id"] = "276"
    fc = mod.build(topo, "squares")
    assert [f["properties"] for f in fc["features"]] == [
        {"iso_a2": "DK", "name": "Alpha"},
        {"iso_a2": "DE", "name": "Beta"},
    ]
    topo["objects"]["squares"]["geometries"][0]["id"] = "999"
    with pytest.raises(KeyError):
        mod.build(topo, "squares")
