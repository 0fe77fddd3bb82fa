"""A set of pilots (:mod:`nexus_zones.analyses.pilots`) on the grid's scored model."""

from __future__ import annotations

import itertools

import pytest

from nexus_zones.analyses import pilots

from .._support import grid_model


def test_the_best_set_is_the_best_total_and_lists_stay_lists_until_written(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    result = pilots.run(model, pilots.Spec(k=2, only_passing=False, region_max=1, alternatives=1))
    score = model.table["score"].astype(float)
    region = model.table["region"]
    # brute force: every pair from two regions
    pairs = [p for p in itertools.combinations(score.index, 2) if region[p[0]] != region[p[1]]]
    best = max(pairs, key=lambda p: score[list(p)].sum())
    assert set(result.best.units) == set(best) and result.best.objective == pytest.approx(score[list(best)].sum())
    assert isinstance(result.best.names, tuple) and set(result.best.names) == {model.table.at[u, "name"] for u in best}
    assert len(result.sets) == 2 and result.sets[1].gap > 0
    written = pilots.tables(result)["pilots"]
    assert written.at[0, "units"] == "; ".join(result.best.units) and written.at[1, "added"] == "; ".join(result.sets[1].added)


def test_candidates_say_why_each_unit_is_left_out(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    ok, why = pilots.candidates(model, pilots.Spec(k=1, only_passing=False, require=["police"]))
    # the rule police (forces.police) fails for A2 alone
    assert list(ok[ok].index) == ["B2", "B1", "A1"] and why == {"A2": "pilots.require[0] 'police' not met"}
    ok, why = pilots.candidates(model, pilots.Spec(k=1))  # every grid unit fails a rule
    assert not ok.any() and set(why.values()) == {"fails a rule (pilots.only_passing)"}


def test_with_k_0_it_does_not_run(grid_cfg) -> None:
    assert pilots.run(grid_model(grid_cfg), pilots.Spec()) is None
