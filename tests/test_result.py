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


def test_rescore_moves_a_node_of_the_model_tree_among_its_siblings(grid_cfg):
    """A node's weight (``pillar_weights``) re-scores the tree: every node and the score equal the
    arithmetic of the normalised values at the new weights, and a pillar that is not in the tree is refused."""
    grid_cfg["rules"] = {}
    grid_cfg["model"] = {"aggregation": "arithmetic", "pillars": {
        "security": {"indicators": ["incidents"], "weight": 1},
        "access": {"indicators": ["closed"], "weight": 1},
        "services": {"parent": "access", "indicators": ["health"], "weight": 1},
    }}
    result = nexus_zones.run(config_from_mapping(grid_cfg), write=False)
    again = result.rescore({}, pillar_weights={"services": 3, "security": 2})
    s = again.scores
    access = (1 * s["closed_norm"] + 3 * s["health_norm"]) / 4  # closed 1 : services 3 within access
    assert s["node_services"].tolist() == pytest.approx((100 * s["health_norm"]).tolist(), abs=1e-12)
    assert s["node_access"].tolist() == pytest.approx((100 * access).tolist(), abs=1e-12)
    assert s["score"].tolist() == pytest.approx((100 * (2 * s["incidents_norm"] + 1 * access) / 3).tolist(), abs=1e-12)
    assert again.config.pillar_weights() == {"security": 2.0, "access": 1.0, "services": 3.0}
    assert result.config.pillar_weights()["services"] == 1.0  # the original is unchanged
    with pytest.raises(nexus_zones.ConfigError, match="pillar_weights.nope"):
        result.rescore({}, pillar_weights={"nope": 1})
