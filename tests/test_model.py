"""The scored model of a config (:mod:`nexus_zones.model`): the scores table and the analyses beside the score."""

from __future__ import annotations

import pandas as pd
import pytest

from nexus_zones import model, reporting
from nexus_zones.config import config_from_mapping
from nexus_zones.config.plan import model_plan

from ._support import demo_mapping, grid_model


# In a study over periods the robustness draws' alternative normalisations are pooled over the periods
def test_alternative_normalisations_use_the_bounds_of_every_period() -> None:
    cfg = demo_mapping()
    cfg["robustness"]["vary_normalisation"] = ["minmax", "rank"]
    config = config_from_mapping(cfg, source="t")
    units = ["U1", "U2", "U3"]
    columns = list(config.indicators)
    a = pd.DataFrame({c: [1.0, 2.0, 3.0] for c in columns}, index=units)
    b = pd.DataFrame({c: [3.0, 5.0, 9.0] for c in columns}, index=units)
    pooled = {"2017": a, "2018": b}
    alt = {p: model.renormaliser(model_plan(config), pooled, p) for p in pooled}
    # incidents is a cost: pooled min-max over 1, 2, 3, 3, 5, 9 gives (9 − v) / (9 − 1)
    assert alt["2017"]("minmax")["incidents"].tolist() == pytest.approx([(9 - 1) / 8, (9 - 2) / 8, (9 - 3) / 8])
    assert alt["2018"]("minmax")["incidents"].tolist() == pytest.approx([(9 - 3) / 8, (9 - 5) / 8, 0.0])
    # the value 3 (U3 in 2017, U1 in 2018) is normalised alike in both periods, under either method
    for method in ("minmax", "rank"):
        assert alt["2017"](method).loc["U3", "incidents"] == alt["2018"](method).loc["U1", "incidents"]
    # a single snapshot is its own pool
    alone = model.renormaliser(model_plan(config), {"": a}, "")("minmax")["incidents"]
    assert alone.tolist() == pytest.approx([1.0, 0.5, 0.0])


def test_the_scores_table_is_sorted_by_rank_with_the_analyses_columns_before_status(grid_cfg):
    table = grid_model(grid_cfg).table
    assert table["rank"].tolist() == sorted(table["rank"].tolist())
    columns = [c for c in table.columns if c != "geometry"]
    assert columns[-1] == "status" and columns.index("completeness") < columns.index("share_top_k") < columns.index("loo_max_shift")
    low = pd.DataFrame({c: [0.0] * len(table) for c in reporting.COLUMNS}, index=table.index[::-1])
    with_low = [c for c in model.with_low_reporting(table, low).columns if c != "geometry"]
    assert with_low[-len(reporting.COLUMNS) - 1:] == [*reporting.COLUMNS, "status"]
    assert model.with_low_reporting(table, None) is table
