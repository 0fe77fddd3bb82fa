"""Leave-one-out (:mod:`nexus_zones.analyses.leave_one_out`) on the grid's scored model."""

from __future__ import annotations

from nexus_zones.analyses import leave_one_out, robustness

from .._support import grid_model


def test_max_shift_is_the_largest_move_of_rank_without_one_indicator(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    result = leave_one_out.run(model, robustness.Spec())
    table = result.table
    assert list(table.index) == list(model.table.index) and list(table.columns[:2]) == ["name", "rank"]
    without = [c for c in table.columns if c not in ("name", "rank", "max_shift")]
    assert len(without) == 3  # the grid's three weighted indicators
    for unit, row in table.iterrows():
        assert row["max_shift"] == max(abs(float(row[c]) - float(row["rank"])) for c in without)
    assert leave_one_out.unit_columns(result).columns.tolist() == ["loo_max_shift"]
    assert list(leave_one_out.tables(result)) == ["leave_one_out"]


def test_switched_off_it_does_not_run(grid_cfg) -> None:
    assert leave_one_out.run(grid_model(grid_cfg), robustness.Spec(leave_one_out=False)) is None
