"""The mission map: one self-contained, bilingual Folium page per study, explained and tunable.

* **One geometry, many views.** The units are embedded once, as a TopoJSON topology (simplified as one
  coverage, then every border one arc shared by the units on either side, quantised to
  ``map.precision`` decimals and delta-encoded; ``page/static/topology.js`` decodes it). The score, each indicator, the
  rules, robustness, similarity and profiles are colourings of that one layer, chosen in the layer
  control; each view brings its own legend (continuous, fixed classes, or categories).
* **Explain every unit.** A popup and a side panel give the rank, region rank, rank band, whether
  the top-k choice depends on the weights, a points bar per indicator, raw values with their source and period, the rules passed and
  failed, and sentences in the style of the 2018 mission report ("Moins d'incidents sécuritaires en
  2017 (2, contre 16 en moyenne dans la région)").
* **Tune in the meeting.** Weight sliders recompute scores and ranks in the page from the embedded
  normalised values, with the same arithmetic as :mod:`nexus_zones.score` (the page's pure kernel,
  ``page/static/kernel.js``, is checked by Node against cases the Python model writes, and the
  browser tests check the page), restyle the map, reorder the ranking table and outline the top units; a button
  resets the config's weights and another copies the chosen weights as YAML.
* **Offline.** With ``map.offline`` (the default) every script and style is inlined from installed
  packages (:mod:`nexus_zones.offline`); region outlines and unit names from our own data make a
  basemap that reads without tiles; tiles are an overlay drawn only when online.
* **French and English** from one catalogue (:mod:`nexus_zones.messages`).

The page holds one state (``page/static/store.js``) and renders everything that depends on it
(colours, legends' weights, ranking, popups' points, bars, why sentences and rank band, the rules
line) from this payload: facts, not sentences at the config's weights. Each unit carries its popup
as a compact record of numbers and short keys (:func:`_popups`), the texts every popup shares
are sent once (:func:`popup_texts`), unit and region names are sent as text, and the page writes the
HTML and escapes every text itself (``page/static/format.js``, checked by Node against
``html.escape`` and :mod:`nexus_zones.messages`' number formats). The HTML still built here (title,
legends, point tooltips) escapes every string from data or config. The payload's shape is
``page/payload.schema.json``. The page receives it packed (:func:`pack`: without what the page
computes from the rest, which ``page/static/payload.js`` puts back), and above
:data:`COMPRESS_ABOVE` characters of JSON compressed (:func:`data_text`), so that 5,000 units and
60 indicators make a page under 2 MB.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import math
import re
from importlib import resources
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from . import analyses, claims, explain, geometry, tree
from .claims import Claim
from .explain import period_text as _period, scale_ends
from .legends import CATEGORIES, FAIL, NO_DATA, PALETTE, PASS, colour, colours_of, esc, floats as _floats, ramp as _ramp, swatches
from .messages import DECIMAL, THOUSANDS, fixed, number, percent, pick, t
from .offline import inline_assets
from .score import GEOMETRIC_FLOOR, TIE_TOLERANCE, Structure
from .config import map_point_layers
from .layers.points import counted as counted_by

if TYPE_CHECKING:  # pragma: no cover
    from .result import RunResult

__all__ = ["build_map", "PALETTE", "CATEGORIES", "colour", "fmt", "label_of", "percent"]

#: The map's zoom range: the whole world to streets (OpenStreetMap's tiles go to 19).
MIN_ZOOM, MAX_ZOOM = 2, 18
#: Unit names are drawn on the basemap up to this many units.
MAX_UNIT_LABELS = 80


def _present(value: Any) -> bool:
    return value is not None and str(value) != "<NA>" and not (isinstance(value, float) and math.isnan(value))


def fmt(value: Any, digits: int = 3, language: str = "en") -> str:
    """A number for people (see :func:`nexus_zones.messages.number`); text is escaped."""
    if not _present(value):
        return "–"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    return number(v, language, digits)


def label_of(plan, name: str, language: str) -> str:
    """An indicator's label in a language (its name when it has none); ``plan``: a run's plan or its config."""
    return pick(plan.indicators[name].label, language, name)



def reference_name(result: "RunResult") -> str:
    """The name of the typology's reference unit (the config may give its id or its name); "" without one."""
    typology = result.analysis("typology")
    return typology.reference_name if typology is not None and typology.reference_name is not None else ""


def _short(value: float, shown) -> float | int:
    """The shortest decimal (fewest decimals) that ``shown`` writes as it writes ``value``: the payload
    carries numbers to the precision the page shows, and the page writes them identically."""
    target = shown(value)
    for decimals in range(17):
        candidate = round(value, decimals)
        if shown(candidate) == target:
            return int(candidate) if decimals == 0 else candidate
    return value


_STATUS = {"ranked, fails rules": 1, "not ranked: fails rules": 2, "not scored: missing data": 3}


def popup_texts(result: "RunResult", language: str, *, used: set[str] | None = None) -> dict:
    """The texts every popup shares (``D.popup``, sent once): message templates, the claims'
    catalogue (:func:`claims.catalogue_for_page`), the indicators' labels and sources, the rules'
    labels, the reference unit's name. Raw text: the page (``page/static/popup.js``) escapes it."""
    plan = result.plan
    keys = ("status_fails", "status_excluded", "status_missing", "complete", "similar", "profile", "why", "indicator", "value", "points",
            "imputed", "no_data_rule", "passes_every_rule", "fails_rules", "more_details")
    texts = {k: t(k, language) for k in keys}
    indicators = []
    ends = explain._ends(result)
    for name, ind in plan.indicators.items():
        layer = plan.layers.get(ind.measure.split(".", 1)[0])
        source = pick(layer.source, language) if layer is not None and layer.source else ""
        period = _period(layer, language) if layer is not None else ""
        # the scale's worst and best ends (why claims' fields), cut to what the claims write
        lo, hi = (_short_n(v) for v in ends[name])
        indicators.append({"label": label_of(plan, name, language), "about": " · ".join(x for x in (source, period) if x), "lo": lo, "hi": hi})
    ref = reference_name(result)
    weights = result.scored.weights
    return {"t": texts, "ind": indicators, "rules": [pick(r.label, language, r.expr) for r in plan.rules.values()],
            "eff": [float(weights.get(n, 0.0)) for n in plan.indicators],
            # indicators whose missing value is left to their node (missing: skip): the others keep their points
            "skip": [k for k, n in enumerate(plan.indicators) if result.scored.structure is not None and n in result.scored.structure.skip],
            "claims": claims.catalogue_for_page(language, used=used), "ref": ref,
            "number_format": {"thousands": THOUSANDS[language], "decimal": DECIMAL[language]}}


