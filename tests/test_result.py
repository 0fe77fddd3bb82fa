"""What a run computed (:mod:`nexus_zones.result`): a typed result, re-scored without files."""

from __future__ import annotations

import pytest

import nexus_zones
from nexus_zones.config import config_from_mapping


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


def test_rescore_runs_the_analyses_beside_the_score_again_and_leaves_the_decisions_out(grid_cfg):
    grid_cfg["robustness"] = {"draws": 20, "top_k": 2}
    grid_cfg["pilots"] = {"k": 1, "only_passing": False}
    result = nexus_zones.run(config_from_mapping(grid_cfg), write=False)
    assert list(result.analyses) == ["robustness", "leave_one_out", "compared_weights", "pilots"]
    assert result.analysis("typology") is None
    again = result.rescore({"incidents": 1, "health": 1, "closed": 1})
    assert list(again.analyses) == ["robustness", "leave_one_out", "compared_weights"]
    assert again.analysis("robustness").table["share_top_k"].reindex(again.scores.index).tolist() == again.scores["share_top_k"].tolist()
