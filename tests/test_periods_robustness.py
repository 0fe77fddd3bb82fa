"""In a study over periods the robustness draws' alternative normalisations are pooled over the
periods, as the model's own normalisation is (equal raw values, equal normalised values)."""

from __future__ import annotations

import pandas as pd
import pytest

from nexus_zones import pipeline
from nexus_zones.config import config_from_mapping

from .conftest import demo_mapping


def test_alternative_normalisations_use_the_bounds_of_every_period() -> None:
    cfg = demo_mapping()
    cfg["robustness"]["vary_normalisation"] = ["minmax", "rank"]
    config = config_from_mapping(cfg, source="t")
    units = ["U1", "U2", "U3"]
    columns = list(config.indicators)
    a = pd.DataFrame({c: [1.0, 2.0, 3.0] for c in columns}, index=units)
    b = pd.DataFrame({c: [3.0, 5.0, 9.0] for c in columns}, index=units)
    alt = pipeline._alternative_normalisations(config, {"2017": a, "2018": b})
    # incidents is a cost: pooled min-max over 1, 2, 3, 3, 5, 9 gives (9 − v) / (9 − 1)
    assert alt["2017"]["minmax"]["incidents"].tolist() == pytest.approx([(9 - 1) / 8, (9 - 2) / 8, (9 - 3) / 8])
    assert alt["2018"]["minmax"]["incidents"].tolist() == pytest.approx([(9 - 3) / 8, (9 - 5) / 8, 0.0])
    # the value 3 (U3 in 2017, U1 in 2018) is normalised alike in both periods, under either method
    for method in ("minmax", "rank"):
        assert alt["2017"][method].loc["U3", "incidents"] == alt["2018"][method].loc["U1", "incidents"]
    # a single snapshot is its own pool
    alone = pipeline._alternative_normalisations(config, {"": a})[""]["minmax"]["incidents"]
    assert alone.tolist() == pytest.approx([1.0, 0.5, 0.0])
