// The page's claims renderer (nexus_zones/page/static/claims.js) against Python's claims.render:
// tests/page/test_claims.py writes every claim of the demo (en, fr) and claims of every kind built
// from awkward facts, each with the text Python renders, to the folder NEXUS_ZONES_CLAIMS.
// Node's own runner and assert only.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const C = require(path.join(__dirname, "..", "..", "nexus_zones", "page", "static", "claims.js"));
const CASES = process.env.NEXUS_ZONES_CLAIMS;

test("hand-made: ordinals and shares", () => {
  assert.equal(C.ordinal(1, "en"), "1st");
  assert.equal(C.ordinal(12, "en"), "12th");
  assert.equal(C.ordinal(22, "en"), "22nd");
  assert.equal(C.ordinal(1, "fr"), "1er");
  const en = {thousands: ",", decimal: "."};
  assert.equal(C.shareText(0.9996, en, "en"), "99.96%");
  assert.equal(C.shareText(1, en, "en"), "100%");
});

test("every claim renders as Python renders it", {skip: !CASES && "NEXUS_ZONES_CLAIMS not set"}, () => {
  for (const name of ["claims_en", "claims_fr", "demo_en", "demo_fr"]) {
    const data = JSON.parse(fs.readFileSync(path.join(CASES, `${name}.json`), "utf8"));
    assert.ok(data.cases.length > 20, name);
    for (const c of data.cases) {
      assert.equal(C.render(data.catalogue, c.claim, data.labels, data.nf), c.expected, JSON.stringify(c.claim));
    }
  }
});
