"""Two sources, one judgement (``triangulation``): where an indicator names other measures of the same
thing (``indicators.*.sources``), each source's value per unit, whether they agree, and the choice
under each source in turn: the rules that read the indicator and the ranks (rules first) recomputed
with that source alone. A unit whose rules or place among the first k change with the source is
said so, in both languages (:func:`nexus_zones.claims.source_rule`, :func:`~nexus_zones.claims.source_top`).

Under a source, every column the indicator reads (its measure and its sources) holds that source's
measure, so that a rule naming the measure (``incidents.count <= 5``) and one naming the indicator
read it alike, and the model's own stages (:attr:`Model.rank_measures`) rank the units.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd
from pydantic import Field

from .. import explain, indicators
from ..claims import Claim, SourceRuleFacts, SourceTopFacts, render, source_rule, source_top
from ..errors import NexusZonesWarning
from ..layers.base import _Strict
from ..legends import CATEGORIES, FAIL, PASS, esc, swatches
from ..messages import first_words, t
from ..rules import evaluate, parse_rule
from .base import Model

NAME = "triangulation"
KEY = "triangulation"
TABLES = ("sources",)
PHASE = "decision"


class Spec(_Strict):
    """How the sources of an indicator are compared (docs/analyses.md: "Two sources, one judgement")."""

    top_k: int = Field(5, ge=1, description="The k of 'among the first k' compared under each source.")
    labels: dict[str, str] = Field(
        default_factory=dict, description="What the sentences call each source, by measure, e.g. {incidents.count: ACLED, malilink.count: Malilink} (default: the layer's name)."
    )


@dataclass(frozen=True)
class Under:
    """The choice with one source of one indicator: each rule's outcome, rules failed, ranks."""

    indicator: str
    measure: str
    label: str
    values: pd.Series
    passed: pd.DataFrame
    failed: pd.Series
    ranks: pd.Series


@dataclass(frozen=True)
class Result:
    """``table``: the sources table (one row per unit and indicator with sources); ``under``: the
    choice under each source; ``claims``: each unit's sentences (rules, then top k), by unit id."""

    table: pd.DataFrame
    under: tuple[Under, ...]
    claims: Mapping[str, tuple[Claim, ...]]
    top_k: int
    labels: tuple[str, ...]


def run(model: Model, spec: Spec) -> Result | None:
    """``None`` when no indicator names sources."""
    defs = {n: d for n, d in model.indicator_defs.items() if d.sources}
    if not defs:
        return None
    rules = {name: parse_rule(expr) for name, expr in model.rules.items()}
    under = tuple(_under(model, name, d, m, _label(spec, m), rules) for name, d in defs.items() for m in d.measures)
    k = min(spec.top_k, int(model.table["rank"].notna().sum()))
    table = _table(model, defs, under, rules, spec, k)
    said = _claims(model, defs, under, rules, k)
    return Result(table, under, said, k, tuple(dict.fromkeys(u.label for u in under)))


def _label(spec: Spec, measure: str) -> str:
    return spec.labels.get(measure, measure.split(".", 1)[0])


def reads(rule, name: str, ind: indicators.IndicatorDef) -> bool:
    """Whether a parsed rule reads the indicator: its name or one of its measures."""
    return bool(set(rule.names) & {name, *ind.measures})


def _under(model: Model, name: str, ind: indicators.IndicatorDef, measure: str, label: str, rules: Mapping) -> Under:
    """The units' values, rules and ranks with ``measure`` alone standing for the indicator."""
    m = model.measures.copy()
    for col in ind.measures:
        m[col] = model.measures[measure]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NexusZonesWarning)  # reported for the model's own run
        values = indicators.derive(m, ind, name=name)
        lookup = dict(model.lookup) | {c: m[c] for c in ind.measures} | {name: values}
        index = model.measures.index
        passed = pd.DataFrame({r: evaluate(rule, lookup, index)[0] for r, rule in rules.items()}, index=index)
        ranks = model.rank_measures(m, {}).reindex(index)
    return Under(name, measure, label, values, passed, (~passed).sum(axis=1), ranks)


def agree(values: pd.Series, within: float | str) -> bool | None:
    """Whether a unit's sources agree: their spread at most ``within`` (a number: absolute; ``"20%"``:
    a share of the largest absolute value); ``None`` with fewer than two values."""
    known = values.dropna().astype(float)
    if len(known) < 2:
        return None
    spread = float(known.max() - known.min())
    if isinstance(within, str):
        tolerance = float(within.strip().rstrip("%").strip()) / 100 * float(known.abs().max())
    else:
        tolerance = float(within)
    return spread <= tolerance + 1e-9 * max(1.0, float(known.abs().max()))


