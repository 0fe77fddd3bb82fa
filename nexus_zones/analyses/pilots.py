"""A set of pilots chosen by integer programme (``pilots``), with the next-best sets. The maths is
:func:`nexus_zones.decision.choose_pilots`."""

from __future__ import annotations

import html
import logging
import warnings
from dataclasses import dataclass, field
from typing import Literal, Mapping

import numpy as np
import pandas as pd
from pydantic import Field, FiniteFloat

from .. import decision
from ..errors import DecisionWarning
from ..layers.base import _Strict
from ..rules import evaluate, parse_rule
from .. import explain
from ..claims import render
from ..legends import NO_DATA, PALETTE, esc, swatches
from ..messages import number, t
from .base import Model

NAME = "pilots"
KEY = "pilots"
TABLES = ("pilots",)  # the suffixes of the tables it writes
PHASE = "decision"

logger = logging.getLogger(__name__)


class Spec(_Strict):
    """A set of pilots chosen by integer programme (docs/analyses.md: "A set of pilots")."""

    k: int = Field(0, ge=0, le=50, description="Number of pilots to choose (0: none).")
    objective: Literal["score", "robust"] = Field("score", description="Maximise the total score, or the score times the share of draws in the top k (robust; needs robustness.draws).")
    only_passing: bool = Field(True, description="Choose only among units passing every rule.")
    require: list[str] = Field(default_factory=list, description="Further conditions on every pilot: rule names or expressions, e.g. actors.both.")
    region_min: int = Field(0, ge=0, description="At least this many pilots in every region that has a candidate.")
    region_max: int | None = Field(None, ge=1, description="At most this many pilots per region.")
    cost: str | None = Field(None, description="A measure (layer.measure) or indicator giving each unit's cost.")
    budget: FiniteFloat | None = Field(None, gt=0, description="The most the pilots' costs may add up to (needs cost).")
    min_distance_km: FiniteFloat | None = Field(None, gt=0, description="Least geodesic distance between the centroids (equal-area) of two pilots, in km.")
    alternatives: int = Field(3, ge=0, le=20, description="Next-best sets to list (no-good cuts).")


@dataclass(frozen=True)
class PilotSet:
    """One set of pilots: its number (1 = best), units (ids and names), total objective, gap to the
    best, the constraints that bind it, the units it adds and removes against the best (names), its cost."""

    number: int
    units: tuple[str, ...]
    names: tuple[str, ...]
    objective: float
    gap: float
    binding: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    cost: float


@dataclass(frozen=True)
class Result:
    """The sets (best first; none when no set satisfies the request), the objective maximised, the
    constraints asked, and why each unit left out could not be a pilot."""

    sets: tuple[PilotSet, ...]
    spec: Spec
    excluded: Mapping[str, str] = field(default_factory=dict)

    @property
    def best(self) -> PilotSet | None:
        return self.sets[0] if self.sets else None


def run(model: Model, spec: Spec) -> Result | None:
    if not spec.k:
        return None
    table = model.table
    ok, excluded = candidates(model, spec)
    objective = table.loc[ok, "score"].astype(float)
    robustness = model.earlier.get("robustness")
    if spec.objective == "robust" and robustness is not None:
        objective = objective * robustness.table["share_top_k"].reindex(objective.index).astype(float).fillna(0.0)
    cost = None
    if spec.cost:
        cost = (model.values[spec.cost] if spec.cost in model.values.columns else model.measures[spec.cost]).reindex(objective.index).astype(float)
        if spec.budget is not None:  # a budget cannot be checked on a unit of unknown cost
            excluded.update({u: f"no value of pilots.cost ({spec.cost})" for u in cost.index[cost.isna()]})
            objective, cost = objective[cost.notna()], cost[cost.notna()]
    _say_excluded(excluded, table["name"], len(objective))
    close: list = []
    if spec.min_distance_km:
        centroids = model.units.geometry.reindex(objective.index).to_crs("EPSG:6933").centroid.to_crs("EPSG:4326")
        close = decision.pairs_closer_than(pd.DataFrame({"lon": centroids.x, "lat": centroids.y}, index=objective.index), spec.min_distance_km)
    constraints = decision.PilotConstraints(k=spec.k, region_min=spec.region_min, region_max=spec.region_max, cost=cost, budget=spec.budget, too_close=tuple(close))
    chosen = decision.choose_pilots(objective, table["region"], constraints, alternatives=spec.alternatives)
    names = table["name"]
    sets = tuple(
        PilotSet(i + 1, tuple(s.units), tuple(str(names[u]) for u in s.units), s.objective, s.gap, tuple(s.binding),
                 tuple(str(names[u]) for u in s.added), tuple(str(names[u]) for u in s.removed),
                 float(cost.reindex(list(s.units)).sum(min_count=len(s.units))) if cost is not None else np.nan)
        for i, s in enumerate(chosen)
    )
    if not sets:
        warnings.warn(DecisionWarning(
            f"pilots: no set of {spec.k} pilots satisfies the request (proved by the integer programme): {decision.infeasible_why(objective, table['region'], constraints)}. "
            "Fix: loosen that constraint, or lower pilots.k"), stacklevel=2)
    logger.info("pilots: %d candidates, %s", len(objective), f"best set {'; '.join(sets[0].names)}" if sets else "no set satisfies the constraints")
    return Result(sets, spec, excluded)


