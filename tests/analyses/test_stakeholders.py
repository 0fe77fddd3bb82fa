"""Several stakeholders' weights (:mod:`nexus_zones.analyses.stakeholders`) on the grid's scored model."""

from __future__ import annotations

import pytest

from nexus_zones import decision
from nexus_zones.analyses import stakeholders

from .._support import grid_model


def test_a_set_equal_to_the_config_ranks_as_the_model_and_codes_are_pooled(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    codes = [decision.encode_weights({"incidents": 1, "health": 0, "closed": 0}), decision.encode_weights({"incidents": 0, "health": 1, "closed": 1})]
    spec = stakeholders.Spec(sets={"same": {"incidents": 2, "health": 1, "closed": 1}}, participants=codes, top_k=1)
    result = stakeholders.run(model, spec)
    assert result.sets == ["same", "participants"] and result.top_k == 1
    assert result.table["rank_same"].tolist() == model.table["rank"].tolist()
    # each code rescaled to sum to 1, then the mean: 1/2, 1/4, 1/4
    assert result.weights["participants"] == pytest.approx({"incidents": 0.5, "health": 0.25, "closed": 0.25})
    in_top = (result.table[["rank_same", "rank_participants"]].astype(float) <= 1).sum(axis=1)
    assert result.table["sets_in_top_k"].tolist() == in_top.tolist()
    assert result.table["in_top_k_every_set"].tolist() == (in_top == 2).tolist()


def test_without_sets_or_participants_it_does_not_run(grid_cfg) -> None:
    assert stakeholders.run(grid_model(grid_cfg), stakeholders.Spec(top_k=3)) is None


def test_the_popup_says_the_agreement_unless_the_rules_decide(grid_cfg) -> None:
    import nexus_zones
    from nexus_zones.config import config_from_mapping

    grid_cfg["model"] = {"failing_units": "flag"}
    grid_cfg["stakeholders"] = {"sets": {"incidents_only": {"incidents": 1}, "health_only": {"health": 1}}, "top_k": 2}
    run = nexus_zones.compute(config_from_mapping(grid_cfg))
    result = run.analysis("stakeholders")
    said = stakeholders.unit_claims(run, result, "B2", decided=False)
    n = int(result.table.at["B2", "sets_in_top_k"])
    expected = {2: "agreement_every", 0: "agreement_none"}.get(n, "agreement_some")
    assert len(said) == 1 and said[0].key == expected and said[0].values["m"] == 2 and said[0].values["first"] == 2
    assert stakeholders.unit_claims(run, result, "B2", decided=True) == []
