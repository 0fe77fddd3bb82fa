"""The whole pipeline: the grid study by hand, the demo against an independent computation, outputs."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import nexus_zones
from nexus_zones import report
from nexus_zones.config import config_from_mapping

from .conftest import REPO
from .test_page_popup import render_popups


def _run_grid(cfg, tmp_path, **overrides):
    data = json.loads(json.dumps(cfg))
    for key, value in overrides.items():
        data.setdefault("model", {})[key] = value
    return nexus_zones.run(config_from_mapping(data), out_dir=tmp_path / "out")


def test_grid_scores_by_hand(grid_cfg, tmp_path):
    result = _run_grid(grid_cfg, tmp_path, failing_units="flag")  # ranks by score alone (rules first: tests/test_decision.py)
    s = result.scores
    # raw values (see conftest): incidents A1=3 A2=1 B1=0 B2=0; health A1=1 A2=1 B1=0 B2=1; closed A1=0 A2=2 B1=1 B2=0
    assert s["incidents"].to_dict() == {"B2": 0, "A2": 1, "B1": 0, "A1": 3}
    # normalised: incidents cost minmax 1 - x/3; health benefit minmax; closed cost goalposts [0, 4]: 1 - x/4
    assert s.loc["A2", "incidents_norm"] == pytest.approx(1 - 1 / 3)
    assert s.loc["B1", "closed_norm"] == pytest.approx(1 - 1 / 4)
    # weights 2, 1, 1 -> 0.5, 0.25, 0.25
    expected = {
        "A1": 100 * (0.5 * 0 + 0.25 * 1 + 0.25 * 1),
        "A2": 100 * (0.5 * (2 / 3) + 0.25 * 1 + 0.25 * 0.5),
        "B1": 100 * (0.5 * 1 + 0.25 * 0 + 0.25 * 0.75),
        "B2": 100 * (0.5 * 1 + 0.25 * 1 + 0.25 * 1),
    }
    assert s["score"].to_dict() == pytest.approx(expected)
    assert list(s.index) == ["B2", "A2", "B1", "A1"]  # sorted by rank
    assert s["rank"].tolist() == [1, 2, 3, 4]
    assert s["region_rank"].to_dict() == {"B2": 1, "A2": 1, "B1": 2, "A1": 2}
    # rules: incidents <= 1; forces.police; actors.both
    assert s.loc["A1", "failed_rules"] == "few_incidents"
    assert s.loc["A2", "failed_rules"] == "police; both"
    assert s.loc["B2", "failed_rules"] == "both"
    assert not s["passes_rules"].any()
    contrib = s[[c for c in s.columns if c.endswith("_contrib")]].sum(axis=1)
    assert contrib.to_dict() == pytest.approx(s["score"].to_dict())


def test_grid_exclude_failing_units(grid_cfg, tmp_path):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["rules"] = {"few_incidents": "incidents <= 1"}
    result = _run_grid(cfg, tmp_path, failing_units="exclude")
    s = result.scores
    assert pd.isna(s.loc["A1", "rank"]) and s.loc["A1", "status"] == "not ranked: fails rules"
    assert s["rank"].dropna().tolist() == [1, 2, 3]
    assert s.loc["A1", "region_rank"] is pd.NA
    assert s.loc["A2", "region_rank"] == 1  # alone in North once A1 is excluded


def test_rescore_in_python_without_files(grid_cfg, tmp_path):
    result = nexus_zones.run(config_from_mapping(grid_cfg), write=False)
    assert result.paths == {}
    again = result.rescore({"incidents": 0, "health": 1, "closed": 0}, failing_units="flag")
    # health only: A1 = A2 = B2 = 100, B1 = 0
    assert again.scores["score"].to_dict() == pytest.approx({"A1": 100.0, "A2": 100.0, "B2": 100.0, "B1": 0.0})
    assert again.scores.loc["B1", "rank"] == 4
    assert any("share rank 1" in w for w in again.warnings)
    assert result.scores.loc["B2", "score"] == pytest.approx(100.0)  # the original is unchanged
    with pytest.raises(nexus_zones.ConfigError, match="weights.nope"):
        result.rescore({"nope": 1})


# ------------------------------------------------------------------------------------------ demo


def _demo_generator():
    spec = importlib.util.spec_from_file_location("make_demo_data", REPO / "scripts" / "make_demo_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    return nexus_zones.run(REPO / "configs" / "demo.yaml", out_dir=tmp_path_factory.mktemp("demo"))


def test_demo_data_is_what_the_generator_writes():
    gen = _demo_generator()
    for name, text in gen.build().items():
        assert (REPO / "data" / "demo" / name).read_text(encoding="utf-8") == text, f"data/demo/{name} is stale: run scripts/make_demo_data.py"


def test_demo_dire_first_and_passes_every_rule(demo_result):
    s = demo_result.scores
    dire = s.loc["ML0602"]
    assert dire["name"] == "Diré"
    assert dire["rank"] == 1 and dire["region_rank"] == 1
    assert bool(dire["passes_rules"]) and dire["failed_rules"] == ""
    assert int(s["passes_rules"].sum()) == 1  # the others fail at least one rule, in varied ways
    assert len(s) == 5


def test_demo_scores_equal_an_independent_computation(demo_result):
    """Recompute the demo's raw values from the generator's constants and the CSV files with plain
    pandas (no nexus_zones code), then the scores with the config's formula, and compare."""
    gen = _demo_generator()
    pcodes = [c[0] for c in gen.CERCLES]
    names = {c[0]: gen._ascii(c[1]) for c in gen.CERCLES}
    events = pd.read_csv(REPO / "data" / "demo" / "incidents.csv")
    violent = events[(events["year"] == 2017) & events["event_type"].isin(["Battles", "Explosions/Remote violence", "Violence against civilians"])]
    by_name = violent.groupby("admin2")
    raw = pd.DataFrame(index=pcodes)
    raw["incidents"] = [by_name.size().get(names[p], 0) for p in pcodes]
    assert raw["incidents"].to_dict() == gen.INCIDENTS_2017
    raw["fatalities"] = [by_name["fatalities"].sum().get(names[p], 0) for p in pcodes]
    raw["schools_closed"] = [gen.SCHOOLS_CLOSED[p] for p in pcodes]
    raw["health_facilities"] = [gen.SERVICES[p][0] for p in pcodes]
    raw["access_impediments"] = [gen.ACCESS_2017[p] for p in pcodes]
    hum = {"Sécurité alimentaire", "Santé", "Nutrition", "Protection", "WASH", "Abris", "Éducation"}
    raw["humanitarian_actors"] = [len({a[1] for a in gen.ACTORS[p] if a[3] in hum}) for p in pcodes]
    raw["development_actors"] = [len({a[1] for a in gen.ACTORS[p] if a[3] not in hum}) for p in pcodes]

    def minmax(x, cost):
        n = (x - x.min()) / (x.max() - x.min())
        return 1 - n if cost else n

    norm = pd.DataFrame(index=pcodes)
    norm["incidents"] = minmax(raw["incidents"], True)
    norm["fatalities"] = minmax(raw["fatalities"], True)
    norm["schools_closed"] = 1 - (raw["schools_closed"] / 10).clip(0, 1)
    norm["health_facilities"] = minmax(raw["health_facilities"], False)
    norm["access_impediments"] = minmax(raw["access_impediments"], True)
    norm["humanitarian_actors"] = minmax(raw["humanitarian_actors"], False)
    norm["development_actors"] = minmax(raw["development_actors"], False)
    weights = {"incidents": 3, "fatalities": 1, "schools_closed": 2, "health_facilities": 1, "access_impediments": 2,
               "humanitarian_actors": 1, "development_actors": 1}
    expected = sum(norm[k] * w for k, w in weights.items()) / sum(weights.values()) * 100
    s = demo_result.scores
    for col in raw.columns:
        assert s[col].astype(float).to_dict() == pytest.approx(raw[col].astype(float).to_dict()), col
    assert s["score"].to_dict() == pytest.approx(expected.to_dict())
    # the demo ranks rules first (model.failing_units: last): fewest rules failed, then score
    failed = (~s[[c for c in s.columns if c.startswith("rule_")]].astype(bool)).sum(axis=1)
    order = pd.DataFrame({"failed": failed, "score": expected.reindex(failed.index)}).sort_values(["failed", "score"], ascending=[True, False])
    assert list(s.index) == list(order.index)


