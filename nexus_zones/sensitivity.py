"""How robust each rank is: Monte-Carlo perturbation of the weights (and optionally of the
normalisation and aggregation), and leave-one-indicator-out.

Weights are drawn from a Dirichlet distribution centred on the configured weights: with
concentration *c*, the weights of a group (the indicators of a pillar, or the pillars) are drawn as
Dirichlet(c·w), whose mean is w and whose spread shrinks as *c* grows (the standard deviation of a
weight w is √(w(1 − w)/(c + 1))). Each draw is scored with the same kernels as the model
(:func:`nexus_zones.score.composite`), all draws at once, and ranked among the units the model ranks.

Per unit the result gives the median rank, the 5th–95th percentile rank band, the share of draws in
which the unit is in the top *k*, and a *robust* flag: the unit is robust when the top-*k* decision
does not depend on the weights, i.e. it is in the top *k* in at least ``robust_share`` of the draws,
or in at most 1 − ``robust_share`` of them. Draws are seeded: a fixed seed gives identical tables.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from .score import Structure, complete_values, composite, split_weights

__all__ = ["Draws", "dirichlet_weights", "rank_draws", "monte_carlo", "leave_one_out"]

logger = logging.getLogger(__name__)

_CHUNK = 2000  # draws scored at once (bounds memory with pillars: units × pillars × chunk floats)


@dataclass(frozen=True)
class Draws:
    """What the draws are (plain values; the robustness analysis builds them from its spec, where
    the defaults live): how many, the seed, the Dirichlet concentration, the k of "in the top k",
    the share that makes a unit robust, and the normalisations and aggregations also drawn among."""

    draws: int
    seed: int
    concentration: float
    top_k: int
    robust_share: float
    vary_normalisation: tuple[str, ...]
    vary_aggregation: tuple[str, ...]


def dirichlet_weights(rng: np.random.Generator, base: np.ndarray, concentration: float, draws: int) -> np.ndarray:
    """Weights × draws from Dirichlet(concentration · base); zero weights stay zero."""
    base = np.asarray(base, dtype=float)
    out = np.zeros((len(base), draws))
    positive = base > 0
    if positive.sum() == 1:
        out[positive] = 1.0
    elif positive.any():
        out[positive] = rng.dirichlet(concentration * base[positive] / base[positive].sum(), size=draws).T
    return out


def rank_draws(scores: np.ndarray, eligible: np.ndarray, failed: np.ndarray | None = None) -> np.ndarray:
    """Competition ranks (1 = best) of each column of ``scores`` (0–1) among the eligible rows; NaN elsewhere.

    With ``failed`` (rules failed per row), rows are ordered by it first, then by score (rules first):
    the key ``2·failed − score`` orders them so, since scores lie in 0–1."""
    key = -scores if failed is None else 2.0 * np.asarray(failed, dtype=float)[:, None] - scores
    masked = np.where(eligible[:, None], key, np.inf)
    ranks = competition_ranks(masked)
    ranks[~eligible] = np.nan
    return ranks


def competition_ranks(matrix: np.ndarray) -> np.ndarray:
    """Competition ranks ("1224") of each column, smallest first: ``scipy.stats.rankdata(matrix,
    method="min", axis=0)``, without importing ``scipy.stats`` (half a second of every run's start).
    A column holding a NaN is NaN throughout, as there."""
    order = np.argsort(matrix, axis=0, kind="stable")
    ordered = np.take_along_axis(matrix, order, axis=0)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    positions = np.arange(1, len(matrix) + 1, dtype=float).reshape(-1, *([1] * (matrix.ndim - 1)))
    first = np.maximum.accumulate(np.where(starts, positions, 0.0), axis=0)
    ranks = np.empty_like(first)
    np.put_along_axis(ranks, order, first, axis=0)
    ranks[:, np.isnan(matrix).any(axis=0)] = np.nan
    return ranks


def _draw_weights(rng, inner: np.ndarray, outer: np.ndarray | None, structure: Structure, concentration: float, draws: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Each node's children's weights drawn together from Dirichlet(concentration · their shares):
    the weights move within the fixed tree. The pillars' children first (their indicators in the
    pillar's order, then their child pillars), the root's last, so that a flat or one-level model
    draws as it always has. Returns the indicators' draws (indicators × draws) and the pillars'."""
    share = dict(zip(structure.indicators, inner)) | (dict(zip((p.name for p in structure.pillars), outer)) if outer is not None else {})
    held = {n for p in structure.pillars for n in p.indicators}
    siblings = [[*p.indicators, *(q.name for q in structure.pillars if q.parent == p.name)] for p in structure.pillars]
    siblings.append([*(q.name for q in structure.pillars if q.parent is None), *(n for n in structure.indicators if n not in held)])
    drawn: dict[str, np.ndarray] = {}
    for children in siblings:
        drawn |= dict(zip(children, dirichlet_weights(rng, np.array([share[c] for c in children]), concentration, draws)))
    inner_draws = np.array([drawn[n] for n in structure.indicators]).reshape(len(structure.indicators), draws)
    return inner_draws, (np.array([drawn[p.name] for p in structure.pillars]) if outer is not None else None)


def monte_carlo(
    normalised: Mapping[str, np.ndarray],
    weights: Mapping[str, float],
    structure: Structure,
    eligible: np.ndarray,
    spec: Draws,
    *,
    index: pd.Index,
    pillar_weights: Mapping[str, float] | None = None,
    failed: np.ndarray | None = None,
) -> pd.DataFrame:
    """Rank statistics of every unit over ``spec.draws`` perturbed weightings.

    Parameters
    ----------
    normalised
        Normalisation name → units × indicators array (``structure.indicators`` order, NaN allowed
        only in rows that are not eligible). The key ``"model"`` is the configured normalisation;
        others are alternatives drawn from when ``spec.vary_normalisation`` lists them.
    weights, structure, pillar_weights
        The model (see :func:`nexus_zones.score.split_weights`).
    eligible
        Boolean mask of the units the model ranks.
    spec
        The draws (:class:`Draws`; the ``robustness`` key's spec holds the same fields).
    failed
        Rules failed per unit, when failing units are ranked last (rules first); ``None`` ranks by score.

    Returns
    -------
    DataFrame indexed like ``index`` with ``rank_median``, ``rank_p05``, ``rank_p95``,
    ``share_top_k`` and ``robust`` (NaN / False for units not ranked).
    """
    rng = np.random.default_rng(spec.seed)
    inner, outer, _ = split_weights(weights, structure, pillar_weights)
    norm_options = ["model", *[n for n in spec.vary_normalisation if n in normalised and n != "model"]]
    agg_options: list[str | None] = [None, *[a for a in spec.vary_aggregation if a != structure.aggregation]]
    combos = list(itertools.product(norm_options, agg_options))
    choice = rng.integers(len(combos), size=spec.draws) if len(combos) > 1 else np.zeros(spec.draws, dtype=int)
    inner_draws, outer_draws = _draw_weights(rng, inner, outer, structure, spec.concentration, spec.draws)
    ranks = np.full((len(index), spec.draws), np.nan)
    rows = np.flatnonzero(eligible)
    row_failed = None if failed is None else np.asarray(failed, dtype=float)[rows]
    for c, (norm_name, agg) in enumerate(combos):
        cols = np.flatnonzero(choice == c)
        values = complete_values(normalised[norm_name][rows], structure)
        varied = structure if agg is None else structure.with_aggregation(agg)
        for start in range(0, len(cols), _CHUNK):
            part = cols[start : start + _CHUNK]
            scores, _ = composite(values, inner_draws[:, part], None if outer_draws is None else outer_draws[:, part], varied)
            ranks[np.ix_(rows, part)] = rank_draws(scores, np.ones(len(rows), dtype=bool), row_failed)
    table = pd.DataFrame(index=index.copy())
    with np.errstate(invalid="ignore"):
        ok = eligible
        stats = np.full((len(index), 3), np.nan)
        if ok.any():
            stats[ok] = np.percentile(ranks[ok], [50, 5, 95], axis=1, method="nearest").T
        share = np.where(ok, np.mean(ranks <= spec.top_k, axis=1), np.nan)
    table["rank_median"] = stats[:, 0]
    table["rank_p05"] = stats[:, 1]
    table["rank_p95"] = stats[:, 2]
    table["share_top_k"] = share
    table["robust"] = ok & ((share >= spec.robust_share) | (share <= 1.0 - spec.robust_share))
    logger.info(
        "robustness: %d draws (concentration %g, seed %d%s%s); of %d ranked units, %d in the top %d in every draw, %d in none, %d in some",
        spec.draws, spec.concentration, spec.seed,
        f", normalisations {norm_options}" if len(norm_options) > 1 else "",
        f", aggregations {[a or structure.aggregation for a in agg_options]}" if len(agg_options) > 1 else "",
        int(ok.sum()), int((share[ok] == 1.0).sum()), spec.top_k, int((share[ok] == 0.0).sum()), int(((share[ok] > 0) & (share[ok] < 1)).sum()),
    )
    return table


def leave_one_out(
    normalised: np.ndarray,
    weights: Mapping[str, float],
    structure: Structure,
    eligible: np.ndarray,
    *,
    index: pd.Index,
    pillar_weights: Mapping[str, float] | None = None,
    failed: np.ndarray | None = None,
) -> pd.DataFrame:
    """The rank of every unit when each indicator of positive weight is left out in turn (the others
    keep their relative weights; a pillar left empty is dropped), then each pillar of the tree with
    all it holds (``without_<pillar>``, after the indicators' columns). Adds ``max_shift``: the
    largest change of rank against the model's own when one indicator is left out. ``failed`` as in
    :func:`monte_carlo`."""
    rows = np.flatnonzero(eligible)
    row_failed = None if failed is None else np.asarray(failed, dtype=float)[rows]
    values = complete_values(normalised[rows], structure)
    columns: dict[str, np.ndarray] = {}  # joined once: one column at a time fragments a frame of many indicators

    def ranks_for(struct: Structure, w: Mapping[str, float]) -> np.ndarray:
        inner, outer, _ = split_weights(w, struct, pillar_weights)
        cols = [structure.indicators.index(n) for n in struct.indicators]
        s, _ = composite(values[:, cols], inner[:, None], None if outer is None else outer[:, None], struct)
        full = np.full(len(index), np.nan)
        scored = ~np.isnan(s[:, 0])  # a node's missing policy may leave a unit without a score
        full[rows] = rank_draws(np.nan_to_num(s, nan=0.0), scored, row_failed)[:, 0]
        return full

    base = ranks_for(structure, weights)
    for name in structure.indicators:
        if weights[name] <= 0:
            continue
        struct = structure.without(name, keep=lambda n: weights[n] > 0)
        kept = struct.indicators
        if not any(weights[n] > 0 for n in kept):
            continue
        columns[f"without_{name}"] = ranks_for(struct, {n: weights[n] for n in kept})
    out = pd.DataFrame(columns, index=index.copy())
    shift = (out.sub(base, axis=0)).abs().max(axis=1) if len(out.columns) else pd.Series(np.nan, index=out.index)
    out = pd.concat([out, _without_nodes(structure, weights, ranks_for, index), shift.rename("max_shift")], axis=1)
    out.loc[~eligible, "max_shift"] = np.nan
    return out


def _without_nodes(structure: Structure, weights: Mapping[str, float], ranks_for, index: pd.Index) -> pd.DataFrame:
    """The ranks without each pillar holding an indicator of positive weight (when another remains)."""
    columns = {}
    for pillar in structure.pillars:
        struct = structure.without(pillar.name, keep=lambda n: weights[n] > 0)
        if any(weights[n] > 0 for n in structure.below(pillar.name)) and any(weights[n] > 0 for n in struct.indicators):
            columns[f"without_{pillar.name}"] = ranks_for(struct, {n: weights[n] for n in struct.indicators})
    return pd.DataFrame(columns, index=index)
