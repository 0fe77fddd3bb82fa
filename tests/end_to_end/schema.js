// A JSON Schema checker for the page's payload schema (nexus_zones/page/payload.schema.json) under
// Node, for the keywords that schema uses and no other: a schema using another keyword is refused,
// so that nothing is silently left unchecked. Python checks the same payloads with jsonschema
// (tests/end_to_end/test_payload_schema.py); both must agree, on good payloads and on broken ones.
"use strict";

const KEYWORDS = new Set(["$schema", "$id", "title", "description", "type", "properties", "required", "additionalProperties", "items",
  "minItems", "enum", "$ref", "$defs", "minimum", "pattern"]);

function typeOf(v) {
  if (v === null) { return "null"; }
  if (Array.isArray(v)) { return "array"; }
  if (typeof v === "number") { return Number.isInteger(v) ? "integer" : "number"; }
  return typeof v;
}
function isType(v, t) { const got = typeOf(v); return got === t || (t === "number" && got === "integer"); }

/** Every keyword of `schema` (and of its subschemas) is one this checker knows. */
function keywordsKnown(schema, where = "#") {
  const unknown = [];
  const walk = (s, at) => {
    if (typeof s !== "object" || s === null) { return; }
    for (const [k, v] of Object.entries(s)) {
      if (!KEYWORDS.has(k)) { unknown.push(`${at}/${k}`); continue; }
      if (k === "properties" || k === "$defs") { for (const [n, sub] of Object.entries(v)) { walk(sub, `${at}/${k}/${n}`); } }
      if (k === "items" || (k === "additionalProperties" && typeof v === "object")) { walk(v, `${at}/${k}`); }
    }
  };
  walk(schema, where);
  return unknown;
}

/** The errors of `value` against `schema` (empty when it conforms), each with its JSON path. */
function validate(value, schema, root = schema, path = "$", errors = []) {
  if (schema.$ref) {
    const target = schema.$ref.replace(/^#\//, "").split("/").reduce((s, k) => s[k], root);
    validate(value, target, root, path, errors);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => isType(value, t))) { errors.push(`${path}: ${typeOf(value)}, expected ${types.join(" or ")}`); return errors; }
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(`${path}: ${JSON.stringify(value)} not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === "number" && schema.minimum !== undefined && value < schema.minimum) { errors.push(`${path}: ${value} < ${schema.minimum}`); }
  if (typeof value === "string" && schema.pattern && !new RegExp(schema.pattern, "u").test(value)) { errors.push(`${path}: does not match ${schema.pattern}`); }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) { errors.push(`${path}: ${value.length} items < ${schema.minItems}`); }
    if (schema.items) { value.forEach((v, i) => validate(v, schema.items, root, `${path}[${i}]`, errors)); }
  } else if (typeOf(value) === "object") {
    for (const k of schema.required || []) { if (!(k in value)) { errors.push(`${path}: missing ${k}`); } }
    for (const [k, v] of Object.entries(value)) {
      if (schema.properties && k in schema.properties) { validate(v, schema.properties[k], root, `${path}.${k}`, errors); }
      else if (schema.additionalProperties === false) { errors.push(`${path}: unexpected key ${k}`); }
      else if (typeof schema.additionalProperties === "object") { validate(v, schema.additionalProperties, root, `${path}.${k}`, errors); }
    }
  }
  return errors;
}

module.exports = {validate, keywordsKnown};
