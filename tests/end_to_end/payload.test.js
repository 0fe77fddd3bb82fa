// The page's payload against its schema (nexus_zones/page/payload.schema.json), under Node:
// tests/end_to_end/test_payload_schema.py writes payloads (the demo in English and French, a demo with hostile
// labels, and broken copies with what jsonschema says of them) to NEXUS_ZONES_PAYLOAD.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const {validate, keywordsKnown} = require("./schema.js");
const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "nexus_zones", "page", "payload.schema.json"), "utf8"));
const CASES = process.env.NEXUS_ZONES_PAYLOAD;

test("the schema uses only keywords the checker knows", () => {
  assert.deepEqual(keywordsKnown(SCHEMA), []);
  assert.deepEqual(keywordsKnown({type: "object", oneOf: []}), ["#/oneOf"]);
});

test("hand-made: types, required keys, unexpected keys, refs", () => {
  const s = {type: "object", additionalProperties: false, required: ["a"], properties: {a: {$ref: "#/$defs/n"}}, $defs: {n: {type: "integer", minimum: 1}}};
  assert.deepEqual(validate({a: 2}, s), []);
  assert.equal(validate({a: 0}, s).length, 1);
  assert.equal(validate({a: 1.5}, s).length, 1);
  assert.equal(validate({}, s).length, 1);
  assert.equal(validate({a: 1, b: 2}, s).length, 1);
});

test("every payload Python wrote conforms, every broken one does not, as jsonschema says", {skip: !CASES && "NEXUS_ZONES_PAYLOAD not set"}, () => {
  const cases = JSON.parse(fs.readFileSync(path.join(CASES, "payloads.json"), "utf8"));
  assert.ok(cases.some((c) => c.valid) && cases.filter((c) => !c.valid).length >= 8);
  for (const c of cases) {
    const errors = validate(c.payload, SCHEMA);
    assert.equal(errors.length === 0, c.valid, `${c.name}: ${errors.slice(0, 5).join("; ")}`);
  }
});