def _claim_record(result: "RunResult", unit: str, decided: bool, robust: Claim | None, band: Claim | None, low: list[Claim]) -> dict:
    """A unit's claims built in Python, as the popup receives them: robustness, the rank band, the
    decision analyses' lines and low reporting (all at the config's weights, and saying so; why
    this unit depends on the weights: the page builds it from :func:`_why_columns`' facts). When the rules decide the top k, neither the
    weights behind a choice nor the stakeholders' agreement is said: the rules settle both.
    ``robust``, ``band`` and ``low``: the unit's :func:`explain.robust_claim`, :func:`explain.rank_band_claim`
    and :func:`explain.reporting_claims`."""
    rec: dict[str, Any] = {}
    if robust is not None:
        rec["rb"] = robust.wire()
    if band is not None:
        rec["b"] = band.wire()
    decision = analyses.unit_claims(result, unit, decided)
    if decision:
        rec["dc"] = [c.wire() for c in decision]
    if low:
        rec["lr"] = [c.wire() for c in low]
    pilots = result.analysis("pilots")
    if pilots is not None and pilots.best is not None and unit in pilots.best.units:
        rec["pm"] = 1
    return rec


def _short_n(value: float) -> float | int | None:
    """A number cut to what :func:`messages.number` writes of it (``None`` for a missing one)."""
    return None if not _present(value) else _short(float(value), lambda v: number(v, "en", 3))


