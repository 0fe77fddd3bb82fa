/* nexus_zones page: every visible thing that changes with the state, as a pure render of (payload,
 * state). derive computes once per state what the renders share (the kernel's scores and ranks, the
 * effective weights, whether the sliders moved); the renders return HTML strings, every text from
 * data escaped here (format.js's esc, the page's one escaping path) and every number written by
 * format.js. app.js puts them in the page. Pure: no DOM, no globals read but the page's modules.
 *
 * Inlined in the page it defines NexusRender; under Node, require() returns it.
 * tests/page/render.test.js checks the renders on strings. */
(function (root) {
  "use strict";

  var node = typeof module !== "undefined" && module.exports;
  var F = node ? require("./format.js") : root.NexusFormat, K = node ? require("./kernel.js") : root.NexusKernel,
      S = node ? require("./store.js") : root.NexusStore, P = node ? require("./popup.js") : root.NexusPopup,
      C = node ? require("./claims.js") : root.NexusClaims, B = node ? require("./builders.js") : root.NexusBuild;
  var esc = F.esc;

  /** The kernel's inputs of the payload's units (a period's, when the state shows one). */
  function inputs(D, state) {
    var U = D.units, p = D.periods && state.period !== null && state.period !== undefined ? state.period : null;
    return {norm: p === null ? U.norm : D.periods.norm[p], eligible: p === null ? U.eligible : D.periods.eligible[p],
            failed: p === null ? U.failed : D.periods.failed[p], regions: U.region,
            configRank: p === null ? U.config_rank : D.periods.config_rank[p], popup: p === null ? U.popup : D.periods.popup[p]};
  }
  /** What the renders share for one state: the units' inputs (`x`, as inputs gives them), scores,
   * ranks and region ranks at the sliders' weights, the effective weights and whether they moved
   * from the config's. */
  function derive(D, x, state) {
    var model = {aggregation: D.aggregation, pillars: D.pillars, tree: D.tree, geometric_floor: D.geometric_floor, tie_tolerance: D.tie_tolerance,
                 failing_units: D.failing_units};
    var r = K.evaluate(model, x, state.weights, state.pillarWeights);
    return {inputs: x, scores: r.scores, rank: r.rank, regionRank: r.regionRank, nodes: r.nodes, path: pathWeights(D, state), moved: S.moved(D, state),
            eff: K.splitWeights(model, state.weights, state.pillarWeights).effective};
  }

  /** Every child's effective weight in the model tree (the product of the shares on its path to
   * the root) at the state's weights; null without a tree. */
  function pathWeights(D, state) {
    var t = D.tree, raw = {};
    if (!t) { return null; }
    t.indicators.forEach(function (n, k) { raw[n] = state.weights[k]; });
    t.pillars.forEach(function (p, j) { raw[p] = state.pillarWeights[j]; });
    return K.treeWeights(t, raw).effective;
  }
  /** A unit's path from the score down to its indicators (a tree with nodes): each node's value
   * (0-100) and points (its effective weight × its value), each indicator's value (0-100) and
   * points as the popup's table writes them, at the sliders' weights. Labels arrive escaped
   * (D.pillars, D.indicators); "" for a model without nodes. */
  function treePath(D, X, i) {
    var t = D.tree;
    if (!t || !t.pillars.length) { return ""; }
    var nf = D.number_format, T = D.text, labels = {}, at = {}, norm = X.inputs.norm[i];
    var shown = B.shownPoints(B.points(norm, X.eff, D.popup.skip));
    D.pillars.forEach(function (p) { labels[p.id] = p.label; });
    t.indicators.forEach(function (n, k) { at[n] = k; });
    var num = function (v) { return v === null || v === undefined ? "–" : F.fixed(v, nf, 1); };
    function item(name) {
      var node = t.nodes[name], k = at[name];
      var value = node ? X.nodes[name][i] : (norm[k] === null ? null : 100 * norm[k]);
      var points = node ? (value === null ? null : X.path[name] * value) : shown[k];
      var line = F.fill(esc(T.path_item), {label: node ? labels[name] : D.indicators[k].label, value: num(value), points: num(points)});
      return "<li>" + line + (node ? "<ul>" + node.children.map(item).join("") + "</ul>" : "") + "</li>";
    }
    return '<details class="nz-path"><summary>' + esc(T.path_title) + "</summary><ul><li>" + esc(T.score_short) + " " + score(D, X.scores[i]) +
      "<ul>" + t.nodes[t.root].children.map(item).join("") + "</ul></li></ul></details>";
  }

  /** The region-rank view's colour of a rank within the region (maps.REGION_RANK_CLASSES: [last rank of the class or null, colour]). */
  function regionRankColour(D, r) {
    if (r === null || r === undefined) { return D.no_data; }
    for (var c = 0; c < D.region_rank_classes.length; c++) {
      var last = D.region_rank_classes[c][0];
      if (last === null || r <= last) { return D.region_rank_classes[c][1]; }
    }
    return D.no_data;
  }
  /** The colours of the views the weights change, per unit: the score's, the region rank's and
   * each node's (view node_<name>, as maps._node_views colours it). */
  function colours(D, X) {
    var ramp = function (s) { return K.colour(s === null ? null : s / 100, D.classes, D.palette, D.no_data); };
    var out = {score: X.scores.map(ramp), region_rank: X.regionRank.map(function (r) { return regionRankColour(D, r); })};
    Object.keys(X.nodes || {}).forEach(function (p) { out["node_" + p] = X.nodes[p].map(ramp); });
    return out;
  }
  function score(D, s) { return s === null ? "–" : F.fixed(s, D.number_format, 1); }
  function rank(D, r) { return r === null ? esc(D.text.not_ranked) : String(r); }
  function region(D, i) { return D.units.regions[D.units.region[i]]; }
  function ranked(X) { return X.rank.filter(function (r) { return r !== null; }).length; }

  /** A popup's (or the side panel's) header: name, id, region, score line. */
  function header(D, X, i) {
    var U = D.units, reg = region(D, i);
    return "<h4>" + esc(U.name[i]) + " <small>" + esc(U.id[i]) + (reg ? " · " + esc(reg) : "") + "</small></h4><p><b>" +
      F.fill(esc(D.text.score_line), {score: score(D, X.scores[i]), rank: rank(D, X.rank[i]), ranked: String(ranked(X)),
                                      region_rank: rank(D, X.regionRank[i])}) + "</b></p>";
  }
  /** A unit's popup (pinned: the side panel, without the pin button); `extra`: HTML appended (a trajectory). */
  function popup(D, X, i, pinned, extra) {
    var pin = pinned ? "" : '<button type="button" class="nz-pin" data-unit="' + i + '">' + esc(D.text.pin) + "</button>";
    return '<div class="nz-popup">' + header(D, X, i) + pin + P.render(D.popup, X.inputs.popup[i], X.inputs.norm[i], X.eff, X.moved) + treePath(D, X, i) +
      (extra || "") + "</div>";
  }
  function tooltip(D, X, i) {
    var T = D.text;
    return "<table><tr><th>" + esc(T.unit) + "</th><td>" + esc(D.units.name[i]) + "</td></tr><tr><th>" + esc(T.score_short) + "</th><td>" +
      score(D, X.scores[i]) + "</td></tr><tr><th>" + esc(T.rank) + "</th><td>" + rank(D, X.rank[i]) + "</td></tr><tr><th>" + esc(T.region_rank) +
      "</th><td>" + rank(D, X.regionRank[i]) + "</td></tr></table>";
  }
  /** The units in the ranking's order: by rank (unranked last), then by score, highest first. */
  function order(X) {
    return X.scores.map(function (s, i) { return i; }).sort(function (a, b) {
      var ra = X.rank[a] === null ? Infinity : X.rank[a], rb = X.rank[b] === null ? Infinity : X.rank[b];
      if (ra !== rb) { return ra - rb; }
      return (X.scores[b] === null ? -1 : X.scores[b]) - (X.scores[a] === null ? -1 : X.scores[a]) || a - b;
    });
  }
  /** The ranking table: rank, name, region, rules failed (whenever rules are in force), score, and
   * how far each unit moved from its rank at the config's weights. */
  function ranking(D, X) {
    var T = D.text, rules = D.rules > 0;
    var h = "<table><tr><th>" + esc(T.rank) + "</th><th>" + esc(T.name) + "</th><th>" + esc(T.region) + "</th>" +
      (rules ? '<th class="nz-f">' + esc(T.rules_failed) + "</th>" : "") + "<th>" + esc(T.score) + "</th><th></th></tr>";
    order(X).forEach(function (i) {
      var was = X.inputs.configRank[i], now = X.rank[i], move = "";
      if (was !== null && now !== null && was !== now) {
        move = '<span class="' + (now < was ? "nz-moved-up" : "nz-moved-down") + '">' + (now < was ? "▲" : "▼") + Math.abs(was - now) + "</span>";
      }
      h += '<tr data-unit="' + esc(D.units.id[i]) + '"><td class="nz-r">' + rank(D, now) + "</td><td>" + esc(D.units.name[i]) + "</td><td>" +
        esc(region(D, i)) + "</td>" + (rules ? '<td class="nz-f">' + X.inputs.failed[i] + "</td>" : "") + '<td class="nz-s">' + score(D, X.scores[i]) +
        "</td><td>" + move + "</td></tr>";
    });
    return h + "</table>";
  }
  /** A view's legend: as sent, or, for an indicator's view, around its effective weight at the
   * sliders' weights ({pre, k, post}: the HTML before and after the weight, already escaped). */
  function legend(D, X, view) {
    var l = view.legend;
    return typeof l === "string" ? l : l.pre + esc(F.percent(X.eff[l.k], D.number_format, D.language)) + l.post;
  }
  /** The line saying that the rules alone decide the order or the top k (claims.rules_decide, built
   * here from the ranks at the sliders' weights: which units are ranked depends on them); "" when weights matter. */
  function rulesLine(D, X) {
    if (!D.rules) { return ""; }
    var idx = X.rank.map(function (r, i) { return i; }).filter(function (i) { return X.rank[i] !== null; })
      .sort(function (a, b) { return X.rank[a] - X.rank[b] || a - b; });
    var claim = B.rulesDecide({names: idx.map(function (i) { return D.units.name[i]; }), failed: idx.map(function (i) { return X.inputs.failed[i]; }),
                               rulesFirst: D.failing_units === "last", k: D.rules_k});
    if (!claim) { return ""; }
    var labels = {ind: D.popup.ind.map(function (x) { return x.label; }), rules: D.popup.rules};
    return '<p class="nz-rules-decide">' + esc(C.render(D.popup.claims, claim, labels, D.number_format)) + "</p>";
  }

  var NexusRender = {inputs: inputs, derive: derive, colours: colours, header: header, popup: popup, tooltip: tooltip, order: order, ranking: ranking,
                     legend: legend, rulesLine: rulesLine, score: score, treePath: treePath};
  if (node) { module.exports = NexusRender; }
  if (root) { root.NexusRender = NexusRender; }
})(this);
