"""Scoring: weights, weighted arithmetic mean, rules, ranks and contributions.

* Weights must be finite and non-negative with a positive sum; they are rescaled to sum to 1 (an
  INFO line says so).
* ``score = 100 × Σ wᵢ·nᵢ`` over the normalised values ``nᵢ`` (0–1, higher is better); the
  contribution of indicator *i* is ``100 × wᵢ·nᵢ`` and the contributions sum to the score. A unit
  missing a value of a weighted indicator has no score.
* Rules are evaluated on raw values; a rule whose value is missing does not pass.
* Ranks are competition ranks ("1, 2, 2, 4") on the score, highest first, nationally and within
  each region; tied units are named in a warning. With ``failing_units='exclude'`` only units that
  pass every rule are ranked; with ``'flag'`` every scored unit is ranked and failures are marked;
  with ``'last'`` (rules first, as a mission reasons by criteria) every scored unit is ranked, units
  passing every rule first, then by the number of rules failed, then by score.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from .errors import ConfigError, MissingValueWarning, Problem, TieWarning
from .logs import stage_logger
from .rules import ParsedRule, evaluate

__all__ = [
    "AGGREGATIONS", "Pillar", "Structure", "check_weights", "composite", "split_weights", "weighted_scores",
    "evaluate_rules", "rank_units", "failed_counts", "ScoreResult", "score_units",
]

logger = stage_logger(__name__)  # INFO inside an analysis's draws is DEBUG (logs.inner)

#: Scores closer than this are treated as equal when ranking (floating-point noise).
TIE_TOLERANCE = 1e-9


def check_weights(weights: Mapping[str, float], *, source: str = "weights") -> dict[str, float]:
    """Validate weights and rescale them to sum to 1."""
    problems = []
    for name, w in weights.items():
        if not isinstance(w, (int, float)) or math.isnan(w) or math.isinf(w):
            problems.append(Problem(f"indicators.{name}.weight", repr(w), "a finite number"))
        elif w < 0:
            problems.append(Problem(f"indicators.{name}.weight", repr(w), "a number of 0 or more"))
    if not problems and sum(weights.values()) <= 0:
        problems.append(Problem("indicators.*.weight", "every weight is 0", "at least one positive weight"))
    if problems:
        raise ConfigError(source, problems)
    total = float(sum(weights.values()))
    rescaled = {k: float(w) / total for k, w in weights.items()}
    if not math.isclose(total, 1.0, rel_tol=1e-12):
        logger.info("weights sum to %g; rescaled to sum to 1: %s", total, ", ".join(f"{k}={v:.3f}" for k, v in rescaled.items()))
    return rescaled


#: Floor used by the geometric mean so that a 0 does not wipe out a unit's score (values are
#: mapped from [0, 1] to [GEOMETRIC_FLOOR, 1] before, and back after, the product).
GEOMETRIC_FLOOR = 0.01


def _combine(values: np.ndarray, w: np.ndarray, method: str) -> np.ndarray:
    """Aggregate normalised values with weights, for one or many weight draws at once.

    ``values``: units × items, or units × items × draws (0–1, no NaN); ``w``: items × draws, each
    column summing to 1. Returns units × draws on 0–1.

    * ``arithmetic``: Σ wᵢ·nᵢ (full compensation);
    * ``geometric``: Π (f + (1 − f)·nᵢ)^wᵢ mapped back to 0–1 with f = :data:`GEOMETRIC_FLOOR`
      (limited compensation: a weak item pulls the score down more);
    * ``topsis``: closeness d⁻/(d⁺ + d⁻) to the ideal (best value of each item among the units)
      and away from the anti-ideal, with weighted Euclidean distances (Hwang & Yoon 1981).
    """
    flat = values.ndim == 2
    if method == "arithmetic":
        return values @ w if flat else np.einsum("ukd,kd->ud", values, w)
    if method == "geometric":
        logs = np.log(GEOMETRIC_FLOOR + (1.0 - GEOMETRIC_FLOOR) * values)
        g = np.exp(logs @ w if flat else np.einsum("ukd,kd->ud", logs, w))
        return np.clip((g - GEOMETRIC_FLOOR) / (1.0 - GEOMETRIC_FLOOR), 0.0, 1.0)
    if method == "topsis":
        w2 = w**2
        best, worst = values.max(axis=0, keepdims=True), values.min(axis=0, keepdims=True)
        if flat:
            d_plus, d_minus = ((values - best) ** 2) @ w2, ((values - worst) ** 2) @ w2
        else:
            d_plus = np.einsum("ukd,kd->ud", (values - best) ** 2, w2)
            d_minus = np.einsum("ukd,kd->ud", (values - worst) ** 2, w2)
        d_plus, d_minus = np.sqrt(d_plus), np.sqrt(d_minus)
        total = d_plus + d_minus
        return np.divide(d_minus, total, out=np.ones_like(total), where=total > 0)
    raise ValueError(f"aggregation {method!r} is unknown; valid: {', '.join(AGGREGATIONS)}")


AGGREGATIONS = ("arithmetic", "geometric", "topsis")


@dataclass(frozen=True)
class Pillar:
    """A group of indicators scored together, with its weight among pillars and its aggregation."""

    name: str
    indicators: tuple[str, ...]
    weight: float
    aggregation: str = "arithmetic"


@dataclass(frozen=True)
class Structure:
    """How indicators become a score: one flat group, or pillars then an aggregation of pillars."""

    indicators: tuple[str, ...]
    aggregation: str = "arithmetic"
    pillars: tuple[Pillar, ...] = ()

    def groups(self) -> list[Pillar]:
        """The pillars, or one pillar holding every indicator."""
        return list(self.pillars) or [Pillar("all", self.indicators, 1.0, self.aggregation)]


def composite(values: np.ndarray, inner: np.ndarray, outer: np.ndarray | None, structure: Structure) -> tuple[np.ndarray, np.ndarray]:
    """Scores (0–1) of complete units for one or many weight draws.

    ``values``: units × indicators (in ``structure.indicators`` order, no NaN); ``inner``:
    indicators × draws, summing to 1 within each pillar (or overall); ``outer``: pillars × draws
    summing to 1 (``None`` without pillars). Returns the scores (units × draws) and the pillar
    scores (units × pillars × draws).
    """
    position = {name: i for i, name in enumerate(structure.indicators)}
    groups = structure.groups()
    pillar_scores = np.empty((values.shape[0], len(groups), inner.shape[1]))
    for p, group in enumerate(groups):
        idx = [position[n] for n in group.indicators]
        pillar_scores[:, p, :] = _combine(values[:, idx], inner[idx], group.aggregation)
    if not structure.pillars:
        return pillar_scores[:, 0, :], pillar_scores
    assert outer is not None
    return _combine(pillar_scores, outer, structure.aggregation), pillar_scores


def split_weights(weights: Mapping[str, float], structure: Structure, pillar_weights: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray | None, dict[str, float]]:
    """Inner weights (normalised within each pillar), pillar weights (normalised), and each
    indicator's effective weight (pillar weight × inner weight; they sum to 1)."""
    inner = np.zeros(len(structure.indicators))
    position = {name: i for i, name in enumerate(structure.indicators)}
    groups = structure.groups()
    outer_list = []
    for group in groups:
        idx = [position[n] for n in group.indicators]
        total = sum(weights[n] for n in group.indicators)
        inner[idx] = [weights[n] / total if total > 0 else 1.0 / len(idx) for n in group.indicators]
        outer_list.append((pillar_weights or {}).get(group.name, group.weight))
    outer = np.array(outer_list, dtype=float)
    outer = outer / outer.sum()
    effective = {}
    for group, wp in zip(groups, outer):
        for n in group.indicators:
            effective[n] = float(wp * inner[position[n]])
    return inner, (outer if structure.pillars else None), effective