def test_demo_outputs(demo_result):
    paths = demo_result.paths
    assert set(paths) == {"map", "csv", "gpkg", "run", "weights", "ranks_by_weights", "leave_one_out", "profiles",
                          "closest_weights", "pilots", "stakeholders", "data_uncertainty", "data_variance"}  # issue 14's tables
    assert paths["map"].name == "demo.html"
    csv = pd.read_csv(paths["csv"], dtype={"unit_id": str})
    assert list(csv.columns[: len(report.FIXED_COLUMNS)]) == list(report.FIXED_COLUMNS)
    ind_cols = list(csv.columns[len(report.FIXED_COLUMNS):len(report.FIXED_COLUMNS) + 14])
    assert ind_cols[:4] == ["incidents", "incidents_norm", "fatalities", "fatalities_norm"]
    assert csv["unit_id"].iloc[0] == "ML0602" and csv["rank"].iloc[0] == 1
    gpkg = gpd.read_file(paths["gpkg"])
    assert len(gpkg) == 5 and gpkg.crs.to_epsg() == 4326
    assert gpkg.set_index("unit_id")["score"].to_dict() == pytest.approx(csv.set_index("unit_id")["score"].to_dict(), rel=1e-9)
    meta = json.loads(paths["run"].read_text(encoding="utf-8"))
    config_path = REPO / "configs" / "demo.yaml"
    assert meta["config"]["sha256"] == hashlib.sha256(config_path.read_bytes()).hexdigest()
    assert len(meta["inputs"]) == 7
    for path, entry in meta["inputs"].items():
        assert entry["sha256"] == hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert meta["packages"]["geopandas"] == gpd.__version__
    assert re.match(r"\d{4}-\d\d-\d\dT", meta["created_utc"])
    assert meta["point_layers"]["incidents"]["counted"] == sum(_demo_generator().INCIDENTS_2017.values())
    assert not list(paths["map"].parent.glob(".*tmp*")), "temporary files left behind"


