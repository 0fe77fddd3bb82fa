"""The order of the stages: config → load → aggregate → indicators → normalise → score → outputs.

:func:`run` turns a config into stage calls and returns a frozen :class:`RunResult`; it writes the
outputs only at the end, all at once (see :mod:`nexus_zones.report`). :func:`check` reads the
config and every input and computes everything in memory, reporting every problem it finds,
without writing anything.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from . import aggregate, indicators, layers, load, logs, normalise, reporting, score
from . import periods as periods_mod
from .config import Config, load_config, measure_dependents, untranslated_texts
from .errors import ConfigError, DecisionWarning, EmptyLayerWarning, InputDataError, LanguageWarning, NexusZonesError, NexusZonesWarning, Problem, UnmatchedFilterWarning, did_you_mean
from .rules import parse_rule

__all__ = ["RunResult", "CheckReport", "run", "check", "compute", "brief"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """Everything a run computed, and the paths it wrote.

    Attributes
    ----------
    scores
        One row per unit (GeoDataFrame, EPSG:4326, indexed by ``unit_id``): ``name``,
        ``region``, ``score``, ``rank``, ``region_rank``, ``passes_rules``, ``failed_rules``,
        ``status``, then per indicator its raw value, ``<name>_norm`` and ``<name>_contrib``, then
        ``rule_<name>`` per rule; sorted by rank.
    measures, values, normalised
        The per-stage frames: layer measures (``layer.measure`` columns), the indicator matrix
        after the missing-value policy, and the normalised matrix.
    """

    config: Config
    units: gpd.GeoDataFrame
    measures: pd.DataFrame
    values: pd.DataFrame
    imputed: pd.DataFrame
    normalised: pd.DataFrame
    scored: score.ScoreResult
    scores: gpd.GeoDataFrame
    point_reports: Mapping[str, "layers.points.PointReport"]
    points: Mapping[str, gpd.GeoDataFrame]
    inputs: Mapping[str, str]
    boundaries_meta: Mapping[str, object] = field(default_factory=dict)
    joins: Mapping[str, dict] = field(default_factory=dict)
    analyses: "Analyses | None" = None
    warnings: tuple[str, ...] = ()
    paths: Mapping[str, Path] = field(default_factory=dict)
    panel: "periods_mod.Panel | None" = None

    def rescore(self, weights: Mapping[str, float], *, failing_units: str | None = None) -> "RunResult":
        """Re-score with other weights (indicator name → weight) without reading or writing files.

        Weights not named keep their configured value. Returns a new result with no paths.
        """
        config = self.config.with_weights(weights)
        if failing_units is not None:
            data = config.model_dump(mode="json")
            data["model"]["failing_units"] = failing_units
            from .config import config_from_mapping

            config = config_from_mapping(data, source=config.source)
        with _Recorder() as rec:
            scored, table, analyses = _score_stage(config, self.units, self.measures, self.values, self.normalised, self.imputed)
        kept = [c for c in reporting.COLUMNS if c in self.scores.columns]
        table = _with_low_reporting(table, pd.DataFrame(self.scores[kept]) if kept else None)
        return replace(self, config=config, scored=scored, scores=table, analyses=analyses, warnings=tuple(rec.messages), paths={})


class _Recorder:
    """Record our named warnings, log each once, and pass other warnings on."""

    def __enter__(self) -> "_Recorder":
        self._cm = warnings.catch_warnings(record=True)
        self._caught = self._cm.__enter__()
        warnings.simplefilter("always")
        self.messages: list[str] = []
        self.found: list[Warning] = []  # each named warning logged, as raised
        return self

    def __exit__(self, *exc) -> None:
        self._cm.__exit__(*exc)
        for w in self._caught:
            if issubclass(w.category, NexusZonesWarning):
                text, period = str(w.message), getattr(w.message, "period", None)
                shown = f"period {period}: {text}" if period else text
                if shown not in self.messages:
                    self.messages.append(shown)
                    self.found.append(w.message)  # type: ignore[arg-type]
                    logger.warning("%s: %s", w.category.__name__, shown, extra=logs.warning_extra(w.category.__name__, text, period))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@contextmanager
def _in_period(name: str):
    """Name the period in the named warnings raised inside (the :class:`_Recorder` logs "period 2016: ...")."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, NexusZonesWarning) and getattr(w.message, "period", None) is None:
            w.message.period = name  # type: ignore[union-attr]
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _as_config(config: Config | str | Path, data_dir: str | Path | None = None) -> Config:
    if isinstance(config, Config):
        if data_dir is not None:
            raise TypeError("data_dir applies to a config file; for a Config object set data_dir in the mapping")
        return config
    return load_config(config, data_dir=data_dir)


def _whole_measures(config: Config) -> dict[str, dict[str, str]]:
    """Per layer whose kind reads whole numbers (``whole_numbers``: tables), the measures known to
    hold them and why: listed under the layer's ``whole_numbers``, or the denominator (``per``) of an
    indicator (a population, a count)."""
    whole: dict[str, dict[str, str]] = {}
    for name, spec in config.layers.items():
        listed = getattr(layers.kind_of(spec), "whole_numbers", None)
        if listed is not None:
            whole[name] = {m: f"it is listed under layers.{name}.whole_numbers" for m in listed(spec)}
    for ind_name, ind in config.indicators.items():
        layer, _, measure = (ind.per or "").partition(".")
        if layer in whole and measure not in whole[layer]:
            users = [n for n, i in config.indicators.items() if i.per == ind.per]
            whole[layer][measure] = f"{ind.per} is the denominator (per) of indicator{'s' if len(users) > 1 else ''} {', '.join(users)}, a population or a count"
    return whole


def _load_layer(name: str, spec, whole: Mapping[str, str] | None = None, reference: gpd.GeoDataFrame | None = None):
    """Read one layer with its kind's reader."""
    with logs.timed(f"read layer {name}"):
        return layers.kind_of(spec).read(name, spec, layers.ReadContext(whole=whole, reference=reference))


@dataclass(frozen=True)
class _Loaded:
    boundaries: load.Boundaries | None
    layers: dict
    problems: list[tuple[str, Problem]]


