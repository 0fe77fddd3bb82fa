"""The writers of tables, brief and run metadata (:mod:`nexus_zones.report`): the outputs of the demo,
writes that fail leaving the previous outputs intact, the output lock, and the mission brief
(printable HTML with a PNG map, the scores as XLSX, French, hostile strings kept as text)."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import os
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml

import nexus_zones
from nexus_zones import cli, report
from nexus_zones.config import config_from_mapping

from ._support import REPO, _demo_generator


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


@pytest.fixture(scope="module")
def demo_brief(demo_result, tmp_path_factory):
    """The brief of configs/demo.yaml: nexus_zones.brief is nexus_zones.compute and report.write_brief; the
    compute is the shared demo run's (the same config and seeds), its brief written here as brief writes it."""
    from nexus_zones import logs

    out = tmp_path_factory.mktemp("brief")
    with logs.Recorder():
        return out, report.write_brief(demo_result, out)


def test_brief_files(demo_brief):
    out, paths = demo_brief
    assert set(paths) == {"brief", "png", "xlsx"}
    assert sorted(p.name for p in out.iterdir()) == ["demo_brief.html", "demo_map.png", "demo_scores.xlsx"]
    png = paths["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    text = paths["brief"].read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 1  # the map travels inside the one file


def test_brief_content(demo_brief):
    _, paths = demo_brief
    text = html.unescape(paths["brief"].read_text(encoding="utf-8"))
    names = re.findall(r"<tr><td>(\d+)</td><td>\d+</td><td>([^<]+)</td>", text)
    # rules first (model.failing_units: last): Tombouctou fails 3 rules, Niafunké 4, Goundam 5, Gourma-Rharous 6
    assert names == [("1", "Diré"), ("2", "Tombouctou"), ("3", "Niafunké"), ("4", "Goundam"), ("5", "Gourma-Rharous")]
    # score, rules failed, rank band, among the first 1 (robustness.top_k): the rules decide (0, 3, 4, 5, 6 rules failed)
    assert "<td>97.7</td><td>0</td><td>1</td><td>Yes, by the rules</td>" in text
    assert "<td>42.7</td><td>3</td>" in text and "No, by the rules" in text and "whatever the weights tried" not in text
    assert "The rules alone decide the order: each unit fails a different number of rules (0, 3, 4, 5 and 6)" in text
    assert "1. Diré" in text
    # 2 incidents earn all 3/11 × 100 = 27.3 points; the region's other units average (24 + 9 + 15 + 12) / 4 = 15
    assert ("Security incidents, 2017: 2, 27.3 of 27.3 points (scale from 24, worst, to 2, best); "
            "better than the average of the region's other units (15)") in text
    assert "✔ Police, gendarmerie and military present" in text
    assert "Rank bands come from 1,000 random weightings" in text
    assert "Illustrative, ACLED-style (demo) — 2017" in text
    # the ranking's headers are words, not a claim's template with its fields unfilled
    heads = re.search(r"<tr>((?:<th>[^<]*</th>)+)</tr>", text).group(1)
    assert "<th>Rank band</th>" in heads and "{" not in heads


def test_xlsx_holds_the_scores(demo_result, demo_brief, tmp_path):
    _, paths = demo_brief
    sheets = pd.read_excel(paths["xlsx"], sheet_name=None)
    assert set(sheets) == {"scores", "weights", "ranks_by_weights"}
    scores = sheets["scores"]
    assert list(scores["unit_id"]) == ["ML0602", "ML0601", "ML0605", "ML0603", "ML0604"]
    from ._support import REPO

    result = demo_result
    assert scores.set_index("unit_id")["score"].to_dict() == pytest.approx(result.scores["score"].to_dict())


def test_brief_in_french_and_from_the_cli(demo_config, tmp_path, capsys):
    cfg = yaml.safe_load(demo_config.read_text(encoding="utf-8"))
    cfg["language"] = "fr"
    cfg["data_dir"] = str(demo_config.parent)  # the demo's input paths are relative to configs/
    path = tmp_path / "demo_fr.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    code = cli.main(["brief", str(path), "--out", str(tmp_path), "-q"])
    assert code == 0 and "demo_brief.html" in capsys.readouterr().out
    text = html.unescape((tmp_path / "demo_brief.html").read_text(encoding="utf-8"))
    assert '<html lang="fr">' in text and "Note de mission" in text and "Classement" in text
    assert "Incidents sécuritaires, 2017 : 2, soit 27,3 points sur 27,3" in text and "Oui, par les règles" in text
    assert "<td>97,7</td>" in text


def test_hostile_strings_stay_text_in_the_brief(grid_cfg, grid_files, tmp_path):
    units = gpd.read_file(grid_files["boundaries"])
    units.loc[units["pcode"] == "B2", "name"] = "<img src=x onerror=alert(1)>"
    path = tmp_path / "hostile.geojson"
    units.to_file(path, driver="GeoJSON")
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["study"]["boundaries"]["path"] = str(path)
    cfg["study"]["title"] = "<script>alert(2)</script>"
    paths = nexus_zones.brief(config_from_mapping(cfg), out_dir=tmp_path / "out")
    text = paths["brief"].read_text(encoding="utf-8")
    assert "<img src=x" not in text and "<script>alert" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_the_lock_is_released_on_error_and_records_its_holder(tmp_path):
    with report.output_lock(tmp_path, wait=0) as holder:
        recorded = json.loads((tmp_path / report.LOCK_NAME).read_text(encoding="utf-8"))
        assert recorded == holder and recorded["pid"] == os.getpid()
    assert not (tmp_path / report.LOCK_NAME).exists()
    with pytest.raises(ZeroDivisionError):
        with report.output_lock(tmp_path, wait=0):
            1 / 0
    assert not (tmp_path / report.LOCK_NAME).exists()


# ------------------------------------------------------------------ one consistent set (issue 19, item 5)

#: Keys of the demo config that enable the optional tables, and the tables they make.
_FEATURES = {"decision": ["closest_weights"], "pilots": ["pilots"], "stakeholders": ["stakeholders"],
             "data_uncertainty": ["data_uncertainty", "data_variance"]}


def _demo_without(*keys: str) -> dict:
    from ._support import demo_mapping

    cfg = demo_mapping()
    cfg["decision"]["draws"], cfg["data_uncertainty"]["draws"] = 100, 4
    for key in keys:
        cfg.pop(key)
    return cfg


def test_tables_of_features_no_longer_enabled_are_moved_aside_and_logged(tmp_path, caplog):
    out = tmp_path / "out"
    first = nexus_zones.run(config_from_mapping(_demo_without(), base_dir=REPO / "configs"), out_dir=out).paths
    old = {kind: first[kind].read_bytes() for tables in _FEATURES.values() for kind in tables}
    assert len(old) == 5
    caplog.set_level("INFO", logger="nexus_zones.report")
    second = nexus_zones.run(config_from_mapping(_demo_without(*_FEATURES), base_dir=REPO / "configs"), out_dir=out).paths
    assert not set(old) & set(second)
    # the folder holds exactly this run's outputs; the earlier run's five tables are in .previous, unchanged
    assert {p.name for p in out.iterdir() if p.is_file()} == {p.name for p in second.values()}
    assert {p.name: p.read_bytes() for p in (out / report.PREVIOUS).iterdir()} == {f"demo_{k}.csv": b for k, b in old.items()}
    said = [r.getMessage() for r in caplog.records if "moved to" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith(f"outputs: 5 table(s) of an earlier run of study demo, for features this config does not enable, moved to {out / report.PREVIOUS}")
    assert all(f"demo_{k}.csv" in said[0] for k in old)
    # enabled again: written again in the folder; .previous keeps what it had
    third = nexus_zones.run(config_from_mapping(_demo_without("decision"), base_dir=REPO / "configs"), out_dir=out).paths
    assert {"pilots", "stakeholders", "data_uncertainty", "data_variance"} <= set(third) and "closest_weights" not in third
    assert len(list((out / report.PREVIOUS).iterdir())) == 5


def test_a_failed_run_sets_nothing_aside(grid_cfg, tmp_path, monkeypatch):
    out = tmp_path / "out"
    nexus_zones.run(config_from_mapping(grid_cfg), out_dir=out)
    (out / "grid_pilots.csv").write_text("set,units\n1,A\n", encoding="utf-8")  # as an earlier run with pilots left it
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(result, layer):
        def write(path):
            raise OSError(28, "No space left on device")
        return write

    monkeypatch.setattr(report, "_gpkg_writer", boom)
    with pytest.raises(nexus_zones.NexusZonesError, match="could not write"):
        nexus_zones.run(config_from_mapping(grid_cfg), out_dir=out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the stale table is still there, no .previous


def test_an_output_that_is_an_input_is_refused_before_anything_is_written(tmp_path, capsys):
    from ._support import copy_demo

    cfg, data = copy_demo(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "demo_pilots.csv").write_bytes((data / "security_forces.csv").read_bytes())
    cfg["layers"]["forces"]["path"] = str(out / "demo_pilots.csv")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    before = (out / "demo_pilots.csv").read_bytes()
    assert cli.main(["run", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out / 'demo_pilots.csv'} is also layers.forces.path ({out / 'demo_pilots.csv'})" in err
    assert "expected outputs that overwrite no input. Fix: pass another --out" in err
    assert [p.name for p in out.iterdir()] == ["demo_pilots.csv"] and (out / "demo_pilots.csv").read_bytes() == before


def test_the_brief_refuses_to_overwrite_a_workbook_it_reads(tmp_path, capsys):
    from ._support import copy_demo

    cfg, data = copy_demo(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    pd.read_csv(data / "security_forces.csv").to_excel(out / "demo_scores.xlsx", index=False)
    cfg["layers"]["forces"]["path"] = str(out / "demo_scores.xlsx")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    before = (out / "demo_scores.xlsx").read_bytes()
    assert cli.main(["brief", str(config), "--out", str(out)]) == 2
    assert f"{out / 'demo_scores.xlsx'} is also layers.forces.path" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["demo_scores.xlsx"] and (out / "demo_scores.xlsx").read_bytes() == before


def test_run_json_describes_the_model_tree(grid_cfg, tmp_path):
    """run.json gives each pillar's parent, missing policy and factor, and the tree as the page scores it."""
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["model"] = {"aggregation": "geometric", "offset": 0, "pillars": {
        "security": {"indicators": ["incidents"], "weight": 2},
        "access": {"indicators": ["closed"], "weight": 1, "aggregation": "max"},
        "services": {"parent": "access", "indicators": ["health"], "weight": 1, "factor": 0.5, "missing": "renormalise"},
    }}
    result = nexus_zones.run(config_from_mapping(cfg), out_dir=tmp_path)
    meta = json.loads(result.paths["run"].read_text(encoding="utf-8"))["model"]
    assert meta["pillars"]["services"] == {"indicators": ["health"], "weight": 1.0, "aggregation": "arithmetic", "parent": "access",
                                           "missing": "renormalise", "factor": 0.5}
    assert meta["tree"]["order"] == ["security", "services", "access", "score"]
    assert meta["tree"]["nodes"]["access"] == {"children": ["services", "closed"], "aggregation": "max", "missing": "exclude", "offset": 0.01}
    assert meta["tree"]["nodes"]["score"]["offset"] == 0.0 and meta["tree"]["factor"]["services"] == 0.5


def test_the_brief_leads_each_top_unit_with_its_popups_three_lines(demo_result) -> None:
    """The brief's section of a top unit starts with the three lines the popup leads with (the two
    largest strengths and the largest weakness, in bold), then the other lines; every line once."""
    from nexus_zones import claims, explain

    result = demo_result
    unit = result.scores.index[result.scores["rank"] == 1][0]
    why = explain.why_claims(result, unit, means=explain.other_means(result), ends=explain._ends(result))
    labels = explain.labels(result.config, "en")
    texts = [claims.render(c, "en", labels) for c, _ in why]
    lead = claims.pick_three([(c, good, None) for c, good in why])
    page = report.brief_html(result, b"")
    section = page[page.index(f"1. {result.scores.loc[unit, 'name']}"):]
    section = section[:section.index("</section>")]
    shown = re.findall(r'<li class="(ok|ko)( lead)?">([^<]*)</li>', section)
    why_lines = [(cls, bold, html.unescape(text)) for cls, bold, text in shown if html.unescape(text) in texts]
    assert [text for _, _, text in why_lines] == [texts[i] for i in lead] + [texts[i] for i in range(len(texts)) if i not in lead]
    assert [bool(bold) for _, bold, _ in why_lines] == [True] * len(lead) + [False] * (len(texts) - len(lead))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_brief_draws_the_tree_with_each_nodes_rule_and_weight(inform_result, lang) -> None:
    """configs/inform_style_example.yaml: every node under its parent with its rule, every child with
    its share of its node's weights (human_hazard 2 : idp_change 1 → 67% and 33%) or its factor
    under max (conflict_projected: 0.7)."""
    from nexus_zones.messages import CATALOGUE, percent

    result = dataclasses.replace(inform_result, config=inform_result.config.model_copy(update={"language": lang}))
    page = report.brief_html(result, b"")
    tree_html = page[page.index(html.escape(CATALOGUE["tree_title"][lang], quote=True)):]
    rule = lambda r: html.escape(CATALOGUE["tree_rule"][lang].format(rule=CATALOGUE[f"agg_{r}"][lang]), quote=True)  # noqa: E731
    expected = {"score": "geometric", "hazard": "topsis", "human_hazard": "max", "vulnerability": "reversed_geometric",
                "socio_economic": "arithmetic", "lack_of_coping": "min"}
    for node, r in expected.items():
        at = tree_html.index(f"({node})") if node != "score" else 0
        assert rule(r) in tree_html[at:], (node, r)  # its rule follows its name
    # nesting: human_hazard inside hazard's list, before vulnerability; markets_gap inside lack_of_coping
    order = [tree_html.index(f"({n})") for n in ("hazard", "human_hazard", "conflict_now", "conflict_projected", "idp_change",
                                                   "vulnerability", "socio_economic", "food", "health_gap", "lack_of_coping", "markets_gap", "roads_gap")]
    assert order == sorted(order)
    weight = lambda share: html.escape(CATALOGUE["tree_weight"][lang].format(weight=percent(share, lang)), quote=True)  # noqa: E731
    assert weight(2 / 3) in tree_html[tree_html.index("(human_hazard)"):tree_html.index("(conflict_now)")]
    assert weight(1 / 3) in tree_html[tree_html.index("(idp_change)"):tree_html.index("(vulnerability)")]
    assert weight(2 / 3) in tree_html[tree_html.index("(food)"):tree_html.index("(health_gap)")]
    factor = html.escape(CATALOGUE["tree_factor"][lang].format(factor="0,7" if lang == "fr" else "0.7"), quote=True)
    assert factor in tree_html[tree_html.index("(conflict_projected)"):tree_html.index("(idp_change)")]
    assert html.escape(CATALOGUE["tree_offset"][lang].format(offset="0"), quote=True) in tree_html[:tree_html.index("(hazard)")]
    assert html.escape(CATALOGUE["tree_renormalise"][lang], quote=True) in tree_html[tree_html.index("(socio_economic)"):tree_html.index("(food)")]
