"""The map page as Python writes it (:mod:`nexus_zones.maps`): the page as text (layers, views,
legends, fixed classes, French, online and offline, hostile strings escaped), its payload (numbers
not HTML, views and eligibility, popup points adding up to the score, language warnings), the shared
topology of the units (borders stored once, simplification, decoding), legends, the static files
inlined once, and the real cercles' page size."""

from __future__ import annotations

import copy
import html
from html import unescape
import json
import math
import re
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

import nexus_zones
from nexus_zones import claims, explain, maps
from nexus_zones.config import config_from_mapping
from nexus_zones.messages import t

from ._support import HOSTILE, NNBSP, REPO, STATIC, _assert_page_equals_python, opened_in_node, _demo_generator, _move_slider, _open, _page_state, assert_clean, decode, decode_units, fewer_draws, render_popups, render_rules_line, require_real_data, shown_points, voronoi_coverage


def test_legend_ends_follow_goalposts_thresholds_and_transforms():
    from nexus_zones.config import IndicatorSpec
    from nexus_zones.explain import scale_ends
    from nexus_zones.maps import fmt

    raw, norm = pd.Series([3.0, 9.0]), pd.Series([0.85, 0.55])
    cost = IndicatorSpec(measure="a.b", direction="cost", normalisation="goalposts", goalposts=(0, 20), weight=1)
    assert scale_ends(cost, raw, norm) == (20.0, 0.0)
    logged = IndicatorSpec(measure="a.b", direction="benefit", normalisation="goalposts", goalposts=(0, math.log1p(99)), transform="log1p", weight=1)
    assert scale_ends(logged, raw, norm) == pytest.approx((0.0, 99.0))
    curve = IndicatorSpec(measure="a.b", direction="cost", normalisation="threshold", thresholds=[(5, 1), (20, 0)], weight=1)
    assert scale_ends(curve, raw, norm) == (20.0, 5.0)
    assert fmt(10299.4) == "10,299" and fmt(10299.4, language="fr") == "10\u202f299" and fmt(2.345) == "2.35" and fmt(7.0) == "7"


# --------------------------------------------------------------------------------- map as text


def _page_data(html: str) -> dict:
    """The page's embedded payload (``var D = {...};``) as the page opens it (unpacked by ``payload.js``)."""
    return opened_in_node(re.search(r"var D = (\{.*?\});\n", html, flags=re.S).group(1))


def test_map_as_text(demo_result):
    html = demo_result.paths["map"].read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in html and "code.jquery.com" not in html and "cdnjs" not in html
    assert re.search(r"<script>\s*/\* @preserve\s*\* Leaflet 1\.9\.3", html), "Leaflet is not inlined"
    assert "jQuery v3.7.1" not in html  # not used by our pages, so not carried
    # Leaflet.markercluster is inlined from the installed XStatic package (its minified code, not a link)
    assert "L.MarkerClusterGroup=L.FeatureGroup.extend(" in html
    assert "leaflet.markercluster@" not in html
    assert html.count("var D = {") == 1  # the units are embedded once, whatever the number of views
    data = _page_data(html)
    units = data["units"]
    assert len(units["id"]) == len(demo_result.scores) == 5 and units["id"][0] == "ML0602"
    n_ind = len(demo_result.config.indicators)
    # score, region rank, each indicator, rules, robustness, similarity to Diré, profiles
    assert len(units["colours"]) == 2 + n_ind + 1 + 3 + 2  # ... and the pilot set and agreement views
    assert units["name"][0] == "Dir\u00e9" and units["config_rank"][0] == 1 and units["eligible"][0] is True
    assert len(units["norm"][0]) == n_ind
    assert units["norm"][0] == pytest.approx([demo_result.scores.loc["ML0602", f"{n}_norm"] for n in demo_result.config.indicators])
    popup = render_popups(data)[0]  # as the page writes it
    assert "nz-rules" in popup and popup.count('<li class="ok">✔') == 6
    # the demo's rules fail 0, 3, 4, 5 and 6 times: the rules decide, and the popup says so, not "whatever the weights"
    assert "Rank band at the config's weights: 1 (90% of 1,000 weightings tried around them)" in unescape(popup)
    assert "<b>The rules decide: 1st, whatever the weights</b>" in popup and "whatever the weights tried" not in popup
    # the page builds that line at the sliders' weights (render.js rulesLine): here at the config's
    assert "The rules alone decide the order: each unit fails a different number of rules (0, 3, 4, 5 and 6)" in render_rules_line(data)
    # leads with the rules and why (the three lines), before the folded details
    assert popup.index("Passes every rule") < popup.index("Why this unit?") < popup.index("<details")
    assert [v["id"] for v in data["views"]] == ["score", "region_rank"] + [f"i_{n}" for n in demo_result.config.indicators] + ["rules", "robustness", "similarity", "profiles", "pilots", "agreement"]
    assert [x["id"] for x in data["indicators"]] == list(demo_result.config.indicators)
    assert [x["weight"] for x in data["indicators"]] == [3, 1, 2, 1, 2, 1, 1]
    assert [p["id"] for p in data["points"]] == ["incidents", "services", "access"]
    assert len(data["points"][0]["points"]) == sum(_demo_generator().INCIDENTS_2017.values())  # the counted events only
    assert [r["label"] for r in data["basemap"]["regions"]] == ["Tombouctou"]
    assert len(data["basemap"]["unit_labels"]) == 5
    assert "schematic geometry, illustrative figures" in data["title_html"]


