"""The scored model of a config: from the indicator matrix to scores, ranks, the scores table and
the analyses beside the score (:mod:`nexus_zones.analyses`).

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

from . import analyses, indicators, logs, normalise, reporting, score, tree
from .analyses.base import Model
from .config import Config
from .errors import NexusZonesWarning
from .rules import parse_rule

__all__ = ["structure_of", "norm_specs", "indicator_defs", "pooled_normalise", "score_stage", "decide", "with_low_reporting"]

logger = logging.getLogger(__name__)


def structure_of(config: Config) -> score.Structure:
    """The model tree the config describes (each pillar a node under its parent, each node its rule)."""
    model, weights = config.model, config.pillar_weights()
    pillars = tuple(
        score.Pillar(name, tuple(p.indicators), weights[name], p.aggregation, p.parent, p.missing,
                     tree.DEFAULT_OFFSET if p.offset is None else p.offset, p.factor)
        for name, p in model.pillars.items()
    )
    return score.Structure(
        tuple(config.indicators), model.aggregation, pillars, model.missing, tree.DEFAULT_OFFSET if model.offset is None else model.offset,
        factors={n: i.factor for n, i in config.indicators.items()}, skip=tuple(n for n, i in config.indicators.items() if i.missing == "skip"),
    )


def norm_specs(config: Config) -> dict[str, dict]:
    """Each indicator's normalisation settings, as :func:`nexus_zones.normalise.normalise_frame` reads them."""
    treated = outlier_settings(config)
    return {
        n: {"method": i.normalisation, "direction": i.direction, "goalposts": i.goalposts, "thresholds": i.thresholds,
            "winsorise": i.winsorise, "transform": i.transform, "outliers": treated.get(n)}
        for n, i in config.indicators.items()
    }


def outlier_settings(config: Config) -> dict[str, dict]:
    """Each treated indicator's outlier treatment (its own ``outliers``, else ``model.outliers``), as
    :func:`nexus_zones.treat.winsorise`'s keywords; an indicator not treated is absent."""
    found = {}
    for name, ind in config.indicators.items():
        spec = ind.outliers if ind.outliers is not None else config.model.outliers
        if spec is not None and spec.rule == "skew_kurtosis":
            found[name] = {"max_points": spec.max_points, "skew": spec.skew, "kurt": spec.kurtosis}
    return found


def indicator_defs(config: Config) -> dict[str, indicators.IndicatorDef]:
    """Each indicator's definition for :func:`nexus_zones.indicators.build_matrix` (a per-year rate divides by the window's years)."""
    defs = {}
    for name, ind in config.indicators.items():
        years = None
        if ind.per_year:
            start, end = config.layers[ind.measure.split(".", 1)[0]].window
            whole_years = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
            years = end.year - start.year + 1 if whole_years else ((end - start).days + 1) / 365.25
        defs[name] = indicators.IndicatorDef(
            ind.measure, ind.direction, ind.missing, per=ind.per, scale=ind.scale, years=years,
            sources=tuple(ind.sources), combine=ind.combine_sources, group=ind.group,
        )
    return defs


def pooled_normalise(config: Config, values: Mapping[str, pd.DataFrame], *, method: str | None = None) -> dict[str, pd.DataFrame]:
    """Normalise the values of every period together (one set of bounds for all periods), so that
    equal raw values get equal normalised values in every period; returns each period's frame.
    ``method`` replaces every indicator's normalisation (the robustness draws' alternatives)."""
    stacked = pd.concat(values, names=["period", "unit_id"])
    normalised = normalise.normalise_frame(stacked, norm_specs(config), method=method)
    if method is None and len(values) > 1:
        logger.info("normalise: %d indicators over %d periods with pooled bounds (1 = best for a pilot)", normalised.shape[1], len(values))
    return {p: normalised.xs(p, level="period").reindex(frame.index) for p, frame in values.items()}


def renormaliser(config: Config, values: Mapping[str, pd.DataFrame], period: str):
    """The values of ``period`` under another normalisation method, normalised together with the
    other periods' (as the model's own, :func:`pooled_normalise`); computed once per method."""
    done: dict[str, pd.DataFrame] = {}

    def renormalise(method: str) -> pd.DataFrame:
        if method not in done:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NexusZonesWarning)  # already reported for the model's own normalisation
                done[method] = pooled_normalise(config, values, method=method)[period]
        return done[method]

    return renormalise