def candidates(model: Model, spec: Spec) -> tuple[pd.Series, dict[str, str]]:
    """The units that may be pilots, and the reason each other unit may not (the first that applies)."""
    table, lookup = model.table, model.lookup
    reasons: dict[str, str] = {}
    ok = table["score"].notna()
    reasons.update({u: "not scored" for u in table.index[~ok]})
    if spec.only_passing:
        passing = table["passes_rules"].astype(bool)
        reasons.update({u: "fails a rule (pilots.only_passing)" for u in table.index[ok & ~passing]})
        ok &= passing
    for i, cond in enumerate(spec.require):
        expr = model.rules.get(cond, cond)
        held = pd.Series(evaluate(parse_rule(expr), lookup, table.index)[0], index=table.index).fillna(False).astype(bool)
        reasons.update({u: f"pilots.require[{i}] {cond!r} not met" for u in table.index[ok & ~held]})
        ok &= held
    return ok, reasons


def _say_excluded(excluded: Mapping[str, str], names: pd.Series, candidates: int) -> None:
    """One log line naming every unit left out of the pilot candidates, with its reason."""
    if not excluded:
        return
    by_reason: dict[str, list[str]] = {}
    for unit, why in excluded.items():
        by_reason.setdefault(why, []).append(f"{names.get(unit, unit)} ({unit})")
    said = "; ".join(f"{why}: {', '.join(units)}" for why, units in by_reason.items())
    logger.info("pilots: %d candidates; %d units left out: %s", candidates, len(excluded), said)
    cost_missing = [u for u, why in excluded.items() if why.startswith("no value of pilots.cost")]
    if cost_missing:
        warnings.warn(DecisionWarning(f"pilots: {len(cost_missing)} units have no cost and cannot be pilots under pilots.budget: "
                                      f"{', '.join(f'{names.get(u, u)} ({u})' for u in cost_missing)}. Fix: give them a cost in the cost's source, "
                                      "or drop pilots.budget"), stacklevel=3)


def tables(result: Result) -> dict[str, pd.DataFrame]:
    """The sets as written: lists joined with "; "."""
    rows = [{"set": s.number, "units": "; ".join(s.units), "names": "; ".join(s.names), "objective": s.objective, "gap": s.gap,
             "binding": "; ".join(s.binding), "added": "; ".join(s.added), "removed": "; ".join(s.removed), "cost": s.cost} for s in result.sets]
    return {"pilots": pd.DataFrame(rows, columns=["set", "units", "names", "objective", "gap", "binding", "added", "removed", "cost"])}


def brief(run, result: Result, language: str) -> str:
    """The brief's section: the chosen set in words, then each next-best set."""
    labels = explain.labels(run.plan, language)
    items = [html.escape(render(c, language, labels)) for c in explain.pilot_claims(run)]
    items += [html.escape(next_set(s, language)) for s in result.sets[1:]]
    return f"<h2>{html.escape(t('pilots', language))}</h2><ul>{''.join(f'<li>{x}</li>' for x in items) or html.escape(t('pilots_none', language))}</ul>"


def next_set(s: PilotSet, language: str) -> str:
    """A next-best set of pilots in words: its units, how much lower its total is, what it swaps."""
    names = (t("and", language) if len(s.names) == 2 else ", ").join(s.names)
    return t("pilots_next", language, n=s.number, names=names, gap=number(s.gap, language), added="; ".join(s.added), removed="; ".join(s.removed))


def views(run, result: Result, language: str) -> list[dict]:
    """The map's pilots view: the best set, the units of the other sets, the rest."""
    if result.best is None:
        return []
    best = set(result.best.units)
    others = {u for s in result.sets[1:] for u in s.units} - best
    items = swatches((c, esc(t(k, language))) for c, k in ((PALETTE[-2], "pilot_best"), (PALETTE[3], "pilot_alt"), (NO_DATA, "pilot_none")))
    return [{"id": "pilots", "label": t("pilots_view", language),
             "colours": lambda frame: [PALETTE[-2] if u in best else (PALETTE[3] if u in others else NO_DATA) for u in frame.index],
             "legend": f'<div class="nz-legend-title">{esc(t("pilots", language))}</div>{items}'}]
