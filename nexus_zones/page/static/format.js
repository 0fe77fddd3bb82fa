/* nexus_zones page: the one number formatter and the one escaping path of the page. Numbers are
 * written as Python writes them (nexus_zones.messages.number / fixed / percent, and tests/_support.largest_remainder:
 * exact decimal rounding, half to even, Python's "g" format) in the payload's number_format
 * ({thousands, decimal}); every text from data is escaped with esc, as Python's
 * html.escape(quote=True). Pure: no DOM, no globals read.
 *
 * Inlined first in the page it defines the global NexusFormat; under Node, require() returns it.
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

  /** nexus_zones.messages.percent: a share (0-1) as a percentage, "30%" / "30\u202f%". */
  function percent(share, nf, lang, decimals) {
    return fixed(100 * share, nf, decimals === undefined ? 0 : decimals) + (lang === "fr" ? "\u202f%" : "%");
  }
  /** As tests/_support.largest_remainder (Python, the reference): values rounded to `decimals` so that they add up to
   * their total rounded alike (null stays null). */
  function largestRemainder(values, decimals) {
    var scale = Math.pow(10, decimals), known = [], total = 0;
    values.forEach(function (v, i) { if (!missing(v)) { known.push(i); total += v; } });
    var scaled = known.map(function (i) { return values[i] * scale; });
    var target = Math.round(parseFloat(pyFixed(total, decimals).replace(/,/g, "")) * scale);
    var cut = scaled.map(Math.floor), order = known.map(function (i, j) { return j; });
    order.sort(function (a, b) { return (scaled[b] - cut[b]) - (scaled[a] - cut[a]) || a - b; });
    var short = target - cut.reduce(function (s, c) { return s + c; }, 0);
    order.slice(0, Math.max(short, 0)).forEach(function (j) { cut[j] += 1; });
    order.slice().reverse().slice(0, Math.max(-short, 0)).forEach(function (j) { cut[j] -= 1; });
    var out = values.map(function () { return null; });
    known.forEach(function (i, j) { out[i] = cut[j] / scale; });
    return out;
  }

  var NexusFormat = {esc: esc, fill: fill, number: number, fixed: fixed, percent: percent, largestRemainder: largestRemainder,
                     pyFixed: pyFixed, pyG: pyG, missing: missing};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusFormat; }
  if (root) { root.NexusFormat = NexusFormat; }
})(this);