def _load_all(config: Config, *, collect: bool) -> _Loaded:
    """Load boundaries and layers. With ``collect``, gather every input problem instead of raising."""
    problems: list[tuple[str, Problem]] = []
    b = config.study.boundaries
    try:
        with logs.timed("read boundaries"):
            boundaries = load.read_boundaries(
                b.path, layer=b.layer, id_column=b.id_column, name_column=b.name_column, region_column=b.region_column, regions=config.study.regions,
                crs=b.crs, level=b.level, find_region="region_column" not in b.model_fields_set,
            )
    except InputDataError as exc:
        if not collect:
            raise
        problems += [(exc.source, p) for p in exc.problems]
        boundaries = None
    raw_layers = {}
    whole = _whole_measures(config)
    for name, spec in config.layers.items():
        try:
            raw_layers[name] = _load_layer(name, spec, whole.get(name), boundaries.all_units if boundaries is not None else None)
        except InputDataError as exc:
            if not collect:
                raise
            problems += [(exc.source, p) for p in exc.problems]
    return _Loaded(boundaries, raw_layers, problems)


def _aggregate(config: Config, boundaries: load.Boundaries, raw_layers: Mapping, progress=None, cache: dict | None = None) -> tuple[pd.DataFrame, dict, dict, dict, dict]:
    """Each layer's per-unit measures (``layer.measure`` columns, after ``units.area_km2``) by its
    kind's measure function, with the points reports, table joins, points shown on the map, and
    what each kind returned (for :func:`_check_empty_layers`). ``cache`` is shared by the kinds'
    measures over the same units (e.g. a raster grid's pixel coverage, reused by every raster and period)."""
    units = boundaries.units
    context = layers.MeasureContext(units=units, all_units=boundaries.all_units, progress=progress, cache={} if cache is None else cache)
    frames = [aggregate.unit_areas_km2(units).to_frame().add_prefix("units.")]
    measured: dict[str, layers.Measured] = {}
    for name, spec in config.layers.items():
        with logs.timed(f"measure layer {name}"):
            measured[name] = layers.kind_of(spec).measure(name, spec, raw_layers[name], context)
        frames.append(measured[name].measures.add_prefix(f"{name}."))
    reports = {n: m.report for n, m in measured.items() if m.report is not None}
    joins = {n: m.join for n, m in measured.items() if m.join is not None}
    points = {n: m.points for n, m in measured.items() if m.points is not None}
    return pd.concat(frames, axis=1), reports, joins, points, measured


def _check_references(config: Config, measures: pd.DataFrame) -> None:
    """Indicators and rules must name measures that exist (categories are known only from the data)."""
    problems = []
    available = list(measures.columns)
    for name, ind in config.indicators.items():
        for key, ref in (("measure", ind.measure), ("per", ind.per)):
            if ref and ref not in measures.columns:
                problems.append(_unknown_measure(f"indicators.{name}.{key}", ref, available))
    for rname, rule in config.rules.items():
        for ref in parse_rule(rule.expr).names:
            if "." in ref and ref not in measures.columns:
                problems.append(_unknown_measure(f"rules.{rname}.expr", ref, available))
    for i, cond in enumerate(config.pilots.require):  # an expression of its own (a rule's name is checked by config)
        if cond in config.rules:
            continue
        for ref in parse_rule(cond).names:
            if "." in ref and ref not in measures.columns:
                problems.append(_unknown_measure(f"pilots.require[{i}]", ref, available))
            elif "." not in ref and ref not in config.indicators and ref not in ("true", "false"):
                problems.append(Problem(f"pilots.require[{i}]", f"unknown indicator {ref!r}{did_you_mean(ref, list(config.indicators))}",
                                        f"an indicator ({', '.join(config.indicators)}), a layer.measure or a rule name"))
    if problems:
        raise InputDataError(config.source, problems)


def _check_empty_layers(config: Config, raw_layers: Mapping, measures: pd.DataFrame, measured: Mapping) -> None:
    """A layer (or a configured category) with no row left to count makes every unit 0 or missing.

    That is an error where a rule or a weighted indicator depends on it (an empty file must not read
    as "no incidents"), unless the layer sets ``allow_empty``; otherwise an :class:`EmptyLayerWarning`.
    A layer with rows where some units simply have none is normal and not reported here.
    """
    dependents = measure_dependents(config)
    problems = []
    for where, spec, why, refs in _empty_parts(config, raw_layers, measures, measured):
        deps = list(dict.fromkeys(d for ref in refs for d in dependents.get(ref, [])))
        head = f"{where} ({spec.path})"
        if deps and not spec.allow_empty:
            problems.append(Problem(
                head, f"{why}; yet {', '.join(deps)} use it, and every unit would count 0 or nothing there",
                "rows to count in a layer that rules or weighted indicators use",
                f"check the file and the layer's window, types, categories or unit columns; if it truly has no row for this study, "
                f"set layers.{where.split('.')[1]}.allow_empty: true, or drop those rules and set those weights to 0",
            ))
        else:
            said = f" (allowed by allow_empty; used by {', '.join(deps)})" if deps else "; no rule or weighted indicator uses it"
            warnings.warn(EmptyLayerWarning(f"{head}: {why}; every unit counts 0 or nothing for it{said}"), stacklevel=2)
    if problems:
        raise InputDataError(config.source, problems)


def _empty_parts(config: Config, raw_layers: Mapping, measures: pd.DataFrame, measured: Mapping):
    """Yield ``(config key, spec, why, measures affected)`` for each empty layer or category, as its
    kind's ``empty_parts`` says (a kind without one is never empty, e.g. a raster)."""
    for name, spec in config.layers.items():
        empty_parts = getattr(layers.kind_of(spec), "empty_parts", None)
        if empty_parts is None:
            continue
        layer_measures = [c for c in measures.columns if c.startswith(f"{name}.")]
        for where, why, refs in empty_parts(name, spec, raw_layers[name], measured[name], layer_measures):
            yield where, spec, why, refs


def _unknown_measure(where: str, ref: str, available: list[str]) -> Problem:
    layer, measure = ref.split(".", 1)
    layer_measures = [c.split(".", 1)[1] for c in available if c.startswith(layer + ".")]
    return Problem(where, f"{ref!r}: layer {layer!r} has no measure {measure!r}{did_you_mean(measure, layer_measures)}",
                   f"a measure the data of layer {layer!r} gives: {', '.join(layer_measures)}")


def structure_of(config: Config) -> score.Structure:
    """The aggregation structure the config describes."""
    pillars = tuple(
        score.Pillar(name, tuple(p.indicators), config.pillar_weights()[name], p.aggregation) for name, p in config.model.pillars.items()
    )
    return score.Structure(tuple(config.indicators), config.model.aggregation, pillars)


def _norm_specs(config: Config) -> dict[str, dict]:
    return {
        n: {"method": i.normalisation, "direction": i.direction, "goalposts": i.goalposts, "thresholds": i.thresholds,
            "winsorise": i.winsorise, "transform": i.transform}
        for n, i in config.indicators.items()
    }


