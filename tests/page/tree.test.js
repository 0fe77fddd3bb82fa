// The page's model tree (nexus_zones/page/static/tree.js) against nexus_zones.tree.
// Golden cases are written by tests/page/test_tree.py, which runs this file with
// NEXUS_ZONES_TREE_GOLDEN pointing to them; without that variable (as when `node --test tests/page/`
// runs for the kernel) the cases are skipped and say so. Node's own runner and assert only.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const T = require(path.join(__dirname, "..", "..", "nexus_zones", "page", "static", "tree.js"));
const GOLDEN = process.env.NEXUS_ZONES_TREE_GOLDEN;

if (!GOLDEN) {
  test("tree: golden cases", { skip: "NEXUS_ZONES_TREE_GOLDEN is not set: tests/page/test_tree.py writes the cases and runs this file" }, () => {});
} else {
  const golden = JSON.parse(fs.readFileSync(GOLDEN, "utf8"));
  golden.cases.forEach((c) => {
    test("tree: " + c.name, () => {
      const got = T.evaluate(c.tree, c.values, c.weights);
      Object.keys(c.expected).forEach((node) => {
        c.expected[node].forEach((e, u) => {
          const g = got[node][u];
          if (e === null) {
            assert.equal(g, null, `${node}, unit ${u}: no value in Python, ${g} in JS`);
          } else {
            assert.ok(g !== null && Math.abs(g - e) <= golden.tolerance, `${node}, unit ${u}: ${g} in JS, ${e} in Python`);
          }
        });
      });
    });
  });
}

test("tree: a weighted maximum and a renormalised mean by hand", () => {
  const tree = {
    root: "index", order: ["hazard", "index"],
    nodes: {
      hazard: { children: ["current", "projected"], aggregation: "max", missing: "exclude", offset: 0.01 },
      index: { children: ["hazard", "poverty", "health"], aggregation: "arithmetic", missing: "renormalise", offset: 0.01 },
    },
    weight: { hazard: 2, poverty: 1, health: 1 }, factor: { projected: 0.7 },
  };
  const got = T.evaluate(tree, { current: [0.5], projected: [0.9], poverty: [0.3], health: [null] }, {});
  assert.ok(Math.abs(got.hazard[0] - 0.63) < 1e-12);
  assert.ok(Math.abs(got.index[0] - (2 * 0.63 + 0.3) / 3) < 1e-12);
});
