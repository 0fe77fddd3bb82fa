/* nexus_zones popup renderer: a unit's popup body (and side panel) as HTML, from the compact record
 * nexus_zones.maps writes per unit (numbers, facts and short keys), the texts it writes once (D.popup:
 * message templates, indicator labels, sources and scale ends, rule labels) and the effective
 * weights of the sliders: points, bars and why sentences are computed here (builders.js) at those
 * weights; the rank band, which holds at the config's weights, is shown only while they are there.
 * Numbers and escaping are format.js's. Pure: no DOM, no globals read.
 *
 * Inlined in the page it defines the global NexusPopup; under Node, require() returns it.
 * tests/page/popup.test.js checks it against cases written by tests/page/test_popup.py. */
(function (root) {
  "use strict";

  var F = (typeof module !== "undefined" && module.exports) ? require("./format.js") : root.NexusFormat;
  var esc = F.esc, fill = F.fill, number = F.number, fixed = F.fixed;

  // ------------------------------------------------------------------------------ the popup body
  // The popup leads with its answer (the header, written by app.js, gives name, rank and region
  // rank): the rules, why (three lines), what low reporting may hide; the rest is folded in Details.
  // Every sentence about the unit is a claim built and checked in Python, written by claims.js.
  var STATUS = [null, "status_fails", "status_excluded", "status_missing"];

  function claimsApi() { return (typeof module !== "undefined" && module.exports) ? require("./claims.js") : root.NexusClaims; }
  function buildApi() { return (typeof module !== "undefined" && module.exports) ? require("./builders.js") : root.NexusBuild; }
  function labelsOf(P) { return {ind: P.ind.map(function (x) { return x.label; }), rules: P.rules}; }
  function say(P, claim) { return esc(claimsApi().render(P.claims, claim, labelsOf(P), P.number_format)); }
  function lines(P, list, cls) {
    return (list || []).map(function (c) { return '<p class="' + cls + '">' + say(P, c) + "</p>"; }).join("");
  }
  function rulesLine(P, u) {
    if (!P.rules.length) { return ""; }
    var failed = [];
    P.rules.forEach(function (label, j) { if (+u.r.charAt(j) % 2 !== 1) { failed.push(label); } });
    if (!failed.length) { return '<p class="nz-rules-line ok">✔ ' + esc(P.t.passes_every_rule) + "</p>"; }
    return '<p class="nz-rules-line ko">✘ ' + esc(fill(P.t.fails_rules, {rules: failed.join(" · ")})) + "</p>";
  }
  function whyItem(P, s) { return '<li class="' + (s.good ? "ok" : "ko") + '">' + say(P, s.claim) + "</li>"; }
  // L: what the sliders' weights give the unit (live): points, bars, why claims and the three led with
  function why(P, L) {
    if (!L.said.length) { return ""; }
    var lead = L.three.map(function (j) { return whyItem(P, L.said[j]); });
    return '<div class="nz-why"><b>' + esc(P.t.why) + "</b><ul>" + lead.join("") + "</ul></div>";
  }
  function whyRest(P, L) {
    var rest = L.said.filter(function (s, j) { return L.three.indexOf(j) < 0; });
    return rest.length ? '<ul class="nz-why-rest">' + rest.map(function (s) { return whyItem(P, s); }).join("") + "</ul>" : "";
  }
  // the rank band holds at the config's weights (and says so): shown only while the sliders are there
  function bandLine(P, u, moved) { return u.b && !moved ? '<p class="nz-band">' + say(P, u.b) + "</p>" : ""; }
  function extras(P, u) {
    var bits = [];
    if (u.c !== undefined) { bits.push(fill(P.t.complete, {share: fixed(u.c, P.number_format, 0)})); }
    if (u.sm !== undefined) { bits.push(fill(P.t.similar, {ref: esc(P.ref), value: fixed(u.sm, P.number_format, 2)})); }
    if (u.pf !== undefined) { bits.push(fill(P.t.profile, {n: u.pf})); }
    return bits.length ? "<p>" + bits.join(" · ") + "</p>" : "";
  }
  function indicatorTable(P, u, norm, L) {
    var nf = P.number_format, imputed = u.im || [];
    var h = '<table class="nz-ind"><tr><th>' + P.t.indicator + "</th><th>" + P.t.value + "</th><th>0–1</th><th>" + P.t.points + "</th></tr>";
    P.ind.forEach(function (ind, k) {
      h += "<tr><td>" + esc(ind.label) + (imputed.indexOf(k) >= 0 ? " <i>(" + P.t.imputed + ")</i>" : "") +
        (ind.about ? "<div class=nz-about>" + esc(ind.about) + "</div>" : "") + "</td><td>" + number(u.v[k], nf, 3) + "</td><td>" +
        number(norm[k], nf, 2) + '</td><td><span class="nz-bar"><span style="width:' + L.widths[k] + '%"></span></span> ' + fixed(L.shown[k], nf, 1) + "</td></tr>";
    });
    return h + "</table>";
  }
  function rules(P, u) {
    if (!P.rules.length) { return ""; }
    var h = '<ul class="nz-rules">';
    P.rules.forEach(function (label, j) {
      var flag = +u.r.charAt(j), ok = flag % 2 === 1, unknown = flag >= 2;
      h += '<li class="' + (ok ? "ok" : "ko") + '">' + (ok ? "✔" : "✘") + " " + esc(label) + (unknown ? " " + P.t.no_data_rule : "") + "</li>";
    });
    return h + "</ul>";
  }
  function details(P, u, norm, L, moved) {
    var robust = u.rb ? '<p class="nz-robust"><b>' + say(P, u.rb) + "</b></p>" : "";
    return '<details class="nz-details"><summary>' + esc(P.t.more_details) + "</summary>" + robust + bandLine(P, u, moved) + lines(P, u.dc, "nz-choice") +
      extras(P, u) + whyRest(P, L) + indicatorTable(P, u, norm, L) + rules(P, u) + "</details>";
  }
  /** What the effective weights `eff` give a unit: its points, as shown, its bars' widths, its why
   * claims ({claim, good}) and the three the popup leads with (builders.js). */
  function live(P, u, norm, eff) {
    var B = buildApi(), pts = B.points(norm, eff, P.skip), said = B.why(B.whyFacts(P, u, norm, eff));
    return {points: pts, shown: B.shownPoints(pts), widths: B.widths(pts, eff), said: said, three: B.pickThree(said)};
  }
  /** The popup body of a unit: its record `u`, its normalised values `norm` (the kernel's inputs),
   * the shared texts `P` (D.popup) and the sliders' effective weights `eff` (the config's, P.eff,
   * when not given; `moved`: whether they differ from the config's). */
  function render(P, u, norm, eff, moved) {
    var status = STATUS[u.st || 0], L = live(P, u, norm, eff || P.eff);
    return (status ? '<p class="nz-status">' + esc(P.t[status]) + "</p>" : "") + rulesLine(P, u) + why(P, L) +
      lines(P, u.lr, "nz-low") + details(P, u, norm, L, !!moved);
  }

  var NexusPopup = {esc: esc, fill: fill, number: number, fixed: fixed, pyFixed: F.pyFixed, pyG: F.pyG, render: render, live: live};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusPopup; }
  if (root) { root.NexusPopup = NexusPopup; }
})(this);
