"""The config's cross-checks: what one key says about another (names that must exist, weights on a
common scale, pillars that hold every weighted indicator, AHP's consistency, periods, analyses'
references), every problem reported at once; and what the stages ask of a config (which measures a
rule or weighted indicator depends on, which texts lack the config's language)."""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from .. import layers as _layers
from ..decision import decode_weights
from ..errors import Problem, did_you_mean, short_repr
from ..messages import has_language, pick
from ..rules import RuleSyntaxError, parse_rule
from ..schemas import sign_evidence
from ..weights import MAX_CONSISTENCY_RATIO, ahp
from .model_tree import tree_problems
from .schema import MIN_WEIGHT_SHARE, UNIT_MEASURES, Config, measures_of

def _cross_checks(config: Config) -> list[Problem]:
    """Checks across keys of a validated config: references, per_year, weights."""
    layers = {name: measures_of(spec) for name, spec in config.layers.items()}
    problems = _reference_problems(
        layers,
        {n: (i.measure, i.per) for n, i in config.indicators.items()},
        {n: r.expr for n, r in config.rules.items()},
        files={name: spec.path.name for name, spec in config.layers.items() if getattr(spec, "columns", None) is not None},
    )
    problems += _source_problems(config, layers)
    for name, ind in config.indicators.items():
        why = _signed_denominator(config, ind.per)
        if why:
            problems.append(Problem(f"indicators.{name}.per", f"{ind.per}, a measure that may be below 0 ({why})",
                                    "a denominator of 0 or more (a population, an area, a count)", "divide by another measure"))
        if ind.per_year:
            layer = config.layers.get(ind.measure.split(".", 1)[0])
            window = getattr(layer, "window", None)  # a dated layer's inclusive window
            if window is None or None in window:
                problems.append(
                    Problem(f"indicators.{name}.per_year", "true", "a measure of a points layer with both ends of its window (year, or start and end)")
                )
    problems += _model_problems(config)
    problems += _decision_problems(config)
    problems += _period_problems(config)
    if config.map.classes == 1:
        problems.append(Problem("map.classes", "1", "0 (continuous colours) or 2 to 9 classes"))
    for name in config.map.point_layers or []:
        if name not in map_point_layers(config):
            points = map_point_layers(config)
            problems.append(Problem("map.point_layers", f"{name!r}{did_you_mean(name, points)}", f"a points layer: {', '.join(points) or '(none)'}"))
    return problems


def _signed_denominator(config: Config, per: str | None) -> str | None:
    """Why the measure ``per`` names may be below 0 (listed under its table layer's ``signed``, or a
    name saying a change: :func:`nexus_zones.schemas.sign_evidence`), else ``None``."""
    layer_name, _, measure = (per or "").partition(".")
    spec = config.layers.get(layer_name)
    if not measure or not hasattr(spec, "signed"):
        return None
    if measure in spec.signed:
        return f"layers.{layer_name}.signed"
    column = spec.column_map.get(measure, measure) if spec.columns is not None else measure
    evidence = sign_evidence((measure, column))
    return f"its {evidence.change} says a change" if evidence.signed else None


def _period_problems(config: Config) -> list[Problem]:
    """Periods: unique names; each layer that follows the period can (a dated points layer needs a
    window, a raster's per-period files name periods)."""
    problems: list[Problem] = []
    names = [p.name for p in config.periods]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.append(Problem(f"periods[{i}].name", repr(name), "a name used by one period only", "rename one of them"))
    dates = [p.round_date for p in config.periods]
    for i in range(1, len(dates)):
        if dates[i] < dates[i - 1]:  # changes are computed from each period to the next: "between 2019 and 2016" would read backwards
            problems.append(Problem(f"periods[{i}]", f"{names[i]!r} ({dates[i]}) listed after {names[i - 1]!r} ({dates[i - 1]})",
                                    "periods from the oldest to the newest (changes are computed from each period to the next)",
                                    f"list the periods in order: {', '.join(n for _, n in sorted(zip(dates, names)))}"))
            break
    for lname, spec in config.layers.items():
        if getattr(spec, "window", (None, None)) != (None, None):
            for i, p in enumerate(config.periods):
                if p.window == (None, None):
                    problems.append(Problem(f"periods[{i}]", f"{p.name!r}, a round date only (as_of)", f"a year or start and end: layers.{lname} counts dated points in a window",
                                            "give the period a year, or start and end"))
        for pname in (getattr(spec, "period_paths", None) or {}):
            if pname not in names:
                problems.append(Problem(f"layers.{lname}.period_paths.{pname}", repr(pname) + did_you_mean(pname, names), f"the name of a period: {', '.join(names) or '(no periods)'}"))
    return problems


