"""The analyses beside the score, as plug-ins: one module each, one line in :data:`ANALYSES`.

Each module owns its config key's ``Spec``, a pure ``run(model, spec)`` over the scored model
(:class:`~nexus_zones.analyses.base.Model`) and what it adds to the outputs (see
:mod:`nexus_zones.analyses.base`). The config, the pipeline, the report and the map iterate
:data:`ANALYSES`; none of them names an analysis to run or write it.
"""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType
from typing import Any, Mapping

import pandas as pd

from . import ahp, closest_weights, compared_weights, data_uncertainty, leave_one_out, pilots, robustness, stakeholders, triangulation, typology
from .base import Model

__all__ = ["ANALYSES", "TABLES", "Model", "run_phase", "tables", "unit_columns", "page", "views", "brief", "unit_claims"]

#: Every analysis, in the order they run (an analysis may read the results of those before it).
ANALYSES: dict[str, ModuleType] = {
    m.NAME: m
    for m in (robustness, leave_one_out, compared_weights, ahp, typology, closest_weights, pilots, stakeholders, triangulation, data_uncertainty)
}

#: The suffixes of every table an analysis may write (``<study>_<suffix>.csv``).
TABLES: tuple[str, ...] = tuple(s for a in ANALYSES.values() for s in getattr(a, "TABLES", ()))


def run_phase(model: Model, specs: Mapping[str, Any], phase: str) -> tuple[dict[str, Any], Model]:
    """Run the analyses of ``phase`` in order, each on the model with the unit columns of those
    before it; return their results (only those that ran) and the model with every unit column."""
    found: dict[str, Any] = {}
    for name, analysis in ANALYSES.items():
        if analysis.PHASE != phase:
            continue
        result = analysis.run(replace(model, earlier={**model.earlier, **found}), specs[name])
        if result is None:
            continue
        found[name] = result
        columns = unit_columns(name, result)
        if columns is not None:
            model = replace(model, table=model.table.join(columns.reindex(model.table.index)))
    return found, model


def unit_columns(name: str, result: Any) -> pd.DataFrame | None:
    contribute = getattr(ANALYSES[name], "unit_columns", None)
    return contribute(result) if contribute is not None else None


def tables(results: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Every table the analyses that ran write, by suffix (``<study>_<suffix>.csv``)."""
    out: dict[str, pd.DataFrame] = {}
    for name, result in results.items():
        contribute = getattr(ANALYSES[name], "tables", None)
        if contribute is not None:
            written = contribute(result)
            assert set(written) <= set(ANALYSES[name].TABLES), f"analysis {name} writes tables it does not list in TABLES"
            out.update(written)
    return out


def page(results: Mapping[str, Any]) -> dict[str, Any]:
    """What each analysis that ran gives the page (the payload's ``analyses``), by name."""
    out: dict[str, Any] = {}
    for name, result in results.items():
        contribute = getattr(ANALYSES[name], "page", None)
        if contribute is not None:
            out[name] = contribute(result)
    return out


def views(run: Any, language: str) -> list[dict]:
    """The map's views of the analyses that ran, in the registry's order (``run``: the RunResult):
    each a dict ``{"id", "label", "colours", "legend"}``, ``colours`` a function of the scores table (each unit's colour, in its order)."""
    out: list[dict] = []
    for name, analysis in ANALYSES.items():
        contribute = getattr(analysis, "views", None)
        if contribute is not None and name in run.analyses:
            out += contribute(run, run.analyses[name], language)
    return out


def brief(run: Any, language: str) -> str:
    """The brief's sections of the analyses that ran, in the registry's order (``run``: the RunResult)."""
    parts = []
    for name, result in run.analyses.items():
        contribute = getattr(ANALYSES[name], "brief", None)
        section = contribute(run, result, language) if contribute is not None else ""
        if section:
            parts.append(section)
    return "\n".join(parts)


def unit_claims(run: Any, unit: str, decided: bool) -> list:
    """A unit's claims from the analyses that ran (the popup's decision lines), in the registry's
    order; ``decided``: whether the rules decide the top k (then no weight-based finding is said)."""
    out: list = []
    for name, result in run.analyses.items():
        contribute = getattr(ANALYSES[name], "unit_claims", None)
        if contribute is not None:
            out += contribute(run, result, unit, decided)
    return out
