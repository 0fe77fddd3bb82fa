"""The mission map: one self-contained, bilingual Folium page per study, explained and tunable.

* **One geometry, many views.** The units are embedded once (simplified with topology kept, so shared
  borders stay shared, and rounded to ``map.precision`` decimals). The score, each indicator, the
  rules, robustness, similarity and profiles are colourings of that one layer, chosen in the layer
  control; each view brings its own legend (continuous, fixed classes, or categories).
* **Explain every unit.** A popup and a side panel give the rank, region rank, rank band and robust
  flag, a points bar per indicator, raw values with their source and period, the rules passed and
  failed, and sentences in the style of the 2018 mission report ("Moins d'incidents sécuritaires en
  2017 (2, contre 16 en moyenne dans la région)").
* **Tune in the meeting.** Weight sliders recompute scores and ranks in the page from the embedded
  normalised values, with the same arithmetic as :mod:`nexus_zones.score` (the browser tests check
  that they agree), restyle the map, reorder the ranking table and outline the top units; a button
  resets the config's weights and another copies the chosen weights as YAML.
* **Offline.** With ``map.offline`` (the default) every script and style is inlined from installed
  packages (:mod:`nexus_zones.offline`); region outlines and unit names from our own data make a
  basemap that reads without tiles; tiles are an overlay drawn only when online.
* **French and English** from one catalogue (:mod:`nexus_zones.messages`).

Every string that comes from data or config is HTML-escaped here, before it reaches the page.
"""

from __future__ import annotations

import html
import math
from datetime import date
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from . import geometry
from .messages import number, pick, sentences, t
from .offline import inline_assets

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import RunResult

__all__ = ["build_map", "PALETTE", "CATEGORIES", "colour", "fmt", "scale_ends", "unit_sentences", "label_of"]

#: ColorBrewer YlGn, light (least suitable) to dark green (most suitable).
PALETTE = ("#ffffe5", "#f7fcb9", "#d9f0a3", "#addd8e", "#78c679", "#41ab5d", "#238443", "#006837", "#004529")
NO_DATA = "#bdbdbd"
PASS = "#1a9850"
FAIL = "#d73027"
#: Categorical colours (ColorBrewer Set2) for profiles.
CATEGORIES = ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3")
#: Unit names are drawn on the basemap up to this many units.
MAX_UNIT_LABELS = 80


def colour(value: float | None, classes: int = 0) -> str:
    """Colour of a value on the 0–1 scale: linear interpolation in :data:`PALETTE`, or with
    ``classes`` that many equal-interval classes; grey if missing. The page computes the same."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "<NA>":
        return NO_DATA
    x = min(max(float(value), 0.0), 1.0)
    if classes:
        x = min(math.floor(x * classes), classes - 1) / (classes - 1)
    x *= len(PALETTE) - 1
    i = min(int(math.floor(x)), len(PALETTE) - 2)
    frac = x - i
    a = [int(PALETTE[i][k : k + 2], 16) for k in (1, 3, 5)]
    b = [int(PALETTE[i + 1][k : k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{int(math.floor(p + (q - p) * frac + 0.5)):02x}" for p, q in zip(a, b))


def esc(value: Any) -> str:
    """HTML-escape any value for the page."""
    return html.escape(str(value), quote=True)


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


def label_of(config, name: str, language: str) -> str:
    """An indicator's label in a language (its name when it has none)."""
    return pick(config.indicators[name].label, language, name)



def scale_ends(ind, raw, norm) -> tuple[float, float]:
    """The raw values at the two ends of an indicator's colour scale (0 and 1 after normalisation):
    the goalposts or the threshold curve's ends where they are fixed, the ±3 sd of a z-score, else
    the observed values that got the lowest and highest normalised value. Values are shown on the
    indicator's own scale (a log1p transform is undone)."""
    import warnings

    from .normalise import prepare

    inverse = np.expm1 if ind.transform == "log1p" else (lambda v: v)
    if ind.goalposts is not None and ind.normalisation in ("goalposts", "inform"):
        lo, hi = (float(inverse(g)) for g in ind.goalposts)
        return (hi, lo) if ind.direction == "cost" else (lo, hi)
    if ind.normalisation == "threshold" and ind.thresholds:
        xs = [p[0] for p in ind.thresholds]
        ys = [p[1] for p in ind.thresholds]
        return float(inverse(xs[int(np.argmin(ys))])), float(inverse(xs[int(np.argmax(ys))]))
    known = raw.notna() & norm.notna()
    if not known.any():
        return float("nan"), float("nan")
    if ind.normalisation == "zscore":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prepared = prepare(raw[known], {"transform": ind.transform, "winsorise": ind.winsorise}, "")
        if prepared.nunique() > 1:
            low, high = prepared.mean() - 3 * prepared.std(ddof=0), prepared.mean() + 3 * prepared.std(ddof=0)
            low, high = float(inverse(max(low, 0.0) if ind.transform == "log1p" else low)), float(inverse(high))
            return (high, low) if ind.direction == "cost" else (low, high)
    worst = raw[known][norm[known] == norm[known].min()].iloc[0]
    best = raw[known][norm[known] == norm[known].max()].iloc[0]
    return float(worst), float(best)