def map_point_layers(config: Config) -> list[str]:
    """The layers whose kind draws points on the map (``MAP_POINTS``)."""
    return [n for n, spec in config.layers.items() if getattr(_layers.kind_of(spec), "MAP_POINTS", False)]


def _decision_problems(config: Config) -> list[Problem]:
    """Pilots, stakeholders and data uncertainty: names that must exist, codes that must decode."""
    problems: list[Problem] = []
    names = list(config.indicators)
    pilots = config.pilots
    if pilots.budget is not None and pilots.cost is None:
        problems.append(Problem("pilots.budget", f"{pilots.budget:g} without pilots.cost", "a cost (layer.measure or indicator) with a budget", "add pilots.cost or remove pilots.budget"))
    if pilots.region_max is not None and pilots.region_min > pilots.region_max:
        problems.append(Problem("pilots.region_min", f"{pilots.region_min} above pilots.region_max {pilots.region_max}", "region_min ≤ region_max"))
    for i, cond in enumerate(pilots.require):
        if cond not in config.rules:
            try:
                parse_rule(cond)
            except RuleSyntaxError as exc:
                problems.append(Problem(f"pilots.require[{i}]", f"{cond!r}: {exc}{did_you_mean(cond, list(config.rules))}", f"a rule name ({', '.join(config.rules) or 'none'}) or an expression"))
    for i, cond in enumerate(pilots.require):
        if re.fullmatch(r"[^\W\d]\w*", cond.strip()) and cond.strip() not in config.rules:  # a bare name: a rule's, misspelt
            problems.append(Problem(f"pilots.require[{i}]", f"{cond!r}, which names no rule{did_you_mean(cond.strip(), list(config.rules))}",
                                    f"a rule name ({', '.join(config.rules) or 'none'}, as spelt) or an expression", "write the rule's name as it is spelt under rules:"))
    known_sets = [*config.stakeholders.sets, config.stakeholders.pooled_name]
    for name in config.stakeholders.labels:
        if name not in known_sets:
            problems.append(Problem(f"stakeholders.labels.{name}", f"{name!r}, which names no weight set{did_you_mean(name, known_sets)}",
                                    f"a set of stakeholders.sets or the pooled set ({', '.join(known_sets)})"))
    for sname, weights in config.stakeholders.sets.items():
        for ind in weights:
            if ind not in config.indicators:
                problems.append(Problem(f"stakeholders.sets.{sname}.{ind}", f"{ind!r}{did_you_mean(ind, names)}", f"an indicator: {', '.join(names)}"))
        if weights and sum(weights.values()) <= 0:
            problems.append(Problem(f"stakeholders.sets.{sname}", "0 for every indicator", "at least one positive weight"))
    for i, code in enumerate(config.stakeholders.participants):
        if code.strip().lower().endswith(".json"):
            continue  # a file, read with the inputs
        try:
            decoded = decode_weights(code)
        except ValueError as exc:
            problems.append(Problem(f"stakeholders.participants[{i}]", short_repr(code), str(exc), "copy the code again from the map (button 'Copy my weights as a code')"))
            continue
        unknown = [n for n in decoded["weights"] if n not in config.indicators]
        if unknown:
            problems.append(Problem(f"stakeholders.participants[{i}]", f"weights for {', '.join(unknown)}", f"weights for the indicators of this config: {', '.join(names)}",
                                    "the code was made on a map of another config; copy it from this study's map"))
    points = map_point_layers(config)
    for name in config.data_uncertainty.imprecise_events:
        if name not in points:
            problems.append(Problem("data_uncertainty.imprecise_events", f"{name!r}{did_you_mean(name, points)}", f"a points layer: {', '.join(points) or '(none)'}"))
    return problems + _decision_name_problems(config)


