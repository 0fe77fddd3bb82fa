"""The facts of a run, gathered for the claims: what the map, the brief and the log say about a unit.

:mod:`nexus_zones.claims` holds the sentences and the conditions that make them true, on plain
numbers; this module reads a :class:`~nexus_zones.result.RunResult` (its scores table, weights,
analyses and the config's :class:`~nexus_zones.config.plan.Plan`, never the ``Config``) and hands
each builder its facts. Writers (``maps``, ``report``, ``cli``) call
these functions and render the claims; none of them writes a sentence about a unit of its own.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import claims
from .claims import Claim
from .messages import pick
from .normalise import prepare

if TYPE_CHECKING:  # pragma: no cover
    from .result import RunResult

__all__ = ["labels", "scale_ends", "region_totals", "other_means", "rules_facts", "rules_claim", "rules_decide_top", "robust_claim", "robust_claims", "rank_band_claim", "rank_band_claims", "why_claims",
           "choice_claims", "agreement_claim", "pilot_claims", "data_band_claim", "data_share_claims", "source_claims", "reporting_claims", "period_text", "set_label", "top_k"]


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and not pd.isna(value)


def labels(plan, language: str) -> claims.Labels:
    """The indicator and rule labels a claim's indices stand for, in ``language`` (``plan``: a run's
    :class:`~nexus_zones.config.plan.Plan`, or a config: both hold ``indicators`` and ``rules``)."""
    return claims.Labels(indicators=[pick(i.label, language, n) for n, i in plan.indicators.items()],
                         rules=[pick(r.label, language, r.expr) for r in plan.rules.values()])


def set_label(plan, name: str, language: str) -> str:
    """What the map and the brief call a stakeholders' weight set: its label in ``language``, else its name."""
    return pick(plan.set_labels.get(name), language, name)


def top_k(plan) -> int:
    """The k of "among the first k" in robustness claims (``robustness.top_k``)."""
    return int(plan.top_k)


# ------------------------------------------------------------------------------------ rules
def _ranked(result: "RunResult") -> pd.DataFrame:
    scores = result.scores
    ranked = scores[scores["rank"].notna()]
    return ranked.sort_values(["rank"], kind="stable")


def rules_facts(result: "RunResult", k: int | None = None) -> claims.RulesFacts:
    """The ranked units in rank order with their number of rules failed, whether rules come first."""
    plan = result.plan
    ranked = _ranked(result)
    failed = ranked["rules_failed_count"].astype(int).tolist() if plan.rules else [0] * len(ranked)
    rules_first = bool(plan.rules) and plan.failing_units == "last"
    return claims.RulesFacts(names=ranked["name"].astype(str).tolist(), failed=failed, rules_first=rules_first, k=top_k(plan) if k is None else k)


def rules_claim(result: "RunResult") -> Claim | None:
    """"The rules alone decide the order …" (or the top k), once for the run; ``None`` when weights matter."""
    return claims.rules_decide(rules_facts(result))


def rules_decide_top(result: "RunResult") -> bool:
    """Whether no weighting can change who is in the top k, because the rules fix it."""
    facts = rules_facts(result)
    return claims.rules_fix_order(facts) or claims.rules_fix_top(facts)


# ------------------------------------------------------------------------------------ robustness
def robust_claims(result: "RunResult", *, decided: bool | None = None, short: bool = False) -> dict[str, Claim]:
    """:func:`robust_claim` of every unit that has one, by unit (each column read once: a popup per
    unit of 5,000 reads them 5,000 times otherwise)."""
    rb = result.analysis("robustness")
    if rb is None:
        return {}
    k, decided = rb.top_k, rules_decide_top(result) if decided is None else decided
    shares = rb.table["share_top_k"].reindex(result.scores.index)
    out = {}
    for unit, share, rank in zip(result.scores.index, shares, result.scores["rank"]):
        if _present(share) and _present(rank):
            facts = claims.RobustFacts(share=float(share), k=k, draws=int(rb.draws), in_top=int(rank) <= k, rules_decide=decided)
            said = claims.robustness(facts, short=short)
            if said is not None:
                out[unit] = said
    return out