@dataclass(frozen=True)
class Analyses:
    """What the model adds beside the score: robustness, weights compared, typology."""

    robustness: pd.DataFrame | None = None
    leave_one_out: pd.DataFrame | None = None
    weights: pd.DataFrame | None = None
    ranks_by_weights: pd.DataFrame | None = None
    profiles: pd.DataFrame | None = None
    ahp: dict | None = None
    closest_weights: pd.DataFrame | None = None
    pilots: pd.DataFrame | None = None
    stakeholders: pd.DataFrame | None = None
    data_uncertainty: pd.DataFrame | None = None
    data_variance: pd.DataFrame | None = None


def _analyses(config: Config, values: pd.DataFrame, normalised: pd.DataFrame, scored: score.ScoreResult, names: pd.Series,
              alternatives: Mapping[str, pd.DataFrame] | None = None) -> tuple[Analyses, pd.DataFrame]:
    """Robustness, data-driven weights and typology; returns them and per-unit columns for the table.
    ``alternatives``: the values under each normalisation the robustness draws vary to, where they
    are not this snapshot's alone (a study over periods pools them, :func:`_compute_panel`)."""
    index = normalised.index
    eligible = scored.eligible.reindex(index).fillna(False).to_numpy(dtype=bool)
    failed = scored.table["rules_failed_count"].reindex(index).to_numpy(dtype=float) if config.model.failing_units == "last" else None
    extra = pd.DataFrame(index=index.copy())
    result: dict = {}
    robustness = _robustness(config, values, normalised, scored.structure, eligible, failed, alternatives)
    if robustness is not None:
        result["robustness"] = robustness
        extra = extra.join(robustness)
    loo = _leave_one_out(config, normalised, scored.structure, eligible, failed)
    if loo is not None:
        result["leave_one_out"] = loo
        extra["loo_max_shift"] = loo["max_shift"]
    result.update(_compared_weights(config, normalised, scored, eligible, failed))
    columns, profiles = _typology(config, normalised[list(scored.structure.indicators)], names)
    for name, column in columns.items():
        extra[name] = column
    if profiles is not None:
        result["profiles"] = profiles
    if config.model.ahp is not None:
        result["ahp"] = _ahp_summary(config, list(scored.structure.indicators))
    return Analyses(**result), extra


