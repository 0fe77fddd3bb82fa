"""The robustness analysis (:mod:`nexus_zones.analyses.robustness`) on the grid's scored model."""

from __future__ import annotations

import pytest

from nexus_zones.analyses import robustness

from .._support import grid_model


def test_weights_that_cannot_move_give_every_unit_its_own_rank(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    # a concentration of 1e7 keeps every draw at the configured weights: each unit's band is its rank
    result = robustness.run(model, robustness.Spec(draws=50, concentration=1e7, top_k=2))
    table, rank = result.table, model.table["rank"].astype(float)
    assert table["rank_p05"].tolist() == pytest.approx(rank.reindex(table.index).tolist())
    assert table["rank_p95"].tolist() == pytest.approx(rank.reindex(table.index).tolist())
    assert table["share_top_k"].tolist() == [1.0 if r <= 2 else 0.0 for r in rank.reindex(table.index)]
    assert (result.draws, result.top_k) == (50, 2)
    assert list(robustness.unit_columns(result).columns) == ["rank_median", "rank_p05", "rank_p95", "share_top_k", "robust"]


def test_off_or_with_one_eligible_unit_it_does_not_run(grid_cfg) -> None:
    assert robustness.run(grid_model(grid_cfg), robustness.Spec(draws=0)) is None
    grid_cfg["model"] = {"failing_units": "exclude"}
    grid_cfg["rules"] = {"only_b2": "services.count >= 2"}  # B2 alone has two services
    assert robustness.run(grid_model(grid_cfg), robustness.Spec(draws=20)) is None
