"""What every analysis receives: the scored model (:class:`Model`), never the whole config.

An analysis is a module of this package with ``NAME``, ``KEY`` (the dotted config key of its
spec), ``PHASE`` (``"model"``: run beside the score, again when the weights change;
``"decision"``: run once the table is complete), ``Spec`` (the pydantic model of its key; its
defaults live there), a pure ``run(model, spec) -> Result | None`` (``None``: off, or too few
units) and, each optional, what it contributes: ``tables(result) -> {suffix: DataFrame}``,
``unit_columns(result) -> DataFrame``, ``page(result) -> dict``, ``brief(run, result, language)
-> str`` (an HTML section of the brief), ``unit_claims(run, result, unit, decided) -> [Claim]``
(a unit's lines in the popup), ``views(run, result, language) -> [dict]`` (its views of the map:
``{"id", "label", "colours", "legend"}``, ``colours`` a function of the scores table giving each unit's colour in its order, built with
:mod:`nexus_zones.legends`). ``analyses.ANALYSES`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from ..score import ScoreResult, Structure

__all__ = ["Model"]


@dataclass(frozen=True)
class Model:
    """The scored model an analysis reads.

    Attributes
    ----------
    units
        The units (GeoDataFrame indexed by unit id: ``name``, ``region``, geometry).
    measures, values, imputed, normalised
        The layers' measures, the indicator matrix, which values were imputed, the normalised matrix.
    scored
        The score stage's result (weights, structure, rules passed, per-unit table).
    table
        The scores table as far as it is built: unit columns of the analyses run before are in it.
    weights, pillar_weights
        The configured weights of the indicators (relative within their pillar) and of the pillars.
    failing_units
        How rules act on the ranking (``model.failing_units``).
    rules
        Each rule's expression, by name.
    layers
        The layers' specs, by name (their windows, types and categories).
    points
        The points each points layer counted, by layer name.
    source
        The config file's path (``<config object>`` for one built in memory), for messages and relative paths.
    renormalise
        The values under another normalisation method (pooled over periods in a study over periods).
    rank_measures
        Ranks of the units from (perturbed) measures by the model's own stages, with overrides
        such as ``{"missing": "median"}``.
    earlier
        The results of the analyses run before this one, by name.
    measures_read
        The measures the indicators read (as ``measure`` or ``per``).
    indicator_defs, agree_within
        Each indicator's definition (:class:`nexus_zones.indicators.IndicatorDef`: measure, sources,
        rate) and the tolerance within which its sources agree (``indicators.*.agree_within``).
    """

    units: gpd.GeoDataFrame
    measures: pd.DataFrame
    values: pd.DataFrame
    imputed: pd.DataFrame
    normalised: pd.DataFrame
    scored: ScoreResult
    table: pd.DataFrame
    weights: Mapping[str, float]
    pillar_weights: Mapping[str, float] | None
    failing_units: str
    rules: Mapping[str, str]
    layers: Mapping[str, Any] = field(default_factory=dict)
    points: Mapping[str, gpd.GeoDataFrame] = field(default_factory=dict)
    source: str = "<config object>"
    renormalise: Callable[[str], pd.DataFrame] | None = None
    rank_measures: Callable[[pd.DataFrame, Mapping], pd.Series] | None = None
    earlier: Mapping[str, Any] = field(default_factory=dict)
    measures_read: frozenset[str] = frozenset()
    indicator_defs: Mapping[str, Any] = field(default_factory=dict)
    agree_within: Mapping[str, float | str] = field(default_factory=dict)

    @property
    def structure(self) -> Structure:
        return self.scored.structure

    @property
    def indicators(self) -> list[str]:
        return list(self.scored.structure.indicators)

    @property
    def eligible(self) -> np.ndarray:
        """Which units (in the normalised matrix's order) the ranking ranks."""
        return self.scored.eligible.reindex(self.normalised.index).fillna(False).to_numpy(dtype=bool)

    @property
    def failed(self) -> np.ndarray | None:
        """Rules failed per unit where they order the ranking (``failing_units: last``), else ``None``."""
        if self.failing_units != "last":
            return None
        return self.scored.table["rules_failed_count"].reindex(self.normalised.index).to_numpy(dtype=float)

    @property
    def lookup(self) -> dict[str, pd.Series]:
        """What rules and conditions read: the measures, and the indicators' values as observed (never imputed)."""
        return {c: self.measures[c] for c in self.measures.columns} | {
            n: self.values[n].where(~self.imputed[n].astype(bool)) for n in self.values.columns
        }
