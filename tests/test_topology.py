"""The map's geometry as a shared-arc topology (:func:`nexus_zones.maps.topology`, decoded in the page
by ``page/static/topology.js``).

* Decoded with an independent decoder written here, every unit equals its (simplified) source
  within the quantisation step, stays a valid polygon, and neighbours still meet exactly: the
  decoded units form a valid coverage, with no overlap and no new gap.
* Node decodes topologies written here (``tests/js/topology.test.js``) to the same coordinates.
* The default simplification follows the extent; region outlines are the borders of their units.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely

import nexus_zones
from nexus_zones import maps
from nexus_zones.config import config_from_mapping

from .conftest import require_real_data
from .test_page_kernel import JS_TESTS, REPO, _node


# ------------------------------------------------------------------ an independent decoder
def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Absolute positions of every arc: cumulative sums of the integer deltas, then the transform."""
    t = topology["transform"]
    return [np.cumsum(np.asarray(a, dtype=np.int64), axis=0) * np.asarray(t["scale"]) + np.asarray(t["translate"]) for a in topology["arcs"]]


def _line(arcs: list[np.ndarray], ids: list[int]) -> np.ndarray:
    parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in ids]
    return np.concatenate([parts[0]] + [p[1:] for p in parts[1:]])


def decode(topology: dict, geometry: dict):
    """One topology geometry object as a shapely geometry."""
    arcs = decode_arcs(topology)
    polygon = lambda rings: shapely.Polygon(_line(arcs, rings[0]), [_line(arcs, r) for r in rings[1:]])  # noqa: E731
    if geometry["type"] == "Polygon":
        return polygon(geometry["arcs"])
    if geometry["type"] == "MultiPolygon":
        return shapely.MultiPolygon([polygon(p) for p in geometry["arcs"]])
    if geometry["type"] == "MultiLineString":
        return shapely.MultiLineString([_line(arcs, ids) for ids in geometry["arcs"]])
    raise AssertionError(geometry["type"])


def decode_units(topology: dict) -> list:
    return [decode(topology, g) for g in topology["objects"]["units"]["geometries"]]


def quantum(topology: dict) -> float:
    """The largest distance between a position and its quantised one (half a step on each axis)."""
    return math.hypot(*topology["transform"]["scale"]) / 2


def voronoi_coverage(n: int, seed: int) -> np.ndarray:
    """n irregular polygons that tile a box exactly (shared borders with many vertices after densifying)."""
    rng = np.random.default_rng(seed)
    extent = shapely.box(-4.0, 10.0, 2.0, 16.0)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.uniform([-4, 10], [2, 16], (n, 2))), extend_to=extent))
    # a border densified from either side gets interpolated positions that differ in their last bits:
    # rounded to 1e-7 degrees they are the same again, so the cells are an exact coverage
    return shapely.set_precision(shapely.segmentize(shapely.intersection(cells, extent), 0.05), 1e-7, mode="pointwise")


