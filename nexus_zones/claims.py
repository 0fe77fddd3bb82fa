"""Claims: every sentence the map, the brief and the log say about a unit or about the ranking.

A claim is data, ``{"k": key, "v": {field: value}}``: ``key`` names a template of
:data:`nexus_zones.messages.CATALOGUE` (French and English) and each field has a format (:data:`FORMATS`)
that says how Python (:func:`render`) and the page (``page/static/claims.js``) write it, alike.

Each key is registered once in :data:`KINDS` with its **condition**: a function of the facts the
builder was given and of the claim's values, true exactly when the sentence is true of those facts.
Builders emit a claim only where its condition holds, and :func:`check` states it again, so that a
test can generate facts and fail on any claim whose condition does not hold.

Builders here take plain numbers (no config, no result): :mod:`nexus_zones.explain` gathers the facts
of a run and calls them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .messages import CATALOGUE, fixed, number, ordinal, share_text, t

__all__ = [
    "Claim", "Kind", "KINDS", "FORMATS", "render", "check", "catalogue_for_page", "keys_in",
    "robustness", "rank_band", "rules_decide", "why", "region_side", "choice", "agreement", "pilots", "data_band", "data_share", "low_reporting",
    "source_rule", "source_top", "sources_same", "RobustFacts", "WhyFacts", "SourceRuleFacts", "SourceTopFacts",
]


@dataclass(frozen=True)
class Claim:
    """One sentence as data: a catalogue key and the values of its fields."""

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping | list) -> "Claim":
        """A claim back from its data (:meth:`data`) or its wire form (:meth:`wire`)."""
        if isinstance(data, list):
            fields = KINDS[data[0]].fields
            return cls(data[0], {name: _unwire(v, fmt) for (name, fmt), v in zip(fields.items(), data[1:])})
        values = {name: (cls.from_data(v) if isinstance(v, dict) and "k" in v else [cls.from_data(x) for x in v]
                         if isinstance(v, list) and v and all(isinstance(x, dict) for x in v) else v) for name, v in data["v"].items()}
        return cls(data["k"], values)

    def wire(self) -> list:
        """The claim as the page's payload carries it: ``[key, value, …]`` in the order of its kind's
        fields (:func:`catalogue_for_page`), each number cut to the fewest decimals its format writes
        the same, sub-claims likewise."""
        fields = KINDS[self.key].fields
        return [self.key, *(([x.wire() for x in self.values[name]] if fmt == "claims" else _shortest(self.values[name], fmt))
                            for name, fmt in fields.items())]

    def data(self, *, short: bool = False) -> dict:
        """The claim as the page receives it: ``{"k": key, "v": values}``; with ``short``, each number
        cut to the fewest decimals that its format still writes the same (the page's payload)."""
        fields = KINDS[self.key].fields if short else {}
        return {"k": self.key, "v": {name: (v.data(short=short) if isinstance(v, Claim) else [x.data(short=short) for x in v] if _claims(v)
                                            else _shortest(v, fields.get(name)) if short else v)
                                     for name, v in self.values.items()}}


def _shortest(value: Any, fmt: str | None) -> Any:
    """``value`` with the fewest decimals that the format ``fmt`` writes as it writes ``value``."""
    if fmt not in ("n", "f1", "pct") or not isinstance(value, float) or math.isnan(value):
        return value
    target = _WRITERS[fmt](value, "en", Labels())
    for decimals in range(17):
        candidate = round(value, decimals)
        if _WRITERS[fmt](candidate, "en", Labels()) == target:
            return int(candidate) if decimals == 0 and fmt != "pct" else candidate
    return value


def _unwire(value: Any, fmt: str) -> Any:
    return [Claim.from_data(x) for x in value] if fmt == "claims" else value


def _claims(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(x, Claim) for x in value)


@dataclass(frozen=True)
class Kind:
    """A registered sentence: its fields with their formats, and the condition that makes it true."""

    fields: Mapping[str, str]
    holds: Callable[[Any, Mapping[str, Any]], bool]


#: How each format writes a value (the same in ``claims.js``): ``text`` as given (a name); ``n``
#: :func:`messages.number`; ``f1`` one decimal; ``int`` a whole number; ``pct`` a share as a percentage
#: that never reads 0 % or 100 % unless exactly so; ``ord`` an ordinal (1st, 1re); ``first`` "first" or
#: "among the first k"; ``ind``/``rule`` an indicator's or a rule's label by index; ``msg`` a catalogue
#: key; ``names`` a list of names ("A, B and C"); ``claims`` a list of claims joined likewise.
FORMATS = ("text", "n", "f1", "int", "pct", "ord", "first", "ind", "rule", "msg", "names", "claims")

KINDS: dict[str, Kind] = {}


def _kind(key: str, fields: Mapping[str, str], holds: Callable[[Any, Mapping[str, Any]], bool]) -> None:
    assert key in CATALOGUE, key
    assert all(f in FORMATS for f in fields.values()), fields
    KINDS[key] = Kind(dict(fields), holds)


def check(claim: Claim, facts: Any) -> bool:
    """Whether ``claim`` is true of ``facts``: its kind's condition, and its fields exactly the kind's."""
    kind = KINDS[claim.key]
    return set(claim.values) == set(kind.fields) and bool(kind.holds(facts, claim.values))


# ------------------------------------------------------------------------------------ rendering
@dataclass(frozen=True)
class Labels:
    """What a claim's indices stand for in one language: indicator and rule labels."""

    indicators: Sequence[str] = ()
    rules: Sequence[str] = ()


def render(claim: Claim, language: str, labels: Labels = Labels()) -> str:
    """The claim as plain text in ``language``, its first letter a capital (callers escape it for HTML)."""
    text = _text(claim, language, labels)
    return text[:1].upper() + text[1:]


def _text(claim: Claim, language: str, labels: Labels) -> str:
    kind = KINDS[claim.key]
    shown = {name: _format(fmt, claim.values[name], language, labels) for name, fmt in kind.fields.items()}
    return t(claim.key, language, **shown)


def _format(fmt: str, value: Any, language: str, labels: Labels) -> str:
    if fmt == "claims":
        return _join([_text(c, language, labels) for c in value], language)
    if fmt == "names":
        return _join([str(v) for v in value], language)
    return _WRITERS[fmt](value, language, labels)


def _join(items: list[str], language: str) -> str:
    """"A", "A and B", "A, B and C"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + t("and", language) + items[-1]


_WRITERS: dict[str, Callable[[Any, str, Labels], str]] = {
    "text": lambda v, lang, lab: str(v),
    "n": lambda v, lang, lab: number(v, lang),
    "f1": lambda v, lang, lab: fixed(v, lang, 1),
    "int": lambda v, lang, lab: number(int(v), lang),
    "pct": lambda v, lang, lab: share_text(v, lang),
    "ord": lambda v, lang, lab: ordinal(int(v), lang),
    "first": lambda v, lang, lab: t("first_one", lang) if int(v) == 1 else t("first_k", lang, k=number(int(v), lang)),
    "ind": lambda v, lang, lab: lab.indicators[int(v)],
    "rule": lambda v, lang, lab: lab.rules[int(v)],
    "msg": lambda v, lang, lab: t(str(v), lang),
}


def catalogue_for_page(language: str, *, used: set[str] | None = None) -> dict:
    """The templates and field formats of every kind (of those in ``used`` only, when given: a page
    carries what its claims need), with the words the formats use, for ``claims.js``."""
    kinds = [k for k in KINDS if used is None or k in used]
    words = ("first_one", "first_k", "and")
    msgs = sorted({*kinds, *words, *_MSG_VALUES})
    return {"s": {k: t(k, language) for k in msgs}, "f": {k: [[name, fmt] for name, fmt in KINDS[k].fields.items()] for k in kinds}, "lang": language}


def keys_in(payload: Any) -> set[str]:
    """The claim kinds a payload carries: every wire-form claim (``[key, …]``) found in it, nested too."""
    found: set[str] = set()
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if item and isinstance(item[0], str) and item[0] in KINDS:
                found.add(item[0])
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return found


#: Catalogue keys that claims carry as ``msg`` values (the page needs their words too).
_MSG_VALUES = ("scope_national", "scope_region", "objective_score", "objective_robust")


# ------------------------------------------------------------------------------------ robustness
@dataclass(frozen=True)
class RobustFacts:
    """A unit's robustness: share of the weightings tried that put it in the top ``k``, their number,
    whether it is in the top k at the config's weights, and whether the rules alone decide the top k."""

    share: float
    k: int
    draws: int
    in_top: bool
    rules_decide: bool


def _robust_in(f: RobustFacts, v) -> bool:
    return not f.rules_decide and f.share == 1.0 and v["first"] == f.k


def _robust_out(f: RobustFacts, v) -> bool:
    return not f.rules_decide and f.share == 0.0 and v["first"] == f.k


def _robust_depends(f: RobustFacts, v) -> bool:
    return not f.rules_decide and 0.0 < f.share < 1.0 and v["share"] == f.share and v["first"] == f.k


def _rules_in(f: RobustFacts, v) -> bool:
    return f.rules_decide and f.in_top and v["first"] == f.k


def _rules_out(f: RobustFacts, v) -> bool:
    return f.rules_decide and not f.in_top and v["first"] == f.k


for _suffix in ("", "_short"):
    _kind("robust_in" + _suffix, {"first": "first"}, _robust_in)
    _kind("robust_out" + _suffix, {"first": "first"}, _robust_out)
    _kind("robust_depends" + _suffix, {"first": "first", "share": "pct"}, _robust_depends)
    _kind("rules_in" + _suffix, {"first": "first"}, _rules_in)
    _kind("rules_out" + _suffix, {"first": "first"}, _rules_out)


def robustness(facts: RobustFacts, *, short: bool = False) -> Claim | None:
    """Whether a unit is in the top k whatever the weights tried, out of it whatever they are, or
    depends on them; or, when the rules alone decide the top k, that the rules put it in or out."""
    if facts.share is None or math.isnan(facts.share):
        return None
    suffix = "_short" if short else ""
    if facts.rules_decide:
        key = "rules_in" if facts.in_top else "rules_out"
        return Claim(key + suffix, {"first": facts.k})
    if facts.share == 1.0:
        return Claim("robust_in" + suffix, {"first": facts.k})
    if facts.share == 0.0:
        return Claim("robust_out" + suffix, {"first": facts.k})
    return Claim("robust_depends" + suffix, {"first": facts.k, "share": float(facts.share)})


# ------------------------------------------------------------------------------------ rank band
_kind("rank_band_one", {"rank": "int", "draws": "int"}, lambda f, v: f[0] == f[1] == v["rank"] and v["draws"] == f[2])
_kind("rank_band", {"lo": "int", "hi": "int", "draws": "int"}, lambda f, v: f[0] < f[1] and (v["lo"], v["hi"], v["draws"]) == tuple(f))


def rank_band(lo: int, hi: int, draws: int) -> Claim:
    """Where the unit's rank lies (5–95 % of the weightings tried around the config's weights). It
    holds at the config's weights, and says so: the page shows it only while the sliders are there."""
    if lo == hi:
        return Claim("rank_band_one", {"rank": lo, "draws": draws})
    return Claim("rank_band", {"lo": lo, "hi": hi, "draws": draws})


# ------------------------------------------------------------------------------------ rules decide
@dataclass(frozen=True)
class RulesFacts:
    """The ranked units in rank order: their names and number of rules failed; ``last`` when units
    failing rules are ranked after every unit passing all (rules first); the k of the top k."""

    names: Sequence[str]
    failed: Sequence[int]
    rules_first: bool
    k: int


def rules_fix_order(f: RulesFacts) -> bool:
    """Every ranked unit fails a different number of rules, under rules first: no weighting can
    change the order."""
    return f.rules_first and len(f.failed) > 1 and len(set(f.failed)) == len(f.failed)


def rules_fix_top(f: RulesFacts) -> bool:
    """Under rules first, every unit of the top k fails fewer rules than every unit after it: no
    weighting can change who is in the top k."""
    n = len(f.failed)
    return f.rules_first and 0 < f.k < n and max(f.failed[:f.k]) < min(f.failed[f.k:])


_kind("rules_order", {"n": "int", "counts": "names"}, lambda f, v: rules_fix_order(f) and v["n"] == len(f.failed)
      and list(v["counts"]) == [str(c) for c in f.failed])
_kind("rules_top", {"first": "first", "names": "names"}, lambda f, v: rules_fix_top(f) and not rules_fix_order(f)
      and v["first"] == f.k and list(v["names"]) == list(f.names[:f.k]))


def rules_decide(facts: RulesFacts) -> Claim | None:
    """"The rules alone decide the order …" or "… decide the top k …"; nothing when weights matter."""
    if rules_fix_order(facts):
        return Claim("rules_order", {"n": len(facts.failed), "counts": [str(c) for c in facts.failed]})
    if rules_fix_top(facts):
        return Claim("rules_top", {"first": facts.k, "names": list(facts.names[:facts.k])})
    return None


# ------------------------------------------------------------------------------------ why this unit
@dataclass(frozen=True)
class WhyFacts:
    """One indicator of one unit: its index, value, points earned and the most it could earn (100 ×
    its weight), the values at the worst and best ends of its scale, the mean of the other units of
    the region (``nan`` if none), and whether lower is better."""

    index: int
    value: float
    points: float
    max_points: float
    worst: float
    best: float
    region_mean: float
    cost: bool


def strength(f: WhyFacts) -> bool:
    """An indicator is a strength when it earns at least half its points."""
    return f.points >= f.max_points / 2


def region_side(value: float, mean: float, cost: bool) -> int:
    """Where a value stands against the mean of the region's other units: 1 better, -1 worse, 0
    where no mean tells (none, or equal to the value). It does not depend on the weights: the page
    receives it as a fact (``page/static/builders.js``)."""
    if math.isnan(value) or math.isnan(mean) or math.isclose(value, mean, rel_tol=1e-9, abs_tol=1e-12):
        return 0
    return 1 if (value < mean if cost else value > mean) else -1


def region_agrees(f: WhyFacts) -> bool:
    """The region's mean tells the same story as the points: a strength is better than the mean of
    the region's other units, a weakness worse (lower is better for a cost)."""
    side = region_side(f.value, f.region_mean, f.cost)
    return side != 0 and (side > 0) == strength(f)


def _why_values(f: WhyFacts, v) -> bool:
    return (v["ind"] == f.index and v["value"] == f.value and v["points"] == f.points and v["max"] == f.max_points
            and v["worst"] == f.worst and v["best"] == f.best)


_kind("why_good", {"ind": "ind", "value": "n", "points": "f1", "max": "f1", "worst": "n", "best": "n"},
      lambda f, v: strength(f) and _why_values(f, v))
_kind("why_bad", {"ind": "ind", "value": "n", "points": "f1", "max": "f1", "worst": "n", "best": "n"},
      lambda f, v: not strength(f) and _why_values(f, v))
_kind("why_good_region", {"ind": "ind", "value": "n", "points": "f1", "max": "f1", "worst": "n", "best": "n", "mean": "n"},
      lambda f, v: strength(f) and region_agrees(f) and _why_values(f, v) and v["mean"] == f.region_mean)
_kind("why_bad_region", {"ind": "ind", "value": "n", "points": "f1", "max": "f1", "worst": "n", "best": "n", "mean": "n"},
      lambda f, v: not strength(f) and region_agrees(f) and _why_values(f, v) and v["mean"] == f.region_mean)


def why(items: Sequence[WhyFacts]) -> list[tuple[Claim, bool, WhyFacts]]:
    """A unit's indicators as sentences, each with whether it is a strength: strengths first, by the
    points they earn, then weaknesses, by the points they lose; the region's mean is added where it
    agrees with the points. Indicators of no weight or no value are left out."""
    kept = [f for f in items if f.max_points > 0 and not math.isnan(f.value) and not math.isnan(f.points)]
    kept.sort(key=lambda f: (not strength(f), -f.points if strength(f) else -(f.max_points - f.points), f.index))
    return [(_why_claim(f), strength(f), f) for f in kept]


def _why_claim(f: WhyFacts) -> Claim:
    values = {"ind": f.index, "value": f.value, "points": f.points, "max": f.max_points, "worst": f.worst, "best": f.best}
    key = "why_good" if strength(f) else "why_bad"
    if region_agrees(f):
        return Claim(key + "_region", {**values, "mean": f.region_mean})
    return Claim(key, values)


def pick_three(said: Sequence[tuple[Claim, bool, WhyFacts]]) -> list[int]:
    """The three lines a popup leads with: the two largest strengths and the largest weakness (more
    of one kind where the other has fewer), in the order of ``said``."""
    good = [i for i, s in enumerate(said) if s[1]]
    bad = [i for i, s in enumerate(said) if not s[1]]
    n_bad = min(len(bad), max(1, 3 - len(good)))
    chosen = good[:3 - n_bad] + bad[:n_bad]
    return sorted(chosen)


# ------------------------------------------------------------------------------------ the weights behind a choice
@dataclass(frozen=True)
class ChoiceFacts:
    """A row of the closest-weights table: unit name, scope, status, share of uniform weightings
    under which it is first, weight moved, and the (indicator index, config weight, closest weight)
    of every indicator."""

    name: str
    scope: str
    status: str
    share: float
    draws: int
    moved: float
    weights: Sequence[tuple[int, float, float]]


def _changes(f: ChoiceFacts) -> list[tuple[int, float, float]]:
    """The (at most three) largest weight changes, largest first."""
    moves = sorted(((abs(b - a), i, a, b) for i, a, b in f.weights if abs(b - a) >= 0.0005), key=lambda m: (-m[0], m[1]))
    return [(i, a, b) for _, i, a, b in moves[:3]]


_kind("change_weight", {"ind": "ind", "a": "pct", "b": "pct"}, lambda f, v: (v["ind"], v["a"], v["b"]) in set(_changes(f)))
_kind("choice_found", {"name": "text", "scope": "msg", "changes": "claims"},
      lambda f, v: f.status == "found" and v["name"] == f.name and v["scope"] == f"scope_{f.scope}" and len(v["changes"]) == len(_changes(f)) > 0)
_kind("choice_found_share", {"name": "text", "scope": "msg", "changes": "claims", "share": "pct", "draws": "int"},
      lambda f, v: f.status == "found" and 0 < f.share < 1 and v["share"] == f.share and v["draws"] == f.draws and v["name"] == f.name
      and len(v["changes"]) == len(_changes(f)) > 0)
_kind("choice_always", {"name": "text", "scope": "msg", "draws": "int"},
      lambda f, v: f.status == "already_first" and f.share == 1.0 and v["name"] == f.name and v["draws"] == f.draws)
_kind("choice_already", {"name": "text", "scope": "msg", "share": "pct", "draws": "int"},
      lambda f, v: f.status == "already_first" and f.share < 1.0 and v["share"] == f.share and v["name"] == f.name)
_kind("choice_blocked", {"name": "text", "scope": "msg"}, lambda f, v: f.status == "blocked_by_rules" and v["name"] == f.name)
_kind("choice_impossible", {"name": "text", "scope": "msg"}, lambda f, v: f.status == "impossible" and v["name"] == f.name)
_kind("choice_not_found", {"name": "text", "scope": "msg", "draws": "int"}, lambda f, v: f.status == "not_found" and v["name"] == f.name and v["draws"] == f.draws)


def choice(facts: ChoiceFacts) -> Claim | None:
    """What it would take for a unit to be first in its scope: the weight changes of the closest
    weighting, or that it is first already, or that the rules or the data forbid it."""
    base = {"name": facts.name, "scope": f"scope_{facts.scope}"}
    if facts.status == "found":
        changes = [Claim("change_weight", {"ind": i, "a": a, "b": b}) for i, a, b in _changes(facts)]
        if not changes:
            return None
        if 0 < facts.share < 1:
            return Claim("choice_found_share", {**base, "changes": changes, "share": facts.share, "draws": facts.draws})
        return Claim("choice_found", {**base, "changes": changes})
    if facts.status == "already_first":
        if facts.share == 1.0:
            return Claim("choice_always", {**base, "draws": facts.draws})
        return Claim("choice_already", {**base, "share": facts.share, "draws": facts.draws})
    if facts.status in ("blocked_by_rules", "impossible"):
        return Claim(f"choice_{'blocked' if facts.status == 'blocked_by_rules' else 'impossible'}", base)
    if facts.status == "not_found":
        return Claim("choice_not_found", {**base, "draws": facts.draws})
    return None


# ------------------------------------------------------------------------------------ stakeholders
@dataclass(frozen=True)
class AgreementFacts:
    """How many of ``m`` weight sets put the unit in their top ``k``, of ``units`` ranked units."""

    n: int
    m: int
    k: int
    units: int


def _telling(f: AgreementFacts) -> bool:
    """Agreement says something only when the top k leaves some ranked unit out."""
    return f.m > 1 and f.k < f.units


_kind("agreement_every", {"first": "first", "m": "int"}, lambda f, v: _telling(f) and f.n == f.m and v["m"] == f.m and v["first"] == f.k)
_kind("agreement_some", {"first": "first", "n": "int", "m": "int"}, lambda f, v: _telling(f) and 0 < f.n < f.m and v["n"] == f.n and v["m"] == f.m and v["first"] == f.k)
_kind("agreement_none", {"first": "first", "m": "int"}, lambda f, v: _telling(f) and f.n == 0 and v["m"] == f.m and v["first"] == f.k)


def agreement(facts: AgreementFacts) -> Claim | None:
    """"Among the first 5 for 3 of the 4 weight sets", or for every one, or for none; nothing where
    the top k holds every ranked unit (every set would trivially agree)."""
    if not _telling(facts):
        return None
    if facts.n == facts.m:
        return Claim("agreement_every", {"first": facts.k, "m": facts.m})
    if facts.n == 0:
        return Claim("agreement_none", {"first": facts.k, "m": facts.m})
    return Claim("agreement_some", {"first": facts.k, "n": facts.n, "m": facts.m})


# ------------------------------------------------------------------------------------ pilots
@dataclass(frozen=True)
class PilotFacts:
    """The chosen set (names), the objective (``score`` or ``robust``) and its total, the
    constraints in force (catalogue keys with their numbers) and those that bind."""

    names: Sequence[str]
    objective: str
    total: float
    constraints: Sequence[tuple[str, float]]
    binding: Sequence[str]


CONSTRAINTS = ("c_only_passing", "c_region_min", "c_region_max", "c_min_distance", "c_budget")
for _c in CONSTRAINTS:
    _kind(_c, {"x": "n"}, lambda f, v, c=_c: (c, v["x"]) in set(f.constraints))
_kind("pilots_chosen", {"names": "names", "objective": "msg", "total": "n", "constraints": "claims"},
      lambda f, v: list(v["names"]) == list(f.names) and v["objective"] == f"objective_{f.objective}" and v["total"] == f.total
      and len(v["constraints"]) == len(f.constraints) > 0)
_kind("pilots_chosen_free", {"names": "names", "objective": "msg", "total": "n"},
      lambda f, v: list(v["names"]) == list(f.names) and not f.constraints and v["total"] == f.total)
_kind("pilots_bind", {"constraints": "claims"}, lambda f, v: len(v["constraints"]) == len(f.binding) > 0)


def pilots(facts: PilotFacts) -> list[Claim]:
    """The chosen pilots in words ("Diré and Niafunké: the highest total score possible with at most
    2 pilots per region"), and which constraints cost score."""
    if not facts.names:
        return []
    base = {"names": list(facts.names), "objective": f"objective_{facts.objective}", "total": facts.total}
    constraints = [Claim(c, {"x": x}) for c, x in facts.constraints]
    out = [Claim("pilots_chosen", {**base, "constraints": constraints}) if constraints else Claim("pilots_chosen_free", base)]
    binding = [Claim(c, {"x": x}) for c, x in facts.constraints if c in facts.binding]
    if binding:
        out.append(Claim("pilots_bind", {"constraints": binding}))
    return out


# ------------------------------------------------------------------------------------ data uncertainty
_kind("data_band_one", {"rank": "ord", "draws": "int"}, lambda f, v: f[0] == f[1] == v["rank"] and v["draws"] == f[2])
_kind("data_band_range", {"lo": "int", "hi": "int", "draws": "int"}, lambda f, v: f[0] < f[1] and (v["lo"], v["hi"], v["draws"]) == tuple(f))


def data_band(lo: int, hi: int, draws: int) -> Claim:
    """Where the unit's rank lies when the data are perturbed within their margins (5–95 % of draws)."""
    if lo == hi:
        return Claim("data_band_one", {"rank": lo, "draws": draws})
    return Claim("data_band_range", {"lo": lo, "hi": hi, "draws": draws})


_kind("share_imprecise", {"what": "text", "share": "pct"}, lambda f, v: f[0] == "imprecise" and 0 < f[2] <= 1 and (v["what"], v["share"]) == (f[1], f[2]))
_kind("share_margins", {"what": "names", "share": "pct"}, lambda f, v: f[0] == "margins" and 0 < f[2] <= 1 and v["share"] == f[2])
_kind("share_imputation", {"share": "pct"}, lambda f, v: f[0] == "imputation" and 0 < f[2] <= 1 and v["share"] == f[2])
_kind("share_sources", {"share": "pct"}, lambda f, v: f[0] == "sources" and 0 < f[2] <= 1 and v["share"] == f[2])
_kind("share_interaction", {"share": "pct"}, lambda f, v: f[0] == "interaction" and 0 < f[2] <= 1 and v["share"] == f[2])


def data_share(source: str, what: Any, share: float) -> Claim | None:
    """"The imprecise locations of “incidents” account for about 77 % of how much ranks move when the
    data are perturbed"; nothing for a source of no share. ``source``: ``imprecise`` (``what``: the
    layer's label), ``margins`` (``what``: the measures' names), ``imputation``, ``sources`` or ``interaction``."""
    if share is None or math.isnan(share) or share <= 0 or f"share_{source}" not in KINDS:
        return None
    fields = KINDS[f"share_{source}"].fields
    return Claim(f"share_{source}", {"share": float(share), **({"what": what} if "what" in fields else {})})


# ------------------------------------------------------------------------------------ low reporting
@dataclass(frozen=True)
class ReportingFacts:
    """A unit's recorded events over the study's periods (``label``: e.g. "2016–2019"), and how many
    of them are located only to the region."""

    events: int
    imprecise: int
    label: str


_kind("low_no_events", {"layer": "text", "period": "text"}, lambda f, v: f.events == 0 and v["period"] == f.label)
_kind("low_imprecise", {"layer": "text", "n": "int", "of": "int"},
      lambda f, v: f.events > 0 and 2 * f.imprecise > f.events and (v["n"], v["of"]) == (f.imprecise, f.events))


def low_reporting(facts: ReportingFacts, layer: str) -> Claim | None:
    """That few recorded events may mean little reporting: none recorded at all, or most located
    only to the region."""
    if facts.events == 0:
        return Claim("low_no_events", {"layer": layer, "period": facts.label})
    if 2 * facts.imprecise > facts.events:
        return Claim("low_imprecise", {"layer": layer, "n": facts.imprecise, "of": facts.events})
    return None


# ------------------------------------------------------------------------------------ several sources
@dataclass(frozen=True)
class SourceRuleFacts:
    """A unit's outcome of one rule (its index) under each source of an indicator the rule reads:
    ``(source label, the indicator's value under it, passed)``, in the sources' order."""

    unit: str
    rule: int
    outcomes: Sequence[tuple[str, float, bool]]


def _source_says(f: SourceRuleFacts, v: Mapping[str, Any], passed: bool) -> list[tuple[str, Any]]:
    return [(s, None if x is None or (isinstance(x, float) and math.isnan(x)) else x) for s, x, p in f.outcomes if p == passed]


def _said(sub: Sequence[Claim]) -> list[tuple[str, Any]]:
    return [(c.values["source"], c.values.get("value")) for c in sub]


_kind("source_value", {"source": "text", "value": "n"},
      lambda f, v: any(s == v["source"] and x == v["value"] for s, x, _ in f.outcomes))
_kind("source_no_value", {"source": "text"},
      lambda f, v: any(s == v["source"] and (x is None or (isinstance(x, float) and math.isnan(x))) for s, x, _ in f.outcomes))
_kind("source_rule", {"unit": "text", "rule": "rule", "passes": "claims", "fails": "claims"},
      lambda f, v: v["unit"] == f.unit and v["rule"] == f.rule and bool(v["passes"]) and bool(v["fails"])
      and _said(v["passes"]) == _source_says(f, v, True) and _said(v["fails"]) == _source_says(f, v, False))


def _source_value(source: str, value: float) -> Claim:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Claim("source_no_value", {"source": source})
    return Claim("source_value", {"source": source, "value": float(value)})


def source_rule(facts: SourceRuleFacts) -> Claim | None:
    """"Goundam passes “No more than 5 incidents” with Malilink (3), fails with ACLED (8)"; nothing
    where every source gives the same outcome."""
    passes = [_source_value(s, x) for s, x, p in facts.outcomes if p]
    fails = [_source_value(s, x) for s, x, p in facts.outcomes if not p]
    if not passes or not fails:
        return None
    return Claim("source_rule", {"unit": facts.unit, "rule": facts.rule, "passes": passes, "fails": fails})


@dataclass(frozen=True)
class SourceTopFacts:
    """Whether a unit is among the first ``k`` (rank ≤ k) under each source: ``(source label, rank or
    NaN where unranked)``; ``units``: how many units are ranked."""

    unit: str
    k: int
    ranks: Sequence[tuple[str, float]]
    units: int


def _in_top(rank: float, k: int) -> bool:
    return rank is not None and not math.isnan(rank) and rank <= k


_kind("source_top", {"unit": "text", "first": "first", "ins": "names", "outs": "names"},
      lambda f, v: v["unit"] == f.unit and v["first"] == f.k < f.units and bool(v["ins"]) and bool(v["outs"])
      and list(v["ins"]) == [s for s, r in f.ranks if _in_top(r, f.k)] and list(v["outs"]) == [s for s, r in f.ranks if not _in_top(r, f.k)])


def source_top(facts: SourceTopFacts) -> Claim | None:
    """"Goundam is among the first 3 with Malilink, not with ACLED"; nothing where the sources agree
    or the top k holds every ranked unit."""
    ins = [s for s, r in facts.ranks if _in_top(r, facts.k)]
    outs = [s for s, r in facts.ranks if not _in_top(r, facts.k)]
    if not ins or not outs or facts.k >= facts.units:
        return None
    return Claim("source_top", {"unit": facts.unit, "first": facts.k, "ins": ins, "outs": outs})


_kind("sources_same", {"sources": "names", "first": "first"}, lambda f, v: f[0] == 0 and list(v["sources"]) == list(f[1]) and v["first"] == f[2])


def sources_same(changed: int, sources: Sequence[str], k: int) -> Claim | None:
    """"With ACLED or Malilink alike, every unit passes the same rules and the units among the first 5
    are the same"; nothing when some unit's rules or place change (``changed``: how many units)."""
    if changed:
        return None
    return Claim("sources_same", {"sources": list(sources), "first": k})
