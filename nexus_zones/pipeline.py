"""The order of the stages: config → load → aggregate → indicators → normalise → score → outputs.

:func:`run` turns a config into stage calls and returns a frozen :class:`RunResult`; it writes the
outputs only at the end, all at once (see :mod:`nexus_zones.report`). :func:`check` reads the
config and every input and computes everything in memory, reporting every problem it finds,
without writing anything.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from . import aggregate, indicators, layers, load, normalise, score
from .config import Config, load_config, measure_dependents
from .errors import EmptyLayerWarning, InputDataError, NexusZonesError, NexusZonesWarning, Problem, did_you_mean
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
        return replace(self, config=config, scored=scored, scores=table, analyses=analyses, warnings=tuple(rec.messages), paths={})


class _Recorder:
    """Record our named warnings, log each once, and pass other warnings on."""

    def __enter__(self) -> "_Recorder":
        self._cm = warnings.catch_warnings(record=True)
        self._caught = self._cm.__enter__()
        warnings.simplefilter("always")
        self.messages: list[str] = []
        return self

    def __exit__(self, *exc) -> None:
        self._cm.__exit__(*exc)
        for w in self._caught:
            if issubclass(w.category, NexusZonesWarning):
                text = str(w.message)
                if text not in self.messages:
                    self.messages.append(text)
                    logger.warning("%s: %s", w.category.__name__, text)
            else:
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


def _aggregate(config: Config, boundaries: load.Boundaries, raw_layers: Mapping, progress=None) -> tuple[pd.DataFrame, dict, dict, dict, dict]:
    """Each layer's per-unit measures (``layer.measure`` columns, after ``units.area_km2``) by its
    kind's measure function, with the points reports, table joins, points shown on the map, and
    what each kind returned (for :func:`_check_empty_layers`)."""
    units = boundaries.units
    context = layers.MeasureContext(units=units, all_units=boundaries.all_units, progress=progress)
    frames = [aggregate.unit_areas_km2(units).to_frame().add_prefix("units.")]
    measured: dict[str, layers.Measured] = {}
    for name, spec in config.layers.items():
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


def _analyses(config: Config, values: pd.DataFrame, normalised: pd.DataFrame, scored: score.ScoreResult, names: pd.Series) -> tuple[Analyses, pd.DataFrame]:
    """Robustness, data-driven weights and typology; returns them and per-unit columns for the table."""
    from . import sensitivity, typology, weights as weights_mod

    structure = scored.structure
    cols = list(structure.indicators)
    index = normalised.index
    eligible = scored.eligible.reindex(index).fillna(False).to_numpy(dtype=bool)
    base_weights = config.indicator_weights()
    pillar_weights = config.pillar_weights() or None
    extra = pd.DataFrame(index=index.copy())
    result: dict = {}
    rb = config.robustness
    if rb.draws and eligible.sum() >= 2:
        options = {"model": normalised[cols].to_numpy(dtype=float)}
        for method in rb.vary_normalisation:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NexusZonesWarning)  # already reported for the model's own normalisation
                options[method] = normalise.normalise_frame(values, _norm_specs(config), method=method)[cols].to_numpy(dtype=float)
        spec = sensitivity.RobustnessSpec(
            draws=rb.draws, concentration=rb.concentration, seed=rb.seed, top_k=min(rb.top_k, int(eligible.sum())), robust_share=rb.robust_share,
            vary_normalisation=tuple(rb.vary_normalisation), vary_aggregation=tuple(rb.vary_aggregation),
        )
        table = sensitivity.monte_carlo(options, base_weights, structure, eligible, spec, index=index, pillar_weights=pillar_weights)
        result["robustness"] = table
        extra = extra.join(table)
    if rb.leave_one_out and eligible.sum() >= 2:
        loo = sensitivity.leave_one_out(normalised[cols].to_numpy(dtype=float), base_weights, structure, eligible, index=index, pillar_weights=pillar_weights)
        result["leave_one_out"] = loo
        extra["loo_max_shift"] = loo["max_shift"]
    complete = normalised[cols].notna().all(axis=1).to_numpy() & eligible
    if config.model.compare_weights and complete.sum() >= 3:
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
            r[complete] = sensitivity.rank_draws(s, np.ones(int(complete.sum()), dtype=bool))[:, 0]
            ranks[f"rank_{method}"] = r
        result["weights"] = table_w.rename_axis("indicator")
        result["ranks_by_weights"] = ranks
        logger.info("weights compared: expert and %s; ranks side by side in the weights table", ", ".join(config.model.compare_weights))
    ty = config.typology
    if ty.reference:
        ref = typology.find_unit(ty.reference, names)
        extra["similarity"] = typology.similarity(normalised[cols], ref)
        logger.info("typology: similarity of every unit to %s (%s)", names[ref], ref)
    if ty.profiles:
        labels, centres = typology.profiles(normalised[cols], ty.profiles, seed=ty.seed)
        extra["profile"] = labels
        result["profiles"] = centres
    if config.model.ahp is not None:
        items = list(config.model.pillars) or cols
        a = weights_mod.ahp(items, config.model.ahp)
        result["ahp"] = {"level": "pillars" if config.model.pillars else "indicators", "weights": a.weights,
                         "lambda_max": a.lambda_max, "consistency_index": a.consistency_index, "consistency_ratio": a.consistency_ratio}
        logger.info("AHP: consistency ratio %.3f (accepted up to 0.1)", a.consistency_ratio)
    return Analyses(**result), extra


def _score_stage(config: Config, units: gpd.GeoDataFrame, measures: pd.DataFrame, values: pd.DataFrame, normalised: pd.DataFrame, imputed: pd.DataFrame):
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
    analyses, extra = _analyses(config, values, normalised, scored, units["name"])
    table = units[["name", "region"]].join(scored.table.drop(columns="status"))
    for name in config.indicators:
        table[name] = values[name]
        table[f"{name}_norm"] = normalised[name]
    for name in config.indicators:
        table[f"{name}_contrib"] = scored.contributions[name]
    for pillar in scored.pillars.columns:
        table[f"pillar_{pillar}"] = scored.pillars[pillar]
    for rname in config.rules:
        table[f"rule_{rname}"] = scored.rules_passed[rname]
    table["completeness"] = 1.0 - imputed[list(config.indicators)].mean(axis=1) - values[list(config.indicators)].isna().mean(axis=1)
    table = table.join(extra)
    table["status"] = scored.table["status"]
    table = table.assign(_r=table["rank"].astype("Float64").fillna(float("inf")), _s=-table["score"].fillna(-1.0))
    table = table.sort_values(["_r", "_s"], kind="stable").drop(columns=["_r", "_s"])
    table.index.name = "unit_id"
    gdf = gpd.GeoDataFrame(table, geometry=units.geometry.reindex(table.index), crs="EPSG:4326")
    return scored, gdf, analyses


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

    paths = [config.study.boundaries.path, *(spec.path for spec in config.layers.values())]
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nexus-zones-hash")
    future = pool.submit(lambda: {str(p): load.file_sha256(p) for p in paths})
    pool.shutdown(wait=False)  # the thread ends when the hashing does
    return future


def _compute_loaded(config: Config, loaded: _Loaded, progress=None) -> RunResult:
    boundaries, raw_layers = loaded.boundaries, loaded.layers
    assert boundaries is not None
    hashing = _hash_inputs(config)  # in a thread (hashlib releases the GIL), beside the stages
    measures, reports, joins, points, measured = _aggregate(config, boundaries, raw_layers, progress)
    _check_references(config, measures)
    _check_empty_layers(config, raw_layers, measures, measured)
    values, imputed = indicators.build_matrix(
        measures, _indicator_defs(config), unit_names=boundaries.units["name"].to_dict(), regions=boundaries.units["region"]
    )
    normalised_frame = normalise.normalise_frame(values, _norm_specs(config))
    logger.info("normalise: %d indicators on a 0-1 scale (1 = best for a pilot)", normalised_frame.shape[1])
    scored, table, analyses = _score_stage(config, boundaries.units, measures, values, normalised_frame, imputed)
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


def compute(config: Config | str | Path, *, data_dir: str | Path | None = None, progress=None) -> RunResult:
    """Run every stage in memory and return the result, writing nothing.

    ``progress``, if given, is called with a stage's name and returns an ``update(done, total)``
    callback for that stage (the CLI draws progress bars with it).
    """
    config = _as_config(config, data_dir)
    with _Recorder() as rec:
        result = _compute_loaded(config, _load_all(config, collect=False), progress)
    return replace(result, warnings=tuple(rec.messages))


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
    with _Recorder() as rec:  # the map's own geometry repairs are reported like the stages' warnings
        html = maps.build_map(result, offline=offline)
    result = replace(result, warnings=result.warnings + tuple(m for m in rec.messages if m not in result.warnings))
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
    try:
        config = _as_config(config, data_dir)
    except NexusZonesError as exc:
        return CheckReport(problems=(str(exc),))
    with _Recorder() as rec:
        loaded = _load_all(config, collect=True)
        if loaded.problems:
            by_source: dict[str, list[Problem]] = {}
            for src, p in loaded.problems:
                by_source.setdefault(src, []).append(p)
            return CheckReport(problems=tuple(str(InputDataError(src, ps)) for src, ps in by_source.items()))
        try:
            result = _compute_loaded(config, loaded)
        except NexusZonesError as exc:
            return CheckReport(problems=(str(exc),))
    ranked = int(result.scores["rank"].notna().sum())
    summary = (
        f"{config.source}: OK. {len(result.units)} units, {len(config.layers)} layers, {len(config.indicators)} indicators, "
        f"{len(config.rules)} rules; {ranked} units would be ranked; {len(rec.messages)} warnings."
    )
    return CheckReport(problems=(), summary=summary)