def weighted_scores(
    normalised: pd.DataFrame,
    weights: Mapping[str, float],
    structure: Structure | None = None,
    pillar_weights: Mapping[str, float] | None = None,
) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """Scores on a 0–100 scale, each indicator's points, and the pillar scores.

    ``weights`` are relative within each pillar (or overall without pillars). An indicator's
    *points* are 100 × its effective weight × its normalised value: under the arithmetic mean they
    add up to the score; under the other aggregations they show what each indicator brings, not a
    decomposition. A unit missing a value of an indicator of positive weight has no score;
    indicators of weight 0 do not matter, even where missing.
    """
    structure = structure or Structure(tuple(weights))
    cols = list(structure.indicators)
    inner, outer, effective = split_weights(weights, structure, pillar_weights)
    values = normalised[cols].to_numpy(dtype=float)
    w_eff = np.array([effective[c] for c in cols])
    missing = np.isnan(values[:, w_eff > 0]).any(axis=1)
    complete = np.nan_to_num(values[~missing], nan=0.0)
    score = np.full(len(values), np.nan)
    pillars = np.full((len(values), len(structure.groups())), np.nan)
    if len(complete):
        s, ps = composite(complete, inner[:, None], None if outer is None else outer[:, None], structure)
        score[~missing] = 100.0 * s[:, 0]
        pillars[~missing] = 100.0 * ps[:, :, 0]
    points = pd.DataFrame(100.0 * values * w_eff, index=normalised.index, columns=cols)
    points.loc[:, w_eff == 0] = 0.0
    points[missing] = np.nan
    pillar_frame = pd.DataFrame(pillars, index=normalised.index, columns=[g.name for g in structure.groups()]) if structure.pillars else pd.DataFrame(index=normalised.index)
    return pd.Series(score, index=normalised.index, name="score"), points, pillar_frame