def robust_claim(result: "RunResult", unit: str, *, decided: bool | None = None, short: bool = False) -> Claim | None:
    """In the top k whatever the weights tried, out of it whatever they are, depends on them; or the
    rules decide. ``None`` where robustness was not computed or the unit is not ranked."""
    rb = result.analysis("robustness")
    rank = result.scores.at[unit, "rank"]
    if rb is None or not _present(rb.table.at[unit, "share_top_k"]) or not _present(rank):
        return None
    k = rb.top_k
    decided = rules_decide_top(result) if decided is None else decided
    facts = claims.RobustFacts(share=float(rb.table.at[unit, "share_top_k"]), k=k, draws=int(rb.draws), in_top=int(rank) <= k, rules_decide=decided)
    return claims.robustness(facts, short=short)


def rank_band_claims(result: "RunResult") -> dict[str, Claim]:
    """:func:`rank_band_claim` of every unit that has one, by unit (each column read once)."""
    robustness = result.analysis("robustness")
    if robustness is None:
        return {}
    scores, draws = result.scores, int(robustness.draws)
    return {unit: claims.rank_band(int(lo), int(hi), draws) for unit, lo, hi in zip(scores.index, scores["rank_p05"], scores["rank_p95"]) if _present(lo)}


def rank_band_claim(result: "RunResult", unit: str) -> Claim | None:
    """Where the unit's rank lies among the weightings tried around the config's weights (5–95 %)."""
    robustness, scores = result.analysis("robustness"), result.scores
    if robustness is None or not _present(scores.at[unit, "rank_p05"]):
        return None
    return claims.rank_band(int(scores.at[unit, "rank_p05"]), int(scores.at[unit, "rank_p95"]), int(robustness.draws))


# ------------------------------------------------------------------------------------ why this unit
def scale_ends(ind, raw: pd.Series, norm: pd.Series) -> tuple[float, float]:
    """The raw values at the two ends of an indicator's scale (0 and 1 after normalisation), worst
    then best: the goalposts or the threshold curve's ends where they are fixed, the ±3 sd of a
    z-score, else the observed values that got the lowest and highest normalised value. Values are
    on the indicator's own scale (a log1p transform is undone)."""
    inverse = np.expm1 if ind.transform == "log1p" else (lambda v: v)
    if ind.goalposts is not None and ind.normalisation in ("goalposts", "inform"):
        lo, hi = (float(inverse(g)) for g in ind.goalposts)
        return (hi, lo) if ind.direction == "cost" else (lo, hi)
    if ind.normalisation == "threshold" and ind.thresholds:
        xs = [p[0] for p in ind.thresholds]
        ys = [p[1] for p in ind.thresholds]
        return float(inverse(xs[int(np.argmin(ys))])), float(inverse(xs[int(np.argmax(ys))]))
    known = raw.notna() & norm.notna()
    if not known.any():
        return float("nan"), float("nan")
    if ind.normalisation == "zscore":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prepared = prepare(raw[known], {"transform": ind.transform, "winsorise": ind.winsorise}, "")
        if prepared.nunique() > 1:
            low, high = prepared.mean() - 3 * prepared.std(ddof=0), prepared.mean() + 3 * prepared.std(ddof=0)
            low, high = float(inverse(max(low, 0.0) if ind.transform == "log1p" else low)), float(inverse(high))
            return (high, low) if ind.direction == "cost" else (low, high)
    worst = raw[known][norm[known] == norm[known].min()].iloc[0]
    best = raw[known][norm[known] == norm[known].max()].iloc[0]
    return float(worst), float(best)


