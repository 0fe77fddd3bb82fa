"""What the stages after reading need of a config, resolved once: a :class:`Plan` of frozen parts.

The config is read by the config package and by the stages that read files (layers, boundaries);
from the score on, a stage receives the part of the plan it needs, never the whole ``Config``:
:class:`ModelPlan` for the score stage, its re-runs and the analyses (``model``), and the labels,
scale settings and notes that the sentences and writers quote (``explain``). A plan is built by
:func:`plan_of` once per config (a period's, a re-weighted copy's) and holds plain values only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from .. import analyses, score, tree
from ..indicators import IndicatorDef
from ..layers.base import Text
from .schema import Config

__all__ = ["Plan", "ModelPlan", "IndicatorPlan", "RulePlan", "LayerNote", "plan_of", "model_plan", "structure_of", "norm_specs",
           "outlier_settings", "indicator_defs", "analysis_specs", "event_layers", "inputs_of"]


@dataclass(frozen=True)
class ModelPlan:
    """What the score stage and the analyses beside it need (:func:`nexus_zones.model.score_stage`).

    Attributes
    ----------
    indicators, weights, pillar_weights
        The indicators in the config's order; each one's weight (relative within its pillar, or its
        AHP weight); each pillar's weight (``None`` without pillars).
    structure, norm_specs, indicator_defs, outliers
        The model tree; each indicator's normalisation settings, definition for
        :func:`nexus_zones.indicators.build_matrix` and outlier treatment (treated indicators only).
    rules, failing_units
        Each rule's expression, by name; what the ranking does with a unit failing one.
    layers, source
        Each layer's spec (the analyses that re-read a layer's settings: data uncertainty); the config's file.
    measures_read, agree_within, analyses
        Every measure an indicator reads; each indicator's ``agree_within``; each analysis's spec, by name.
    """

    indicators: tuple[str, ...]
    weights: Mapping[str, float]
    pillar_weights: Mapping[str, float] | None
    structure: score.Structure
    norm_specs: Mapping[str, dict]
    indicator_defs: Mapping[str, IndicatorDef]
    outliers: Mapping[str, dict]
    rules: Mapping[str, str]
    failing_units: str
    layers: Mapping[str, Any]
    source: str | None
    measures_read: frozenset[str]
    agree_within: Mapping[str, Any]
    analyses: Mapping[str, Any]


@dataclass(frozen=True)
class IndicatorPlan:
    """What the sentences and writers quote of an indicator: its label (and its older ``phrase``) and the settings of its scale."""

    label: Text | None
    phrase: Text | None
    measure: str
    direction: str
    normalisation: str
    goalposts: tuple[float, float] | None
    thresholds: tuple | None
    transform: str | None
    winsorise: Any


@dataclass(frozen=True)
class RulePlan:
    """A rule's label and expression."""

    label: Text | None
    expr: str


@dataclass(frozen=True)
class LayerNote:
    """What the sentences say of a layer: its label, source and the period its values describe."""

    kind: str
    label: Text | None
    source: Text | None
    period: Text | None
    window: tuple[date | None, date | None] | None
    as_of: Any


@dataclass(frozen=True)
class Plan:
    """A config resolved for the stages after reading (see the module's docstring).

    ``indicators``, ``rules`` (by name, in the config's order), ``layers`` (notes by name),
    ``set_labels`` (a stakeholders' weight set's label, by set name), ``top_k`` (robustness's k,
    the k of "among the first k"), ``failing_units``, ``event_layers`` (the points layers read by a
    cost indicator, whose low counts may reflect little reporting), ``inputs`` (every file the run
    reads with the config key naming it: :func:`inputs_of`).
    """

    model: ModelPlan
    indicators: Mapping[str, IndicatorPlan]
    rules: Mapping[str, RulePlan]
    layers: Mapping[str, LayerNote]
    set_labels: Mapping[str, Text] = field(default_factory=dict)
    top_k: int = 3
    failing_units: str = "exclude"
    event_layers: tuple[str, ...] = ()
    inputs: tuple[tuple[str, Path], ...] = ()


