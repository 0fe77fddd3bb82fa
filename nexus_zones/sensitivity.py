"""How robust each rank is: Monte-Carlo perturbation of the weights (and optionally of the
normalisation and aggregation), and leave-one-indicator-out.

Weights are drawn from a Dirichlet distribution centred on the configured weights: with
concentration *c*, the weights of a group (the indicators of a pillar, or the pillars) are drawn as
Dirichlet(c·w), whose mean is w and whose spread shrinks as *c* grows (the standard deviation of a
weight w is √(w(1 − w)/(c + 1))). Each draw is scored with the same kernels as the model
(:func:`nexus_zones.score.composite`), many draws per array operation (chunks of bounded memory,
shared among the cores; the same numbers as one draw at a time), and ranked among the units the
model ranks.

Per unit the result gives the median rank, the 5th–95th percentile rank band, the share of draws in
which the unit is in the top *k*, and a *robust* flag: the unit is robust when the top-*k* decision
does not depend on the weights, i.e. it is in the top *k* in at least ``robust_share`` of the draws,
or in at most 1 − ``robust_share`` of them. Draws are seeded: a fixed seed gives identical tables.
"""

from __future__ import annotations

import itertools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from .score import Structure, complete_values, composite, split_weights

__all__ = ["Draws", "dirichlet_weights", "rank_draws", "monte_carlo", "leave_one_out"]

logger = logging.getLogger(__name__)

#: Units × draws scored at once: each array a node of the tree holds is about 2 MB, whatever the
#: number of units (the draws of a chunk: this over the units ranked).
_CHUNK_CELLS = 1 << 18


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
    masked = np.where(eligible[None, :], _keys(scores.T, failed), np.inf)
    ranks = _row_ranks(masked).T
    ranks[~eligible] = np.nan
    return ranks


def _keys(rows: np.ndarray, failed: np.ndarray | None) -> np.ndarray:
    """Each draw's ranking keys (draws × units, smallest first): ``−score``, or ``2·failed − score``."""
    return -rows if failed is None else 2.0 * np.asarray(failed, dtype=float)[None, :] - rows


def competition_ranks(matrix: np.ndarray) -> np.ndarray:
    """Competition ranks ("1224") of each column, smallest first: ``scipy.stats.rankdata(matrix,
    method="min", axis=0)``, without importing ``scipy.stats`` (half a second of every run's start).
    A column holding a NaN is NaN throughout, as there."""
    return _row_ranks(matrix.T).T


def _row_ranks(rows: np.ndarray) -> np.ndarray:
    """:func:`competition_ranks` of each row (its values side by side in memory: sorted faster)."""
    rows = np.ascontiguousarray(rows)
    order = np.argsort(rows, axis=1)  # the order among tied values does not matter: they share the first one's rank
    ordered = np.take_along_axis(rows, order, axis=1)
    positions = np.arange(1, rows.shape[1] + 1, dtype=float)
    tied = ordered[:, 1:] == ordered[:, :-1]
    if tied.any():  # a tied value takes the position of the first of its run
        first = np.maximum.accumulate(np.where(np.insert(~tied, 0, True, axis=1), positions, 0.0), axis=1)
    else:
        first = np.broadcast_to(positions, rows.shape)
    ranks = np.empty(rows.shape)
    np.put_along_axis(ranks, order, first, axis=1)
    ranks[np.isnan(ordered[:, -1]) if rows.shape[1] else np.zeros(len(rows), dtype=bool)] = np.nan  # NaN sorts last
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
    rows = np.flatnonzero(eligible)
    ranks = _ranks_of_draws(normalised, structure, combos, choice, inner_draws, outer_draws, rows,
                            None if failed is None else np.asarray(failed, dtype=float)[rows])
    ok = eligible
    stats = np.full((len(index), 3), np.nan)
    share = np.full(len(index), np.nan)
    with np.errstate(invalid="ignore"):
        stats[rows], share[rows] = _rank_statistics(ranks, spec.top_k)
    table = pd.DataFrame(index=index.copy())
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


def _ranks_of_draws(normalised, structure: Structure, combos, choice: np.ndarray, inner_draws: np.ndarray, outer_draws: np.ndarray | None,
                    rows: np.ndarray, failed: np.ndarray | None) -> np.ndarray:
    """The ranks (draws × ranked units, float32: exact up to 16 million units) of each draw, scored
    by chunks of draws (:data:`_CHUNK_CELLS`) with its combination of normalisation and rules; the
    chunks share the cores (numpy lets go of the interpreter while it computes), each chunk the
    same numbers whichever thread scores it."""
    ranks = np.empty((len(choice), len(rows)), dtype=np.float32)
    chunk = max(1, _CHUNK_CELLS // max(len(rows), 1))
    tasks = []
    for c, (norm_name, agg) in enumerate(combos):
        cols = np.flatnonzero(choice == c)
        values = complete_values(normalised[norm_name][rows], structure)
        varied = structure if agg is None else structure.with_aggregation(agg)
        tasks += [(values, varied, cols[start : start + chunk]) for start in range(0, len(cols), chunk)]

    def score_chunk(task) -> None:
        values, varied, part = task
        scores, _ = composite(values, inner_draws[:, part], None if outer_draws is None else outer_draws[:, part], varied, nodes=False)
        ranks[part] = _row_ranks(_keys(scores.T, failed))

    workers = min(len(tasks), _cores())
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nexus-zones-draws") as pool:
            for _ in pool.map(score_chunk, tasks):
                pass
    else:
        for task in tasks:
            score_chunk(task)
    return ranks


def _cores() -> int:
    """The cores this process may use (at most 4: beyond, the chunks wait on memory)."""
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:  # not on Linux
        return max(1, min(4, os.cpu_count() or 1))


def _rank_statistics(ranks: np.ndarray, top_k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per unit (a column of ``ranks``, draws × units): the median, 5th and 95th percentile ranks
    (nearest rank: the positions ``np.percentile(method="nearest")`` takes among the sorted draws;
    NaN for a unit with a NaN rank, as there) and the share of draws in the top ``top_k``; a block
    of units at a time, its draws side by side (bounded memory, sorted fast)."""
    picks = np.percentile(np.arange(len(ranks)), [50, 5, 95], method="nearest").astype(int)
    stats = np.empty((ranks.shape[1], 3))
    share = np.empty(ranks.shape[1])
    step = max(1, _CHUNK_CELLS // max(len(ranks), 1))
    for start in range(0, ranks.shape[1], step):
        block = np.ascontiguousarray(ranks[:, start : start + step].T)
        share[start : start + step] = np.mean(block <= top_k, axis=1)
        block.sort(axis=1)  # NaN last
        stats[start : start + step] = np.where(np.isnan(block[:, -1:]), np.nan, block[:, picks])
    return stats, share


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
