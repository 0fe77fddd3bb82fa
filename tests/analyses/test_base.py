"""What an analysis receives (:mod:`nexus_zones.analyses.base`): the scored model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .._support import grid_model


def test_the_model_says_who_is_eligible_and_what_rules_read(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    assert model.indicators == ["incidents", "health", "closed"] and model.eligible.all()
    # rules first (failing_units: last): the rules failed order the ranking
    assert model.failed.tolist() == model.scored.table["rules_failed_count"].reindex(model.normalised.index).tolist()
    assert replace(model, failing_units="flag").failed is None
    lookup = model.lookup
    assert set(lookup) == set(model.measures.columns) | set(model.indicators)
    # an imputed value is no observation: rules read it as missing
    imputed = model.imputed.copy()
    imputed.loc["A1", "incidents"] = True
    assert np.isnan(replace(model, imputed=imputed).lookup["incidents"]["A1"])