def test_outputs_are_deterministic_and_row_order_free(grid_cfg, grid_files, tmp_path):
    a = nexus_zones.run(config_from_mapping(grid_cfg), out_dir=tmp_path / "a").paths
    events = pd.read_csv(grid_files["events"])
    shuffled = tmp_path / "shuffled.csv"
    events.sample(frac=1, random_state=3).to_csv(shuffled, index=False)
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["events"]["path"] = str(shuffled)
    b = nexus_zones.run(config_from_mapping(cfg), out_dir=tmp_path / "b").paths
    assert a["csv"].read_bytes() == b["csv"].read_bytes()


def test_failed_write_leaves_previous_outputs_intact(grid_cfg, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = nexus_zones.run(config_from_mapping(grid_cfg), out_dir=out).paths
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(result, layer):
        def write(path):
            path.write_bytes(b"half")
            raise OSError(28, "No space left on device")
        return write

    monkeypatch.setattr(report, "_gpkg_writer", boom)
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["indicators"]["incidents"]["weight"] = 9
    with pytest.raises(nexus_zones.NexusZonesError, match="could not write"):
        nexus_zones.run(config_from_mapping(cfg), out_dir=out)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before
    assert set(after) == {p.name for p in first.values()}


def test_inputs_are_never_modified(demo_config, tmp_path):
    data_dir = REPO / "data" / "demo"
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data_dir.iterdir()}
    nexus_zones.run(demo_config, out_dir=tmp_path)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data_dir.iterdir()}
    assert before == after


def test_missing_value_excludes_unit_with_named_warning(grid_cfg, grid_files, tmp_path):
    forces = pd.read_csv(grid_files["forces"])
    forces = forces[forces["pcode"] != "B1"]
    path = tmp_path / "forces_partial.csv"
    forces.to_csv(path, index=False)
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["forces"]["path"] = str(path)
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    assert any("indicator closed: no value for Bravo One (B1)" in w for w in result.warnings)
    assert any("rule police: no data to check it for Bravo One (B1)" in w for w in result.warnings)
    s = result.scores
    assert np.isnan(s.loc["B1", "score"]) and s.loc["B1", "status"] == "not scored: missing data"
    assert "police (no data)" in s.loc["B1", "failed_rules"]
    assert s["rank"].dropna().tolist() == [1, 2, 3]


# --------------------------------------------------------------------------------- map as text