def _table(model: Model, defs: Mapping, under: tuple[Under, ...], rules: Mapping, spec: Spec, k: int) -> pd.DataFrame:
    """One row per unit and indicator with sources: each source's value, the combined value, the
    spread, agreement; per rule reading the indicator its outcome under each source and whether it
    depends on the source; the rank, rules failed and place in the top k under each source."""
    rows = []
    within = {n: model.agree_within.get(n, 0.0) for n in defs}
    for unit in model.measures.index:
        for name, ind in defs.items():
            mine = [u for u in under if u.indicator == name]
            each = pd.Series({u.measure: u.values[unit] for u in mine})
            row: dict[str, Any] = {"unit_id": unit, "name": model.units.at[unit, "name"], "region": model.units.at[unit, "region"],
                                   "indicator": name, "combine": ind.combine}
            row |= {f"value {u.label}": u.values[unit] for u in mine}
            row |= {"combined": model.values.at[unit, name], "spread": float(each.max() - each.min()) if each.notna().any() else np.nan,
                    "agree": agree(each, within[name])}
            for r, rule in rules.items():
                if reads(rule, name, ind):
                    outcomes = [bool(u.passed.at[unit, r]) for u in mine]
                    row |= {f"{r} {u.label}": "pass" if o else "fail" for u, o in zip(mine, outcomes)}
                    row[f"{r} depends on source"] = len(set(outcomes)) > 1
            row |= {f"rank {u.label}": u.ranks[unit] for u in mine}
            row |= {f"rules failed {u.label}": int(u.failed[unit]) for u in mine} if rules else {}
            row |= {f"top {k} {u.label}": bool(u.ranks[unit] <= k) for u in mine}
            row[f"top {k} depends on source"] = len({bool(u.ranks[unit] <= k) for u in mine}) > 1
            rows.append(row)
    return pd.DataFrame(rows)


def _claims(model: Model, defs: Mapping, under: tuple[Under, ...], rules: Mapping, k: int) -> dict[str, tuple[Claim, ...]]:
    """Each unit's sentences: a rule whose outcome changes with the source, its place in the top k."""
    order = list(rules)
    ranked = int(model.table["rank"].notna().sum())
    out: dict[str, tuple[Claim, ...]] = {}
    for unit in model.measures.index:
        said: list[Claim] = []
        name_of = str(model.units.at[unit, "name"])
        for name, ind in defs.items():
            mine = [u for u in under if u.indicator == name]
            for r, rule in rules.items():
                if reads(rule, name, ind):
                    facts = SourceRuleFacts(name_of, order.index(r), [(u.label, float(u.values[unit]), bool(u.passed.at[unit, r])) for u in mine])
                    said.append(source_rule(facts))
            said.append(source_top(SourceTopFacts(name_of, k, [(u.label, float(u.ranks[unit])) for u in mine], ranked)))
        kept = tuple(c for c in said if c is not None)
        if kept:
            out[unit] = kept
    return out


def tables(result: Result) -> dict[str, pd.DataFrame]:
    return {"sources": result.table}


def brief(run, result: Result, language: str) -> str:
    """The brief's section: the units whose rules or place change with the source."""
    labels = explain.labels(run.plan, language)
    items = "".join(f"<li>{html.escape(render(c, language, labels))}</li>" for c in explain.source_claims(run))
    return f"<h2>{html.escape(t('sources_title', language))}</h2><ul>{items}</ul>" if items else ""


def unit_claims(run, result: Result, unit: str, decided: bool) -> list:
    """The unit's popup lines: a rule or a place among the first k that depends on the source (facts
    about the data, whatever the weights)."""
    return list(result.claims.get(unit, ()))


def views(run, result: Result, language: str) -> list[dict]:
    """The map's sources view: the units whose rules, or place among the first k, depend on which
    source an indicator reads, beside those on which the sources agree."""
    rules = {u for u, cs in result.claims.items() if any(c.key == "source_rule" for c in cs)}
    top = set(result.claims) - rules
    swatch = ((PASS, "sources_agree_item"), (FAIL, "sources_rules_item"), (CATEGORIES[5], "sources_top_item"))  # yellow: neither pass nor fail
    items = swatches((c, esc(t(k, language, first=first_words(result.top_k, language)))) for c, k in swatch)
    title = t("sources_legend", language, sources=", ".join(result.labels))
    return [{"id": "sources", "label": t("sources_view", language),
             "colours": lambda frame: [FAIL if u in rules else (CATEGORIES[5] if u in top else PASS) for u in frame.index],
             "legend": f'<div class="nz-legend-title">{esc(title)}</div>{items}'}]
