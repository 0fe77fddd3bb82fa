// The page's store (nexus_zones/page/static/store.js) on a small hand-made payload: actions give
// new states (never changed in place), subscribers follow. Weight codes are checked against
// Python's nexus_zones.decision by tests/page/test_store.py.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const STATIC = path.join(__dirname, "..", "..", "nexus_zones", "page", "static");
const S = require(path.join(STATIC, "store.js"));

// three units, two indicators, one rule under rules first; names with markup
function payload() {
  const nf = {thousands: ",", decimal: "."};
  return {
    language: "en", number_format: nf, aggregation: "arithmetic", pillars: [], geometric_floor: 0.01, tie_tolerance: 1e-9, failing_units: "last",
    indicators: [{id: "a", label: "A", weight: 3, max: 10}, {id: "b", label: "B <i>", weight: 1, max: 10}],
    rules: 1, rules_k: 1, views: [{id: "score", label: "Score", legend: "<b>score</b>"}, {id: "i_a", label: "A", legend: {pre: "<i>A (weight ", k: 0, post: ")</i>"}}],
    text: {rank: "Rank", name: "Name", region: "Region", rules_failed: "Rules failed", score: "Score", not_ranked: "not ranked", pin: "Pin", unit: "Unit",
           score_short: "Score", region_rank: "Region rank", score_line: "Score {score} · rank {rank} of {ranked} · {region_rank} in region"},
    units: {id: ["U1", "U2", "U3"], name: ["<b>One</b>", "Two", "Three"], regions: ["North & co", "South"], region: [0, 0, 1],
            config_rank: [1, 2, 3], eligible: [true, true, true], failed: [0, 1, 2], norm: [[1, 0], [0.5, 0.5], [0, 1]], popup: [{v: [1, 2]}, {v: [3, 4]}, {v: [5, 6]}]},
    popup: {t: {}, ind: [{label: "A", about: "", lo: 0, hi: 1}, {label: "B <i>", about: "", lo: 0, hi: 1}], rules: ["r"], eff: [0.75, 0.25], ref: "", number_format: nf,
            claims: {lang: "en", s: {rules_order: "the rules alone decide the order ({counts})", and: " and ", first_one: "first", first_k: "among the first {k}"},
                     f: {rules_order: [["n", "int"], ["counts", "names"]]}}},
  };
}

test("actions give new states; subscribers follow; reset gives the config's weights", () => {
  const D = payload(), store = S.create(D), seen = [];
  const first = store.get();
  assert.deepEqual(first, {weights: [3, 1], pillarWeights: [], period: null, view: "score", selection: null});
  store.subscribe((s) => seen.push(s));
  store.dispatch({type: "weight", index: 1, value: "9"});
  assert.deepEqual(store.get().weights, [3, 9]);
  assert.deepEqual(first.weights, [3, 1]);  // never changed in place
  assert.ok(S.moved(D, store.get()) && !S.moved(D, first));
  store.dispatch({type: "view", view: "i_a"});
  store.dispatch({type: "select", unit: 2});
  store.dispatch({type: "reset"});
  assert.deepEqual(store.get(), {weights: [3, 1], pillarWeights: [], period: null, view: "i_a", selection: 2});
  assert.equal(seen.length, 4);
  assert.throws(() => store.dispatch({type: "weight", index: 0, value: -1}), /finite number >= 0/);
  assert.throws(() => store.dispatch({type: "nope"}), /unknown action/);
});

test("YAML and the weight code of a state", () => {
  const D = payload(), state = Object.assign(S.initial(D), {weights: [0.123456, 2]});
  assert.equal(S.yaml(D, state), "weights:\n  a: 0.1235\n  b: 2\n");
  const code = S.weightsCode(D, state);
  assert.ok(code.startsWith("nz1."));
  assert.deepEqual(JSON.parse(Buffer.from(code.slice(4), "base64url").toString("utf8")), {w: {a: 0.1235, b: 2}});
});