def _decision_name_problems(config: Config) -> list[Problem]:
    """Names the decision keys give that must not collide, and the measures they reference (checked
    before any draw, so that ``check`` and ``run`` stop here rather than after the draws)."""
    problems: list[Problem] = []
    sh = config.stakeholders
    if sh.participants and sh.pooled_name in sh.sets:
        problems.append(Problem("stakeholders.pooled_name", f"{sh.pooled_name!r}, also the name of a set in stakeholders.sets",
                                "a name of its own for the participants' pooled set (it would replace that set)",
                                f"rename the pooled set (stakeholders.pooled_name: participants) or the set {sh.pooled_name!r}"))
    layers = {name: measures_of(spec) for name, spec in config.layers.items()}
    for ref in config.data_uncertainty.margins:
        problem = _measure_problem(layers, config.indicators, f"data_uncertainty.margins.{ref}", ref, in_rule=False)
        if problem:
            problems.append(problem)
    cost = config.pilots.cost
    if cost and cost not in config.indicators:
        problem = _measure_problem(layers, config.indicators, "pilots.cost", cost, in_rule=True)
        if problem:
            problems.append(problem)
    return problems


def _model_problems(config: Config) -> list[Problem]:
    """Pillars, weights and AHP judgements."""
    problems = _pillar_membership_problems(config) + _ahp_problems(config) + _missing_weight_problems(config) + _node_column_problems(config)
    if not problems and config.indicators and sum(config.indicator_weights().values()) <= 0:
        problems.append(
            Problem("indicators.*.weight", "0 for every indicator", "at least one positive weight", "give the indicators that should count a weight above 0")
        )
    if not problems and config.model.pillars and sum(config.pillar_weights().values()) <= 0:
        problems.append(Problem("model.pillars.*.weight", "0 for every pillar", "at least one positive weight"))
    if not problems:
        problems += _weight_scale_problems(config)
    if not problems:
        problems += tree_problems(config)
    return problems


#: Columns of the scores table a node's ``node_<name>`` / ``rank_<name>`` must not take (robustness's).
TAKEN_COLUMNS = ("rank_median", "rank_p05", "rank_p95")


def _node_column_problems(config: Config) -> list[Problem]:
    """A pillar whose columns ``node_<name>`` and ``rank_<name>`` would take another column's name."""
    taken = set(TAKEN_COLUMNS) | {f"{n}{end}" for n in config.indicators for end in ("", "_norm", "_contrib")}
    return [
        Problem(f"model.pillars.{name}", f"its columns node_{name} and rank_{name}, the name of another column of the scores table",
                "a pillar name whose node_ and rank_ columns are free", f"rename the pillar (for example {name}_node)")
        for name in config.model.pillars if {f"node_{name}", f"rank_{name}"} & taken
    ]


def _pillar_membership_problems(config: Config) -> list[Problem]:
    """Each pillar's indicators exist, none is in two pillars, and every indicator is in one."""
    problems: list[Problem] = []
    names = list(config.indicators)
    pillars = config.model.pillars
    if not pillars:
        return problems
    seen: dict[str, str] = {}
    for pname, pillar in pillars.items():
        for ind in pillar.indicators:
            if ind not in config.indicators:
                problems.append(Problem(f"model.pillars.{pname}.indicators", f"{ind!r}{did_you_mean(ind, names)}", f"an indicator: {', '.join(names)}"))
            elif ind in seen:
                problems.append(Problem(f"model.pillars.{pname}.indicators", f"{ind!r}, already in pillar {seen[ind]!r}", "each indicator in one pillar"))
            else:
                seen[ind] = pname
    loose = [n for n in names if n not in seen]
    if loose:
        problems.append(Problem("model.pillars", f"indicators in no pillar: {', '.join(loose)}", "every indicator in one pillar", "add them to a pillar"))
    return problems


def _ahp_problems(config: Config) -> list[Problem]:
    """AHP judgements on Saaty's scale; when they are, complete and consistent with no weight given beside
    them; otherwise (or without AHP) a weight for every pillar."""
    model, pillars = config.model, config.model.pillars
    problems: list[Problem] = []
    off_scale: list[str] = []
    if model.ahp is not None:
        off_scale = [f"{a} vs {b}: {x:g}" for a, row in model.ahp.items() for b, x in row.items() if not 1 / 9 - 1e-9 <= x <= 9 + 1e-9]
        if off_scale:
            problems.append(Problem("model.ahp", f"judgements off Saaty's scale ({'; '.join(off_scale[:5])})", "judgements from 1/9 to 9 (1 equal, 3 moderate, 5 strong, 7 very strong, 9 extreme importance)",
                                    "correct them: a judgement says how many times as important a is as b, at most 9"))
    if model.ahp is not None and not off_scale:
        problems += _ahp_consistency_problems(config) + _weights_beside_ahp_problems(config)
    else:
        if pillars:
            for pname, spec in pillars.items():
                if spec.weight is None:
                    problems.append(Problem(f"model.pillars.{pname}.weight", "nothing", "a weight of 0 or more (or model.ahp)", "add weight:"))
    return problems


