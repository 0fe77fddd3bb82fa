"""The interactive map: one self-contained Folium HTML page per study.

The units are embedded once, as one GeoJSON layer. Its *views* (the score, each indicator, the
rules) are colourings of that one layer, chosen in a layer control; each view brings its own legend.
Colours are computed here, in Python, from the normalised values (higher = better for a pilot),
so the page only switches between them. The tooltip gives name, score, rank and region rank; the
popup gives raw values, normalised values, each indicator's contribution to the score and the rules
passed and failed.

Every string that comes from data or config is HTML-escaped before it reaches the page, and the page
carries its own copies of Leaflet and jQuery (see :mod:`nexus_zones.offline`), so it works with no
network; map tiles are an optional overlay drawn only when online.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any, Sequence

import folium
import numpy as np
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from .offline import inline_assets

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import RunResult

__all__ = ["build_map", "PALETTE", "colour", "feature_collection"]

#: ColorBrewer YlGn, light (least suitable) to dark green (most suitable).
PALETTE = ("#ffffe5", "#f7fcb9", "#d9f0a3", "#addd8e", "#78c679", "#41ab5d", "#238443", "#006837", "#004529")
NO_DATA = "#bdbdbd"
#: Categorical colours (ColorBrewer Set2) for profiles.
CATEGORIES = ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3")
PASS = "#1a9850"
FAIL = "#d73027"
COORD_DECIMALS = 5  # about 1 m


def colour(value: float) -> str:
    """Colour of a value on the 0–1 scale (linear interpolation in :data:`PALETTE`); grey if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    x = min(max(float(value), 0.0), 1.0) * (len(PALETTE) - 1)
    i = min(int(math.floor(x)), len(PALETTE) - 2)
    t = x - i
    a = [int(PALETTE[i][k : k + 2], 16) for k in (1, 3, 5)]
    b = [int(PALETTE[i + 1][k : k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * t):02x}" for p, q in zip(a, b))


def esc(value: Any) -> str:
    """HTML-escape any value for the page."""
    return html.escape(str(value), quote=True)


def fmt(value: Any, digits: int = 3) -> str:
    """A number for people: integers without decimals, others with ``digits`` significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    try:
        if value is not None and hasattr(value, "__float__") and str(value) == "<NA>":
            return "–"
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if (v.is_integer() or abs(v) >= 1000) and abs(v) < 1e15:
        return f"{round(v):,}".replace(",", "\u202f")
    return f"{v:.{digits}g}"


def _present(value: Any) -> bool:
    return value is not None and str(value) != "<NA>" and not (isinstance(value, float) and math.isnan(value))


def _rank_text(value: Any) -> str:
    return "not ranked" if value is None or str(value) == "<NA>" else str(int(value))


def _popup(row: Any, result: "RunResult", n_ranked: int) -> str:
    config = result.config
    parts = [
        '<div class="nz-popup">',
        f"<h4>{esc(row['name'])} <small>{esc(row.name)}{(' · ' + esc(row['region'])) if row['region'] else ''}</small></h4>",
        f"<p><b>Score {fmt(row['score'], 3)}</b> / 100 · rank {esc(_rank_text(row['rank']))} of {n_ranked}"
        f" · region rank {esc(_rank_text(row['region_rank']))}</p>",
    ]
    if row["status"] != "ranked":
        parts.append(f'<p class="nz-status">{esc(row["status"])}</p>')
    if "rank_p05" in row.index and _present(row["rank_p05"]):
        k = result.config.robustness.top_k
        band = f"{int(row['rank_p05'])}–{int(row['rank_p95'])}" if row["rank_p05"] != row["rank_p95"] else f"{int(row['rank_p05'])}"
        verdict = "robust" if bool(row["robust"]) else "not robust"
        parts.append(
            f'<p class="nz-band">Rank band {band} (5–95 % of {result.config.robustness.draws} weightings) · top {k} in '
            f'{100 * row["share_top_k"]:.0f} % · <b>{verdict}</b></p>'
        )
    extras = []
    if "completeness" in row.index and _present(row["completeness"]) and row["completeness"] < 1:
        extras.append(f"data complete at {100 * row['completeness']:.0f} %")
    if "similarity" in row.index and _present(row["similarity"]):
        extras.append(f"similarity to {esc(result.config.typology.reference)}: {row['similarity']:.2f}")
    if "profile" in row.index and _present(row["profile"]):
        extras.append(f"profile {int(row['profile'])}")
    if extras:
        parts.append(f"<p>{' · '.join(extras)}</p>")
    parts.append('<table class="nz-ind"><tr><th>Indicator</th><th>Value</th><th>0–1</th><th>Points</th></tr>')
    weights = result.scored.weights
    for name, ind in config.indicators.items():
        contrib = row[f"{name}_contrib"]
        max_points = 100.0 * weights[name]
        share = 0.0 if not max_points or contrib is None or math.isnan(contrib) else 100.0 * contrib / max_points
        label = ind.label or name
        imputed = bool(result.imputed.at[row.name, name]) if name in result.imputed.columns else False
        parts.append(
            f"<tr><td>{esc(label)}{' <i>(worst value used)</i>' if imputed else ''}</td><td>{fmt(row[name])}</td>"
            f"<td>{fmt(row[f'{name}_norm'], 2)}</td>"
            f'<td><span class="nz-bar"><span style="width:{share:.0f}%"></span></span> {fmt(contrib, 2)}</td></tr>'
        )
    parts.append("</table>")
    if config.rules:
        parts.append('<ul class="nz-rules">')
        for rname, rule in config.rules.items():
            ok = bool(row[f"rule_{rname}"])
            unknown = bool(result.scored.rules_unknown.at[row.name, rname])
            mark = "✔" if ok else "✘"
            note = " (no data)" if unknown else ""
            parts.append(f'<li class="{"ok" if ok else "ko"}">{mark} {esc(rule.label or rule.expr)}{note}</li>')
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def feature_collection(result: "RunResult", views: Sequence[dict]) -> dict:
    """The units as one GeoJSON FeatureCollection carrying tooltip text, popup HTML and view colours."""
    scores = result.scores
    n_ranked = int(scores["rank"].notna().sum())
    geoms = shapely.transform(scores.geometry.to_numpy(), lambda xy: np.round(xy, COORD_DECIMALS))
    features = []
    for (unit_id, row), geom in zip(scores.iterrows(), geoms):
        props: dict[str, Any] = {
            "unit_id": esc(unit_id),
            "name": esc(row["name"]),
            "region": esc(row["region"]),
            "score_text": fmt(row["score"], 3),
            "rank_text": esc(_rank_text(row["rank"])),
            "region_rank_text": esc(_rank_text(row["region_rank"])),
            "_popup": _popup(row, result, n_ranked),
        }
        for view in views:
            props[f"_c_{view['id']}"] = view["colour"](row)
        features.append({"type": "Feature", "id": str(unit_id), "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}


def _gradient_legend(title: str, low: str, high: str, has_missing: bool) -> str:
    stops = ", ".join(PALETTE)
    missing = f'<div><span class="nz-sw" style="background:{NO_DATA}"></span> no data / not scored</div>' if has_missing else ""
    return (
        f'<div class="nz-legend-title">{esc(title)}</div>'
        f'<div class="nz-ramp" style="background:linear-gradient(to right, {stops})"></div>'
        f'<div class="nz-ramp-labels"><span>{low}</span><span>{high}</span></div>{missing}'
    )


def _sources(config) -> dict[str, str]:
    """Layer name -> its ``source`` text, for the layers that have one."""
    return {name: layer.source for name, layer in config.layers.items() if layer.source}


def scale_ends(ind, raw, norm) -> tuple[float, float]:
    """The raw values at the two ends of an indicator's colour scale (0 and 1 after normalisation):
    the goalposts or the threshold curve's ends where they are fixed, the ±3 sd of a z-score, else
    the observed values that got the lowest and highest normalised value. Values are shown on the
    indicator's own scale (a log1p transform is undone)."""
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
        import warnings as _warnings

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            prepared = prepare(raw[known], {"transform": ind.transform, "winsorise": ind.winsorise}, "")
        if prepared.nunique() > 1:
            low, high = prepared.mean() - 3 * prepared.std(ddof=0), prepared.mean() + 3 * prepared.std(ddof=0)
            low, high = float(inverse(max(low, 0.0) if ind.transform == "log1p" else low)), float(inverse(high))
            return (high, low) if ind.direction == "cost" else (low, high)
    worst = raw[known][norm[known] == norm[known].min()].iloc[0]
    best = raw[known][norm[known] == norm[known].max()].iloc[0]
    return float(worst), float(best)


def _views(result: "RunResult") -> list[dict]:
    config = result.config
    scores = result.scores
    views: list[dict] = [
        {
            "id": "score",
            "label": "Nexus score",
            "colour": lambda row: colour(row["score"] / 100.0),
            "legend": _gradient_legend(
                "Nexus score (0–100, higher = more suitable)", "0", "100", bool(scores["score"].isna().any())
            ),
        }
    ]
    sources = _sources(config)
    for name, ind in config.indicators.items():
        worst, best = scale_ends(ind, scores[name], scores[f"{name}_norm"])
        norm = scores[f"{name}_norm"]
        direction = "lower is better" if ind.direction == "cost" else "higher is better"
        source = sources.get(ind.measure.split(".", 1)[0])
        views.append(
            {
                "id": f"i_{name}",
                "label": ind.label or name,
                "colour": (lambda row, n=name: colour(row[f"{n}_norm"])),
                "legend": _gradient_legend(
                    f"{ind.label or name} ({direction}; weight {result.scored.weights[name]:.0%})",
                    f"least favourable: {fmt(worst)}", f"most favourable: {fmt(best)}", bool(norm.isna().any()),
                ) + (f'<div class="nz-src">Source: {esc(source)}</div>' if source else ""),
            }
        )
    if config.rules:
        items = "".join(
            f'<div><span class="nz-sw" style="background:{c}"></span> {esc(t)}</div>'
            for c, t in ((PASS, "passes every rule"), (FAIL, "fails at least one rule"))
        )
        rule_list = "".join(f"<li>{esc(r.label or r.expr)}</li>" for r in config.rules.values())
        views.append(
            {
                "id": "rules",
                "label": "Rules (pass / fail)",
                "colour": lambda row: PASS if bool(row["passes_rules"]) else FAIL,
                "legend": f'<div class="nz-legend-title">Rules</div>{items}<ul class="nz-legend-rules">{rule_list}</ul>',
            }
        )
    if "share_top_k" in scores.columns:
        k = config.robustness.top_k
        views.append(
            {
                "id": "robustness",
                "label": f"Robustness (share of weightings in the top {k})",
                "colour": lambda row: colour(row["share_top_k"]) if _present(row["share_top_k"]) else NO_DATA,
                "legend": _gradient_legend(
                    f"Share of {config.robustness.draws} perturbed weightings that put the unit in the top {k}", "0 %", "100 %",
                    bool(scores["share_top_k"].isna().any()),
                ) + f'<div class="nz-src">Robust: in the top {k} in ≥ {config.robustness.robust_share:.0%} of draws, or in ≤ {1 - config.robustness.robust_share:.0%}.</div>',
            }
        )
    if "similarity" in scores.columns:
        ref = config.typology.reference
        views.append(
            {
                "id": "similarity",
                "label": f"Units like {ref}",
                "colour": lambda row: colour(row["similarity"]) if _present(row["similarity"]) else NO_DATA,
                "legend": _gradient_legend(f"Similarity of the indicator profile to {ref}", "opposite", "identical", bool(scores["similarity"].isna().any())),
            }
        )
    if "profile" in scores.columns:
        n = int(scores["profile"].max())
        centres = result.analyses.profiles if result.analyses is not None else None
        items = []
        for p in range(1, n + 1):
            best = ""
            if centres is not None:
                top = centres.loc[p].sort_values(ascending=False)
                labels = {k: (config.indicators[k].label or k) for k in top.index}
                best = f" — strongest: {esc(labels[top.index[0]])}; weakest: {esc(labels[top.index[-1]])}"
            items.append(f'<div><span class="nz-sw" style="background:{CATEGORIES[(p - 1) % len(CATEGORIES)]}"></span> profile {p}{best}</div>')
        views.append(
            {
                "id": "profiles",
                "label": "Profiles (k-means)",
                "colour": lambda row: CATEGORIES[(int(row["profile"]) - 1) % len(CATEGORIES)] if _present(row["profile"]) else NO_DATA,
                "legend": f'<div class="nz-legend-title">Profiles of units (k-means on normalised indicators)</div>{"".join(items)}',
            }
        )
    return views


class _Views(MacroElement):
    """Layer control whose base layers are views of one GeoJSON layer, with a legend per view."""

    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>
.nz-legend, .nz-title {background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.35 system-ui, sans-serif; max-width: 320px;}
.nz-title h3 {margin: 0 0 3px 0; font-size: 15px;} .nz-title p {margin: 2px 0;}
.nz-note {color: #8a3b00; font-weight: 600;} .nz-src {color: #555; font-size: 11px; margin-top: 3px; max-width: 300px;}
.nz-legend-title {font-weight: 600; margin-bottom: 4px;}
.nz-ramp {height: 12px; width: 240px; border: 1px solid #999;}
.nz-ramp-labels {display: flex; justify-content: space-between; width: 242px; font-size: 11px;}
.nz-sw {display: inline-block; width: 14px; height: 12px; border: 1px solid #777; vertical-align: middle;}
.nz-legend-rules {margin: 4px 0 0 16px; padding: 0;}
.nz-popup h4 {margin: 0 0 4px 0;} .nz-popup small {color: #555; font-weight: normal;}
.nz-popup p {margin: 3px 0;} .nz-status {color: #b00;} .nz-band {color: #333;}
.nz-popup table.nz-ind {border-collapse: collapse; font-size: 12px; margin: 0;}
path.leaflet-interactive:focus:not(:focus-visible) {outline: 0;} .nz-ind td, .nz-ind th {padding: 1px 5px; text-align: left; border-bottom: 1px solid #eee;}
.nz-bar {display: inline-block; width: 50px; height: 8px; background: #eee; vertical-align: middle;}
.nz-bar span {display: block; height: 8px; background: #238443;}
.nz-rules {margin: 5px 0 0 0; padding-left: 4px; list-style: none; font-size: 13px;} .nz-rules .ok {color: #1a6b35;} .nz-rules .ko {color: #b2182b;}
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var geo = {{ this.geojson.get_name() }};
  var views = {{ this.views|tojson }};
  var legends = {};
  var current = views[0].id;
  var base = {color: "#444", weight: 1, opacity: 1, fillOpacity: 0.8};
  function styleFor(feature) {
    return Object.assign({}, base, {fillColor: feature.properties["_c_" + current]});
  }
  geo.options.style = styleFor;
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () { this._div = L.DomUtil.create("div", "nz-legend"); return this._div; };
  legend.addTo(map);
  function show(id) {
    current = id;
    geo.setStyle(styleFor);
    legend._div.innerHTML = legends[id];
    legend._div.setAttribute("data-view", id);
  }
  var control = L.control.layers(null, null, {collapsed: false, position: "topright"});
  var idByStamp = {}, groups = {};
  views.forEach(function (v) {
    // added one by one so that two views may share a label; found back by layer, not by name
    legends[v.id] = v.legend;
    groups[v.id] = L.layerGroup();
    idByStamp[L.stamp(groups[v.id])] = v.id;
    control.addBaseLayer(groups[v.id], v.label);
  });
  {% for label, name in this.overlays %}control.addOverlay({{ name }}, {{ label|tojson }});
  {% endfor %}
  control.addTo(map);
  map.on("baselayerchange", function (e) { show(idByStamp[L.stamp(e.layer)]); });
  geo.on("mouseover", function (e) { e.layer.setStyle({weight: 3, color: "#111"}); e.layer.bringToFront(); });
  geo.on("mouseout", function (e) { geo.resetStyle(e.layer); });
  groups[views[0].id].addTo(map);
  show(views[0].id);
  var title = L.control({position: "topleft"});
  title.onAdd = function () { var d = L.DomUtil.create("div", "nz-title"); d.innerHTML = {{ this.title_html|tojson }}; return d; };
  title.addTo(map);
})();
{% endmacro %}
"""
    )

    def __init__(self, geojson: folium.GeoJson, views: list[dict], overlays: list[tuple[str, str]], title_html: str):
        super().__init__()
        self._name = "NexusViews"
        self.geojson = geojson
        self.views = views
        self.overlays = overlays
        self.title_html = title_html


def build_map(result: "RunResult") -> str:
    """Render the study's map as one self-contained HTML page (returned as text)."""
    config = result.config
    scores = result.scores
    views = _views(result)
    fc = feature_collection(result, views)
    minx, miny, maxx, maxy = scores.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=6, tiles=None, control_scale=True)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    overlays: list[tuple[str, str]] = []
    if config.map.tiles:
        tiles = folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online only)", overlay=True, control=False, show=True)
        tiles.add_to(fmap)
        overlays.append((esc("OpenStreetMap (online only)"), tiles.get_name()))
    geo = folium.GeoJson(
        fc,
        name="units",
        control=False,
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "score_text", "rank_text", "region_rank_text"],
            aliases=["Unit", "Score", "Rank", "Region rank"],
            sticky=True,
        ),
        popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, localize=False, max_width=460),
    )
    geo.add_to(fmap)
    n_ranked = int(scores["rank"].notna().sum())
    title_html = (
        f"<h3>{esc(config.study.title)}</h3>"
        + (f'<p class="nz-note">{esc(config.study.note)}</p>' if config.study.note else "")
        + f"<p>{len(scores)} units, {n_ranked} ranked · {len(config.indicators)} indicators, {len(config.rules)} rules"
        + f" · config {esc(config.sha256[:12])}</p>"
        + (f'<p class="nz-src">Sources: {"; ".join(esc(v) for v in dict.fromkeys(_sources(config).values()))}</p>' if _sources(config) else "")
    )
    view_data = [{"id": v["id"], "label": esc(v["label"]), "legend": v["legend"]} for v in views]
    _Views(geo, view_data, overlays, title_html).add_to(fmap)
    fmap.get_root().header.add_child(Element(f"<title>{esc(config.study.title)}</title>"), name="nz_title")
    page = fmap.get_root().render()
    return inline_assets(page)
