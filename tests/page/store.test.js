// The page's store (nexus_zones/page/static/store.js) on a small hand-made payload: actions give
// new states (never changed in place), subscribers follow. Weight codes are checked against
// Python's nexus_zones.decision by tests/page/test_store.py.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const STATIC = path.join(__dirname, "..", "..", "nexus_zones", "page", "static");
const S = require(path.join(STATIC, "store.js"));

const {payload} = require("./_payload.js");

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