def _ahp_consistency_problems(config: Config) -> list[Problem]:
    """AHP judgements (on the scale) that leave a pair unjudged, or contradict each other beyond Saaty's ratio."""
    model, pillars = config.model, config.model.pillars
    ahp_items = list(pillars) if pillars else list(config.indicators)
    ahp_level = "pillars" if pillars else "indicators"
    try:
        result = ahp(ahp_items, model.ahp)
    except ValueError as exc:
        return [Problem("model.ahp", str(exc), f"one judgement for every pair of {ahp_level} ({', '.join(ahp_items)})", "complete the judgements")]
    if result.consistency_ratio > MAX_CONSISTENCY_RATIO:
        return [
            Problem("model.ahp", f"a consistency ratio of {result.consistency_ratio:.3f}", f"at most {MAX_CONSISTENCY_RATIO} (Saaty)",
                    "revise the judgements that contradict each other (if a > b and b > c, then a > c by about their product)")
        ]
    return []


def _weights_beside_ahp_problems(config: Config) -> list[Problem]:
    """Weights given as well as AHP judgements, at the level AHP weighs (pillars, or indicators without pillars)."""
    pillars = config.model.pillars
    if pillars:
        given = [p for p, spec in pillars.items() if spec.weight is not None]
        where = "model.pillars.{}.weight"
    else:
        given = [n for n, ind in config.indicators.items() if ind.weight is not None]
        where = "indicators.{}.weight"
    return [Problem(where.format(item), "a weight as well as model.ahp", "either weights or AHP judgements", "remove the weight: AHP derives it") for item in given]


def _missing_weight_problems(config: Config) -> list[Problem]:
    """Indicators without a weight where one is needed (always with pillars; without pillars, unless AHP weighs them)."""
    needs_indicator_weights = bool(config.model.pillars) or config.model.ahp is None
    if not needs_indicator_weights:
        return []
    return [
        Problem(f"indicators.{n}.weight", "nothing (the key is missing)", "a weight of 0 or more", "add weight: to the indicator")
        for n, ind in config.indicators.items() if ind.weight is None
    ]


def _weight_scale_problems(config: Config) -> list[Problem]:
    """Weights compared within each group that is normalised together (a pillar, or all indicators):
    a sum that overflows, or a positive weight whose share is below :data:`MIN_WEIGHT_SHARE`."""
    groups: list[tuple[str, dict[str, float]]] = []
    given = {n: i.weight for n, i in config.indicators.items() if i.weight is not None}
    if config.model.pillars:
        for pname, pillar in config.model.pillars.items():
            groups.append((f"model.pillars.{pname}: indicators.*.weight", {f"indicators.{n}.weight": given[n] for n in pillar.indicators if n in given}))
        for parent in dict.fromkeys(s.parent for s in config.model.pillars.values()):  # siblings are compared, pillar by pillar of the tree
            groups.append((f"model.pillars.*.weight" + (f" (parent {parent})" if parent else ""),
                           {f"model.pillars.{p}.weight": s.weight for p, s in config.model.pillars.items() if s.weight is not None and s.parent == parent}))
    else:
        groups.append(("indicators.*.weight", {f"indicators.{n}.weight": w for n, w in given.items()}))
    problems = []
    for label, weights in groups:
        positive = {k: float(w) for k, w in weights.items() if w > 0}
        if not positive:
            continue
        big = max(positive, key=positive.get)
        total = sum(positive.values())  # inf when it overflows (math.fsum would raise)
        small = sorted((k for k, w in positive.items() if not math.isfinite(total) or w / total < MIN_WEIGHT_SHARE), key=positive.get)
        if not math.isfinite(total):
            found = f"weights whose sum is too large to compute (largest: {big} = {positive[big]:g})"
        elif small:
            found = (f"{big} = {positive[big]:g} beside {small[0]} = {positive[small[0]]:g}: {len(small)} positive weights would count for less than "
                     f"{MIN_WEIGHT_SHARE:g} of the total, i.e. for nothing ({', '.join(small[:6])}{' ...' if len(small) > 6 else ''})")
        else:
            continue
        problems.append(Problem(
            label, found, f"positive weights on a common scale (each at least {MIN_WEIGHT_SHARE:g} of their sum)",
            "correct the weight that is off (weights are relative: 1 to 10 is usual); give 0 to an indicator that should not count",
        ))
    return problems


