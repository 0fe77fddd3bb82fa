"""Normalisation to a common 0–1 scale where 1 is best for a Nexus pilot.

Each method is a pure function ``f(values, *, direction, goalposts) -> Series`` registered by its
lower-case name in :data:`METHODS`. Missing values stay missing. A cost indicator is turned so
that its lowest raw value scores highest.

* ``minmax``: ``(x - min) / (max - min)`` over the units;
* ``goalposts``: ``(x - low) / (high - low)`` clipped to [0, 1], with fixed ``[low, high]``
  (comparable across years and areas);
* ``rank``: percentile rank ``(r - 1) / (n - 1)`` with average ranks for ties.

A transform (``log1p``: log(1 + x), for skewed counts) is applied before the method.

An indicator with the same value for every unit cannot discriminate: ``minmax`` and ``rank`` give
0.5 to every unit (it shifts every score equally and leaves ranks unchanged) and warn with its name.
"""

from __future__ import annotations

import warnings
from typing import Callable, Literal, Mapping

import pandas as pd

import numpy as np

from .errors import ConstantIndicatorWarning, NexusZonesError

__all__ = ["METHODS", "TRANSFORMS", "normalise", "normalise_frame"]

Direction = Literal["benefit", "cost"]


def _constant(values: pd.Series, name: str) -> pd.Series | None:
    known = values.dropna()
    if len(known) and known.nunique() == 1:
        warnings.warn(
            ConstantIndicatorWarning(
                f"indicator {name}: every unit has the same value ({known.iloc[0]:g}); it cannot discriminate, so every unit "
                "gets 0.5 for it (scores shift equally, ranks do not change). Use goalposts to give it a fixed meaning."
            ),
            stacklevel=3,
        )
        return values.where(values.isna(), 0.5)
    return None


def minmax(values: pd.Series, *, direction: Direction, goalposts=None, name: str = "") -> pd.Series:
    const = _constant(values, name)
    if const is not None:
        return const
    lo, hi = values.min(), values.max()
    scaled = (values - lo) / (hi - lo)
    return 1.0 - scaled if direction == "cost" else scaled


def goalposts(values: pd.Series, *, direction: Direction, goalposts=None, name: str = "") -> pd.Series:
    if goalposts is None:
        raise NexusZonesError(f"indicator {name}: normalisation 'goalposts' needs goalposts [low, high]")
    lo, hi = goalposts
    scaled = ((values - lo) / (hi - lo)).clip(0.0, 1.0)
    return 1.0 - scaled if direction == "cost" else scaled


def rank(values: pd.Series, *, direction: Direction, goalposts=None, name: str = "") -> pd.Series:
    const = _constant(values, name)
    if const is not None:
        return const
    oriented = -values if direction == "cost" else values
    r = oriented.rank(method="average")
    n = int(values.notna().sum())
    return (r - 1.0) / (n - 1.0)


METHODS: Mapping[str, Callable[..., pd.Series]] = {"minmax": minmax, "goalposts": goalposts, "rank": rank}


def _log1p(values: pd.Series, name: str) -> pd.Series:
    if (values < 0).any():
        raise NexusZonesError(
            f"indicator {name}: transform log1p found negative values ({values[values < 0].min():g}); expected values of 0 or more. "
            "Fix: remove the transform or correct the data"
        )
    return np.log1p(values)


#: Transforms applied before normalisation (goalposts are then on the transformed scale).
TRANSFORMS: Mapping[str, Callable[[pd.Series, str], pd.Series]] = {"none": lambda v, name: v, "log1p": _log1p}


def normalise(values: pd.Series, method: str, *, direction: Direction, goalposts=None, name: str = "") -> pd.Series:
    """Normalise one indicator with the named method (see :data:`METHODS`)."""
    try:
        func = METHODS[method.lower()]
    except KeyError:
        raise NexusZonesError(f"normalisation {method!r} is unknown; valid: {', '.join(METHODS)}") from None
    out = func(values.astype(float), direction=direction, goalposts=goalposts, name=name or str(values.name))
    return out.astype(float)


def normalise_frame(values: pd.DataFrame, specs: Mapping[str, Mapping]) -> pd.DataFrame:
    """Transform and normalise every column; ``specs[name]`` holds ``method``, ``direction``,
    ``goalposts`` and ``transform`` (see :data:`TRANSFORMS`)."""
    out = pd.DataFrame(index=values.index.copy())
    for name in values.columns:
        spec = specs[name]
        transformed = TRANSFORMS[spec.get("transform", "none")](values[name].astype(float), name)
        out[name] = normalise(transformed, spec["method"], direction=spec["direction"], goalposts=spec.get("goalposts"), name=name)
    return out
