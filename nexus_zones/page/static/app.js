/* nexus_zones map page: the DOM glue. The page's one state lives in a store (store.js): the sliders,
 * the reset button, the layer control, the pin button and the period control only dispatch actions;
 * on every new state refresh() puts in the page what render.js renders of (payload, state): colours,
 * legend, ranking, popup and side panel (points, bars, why sentences, rank band), the rules line.
 * Also here: the basemap from our own data, labels that never overlap, point layers. nexus_zones.maps
 * inlines the modules before this file and calls nexusZonesApp(map, D, overlays) with the Leaflet
 * map, the page's data and the [label, layer] overlays Folium made (map tiles). */
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
  // the kernel's inputs that do not change with the weights
  var model = {aggregation: D.aggregation, pillars: D.pillars, tree: D.tree, geometric_floor: D.geometric_floor, tie_tolerance: D.tie_tolerance,
               failing_units: D.failing_units};
  var inputs = {norm: units.map(function (u) { return u.properties.norm; }),
                eligible: units.map(function (u) { return u.properties.eligible; }),
                failed: units.map(function (u) { return u.properties.failed; }),
                regions: units.map(function (u) { return u.properties.region_key; })};

  // ------------------------------------------------------------------------------------ state
  // the store holds the state; `state` is what the page computed of the last one (render.derive),
  // read by periods.js and the tests: the weights, scores, ranks and region ranks
  var store = NexusStore.create(D), X = null;
  var state = {weights: [], pillarWeights: [], scores: [], rank: [], regionRank: []};
  function recompute() {
    var s = store.get();
    inputs.configRank = units.map(function (u) { return u.properties.config_rank; });
    inputs.popup = units.map(function (u) { return u.properties.popup; });
    X = NexusRender.derive(D, inputs, s);
    state.weights = s.weights; state.pillarWeights = s.pillarWeights; state.scores = X.scores; state.rank = X.rank; state.regionRank = X.regionRank;
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
  function popupBody(i) { return NexusPopup.render(D.popup, inputs.popup[i], inputs.norm[i], X.eff, X.moved) + NexusRender.treePath(D, X, i) + (units[i].properties.trajectory || ""); }
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
    hovered = indexOf(e.layer.feature); placeLabels();
  });
  geo.on("mouseout", function (e) { geo.resetStyle(e.layer); hovered = null; placeLabels(); });

  // ------------------------------------------------------------------ basemap from our data
  var outlines = L.layerGroup();
  D.basemap.regions.forEach(function (r) {
    L.geoJSON(NexusTopology.geometry(arcs, r.outline), {interactive: false, style: {color: "#333", weight: 2.5, opacity: 0.9, fill: false}}).addTo(outlines);
    L.marker(r.at, {interactive: false, keyboard: false, zIndexOffset: -1000, icon: L.divIcon({className: "nz-region-label", html: "<span>" + NexusFormat.esc(r.label) + "</span>", iconSize: null})}).addTo(outlines);
  });
  var unitLabels = L.layerGroup(), unitMarkers = [];
  D.basemap.unit_labels.forEach(function (u) {
    var m = L.marker(u.at, {interactive: false, keyboard: false, icon: L.divIcon({className: "nz-label", html: "<span>" + NexusFormat.esc(u.label) + "</span>", iconSize: null})});
    unitMarkers.push(m); m.addTo(unitLabels);
  });
  outlines.addTo(map); unitLabels.addTo(map);

  // --------------------------------------------------------- labels that never overlap
  // Unit names are placed before region names, so a region name never covers a unit's. Among
  // units: the hovered one, then every unit whose name fits inside its own shape on screen (those
  // cannot overlap one another: the shapes do not), then the top k's, then the others by current
  // rank (unranked last), larger units first among equals (D.label_order). A unit name that would
  // overlap one already placed is hidden until a zoom gives it room (its tooltip names it on hover).
  // A region name tries its place, then a line or two above or below it; where all are taken it is
  // hidden.
  var hovered = null, fitCache = {zoom: null, fits: []};
  function labelRect(marker) {
    var span = marker.getElement() && marker.getElement().firstElementChild;
    return span ? span.getBoundingClientRect() : null;
  }
  function overlaps(a, b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; }
  /** Whether [lng, lat] lies inside a GeoJSON (Multi)Polygon: ray casting over every ring (holes included). */
  function inside(geometry, x, y) {
    var polygons = geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates], odd = false;
    polygons.forEach(function (rings) {
      rings.forEach(function (ring) {
        for (var a = 0, b = ring.length - 1; a < ring.length; b = a++) {
          var xa = ring[a][0], ya = ring[a][1], xb = ring[b][0], yb = ring[b][1];
          if ((ya > y) !== (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) { odd = !odd; }
        }
      });
    });
    return odd;
  }
  /** Whether a box of the page (a label's) lies inside unit i's shape: its corners, the middles of
   * its sides and its centre, taken back to the map's coordinates. */
  function fitsInside(i, r) {
    var box = map.getContainer().getBoundingClientRect(), xs = [r.left + 1, (r.left + r.right) / 2, r.right - 1],
        ys = [r.top + 1, (r.top + r.bottom) / 2, r.bottom - 1];
    return xs.every(function (x) {
      return ys.every(function (y) {
        var ll = map.containerPointToLatLng(L.point(x - box.left, y - box.top));
        return inside(units[i].geometry, ll.lng, ll.lat);
      });
    });
  }
  /** Which unit names fit inside their shapes at the current zoom (kept until the zoom changes). */
  function fittingUnits(rects) {
    if (fitCache.zoom !== map.getZoom() || fitCache.fits.length !== rects.length) {
      fitCache = {zoom: map.getZoom(), fits: rects.map(function (r, i) { return !!r && r.width > 0 && fitsInside(i, r); })};
    }
    return fitCache.fits;
  }
  function unitOrder(fits) {
    var position = {};
    D.label_order.forEach(function (i, p) { position[i] = p; });
    var rank = function (i) { return state.rank[i] === null ? Infinity : state.rank[i]; };
    var group = function (i) { return i === hovered ? 0 : fits[i] ? 1 : rank(i) <= D.top_k ? 2 : 3; };
    return unitMarkers.map(function (m, i) { return i; }).sort(function (a, b) {
      return group(a) - group(b) || rank(a) - rank(b) || position[a] - position[b];
    });
  }
  // a region label's place: where it is drawn, then one and two lines above and below
  var SHIFTS = [0, -1, 1, -2, 2];
  function shifted(r, dy) { return {left: r.left, right: r.right, top: r.top + dy, bottom: r.bottom + dy, width: r.width}; }
  function placeLabels() {
    var placed = [], shown = [];
    if (map.hasLayer(unitLabels) && unitMarkers.length) {
      var rects = unitMarkers.map(labelRect), order = unitOrder(fittingUnits(rects));
      // every box is read before any class changes (hiding keeps the box), so the page lays out once
      order.forEach(function (i) {
        var r = rects[i];
        if (!r) { return; }
        var free = r.width > 0 && !placed.some(function (p) { return overlaps(r, p); });
        if (free) { placed.push(r); }
        shown.push([unitMarkers[i], free, null]);
      });
    }
    if (map.hasLayer(outlines)) {
      outlines.eachLayer(function (l) {
        if (!(l instanceof L.Marker)) { return; }
        var r = labelRect(l);
        if (!r) { return; }
        var span = l.getElement().firstElementChild, was = +(span.dataset.dy || 0), base = shifted(r, -was), dy = null, h = r.bottom - r.top;
        for (var k = 0; k < SHIFTS.length && dy === null && base.width > 0; k++) {
          var c = shifted(base, SHIFTS[k] * h);
          if (!placed.some(function (p) { return overlaps(c, p); })) { dy = c.top - base.top; placed.push(c); }
        }
        shown.push([l, dy !== null, dy]);
      });
    }
    shown.forEach(function (s) {
      L.DomUtil[s[1] ? "removeClass" : "addClass"](s[0].getElement(), "nz-label-hidden");
      if (s[2] !== null) {
        var span = s[0].getElement().firstElementChild;
        span.dataset.dy = s[2];
        span.style.transform = "translate(-50%, calc(-50% + " + s[2] + "px))";
      }
    });
  }
  map.on("zoomend overlayadd", placeLabels);

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
  // in a study over periods a point may carry the periods counting it (p[3]); the page shows those
  // of the chosen period (showPointsOf), the others in every period
  var pointLayers = {}, pointMarkers = [];
  D.points.forEach(function (layer) {
    var group = L.markerClusterGroup ? L.markerClusterGroup({showCoverageOnHover: false}) : L.layerGroup();
    var markers = layer.points.map(function (p) {
      var m = L.circleMarker([p[0], p[1]], {radius: 5, color: "#7a0177", weight: 1, fillColor: "#c51b8a", fillOpacity: 0.8});
      if (p[2]) { m.bindTooltip(p[2]); }
      return {marker: m, periods: p[3] || null};
    });
    pointMarkers.push({group: group, markers: markers});
    pointLayers[layer.label] = group;
  });
  function showPointsOf(period) {
    pointMarkers.forEach(function (layer) {
      layer.group.clearLayers();
      layer.group.addLayers ? layer.group.addLayers(shown(layer.markers, period)) : shown(layer.markers, period).forEach(function (m) { layer.group.addLayer(m); });
    });
  }
  function shown(markers, period) {
    return markers.filter(function (m) { return period === null || !m.periods || m.periods.indexOf(period) >= 0; })
      .map(function (m) { return m.marker; });
  }
  showPointsOf(null);

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
  control.addOverlay(outlines, T.outlines);
  if (D.basemap.unit_labels.length) { control.addOverlay(unitLabels, T.unit_names); }
  control.addOverlay(topK, T.top_k);
  Object.keys(pointLayers).forEach(function (label) { control.addOverlay(pointLayers[label], label); });
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

  // ---------------------------------------------------------------------- weights and ranking
  function shownWeight(v) { return NexusStore.weightText(v).replace(".", D.number_format.decimal); }
  // a metric scale only (the page is for Mali; "mi" is no word in French), below the panel
  L.control.scale({imperial: false}).addTo(map);
  var panel = L.control({position: "bottomleft"});
  panel.onAdd = function () {
    var d = L.DomUtil.create("div", "nz-panel");
    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
    var h = '<details class="nz-weights"><summary>' + T.weights_panel + "</summary>";
    // step "any": the configured weights (AHP ones included) are kept exactly until a slider moves
    D.pillars.forEach(function (p, j) {
      h += '<label><span>' + T.pillar + ": " + p.label + '</span><input type="range" min="0" max="' + p.max + '" step="any"' +
        ' value="' + p.weight + '" data-pillar="' + j + '"> <output>' + shownWeight(p.weight) + "</output></label>";
    });
    D.indicators.forEach(function (x, k) {
      h += '<label><span>' + x.label + '</span><input type="range" min="0" max="' + x.max + '" step="any" value="' + x.weight +
        '" data-indicator="' + k + '"> <output>' + shownWeight(x.weight) + "</output></label>";
    });
    h += '<button type="button" class="nz-reset">' + T.reset + '</button> <button type="button" class="nz-copy">' + T.copy_yaml +
      '</button> <button type="button" class="nz-code">' + T.copy_code +
      '</button><div class="nz-copy-note"></div><textarea class="nz-yaml" readonly></textarea></details>';
    h += '<details class="nz-ranking-box"><summary>' + T.ranking + '</summary><div class="nz-ranking"></div></details>';
    d.innerHTML = h;
    return d;
  };
  panel.addTo(map);
  var box = panel.getContainer();
  /** The weights and ranking panel never covers the title box, nor a unit pinned to the side panel
   * below it: it is at most as tall as the room between their bottom and its own, and scrolls inside. */
  function fitPanel() {
    var top = title.getContainer().getBoundingClientRect().bottom, bottom = box.getBoundingClientRect().bottom;
    if (side.getContainer().style.display === "block") { top = Math.max(top, side.getContainer().getBoundingClientRect().bottom); }
    box.style.maxHeight = Math.max(60, Math.floor(bottom - top - 10)) + "px";
  }
  box.querySelectorAll("details").forEach(function (d) { d.addEventListener("toggle", fitPanel); });
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
    sliders(s);
    placeLabels();
    renderSide(s.selection);
    if (openUnit !== null) {
      var open = geo.getLayers().filter(function (l) { return indexOf(l.feature) === openUnit; })[0];
      if (open && open.isPopupOpen()) { open.getPopup().setContent(popupHtml(openUnit, false)); }
    }
  }
  /** The sliders and their numbers at the state's weights. */
  function sliders(s) {
    box.querySelectorAll("input[data-indicator]").forEach(function (el) { setSlider(el, s.weights[+el.dataset.indicator]); });
    box.querySelectorAll("input[data-pillar]").forEach(function (el) { setSlider(el, s.pillarWeights[+el.dataset.pillar]); });
  }
  function setSlider(el, v) {
    if (parseFloat(el.value) !== v) { el.value = v; }
    el.nextElementSibling.textContent = shownWeight(v);
  }
  store.subscribe(function () { if (ready) { refresh(); } });
  box.querySelectorAll("input[data-indicator]").forEach(function (el) {
    el.addEventListener("input", function () { store.dispatch({type: "weight", index: +el.dataset.indicator, value: parseFloat(el.value)}); });
  });
  box.querySelectorAll("input[data-pillar]").forEach(function (el) {
    el.addEventListener("input", function () { store.dispatch({type: "pillar", index: +el.dataset.pillar, value: parseFloat(el.value)}); });
  });
  box.querySelector(".nz-reset").addEventListener("click", function () { store.dispatch({type: "reset"}); });
  box.querySelector(".nz-copy").addEventListener("click", function () {
    // top-level override keys (nexus_zones.config: weights, pillar_weights): pasted as they are, they replace
    // only the weights and keep each indicator's measure and direction
    var y = NexusStore.yaml(D, store.get());
    var area = box.querySelector(".nz-yaml"), note = box.querySelector(".nz-copy-note");
    area.value = y; area.style.display = "block"; area.select();
    var done = function () { note.textContent = T.copied; }, fail = function () { note.textContent = T.select_copy; };
    try {
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(y).then(done, fail); }
      else if (document.execCommand && document.execCommand("copy")) { done(); } else { fail(); }
    } catch (err) { fail(); }
  });
  // a participant's weights as a short code (nexus_zones.decision.encode_weights)
  function weightsCode() { return NexusStore.weightsCode(D, store.get()); }
  box.querySelector(".nz-code").addEventListener("click", function () {
    var code = weightsCode(), area = box.querySelector(".nz-yaml"), note = box.querySelector(".nz-copy-note");
    area.value = code; area.style.display = "block"; area.select();
    note.textContent = T.code_note;
    try { if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(code); } } catch (err) { /* the text stays selected */ }
  });
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
    show: show, legends: legends, popupBody: popupBody, showPointsOf: showPointsOf,
    legend: function (id) { return NexusRender.legend(D, X, {legend: legends[id]}); },
    pointsShown: function () { return pointMarkers.map(function (l) { return l.group.getLayers().map(function (m) { return m.getTooltip() ? m.getTooltip().getContent() : ""; }); }); },
    view: function () { return current; }, placeLabels: placeLabels, controlsPadding: controlsPadding, weightsCode: weightsCode,
    setWeights: function (w, pw) {
      var s = store.get();
      store.dispatch({type: "weights", weights: D.indicators.map(function (x, k) { return w && w[x.id] !== undefined ? w[x.id] : s.weights[k]; }),
                      pillarWeights: D.pillars.map(function (p, j) { return pw && pw[p.id] !== undefined ? pw[p.id] : s.pillarWeights[j]; })});
    }};
}