def evaluate_rules(rules: Mapping[str, ParsedRule], values: Mapping[str, pd.Series], index: pd.Index) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate every rule; return (passed, unknown) boolean frames, one column per rule."""
    passed = pd.DataFrame(index=index.copy())
    unknown = pd.DataFrame(index=index.copy())
    for name, rule in rules.items():
        passed[name], unknown[name] = evaluate(rule, values, index)
    return passed.astype(bool), unknown.astype(bool)


def rank_units(
    scores: pd.Series, eligible: pd.Series, groups: pd.Series | None = None, *, failed: pd.Series | None = None
) -> tuple[pd.Series, list[list[str]]]:
    """Competition ranks (highest score = 1) of the eligible units, within ``groups`` if given.

    With ``failed`` (the number of rules each unit fails), units are ordered by it first (fewest
    first), then by score: rules first. Returns the ranks (NaN for units not ranked) and the groups
    of tied units (same number of rules failed and same score).
    """
    ranks = pd.Series(np.nan, index=scores.index, dtype=float)
    ties: list[list[str]] = []
    keys = groups if groups is not None else pd.Series("", index=scores.index)
    mask = eligible & scores.notna()
    for _, ids in keys[mask].groupby(keys[mask], sort=True):
        sub = scores.loc[ids.index]
        # snap scores within the tolerance to one value before ranking
        snapped = (sub / TIE_TOLERANCE).round() * TIE_TOLERANCE
        fails = (failed.reindex(sub.index).fillna(0).astype(float) if failed is not None else pd.Series(0.0, index=sub.index))
        ranks.loc[sub.index] = _lexicographic_ranks(fails.to_numpy(), snapped.to_numpy())
        for _, same in snapped.groupby([fails, snapped]):
            if len(same) > 1:
                ties.append(sorted(same.index))
    return ranks, ties


def _lexicographic_ranks(fails: np.ndarray, snapped: np.ndarray) -> np.ndarray:
    """Competition ranks: 1 + the number of units with fewer rules failed, or as many and a higher score."""
    better = (fails[None, :] < fails[:, None]) | ((fails[None, :] == fails[:, None]) & (snapped[None, :] > snapped[:, None]))
    return 1.0 + better.sum(axis=1)


def failed_counts(passed: pd.DataFrame) -> pd.Series:
    """The number of rules each unit fails (a rule without data counts as failed)."""
    return (~passed.astype(bool)).sum(axis=1).astype(int) if passed.shape[1] else pd.Series(0, index=passed.index, dtype=int)


@dataclass(frozen=True)
class ScoreResult:
    """Scores, ranks, rules and contributions of every unit (frames indexed by ``unit_id``)."""

    table: pd.DataFrame
    contributions: pd.DataFrame
    rules_passed: pd.DataFrame
    rules_unknown: pd.DataFrame
    weights: dict[str, float]
    pillars: pd.DataFrame = field(default_factory=pd.DataFrame)
    structure: Structure | None = None
    eligible: pd.Series | None = None


def score_units(
    normalised: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    regions: pd.Series,
    rules: Mapping[str, ParsedRule] | None = None,
    rule_values: Mapping[str, pd.Series] | None = None,
    failing_units: Literal["flag", "exclude", "last"] = "flag",
    unit_names: Mapping[str, str] | None = None,
    structure: Structure | None = None,
    pillar_weights: Mapping[str, float] | None = None,
) -> ScoreResult:
    """Score, check rules and rank every unit.

    Returns a :class:`ScoreResult` whose ``table`` has ``score``, ``rank``, ``region_rank``,
    ``passes_rules``, ``failed_rules`` (rule names joined by ``"; "``, unknown ones marked
    ``"(no data)"``) and ``status``.
    """
    structure = structure or Structure(tuple(weights))
    w = check_weights(weights)
    index = normalised.index
    score, contributions, pillar_scores = weighted_scores(normalised, w, structure, pillar_weights)
    _, _, effective = split_weights(w, structure, pillar_weights)
    rules = dict(rules or {})
    passed, unknown = evaluate_rules(rules, rule_values or {}, index)
    passes = passed.all(axis=1) if rules else pd.Series(True, index=index)
    failed = _failed_rule_names(rules, passed, unknown, index)
    _warn_rules_without_data(rules, unknown, index, unit_names)
    eligible = passes if failing_units == "exclude" else pd.Series(True, index=index)
    n_failed = failed_counts(passed) if rules else pd.Series(0, index=index, dtype=int)
    rank, region_rank = _ranks(score, eligible, regions.reindex(index).fillna(""), n_failed if failing_units == "last" else None, unit_names)
    table = _score_table(score, rank, region_rank, passes, failed, n_failed)
    logger.info(
        "score: %d units scored, %d ranked, %d pass every rule (%d rules), failing units %s",
        int(score.notna().sum()), int(rank.notna().sum()), int(passes.sum()), len(rules),
        {"exclude": "excluded from the ranking", "last": "ranked after every unit passing all rules"}.get(failing_units, "flagged"),
    )
    return ScoreResult(
        table=table, contributions=contributions, rules_passed=passed, rules_unknown=unknown, weights=effective,
        pillars=pillar_scores, structure=structure, eligible=eligible & score.notna(),
    )


def _failed_rule_names(rules: Mapping[str, ParsedRule], passed: pd.DataFrame, unknown: pd.DataFrame, index: pd.Index) -> list[str]:
    """Per unit, the rules it does not pass joined by ``"; "``, those it has no data for marked ``"(no data)"``."""
    return [
        "; ".join(f"{r} (no data)" if unknown.at[u, r] else r for r in rules if not passed.at[u, r]) for u in index
    ]


def _warn_rules_without_data(rules: Mapping[str, ParsedRule], unknown: pd.DataFrame, index: pd.Index, unit_names: Mapping[str, str] | None) -> None:
    """Warn, rule by rule, of the units it has no data to check (counted as not passed)."""
    for r in rules:
        if unknown[r].any():
            who = ", ".join(_label(u, unit_names) for u in index[unknown[r]])
            warnings.warn(MissingValueWarning(f"rule {r}: no data to check it for {who}; counted as not passed"), stacklevel=3)


def _ranks(score: pd.Series, eligible: pd.Series, regions: pd.Series, order_by: pd.Series | None, unit_names: Mapping[str, str] | None) -> tuple[pd.Series, pd.Series]:
    """National and within-region ranks of the eligible units, warning of each group of units sharing a rank."""
    rank, ties = rank_units(score, eligible, failed=order_by)
    region_rank, _ = rank_units(score, eligible, regions, failed=order_by)
    for group in ties:
        warnings.warn(
            TieWarning(f"units {', '.join(_label(u, unit_names) for u in group)} have the same score ({score[group[0]]:.4f}) and share rank {int(rank[group[0]])}"),
            stacklevel=3,
        )
    return rank, region_rank


def _score_table(score: pd.Series, rank: pd.Series, region_rank: pd.Series, passes: pd.Series, failed: list[str], n_failed: pd.Series) -> pd.DataFrame:
    """The per-unit table: score, ranks, rules passed or failed, and the unit's status in words."""
    status = np.where(
        score.isna(), "not scored: missing data",
        np.where(rank.isna(), "not ranked: fails rules", np.where(passes, "ranked", "ranked, fails rules")),
    )
    return pd.DataFrame(
        {
            "score": score,
            "rank": rank.astype("Int64"),
            "region_rank": region_rank.astype("Int64"),
            "passes_rules": passes.astype(bool),
            "failed_rules": failed,
            "status": status,
            "rules_failed_count": n_failed.astype(int),
        },
        index=score.index,
    )


def _label(unit: str, names: Mapping[str, str] | None) -> str:
    return f"{names[unit]} ({unit})" if names and unit in names else str(unit)