def _with_none(values: np.ndarray) -> list:
    """A float array as (nested) lists, ``None`` where ``NaN``."""
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def region_sides(values: np.ndarray, means: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """:func:`claims.region_side` of every value against its mean (units × indicators; ``cost`` per
    indicator): 1 better, -1 worse, 0 where no mean tells (none, either missing, or close to equal
    as :func:`math.isclose` with ``rel_tol=1e-9, abs_tol=1e-12``)."""
    with np.errstate(invalid="ignore"):
        close = np.abs(values - means) <= np.maximum(1e-9 * np.maximum(np.abs(values), np.abs(means)), 1e-12)
        better = np.where(cost[None, :], values < means, values > means)
    sides = np.where(better, 1, -1)
    sides[np.isnan(values) | np.isnan(means) | close] = 0
    return sides


def _why_columns(result: "RunResult") -> list[dict]:
    """Each unit's facts of "why this unit" that the weights do not change (``page/static/builders.js``
    builds the claims from them at the sliders' weights, by the rules of :func:`claims.why`): where
    each value stands against the mean of the region's other units (``sd``, one digit per
    indicator: 1 better, 2 worse, 0 no mean tells) and that mean where it tells (``mn``, exact: the
    page computes both from :func:`explain.region_totals` as :func:`explain.other_means` does,
    :func:`unpack_why`); ``{}`` where no mean tells for any indicator."""
    config, scores = result.config, result.scores
    names = list(config.indicators)
    values = scores[names].astype(float).to_numpy()
    means = explain.other_means(result)[names].to_numpy(dtype=float)
    sides = region_sides(values, means, np.array([ind.direction == "cost" for ind in config.indicators.values()], dtype=bool))
    shown = _with_none(np.where(sides != 0, means, np.nan))
    digits = np.array(["0", "1", "2"])[np.where(sides < 0, 2, sides)]
    return [{"sd": "".join(digits[i]), "mn": shown[i]} if sides[i].any() else {} for i in range(len(scores))]


def _popups(result: "RunResult", language: str) -> list[dict]:
    """Every unit's popup as data (``page/static/popup.js`` writes its HTML with :func:`popup_texts`),
    in the scores table's order, built column by column: status, completeness, similarity,
    profile, the unit's claims (:func:`_claim_record`), raw values, the facts of why this unit that
    do not depend on the weights (:func:`_why_columns`; the page computes points, bars and
    sentences at the sliders' weights), imputed indicators and the rules (one digit each: passed +
    2 × no data). Raw values and means are exact (the page formats them, ``format.js``, and
    derives normalised values and means from them: :func:`pack`); completeness and similarity are
    cut to the precision the popup shows (:func:`_short`)."""
    config, scores = result.config, result.scores
    names, units = list(config.indicators), scores.index
    decided = explain.rules_decide_top(result)
    records: list[dict[str, Any]] = [{} for _ in units]
    for rec, status in zip(records, scores["status"]):
        if _STATUS.get(status):
            rec["st"] = _STATUS[status]
    for rec, share in zip(records, scores["completeness"]):
        if _present(share) and share < 1:
            rec["c"] = _short(100 * share, lambda v: fixed(v, "en", 0))
    typology = result.analysis("typology")
    if typology is not None and typology.similarity is not None:
        for rec, sim in zip(records, scores["similarity"]):
            if _present(sim):
                rec["sm"] = _short(float(sim), lambda v: fixed(v, "en", 2))
    if typology is not None and typology.profile is not None:
        for rec, profile in zip(records, scores["profile"]):
            if _present(profile):
                rec["pf"] = int(profile)
    robust, bands = explain.robust_claims(result, decided=decided), explain.rank_band_claims(result)
    low = {unit: explain.reporting_claims(result, unit, language) for unit in units} if result.plan.event_layers else {}
    for rec, unit in zip(records, units):
        rec.update(_claim_record(result, unit, decided, robust.get(unit), bands.get(unit), low.get(unit, [])))
    for rec, row, why in zip(records, _with_none(scores[names].astype(float).to_numpy()), _why_columns(result)):
        rec["v"] = row
        rec.update(why)
    imputed = result.imputed.reindex(index=units, columns=[n for n in names if n in result.imputed.columns]).fillna(False).astype(bool)
    positions = [names.index(n) for n in imputed.columns]
    for rec, flags in zip(records, imputed.to_numpy()):
        if flags.any():
            rec["im"] = [positions[j] for j in np.flatnonzero(flags)]
    if config.rules:
        passed = np.column_stack([scores[f"rule_{r}"].to_numpy(dtype=bool) for r in config.rules]).astype(int)
        unknown = result.scored.rules_unknown.reindex(index=units, columns=list(config.rules)).to_numpy(dtype=bool).astype(int)
        for rec, digits in zip(records, (passed + 2 * unknown).astype(str).tolist()):
            rec["r"] = "".join(digits)
    return records


#: Where an indicator's weight goes in its legend's title (the page writes the sliders' weight there).
_WEIGHT_MARK = "\x00weight\x00"


def legend_html(legend: str | dict, weight_text: str) -> str:
    """A legend as the page shows it, an indicator's with ``weight_text`` (e.g. "30%") as its weight."""
    return legend if isinstance(legend, str) else legend["pre"] + esc(weight_text) + legend["post"]


def _views(result: "RunResult", language: str) -> list[dict]:
    """The map's views: the score, the region rank, each indicator, each node, the rules, then the
    analyses' views (:func:`nexus_zones.analyses.views`), each ``{"id", "label", "colours", "legend"}``."""
    plan, scores = result.plan, result.scores
    classes = result.config.map.classes
    views: list[dict] = [
        {"id": "score", "label": t("score", language), "colours": lambda frame: colours_of(_floats(frame["score"]) / 100.0, classes),
         "legend": _ramp(t("score_legend", language), "0", "100", bool(scores["score"].isna().any()), classes, language)}
    ]
    if scores["region"].astype(bool).any():
        views.append(_region_rank_view(scores, language))
    first = len(views)
    for name, ind in plan.indicators.items():
        worst, best = scale_ends(ind, scores[name], scores[f"{name}_norm"])
        label = label_of(plan, name, language)
        layer = plan.layers.get(ind.measure.split(".", 1)[0])
        source = pick(layer.source, language) if layer is not None and layer.source else ""
        # the weight is the sliders' (the page writes it: render.js legend); split around a mark
        title = f"{label} ({t('lower_better' if ind.direction == 'cost' else 'higher_better', language)}; {t('weight', language)} {_WEIGHT_MARK})"
        legend = _ramp(title, f"{t('least', language)}: {fmt(worst, language=language)}", f"{t('most', language)}: {fmt(best, language=language)}",
                       bool(scores[f"{name}_norm"].isna().any()), classes, language)
        if source:
            legend += f'<div class="nz-src">{t("source", language)}: {esc(source)}</div>'
        pre, post = legend.split(esc(_WEIGHT_MARK))
        views.append({"id": f"i_{name}", "label": label, "colours": (lambda frame, n=name: colours_of(frame[f"{n}_norm"], classes)),
                      "legend": {"pre": pre, "k": len(views) - first, "post": post}})
    views += _node_views(result, language)
    if plan.rules:
        items = swatches((c, esc(t(k, language))) for c, k in ((PASS, "passes_all"), (FAIL, "fails_one")))
        rule_list = "".join(f"<li>{esc(pick(r.label, language, r.expr))}</li>" for r in plan.rules.values())
        views.append({"id": "rules", "label": t("rules_view", language), "colours": lambda frame: [PASS if bool(p) else FAIL for p in frame["passes_rules"]],
                      "legend": f'<div class="nz-legend-title">{t("rules", language)}</div>{items}<ul class="nz-legend-rules">{rule_list}</ul>'})
    return views + analyses.views(result, language)


def _node_views(result: "RunResult", language: str) -> list[dict]:
    """A view per node below the root (``node_<name>``, 0–100, coloured as the score is); the page
    recolours them at the sliders' weights (render.colours, from kernel.js's node values)."""
    config, scores, classes = result.config, result.scores, result.config.map.classes
    structure = result.scored.structure
    views = []
    for p in (structure.pillars if structure is not None else ()):
        column, label = f"node_{p.name}", pick(config.model.pillars[p.name].label, language, p.name) if p.name in config.model.pillars else p.name
        title = t("node_legend", language, label=label, rule=t(f"agg_{p.aggregation}", language))
        views.append({"id": column, "label": esc(t("node_view", language, label=label)),
                      "colours": (lambda frame, c=column: colours_of(_floats(frame[c]) / 100.0, classes)),
                      "legend": _ramp(title, "0", "100", bool(scores[column].isna().any()), classes, language)})
    return views


#: The region-rank view's classes: (last rank of the class, colour, catalogue key); the page
#: recolours with the same classes when the sliders change the ranks.
REGION_RANK_CLASSES = ((1, PALETTE[8], "region_rank_class_1"), (2, PALETTE[6], "region_rank_class_2"), (3, PALETTE[4], "region_rank_class_3"),
                       (5, PALETTE[2], "region_rank_class_4"), (None, PALETTE[1], "region_rank_class_6"))


def region_rank_colour(rank: Any) -> str:
    """The region-rank view's colour of a rank within the region (grey when not ranked)."""
    if not _present(rank):
        return NO_DATA
    return next(c for last, c, _ in REGION_RANK_CLASSES if last is None or float(rank) <= last)


def _region_rank_view(scores: pd.DataFrame, language: str) -> dict:
    """The units coloured by their rank within their region (the mission chose within a region)."""
    items = swatches((c, esc(t(k, language))) for _, c, k in REGION_RANK_CLASSES)
    if scores["region_rank"].isna().any():
        items += swatches([(NO_DATA, esc(t("not_ranked", language)))])
    return {"id": "region_rank", "label": t("region_rank_view", language), "colours": lambda frame: [region_rank_colour(r) for r in frame["region_rank"]],
            "legend": f'<div class="nz-legend-title">{esc(t("region_rank_legend", language))}</div>{items}'}


#: Default simplification tolerance as a share of the diagonal of the units' extent: Leaflet fits
#: that extent in the window, whose diagonal is about 1,000 pixels, so this is a quarter of a pixel
#: at the initial zoom of a national map and of a one-region map alike.
SIMPLIFY_SHARE = 1 / 4000


def simplify_tolerance(result: "RunResult") -> float:
    """The simplification tolerance in degrees: ``map.simplify``, else :data:`SIMPLIFY_SHARE` of the
    diagonal of the units' extent."""
    spec = result.config.map
    if spec.simplify is not None:
        return float(spec.simplify)
    minx, miny, maxx, maxy = result.scores.total_bounds
    return SIMPLIFY_SHARE * math.hypot(maxx - minx, maxy - miny)


def _geometries(result: "RunResult") -> np.ndarray:
    """The units' polygons, simplified as one coverage (shared borders stay shared) and put on the
    page's grid of ``map.precision`` decimals."""
    geoms = result.scores.geometry.to_numpy()
    labels, source = _unit_labels(result), "map"
    tolerance = simplify_tolerance(result)
    if tolerance > 0:
        what = f"simplification (tolerance {tolerance:g}°{'' if result.config.map.simplify is not None else ', the default from the map extent'})"
        geoms = geometry.safe_op(lambda g: shapely.coverage_simplify(g, tolerance), geoms, labels, what=what, source=source)
        geoms = geometry.repair(geoms, labels, source=source, cause=f"became invalid once simplified (tolerance {tolerance:g}°; a smaller map.simplify avoids it)")
    return _on_grid(geoms, result.config.map.precision, labels)


def _unit_labels(result: "RunResult") -> list[str]:
    return [f"{name} ({unit})" for unit, name in result.scores["name"].items()]


def topology(geoms: np.ndarray, precision: int) -> dict:
    """The units as one TopoJSON topology: every border an arc stored once and shared by the units on
    either side, coordinates on the grid of ``10**-precision`` degrees, delta-encoded as integers
    with a ``transform``. Its object ``units`` lists one geometry per unit, in order.

    The arcs are found on the positions once on the grid (:func:`_rings`), where both sides of a
    border meet; call :func:`_on_grid` first so that the polygons already lie on the grid and are
    valid there: the quantisation is then exact and cannot break a polygon."""
    step = 10.0**-precision
    points = shapely.get_coordinates(geoms)
    origin = np.floor(points.min(axis=0) / step) * step if len(points) else np.zeros(2)
    rings, shapes = _rings(geoms, origin, step)
    arcs, ring_arcs = _shared_arcs(rings)
    geometries = [{"type": "Polygon", "arcs": [ring_arcs[r] for r in polygons[0]]} if len(polygons) == 1 else
                  {"type": "MultiPolygon", "arcs": [[ring_arcs[r] for r in polygon] for polygon in polygons]} for polygons in shapes]
    encoded = [np.vstack([q[:1], np.diff(q, axis=0)]).tolist() for q in (np.array(arc, dtype=np.int64) for arc in arcs)]
    return {"type": "Topology", "transform": {"scale": [step, step], "translate": [round(float(origin[0]), precision), round(float(origin[1]), precision)]},
            "arcs": encoded, "objects": {"units": {"type": "GeometryCollection", "geometries": geometries}}}


def _rings(geoms: np.ndarray, origin: np.ndarray, step: float) -> tuple[list[list[tuple[int, int]]], list[list[list[int]]]]:
    """Every ring of every unit as its positions in whole steps of the grid from ``origin`` (not
    closed; a position repeated next to itself once), and each unit's polygons as lists of ring
    numbers (exterior first; a hole the grid closes left out)."""
    rings: list[list[tuple[int, int]]] = []
    shapes = []
    for geom in geoms:
        polygons = []
        for polygon in shapely.get_parts(geom):
            numbers = []
            for ring in [polygon.exterior, *polygon.interiors]:
                q = np.rint((shapely.get_coordinates(ring)[:-1] - origin) / step).astype(np.int64)
                keep = np.ones(len(q), dtype=bool)
                keep[1:] = np.any(q[1:] != q[:-1], axis=1)
                keep[0] = not (len(q) > 1 and bool(np.all(q[0] == q[-1])) and bool(keep[1:].any()))
                if numbers and keep.sum() < 3:  # a hole the grid closes
                    continue
                numbers.append(len(rings))
                rings.append([tuple(p) for p in q[keep].tolist()])
            polygons.append(numbers)
        shapes.append(polygons)
    return rings, shapes


def _shared_arcs(rings: list[list[tuple[int, int]]]) -> tuple[list[list[tuple[int, int]]], list[list[int]]]:
    """The arcs of the rings and each ring as arc numbers (``~i``: arc i reversed). A ring is cut at
    its junctions, the positions with more than two distinct neighbours over every ring (where
    borders meet or part); an arc met again, either way, is the same arc. A ring without a junction
    (an island, or an enclave and the hole around it) is one arc starting at its smallest position."""
    neighbours: dict[tuple[int, int], set] = {}
    for ring in rings:
        for i, p in enumerate(ring):
            neighbours.setdefault(p, set()).update((ring[i - 1], ring[(i + 1) % len(ring)]))
    junction = {p for p, near in neighbours.items() if len(near) > 2}
    arcs: list[list[tuple[int, int]]] = []
    known: dict[tuple, int] = {}

    def number(arc: list[tuple[int, int]]) -> int:
        key = tuple(arc)
        if key in known:
            return known[key]
        if key[::-1] in known:
            return ~known[key[::-1]]
        known[key] = len(arcs)
        arcs.append(arc)
        return known[key]

    out = []
    for ring in rings:
        cuts = [i for i, p in enumerate(ring) if p in junction] or [ring.index(min(ring))]
        turned = ring[cuts[0]:] + ring[:cuts[0]] + [ring[cuts[0]]]
        ends = [c - cuts[0] for c in cuts] + [len(ring)]
        out.append([number(turned[a:b + 1]) for a, b in zip(ends[:-1], ends[1:])])
    return arcs, out


def _on_grid(geoms: np.ndarray, precision: int, labels: list[str]) -> np.ndarray:
    """The polygons rounded to ``precision`` decimals (the page's grid), repaired where rounding
    made them invalid (named in a :class:`~nexus_zones.errors.GeometryRepairedWarning`)."""
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, precision))
    return geometry.repair(rounded, labels, source="map", cause=f"became invalid once rounded to map.precision = {precision} decimals (a higher precision avoids it)")