def test_map_in_french(demo_fr_result):
    result = demo_fr_result  # configs/demo.yaml in French (few decision and data-uncertainty draws), run once per session
    html = result.paths["map"].read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    data = _page_data(html)
    dire = render_popups(data)[data["units"]["id"].index("ML0602")]  # as the page writes it
    # why, by the points: 2 incidents earn all of the 3/11 of 100 = 27.3 points, on a scale from 24 (worst) to 2 (best),
    # and the region's other units average (24 + 9 + 15 + 12) / 4 = 15
    import html as html_mod

    assert ("Incidents sécuritaires, 2017 : 2, soit 27,3 points sur 27,3 (échelle de 24, le pire, à 2, le mieux) ; "
            "mieux que la moyenne des autres unités de la région (15)") in html_mod.unescape(dire)
    assert "Pourquoi cette unité ?" in dire
    assert data["text"]["ranking"] == "Classement" and data["views"][0]["label"] == "Score Nexus"
    assert "Zones pilotes Nexus" in data["title_html"]
    assert data["indicators"][0]["label"] == "Incidents sécuritaires, 2017"


def test_online_page_links_the_cdns_and_is_smaller(demo_result):
    from nexus_zones.maps import build_map

    online = build_map(demo_result, offline=False)
    offline = demo_result.paths["map"].read_text(encoding="utf-8")
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>' in online
    assert len(online) < len(offline) - 100_000


def test_hostile_strings_are_escaped_in_the_page(grid_cfg, grid_files, tmp_path):
    hostile = "<img src=x onerror=alert(1)>"
    units = gpd.read_file(grid_files["boundaries"])
    units.loc[units["pcode"] == "A1", "name"] = hostile
    path = tmp_path / "hostile.geojson"
    units.to_file(path, driver="GeoJSON")
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["study"]["boundaries"]["path"] = str(path)
    cfg["study"]["title"] = "</script><script>alert(3)</script>"
    cfg["indicators"]["incidents"]["label"] = "<b onmouseover=alert(2)>x</b>"
    html = nexus_zones.run(config_from_mapping(cfg), out_dir=tmp_path / "out").paths["map"].read_text(encoding="utf-8")
    assert hostile not in html
    assert "<b onmouseover" not in html
    assert "</script><script>alert(3)" not in html
    # a unit's name is data: sent as text, written into the script as JSON with <, > and & as \\u
    # escapes, and escaped by the page where it shows it (format.js esc; tests/end_to_end/test_browser.py)
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    assert hostile in _page_data(html)["units"]["name"]


def test_fixed_class_legends(grid_cfg, tmp_path):
    from nexus_zones.maps import colour  # the classes themselves: tests/test_legends.py

    cfg = json.loads(json.dumps(grid_cfg))
    cfg["map"] = {"classes": 5}
    html = nexus_zones.run(config_from_mapping(cfg), out_dir=tmp_path).paths["map"].read_text(encoding="utf-8")
    data = _page_data(html)
    assert data["classes"] == 5
    assert data["views"][0]["legend"].count('class="nz-class"') == 5
    colours = data["units"]["colours"]["score"]
    scores = {unit: colours["of"][i] for unit, i in zip(data["units"]["id"], colours["i"])}
    assert set(scores.values()) <= {colour((i + 0.5) / 5, 5) for i in range(5)}
    with pytest.raises(nexus_zones.ConfigError, match=r"map.classes: found 1; expected 0 \(continuous colours\) or 2 to 9 classes"):
        cfg["map"] = {"classes": 1}
        config_from_mapping(cfg)


def quantum(topology: dict) -> float:
    """The largest distance between a position and its quantised one (half a step on each axis)."""
    return math.hypot(*topology["transform"]["scale"]) / 2