def _robustness(config: Config, values: pd.DataFrame, normalised: pd.DataFrame, structure: score.Structure, eligible: np.ndarray,
                failed: np.ndarray | None, alternatives: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame | None:
    """Ranks under weights (and normalisations, aggregations) drawn at random; None when off or fewer than 2 units are eligible."""
    from . import sensitivity

    rb = config.robustness
    if not (rb.draws and eligible.sum() >= 2):
        return None
    cols = list(structure.indicators)
    alternatives = alternatives if alternatives is not None else _alternative_normalisations(config, {"": values})[""]
    options = {"model": normalised[cols].to_numpy(dtype=float), **{m: frame[cols].to_numpy(dtype=float) for m, frame in alternatives.items()}}
    spec = sensitivity.RobustnessSpec(
        draws=rb.draws, concentration=rb.concentration, seed=rb.seed, top_k=min(rb.top_k, int(eligible.sum())), robust_share=rb.robust_share,
        vary_normalisation=tuple(rb.vary_normalisation), vary_aggregation=tuple(rb.vary_aggregation),
    )
    return sensitivity.monte_carlo(options, config.indicator_weights(), structure, eligible, spec, index=normalised.index,
                                   pillar_weights=config.pillar_weights() or None, failed=failed)


def _alternative_normalisations(config: Config, values: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    """Each snapshot's values under every normalisation the robustness draws vary to, normalised
    together (one set of bounds for all snapshots, as the model's own: :func:`_pooled_normalise`)."""
    out: dict[str, dict[str, pd.DataFrame]] = {p: {} for p in values}
    for method in config.robustness.vary_normalisation:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NexusZonesWarning)  # already reported for the model's own normalisation
            for p, frame in _pooled_normalise(config, values, method=method).items():
                out[p][method] = frame
    return out


def _leave_one_out(config: Config, normalised: pd.DataFrame, structure: score.Structure, eligible: np.ndarray, failed: np.ndarray | None) -> pd.DataFrame | None:
    """How far each unit's rank moves when one indicator is left out; None when off or fewer than 2 units are eligible."""
    from . import sensitivity

    if not (config.robustness.leave_one_out and eligible.sum() >= 2):
        return None
    cols = list(structure.indicators)
    return sensitivity.leave_one_out(normalised[cols].to_numpy(dtype=float), config.indicator_weights(), structure, eligible, index=normalised.index,
                                     pillar_weights=config.pillar_weights() or None, failed=failed)


def _compared_weights(config: Config, normalised: pd.DataFrame, scored: score.ScoreResult, eligible: np.ndarray, failed: np.ndarray | None) -> dict[str, pd.DataFrame]:
    """The expert weights beside data-driven ones and the ranks each gives (``weights``, ``ranks_by_weights``);
    empty when not asked for or fewer than 3 eligible units have every indicator."""
    from . import sensitivity, weights as weights_mod

    structure = scored.structure
    cols = list(structure.indicators)
    index = normalised.index
    complete = normalised[cols].notna().all(axis=1).to_numpy() & eligible
    if not (config.model.compare_weights and complete.sum() >= 3):
        return {}
    matrix = normalised[cols].to_numpy(dtype=float)[complete]
    table_w = pd.DataFrame({"expert": pd.Series(scored.weights)}).reindex(cols)
    for method in config.model.compare_weights:
        table_w[method] = weights_mod.DATA_METHODS[method](matrix)
    flat = score.Structure(tuple(cols), structure.aggregation)
    ranks = pd.DataFrame(index=index.copy())
    for method in table_w.columns:
        w = table_w[method].to_numpy()
        s, _ = score.composite(matrix, w[:, None], None, flat)
        r = np.full(len(index), np.nan)
        r[complete] = sensitivity.rank_draws(s, np.ones(int(complete.sum()), dtype=bool), None if failed is None else failed[complete])[:, 0]
        ranks[f"rank_{method}"] = r
    logger.info("weights compared: expert and %s; ranks side by side in the weights table", ", ".join(config.model.compare_weights))
    return {"weights": table_w.rename_axis("indicator"), "ranks_by_weights": ranks}


def _typology(config: Config, normalised: pd.DataFrame, names: pd.Series) -> tuple[dict[str, pd.Series], pd.DataFrame | None]:
    """Per-unit columns ``similarity`` (to the reference unit) and ``profile`` (its cluster) as asked, and the profiles' centres."""
    from . import typology

    ty = config.typology
    columns: dict[str, pd.Series] = {}
    centres = None
    if ty.reference:
        ref = typology.find_unit(ty.reference, names)
        columns["similarity"] = typology.similarity(normalised, ref)
        logger.info("typology: similarity of every unit to %s (%s)", names[ref], ref)
    if ty.profiles:
        labels, centres = typology.profiles(normalised, ty.profiles, seed=ty.seed)
        columns["profile"] = labels
    return columns, centres


def _ahp_summary(config: Config, cols: list[str]) -> dict:
    """The weights AHP derives from the judgements (of pillars, or of indicators), with its consistency figures."""
    from . import weights as weights_mod

    items = list(config.model.pillars) or cols
    a = weights_mod.ahp(items, config.model.ahp)
    logger.info("AHP: consistency ratio %.3f (accepted up to 0.1)", a.consistency_ratio)
    return {"level": "pillars" if config.model.pillars else "indicators", "weights": a.weights,
            "lambda_max": a.lambda_max, "consistency_index": a.consistency_index, "consistency_ratio": a.consistency_ratio}


def _score_stage(config: Config, units: gpd.GeoDataFrame, measures: pd.DataFrame, values: pd.DataFrame, normalised: pd.DataFrame, imputed: pd.DataFrame,
                 alternatives: Mapping[str, pd.DataFrame] | None = None):
    names = units["name"].to_dict()
    rules = {name: parse_rule(rule.expr) for name, rule in config.rules.items()}
    rule_values: dict[str, pd.Series] = {c: measures[c] for c in measures.columns}
    for name in config.indicators:
        # rules read the indicator's value (rate, per year) as observed, never an imputed one
        rule_values[name] = values[name].where(~imputed[name].astype(bool))
    scored = score.score_units(
        normalised,
        config.indicator_weights(),
        regions=units["region"],
        rules=rules,
        rule_values=rule_values,
        failing_units=config.model.failing_units,
        unit_names=names,
        structure=structure_of(config),
        pillar_weights=config.pillar_weights() or None,
    )
    with logs.inner():  # the analyses' re-scoring logs at DEBUG
        analyses, extra = _analyses(config, values, normalised, scored, units["name"], alternatives)
    table = units[["name", "region"]].join(scored.table.drop(columns=["status", "rules_failed_count"]))
    for name in config.indicators:
        table[name] = values[name]
        table[f"{name}_norm"] = normalised[name]
    for name in config.indicators:
        table[f"{name}_contrib"] = scored.contributions[name]
    for pillar in scored.pillars.columns:
        table[f"pillar_{pillar}"] = scored.pillars[pillar]
    for rname in config.rules:
        table[f"rule_{rname}"] = scored.rules_passed[rname]
    if config.rules:
        table["rules_failed_count"] = scored.table["rules_failed_count"]
    table["completeness"] = 1.0 - imputed[list(config.indicators)].mean(axis=1) - values[list(config.indicators)].isna().mean(axis=1)
    table = table.join(extra)
    table["status"] = scored.table["status"]
    table = table.assign(_r=table["rank"].astype("Float64").fillna(float("inf")), _s=-table["score"].fillna(-1.0))
    table = table.sort_values(["_r", "_s"], kind="stable").drop(columns=["_r", "_s"])
    table.index.name = "unit_id"
    gdf = gpd.GeoDataFrame(table, geometry=units.geometry.reindex(table.index), crs="EPSG:4326")
    return scored, gdf, analyses


# ------------------------------------------------------------------ from a ranking to a choice

def _decide(config: Config, units: gpd.GeoDataFrame, measures: pd.DataFrame, values: pd.DataFrame, imputed: pd.DataFrame, normalised: pd.DataFrame,
            scored: score.ScoreResult, table: gpd.GeoDataFrame, analyses: Analyses, points: Mapping) -> Analyses:
    """The weights behind a choice, a set of pilots, several stakeholders and data uncertainty (issue 14)."""
    found: dict = {}
    # what rules and conditions read: measures, and indicator values as observed (never imputed)
    lookup = {c: measures[c] for c in measures.columns} | {n: values[n].where(~imputed[n].astype(bool)) for n in config.indicators}
    failed = scored.table["rules_failed_count"] if config.model.failing_units == "last" else None
    ranked = table["rank"].notna()
    focus = _decision_units(config, table)
    if focus:
        found["closest_weights"] = _closest(config, normalised, scored, ranked, table, focus, failed)
    if config.pilots.k:
        found["pilots"] = _pilots(config, units, measures, values, table, lookup)
    if config.stakeholders.sets or config.stakeholders.participants:
        found["stakeholders"] = _stakeholders(config, units, normalised, scored, table, lookup)
    du = config.data_uncertainty
    if du.draws and (du.imprecise_events or du.margins or du.imputation):
        found["data_uncertainty"], found["data_variance"] = _data_uncertainty(config, units, measures, points, ranked)
    return replace(analyses, **found)


def _decision_units(config: Config, table: pd.DataFrame) -> list[str]:
    """The focus units (ids or names), then the top ``decision.region_top`` of each region."""
    from . import typology

    units = [typology.find_unit(ref, table["name"], key=f"decision.focus[{i}]") for i, ref in enumerate(config.decision.focus)]
    top = table[table["region_rank"].notna() & (table["region_rank"].astype("Float64") <= config.decision.region_top)]
    return list(dict.fromkeys(units + list(top.index)))


def _closest(config: Config, normalised: pd.DataFrame, scored: score.ScoreResult, ranked: pd.Series, table: pd.DataFrame, focus: list[str],
             failed: pd.Series | None) -> pd.DataFrame:
    from . import decision

    d = config.decision
    out = decision.weights_behind_choices(normalised, scored.weights, scored.structure, ranked=ranked, regions=table["region"], units=focus,
                                          failed=failed, seed=d.seed, draws=d.draws)
    out.insert(1, "name", table["name"].reindex(out["unit_id"]).to_numpy())
    out.insert(2, "region", table["region"].reindex(out["unit_id"]).to_numpy())
    logger.info("weights behind a choice: %d units × national and region (%s)", len(focus), out["method"].replace("", pd.NA).dropna().iloc[0] if (out["method"] != "").any() else "-")
    return out


def _pilots(config: Config, units: gpd.GeoDataFrame, measures: pd.DataFrame, values: pd.DataFrame, table: pd.DataFrame, lookup: Mapping) -> pd.DataFrame:
    from . import decision

    p = config.pilots
    ok, excluded = _pilot_candidates(config, table, lookup)
    objective = table.loc[ok, "score"].astype(float)
    if p.objective == "robust" and "share_top_k" in table.columns:
        objective = objective * table.loc[ok, "share_top_k"].astype(float).fillna(0.0)
    cost = None
    if p.cost:
        cost = (values[p.cost] if p.cost in values.columns else measures[p.cost]).reindex(objective.index).astype(float)
        if p.budget is not None:  # a budget cannot be checked on a unit of unknown cost
            excluded.update({u: f"no value of pilots.cost ({p.cost})" for u in cost.index[cost.isna()]})
            objective, cost = objective[cost.notna()], cost[cost.notna()]
    _say_excluded(excluded, table["name"], len(objective))
    close: list = []
    if p.min_distance_km:
        centroids = units.geometry.reindex(objective.index).to_crs("EPSG:6933").centroid.to_crs("EPSG:4326")
        close = decision.pairs_closer_than(pd.DataFrame({"lon": centroids.x, "lat": centroids.y}, index=objective.index), p.min_distance_km)
    constraints = decision.PilotConstraints(k=p.k, region_min=p.region_min, region_max=p.region_max, cost=cost, budget=p.budget, too_close=tuple(close))
    sets = decision.choose_pilots(objective, table["region"], constraints, alternatives=p.alternatives)
    names = table["name"]
    rows = [{"set": i + 1, "units": "; ".join(s.units), "names": "; ".join(names[u] for u in s.units), "objective": s.objective, "gap": s.gap,
             "binding": "; ".join(s.binding), "added": "; ".join(names[u] for u in s.added), "removed": "; ".join(names[u] for u in s.removed),
             "cost": float(cost.reindex(list(s.units)).sum(min_count=len(s.units))) if cost is not None else np.nan} for i, s in enumerate(sets)]
    if not rows:
        warnings.warn(DecisionWarning(
            f"pilots: no set of {p.k} pilots satisfies the request (proved by the integer programme): {decision.infeasible_why(objective, table['region'], constraints)}. "
            "Fix: loosen that constraint, or lower pilots.k"), stacklevel=2)
    logger.info("pilots: %d candidates, %s", len(objective), f"best set {rows[0]['names']}" if rows else "no set satisfies the constraints")
    out = pd.DataFrame(rows, columns=["set", "units", "names", "objective", "gap", "binding", "added", "removed", "cost"])
    out.attrs["excluded"] = excluded
    return out


def _pilot_candidates(config: Config, table: pd.DataFrame, lookup: Mapping) -> tuple[pd.Series, dict[str, str]]:
    """The units that may be pilots, and the reason each other unit may not (the first that applies)."""
    from .rules import evaluate

    p = config.pilots
    reasons: dict[str, str] = {}
    ok = table["score"].notna()
    reasons.update({u: "not scored" for u in table.index[~ok]})
    if p.only_passing:
        passing = table["passes_rules"].astype(bool)
        reasons.update({u: "fails a rule (pilots.only_passing)" for u in table.index[ok & ~passing]})
        ok &= passing
    for i, cond in enumerate(p.require):
        expr = config.rules[cond].expr if cond in config.rules else cond
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


def _stakeholder_sets(config: Config) -> dict[str, dict[str, float]]:
    """The named sets, and the participants' codes or files pooled into one."""
    from . import decision

    sets = {name: {n: float(w.get(n, 0.0)) for n in config.indicators} for name, w in config.stakeholders.sets.items()}
    codes = []
    base = Path(config.source).parent if config.source != "<config object>" else Path.cwd()
    for i, item in enumerate(config.stakeholders.participants):
        if item.strip().lower().endswith(".json"):
            path, where = base / item.strip(), f"stakeholders.participants[{i}]"
            try:
                found = decision.weights_body(load.read_weights_file(path, key=where))
            except ValueError as exc:
                raise InputDataError(str(path), [Problem(f"{where} ({path})", str(exc), 'JSON {"w": {indicator: weight}} as the map saves it', "save the weights again from the map")]) from None
            unknown = [n for n in found["weights"] if n not in config.indicators]
            if unknown:
                raise InputDataError(str(path), [Problem(f"{where} ({path})", f"weights for {', '.join(unknown)}", f"weights for {', '.join(config.indicators)}",
                                                         "save the weights from this study's map")])
            codes.append(found)
        else:
            codes.append(decision.decode_weights(item))
    if codes:
        sets[config.stakeholders.pooled_name] = decision.pool_weights([c["weights"] for c in codes], list(config.indicators), config.stakeholders.pool)
    return sets


def _stakeholders(config: Config, units: gpd.GeoDataFrame, normalised: pd.DataFrame, scored: score.ScoreResult, table: pd.DataFrame,
                  lookup: Mapping) -> pd.DataFrame:
    k = config.stakeholders.top_k or config.robustness.top_k
    out = table[["name", "region", "rank"]].copy()
    rules = {name: parse_rule(rule.expr) for name, rule in config.rules.items()}
    sets = _stakeholder_sets(config)
    for name, weights in sets.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NexusZonesWarning)  # ties and unknown rules are reported for the model's own weights
            res = score.score_units(normalised, weights, regions=units["region"], rules=rules, rule_values=dict(lookup),
                                    failing_units=config.model.failing_units, structure=scored.structure,
                                    pillar_weights=config.pillar_weights() or None)
        out[f"rank_{name}"] = res.table["rank"].reindex(out.index)
    in_top = pd.concat([(out[f"rank_{n}"].astype("Float64") <= k).fillna(False) for n in sets], axis=1)
    out["sets_in_top_k"] = in_top.sum(axis=1).astype(int)
    out["in_top_k_every_set"] = in_top.all(axis=1)
    out.attrs["weights"] = sets
    agreed = int(out["in_top_k_every_set"].sum())
    logger.info("stakeholders: %d weight sets; %d unit%s in the top %d of every set", len(sets), agreed, "" if agreed == 1 else "s", k)
    return out