def _arc_ids(geometry: dict) -> list[int]:
    """The arcs of a topology polygon or multipolygon, as non-negative indices (``~i`` is arc i reversed)."""
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return [i if i >= 0 else ~i for polygon in polygons for ring in polygon for i in ring]


def _outlines(topo: dict, regions: np.ndarray) -> dict[str, dict]:
    """Each region's outline as a topology MultiLineString: the arcs its units use once (an arc used
    twice lies between two units of the region)."""
    uses: dict[str, dict[int, int]] = {}
    for region, geometry in zip(regions, topo["objects"]["units"]["geometries"]):
        counts = uses.setdefault(region, {})
        for arc in _arc_ids(geometry):
            counts[arc] = counts.get(arc, 0) + 1
    return {region: {"type": "MultiLineString", "arcs": [[arc] for arc, n in sorted(counts.items()) if n == 1]}
            for region, counts in uses.items()}


def label_point(shape) -> shapely.Point:
    """Where a shape's name goes: the centre of the largest circle inside it (its pole of
    inaccessibility, to a hundredth of its extent), where a name has the most room; the
    representative point where that fails (an empty or degenerate shape)."""
    minx, miny, maxx, maxy = shape.bounds
    tolerance = max(maxx - minx, maxy - miny) / 100
    if tolerance > 0:
        centre = shapely.get_point(shapely.maximum_inscribed_circle(shape, tolerance), 0)
        if centre is not None and shape.contains(centre):
            return centre
    return shape.representative_point()