def _period(layer, language: str) -> str:
    """The period a layer's values describe: its ``period`` text, its date window or its round."""
    if getattr(layer, "period", None):
        return pick(layer.period, language)
    window = getattr(layer, "window", None)
    if window and window != (None, None):
        start, end = window
        if start and end and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
            return str(start.year)
        return f"{start or '…'} – {end or '…'}"
    if getattr(layer, "as_of", None):
        return str(layer.as_of)
    return ""


def unit_sentences(result: "RunResult", unit: str, language: str) -> list[tuple[str, bool]]:
    """Sentences comparing a unit with the mean of the other units of its region (of all other units
    where it is alone), strengths first, then by weight; each with whether it is a strength."""
    config, scores = result.config, result.scores
    region = scores.at[unit, "region"]
    others = scores.index[(scores["region"] == region) & (scores.index != unit)]
    if not len(others):
        others = scores.index[scores.index != unit]
    out = []
    weights = result.scored.weights
    for name, ind in config.indicators.items():
        label = label_of(config, name, language)
        phrase = pick(ind.phrase, language) or (label[:1].lower() + label[1:] if label[1:2].islower() else label)
        said = sentences(scores.at[unit, name], scores.loc[others, name].astype(float).mean(), phrase, ind.direction, language)
        if said:
            out.append((said[0], said[1], weights.get(name, 0.0)))
    out.sort(key=lambda s: (not s[1], -s[2]))
    return [(text, strength) for text, strength, _ in out]


def _popup_body(row: Any, result: "RunResult", language: str) -> str:
    """The static part of a unit's popup (the score line above it is written by the page)."""
    config = result.config
    unit = row.name
    parts: list[str] = []
    status_key = {"ranked": None, "ranked, fails rules": "status_fails", "not ranked: fails rules": "status_excluded",
                  "not scored: missing data": "status_missing"}.get(row["status"])
    if status_key:
        parts.append(f'<p class="nz-status">{esc(t(status_key, language))}</p>')
    if "rank_p05" in row.index and _present(row["rank_p05"]):
        rb = config.robustness
        band = f"{int(row['rank_p05'])}–{int(row['rank_p95'])}" if row["rank_p05"] != row["rank_p95"] else f"{int(row['rank_p05'])}"
        verdict = f"<b>{t('robust' if bool(row['robust']) else 'not_robust', language)}</b>"
        share_top = f"{100 * row['share_top_k']:.0f}"
        parts.append(f'<p class="nz-band">{t("band", language, band=band, draws=rb.draws, k=rb.top_k, share=share_top, verdict=verdict)}</p>')
    extras = []
    if "completeness" in row.index and _present(row["completeness"]) and row["completeness"] < 1:
        extras.append(t("complete", language, share=f"{100 * row['completeness']:.0f}"))
    if "similarity" in row.index and _present(row["similarity"]):
        extras.append(t("similar", language, ref=esc(config.typology.reference), value=f"{row['similarity']:.2f}"))
    if "profile" in row.index and _present(row["profile"]):
        extras.append(t("profile", language, n=int(row["profile"])))
    if extras:
        parts.append(f"<p>{' · '.join(extras)}</p>")
    said = unit_sentences(result, unit, language)
    if said:
        items = "".join(f'<li class="{"ok" if good else "ko"}">{esc(text)}</li>' for text, good in said)
        parts.append(f'<div class="nz-why"><b>{esc(t("why", language))}</b><ul>{items}</ul></div>')
    parts.append(
        f'<table class="nz-ind"><tr><th>{t("indicator", language)}</th><th>{t("value", language)}</th><th>0–1</th><th>{t("points", language)}</th></tr>'
    )
    weights = result.scored.weights
    for name, ind in config.indicators.items():
        contrib = row[f"{name}_contrib"]
        max_points = 100.0 * weights[name]
        share = 0.0 if not max_points or not _present(contrib) else 100.0 * contrib / max_points
        layer = config.layers.get(ind.measure.split(".", 1)[0])
        source = pick(layer.source, language) if layer is not None and layer.source else ""
        period = _period(layer, language) if layer is not None else ""
        about = " · ".join(x for x in (source, period) if x)
        imputed = bool(result.imputed.at[unit, name]) if name in result.imputed.columns else False
        parts.append(
            f'<tr><td>{esc(label_of(config, name, language))}{" <i>(" + t("imputed", language) + ")</i>" if imputed else ""}'
            f'{f"<div class=nz-about>{esc(about)}</div>" if about else ""}</td>'
            f"<td>{fmt(row[name], language=language)}</td><td>{fmt(row[f'{name}_norm'], 2, language)}</td>"
            f'<td><span class="nz-bar"><span style="width:{share:.0f}%"></span></span> {fmt(contrib, 2, language)}</td></tr>'
        )
    parts.append("</table>")
    if config.rules:
        parts.append('<ul class="nz-rules">')
        for rname, rule in config.rules.items():
            ok = bool(row[f"rule_{rname}"])
            unknown = bool(result.scored.rules_unknown.at[unit, rname])
            text = esc(pick(rule.label, language, rule.expr)) + (" " + t("no_data_rule", language) if unknown else "")
            parts.append(f'<li class="{"ok" if ok else "ko"}">{"✔" if ok else "✘"} {text}</li>')
        parts.append("</ul>")
    return "".join(parts)


