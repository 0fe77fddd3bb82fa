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
    var p = digits === undefined ? 3 : digits;
    if ((Number.isInteger(v) || Math.abs(v) >= 1000) && Math.abs(v) < 1e15) {
      return localise(pyFixed(v, 0).replace(/^-(?=[0,]*$)/, ""), nf);
    }
    var exp = sigExponent(v, Math.max(p, 1));
    if (exp >= p) { return localise(pyFixed(v, 0).replace(/^-(?=[0,]*$)/, ""), nf); }  // 770 to 2 digits: "770", never "7.7e+02"
    if (exp < -4) { return localise(pyFixed(v, p - 1 - exp).replace(/0+$/, "").replace(/\.$/, ""), nf); }  // never "1.2e-05"
    return localise(pyG(v, p), nf);
  }
  /** The decimal exponent of |x| rounded to p significant digits (Python's f"{abs(x):.{p-1}e}"). */
  function sigExponent(x, p) {
    var parts = exactDigits(x), digits = parts[0] + parts[1], lead = digits.search(/[1-9]/);
    var exp = parts[0].length - 1 - lead, sig = roundDigits(digits.slice(lead), p);
    return sig.length > p ? exp + 1 : exp;
  }
  /** nexus_zones.messages.fixed: a fixed count of decimals. */
  function fixed(v, nf, decimals) { return missing(v) ? "–" : localise(pyFixed(v, decimals === undefined ? 1 : decimals), nf); }

  // ------------------------------------------------------------------------------ the popup body
  // The popup leads with its answer (the header, written by app.js, gives name, rank and region
  // rank): the rules, why (three lines), what low reporting may hide; the rest is folded in Details.
  // Every sentence about the unit is a claim built and checked in Python, written by claims.js.
  var STATUS = [null, "status_fails", "status_excluded", "status_missing"];

  function claimsApi() { return (typeof module !== "undefined" && module.exports) ? require("./claims.js") : root.NexusClaims; }
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
  function whyItem(P, c) { return '<li class="' + (claimsApi().key(c).indexOf("why_good") === 0 ? "ok" : "ko") + '">' + say(P, c) + "</li>"; }
  function why(P, u) {
    if (!u.wy || !u.wy.length) { return ""; }
    var lead = u.w3.map(function (j) { return whyItem(P, u.wy[j]); });
    return '<div class="nz-why"><b>' + esc(P.t.why) + "</b><ul>" + lead.join("") + "</ul></div>";
  }
  function whyRest(P, u) {
    var rest = (u.wy || []).filter(function (c, j) { return u.w3.indexOf(j) < 0; });
    return rest.length ? '<ul class="nz-why-rest">' + rest.map(function (c) { return whyItem(P, c); }).join("") + "</ul>" : "";
  }
  function bandLine(P, u) {
    if (!u.b) { return ""; }
    var band = u.b[0] !== u.b[1] ? u.b[0] + "–" + u.b[1] : String(u.b[0]);
    return '<p class="nz-band">' + esc(fill(P.t.band_plain, {band: band})) + "</p>";
  }
  function extras(P, u) {
    var bits = [];
    if (u.c !== undefined) { bits.push(fill(P.t.complete, {share: fixed(u.c, P.number_format, 0)})); }
    if (u.sm !== undefined) { bits.push(fill(P.t.similar, {ref: esc(P.ref), value: fixed(u.sm, P.number_format, 2)})); }
    if (u.pf !== undefined) { bits.push(fill(P.t.profile, {n: u.pf})); }
    return bits.length ? "<p>" + bits.join(" · ") + "</p>" : "";
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
  function details(P, u, norm) {
    var robust = u.rb ? '<p class="nz-robust"><b>' + say(P, u.rb) + "</b></p>" : "";
    return '<details class="nz-details"><summary>' + esc(P.t.more_details) + "</summary>" + robust + bandLine(P, u) + lines(P, u.dc, "nz-choice") +
      extras(P, u) + whyRest(P, u) + indicatorTable(P, u, norm) + rules(P, u) + "</details>";
  }
  /** The popup body of a unit: its record `u`, its normalised values `norm` (the kernel's inputs)
   * and the shared texts `P` (D.popup). */
  function render(P, u, norm) {
    var status = STATUS[u.st || 0];
    return (status ? '<p class="nz-status">' + esc(P.t[status]) + "</p>" : "") + rulesLine(P, u) + why(P, u) +
      lines(P, u.lr, "nz-low") + details(P, u, norm);
  }

  var NexusPopup = {esc: esc, fill: fill, number: number, fixed: fixed, pyFixed: pyFixed, pyG: pyG, render: render};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusPopup; }
  if (root) { root.NexusPopup = NexusPopup; }
})(this);