def _basemap(result: "RunResult", geoms: np.ndarray, outlines: dict[str, dict]) -> dict:
    """Region outlines (topology lines, see :func:`_outlines`) and labels, and unit labels, from our
    own data (a basemap without tiles)."""
    scores = result.scores
    precision = result.config.map.precision
    regions = []
    labels = _unit_labels(result)
    for region, idx in pd.Series(range(len(scores)), index=scores["region"].to_numpy()).groupby(level=0):
        if not region:
            continue
        members = idx.to_numpy()
        shape = geometry.safe_op(shapely.union_all, geoms[members], [labels[i] for i in members], what=f"outline of region {region}", source="map")
        point = label_point(shape)
        regions.append({"outline": outlines[region], "label": str(region),
                        "at": [round(point.y, precision), round(point.x, precision)]})
    labels = []
    if len(scores) <= MAX_UNIT_LABELS:
        for (unit, row), geom in zip(scores.iterrows(), geoms):
            point = label_point(geom)
            labels.append({"label": str(row["name"]), "at": [round(point.y, precision), round(point.x, precision)]})
    return {"regions": regions, "unit_labels": labels}


def _point_layers(result: "RunResult", language: str) -> list[dict]:
    """Points of the configured layers (on demand in the page), as counted: in the window, of the
    types. In a study over periods, the points of every period, each with the periods that count it
    (a fourth item, omitted where every period does: facilities), so that the page shows the chosen
    period's points."""
    config = result.config
    names = config.map.point_layers if config.map.point_layers is not None else map_point_layers(config)
    configs = [res.config for res in result.panel.results.values()] if result.panel is not None else [config]
    out = []
    for name in names:
        points = result.points.get(name)
        if points is None or not len(points):
            continue
        counted = np.column_stack([counted_by(points, c.layers[name]) for c in configs])
        keep = counted.any(axis=1)
        chosen, periods = points[keep], counted[keep]
        xy = shapely.get_coordinates(chosen.geometry.to_numpy())
        text_cols = [c for c in ("name", "category", "type", "date") if c in chosen.columns]
        spec = config.layers[name]
        fallback = pick(spec.source, language) if getattr(spec, "source", None) else name
        items = []
        for (x, y), (_, row), of in zip(xy, chosen.iterrows(), periods):
            item = [round(float(y), config.map.precision), round(float(x), config.map.precision), esc(_point_text(row, text_cols, fallback))]
            items.append(item if of.all() else item + [np.flatnonzero(of).tolist()])
        out.append({"id": name, "label": t("points_layer", language, label=esc(name)), "points": items})
    return out


def _point_text(row: Any, columns: list[str], fallback: str) -> str:
    """A point's tooltip: its name, category, type and date where the layer keeps them (blank cells
    left out), else ``fallback`` (the layer's source or name), so that no tooltip is empty."""
    bits = [str(row[c].date()) if c == "date" else str(row[c]).strip() for c in columns if not pd.isna(row[c]) and str(row[c]).strip()]
    return " · ".join(bits) or fallback


#: ColorBrewer PRGn, purple (lost ranks or points) to green (gained), for the change view.
DIVERGING = ("#762a83", "#9970ab", "#c2a5cf", "#e7d4e8", "#f7f7f7", "#d9f0d3", "#a6dba0", "#5aae61", "#1b7837")


def _period_payload(result: "RunResult", language: str, order: list[str], views: list[dict]) -> dict:
    """For a study over periods, ``periods``: per period (in the config's order) the units' normalised
    values, eligibility, rules failed, configured rank, colours of every view but the score's, the region
    rank's and the nodes' (recomputed in the page), popups, and the Python scores and ranks; the change view's palette and fixed ends. The
    indicator views' legends are replaced by ones drawn from all periods pooled, so that a legend
    stays the same whichever period is shown. Empty for a single snapshot."""
    panel = result.panel
    if panel is None:
        return {}
    pooled_scores = pd.concat([r.scores for r in panel.results.values()])
    pooled = _views(replace(result, scores=pooled_scores), language)
    legends = {v["id"]: v["legend"] for v in pooled}
    for view in views:
        view["legend"] = legends.get(view["id"], view["legend"])
    names = list(result.config.indicators)
    out: dict[str, list] = {k: [] for k in ("norm", "eligible", "failed", "config_rank", "colours", "popup", "python")}
    for name, res in panel.results.items():
        scores = res.scores.reindex(order)
        eligible = res.scored.eligible.reindex(order).fillna(False) if res.scored.eligible is not None else scores["rank"].notna()
        out["norm"].append(_rows(scores[[f"{n}_norm" for n in names]]))
        out["eligible"].append([bool(e) for e in eligible])
        # rules failed in this period: with failing_units "last" the kernel ranks by them first
        failed = scores["rules_failed_count"] if res.config.rules else pd.Series(0, index=scores.index)
        out["failed"].append([int(f) if _present(f) else 0 for f in failed])
        out["config_rank"].append([int(r) if _present(r) else None for r in scores["rank"]])
        out["colours"].append({v["id"]: v["colours"](scores) for v in views if v["id"] not in ("score", "region_rank") and not v["id"].startswith("node_")})
        popups = dict(zip(res.scores.index, _popups(res, language)))
        out["popup"].append([popups[u] for u in order])
        out["python"].append({k: [None if not _present(x) else float(x) for x in scores[k]] for k in ("score", "rank", "region_rank")})
    text = {k: t(k, language) for k in ("period", "trajectory", "score", "rank", "region_rank", "no_data")}
    text.update(change=t("change_view", language), rank_word=t("change_rank", language), score_word=t("change_score", language),
                legend_rank=t("change_legend_rank", language, a="{a}", b="{b}"), legend_score=t("change_legend_score", language, a="{a}", b="{b}"))
    views.append({"id": "change", "label": t("change_view", language), "legend": "", "colours": lambda frame: [NO_DATA] * len(frame)})
    return {"periods": {
        "names": [esc(p.name) for p in panel.periods], "labels": [esc(pick(p.label, language, p.name)) for p in panel.periods],
        "current": len(panel.periods) - 1, "diverging": list(DIVERGING), "rank_limit": 10, "score_limit": 20, "text": text, **out,
    }}


