// The page's scoring kernel (nexus_zones/page/static/kernel.js) against the Python model.
//
// Golden cases are written by tests/page/make_golden.py from nexus_zones.score and nexus_zones.maps;
// tests/page/test_kernel.py writes them to a temporary folder and runs `node --test tests/page/` with
// NEXUS_ZONES_GOLDEN pointing there. By hand:
//   PYTHONPATH=. python tests/page/make_golden.py tests/page/golden && NEXUS_ZONES_GOLDEN=tests/page/golden node --test tests/page/
// Node's own runner and assert only; no npm package.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const KERNEL_PATH = path.join(__dirname, "..", "..", "nexus_zones", "page", "static", "kernel.js");
const K = require(KERNEL_PATH);
const GOLDEN = process.env.NEXUS_ZONES_GOLDEN || path.join(__dirname, "golden");
const TOLERANCE = 1e-9;

function loadGoldens() {
  if (!fs.existsSync(GOLDEN)) { return []; }
  return fs.readdirSync(GOLDEN).filter((f) => f.endsWith(".json")).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(GOLDEN, f), "utf8")));
}
const goldens = loadGoldens();
const scoring = goldens.filter((c) => c.runs);
const colourCases = goldens.filter((c) => c.name === "colours");

function assertScores(got, expected, where) {
  assert.equal(got.length, expected.length, where + ": number of units");
  expected.forEach((e, i) => {
    if (e === null) {
      assert.equal(got[i], null, `${where}: unit ${i} has no score in Python, ${got[i]} in JS`);
    } else {
      assert.ok(got[i] !== null && Math.abs(got[i] - e) <= TOLERANCE, `${where}: unit ${i} scores ${got[i]} in JS, ${e} in Python`);
    }
  });
}

test("golden cases were written by the Python model", () => {
  assert.ok(goldens.length > 0, `no golden case in ${GOLDEN}: run python tests/page/make_golden.py ${GOLDEN} first`);
  // the set covers what the page computes: every aggregation, pillars, ties, missing values, region ranks, colours
  const aggregations = new Set(scoring.map((c) => c.model.aggregation));
  assert.deepEqual([...aggregations].sort(), ["arithmetic", "geometric", "topsis"]);
  assert.ok(scoring.some((c) => c.model.pillars.length > 0), "a case with pillars");
  assert.ok(scoring.some((c) => c.model.pillars.length === 0), "a case without pillars");
  const all = scoring.flatMap((c) => c.runs.map((r) => r.expected));
  const hasTie = (ranks) => ranks.some((r, i) => r !== null && ranks.indexOf(r) !== i);
  assert.ok(all.some((e) => hasTie(e.rank)), "a run with tied national ranks");
  assert.ok(all.some((e) => hasTie(e.regionRank)), "a run with tied region ranks");
  assert.ok(all.some((e) => e.scores.includes(null)), "a run where a unit has no score");
  assert.ok(scoring.some((c) => c.units.norm.some((row) => row.includes(null)) && c.runs.some((r) => !r.expected.scores.includes(null))),
    "a run where missing values weigh 0 and every unit is scored");
  assert.ok(scoring.some((c) => c.units.eligible.includes(false)), "a case with units excluded by the rules");
  // rules first: a unit failing rules ranked below one passing them all although its score is higher
  const rulesFirst = scoring.filter((c) => c.model.failing_units === "last");
  assert.ok(rulesFirst.some((c) => c.runs.some((r) => r.expected.rank.some((ri, i) => r.expected.rank.some((rj, j) =>
    ri !== null && rj !== null && c.units.failed[i] > c.units.failed[j] && r.expected.scores[i] > r.expected.scores[j] && ri > rj)))),
    "a rules-first case where a failing unit with a higher score ranks below a passing one");
  assert.ok(all.some((e) => e.rank.some((r, i) => r !== null && e.regionRank[i] !== r)), "region ranks that differ from national ranks");
  assert.equal(colourCases.length, 1, "the colour grid");
  // the tree: every rule of nexus_zones.tree at some node, renormalise, a node below a node
  const trees = scoring.filter((c) => c.model.tree);
  const rules = new Set(trees.flatMap((c) => Object.values(c.model.tree.nodes).map((n) => n.aggregation)));
  assert.deepEqual([...rules].sort(), ["arithmetic", "geometric", "max", "min", "reversed_geometric", "topsis"]);
  assert.ok(trees.some((c) => Object.values(c.model.tree.nodes).some((n) => n.missing === "renormalise")), "a node under renormalise");
  assert.ok(trees.some((c) => c.model.tree.skip.length > 0), "indicators whose missing values are skipped");
  assert.ok(trees.some((c) => c.model.tree.order.length > 3 && c.model.tree.order.some((n) => c.model.tree.nodes[n].children.some((k) => c.model.tree.nodes[k]
    && c.model.tree.nodes[k].children.some((j) => c.model.tree.nodes[j])))), "a tree of depth 3");
  assert.ok(scoring.some((c) => !c.model.tree && c.model.pillars.length > 0), "the kernel's own pillars (a model without a tree)");
});

