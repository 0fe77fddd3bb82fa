"""Steps between the raw indicator and its normalisation, in the OECD/JRC Handbook's order:
denominator → imputation → outlier treatment (then normalisation and aggregation elsewhere).

* :func:`per`: an indicator divided by a denominator column of the same table (a unit whose
  denominator is 0 or missing has no value, and is reported).
* :func:`impute_by_group`: a missing value replaced by the mean or the median of the units of the
  same group (a column of the units, such as the region) that have one.
* :func:`winsorise`: the Handbook's iterative outlier treatment, as COINr applies it. While the
  absolute skewness is at least ``skew`` and the kurtosis at least ``kurtosis``, the most extreme
  value (the largest when the skewness is 0 or more, else the smallest; tied values together)
  is set to the next value, while fewer than ``max_points`` units were treated (a tie is
  treated whole, as COINr does, so the last step may take the count past ``max_points``). Skewness is the
  adjusted Fisher–Pearson G₁ and kurtosis the adjusted excess kurtosis G₂ (Excel's SKEW and
  KURT; e1071's type 2).

Each step returns the new values and a record of what it changed, for the run's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

__all__ = ["Treated", "skewness", "kurtosis", "winsorise", "impute_by_group", "per", "OUTLIER_COLUMNS", "outlier_records", "outlier_table"]


@dataclass(frozen=True)
class Treated:
    """Values after a step and what the step did: ``changed`` maps each unit it changed to
    ``(before, after)``; ``note`` says why the step stopped or what it could not do."""

    values: pd.Series
    changed: dict[str, tuple[float, float]]
    note: str = ""


def skewness(x: np.ndarray) -> float:
    """Adjusted Fisher–Pearson skewness G₁ = g₁·√(n(n − 1))/(n − 2), g₁ = m₃/m₂^1.5 (n ≥ 3)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    d = x - x.mean()
    m2, m3 = (d**2).mean(), (d**3).mean()
    if n < 3 or m2 == 0:
        return 0.0
    return float(m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: np.ndarray) -> float:
    """Adjusted excess kurtosis G₂ = ((n + 1)·g₂ + 6)·(n − 1)/((n − 2)(n − 3)), g₂ = m₄/m₂² − 3 (n ≥ 4)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    d = x - x.mean()
    m2, m4 = (d**2).mean(), (d**4).mean()
    if n < 4 or m2 == 0:
        return 0.0
    g2 = m4 / m2**2 - 3.0
    return float(((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3)))


def winsorise(values: pd.Series, *, max_points: int = 5, skew: float = 2.0, kurt: float = 3.5) -> Treated:
    """The Handbook's iterative winsorisation of one indicator (missing values left alone)."""
    x = values.astype(float).copy()
    have = x.dropna()
    if len(have) < 4:
        return Treated(x, {}, f"not treated: {len(have)} values, at least 4 are needed to measure kurtosis")
    treated: set = set()
    while _needs_treatment(x.dropna(), skew, kurt) and len(treated) < max_points:
        if not _pull_in_extreme(x, treated):
            break
    changed = {u: (float(values[u]), float(x[u])) for u in values.index if u in treated}
    return Treated(x, changed, _stop_note(x.dropna(), skew, kurt, len(treated), max_points))


#: The columns of ``<study>_outliers.csv``: one row per value the outlier treatment changed.
OUTLIER_COLUMNS = ["unit_id", "indicator", "before", "after", "note"]


def outlier_records(values: pd.DataFrame, settings: Mapping[str, Mapping]) -> dict[str, dict]:
    """What each indicator's outlier treatment (``settings[name]``: :func:`winsorise`'s keywords)
    does to ``values``, per indicator: ``{"points": [{unit_id, before, after}], "note": ...}``
    (each point with its ``period`` too when ``values`` is indexed by period and unit)."""
    found = {}
    for name, how in settings.items():
        done = winsorise(values[name], **how)
        found[name] = {"points": [{**_unit_of(u), "before": b, "after": a} for u, (b, a) in done.changed.items()], "note": done.note}
    return found


def outlier_table(records: Mapping[str, Mapping]) -> pd.DataFrame:
    """The rows of ``<study>_outliers.csv`` (:data:`OUTLIER_COLUMNS`, after ``period`` in a study over
    periods): one per value changed, with its indicator's note."""
    rows = [{**p, "indicator": name, "note": r["note"]} for name, r in records.items() for p in r["points"]]
    head = ["period"] if any("period" in row for row in rows) else []
    return pd.DataFrame(rows, columns=head + OUTLIER_COLUMNS)


def _unit_of(label) -> dict:
    """A unit's label, or a period's and unit's (a study over periods is treated pooled)."""
    return {"period": label[0], "unit_id": label[1]} if isinstance(label, tuple) else {"unit_id": label}


def _needs_treatment(x: pd.Series, skew: float, kurt: float) -> bool:
    """|skewness| ≥ skew and kurtosis ≥ kurt."""
    v = x.to_numpy()
    return abs(skewness(v)) >= skew and kurtosis(v) >= kurt


def _pull_in_extreme(x: pd.Series, treated: set) -> bool:
    """Set the most extreme value (ties together) to the next one on the side the skewness
    points to; ``False`` if every value is the same (nothing left to pull in)."""
    have = x.dropna()
    high = skewness(have.to_numpy()) >= 0
    extreme = have.max() if high else have.min()
    at = have.index[have == extreme]
    rest = have[have != extreme]
    if rest.empty:
        return False
    x[at] = rest.max() if high else rest.min()
    treated.update(at)
    return True


def _stop_note(x: pd.Series, skew: float, kurt: float, n_treated: int, max_points: int) -> str:
    v = x.to_numpy()
    s, k = skewness(v), kurtosis(v)
    if _needs_treatment(x, skew, kurt):
        return f"still skewed after {n_treated} points (the most allowed is {max_points}): skewness {s:.2f}, kurtosis {k:.2f}"
    return f"{n_treated} points treated; skewness {s:.2f}, kurtosis {k:.2f}"


def impute_by_group(values: pd.Series, groups: pd.Series, how: str = "mean") -> Treated:
    """Missing values replaced by the mean (or median) of the values of their group; a unit
    whose group has no value stays missing (named in the note)."""
    if how not in ("mean", "median"):
        raise ValueError(f"imputation {how!r} is unknown; valid: mean, median")
    x = values.astype(float)
    g = groups.reindex(x.index)
    fill = x.groupby(g).transform(how)
    out = x.fillna(fill)
    changed = {u: (float("nan"), float(out[u])) for u in x.index[x.isna() & out.notna()]}
    left = list(x.index[out.isna()])
    note = f"no value in the group of {', '.join(map(str, left))}; left missing" if left else ""
    return Treated(out, changed, note)


def per(values: pd.Series, denominator: pd.Series) -> Treated:
    """Values divided by the denominator; units whose denominator is 0 (or below) or missing have no
    value (named in the note when they had a value to divide)."""
    d = denominator.reindex(values.index).astype(float)
    bad = d.isna() | (d <= 0)
    out = (values.astype(float) / d.where(~bad)).where(~bad)
    left = list(values.index[bad & values.notna()])
    note = f"denominator 0 or missing for {', '.join(map(str, left))}; no value" if left else ""
    return Treated(out, {}, note)