class _App(MacroElement):
    """The page's own code: views, legends, popups, side panel, sliders, ranking table, overlays.

    Its style and scripts are the package's static files (``page/static``): ``app.css``, the pure
    modules (formatting, the tree and the scoring kernel, the TopoJSON decoder, the store, claims,
    popups and renders), ``payload.js`` (which opens the payload before the glue reads it) and the DOM
    glue (``labels.js``, ``points.js``, ``panel.js``, ``app.js``, ``periods.js``), inlined in the
    template's order so that the page stays one file."""

    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>
{{ this.css }}</style>
{% endmacro %}
{% macro script(this, kwargs) %}
{{ this.format_js }}
{{ this.tree_js }}
{{ this.kernel_js }}
{{ this.topology_js }}
{{ this.store_js }}
{{ this.claims_js }}
{{ this.builders_js }}
{{ this.popup_js }}
{{ this.render_js }}
{{ this.payload_js }}
{{ this.labels_js }}
{{ this.points_js }}
{{ this.panel_js }}
{{ this.app_js }}
{{ this.periods_js }}
(function () {
  var D = {{ this.data_slot }};
  NexusPayload.open(D, function (D) {
    nexusZonesApp({{ this._parent.get_name() }}, D, [{% for label, name in this.overlays %}[{{ label|tojson }}, {{ name }}]{{ "," if not loop.last }}{% endfor %}]);
    if (D.periods) { nexusZonesPeriods(window.nexusZones); }
  }, function (text) {
    var note = document.createElement("p");
    note.className = "nz-too-old";
    note.textContent = text;
    document.body.insertBefore(note, document.body.firstChild);
  });
})();
{% endmacro %}
"""
    )

    def __init__(self, data: dict, overlays: list[tuple[str, str]]):
        super().__init__()
        self._name = "NexusApp"
        self.data = data
        # the data never enters a template: branca reads every rendered macro as a Jinja template
        # again, so the script holds a slot that build_map fills once the page is rendered
        self.data_slot = DATA_SLOT
        self.overlays = overlays
        self.css, self.kernel_js, self.topology_js, self.popup_js, self.app_js = (
            _static(name) for name in ("app.css", "kernel.js", "topology.js", "popup.js", "app.js"))
        self.claims_js, self.format_js, self.store_js, self.builders_js, self.render_js = (
            _static(name) for name in ("claims.js", "format.js", "store.js", "builders.js", "render.js"))
        self.tree_js, self.payload_js = _static("tree.js"), _static("payload.js")
        self.labels_js, self.points_js, self.panel_js = (_static(name) for name in ("labels.js", "points.js", "panel.js"))
        self.periods_js = _static("periods.js") if data.get("periods") else ""


def _static(name: str) -> str:
    """One of the page's static files, shipped as package data in ``nexus_zones/page/static``; a
    script as the page carries it (:func:`compact_js`)."""
    text = resources.files("nexus_zones").joinpath("page").joinpath("static").joinpath(name).read_text(encoding="utf-8")
    return compact_js(text) if name.endswith(".js") else text


_TRAILING_COMMENT = re.compile(r"(?<=[;{}])  // .*$")


def compact_js(text: str) -> str:
    """Our own scripts without what only their readers need: comments on lines of their own (``//``
    and ``/* … */`` blocks), comments after a statement (two spaces, ``//``) and indentation. Safe
    for the page's files, written for it: no string or template spans lines, and no comment opens
    mid-line but after a statement (``tests/test_maps.py`` runs them compacted)."""
    out, in_block = [], False
    for line in text.splitlines():
        bare = line.strip()
        if in_block:
            in_block = not bare.endswith("*/")
            continue
        if bare.startswith("/*"):
            in_block = not bare.endswith("*/")
            continue
        if not bare or bare.startswith("//"):
            continue
        out.append(_TRAILING_COMMENT.sub("", bare))
    return "\n".join(out) + "\n"


class _MarkerClusterAssets(JSCSSMixin, MacroElement):
    """Links Leaflet.markercluster 1.4.1 (the version XStatic carries), inlined in offline pages."""

    _template = Template("")
    default_js = [("markercluster", "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.4.1/dist/leaflet.markercluster.js")]
    default_css = [
        ("markercluster_css", "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.4.1/dist/MarkerCluster.css"),
        ("markercluster_default_css", "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.4.1/dist/MarkerCluster.Default.css"),
    ]


def _slider_max(weight: float, largest: float) -> float:
    """Slider maximum for a weight: three times the largest weight, rounded up to a round number."""
    top = max(3.0 * largest, weight, 1e-9)
    magnitude = 10 ** math.floor(math.log10(top))
    return float(math.ceil(top / magnitude) * magnitude)


def _rules_eligible(result: "RunResult") -> pd.Series:
    """Which units the page may rank: the rules' part of eligibility only (the units passing every
    rule, or every unit when failing units are only flagged). Whether a unit has a score depends
    on the weights, so the page's kernel decides that itself: a unit missing an indicator is ranked
    once a slider sets that indicator's weight to 0, as :meth:`RunResult.rescore` does."""
    index = result.scores.index
    if result.config.model.failing_units != "exclude" or not result.config.rules:
        return pd.Series(True, index=index)
    return result.scored.rules_passed.reindex(index).fillna(False).astype(bool).all(axis=1)


