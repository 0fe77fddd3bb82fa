// The page's one number formatter and escaping path (nexus_zones/page/static/format.js): hand-made
// cases here; tests/page/test_format.py writes Python's messages.percent, share of points
// (largest_remainder) and the cases of number / fixed / html.escape to NEXUS_ZONES_FORMAT.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const F = require(path.join(__dirname, "..", "..", "nexus_zones", "page", "static", "format.js"));
const CASES = process.env.NEXUS_ZONES_FORMAT;
const en = {thousands: ",", decimal: "."}, fr = {thousands: "\u202f", decimal: ","};

test("hand-made: percent, largest remainder, escaping", () => {
  assert.equal(F.percent(0.3, en, "en"), "30%");
  assert.equal(F.percent(0.125, fr, "fr", 1), "12,5\u202f%");
  assert.deepEqual(F.largestRemainder([33.34, 33.33, 33.33], 1), [33.4, 33.3, 33.3]);
  assert.deepEqual(F.largestRemainder([null, 1.25, 1.25], 1), [null, 1.3, 1.2]);
  assert.equal(F.fixed(1504.5, fr, 1), "1\u202f504,5");
  assert.equal(F.esc("<a href='x'>&</a>"), "&lt;a href=&#x27;x&#x27;&gt;&amp;&lt;/a&gt;");
});

test("as Python writes them", {skip: !CASES && "NEXUS_ZONES_FORMAT not set"}, () => {
  const cases = JSON.parse(fs.readFileSync(path.join(CASES, "format.json"), "utf8"));
  assert.ok(cases.percent.length > 50 && cases.remainder.length > 10 && cases.number.length > 100);
  for (const c of cases.percent) { assert.equal(F.percent(c.share, c.nf, c.lang, c.decimals), c.expected, JSON.stringify(c)); }
  for (const c of cases.remainder) { assert.deepEqual(F.largestRemainder(c.values, c.decimals), c.expected, JSON.stringify(c)); }
  for (const c of cases.number) {
    assert.equal(c.fn === "number" ? F.number(c.value, c.nf, c.digits) : F.fixed(c.value, c.nf, c.digits), c.expected, JSON.stringify(c));
  }
  for (const c of cases.escapes) { assert.equal(F.esc(c.text), c.expected); }
});
