/* nexus_zones popup renderer: a unit's popup body (and side panel) as HTML, from the compact record
 * nexus_zones.maps writes per unit (numbers and short keys) and the texts it writes once (D.popup:
 * message templates, indicator labels and sources, rule labels). Pure: no DOM, no globals read.
 *
 * Numbers are written as Python writes them (nexus_zones.messages.number / fixed: exact decimal
 * rounding, half to even, Python's "g" format) in the payload's number_format, and every text from
 * data is escaped here with esc, which escapes as Python's html.escape(quote=True).
 *
 * Inlined in the page it defines the global NexusPopup; under Node, require() returns it.
 * tests/page/popup.test.js checks it against cases written by tests/page/test_popup.py. */
(function (root) {
  "use strict";

  var ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"};
  /** Python's html.escape(String(value), quote=True). */
  function esc(value) { return String(value).replace(/[&<>"']/g, function (c) { return ESCAPES[c]; }); }

  /** Python's str.format for {name} fields (no conversions; doubled braces are braces). Two opening
   * braces are never written side by side here: the page's script passes through a Jinja template. */
  var OPEN2 = "{" + "{", CLOSE2 = "}" + "}";
  function fill(template, values) {
    return template.replace(/[{][{]|[}][}]|[{](\w+)[}]/g, function (m, key) {
      if (m === OPEN2) { return "{"; }
      if (m === CLOSE2) { return "}"; }
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : m;
    });
  }

  // ------------------------------------------------------------------ numbers, as Python writes them
  /** The exact decimal digits of |x| (x finite, below 1e21) as [integer part, 100 decimals]. */
  function exactDigits(x) {
    var s = Math.abs(x).toFixed(100).split(".");
    return [s[0], s[1]];
  }
  /** Add one unit in the last place of a string of decimal digits. */
  function increment(digits) {
    var out = digits.split(""), i = out.length - 1;
    while (i >= 0 && out[i] === "9") { out[i] = "0"; i -= 1; }
    if (i < 0) { out.unshift("1"); } else { out[i] = String(+out[i] + 1); }
    return out.join("");
  }
  /** Digits rounded to keep `keep` of them, half to even, on the exact value (rest: the digits cut). */
  function roundDigits(digits, keep) {
    var kept = digits.slice(0, keep), rest = digits.slice(keep), first = rest.charAt(0);
    var up = first > "5" || (first === "5" && (/[1-9]/.test(rest.slice(1)) || (kept.length > 0 && +kept.charAt(kept.length - 1) % 2 === 1)));
    return up ? increment(kept || "0") : (kept || "0");
  }
  function group(whole, sep) { return whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep); }
  function negative(x) { return x < 0 || Object.is(x, -0); }
  /** Python's f"{x:,.{d}f}": d decimals, thousands grouped (not localised). */
  function pyFixed(x, d) {
    var parts = exactDigits(x), all = roundDigits(parts[0] + parts[1], parts[0].length + d);
    var whole = all.slice(0, all.length - d).replace(/^0+(?=\d)/, "") || "0", frac = all.slice(all.length - d);
    return (negative(x) ? "-" : "") + group(whole, ",") + (d > 0 ? "." + frac : "");
  }
  /** Python's f"{x:.{p}g}" (not localised). */
  function pyG(x, p) {
    if (x === 0) { return negative(x) ? "-0" : "0"; }
    var parts = exactDigits(x), digits = parts[0] + parts[1], lead = digits.search(/[1-9]/);
    var exp = parts[0].length - 1 - lead, sig = roundDigits(digits.slice(lead), p);
    if (sig.length > p) { exp += 1; sig = sig.slice(0, p); }
    var sign = x < 0 ? "-" : "", body;
    if (exp >= -4 && exp < p) {
      body = exp >= 0 ? sig.slice(0, exp + 1) + (sig.length > exp + 1 ? "." + sig.slice(exp + 1) : "") : "0." + "0".repeat(-exp - 1) + sig;
      if (body.indexOf(".") >= 0) { body = body.replace(/0+$/, "").replace(/\.$/, ""); }
      return sign + body;
    }
    body = sig.charAt(0) + (p > 1 ? "." + sig.slice(1) : "");
    if (body.indexOf(".") >= 0) { body = body.replace(/0+$/, "").replace(/\.$/, ""); }
    return sign + body + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
  }
  function localise(text, nf) {
    return text.replace(/[,.]/g, function (c) { return c === "," ? nf.thousands : nf.decimal; });
  }
  function missing(v) { return v === null || v === undefined || (typeof v === "number" && isNaN(v)); }
  /** nexus_zones.messages.number: whole numbers and numbers of 1000 or more without decimals,
   * thousands grouped; others with `digits` significant digits. */
  function number(v, nf, digits) {
    if (missing(v)) { return "–"; }
    if ((Number.isInteger(v) || Math.abs(v) >= 1000) && Math.abs(v) < 1e15) {
      return localise(pyFixed(v, 0).replace(/^-(?=[0,]*$)/, ""), nf);
    }
    return localise(pyG(v, digits === undefined ? 3 : digits), nf);
  }
  /** nexus_zones.messages.fixed: a fixed count of decimals. */
  function fixed(v, nf, decimals) { return missing(v) ? "–" : localise(pyFixed(v, decimals === undefined ? 1 : decimals), nf); }

  // ------------------------------------------------------------------------------ the popup body
  var STATUS = [null, "status_fails", "status_excluded", "status_missing"];
  var VERDICT = ["not_robust", "robust_in", "robust_out"];

  function bandLines(P, u) {
    if (!u.b) { return ""; }
    var b = u.b, band = b[0] !== b[1] ? b[0] + "–" + b[1] : String(b[0]);
    return '<p class="nz-band">' + fill(P.t.band, {band: band, share: fixed(b[3], P.number_format, 0), verdict: "<b>" + esc(P.t[VERDICT[b[2]]]) + "</b>"}) +
      '</p><p class="nz-src">' + esc(P.robust_def) + "</p>";
  }
  function extras(P, u) {
    var bits = [];
    if (u.c !== undefined) { bits.push(fill(P.t.complete, {share: fixed(u.c, P.number_format, 0)})); }
    if (u.sm !== undefined) { bits.push(fill(P.t.similar, {ref: esc(P.ref), value: fixed(u.sm, P.number_format, 2)})); }
    if (u.pf !== undefined) { bits.push(fill(P.t.profile, {n: u.pf})); }
    return bits.length ? "<p>" + bits.join(" · ") + "</p>" : "";
  }
  function decision(P, u) {
    var lines = (u.ch || []).map(esc);
    if (u.pm) { lines.push("<b>" + esc(P.t.pilot_member) + "</b>"); }
    if (u.ag !== undefined) { lines.push(esc(fill(P.t.agreement_unit, {n: u.ag}))); }
    if (u.db) { lines.push(esc(fill(P.t.data_band, {band: u.db[0] !== u.db[1] ? u.db[0] + "–" + u.db[1] : String(u.db[0])}))); }
    return lines.map(function (l) { return '<p class="nz-choice">' + l + "</p>"; }).join("");
  }
  /** One sentence: code = 3 × indicator + kind (0 as the region, 1 lower, 2 higher than its mean). */
  function sentence(P, u, code, mean) {
    var k = Math.floor(code / 3), kind = code % 3, ind = P.ind[k], nf = P.number_format, value = number(u.v[k], nf, 3);
    if (ind.g) {
      if (kind === 0) { return fill(P.t.same_as_region, {phrase: ind.same, value: value}); }
      return fill(P.t.sentence, {word: P.t[kind === 1 ? "fewer" : "more"], phrase: ind.phrase, value: value, mean: number(mean, nf, 2)});
    }
    if (kind === 0) { return fill(P.t.same_label, {label: ind.phrase, value: value}); }
    return fill(P.t.sentence_label, {label: ind.phrase, value: value, side: P.t[kind === 1 ? "below" : "above"], mean: number(mean, nf, 2)});
  }
  function strength(P, code) {
    var kind = code % 3, lower = kind === 1;
    return kind === 0 || (P.ind[Math.floor(code / 3)].cost ? lower : !lower);
  }
  function why(P, u) {
    if (!u.sn || !u.sn.length) { return ""; }
    var items = u.sn.map(function (code, j) {
      return '<li class="' + (strength(P, code) ? "ok" : "ko") + '">' + esc(sentence(P, u, code, u.mn[j])) + "</li>";
    });
    return '<div class="nz-why"><b>' + esc(P.t.why) + "</b><ul>" + items.join("") + "</ul></div>";
  }
  function indicatorTable(P, u, norm) {
    var nf = P.number_format, imputed = u.im || [];
    var h = '<table class="nz-ind"><tr><th>' + P.t.indicator + "</th><th>" + P.t.value + "</th><th>0–1</th><th>" + P.t.points + "</th></tr>";
    P.ind.forEach(function (ind, k) {
      h += "<tr><td>" + esc(ind.label) + (imputed.indexOf(k) >= 0 ? " <i>(" + P.t.imputed + ")</i>" : "") +
        (ind.about ? "<div class=nz-about>" + esc(ind.about) + "</div>" : "") + "</td><td>" + number(u.v[k], nf, 3) + "</td><td>" +
        number(norm[k], nf, 2) + '</td><td><span class="nz-bar"><span style="width:' + u.w[k] + '%"></span></span> ' + fixed(u.p[k], nf, 1) + "</td></tr>";
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
  /** The popup body of a unit: its record `u`, its normalised values `norm` (the kernel's inputs)
   * and the shared texts `P` (D.popup). */
  function render(P, u, norm) {
    var status = STATUS[u.st || 0];
    return (status ? '<p class="nz-status">' + esc(P.t[status]) + "</p>" : "") + bandLines(P, u) + extras(P, u) + decision(P, u) +
      why(P, u) + indicatorTable(P, u, norm) + rules(P, u);
  }

  var NexusPopup = {esc: esc, fill: fill, number: number, fixed: fixed, pyFixed: pyFixed, pyG: pyG, render: render};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusPopup; }
  if (root) { root.NexusPopup = NexusPopup; }
})(this);
