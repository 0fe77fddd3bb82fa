// The payload as the page receives it, opened (nexus_zones/page/static/payload.js), on a small
// hand-made payload: normalised values derived by hand, region means and sides by hand, the colours
// of the views the page colours itself, and a compressed payload opened to the same. The demo, a
// model tree and hostile labels are opened against nexus_zones.maps.page_data by tests/page/test_payload.py.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const zlib = require("node:zlib");

const STATIC = path.join(__dirname, "..", "..", "nexus_zones", "page", "static");
const P = require(path.join(STATIC, "payload.js"));

const {payload} = require("./_payload.js");

// three units, two indicators: a on goalposts [0, 10] (a cost), b as a column; one region of two units
function packed() {
  const D = payload();
  D.classes = 0; D.palette = ["#000000", "#ffffff"]; D.no_data = "#bdbdbd"; D.region_rank_classes = [[1, "#111111"], [null, "#222222"]];
  D.views = D.views.concat([{id: "region_rank", label: "Region rank", legend: ""}, {id: "robustness", label: "Robustness", legend: ""}]);
  const U = D.units;
  delete U.norm;
  U.popup = [{v: [0, 2]}, {v: [2.5, 4]}, {v: [12, null]}];
  U.norm_of = [{lo: 0, hi: 10, cost: true}, [0, 0.5, null]];
  // region 0 holds units 0 and 1 (a: 0 + 2.5, b: 2 + 4); region 1 holds unit 2 alone: every unit's totals (a: 14.5 of 3, b: 6 of 2)
  U.why = {sum: [[2.5, 6], [14.5, 6]], n: [[2, 2], [3, 2]], cost: [true, false]};
  U.colours = {robustness: {of: ["#123456"], i: [0, 0, 0]}};
  return D;
}

test("linear normalisation and region sides by hand", () => {
  assert.equal(P.linear(2.5, {lo: 0, hi: 10, cost: false}), 0.25);
  assert.equal(P.linear(2.5, {lo: 0, hi: 10, cost: true}), 0.75);
  assert.equal(P.linear(12, {lo: 0, hi: 10, cost: false}), 1);
  assert.equal(P.linear(-1, {lo: 0, hi: 10, cost: true}), 1);
  assert.equal(P.linear(null, {lo: 0, hi: 10, cost: false}), null);
  assert.equal(P.side(1, 2, false), -1);
  assert.equal(P.side(1, 2, true), 1);
  assert.equal(P.side(1 + 1e-12, 1, false), 0);  // equal within math.isclose's tolerance
  assert.equal(P.side(null, 1, false), 0);
  assert.equal(P.side(1, NaN, false), 0);
});

test("unpack: normalised values, why's sides and means, colours of the views the page colours", () => {
  const D = P.unpack(packed()), U = D.units;
  assert.deepEqual(U.norm, [[1, 0], [0.75, 0.5], [0, null]]);
  assert.equal(U.norm_of, undefined);
  assert.equal(U.why, undefined);
  // unit 0: a = 0 against the other unit's 2.5 (a cost: better), b = 2 against 4 (worse)
  assert.deepEqual(U.popup[0], {v: [0, 2], sd: "12", mn: [2.5, 4]});
  assert.deepEqual(U.popup[1], {v: [2.5, 4], sd: "21", mn: [0, 2]});
  // unit 2, alone in its region: against every other unit, (14.5 - 12) / 2 = 1.25 (worse, a cost); b missing: no side
  assert.deepEqual(U.popup[2], {v: [12, null], sd: "20", mn: [1.25, null]});
  // scores at the config's weights (3, 1): 100 x (0.75 x norm_a + 0.25 x norm_b) = 75, 68.75; unit 2 misses b: no score
  const ramp = (s) => `#${Math.floor(255 * s / 100 + 0.5).toString(16).padStart(2, "0").repeat(3)}`;
  assert.deepEqual(U.colours.score, {of: [ramp(75), ramp(68.75), "#bdbdbd"], i: [0, 1, 2]});
  assert.deepEqual(U.colours.i_a, {of: ["#ffffff", ramp(75), "#000000"], i: [0, 1, 2]});
  assert.deepEqual(U.colours.region_rank, {of: ["#111111", "#222222", "#bdbdbd"], i: [0, 1, 2]});
  assert.deepEqual(U.colours.robustness, {of: ["#123456"], i: [0, 0, 0]});  // shipped: kept as it came
  assert.equal(P.unpack(D), D);  // a payload already whole is left as it is
});

test("a compressed payload opens to the payload its plain form gives", async () => {
  const D = packed(), plain = await new Promise((done) => P.open(D, done));
  const gz = zlib.gzipSync(Buffer.from(JSON.stringify(D), "utf8")).toString("base64");
  const opened = await new Promise((done) => P.open({gz}, done));
  assert.deepEqual(opened, plain);
  assert.deepEqual(plain, P.unpack(packed()));
  // a browser without DecompressionStream says so (the catalogue's browser_too_old) instead of a blank map
  const kept = globalThis.DecompressionStream;
  delete globalThis.DecompressionStream;
  try {
    let said = null;
    P.open({gz, old: "too old <b>"}, () => assert.fail("opened"), (text) => { said = text; });
    assert.equal(said, "too old <b>");
  } finally { globalThis.DecompressionStream = kept; }
});