for (const c of scoring) {
  test(`scores, ranks and colours: ${c.name}`, () => {
    c.runs.forEach((run, j) => {
      const where = `${c.name} run ${j} (weights ${run.weights}; pillars ${run.pillar_weights})`;
      const got = K.evaluate(c.model, c.units, run.weights, run.pillar_weights);
      assertScores(got.scores, run.expected.scores, where);
      assert.deepEqual(got.rank, run.expected.rank, where + ": ranks");
      assert.deepEqual(got.regionRank, run.expected.regionRank, where + ": region ranks");
      const colours = colourCases[0];
      for (const [classes, expected] of Object.entries(run.expected.colours)) {
        const mine = got.scores.map((s) => K.colour(s === null ? null : s / 100, Number(classes), colours.palette, colours.no_data));
        assert.deepEqual(mine, expected, `${where}: colours with ${classes} classes`);
      }
    });
  });
}

for (const c of colourCases) {
  test("colours on a grid of values, every class count", () => {
    for (const [classes, expected] of Object.entries(c.expected)) {
      assert.deepEqual(c.values.map((v) => K.colour(v, Number(classes), c.palette, c.no_data)), expected, `${classes} classes`);
    }
  });
}

test("the kernel does not modify its inputs", () => {
  assert.ok(scoring.length > 0, "golden cases needed");
  for (const c of scoring) {
    const before = JSON.stringify([c.model, c.units, c.runs.map((r) => [r.weights, r.pillar_weights])]);
    c.runs.forEach((run) => K.evaluate(c.model, c.units, run.weights, run.pillar_weights));
    assert.equal(JSON.stringify([c.model, c.units, c.runs.map((r) => [r.weights, r.pillar_weights])]), before, c.name);
  }
});

test("the kernel is pure: it loads and runs where there is no DOM, and defines only NexusKernel (beside tree.js's NexusTree)", () => {
  const sandbox = {};
  vm.createContext(sandbox);
  vm.runInContext(fs.readFileSync(path.join(path.dirname(KERNEL_PATH), "tree.js"), "utf8"), sandbox, {filename: "tree.js"});
  vm.runInContext(fs.readFileSync(KERNEL_PATH, "utf8"), sandbox, {filename: "kernel.js"});
  assert.deepEqual(Object.keys(sandbox), ["NexusTree", "NexusKernel"]);
  const c = scoring.find((x) => x.model.pillars.length > 0);
  assert.ok(c, "a golden case with pillars");
  // the sandbox's arrays come from another realm: compare as JSON
  const inside = sandbox.NexusKernel.evaluate(c.model, c.units, c.runs[0].weights, c.runs[0].pillar_weights);
  const outside = K.evaluate(c.model, c.units, c.runs[0].weights, c.runs[0].pillar_weights);
  assert.equal(JSON.stringify(inside), JSON.stringify(outside));
});

test("an unknown aggregation is an error naming the valid ones", () => {
  assert.throws(() => K.combine([[0.5]], [1], "median", 0.01), /aggregation "median" is unknown; valid: arithmetic, geometric, topsis/);
});

test("ranks by one sort equal the definition: 1 + the eligible units ahead, nationally and in the region", () => {
  // the definition, pair by pair (as nexus_zones.score.rank_units states it)
  function byPairs(model, scores, eligible, regions, failed) {
    const tie = model.tie_tolerance, last = model.failing_units === "last";
    const snap = (s) => Math.round(s / tie) * tie, counts = (i) => scores[i] !== null && eligible[i];
    const ahead = (j, i) => (last && failed[j] !== failed[i] ? failed[j] < failed[i] : snap(scores[j]) > snap(scores[i]));
    const all = scores.map((s, i) => i);
    return {rank: all.map((i) => counts(i) ? 1 + all.filter((j) => counts(j) && ahead(j, i)).length : null),
            region: all.map((i) => counts(i) ? 1 + all.filter((j) => counts(j) && regions[j] === regions[i] && ahead(j, i)).length : null)};
  }
  let seed = 7;
  const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  for (const failing of ["last", "flag"]) {
    for (let round = 0; round < 20; round++) {
      const n = 1 + Math.floor(next() * 60), model = {tie_tolerance: 1e-9, failing_units: failing};
      // few distinct scores (ties), some within the tolerance of each other, some missing; few regions and rule counts
      const scores = Array.from({length: n}, () => next() < 0.1 ? null : Math.floor(next() * 8) * 10 + (next() < 0.3 ? 1e-12 : 0));
      const eligible = Array.from({length: n}, () => next() < 0.85), regions = Array.from({length: n}, () => Math.floor(next() * 3));
      const failed = Array.from({length: n}, () => Math.floor(next() * 3));
      assert.deepEqual(K.rankUnits(model, scores, eligible, regions, failed), byPairs(model, scores, eligible, regions, failed), `${failing} ${round}`);
    }
  }
});
