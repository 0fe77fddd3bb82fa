"""The expert weights beside data-driven ones (entropy, CRITIC, PCA) and the ranks each gives
(``model.compare_weights``). The weighting maths is :mod:`nexus_zones.weights`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .. import score, sensitivity
from .. import weights as weights_mod
from .base import Model

NAME = "compared_weights"
KEY = "model.compare_weights"
TABLES = ("weights", "ranks_by_weights")  # the suffixes of the tables it writes
PHASE = "model"
Spec = list[Literal["entropy", "critic", "pca"]]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    """``weights``: one row per indicator, a column per method (``expert`` first); ``ranks``: per
    unit its name, its rank and its rank under each method's weights (``rank_<method>``)."""

    weights: pd.DataFrame
    ranks: pd.DataFrame


def run(model: Model, spec: Spec) -> Result | None:
    """``None`` when not asked for or fewer than 3 eligible units have every indicator."""
    cols = model.indicators
    index = model.normalised.index
    complete = model.normalised[cols].notna().all(axis=1).to_numpy() & model.eligible
    if not (spec and complete.sum() >= 3):
        return None
    failed = model.failed
    matrix = model.normalised[cols].to_numpy(dtype=float)[complete]
    table_w = pd.DataFrame({"expert": pd.Series(model.scored.weights)}).reindex(cols)
    for method in spec:
        table_w[method] = weights_mod.DATA_METHODS[method](matrix)
    flat = score.Structure(tuple(cols), model.structure.aggregation)
    ranks = pd.DataFrame(index=index.copy())
    for method in table_w.columns:
        s, _ = score.composite(matrix, table_w[method].to_numpy()[:, None], None, flat)
        r = np.full(len(index), np.nan)
        r[complete] = sensitivity.rank_draws(s, np.ones(int(complete.sum()), dtype=bool), None if failed is None else failed[complete])[:, 0]
        ranks[f"rank_{method}"] = r
    logger.info("weights compared: expert and %s; ranks side by side in the weights table", ", ".join(spec))
    ranks = pd.concat([model.table["name"], model.table["rank"], ranks], axis=1).reindex(model.table.index)
    return Result(table_w.rename_axis("indicator"), ranks)


def tables(result: Result) -> dict[str, pd.DataFrame]:
    return {"weights": result.weights.reset_index(), "ranks_by_weights": result.ranks.rename_axis("unit_id").reset_index()}