def _page_data(html: str) -> dict:
    """The page's embedded payload (``var D = {...};``)."""
    return json.loads(re.search(r"var D = (\{.*?\});\n", html, flags=re.S).group(1))


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
    # score, each indicator, rules, robustness, similarity to Diré, profiles
    assert len(units["colours"]) == 1 + n_ind + 1 + 3 + 2  # ... and the pilot set and agreement views
    assert units["name"][0] == "Dir\u00e9" and units["config_rank"][0] == 1 and units["eligible"][0] is True
    assert len(units["norm"][0]) == n_ind
    assert units["norm"][0] == pytest.approx([demo_result.scores.loc["ML0602", f"{n}_norm"] for n in demo_result.config.indicators])
    popup = render_popups(data)[0]  # as the page writes it
    assert "nz-rules" in popup and popup.count('<li class="ok">✔') == 6
    assert "Rank band 1 (5–95% of 1,000 weightings) · top 1 in 100% · <b>in the top 1 whatever the weights</b>" in popup
    assert [v["id"] for v in data["views"]] == ["score"] + [f"i_{n}" for n in demo_result.config.indicators] + ["rules", "robustness", "similarity", "profiles", "pilots", "agreement"]
    assert [x["id"] for x in data["indicators"]] == list(demo_result.config.indicators)
    assert [x["weight"] for x in data["indicators"]] == [3, 1, 2, 1, 2, 1, 1]
    assert [p["id"] for p in data["points"]] == ["incidents", "services", "access"]
    assert len(data["points"][0]["points"]) == sum(_demo_generator().INCIDENTS_2017.values())  # the counted events only
    assert [r["label"] for r in data["basemap"]["regions"]] == ["Tombouctou"]
    assert len(data["basemap"]["unit_labels"]) == 5
    assert "schematic geometry, illustrative figures" in data["title_html"]


def test_map_in_french(demo_config, tmp_path):
    import yaml

    cfg = yaml.safe_load(demo_config.read_text(encoding="utf-8"))
    cfg["language"] = "fr"
    result = nexus_zones.run(config_from_mapping(cfg, base_dir=demo_config.parent), out_dir=tmp_path)
    html = result.paths["map"].read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    data = _page_data(html)
    dire = render_popups(data)[data["units"]["id"].index("ML0602")]  # as the page writes it
    # the sentence of the 2018 mission report, with the demo's figures: 2 incidents against (24 + 9 + 15 + 12) / 4 = 15
    import html as html_mod

    assert "Moins d'incidents sécuritaires en 2017 (2, contre 15 en moyenne dans la région)" in html_mod.unescape(dire)
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
    # escaped for HTML, then written into the script as JSON with <, > and & as \\u escapes
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html


def test_a_folder_in_the_way_of_one_output_changes_no_output(grid_cfg, tmp_path):
    out = tmp_path / "out"
    nexus_zones.run(config_from_mapping(grid_cfg), out_dir=out)
    (out / "grid_run.json").unlink()
    (out / "grid_run.json").mkdir()
    (out / "grid_run.json" / "keep.txt").write_text("x", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["study"]["title"] = "Another title"
    with pytest.raises(nexus_zones.NexusZonesError, match="grid_run.json: found a folder"):
        nexus_zones.run(config_from_mapping(cfg), out_dir=out)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_failed_move_restores_every_previous_output(tmp_path, monkeypatch):
    import os

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a", encoding="utf-8")
    real_replace = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if str(dst).endswith("b.txt") and ".tmp" in str(src):
            raise OSError(13, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(report.os, "replace", flaky)
    writers = {a: lambda p: p.write_text("new a", encoding="utf-8"), b: lambda p: p.write_text("new b", encoding="utf-8")}
    with pytest.raises(OSError):
        report.write_all(writers)
    assert a.read_text(encoding="utf-8") == "old a" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_fixed_class_legends(grid_cfg, tmp_path):
    from nexus_zones.maps import PALETTE, colour

    # 5 classes: 0.0–0.2 is class 0 (the first colour), 0.9 is class 4 (the last), 0.5 is class 2 (the middle: PALETTE[4])
    assert colour(0.1, 5) == colour(0.0, 5) == PALETTE[0]
    assert colour(0.9, 5) == colour(1.0, 5) == PALETTE[-1]
    assert colour(0.5, 5) == PALETTE[4]
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