def plan_of(config: Config) -> Plan:
    """The plan of ``config``: every part resolved once from it."""
    return Plan(
        model=model_plan(config),
        indicators={n: IndicatorPlan(i.label, i.phrase, i.measure, i.direction, i.normalisation, i.goalposts, i.thresholds, i.transform, i.winsorise)
                    for n, i in config.indicators.items()},
        rules={n: RulePlan(r.label, r.expr) for n, r in config.rules.items()},
        layers={n: LayerNote(s.kind, getattr(s, "label", None), s.source, s.period, getattr(s, "window", None), getattr(s, "as_of", None))
                for n, s in config.layers.items()},
        set_labels=dict(config.stakeholders.labels),
        top_k=int(config.robustness.top_k),
        failing_units=config.model.failing_units,
        event_layers=tuple(event_layers(config)),
        inputs=inputs_of(config),
    )


def model_plan(config: Config) -> ModelPlan:
    """The score stage's part of the plan."""
    pillar_weights = config.pillar_weights()
    return ModelPlan(
        indicators=tuple(config.indicators), weights=config.indicator_weights(), pillar_weights=pillar_weights or None,
        structure=structure_of(config), norm_specs=norm_specs(config), indicator_defs=indicator_defs(config), outliers=outlier_settings(config),
        rules={name: rule.expr for name, rule in config.rules.items()}, failing_units=config.model.failing_units,
        layers=dict(config.layers), source=config.source,
        measures_read=frozenset(r for ind in config.indicators.values() for r in (ind.measure, ind.per) if r),
        agree_within={n: i.agree_within for n, i in config.indicators.items()}, analyses=analysis_specs(config),
    )


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


def indicator_defs(config: Config) -> dict[str, IndicatorDef]:
    """Each indicator's definition for :func:`nexus_zones.indicators.build_matrix` (a per-year rate divides by the window's years)."""
    defs = {}
    for name, ind in config.indicators.items():
        years = None
        if ind.per_year:
            start, end = config.layers[ind.measure.split(".", 1)[0]].window
            whole_years = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
            years = end.year - start.year + 1 if whole_years else ((end - start).days + 1) / 365.25
        defs[name] = IndicatorDef(
            ind.measure, ind.direction, ind.missing, per=ind.per, scale=ind.scale, years=years,
            sources=tuple(ind.sources), combine=ind.combine_sources, group=ind.group,
        )
    return defs


def analysis_specs(config: Config) -> dict[str, Any]:
    """Each analysis's spec, by name: the value of its ``KEY`` (a dotted path) in the config."""
    found = {}
    for name, analysis in analyses.ANALYSES.items():
        value: Any = config
        for part in analysis.KEY.split("."):
            value = getattr(value, part)
        found[name] = value
    return found


def event_layers(config: Config) -> list[str]:
    """The points layers read by an indicator of direction cost: few events there raise a unit's score,
    so a low count that may reflect little reporting is worth a caution."""
    names: list[str] = []
    for ind in config.indicators.values():
        layer = ind.measure.split(".", 1)[0]
        spec = config.layers.get(layer)
        if ind.direction == "cost" and spec is not None and spec.kind == "points" and layer not in names:
            names.append(layer)
    return names


def inputs_of(config: Config) -> tuple[tuple[str, Path], ...]:
    """Every file a run of ``config`` reads, with the config key that names it: the boundaries and
    each layer's (:meth:`~nexus_zones.layers.base._HasPath.input_paths`)."""
    named = [("study.boundaries.path", Path(config.study.boundaries.path))]
    return tuple(named + [(f"layers.{name}.path", Path(p)) for name, spec in config.layers.items() for p in spec.input_paths()])
