"""Transforms and normalisation to a common 0–1 scale where 1 is best for a Nexus pilot.

Each method is a pure function ``f(values, *, direction, params, name) -> Series`` registered by its
lower-case name in :data:`METHODS`. Missing values stay missing. A cost indicator is turned so that
its lowest raw value scores highest.

* ``minmax``: ``(x − min) / (max − min)`` over the units;
* ``goalposts``: ``(x − low) / (high − low)`` clipped to [0, 1], with fixed ``[low, high]``
  (comparable across years and areas);
* ``rank``: percentile rank ``(r − 1) / (n − 1)`` with average ranks for ties;
* ``zscore``: ``z = (x − mean) / sd``, clipped to ±3 and mapped linearly to 0–1 as ``(z + 3) / 6``;
* ``threshold``: a piecewise-linear curve through ``[value, score]`` points, flat beyond the
  ends (e.g. ``[[5, 1], [20, 0]]``: 5 incidents or fewer → 1, 20 or more → 0, linear between); the
  curve says which values are good, so the direction is not applied again;
* ``inform``: INFORM-style 0–10 scale: min–max (or ``goalposts`` when given) to 0–10, rounded to one
  decimal as INFORM publishes, then divided by 10.

Before the method, optional transforms: ``outliers`` (the Handbook's iterative winsorisation,
:func:`nexus_zones.treat.winsorise`, on the raw values), ``winsorise: [p_low, p_high]`` clips values to those
quantiles (outliers stop dominating min–max), then ``transform: log1p`` (log(1 + x), for skewed
counts).

Degenerate indicators are handled, never divided by zero: an indicator with the same value for every
unit cannot discriminate, so data-relative methods give every unit 0.5 (scores shift equally, ranks
do not change) and warn with its name; a zero-heavy indicator (more than half the units at 0) is
reported, and winsorisation is skipped where it would make the indicator constant.
"""

from __future__ import annotations

import warnings
from typing import Callable, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from . import treat
from .errors import ConstantIndicatorWarning, NexusZonesError, NexusZonesWarning

__all__ = ["METHODS", "TRANSFORMS", "DATA_RELATIVE", "normalise", "normalise_frame", "winsorise", "threshold_curve"]

Direction = Literal["benefit", "cost"]

#: Methods whose result depends on the other units' values (alternatives for robustness draws).
DATA_RELATIVE = ("minmax", "rank", "zscore")


def _known(values: pd.Series) -> np.ndarray:
    """The values that are not missing, as an array (pandas' per-call overhead dominates on the few
    units of a cercle study, re-normalised at every draw)."""
    v = values.to_numpy(dtype=float)
    return v[~np.isnan(v)]


def _constant(values: pd.Series, name: str) -> pd.Series | None:
    known = _known(values)
    if len(known) and (known == known[0]).all():
        warnings.warn(
            ConstantIndicatorWarning(
                f"indicator {name}: every unit has the same value ({known[0]:g}); it cannot discriminate, so every unit "
                "gets 0.5 for it (scores shift equally, ranks do not change). Use goalposts to give it a fixed meaning."
            ),
            stacklevel=4,
        )
        return values.where(values.isna(), 0.5)
    return None


def _orient(scaled: np.ndarray, direction: Direction) -> np.ndarray:
    return 1.0 - scaled if direction == "cost" else scaled


def _series(values: np.ndarray, like: pd.Series) -> pd.Series:
    return pd.Series(values, index=like.index, name=like.name)


def minmax(values: pd.Series, *, direction: Direction, params: Mapping | None = None, name: str = "") -> pd.Series:
    const = _constant(values, name)
    if const is not None:
        return const
    known = _known(values)
    lo, hi = (known.min(), known.max()) if len(known) else (np.nan, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):  # as pandas: inf − inf is missing, not a warning
        return _series(_orient((values.to_numpy(dtype=float) - lo) / (hi - lo), direction), values)


def goalposts(values: pd.Series, *, direction: Direction, params: Mapping | None = None, name: str = "") -> pd.Series:
    bounds = (params or {}).get("goalposts")
    if bounds is None:
        raise NexusZonesError(f"indicator {name}: normalisation 'goalposts' needs goalposts [low, high]")
    lo, hi = bounds
    with np.errstate(invalid="ignore", divide="ignore"):  # as pandas: goalposts [a, a] give ±inf or missing, not a warning
        return _series(_orient(np.clip((values.to_numpy(dtype=float) - lo) / (hi - lo), 0.0, 1.0), direction), values)


def rank(values: pd.Series, *, direction: Direction, params: Mapping | None = None, name: str = "") -> pd.Series:
    const = _constant(values, name)
    if const is not None:
        return const
    oriented = -values if direction == "cost" else values
    r = oriented.rank(method="average")
    n = int(values.notna().sum())
    return (r - 1.0) / (n - 1.0)


def zscore(values: pd.Series, *, direction: Direction, params: Mapping | None = None, name: str = "") -> pd.Series:
    const = _constant(values, name)
    if const is not None:
        return const
    z = ((values - values.mean()) / values.std(ddof=0)).clip(-3.0, 3.0)
    return _series(_orient(((z + 3.0) / 6.0).to_numpy(dtype=float), direction), values)


