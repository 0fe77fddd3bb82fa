/* nexus_zones map page: the weights and ranking panel. The weights are shown as the model tree: the
 * root's children first, each node a collapsible group (<details>) whose summary line holds the
 * node's own weight slider (its weight among its siblings) and whose body holds its children's
 * sliders, an indicator's slider under its node. Groups below the first level start closed, and the
 * first level too when the tree has many sliders. A model without a tree shows its pillars, then its
 * indicators.
 *
 * render(D, state) is pure (the panel's HTML at the state's weights; tests/page/panel.test.js);
 * mount(map, D, store, fit) is the DOM glue (tests/end_to_end/test_browser_sliders.py): it puts the
 * panel on the map, and its sliders and buttons only dispatch actions to the store; update(state)
 * moves the sliders to the state's weights.
 *
 * Inlined in the page it defines NexusPanel; under Node, require() returns it. */
(function (root) {
  "use strict";

  var node = typeof module !== "undefined" && module.exports;
  var F = node ? require("./format.js") : root.NexusFormat, S = node ? require("./store.js") : root.NexusStore;
  var esc = F.esc;
  /** Up to this many sliders, the first level's groups start open. */
  var OPEN_UP_TO = 24;

  /** The panel's outline: the root's children, each {kind: "node" | "indicator", index (in D.pillars
   * or D.indicators), depth (1 under the root), children (a node's, same form)}. Without a tree: the
   * pillars, then the indicators, all at depth 1. */
  function outline(D) {
    var t = D.tree, at = {indicator: {}, node: {}};
    D.indicators.forEach(function (x, k) { at.indicator[x.id] = k; });
    D.pillars.forEach(function (p, j) { at.node[p.id] = j; });
    if (!t) {
      return D.pillars.map(function (p, j) { return {kind: "node", index: j, depth: 1, children: []}; })
        .concat(D.indicators.map(function (x, k) { return {kind: "indicator", index: k, depth: 1}; }));
    }
    function item(name, depth) {
      if (!t.nodes[name]) { return {kind: "indicator", index: at.indicator[name], depth: depth}; }
      return {kind: "node", index: at.node[name], depth: depth, children: t.nodes[name].children.map(function (c) { return item(c, depth + 1); })};
    }
    return t.nodes[t.root].children.map(function (c) { return item(c, 1); });
  }

  /** A weight as the panel writes it (store.js's 4 decimals, the page's decimal mark). */
  function weightText(D, v) { return S.weightText(v).replace(".", D.number_format.decimal); }

  /** A slider: step "any" keeps the configured weights (AHP ones included) exactly until it moves. */
  function slider(D, kind, index, spec, value, label) {
    return '<input type="range" min="0" max="' + spec.max + '" step="any" value="' + value + '" data-' + kind + '="' + index + '"' +
      (label === null ? "" : ' aria-label="' + label + '"') + "> <output>" + weightText(D, value) + "</output>";
  }
  /** An indicator's row: its label (arrives escaped) and its slider. */
  function indicatorRow(D, state, k) {
    var x = D.indicators[k];
    return '<label class="nz-w"><span>' + x.label + "</span>" + slider(D, "indicator", k, x, state.weights[k], null) + "</label>";
  }
  /** A node's group: the summary line holds its name and its slider; the body its children's rows. */
  function nodeGroup(D, state, item, openFirst) {
    var p = D.pillars[item.index], name = esc(D.text.pillar) + ": " + p.label;
    var open = item.depth === 1 && openFirst;
    return '<details class="nz-node" data-node="' + esc(p.id) + '" data-depth="' + item.depth + '"' + (open ? " open" : "") +
      '><summary><span class="nz-w"><span>' + name + "</span>" + slider(D, "pillar", item.index, p, state.pillarWeights[item.index], name) +
      '</span></summary><div class="nz-kids">' + item.children.map(function (c) { return row(D, state, c, openFirst); }).join("") + "</div></details>";
  }
  function row(D, state, item, openFirst) {
    return item.kind === "node" ? nodeGroup(D, state, item, openFirst) : indicatorRow(D, state, item.index);
  }

  /** The panel's HTML at the state's weights: the weights (as the tree), the reset and copy buttons,
   * the ranking's box (filled by render.js's ranking). */
  function render(D, state) {
    var T = D.text, openFirst = D.indicators.length + D.pillars.length <= OPEN_UP_TO;
    return '<details class="nz-weights"><summary>' + esc(T.weights_panel) + '</summary><div class="nz-tree">' +
      outline(D).map(function (item) { return row(D, state, item, openFirst); }).join("") + "</div>" +
      '<button type="button" class="nz-reset">' + esc(T.reset) + '</button> <button type="button" class="nz-copy">' + esc(T.copy_yaml) +
      '</button> <button type="button" class="nz-code">' + esc(T.copy_code) +
      '</button><div class="nz-copy-note"></div><textarea class="nz-yaml" readonly></textarea></details>' +
      '<details class="nz-ranking-box"><summary>' + esc(T.ranking) + '</summary><div class="nz-ranking"></div></details>';
  }

  /** The action a slider's new value gives: its data attribute says which weight it holds. */
  function action(dataset, value) {
    if (dataset.indicator !== undefined) { return {type: "weight", index: +dataset.indicator, value: value}; }
    if (dataset.pillar !== undefined) { return {type: "pillar", index: +dataset.pillar, value: value}; }
    return null;
  }

  /** A slider's value after a key (step "any" leaves the arrows without a step in Chromium): the
   * arrows move it by a 50th of its range, Page Up and Down by a 10th, within [0, max]; null for
   * other keys (Home and End the browser handles). */
  function keyed(key, value, max) {
    var step = {ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 5, PageDown: -5}[key];
    if (step === undefined) { return null; }
    return Math.min(max, Math.max(0, Math.round((value + step * max / 50) * 10000) / 10000));
  }

  // ------------------------------------------------------------------------------ the DOM glue
  /** Puts the panel on the map (bottom left); `fit` is called when a group opens or closes. Returns
   * the panel's box and update(state), which moves the sliders to the state's weights. */
  function mount(map, D, store, fit) {
    var T = D.text, control = L.control({position: "bottomleft"});
    control.onAdd = function () {
      var d = L.DomUtil.create("div", "nz-panel");
      L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
      d.innerHTML = render(D, store.get());
      return d;
    };
    control.addTo(map);
    var box = control.getContainer();
    box.querySelectorAll("details").forEach(function (d) { d.addEventListener("toggle", fit); });
    box.addEventListener("input", function (e) {
      var a = e.target.dataset ? action(e.target.dataset, parseFloat(e.target.value)) : null;
      if (a) { store.dispatch(a); }
    });
    box.addEventListener("keydown", function (e) {
      var el = e.target, v = el.type === "range" ? keyed(e.key, parseFloat(el.value), parseFloat(el.max)) : null;
      if (v === null) { return; }
      e.preventDefault();
      el.value = v;
      store.dispatch(action(el.dataset, v));
    });
    box.querySelector(".nz-reset").addEventListener("click", function () { store.dispatch({type: "reset"}); });
    box.querySelector(".nz-copy").addEventListener("click", function () {
      // top-level override keys (nexus_zones.config: weights, pillar_weights): pasted as they are, they replace
      // only the weights (every node's) and keep each indicator's measure and direction
      var y = S.yaml(D, store.get());
      show(y, null);
      var note = box.querySelector(".nz-copy-note"), done = function () { note.textContent = T.copied; }, fail = function () { note.textContent = T.select_copy; };
      try {
        if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(y).then(done, fail); }
        else if (document.execCommand && document.execCommand("copy")) { done(); } else { fail(); }
      } catch (err) { fail(); }
    });
    // a participant's weights as a short code (nexus_zones.decision.encode_weights)
    box.querySelector(".nz-code").addEventListener("click", function () {
      var code = S.weightsCode(D, store.get());
      show(code, T.code_note);
      try { if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(code); } } catch (err) { /* the text stays selected */ }
    });
    function show(text, note) {
      var area = box.querySelector(".nz-yaml");
      area.value = text; area.style.display = "block"; area.select();
      if (note !== null) { box.querySelector(".nz-copy-note").textContent = note; }
    }
    function update(state) {
      box.querySelectorAll("input[data-indicator]").forEach(function (el) { place(el, state.weights[+el.dataset.indicator]); });
      box.querySelectorAll("input[data-pillar]").forEach(function (el) { place(el, state.pillarWeights[+el.dataset.pillar]); });
    }
    function place(el, v) {
      if (parseFloat(el.value) !== v) { el.value = v; }
      el.nextElementSibling.textContent = weightText(D, v);
    }
    return {box: box, update: update};
  }

  var NexusPanel = {outline: outline, render: render, action: action, keyed: keyed, weightText: weightText, mount: mount, OPEN_UP_TO: OPEN_UP_TO};
  if (node) { module.exports = NexusPanel; }
  if (root) { root.NexusPanel = NexusPanel; }
})(this);