def _ramp(title: str, low: str, high: str, has_missing: bool, classes: int, language: str) -> str:
    missing = f'<div><span class="nz-sw" style="background:{NO_DATA}"></span> {esc(t("no_data", language))}</div>' if has_missing else ""
    if classes:
        swatches = "".join(f'<span class="nz-class" style="background:{colour((i + 0.5) / classes, classes)}"></span>' for i in range(classes))
        bar = f'<div class="nz-classes">{swatches}</div>'
    else:
        bar = f'<div class="nz-ramp" style="background:linear-gradient(to right, {", ".join(PALETTE)})"></div>'
    return f'<div class="nz-legend-title">{esc(title)}</div>{bar}<div class="nz-ramp-labels"><span>{low}</span><span>{high}</span></div>{missing}'


def _views(result: "RunResult", language: str) -> list[dict]:
    config, scores = result.config, result.scores
    classes = config.map.classes
    views: list[dict] = [
        {"id": "score", "label": t("score", language), "colour": lambda row: colour(row["score"] / 100.0 if _present(row["score"]) else None, classes),
         "legend": _ramp(t("score_legend", language), "0", "100", bool(scores["score"].isna().any()), classes, language)}
    ]
    for name, ind in config.indicators.items():
        worst, best = scale_ends(ind, scores[name], scores[f"{name}_norm"])
        label = label_of(config, name, language)
        layer = config.layers.get(ind.measure.split(".", 1)[0])
        source = pick(layer.source, language) if layer is not None and layer.source else ""
        title = f"{label} ({t('lower_better' if ind.direction == 'cost' else 'higher_better', language)}; {t('weight', language)} {result.scored.weights[name]:.0%})"
        legend = _ramp(title, f"{t('least', language)}: {fmt(worst, language=language)}", f"{t('most', language)}: {fmt(best, language=language)}",
                       bool(scores[f"{name}_norm"].isna().any()), classes, language)
        if source:
            legend += f'<div class="nz-src">{t("source", language)}: {esc(source)}</div>'
        views.append({"id": f"i_{name}", "label": label, "colour": (lambda row, n=name: colour(row[f"{n}_norm"], classes)), "legend": legend})
    if config.rules:
        items = "".join(f'<div><span class="nz-sw" style="background:{c}"></span> {esc(t(k, language))}</div>' for c, k in ((PASS, "passes_all"), (FAIL, "fails_one")))
        rule_list = "".join(f"<li>{esc(pick(r.label, language, r.expr))}</li>" for r in config.rules.values())
        views.append({"id": "rules", "label": t("rules_view", language), "colour": lambda row: PASS if bool(row["passes_rules"]) else FAIL,
                      "legend": f'<div class="nz-legend-title">{t("rules", language)}</div>{items}<ul class="nz-legend-rules">{rule_list}</ul>'})
    rb = config.robustness
    if "share_top_k" in scores.columns:
        legend = _ramp(t("robustness_legend", language, draws=rb.draws, k=rb.top_k), "0 %", "100 %", bool(scores["share_top_k"].isna().any()), 0, language)
        legend += f'<div class="nz-src">{t("robust_def", language, k=rb.top_k, hi=f"{rb.robust_share:.0%}", lo=f"{1 - rb.robust_share:.0%}")}</div>'
        views.append({"id": "robustness", "label": t("robustness_view", language, k=rb.top_k),
                      "colour": lambda row: colour(row["share_top_k"]), "legend": legend})
    if "similarity" in scores.columns:
        ref = esc(config.typology.reference)
        views.append({"id": "similarity", "label": t("similarity_view", language, ref=ref), "colour": lambda row: colour(row["similarity"]),
                      "legend": _ramp(t("similarity_legend", language, ref=config.typology.reference), t("opposite", language), t("identical", language),
                                      bool(scores["similarity"].isna().any()), 0, language)})
    if "profile" in scores.columns and scores["profile"].notna().any():
        centres = result.analyses.profiles if result.analyses is not None else None
        items = []
        for p in range(1, int(scores["profile"].max()) + 1):
            detail = ""
            if centres is not None and p in centres.index:
                top = centres.loc[p].sort_values(ascending=False)
                detail = " — " + esc(t("strongest", language, a=label_of(config, top.index[0], language), b=label_of(config, top.index[-1], language)))
            items.append(f'<div><span class="nz-sw" style="background:{CATEGORIES[(p - 1) % len(CATEGORIES)]}"></span> {t("profile", language, n=p)}{detail}</div>')
        views.append({"id": "profiles", "label": t("profiles_view", language),
                      "colour": lambda row: CATEGORIES[(int(row["profile"]) - 1) % len(CATEGORIES)] if _present(row["profile"]) else NO_DATA,
                      "legend": f'<div class="nz-legend-title">{t("profiles_legend", language)}</div>{"".join(items)}'})
    return views


