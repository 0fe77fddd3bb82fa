/* nexus_zones page: the one state of the page and the way it changes. The state is
 * {weights, pillarWeights, period, view, selection}: the sliders' indicator and pillar weights (in
 * the payload's order), the period shown (its index, null in a single snapshot), the view coloured
 * and the unit pinned to the side panel (its index or null). Every change is an action given to
 * dispatch; reduce makes the next state (a new object: a state is never changed in place) and every
 * subscriber is called with it. Everything the page shows is a render of (payload, state).
 * Also here: what the state says of the weights (moved from the config's, as YAML, as a code).
 *
 * Inlined in the page it defines NexusStore; under Node, require() returns it.
 * tests/page/store.test.js checks it; the weight code against nexus_zones.decision.encode_weights. */
(function (root) {
  "use strict";

  /** The state a page opens with: the config's weights, the last period, the first view. */
  function initial(D) {
    return {weights: D.indicators.map(function (x) { return x.weight; }), pillarWeights: D.pillars.map(function (p) { return p.weight; }),
            period: D.periods ? D.periods.current : null, view: D.views[0].id, selection: null};
  }
  function withValue(list, at, value) { var out = list.slice(); out[at] = value; return out; }
  function copy(state, changes) { return Object.assign({}, state, changes); }
  /** The state after an action: {type: "weight", index, value}, {type: "pillar", index, value},
   * {type: "weights", weights, pillarWeights}, {type: "reset"}, {type: "period", period},
   * {type: "view", view}, {type: "select", unit} (null: none). */
  function reduce(D, state, action) {
    switch (action.type) {
      case "weight": return copy(state, {weights: withValue(state.weights, action.index, number(action.value))});
      case "pillar": return copy(state, {pillarWeights: withValue(state.pillarWeights, action.index, number(action.value))});
      case "weights": return copy(state, {weights: action.weights.map(number), pillarWeights: action.pillarWeights.map(number)});
      case "reset": var first = initial(D); return copy(state, {weights: first.weights, pillarWeights: first.pillarWeights});
      case "period": return copy(state, {period: action.period});
      case "view": return copy(state, {view: action.view});
      case "select": return copy(state, {selection: action.unit});
      default: throw new Error("unknown action " + JSON.stringify(action.type));
    }
  }
  function number(v) {
    var x = typeof v === "number" ? v : parseFloat(v);
    if (!isFinite(x) || x < 0) { throw new Error("a weight must be a finite number >= 0; got " + JSON.stringify(v)); }
    return x;
  }
  /** A store of one state: get, dispatch(action), subscribe(fn) (fn(state) after every dispatch). */
  function create(D) {
    var state = initial(D), subscribers = [];
    return {
      get: function () { return state; },
      dispatch: function (action) {
        state = reduce(D, state, action);
        subscribers.forEach(function (fn) { fn(state); });
        return state;
      },
      subscribe: function (fn) { subscribers.push(fn); }
    };
  }

  /** Whether the sliders are away from the config's weights. */
  function moved(D, state) {
    return D.indicators.some(function (x, k) { return state.weights[k] !== x.weight; }) ||
      D.pillars.some(function (p, j) { return state.pillarWeights[j] !== p.weight; });
  }
  function rounded(v) { return Math.round(v * 10000) / 10000; }
  /** A weight as the YAML and the code write it (4 decimals at most). */
  function weightText(v) { return String(rounded(v)); }
  /** The weights as top-level override keys of a config (nexus_zones.config: weights, pillar_weights). */
  function yaml(D, state) {
    var y = "weights:\n";
    D.indicators.forEach(function (x, k) { y += "  " + x.id + ": " + weightText(state.weights[k]) + "\n"; });
    if (D.pillars.length) {
      y += "pillar_weights:\n";
      D.pillars.forEach(function (p, j) { y += "  " + p.id + ": " + weightText(state.pillarWeights[j]) + "\n"; });
    }
    return y;
  }
  /** The weights as a short code (nexus_zones.decision.encode_weights): "nz1." + base64url of the JSON. */
  function weightsCode(D, state) {
    var body = {w: {}};
    D.indicators.forEach(function (x, k) { body.w[x.id] = rounded(state.weights[k]); });
    if (D.pillars.length) { body.p = {}; D.pillars.forEach(function (p, j) { body.p[p.id] = rounded(state.pillarWeights[j]); }); }
    var bytes = new TextEncoder().encode(JSON.stringify(body)), bin = "";
    bytes.forEach(function (b) { bin += String.fromCharCode(b); });
    return "nz1." + btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  var NexusStore = {initial: initial, reduce: reduce, create: create, moved: moved, yaml: yaml, weightsCode: weightsCode, weightText: weightText};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusStore; }
  if (root) { root.NexusStore = NexusStore; }
})(this);
