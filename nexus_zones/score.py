"""Scoring: weights, weighted arithmetic mean, rules, ranks and contributions.

* Weights must be finite and non-negative with a positive sum; they are rescaled to sum to 1 (an
  INFO line says so).
* ``score = 100 × Σ wᵢ·nᵢ`` over the normalised values ``nᵢ`` (0–1, higher is better); the
  contribution of indicator *i* is ``100 × wᵢ·nᵢ`` and the contributions sum to the score. A unit
  missing a value of a weighted indicator has no score.
* Rules are evaluated on raw values; a rule whose value is missing does not pass.
* Ranks are competition ranks ("1, 2, 2, 4") on the score, highest first, nationally and within
  each region; tied units are named in a warning. With ``failing_units='exclude'`` only units that
  pass every rule are ranked; with ``'flag'`` every scored unit is ranked and failures are marked.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from .errors import ConfigError, MissingValueWarning, Problem, TieWarning
from .rules import ParsedRule, evaluate

__all__ = ["check_weights", "weighted_scores", "evaluate_rules", "rank_units", "ScoreResult", "score_units"]

logger = logging.getLogger(__name__)

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


def weighted_scores(normalised: pd.DataFrame, weights: Mapping[str, float]) -> tuple[pd.Series, pd.DataFrame]:
    """Weighted arithmetic mean on a 0–100 scale, and each indicator's contribution.

    ``weights`` must already sum to 1 (see :func:`check_weights`). Indicators of weight 0 do not
    affect the score, even where their value is missing.
    """
    cols = list(weights)
    w = np.array([weights[c] for c in cols], dtype=float)
    values = normalised[cols].to_numpy(dtype=float)
    contrib = 100.0 * values * w
    contrib[:, w == 0] = 0.0
    score = contrib.sum(axis=1)
    missing = np.isnan(values[:, w > 0]).any(axis=1)
    score[missing] = np.nan
    contributions = pd.DataFrame(contrib, index=normalised.index, columns=cols)
    contributions[missing] = np.nan
    return pd.Series(score, index=normalised.index, name="score"), contributions


def evaluate_rules(rules: Mapping[str, ParsedRule], values: Mapping[str, pd.Series], index: pd.Index) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate every rule; return (passed, unknown) boolean frames, one column per rule."""
    passed = pd.DataFrame(index=index.copy())
    unknown = pd.DataFrame(index=index.copy())
    for name, rule in rules.items():
        passed[name], unknown[name] = evaluate(rule, values, index)
    return passed.astype(bool), unknown.astype(bool)


def rank_units(scores: pd.Series, eligible: pd.Series, groups: pd.Series | None = None) -> tuple[pd.Series, list[list[str]]]:
    """Competition ranks (highest score = 1) of the eligible units, within ``groups`` if given.

    Returns the ranks (NaN for units not ranked) and the groups of tied units.
    """
    ranks = pd.Series(np.nan, index=scores.index, dtype=float)
    ties: list[list[str]] = []
    keys = groups if groups is not None else pd.Series("", index=scores.index)
    mask = eligible & scores.notna()
    for _, ids in keys[mask].groupby(keys[mask], sort=True):
        sub = scores.loc[ids.index]
        # snap scores within the tolerance to one value before ranking
        snapped = (sub / TIE_TOLERANCE).round() * TIE_TOLERANCE
        r = snapped.rank(method="min", ascending=False)
        ranks.loc[sub.index] = r
        for _, same in snapped.groupby(snapped):
            if len(same) > 1:
                ties.append(sorted(same.index))
    return ranks, ties


@dataclass(frozen=True)
class ScoreResult:
    """Scores, ranks, rules and contributions of every unit (frames indexed by ``unit_id``)."""

    table: pd.DataFrame
    contributions: pd.DataFrame
    rules_passed: pd.DataFrame
    rules_unknown: pd.DataFrame
    weights: dict[str, float]


def score_units(
    normalised: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    regions: pd.Series,
    rules: Mapping[str, ParsedRule] | None = None,
    rule_values: Mapping[str, pd.Series] | None = None,
    failing_units: Literal["flag", "exclude"] = "flag",
    unit_names: Mapping[str, str] | None = None,
) -> ScoreResult:
    """Score, check rules and rank every unit.

    Returns a :class:`ScoreResult` whose ``table`` has ``score``, ``rank``, ``region_rank``,
    ``passes_rules``, ``failed_rules`` (rule names joined by ``"; "``, unknown ones marked
    ``"(no data)"``) and ``status``.
    """
    w = check_weights(weights)
    index = normalised.index
    score, contributions = weighted_scores(normalised, w)
    rules = dict(rules or {})
    passed, unknown = evaluate_rules(rules, rule_values or {}, index)
    passes = passed.all(axis=1) if rules else pd.Series(True, index=index)
    failed = [
        "; ".join(f"{r} (no data)" if unknown.at[u, r] else r for r in rules if not passed.at[u, r]) for u in index
    ]
    for r in rules:
        if unknown[r].any():
            who = ", ".join(_label(u, unit_names) for u in index[unknown[r]])
            warnings.warn(MissingValueWarning(f"rule {r}: no data to check it for {who}; counted as not passed"), stacklevel=2)
    eligible = passes if failing_units == "exclude" else pd.Series(True, index=index)
    rank, ties = rank_units(score, eligible)
    region_rank, _ = rank_units(score, eligible, regions.reindex(index).fillna(""))
    for group in ties:
        warnings.warn(
            TieWarning(f"units {', '.join(_label(u, unit_names) for u in group)} have the same score ({score[group[0]]:.4f}) and share rank {int(rank[group[0]])}"),
            stacklevel=2,
        )
    status = np.where(
        score.isna(), "not scored: missing data",
        np.where(rank.isna(), "not ranked: fails rules", np.where(passes, "ranked", "ranked, fails rules")),
    )
    table = pd.DataFrame(
        {
            "score": score,
            "rank": rank.astype("Int64"),
            "region_rank": region_rank.astype("Int64"),
            "passes_rules": passes.astype(bool),
            "failed_rules": failed,
            "status": status,
        },
        index=index,
    )
    logger.info(
        "score: %d units scored, %d ranked, %d pass every rule (%d rules), failing units %s",
        int(score.notna().sum()), int(rank.notna().sum()), int(passes.sum()), len(rules),
        "excluded from the ranking" if failing_units == "exclude" else "flagged",
    )
    return ScoreResult(table=table, contributions=contributions, rules_passed=passed, rules_unknown=unknown, weights=w)


def _label(unit: str, names: Mapping[str, str] | None) -> str:
    return f"{names[unit]} ({unit})" if names and unit in names else str(unit)
