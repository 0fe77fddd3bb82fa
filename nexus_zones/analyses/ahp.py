"""The weights AHP derives from pairwise judgements (``model.ahp``), with its consistency figures.
The maths is :func:`nexus_zones.weights.ahp`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping

from pydantic import FiniteFloat

from .. import weights as weights_mod
from .base import Model

NAME = "ahp"
KEY = "model.ahp"
PHASE = "model"
Spec = dict[str, dict[str, FiniteFloat]] | None

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    level: str  # "pillars" or "indicators"
    weights: Mapping[str, float]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float

    def as_dict(self) -> dict:
        return {"level": self.level, "weights": dict(self.weights), "lambda_max": self.lambda_max,
                "consistency_index": self.consistency_index, "consistency_ratio": self.consistency_ratio}


def run(model: Model, spec: Spec) -> Result | None:
    if spec is None:
        return None
    pillars = [p.name for p in model.structure.pillars]
    a = weights_mod.ahp(pillars or model.indicators, spec)
    logger.info("AHP: consistency ratio %.3f (accepted up to 0.1)", a.consistency_ratio)
    return Result("pillars" if pillars else "indicators", a.weights, a.lambda_max, a.consistency_index, a.consistency_ratio)
