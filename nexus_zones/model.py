"""The scored model of a config: from the indicator matrix to scores, ranks, the scores table and
the analyses beside the score (:mod:`nexus_zones.analyses`). It reads the config's
:class:`~nexus_zones.config.plan.ModelPlan`, never the ``Config``.

:func:`score_stage` is what :func:`nexus_zones.pipeline.compute` runs once the matrix is built and
what :meth:`nexus_zones.result.RunResult.rescore` runs again with other weights.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import replace
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from . import analyses, indicators, logs, normalise, reporting, score
from .analyses.base import Model
from .config.plan import ModelPlan
from .errors import NexusZonesWarning
from .rules import parse_rule

__all__ = ["pooled_normalise", "renormaliser", "ranker", "score_stage", "decide", "with_low_reporting"]

logger = logging.getLogger(__name__)


def pooled_normalise(plan: ModelPlan, values: Mapping[str, pd.DataFrame], *, method: str | None = None) -> dict[str, pd.DataFrame]:
    """Normalise the values of every period together (one set of bounds for all periods), so that
    equal raw values get equal normalised values in every period; returns each period's frame.
    ``method`` replaces every indicator's normalisation (the robustness draws' alternatives)."""
    stacked = pd.concat(values, names=["period", "unit_id"])
    normalised = normalise.normalise_frame(stacked, plan.norm_specs, method=method)
    if method is None and len(values) > 1:
        logger.info("normalise: %d indicators over %d periods with pooled bounds (1 = best for a pilot)", normalised.shape[1], len(values))
    return {p: normalised.xs(p, level="period").reindex(frame.index) for p, frame in values.items()}


def renormaliser(plan: ModelPlan, values: Mapping[str, pd.DataFrame], period: str):
    """The values of ``period`` under another normalisation method, normalised together with the
    other periods' (as the model's own, :func:`pooled_normalise`); computed once per method."""
    done: dict[str, pd.DataFrame] = {}

    def renormalise(method: str) -> pd.DataFrame:
        if method not in done:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NexusZonesWarning)  # already reported for the model's own normalisation
                done[method] = pooled_normalise(plan, values, method=method)[period]
        return done[method]

    return renormalise


def ranker(plan: ModelPlan, units: gpd.GeoDataFrame):
    """Rank the units from (perturbed) measures with the model's own stages."""
    defs, specs = plan.indicator_defs, plan.norm_specs
    rules = {name: parse_rule(expr) for name, expr in plan.rules.items()}
    read = {name for rule in rules.values() for name in rule.names}  # all the rules look up
    imputing = ("median", "region_median", "group_mean", "group_median", "knn", "worst")

    def rank(m: pd.DataFrame, overrides: Mapping) -> pd.Series:
        chosen = {n: replace(d, missing=overrides["missing"]) if "missing" in overrides and d.missing in imputing else d for n, d in defs.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NexusZonesWarning)
            values, imputed = indicators.build_matrix(m, chosen, regions=units["region"], groups=units)
            norm = normalise.normalise_frame(values, specs)
            lookup = {c: m[c] for c in read if c in m.columns} | {n: values[n].where(~imputed[n].astype(bool)) for n in plan.indicators if n in read}
            return score.national_ranks(norm, plan.weights, rules=rules, rule_values=lookup, failing_units=plan.failing_units,
                                        structure=plan.structure, pillar_weights=_pillar_weights(plan))

    return rank


def _pillar_weights(plan: ModelPlan) -> dict[str, float] | None:
    return dict(plan.pillar_weights) if plan.pillar_weights else None