def region_totals(result: "RunResult") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per unit and indicator, the sum ``S`` and count ``n`` of the values of the unit's region (of
    every unit where it is alone in its region, or has none), missing values left out: the
    mean of the region's other units is ``(S - x) / (n - 1)`` for a unit of value ``x`` (``S / n``
    for one missing it). The page receives ``S`` and ``n`` per region and divides as
    :func:`other_means` does, on the same floats (``maps.pack``)."""
    scores = result.scores
    values = scores[list(result.plan.indicators)].astype(float)
    present, filled = values.notna().astype(float), values.fillna(0.0)
    region = scores["region"]
    sums, counts = filled.groupby(region).transform("sum"), present.groupby(region).transform("sum")
    alone = (region.isna() | (region.map(region.value_counts()) == 1)).to_numpy()
    sums[alone], counts[alone] = np.broadcast_to(filled.sum().to_numpy(), sums[alone].shape), np.broadcast_to(present.sum().to_numpy(), counts[alone].shape)
    return sums, counts


def other_means(result: "RunResult") -> pd.DataFrame:
    """Each unit's mean of each indicator over the other units of its region (over all other units
    where it is alone in its region, or has none), missing values left out; ``NaN`` where no other
    unit has a value. One pass over the table: the group's sum less the unit's own
    (:func:`region_totals`)."""
    values = result.scores[list(result.plan.indicators)].astype(float)
    sums, counts = region_totals(result)
    left = counts - values.notna().astype(float)
    return (sums - values.fillna(0.0)) / left.where(left > 0)


def _ends(result: "RunResult") -> dict[str, tuple[float, float]]:
    scores = result.scores
    return {n: scale_ends(ind, scores[n], scores[f"{n}_norm"]) for n, ind in result.plan.indicators.items()}


def why_facts(result: "RunResult", unit: str, *, means: pd.DataFrame | None = None, ends: dict | None = None) -> list[claims.WhyFacts]:
    """Each indicator's facts for "why this unit": value, points earned of the most it could earn,
    the scale's worst and best ends, the region's other units' mean."""
    plan, row = result.plan, result.scores.loc[unit]
    means = other_means(result) if means is None else means
    ends = _ends(result) if ends is None else ends
    weights = result.scored.weights
    out = []
    for k, (name, ind) in enumerate(plan.indicators.items()):
        value, contrib = row[name], row.get(f"{name}_contrib")
        out.append(claims.WhyFacts(
            index=k, value=float(value) if _present(value) else math.nan, points=float(contrib) if _present(contrib) else math.nan,
            max_points=100.0 * float(weights.get(name, 0.0)), worst=ends[name][0], best=ends[name][1],
            region_mean=float(means.at[unit, name]), cost=ind.direction == "cost"))
    return out


def why_claims(result: "RunResult", unit: str, *, means: pd.DataFrame | None = None, ends: dict | None = None) -> list[tuple[Claim, bool]]:
    """"Why this unit?": strengths by the points they earn, then weaknesses by the points they lose."""
    return [(c, good) for c, good, _ in claims.why(why_facts(result, unit, means=means, ends=ends))]


# ------------------------------------------------------------------------------------ decision analyses
def choice_claims(result: "RunResult", unit: str) -> list[Claim]:
    """What it would take for a unit to be 1st, per scope analysed (none if it was not analysed)."""
    found = result.analysis("closest_weights")
    if found is None or unit not in set(found.table["unit_id"]):
        return []
    table, names, draws = found.table, list(result.plan.indicators), int(found.draws)
    out = []
    for _, row in table[table["unit_id"] == unit].iterrows():
        weights = [(k, float(row[f"config_{n}"]), float(row[f"closest_{n}"]) if _present(row[f"closest_{n}"]) else math.nan) for k, n in enumerate(names)]
        facts = claims.ChoiceFacts(name=str(row["name"]), scope=str(row["scope"]), status=str(row["status"]),
                                   share=float(row["share_first"]) if _present(row["share_first"]) else math.nan, draws=draws,
                                   moved=float(row["weight_moved"]) if _present(row["weight_moved"]) else math.nan, weights=weights)
        said = claims.choice(facts)
        if said is not None:
            out.append(said)
    return out


def agreement_claim(result: "RunResult", unit: str) -> Claim | None:
    """Among the first k for n of the m stakeholders' weight sets."""
    found = result.analysis("stakeholders")
    if found is None or unit not in found.table.index:
        return None
    ranked = int(result.scores["rank"].notna().sum())
    return claims.agreement(claims.AgreementFacts(n=int(found.table.at[unit, "sets_in_top_k"]), m=len(found.sets), k=found.top_k, units=ranked))


_BINDING = {"region_max": "c_region_max", "region_min": "c_region_min", "min_distance": "c_min_distance", "budget": "c_budget", "only_passing": "c_only_passing"}


def _constraints(spec) -> list[tuple[str, float]]:
    out = []
    if spec.only_passing:
        out.append(("c_only_passing", 0))
    if spec.region_min:
        out.append(("c_region_min", spec.region_min))
    if spec.region_max:
        out.append(("c_region_max", spec.region_max))
    if spec.min_distance_km:
        out.append(("c_min_distance", spec.min_distance_km))
    if spec.budget:
        out.append(("c_budget", spec.budget))
    return out


