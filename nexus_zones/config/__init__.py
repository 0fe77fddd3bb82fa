"""The YAML config, in four modules with one job each:

- :mod:`~nexus_zones.config.schema`: the pydantic models of every key, with their defaults
  (an analysis's key and spec come from :data:`nexus_zones.analyses.ANALYSES`);
- :mod:`~nexus_zones.config.reading`: a config from a YAML file or a mapping, and its copies with
  other weights;
- :mod:`~nexus_zones.config.translate`: pydantic's errors in the project's words;
- :mod:`~nexus_zones.config.checks`: the cross-checks between keys, and what the stages ask of a config.

Every problem of a config is reported at once, each with its key path, what was found and what
is allowed. This module names the package's public interface.
"""

from __future__ import annotations

from .checks import map_point_layers, measure_dependents, untranslated_texts
from .reading import config_from_mapping, load_config, with_failing_units, with_weights
from .schema import (
    MIN_WEIGHT_SHARE,
    UNIT_MEASURES,
    Aggregation,
    BoundariesSpec,
    Config,
    Direction,
    FailingUnits,
    IndicatorSpec,
    LayerSpec,
    MapSpec,
    MissingPolicy,
    ModelSpec,
    Normalisation,
    OutputSpec,
    PeriodSpec,
    PillarSpec,
    RuleSpec,
    StudySpec,
    layer_kinds,
    measures_of,
)

__all__ = [
    "Config", "load_config", "config_from_mapping", "with_weights", "with_failing_units",
    "measure_dependents", "untranslated_texts", "map_point_layers", "measures_of", "layer_kinds",
    "Direction", "Normalisation", "MissingPolicy", "FailingUnits", "Aggregation", "BoundariesSpec", "StudySpec", "LayerSpec",
    "IndicatorSpec", "RuleSpec", "PillarSpec", "ModelSpec", "MapSpec", "OutputSpec", "PeriodSpec", "MIN_WEIGHT_SHARE", "UNIT_MEASURES",
]
