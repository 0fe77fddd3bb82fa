/* nexus_zones model tree: the page's copy of nexus_zones.tree (one evaluation, no draws).
 * Pure: no DOM, no globals read, inputs never modified.
 *
 * A tree: {root: name, order: [node names, children before parents],
 *          nodes: {name: {children: [names], aggregation, missing, offset}},
 *          weight: {child name: relative weight (default 1)}, factor: {child name: factor (default 1)}}.
 * Values: {indicator name: [one value per unit, 0-1, null where missing]}.
 * Weights: {child name: weight} overriding the tree's (the page's sliders).
 * Returns {node name: [one value per unit, null where the node has none]}.
 *
 * Rules (w: weights rescaled to sum to 1 over the children counted):
 *   arithmetic           sum w x
 *   geometric            (prod (f + (1-f) x)^w - f) / (1-f), f the node's offset
 *   reversed_geometric   1 - (prod (9 (1-x) + 1)^w - 1) / 9        (INFORM)
 *   max, min             the largest (smallest) factor * x
 *   topsis               closeness to each child's best value among the units, away from the worst
 * Missing: "exclude" (no value if a child of positive weight has none; for max and min, any child),
 *          "renormalise" (weights rescaled over the children a unit has; no value if none).
 *
 * Inlined in the page it defines the global NexusTree; under Node, require() returns it.
 * tests/page/tree.test.js checks it against cases written by the Python model. */
(function (root) {
  "use strict";

  function has(x) { return x !== null && x !== undefined && !isNaN(x); }

  /** Per unit, the children's weights rescaled to sum to 1, or null where the node has no value. */
  function unitWeights(row, w, missing) {
    var kept = row.map(function (x, k) { return missing === "exclude" || has(x) ? w[k] : 0; });
    if (missing === "exclude" && row.some(function (x, k) { return w[k] > 0 && !has(x); })) { return null; }
    var total = kept.reduce(function (a, b) { return a + b; }, 0);
    if (!(total > 0)) { return null; }
    return kept.map(function (v, k) { return has(row[k]) ? v / total : 0; });
  }

  function weightedSum(row, wn, f) {
    var s = 0;
    for (var k = 0; k < row.length; k++) { if (wn[k] > 0) { s += wn[k] * f(row[k]); } }
    return s;
  }

  var RULES = {
    arithmetic: function (row, wn) { return weightedSum(row, wn, function (x) { return x; }); },
    geometric: function (row, wn, node) {
      var f = node.offset;
      var g = Math.exp(weightedSum(row, wn, function (x) { return Math.log(f + (1 - f) * x); }));
      return Math.min(Math.max((g - f) / (1 - f), 0), 1);
    },
    reversed_geometric: function (row, wn) {
      return 1 - (Math.exp(weightedSum(row, wn, function (x) { return Math.log(9 * (1 - x) + 1); })) - 1) / 9;
    },
  };

  function extreme(rows, factors, rule, missing) {
    return rows.map(function (row) {
      var present = row.filter(has).length;
      if (present === 0 || (missing === "exclude" && present < row.length)) { return null; }
      var best = null;
      row.forEach(function (x, k) {
        if (!has(x)) { return; }
        var v = x * factors[k];
        if (best === null || (rule === "max" ? v > best : v < best)) { best = v; }
      });
      return best;
    });
  }

  function topsis(rows, w, missing) {
    var k = w.length, best = [], worst = [];
    for (var j = 0; j < k; j++) {
      var col = rows.map(function (r) { return r[j]; }).filter(has);
      best.push(col.length ? Math.max.apply(null, col) : null);
      worst.push(col.length ? Math.min.apply(null, col) : null);
    }
    return rows.map(function (row) {
      var wn = unitWeights(row, w, missing);
      if (wn === null) { return null; }
      var dp = 0, dm = 0;
      row.forEach(function (x, j) {
        if (!has(x)) { return; }
        dp += wn[j] * wn[j] * (x - best[j]) * (x - best[j]);
        dm += wn[j] * wn[j] * (x - worst[j]) * (x - worst[j]);
      });
      dp = Math.sqrt(dp); dm = Math.sqrt(dm);
      return dp + dm > 0 ? dm / (dp + dm) : 1;
    });
  }

  /** One node's values from its children's: rows is units x children (null where missing). */
  function combine(rows, w, node, factors) {
    if (node.aggregation === "max" || node.aggregation === "min") { return extreme(rows, factors, node.aggregation, node.missing); }
    if (node.aggregation === "topsis") { return topsis(rows, w, node.missing); }
    var rule = RULES[node.aggregation];
    if (!rule) { throw new Error("aggregation " + node.aggregation + " is unknown"); }
    return rows.map(function (row) {
      var wn = unitWeights(row, w, node.missing);
      return wn === null ? null : rule(row, wn, node);
    });
  }

  /** Every node's values, bottom-up. */
  function evaluate(tree, values, weights) {
    var known = Object.assign({}, values), out = {};
    var units = values[Object.keys(values)[0]].length;
    tree.order.forEach(function (name) {
      var node = tree.nodes[name];
      var pick = function (c, table, fallback) {
        var v = table && Object.prototype.hasOwnProperty.call(table, c) ? table[c] : undefined;
        return v === undefined ? fallback : v;
      };
      var w = node.children.map(function (c) { return pick(c, weights, pick(c, tree.weight, 1)); });
      var factors = node.children.map(function (c) { return pick(c, tree.factor, 1); });
      var rows = [];
      for (var u = 0; u < units; u++) { rows.push(node.children.map(function (c) { return known[c][u]; })); }
      known[name] = out[name] = combine(rows, w, node, factors);
    });
    return out;
  }

  var api = {combine: combine, evaluate: evaluate};
  if (typeof module !== "undefined" && module.exports) { module.exports = api; } else { root.NexusTree = api; }
})(this);
