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

from . import aggregate, indicators, layers, load, logs, maps, model, normalise, report, reporting, treat
from . import periods as periods_mod
from .config import Config, load_config, measure_dependents, untranslated_texts
from .config.plan import Plan, indicator_defs, plan_of
from .result import RunResult
from .errors import ConfigError, DecisionWarning, EmptyLayerWarning, InputDataError, LanguageWarning, NexusZonesError, NexusZonesWarning, Problem, UnmatchedFilterWarning, did_you_mean
from .rules import parse_rule

__all__ = ["RunResult", "CheckReport", "run", "check", "compute", "brief"]

logger = logging.getLogger(__name__)


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


def _load_layer(name: str, spec, whole: Mapping[str, str] | None = None, reference: gpd.GeoDataFrame | None = None, *, countable_only: bool = False):
    """Read one layer with its kind's reader (``countable_only``: see :class:`~nexus_zones.layers.ReadContext`)."""
    with logs.timed(f"read layer {name}"):
        return layers.kind_of(spec).read(name, spec, layers.ReadContext(whole=whole, reference=reference, countable_only=countable_only))


@dataclass(frozen=True)
class _Loaded:
    boundaries: load.Boundaries | None
    layers: dict
    problems: list[tuple[str, Problem]]


def _load_all(config: Config, *, collect: bool, countable_only: bool = False) -> _Loaded:
    """Load boundaries and layers. With ``collect``, gather every input problem instead of raising;
    ``countable_only`` where each layer is measured once with its spec (a single run)."""
    problems: list[tuple[str, Problem]] = []
    b = config.study.boundaries
    try:
        with logs.timed("read boundaries"):
            boundaries = load.read_boundaries(
                b.path, layer=b.layer, id_column=b.id_column, name_column=b.name_column, region_column=b.region_column, regions=config.study.regions,
                crs=b.crs, level=b.level, find_region="region_column" not in b.model_fields_set,
                keep={f"indicators.{n}.group": i.group for n, i in config.indicators.items() if i.group},
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
            raw_layers[name] = _load_layer(name, spec, whole.get(name), boundaries.all_units if boundaries is not None else None, countable_only=countable_only)
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
        for key, ref in (("measure", ind.measure), ("per", ind.per), *(("sources", s) for s in ind.sources)):
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




def _low_reporting(plan: Plan, boundaries: load.Boundaries, runs) -> pd.DataFrame | None:
    """The low-reporting columns over every run of the study: ``runs`` is a list of (the run's or the
    period's config, its measures, its points). ``None`` where no cost indicator reads a points layer.
    Periods are summed: an event in two overlapping period windows counts twice."""
    names = plan.event_layers
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


def _hash_inputs(plan: Plan):
    """A future of the inputs' SHA-256 (path -> digest), computed in a background thread: hashing an
    845 MiB raster takes about 0.6 s, which then overlaps the single-threaded stages."""
    from concurrent.futures import ThreadPoolExecutor

    paths = [path for _, path in plan.inputs]
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nexus-zones-hash")
    future = pool.submit(lambda: {str(p): load.file_sha256(p) for p in paths})
    pool.shutdown(wait=False)  # the thread ends when the hashing does
    return future


def _compute_loaded(config: Config, loaded: _Loaded, progress=None, hashing=None, plan: Plan | None = None) -> RunResult:
    """The stages after reading. ``hashing`` is the inputs' digests under way (:func:`_hash_inputs`),
    best started before the reading, whose parsing leaves a core free; ``plan``: the config's (built here without one)."""
    boundaries, raw_layers = loaded.boundaries, loaded.layers
    assert boundaries is not None
    plan = plan or plan_of(config)
    hashing = hashing or _hash_inputs(plan)  # in a thread (hashlib releases the GIL), beside the stages
    measures, reports, joins, points, measured = _aggregate(config, boundaries, raw_layers, progress)
    _check_references(config, measures)
    _check_empty_layers(config, raw_layers, measures, measured)
    values, imputed = indicators.build_matrix(
        measures, plan.model.indicator_defs, unit_names=boundaries.units["name"].to_dict(), regions=boundaries.units["region"],
        groups=boundaries.units,
    )
    outliers = _outliers(plan, values)
    normalised_frame = normalise.normalise_frame(values, plan.model.norm_specs)
    logger.info("normalise: %d indicators on a 0-1 scale (1 = best for a pilot)", normalised_frame.shape[1])
    with logs.timed("score and analyses"):
        scored, analyses = model.score_stage(plan.model, boundaries.units, measures, values, normalised_frame, imputed, points=points)
    with logs.timed("low reporting"):
        table = model.with_low_reporting(scored.table, _low_reporting(plan, boundaries, [(config, measures, points)]))
    with logs.timed("decision"), logs.inner():
        analyses = {**analyses, **model.decide(plan.model, scored, table)}
    inputs = hashing.result()
    return RunResult(
        config=config,
        plan=plan,
        units=boundaries.units,
        measures=measures,
        values=values,
        imputed=imputed,
        normalised=normalised_frame,
        scored=scored.scored,
        scores=table,
        point_reports=reports,
        points=points,
        inputs=inputs,
        boundaries_meta=boundaries.meta,
        joins=joins,
        analyses=analyses,
        outliers=outliers,
    )


def _outliers(plan: Plan, values: pd.DataFrame) -> dict[str, dict]:
    """The outlier treatment's record (:func:`nexus_zones.treat.outlier_records`); normalisation applies it."""
    found = treat.outlier_records(values, dict(plan.model.outliers))
    if found:
        logger.info("outliers: %d values treated in %d indicators (before normalisation)", sum(len(r["points"]) for r in found.values()), len(found))
    return found


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
    with logs.in_period(period):  # what reading found is the same in every period; what was measured is the period's
        measures, reports, joins, points, measured = _aggregate(config, boundaries, raw_layers, progress, cache=cache)
        _check_references(config, measures)
        _check_empty_layers(config, raw_layers, measures, measured)
        values, imputed = indicators.build_matrix(
            measures, indicator_defs(config), unit_names=boundaries.units["name"].to_dict(), regions=boundaries.units["region"],
            groups=boundaries.units,
        )
    return raw_layers, measures, reports, joins, points, values, imputed


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
    values = {p: s[5] for p, s in staged.items()}
    plan = plan_of(config)
    normalised = model.pooled_normalise(plan.model, values)
    results = {}
    low = _low_reporting(plan, boundaries, [(configs[p], s[1], s[4]) for p, s in staged.items()])  # over the whole study
    for name, (raw_layers, measures, reports, joins, points, _, imputed) in staged.items():
        pconfig = configs[name]
        pplan = plan_of(pconfig)
        with logs.in_period(name):
            scored, analyses = model.score_stage(pplan.model, boundaries.units, measures, values[name], normalised[name], imputed, points=points,
                                                 renormalise=model.renormaliser(plan.model, values, name))  # pooled too, for the robustness draws
        table = model.with_low_reporting(scored.table, low)
        results[name] = RunResult(
            config=pconfig, plan=pplan, units=boundaries.units, measures=measures, values=values[name], imputed=imputed, normalised=normalised[name], scored=scored.scored,
            scores=table, point_reports=reports, points=points, inputs=_input_hashes(pplan), boundaries_meta=boundaries.meta, joins=joins, analyses=analyses,
        )
    long = periods_mod.long_table({n: r.scores for n, r in results.items()}, indicators=list(config.indicators), rules=list(config.rules))
    pooled = tuple(n for n, i in config.indicators.items() if i.normalisation in normalise.DATA_RELATIVE)
    panel = periods_mod.Panel(tuple(config.periods), results, long, tuple(config.indicators), tuple(config.rules), pooled)
    last = results[config.periods[-1].name]
    inputs = {k: v for r in results.values() for k, v in r.inputs.items()}
    return replace(last, panel=panel, inputs=inputs, outliers=_outliers(plan, pd.concat(values, names=["period", "unit_id"])))


def _load_periods(config: Config) -> _Loaded:
    """Every period's layers read as :func:`check` reads them (gathering problems), once per problem."""
    problems: list[tuple[str, Problem]] = []
    loaded = None
    for period in config.periods:
        loaded = _load_all(periods_mod.period_config(config, period), collect=True)
        problems += [p for p in loaded.problems if p not in problems]
    return replace(loaded, problems=problems)


def _input_hashes(plan: Plan) -> dict[str, str]:
    return {str(path): load.file_sha256(path) for _, path in plan.inputs}


def compute(config: Config | str | Path, *, data_dir: str | Path | None = None, progress=None) -> RunResult:
    """Run every stage in memory and return the result, writing nothing.

    ``progress``, if given, is called with a stage's name and returns an ``update(done, total)``
    callback for that stage (the CLI draws progress bars with it). A config with ``periods`` is run
    on each period (see :func:`_compute_panel`); the result is the last period's, with ``panel``.
    """
    with logs.Recorder() as rec:  # the config's own warnings (bidirectional controls removed) are reported too
        config = _as_config(config, data_dir)
        _warn_untranslated(config)
        if config.periods:
            result = _compute_panel(config, progress)
        else:
            plan = plan_of(config)
            hashing = _hash_inputs(plan)  # beside the reading, not the two threads of the zonal statistics
            result = _compute_loaded(config, _load_all(config, collect=False, countable_only=True), progress, hashing, plan)
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
    target = _output_folder(result.config, out_dir)
    with logs.Recorder() as rec, logs.timed("map"):  # the map's own geometry repairs are reported like the stages' warnings
        html = maps.build_map(result, offline=offline)
    result = replace(result, warnings=result.warnings + tuple(m for m in rec.messages if m not in result.warnings))
    with logs.timed("write outputs"):
        paths = report.write_outputs(result, target, map_html=html, offline=offline)
    return replace(result, paths=paths)


def brief(config: Config | str | Path, *, out_dir: str | Path | None = None, data_dir: str | Path | None = None, progress=None) -> dict[str, Path]:
    """Compute the study and write its mission brief (HTML, PNG map, XLSX scores); returns the paths."""
    result = compute(config, data_dir=data_dir, progress=progress)
    target = _output_folder(result.config, out_dir)
    with logs.Recorder():
        return report.write_brief(result, target)


def _output_folder(config: Config, out_dir: str | Path | None) -> Path:
    """The output folder: ``out_dir`` (``--out``), else the config's ``output.dir``, else ``./maps``;
    one that is a file is refused, naming where it came from."""
    if out_dir is not None:
        target, where, fix = Path(out_dir), "--out", "pass another --out"
    elif config.output.dir is not None:
        target, where, fix = config.output.dir, f"{config.source or 'config'}: output.dir", "set output.dir to a folder (or pass --out)"
    else:
        target, where, fix = Path("maps"), "the default output folder (no --out, no output.dir)", "pass --out or set output.dir to a folder"
    if target.exists() and not target.is_dir():
        raise NexusZonesError(f"{where}: found {target}, a file; expected a folder for the outputs. Fix: {fix}")
    return target


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
    with logs.Recorder():  # the config's own warnings (bidirectional controls removed) are logged too
        try:
            config = _as_config(config, data_dir)
        except NexusZonesError as exc:
            return CheckReport(problems=(str(exc),))
    with logs.Recorder() as rec:
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