def _label_order(result: "RunResult") -> list[int]:
    """Positions of the units in the order their names get room on the map: ranked units by rank,
    then the others, larger units first among equals (areas in an equal-area CRS)."""
    scores = result.scores
    area = scores.geometry.to_crs(6933).area.to_numpy() if scores.crs is not None else scores.geometry.area.to_numpy()
    rank = scores["rank"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
    return [int(i) for i in np.lexsort((-area, rank))]


def _colours(values: list[str]) -> dict:
    """A view's colours as its distinct colours and each unit's index among them (shorter than a
    colour per unit)."""
    distinct = list(dict.fromkeys(values))
    index = {c: i for i, c in enumerate(distinct)}
    return {"of": distinct, "i": [index[c] for c in values]}


def _rows(frame: pd.DataFrame) -> list[list[float | None]]:
    """A frame's numbers as one list per row, ``None`` where missing."""
    return _with_none(frame.astype(float).to_numpy())


def _units(result: "RunResult", language: str, views: list[dict]) -> dict:
    """The units as columns (one list per property, in the topology's order; the page makes the
    features): raw ids, escaped names, region (index into the escaped ``regions``, sorted), the config's
    rank, eligibility under the rules, rules failed, normalised values (the kernel's inputs), the
    popup's record (:func:`_popups`) and each view's colours (:func:`_colours`)."""
    scores = result.scores
    names = list(result.config.indicators)
    regions = sorted(set(scores["region"]))
    region_keys = {r: i for i, r in enumerate(regions)}
    eligible = _rules_eligible(result)
    failed = scores["rules_failed_count"] if result.config.rules else pd.Series(0, index=scores.index)
    return {
        "id": [str(unit) for unit in scores.index], "name": [str(n) for n in scores["name"]],
        "regions": [str(r) for r in regions], "region": [region_keys[r] for r in scores["region"]],
        "config_rank": [int(r) if _present(r) else None for r in scores["rank"]],
        "eligible": [bool(eligible[u]) for u in scores.index], "failed": [int(f) for f in failed],
        "norm": _rows(scores[[f"{n}_norm" for n in names]]),
        "popup": _popups(result, language),
        "colours": {view["id"]: _colours(view["colours"](scores)) for view in views},
    }


def page_coloured(view_id: str) -> bool:
    """Whether the page colours a view itself: an indicator's from its normalised values, the
    score's, the region rank's and each node's from its kernel (``page/static/payload.js``)."""
    return view_id in ("score", "region_rank") or view_id.startswith(("i_", "node_"))


def linear_norm(values: np.ndarray, lo: float, hi: float, cost: bool) -> np.ndarray:
    """``(x - lo) / (hi - lo)`` kept in [0, 1], turned for a cost (``1 - y``): normalisation by
    goalposts or min–max, written as the page writes it (``payload.js``'s ``linear``)."""
    with np.errstate(invalid="ignore"):
        y = (values - lo) / (hi - lo)
    y = np.where(y < 0, 0.0, np.where(y > 1, 1.0, y))
    return 1.0 - y if cost else y


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    gap = np.isnan(a)
    return bool(np.array_equal(gap, np.isnan(b)) and np.array_equal(a[~gap].view(np.uint64), b[~gap].view(np.uint64)))


def _norm_of(units: dict, result: "RunResult") -> list:
    """Per indicator how the page gets its normalised values: ``{lo, hi, cost}`` where
    :func:`linear_norm` of the raw values gives them bit for bit (the goalposts, else the
    observed ends), else the column itself."""
    shape = (len(units["popup"]), len(result.config.indicators))
    raw = np.array([rec["v"] for rec in units["popup"]], dtype=float).reshape(shape)
    norm = np.array(units["norm"], dtype=float).reshape(shape)
    out: list = []
    for k, ind in enumerate(result.config.indicators.values()):
        x, known = raw[:, k], raw[~np.isnan(raw[:, k]), k]
        candidates = ([tuple(ind.goalposts)] if ind.goalposts is not None else []) + ([(float(known.min()), float(known.max()))] if len(known) else [])
        cost = ind.direction == "cost"
        found = next(({"lo": lo, "hi": hi, "cost": cost} for lo, hi in candidates if lo != hi and _same_bits(linear_norm(x, lo, hi, cost), norm[:, k])), None)
        out.append(found if found is not None else _with_none(norm[:, k]))
    return out


def _why_totals(units: dict, result: "RunResult") -> dict:
    """Per region (the page's ``regions``) and indicator the sum and count of the values that
    :func:`explain.other_means` divides (:func:`explain.region_totals`), and which indicators are costs."""
    sums, counts = explain.region_totals(result)
    first: dict[int, int] = {}
    for i, r in enumerate(units["region"]):
        first.setdefault(r, i)
    rows = [first[r] for r in range(len(units["regions"]))]
    return {"sum": sums.to_numpy(dtype=float)[rows].tolist(), "n": counts.to_numpy(dtype=float)[rows].astype(int).tolist(),
            "cost": [ind.direction == "cost" for ind in result.config.indicators.values()]}


def pack(data: dict, result: "RunResult") -> dict:
    """The payload as the page receives it: :func:`page_data` without what the page computes from
    the rest, which ``page/static/payload.js`` (``unpack``) puts back equal value for value: the
    colours of the views it colours itself (:func:`page_coloured`), the normalised values a linear
    formula gives from the raw values (``norm_of``, :func:`_norm_of`), and the sides and means of
    "why this unit" (``why``: :func:`_why_totals`). A study over periods keeps its periods' data whole."""
    units = {k: v for k, v in data["units"].items() if k != "norm"}
    units["colours"] = {view: c for view, c in units["colours"].items() if not page_coloured(view)}
    units["norm_of"] = _norm_of(data["units"], result)
    units["why"] = _why_totals(units, result)
    units["popup"] = [{k: v for k, v in rec.items() if k not in ("sd", "mn")} for rec in units["popup"]]
    return {**data, "units": units}


#: The claims the page builds itself from the payload's facts (``page/static/builders.js``).
WHY_KINDS = ("why_good", "why_bad", "why_good_region", "why_bad_region")
RULES_KINDS = ("rules_order", "rules_top")


def _page_built(units: dict, periods_payload: dict, config) -> set[str]:
    """The kinds of claim the page may build: why (with the region's mean where some unit has one),
    the rules deciding the order or the top k (under rules first)."""
    records = [*units["popup"], *(r for period in periods_payload.get("periods", {}).get("popup", []) for r in period)]
    kinds = set(WHY_KINDS if any("sd" in r for r in records) else WHY_KINDS[:2])
    if config.rules and config.model.failing_units == "last":
        kinds |= set(RULES_KINDS)
    return kinds


def page_tree(structure: Structure) -> dict:
    """The model tree as the page's kernel scores it (:func:`nexus_zones.tree.page_form`), with the
    names of the indicators and pillars in the sliders' order and the indicators whose missing
    values are left to their node (``missing: skip``)."""
    return tree.page_form(structure.tree) | {
        "indicators": list(structure.indicators), "pillars": [p.name for p in structure.pillars], "skip": list(structure.skip),
    }


def page_data(result: "RunResult", language: str) -> dict:
    """Everything the page's code needs, with every string escaped."""
    config, scores = result.config, result.scores
    views = _views(result, language)
    geoms = _geometries(result)
    topo = topology(geoms, config.map.precision)
    names = list(config.indicators)
    weights = config.indicator_weights()
    largest = max(weights.values()) if weights else 1.0
    units = _units(result, language, views)
    indicators = []
    for n in names:
        indicators.append({"id": n, "label": esc(label_of(config, n, language)), "weight": weights[n], "max": _slider_max(weights[n], largest)})
    pillars = []
    pillar_weights = config.pillar_weights()
    for p, spec in config.model.pillars.items():
        pillars.append({"id": p, "label": esc(pick(spec.label, language, p)), "weight": pillar_weights[p],
                        "max": _slider_max(pillar_weights[p], max(pillar_weights.values())),
                        "aggregation": spec.aggregation, "indices": [names.index(i) for i in spec.indicators]})
    periods_payload = _period_payload(result, language, units["id"], views)
    n_ranked = int(scores["rank"].notna().sum())
    sources = list(dict.fromkeys(pick(l.source, language) for l in config.layers.values() if l.source))
    title_html = (
        f"<h3>{esc(pick(config.study.title, language))}</h3>"
        + (f'<p class="nz-note">{esc(pick(config.study.note, language))}</p>' if config.study.note else "")
        + f"<p>{esc(t('units_summary', language, units=len(scores), ranked=n_ranked, indicators=len(names), rules=len(config.rules), sha=config.sha256[:12]))}"
        + f" · {esc(t('generated', language, date=date.today().isoformat()))}</p>"
        + (f'<details><summary>{t("sources", language)}</summary><p class="nz-src">{"; ".join(esc(s) for s in sources)}</p></details>' if sources else "")
    )
    text_keys = ("score", "unit", "rank", "region_rank", "not_ranked", "name", "region", "ranking", "weights_panel", "reset", "copy_yaml",
                 "copied", "select_copy", "pillar", "outlines", "pin", "score_short", "note_more", "note_less", "rules_failed")
    text = {k: t(k, language) for k in text_keys}
    text["score_line"] = t("score_line", language, score="{score}", rank="{rank}", ranked="{ranked}", region_rank="{region_rank}")
    text["top_k"] = t("top_k", language, k=config.map.top_k)
    text["unit_names"] = t("unit_names", language)
    text["copy_code"], text["code_note"] = t("copy_code", language), t("code_note", language)
    text["path_title"], text["path_item"] = t("path_title", language), t("path_item", language, label="{label}", value="{value}", points="{points}")
    return {
        "language": language,
        "text": text,
        "palette": list(PALETTE), "no_data": NO_DATA, "classes": config.map.classes,
        "geometric_floor": GEOMETRIC_FLOOR, "tie_tolerance": TIE_TOLERANCE,
        "aggregation": config.model.aggregation,
        "failing_units": config.model.failing_units,
        "indicators": indicators, "pillars": pillars, "tree": page_tree(result.scored.structure),
        "top_k": config.map.top_k,
        "rules": len(config.rules), "rules_k": explain.top_k(result.plan), "analyses": analyses.page(result.analyses),
        "region_rank_classes": [[last, c] for last, c, _ in REGION_RANK_CLASSES],
        "units": units,
        "topology": topo,
        "views": [{"id": v["id"], "label": esc(v["label"]) if v["id"].startswith("i_") else v["label"], "legend": v["legend"]} for v in views],
        "basemap": _basemap(result, geoms, _outlines(topo, scores["region"].to_numpy())),
        "points": _point_layers(result, language),
        "title_html": title_html,
        "number_format": {"thousands": THOUSANDS[language], "decimal": DECIMAL[language]},
        "label_order": _label_order(result),
        "popup": popup_texts(result, language, used=claims.keys_in([units["popup"], periods_payload]) | _page_built(units, periods_payload, config)),
        **periods_payload,
    }


def build_map(result: "RunResult", *, offline: bool | None = None) -> str:
    """Render the study's map as one HTML page (returned as text); self-contained when ``offline``
    (default: the config's ``map.offline``)."""
    config = result.config
    language = config.language
    offline = config.map.offline if offline is None else offline
    data = page_data(result, language)
    minx, miny, maxx, maxy = result.scores.total_bounds
    # zooms set on the map itself: with the tiles overlay unticked (offline) no layer gives one, and
    # Leaflet.markercluster then refuses to draw ("Map has no maxZoom specified")
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=6, tiles=None, control_scale=False)  # app.js adds a metric scale
    fmap.options.update(minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM)  # folium gives its min_zoom/max_zoom to its own tiles only
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    overlays: list[tuple[str, str]] = []
    if config.map.tiles:
        tiles = folium.TileLayer("OpenStreetMap", name=t("tiles", language), attr=t("osm_attribution", language), overlay=True, control=False, show=True)
        tiles.add_to(fmap)
        overlays.append((esc(t("tiles", language)), tiles.get_name()))
    if data["points"]:
        _MarkerClusterAssets().add_to(fmap)
    _App(data, overlays).add_to(fmap)
    root = fmap.get_root()
    root.header.add_child(Element(f"<title>{TITLE_SLOT}</title>"), name="nz_title")
    root.header.add_child(Element('<meta name="generator" content="nexus_zones">'), name="nz_generator")
    page = root.render()
    page = page.replace('<html>', f'<html lang="{language}">', 1)
    page = inline_assets(page) if offline else page
    return fill_slots(page, {TITLE_SLOT: esc(pick(config.study.title, language)), DATA_SLOT: data_text(pack(data, result))})


