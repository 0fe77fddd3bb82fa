/* nexus_zones map page: the basemap drawn from our own data (region outlines and names, unit names)
 * and labels that never overlap.
 *
 * Unit names are placed before region names, so a region name never covers a unit's. Among units:
 * the hovered one, then every unit whose name fits inside its own shape on screen (those cannot
 * overlap one another: the shapes do not), then the top k's, then the others by current rank
 * (unranked last), larger units first among equals (D.label_order). A unit name that would overlap
 * one already placed is hidden until a zoom gives it room (its tooltip names it on hover). A region
 * name tries its place, then a line or two above or below it; where all are taken it is hidden.
 *
 * The geometry is pure (overlaps, inside, unitOrder, choose: tests/page/labels.test.js); create(map,
 * D, arcs, units, rankOf) is the DOM glue (Chromium: tests/end_to_end/test_browser.py): it reads the
 * labels' boxes from the page, asks choose() which to show and shows them.
 *
 * Inlined in the page it defines NexusLabels; under Node, require() returns it. */
(function (root) {
  "use strict";

  var node = typeof module !== "undefined" && module.exports;
  var F = node ? require("./format.js") : root.NexusFormat, TOPO = node ? require("./topology.js") : root.NexusTopology;

  /** Whether two boxes ({left, right, top, bottom}) overlap (touching edges do not). */
  function overlaps(a, b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; }
  /** Whether [x, y] lies inside a GeoJSON (Multi)Polygon: ray casting over every ring (holes included). */
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
  /** The points of a box tried against a shape: its corners (1 px in), the middles of its sides, its centre. */
  function probes(r) {
    var xs = [r.left + 1, (r.left + r.right) / 2, r.right - 1], ys = [r.top + 1, (r.top + r.bottom) / 2, r.bottom - 1], out = [];
    xs.forEach(function (x) { ys.forEach(function (y) { out.push([x, y]); }); });
    return out;
  }
  /** The order unit names are placed in: the hovered unit, those that fit inside their shapes, the
   * top k, then the others by rank (null: unranked, last), then by D.label_order's position. */
  function unitOrder(n, o) {
    var position = {};
    o.labelOrder.forEach(function (i, p) { position[i] = p; });
    var rank = function (i) { return o.rank[i] === null ? Infinity : o.rank[i]; };
    var group = function (i) { return i === o.hovered ? 0 : o.fits[i] ? 1 : rank(i) <= o.topK ? 2 : 3; };
    var all = [];
    for (var i = 0; i < n; i++) { all.push(i); }
    return all.sort(function (a, b) { return group(a) - group(b) || rank(a) - rank(b) || position[a] - position[b]; });
  }
  /** A region label's places: where it is drawn, then one and two lines above and below. */
  var SHIFTS = [0, -1, 1, -2, 2];
  function shifted(r, dy) { return {left: r.left, right: r.right, top: r.top + dy, bottom: r.bottom + dy, width: r.width}; }
  /** Which labels to show. `units`: each unit name's box (null where not drawn), `order` as
   * unitOrder gives; `regions`: each region name's box and the shift it was drawn with ({r, dy}).
   * Returns {units: [[i, shown]] in placing order, regions: [[shown, dy]] (dy: its new shift, null if hidden)}. */
  function choose(units, order, regions) {
    var placed = [], out = {units: [], regions: []};
    order.forEach(function (i) {
      var r = units[i];
      if (!r) { return; }
      var free = r.width > 0 && !placed.some(function (p) { return overlaps(r, p); });
      if (free) { placed.push(r); }
      out.units.push([i, free]);
    });
    regions.forEach(function (g) {
      var base = shifted(g.r, -g.dy), h = g.r.bottom - g.r.top, dy = null;
      for (var k = 0; k < SHIFTS.length && dy === null && base.width > 0; k++) {
        var c = shifted(base, SHIFTS[k] * h);
        if (!placed.some(function (p) { return overlaps(c, p); })) { dy = c.top - base.top; placed.push(c); }
      }
      out.regions.push([dy !== null, dy]);
    });
    return out;
  }

  // ------------------------------------------------------------------------------ the DOM glue
  /** The basemap's layers on the map (outlines with region names, unit names) and placeLabels();
   * rankOf(i) is unit i's current rank (null: unranked). Units: the GeoJSON features. */
  function create(map, D, arcs, units, rankOf) {
    var outlines = L.layerGroup(), unitLabels = L.layerGroup(), unitMarkers = [], regionMarkers = [];
    var hovered = null, fitCache = {zoom: null, fits: []};
    D.basemap.regions.forEach(function (r) {
      L.geoJSON(TOPO.geometry(arcs, r.outline), {interactive: false, style: {color: "#333", weight: 2.5, opacity: 0.9, fill: false}}).addTo(outlines);
      var m = L.marker(r.at, {interactive: false, keyboard: false, zIndexOffset: -1000,
                              icon: L.divIcon({className: "nz-region-label", html: "<span>" + F.esc(r.label) + "</span>", iconSize: null})});
      regionMarkers.push(m); m.addTo(outlines);
    });
    D.basemap.unit_labels.forEach(function (u) {
      var m = L.marker(u.at, {interactive: false, keyboard: false, icon: L.divIcon({className: "nz-label", html: "<span>" + F.esc(u.label) + "</span>", iconSize: null})});
      unitMarkers.push(m); m.addTo(unitLabels);
    });
    outlines.addTo(map); unitLabels.addTo(map);

    function labelRect(marker) {
      var span = marker.getElement() && marker.getElement().firstElementChild;
      return span ? span.getBoundingClientRect() : null;
    }
    /** Whether a box of the page (a label's) lies inside unit i's shape, taken back to the map's coordinates. */
    function fitsInside(i, r) {
      var box = map.getContainer().getBoundingClientRect();
      return probes(r).every(function (p) {
        var ll = map.containerPointToLatLng(L.point(p[0] - box.left, p[1] - box.top));
        return inside(units[i].geometry, ll.lng, ll.lat);
      });
    }
    /** Which unit names fit inside their shapes at the current zoom (kept until the zoom changes). */
    function fittingUnits(rects) {
      if (fitCache.zoom !== map.getZoom() || fitCache.fits.length !== rects.length) {
        fitCache = {zoom: map.getZoom(), fits: rects.map(function (r, i) { return !!r && r.width > 0 && fitsInside(i, r); })};
      }
      return fitCache.fits;
    }
    function placeLabels() {
      var unitsShown = map.hasLayer(unitLabels) && unitMarkers.length, rects = unitsShown ? unitMarkers.map(labelRect) : [];
      var order = unitsShown ? unitOrder(unitMarkers.length, {hovered: hovered, fits: fittingUnits(rects), rank: units.map(function (u, i) { return rankOf(i); }),
                                                               topK: D.top_k, labelOrder: D.label_order}) : [];
      var regions = map.hasLayer(outlines) ? regionMarkers.map(function (m) { return {m: m, r: labelRect(m)}; }).filter(function (g) { return g.r; }) : [];
      // every box is read before any class changes (hiding keeps the box), so the page lays out once
      var got = choose(rects, order, regions.map(function (g) { return {r: g.r, dy: +(g.m.getElement().firstElementChild.dataset.dy || 0)}; }));
      got.units.forEach(function (u) { showLabel(unitMarkers[u[0]], u[1], null); });
      got.regions.forEach(function (g, k) { showLabel(regions[k].m, g[0], g[1]); });
    }
    function showLabel(marker, shown, dy) {
      L.DomUtil[shown ? "removeClass" : "addClass"](marker.getElement(), "nz-label-hidden");
      if (dy !== null) {
        var span = marker.getElement().firstElementChild;
        span.dataset.dy = dy;
        span.style.transform = "translate(-50%, calc(-50% + " + dy + "px))";
      }
    }
    map.on("zoomend overlayadd", placeLabels);
    return {outlines: outlines, unitLabels: unitLabels, placeLabels: placeLabels, hover: function (i) { hovered = i; placeLabels(); }};
  }

  var NexusLabels = {overlaps: overlaps, inside: inside, probes: probes, unitOrder: unitOrder, choose: choose, create: create};
  if (node) { module.exports = NexusLabels; }
  if (root) { root.NexusLabels = NexusLabels; }
})(this);
