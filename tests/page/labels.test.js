// The labels' pure geometry (nexus_zones/page/static/labels.js): boxes that overlap, points inside a
// shape with holes, the order unit names are placed in, and which names are shown where. The DOM
// glue (boxes read from the page) is driven in Chromium by tests/end_to_end/test_browser.py.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const STATIC = path.join(__dirname, "..", "..", "nexus_zones", "page", "static");
const Labels = require(path.join(STATIC, "labels.js"));

const box = (left, top, width, height) => ({left, top, right: left + width, bottom: top + height, width});

test("boxes overlap when they share area; touching edges do not", () => {
  assert.ok(Labels.overlaps(box(0, 0, 10, 10), box(9, 9, 10, 10)));
  assert.ok(Labels.overlaps(box(0, 0, 10, 10), box(2, 2, 2, 2)));  // one inside the other
  assert.ok(!Labels.overlaps(box(0, 0, 10, 10), box(10, 0, 10, 10)));
  assert.ok(!Labels.overlaps(box(0, 0, 10, 10), box(0, 10, 10, 10)));
});

test("a point is inside a polygon, not in its hole, and inside either part of a multipolygon", () => {
  const square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]];
  const poly = {type: "Polygon", coordinates: [square, hole]};
  assert.ok(Labels.inside(poly, 2, 2));
  assert.ok(!Labels.inside(poly, 5, 5));  // the hole
  assert.ok(!Labels.inside(poly, 11, 5));
  const multi = {type: "MultiPolygon", coordinates: [[square], [[[20, 0], [30, 0], [30, 10], [20, 0]]]]};
  assert.ok(Labels.inside(multi, 28, 2) && !Labels.inside(multi, 21, 9) && Labels.inside(multi, 1, 9));
  // a label's probes: its corners 1 px in, the middles of its sides and its centre
  assert.deepEqual(Labels.probes(box(0, 0, 10, 4)), [[1, 1], [1, 2], [1, 3], [5, 1], [5, 2], [5, 3], [9, 1], [9, 2], [9, 3]]);
});

test("unit names are placed hovered first, then those that fit, the top k, the others by rank then size", () => {
  // five units: ranks 3, 1, null, 2, 4; top 2; unit 4 fits inside its shape; label_order (larger first) 2, 0, 1, 3, 4
  const o = {hovered: null, fits: [false, false, false, false, true], rank: [3, 1, null, 2, 4], topK: 2, labelOrder: [2, 0, 1, 3, 4]};
  assert.deepEqual(Labels.unitOrder(5, o), [4, 1, 3, 0, 2]);
  assert.deepEqual(Labels.unitOrder(5, Object.assign({}, o, {hovered: 2})), [2, 4, 1, 3, 0]);
  // equal ranks: the larger unit (earlier in label_order) first
  assert.deepEqual(Labels.unitOrder(3, {hovered: null, fits: [false, false, false], rank: [5, 5, 5], topK: 1, labelOrder: [1, 2, 0]}), [1, 2, 0]);
});

test("a name overlapping one placed before it is hidden; a region name moves a line up or down, or hides", () => {
  // units 0 and 1 overlap; 1 comes first in the order, so 0 is hidden; 2 is not drawn; 3 has no width; 4 is a tall column
  const units = [box(0, 0, 20, 10), box(10, 5, 20, 10), null, box(50, 50, 0, 10), box(200, -30, 10, 80)];
  const got = Labels.choose(units, [1, 0, 2, 3, 4], [
    {r: box(100, 100, 30, 10), dy: 0},   // free where it is
    {r: box(12, 12, 30, 10), dy: 0},     // on unit 1 (y 5-15): one line up (2-12) still overlaps it, one line down (22-32) is free
    {r: box(60, 35, 30, 10), dy: 10},    // drawn 10 px down before: its own place (25-35) is free again
    {r: box(195, 0, 20, 10), dy: 0},     // on the column (y -30 to 50) two lines up and down too: hidden
    {r: box(300, 0, 0, 10), dy: 0},      // not laid out (no width): hidden
  ]);
  assert.deepEqual(got.units, [[1, true], [0, false], [3, false], [4, true]]);
  assert.deepEqual(got.regions, [[true, 0], [true, 10], [true, 0], [false, null], [false, null]]);
});
