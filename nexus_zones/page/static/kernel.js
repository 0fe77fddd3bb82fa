/* nexus_zones scoring kernel: the page's copy of the arithmetic of nexus_zones.score and of
 * nexus_zones.maps.colour. Pure: no DOM, no globals read, inputs never modified.
 *
 * The model: {aggregation: "arithmetic" | "geometric" | "topsis",
 *             pillars: [{indices: [indicator positions], aggregation}]  (empty without pillars),
 *             geometric_floor, tie_tolerance, failing_units,
 *             tree (optional: the model tree, nexus_zones.tree.page_form, with indicators, pillars and skip:
 *                   then every node's rule is computed by tree.js, at any depth)}
 *             -- the page's data object D carries these fields.
 * Units: norm (units x indicators, normalised 0-1, null where missing), eligible (passes the
 * rules, or every unit when failing units are flagged or ranked last), regions (one key per unit),
 * failed (number of rules each unit fails; with failing_units "last" units are ranked by it first).
 * Weights: indicator weights (relative within each pillar) and pillar weights, both unnormalised.
 *
 * Inlined in the page it defines the global NexusKernel; under Node, require() returns it.
 * tests/page/kernel.test.js checks it against cases written by the Python model. */
(function (root) {
  "use strict";

  // ---------------------------------------------------------- colours (as nexus_zones.maps.colour)
  /** Colour of x on 0-1: linear in the palette, or `classes` equal-interval classes; noData if missing. */
  function colour(x, classes, palette, noData) {
    if (x === null || x === undefined || isNaN(x)) { return noData; }
    x = Math.min(Math.max(x, 0), 1);
    if (classes) { x = Math.min(Math.floor(x * classes), classes - 1) / (classes - 1); }
    x = x * (palette.length - 1);
    var i = Math.min(Math.floor(x), palette.length - 2), f = x - i, out = "#";
    for (var k = 1; k < 7; k += 2) {
      var p = parseInt(palette[i].substr(k, 2), 16), q = parseInt(palette[i + 1].substr(k, 2), 16);
      var c = Math.floor(p + (q - p) * f + 0.5).toString(16);
      out += (c.length < 2 ? "0" : "") + c;
    }
    return out;
  }

  // ------------------------------------------------------- scoring (as nexus_zones.score.composite)
  /** Aggregate complete rows (0-1) with weights summing to 1 (as nexus_zones.score._combine). */
  function combine(rows, w, method, floor) {
    var n = rows.length, m = w.length, out = new Array(n), i, k;
    if (method === "arithmetic") {
      for (i = 0; i < n; i++) { var s = 0; for (k = 0; k < m; k++) { s += rows[i][k] * w[k]; } out[i] = s; }
    } else if (method === "geometric") {
      for (i = 0; i < n; i++) {
        var l = 0; for (k = 0; k < m; k++) { l += Math.log(floor + (1 - floor) * rows[i][k]) * w[k]; }
        out[i] = Math.min(Math.max((Math.exp(l) - floor) / (1 - floor), 0), 1);
      }
    } else if (method === "topsis") {
      var best = [], worst = [];
      for (k = 0; k < m; k++) {
        best[k] = -Infinity; worst[k] = Infinity;
        for (i = 0; i < n; i++) { best[k] = Math.max(best[k], rows[i][k]); worst[k] = Math.min(worst[k], rows[i][k]); }
      }
      for (i = 0; i < n; i++) {
        var dp = 0, dm = 0;
        for (k = 0; k < m; k++) {
          var w2 = w[k] * w[k];
          dp += (rows[i][k] - best[k]) * (rows[i][k] - best[k]) * w2;
          dm += (rows[i][k] - worst[k]) * (rows[i][k] - worst[k]) * w2;
        }
        dp = Math.sqrt(dp); dm = Math.sqrt(dm);
        out[i] = dp + dm > 0 ? dm / (dp + dm) : 1;
      }
    } else {
      throw new Error("aggregation " + JSON.stringify(method) + " is unknown; valid: arithmetic, geometric, topsis");
    }
    return out;
  }

  /** The pillars, or one group holding every indicator. */
  function groups(model, nIndicators) {
    if (model.pillars.length) { return model.pillars; }
    var all = []; for (var k = 0; k < nIndicators; k++) { all.push(k); }
    return [{indices: all, aggregation: model.aggregation}];
  }

  /** Inner weights (normalised within each pillar), pillar weights (normalised) and effective
   * weights (pillar x inner), as nexus_zones.score.split_weights. */
  function splitWeights(model, wInd, wPil) {
    if (model.tree) { return treeSplit(model.tree, wInd, wPil); }
    var K = wInd.length, inner = new Array(K).fill(0), gs = groups(model, K), outer = [], total = 0, eff = new Array(K).fill(0);
    gs.forEach(function (g, p) {
      var sum = 0; g.indices.forEach(function (k) { sum += wInd[k]; });
      g.indices.forEach(function (k) { inner[k] = sum > 0 ? wInd[k] / sum : 1 / g.indices.length; });
      outer.push(model.pillars.length ? wPil[p] : 1); total += outer[p];
    });
    outer = outer.map(function (o) { return total > 0 ? o / total : 0; });
    gs.forEach(function (g, p) { g.indices.forEach(function (k) { eff[k] = outer[p] * inner[k]; }); });
    return {inner: inner, outer: outer, effective: eff, groups: gs};
  }

  // ------------------------------------------------ the model tree (as nexus_zones.score.composite)
  /** tree.js: required under Node, the page's global NexusTree inlined before this file. */
  function treeModule() { return typeof module !== "undefined" && module.exports ? require("./tree.js") : root.NexusTree; }

  /** Each child's weight rescaled to sum to 1 among its siblings (equal where they all weigh 0) and
   * each indicator's effective weight (the product on its path to the root), as
   * nexus_zones.score.split_weights. */
  function treeWeights(tree, raw) {
    var share = {}, path = {};
    Object.keys(tree.nodes).forEach(function (name) {
      var children = tree.nodes[name].children, total = 0;
      children.forEach(function (c) { total += raw[c]; });
      children.forEach(function (c) { share[c] = total > 0 ? raw[c] / total : 1 / children.length; });
    });
    path[tree.root] = 1;
    tree.order.slice().reverse().forEach(function (name) {
      tree.nodes[name].children.forEach(function (c) { path[c] = path[name] * share[c]; });
    });
    return {share: share, effective: path};
  }

  /** As splitWeights for a tree: the indicators' shares among their siblings (inner), the pillars'
   * (outer) and the indicators' effective weights, in the sliders' order. */
  function treeSplit(t, wInd, wPil) {
    var raw = {};
    t.indicators.forEach(function (n, k) { raw[n] = wInd[k]; });
    t.pillars.forEach(function (p, j) { raw[p] = wPil[j]; });
    var w = treeWeights(t, raw);
    return {inner: t.indicators.map(function (n) { return w.share[n]; }), outer: t.pillars.map(function (p) { return w.share[p]; }),
            effective: t.indicators.map(function (n) { return w.effective[n]; })};
  }

  /** Scores through the model tree (model.tree: tree.js's form with the indicators' and pillars'
   * names in the sliders' order and the indicators whose missing values are skipped). */
  function treeScores(model, norm, wInd, wPil) { return treeNodes(model, norm, wInd, wPil).scores; }

  /** The scores and every node's values below the root (0-100, null where a unit has none), by
   * name: the scores table's node_<name> columns (nexus_zones.model.node_columns). */
  function treeNodes(model, norm, wInd, wPil) {
    var t = model.tree, raw = {}, scores = new Array(norm.length).fill(null), complete = [], nodes = {};
    t.pillars.forEach(function (p) { nodes[p] = new Array(norm.length).fill(null); });
    t.indicators.forEach(function (n, k) { raw[n] = wInd[k]; });
    t.pillars.forEach(function (p, j) { raw[p] = wPil[j]; });
    var w = treeWeights(t, raw);
    var skip = t.indicators.map(function (n) { return t.skip.indexOf(n) >= 0; });
    norm.forEach(function (values, i) {
      var miss = t.indicators.some(function (n, k) { return values[k] === null && !skip[k] && w.effective[n] > 0; });
      if (!miss) { complete.push(i); }
    });
    if (!complete.length) { return {scores: scores, nodes: nodes}; }
    var columns = {};
    t.indicators.forEach(function (n, k) {
      columns[n] = complete.map(function (i) { var x = norm[i][k]; return x === null && !skip[k] ? 0 : x; });
    });
    var all = treeModule().evaluate(t, columns, w.share), root = all[t.root];
    complete.forEach(function (i, j) {
      scores[i] = root[j] === null ? null : 100 * root[j];
      // as score.weighted_scores: a unit missing a value it needs has no node value; others have theirs
      t.pillars.forEach(function (p) { nodes[p][i] = all[p][j] === null ? null : 100 * all[p][j]; });
    });
    return {scores: scores, nodes: nodes};
  }

  /** Scores 0-100 of every unit (null for a unit missing a value of an indicator of positive
   * effective weight), as nexus_zones.score.weighted_scores. */
  function scoreUnits(model, norm, wInd, wPil) {
    if (model.tree) { return treeScores(model, norm, wInd, wPil); }
    var K = wInd.length, sp = splitWeights(model, wInd, wPil), complete = [], rows = [], scores = new Array(norm.length).fill(null);
    norm.forEach(function (values, i) {
      var miss = false, row = [];
      for (var k = 0; k < K; k++) {
        if (values[k] === null) { if (sp.effective[k] > 0) { miss = true; } row.push(0); } else { row.push(values[k]); }
      }
      if (!miss) { complete.push(i); rows.push(row); }
    });
    if (!rows.length) { return scores; }
    var result, floor = model.geometric_floor;
    if (!model.pillars.length) {
      result = combine(rows, sp.inner, model.aggregation, floor);
    } else {
      var pillarRows = rows.map(function () { return []; });
      sp.groups.forEach(function (g) {
        var sub = rows.map(function (r) { return g.indices.map(function (k) { return r[k]; }); });
        var w = g.indices.map(function (k) { return sp.inner[k]; });
        combine(sub, w, g.aggregation, floor).forEach(function (v, i) { pillarRows[i].push(v); });
      });
      result = combine(pillarRows, sp.outer, model.aggregation, floor);
    }
    complete.forEach(function (i, j) { scores[i] = 100 * result[j]; });
    return scores;
  }

  /** Competition ranks (1, 2, 2, 4; highest score first) of the eligible scored units, nationally
   * and within each region; scores within tie_tolerance are snapped together first, as
   * nexus_zones.score.rank_units. With failing_units "last" (rules first) a unit with fewer rules
   * failed comes first whatever the scores. Null where a unit is not ranked. */
  function rankUnits(model, scores, eligible, regions, failed) {
    var tie = model.tie_tolerance, last = model.failing_units === "last" && failed;
    var snapped = scores.map(function (s) { return s === null ? null : Math.round(s / tie) * tie; });
    var rank = new Array(scores.length).fill(null), regionRank = new Array(scores.length).fill(null);
    /** Negative where unit a is ranked ahead of unit b, 0 where they share a rank. */
    function order(a, b) {
      if (last && failed[a] !== failed[b]) { return failed[a] - failed[b]; }
      return snapped[a] === snapped[b] ? 0 : snapped[b] - snapped[a];
    }
    // sorted once (n log n, not every pair: 5,000 units re-rank at each slider move); a unit's rank
    // is 1 + the number ahead of it: its place, or the rank of the unit before it when they tie
    var ranked = [];
    scores.forEach(function (s, i) { if (eligible[i] && snapped[i] !== null) { ranked.push(i); } });
    ranked.sort(function (a, b) { return order(a, b) || a - b; });
    var seen = new Map(), previous = new Map();
    ranked.forEach(function (i, p) {
      var before = p > 0 ? ranked[p - 1] : null, r = regions[i], n = (seen.get(r) || 0) + 1, prev = previous.get(r);
      rank[i] = before !== null && order(before, i) === 0 ? rank[before] : p + 1;
      regionRank[i] = prev !== undefined && order(prev, i) === 0 ? regionRank[prev] : n;
      seen.set(r, n); previous.set(r, i);
    });
    return {rank: rank, region: regionRank};
  }

  /** Scores, ranks and region ranks of every unit for one choice of weights. */
  function evaluate(model, units, wInd, wPil) {
    var found = model.tree ? treeNodes(model, units.norm, wInd, wPil) : {scores: scoreUnits(model, units.norm, wInd, wPil), nodes: {}};
    var ranks = rankUnits(model, found.scores, units.eligible, units.regions, units.failed);
    return {scores: found.scores, rank: ranks.rank, regionRank: ranks.region, nodes: found.nodes};
  }

  var NexusKernel = {colour: colour, combine: combine, splitWeights: splitWeights, scoreUnits: scoreUnits, treeNodes: treeNodes, treeWeights: treeWeights,
                     rankUnits: rankUnits, evaluate: evaluate};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusKernel; }
  if (root) { root.NexusKernel = NexusKernel; }
})(this);