def _round(geoms: np.ndarray, decimals: int) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def _mapping(geom) -> dict:
    return shapely.geometry.mapping(geom)


def _geometries(result: "RunResult") -> np.ndarray:
    """The units' polygons, simplified as one coverage (shared borders stay shared) and rounded."""
    spec = result.config.map
    geoms = result.scores.geometry.to_numpy()
    labels, source = _unit_labels(result), "map"
    if spec.simplify > 0:
        geoms = geometry.safe_op(lambda g: shapely.coverage_simplify(g, spec.simplify), geoms, labels, what=f"simplification (map.simplify = {spec.simplify:g})", source=source)
        geoms = geometry.repair(geoms, labels, source=source, cause=f"became invalid once simplified (map.simplify = {spec.simplify:g}; a smaller value avoids it)")
    rounded = _round(geoms, spec.precision)
    return geometry.repair(rounded, labels, source=source, cause=f"became invalid once rounded to map.precision = {spec.precision} decimals (a higher precision avoids it)")


def _unit_labels(result: "RunResult") -> list[str]:
    return [f"{name} ({unit})" for unit, name in result.scores["name"].items()]


def _basemap(result: "RunResult", geoms: np.ndarray) -> dict:
    """Region outlines and labels, and unit labels, from our own data (a basemap without tiles)."""
    scores = result.scores
    precision = result.config.map.precision
    regions = []
    labels = _unit_labels(result)
    for region, idx in pd.Series(range(len(scores)), index=scores["region"].to_numpy()).groupby(level=0):
        if not region:
            continue
        members = idx.to_numpy()
        shape = geometry.safe_op(shapely.union_all, geoms[members], [labels[i] for i in members], what=f"outline of region {region}", source="map")
        point = shape.representative_point()
        regions.append({"outline": _mapping(_round(np.array([shape.boundary]), precision)[0]), "label": esc(region),
                        "at": [round(point.y, precision), round(point.x, precision)]})
    labels = []
    if len(scores) <= MAX_UNIT_LABELS:
        for (unit, row), geom in zip(scores.iterrows(), geoms):
            point = geom.representative_point()
            labels.append({"label": esc(row["name"]), "at": [round(point.y, precision), round(point.x, precision)]})
    return {"regions": regions, "unit_labels": labels}


