"""nexus_zones: rank admin units for humanitarian-development-peace Nexus pilots.

layers → per-unit indicators → weighted model and pass/fail rules from a YAML config → ranking →
self-contained Folium map and tables.

>>> import nexus_zones
>>> result = nexus_zones.run("configs/demo.yaml", write=False)     # doctest: +SKIP
>>> result.rescore({"incidents": 1}).scores[["name", "score", "rank"]]  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from .config import Config, load_config
from .errors import ConfigError, InputDataError, NexusZonesError, NexusZonesWarning
from .pipeline import CheckReport, brief, check, compute, run
from .result import RunResult

__all__ = [
    "__version__",
    "Config",
    "load_config",
    "run",
    "compute",
    "check",
    "brief",
    "RunResult",
    "CheckReport",
    "NexusZonesError",
    "ConfigError",
    "InputDataError",
    "NexusZonesWarning",
]