def _data_uncertainty(config: Config, units: gpd.GeoDataFrame, measures: pd.DataFrame, points: Mapping, ranked: pd.Series):
    from . import uncertainty

    du = config.data_uncertainty
    sources = []
    for name in du.imprecise_events:
        events = _imprecise_events(config, name, units, points[name])
        sources.append(uncertainty.Source(f"imprecise_{name}", lambda rng, m, o, ev=events: (uncertainty.move_events(rng, m, ev, mode=du.imprecise_mode), o)))
    if du.margins:
        _check_margins(config, measures)
        sources.append(uncertainty.Source("margins", lambda rng, m, o: (uncertainty.scale_measures(rng, m, du.margins), o)))
    if du.imputation:
        sources.append(uncertainty.Source("imputation", lambda rng, m, o: (m, o | {"missing": du.imputation[rng.integers(len(du.imputation))]})))
    ranks = uncertainty.run_sources(measures, sources, _ranker(config, units), draws=du.draws, seed=du.seed)
    return uncertainty.variance_table(ranks, measures.index, ranked.reindex(measures.index).to_numpy(dtype=bool))


def _check_margins(config: Config, measures: pd.DataFrame) -> None:
    """A margin on a measure the layers do not give is an error (before any draw); one on a measure
    that no indicator (measure or per) and no rule reads changes no rank: said."""
    missing = [m for m in config.data_uncertainty.margins if m not in measures.columns]
    if missing:
        raise ConfigError(config.source, [Problem(f"data_uncertainty.margins.{m}", f"{m!r}, a measure the layers do not give{did_you_mean(m, list(measures.columns))}",
                                                  f"a measure of the run: {', '.join(list(measures.columns)[:20])}", "correct the measure's name") for m in missing])
    used = {r for ind in config.indicators.values() for r in (ind.measure, ind.per) if r}
    used |= {n for rule in config.rules.values() for n in parse_rule(rule.expr).names if "." in n}
    unused = [m for m in config.data_uncertainty.margins if m not in used]
    if unused:
        warnings.warn(DecisionWarning(
            f"data_uncertainty.margins: {', '.join(repr(m) for m in unused)} {'is' if len(unused) == 1 else 'are'} read by no indicator and no rule, "
            f"so the margin changes no rank (its variance is 0). Fix: name the measure an indicator reads ({', '.join(sorted(used)[:8])}), or remove it"),
            stacklevel=3)


