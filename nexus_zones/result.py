"""What a run computed: :class:`RunResult`, typed; lists stay lists until a writer writes them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
import pandas as pd

from . import logs, model, reporting, score
from .config import Config, with_failing_units, with_weights
from .config.plan import Plan, plan_of
from .layers.points import PointReport
from .periods import Panel

__all__ = ["RunResult"]


@dataclass(frozen=True)
class RunResult:
    """Everything a run computed, and the paths it wrote.

    Attributes
    ----------
    config
        The config the run read (the period's, in a study over periods): the writers' own keys
        (``map``, ``output``, ``study``) and the run record.
    plan
        The config resolved for the stages after reading (:class:`~nexus_zones.config.plan.Plan`):
        what the score stage, :meth:`rescore` and the sentences (:mod:`nexus_zones.explain`) read.
    units
        The study's units (GeoDataFrame indexed by unit id: ``name``, ``region``, geometry).
    measures, values, imputed, normalised
        The per-stage frames: layer measures (``layer.measure`` columns), the indicator matrix
        after the missing-value policy, which values were imputed, and the normalised matrix.
    scored
        The score stage's result.
    scores
        One row per unit (GeoDataFrame, EPSG:4326, indexed by ``unit_id``): ``name``,
        ``region``, ``score``, ``rank``, ``region_rank``, ``passes_rules``, then per indicator its
        raw value, ``<name>_norm`` and ``<name>_contrib``, ``node_<name>`` and ``rank_<name>`` per node below the root,
        ``rule_<name>`` per rule, ``rules_failed_count`` (with rules), ``completeness``, the unit
        columns of the analyses that ran (:mod:`nexus_zones.analyses`), the low-reporting columns
        where a cost indicator reads a points layer, then ``status``; sorted by rank. Readers ask
        :attr:`analyses` (or the config) whether an analysis ran, never the table's columns.
    analyses
        The result of each analysis that ran, by name (:data:`nexus_zones.analyses.ANALYSES`).
    point_reports, points, joins
        Per points layer what was read and dropped, the points counted; per table layer its join.
    inputs
        Every input file's SHA-256, by path.
    outliers
        Per indicator given an outlier treatment, the values it changed and why it stopped
        (:func:`nexus_zones.treat.outlier_records`); empty without one.
    panel
        The periods of a study over periods (:class:`~nexus_zones.periods.Panel`), else ``None``.
    """

    config: Config
    plan: Plan
    units: gpd.GeoDataFrame
    measures: pd.DataFrame
    values: pd.DataFrame
    imputed: pd.DataFrame
    normalised: pd.DataFrame
    scored: score.ScoreResult
    scores: gpd.GeoDataFrame
    point_reports: Mapping[str, PointReport]
    points: Mapping[str, gpd.GeoDataFrame]
    inputs: Mapping[str, str]
    boundaries_meta: Mapping[str, object] = field(default_factory=dict)
    joins: Mapping[str, dict] = field(default_factory=dict)
    analyses: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    paths: Mapping[str, Path] = field(default_factory=dict)
    panel: Panel | None = None
    outliers: Mapping[str, dict] = field(default_factory=dict)

    def analysis(self, name: str) -> Any:
        """The result of the analysis ``name``, or ``None`` when it did not run."""
        return self.analyses.get(name)

    def rescore(self, weights: Mapping[str, float], *, pillar_weights: Mapping[str, float] | None = None,
                failing_units: str | None = None) -> "RunResult":
        """Re-score with other weights (indicator name → weight; ``pillar_weights``: node of the model
        tree → its weight among its siblings) without reading or writing files.

        Weights not named keep their configured value. The analyses beside the score run again;
        those of a decision (pilots, stakeholders, ...) are left out. Returns a new result with no paths.
        """
        config = with_weights(self.config, weights, pillar_weights)
        if failing_units is not None:
            config = with_failing_units(config, failing_units)
        plan = plan_of(config)
        with logs.Recorder() as rec:
            scored, found = model.score_stage(plan.model, self.units, self.measures, self.values, self.normalised, self.imputed, points=self.points)
        kept = [c for c in reporting.COLUMNS if c in self.scores.columns]
        table = model.with_low_reporting(scored.table, pd.DataFrame(self.scores[kept]) if kept else None)
        return replace(self, config=config, plan=plan, scored=scored.scored, scores=table, analyses=found, warnings=tuple(rec.messages), paths={})
