// The weights panel (nexus_zones/page/static/panel.js) as a pure render of (payload, state): the model
// tree's nodes as collapsible groups, each holding its own slider in its summary line and its
// children's sliders inside. In Chromium: tests/end_to_end/test_browser_sliders.py moves a node's
// slider and compares every node's score with RunResult.rescore.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const STATIC = path.join(__dirname, "..", "..", "nexus_zones", "page", "static");
const S = require(path.join(STATIC, "store.js"));
const Panel = require(path.join(STATIC, "panel.js"));

const {payload} = require("./_payload.js");

// score -> hazard (human (now, proj), idp), vulnerability (food); labels arrive escaped
function treePayload() {
  const D = payload();
  D.number_format = {thousands: " ", decimal: ","};
  D.text = Object.assign(D.text, {pillar: "Pillar", weights_panel: "Weights <try>", reset: "Reset", copy_yaml: "YAML", copy_code: "Code", ranking: "Ranking"});
  D.indicators = ["now", "proj", "idp", "food"].map((id, k) => ({id, label: id === "food" ? "Food &amp; water" : id.toUpperCase(), weight: k + 1, max: 10}));
  D.pillars = [{id: "hazard", label: "Hazard", weight: 1, max: 5}, {id: "human", label: "Human", weight: 2, max: 5},
               {id: "vulnerability", label: "Vulnerability &lt;v&gt;", weight: 1.5, max: 5}];
  D.tree = {root: "score", order: ["human", "hazard", "vulnerability", "score"], indicators: ["now", "proj", "idp", "food"],
            pillars: ["hazard", "human", "vulnerability"], skip: [], weight: {}, factor: {},
            nodes: {score: {children: ["hazard", "vulnerability"]}, hazard: {children: ["human", "idp"]}, human: {children: ["now", "proj"]},
                    vulnerability: {children: ["food"]}}};
  return D;
}
/** The sliders in the HTML's order: [kind, index, value, the number shown after it]. */
function sliders(html) {
  return [...html.matchAll(/value="([^"]*)" data-(indicator|pillar)="(\d+)"[^>]*> <output>([^<]*)<\/output>/g)].map((m) => [m[2], +m[3], +m[1], m[4]]);
}
/** Each group: [node, depth, open, the sliders of its summary line]. */
function groups(html) {
  return [...html.matchAll(/<details class="nz-node" data-node="([^"]+)" data-depth="(\d)"( open)?><summary>(.*?)<\/summary>/g)]
    .map((m) => [m[1], +m[2], !!m[3], sliders(m[4]).map((s) => s.slice(0, 2))]);
}

test("the outline is the tree: the root's children first, each node holding its children", () => {
  const D = treePayload();
  const shape = (items) => items.map((x) => x.kind === "node" ? [D.pillars[x.index].id, x.depth, shape(x.children)] : [D.indicators[x.index].id, x.depth]);
  assert.deepEqual(shape(Panel.outline(D)), [["hazard", 1, [["human", 2, [["now", 3], ["proj", 3]]], ["idp", 2]]], ["vulnerability", 1, [["food", 2]]]]);
  // without a tree: the pillars, then the indicators
  const flat = Object.assign(treePayload(), {tree: null});
  assert.deepEqual(shape(Panel.outline(flat)), [["hazard", 1, []], ["human", 1, []], ["vulnerability", 1, []], ["now", 1], ["proj", 1], ["idp", 1], ["food", 1]]);
});