def pilot_claims(result: "RunResult") -> list[Claim]:
    """The chosen set of pilots in words, and the constraints that lower its total."""
    found = result.analysis("pilots")
    if found is None or found.best is None:
        return []
    best, spec = found.best, found.spec
    facts = claims.PilotFacts(names=list(best.names), objective=spec.objective, total=float(best.objective), constraints=_constraints(spec),
                              binding=[_BINDING.get(b, "") for b in best.binding])
    return claims.pilots(facts)


def data_band_claim(result: "RunResult", unit: str) -> Claim | None:
    """Where the unit's rank lies when the data are perturbed."""
    found = result.analysis("data_uncertainty")
    if found is None or unit not in found.table.index or not _present(found.table.at[unit, "data_rank_p05"]):
        return None
    d = found.table
    return claims.data_band(int(d.at[unit, "data_rank_p05"]), int(d.at[unit, "data_rank_p95"]), int(found.draws))


def data_share_claims(result: "RunResult", language: str) -> list[Claim]:
    """How much of the ranks' movement each source of data uncertainty accounts for."""
    found = result.analysis("data_uncertainty")
    if found is None:
        return []
    notes, out = result.plan.layers, []
    for _, row in found.variance.iterrows():
        source = str(row["source"])
        if source.startswith("imprecise_"):
            layer = source[len("imprecise_"):]
            what = pick(notes[layer].label, language, layer) if layer in notes else layer
            said = claims.data_share("imprecise", what, row["share"])
        elif source == "margins":
            said = claims.data_share("margins", list(found.margins), row["share"])
        else:
            said = claims.data_share(source, None, row["share"])
        if said is not None:
            out.append(said)
    return out


def source_claims(result: "RunResult") -> list[Claim]:
    """Each unit whose rules or place among the first k change with the source of an indicator
    (analysis ``triangulation``), in rank order; or that the choice is the same under every source."""
    found = result.analysis("triangulation")
    if found is None:
        return []
    order = [u for u in result.scores.index if u in found.claims]
    said = [c for u in order for c in found.claims[u]]
    same = claims.sources_same(len(found.claims), found.labels, found.top_k)
    return said or ([same] if same is not None else [])


def period_text(layer, language: str) -> str:
    """The period a layer's values describe: its ``period`` text, its date window or its round."""
    if getattr(layer, "period", None):
        return pick(layer.period, language)
    window = getattr(layer, "window", None)
    if window and window != (None, None):
        start, end = window
        if start and end and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
            return str(start.year)
        return f"{start or '…'} – {end or '…'}"
    if getattr(layer, "as_of", None):
        return str(layer.as_of)
    return ""


def _reporting_context(result: "RunResult", language: str) -> tuple[str, str]:
    """The layers the low-reporting counts read (by their source, else their name) and the study's period."""
    notes, names = result.plan.layers, result.plan.event_layers
    layer = ", ".join(pick(notes[n].source, language, n) if notes[n].source else n for n in names)
    panel = getattr(result, "panel", None)
    if panel is not None and len(panel.periods) > 1:
        first, last = panel.periods[0], panel.periods[-1]
        return layer, f"{pick(first.label, language, first.name)}–{pick(last.label, language, last.name)}"
    periods = {period_text(notes[n], language) for n in names}
    return layer, periods.pop() if len(periods) == 1 else ""


def reporting_claims(result: "RunResult", unit: str, language: str = "en") -> list[Claim]:
    """That few recorded events may mean little reporting: none recorded over the study, or most
    located only to the region (the scores table's ``events_recorded`` and ``events_imprecise_share``)."""
    scores = result.scores
    if not result.plan.event_layers or not _present(scores.at[unit, "events_recorded"]):
        return []
    events = int(scores.at[unit, "events_recorded"])
    share = scores.at[unit, "events_imprecise_share"]
    imprecise = int(round(float(share) * events)) if _present(share) else 0
    layer, period = _reporting_context(result, language)
    said = claims.low_reporting(claims.ReportingFacts(events=events, imprecise=imprecise, label=period), layer)
    return [said] if said is not None else []
