"""The map's geometry as a shared-arc topology (:func:`nexus_zones.maps.topology`, decoded in the page
by ``page/static/topology.js``).

* Decoded with an independent decoder written here, every unit equals its (simplified) source
  within the quantisation step, stays a valid polygon, and neighbours still meet exactly: the
  decoded units form a valid coverage, with no overlap and no new gap.
* Node decodes topologies written here (``tests/page/topology.test.js``) to the same coordinates.
* The default simplification follows the extent; region outlines are the borders of their units.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import shapely

from nexus_zones import maps

from .._support import JS_TESTS, REPO, _node, decode_units, voronoi_coverage


# ------------------------------------------------------------------------- the page's decoder
def test_node_decoder_reproduces_the_python_decoding(demo_result, tmp_path: Path) -> None:
    cases = tmp_path / "topology"
    cases.mkdir()
    demo = demo_result
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