test("the panel renders each node as a group with its own slider in its summary, its children's inside", () => {
  const D = treePayload(), state = S.initial(D), html = Panel.render(D, state);
  // every weight once, in the tree's order, at the state's value, written with the page's decimal mark
  assert.deepEqual(sliders(html), [["pillar", 0, 1, "1"], ["pillar", 1, 2, "2"], ["indicator", 0, 1, "1"], ["indicator", 1, 2, "2"],
                                   ["indicator", 2, 3, "3"], ["pillar", 2, 1.5, "1,5"], ["indicator", 3, 4, "4"]]);
  // a small tree: the first level open, the levels below closed; each summary holds its node's slider only
  assert.deepEqual(groups(html), [["hazard", 1, true, [["pillar", 0]]], ["human", 2, false, [["pillar", 1]]], ["vulnerability", 1, true, [["pillar", 2]]]]);
  // nesting: human's group (and its indicators) closes before idp's row, inside hazard's
  const at = (s) => html.indexOf(s);
  assert.ok(at('data-node="hazard"') < at('data-node="human"') && at('data-indicator="1"') < at("</details>") && at("</details>") < at('data-indicator="2"'));
  // texts: labels arrive escaped and are not escaped twice; the catalogue's texts are escaped here
  assert.ok(html.includes("<span>Pillar: Vulnerability &lt;v&gt;</span>") && html.includes("<span>Food &amp; water</span>"), html);
  assert.ok(html.includes('aria-label="Pillar: Hazard"') && html.startsWith('<details class="nz-weights"><summary>Weights &lt;try&gt;</summary>'));
  assert.equal(Panel.render(D, state), html);  // a function of (payload, state)
});

test("the panel follows the state; a large tree starts with every group closed", () => {
  const D = treePayload(), store = S.create(D);
  store.dispatch({type: "pillar", index: 1, value: 0.123456});
  store.dispatch({type: "weight", index: 3, value: 7});
  assert.deepEqual(sliders(Panel.render(D, store.get())).filter((s) => s[1] === 1 && s[0] === "pillar" || s[0] === "indicator" && s[1] === 3),
                   [["pillar", 1, 0.123456, "0,1235"], ["indicator", 3, 7, "7"]]);
  // past OPEN_UP_TO sliders the first level is closed too
  const big = treePayload(), extra = Panel.OPEN_UP_TO - 7;  // 4 indicators and 3 nodes already
  for (let k = 0; k < extra; k++) { big.indicators.push({id: "x" + k, label: "X" + k, weight: 1, max: 2}); big.tree.nodes.vulnerability.children.push("x" + k); }
  assert.ok(groups(Panel.render(big, S.initial(big))).every((g) => g[2] === (g[1] === 1)));  // 24 sliders: still open
  big.indicators.push({id: "y", label: "Y", weight: 1, max: 2}); big.tree.nodes.vulnerability.children.push("y");
  assert.deepEqual(groups(Panel.render(big, S.initial(big))).map((g) => g[2]), [false, false, false]);
});

test("a slider's data attribute says which weight its input moves", () => {
  assert.deepEqual(Panel.action({indicator: "3"}, 2.5), {type: "weight", index: 3, value: 2.5});
  assert.deepEqual(Panel.action({pillar: "0"}, 0), {type: "pillar", index: 0, value: 0});
  assert.equal(Panel.action({}, 1), null);
  // each action the panel gives is one the store takes, to the weight the slider names
  const D = treePayload(), store = S.create(D);
  store.dispatch(Panel.action({pillar: "2"}, 4));
  assert.deepEqual(store.get().pillarWeights, [1, 2, 4]);
});

test("keys move a slider by a 50th of its range (arrows) or a 10th (pages), within its ends", () => {
  assert.equal(Panel.keyed("ArrowRight", 1, 5), 1.1);
  assert.equal(Panel.keyed("ArrowUp", 1, 5), 1.1);
  assert.equal(Panel.keyed("ArrowLeft", 1, 5), 0.9);
  assert.equal(Panel.keyed("PageUp", 1, 5), 1.5);
  assert.equal(Panel.keyed("PageDown", 0.2, 5), 0);  // not below 0
  assert.equal(Panel.keyed("ArrowRight", 4.95, 5), 5);  // nor above its end
  assert.equal(Panel.keyed("ArrowRight", 1 / 3, 1), 0.3533);  // kept to the 4 decimals the YAML writes
  assert.equal(Panel.keyed("Home", 1, 5), null);
  assert.equal(Panel.keyed("a", 1, 5), null);
});
