/* nexus_zones map page, studies over several periods: a period control switching every view (the
 * normalised values, rules, colours and popups of the chosen period; the legends stay those of all
 * periods pooled), a change view (rank or score change between two chosen periods) and each unit's
 * trajectory in its popup; the point layers show the chosen period's points. The weight sliders
 * recompute every period with NexusKernel. The chosen period and the change view's choice are the
 * store's (store.js: state.period, state.change): the controls only dispatch; on each new state the
 * page's refresh() calls this module's hook, which sets the period's colours and points and
 * renders the change view, the trajectories and the period control from the state.
 * nexus_zones.maps inlines it after app.js and calls nexusZonesPeriods(window.nexusZones). */
function nexusZonesPeriods(api) {
  "use strict";
  var D = api.data, P = D.periods;
  if (!P) { return; }
  var units = api.units, state = api.state, T = P.text, store = api.store;
  var all = [], shownPeriod = null;

  function evaluateAll() {
    return P.names.map(function (name, p) {
      return NexusKernel.evaluate(api.model, {norm: P.norm[p], eligible: P.eligible[p], failed: P.failed[p], regions: api.inputs.regions},
                                  state.weights, state.pillarWeights);
    });
  }
  function fmt(s) { return s === null ? "–" : NexusFormat.fixed(s, D.number_format, 1); }
  function rk(r) { return r === null ? "–" : String(r); }
  function delta(i, c) {
    var a = all[c.a], b = all[c.b];
    if (c.what === "rank") { return a.rank[i] === null || b.rank[i] === null ? null : a.rank[i] - b.rank[i]; }
    return a.scores[i] === null || b.scores[i] === null ? null : b.scores[i] - a.scores[i];
  }
  function limit(c) { return c.what === "rank" ? P.rank_limit : P.score_limit; }
  function changeColour(i, c) {
    var d = delta(i, c);
    return NexusKernel.colour(d === null ? null : (Math.max(-1, Math.min(1, d / limit(c))) + 1) / 2, 0, P.diverging, D.no_data);
  }
  function changeLegend(c) {
    var title = (c.what === "rank" ? T.legend_rank : T.legend_score).replace("{a}", P.labels[c.a]).replace("{b}", P.labels[c.b]);
    var missing = units.some(function (u, i) { return delta(i, c) === null; });
    return '<div class="nz-legend-title">' + title + '</div><div class="nz-ramp" style="background:linear-gradient(to right, ' +
      P.diverging.join(", ") + ')"></div><div class="nz-ramp-labels"><span>−' + limit(c) + "</span><span>0</span><span>+" + limit(c) +
      "</span></div>" + (missing ? '<div><span class="nz-sw" style="background:' + D.no_data + '"></span> ' + T.no_data + "</div>" : "");
  }
  function trajectory(i, chosen) {
    var h = '<div class="nz-trajectory"><b>' + T.trajectory + "</b><table><tr><th>" + T.period + "</th><th>" + T.score + "</th><th>" +
      T.rank + "</th><th>" + T.region_rank + "</th></tr>";
    P.names.forEach(function (name, p) {
      h += "<tr" + (p === chosen ? ' class="nz-now"' : "") + ' data-period="' + name + '"><td>' + P.labels[p] + "</td><td>" + fmt(all[p].scores[i]) +
        "</td><td>" + rk(all[p].rank[i]) + "</td><td>" + rk(all[p].regionRank[i]) + "</td></tr>";
    });
    return h + "</table></div>";
  }
  /** The units' colours of the views the weights do not change and the points, as the state's
   * period gives them (once per period; the kernel's inputs come from render.inputs(D, state)). */
  function usePeriod(p) {
    if (p === shownPeriod) { return; }
    shownPeriod = p;
    units.forEach(function (u, i) {
      u.properties.failed = P.failed[p][i];
      Object.keys(P.colours[p]).forEach(function (v) { u.properties["_c_" + v] = P.colours[p][v][i]; });
      u.properties.config_rank = P.config_rank[p][i];
    });
    api.showPointsOf(p);
  }
  // before the page's renders of each state (api.refresh): every period at the sliders' weights
  api.hooks.push(function () {
    var s = store.get(), c = s.change;
    usePeriod(s.period);
    all = evaluateAll();
    units.forEach(function (u, i) {
      u.properties.popup = P.popup[s.period][i];
      u.properties.trajectory = trajectory(i, s.period);
      u.properties._c_change = changeColour(i, c);
    });
    api.legends.change = changeLegend(c);
    if (box) { controls(s); }
  });

  var control = L.control({position: "bottomright"});
  var box = null;
  control.onAdd = function () {
    var d = L.DomUtil.create("div", "nz-periods"), s = store.get();
    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
    function options(sel) {
      return P.names.map(function (n, p) { return '<option value="' + p + '"' + (p === sel ? " selected" : "") + ">" + P.labels[p] + "</option>"; }).join("");
    }
    d.innerHTML = '<label><b>' + T.period + '</b> <select class="nz-period">' + options(s.period) + "</select></label>" +
      '<div class="nz-change"><span>' + T.change + '</span> <select class="nz-change-a">' + options(s.change.a) + '</select> → <select class="nz-change-b">' +
      options(s.change.b) + '</select> <select class="nz-change-what"><option value="rank">' + T.rank_word + '</option><option value="score">' +
      T.score_word + "</option></select></div>";
    return d;
  };
  control.addTo(api.map);
  box = control.getContainer();
  /** The period control at the state's choices. */
  function controls(s) {
    box.setAttribute("data-period", P.names[s.period]);
    [[".nz-period", s.period], [".nz-change-a", s.change.a], [".nz-change-b", s.change.b], [".nz-change-what", s.change.what]].forEach(function (c) {
      var el = box.querySelector(c[0]);
      if (el.value !== String(c[1])) { el.value = String(c[1]); }
    });
  }
  box.querySelector(".nz-period").addEventListener("change", function (e) { store.dispatch({type: "period", period: +e.target.value}); });
  box.querySelector(".nz-change-a").addEventListener("change", function (e) { store.dispatch({type: "change", a: +e.target.value}); });
  box.querySelector(".nz-change-b").addEventListener("change", function (e) { store.dispatch({type: "change", b: +e.target.value}); });
  box.querySelector(".nz-change-what").addEventListener("change", function (e) { store.dispatch({type: "change", what: e.target.value}); });
  api.refresh();
  api.periods = {set: function (p) { store.dispatch({type: "period", period: p}); }, chosen: function () { return store.get().period; },
                 all: function () { return all; },
                 pair: function (a, b, w) { store.dispatch({type: "change", a: a, b: b, what: w}); }};
}
