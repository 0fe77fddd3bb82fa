"""Normalisation to a common 0–1 scale (:mod:`nexus_zones.normalise`): min–max, goalposts, ranks,
threshold curves, z-scores, the INFORM scale, winsorising, constant and zero-heavy indicators,
each against a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nexus_zones import normalise
from nexus_zones.errors import ConstantIndicatorWarning, NexusZonesWarning


# ------------------------------------------------------------------------------------ normalise


def test_minmax_benefit_and_cost():
    x = pd.Series([2.0, 4.0, 10.0, np.nan])
    assert normalise.normalise(x, "minmax", direction="benefit").tolist()[:3] == [0.0, (4 - 2) / (10 - 2), 1.0]
    cost = normalise.normalise(x, "minmax", direction="cost")
    assert cost.tolist()[:3] == [1.0, 1 - (4 - 2) / (10 - 2), 0.0]
    assert math.isnan(cost.iloc[3])


def test_goalposts_clip_and_stay_fixed():
    x = pd.Series([-1.0, 0.0, 5.0, 12.0])
    assert normalise.normalise(x, "goalposts", direction="cost", goalposts=(0, 10)).tolist() == [1.0, 1.0, 1 - 5 / 10, 0.0]
    assert normalise.normalise(x, "goalposts", direction="benefit", goalposts=(0, 10)).tolist() == [0.0, 0.0, 0.5, 1.0]


def test_rank_with_ties():
    x = pd.Series([10.0, 20.0, 20.0, 30.0])
    # average ranks 1, 2.5, 2.5, 4 -> (r - 1) / (4 - 1)
    assert normalise.normalise(x, "rank", direction="benefit").tolist() == [0.0, 1.5 / 3, 1.5 / 3, 1.0]
    assert normalise.normalise(x, "rank", direction="cost").tolist() == [1.0, 1.5 / 3, 1.5 / 3, 0.0]


@pytest.mark.parametrize("method", ["minmax", "rank"])
def test_constant_indicator_gets_half_and_a_named_warning(method):
    x = pd.Series([3.0, 3.0, np.nan], name="access")
    with pytest.warns(ConstantIndicatorWarning, match=r"indicator access: every unit has the same value \(3\)"):
        out = normalise.normalise(x, method, direction="cost")
    assert out.tolist()[:2] == [0.5, 0.5] and math.isnan(out.iloc[2])


def test_unknown_method_lists_valid_ones():
    with pytest.raises(Exception, match="valid: minmax, goalposts, rank, zscore, threshold, inform"):
        normalise.normalise(pd.Series([1.0, 2.0]), "logistic", direction="benefit")


# -------------------------------------------------------------------------- transforms and methods


def test_threshold_curve_by_hand():
    x = pd.Series([0.0, 5.0, 12.5, 20.0, 40.0, np.nan])
    out = normalise.normalise(x, "threshold", direction="cost", thresholds=[[5, 1], [20, 0]])
    # ≤ 5 incidents → 1, ≥ 20 → 0, linear between: 12.5 is half way
    assert out.tolist()[:5] == [1.0, 1.0, 0.5, 0.0, 0.0] and math.isnan(out.iloc[5])


def test_zscore_by_hand():
    x = pd.Series([1.0, 2.0, 3.0])
    # mean 2, population sd √(2/3): z = ∓1.2247, 0 → (z + 3) / 6
    z = 1 / math.sqrt(2 / 3)
    assert normalise.normalise(x, "zscore", direction="benefit").tolist() == pytest.approx([(3 - z) / 6, 0.5, (3 + z) / 6])
    assert normalise.normalise(x, "zscore", direction="cost").tolist() == pytest.approx([(3 + z) / 6, 0.5, (3 - z) / 6])


def test_inform_scale_rounds_to_a_tenth_of_ten():
    x = pd.Series([0.0, 1.0, 3.0])
    # min–max gives 0, 1/3, 1 → 0–10: 0, 3.333…, 10 → rounded 0, 3.3, 10 → /10
    assert normalise.normalise(x, "inform", direction="benefit").tolist() == pytest.approx([0.0, 0.33, 1.0])
    assert normalise.normalise(x, "inform", direction="benefit", goalposts=(0, 6)).tolist() == pytest.approx([0.0, 0.17, 0.5])


def test_winsorise_clips_to_quantiles_and_refuses_to_flatten():
    x = pd.Series([0.0, 1.0, 2.0, 3.0, 100.0])
    with pytest.warns(NexusZonesWarning, match=r"2 values clipped"):
        out = normalise.winsorise(x, (0.25, 0.75), "x")
    assert out.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0]
    zero_heavy = pd.Series([0.0] * 9 + [5.0])
    with pytest.warns(NexusZonesWarning, match=r"would make every value 0; not winsorised"):
        assert normalise.winsorise(zero_heavy, (0.05, 0.8), "z").tolist() == zero_heavy.tolist()


def test_zero_heavy_indicator_is_reported():
    with pytest.warns(NexusZonesWarning, match=r"indicator access: 80 % of units are at 0"):
        normalise.prepare(pd.Series([0.0, 0.0, 0.0, 0.0, 2.0]), {}, "access")
