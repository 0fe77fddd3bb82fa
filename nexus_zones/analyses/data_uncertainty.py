"""Uncertainty in the data (``data_uncertainty``): the ranks when imprecise events move, measures
vary within their margins and missing values are imputed otherwise; each source's share of the
ranks' variance. The maths is :mod:`nexus_zones.uncertainty`."""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass
from typing import Annotated, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import Field, FiniteFloat

from .. import uncertainty
from ..errors import ConfigError, DecisionWarning, Problem, did_you_mean
from ..layers import points
from ..layers.base import Identifier, _Strict
from ..rules import parse_rule
from .. import explain
from ..claims import render
from ..messages import t
from .base import Model

NAME = "data_uncertainty"
KEY = "data_uncertainty"
TABLES = ("data_uncertainty", "data_variance")  # the suffixes of the tables it writes
PHASE = "decision"


class Spec(_Strict):
    """Monte-Carlo draws that perturb the inputs (docs/analyses.md: "Uncertainty in the data")."""

    draws: int = Field(0, ge=0, le=100_000, description="Draws per source and for all sources together (0: none).")
    seed: int = Field(2018, ge=0, le=2**32 - 1, description="Seed of the draws (0 to 4294967295).")
    imprecise_events: list[Identifier] = Field(
        default_factory=list, description="Points layers whose events of geo_precision 2 (moved among the unit and its neighbours) or 3 (among the units of the region) are perturbed."
    )
    imprecise_mode: Literal["reassign", "drop"] = Field("reassign", description="reassign imprecise events among their possible units, or drop them.")
    margins: dict[str, Annotated[FiniteFloat, Field(gt=0, lt=1)]] = Field(
        default_factory=dict, description="Measures (layer.measure) known within a relative margin, e.g. {food.population: 0.1} for ±10 %."
    )
    imputation: list[Literal["median", "region_median", "knn", "worst"]] = Field(
        default_factory=list, description="Alternative imputation methods drawn for indicators whose missing-value policy imputes."
    )
    sources: bool = Field(False, description="For indicators with sources, each draw reads one source per unit and indicator, drawn uniformly.")


@dataclass(frozen=True)
class Result:
    """``table``: per unit the rank band with all sources (``data_rank_median``, ``data_rank_p05``,
    ``data_rank_p95``) and the variance per source; ``variance``: per source its mean variance and
    ``share``; ``margins``: the measures given a margin (for the sentences)."""

    table: pd.DataFrame
    variance: pd.DataFrame
    draws: int
    margins: tuple[str, ...]


def run(model: Model, spec: Spec) -> Result | None:
    if not (spec.draws and (spec.imprecise_events or spec.margins or spec.imputation or spec.sources)):
        return None
    sources = []
    for name in spec.imprecise_events:
        events = imprecise_events(model, name)
        sources.append(uncertainty.Source(f"imprecise_{name}", lambda rng, m, o, ev=events: (uncertainty.move_events(rng, m, ev, mode=spec.imprecise_mode), o)))
    if spec.margins:
        check_margins(model, spec)
        sources.append(uncertainty.Source("margins", lambda rng, m, o: (uncertainty.scale_measures(rng, m, spec.margins), o)))
    if spec.imputation:
        sources.append(uncertainty.Source("imputation", lambda rng, m, o: (m, o | {"missing": spec.imputation[rng.integers(len(spec.imputation))]})))
    if spec.sources:
        groups = source_groups(model)
        sources.append(uncertainty.Source("sources", lambda rng, m, o: (uncertainty.pick_sources(rng, m, groups), o)))
    measures = model.measures
    ranks = uncertainty.run_sources(measures, sources, model.rank_measures, draws=spec.draws, seed=spec.seed)
    ranked = model.table["rank"].notna().reindex(measures.index).to_numpy(dtype=bool)
    table, variance = uncertainty.variance_table(ranks, measures.index, ranked)
    return Result(table, variance, spec.draws, tuple(spec.margins))


