"""Map size: our offline page for the 50 real cercles against Folium's usual pattern, and for the 701 communes.

    .venv/bin/python benchmarks/map_size.py [--data-dir ../shared/data/real]

Builds ``configs/mali_2017.yaml`` (all layers) and writes, in a temporary folder:

* ours: the self-contained offline page (Leaflet inlined; the units embedded once, simplified as a
  coverage and rounded; every view a styling of that one layer);
* Folium's usual pattern for the same content: ``folium.Choropleth`` for the score plus one
  ``folium.GeoJson`` layer with a ``GeoJsonTooltip`` and a ``GeoJsonPopup`` for each other view
  (indicators, rules, robustness, similarity, profiles), and a ``LayerControl``; it links Leaflet,
  jQuery, Bootstrap and fonts from CDNs (so it draws nothing offline), and is measured as saved.

Prints both sizes, their ratio, and each page's load time in headless Chromium (network blocked; the
stock page cannot draw there, so its time is only the parse of its HTML).

Then the same study on the 701 communes (``adm3_communes``) with every view (score, indicators,
rules, robustness, similarity, profiles, the health facilities' points) and the default map
settings (no ``map.simplify`` nor ``map.precision``: the tolerance follows the extent). The
cercle-level tables (Cadre Harmonisé, DTM) do not fit communes, so there the indicators are the
point layers' counts and fatalities.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

import folium

import nexus_zones
from nexus_zones.maps import label_of

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import record  # noqa: E402


def folium_usual(result) -> folium.Map:
    """The Choropleth + GeoJson-tooltip pattern an analyst would write for the same views."""
    scores = result.scores.reset_index()
    config = result.config
    geo = scores.to_json(na="null", drop_id=True)
    m = folium.Map(location=[17, -4], zoom_start=5)
    folium.Choropleth(geo_data=geo, data=scores, columns=["unit_id", "score"], key_on="feature.properties.unit_id",
                      fill_color="YlGn", legend_name="Nexus score", name="Nexus score").add_to(m)
    indicator_fields = [n for n in config.indicators]
    views = indicator_fields + [c for c in ("passes_rules", "share_top_k", "similarity", "profile") if c in scores.columns]
    for view in views:
        label = label_of(config, view, "en") if view in config.indicators else view
        folium.GeoJson(
            geo,
            name=label,
            show=False,
            style_function=lambda f, v=view: {"fillColor": "#41ab5d" if (f["properties"].get(v) or 0) else "#ffffe5", "color": "#444", "weight": 1},
            tooltip=folium.GeoJsonTooltip(fields=["name", "score", "rank", "region_rank"], aliases=["Unit", "Score", "Rank", "Region rank"]),
            popup=folium.GeoJsonPopup(fields=["name", *indicator_fields, *[f"{n}_contrib" for n in indicator_fields], "failed_rules"]),
        ).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def commune_config(data_dir: Path) -> dict:
    """``configs/mali_2017.yaml`` on the 701 communes, every view kept, default map settings."""
    import yaml

    cfg = yaml.safe_load((REPO / "configs" / "mali_2017.yaml").read_text(encoding="utf-8"))
    cfg = copy.deepcopy(cfg)
    cfg["study"]["boundaries"].update(layer="adm3_communes", id_column="admin3Pcod", name_column="admin3Name")
    cfg["layers"] = {k: v for k, v in cfg["layers"].items() if v["kind"] == "points"}
    cfg["layers"]["incidents"].pop("admin_column", None)  # ACLED's admin2 names cercles, not communes
    cfg["layers"]["incidents"].pop("aliases", None)
    cfg["indicators"] = {
        "incidents": cfg["indicators"]["incidents"],
        "fatalities": {"measure": "incidents.fatalities", "label": "Conflict fatalities, 2017", "direction": "cost",
                       "transform": "log1p", "normalisation": "minmax", "weight": 1},
        "health": {"measure": "health.count", "label": "Public health facilities", "direction": "benefit",
                   "transform": "log1p", "normalisation": "minmax", "weight": 2},
    }
    cfg["rules"].pop("need_present", None)  # it reads the cercles' tables (IDPs, phase 3+), which do not fit communes
    cfg["typology"]["reference"] = "ML060205"  # the commune of Diré
    if "decision" in cfg:
        cfg["decision"]["focus"] = ["ML060205"]
    if "stakeholders" in cfg:  # each set on the communes' indicators (the cercles' rates and tables do not fit)
        cfg["stakeholders"]["sets"] = {"humanitarian": {"incidents": 2, "fatalities": 2, "health": 2},
                                       "development": {"incidents": 1, "health": 3}, "peace": {"incidents": 4, "fatalities": 3}}
    if "data_uncertainty" in cfg:
        cfg["data_uncertainty"].pop("margins", None)  # the margins are on the cercles' tables
    cfg["map"] = {"offline": True, "point_layers": ["health"]}
    for key in ("base_dir", "data_dir"):
        cfg.pop(key, None)
    return cfg


def load_time(path: Path) -> float:
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        t0 = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load")
        elapsed = time.perf_counter() - t0
        browser.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "real")
    args = parser.parse_args()
    if not args.data_dir.is_dir():
        raise SystemExit(f"the real data folder {args.data_dir} is absent; pass --data-dir")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        result = nexus_zones.run(REPO / "configs" / "mali_2017.yaml", data_dir=args.data_dir, out_dir=out / "ours")
        ours = result.paths["map"]
        usual = out / "folium_usual.html"
        folium_usual(result).save(usual)
        a, b = ours.stat().st_size, usual.stat().st_size
        load_ours, load_usual = load_time(ours), load_time(usual)
        print(f"units: {len(result.scores)}, views: score + {len(result.config.indicators)} indicators + rules, robustness, similarity, profiles")
        print(f"{'page':<52}{'bytes':>12}{'MB':>8}{'load s':>9}")
        print(f"{'nexus_zones, offline (everything inlined)':<52}{a:>12,}{a / 1e6:>8.2f}{load_ours:>9.2f}")
        print(f"{'Folium Choropleth + GeoJson per view (CDN links)':<52}{b:>12,}{b / 1e6:>8.2f}{load_usual:>9.2f}")
        print(f"ratio: the usual pattern is {b / a:.1f} times larger")
        from nexus_zones.config import config_from_mapping

        communes = nexus_zones.run(config_from_mapping(commune_config(args.data_dir), base_dir=REPO / "configs", data_dir=args.data_dir),
                                   out_dir=out / "communes")
        c = communes.paths["map"].stat().st_size
        load_communes = load_time(communes.paths["map"])
        print(f"units: {len(communes.scores)} communes, every view, default map settings "
              f"(tolerance {nexus_zones.maps.simplify_tolerance(communes):.4f} degrees, precision {communes.config.map.precision})")
        print(f"{'nexus_zones, offline, 701 communes':<52}{c:>12,}{c / 1e6:>8.2f}{load_communes:>9.2f}")
        record("map_size", {
            "cercles": len(result.scores), "cercles_page_mb": round(a / 1e6, 2), "cercles_page_load_s": round(load_ours, 2),
            "folium_page_mb": round(b / 1e6, 2), "folium_page_load_s": round(load_usual, 2), "folium_ratio": round(b / a, 1),
            "communes": len(communes.scores), "communes_page_mb": round(c / 1e6, 2), "communes_page_load_s": round(load_communes, 2),
        })


if __name__ == "__main__":
    main()
