/* nexus_zones page: the one state of the page and the way it changes. The state is
 * {weights, pillarWeights, period, change, view, selection}: the sliders' indicator weights and every
 * node's weight of the model tree (in the payload's order: D.indicators, D.pillars), the period shown
 * (its index, null in a single snapshot), the change view's choice in a study over periods ({a, b,
 * what}: from period a to period b, "rank" or "score"; null in a single snapshot), the view coloured
 * and the unit pinned to the side panel (its index or null). Every change is an action given to
 * dispatch; reduce makes the next state (a new object: a state is never changed in place) and every
 * subscriber is called with it. Everything the page shows is a render of (payload, state).
 * Also here: what the state says of the weights (moved from the config's, as YAML, as a code).
 *
 * Inlined in the page it defines NexusStore; under Node, require() returns it.
 * tests/page/store.test.js checks it; the weight code against nexus_zones.decision.encode_weights. */
(function (root) {
  "use strict";

  /** The state a page opens with: the config's weights, the last period, the change from the first
   * period to the last in rank, the first view. */
  function initial(D) {
    var P = D.periods;
    return {weights: D.indicators.map(function (x) { return x.weight; }), pillarWeights: D.pillars.map(function (p) { return p.weight; }),
            period: P ? P.current : null, change: P ? {a: 0, b: P.names.length - 1, what: "rank"} : null, view: D.views[0].id, selection: null};
  }
  function withValue(list, at, value) { var out = list.slice(); out[at] = value; return out; }
  function copy(state, changes) { return Object.assign({}, state, changes); }
  /** The state after an action: {type: "weight", index, value}, {type: "pillar", index, value},
   * {type: "weights", weights, pillarWeights}, {type: "reset"}, {type: "period", period},
   * {type: "change", a, b, what} (any of the three; a study over periods only), {type: "view", view},
   * {type: "select", unit} (null: none). */
  function reduce(D, state, action) {
    switch (action.type) {
      case "weight": return copy(state, {weights: withValue(state.weights, action.index, number(action.value))});
      case "pillar": return copy(state, {pillarWeights: withValue(state.pillarWeights, action.index, number(action.value))});
      case "weights": return copy(state, {weights: action.weights.map(number), pillarWeights: action.pillarWeights.map(number)});
      case "reset": var first = initial(D); return copy(state, {weights: first.weights, pillarWeights: first.pillarWeights});
      case "period": return copy(state, {period: period(D, action.period)});
      case "change": return copy(state, {change: change(D, state.change, action)});
      case "view": return copy(state, {view: action.view});
      case "select": return copy(state, {selection: action.unit});
      default: throw new Error("unknown action " + JSON.stringify(action.type));
    }
  }
  function period(D, p) {
    if (!D.periods || !(p >= 0 && p < D.periods.names.length && p % 1 === 0)) {
      throw new Error("a period is the index of one of the study's " + (D.periods ? D.periods.names.length : 0) + " periods; got " + JSON.stringify(p));
    }
    return p;
  }
  /** The change view's choice after an action naming any of a, b (periods), what ("rank" or "score"). */
  function change(D, was, action) {
    if (!D.periods) { throw new Error("the change view needs a study over periods; this page shows one snapshot"); }
    var next = {a: action.a === undefined ? was.a : period(D, action.a), b: action.b === undefined ? was.b : period(D, action.b),
                what: action.what === undefined ? was.what : action.what};
    if (next.what !== "rank" && next.what !== "score") { throw new Error('the change view shows "rank" or "score"; got ' + JSON.stringify(next.what)); }
    return next;
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