def score_stage(plan: ModelPlan, units: gpd.GeoDataFrame, measures: pd.DataFrame, values: pd.DataFrame, normalised: pd.DataFrame, imputed: pd.DataFrame,
                *, renormalise=None, points: Mapping[str, gpd.GeoDataFrame] | None = None) -> tuple[Model, dict[str, Any]]:
    """Score the units, build the scores table and run the analyses of the ``model`` phase; returns
    the model (its ``table`` the scores table, sorted by rank, GeoDataFrame) and their results.
    ``renormalise`` gives the values under another normalisation (default: this snapshot's alone)."""
    names = units["name"].to_dict()
    rules = {name: parse_rule(expr) for name, expr in plan.rules.items()}
    rule_values: dict[str, pd.Series] = {c: measures[c] for c in measures.columns}
    for name in plan.indicators:
        # rules read the indicator's value (rate, per year) as observed, never an imputed one
        rule_values[name] = values[name].where(~imputed[name].astype(bool))
    pillar_weights = _pillar_weights(plan)
    scored = score.score_units(normalised, dict(plan.weights), regions=units["region"], rules=rules, rule_values=rule_values,
                               failing_units=plan.failing_units, unit_names=names, structure=plan.structure, pillar_weights=pillar_weights)
    model = Model(
        units=units, measures=measures, values=values, imputed=imputed, normalised=normalised, scored=scored, table=_table(plan, units, values, normalised, imputed, scored),
        weights=dict(plan.weights), pillar_weights=pillar_weights, failing_units=plan.failing_units,
        rules=dict(plan.rules), layers=dict(plan.layers), points=dict(points or {}), source=plan.source,
        renormalise=renormalise or renormaliser(plan, {"": values}, ""), rank_measures=ranker(plan, units),
        measures_read=plan.measures_read, indicator_defs=dict(plan.indicator_defs), agree_within=dict(plan.agree_within),
    )
    with logs.inner():  # the analyses' re-scoring logs at DEBUG
        found, model = analyses.run_phase(model, plan.analyses, "model")
    table = model.table.assign(status=scored.table["status"].reindex(model.table.index))
    table = gpd.GeoDataFrame(table, geometry=units.geometry.reindex(table.index), crs="EPSG:4326")
    return replace(model, table=table, earlier=found), found


def _table(plan: ModelPlan, units: gpd.GeoDataFrame, values: pd.DataFrame, normalised: pd.DataFrame, imputed: pd.DataFrame, scored: score.ScoreResult) -> pd.DataFrame:
    """The scores table before the analyses' columns and ``status``, sorted by rank (then score)."""
    names = list(plan.indicators)
    columns: dict[str, pd.Series] = {}  # built whole, then joined once (one column at a time fragments a frame of many indicators)
    for name in names:
        columns[name], columns[f"{name}_norm"] = values[name], normalised[name]
    columns |= {f"{name}_contrib": scored.contributions[name] for name in names}
    columns |= node_columns(scored)
    columns |= {f"rule_{rname}": scored.rules_passed[rname] for rname in plan.rules}
    if plan.rules:
        columns["rules_failed_count"] = scored.table["rules_failed_count"]
    columns["completeness"] = 1.0 - imputed[names].mean(axis=1) - values[names].isna().mean(axis=1)
    head = units[["name", "region"]].join(scored.table.drop(columns=["status", "rules_failed_count"]))
    table = pd.concat([head, pd.DataFrame(columns, index=head.index)], axis=1)
    order = (table["rank"].astype("Float64").fillna(float("inf")), -table["score"].fillna(-1.0))
    table = table.iloc[np.lexsort((order[1].to_numpy(dtype=float), order[0].to_numpy(dtype=float)))]
    table.index.name = "unit_id"
    return pd.DataFrame(table)


def node_columns(scored: score.ScoreResult) -> dict[str, pd.Series]:
    """Every node below the root at any depth: its score (``node_<name>``, 0–100) and its
    competition rank among the units in the ranking (``rank_<name>``, highest first, as
    :func:`score.rank_units` ranks; by the node's score alone, whatever the rules)."""
    ranked = scored.eligible if scored.eligible is not None else pd.Series(True, index=scored.pillars.index)
    columns: dict[str, pd.Series] = {}
    for name in scored.pillars.columns:
        columns[f"node_{name}"] = scored.pillars[name]
        columns[f"rank_{name}"] = score.rank_units(scored.pillars[name], ranked.reindex(scored.pillars.index).fillna(False).astype(bool))[0].astype("Int64")
    return columns


def decide(plan: ModelPlan, model: Model, table: gpd.GeoDataFrame) -> dict[str, Any]:
    """The analyses of the ``decision`` phase (the weights behind a choice, pilots, stakeholders,
    data uncertainty) on the complete scores table."""
    found, _ = analyses.run_phase(replace(model, table=table), plan.analyses, "decision")
    return found


def with_low_reporting(table: gpd.GeoDataFrame, low: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """The scores table with the low-reporting columns before ``status`` (unchanged without them)."""
    if low is None:
        return table
    out = table.drop(columns=[c for c in reporting.COLUMNS if c in table.columns])
    at = list(out.columns).index("status")
    for offset, col in enumerate(reporting.COLUMNS):
        out.insert(at + offset, col, low[col].reindex(out.index))
    return out