def ranker(config: Config, units: gpd.GeoDataFrame):
    """Rank the units from (perturbed) measures with the model's own stages."""
    defs, specs = indicator_defs(config), norm_specs(config)
    rules = {name: parse_rule(rule.expr) for name, rule in config.rules.items()}
    imputing = ("median", "region_median", "group_mean", "group_median", "knn", "worst")

    def rank(m: pd.DataFrame, overrides: Mapping) -> pd.Series:
        chosen = {n: replace(d, missing=overrides["missing"]) if "missing" in overrides and d.missing in imputing else d for n, d in defs.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NexusZonesWarning)
            values, imputed = indicators.build_matrix(m, chosen, regions=units["region"], groups=units)
            norm = normalise.normalise_frame(values, specs)
            lookup = {c: m[c] for c in m.columns} | {n: values[n].where(~imputed[n].astype(bool)) for n in config.indicators}
            res = score.score_units(norm, config.indicator_weights(), regions=units["region"], rules=rules, rule_values=lookup,
                                    failing_units=config.model.failing_units, structure=structure_of(config), pillar_weights=config.pillar_weights() or None)
        return res.table["rank"].astype(float)

    return rank


def specs(config: Config) -> dict[str, Any]:
    """Each analysis's spec, by name: the value of its ``KEY`` (a dotted path) in the config."""
    found = {}
    for name, analysis in analyses.ANALYSES.items():
        value = config
        for part in analysis.KEY.split("."):
            value = getattr(value, part)
        found[name] = value
    return found


def score_stage(config: Config, units: gpd.GeoDataFrame, measures: pd.DataFrame, values: pd.DataFrame, normalised: pd.DataFrame, imputed: pd.DataFrame,
                *, renormalise=None, points: Mapping[str, gpd.GeoDataFrame] | None = None) -> tuple[Model, dict[str, Any]]:
    """Score the units, build the scores table and run the analyses of the ``model`` phase; returns
    the model (its ``table`` the scores table, sorted by rank, GeoDataFrame) and their results.
    ``renormalise`` gives the values under another normalisation (default: this snapshot's alone)."""
    names = units["name"].to_dict()
    rules = {name: parse_rule(rule.expr) for name, rule in config.rules.items()}
    rule_values: dict[str, pd.Series] = {c: measures[c] for c in measures.columns}
    for name in config.indicators:
        # rules read the indicator's value (rate, per year) as observed, never an imputed one
        rule_values[name] = values[name].where(~imputed[name].astype(bool))
    pillar_weights = config.pillar_weights() or None
    scored = score.score_units(normalised, config.indicator_weights(), regions=units["region"], rules=rules, rule_values=rule_values,
                               failing_units=config.model.failing_units, unit_names=names, structure=structure_of(config), pillar_weights=pillar_weights)
    model = Model(
        units=units, measures=measures, values=values, imputed=imputed, normalised=normalised, scored=scored, table=_table(config, units, values, normalised, imputed, scored),
        weights=config.indicator_weights(), pillar_weights=pillar_weights, failing_units=config.model.failing_units,
        rules={name: rule.expr for name, rule in config.rules.items()}, layers=dict(config.layers), points=dict(points or {}), source=config.source,
        renormalise=renormalise or renormaliser(config, {"": values}, ""), rank_measures=ranker(config, units),
        measures_read=frozenset(r for ind in config.indicators.values() for r in (ind.measure, ind.per) if r),
        indicator_defs=indicator_defs(config), agree_within={n: i.agree_within for n, i in config.indicators.items()},
    )
    with logs.inner():  # the analyses' re-scoring logs at DEBUG
        found, model = analyses.run_phase(model, specs(config), "model")
    table = model.table.assign(status=scored.table["status"].reindex(model.table.index))
    table = gpd.GeoDataFrame(table, geometry=units.geometry.reindex(table.index), crs="EPSG:4326")
    return replace(model, table=table, earlier=found), found


def _table(config: Config, units: gpd.GeoDataFrame, values: pd.DataFrame, normalised: pd.DataFrame, imputed: pd.DataFrame, scored: score.ScoreResult) -> pd.DataFrame:
    """The scores table before the analyses' columns and ``status``, sorted by rank (then score)."""
    names = list(config.indicators)
    columns: dict[str, pd.Series] = {}  # built whole, then joined once (one column at a time fragments a frame of many indicators)
    for name in names:
        columns[name], columns[f"{name}_norm"] = values[name], normalised[name]
    columns |= {f"{name}_contrib": scored.contributions[name] for name in names}
    columns |= node_columns(scored)
    columns |= {f"rule_{rname}": scored.rules_passed[rname] for rname in config.rules}
    if config.rules:
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


def decide(config: Config, model: Model, table: gpd.GeoDataFrame) -> dict[str, Any]:
    """The analyses of the ``decision`` phase (the weights behind a choice, pilots, stakeholders,
    data uncertainty) on the complete scores table."""
    found, _ = analyses.run_phase(replace(model, table=table), specs(config), "decision")
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
