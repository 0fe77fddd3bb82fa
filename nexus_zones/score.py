"""Scoring: weights, the model tree, rules, ranks and contributions.

* Weights must be finite and non-negative with a positive sum (an INFO line gives their shares);
  each is relative among its siblings in the model tree (:class:`Structure`, evaluated by
  :func:`nexus_zones.tree.evaluate`: indicators → pillars of any depth → the score, each node with
  its own rule).
* Under the arithmetic mean ``score = 100 × Σ wᵢ·nᵢ`` over the normalised values ``nᵢ`` (0–1, higher
  is better) with the effective weights ``wᵢ`` (the product of the shares on the path to the root);
  the contribution of indicator *i* is ``100 × wᵢ·nᵢ`` and the contributions sum to the score. A
  unit missing a value of a weighted indicator has no score, unless the indicator is ``skip``: its
  node's ``missing`` policy decides.
* Rules are evaluated on raw values; a rule whose value is missing does not pass.
* Ranks are competition ranks ("1, 2, 2, 4") on the score, highest first, nationally and within
  each region; tied units are named in a warning. With ``failing_units='exclude'`` only units that
  pass every rule are ranked; with ``'flag'`` every scored unit is ranked and failures are marked;
  with ``'last'`` (rules first, as a mission reasons by criteria) every scored unit is ranked, units
  passing every rule first, then by the number of rules failed, then by score.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Callable, Literal, Mapping

import numpy as np
import pandas as pd

from . import tree as tree_mod
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


AGGREGATIONS = ("arithmetic", "geometric", "topsis")


#: The name of the tree's root node (the score); no pillar may take it.
ROOT = "score"


@dataclass(frozen=True)
class Pillar:
    """A node of the model tree below the root: its indicators, its weight among its siblings, its
    rule, and the node it hangs from (``None``: the root)."""

    name: str
    indicators: tuple[str, ...]
    weight: float
    aggregation: str = "arithmetic"
    parent: str | None = None
    missing: str = "exclude"
    offset: float = tree_mod.DEFAULT_OFFSET
    factor: float = 1.0


@dataclass(frozen=True)
class Structure:
    """How indicators become a score: a tree (:mod:`nexus_zones.tree`) whose root is the score, with
    the root's rule (``aggregation``, ``missing``, ``offset``) and its nodes (``pillars``, each
    naming its parent). A flat model is a root holding every indicator; pillars without a parent
    are today's one level. ``factors``: indicators' factors under ``max`` and ``min``; ``skip``:
    indicators whose missing values are left to their node's ``missing`` policy."""

    indicators: tuple[str, ...]
    aggregation: str = "arithmetic"
    pillars: tuple[Pillar, ...] = ()
    missing: str = "exclude"
    offset: float = tree_mod.DEFAULT_OFFSET
    factors: Mapping[str, float] = field(default_factory=dict, compare=False)
    skip: tuple[str, ...] = ()

    def groups(self) -> list[Pillar]:
        """The pillars, or one pillar holding every indicator."""
        return list(self.pillars) or [Pillar("all", self.indicators, 1.0, self.aggregation)]

    @functools.cached_property
    def tree(self) -> tree_mod.Tree:
        """The structure as a validated tree (weights are passed to :func:`composite` each time)."""
        root = tree_mod.Node(ROOT, (), self.aggregation, self.missing, self.offset)
        nodes = [(tree_mod.Node(p.name, p.indicators, p.aggregation, p.missing, p.offset), p.parent) for p in self.pillars]
        holder = {n: p.name for p in self.pillars for n in p.indicators}
        factors = {**dict(self.factors), **{p.name: p.factor for p in self.pillars}}
        return tree_mod.build_tree(root, nodes, {n: holder.get(n) for n in self.indicators}, factors=factors)

    def below(self, name: str) -> tuple[str, ...]:
        """The indicators under a node (itself for an indicator)."""
        node = self.tree.nodes.get(name)
        return (name,) if node is None else tuple(i for c in node.children for i in self.below(c))

    def with_aggregation(self, method: str) -> "Structure":
        """The same tree with every node's rule replaced (the robustness draws' alternatives)."""
        return replace(self, aggregation=method, pillars=tuple(replace(p, aggregation=method) for p in self.pillars))

    def without(self, name: str, keep: Callable[[str], bool] = lambda n: True) -> "Structure":
        """The tree without an indicator or a node (and all it holds); a node left with no
        indicator that ``keep`` accepts is dropped, with the indicators it held."""
        gone = self._under(name)
        alive = {p.name for p in self.pillars if p.name not in gone and any(keep(n) and n not in gone for n in self.below(p.name))}
        pillars = tuple(replace(p, indicators=tuple(n for n in p.indicators if n not in gone)) for p in self.pillars if p.name in alive)
        holder = {n: p.name for p in self.pillars for n in p.indicators}
        kept = tuple(n for n in self.indicators if n not in gone and (n not in holder or holder[n] in alive))
        return replace(self, indicators=kept, pillars=pillars, skip=tuple(n for n in self.skip if n in kept))

    def _under(self, name: str) -> set[str]:
        """A child's name and every name below it (nodes and indicators)."""
        node = self.tree.nodes.get(name)
        return {name} | (set() if node is None else {x for c in node.children for x in self._under(c)})