def _point_layers(result: "RunResult", language: str) -> list[dict]:
    """Points of the configured layers (on demand in the page), as counted: in the window, of the types."""
    from .config import PointsLayerSpec

    config = result.config
    names = config.map.point_layers if config.map.point_layers is not None else [n for n, l in config.layers.items() if isinstance(l, PointsLayerSpec)]
    out = []
    precision = config.map.precision
    for name in names:
        layer = config.layers[name]
        points = result.points.get(name)
        if points is None or not len(points):
            continue
        keep = np.ones(len(points), dtype=bool)
        start, end = layer.window
        if "date" in points.columns and (start or end):
            dates = pd.to_datetime(points["date"]).dt.normalize()
            if start:
                keep &= (dates >= pd.Timestamp(start)).to_numpy()
            if end:
                keep &= (dates <= pd.Timestamp(end)).to_numpy()
        if layer.types and "type" in points.columns:
            keep &= points["type"].isin(layer.types).to_numpy()
        chosen = points[keep]
        xy = shapely.get_coordinates(chosen.geometry.to_numpy())
        text_cols = [c for c in ("category", "type", "date") if c in chosen.columns]
        items = []
        for (x, y), (_, row) in zip(xy, chosen.iterrows()):
            bits = [str(row[c].date()) if c == "date" and _present(row[c]) else str(row[c]) for c in text_cols]
            items.append([round(float(y), precision), round(float(x), precision), esc(" · ".join(bits))])
        title = t("points_layer", language, label=esc(name))
        out.append({"id": name, "label": title, "points": items})
    return out


class _App(MacroElement):
    """The page's own code: views, legends, popups, side panel, sliders, ranking table, overlays."""

    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>
