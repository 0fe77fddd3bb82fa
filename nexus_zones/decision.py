"""From a ranking to a defensible choice: the weights behind a choice, a set of pilots, weight codes.

**The weights behind a choice.** For a unit and a scope (national, or its region), the weights
closest to the config's that put it first, how far they are, and the share of the weight space
where it is first.

* Weights move at the level of the *effective indicator weights* (pillar weight × weight within the
  pillar), on the simplex of the indicators the config weighs (an indicator of weight 0 stays at 0:
  it may be there for display, and its missing values must not start to count). The pillar
  structure is fixed (membership and aggregations); a pillar's weight is the sum of its members'.
* Distance: L1 on that simplex, ``Σ|wᵢ − w⁰ᵢ|``; half of it is the share of the total weight moved
  from some indicators to others (``weight_moved``).
* "First" follows the model's ranking: among the ranked units of the scope; with rules first
  (``failing_units: last``) only units failing as many rules compete, and a unit that fails more
  rules than another of its scope cannot be first whatever the weights (``blocked_by_rules``).
  First means no competitor scores higher (a tie at the top is rank 1, as in competition ranks).
* Arithmetic aggregation (flat, or pillars that are all arithmetic): the score is linear in the
  effective weights and the closest weights solve a linear programme exactly
  (:func:`closest_weights_lp`, ``scipy.optimize.linprog``, HiGHS).
* Geometric or TOPSIS: :func:`closest_weights_search`, a seeded search on the simplex (uniform and
  config-centred Dirichlet draws), refined by bisection toward the config's weights and by pairwise
  transfers of weight back toward them; the result is verified by re-scoring. It is an upper bound
  on the exact distance.
* The share of the weight space: uniform (Dirichlet(1, …, 1)) seeded draws on the same simplex.

**A set of pilots** (:func:`choose_pilots`): k units maximising the total objective (the score, or
the score weighted by the share of draws in the top k) under at least / at most n per region, an
optional cost and budget, and an optional minimum distance between pilots — an integer programme
(``scipy.optimize.milp``, HiGHS). The next-best sets come from no-good cuts; a constraint *binds*
when dropping it would give a better set.

**Weight codes** (:func:`encode_weights`, :func:`decode_weights`): a participant's weights as a short
code the page exports (``nz1.`` + base64url of the weights JSON), pooled by the next run.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import NexusZonesError
from .score import Structure, complete_values, composite

__all__ = [
    "ClosestWeights", "effective_to_structure", "is_first", "closest_weights_lp", "closest_weights_search", "share_first",
    "PilotSet", "PilotConstraints", "choose_pilots", "weights_behind_choices", "weights_body", "pairs_closer_than", "encode_weights", "decode_weights", "pool_weights", "CODE_PREFIX",
]

logger = logging.getLogger(__name__)

#: Scores (0–1) closer than this count as equal when checking "first" (as ranks snap ties).
FIRST_TOLERANCE = 1e-9
#: Prefix of a weights code (its version).
CODE_PREFIX = "nz1."


@dataclass(frozen=True)
class ClosestWeights:
    """The closest weights (effective, indicator order) that put a unit first, or why there are none."""

    weights: np.ndarray | None
    distance_l1: float
    method: str
    status: str  # "already_first", "found", "impossible" (proved), "not_found" (a search found none: no proof), "blocked_by_rules", "not_ranked"

    @property
    def weight_moved(self) -> float:
        return self.distance_l1 / 2.0


def effective_to_structure(w: np.ndarray, structure: Structure) -> tuple[np.ndarray, np.ndarray | None]:
    """Indicator and pillar weights (relative among siblings) from effective weights: a pillar weighs
    the sum of the indicators below it, an indicator its own weight, rescaled to sum to 1 within a
    pillar holding indicators only (a pillar whose indicators all weigh 0 gives them equal weights
    and weighs 0)."""
    inner, outer = _split_many(np.asarray(w, dtype=float)[:, None], structure)
    return inner, outer


def _scores(values: np.ndarray, w: np.ndarray, structure: Structure) -> np.ndarray:
    inner, outer = effective_to_structure(w, structure)
    return composite(values, inner, outer, structure)[0][:, 0]


def is_first(values: np.ndarray, w: np.ndarray, structure: Structure, target: int, competitors: np.ndarray) -> bool:
    """Whether ``target`` scores at least as high as every competitor (rows of ``values``) under ``w``."""
    s = _scores(values, w, structure)
    return bool(np.all(s[competitors] <= s[target] + FIRST_TOLERANCE))


def linear_in_weights(structure: Structure) -> bool:
    """Whether the score is linear in the effective weights (every aggregation arithmetic)."""
    return structure.aggregation == "arithmetic" and all(p.aggregation == "arithmetic" for p in structure.pillars) and not structure.skip


def closest_weights_lp(values: np.ndarray, w0: np.ndarray, target: int, competitors: np.ndarray) -> ClosestWeights:
    """Exact closest weights (L1) under arithmetic aggregation, by linear programme.

    Variables: the weights w and t ≥ |w − w⁰|; minimise Σt subject to Σw = 1, w ≥ 0 (w = 0 where
    w⁰ = 0) and (v_j − v_target)·w ≤ 0 for every competitor j.
    """
    from scipy.optimize import linprog

    values = np.asarray(values, dtype=float)
    w0 = np.asarray(w0, dtype=float)
    k = len(w0)
    if not len(competitors) or np.all(values[competitors] @ w0 <= values[target] @ w0 + FIRST_TOLERANCE):
        return ClosestWeights(w0.copy(), 0.0, "linear programme (HiGHS)", "already_first")
    eye = np.eye(k)
    a_ub = np.vstack([
        np.hstack([values[competitors] - values[target], np.zeros((len(competitors), k))]),
        np.hstack([eye, -eye]),
        np.hstack([-eye, -eye]),
    ])
    b_ub = np.concatenate([np.zeros(len(competitors)), w0, -w0])
    a_eq = np.concatenate([np.ones(k), np.zeros(k)])[None, :]
    bounds = [(0.0, 1.0 if w0[i] > 0 else 0.0) for i in range(k)] + [(0.0, None)] * k
    res = linprog(np.concatenate([np.zeros(k), np.ones(k)]), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    if res.status == 2:  # proved infeasible: no weights put the target first
        return ClosestWeights(None, math.nan, "linear programme (HiGHS)", "impossible")
    if res.status != 0:  # the solver stopped without an answer: no proof either way
        return ClosestWeights(None, math.nan, f"linear programme (HiGHS): {res.message}", "not_found")
    w = np.clip(res.x[:k], 0.0, None)
    w = w / w.sum()
    return ClosestWeights(w, float(np.abs(w - w0).sum()), "linear programme (HiGHS)", "found")


def _simplex_draws(rng: np.random.Generator, w0: np.ndarray, n: int, concentration: float | None) -> np.ndarray:
    """``n`` weight vectors (rows) on the simplex of the positive entries of ``w0``: uniform
    (``concentration`` None) or Dirichlet(concentration · w⁰) around the config's weights."""
    active = w0 > 0
    out = np.zeros((n, len(w0)))
    if active.sum() == 1:
        out[:, active] = 1.0
        return out
    alpha = np.ones(int(active.sum())) if concentration is None else concentration * w0[active] / w0[active].sum()
    out[:, active] = rng.dirichlet(alpha, size=n)
    return out


