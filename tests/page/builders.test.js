// The claims the page builds (nexus_zones/page/static/builders.js) against nexus_zones.claims:
// tests/page/test_builders.py writes why claims of awkward facts, the rules deciding, and the demo's
// why claims, points and bars at several weightings (RunResult.rescore) to NEXUS_ZONES_BUILDERS.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const STATIC = path.join(__dirname, "..", "..", "nexus_zones", "page", "static");
const B = require(path.join(STATIC, "builders.js"));
const C = require(path.join(STATIC, "claims.js"));
const F = require(path.join(STATIC, "format.js"));
const P = require(path.join(STATIC, "popup.js"));
const R = require(path.join(STATIC, "render.js"));
const S = require(path.join(STATIC, "store.js"));
const CASES = process.env.NEXUS_ZONES_BUILDERS;

test("hand-made: points, strengths first, the three lines, rules", () => {
  assert.deepEqual(B.points([0.5, null, 1], [0.5, 0, 0.5]), [25, 0, 50]);
  assert.deepEqual(B.points([0.5, null, 1], [0.5, 0.25, 0.25]), [null, null, null]);
  assert.deepEqual(F.largestRemainder([33.34, 33.33, 33.33], 1), [33.4, 33.3, 33.3]);
  const said = B.why([{index: 0, value: 1, points: 5, max: 20, worst: 0, best: 1, mean: null, side: 0},
                      {index: 1, value: 1, points: 15, max: 20, worst: 0, best: 1, mean: 0.5, side: 1},
                      {index: 2, value: 1, points: 10, max: 20, worst: 0, best: 1, mean: 2, side: -1}]);
  assert.deepEqual(said.map((s) => s.claim[0]), ["why_good_region", "why_good", "why_bad"]);
  assert.deepEqual(B.pickThree(said), [0, 1, 2]);
  assert.deepEqual(B.rulesDecide({names: ["a", "b"], failed: [0, 1], rulesFirst: true, k: 1}), ["rules_order", 2, ["0", "1"]]);
  assert.equal(B.rulesDecide({names: ["a", "b"], failed: [0, 1], rulesFirst: false, k: 1}), null);
});

test("claim for claim as Python builds them", {skip: !CASES && "NEXUS_ZONES_BUILDERS not set"}, () => {
  for (const lang of ["en", "fr"]) {
    const c = JSON.parse(fs.readFileSync(path.join(CASES, `builders_${lang}.json`), "utf8"));
    for (const unit of c.facts) {
      const said = B.why(unit.facts);
      assert.deepEqual(said.map((s) => C.render(c.catalogue, s.claim, c.labels, c.nf)), unit.texts);
      assert.deepEqual(said.map((s) => s.good), unit.good);
      assert.deepEqual(B.pickThree(said), unit.three);
    }
    for (const r of c.rules) {
      const claim = B.rulesDecide(r.facts);
      assert.equal(claim === null ? null : C.render(c.catalogue, claim, c.labels, c.nf), r.expected);
    }
    // the demo at each weighting: from the payload (at the config's weights) and the weights alone
    const D = c.payload, labels = {ind: D.popup.ind.map((x) => x.label), rules: D.popup.rules};
    assert.ok(c.demo.length >= 3);
    for (const weighting of c.demo) {
      const state = Object.assign(S.initial(D), {weights: weighting.weights});
      const X = R.derive(D, R.inputs(D, state), state);
      weighting.units.forEach((expected, i) => {
        const live = P.live(D.popup, D.units.popup[i], D.units.norm[i], X.eff);
        const where = `${lang}, ${D.units.id[i]}, weights ${weighting.weights}`;
        assert.deepEqual(live.said.map((s) => C.render(D.popup.claims, s.claim, labels, D.number_format)), expected.texts, where);
        assert.deepEqual(live.said.map((s) => s.good), expected.good, where);
        assert.deepEqual(live.three, expected.three, where);
        assert.deepEqual(live.shown.map((p) => (p === null ? null : F.fixed(p, D.number_format, 1))), expected.points, where);
        assert.deepEqual(live.widths, expected.widths, where);
      });
      const line = R.rulesLine(D, X);
      assert.equal(line, weighting.rules === null ? "" : `<p class="nz-rules-decide">${F.esc(weighting.rules)}</p>`);
    }
  }
});
