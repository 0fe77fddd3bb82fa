/* nexus_zones map page: the point layers (events, facilities...), clustered where Leaflet.markercluster
 * is inlined. In a study over periods a point may carry the periods counting it (p[3]); the page
 * shows those of the chosen period, the others in every period.
 *
 * shown(points, period) is pure (which points a period shows: tests/page/points.test.js); create(D)
 * is the DOM glue (Chromium: tests/end_to_end/test_browser_periods.py, test_browser_offline_layers.py).
 *
 * Inlined in the page it defines NexusPoints; under Node, require() returns it. */
(function (root) {
  "use strict";

  /** The positions of the points a period shows: those counted in it, and those that carry no
   * periods; every point when period is null (a single snapshot). */
  function shown(periods, period) {
    var out = [];
    periods.forEach(function (p, k) { if (period === null || !p || p.indexOf(period) >= 0) { out.push(k); } });
    return out;
  }

  // ------------------------------------------------------------------------------ the DOM glue
  /** The payload's point layers as Leaflet groups: {layers: {label: group}, showPeriod(period),
   * tooltips() (each layer's shown points' tooltips)}. */
  function create(D) {
    var layers = {}, all = [];
    D.points.forEach(function (layer) {
      var group = L.markerClusterGroup ? L.markerClusterGroup({showCoverageOnHover: false}) : L.layerGroup();
      var markers = layer.points.map(function (p) {
        var m = L.circleMarker([p[0], p[1]], {radius: 5, color: "#7a0177", weight: 1, fillColor: "#c51b8a", fillOpacity: 0.8});
        if (p[2]) { m.bindTooltip(p[2]); }
        return m;
      });
      all.push({group: group, markers: markers, periods: layer.points.map(function (p) { return p[3] || null; })});
      layers[layer.label] = group;
    });
    function showPeriod(period) {
      all.forEach(function (layer) {
        var markers = shown(layer.periods, period).map(function (k) { return layer.markers[k]; });
        layer.group.clearLayers();
        if (layer.group.addLayers) { layer.group.addLayers(markers); } else { markers.forEach(function (m) { layer.group.addLayer(m); }); }
      });
    }
    function tooltips() {
      return all.map(function (l) { return l.group.getLayers().map(function (m) { return m.getTooltip() ? m.getTooltip().getContent() : ""; }); });
    }
    showPeriod(null);
    return {layers: layers, showPeriod: showPeriod, tooltips: tooltips};
  }

  var NexusPoints = {shown: shown, create: create};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusPoints; }
  if (root) { root.NexusPoints = NexusPoints; }
})(this);
