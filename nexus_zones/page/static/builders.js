/* nexus_zones page: the claims that depend on the weights, built in the page from the payload's
 * facts by the same rules as nexus_zones.claims (why this unit, pick_three, the rules deciding the
 * order or the top k), and the numbers they rest on (each indicator's points, as
 * nexus_zones.score.weighted_scores, shown by largest remainder, and the popup's bar widths).
 * Data in, claims out (in their wire form [key, value, ...], rendered by claims.js). Pure: no DOM,
 * no globals read but the formatter.
 *
 * Inlined in the page it defines NexusBuild; under Node, require() returns it.
 * tests/page/builders.test.js checks it claim for claim against cases written by
 * tests/page/test_builders.py from nexus_zones.claims and RunResult.rescore. */
(function (root) {
  "use strict";

  var F = (typeof module !== "undefined" && module.exports) ? require("./format.js") : root.NexusFormat;

  // ---------------------------------------------------------------------------------- points
  /** Each indicator's points for one unit: 100 x normalised value x effective weight (0 where the
   * weight is 0); every one null where the unit misses a value of an indicator of positive weight,
   * unless that indicator's missing value is left to its node (`skip`, positions: missing: skip),
   * whose own points alone are then null (score.weighted_scores). */
  function points(norm, eff, skip) {
    var skipped = function (k) { return !!skip && skip.indexOf(k) >= 0; };
    var missing = eff.some(function (w, k) { return w > 0 && F.missing(norm[k]) && !skipped(k); });
    return eff.map(function (w, k) { return missing ? null : w === 0 ? 0 : F.missing(norm[k]) ? null : (100 * norm[k]) * w; });
  }
  /** The points as the popup writes them: one decimal, adding up to their total rounded alike. */
  function shownPoints(pts) { return F.largestRemainder(pts, 1); }
  /** Each bar's width in % of the most the indicator could earn (as Python writes it: tests/page/test_builders.py). */
  function widths(pts, eff) {
    return eff.map(function (w, k) {
      var max = 100 * w;
      return !max || F.missing(pts[k]) ? 0 : +F.pyFixed(100 * pts[k] / max, 0).replace(/,/g, "");
    });
  }

  // ---------------------------------------------------------------------------- why this unit
  // A fact: {index, value, points, max, worst, best, mean, side}; side is +1 where the value is
  // better than the mean of the region's other units, -1 worse, 0 where no mean tells (claims.region_side).
  function strength(f) { return f.points >= f.max / 2; }
  function regionAgrees(f) { return f.side !== 0 && (f.side > 0) === strength(f); }
  function whyClaim(f) {
    var key = (strength(f) ? "why_good" : "why_bad") + (regionAgrees(f) ? "_region" : "");
    var claim = [key, f.index, f.value, f.points, f.max, f.worst, f.best];
    if (regionAgrees(f)) { claim.push(f.mean); }
    return claim;
  }
  /** claims.why: strengths first by the points they earn, then weaknesses by the points they lose;
   * indicators of no weight, no value or no points left out. Returns [{claim, good}]. */
  function why(facts) {
    var kept = facts.filter(function (f) { return f.max > 0 && !F.missing(f.value) && !F.missing(f.points); });
    function key(f) { return strength(f) ? -f.points : -(f.max - f.points); }
    kept.sort(function (a, b) { return (strength(b) - strength(a)) || (key(a) - key(b)) || (a.index - b.index); });
    return kept.map(function (f) { return {claim: whyClaim(f), good: strength(f)}; });
  }
  /** claims.pick_three: the two largest strengths and the largest weakness (more of one kind where
   * the other has fewer), as positions in `said`, in order. */
  function pickThree(said) {
    var good = [], bad = [];
    said.forEach(function (s, i) { (s.good ? good : bad).push(i); });
    var nBad = Math.min(bad.length, Math.max(1, 3 - good.length));
    return good.slice(0, 3 - nBad).concat(bad.slice(0, nBad)).sort(function (a, b) { return a - b; });
  }
  /** A unit's why facts from its popup record `u` (raw values v, means mn, sides sd), the shared
   * texts P (each indicator's scale ends lo, hi), its normalised values and the effective weights. */
  function whyFacts(P, u, norm, eff) {
    var pts = points(norm, eff, P.skip);
    return P.ind.map(function (ind, k) {
      var side = u.sd ? +u.sd.charAt(k) : 0;
      return {index: k, value: u.v[k], points: pts[k], max: 100 * eff[k], worst: ind.lo, best: ind.hi,
              mean: u.mn ? u.mn[k] : null, side: side === 1 ? 1 : side === 2 ? -1 : 0};
    });
  }

  // ---------------------------------------------------------------------------- rules decide
  // Facts: {names, failed} of the ranked units in rank order, rulesFirst, k (claims.RulesFacts).
  function rulesFixOrder(f) {
    var seen = {};
    return f.rulesFirst && f.failed.length > 1 && f.failed.every(function (c) { var fresh = !seen[c]; seen[c] = true; return fresh; });
  }
  function rulesFixTop(f) {
    var n = f.failed.length;
    return f.rulesFirst && f.k > 0 && f.k < n && Math.max.apply(null, f.failed.slice(0, f.k)) < Math.min.apply(null, f.failed.slice(f.k));
  }
  /** claims.rules_decide: "the rules alone decide the order" or "... the top k"; null when weights matter. */
  function rulesDecide(f) {
    if (rulesFixOrder(f)) { return ["rules_order", f.failed.length, f.failed.map(String)]; }
    if (rulesFixTop(f)) { return ["rules_top", f.k, f.names.slice(0, f.k)]; }
    return null;
  }

  var NexusBuild = {points: points, shownPoints: shownPoints, widths: widths, why: why, pickThree: pickThree, whyFacts: whyFacts,
                    rulesDecide: rulesDecide, rulesFixOrder: rulesFixOrder, rulesFixTop: rulesFixTop};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusBuild; }
  if (root) { root.NexusBuild = NexusBuild; }
})(this);
