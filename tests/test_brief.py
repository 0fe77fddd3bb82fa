"""The mission brief: printable HTML with a PNG map, and the scores as XLSX."""

from __future__ import annotations

import html
import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import yaml

import nexus_zones
from nexus_zones import cli
from nexus_zones.config import config_from_mapping


@pytest.fixture(scope="module")
def demo_brief(tmp_path_factory):
    from .conftest import REPO

    out = tmp_path_factory.mktemp("brief")
    return out, nexus_zones.brief(REPO / "configs" / "demo.yaml", out_dir=out)


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
    names = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", text)
    # rules first (model.failing_units: last): Tombouctou fails 3 rules, Niafunké 4, Goundam 5, Gourma-Rharous 6
    assert names == [("1", "Diré"), ("2", "Tombouctou"), ("3", "Niafunké"), ("4", "Goundam"), ("5", "Gourma-Rharous")]
    assert "<td>97.7</td><td>1</td><td>yes</td>" in text  # score, rank band, robust
    assert "1. Diré" in text
    assert "Fewer security incidents in 2017 (2, against 15 on average in the region)" in text  # (24 + 9 + 15 + 12) / 4 = 15
    assert "✔ Police, gendarmerie and military present" in text
    assert "Rank bands come from 1,000 random weightings" in text
    assert "Illustrative, ACLED-style (demo) — 2017" in text


def test_xlsx_holds_the_scores(demo_brief, tmp_path):
    _, paths = demo_brief
    sheets = pd.read_excel(paths["xlsx"], sheet_name=None)
    assert set(sheets) == {"scores", "weights", "ranks_by_weights"}
    scores = sheets["scores"]
    assert list(scores["unit_id"]) == ["ML0602", "ML0601", "ML0605", "ML0603", "ML0604"]
    from .conftest import REPO

    result = nexus_zones.run(REPO / "configs" / "demo.yaml", write=False)
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
    assert "Moins d'incidents sécuritaires en 2017 (2, contre 15 en moyenne dans la région)" in text
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
