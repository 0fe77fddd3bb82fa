/* nexus_zones map page: views and legends, popups, tooltips and side panel, weight sliders, ranking
 * table, basemap from our own data, point layers. The scoring arithmetic is NexusKernel's (kernel.js,
 * inlined before this file); nexus_zones.maps inlines both and calls nexusZonesApp(map, D, overlays)
 * with the Leaflet map, the page's data and the [label, layer] overlays Folium made (map tiles). */
function nexusZonesApp(map, D, overlays) {
  "use strict";
  var T = D.text;
  var units = D.units.features;
  // the geometry comes as one shared-arc topology (topology.js): decoded once, into the units' features
  var arcs = NexusTopology.decodeArcs(D.topology);
  NexusTopology.geometries(D.topology, "units", arcs).forEach(function (g, i) { units[i].geometry = g; });
  // the kernel's inputs that do not change with the weights
  var model = {aggregation: D.aggregation, pillars: D.pillars, geometric_floor: D.geometric_floor, tie_tolerance: D.tie_tolerance};
  var inputs = {norm: units.map(function (u) { return u.properties.norm; }),
                eligible: units.map(function (u) { return u.properties.eligible; }),
                regions: units.map(function (u) { return u.properties.region_key; })};

  // ------------------------------------------------------------------------------------ state
  var state = {weights: D.indicators.map(function (x) { return x.weight; }),
               pillarWeights: D.pillars.map(function (p) { return p.weight; }), scores: [], rank: [], regionRank: []};
  function recompute() {
    var r = NexusKernel.evaluate(model, inputs, state.weights, state.pillarWeights);
    state.scores = r.scores; state.rank = r.rank; state.regionRank = r.regionRank;
    units.forEach(function (u, i) {
      u.properties._c_score = NexusKernel.colour(state.scores[i] === null ? null : state.scores[i] / 100, D.classes, D.palette, D.no_data);
    });
  }

  // ------------------------------------------------------------------------- the units layer
  var current = D.views[0].id;
  var base = {color: "#444", weight: 1, opacity: 1, fillOpacity: 0.8};
  function styleFor(feature) { return Object.assign({}, base, {fillColor: feature.properties["_c_" + current]}); }
  function fmtScore(s) { return s === null ? "–" : (D.language === "fr" ? s.toFixed(1).replace(".", ",") : s.toFixed(1)); }
  function rankText(r) { return r === null ? T.not_ranked : String(r); }
  function indexOf(feature) { return units.indexOf(feature); }
  function header(i) {
    var p = units[i].properties;
    return "<h4>" + p.name + " <small>" + p.unit_id + (p.region ? " · " + p.region : "") + "</small></h4><p><b>" +
      T.score_line.replace("{score}", fmtScore(state.scores[i])).replace("{rank}", rankText(state.rank[i]))
        .replace("{ranked}", String(state.rank.filter(function (r) { return r !== null; }).length))
        .replace("{region_rank}", rankText(state.regionRank[i])) + "</b></p>";
  }
  function popupHtml(i, pinned) {
    var pin = pinned ? "" : '<button type="button" class="nz-pin" data-unit="' + i + '">' + T.pin + "</button>";
    return '<div class="nz-popup">' + header(i) + pin + units[i].properties.popup + "</div>";
  }
  function tooltipHtml(i) {
    var p = units[i].properties;
    return "<table><tr><th>" + T.unit + "</th><td>" + p.name + "</td></tr><tr><th>" + T.score_short + "</th><td>" + fmtScore(state.scores[i]) +
      "</td></tr><tr><th>" + T.rank + "</th><td>" + rankText(state.rank[i]) + "</td></tr><tr><th>" + T.region_rank + "</th><td>" +
      rankText(state.regionRank[i]) + "</td></tr></table>";
  }
  recompute();
  var geo = L.geoJSON(D.units, {style: styleFor, onEachFeature: function (feature, layer) {
    layer.bindTooltip(function () { return tooltipHtml(indexOf(feature)); }, {sticky: true});
    // pan so that the popup opens clear of the title box (top left) and the layer control (right)
    layer.bindPopup(function () { return popupHtml(indexOf(feature), false); },
                    {maxWidth: 480, maxHeight: 380, autoPanPaddingTopLeft: L.point(10, 240), autoPanPaddingBottomRight: L.point(400, 10)});
  }}).addTo(map);
  map.on("popupopen", function (e) {
    var button = e.popup.getElement().querySelector(".nz-pin");
    if (button) { button.onclick = function () { showSide(+button.dataset.unit); map.closePopup(); }; }
  });
  geo.on("mouseover", function (e) { e.layer.setStyle({weight: 3, color: "#111"}); e.layer.bringToFront(); });
  geo.on("mouseout", function (e) { geo.resetStyle(e.layer); });

  // ------------------------------------------------------------------ basemap from our data
  var outlines = L.layerGroup();
  D.basemap.regions.forEach(function (r) {
    L.geoJSON(NexusTopology.geometry(arcs, r.outline), {interactive: false, style: {color: "#333", weight: 2.5, opacity: 0.9, fill: false}}).addTo(outlines);
    L.marker(r.at, {interactive: false, keyboard: false, icon: L.divIcon({className: "nz-region-label", html: r.label, iconSize: null})}).addTo(outlines);
  });
  var unitLabels = L.layerGroup();
  D.basemap.unit_labels.forEach(function (u) {
    L.marker(u.at, {interactive: false, keyboard: false, icon: L.divIcon({className: "nz-label", html: u.label, iconSize: null})}).addTo(unitLabels);
  });
  outlines.addTo(map); unitLabels.addTo(map);

  // -------------------------------------------------------------------------- top k outlined
  var topK = L.layerGroup().addTo(map);
  function outlineTop() {
    topK.clearLayers();
    units.forEach(function (u, i) {
      if (state.rank[i] !== null && state.rank[i] <= D.top_k) {
        L.geoJSON(u, {interactive: false, style: {color: "#000", weight: 3.5, dashArray: "6 4", fill: false}}).addTo(topK);
      }
    });
  }

  // ------------------------------------------------------------------------------ point layers
  var pointLayers = {};
  D.points.forEach(function (layer) {
    var group = L.markerClusterGroup ? L.markerClusterGroup({showCoverageOnHover: false}) : L.layerGroup();
    layer.points.forEach(function (p) {
      var m = L.circleMarker([p[0], p[1]], {radius: 5, color: "#7a0177", weight: 1, fillColor: "#c51b8a", fillOpacity: 0.8});
      if (p[2]) { m.bindTooltip(p[2]); }
      group.addLayer(m);
    });
    pointLayers[layer.label] = group;
  });

  // ------------------------------------------------------------------------- views and legends
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () { this._div = L.DomUtil.create("div", "nz-legend"); return this._div; };
  legend.addTo(map);
  var legends = {};
  function show(id) {
    current = id;
    geo.setStyle(styleFor);
    legend._div.innerHTML = legends[id];
    legend._div.setAttribute("data-view", id);
  }
  var control = L.control.layers(null, null, {collapsed: false, position: "topright"});
  var idByStamp = {}, viewGroups = {};
  D.views.forEach(function (v) {
    // added one by one so that two views may share a label; found back by layer, not by name
    legends[v.id] = v.legend;
    viewGroups[v.id] = L.layerGroup();
    idByStamp[L.stamp(viewGroups[v.id])] = v.id;
    control.addBaseLayer(viewGroups[v.id], v.label);
  });
  overlays.forEach(function (o) { control.addOverlay(o[1], o[0]); });
  control.addOverlay(outlines, T.outlines);
  if (D.basemap.unit_labels.length) { control.addOverlay(unitLabels, T.unit_names); }
  control.addOverlay(topK, T.top_k);
  Object.keys(pointLayers).forEach(function (label) { control.addOverlay(pointLayers[label], label); });
  control.addTo(map);
  map.on("baselayerchange", function (e) { show(idByStamp[L.stamp(e.layer)]); });
  viewGroups[D.views[0].id].addTo(map);
  show(D.views[0].id);

  // ------------------------------------------------------------------------------ title box
  var title = L.control({position: "topleft"});
  title.onAdd = function () { var d = L.DomUtil.create("div", "nz-title"); d.innerHTML = D.title_html; return d; };
  title.addTo(map);

  // ------------------------------------------------------------------------------ side panel
  var side = L.control({position: "topleft"});
  side.onAdd = function () {
    var d = L.DomUtil.create("div", "nz-side"); L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d); return d;
  };
  side.addTo(map);
  var sideUnit = null;
  function showSide(i) {
    sideUnit = i;
    side.getContainer().innerHTML = '<button class="nz-close" title="×">×</button>' + popupHtml(i, true);
    side.getContainer().style.display = "block";
    side.getContainer().querySelector(".nz-close").onclick = function () { side.getContainer().style.display = "none"; sideUnit = null; };
  }

  // ---------------------------------------------------------------------- weights and ranking
  function number(v) { return String(Math.round(v * 10000) / 10000); }
  var panel = L.control({position: "bottomleft"});
  panel.onAdd = function () {
    var d = L.DomUtil.create("div", "nz-panel");
    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
    var h = '<details class="nz-weights"><summary>' + T.weights_panel + "</summary>";
    // step "any": the configured weights (AHP ones included) are kept exactly until a slider moves
    D.pillars.forEach(function (p, j) {
      h += '<label><span>' + T.pillar + ": " + p.label + '</span><input type="range" min="0" max="' + p.max + '" step="any"' +
        ' value="' + p.weight + '" data-pillar="' + j + '"> <output>' + number(p.weight) + "</output></label>";
    });
    D.indicators.forEach(function (x, k) {
      h += '<label><span>' + x.label + '</span><input type="range" min="0" max="' + x.max + '" step="any" value="' + x.weight +
        '" data-indicator="' + k + '"> <output>' + number(x.weight) + "</output></label>";
    });
    h += '<button type="button" class="nz-reset">' + T.reset + '</button><button type="button" class="nz-copy">' + T.copy_yaml +
      '</button><div class="nz-copy-note"></div><textarea class="nz-yaml" readonly></textarea></details>';
    h += '<details class="nz-ranking-box"><summary>' + T.ranking + '</summary><div class="nz-ranking"></div></details>';
    d.innerHTML = h;
    return d;
  };
  panel.addTo(map);
  var box = panel.getContainer();
  function table() {
    var order = units.map(function (u, i) { return i; }).sort(function (a, b) {
      var ra = state.rank[a] === null ? Infinity : state.rank[a], rb = state.rank[b] === null ? Infinity : state.rank[b];
      if (ra !== rb) { return ra - rb; }
      return (state.scores[b] === null ? -1 : state.scores[b]) - (state.scores[a] === null ? -1 : state.scores[a]);
    });
    var h = "<table><tr><th>" + T.rank + "</th><th>" + T.name + "</th><th>" + T.region + "</th><th>" + T.score + "</th><th></th></tr>";
    order.forEach(function (i) {
      var p = units[i].properties, was = p.config_rank, now = state.rank[i], move = "";
      if (was !== null && now !== null && was !== now) {
        move = '<span class="' + (now < was ? "nz-moved-up" : "nz-moved-down") + '">' + (now < was ? "▲" : "▼") + Math.abs(was - now) + "</span>";
      }
      h += '<tr data-unit="' + p.unit_id + '"><td class="nz-r">' + rankText(now) + "</td><td>" + p.name + "</td><td>" + p.region +
        '</td><td class="nz-s">' + fmtScore(state.scores[i]) + "</td><td>" + move + "</td></tr>";
    });
    box.querySelector(".nz-ranking").innerHTML = h + "</table>";
  }
  var hooks = [];  // called after each recomputation (periods.js: other periods, change view, trajectories)
  function refresh() {
    recompute();
    hooks.forEach(function (h) { h(); });
    if (current === "score") { geo.setStyle(styleFor); }
    outlineTop();
    table();
    if (sideUnit !== null) { showSide(sideUnit); }
  }
  function readSliders() {
    box.querySelectorAll("input[data-indicator]").forEach(function (s) {
      state.weights[+s.dataset.indicator] = parseFloat(s.value); s.nextElementSibling.textContent = number(parseFloat(s.value));
    });
    box.querySelectorAll("input[data-pillar]").forEach(function (s) {
      state.pillarWeights[+s.dataset.pillar] = parseFloat(s.value); s.nextElementSibling.textContent = number(parseFloat(s.value));
    });
  }
  box.querySelectorAll("input[type=range]").forEach(function (s) { s.addEventListener("input", function () { readSliders(); refresh(); }); });
  box.querySelector(".nz-reset").addEventListener("click", function () {
    box.querySelectorAll("input[data-indicator]").forEach(function (s) { s.value = D.indicators[+s.dataset.indicator].weight; });
    box.querySelectorAll("input[data-pillar]").forEach(function (s) { s.value = D.pillars[+s.dataset.pillar].weight; });
    readSliders(); refresh();
  });
  box.querySelector(".nz-copy").addEventListener("click", function () {
    var y = "indicators:\n";
    D.indicators.forEach(function (x, k) { y += "  " + x.id + ":\n    weight: " + number(state.weights[k]) + "\n"; });
    if (D.pillars.length) {
      y += "model:\n  pillars:\n";
      D.pillars.forEach(function (p, j) { y += "    " + p.id + ":\n      weight: " + number(state.pillarWeights[j]) + "\n"; });
    }
    var area = box.querySelector(".nz-yaml"), note = box.querySelector(".nz-copy-note");
    area.value = y; area.style.display = "block"; area.select();
    var done = function () { note.textContent = T.copied; }, fail = function () { note.textContent = T.select_copy; };
    try {
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(y).then(done, fail); }
      else if (document.execCommand && document.execCommand("copy")) { done(); } else { fail(); }
    } catch (err) { fail(); }
  });
  refresh();

  window.nexusZones = {map: map, geo: geo, state: state, data: D, units: units, inputs: inputs, model: model, hooks: hooks, refresh: refresh,
    show: show, legends: legends, view: function () { return current; }, setWeights: function (w, pw) {
    box.querySelectorAll("input[data-indicator]").forEach(function (s) { if (w && w[D.indicators[+s.dataset.indicator].id] !== undefined) { s.value = w[D.indicators[+s.dataset.indicator].id]; } });
    box.querySelectorAll("input[data-pillar]").forEach(function (s) { if (pw && pw[D.pillars[+s.dataset.pillar].id] !== undefined) { s.value = pw[D.pillars[+s.dataset.pillar].id]; } });
    readSliders(); refresh();
  }};
}
