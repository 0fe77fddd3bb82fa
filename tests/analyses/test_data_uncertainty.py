"""Uncertainty in the data (:mod:`nexus_zones.analyses.data_uncertainty`) on the grid's scored model."""

from __future__ import annotations

import pytest

from nexus_zones.analyses import data_uncertainty
from nexus_zones.errors import ConfigError, DecisionWarning

from .._support import grid_model


def test_margins_on_an_unknown_measure_are_refused_and_on_an_unread_one_said(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    with pytest.raises(ConfigError, match="data_uncertainty.margins.events.cuont"):
        data_uncertainty.run(model, data_uncertainty.Spec(draws=5, margins={"events.cuont": 0.1}))
    with pytest.warns(DecisionWarning, match="'services.school' is read by no indicator and no rule"):
        data_uncertainty.check_margins(model, data_uncertainty.Spec(margins={"services.school": 0.1}))


def test_a_margin_on_a_measure_no_rank_reads_moves_nothing(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    with pytest.warns(DecisionWarning):
        result = data_uncertainty.run(model, data_uncertainty.Spec(draws=10, margins={"services.school": 0.5}))
    # every draw ranks as the model: each unit's band is its rank, and no variance
    rank = model.table["rank"].astype(float).reindex(result.table.index)
    assert result.table["data_rank_p05"].tolist() == rank.tolist() == result.table["data_rank_p95"].tolist()
    assert result.margins == ("services.school",) and result.draws == 10
    assert list(data_uncertainty.tables(result)) == ["data_uncertainty", "data_variance"]


def test_without_draws_it_does_not_run(grid_cfg) -> None:
    assert data_uncertainty.run(grid_model(grid_cfg), data_uncertainty.Spec(margins={"events.count": 0.1})) is None
