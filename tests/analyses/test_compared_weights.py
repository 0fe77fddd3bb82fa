"""Weights compared (:mod:`nexus_zones.analyses.compared_weights`) on the grid's scored model."""

from __future__ import annotations

import pytest

from nexus_zones import weights
from nexus_zones.analyses import compared_weights

from .._support import grid_model


def test_the_expert_weights_rank_as_the_model_and_each_method_gives_its_weights(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    result = compared_weights.run(model, ["entropy", "critic"])
    assert result.weights["expert"].to_dict() == pytest.approx(model.scored.weights)
    matrix = model.normalised[model.indicators].to_numpy(dtype=float)  # every grid unit is eligible and complete
    assert result.weights["entropy"].tolist() == pytest.approx(list(weights.entropy(matrix)))
    # flat arithmetic model and rules first: the expert weights give the model's own ranks
    assert result.ranks["rank_expert"].tolist() == model.table["rank"].astype(float).tolist()
    written = compared_weights.tables(result)
    assert list(written) == ["weights", "ranks_by_weights"] and list(written["ranks_by_weights"].columns[:3]) == ["unit_id", "name", "rank"]


def test_not_asked_for_it_does_not_run(grid_cfg) -> None:
    assert compared_weights.run(grid_model(grid_cfg), []) is None