def assert_sound(source: np.ndarray, topology: dict) -> list:
    """Decoded units: valid, within the quantum of the source, and still one coverage with the
    same neighbours (shared borders decode to the same positions on both sides)."""
    decoded = decode_units(topology)
    assert bool(shapely.coverage_is_valid(source))  # the case is a coverage (the real ones have narrow gaps of their own)
    assert len(decoded) == len(source)
    assert all(g.is_valid and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon") for g in decoded)
    step = quantum(topology)
    assert max(shapely.hausdorff_distance(a, b) for a, b in zip(decoded, source)) <= step * (1 + 1e-9)
    # no overlap and every shared edge matched; no new sliver between neighbours; the source's holes
    assert bool(shapely.coverage_is_valid(np.array(decoded)))
    slivers = lambda geoms: shapely.union_all(shapely.coverage_invalid_edges(geoms, gap_width=100 * step))  # noqa: E731
    assert slivers(np.array(decoded)).difference(slivers(source).buffer(2 * step)).length == 0
    holes = lambda geoms: sum(shapely.get_num_interior_rings(shapely.get_parts(shapely.coverage_union_all(geoms))))  # noqa: E731
    assert holes(np.array(decoded)) == holes(source)
    tree = shapely.STRtree(source)
    pairs = [(i, j) for i, j in tree.query(source, predicate="touches").T if i < j]
    for i, j in pairs:
        shared = shapely.intersection(source[i].boundary, source[j].boundary).length
        if shared > 0:  # neighbours along a border (not at one corner) meet along it, exactly
            assert decoded[i].intersection(decoded[j]).area == 0
            assert shapely.intersection(decoded[i].boundary, decoded[j].boundary).length == pytest.approx(shared, abs=4 * step * len(source))
    arcs_of = [set(maps._arc_ids(g)) for g in topology["objects"]["units"]["geometries"]]
    assert all(sum(a in s for s in arcs_of) <= 2 for a in range(len(topology["arcs"])))  # an arc borders at most two units
    return decoded


def test_a_coverage_decodes_to_itself_within_the_quantum() -> None:
    cells = voronoi_coverage(40, seed=3)
    for precision in (3, 5):
        topo = maps.topology(cells, precision)
        assert max(topo["transform"]["scale"]) <= 10.0**-precision
        assert all(isinstance(v, int) for arc in topo["arcs"] for p in arc for v in p)
        assert_sound(cells, topo)


def test_shared_borders_are_stored_once() -> None:
    """Every border between two cells is one arc: the arcs hold each border position once, so there
    are fewer positions than in the cells (where a border is written by both sides)."""
    cells = voronoi_coverage(40, seed=5)
    topo = maps.topology(cells, 5)
    in_cells = int(shapely.get_num_coordinates(cells).sum())
    # positions on borders: each distinct edge once; a ring's closing position is written twice in GeoJSON
    edges = {tuple(sorted((tuple(p), tuple(q)))) for c in cells for p, q in zip(shapely.get_coordinates(c)[:-1], shapely.get_coordinates(c)[1:])}
    n_positions = sum(len(a) for a in topo["arcs"])
    assert n_positions == len(edges) + len(topo["arcs"])  # each distinct edge once, and each arc its first position
    assert n_positions < 0.61 * in_cells
    # and no position is lost: every position of the cells is a position of an arc
    positions = {tuple(p) for p in np.concatenate([np.cumsum(np.asarray(a), axis=0) for a in topo["arcs"]]).tolist()}
    grid = np.rint((shapely.get_coordinates(cells) - topo["transform"]["translate"]) / topo["transform"]["scale"]).astype(np.int64)
    assert {tuple(p) for p in grid.tolist()} == positions


def test_simplified_units_stay_one_coverage_and_outlines_follow_regions(demo_result) -> None:
    demo = demo_result
    data = maps.page_data(demo, "en")
    geoms = maps._geometries(demo)
    decoded = assert_sound(geoms, data["topology"])
    regions = demo.scores["region"].to_numpy()
    for entry in data["basemap"]["regions"]:
        mine = [g for g, r in zip(decoded, regions) if maps.esc(r) == entry["label"]]
        outline = decode(data["topology"], entry["outline"])
        border = shapely.coverage_union_all(np.array(mine)).boundary
        assert outline.length == pytest.approx(border.length, rel=1e-9)
        assert shapely.hausdorff_distance(outline, border) == 0
    assert "geometry" not in data["units"] and "features" not in data["units"]  # the geometry is the topology's only


def test_default_tolerance_follows_the_extent(grid_cfg) -> None:
    result = nexus_zones.run(config_from_mapping(grid_cfg), write=False)
    minx, miny, maxx, maxy = result.scores.total_bounds
    assert maps.simplify_tolerance(result) == math.hypot(maxx - minx, maxy - miny) / 4000
    grid_cfg["map"] = {"simplify": 0}
    unsimplified = nexus_zones.run(config_from_mapping(grid_cfg), write=False)
    assert maps.simplify_tolerance(unsimplified) == 0
    topo = maps.page_data(unsimplified, "en")["topology"]
    assert [g.normalize().equals_exact(s.normalize(), 1e-12) for g, s in zip(decode_units(topo), unsimplified.scores.geometry)] == [True] * 4


@pytest.mark.realdata
@pytest.mark.parametrize("layer", ["adm2_cercles", "adm3_communes"])
def test_real_boundaries_at_the_default_tolerance(layer: str) -> None:
    import geopandas as gpd

    real = require_real_data()
    units = gpd.read_file(real / "mali_admin_boundaries_ocha_cod_2015.gpkg", layer=layer)
    minx, miny, maxx, maxy = units.total_bounds
    source = shapely.coverage_simplify(units.geometry.to_numpy(), math.hypot(maxx - minx, maxy - miny) * maps.SIMPLIFY_SHARE)
    assert_sound(source, maps.topology(source, 5))


def test_static_files_cannot_end_their_element() -> None:
    """Inlined in <script> and <style>, the files must not contain the tag that would close them."""
    scripts = sorted(p.name for p in STATIC.glob("*.js"))
    for name, tag in [*((name, "</script") for name in scripts), ("app.css", "</style")]:
        assert tag not in (STATIC / name).read_text(encoding="utf-8").lower(), name
    # branca reads the page's script as a Jinja template again: no Jinja opener in the scripts
    for name in scripts:
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not any(opener in text for opener in ("{{", "{%", "{#")), name


def test_page_inlines_the_static_files_once(demo_result, tmp_path: Path) -> None:
    """The map is one file: style verbatim and every script compacted (:func:`maps.compact_js`), each
    inlined once, a module before the modules that read it, and the app started once."""
    demo = demo_result
    page = maps.build_map(demo, offline=True)
    assert page.count((STATIC / "app.css").read_text(encoding="utf-8")) == 1
    order = ["format.js", "tree.js", "kernel.js", "topology.js", "store.js", "claims.js", "builders.js", "popup.js", "render.js", "labels.js", "points.js",
             "panel.js", "app.js"]
    at = [page.find(maps.compact_js((STATIC / name).read_text(encoding="utf-8"))) for name in order]
    assert all(page.count(maps.compact_js((STATIC / name).read_text(encoding="utf-8"))) == 1 for name in order)
    assert at == sorted(at) and at[0] > 0, dict(zip(order, at))
    assert page.count("nexusZonesApp(map_") == 1
    assert page.index("var NexusKernel =") < page.index("function nexusZonesApp(") < page.index("nexusZonesApp(map_")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", page)


def test_units_carry_numbers_not_html(demo_result, tmp_path: Path) -> None:
    """No unit's record holds markup, and the texts every popup shares are sent once."""
    demo = demo_result
    data = maps.page_data(demo, "en")
    records = json.dumps(data["units"]["popup"], ensure_ascii=False)
    assert "<" not in records and "nz-" not in records
    assert json.dumps(data, ensure_ascii=False).count(t("why", "en")) == 1


def test_real_cercles_page_weighs_at_most_045_mb(mali_2017_result, tmp_path: Path) -> None:
    """Issue 11: the offline page of the 50 real cercles with every view ≤ 0.45 MB; markercluster is
    inlined only when a point layer is drawn."""
    result = mali_2017_result
    page = result.paths["map"].read_bytes()
    assert len(page) <= 450_000
    assert b"markerClusterGroup" in page  # the health facilities are drawn


def test_english_page_has_no_french_number_formats(demo_result, tmp_path: Path) -> None:
    """The demo in English: no narrow no-break space, no "%" after a space, and "1,000 weightings"."""
    result = demo_result
    data = maps.page_data(result, "en")
    weights = [result.scored.weights[n] for n in result.config.indicators]  # each indicator's legend as the page writes it at the config's weights
    legends = [maps.legend_html(v["legend"], maps.percent(weights[v["legend"]["k"]], "en") if isinstance(v["legend"], dict) else "") for v in data["views"]]
    shown = json.dumps(render_popups(data) + legends, ensure_ascii=False)
    assert NNBSP not in shown and " %" not in shown
    assert "of 1,000 weightings tried" in shown
    assert data["number_format"] == {"thousands": ",", "decimal": "."}
    fr = maps.page_data(result, "fr")
    shown_fr = json.dumps(render_popups(fr), ensure_ascii=False)
    assert "de 1" + NNBSP + "000 pondérations" in shown_fr and "90" + NNBSP + "%" in shown_fr
    assert fr["number_format"] == {"thousands": NNBSP, "decimal": ","}


def test_popup_points_add_up_to_the_displayed_score(demo_result, tmp_path: Path) -> None:
    """Under the arithmetic mean each unit's points (one decimal, as the popup shows them) add up to
    the score shown with one decimal, for every unit of the demo and of a reweighted demo."""
    demo = demo_result
    for result in (demo, demo.rescore({"incidents": 1, "health_facilities": 7})):
        names = list(result.config.indicators)
        data = maps.page_data(result, "en")
        popups = dict(zip(data["units"]["id"], render_popups(data)))  # as the page writes them
        for unit, row in result.scores.iterrows():
            if pd.isna(row["score"]):
                continue
            shown = shown_points(row, names)
            tenths = sum(round(p * 10) for p in shown)
            assert tenths == round(float(f"{row['score']:.1f}") * 10), unit
            assert all(abs(p - row[f"{n}_contrib"]) < 0.1 for p, n in zip(shown, names))  # each within a tenth
            assert all(f"</span></span> {p:.1f}</td>" in popups[unit] for p in shown)


def test_language_warning_names_each_untranslated_text(tmp_path: Path) -> None:
    cfg = fewer_draws(yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8")))
    cfg["language"] = "fr"
    cfg["indicators"]["incidents"]["label"] = "Security incidents, 2017"  # plain text: taken as English
    cfg["indicators"]["incidents"]["phrase"] = {"en": "security incidents in 2017"}
    cfg["rules"]["few_incidents"]["label"] = {"en": "No more than 5 security incidents in 2017"}
    result = nexus_zones.run(config_from_mapping(cfg, base_dir=REPO / "configs"), write=False)
    found = [w for w in result.warnings if "LanguageWarning" in w or "no 'fr' version" in w]
    assert len(found) == 1
    assert "2 config text(s) have no 'fr' version" in found[0]  # the phrase is no longer shown, so not named
    for key in ("indicators.incidents.label", "rules.few_incidents.label"):
        assert key in found[0]
    assert "indicators.incidents.phrase" not in found[0]
    # the French sentence quotes the English label as given, around French words
    labels = explain.labels(result.config, "fr")
    said = [claims.render(c, "fr", labels) for c, _ in explain.why_claims(result, "ML0602")]
    assert any(s.startswith("Security incidents, 2017 : 2, soit ") and "la moyenne des autres unités de la région" in s for s in said)


def test_views_and_eligibility_in_the_payload(demo_result, grid_cfg: dict, tmp_path: Path) -> None:
    """The similarity view is named by the unit's name; the page gets only the rules' part of
    eligibility, so a unit without a score at the config's weights is still rankable."""
    demo = demo_result
    data = maps.page_data(demo, "en")
    labels = [v["label"] for v in data["views"]]
    assert "Units like Diré" in labels and not any("ML0602" in label for label in labels)
    cfg = copy.deepcopy(grid_cfg)
    cfg["model"] = {"failing_units": "exclude"}
    cfg["indicators"]["police"] = {"measure": "forces.police", "direction": "benefit", "weight": 1}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    units = maps.page_data(result, "en")["units"]
    eligible = dict(zip(units["id"], units["eligible"]))
    assert eligible == result.scored.rules_passed.all(axis=1).to_dict()


@pytest.mark.browser
def test_weight_zero_ranks_a_unit_missing_that_indicator_as_rescore(laptop, grid_cfg: dict, grid_files: dict, tmp_path: Path) -> None:
    """B2 has no 'closed' value, so no score at the config's weights; once the slider sets that
    weight to 0 the page ranks B2 exactly as RunResult.rescore does (the page gets the rules'
    part of eligibility, not the model's, which already left B2 out)."""
    from ._support import _assert_page_equals_python, _move_slider, _page_state, assert_clean

    pg, log = laptop
    forces = pd.read_csv(grid_files["forces"], dtype=str)
    forces.loc[forces["pcode"] == "B2", "closed"] = ""
    forces.to_csv(grid_files["forces"], index=False)
    result = nexus_zones.run(config_from_mapping(grid_cfg), out_dir=tmp_path / "out")
    assert pd.isna(result.scores.at["B2", "score"]) and pd.isna(result.scores.at["B2", "rank"])
    _open(pg, result.paths["map"])
    _assert_page_equals_python(_page_state(pg), result)
    assert _move_slider(pg, "closed", 0) == 0.0
    python = result.rescore({"closed": 0})
    assert not pd.isna(python.scores.at["B2", "rank"])  # rescore ranks B2 once 'closed' does not count
    _assert_page_equals_python(_page_state(pg), python)
    # nothing stays at the config's weights: the indicator's legend gives its weight at the sliders' (0 %)
    pg.locator(".leaflet-control-layers").hover()
    pg.locator(".leaflet-control-layers-base label", has_text=maps.label_of(result.config, "closed", "en")).click()
    assert f"weight {maps.percent(python.scored.weights['closed'], 'en')})" in pg.locator(".nz-legend .nz-legend-title").inner_text()
    assert python.scored.weights["closed"] == 0
    # the rank band holds at the config's weights (and says so): hidden while the sliders are away from them
    pg.evaluate("() => { window.nexusZones.geo.getLayers()[0].openPopup(); }")
    assert pg.locator(".leaflet-popup .nz-band").count() == 0
    pg.locator("button.nz-reset").click()  # back at the config's weights: the open popup follows
    assert pg.locator(".leaflet-popup .nz-band").count() == (1 if "rank_p05" in result.scores.columns and pd.notna(result.scores["rank_p05"].iloc[0]) else 0)
    assert f"weight {maps.percent(result.scored.weights['closed'], 'en')})" in pg.locator(".nz-legend .nz-legend-title").inner_text()
    assert_clean(log)


def test_label_point_is_where_a_name_has_most_room() -> None:
    """The centre of the largest inscribed circle: a 10×10 square with a 20×1 tail has it at the
    square's centre (5, 5), within the tolerance (a hundredth of the extent, 0.3), while the
    centroid is pulled towards the tail (x = (100·5 + 20·20) / 120 = 7.5, on the square's edge)."""
    shape = shapely.union(shapely.box(0, 0, 10, 10), shapely.box(10, 4.5, 30, 5.5))
    point = maps.label_point(shape)
    assert point.distance(shapely.Point(5, 5)) <= 0.3 and shape.contains(point)
    assert shape.centroid.x == pytest.approx((100 * 5 + 20 * 20) / 120)  # 7.5: the centroid is not the place
    assert maps.label_point(shapely.Point(1, 1).buffer(0)).equals(shapely.Point(1, 1).buffer(0).representative_point())  # empty: the fallback


def test_region_rank_classes() -> None:
    """1st, 2nd, 3rd, 4th–5th, then lower: darkest to lightest green; grey when not ranked."""
    got = [maps.region_rank_colour(r) for r in (1, 2, 3, 4, 5, 6, 40, None, float("nan"))]
    p = maps.PALETTE
    assert got == [p[8], p[6], p[4], p[2], p[2], p[1], p[1], maps.NO_DATA, maps.NO_DATA]


def test_point_tooltips_never_empty() -> None:
    """A point's tooltip: its name, type and date where kept (blanks left out), else the layer's source."""
    row = pd.Series({"name": None, "type": "Battles", "date": pd.Timestamp("2017-03-04")})
    assert maps._point_text(row, ["name", "type", "date"], "ACLED") == "Battles · 2017-03-04"
    assert maps._point_text(pd.Series({"name": " ", "date": pd.NaT}), ["name", "date"], "WHO/KEMRI") == "WHO/KEMRI"
    assert maps._point_text(pd.Series({"name": "CSCom de Diré"}), ["name"], "x") == "CSCom de Diré"


def test_page_layout_payload(demo_result) -> None:
    """The ranking panel's rules-failed column and the region-rank view need the number of rules,
    the classes and each unit's rules failed (the demo's 0, 3, 4, 5, 6)."""
    data = maps.page_data(demo_result, "en")
    assert data["rules"] == len(demo_result.config.rules) == 6
    assert data["region_rank_classes"] == [[1, maps.PALETTE[8]], [2, maps.PALETTE[6]], [3, maps.PALETTE[4]], [5, maps.PALETTE[2]], [None, maps.PALETTE[1]]]
    assert sorted(data["units"]["failed"]) == [0, 3, 4, 5, 6]
    assert data["text"]["rules_failed"] == "Rules failed" and maps.page_data(demo_result, "fr")["text"]["rules_failed"] == "Règles non respectées"


# ------------------------------------------------------------------------ the page's scripts, compacted
# The page carries its scripts compacted (maps.compact_js: no comments, no indentation): each still
# parses, and each module loads under Node and exports what its source exports.

PAGE_MODULES = ["format.js", "tree.js", "kernel.js", "topology.js", "store.js", "claims.js", "builders.js", "popup.js", "render.js", "labels.js", "points.js",
                "panel.js"]


def test_compact_js_drops_comments_and_indentation_only() -> None:
    source = "/* a\n * block */\nfunction f(a) {  // why\n  // a line\n  var u = 'http://x';  // after\n  return a / 2;\n}\n"
    assert maps.compact_js(source) == "function f(a) {\nvar u = 'http://x';\nreturn a / 2;\n}\n"


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.js")))
def test_every_compacted_script_parses(name: str, tmp_path: Path) -> None:
    from ._support import _node as _node_bin

    compact = maps.compact_js((STATIC / name).read_text(encoding="utf-8"))
    assert not re.search(r"^(\s|/\*|//)", compact, flags=re.M)  # no indentation, no comment line left
    (tmp_path / name).write_text(compact, encoding="utf-8")
    run = subprocess.run([_node_bin(), "--check", str(tmp_path / name)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_compacted_modules_load_and_export_what_their_sources_export(tmp_path: Path) -> None:
    from ._support import _node as _node_bin

    for name in PAGE_MODULES:
        (tmp_path / name).write_text(maps.compact_js((STATIC / name).read_text(encoding="utf-8")), encoding="utf-8")
    script = ("const path = require('path'); const out = {};"
              "for (const name of JSON.parse(process.argv[1])) { const a = require(path.join(process.argv[2], name)), b = require(path.join(process.argv[3], name));"
              "  out[name] = [Object.keys(a).sort(), Object.keys(b).sort()]; }"
              "process.stdout.write(JSON.stringify(out));")
    run = subprocess.run([_node_bin(), "-e", script, json.dumps(PAGE_MODULES), str(tmp_path), str(STATIC)], capture_output=True, text=True, timeout=60, check=True)
    for name, (compacted, source) in json.loads(run.stdout).items():
        assert compacted == source and len(source) >= 2, name


def _node_views_in_node(data: dict, moved: dict) -> dict:
    """What render.js gives the node views under Node: each node's values and colours at the
    config's weights and at ``moved`` ({"weights": [...], "pillarWeights": [...]})."""
    from ._support import _node as _node_bin

    script = ("const R = require(process.argv[1]), S = require(process.argv[2]); let s = ''; process.stdin.on('data', (c) => { s += c; });"
              "process.stdin.on('end', () => { const {D, moved} = JSON.parse(s), out = {};"
              "for (const [k, st] of [['config', S.initial(D)], ['moved', Object.assign({}, S.initial(D), moved)]]) {"
              "const X = R.derive(D, R.inputs(D, st), st); out[k] = {nodes: X.nodes, colours: R.colours(D, X)}; }"
              "process.stdout.write(JSON.stringify(out)); });")
    run = subprocess.run([_node_bin(), "-e", script, str(STATIC / "render.js"), str(STATIC / "store.js")], input=json.dumps({"D": data, "moved": moved}),
                         capture_output=True, text=True, encoding="utf-8", timeout=120, check=True)
    return json.loads(run.stdout)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_node_is_a_view_the_page_recolours_at_the_sliders_weights(language, inform_result):
    """configs/inform_style_example.yaml (three levels): a view node_<name> per node below the root,
    coloured in Python from the scores table's node_<name>; the page's kernel gives the same node
    values (1e-9) and colours at the config's weights, and at moved weights the node values of
    score.weighted_scores at those weights."""
    from nexus_zones import score

    result = inform_result  # computed once per session (conftest), read only here
    data = maps.page_data(result, language)
    pillars = [p.name for p in result.scored.structure.pillars]
    assert sorted(pillars) == sorted(result.config.model.pillars) and len(pillars) == 5
    views = {v["id"]: v for v in data["views"]}
    assert [v for v in views if v.startswith("node_")] == [f"node_{p}" for p in pillars]
    assert t("node_view", language, label="hazard") == views["node_hazard"]["label"]
    assert html.escape(t("node_legend", language, label="vulnerability", rule=t("agg_reversed_geometric", language)), quote=True) in views["node_vulnerability"]["legend"]
    ids, classes = data["units"]["id"], result.config.map.classes
    for p in pillars:
        c = data["units"]["colours"][f"node_{p}"]
        assert [c["of"][i] for i in c["i"]] == [maps.colour(result.scores.loc[u, f"node_{p}"] / 100, classes) for u in ids]
    moved_w = [1.0 + 2.0 * k for k in range(len(data["tree"]["indicators"]))]
    moved_p = [3.0 if p == "idp_change" else 1.0 + k for k, p in enumerate(data["tree"]["pillars"])]
    page = _node_views_in_node(data, {"weights": moved_w, "pillarWeights": moved_p})
    for p in pillars:
        assert page["config"]["nodes"][p] == pytest.approx([result.scores.loc[u, f"node_{p}"] for u in ids], abs=1e-9)
        assert page["config"]["colours"][f"node_{p}"] == [maps.colour(result.scores.loc[u, f"node_{p}"] / 100, classes) for u in ids]
    _, _, nodes = score.weighted_scores(result.normalised, dict(zip(data["tree"]["indicators"], moved_w)), result.scored.structure,
                                        dict(zip(data["tree"]["pillars"], moved_p)))
    for p in pillars:
        assert page["moved"]["nodes"][p] == pytest.approx([nodes.loc[u, p] for u in ids], abs=1e-9), p
    assert any(page["moved"]["nodes"][p] != page["config"]["nodes"][p] for p in pillars)  # the weights moved them


def _popups_in_node(data: dict) -> list[str]:
    """Every unit's popup (render.popup, pinned) at the config's weights, as the page writes it."""
    from ._support import _node as _node_bin

    script = ("const R = require(process.argv[1]), S = require(process.argv[2]); let s = ''; process.stdin.on('data', (c) => { s += c; });"
              "process.stdin.on('end', () => { const D = JSON.parse(s), st = S.initial(D), X = R.derive(D, R.inputs(D, st), st);"
              "process.stdout.write(JSON.stringify(D.units.id.map((u, i) => R.popup(D, X, i, true)))); });")
    run = subprocess.run([_node_bin(), "-e", script, str(STATIC / "render.js"), str(STATIC / "store.js")], input=json.dumps(data),
                         capture_output=True, text=True, encoding="utf-8", timeout=120, check=True)
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def hostile_node_result():
    """configs/inform_style_example.yaml with a hostile label on the node ``hazard``, computed once for
    both languages (not written): read only."""
    import warnings

    cfg = yaml.safe_load((REPO / "configs" / "inform_style_example.yaml").read_text(encoding="utf-8"))
    cfg["model"]["pillars"]["hazard"]["label"] = HOSTILE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nexus_zones.errors.NexusZonesWarning)
        return nexus_zones.run(config_from_mapping(cfg, base_dir=REPO / "configs"), write=False)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_popup_shows_the_units_path_from_the_score_to_its_indicators(language, hostile_node_result):
    """configs/inform_style_example.yaml with a hostile label on a node: each popup lists the score,
    then each node (its value from the scores table, its points = its weight on the path × its
    value, the path's weights written out here) and its children in the tree's order, labels escaped."""
    from nexus_zones.messages import fixed

    result = hostile_node_result
    data = maps.page_data(result, language)
    path_weight = {"hazard": 1 / 2, "human_hazard": 1 / 2 * 2 / 3, "vulnerability": 1 / 2, "socio_economic": 1 / 4, "lack_of_coping": 1 / 4}
    order = ["hazard", "human_hazard", "conflict_now", "conflict_projected", "idp_change", "vulnerability", "socio_economic", "food", "health_gap",
             "lack_of_coping", "markets_gap", "roads_gap"]
    s = result.scores
    for u, popup in zip(data["units"]["id"], _popups_in_node(data)):
        path = popup[popup.index('<details class="nz-path">'):]
        path = path[:path.index("</details>")]
        assert html.escape(t("path_title", language), quote=True) in path
        assert HOSTILE not in path and html.escape(HOSTILE, quote=True) in path and html.escape(html.escape(HOSTILE)) not in path  # escaped once
        items = [unescape(x) for x in re.findall(r"<li>([^<]*)", path)]
        assert items[0] == f"{t('score_short', language)} {fixed(s.loc[u, 'score'], language, 1)}"
        assert len(items) == 1 + len(order)
        for name, item in zip(order, items[1:]):
            if name in path_weight:
                value = s.loc[u, f"node_{name}"]
                label = HOSTILE if name == "hazard" else name
                assert item == t("path_item", language, label=label, value=fixed(value, language, 1), points=fixed(path_weight[name] * value, language, 1)), (u, name)
            else:
                norm = s.loc[u, f"{name}_norm"]  # its points are the popup table's (builders.js), checked by the popup's tests
                head = t("path_item", language, label=maps.label_of(result.config, name, language), value=fixed(100 * norm, language, 1), points="\x00")
                assert item.startswith(head.split("\x00")[0]), (u, name, item)


def test_a_unit_missing_a_skipped_indicator_keeps_its_other_points_in_the_popup(inform_result) -> None:
    """configs/inform_style_example.yaml: a unit without a value of an indicator whose missing value
    is left to its node (missing: skip) keeps the points of its other indicators, in the popup as in
    the scores table (the page once blanked them all)."""
    result = inform_result  # computed once per session (conftest), read only here
    names = list(result.config.indicators)
    skipped = [n for n in names if n in result.scored.structure.skip]
    units = [u for u, row in result.scores.iterrows() if any(pd.isna(row[n]) for n in skipped) and pd.notna(row["score"])]
    assert skipped and units, "the example must have a scored unit missing a skipped indicator"
    data = maps.page_data(result, "en")
    assert data["popup"]["skip"] == [names.index(n) for n in skipped]
    popups = dict(zip(data["units"]["id"], render_popups(data)))
    for unit in units:
        row = result.scores.loc[unit]
        shown = shown_points(row, names)
        kept = [p for p, n in zip(shown, names) if n not in skipped]
        assert kept and not any(math.isnan(p) for p in kept)
        assert all(f"</span></span> {p:.1f}</td>" in popups[unit] for p in kept), unit


def _popup_one_by_one(result, language: str) -> list[dict]:
    """Each unit's popup record built unit by unit from the scalar path (:func:`explain.why_facts`,
    :func:`claims.region_side`, one ``.at`` per cell): the reference of the column-wise builder."""
    config, scores = result.config, result.scores
    names, decided = list(config.indicators), explain.rules_decide_top(result)
    typology, out = result.analysis("typology"), []
    for unit, row in scores.iterrows():
        rec = {}
        if row["status"] in maps._STATUS:
            rec["st"] = maps._STATUS[row["status"]]
        if not pd.isna(row["completeness"]) and row["completeness"] < 1:
            rec["c"] = maps._short(100 * row["completeness"], lambda v: maps.fixed(v, "en", 0))
        if typology is not None and typology.similarity is not None and not pd.isna(row["similarity"]):
            rec["sm"] = maps._short(float(row["similarity"]), lambda v: maps.fixed(v, "en", 2))
        if typology is not None and typology.profile is not None and not pd.isna(row["profile"]):
            rec["pf"] = int(row["profile"])
        rec.update(maps._claim_record(result, unit, decided, explain.robust_claim(result, unit, decided=decided), explain.rank_band_claim(result, unit),
                                      explain.reporting_claims(result, unit, language)))
        rec["v"] = [None if pd.isna(row[n]) else float(row[n]) for n in names]
        facts = explain.why_facts(result, unit)
        sides = [claims.region_side(f.value, f.region_mean, f.cost) for f in facts]
        if any(sides):
            rec["sd"] = "".join("1" if s > 0 else "2" if s < 0 else "0" for s in sides)
            rec["mn"] = [f.region_mean if s else None for f, s in zip(facts, sides)]
        imputed = [k for k, n in enumerate(names) if n in result.imputed.columns and bool(result.imputed.at[unit, n])]
        if imputed:
            rec["im"] = imputed
        if config.rules:
            rec["r"] = "".join(str(int(bool(row[f"rule_{r}"])) + 2 * int(bool(result.scored.rules_unknown.at[unit, r]))) for r in config.rules)
        out.append(rec)
    return out


@pytest.mark.parametrize("config", ["demo", "inform_style_example"])
def test_popups_built_column_wise_equal_the_unit_by_unit_records(config: str, demo_result, inform_result) -> None:
    """The popups of every unit (the demo: rules, robustness, typology, decision analyses; the INFORM-style
    tree: nodes, missing values) built column by column equal those built unit by unit, in both languages;
    so do the views' colours computed at once and one value at a time."""
    result = demo_result if config == "demo" else inform_result  # each computed once per session (conftest)
    for language in ("en", "fr"):
        assert maps._popups(result, language) == _popup_one_by_one(result, language)
    said = maps._popups(result, "en")
    assert any("sd" in r for r in said) and (config != "demo" or (any("st" in r for r in said) and any("rb" in r for r in said)))
    for view in maps._views(result, "en"):
        found = view["colours"](result.scores)
        assert len(found) == len(result.scores) and all(re.fullmatch("#[0-9a-f]{6}", c) for c in found), view["id"]
        if view["id"].startswith(("i_", "node_")) or view["id"] in ("score", "robustness", "similarity"):
            column = {"score": "score", "robustness": "share_top_k", "similarity": "similarity"}.get(
                view["id"], view["id"] if view["id"].startswith("node_") else view["id"].removeprefix("i_") + "_norm")
            scale = 100.0 if view["id"] == "score" or view["id"].startswith("node_") else 1.0
            classes = 0 if view["id"] in ("robustness", "similarity") else result.config.map.classes
            assert found == [maps.colour(None if pd.isna(v) else v / scale, classes) for v in result.scores[column]], view["id"]


def test_colours_of_many_values_equal_colour_of_each() -> None:
    """:func:`maps.colours_of` (vectorised) and :func:`maps.colour` agree on every value of a fine
    grid, out of range, at the classes' edges and missing, for every class count."""
    values = np.concatenate([np.linspace(-0.25, 1.25, 60001), [np.nan, 0.5, 1 / 8, 3 / 8, 1 / 3, 2 / 3, 0.0, 1.0, -0.0]])
    for classes in (0, 2, 3, 5, 7, 9):
        assert maps.colours_of(values, classes) == [maps.colour(None if math.isnan(v) else v, classes) for v in values]
    assert maps.colours_of(pd.Series([0.25, pd.NA], dtype="Float64")) == [maps.colour(0.25), maps.NO_DATA]
