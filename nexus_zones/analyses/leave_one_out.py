"""How far each unit's rank moves when one indicator is left out (``robustness.leave_one_out``).

The maths is :func:`nexus_zones.sensitivity.leave_one_out`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import sensitivity
from . import robustness
from .base import Model

NAME = "leave_one_out"
KEY = "robustness"
TABLES = ("leave_one_out",)  # the suffixes of the tables it writes
PHASE = "model"
Spec = robustness.Spec  # its switch is robustness.leave_one_out


@dataclass(frozen=True)
class Result:
    """Per unit: its name and rank, its rank without each indicator, and ``max_shift``."""

    table: pd.DataFrame


def run(model: Model, spec: Spec) -> Result | None:
    """``None`` when off or fewer than 2 units are eligible."""
    eligible = model.eligible
    if not (spec.leave_one_out and eligible.sum() >= 2):
        return None
    cols = model.indicators
    ranks = sensitivity.leave_one_out(model.normalised[cols].to_numpy(dtype=float), model.weights, model.structure, eligible,
                                      index=model.normalised.index, pillar_weights=model.pillar_weights, failed=model.failed)
    return Result(pd.concat([model.table["name"], model.table["rank"], ranks], axis=1).reindex(model.table.index))


def tables(result: Result) -> dict[str, pd.DataFrame]:
    return {"leave_one_out": result.table.rename_axis("unit_id").reset_index()}


def unit_columns(result: Result) -> pd.DataFrame:
    return result.table[["max_shift"]].rename(columns={"max_shift": "loo_max_shift"})
