/* nexus_zones map page, studies over several periods: a period control switching every view (the
 * normalised values, rules, colours and popups of the chosen period; the legends stay those of all
 * periods pooled), a change view (rank or score change between two chosen periods) and each unit's
 * trajectory in its popup; the point layers show the chosen period's points. The weight sliders
 * recompute every period with NexusKernel. The chosen period is the store's (store.js): choosing
 * one swaps the kernel's inputs to that period's, then dispatches it.
 * nexus_zones.maps inlines it after app.js and calls nexusZonesPeriods(window.nexusZones). */
function nexusZonesPeriods(api) {
  "use strict";
  var D = api.data, P = D.periods;
  if (!P) { return; }
  var units = api.units, state = api.state, T = P.text;
  var chosen = P.current, pairA = 0, pairB = P.names.length - 1, what = "rank", all = [];

  function fill(target, source) { target.length = 0; source.forEach(function (x) { target.push(x); }); }
  function evaluateAll() {
    return P.names.map(function (name, p) {
      return NexusKernel.evaluate(api.model, {norm: P.norm[p], eligible: P.eligible[p], failed: P.failed[p], regions: api.inputs.regions},
                                  state.weights, state.pillarWeights);
    });
  }
  function fmt(s) { return s === null ? "–" : NexusFormat.fixed(s, D.number_format, 1); }
  function rk(r) { return r === null ? "–" : String(r); }
  function delta(i) {
    var a = all[pairA], b = all[pairB];
    if (what === "rank") { return a.rank[i] === null || b.rank[i] === null ? null : a.rank[i] - b.rank[i]; }
    return a.scores[i] === null || b.scores[i] === null ? null : b.scores[i] - a.scores[i];
  }
  function limit() { return what === "rank" ? P.rank_limit : P.score_limit; }
  function changeColour(i) {
    var d = delta(i);
    return NexusKernel.colour(d === null ? null : (Math.max(-1, Math.min(1, d / limit())) + 1) / 2, 0, P.diverging, D.no_data);
  }
  function changeLegend() {
    var title = (what === "rank" ? T.legend_rank : T.legend_score).replace("{a}", P.labels[pairA]).replace("{b}", P.labels[pairB]);
    var missing = units.some(function (u, i) { return delta(i) === null; });
    return '<div class="nz-legend-title">' + title + '</div><div class="nz-ramp" style="background:linear-gradient(to right, ' +
      P.diverging.join(", ") + ')"></div><div class="nz-ramp-labels"><span>−' + limit() + "</span><span>0</span><span>+" + limit() +
      "</span></div>" + (missing ? '<div><span class="nz-sw" style="background:' + D.no_data + '"></span> ' + T.no_data + "</div>" : "");
  }
  function trajectory(i) {
    var h = '<div class="nz-trajectory"><b>' + T.trajectory + "</b><table><tr><th>" + T.period + "</th><th>" + T.score + "</th><th>" +
      T.rank + "</th><th>" + T.region_rank + "</th></tr>";
    P.names.forEach(function (name, p) {
      h += "<tr" + (p === chosen ? ' class="nz-now"' : "") + ' data-period="' + name + '"><td>' + P.labels[p] + "</td><td>" + fmt(all[p].scores[i]) +
        "</td><td>" + rk(all[p].rank[i]) + "</td><td>" + rk(all[p].regionRank[i]) + "</td></tr>";
    });
    return h + "</table></div>";
  }
  api.hooks.push(function () {
    all = evaluateAll();
    units.forEach(function (u, i) {
      u.properties.popup = P.popup[chosen][i];
      u.properties.trajectory = trajectory(i);
      u.properties._c_change = changeColour(i);
    });
    api.legends.change = changeLegend();
    if (api.view() === "change") { api.show("change"); }
  });
  function setPeriod(p) {
    chosen = p;
    fill(api.inputs.norm, P.norm[p]);
    fill(api.inputs.eligible, P.eligible[p]);
    fill(api.inputs.failed, P.failed[p]);  // the rules failed in this period (ranking panel, failing_units "last")
    units.forEach(function (u, i) {
      u.properties.failed = P.failed[p][i];
      u.properties.popup = P.popup[p][i];
      Object.keys(P.colours[p]).forEach(function (v) { u.properties["_c_" + v] = P.colours[p][v][i]; });
      u.properties.config_rank = P.config_rank[p][i];
    });
    api.showPointsOf(p);
    api.store.dispatch({type: "period", period: p});
    box.setAttribute("data-period", P.names[p]);
  }

  var control = L.control({position: "bottomright"});
  var box;
  control.onAdd = function () {
    box = L.DomUtil.create("div", "nz-periods");
    L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
    function options(sel) {
      return P.names.map(function (n, p) { return '<option value="' + p + '"' + (p === sel ? " selected" : "") + ">" + P.labels[p] + "</option>"; }).join("");
    }
    box.innerHTML = '<label><b>' + T.period + '</b> <select class="nz-period">' + options(chosen) + "</select></label>" +
      '<div class="nz-change"><span>' + T.change + '</span> <select class="nz-change-a">' + options(pairA) + '</select> → <select class="nz-change-b">' +
      options(pairB) + '</select> <select class="nz-change-what"><option value="rank">' + T.rank_word + '</option><option value="score">' +
      T.score_word + "</option></select></div>";
    return box;
  };
  control.addTo(api.map);
  box.querySelector(".nz-period").addEventListener("change", function (e) { setPeriod(+e.target.value); });
  box.querySelector(".nz-change-a").addEventListener("change", function (e) { pairA = +e.target.value; api.refresh(); });
  box.querySelector(".nz-change-b").addEventListener("change", function (e) { pairB = +e.target.value; api.refresh(); });
  box.querySelector(".nz-change-what").addEventListener("change", function (e) { what = e.target.value; api.refresh(); });
  setPeriod(chosen);
  api.periods = {set: setPeriod, chosen: function () { return chosen; }, all: function () { return all; },
                 pair: function (a, b, w) { pairA = a; pairB = b; what = w || what; api.refresh(); }};
}