def _source_problems(config: Config, layers: Mapping[str, tuple[str, ...] | None]) -> list[Problem]:
    """An indicator's ``sources`` name measures of the layers; a dated layer's over the same window as
    the indicator's own measure's dated layer (a count over 2017 is not compared with one over 2016-2017)."""
    problems = []
    for name, ind in config.indicators.items():
        own = getattr(config.layers.get(ind.measure.split(".", 1)[0]), "window", None)
        for ref in ind.sources:
            problem = _measure_problem(layers, config.indicators, f"indicators.{name}.sources", ref, in_rule=False)
            if problem is not None:
                problems.append(problem)
                continue
            window = getattr(config.layers.get(ref.split(".", 1)[0]), "window", None)
            if window is not None and own is not None and window != own:  # two dated layers (a table's date is its own choice)
                problems.append(Problem(f"indicators.{name}.sources", f"{ref!r} counted over {_window_text(window)}, {ind.measure!r} over {_window_text(own)}",
                                        "every source over the window of the indicator's measure", f"give layer {ref.split('.', 1)[0]!r} the same year (or start and end)"))
    return problems


def _window_text(window: tuple | None) -> str:
    if window is None or window == (None, None):
        return "no date window"
    return f"{window[0] or '…'} to {window[1] or '…'}"


def measure_dependents(config: Config) -> dict[str, list[str]]:
    """For each ``layer.measure``, the config keys whose result depends on its values: rules that
    read it (directly, or through an indicator) and indicators that count (positive weight, in a
    pillar of positive weight) whose measure or ``per`` it is."""
    weights = config.indicator_weights()
    pillar_weights = config.pillar_weights()
    pillar_of = {n: p for p, spec in config.model.pillars.items() for n in spec.indicators}
    out: dict[str, list[str]] = {}
    for name, ind in config.indicators.items():
        counts = weights.get(name, 0.0) > 0 and pillar_weights.get(pillar_of.get(name, ""), 1.0) > 0
        if counts:
            for ref in (ind.measure, ind.per, *(ind.sources if ind.combine_sources != "first" else ())):
                if ref:
                    out.setdefault(ref, []).append(f"indicators.{name} (weight {weights[name]:g})")
    for rname, rule in config.rules.items():
        for ref in parse_rule(rule.expr).names:
            if ref in config.indicators:
                ind = config.indicators[ref]
                refs = [r for r in (ind.measure, ind.per) if r]
            else:
                refs = [ref]
            for r in refs:
                key = f"rules.{rname} ({rule.expr!r})"
                if key not in out.setdefault(r, []):
                    out[r].append(key)
    return out


def _raw_cross_checks(data: Mapping[str, Any]) -> list[Problem]:
    """The reference checks on a config that failed validation, as far as its shape allows, so that
    a schema error does not hide a wrong reference."""

    def mapping(value: Any) -> Mapping[str, Any]:
        return value if isinstance(value, Mapping) else {}

    layers = {str(k): None for k in mapping(data.get("layers"))}
    indicators = {}
    for name, ind in mapping(data.get("indicators")).items():
        ind = mapping(ind)
        measure, per = ind.get("measure"), ind.get("per")
        indicators[str(name)] = (
            measure if isinstance(measure, str) and "." in measure else None,
            per if isinstance(per, str) and "." in per else None,
        )
    rules = {}
    for name, rule in mapping(data.get("rules")).items():
        expr = rule if isinstance(rule, str) else mapping(rule).get("expr")
        if isinstance(expr, str):
            rules[str(name)] = expr
    problems = _reference_problems(layers, indicators, rules)
    model = mapping(data.get("model"))
    if model.get("ahp") is None or model.get("pillars"):
        for name, ind in mapping(data.get("indicators")).items():
            if isinstance(ind, Mapping) and "weight" not in ind:
                problems.append(Problem(f"indicators.{name}.weight", "nothing (the key is missing)", "a weight of 0 or more", "add weight: to the indicator"))
    return problems


