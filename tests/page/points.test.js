// The point layers' pure part (nexus_zones/page/static/points.js): which points a period shows. The
// layers themselves (markers, clusters) are driven in Chromium by tests/end_to_end/test_browser_periods.py.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const STATIC = path.join(__dirname, "..", "..", "nexus_zones", "page", "static");
const Points = require(path.join(STATIC, "points.js"));

test("a period shows the points it counts and those that carry no periods; a snapshot shows them all", () => {
  const periods = [[0, 1], null, [2], [], [1]];
  assert.deepEqual(Points.shown(periods, 1), [0, 1, 4]);
  assert.deepEqual(Points.shown(periods, 2), [1, 2]);
  assert.deepEqual(Points.shown(periods, 0), [0, 1]);
  assert.deepEqual(Points.shown(periods, null), [0, 1, 2, 3, 4]);
  assert.deepEqual(Points.shown([], 0), []);
});
