"""AHP's weights (:mod:`nexus_zones.analyses.ahp`) on the grid's scored model."""

from __future__ import annotations

import pytest

from nexus_zones.analyses import ahp

from .._support import grid_model


def test_consistent_judgements_give_their_ratios_and_no_inconsistency(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    # incidents twice as important as health and as closed; health as important as closed: 1/2, 1/4, 1/4
    result = ahp.run(model, {"incidents": {"health": 2, "closed": 2}, "health": {"closed": 1}})
    assert result.level == "indicators"
    assert result.weights == pytest.approx({"incidents": 0.5, "health": 0.25, "closed": 0.25})
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9) and result.lambda_max == pytest.approx(3.0)
    assert result.as_dict()["weights"] == pytest.approx(result.weights)


def test_without_judgements_it_does_not_run(grid_cfg) -> None:
    assert ahp.run(grid_model(grid_cfg), None) is None