def _reference_problems(
    layers: Mapping[str, tuple[str, ...] | None], indicators: Mapping[str, tuple[str | None, str | None]], rules: Mapping[str, str],
    *, files: Mapping[str, str] | None = None,
) -> list[Problem]:
    """References from indicators and rules to layers, their measures and indicators.

    ``layers`` maps a layer name to its measures (``None`` where they depend on the data); ``files``
    maps a layer whose measures are the columns it lists (a table's ``columns``) to its file's name,
    for the fix of a measure it does not list (another column of the same file).
    """
    problems: list[Problem] = []
    if "units" in layers:
        problems.append(Problem("layers.units", "a layer named 'units'", "another name: 'units' holds the units' own measures (units.area_km2)", "rename the layer"))

    def measure_problem(where: str, ref: str, in_rule: bool) -> Problem | None:
        return _measure_problem(layers, indicators, where, ref, in_rule=in_rule, files=files or {})

    for name, (measure, per) in indicators.items():
        for key, ref in (("measure", measure), ("per", per)):
            if ref:
                problem = measure_problem(f"indicators.{name}.{key}", ref, in_rule=False)
                if problem:
                    problems.append(problem)
    for rname, expr in rules.items():
        where = f"rules.{rname}.expr"
        try:
            parsed = parse_rule(expr)
        except RuleSyntaxError as exc:
            problems.append(Problem(where, str(exc), "an expression such as 'incidents <= 5' (names, numbers, comparisons, and/or/not)"))
            continue
        for ref in parsed.names:
            if "." in ref:
                problem = measure_problem(where, ref, in_rule=True)
                if problem:
                    problems.append(problem)
            elif ref not in indicators:
                problems.append(
                    Problem(where, f"unknown indicator {ref!r}{did_you_mean(ref, indicators)}", f"an indicator ({', '.join(indicators)}) or layer.measure")
                )
    return problems


def _measure_problem(layers: Mapping[str, tuple[str, ...] | None], indicators: Mapping, where: str, ref: str, *, in_rule: bool,
                     files: Mapping[str, str] | None = None) -> Problem | None:
    """The problem of a ``layer.measure`` reference (unknown layer, or a measure the layer has not), or
    None; for a layer of ``files`` (a table listing its columns) the fix says how to read another column."""
    if "." not in ref:
        return Problem(where, f"{ref!r}, not of the form layer.measure", f"a measure such as {next(iter(layers), 'layer')}.count: a layer ({', '.join(layers) or 'none'}), a dot, its measure")
    layer_name, measure = ref.split(".", 1)
    if layer_name == "units" and "units" not in layers:
        if measure in UNIT_MEASURES:
            return None
        return Problem(where, f"{ref!r}: the units have no measure {measure!r}", f"one of {', '.join('units.' + m for m in UNIT_MEASURES)}")
    if layer_name not in layers:
        expected = (f"an indicator ({', '.join(indicators)}) or layer.measure" if in_rule
                    else f"a layer defined under layers: {', '.join(layers) or '(none defined)'}")
        return Problem(where, f"{ref!r} names unknown layer {layer_name!r}{did_you_mean(layer_name, layers)}", expected, "add the layer or correct the name")
    known = layers[layer_name]
    if known is not None and measure not in known:
        file = (files or {}).get(layer_name)
        read = f" (the columns it reads from {file})" if file else ""
        fix = (f"name one of them, or read the column of {file} under layers.{layer_name}.columns (a mapping gives measure -> column, "
               f"e.g. {measure}: <the column's header>)") if file else ""
        return Problem(where, f"{ref!r}: layer {layer_name!r} has no measure {measure!r}{did_you_mean(measure, known)}",
                       f"a measure of layer {layer_name!r}: {', '.join(known)}{read}", fix)
    return None


def untranslated_texts(config: Config) -> list[tuple[str, str]]:
    """The config texts shown on the map and in the brief that are not given in ``config.language``:
    (config key, the text shown instead). Plain texts count as English (see
    :func:`nexus_zones.messages.has_language`); sources are citations and are shown as published."""
    language = config.language
    texts: list[tuple[str, Any]] = [("study.title", config.study.title), ("study.note", config.study.note)]
    texts += [(f"layers.{n}.period", getattr(layer, "period", None)) for n, layer in config.layers.items()]
    for name, ind in config.indicators.items():
        texts += [(f"indicators.{name}.label", ind.label)]
    texts += [(f"rules.{name}.label", rule.label) for name, rule in config.rules.items()]
    texts += [(f"model.pillars.{name}.label", pillar.label) for name, pillar in config.model.pillars.items()]
    if config.stakeholders is not None:
        shown = [*config.stakeholders.sets, *([config.stakeholders.pooled_name] if config.stakeholders.participants else [])]
        texts += [(f"stakeholders.labels.{name}", config.stakeholders.labels.get(name, name)) for name in shown]
    return [(key, pick(text, language)) for key, text in texts if not has_language(text, language)]
