"""Several stakeholders' weights (``stakeholders``): named sets, and participants' codes or files
pooled into one; each set ranks the units, and the units in the top k of every set are found.
The pooling and the codes are :mod:`nexus_zones.decision`."""

from __future__ import annotations

import html
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Mapping

import pandas as pd
from pydantic import Field

from .. import decision, load, score
from ..errors import InputDataError, NexusZonesWarning, Problem
from ..layers.base import Identifier, Text, Weight, _Strict
from ..rules import parse_rule
from .. import explain
from ..legends import colours_of, ramp
from ..messages import t
from .base import Model

NAME = "stakeholders"
KEY = "stakeholders"
TABLES = ("stakeholders",)  # the suffixes of the tables it writes
PHASE = "decision"

logger = logging.getLogger(__name__)


class Spec(_Strict):
    """Several stakeholders' weights, each ranked; codes from the map pooled into a set."""

    sets: dict[Identifier, dict[Identifier, Weight]] = Field(
        default_factory=dict, description="Named weight sets {set: {indicator: weight}}; an indicator a set does not name weighs 0 in it."
    )
    participants: list[str] = Field(
        default_factory=list, description="Weight codes (nz1.…, from the map's 'Copy my weights as a code') or JSON files the map saved, pooled into one set."
    )
    pool: Literal["mean", "median"] = Field("mean", description="How participants' weights (each rescaled to sum to 1) are pooled.")
    pooled_name: Identifier = Field("participants", description="Name of the pooled set.")
    top_k: int | None = Field(None, ge=1, description="The k of 'in the top k of every set' (default robustness.top_k).")
    labels: dict[Identifier, Text] = Field(
        default_factory=dict, description="What the map and the brief call each weight set (and the pooled set), plain or per language; default its name."
    )


@dataclass(frozen=True)
class Result:
    """Per unit: ``name``, ``region``, ``rank``, ``rank_<set>`` per set, ``sets_in_top_k``,
    ``in_top_k_every_set``; the weights of each set; the k."""

    table: pd.DataFrame
    weights: Mapping[str, Mapping[str, float]]
    top_k: int

    @property
    def sets(self) -> list[str]:
        return list(self.weights)


def run(model: Model, spec: Spec) -> Result | None:
    if not (spec.sets or spec.participants):
        return None
    k = int(spec.top_k)  # resolved when the config is built
    out = model.table[["name", "region", "rank"]].copy()
    rules = {name: parse_rule(expr) for name, expr in model.rules.items()}
    sets = weight_sets(spec, model.indicators, model.source)
    for name, weights in sets.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NexusZonesWarning)  # ties and unknown rules are reported for the model's own weights
            res = score.score_units(model.normalised, weights, regions=model.units["region"], rules=rules, rule_values=model.lookup,
                                    failing_units=model.failing_units, structure=model.structure, pillar_weights=model.pillar_weights)
        out[f"rank_{name}"] = res.table["rank"].reindex(out.index)
    in_top = pd.concat([(out[f"rank_{n}"].astype("Float64") <= k).fillna(False) for n in sets], axis=1)
    out["sets_in_top_k"] = in_top.sum(axis=1).astype(int)
    out["in_top_k_every_set"] = in_top.all(axis=1)
    agreed = int(out["in_top_k_every_set"].sum())
    logger.info("stakeholders: %d weight sets; %d unit%s in the top %d of every set", len(sets), agreed, "" if agreed == 1 else "s", k)
    return Result(out, sets, k)


def weight_sets(spec: Spec, indicators: list[str], source: str) -> dict[str, dict[str, float]]:
    """The named sets, and the participants' codes or files (relative to the config's folder) pooled into one."""
    sets = {name: {n: float(w.get(n, 0.0)) for n in indicators} for name, w in spec.sets.items()}
    codes = []
    base = Path(source).parent if source != "<config object>" else Path.cwd()
    for i, item in enumerate(spec.participants):
        if item.strip().lower().endswith(".json"):
            path, where = base / item.strip(), f"stakeholders.participants[{i}]"
            try:
                found = decision.weights_body(load.read_weights_file(path, key=where))
            except ValueError as exc:
                raise InputDataError(str(path), [Problem(f"{where} ({path})", str(exc), 'JSON {"w": {indicator: weight}} as the map saves it', "save the weights again from the map")]) from None
            unknown = [n for n in found["weights"] if n not in indicators]
            if unknown:
                raise InputDataError(str(path), [Problem(f"{where} ({path})", f"weights for {', '.join(unknown)}", f"weights for {', '.join(indicators)}",
                                                         "save the weights from this study's map")])
            codes.append(found)
        else:
            codes.append(decision.decode_weights(item))
    if codes:
        sets[spec.pooled_name] = decision.pool_weights([c["weights"] for c in codes], indicators, spec.pool)
    return sets


def tables(result: Result) -> dict[str, pd.DataFrame]:
    return {"stakeholders": result.table.rename_axis("unit_id").reset_index()}


def brief(run, result: Result, language: str) -> str:
    """The brief's section: the units in the top k of every set. Said only when weights matter."""
    if explain.rules_decide_top(run):
        return ""
    sets = [explain.set_label(run.plan, n, language) for n in result.sets]
    agreed = result.table.loc[result.table["in_top_k_every_set"], "name"].tolist()
    said = t("agreement_all", language, k=result.top_k, sets=", ".join(sets), names=", ".join(agreed) or t("none", language))
    return f"<h2>{html.escape(t('stakeholders', language))}</h2><p>{html.escape(said)}</p>"


def unit_claims(run, result: Result, unit: str, decided: bool) -> list:
    """The unit's popup claims: among the first k for n of the m sets (none when the rules decide the top k)."""
    said = None if decided else explain.agreement_claim(run, unit)
    return [said] if said is not None else []


def views(run, result: Result, language: str) -> list[dict]:
    """The map's agreement view: in how many weight sets' top k each unit is."""
    k, sets, counts = result.top_k, result.sets, result.table["sets_in_top_k"]
    named = ", ".join(explain.set_label(run.plan, n, language) for n in sets)
    return [{"id": "agreement", "label": t("agreement_view", language, k=k),
             "colours": lambda frame: colours_of([counts.get(u, 0) / max(len(sets), 1) for u in frame.index]),
             "legend": ramp(t("agreement_legend", language, sets=named, k=k), "0", str(len(sets)), False, 0, language)}]