def assert_sound(source: np.ndarray, topology: dict) -> list:
    """Decoded units: valid, within the quantum of the source, and still one coverage with the
    same neighbours (shared borders decode to the same positions on both sides)."""
    decoded = decode_units(topology)
    assert bool(shapely.coverage_is_valid(source))  # the case is a coverage (the real ones have narrow gaps of their own)
    assert len(decoded) == len(source)
    assert all(g.is_valid and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon") for g in decoded)
    step = quantum(topology)
    assert max(shapely.hausdorff_distance(a, b) for a, b in zip(decoded, source)) <= step * (1 + 1e-9)
    # no overlap and every shared edge matched; no new sliver between neighbours; the source's holes
    assert bool(shapely.coverage_is_valid(np.array(decoded)))
    slivers = lambda geoms: shapely.union_all(shapely.coverage_invalid_edges(geoms, gap_width=100 * step))  # noqa: E731
    assert slivers(np.array(decoded)).difference(slivers(source).buffer(2 * step)).length == 0
    holes = lambda geoms: sum(shapely.get_num_interior_rings(shapely.get_parts(shapely.coverage_union_all(geoms))))  # noqa: E731
    assert holes(np.array(decoded)) == holes(source)
    tree = shapely.STRtree(source)
    pairs = [(i, j) for i, j in tree.query(source, predicate="touches").T if i < j]
    for i, j in pairs:
        shared = shapely.intersection(source[i].boundary, source[j].boundary).length
        if shared > 0:  # neighbours along a border (not at one corner) meet along it, exactly
            assert decoded[i].intersection(decoded[j]).area == 0
            assert shapely.intersection(decoded[i].boundary, decoded[j].boundary).length == pytest.approx(shared, abs=4 * step * len(source))
    arcs_of = [set(maps._arc_ids(g)) for g in topology["objects"]["units"]["geometries"]]
    assert all(sum(a in s for s in arcs_of) <= 2 for a in range(len(topology["arcs"])))  # an arc borders at most two units
    return decoded


def test_a_coverage_decodes_to_itself_within_the_quantum() -> None:
    cells = voronoi_coverage(40, seed=3)
    for precision in (3, 5):
        topo = maps.topology(cells, precision)
        assert max(topo["transform"]["scale"]) <= 10.0**-precision
        assert all(isinstance(v, int) for arc in topo["arcs"] for p in arc for v in p)
        assert_sound(cells, topo)


def test_shared_borders_are_stored_once() -> None:
    """Every border between two cells is one arc: the arcs hold each border position once, so there
    are fewer positions than in the cells (where a border is written by both sides)."""
    cells = voronoi_coverage(40, seed=5)
    topo = maps.topology(cells, 5)
    in_cells = int(shapely.get_num_coordinates(cells).sum())
    # positions on borders: each distinct edge once; a ring's closing position is written twice in GeoJSON
    edges = {tuple(sorted((tuple(p), tuple(q)))) for c in cells for p, q in zip(shapely.get_coordinates(c)[:-1], shapely.get_coordinates(c)[1:])}
    n_positions = sum(len(a) for a in topo["arcs"])
    assert n_positions <= len(edges) + 2 * len(topo["arcs"])  # each arc adds one end beyond its edges
    assert n_positions < 0.6 * in_cells


def test_simplified_units_stay_one_coverage_and_outlines_follow_regions(demo_config: Path) -> None:
    demo = nexus_zones.run(demo_config, write=False)
    data = maps.page_data(demo, "en")
    geoms = maps._geometries(demo)
    decoded = assert_sound(geoms, data["topology"])
    regions = demo.scores["region"].to_numpy()
    for entry in data["basemap"]["regions"]:
        mine = [g for g, r in zip(decoded, regions) if maps.esc(r) == entry["label"]]
        outline = decode(data["topology"], entry["outline"])
        border = shapely.coverage_union_all(np.array(mine)).boundary
        assert outline.length == pytest.approx(border.length, rel=1e-9)
        assert shapely.hausdorff_distance(outline, border) == 0
    assert "geometry" not in data["units"] and "features" not in data["units"]  # the geometry is the topology's only


def test_default_tolerance_follows_the_extent(grid_cfg) -> None:
    result = nexus_zones.run(config_from_mapping(grid_cfg), write=False)
    minx, miny, maxx, maxy = result.scores.total_bounds
    assert maps.simplify_tolerance(result) == math.hypot(maxx - minx, maxy - miny) / 4000
    grid_cfg["map"] = {"simplify": 0}
    unsimplified = nexus_zones.run(config_from_mapping(grid_cfg), write=False)
    assert maps.simplify_tolerance(unsimplified) == 0
    topo = maps.page_data(unsimplified, "en")["topology"]
    assert [g.normalize().equals_exact(s.normalize(), 1e-12) for g, s in zip(decode_units(topo), unsimplified.scores.geometry)] == [True] * 4


@pytest.mark.realdata
@pytest.mark.parametrize("layer", ["adm2_cercles", "adm3_communes"])
def test_real_boundaries_at_the_default_tolerance(layer: str) -> None:
    import geopandas as gpd

    real = require_real_data()
    units = gpd.read_file(real / "mali_admin_boundaries_ocha_cod_2015.gpkg", layer=layer)
    minx, miny, maxx, maxy = units.total_bounds
    source = shapely.coverage_simplify(units.geometry.to_numpy(), math.hypot(maxx - minx, maxy - miny) * maps.SIMPLIFY_SHARE)
    assert_sound(source, maps.topology(source, 5))


# ------------------------------------------------------------------------- the page's decoder
def test_node_decoder_reproduces_the_python_decoding(tmp_path: Path, demo_config: Path) -> None:
    cases = tmp_path / "topology"
    cases.mkdir()
    demo = nexus_zones.run(demo_config, write=False)
    written = {"voronoi": maps.topology(voronoi_coverage(30, seed=7), 4), "demo": maps.page_data(demo, "en")["topology"]}
    for name, topo in written.items():
        expected = [shapely.geometry.mapping(g) for g in decode_units(topo)]
        (cases / f"{name}.json").write_text(json.dumps({"name": name, "topology": topo, "expected": json.loads(json.dumps(expected))}), encoding="utf-8")
    run = subprocess.run([_node(), "--test", str(JS_TESTS / "topology.test.js")], capture_output=True, text=True, timeout=300, cwd=REPO,
                         env={**os.environ, "NEXUS_ZONES_TOPOLOGY": str(cases)})
    report = run.stdout + run.stderr
    assert run.returncode == 0 and not re.findall(r"^not ok", report, flags=re.M), report[-3000:]
    passed = set(re.findall(r"^ok \d+ - (.*)$", report, flags=re.M))
    assert {f"decodes as Python does: {n}" for n in written} <= passed and "a hand-made topology" in passed
