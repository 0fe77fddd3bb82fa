// The page's renders (nexus_zones/page/static/render.js) on a small hand-made payload: each is a
// function of (payload, state) alone, escapes every text from data and writes numbers with format.js.
// The renders of the demo at other weights are compared with RunResult.rescore by
// tests/page/test_builders.py (builders.test.js) and, in Chromium, tests/end_to_end/test_browser_sliders.py.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const STATIC = path.join(__dirname, "..", "..", "nexus_zones", "page", "static");
const S = require(path.join(STATIC, "store.js"));
const R = require(path.join(STATIC, "render.js"));

const {payload} = require("./_payload.js");

test("the renders are functions of (payload, state): ranking, legend, header, rules line", () => {
  const D = payload();
  const at = (weights) => { const state = Object.assign(S.initial(D), {weights}); return R.derive(D, R.inputs(D, state), state); };
  const X = at([3, 1]);
  // scores: 100 x (0.75 x norm_a + 0.25 x norm_b): 75, 50, 25; rules first with 0, 1, 2 rules failed
  assert.deepEqual(X.scores, [75, 50, 25]);
  assert.deepEqual(X.rank, [1, 2, 3]);
  const table = R.ranking(D, X);
  assert.ok(table.includes("<td>&lt;b&gt;One&lt;/b&gt;</td><td>North &amp; co</td>"), table);
  assert.ok(table.includes('<td class="nz-s">75.0</td>'));
  assert.equal(R.legend(D, X, D.views[1]), "<i>A (weight 75%)</i>");
  assert.equal(R.legend(D, at([1, 3]), D.views[1]), "<i>A (weight 25%)</i>");
  assert.equal(R.legend(D, X, D.views[0]), "<b>score</b>");
  assert.ok(R.header(D, X, 0).startsWith("<h4>&lt;b&gt;One&lt;/b&gt; <small>U1 · North &amp; co</small></h4><p><b>Score 75.0 · rank 1 of 3 · 1 in region"));
  // every unit fails a different number of rules: the rules decide the order, whatever the weights
  assert.equal(R.rulesLine(D, X), '<p class="nz-rules-decide">The rules alone decide the order (0, 1 and 2)</p>');
  assert.equal(R.rulesLine(Object.assign(payload(), {failing_units: "flag"}), X), "");
  // colours: the score on the palette (75 of 100 is 3/4 along it), region ranks by class, unranked grey
  const D2 = Object.assign(payload(), {palette: ["#000000", "#ffffff"], classes: 0, no_data: "#bdbdbd", region_rank_classes: [[1, "#111111"], [null, "#222222"]]});
  assert.deepEqual(R.colours(D2, X), {score: ["#bfbfbf", "#808080", "#404040"], region_rank: ["#111111", "#222222", "#111111"]});
  // the same state gives the same HTML; another weighting moves the ranking's scores, not its order
  assert.equal(R.ranking(D, at([3, 1])), table);
  assert.ok(R.ranking(D, at([1, 3])).includes('<td class="nz-s">25.0</td>'));
});