def _ranker(config: Config, units: gpd.GeoDataFrame):
    """Rank the units from (perturbed) measures with the model's own stages."""
    defs, specs = _indicator_defs(config), _norm_specs(config)
    rules = {name: parse_rule(rule.expr) for name, rule in config.rules.items()}
    imputing = ("median", "region_median", "knn", "worst")

    def rank(m: pd.DataFrame, overrides: dict) -> pd.Series:
        chosen = {n: replace(d, missing=overrides["missing"]) if "missing" in overrides and d.missing in imputing else d for n, d in defs.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NexusZonesWarning)
            values, imputed = indicators.build_matrix(m, chosen, regions=units["region"])
            norm = normalise.normalise_frame(values, specs)
            lookup = {c: m[c] for c in m.columns} | {n: values[n].where(~imputed[n].astype(bool)) for n in config.indicators}
            res = score.score_units(norm, config.indicator_weights(), regions=units["region"], rules=rules, rule_values=lookup,
                                    failing_units=config.model.failing_units, structure=structure_of(config), pillar_weights=config.pillar_weights() or None)
        return res.table["rank"].astype(float)

    return rank


def _imprecise_events(config: Config, name: str, units: gpd.GeoDataFrame, pts: gpd.GeoDataFrame):
    """The layer's events of geo_precision 2 or 3 that are counted (window, types), with the units they could belong to."""
    from . import uncertainty

    spec = config.layers[name]
    keep = pd.Series(True, index=pts.index)
    if "geo_precision" not in pts.columns:
        warnings.warn(DecisionWarning(
            f"data_uncertainty.imprecise_events: layer {name!r} ({spec.path}) has no geo_precision column, so no event is known to be imprecise "
            "and this source moves nothing (its variance is 0). Fix: use a file with ACLED's geo_precision column, or remove the layer from imprecise_events"),
            stacklevel=2)
        return uncertainty.ImpreciseEvents((), (), {})
    keep &= pts["geo_precision"].isin([2, 3])
    start, end = spec.window
    if "date" in pts.columns and (start or end):
        dates = pd.to_datetime(pts["date"]).dt.normalize()
        keep &= (dates >= pd.Timestamp(start or "1000-01-01")) & (dates <= pd.Timestamp(end or "2999-12-31"))
    if spec.types and "type" in pts.columns:
        keep &= pts["type"].isin(spec.types)
    chosen = gpd.sjoin(pts[keep], units[["region", "geometry"]].rename_axis("_unit").reset_index(), how="inner", predicate="within")
    chosen = chosen.rename(columns={"_unit": "unit"})
    chosen = chosen[~chosen.index.duplicated()]
    neighbours = {u: [u] + [v for v in units.index[units.geometry.touches(g)]] for u, g in units.geometry.items()}
    by_region = {r: list(ids) for r, ids in units.groupby("region").groups.items()}
    origin = tuple(chosen["unit"].astype(str))
    candidates = tuple(tuple(neighbours[u]) if p == 2 else tuple(by_region[units.at[u, "region"]]) for u, p in zip(origin, chosen["geo_precision"]))
    contributions = {f"{name}.count": np.ones(len(chosen))}
    if "fatalities" in chosen.columns:
        contributions[f"{name}.fatalities"] = chosen["fatalities"].to_numpy(dtype=float)
    for cat, vals in (spec.categories or {}).items():
        contributions[f"{name}.{cat}"] = chosen["category"].isin(vals).to_numpy(dtype=float)
    return uncertainty.ImpreciseEvents(origin, candidates, contributions)


def _low_reporting(config: Config, boundaries: load.Boundaries, runs) -> pd.DataFrame | None:
    """The low-reporting columns over every run of the study: ``runs`` is a list of (the run's or the
    period's config, its measures, its points). ``None`` where no cost indicator reads a points layer.
    Periods are summed: an event in two overlapping period windows counts twice."""
    names = reporting.event_layers(config)
    if not names:
        return None
    units = boundaries.units
    reference = boundaries.all_units if isinstance(boundaries.all_units, gpd.GeoDataFrame) else None
    recorded, region_only = pd.Series(0.0, index=units.index), pd.Series(0.0, index=units.index)
    for run_config, measures, points in runs:
        for name in names:
            pts = points[name]
            recorded = recorded + measures[f"{name}.count"].reindex(units.index).fillna(0.0)
            selected = layers.points.counted(pts, run_config.layers[name])
            region_only = region_only + reporting.region_only_counts(units, pts, selected, reference=reference)
    low = reporting.low_reporting(recorded, region_only)
    logger.info("low reporting: %d units with no event recorded, %d with most events located only to the region (layers %s)",
                int((low["low_reporting"] == reporting.NO_EVENTS).sum()), int((low["low_reporting"] == reporting.IMPRECISE).sum()), ", ".join(names))
    return low