def threshold_curve(values: pd.Series, points: Sequence[Sequence[float]]) -> pd.Series:
    """Piecewise-linear interpolation through ``(value, score)`` points, flat beyond the ends."""
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points], dtype=float)
    out = np.interp(values.to_numpy(dtype=float), xs, ys)
    return pd.Series(np.where(values.isna(), np.nan, out), index=values.index)


def threshold(values: pd.Series, *, direction: Direction, params: Mapping | None = None, name: str = "") -> pd.Series:
    points = (params or {}).get("thresholds")
    if not points:
        raise NexusZonesError(f"indicator {name}: normalisation 'threshold' needs thresholds [[value, score], ...]")
    return threshold_curve(values, points)


def inform(values: pd.Series, *, direction: Direction, params: Mapping | None = None, name: str = "") -> pd.Series:
    if (params or {}).get("goalposts") is not None:
        scaled = goalposts(values, direction=direction, params=params, name=name)
    else:
        scaled = minmax(values, direction=direction, name=name)
    return (scaled * 10.0).round(1) / 10.0


METHODS: Mapping[str, Callable[..., pd.Series]] = {
    "minmax": minmax,
    "goalposts": goalposts,
    "rank": rank,
    "zscore": zscore,
    "threshold": threshold,
    "inform": inform,
}


def _log1p(values: pd.Series, name: str) -> pd.Series:
    if (values < 0).any():
        raise NexusZonesError(
            f"indicator {name}: transform log1p found negative values ({values[values < 0].min():g}); expected values of 0 or more. "
            "Fix: remove the transform or correct the data"
        )
    return np.log1p(values)


#: Transforms applied before normalisation (goalposts and thresholds are then on the transformed scale).
TRANSFORMS: Mapping[str, Callable[[pd.Series, str], pd.Series]] = {"none": lambda v, name: v, "log1p": _log1p}


def winsorise(values: pd.Series, quantiles: Sequence[float], name: str = "") -> pd.Series:
    """Clip values to the given lower and upper quantiles (linear interpolation between units).

    Where clipping would leave every unit with the same value (a zero-heavy indicator), nothing is
    clipped and a warning says so.
    """
    lo, hi = values.quantile(quantiles[0]), values.quantile(quantiles[1])
    clipped = values.clip(lo, hi)
    if clipped.dropna().nunique() <= 1 < values.dropna().nunique():
        warnings.warn(
            NexusZonesWarning(f"indicator {name}: winsorising to quantiles {list(quantiles)} would make every value {lo:g}; not winsorised"),
            stacklevel=3,
        )
        return values
    changed = int((clipped != values).sum())
    if changed:
        warnings.warn(
            NexusZonesWarning(f"indicator {name}: {changed} values clipped to [{lo:g}, {hi:g}] (winsorised at quantiles {list(quantiles)})"),
            stacklevel=3,
        )
    return clipped


def normalise(values: pd.Series, method: str, *, direction: Direction, name: str = "", **params) -> pd.Series:
    """Normalise one indicator with the named method (see :data:`METHODS`); ``params`` holds
    ``goalposts`` or ``thresholds`` where the method needs them."""
    try:
        func = METHODS[method.lower()]
    except KeyError:
        raise NexusZonesError(f"normalisation {method!r} is unknown; valid: {', '.join(METHODS)}") from None
    out = func(values.astype(float), direction=direction, params=params, name=name or str(values.name))
    return out.astype(float)


def prepare(values: pd.Series, spec: Mapping, name: str) -> pd.Series:
    """Apply the indicator's outlier treatment, winsorisation and transform (before any normalisation)."""
    x = values.astype(float)
    if spec.get("outliers"):
        x = treat.winsorise(x, **spec["outliers"]).values
    known = _known(x)
    if len(known) >= 4 and (known == 0).mean() > 0.5 and (known != known[0]).any():
        warnings.warn(
            NexusZonesWarning(
                f"indicator {name}: {100 * (known == 0).mean():.0f} % of units are at 0; min–max and z-scores set the others apart "
                "by few units (consider rank, goalposts or a threshold curve)"
            ),
            stacklevel=3,
        )
    if spec.get("winsorise"):
        x = winsorise(x, spec["winsorise"], name)
    return TRANSFORMS[spec.get("transform") or "none"](x, name)


def normalise_frame(values: pd.DataFrame, specs: Mapping[str, Mapping], *, method: str | None = None) -> pd.DataFrame:
    """Prepare and normalise every column; ``specs[name]`` holds ``method``, ``direction``,
    ``goalposts``, ``thresholds``, ``outliers`` (:func:`nexus_zones.treat.winsorise`'s keywords),
    ``winsorise`` and ``transform``. With ``method``, the indicators
    whose own method is data-relative (:data:`DATA_RELATIVE`) use that one instead (robustness)."""
    columns: dict[str, pd.Series] = {}  # joined once: one column at a time fragments a frame of many indicators
    for name in values.columns:
        spec = specs[name]
        chosen = spec["method"]
        if method is not None and chosen in DATA_RELATIVE:
            chosen = method
        prepared = prepare(values[name], spec, name)
        columns[name] = normalise(
            prepared, chosen, direction=spec["direction"], name=name, goalposts=spec.get("goalposts"), thresholds=spec.get("thresholds")
        )
    return pd.DataFrame(columns, index=values.index.copy())
