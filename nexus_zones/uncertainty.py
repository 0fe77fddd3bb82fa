"""Uncertainty in the data, not only in the weights: Monte-Carlo draws that perturb the inputs.

Three sources, each switched on in the config (``data_uncertainty``) and seeded:

* **imprecise event locations** — events whose location is imprecise (ACLED ``geo_precision`` 2:
  "near" a place, e.g. within a few km; 3: only the region is known) are, in each draw, reassigned
  at random (uniformly) among the units they could belong to — precision 2: the unit they fall in
  or one of its neighbours (units sharing a border); precision 3: any unit of the same region — or,
  with ``mode: drop``, dropped. Each move takes the event's count, fatalities and category out of
  its unit and puts them in the new one (:class:`ImpreciseEvents`, :func:`move_events`);
* **table values within a margin** — a measure (e.g. ``food.population``) multiplied per unit by a
  factor drawn uniformly in [1 − m, 1 + m] (:func:`scale_measures`);
* **missing values imputed by alternative methods** — in each draw, every indicator whose policy
  imputes (median, region_median, knn, worst) uses one of the alternatives, drawn uniformly;
* **which source is read** — for an indicator with several sources of one measure, each draw picks
  one source per unit, uniformly, and every column the indicator reads holds it (:func:`pick_sources`).

Each draw is ranked by the model itself (a callback from the pipeline: indicators, normalisation,
rules and ranks on the perturbed measures). The *variance decomposition* runs each source alone and
all together with the same number of draws: per unit the variance of its rank; per source the mean
over ranked units of that variance, ``V_s``, and with all sources ``V_all``. The share of a source
is ``V_s / V_all``; with independent, additive effects the shares sum to 1, and ``1 − Σ V_s/V_all``
is the interaction (negative when effects partly cancel). Seeds: source *s* alone draws from
``default_rng([seed, s])``, all together from ``default_rng([seed, 99])``: a fixed seed gives identical tables.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["ImpreciseEvents", "move_events", "scale_measures", "pick_sources", "Source", "run_sources", "variance_table"]

logger = logging.getLogger(__name__)

#: Perturbed measures and overrides (e.g. ``{"missing": "median"}``) from measures and a generator.
Perturb = Callable[[np.random.Generator, pd.DataFrame, dict], tuple[pd.DataFrame, dict]]


@dataclass(frozen=True)
class ImpreciseEvents:
    """The imprecise events of one points layer, as counted.

    ``origin``: the unit each event is counted in; ``candidates``: the units it could belong to
    (its own included); ``contributions``: measure column (``layer.count``, ``layer.fatalities``,
    ``layer.<category>``) → the amount each event adds to it."""

    origin: tuple[str, ...]
    candidates: tuple[tuple[str, ...], ...]
    contributions: Mapping[str, np.ndarray]


def move_events(rng: np.random.Generator, measures: pd.DataFrame, events: ImpreciseEvents, *, mode: str = "reassign") -> pd.DataFrame:
    """Measures with each imprecise event moved to a unit drawn uniformly among its candidates
    (``reassign``) or taken out (``drop``). Inputs are not modified."""
    out = measures.copy()
    if not events.origin:
        return out
    targets = [c[rng.integers(len(c))] for c in events.candidates] if mode == "reassign" else None
    for column, amount in events.contributions.items():
        if column not in out.columns:
            continue
        delta = pd.Series(0.0, index=out.index)
        np.subtract.at(delta.to_numpy(), out.index.get_indexer(list(events.origin)), amount)
        if targets is not None:
            np.add.at(delta.to_numpy(), out.index.get_indexer(targets), amount)
        out[column] = (out[column].astype(float) + delta).clip(lower=0.0)
    return out


def scale_measures(rng: np.random.Generator, measures: pd.DataFrame, margins: Mapping[str, float]) -> pd.DataFrame:
    """Measures with each listed column multiplied per unit by a factor uniform in [1 − m, 1 + m]."""
    out = measures.copy()
    for column, m in margins.items():
        out[column] = out[column].astype(float) * rng.uniform(1.0 - m, 1.0 + m, size=len(out))
    return out


def pick_sources(rng: np.random.Generator, measures: pd.DataFrame, groups: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Measures where, for each group (an indicator's measure and its sources), every unit takes the
    value of one member drawn uniformly, written in every column of the group. Inputs are not modified."""
    out = measures.copy()
    for group in groups:
        chosen = rng.integers(len(group), size=len(out))
        values = measures[list(group)].to_numpy(dtype=float)[np.arange(len(out)), chosen]
        for column in group:
            out[column] = values
    return out