#: Where the page's data and title go once the page is rendered (:func:`fill_slots`): no config or
#: data string is ever part of a template's source, so none can be read as Jinja.
DATA_SLOT = "/*nexus_zones:data*/null"
TITLE_SLOT = "nexus_zones:title"


def data_json(data: dict) -> str:
    """The page's data as a JavaScript literal safe inside a ``<script>``: Jinja's ``tojson``
    (``<``, ``>``, ``&`` and ``'`` written as ``\\u`` escapes, so no ``</script>`` can appear),
    without its spaces (the units' topology is mostly numbers, where ", " and ": " would add a fifth)."""
    return str(htmlsafe_json_dumps(data, separators=(",", ":"), sort_keys=True))


#: Above this many characters of JSON the page's payload travels compressed (:func:`data_text`).
COMPRESS_ABOVE = 1_000_000


def data_text(data: dict, *, compress_above: int | None = None) -> str:
    """The page's payload as the script holds it: :func:`data_json`; above ``compress_above``
    characters of JSON (:data:`COMPRESS_ABOVE`), ``{"gz": …, "old": …}``, the compact JSON
    gzip-compressed (level 6: level 9 saves 0.4 % of 5,000 units' payload in twice the time) and
    base64-encoded (letters, digits, ``+``, ``/`` and ``=``: nothing that can close the script),
    which ``payload.js`` opens with the browser's own ``DecompressionStream``; ``old``: what the
    page says in a browser without one (message ``browser_too_old``)."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if len(text) <= (COMPRESS_ABOVE if compress_above is None else compress_above):
        return data_json(data)
    packed = base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)).decode("ascii")
    return data_json({"gz": packed, "old": t("browser_too_old", data["language"])})


def fill_slots(page: str, values: dict[str, str]) -> str:
    """``page`` with each slot replaced by its value, in one pass (a value is never searched again
    for slots). Each slot must appear exactly once in the rendered page, which then holds no
    user text yet."""
    for slot in values:
        if page.count(slot) != 1:  # pragma: no cover - a change to the page's templates
            raise AssertionError(f"map page: slot {slot!r} found {page.count(slot)} times; expected once")
    return re.sub("|".join(re.escape(s) for s in values), lambda m: values[m.group(0)], page)
