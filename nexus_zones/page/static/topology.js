/* nexus_zones TopoJSON decoder: turns the page's topology (nexus_zones.maps.topology) back into
 * GeoJSON geometries. Pure: no DOM, no globals read, the topology never modified.
 *
 * A topology holds arcs (lines stored once, shared by the polygons on either side), each a list of
 * integer positions delta-encoded under a transform (x = translate[0] + scale[0] * sum of dx, the
 * same for y); a geometry lists arc indices, ~i (that is -i - 1) meaning arc i reversed; joined arcs
 * share their end point, which is written once.
 *
 * Inlined in the page it defines the global NexusTopology; under Node, require() returns it.
 * tests/page/topology.test.js checks it against a hand-made case and against topologies written by
 * the Python side (tests/page/test_topology.py). */
(function (root) {
  "use strict";

  /** Every arc as absolute [x, y] positions (the transform applied, the deltas summed). */
  function decodeArcs(topology) {
    var t = topology.transform;
    return topology.arcs.map(function (arc) {
      var x = 0, y = 0;
      return arc.map(function (p) {
        if (!t) { return [p[0], p[1]]; }
        x += p[0]; y += p[1];
        return [x * t.scale[0] + t.translate[0], y * t.scale[1] + t.translate[1]];
      });
    });
  }

  /** A line of joined arcs (each joint written once). */
  function line(arcs, ids) {
    var out = [];
    ids.forEach(function (i) {
      var arc = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
      (out.length ? arc.slice(1) : arc).forEach(function (p) { out.push(p); });
    });
    return out;
  }

  function polygon(arcs, rings) { return rings.map(function (r) { return line(arcs, r); }); }

  /** One topology geometry object as a GeoJSON geometry (decoded arcs from decodeArcs). */
  function geometry(arcs, o) {
    switch (o.type) {
      case "Polygon": return {type: o.type, coordinates: polygon(arcs, o.arcs)};
      case "MultiPolygon": return {type: o.type, coordinates: o.arcs.map(function (p) { return polygon(arcs, p); })};
      case "LineString": return {type: o.type, coordinates: line(arcs, o.arcs)};
      case "MultiLineString": return {type: o.type, coordinates: o.arcs.map(function (l) { return line(arcs, l); })};
      case null: case undefined: return null;
      default: throw new Error("topology.js: unsupported geometry type " + o.type);
    }
  }

  /** The geometries of one GeometryCollection object of the topology, in order. */
  function geometries(topology, name, arcs) {
    arcs = arcs || decodeArcs(topology);
    return topology.objects[name].geometries.map(function (o) { return geometry(arcs, o); });
  }

  var NexusTopology = {decodeArcs: decodeArcs, geometry: geometry, geometries: geometries};
  if (typeof module !== "undefined" && module.exports) { module.exports = NexusTopology; }
  if (root) { root.NexusTopology = NexusTopology; }
})(this);
