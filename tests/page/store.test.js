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
  assert.deepEqual(first, {weights: [3, 1], pillarWeights: [], period: null, change: null, view: "score", selection: null});
  store.subscribe((s) => seen.push(s));
  store.dispatch({type: "weight", index: 1, value: "9"});
  assert.deepEqual(store.get().weights, [3, 9]);
  assert.deepEqual(first.weights, [3, 1]);  // never changed in place
  assert.ok(S.moved(D, store.get()) && !S.moved(D, first));
  store.dispatch({type: "view", view: "i_a"});
  store.dispatch({type: "select", unit: 2});
  store.dispatch({type: "reset"});
  assert.deepEqual(store.get(), {weights: [3, 1], pillarWeights: [], period: null, change: null, view: "i_a", selection: 2});
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

test("a study over periods: the period and the change view's choice are the state's", () => {
  const D = Object.assign(payload(), {periods: {names: ["2019", "2020", "2021"], current: 2}}), store = S.create(D);
  assert.deepEqual([store.get().period, store.get().change], [2, {a: 0, b: 2, what: "rank"}]);
  const first = store.get();
  store.dispatch({type: "period", period: 1});
  store.dispatch({type: "change", b: 1});
  store.dispatch({type: "change", what: "score"});
  assert.deepEqual([store.get().period, store.get().change], [1, {a: 0, b: 1, what: "score"}]);
  store.dispatch({type: "change", a: 2, b: 0, what: "rank"});
  assert.deepEqual(store.get().change, {a: 2, b: 0, what: "rank"});
  assert.deepEqual(first.change, {a: 0, b: 2, what: "rank"});  // never changed in place
  store.dispatch({type: "reset"});  // the weights only
  assert.deepEqual([store.get().period, store.get().change], [1, {a: 2, b: 0, what: "rank"}]);
  assert.throws(() => store.dispatch({type: "period", period: 3}), /one of the study's 3 periods; got 3/);
  assert.throws(() => store.dispatch({type: "period", period: 0.5}), /periods; got 0.5/);
  assert.throws(() => store.dispatch({type: "change", a: -1}), /periods; got -1/);
  assert.throws(() => store.dispatch({type: "change", what: "colour"}), /"rank" or "score"; got "colour"/);
  // a single snapshot has neither
  assert.throws(() => S.create(payload()).dispatch({type: "change", what: "score"}), /needs a study over periods/);
  assert.throws(() => S.create(payload()).dispatch({type: "period", period: 0}), /one of the study's 0 periods/);
});

test("every node of a model tree has its weight in the state; reset, YAML and the code carry them", () => {
  const D = Object.assign(payload(), {pillars: [{id: "need", weight: 2}, {id: "food", weight: 1}, {id: "access", weight: 1}]}), store = S.create(D);
  assert.deepEqual(store.get().pillarWeights, [2, 1, 1]);
  store.dispatch({type: "pillar", index: 1, value: 0.25});
  assert.deepEqual(store.get().pillarWeights, [2, 0.25, 1]);
  assert.ok(S.moved(D, store.get()));
  assert.equal(S.yaml(D, store.get()), "weights:\n  a: 3\n  b: 1\npillar_weights:\n  need: 2\n  food: 0.25\n  access: 1\n");
  assert.deepEqual(JSON.parse(Buffer.from(S.weightsCode(D, store.get()).slice(4), "base64url").toString("utf8")),
                   {w: {a: 3, b: 1}, p: {need: 2, food: 0.25, access: 1}});
  store.dispatch({type: "reset"});
  assert.deepEqual(store.get().pillarWeights, [2, 1, 1]);
  assert.ok(!S.moved(D, store.get()));
});
