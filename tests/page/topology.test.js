// The page's TopoJSON decoder (nexus_zones/page/static/topology.js).
//
// A hand-made topology with its decoding written out, and the topologies that tests/page/test_topology.py
// writes (with Python's own decoding) to the folder NEXUS_ZONES_TOPOLOGY. Node's runner only.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const T = require(path.join(__dirname, "..", "..", "nexus_zones", "page", "static", "topology.js"));
const CASES = process.env.NEXUS_ZONES_TOPOLOGY;

test("a hand-made topology", () => {
  // two unit squares side by side, [0,1]x[0,1] and [1,2]x[0,1], on a grid of 0.5 from (10, 20):
  // arc 0 is their shared border from (1,0) up to (1,1); arc 1 goes round the left square from (1,1)
  // back to (1,0), arc 2 round the right one from (1,0) to (1,1). Positions are steps of 0.5.
  const topology = {type: "Topology", transform: {scale: [0.5, 0.5], translate: [10, 20]},
    arcs: [[[2, 0], [0, 2]], [[2, 2], [-2, 0], [0, -2], [2, 0]], [[2, 0], [2, 0], [0, 2], [-2, 0]]],
    objects: {units: {type: "GeometryCollection", geometries: [{type: "Polygon", arcs: [[0, 1]]}, {type: "MultiPolygon", arcs: [[[~0, 2]]]}]}}};
  const [left, right] = T.geometries(topology, "units");
  assert.deepEqual(left, {type: "Polygon", coordinates: [[[11, 20], [11, 21], [10, 21], [10, 20], [11, 20]]]});
  assert.deepEqual(right, {type: "MultiPolygon", coordinates: [[[[11, 21], [11, 20], [12, 20], [12, 21], [11, 21]]]]});
  const arcs = T.decodeArcs(topology);
  assert.deepEqual(T.geometry(arcs, {type: "MultiLineString", arcs: [[1], [2]]}).coordinates,
                   [[[11, 21], [10, 21], [10, 20], [11, 20]], [[11, 20], [12, 20], [12, 21], [11, 21]]]);
  assert.equal(T.geometry(arcs, {type: null}), null);
  assert.throws(() => T.geometry(arcs, {type: "Sphere"}), /unsupported geometry type Sphere/);
  assert.deepEqual(topology.arcs[0], [[2, 0], [0, 2]]);  // the topology is not modified
});

const cases = CASES && fs.existsSync(CASES)
  ? fs.readdirSync(CASES).filter((f) => f.endsWith(".json")).sort().map((f) => JSON.parse(fs.readFileSync(path.join(CASES, f), "utf8")))
  : [];

function close(got, expected, where) {
  if (typeof expected === "number") {
    assert.ok(Math.abs(got - expected) <= 1e-9, `${where}: ${got} in JS, ${expected} in Python`);
    return;
  }
  assert.equal(got.length, expected.length, `${where}: length`);
  expected.forEach((e, i) => close(got[i], e, `${where}[${i}]`));
}

cases.forEach((c) => {
  test(`decodes as Python does: ${c.name}`, () => {
    const got = T.geometries(c.topology, "units");
    assert.equal(got.length, c.expected.length);
    got.forEach((g, i) => {
      assert.equal(g.type, c.expected[i].type, `unit ${i}`);
      close(g.coordinates, c.expected[i].coordinates, `unit ${i}`);
    });
  });
});
