// The page's popup renderer (nexus_zones/page/static/popup.js): its escaping, number formats and
// popups, against what Python writes. tests/page/test_popup.py writes the cases (html.escape of
// hostile strings, nexus_zones.messages.number / fixed of awkward numbers, str.format of templates,
// and expected text fragments of real popups) to the folder NEXUS_ZONES_POPUP and runs this file.
// Node's own runner and assert only.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const P = require(path.join(__dirname, "..", "..", "nexus_zones", "page", "static", "popup.js"));
const CASES = process.env.NEXUS_ZONES_POPUP;
const read = (name) => JSON.parse(fs.readFileSync(path.join(CASES, name), "utf8"));

test("hand-made: escaping, half to even, Python's g format", () => {
  assert.equal(P.esc(`<a href="x" onclick='y'>&amp;</a>`), "&lt;a href=&quot;x&quot; onclick=&#x27;y&#x27;&gt;&amp;amp;&lt;/a&gt;");
  const en = {thousands: ",", decimal: "."};
  assert.equal(P.fixed(0.125, en, 2), "0.12");   // 0.125 is exact in binary: a tie, to the even 2
  assert.equal(P.fixed(0.375, en, 2), "0.38");
  assert.equal(P.fixed(2.675, en, 2), "2.67");   // 2.675 is 2.67499999... in binary
  assert.equal(P.number(2.5, en), "2.5");
  assert.equal(P.number(1234.5, en), "1,234");  // round half to even, as Python's round()
  assert.equal(P.number(0.00001234, en), "0.0000123");  // never in exponent notation
  assert.equal(P.number(770.4, en, 2), "770");
  assert.equal(P.fill("{a} {{b}} {c}", {a: "<", c: "{a}"}), "< {b} {a}");
});

test("Python's formats, escapes and templates", {skip: !CASES && "NEXUS_ZONES_POPUP not set"}, () => {
  const cases = read("formats.json");
  assert.ok(cases.numbers.length > 400 && cases.escapes.length > 5 && cases.templates.length > 20);
  for (const c of cases.numbers) {
    const got = c.fn === "number" ? P.number(c.value, c.nf, c.digits) : P.fixed(c.value, c.nf, c.digits);
    assert.equal(got, c.expected, `${c.fn}(${c.value}, ${c.digits}, ${JSON.stringify(c.nf)})`);
  }
  for (const c of cases.escapes) { assert.equal(P.esc(c.text), c.expected, JSON.stringify(c.text)); }
  for (const c of cases.templates) { assert.equal(P.fill(c.template, c.values), c.expected, c.template); }
});

test("popups hold every fragment Python computes", {skip: !CASES && "NEXUS_ZONES_POPUP not set"}, () => {
  for (const file of fs.readdirSync(CASES).filter((f) => f.startsWith("popups_")).sort()) {
    const c = read(file);
    assert.ok(c.expected.every((e) => e.length > 3));
    c.units.popup.forEach((record, i) => {
      const html = P.render(c.texts, record, c.units.norm[i]);
      for (const fragment of c.expected[i]) { assert.ok(html.includes(fragment), `${file}, unit ${c.units.id[i]}: ${fragment}\n${html}`); }
    });
  }
});
