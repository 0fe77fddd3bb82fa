"""Similarity and typology: "units like Diré", and profiles of units (scikit-learn k-means).

Both work on the normalised indicator values (0–1, higher = better for a pilot), so every indicator
counts on the same scale.

* :func:`similarity` — 1 − d/√K, with d the Euclidean distance between a unit's profile and the
  reference unit's over the K indicators both have: 1 for an identical profile, 0 for the opposite
  corner of the indicator space.
* :func:`profiles` — k-means (seeded) into *k* groups, numbered 1…k from the group with the highest
  mean normalised value; each group is described by its centre.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .errors import InputDataError, Problem, did_you_mean
from .fold import code_spelling, normalise_name

__all__ = ["similarity", "profiles", "find_unit"]

logger = logging.getLogger(__name__)


def find_unit(reference: str, names: pd.Series, *, key: str = "typology.reference") -> str:
    """The ``unit_id`` named by ``reference`` (an id, or a name folded for accents and case)."""
    if reference in names.index:
        return reference
    folded = {normalise_name(n): u for u, n in names.items()}
    hit = folded.get(normalise_name(reference))
    if hit is None:
        spelled = code_spelling(reference, names.index)
        found = f"{reference!r} (the boundaries write {spelled!r})" if spelled else f"{reference!r}{did_you_mean(reference, list(names))}"
        fix = f"write {spelled!r}" if spelled else "correct the reference unit"
        raise InputDataError(key, [Problem(key, found, "a unit id or name of the study", fix)])
    return hit


def similarity(normalised: pd.DataFrame, reference: str) -> pd.Series:
    """Similarity of every unit's profile to the reference unit's (1 = identical)."""
    ref = normalised.loc[reference].to_numpy(dtype=float)
    values = normalised.to_numpy(dtype=float)
    both = ~np.isnan(values) & ~np.isnan(ref)
    diff = np.where(both, values - ref, 0.0)
    k = both.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = 1.0 - np.sqrt((diff**2).sum(axis=1)) / np.sqrt(k)
    sim[k == 0] = np.nan
    return pd.Series(sim, index=normalised.index, name="similarity")


def profiles(normalised: pd.DataFrame, k: int, *, seed: int = 2018) -> tuple[pd.Series, pd.DataFrame]:
    """Group units into ``k`` profiles with k-means; return the group of each unit and the centres.

    Missing values are filled with the indicator's median for the clustering only. Groups are
    numbered from the one with the highest mean normalised value.
    """
    from sklearn.cluster import KMeans

    values = normalised.astype(float)
    values = values.fillna(values.median()).fillna(0.5)
    k = max(1, min(int(k), len(values)))
    distinct = len(np.unique(values.to_numpy(), axis=0))
    k = min(k, distinct)
    model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(values.to_numpy())
    centres = pd.DataFrame(model.cluster_centers_, columns=values.columns)
    order = centres.mean(axis=1).sort_values(ascending=False, kind="stable").index
    renumber = {old: new for new, old in enumerate(order, start=1)}
    labels = pd.Series([renumber[c] for c in model.labels_], index=values.index, name="profile")
    centres = centres.loc[order].reset_index(drop=True)
    centres.index = pd.RangeIndex(1, k + 1, name="profile")
    logger.info("typology: %d units in %d profiles (k-means, seed %d)", len(values), k, seed)
    return labels, centres