def composite(
    values: np.ndarray, inner: np.ndarray, outer: np.ndarray | None, structure: Structure, *, nodes: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Scores (0–1) for one or many weight draws, through the structure's tree.

    ``values``: units × indicators (in ``structure.indicators`` order; NaN only in ``skip``
    indicators, for their node's ``missing`` policy); ``inner``: indicators × draws, ``outer``:
    pillars × draws (``None`` without pillars), each child's weight relative among its siblings.
    Returns the scores (units × draws, NaN where the root has no value) and the node scores
    (units × pillars × draws, or units × 1 × draws holding the score without pillars; ``None``
    with ``nodes=False``: each node is then let go once its parent has its value).
    """
    weights = {n: inner[i] for i, n in enumerate(structure.indicators)}
    if outer is not None:
        weights |= {p.name: outer[j] for j, p in enumerate(structure.pillars)}
    columns = {n: values[:, i] for i, n in enumerate(structure.indicators)}
    found = tree_mod.evaluate(structure.tree, columns, weights, keep=None if nodes else [ROOT])
    score = found[ROOT]
    if not nodes:
        return score, None
    if not structure.pillars:
        return score, score[:, None, :]
    return score, np.stack([found[p.name] for p in structure.pillars], axis=1)


def split_weights(weights: Mapping[str, float], structure: Structure, pillar_weights: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray | None, dict[str, float]]:
    """Each child's weight rescaled to sum to 1 among its siblings (a node whose children all
    weigh 0 gives them equal weights): the indicators' (``inner``, within their node), the pillars'
    (``outer``; ``None`` without pillars), and each indicator's effective weight (the product of
    the weights on its path to the root; they sum to 1)."""
    raw = {n: float(weights[n]) for n in structure.indicators}
    raw |= {p.name: float((pillar_weights or {}).get(p.name, p.weight)) for p in structure.pillars}
    t = structure.tree
    share: dict[str, float] = {}
    for node in t.nodes.values():
        total = sum(raw[c] for c in node.children)
        for c in node.children:
            share[c] = raw[c] / total if total > 0 else 1.0 / len(node.children)
    path = {name: 1.0 for name in (ROOT,)}
    for name in reversed(t.order):  # parents before children
        for c in t.nodes[name].children:
            path[c] = path[name] * share[c]
    inner = np.array([share[n] for n in structure.indicators])
    outer = np.array([share[p.name] for p in structure.pillars]) if structure.pillars else None
    return inner, outer, {n: path[n] for n in structure.indicators}


def complete_values(values: np.ndarray, structure: Structure) -> np.ndarray:
    """``values`` (units × indicators) with missing values set to 0, except those of ``skip``
    indicators (left to their node's ``missing`` policy)."""
    skip = np.array([n in structure.skip for n in structure.indicators], dtype=bool)
    return np.where(np.isnan(values) & ~skip[None, :], 0.0, values)


def weighted_scores(
    normalised: pd.DataFrame,
    weights: Mapping[str, float],
    structure: Structure | None = None,
    pillar_weights: Mapping[str, float] | None = None,
) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """Scores on a 0–100 scale, each indicator's points, and the scores of the nodes below the root.

    ``weights`` are relative among siblings (within each pillar, or overall without pillars). An
    indicator's *points* are 100 × its effective weight × its normalised value: under the
    arithmetic mean they add up to the score; under the other rules they show what each indicator
    brings, not a decomposition. A unit missing a value of an indicator of positive weight has no
    score, unless the indicator is ``skip``: its node's ``missing`` policy decides; indicators of
    weight 0 do not matter, even where missing.
    """
    structure = structure or Structure(tuple(weights))
    cols = list(structure.indicators)
    inner, outer, effective = split_weights(weights, structure, pillar_weights)
    values = normalised[cols].to_numpy(dtype=float)
    w_eff = np.array([effective[c] for c in cols])
    counted = (w_eff > 0) & ~np.isin(cols, structure.skip)
    missing = np.isnan(values[:, counted]).any(axis=1)
    complete = complete_values(values[~missing], structure)
    score = np.full(len(values), np.nan)
    pillars = np.full((len(values), len(structure.groups())), np.nan)
    if len(complete):
        s, ps = composite(complete, inner[:, None], None if outer is None else outer[:, None], structure)
        score[~missing] = 100.0 * s[:, 0]
        pillars[~missing] = 100.0 * ps[:, :, 0]
    points = pd.DataFrame(100.0 * values * w_eff, index=normalised.index, columns=cols)
    points.loc[:, w_eff == 0] = 0.0
    points[missing | np.isnan(score)] = np.nan
    pillar_frame = pd.DataFrame(pillars, index=normalised.index, columns=[g.name for g in structure.groups()]) if structure.pillars else pd.DataFrame(index=normalised.index)
    return pd.Series(score, index=normalised.index, name="score"), points, pillar_frame


def evaluate_rules(rules: Mapping[str, ParsedRule], values: Mapping[str, pd.Series], index: pd.Index) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate every rule; return (passed, unknown) boolean frames, one column per rule."""
    found = {name: evaluate(rule, values, index) for name, rule in rules.items()}  # framed once: inserting column by column is slow
    passed = pd.DataFrame({name: p.to_numpy(dtype=bool) for name, (p, _) in found.items()}, index=index.copy(), dtype=bool)
    unknown = pd.DataFrame({name: u.to_numpy(dtype=bool) for name, (_, u) in found.items()}, index=index.copy(), dtype=bool)
    return passed, unknown


def rank_units(
    scores: pd.Series, eligible: pd.Series, groups: pd.Series | None = None, *, failed: pd.Series | None = None
) -> tuple[pd.Series, list[list[str]]]:
    """Competition ranks (highest score = 1) of the eligible units, within ``groups`` if given.

    With ``failed`` (the number of rules each unit fails), units are ordered by it first (fewest
    first), then by score: rules first. Returns the ranks (NaN for units not ranked) and the groups
    of tied units (same number of rules failed and same score).
    """
    index = scores.index
    values = scores.to_numpy(dtype=float)
    mask = eligible.reindex(index, fill_value=False).to_numpy(dtype=bool) & ~np.isnan(values)
    # snap scores within the tolerance to one value before ranking
    snapped = np.round(values / TIE_TOLERANCE) * TIE_TOLERANCE
    fails = failed.reindex(index).fillna(0).astype(float).to_numpy() if failed is not None else np.zeros(len(index))
    ranks = np.full(len(index), np.nan)
    ties: list[list[str]] = []
    for members in _groups(groups, index, mask):
        found, runs = _lexicographic_ranks(fails[members], snapped[members])
        ranks[members] = found
        ties += [sorted(index[members[run]]) for run in runs]
    return pd.Series(ranks, index=index, dtype=float), ties


def _groups(groups: pd.Series | None, index: pd.Index, mask: np.ndarray) -> list[np.ndarray]:
    """Positions of the units in ``mask``, one array per group (all of them without ``groups``),
    groups in sorted order of their key."""
    if groups is None:
        return [np.flatnonzero(mask)] if mask.any() else []
    keys = groups.reindex(index)[mask]
    positions = np.flatnonzero(mask)
    codes, uniques = pd.factorize(keys, sort=True)
    return [positions[codes == c] for c in range(len(uniques))]


def _lexicographic_ranks(fails: np.ndarray, snapped: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Competition ranks: 1 + the number of units with fewer rules failed, or as many and a higher
    score (sorted, not compared pair by pair: 5,000 units are 25 million pairs); and the runs of
    units sharing both (positions), ordered by rules failed, then score, each ascending."""
    order = np.lexsort((-snapped, fails))
    new = np.ones(len(order), dtype=bool)
    new[1:] = (fails[order][1:] != fails[order][:-1]) | (snapped[order][1:] != snapped[order][:-1])
    first = np.maximum.accumulate(np.where(new, np.arange(1, len(order) + 1, dtype=float), 0.0)) if len(order) else np.zeros(0)
    ranks = np.empty(len(order))
    ranks[order] = first
    starts = np.flatnonzero(new)
    runs = [order[a:b] for a, b in zip(starts, [*starts[1:], len(order)]) if b - a > 1]
    return ranks, sorted(runs, key=lambda run: (fails[run[0]], snapped[run[0]]))


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
    check_weights(weights)
    w = {k: float(v) for k, v in weights.items()}  # as given: at a pillar holding indicators and pillars, they are compared with the pillars' weights
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
    _log_scored(score, rank, passes, len(rules), failing_units)
    return ScoreResult(
        table=table, contributions=contributions, rules_passed=passed, rules_unknown=unknown, weights=effective,
        pillars=pillar_scores, structure=structure, eligible=eligible & score.notna(),
    )


def _log_scored(score: pd.Series, rank: pd.Series, passes: pd.Series, n_rules: int, failing_units: str) -> None:
    logger.info(
        "score: %d units scored, %d ranked, %d pass every rule (%d rules), failing units %s",
        int(score.notna().sum()), int(rank.notna().sum()), int(passes.sum()), n_rules,
        {"exclude": "excluded from the ranking", "last": "ranked after every unit passing all rules"}.get(failing_units, "flagged"),
    )


def national_ranks(
    normalised: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    rules: Mapping[str, ParsedRule],
    rule_values: Mapping[str, pd.Series],
    failing_units: Literal["flag", "exclude", "last"] = "flag",
    structure: Structure | None = None,
    pillar_weights: Mapping[str, float] | None = None,
) -> pd.Series:
    """The national ranks :func:`score_units` gives (NaN where not ranked), by the same steps without
    what a re-ranking draw does not read: the table, the ranks within regions, the names of the rules
    failed and the warnings; it logs the same line. ``weights`` are checked by the caller."""
    structure = structure or Structure(tuple(weights))
    index = normalised.index
    score, _, _ = weighted_scores(normalised, {k: float(v) for k, v in weights.items()}, structure, pillar_weights)
    passed, _ = evaluate_rules(rules, rule_values, index)
    passes = passed.all(axis=1) if rules else pd.Series(True, index=index)
    eligible = passes if failing_units == "exclude" else pd.Series(True, index=index)
    n_failed = failed_counts(passed) if rules and failing_units == "last" else None
    rank = rank_units(score, eligible, failed=n_failed)[0].rename("rank")
    _log_scored(score, rank, passes, len(rules), failing_units)
    return rank


def _failed_rule_names(rules: Mapping[str, ParsedRule], passed: pd.DataFrame, unknown: pd.DataFrame, index: pd.Index) -> list[str]:
    """Per unit, the rules it does not pass joined by ``"; "``, those it has no data for marked ``"(no data)"``."""
    names = list(rules)  # evaluate_rules' columns, in this order
    p, u = passed.to_numpy(dtype=bool), unknown.to_numpy(dtype=bool)
    return ["; ".join(f"{r} (no data)" if u[i, j] else r for j, r in enumerate(names) if not p[i, j]) for i in range(len(index))]


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
