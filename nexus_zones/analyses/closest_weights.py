"""The weights behind a choice (``decision``): for each focus unit (and the top of each region), the
closest weights that put it first, nationally and in its region, and the share of the weight space
where it is first. The maths is :func:`nexus_zones.decision.weights_behind_choices`."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import pandas as pd
from pydantic import Field

from .. import decision
from .. import typology as typology_maths
from ..layers.base import _Strict
from .. import explain
from ..claims import render
from ..messages import t
from .base import Model

NAME = "closest_weights"
KEY = "decision"
TABLES = ("closest_weights",)  # the suffixes of the tables it writes
PHASE = "decision"

logger = logging.getLogger(__name__)


class Spec(_Strict):
    """The weights behind a choice (docs/analyses.md: "The weights behind a choice")."""

    focus: list[str] = Field(default_factory=list, description="Units (id or name, e.g. ML0602 or Diré) for which to find the closest weights that put them first.")
    region_top: int = Field(0, ge=0, le=10, description="Also analyse the top n units of each region (0: only the focus units; none of either: no analysis).")
    draws: int = Field(2000, ge=100, le=200_000, description="Uniform Dirichlet draws for the share of the weight space where a unit is first (and the search of geometric/TOPSIS).")
    seed: int = Field(2018, ge=0, le=2**32 - 1, description="Seed of those draws (0 to 4294967295).")


@dataclass(frozen=True)
class Result:
    """One row per unit analysed and scope (``unit_id``, ``name``, ``region``, ``scope``, ``status``,
    ``share_first``, ``weight_moved``, ``method``, ``config_<indicator>``, ``closest_<indicator>``)."""

    table: pd.DataFrame
    draws: int
    seed: int


def focus_units(spec: Spec, table: pd.DataFrame) -> list[str]:
    """The focus units (ids or names), then the top ``region_top`` of each region."""
    units = [typology_maths.find_unit(ref, table["name"], key=f"decision.focus[{i}]") for i, ref in enumerate(spec.focus)]
    top = table[table["region_rank"].notna() & (table["region_rank"].astype("Float64") <= spec.region_top)]
    return list(dict.fromkeys(units + list(top.index)))


def run(model: Model, spec: Spec) -> Result | None:
    table = model.table
    focus = focus_units(spec, table)
    if not focus:
        return None
    failed = model.scored.table["rules_failed_count"] if model.failing_units == "last" else None
    out = decision.weights_behind_choices(model.normalised, model.scored.weights, model.structure, ranked=table["rank"].notna(), regions=table["region"],
                                          units=focus, failed=failed, seed=spec.seed, draws=spec.draws)
    out.insert(1, "name", table["name"].reindex(out["unit_id"]).to_numpy())
    out.insert(2, "region", table["region"].reindex(out["unit_id"]).to_numpy())
    methods = out["method"].replace("", pd.NA).dropna()
    logger.info("weights behind a choice: %d units × national and region (%s)", len(focus), methods.iloc[0] if len(methods) else "-")
    return Result(out, spec.draws, spec.seed)


def tables(result: Result) -> dict[str, pd.DataFrame]:
    return {"closest_weights": result.table}


def brief(run, result: Result, language: str) -> str:
    """The brief's section: what it would take for each unit analysed to be first. Said only
    when weights matter (when the rules decide the top k, they settle it)."""
    if explain.rules_decide_top(run):
        return ""
    labels = explain.labels(run.plan, language)
    said = [c for unit in dict.fromkeys(result.table["unit_id"]) for c in explain.choice_claims(run, unit)]
    method = next((m for m in result.table["method"] if m and m != "rules first"), "")
    items = "".join(f"<li>{html.escape(render(c, language, labels))}</li>" for c in said)
    return (f"<h2>{html.escape(t('choices', language))}</h2><ul>{items}</ul>"
            f"<p class='meta'>{html.escape(t('choices_method', language, method=method, draws=result.draws, seed=result.seed))}</p>")


def unit_claims(run, result: Result, unit: str, decided: bool) -> list:
    """The unit's popup claims: what it would take for it to be first (none when the rules decide the top k)."""
    return [] if decided else explain.choice_claims(run, unit)