def closest_weights_search(
    values: np.ndarray, w0: np.ndarray, structure: Structure, target: int, competitors: np.ndarray, *, seed: int = 2018, draws: int = 4000
) -> ClosestWeights:
    """Closest weights (L1) for any aggregation by a seeded search: candidates drawn uniformly and
    around w⁰ (Dirichlet concentrations 500, 100, 20, 5), the nearest that puts ``target`` first,
    then bisection on the segment toward w⁰, then pairwise transfers of weight back toward w⁰ while
    it stays first. The result is verified by re-scoring (it is an upper bound on the exact distance)."""
    method = "seeded search on the simplex, refined by bisection and pairwise transfers (verified by re-scoring; an upper bound on the exact distance)"
    first = lambda w: is_first(values, w, structure, target, competitors)  # noqa: E731
    if not len(competitors) or first(w0):
        return ClosestWeights(np.asarray(w0, dtype=float).copy(), 0.0, method, "already_first")
    rng = np.random.default_rng(seed)
    per = max(draws // 5, 1)
    cands = np.vstack([_simplex_draws(rng, w0, per, c) for c in (None, 500.0, 100.0, 20.0, 5.0)])
    ok = np.array([first(w) for w in cands])
    if not ok.any():  # no draw puts it first: not a proof that no weights do
        return ClosestWeights(None, math.nan, method, "not_found")
    feasible = cands[ok]
    best = feasible[np.argmin(np.abs(feasible - w0).sum(axis=1))]
    best = _bisect_toward(w0, best, first)
    best = _transfer_back(w0, best, first)
    assert first(best)  # verified by re-scoring
    return ClosestWeights(best, float(np.abs(best - w0).sum()), method, "found")


def _bisect_toward(w0: np.ndarray, w: np.ndarray, first: Callable[[np.ndarray], bool], steps: int = 40) -> np.ndarray:
    """The point nearest w⁰ on the segment [w⁰, w] found by bisection that still puts the unit first."""
    lo, hi = 0.0, 1.0
    for _ in range(steps):
        mid = (lo + hi) / 2
        if first(w0 + mid * (w - w0)):
            hi = mid
        else:
            lo = mid
    return w0 + hi * (w - w0)


def _transfer_back(w0: np.ndarray, w: np.ndarray, first: Callable[[np.ndarray], bool], rounds: int = 6, steps: int = 30) -> np.ndarray:
    """Move weight from indicators above w⁰ to indicators below it, pair by pair, as far as the unit stays first."""
    w = w.copy()
    for _ in range(rounds):
        improved = False
        over = [i for i in np.argsort(-(w - w0)) if w[i] - w0[i] > 1e-12]
        under = [j for j in np.argsort(w - w0) if w0[j] - w[j] > 1e-12]
        for i in over:
            for j in under:
                room = min(w[i] - w0[i], w0[j] - w[j])
                if room <= 1e-12:
                    continue
                lo, hi = 0.0, room
                for _ in range(steps):
                    mid = (lo + hi) / 2
                    trial = w.copy()
                    trial[i] -= mid
                    trial[j] += mid
                    if first(trial):
                        lo = mid
                    else:
                        hi = mid
                if lo > 1e-12:
                    w[i] -= lo
                    w[j] += lo
                    improved = True
        if not improved:
            break
    return w


def share_first(
    values: np.ndarray, w0: np.ndarray, structure: Structure, target: int, competitors: np.ndarray, *, seed: int = 2018, draws: int = 2000
) -> float:
    """Share of uniform (Dirichlet(1, …, 1), seeded) draws on the simplex of the weighted indicators
    where ``target`` is first among ``competitors``."""
    if not len(competitors):
        return 1.0
    w = _simplex_draws(np.random.default_rng(seed), np.asarray(w0, dtype=float), draws, None).T
    inner, outer = _split_many(w, structure)
    s = composite(values, inner, outer, structure)[0]
    return float(np.mean(np.all(s[competitors] <= s[target][None, :] + FIRST_TOLERANCE, axis=0)))


def _split_many(w: np.ndarray, structure: Structure) -> tuple[np.ndarray, np.ndarray | None]:
    """As :func:`effective_to_structure` for indicators × draws."""
    if not structure.pillars:
        return w, None
    position = {n: i for i, n in enumerate(structure.indicators)}
    outer = np.array([w[[position[n] for n in structure.below(p.name)]].sum(axis=0) for p in structure.pillars])
    inner = w.copy()
    parents = {p.parent for p in structure.pillars}
    for p, pillar in enumerate(structure.pillars):
        idx = [position[n] for n in pillar.indicators]
        if not idx:
            continue
        total = w[idx].sum(axis=0) if pillar.name not in parents else outer[p]
        if pillar.name in parents:  # beside child pillars: the indicators keep their effective weights
            inner[np.ix_(idx, total <= 0)] = 1.0
        else:
            inner[idx] = np.divide(w[idx], total, out=np.full_like(w[idx], 1.0 / len(idx)), where=total > 0)
    return inner, outer


# ------------------------------------------------------------------------------- sets of pilots


@dataclass(frozen=True)
class PilotSet:
    """A set of pilots: its units, its objective, and what separates it from the best set."""

    units: tuple[str, ...]
    objective: float
    gap: float = 0.0
    binding: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PilotConstraints:
    """The constraints of :func:`choose_pilots` (``cost`` and ``too_close`` on the candidates)."""

    k: int
    region_min: int = 0
    region_max: int | None = None
    cost: pd.Series | None = None
    budget: float | None = None
    too_close: tuple[tuple[str, str], ...] = ()
    labels: dict[str, str] = field(default_factory=dict)


def choose_pilots(objective: pd.Series, regions: pd.Series, constraints: PilotConstraints, *, alternatives: int = 3) -> list[PilotSet]:
    """The best set of ``k`` candidates (the index of ``objective``) and the next-best sets.

    Integer programme (``scipy.optimize.milp``, HiGHS): maximise Σ objectiveᵢ·xᵢ, xᵢ ∈ {0, 1},
    Σxᵢ = k; per region with candidates region_min ≤ Σ xᵢ ≤ region_max; Σ costᵢ·xᵢ ≤ budget;
    xᵢ + xⱼ ≤ 1 for pairs closer than the minimum distance. After each set S a no-good cut
    Σ_{i∈S} xᵢ ≤ k − 1 excludes it. Returns up to ``1 + alternatives`` sets, best first (none when
    no set satisfies the constraints); the best names the constraints that bind.
    """
    ids = list(objective.index)
    best = _solve(objective, regions, constraints, cuts=[])
    if best is None:
        return []
    sets = [best]
    cuts = [best]
    for _ in range(alternatives):
        nxt = _solve(objective, regions, constraints, cuts=cuts)
        if nxt is None:
            break
        sets.append(nxt)
        cuts.append(nxt)
    binding = _binding(objective, regions, constraints, best)
    value = lambda s: float(objective.reindex(list(s)).sum())  # noqa: E731
    out = [PilotSet(tuple(sorted(best, key=ids.index)), value(best), 0.0, binding)]
    for s in sets[1:]:
        out.append(PilotSet(tuple(sorted(s, key=ids.index)), value(s), value(best) - value(s), (),
                            tuple(sorted(set(s) - set(best), key=ids.index)), tuple(sorted(set(best) - set(s), key=ids.index))))
    return out


def _solve(objective: pd.Series, regions: pd.Series, c: PilotConstraints, *, cuts: Sequence[Sequence[str]], drop: str = "") -> list[str] | None:
    from scipy.optimize import Bounds, LinearConstraint, milp

    ids = list(objective.index)
    n = len(ids)
    if n < c.k:
        return None
    pos = {u: i for i, u in enumerate(ids)}
    rows, lo, hi = [np.ones(n)], [c.k], [c.k]
    reg = regions.reindex(ids).fillna("").to_numpy()
    for region in sorted(set(reg)):
        member = (reg == region).astype(float)
        low = c.region_min if drop != "region_min" else 0
        high = c.region_max if (c.region_max is not None and drop != "region_max") else n
        if low or high < n:
            rows.append(member), lo.append(low), hi.append(high)
    if c.cost is not None and c.budget is not None and drop != "budget":
        rows.append(c.cost.reindex(ids).to_numpy(dtype=float)), lo.append(-np.inf), hi.append(c.budget)
    if drop != "min_distance":
        for a, b in c.too_close:
            if a in pos and b in pos:
                row = np.zeros(n)
                row[[pos[a], pos[b]]] = 1.0
                rows.append(row), lo.append(-np.inf), hi.append(1.0)
    for cut in cuts:
        row = np.zeros(n)
        row[[pos[u] for u in cut]] = 1.0
        rows.append(row), lo.append(-np.inf), hi.append(len(cut) - 1)
    res = milp(-objective.to_numpy(dtype=float), integrality=np.ones(n), bounds=Bounds(0, 1),
               constraints=LinearConstraint(np.vstack(rows), lo, hi))
    if res.status == 2:  # proved infeasible
        return None
    if res.status != 0 or res.x is None:
        raise NexusZonesError(f"pilots: the integer programme stopped without an answer ({res.message}); no set is claimed. "
                              "Fix: loosen the constraints or lower pilots.k and run again")
    return [ids[i] for i in np.flatnonzero(res.x > 0.5)]


def _families(c: PilotConstraints) -> list[str]:
    """The constraint families a request sets, in the order they are tried."""
    return [name for name, present in (("region_min", c.region_min > 0), ("region_max", c.region_max is not None),
                                       ("budget", c.cost is not None and c.budget is not None), ("min_distance", bool(c.too_close))) if present]


def infeasible_why(objective: pd.Series, regions: pd.Series, c: PilotConstraints) -> str:
    """Why no set of ``c.k`` pilots exists (the solver proved it): too few candidates, or the
    constraints each of which, dropped alone, lets a set exist; else all of them together."""
    n = len(objective)
    if n < c.k:
        return f"only {n} candidate{'s' if n != 1 else ''} for {c.k} pilots"
    families = _families(c)
    alone = [name for name in families if _solve(objective, regions, c, cuts=[], drop=name) is not None]
    if alone:
        return f"{' or '.join(_SAID[f](c) for f in alone)} (dropping {'it' if len(alone) == 1 else 'any one of them'} gives a set)"
    return "the constraints together: " + "; ".join(_SAID[f](c) for f in families)


_SAID = {
    "region_min": lambda c: f"pilots.region_min = {c.region_min} in every region with a candidate",
    "region_max": lambda c: f"pilots.region_max = {c.region_max}",
    "budget": lambda c: f"pilots.budget = {c.budget:g} (the {c.k} cheapest candidates cost {float(np.sort(c.cost.dropna().to_numpy())[: c.k].sum()):g})",
    "min_distance": lambda c: f"pilots.min_distance_km ({len(c.too_close)} pairs of candidates closer than it)",
}


def _binding(objective: pd.Series, regions: pd.Series, c: PilotConstraints, best: list[str]) -> tuple[str, ...]:
    """The constraints whose removal would give a set of higher objective."""
    value = float(objective.reindex(best).sum())
    out = []
    for name in _families(c):
        other = _solve(objective, regions, c, cuts=[], drop=name)
        if other is not None and float(objective.reindex(other).sum()) > value + 1e-9 * max(1.0, abs(value)):
            out.append(name)
    return tuple(out)


def pairs_closer_than(centroids: pd.DataFrame, km: float) -> list[tuple[str, str]]:
    """Pairs of units whose centroids (``lon``, ``lat`` columns, degrees) are less than ``km`` apart
    on the WGS84 ellipsoid (geodesic distance, pyproj)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    ids = list(centroids.index)
    out = []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            a, b = centroids.iloc[i], centroids.iloc[j]
            _, _, metres = geod.inv(a["lon"], a["lat"], b["lon"], b["lat"])
            if metres / 1000.0 < km:
                out.append((ids[i], ids[j]))
    return out


# ------------------------------------------------------------------------------- weight codes


def encode_weights(weights: Mapping[str, float], pillar_weights: Mapping[str, float] | None = None, *, label: str = "") -> str:
    """A participant's weights as a short code: ``nz1.`` + base64url (no padding) of compact JSON
    ``{"w": {indicator: weight}, "p": {pillar: weight}, "l": label}``. The page writes the same."""
    body: dict = {"w": {k: float(v) for k, v in weights.items()}}
    if pillar_weights:
        body["p"] = {k: float(v) for k, v in pillar_weights.items()}
    if label:
        body["l"] = label
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return CODE_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_weights(code: str) -> dict:
    """The weights of a code (see :func:`encode_weights`); ``ValueError`` saying what is wrong."""
    code = code.strip()
    if not code.startswith(CODE_PREFIX):
        raise ValueError(f"a code starting with {CODE_PREFIX!r} (as the map's 'Copy my weights as a code' button gives)")
    text = code[len(CODE_PREFIX):]
    try:
        body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"base64url of the weights JSON after {CODE_PREFIX!r} (the code is cut or altered: {exc.__class__.__name__})") from None
    return weights_body(body)


def weights_body(body: object) -> dict:
    """Check a decoded weights JSON: ``{"w": {name: number ≥ 0}, "p": {...}, "l": text}``."""
    if not isinstance(body, dict) or not isinstance(body.get("w"), dict) or not body["w"]:
        raise ValueError('a JSON object with "w": {indicator: weight}')
    for part in ("w", "p"):
        for name, value in (body.get(part) or {}).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"weights of 0 or more; found {name}: {value!r}")
    if not any(float(v) > 0 for v in body["w"].values()):
        raise ValueError("at least one weight above 0; this one gives 0 to every indicator (every slider at 0), which says nothing about "
                         "what matters: ask the participant to set the sliders and copy the code again, or leave it out")
    return {"weights": {k: float(v) for k, v in body["w"].items()}, "pillar_weights": {k: float(v) for k, v in (body.get("p") or {}).items()},
            "label": str(body.get("l", ""))}


def pool_weights(sets: Sequence[Mapping[str, float]], names: Sequence[str], method: str = "mean") -> dict[str, float]:
    """Pool several participants' weights: each set rescaled to sum to 1 over ``names`` (a name it
    does not give counts 0), then the mean or the median per name."""
    rows = []
    for s in sets:
        vec = np.array([float(s.get(n, 0.0)) for n in names])
        rows.append(vec / vec.sum() if vec.sum() > 0 else vec)
    matrix = np.vstack(rows)
    pooled = np.median(matrix, axis=0) if method == "median" else matrix.mean(axis=0)
    return {n: float(v) for n, v in zip(names, pooled)}


# ------------------------------------------------------------------------------- the wrapper


def weights_behind_choices(
    normalised: pd.DataFrame,
    w0: Mapping[str, float],
    structure: Structure,
    *,
    ranked: pd.Series,
    regions: pd.Series,
    units: Sequence[str],
    failed: pd.Series | None = None,
    seed: int = 2018,
    draws: int = 2000,
) -> pd.DataFrame:
    """For each unit of ``units`` and each scope (``national``, ``region``): the closest weights that
    put it first, the L1 distance, the weight moved and the share of uniform weight draws where it is
    first. ``w0`` are the effective weights; ``ranked`` marks the units the model ranks; ``failed``
    (rules failed per unit) is given when failing units are ranked last (rules first).

    Returns one row per unit and scope: ``unit_id``, ``scope``, ``status``, ``distance_l1``,
    ``weight_moved``, ``share_first``, ``method``, then ``config_<indicator>`` and ``closest_<indicator>``.
    """
    names = list(structure.indicators)
    base = np.array([float(w0[n]) for n in names])
    ok = ranked.reindex(normalised.index).fillna(False).astype(bool) & normalised[[n for n in names if w0[n] > 0 and n not in structure.skip]].notna().all(axis=1)
    index = normalised.index[ok.to_numpy()]
    values = complete_values(normalised.loc[index, names].to_numpy(dtype=float), structure)
    fails = (failed.reindex(index).fillna(0).to_numpy(dtype=float) if failed is not None else np.zeros(len(index)))
    reg = regions.reindex(index).fillna("").to_numpy()
    rows = []
    for unit in units:
        for scope in ("national", "region"):
            rows.append(_one_choice(unit, scope, index, values, base, structure, fails, reg, seed, draws) | {"unit_id": unit, "scope": scope})
    found = [r.pop("_w") for r in rows]
    table = pd.DataFrame(rows)
    for k, n in enumerate(names):
        table[f"config_{n}"] = base[k]
    for k, n in enumerate(names):
        table[f"closest_{n}"] = [np.nan if w is None else w[k] for w in found]
    return table[["unit_id", "scope", "status", "distance_l1", "weight_moved", "share_first", "method",
                  *[f"config_{n}" for n in names], *[f"closest_{n}" for n in names]]]


def _one_choice(unit, scope, index, values, base, structure, fails, reg, seed, draws) -> dict:
    empty = {"status": "not_ranked", "distance_l1": np.nan, "weight_moved": np.nan, "share_first": np.nan, "method": "", "_w": None}
    if unit not in index:
        return empty
    i = index.get_loc(unit)
    in_scope = np.ones(len(index), dtype=bool) if scope == "national" else (reg == reg[i])
    in_scope[i] = False
    if np.any(in_scope & (fails < fails[i])):
        return empty | {"status": "blocked_by_rules", "share_first": 0.0, "method": "rules first"}
    competitors = np.flatnonzero(in_scope & (fails == fails[i]))
    found = closest_weights_lp(values, base, i, competitors) if linear_in_weights(structure) else None
    if found is None or (found.weights is not None and not is_first(values, found.weights, structure, i, competitors)):
        # no LP for this aggregation, or its optimum fails the re-scoring (a tie the solver's tolerance
        # left unresolved): the seeded search, whose every step is verified by re-scoring
        found = closest_weights_search(values, base, structure, i, competitors, seed=seed, draws=draws)
    share = share_first(values, base, structure, i, competitors, seed=seed, draws=draws)
    return {"status": found.status, "distance_l1": found.distance_l1, "weight_moved": found.weight_moved, "share_first": share,
            "method": found.method, "_w": found.weights}