def _with_low_reporting(table: gpd.GeoDataFrame, low: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """The scores table with the low-reporting columns before ``status`` (unchanged without them)."""
    if low is None:
        return table
    out = table.drop(columns=[c for c in reporting.COLUMNS if c in table.columns])
    at = list(out.columns).index("status")
    for offset, col in enumerate(reporting.COLUMNS):
        out.insert(at + offset, col, low[col].reindex(out.index))
    return out


def _indicator_defs(config: Config) -> dict[str, indicators.IndicatorDef]:
    defs = {}
    for name, ind in config.indicators.items():
        years = None
        if ind.per_year:
            start, end = config.layers[ind.measure.split(".", 1)[0]].window
            whole_years = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
            years = end.year - start.year + 1 if whole_years else ((end - start).days + 1) / 365.25
        defs[name] = indicators.IndicatorDef(
            ind.measure, ind.direction, ind.missing, per=ind.per, scale=ind.scale, years=years
        )
    return defs


def _hash_inputs(config: Config):
    """A future of the inputs' SHA-256 (path -> digest), computed in a background thread: hashing an
    845 MiB raster takes about 0.6 s, which then overlaps the single-threaded stages."""
    from concurrent.futures import ThreadPoolExecutor

    paths = _input_paths(config)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nexus-zones-hash")
    future = pool.submit(lambda: {str(p): load.file_sha256(p) for p in paths})
    pool.shutdown(wait=False)  # the thread ends when the hashing does
    return future


def _compute_loaded(config: Config, loaded: _Loaded, progress=None, hashing=None) -> RunResult:
    """The stages after reading. ``hashing`` is the inputs' digests under way (:func:`_hash_inputs`),
    best started before the reading, whose parsing leaves a core free."""
    boundaries, raw_layers = loaded.boundaries, loaded.layers
    assert boundaries is not None
    hashing = hashing or _hash_inputs(config)  # in a thread (hashlib releases the GIL), beside the stages
    measures, reports, joins, points, measured = _aggregate(config, boundaries, raw_layers, progress)
    _check_references(config, measures)
    _check_empty_layers(config, raw_layers, measures, measured)
    values, imputed = indicators.build_matrix(
        measures, _indicator_defs(config), unit_names=boundaries.units["name"].to_dict(), regions=boundaries.units["region"]
    )
    normalised_frame = normalise.normalise_frame(values, _norm_specs(config))
    logger.info("normalise: %d indicators on a 0-1 scale (1 = best for a pilot)", normalised_frame.shape[1])
    with logs.timed("score and analyses"):
        scored, table, analyses = _score_stage(config, boundaries.units, measures, values, normalised_frame, imputed)
    with logs.timed("low reporting"):
        table = _with_low_reporting(table, _low_reporting(config, boundaries, [(config, measures, points)]))
    with logs.timed("decision"), logs.inner():
        analyses = _decide(config, boundaries.units, measures, values, imputed, normalised_frame, scored, table, analyses, points)
    inputs = hashing.result()
    return RunResult(
        config=config,
        units=boundaries.units,
        measures=measures,
        values=values,
        imputed=imputed,
        normalised=normalised_frame,
        scored=scored,
        scores=table,
        point_reports=reports,
        points=points,
        inputs=inputs,
        boundaries_meta=boundaries.meta,
        joins=joins,
        analyses=analyses,
    )


def _period_measures(config: Config, boundaries: load.Boundaries, reads: dict, cache: dict, progress=None, *, period: str = ""):
    """One period's layers (each read once over the periods where its spec is the same), measures
    and indicator matrix: ``(raw layers, measures, reports, joins, points, values, imputed)``."""
    whole = _whole_measures(config)
    raw_layers = {}
    for name, spec in config.layers.items():
        key = (name, spec.model_dump_json())
        if key not in reads:
            reads[key] = _load_layer(name, spec, whole.get(name), boundaries.all_units)
        raw_layers[name] = reads[key]
    with _in_period(period):  # what reading found is the same in every period; what was measured is the period's
        measures, reports, joins, points, measured = _aggregate(config, boundaries, raw_layers, progress, cache=cache)
        _check_references(config, measures)
        _check_empty_layers(config, raw_layers, measures, measured)
        values, imputed = indicators.build_matrix(
            measures, _indicator_defs(config), unit_names=boundaries.units["name"].to_dict(), regions=boundaries.units["region"]
        )
    return raw_layers, measures, reports, joins, points, values, imputed


def _pooled_normalise(config: Config, values: Mapping[str, pd.DataFrame], *, method: str | None = None) -> dict[str, pd.DataFrame]:
    """Normalise the values of every period together (one set of bounds for all periods), so that
    equal raw values get equal normalised values in every period; returns each period's frame.
    ``method`` replaces every indicator's normalisation (the robustness draws' alternatives)."""
    stacked = pd.concat(values, names=["period", "unit_id"])
    normalised = normalise.normalise_frame(stacked, _norm_specs(config), method=method)
    if method is None and len(values) > 1:
        logger.info("normalise: %d indicators over %d periods with pooled bounds (1 = best for a pilot)", normalised.shape[1], len(values))
    return {p: normalised.xs(p, level="period").reindex(frame.index) for p, frame in values.items()}


def _compute_panel(config: Config, progress=None) -> RunResult:
    """Every period of a follow-up study: each period's config (:func:`nexus_zones.periods.period_config`),
    its measures, normalisation pooled over the periods, then each period scored; returns the last
    period's result with the :class:`~nexus_zones.periods.Panel` of all of them."""
    loaded = _load_all(config.model_copy(update={"layers": {}}), collect=False)
    boundaries = loaded.boundaries
    reads: dict = {}
    cache: dict = {}
    staged, configs = {}, {}
    for period in config.periods:
        configs[period.name] = periods_mod.period_config(config, period)
        staged[period.name] = _period_measures(configs[period.name], boundaries, reads, cache, progress, period=period.name)
        logger.info("period %s: %d units measured", period.name, len(boundaries.units))
    normalised = _pooled_normalise(config, {p: s[5] for p, s in staged.items()})
    alternatives = _alternative_normalisations(config, {p: s[5] for p, s in staged.items()})  # pooled too, for the robustness draws
    results = {}
    low = _low_reporting(config, boundaries, [(configs[p], s[1], s[4]) for p, s in staged.items()])  # over the whole study
    for name, (raw_layers, measures, reports, joins, points, values, imputed) in staged.items():
        pconfig = configs[name]
        with _in_period(name):
            scored, table, analyses = _score_stage(pconfig, boundaries.units, measures, values, normalised[name], imputed, alternatives[name])
        table = _with_low_reporting(table, low)
        results[name] = RunResult(
            config=pconfig, units=boundaries.units, measures=measures, values=values, imputed=imputed, normalised=normalised[name], scored=scored,
            scores=table, point_reports=reports, points=points, inputs=_input_hashes(pconfig), boundaries_meta=boundaries.meta, joins=joins, analyses=analyses,
        )
    long = periods_mod.long_table({n: r.scores for n, r in results.items()}, indicators=list(config.indicators), rules=list(config.rules))
    pooled = tuple(n for n, i in config.indicators.items() if i.normalisation in normalise.DATA_RELATIVE)
    panel = periods_mod.Panel(tuple(config.periods), results, long, tuple(config.indicators), tuple(config.rules), pooled)
    last = results[config.periods[-1].name]
    inputs = {k: v for r in results.values() for k, v in r.inputs.items()}
    return replace(last, panel=panel, inputs=inputs)


def _load_periods(config: Config) -> _Loaded:
    """Every period's layers read as :func:`check` reads them (gathering problems), once per problem."""
    problems: list[tuple[str, Problem]] = []
    loaded = None
    for period in config.periods:
        loaded = _load_all(periods_mod.period_config(config, period), collect=True)
        problems += [p for p in loaded.problems if p not in problems]
    return replace(loaded, problems=problems)


def _input_paths(config: Config) -> list[Path]:
    """Every file the run reads: the boundaries and each layer's (:meth:`~nexus_zones.layers.base._HasPath.input_paths`)."""
    return [config.study.boundaries.path, *(path for spec in config.layers.values() for path in spec.input_paths())]


def _input_hashes(config: Config) -> dict[str, str]:
    return {str(path): load.file_sha256(path) for path in _input_paths(config)}


def compute(config: Config | str | Path, *, data_dir: str | Path | None = None, progress=None) -> RunResult:
    """Run every stage in memory and return the result, writing nothing.

    ``progress``, if given, is called with a stage's name and returns an ``update(done, total)``
    callback for that stage (the CLI draws progress bars with it). A config with ``periods`` is run
    on each period (see :func:`_compute_panel`); the result is the last period's, with ``panel``.
    """
    with _Recorder() as rec:  # the config's own warnings (bidirectional controls removed) are reported too
        config = _as_config(config, data_dir)
        _warn_untranslated(config)
        if config.periods:
            result = _compute_panel(config, progress)
        else:
            hashing = _hash_inputs(config)  # beside the reading, not the two threads of the zonal statistics
            result = _compute_loaded(config, _load_all(config, collect=False), progress, hashing)
    return replace(result, warnings=tuple(rec.messages))


def _warn_untranslated(config: Config) -> None:
    """A :class:`LanguageWarning` naming every config text the map and brief show in another language."""
    missing = untranslated_texts(config)
    if missing:
        listed = "; ".join(f"{key} ({text!r})" for key, text in missing)
        warnings.warn(LanguageWarning(
            f"{config.source or 'config'}: language is {config.language!r} but {len(missing)} config text(s) have no {config.language!r} "
            f"version and are shown as given: {listed}. Fix: give each as {{{config.language}: ..., en: ...}}"), stacklevel=2)


def run(
    config: Config | str | Path,
    *,
    out_dir: str | Path | None = None,
    write: bool = True,
    data_dir: str | Path | None = None,
    offline: bool | None = None,
    progress=None,
) -> RunResult:
    """Run the whole study and (unless ``write=False``) write its map, tables and run metadata.

    Parameters
    ----------
    config
        A :class:`~nexus_zones.config.Config` or the path of a YAML config.
    out_dir
        Output folder; default the config's ``output.dir``, else ``./maps``.
    write
        Write the outputs (all or none: they are written to temporary files first).
    data_dir
        The folder of the input files, overriding the config's ``data_dir`` (config files only).
    offline
        Inline every script and style in the map (default: the config's ``map.offline``).

    Returns
    -------
    RunResult
        With ``paths`` naming the files written.
    """
    result = compute(config, data_dir=data_dir, progress=progress)
    if not write:
        return result
    from . import maps, report

    target = Path(out_dir) if out_dir is not None else (result.config.output.dir or Path("maps"))
    with _Recorder() as rec, logs.timed("map"):  # the map's own geometry repairs are reported like the stages' warnings
        html = maps.build_map(result, offline=offline)
    result = replace(result, warnings=result.warnings + tuple(m for m in rec.messages if m not in result.warnings))
    with logs.timed("write outputs"):
        paths = report.write_outputs(result, target, map_html=html, offline=offline)
    return replace(result, paths=paths)


def brief(config: Config | str | Path, *, out_dir: str | Path | None = None, data_dir: str | Path | None = None, progress=None) -> dict[str, Path]:
    """Compute the study and write its mission brief (HTML, PNG map, XLSX scores); returns the paths."""
    from . import report

    result = compute(config, data_dir=data_dir, progress=progress)
    target = Path(out_dir) if out_dir is not None else (result.config.output.dir or Path("maps"))
    with _Recorder():
        return report.write_brief(result, target)


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check` found: every problem, and a summary when there were none."""

    problems: tuple[str, ...]
    summary: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def check(config: Config | str | Path, *, data_dir: str | Path | None = None) -> CheckReport:
    """Validate a config and its inputs, computing everything in memory; write nothing.

    Every problem of the config is reported at once; then every input file is read and its
    problems gathered; only when all inputs read does it compute the rest.
    """
    with _Recorder():  # the config's own warnings (bidirectional controls removed) are logged too
        try:
            config = _as_config(config, data_dir)
        except NexusZonesError as exc:
            return CheckReport(problems=(str(exc),))
    with _Recorder() as rec:
        loaded = _load_all(config, collect=True) if not config.periods else _load_periods(config)
        if loaded.problems:
            by_source: dict[str, list[Problem]] = {}
            for src, p in loaded.problems:
                by_source.setdefault(src, []).append(p)
            return CheckReport(problems=tuple(str(InputDataError(src, ps)) for src, ps in by_source.items()))
        try:
            result = _compute_panel(config) if config.periods else _compute_loaded(config, loaded)
        except NexusZonesError as exc:
            return CheckReport(problems=(str(exc),))
    unmatched = _unmatched_filters(rec.found)
    if unmatched:
        return CheckReport(problems=unmatched)
    ranked = int(result.scores["rank"].notna().sum())
    summary = (
        f"{config.source}: OK. {len(result.units)} units, {len(config.layers)} layers, {len(config.indicators)} indicators, "
        f"{len(config.rules)} rules; {ranked} units would be ranked; {len(rec.messages)} warnings."
    )
    return CheckReport(problems=(), summary=summary)


def _unmatched_filters(found: list[Warning]) -> tuple[str, ...]:
    """The filter values matching no row (:class:`UnmatchedFilterWarning`), one error paragraph per file:
    a run warns of them, ``check`` fails on them."""
    by_source: dict[str, list[Problem]] = {}
    for w in found:
        if isinstance(w, UnmatchedFilterWarning) and w.problem not in by_source.setdefault(w.source, []):
            by_source[w.source].append(w.problem)
    return tuple(str(InputDataError(source, problems)) for source, problems in by_source.items())