.nz-legend, .nz-title, .nz-panel, .nz-side {background: rgba(255,255,255,0.94); padding: 6px 10px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.35 system-ui, sans-serif;}
.nz-legend, .nz-title {max-width: 320px;} .nz-title h3 {margin: 0 0 3px 0; font-size: 15px;} .nz-title p {margin: 2px 0;}
.nz-note {color: #8a3b00; font-weight: 600;} .nz-src, .nz-about {color: #555; font-size: 11px; margin-top: 2px; max-width: 300px;}
.nz-legend-title {font-weight: 600; margin-bottom: 4px;}
.nz-ramp {height: 12px; width: 240px; border: 1px solid #999;} .nz-classes {display: flex; width: 242px;} .nz-class {flex: 1; height: 12px; border: 1px solid #999;}
.nz-ramp-labels {display: flex; justify-content: space-between; width: 242px; font-size: 11px;}
.nz-sw {display: inline-block; width: 14px; height: 12px; border: 1px solid #777; vertical-align: middle;}
.nz-legend-rules {margin: 4px 0 0 16px; padding: 0;}
.nz-popup h4 {margin: 0 0 4px 0;} .nz-popup small {color: #555; font-weight: normal;}
.nz-popup {font-size: 12px;} .nz-popup h4 {font-size: 14px;} .nz-popup p {margin: 3px 0;} .nz-status {color: #b00;} .nz-band {color: #333;}
.nz-popup table.nz-ind {border-collapse: collapse; font-size: 12px; margin: 0;} .nz-ind td, .nz-ind th {padding: 1px 5px; text-align: left; border-bottom: 1px solid #eee; vertical-align: top;}
.nz-bar {display: inline-block; width: 50px; height: 8px; background: #eee; vertical-align: middle;} .nz-bar span {display: block; height: 8px; background: #238443;}
.nz-rules, .nz-why ul {margin: 5px 0 0 0; padding-left: 4px; list-style: none; font-size: 13px;}
.nz-rules .ok, .nz-why .ok {color: #1a6b35;} .nz-rules .ko, .nz-why .ko {color: #b2182b;}
.nz-why ul li::before {content: "• ";}
.nz-panel {max-width: 300px;} .nz-panel summary {cursor: pointer; font-weight: 600;}
.nz-panel label {display: block; margin-top: 4px;} .nz-panel label span {display: block;} .nz-panel input[type=range] {width: 180px; vertical-align: middle;}
.nz-panel output {display: inline-block; width: 3.5em; text-align: right;} .nz-panel button {margin: 4px 4px 0 0;}
.nz-panel textarea {width: 270px; height: 90px; font: 11px monospace; display: none; margin-top: 4px;}
.nz-ranking {max-height: 260px; overflow-y: auto;} .nz-ranking table {border-collapse: collapse; font-size: 12px;}
.nz-ranking td, .nz-ranking th {padding: 1px 5px; border-bottom: 1px solid #eee; text-align: left;}
.nz-moved-up {color: #1a6b35;} .nz-moved-down {color: #b2182b;}
.nz-side {max-width: 420px; max-height: 55vh; overflow-y: auto; display: none;} .nz-pin {font-size: 11px; margin: 2px 0;}
.nz-title details summary {cursor: pointer; color: #555; font-size: 11px;} .nz-side .nz-close {float: right; cursor: pointer; border: 0; background: none; font-size: 16px;}
.nz-label {color: #222; font: 11px system-ui, sans-serif; text-shadow: 0 0 3px #fff, 0 0 3px #fff; white-space: nowrap; pointer-events: none;}
.nz-region-label {color: #333; font: italic 600 13px system-ui, sans-serif; text-shadow: 0 0 3px #fff, 0 0 3px #fff; white-space: nowrap; pointer-events: none;}
path.leaflet-interactive:focus:not(:focus-visible) {outline: 0;}
.leaflet-container {background: #f2efe9;}
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  "use strict";
  var map = {{ this._parent.get_name() }};
  var D = {{ this.data|tojson }};
  var T = D.text;
  var PAL = D.palette;
  var units = D.units.features;
  var K = D.indicators.length;

  // ------------------------------------------------------------ colours (as nexus_zones.maps.colour)
  function colour(x, classes) {
    if (x === null || x === undefined || isNaN(x)) { return D.no_data; }
    x = Math.min(Math.max(x, 0), 1);
    if (classes) { x = Math.min(Math.floor(x * classes), classes - 1) / (classes - 1); }
    x = x * (PAL.length - 1);
    var i = Math.min(Math.floor(x), PAL.length - 2), f = x - i, out = "#";
    for (var k = 1; k < 7; k += 2) {
      var p = parseInt(PAL[i].substr(k, 2), 16), q = parseInt(PAL[i + 1].substr(k, 2), 16);
      var c = Math.floor(p + (q - p) * f + 0.5).toString(16);
      out += (c.length < 2 ? "0" : "") + c;
    }
    return out;
  }

  // ------------------------------------------------------- scoring (as nexus_zones.score.composite)
  var FLOOR = D.geometric_floor, TIE = D.tie_tolerance;
  function combine(rows, w, method) {
    var n = rows.length, m = w.length, out = new Array(n), i, k;
    if (method === "arithmetic") {
      for (i = 0; i < n; i++) { var s = 0; for (k = 0; k < m; k++) { s += rows[i][k] * w[k]; } out[i] = s; }
    } else if (method === "geometric") {
      for (i = 0; i < n; i++) {
        var l = 0; for (k = 0; k < m; k++) { l += Math.log(FLOOR + (1 - FLOOR) * rows[i][k]) * w[k]; }
        out[i] = Math.min(Math.max((Math.exp(l) - FLOOR) / (1 - FLOOR), 0), 1);
      }
    } else {
      var best = [], worst = [];
      for (k = 0; k < m; k++) {
        best[k] = -Infinity; worst[k] = Infinity;
        for (i = 0; i < n; i++) { best[k] = Math.max(best[k], rows[i][k]); worst[k] = Math.min(worst[k], rows[i][k]); }
      }
      for (i = 0; i < n; i++) {
        var dp = 0, dm = 0;
        for (k = 0; k < m; k++) {
          var w2 = w[k] * w[k];
          dp += (rows[i][k] - best[k]) * (rows[i][k] - best[k]) * w2;
          dm += (rows[i][k] - worst[k]) * (rows[i][k] - worst[k]) * w2;
        }
        dp = Math.sqrt(dp); dm = Math.sqrt(dm);
        out[i] = dp + dm > 0 ? dm / (dp + dm) : 1;
      }
    }
    return out;
  }
  function groups() {
    if (D.pillars.length) { return D.pillars; }
    var all = []; for (var k = 0; k < K; k++) { all.push(k); }
    return [{indices: all, weight: 1, aggregation: D.aggregation}];
  }
  function split(wInd, wPil) {
    var inner = new Array(K).fill(0), gs = groups(), outer = [], total = 0, eff = new Array(K).fill(0);
    gs.forEach(function (g, p) {
      var sum = 0; g.indices.forEach(function (k) { sum += wInd[k]; });
      g.indices.forEach(function (k) { inner[k] = sum > 0 ? wInd[k] / sum : 1 / g.indices.length; });
      outer.push(D.pillars.length ? wPil[p] : 1); total += outer[p];
    });
    outer = outer.map(function (o) { return total > 0 ? o / total : 0; });
    gs.forEach(function (g, p) { g.indices.forEach(function (k) { eff[k] = outer[p] * inner[k]; }); });
    return {inner: inner, outer: outer, eff: eff, groups: gs};
  }
  function scoreAll(wInd, wPil) {
    var sp = split(wInd, wPil), complete = [], rows = [], scores = new Array(units.length).fill(null);
    units.forEach(function (u, i) {
      var norm = u.properties.norm, miss = false, row = [];
      for (var k = 0; k < K; k++) {
        if (norm[k] === null) { if (sp.eff[k] > 0) { miss = true; } row.push(0); } else { row.push(norm[k]); }
      }
      if (!miss) { complete.push(i); rows.push(row); }
    });
    if (!rows.length) { return scores; }
    var result;
    if (!D.pillars.length) {
      result = combine(rows, sp.inner, D.aggregation);
    } else {
      var pillarRows = rows.map(function () { return []; });
      sp.groups.forEach(function (g) {
        var sub = rows.map(function (r) { return g.indices.map(function (k) { return r[k]; }); });
        var w = g.indices.map(function (k) { return sp.inner[k]; });
        combine(sub, w, g.aggregation).forEach(function (v, i) { pillarRows[i].push(v); });
      });
      result = combine(pillarRows, sp.outer, D.aggregation);
    }
    complete.forEach(function (i, j) { scores[i] = 100 * result[j]; });
    return scores;
  }
  function rankAll(scores) {
    var snapped = scores.map(function (s) { return s === null ? null : Math.round(s / TIE) * TIE; });
    var rank = new Array(units.length).fill(null), regionRank = new Array(units.length).fill(null);
    units.forEach(function (u, i) {
      if (!u.properties.eligible || snapped[i] === null) { return; }
      var r = 1, rr = 1;
      units.forEach(function (v, j) {
        if (!v.properties.eligible || snapped[j] === null || snapped[j] <= snapped[i]) { return; }
        r += 1; if (v.properties.region_key === u.properties.region_key) { rr += 1; }
      });
      rank[i] = r; regionRank[i] = rr;
    });
    return {rank: rank, region: regionRank};
  }

  // ------------------------------------------------------------------------------------ state
  var state = {weights: D.indicators.map(function (x) { return x.weight; }),
               pillarWeights: D.pillars.map(function (p) { return p.weight; }), scores: [], rank: [], regionRank: []};
  function recompute() {
    state.scores = scoreAll(state.weights, state.pillarWeights);
    var r = rankAll(state.scores); state.rank = r.rank; state.regionRank = r.region;
    units.forEach(function (u, i) { u.properties._c_score = colour(state.scores[i] === null ? null : state.scores[i] / 100, D.classes); });
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
    L.geoJSON(r.outline, {interactive: false, style: {color: "#333", weight: 2.5, opacity: 0.9, fill: false}}).addTo(outlines);
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
  {% for label, name in this.overlays %}control.addOverlay({{ name }}, {{ label|tojson }});
  {% endfor %}
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
  function refresh() {
    recompute();
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
    var y = "indicators:\\n";
    D.indicators.forEach(function (x, k) { y += "  " + x.id + ":\\n    weight: " + number(state.weights[k]) + "\\n"; });
    if (D.pillars.length) {
      y += "model:\\n  pillars:\\n";
      D.pillars.forEach(function (p, j) { y += "    " + p.id + ":\\n      weight: " + number(state.pillarWeights[j]) + "\\n"; });
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

  window.nexusZones = {map: map, geo: geo, state: state, data: D, units: units, setWeights: function (w, pw) {
    box.querySelectorAll("input[data-indicator]").forEach(function (s) { if (w && w[D.indicators[+s.dataset.indicator].id] !== undefined) { s.value = w[D.indicators[+s.dataset.indicator].id]; } });
    box.querySelectorAll("input[data-pillar]").forEach(function (s) { if (pw && pw[D.pillars[+s.dataset.pillar].id] !== undefined) { s.value = pw[D.pillars[+s.dataset.pillar].id]; } });
    readSliders(); refresh();
  }};
})();
{% endmacro %}
"""
    )

    def __init__(self, data: dict, overlays: list[tuple[str, str]]):
        super().__init__()
        self._name = "NexusApp"
        self.data = data
        self.overlays = overlays


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


def page_data(result: "RunResult", language: str) -> dict:
    """Everything the page's code needs, with every string escaped."""
    from .score import GEOMETRIC_FLOOR, TIE_TOLERANCE

    config, scores = result.config, result.scores
    views = _views(result, language)
    geoms = _geometries(result)
    names = list(config.indicators)
    weights = config.indicator_weights()
    largest = max(weights.values()) if weights else 1.0
    region_keys = {r: i for i, r in enumerate(sorted(set(scores["region"])))}
    eligible = result.scored.eligible.reindex(scores.index).fillna(False) if result.scored.eligible is not None else scores["rank"].notna()
    features = []
    for (unit, row), geom in zip(scores.iterrows(), geoms):
        props: dict[str, Any] = {
            "unit_id": esc(unit), "name": esc(row["name"]), "region": esc(row["region"]), "region_key": region_keys[row["region"]],
            "config_rank": int(row["rank"]) if _present(row["rank"]) else None,
            "eligible": bool(eligible[unit]),
            "norm": [None if not _present(row[f"{n}_norm"]) else float(row[f"{n}_norm"]) for n in names],
            "popup": _popup_body(row, result, language),
        }
        for view in views:
            props[f"_c_{view['id']}"] = view["colour"](row)
        features.append({"type": "Feature", "id": str(unit), "properties": props, "geometry": _mapping(geom)})
    indicators = []
    for n in names:
        indicators.append({"id": n, "label": esc(label_of(config, n, language)), "weight": weights[n], "max": _slider_max(weights[n], largest)})
    pillars = []
    pillar_weights = config.pillar_weights()
    for p, spec in config.model.pillars.items():
        pillars.append({"id": p, "label": esc(pick(spec.label, language, p)), "weight": pillar_weights[p],
                        "max": _slider_max(pillar_weights[p], max(pillar_weights.values())),
                        "aggregation": spec.aggregation, "indices": [names.index(i) for i in spec.indicators]})
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
                 "copied", "select_copy", "pillar", "outlines", "pin", "score_short")
    text = {k: t(k, language) for k in text_keys}
    text["score_line"] = t("score_line", language, score="{score}", rank="{rank}", ranked="{ranked}", region_rank="{region_rank}")
    text["top_k"] = t("top_k", language, k=config.map.top_k or config.robustness.top_k)
    text["unit_names"] = {"en": "Unit names", "fr": "Noms des unités"}[language]
    return {
        "language": language,
        "text": text,
        "palette": list(PALETTE), "no_data": NO_DATA, "classes": config.map.classes,
        "geometric_floor": GEOMETRIC_FLOOR, "tie_tolerance": TIE_TOLERANCE,
        "aggregation": config.model.aggregation,
        "indicators": indicators, "pillars": pillars,
        "top_k": config.map.top_k or config.robustness.top_k,
        "units": {"type": "FeatureCollection", "features": features},
        "views": [{"id": v["id"], "label": esc(v["label"]) if v["id"].startswith("i_") else v["label"], "legend": v["legend"]} for v in views],
        "basemap": _basemap(result, geoms),
        "points": _point_layers(result, language),
        "title_html": title_html,
    }


def build_map(result: "RunResult", *, offline: bool | None = None) -> str:
    """Render the study's map as one HTML page (returned as text); self-contained when ``offline``
    (default: the config's ``map.offline``)."""
    config = result.config
    language = config.language
    offline = config.map.offline if offline is None else offline
    data = page_data(result, language)
    minx, miny, maxx, maxy = result.scores.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=6, tiles=None, control_scale=True)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    overlays: list[tuple[str, str]] = []
    if config.map.tiles:
        tiles = folium.TileLayer("OpenStreetMap", name=t("tiles", language), overlay=True, control=False, show=True)
        tiles.add_to(fmap)
        overlays.append((esc(t("tiles", language)), tiles.get_name()))
    if data["points"]:
        _MarkerClusterAssets().add_to(fmap)
    _App(data, overlays).add_to(fmap)
    root = fmap.get_root()
    root.header.add_child(Element(f"<title>{esc(pick(config.study.title, language))}</title>"), name="nz_title")
    root.header.add_child(Element('<meta name="generator" content="nexus_zones">'), name="nz_generator")
    page = root.render()
    page = page.replace('<html>', f'<html lang="{language}">', 1)
    return inline_assets(page) if offline else page
