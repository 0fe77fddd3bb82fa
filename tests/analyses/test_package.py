"""Analyses as plug-ins (:mod:`nexus_zones.analyses`): a toy analysis added by one module and one
registry line appears in the tables, the page's payload and the brief, with no other edit."""

from __future__ import annotations

import html
import types
from dataclasses import dataclass

import pandas as pd
import pytest

import nexus_zones
from nexus_zones import analyses, legends, maps, report
from nexus_zones.analyses.base import Model
from nexus_zones.config import config_from_mapping

from .._support import page_data_of


def _toy_module() -> types.ModuleType:
    """The toy analysis, as one module: each ranked unit's points behind the first unit, and
    whether it is within ``robustness.top_k`` of the first (the key whose spec it reads)."""
    toy = types.ModuleType("toy")

    @dataclass(frozen=True)
    class Result:
        table: pd.DataFrame
        k: int

    def run(model: Model, spec) -> Result:
        table = model.table
        ranked = table["rank"].notna()
        best = float(table.loc[ranked, "score"].max())
        gap = (best - table["score"].astype(float)).where(ranked)
        return Result(pd.DataFrame({"name": table["name"], "toy_gap": gap, "toy_near": table["rank"].astype("Float64") <= spec.top_k}), spec.top_k)

    toy.NAME, toy.KEY, toy.PHASE, toy.TABLES, toy.Spec, toy.Result, toy.run = "toy", "robustness", "model", ("toy",), object, Result, run
    toy.tables = lambda result: {"toy": result.table.rename_axis("unit_id").reset_index()}
    toy.unit_columns = lambda result: result.table[["toy_gap"]]
    toy.page = lambda result: {"k": result.k, "gap": [None if pd.isna(g) else round(float(g), 6) for g in result.table["toy_gap"]]}
    toy.brief = lambda run, result, language: f"<h2>Toy</h2><p>{html.escape(', '.join(result.table.loc[result.table['toy_near'].fillna(False), 'name']))}</p>"
    toy.views = lambda run, result, language: [{
        "id": "toy", "label": f"Toy (k = {result.k})", "legend": legends.swatches([(legends.PASS, "near"), (legends.NO_DATA, "far")]),
        "colours": lambda frame: [legends.PASS if near else legends.NO_DATA for near in result.table["toy_near"].reindex(frame.index).fillna(False).astype(bool)]}]
    return toy


@pytest.fixture
def with_toy(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    toy = _toy_module()
    monkeypatch.setitem(analyses.ANALYSES, toy.NAME, toy)  # the one registry line
    return toy


def test_a_toy_analysis_reaches_the_tables_the_page_and_the_brief(with_toy, grid_cfg, tmp_path) -> None:
    grid_cfg["robustness"] = {"draws": 0, "top_k": 2}
    result = nexus_zones.run(config_from_mapping(grid_cfg), out_dir=tmp_path / "out")

    # its table, written beside the others, holds the gap computed here from the scores table
    scores = pd.read_csv(result.paths["csv"], dtype={"unit_id": str}).set_index("unit_id")
    ranked = scores[scores["rank"].notna()]
    expected = ranked["score"].max() - ranked["score"]
    written = pd.read_csv(tmp_path / "out" / "grid_toy.csv", dtype={"unit_id": str}).set_index("unit_id")
    assert result.paths["toy"] == tmp_path / "out" / "grid_toy.csv"
    assert written.loc[expected.index, "toy_gap"].tolist() == pytest.approx(expected.tolist())
    assert written.loc[scores.index[scores["rank"].isna()], "toy_gap"].isna().all()
    # its unit column is in the scores table, before status
    columns = list(scores.columns)
    assert columns.index("toy_gap") < columns.index("status")
    assert scores.loc[expected.index, "toy_gap"].tolist() == pytest.approx(expected.tolist())

    # the page's payload carries what it gives the page
    data = page_data_of(result.paths["map"].read_text(encoding="utf-8"))
    assert data["analyses"]["toy"]["k"] == 2
    assert data["analyses"]["toy"]["gap"] == pytest.approx([None if pd.isna(g) else g for g in written["toy_gap"]])

    # the map has its view, after the others, coloured by the toy's own rule: the first two units green
    assert data["views"][-1] == {"id": "toy", "label": "Toy (k = 2)", "legend": legends.swatches([(legends.PASS, "near"), (legends.NO_DATA, "far")])}
    view = maps._views(result, "en")[-1]
    near_ids = set(ranked.index[ranked["rank"] <= 2])
    assert dict(zip(result.scores.index, view["colours"](result.scores))) == {
        u: legends.PASS if u in near_ids else legends.NO_DATA for u in result.scores.index}

    # the brief has its section: the units within the top 2
    brief = report.write_brief(result, tmp_path / "brief")["brief"].read_text(encoding="utf-8")
    near = scores[scores["rank"].notna() & (scores["rank"] <= 2)]["name"].tolist()
    assert len(near) == 2 and f"<h2>Toy</h2><p>{html.escape(', '.join(near))}</p>" in brief


def test_without_the_registry_line_the_toy_is_nowhere(grid_cfg, tmp_path) -> None:
    grid_cfg["robustness"] = {"draws": 0, "top_k": 2}
    result = nexus_zones.run(config_from_mapping(grid_cfg), out_dir=tmp_path / "out")
    assert "toy" not in result.analyses and "toy" not in result.paths and "toy_gap" not in result.scores.columns
    data = page_data_of(result.paths["map"].read_text(encoding="utf-8"))
    assert "toy" not in data["analyses"] and "toy" not in [v["id"] for v in data["views"]]


def test_every_analysis_names_its_key_phase_spec_and_run() -> None:
    for name, analysis in analyses.ANALYSES.items():
        assert analysis.NAME == name and analysis.PHASE in ("model", "decision") and callable(analysis.run)
        assert hasattr(analysis, "Spec") and isinstance(analysis.KEY, str)
        if hasattr(analysis, "tables"):
            assert analysis.TABLES, f"{name} writes tables but lists none in TABLES"


def test_the_analyses_views_come_from_their_modules_in_the_registry_order(demo_result, monkeypatch) -> None:
    """The map's views of the analyses are what each module's ``views`` gives, after the model's own
    (score, region rank, indicators, rules); without typology's, similarity and profiles are gone."""
    ids = [v["id"] for v in maps._views(demo_result, "en")]
    own = ["score", "region_rank", *(f"i_{n}" for n in demo_result.plan.indicators), "rules"]
    by_analysis = [v["id"] for name, a in analyses.ANALYSES.items() if name in demo_result.analyses and hasattr(a, "views")
                   for v in a.views(demo_result, demo_result.analyses[name], "en")]
    assert ids == own + by_analysis == own + ["robustness", "similarity", "profiles", "pilots", "agreement"]
    monkeypatch.delattr(analyses.ANALYSES["typology"], "views")
    assert [v["id"] for v in maps._views(demo_result, "en")] == own + ["robustness", "pilots", "agreement"]
