/* nexus_zones page: the payload as the page receives it, opened. nexus_zones.maps.pack leaves out
 * of the page what the page computes from the rest; unpack puts it back, equal value for value to
 * what nexus_zones.maps.page_data gives (tests/page/test_payload.py: every unit and view of the
 * demo, a model tree and 5,000 units):
 * - each unit's normalised values where a linear formula gives them from the raw value, bit for bit
 *   as nexus_zones.normalise (units.norm_of: per indicator {lo, hi, cost}, or its column);
 * - "why this unit"'s sides and region means (units.why: per region and indicator the sum and count
 *   of the values, as nexus_zones.explain.region_totals; the mean of the other units is
 *   (S - x) / (n - 1), as explain.other_means divides, on the same floats);
 * - the colours of the views the page colours itself: each indicator's from its normalised values,
 *   the score's, the region rank's and each node's from the kernel at the config's weights.
 * A large payload arrives gzip-compressed and base64-encoded ({gz: "...", old: "..."}, nexus_zones.maps.data_text):
 * open decompresses it with the browser's own DecompressionStream (2023 or later in every browser;
 * an older one shows the message `old` instead of a blank map), then unpacks it.
 *
 * Inlined in the page it defines NexusPayload; under Node, require() returns it. */
(function (root) {
  "use strict";

  var node = typeof module !== "undefined" && module.exports;
  var K = node ? require("./kernel.js") : root.NexusKernel, R = node ? require("./render.js") : root.NexusRender,
      S = node ? require("./store.js") : root.NexusStore;

  function missing(x) { return x === null || x === undefined; }
  /** normalise.goalposts / minmax on one value: (x - lo) / (hi - lo) kept in [0, 1], turned for a cost. */
  function linear(x, f) {
    if (missing(x)) { return null; }
    var y = (x - f.lo) / (f.hi - f.lo);
    y = y < 0 ? 0 : (y > 1 ? 1 : y);
    return f.cost ? 1 - y : y;
  }
  function norm(U) {
    var column = U.norm_of.map(function (f) { return Array.isArray(f); });
    return U.popup.map(function (u, i) {
      return U.norm_of.map(function (f, k) { return column[k] ? f[i] : linear(u.v[k], f); });
    });
  }
  /** claims.region_side (maps.region_sides): 1 better than the mean, -1 worse, 0 where no mean tells. */
  function side(x, mean, cost) {
    if (missing(x) || isNaN(mean) || Math.abs(x - mean) <= Math.max(1e-9 * Math.max(Math.abs(x), Math.abs(mean)), 1e-12)) { return 0; }
    return (cost ? x < mean : x > mean) ? 1 : -1;
  }
  /** A unit's popup record with its sides (sd) and the means where they tell (mn), as maps._why_columns. */
  function withWhy(u, W, r) {
    var sd = "", mn = [], told = false;
    u.v.forEach(function (x, k) {
      var has = !missing(x), left = W.n[r][k] - (has ? 1 : 0);
      var mean = left > 0 ? (W.sum[r][k] - (has ? x : 0)) / left : NaN, s = side(x, mean, W.cost[k]);
      sd += s > 0 ? "1" : (s < 0 ? "2" : "0");
      mn.push(s ? mean : null);
      told = told || s !== 0;
    });
    return told ? Object.assign({}, u, {sd: sd, mn: mn}) : u;
  }
  /** A view's colours as its distinct colours (in order of first use) and each unit's index among
   * them (maps._colours), from each unit's value and the colour of a value (asked once per distinct value). */
  function indexed(values, colourOf) {
    var of = [], at = new Map(), byValue = new Map();
    var i = values.map(function (x) {
      var j = byValue.get(x);
      if (j === undefined) {
        var c = colourOf(x);
        j = at.get(c);
        if (j === undefined) { j = of.length; of.push(c); at.set(c, j); }
        byValue.set(x, j);
      }
      return j;
    });
    return {of: of, i: i};
  }
  function same(c) { return c; }
  function colours(D, U) {
    var out = Object.assign({}, U.colours), live = null;
    D.views.forEach(function (v) {
      if (out[v.id]) { return; }
      var k = D.indicators.map(function (x) { return "i_" + x.id; }).indexOf(v.id);
      if (k >= 0) {
        out[v.id] = indexed(U.norm.map(function (row) { return row[k]; }), function (x) { return K.colour(x, D.classes, D.palette, D.no_data); });
        return;
      }
      if (live === null) {
        var state = Object.assign(S.initial(D), {period: null}), P = Object.assign({}, D, {units: U});
        live = R.colours(P, R.derive(P, R.inputs(P, state), state));
      }
      if (live[v.id]) { out[v.id] = indexed(live[v.id], same); }
    });
    return out;
  }
  /** The payload as nexus_zones.maps.page_data gives it, from the payload as the page receives it. */
  function unpack(D) {
    if (!D.units.norm_of) { return D; }
    var U = Object.assign({}, D.units), W = U.why;
    U.norm = norm(U);
    U.popup = U.popup.map(function (u, i) { return withWhy(u, W, U.region[i]); });
    delete U.norm_of;
    delete U.why;
    U.colours = colours(D, U);
    return Object.assign({}, D, {units: U});
  }
  /** Calls then(payload) with the page's payload unpacked: at once for a plain one, once
   * decompressed for a compressed one ({gz, old}); in a browser that cannot decompress it,
   * tooOld(text) with what the page says there instead (D.old, from the catalogue). */
  function open(D, then, tooOld) {
    if (!D.gz) { then(unpack(D)); return; }
    if (typeof DecompressionStream === "undefined") { tooOld(D.old); return; }
    var text = atob(D.gz), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    new Response(stream).text().then(function (json) { then(unpack(JSON.parse(json))); })
      .catch(function (e) { setTimeout(function () { throw e; }, 0); });
  }

  var NexusPayload = {unpack: unpack, open: open, linear: linear, side: side};
  if (node) { module.exports = NexusPayload; }
  if (root) { root.NexusPayload = NexusPayload; }
})(this);
