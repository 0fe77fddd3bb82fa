/* nexus_zones claims renderer: a claim ({k: key, v: values}, built and checked in Python by
 * nexus_zones.claims) written as text in the page's language, exactly as claims.render writes it.
 * C is the catalogue the page receives once (claims.catalogue_for_page: templates "s", each key's
 * field formats "f"); labels holds the indicator and rule labels that "ind" and "rule" fields index;
 * nf the number format. Numbers are written by format.js, the page's one formatter. Returns plain
 * text: callers escape it. Pure: no DOM, no globals read but the formatter.
 *
 * Inlined in the page (after popup.js) it defines NexusClaims; under Node, require() returns it.
 * tests/page/claims.test.js checks it against every claim of the demo rendered by Python. */
(function (root) {
  "use strict";

  var F = (typeof module !== "undefined" && module.exports) ? require("./format.js") : root.NexusFormat;

  /** messages.share_text: the fewest decimals (0 to 6) that read neither 0 % nor 100 % unless exact. */
  function shareText(share, nf, lang) {
    var decimals = 0;
    for (; decimals < 7; decimals += 1) {
      var shown = parseFloat(F.pyFixed(100 * share, decimals).replace(/,/g, ""));
      if (!(share > 0 && share < 1) || (shown > 0 && shown < 100)) { break; }
    }
    decimals = Math.min(decimals, 6);
    return F.fixed(100 * share, nf, decimals) + (lang === "fr" ? "\u202f%" : "%");
  }
  /** messages.ordinal: 1st, 2nd, 3rd, 11th; 1er, 2e. */
  function ordinal(n, lang) {
    if (lang === "fr") { return n === 1 ? "1er" : n + "e"; }
    var suffix = (n % 100 >= 10 && n % 100 <= 20) ? "th" : ({1: "st", 2: "nd", 3: "rd"}[n % 10] || "th");
    return n + suffix;
  }
  function join(items, C) {
    if (items.length <= 1) { return items.join(""); }
    return items.slice(0, -1).join(", ") + C.s.and + items[items.length - 1];
  }
  function write(C, fmt, value, labels, nf) {
    switch (fmt) {
      case "text": return String(value);
      case "n": return F.number(value, nf, 3);
      case "f1": return F.fixed(value, nf, 1);
      case "int": return F.number(Math.trunc(value), nf, 3);
      case "pct": return shareText(value, nf, C.lang);
      case "ord": return ordinal(value, C.lang);
      case "first": return value === 1 ? C.s.first_one : F.fill(C.s.first_k, {k: F.number(value, nf, 3)});
      case "ind": return labels.ind[value];
      case "rule": return labels.rules[value];
      case "msg": return C.s[value];
      case "names": return join(value.map(String), C);
      case "claims": return join(value.map(function (c) { return text(C, c, labels, nf); }), C);
      default: throw new Error("unknown claim format " + fmt);
    }
  }
  /** A claim's key: its data is {k: key, v: {field: value}} or its wire form [key, value, …] (fields in order). */
  function key(claim) { return Array.isArray(claim) ? claim[0] : claim.k; }
  function text(C, claim, labels, nf) {
    var k = key(claim), shown = {};
    C.f[k].forEach(function (field, j) {
      var value = Array.isArray(claim) ? claim[j + 1] : claim.v[field[0]];
      shown[field[0]] = write(C, field[1], value, labels, nf);
    });
    return F.fill(C.s[k], shown);
  }
  /** The claim as text, its first letter a capital (claims.render). */
  function render(C, claim, labels, nf) {
    var s = text(C, claim, labels, nf);
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  var NexusClaims = {render: render, key: key, shareText: shareText, ordinal: ordinal};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusClaims; }
  if (root) { root.NexusClaims = NexusClaims; }
})(this);
