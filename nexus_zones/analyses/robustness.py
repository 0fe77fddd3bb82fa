"""Robustness of the ranks: ranks under weights (and normalisations, aggregations) drawn at random.

The maths is :func:`nexus_zones.sensitivity.monte_carlo`; this module owns the ``robustness`` key
and what the analysis adds to the scores table (``rank_p05`` … ``robust``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd
from pydantic import Field, FiniteFloat

from .. import sensitivity
from ..layers.base import Aggregation, _Strict
from ..legends import colours_of, esc, ramp
from ..messages import number, percent, t
from .base import Model

NAME = "robustness"
KEY = "robustness"
PHASE = "model"


class Spec(_Strict):
    """Monte-Carlo robustness of the ranks."""

    draws: int = Field(1000, ge=0, le=1_000_000, description="Number of weight draws (0: no Monte-Carlo).")
    concentration: FiniteFloat = Field(50.0, gt=0, description="Dirichlet concentration: larger = weights stay closer to the configured ones.")
    seed: int = Field(2018, ge=0, le=2**32 - 1, description="Seed of the random draws (0 to 4294967295).")
    top_k: int = Field(3, ge=1, description="The k of 'share of draws in the top k'.")
    robust_share: FiniteFloat = Field(0.9, gt=0.5, le=1, description="Robust: in the top k in at least this share of draws, or at most 1 minus it.")
    vary_normalisation: list[Literal["minmax", "rank", "zscore"]] = Field(default_factory=list, description="Also draw among these normalisations.")
    vary_aggregation: list[Aggregation] = Field(default_factory=list, description="Also draw among these aggregations.")
    leave_one_out: bool = True


@dataclass(frozen=True)
class Result:
    """Per unit (indexed by unit id): ``rank_p05``, ``rank_median``, ``rank_p95``, ``share_top_k``, ``robust``."""

    table: pd.DataFrame
    draws: int
    top_k: int


def run(model: Model, spec: Spec) -> Result | None:
    """``None`` when off (``draws: 0``) or fewer than 2 units are eligible."""
    eligible = model.eligible
    if not (spec.draws and eligible.sum() >= 2):
        return None
    cols = model.indicators
    options = {"model": model.normalised[cols].to_numpy(dtype=float)}
    for method in spec.vary_normalisation:
        options[method] = model.renormalise(method)[cols].to_numpy(dtype=float)
    drawn = sensitivity.Draws(spec.draws, spec.seed, spec.concentration, min(spec.top_k, int(eligible.sum())), spec.robust_share,
                              tuple(spec.vary_normalisation), tuple(spec.vary_aggregation))
    table = sensitivity.monte_carlo(options, model.weights, model.structure, eligible, drawn, index=model.normalised.index,
                                    pillar_weights=model.pillar_weights, failed=model.failed)
    return Result(table, spec.draws, spec.top_k)


def unit_columns(result: Result) -> pd.DataFrame:
    return result.table


def views(run, result: Result, language: str) -> list[dict]:
    """The map's robustness view: each unit's share of the draws (around the config's weights) that
    put it in the top k, with what "whatever the weights" means under its legend."""
    has_missing = bool(run.scores["share_top_k"].isna().any())
    legend = ramp(t("robustness_legend", language, draws=number(result.draws, language), k=result.top_k), percent(0, language), percent(1, language),
                  has_missing, 0, language)
    legend += f'<div class="nz-src">{esc(t("robust_def", language, draws=number(result.draws, language)))}</div>'
    return [{"id": "robustness", "label": t("robustness_view", language, k=result.top_k), "colours": lambda frame: colours_of(frame["share_top_k"]), "legend": legend}]