def source_groups(model: Model) -> list[tuple[str, ...]]:
    """Each indicator's measure and sources (``indicators.*.sources``); none is said in a
    :class:`DecisionWarning`, as this source then moves nothing."""
    groups = [d.measures for d in model.indicator_defs.values() if d.sources]
    if not groups:
        warnings.warn(DecisionWarning(
            "data_uncertainty.sources: no indicator names sources, so this source moves nothing (its variance is 0). "
            "Fix: give an indicator sources: [layer.measure], or remove data_uncertainty.sources"), stacklevel=3)
    return groups


def check_margins(model: Model, spec: Spec) -> None:
    """A margin on a measure the layers do not give is an error (before any draw); one on a measure
    that no indicator (measure or per) and no rule reads changes no rank: said."""
    measures = model.measures
    missing = [m for m in spec.margins if m not in measures.columns]
    if missing:
        raise ConfigError(model.source, [Problem(f"data_uncertainty.margins.{m}", f"{m!r}, a measure the layers do not give{did_you_mean(m, list(measures.columns))}",
                                                 f"a measure of the run: {', '.join(list(measures.columns)[:20])}", "correct the measure's name") for m in missing])
    used = set(model.measures_read)
    used |= {n for expr in model.rules.values() for n in parse_rule(expr).names if "." in n}
    unused = [m for m in spec.margins if m not in used]
    if unused:
        warnings.warn(DecisionWarning(
            f"data_uncertainty.margins: {', '.join(repr(m) for m in unused)} {'is' if len(unused) == 1 else 'are'} read by no indicator and no rule, "
            f"so the margin changes no rank (its variance is 0). Fix: name the measure an indicator reads ({', '.join(sorted(used)[:8])}), or remove it"),
            stacklevel=3)


def imprecise_events(model: Model, name: str) -> uncertainty.ImpreciseEvents:
    """The layer's events of geo_precision 2 or 3 that are counted (window, types), with the units they could belong to."""
    spec, pts, units = model.layers[name], model.points[name], model.units
    keep = pd.Series(True, index=pts.index)
    if "geo_precision" not in pts.columns:
        warnings.warn(DecisionWarning(
            f"data_uncertainty.imprecise_events: layer {name!r} ({spec.path}) has no geo_precision column, so no event is known to be imprecise "
            "and this source moves nothing (its variance is 0). Fix: use a file with ACLED's geo_precision column, or remove the layer from imprecise_events"),
            stacklevel=2)
        return uncertainty.ImpreciseEvents((), (), {})
    keep &= pts["geo_precision"].isin([2, 3]) & points.counted(pts, spec)  # as the layer counts them
    chosen = gpd.sjoin(pts[keep], units[["region", "geometry"]].rename_axis("_unit").reset_index(), how="inner", predicate="within")
    chosen = chosen.rename(columns={"_unit": "unit"})
    chosen = chosen[~chosen.index.duplicated()]
    neighbours = {u: [u] + [v for v in units.index[units.geometry.touches(g)]] for u, g in units.geometry.items()}
    by_region = {r: list(ids) for r, ids in units.groupby("region").groups.items()}
    origin = tuple(chosen["unit"].astype(str))
    candidates = tuple(tuple(neighbours[u]) if p == 2 else tuple(by_region[units.at[u, "region"]]) for u, p in zip(origin, chosen["geo_precision"]))
    contributions = {f"{name}.{measure}": amount for measure, amount in points.event_measures(pts, chosen, spec).items()}
    return uncertainty.ImpreciseEvents(origin, candidates, contributions)


def tables(result: Result) -> dict[str, pd.DataFrame]:
    return {"data_uncertainty": result.table.rename_axis("unit_id").reset_index(), "data_variance": result.variance}


def brief(run, result: Result, language: str) -> str:
    """The brief's section: how much of the ranks' movement each source accounts for."""
    labels = explain.labels(run.plan, language)
    shares = explain.data_share_claims(run, language)
    if not shares:
        return ""
    items = "".join(f"<li>{html.escape(render(c, language, labels))}</li>" for c in shares)
    return f"<h2>{html.escape(t('data_uncertainty', language))}</h2><ul>{items}</ul>"


def unit_claims(run, result: Result, unit: str, decided: bool) -> list:
    """The unit's popup claims: where its rank lies when the data are perturbed."""
    said = explain.data_band_claim(run, unit)
    return [said] if said is not None else []