@dataclass(frozen=True)
class Source:
    """One source of data uncertainty: a name and how it perturbs one draw."""

    name: str
    perturb: Perturb


def _draw_ranks(measures: pd.DataFrame, sources: Sequence[Source], rank: Callable[[pd.DataFrame, dict], pd.Series], rng: np.random.Generator,
                draws: int) -> np.ndarray:
    out = np.full((len(measures), draws), np.nan)
    for d in range(draws):
        m, overrides = measures, {}
        for source in sources:
            m, overrides = source.perturb(rng, m, overrides)
        out[:, d] = rank(m, overrides).reindex(measures.index).to_numpy(dtype=float)
    return out


def run_sources(
    measures: pd.DataFrame, sources: Sequence[Source], rank: Callable[[pd.DataFrame, dict], pd.Series], *, draws: int, seed: int
) -> dict[str, np.ndarray]:
    """Ranks (units × draws) with each source alone and with all together (key ``"all"``).

    ``rank(measures, overrides)`` ranks the units from perturbed measures (NaN where not ranked)."""
    out = {}
    for s, source in enumerate(sources):
        out[source.name] = _draw_ranks(measures, [source], rank, np.random.default_rng([seed, s]), draws)
    if len(sources) > 1:
        out["all"] = _draw_ranks(measures, sources, rank, np.random.default_rng([seed, 99]), draws)
    elif sources:
        out["all"] = out[sources[0].name]
    logger.info("data uncertainty: %d draws for each of %s%s (seed %d)", draws, ", ".join(s.name for s in sources),
                " and all together" if len(sources) > 1 else "", seed)
    return out


def variance_table(ranks: Mapping[str, np.ndarray], index: pd.Index, ranked: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per unit: the rank band with all sources (median, 5th and 95th percentiles) and the variance
    of the rank per source; per source: the mean variance over ranked units and its share of the
    variance with all sources (plus the interaction row)."""
    per_unit = pd.DataFrame(index=index.copy())
    every = ranks["all"]
    with np.errstate(invalid="ignore"):
        ok = ranked & np.isfinite(every).all(axis=1)
        stats = np.full((len(index), 3), np.nan)
        if ok.any():
            stats[ok] = np.percentile(every[ok], [50, 5, 95], axis=1, method="nearest").T
        per_unit["data_rank_median"], per_unit["data_rank_p05"], per_unit["data_rank_p95"] = stats.T
        variances = {}
        for name, r in ranks.items():
            v = np.full(len(index), np.nan)
            v[ok] = np.var(r[ok], axis=1)  # units ranked in every draw (a unit unranked in some draw has no variance)
            variances[name] = v
    for name, v in variances.items():
        per_unit[f"data_var_{name}"] = v
    total = float(np.nanmean(variances["all"][ok])) if ok.any() else float("nan")
    rows = []
    for name, v in variances.items():
        if name == "all":
            continue
        mean = float(np.nanmean(v[ok])) if ok.any() else float("nan")
        rows.append({"source": name, "mean_rank_variance": mean, "share": mean / total if total > 0 else float("nan")})
    shares = sum(r["share"] for r in rows) if total > 0 else float("nan")
    rows.append({"source": "interaction", "mean_rank_variance": total - sum(r["mean_rank_variance"] for r in rows),
                 "share": 1.0 - shares if total > 0 else float("nan")})
    rows.append({"source": "all", "mean_rank_variance": total, "share": 1.0 if total > 0 else float("nan")})
    return per_unit, pd.DataFrame(rows)
