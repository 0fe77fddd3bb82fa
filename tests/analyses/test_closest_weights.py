"""The weights behind a choice (:mod:`nexus_zones.analyses.closest_weights`) on the grid's scored model."""

from __future__ import annotations

import pytest

from nexus_zones.analyses import closest_weights
from nexus_zones.errors import InputDataError

from .._support import grid_model


def test_focus_units_by_name_then_the_top_of_each_region(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    # region ranks: B2 then B1 in the south, A1 then A2 in the north
    assert closest_weights.focus_units(closest_weights.Spec(focus=["alpha two"], region_top=1), model.table) == ["A2", "B2", "A1"]
    with pytest.raises(InputDataError, match="decision.focus"):
        closest_weights.focus_units(closest_weights.Spec(focus=["Zulu"]), model.table)


def test_each_unit_analysed_has_a_row_per_scope_with_its_name_and_region(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    result = closest_weights.run(model, closest_weights.Spec(focus=["A2"], draws=200))
    table = result.table
    assert set(table["unit_id"]) == {"A2"} and set(table["name"]) == {"Alpha Two"} and set(table["region"]) == {"North"}
    closest = [c for c in table.columns if c.startswith("closest_")]
    found = table[table["status"] == "found"]
    assert found[closest].sum(axis=1).tolist() == pytest.approx([1.0] * len(found))
    assert (result.draws, list(closest_weights.tables(result))) == (200, ["closest_weights"])


def test_with_no_unit_to_analyse_it_does_not_run(grid_cfg) -> None:
    assert closest_weights.run(grid_model(grid_cfg), closest_weights.Spec()) is None
