"""Steps before aggregation, each against a hand calculation or an independent implementation
(scipy's bias-corrected skewness and kurtosis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from nexus_zones.treat import impute_by_group, kurtosis, per, skewness, winsorise


def series(values, prefix="u"):
    return pd.Series(values, index=[f"{prefix}{i:02d}" for i in range(len(values))], dtype=float)


@pytest.mark.parametrize("values", [[1, 2, 3, 4, 10], [*range(1, 11), 30, 100], [-80, -80, *range(1, 21)], [0.1, 0.4, 0.4, 2.5]])
def test_skewness_and_kurtosis_are_excels_skew_and_kurt(values):
    x = np.asarray(values, dtype=float)
    assert skewness(x) == pytest.approx(scipy.stats.skew(x, bias=False), abs=1e-12)
    assert kurtosis(x) == pytest.approx(scipy.stats.kurtosis(x, fisher=True, bias=False), abs=1e-12)


def test_skewness_by_hand():
    # 1, 2, 3, 4, 10: mean 4; deviations −3 −2 −1 0 6; m2 = 50/5 = 10; m3 = (−27 −8 −1 + 0 + 216)/5 = 36
    g1 = 36 / 10**1.5
    assert skewness(np.array([1, 2, 3, 4, 10.0])) == pytest.approx(g1 * np.sqrt(5 * 4) / 3, abs=1e-12)


def test_one_outlier_is_pulled_in_to_the_next_value():
    x = series([*range(1, 11), 30, 100])  # skewness 3.06, kurtosis 9.74: to treat
    treated = winsorise(x)
    assert treated.changed == {"u11": (100.0, 30.0)}
    # after one point: skewness 1.71 < 2, so the treatment stops
    assert abs(scipy.stats.skew(treated.values, bias=False)) < 2
    assert treated.values.drop("u11").equals(x.drop("u11"))


def test_tied_extremes_are_treated_together_and_counted_as_two_points():
    x = series([*range(1, 21), 90, 90])
    treated = winsorise(x)
    assert treated.changed == {"u20": (90.0, 20.0), "u21": (90.0, 20.0)}
    assert "2 points treated" in treated.note


def test_negative_skew_pulls_in_the_minimum():
    x = series([-80, -80, *range(1, 21)])
    assert scipy.stats.skew(x, bias=False) < -2
    treated = winsorise(x)
    assert treated.changed == {"u00": (-80.0, 1.0), "u01": (-80.0, 1.0)}


def test_the_number_of_points_is_capped_and_the_note_says_it_is_still_skewed():
    x = series([*range(1, 30), 500, 600, 700])
    treated = winsorise(x, max_points=1)
    assert treated.changed == {"u31": (700.0, 600.0)}
    assert treated.note.startswith("still skewed after 1 points (the most allowed is 1)")


def test_a_symmetric_indicator_is_left_alone():
    x = series([1, 2, 3, 4, 5, 6])
    treated = winsorise(x)
    assert treated.changed == {} and treated.values.equals(x)


def test_missing_values_are_left_missing_and_too_few_values_are_not_treated():
    x = series([np.nan, 1, 2, 300])
    treated = winsorise(x)
    assert treated.changed == {} and "at least 4" in treated.note
    assert np.isnan(treated.values["u00"])


def test_group_mean_and_median_by_hand():
    x = series([1.0, np.nan, 4.0, 10.0, np.nan, 5.0])
    groups = pd.Series(["a", "a", "a", "b", "b", "c"], index=x.index)
    mean = impute_by_group(x, groups, "mean")
    assert mean.values["u01"] == (1.0 + 4.0) / 2 and mean.values["u04"] == 10.0
    x2 = series([1.0, np.nan, 4.0, 10.0])
    median = impute_by_group(x2, pd.Series(["a", "a", "a", "a"], index=x2.index), "median")
    assert median.values["u01"] == 4.0  # median of 1, 4, 10
    assert set(mean.changed) == {"u01", "u04"}


def test_a_group_without_any_value_stays_missing_and_is_named():
    x = series([1.0, np.nan, np.nan])
    treated = impute_by_group(x, pd.Series(["a", "b", "b"], index=x.index), "mean")
    assert treated.values.isna().tolist() == [False, True, True]
    assert "u01, u02" in treated.note


def test_per_denominator_by_hand_and_a_zero_denominator_is_named():
    x = series([10.0, 20.0, 5.0])
    d = series([4.0, 0.0, np.nan])
    treated = per(x, d)
    assert treated.values["u00"] == 2.5 and treated.values[["u01", "u02"]].isna().all()
    assert "u01, u02" in treated.note
