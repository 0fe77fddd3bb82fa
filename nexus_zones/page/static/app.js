/* nexus_zones map page: the DOM glue of the map itself. The page's one state lives in a store
 * (store.js): the layer control, the pin button, the weights panel (panel.js) and the period control
 * (periods.js) only dispatch actions; on every new state refresh() puts in the page what render.js
 * renders of (payload, state): colours, legend, ranking, popup and side panel (points, bars, why
 * sentences, rank band), the rules line, the sliders' places. Here: the units' layer, views and
 * legends, the title box, the side panel, popups kept clear of the controls; the basemap and its
 * labels are labels.js', the point layers points.js'. nexus_zones.maps inlines the modules before
 * this file and calls nexusZonesApp(map, D, overlays) with the Leaflet map, the page's data and the
 * [label, layer] overlays Folium made (map tiles). */
function nexusZonesApp(map, D, overlays) {
  "use strict";
  var T = D.text;
  // the units come as columns (nexus_zones.maps._units): made here into GeoJSON features
  var U = D.units;
  var units = U.id.map(function (id, i) {
    var props = {unit_id: id, name: U.name[i], region: U.regions[U.region[i]], region_key: U.region[i],
                 config_rank: U.config_rank[i], eligible: U.eligible[i], failed: U.failed[i], norm: U.norm[i], popup: U.popup[i]};
    Object.keys(U.colours).forEach(function (v) { props["_c_" + v] = U.colours[v].of[U.colours[v].i[i]]; });
    return {type: "Feature", id: id, properties: props, geometry: null};
  });
  // the geometry comes as one shared-arc topology (topology.js): decoded once, into the units' features
  var arcs = NexusTopology.decodeArcs(D.topology);
  NexusTopology.geometries(D.topology, "units", arcs).forEach(function (g, i) { units[i].geometry = g; });
  // the kernel's model (read by periods.js)
  var model = {aggregation: D.aggregation, pillars: D.pillars, tree: D.tree, geometric_floor: D.geometric_floor, tie_tolerance: D.tie_tolerance,
               failing_units: D.failing_units};

  // ------------------------------------------------------------------------------------ state
  // the store holds the state; X is what render.derive computed of the last one. `state` (the
  // weights, scores, ranks, region ranks and every node's values) and `inputs` (the kernel's inputs
  // of the period shown) are the same, for periods.js and the tests
  var store = NexusStore.create(D), X = null;
  var state = {weights: [], pillarWeights: [], scores: [], rank: [], regionRank: [], nodes: {}}, inputs = {};
  function recompute() {
    var s = store.get();
    X = NexusRender.derive(D, NexusRender.inputs(D, s), s);
    Object.assign(inputs, X.inputs);
    Object.assign(state, {weights: s.weights, pillarWeights: s.pillarWeights, scores: X.scores, rank: X.rank, regionRank: X.regionRank, nodes: X.nodes});
    var colours = NexusRender.colours(D, X);
    units.forEach(function (u, i) {
      u.properties._c_score = colours.score[i];
      if (D.region_rank_classes) { u.properties._c_region_rank = colours.region_rank[i]; }
      Object.keys(colours).forEach(function (v) { if (v.indexOf("node_") === 0) { u.properties["_c_" + v] = colours[v][i]; } });
    });
  }

  // ------------------------------------------------------------------------- the units layer
  var current = D.views[0].id;
  var base = {color: "#444", weight: 1, opacity: 1, fillOpacity: 0.8};
  function styleFor(feature) { return Object.assign({}, base, {fillColor: feature.properties["_c_" + current]}); }
  function indexOf(feature) { return units.indexOf(feature); }
  // periods.js adds a unit's trajectory to its popup
  function popupHtml(i, pinned) { return NexusRender.popup(D, X, i, pinned, units[i].properties.trajectory); }
  function popupBody(i) { return NexusPopup.render(D.popup, X.inputs.popup[i], X.inputs.norm[i], X.eff, X.moved) + NexusRender.treePath(D, X, i) + (units[i].properties.trajectory || ""); }
  function tooltipHtml(i) { return NexusRender.tooltip(D, X, i); }
  recompute();
  // ------------------------------------------------------------- room left by the controls
  /** Pixels taken by the controls along each side of the map: the widest control of the left
   * corners, of the right corners, the tallest stack of the top corners and of the bottom ones. */
  function controlsPadding() {
    var box = map.getContainer().getBoundingClientRect(), pad = {left: 0, right: 0, top: 0, bottom: 0};
    Object.keys(map._controlCorners).forEach(function (corner) {
      Array.prototype.forEach.call(map._controlCorners[corner].children, function (el) {
        var r = el.getBoundingClientRect();
        if (!r.width || !r.height) { return; }
        if (corner.indexOf("left") >= 0) { pad.left = Math.max(pad.left, r.right - box.left); }
        else { pad.right = Math.max(pad.right, box.right - r.left); }
        if (corner.indexOf("top") === 0) { pad.top = Math.max(pad.top, r.bottom - box.top); }
        else { pad.bottom = Math.max(pad.bottom, box.bottom - r.top); }
      });
    });
    return pad;
  }
  /** Before a popup opens: pan it clear of every control, and keep it short enough to fit between them. */
  function placePopup(popup) {
    var pad = controlsPadding(), room = map.getSize().y - pad.top - pad.bottom - 20;
    popup.options.autoPanPaddingTopLeft = L.point(pad.left + 8, pad.top + 8);
    popup.options.autoPanPaddingBottomRight = L.point(pad.right + 8, pad.bottom + 8);
    popup.options.maxHeight = Math.max(120, Math.min(380, room - 70));
  }

  var openUnit = null;
  var geo = L.geoJSON({type: "FeatureCollection", features: units}, {style: styleFor, onEachFeature: function (feature, layer) {
    layer.bindTooltip(function () { return tooltipHtml(indexOf(feature)); }, {sticky: true});
    layer.bindPopup(function () { placePopup(layer.getPopup()); return popupHtml(indexOf(feature), false); }, {maxWidth: 480, maxHeight: 380});
  }}).addTo(map);
  map.on("popupopen", function (e) {
    openUnit = e.popup._source && e.popup._source.feature ? indexOf(e.popup._source.feature) : null;
    var button = e.popup.getElement().querySelector(".nz-pin");
    if (button) { button.onclick = function () { showSide(+button.dataset.unit); map.closePopup(); }; }
  });
  map.on("popupclose", function () { openUnit = null; });
  geo.on("mouseover", function (e) {
    e.layer.setStyle({weight: 3, color: "#111"}); e.layer.bringToFront();
    basemap.hover(indexOf(e.layer.feature));
  });
  geo.on("mouseout", function (e) { geo.resetStyle(e.layer); basemap.hover(null); });

  // ------------------------------------------------------- basemap and labels (labels.js)
  var basemap = NexusLabels.create(map, D, arcs, units, function (i) { return state.rank[i]; }), placeLabels = basemap.placeLabels;

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

  // ------------------------------------------------------------------ point layers (points.js)
  var points = NexusPoints.create(D);

  // ------------------------------------------------------------------------- views and legends
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () { this._div = L.DomUtil.create("div", "nz-legend"); return this._div; };
  legend.addTo(map);
  var legends = {};  // each view's legend as sent (periods.js replaces the change view's)
  function show(id) {
    current = id;
    geo.setStyle(styleFor);
    legend._div.innerHTML = NexusRender.legend(D, X, {legend: legends[id]});
    legend._div.setAttribute("data-view", id);
  }
  // collapsed: open, the list of views would hide a good part of the map (Kidal at 1366x768)
  var control = L.control.layers(null, null, {collapsed: true, position: "topright"});
  var idByStamp = {}, viewGroups = {};
  D.views.forEach(function (v) {
    // added one by one so that two views may share a label; found back by layer, not by name
    legends[v.id] = v.legend;
    viewGroups[v.id] = L.layerGroup();
    idByStamp[L.stamp(viewGroups[v.id])] = v.id;
    control.addBaseLayer(viewGroups[v.id], v.label);
  });
  overlays.forEach(function (o) { control.addOverlay(o[1], o[0]); });
  control.addOverlay(basemap.outlines, T.outlines);
  if (D.basemap.unit_labels.length) { control.addOverlay(basemap.unitLabels, T.unit_names); }
  control.addOverlay(topK, T.top_k);
  Object.keys(points.layers).forEach(function (label) { control.addOverlay(points.layers[label], label); });
  control.addTo(map);
  map.on("baselayerchange", function (e) { store.dispatch({type: "view", view: idByStamp[L.stamp(e.layer)]}); });
  viewGroups[D.views[0].id].addTo(map);
  show(D.views[0].id);

  // ------------------------------------------------------------------------------ title box
  var title = L.control({position: "topleft"});
  title.onAdd = function () { var d = L.DomUtil.create("div", "nz-title"); d.innerHTML = D.title_html + '<div class="nz-rules-slot"></div>'; return d; };
  title.addTo(map);
  foldNote(title.getContainer());
  /** A note longer than three lines is cut to three (CSS .nz-folded) with a button to show it whole. */
  function foldNote(box) {
    var note = box.querySelector(".nz-note");
    if (!note) { return; }
    L.DomUtil.addClass(note, "nz-folded");
    if (note.scrollHeight <= note.clientHeight + 1) { L.DomUtil.removeClass(note, "nz-folded"); return; }
    var button = L.DomUtil.create("button", "nz-more", box);
    button.type = "button"; button.textContent = T.note_more;
    note.parentNode.insertBefore(button, note.nextSibling);
    L.DomEvent.disableClickPropagation(button);
    button.onclick = function () {
      var folded = L.DomUtil.hasClass(note, "nz-folded");
      L.DomUtil[folded ? "removeClass" : "addClass"](note, "nz-folded");
      button.textContent = folded ? T.note_less : T.note_more;
      fitPanel();
    };
  }

  // ------------------------------------------------------------------------------ side panel
  var side = L.control({position: "topleft"});
  side.onAdd = function () {
    var d = L.DomUtil.create("div", "nz-side"); L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d); return d;
  };
  side.addTo(map);
  function showSide(i) { store.dispatch({type: "select", unit: i}); }
  /** The side panel: the selected unit's popup, pinned; hidden when none is selected. */
  function renderSide(i) {
    var box = side.getContainer();
    if (i === null) { box.style.display = "none"; box.innerHTML = ""; fitPanel(); return; }
    box.innerHTML = '<button class="nz-close" title="×">×</button>' + popupHtml(i, true);
    box.style.display = "block";
    box.querySelector(".nz-close").onclick = function () { store.dispatch({type: "select", unit: null}); };
    fitPanel();
  }

  // -------------------------------------------------------- weights and ranking (panel.js)
  // a metric scale only (the page is for Mali; "mi" is no word in French), below the panel
  L.control.scale({imperial: false}).addTo(map);
  var panel = NexusPanel.mount(map, D, store, function () { fitPanel(); }), box = panel.box;
  /** The weights and ranking panel never covers the title box, nor a unit pinned to the side panel
   * below it: it is at most as tall as the room between their bottom and its own, and scrolls inside. */
  function fitPanel() {
    var top = title.getContainer().getBoundingClientRect().bottom, bottom = box.getBoundingClientRect().bottom;
    if (side.getContainer().style.display === "block") { top = Math.max(top, side.getContainer().getBoundingClientRect().bottom); }
    box.style.maxHeight = Math.max(60, Math.floor(bottom - top - 10)) + "px";
  }
  map.on("resize", fitPanel);
  var hooks = [];  // called after each recomputation (periods.js: other periods, change view, trajectories)
  var ready = false;
  /** Puts in the page what the state gives: every render of render.js, and the sliders' places. */
  function refresh() {
    var s = store.get();
    recompute();
    hooks.forEach(function (h) { h(); });
    geo.setStyle(styleFor);
    outlineTop();
    box.querySelector(".nz-ranking").innerHTML = NexusRender.ranking(D, X);
    title.getContainer().querySelector(".nz-rules-slot").innerHTML = NexusRender.rulesLine(D, X);
    show(s.view);
    panel.update(s);
    placeLabels();
    renderSide(s.selection);
    if (openUnit !== null) {
      var open = geo.getLayers().filter(function (l) { return indexOf(l.feature) === openUnit; })[0];
      if (open && open.isPopupOpen()) { open.getPopup().setContent(popupHtml(openUnit, false)); }
    }
  }
  store.subscribe(function () { if (ready) { refresh(); } });
  function weightsCode() { return NexusStore.weightsCode(D, store.get()); }
  ready = true;
  refresh();
  fitPanel();

  // ----------------------------------------------------------------------- the first view
  // fit the units between the controls (left and right corners; top and bottom need a margin only)
  map.options.zoomSnap = 0.25;
  var room = controlsPadding();
  map.fitBounds(geo.getBounds(), {paddingTopLeft: L.point(room.left + 10, 10), paddingBottomRight: L.point(room.right + 10, 10), animate: false});
  placeLabels();

  window.nexusZones = {map: map, geo: geo, store: store, state: state, data: D, units: units, inputs: inputs, model: model, hooks: hooks, refresh: refresh,
    show: show, legends: legends, popupBody: popupBody, showPointsOf: points.showPeriod,
    legend: function (id) { return NexusRender.legend(D, X, {legend: legends[id]}); },
    pointsShown: points.tooltips,
    view: function () { return current; }, placeLabels: placeLabels, controlsPadding: controlsPadding, weightsCode: weightsCode,
    setWeights: function (w, pw) {
      var s = store.get();
      store.dispatch({type: "weights", weights: D.indicators.map(function (x, k) { return w && w[x.id] !== undefined ? w[x.id] : s.weights[k]; }),
                      pillarWeights: D.pillars.map(function (p, j) { return pw && pw[p.id] !== undefined ? pw[p.id] : s.pillarWeights[j]; })});
    }};
}
