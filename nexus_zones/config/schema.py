"""The config's schema: the pydantic models of every key, their defaults and their own checks.

A config names the study area (boundaries and their columns), the layers to read, the indicators
drawn from those layers with their direction, normalisation and weight, the pass/fail rules, the
analyses (each analysis's key and spec come from :data:`nexus_zones.analyses.ANALYSES`) and where
outputs go. Unknown keys are errors. Defaults are resolved here, once, when a config is built
(``map.top_k`` and ``stakeholders.top_k`` from ``robustness.top_k``).

Method names are ``Literal`` types defined here and shared with the CLI and the stages.
"""

from __future__ import annotations

import math
import typing
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Union

from pydantic import BaseModel, BeforeValidator, Field, FiniteFloat, PrivateAttr, ValidationInfo, create_model, field_validator, model_validator

from .. import layers as _layers
from ..analyses import ANALYSES, compared_weights, robustness
from ..analyses import ahp as ahp_analysis
from ..errors import did_you_mean
from ..layers.base import Aggregation, Identifier, Language, Text, Weight, _check_crs, _fail, _HasPath, _resolve, _Strict, date_window, join_texts
from ..weights import ahp

Direction = Literal["benefit", "cost"]


Normalisation = Literal["minmax", "goalposts", "rank", "zscore", "threshold", "inform"]


MissingPolicy = Literal["exclude", "worst", "error", "median", "region_median", "group_mean", "group_median", "knn", "skip"]


FailingUnits = Literal["last", "flag", "exclude"]


Transform = Literal["none", "log1p"]


#: A node's rule (:data:`nexus_zones.tree.RULES`) and its missing policy (:data:`nexus_zones.tree.MISSING`).
NodeRule = Literal["arithmetic", "geometric", "reversed_geometric", "max", "min", "topsis"]
NodeMissing = Literal["exclude", "renormalise"]


#: The smallest share of the total weight a positive weight may have: below it the indicator
#: counts for nothing (e.g. weight 1 beside 1e300), which is a typo, not a choice.
MIN_WEIGHT_SHARE = 1e-6


class BoundariesSpec(_HasPath):
    """Polygons of the study units (e.g. an OCHA COD-AB admin-2 layer)."""

    layer: str | None = Field(None, description="Layer name inside a multi-layer file (GeoPackage).")
    id_column: str | None = Field(
        None, description="Unique unit identifier (the P-code). Default: recognised for `level` from the COD-AB names of 2015 "
        "(admin2Pcod), ITOS (ADM2_PCODE) or 2025 (adm2_pcode), geoBoundaries (shapeID) or GADM (GID_2)."
    )
    name_column: str | None = Field(None, description="Unit name shown to people. Default: recognised like id_column (admin2Name, ADM2_FR, adm2_name, shapeName, NAME_2).")
    region_column: str | None = Field(
        None, description="Region used for within-region ranks. Default: the admin-1 name column of the recognised scheme "
        "(admin1Name, ADM1_FR, adm1_name, NAME_1); null for none."
    )
    level: int | None = Field(
        None, ge=0, le=5, description="Admin level of the units (2 for Mali's cercles), for recognising the columns; default: the deepest level the file has."
    )
    crs: str | None = Field(
        None,
        description="The CRS the file's coordinates are really in (e.g. EPSG:32630), for a file that declares none or a wrong one "
        "(a GeoJSON without a 'crs' member is read as WGS 84 even when its numbers are metres). Overrides the file's; default: the file's.",
    )

    @model_validator(mode="after")
    def _crs_known(self) -> "BoundariesSpec":
        _check_crs(self.crs)
        return self


class StudySpec(_Strict):
    """What is studied and where."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Short name; outputs are <name>.html etc.")
    title: Text = Field(description="Title shown on the map (plain, or per language).")
    boundaries: BoundariesSpec
    regions: list[str] | None = Field(None, min_length=1, description="Keep only units of these regions.")
    note: Text | None = Field(None, description="A caveat shown on the map (e.g. 'schematic geometry').")


def _layer_union() -> Any:
    """The specs of the registered kinds, told apart by their ``kind``."""
    specs = tuple(kind.Spec for kind in _layers.KINDS.values())
    return Annotated[Union[specs], Field(discriminator="kind")] if len(specs) > 1 else specs[0]


#: The union of the layer kinds' specs registered at import (see :data:`nexus_zones.layers.KINDS`).
LayerSpec = _layer_union()


class _RegisteredLayer:
    """The type of ``Config.layers`` values: the union of the kinds registered when the config
    model's schema was last built (:func:`_sync_kinds` rebuilds it when the registry changes)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return handler.generate_schema(_layer_union())


def layer_kinds() -> dict[str, type[BaseModel]]:
    """Kind name -> spec class, from the registry (:data:`nexus_zones.layers.KINDS`)."""
    return {name: kind.Spec for name, kind in _layers.KINDS.items()}


#: Measures of the study units themselves, available as ``units.<measure>``.
UNIT_MEASURES = ("area_km2",)


class OutlierSpec(_Strict):
    """The Handbook's outlier treatment of an indicator's raw values (:func:`nexus_zones.treat.winsorise`),
    before normalisation: while |skewness| ≥ ``skew`` and kurtosis ≥ ``kurtosis``, the most extreme value
    (ties together) is set to the next one, up to ``max_points`` units."""

    rule: Literal["skew_kurtosis", "none"] = Field("skew_kurtosis", description="skew_kurtosis (the Handbook's iterative winsorisation) or none (no treatment).")
    max_points: int = Field(5, ge=1, description="The most units treated per indicator.")
    skew: FiniteFloat = Field(2.0, gt=0, description="Treat while the absolute skewness (adjusted Fisher–Pearson) is at least this ...")
    kurtosis: FiniteFloat = Field(3.5, description="... and the excess kurtosis (adjusted) at least this.")


def _outliers_shorthand(value: Any) -> Any:
    """``outliers: none`` (or any rule name alone) is ``{rule: none}``."""
    return {"rule": value} if isinstance(value, str) else value


#: ``outliers:`` of an indicator or of the model: settings, or a rule name alone (``none``).
Outliers = Annotated[Union[OutlierSpec, None], BeforeValidator(_outliers_shorthand)]


class IndicatorSpec(_Strict):
    """One indicator: a layer measure, its direction, normalisation and weight."""

    measure: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$", description="layer.measure")
    label: Text | None = None
    phrase: Text | None = Field(None, description="Not used since 0.3: the sentences quote the label, on the scale of the points. Accepted so that older configs load.")
    direction: Direction = Field(description="benefit: higher is better for a pilot; cost: lower is better.")
    normalisation: Normalisation = "minmax"
    goalposts: tuple[FiniteFloat, FiniteFloat] | None = Field(
        None, description="[low, high] fixed bounds for normalisation goalposts (or inform)."
    )
    thresholds: list[tuple[FiniteFloat, FiniteFloat]] | None = Field(
        None, description="[[value, score], ...] points of a piecewise-linear curve for normalisation threshold (scores 0-1)."
    )
    winsorise: tuple[FiniteFloat, FiniteFloat] | None = Field(
        None, description="[p_low, p_high] quantiles to clip values to before normalising, e.g. [0.05, 0.95]."
    )
    weight: Weight | None = Field(None, ge=0, description="Relative weight (within its pillar); not needed when model.ahp weighs the indicators.")
    factor: FiniteFloat = Field(1.0, ge=0, description="What the value is multiplied by when its pillar's aggregation is max or min (INFORM's 0.7 × projected conflict).")
    per: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$",
        description="Divide by this measure (e.g. ch.population, units.area_km2) to make a rate.",
    )
    scale: FiniteFloat = Field(1.0, gt=0, description="Multiply the value (e.g. 100000 for a rate per 100,000 people).")
    per_year: bool = Field(False, description="Divide by the length in years of the points layer's window.")
    transform: Transform = Field("none", description="log1p: log(1 + x), for skewed counts (after per and scale).")
    missing: MissingPolicy = Field(
        "exclude", description="Units without a value: exclude from ranking, give the worst observed value, or error; "
        "skip: leave the value empty for its pillar's missing policy (renormalise: the pillar is computed from the others); "
        "group_mean, group_median: the mean or median of the units of the same group (group:); a group without a value leaves its units missing."
    )
    outliers: Outliers = Field(
        None, description="The outlier treatment of the raw values before normalisation ({rule: skew_kurtosis, max_points, skew, kurtosis}, or none); "
        "default: model.outliers."
    )
    group: str | None = Field(
        None, min_length=1, description="With missing: group_mean or group_median, the column of the boundaries' file whose value groups the units "
        "(default: the region, study.boundaries.region_column)."
    )
    sources: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")]] = Field(
        default_factory=list, description="Other measures of the same thing (layer.measure of any layer), derived as the measure is (per, scale, per year, checks); the sources table compares them."
    )
    combine_sources: Literal["first", "mean", "median", "max", "min"] = Field(
        "first", description="The value scored: first (the indicator's own measure), or the mean, median, max or min of the measure and its sources."
    )
    agree_within: FiniteFloat | Annotated[str, Field(pattern=r"^\s*[0-9]+(\.[0-9]+)?\s*%\s*$")] = Field(
        0.0, description="Sources agree on a unit when their values differ by at most this much: a number (absolute, default 0: exact) or a share of the largest value, e.g. '20%'."
    )

    @model_validator(mode="after")
    def _group_with_group_policy(self) -> "IndicatorSpec":
        if self.group is not None and self.missing not in ("group_mean", "group_median"):
            raise _fail("group", f"group {self.group!r} with missing {self.missing!r}", "group only with missing: group_mean or group_median",
                        "remove group, or set missing: group_mean or group_median")
        return self

    @model_validator(mode="after")
    def _sources(self) -> "IndicatorSpec":
        if self.measure in self.sources or len(set(self.sources)) < len(self.sources):
            raise _fail("sources", str(self.sources), "measures other than the indicator's own measure, each once", "remove the repeated measure")
        if not self.sources and self.combine_sources != "first":
            raise _fail("combine_sources", self.combine_sources, "combine_sources only with sources", "add sources: [layer.measure] or remove combine_sources")
        if isinstance(self.agree_within, float) and self.agree_within < 0:
            raise _fail("agree_within", f"{self.agree_within:g}", "a tolerance of 0 or more", "e.g. agree_within: 2, or agree_within: '20%'")
        return self

    @model_validator(mode="after")
    def _goalposts(self) -> "IndicatorSpec":
        if self.normalisation == "threshold":
            points = self.thresholds or []
            if len(points) < 2:
                raise _fail("thresholds", str(self.thresholds), "at least two [value, score] points with normalisation threshold", "e.g. [[5, 1], [20, 0]]")
            xs = [p[0] for p in points]
            if any(b <= a for a, b in zip(xs, xs[1:])):
                raise _fail("thresholds", str([list(p) for p in points]), "points with strictly increasing values")
            if any(not 0 <= p[1] <= 1 for p in points):
                raise _fail("thresholds", str([list(p) for p in points]), "scores between 0 and 1")
        elif self.thresholds is not None:
            raise _fail("thresholds", f"thresholds with normalisation {self.normalisation!r}", "thresholds only with normalisation: threshold")
        if self.winsorise is not None and not 0 <= self.winsorise[0] < self.winsorise[1] <= 1:
            raise _fail("winsorise", str(list(self.winsorise)), "[p_low, p_high] with 0 <= p_low < p_high <= 1")
        if self.normalisation == "inform":
            if self.goalposts is not None and self.goalposts[0] >= self.goalposts[1]:
                raise _fail("goalposts", str(list(self.goalposts)), "[low, high] with low < high")
            return self
        if self.normalisation == "goalposts":
            if self.goalposts is None:
                raise _fail("goalposts", "nothing", "goalposts: [low, high] with normalisation goalposts", "add goalposts, e.g. [0, 20]")
            if self.goalposts[0] >= self.goalposts[1]:
                raise _fail("goalposts", str(list(self.goalposts)), "[low, high] with low < high")
            if not math.isfinite(self.goalposts[1] - self.goalposts[0]):
                raise _fail("goalposts", str(list(self.goalposts)), "bounds whose distance is a finite number", "use the range the indicator's values can take, e.g. [0, 20]")
        elif self.goalposts is not None:
            raise _fail("goalposts", f"goalposts with normalisation {self.normalisation!r}", "goalposts only with normalisation: goalposts", "remove goalposts or set normalisation: goalposts")
        return self


class RuleSpec(_Strict):
    """A pass/fail rule, e.g. ``incidents <= 5``."""

    expr: str = Field(min_length=1)
    label: Text | None = None


class PillarSpec(_Strict):
    """A node of the model tree (e.g. security, services, presence): indicators and child pillars
    scored together by the node's own rule."""

    indicators: list[Identifier] = Field(
        default_factory=list, description="The indicators the pillar holds (it may hold child pillars as well, or instead)."
    )
    parent: Identifier | None = Field(None, description="The pillar this one hangs from; none: the root (model).")
    weight: Weight | None = Field(None, ge=0, description="Weight among its siblings; not needed when model.ahp weighs the pillars.")
    factor: FiniteFloat = Field(1.0, ge=0, description="What the pillar's score is multiplied by when its parent's aggregation is max or min.")
    aggregation: NodeRule = "arithmetic"
    missing: NodeMissing = Field("exclude", description="exclude: no value where a child has none; renormalise: weights rescaled over the children that have one.")
    offset: FiniteFloat | None = Field(None, ge=0, lt=1, description="The offset f of aggregation geometric (default 0.01; 0: the textbook geometric mean).")
    label: Text | None = None

    @model_validator(mode="after")
    def _offset_with_geometric(self) -> "PillarSpec":
        _offset_rule(self.offset, self.aggregation)
        return self


def _offset_rule(offset: float | None, aggregation: str) -> None:
    """``offset`` belongs to the geometric rule only."""
    if offset is not None and aggregation != "geometric":
        raise _fail("offset", f"offset {offset:g} with aggregation {aggregation!r}", "offset only with aggregation: geometric", "remove offset or set aggregation: geometric")


class ModelSpec(_Strict):
    """Aggregation, pillars, weighting and how rules act on the ranking."""

    failing_units: FailingUnits = Field(
        "last",
        description="last (rules first): rank units passing every rule ahead of those failing, then by the number of rules failed, then by "
        "score; flag: rank every unit by score alone and mark failures; exclude: rank only units passing every rule.",
    )
    aggregation: NodeRule = Field(
        "arithmetic", description="The root's rule: arithmetic, geometric (limited compensation), reversed_geometric (INFORM), max, min or topsis."
    )
    offset: FiniteFloat | None = Field(None, ge=0, lt=1, description="The root's offset f when aggregation is geometric (default 0.01; 0: the textbook geometric mean).")
    missing: NodeMissing = Field("exclude", description="The root's missing policy: exclude or renormalise.")
    outliers: Outliers = Field(None, description="The outlier treatment of every indicator without its own outliers: (default: none).")
    pillars: dict[Identifier, PillarSpec] = Field(
        default_factory=dict, description="The nodes of the model tree (a pillar names its parent; none: the root); every weighted indicator in one."
    )
    ahp: ahp_analysis.Spec = Field(
        None, description="AHP pairwise judgements {a: {b: x}} (a is x times as important as b) over the pillars, or the indicators without pillars."
    )
    compare_weights: compared_weights.Spec = Field(
        default_factory=lambda: ["entropy", "critic", "pca"], description="Data-driven weights computed side by side with the expert's."
    )

    @model_validator(mode="after")
    def _offset_with_geometric(self) -> "ModelSpec":
        _offset_rule(self.offset, self.aggregation)
        return self


class MapSpec(_Strict):
    """Map options."""

    offline: bool = Field(True, description="Inline every script and style (works with no network); false links the CDNs (smaller file).")
    tiles: bool = Field(True, description="Add OpenStreetMap tiles as an overlay (drawn only when online).")
    precision: int = Field(5, ge=2, le=8, description="Decimals kept in coordinates: the page's quantisation step is 10^-precision degrees (5 = about 1 m).")
    simplify: FiniteFloat | None = Field(
        None, ge=0,
        description="Topology-preserving simplification tolerance in degrees (0: none; 0.002 = about 200 m). Unset: "
                    "a quarter of a pixel at the map's initial zoom (1/4000 of the diagonal of the units' extent).",
    )
    classes: int = Field(0, ge=0, le=9, description="Colour classes for score and indicators: 0 = continuous, else 2 to 9 equal-interval classes.")
    top_k: int | None = Field(None, ge=1, description="Outline the top k units (default robustness.top_k).")
    point_layers: list[Identifier] | None = Field(None, description="Points layers shown on demand (default: every points layer).")


class OutputSpec(_Strict):
    """Where outputs go."""

    dir: Path | None = Field(None, description="Output folder (relative to the config file); default ./maps.")
    lock_wait: FiniteFloat = Field(
        30.0, ge=0, description="Seconds to wait for another run writing into the same output folder before giving up with an error."
    )

    @field_validator("dir")
    @classmethod
    def _resolve_dir(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else _resolve(value, info)


class PeriodSpec(_Strict):
    """One period of a follow-up study: a calendar year, a named start–end window, or a survey round by date.

    Every points layer with a date window counts this period's window instead; every table with
    rounds (``round_column``) takes the latest round on or before ``as_of`` (default: the window's
    last day); a ``where`` value written ``"{year}"`` (or ``"{period}"``) becomes the period's year (or
    name); a raster takes its file for the period from ``period_paths``. Layers without a date stay as
    they are (e.g. health facilities).
    """

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Short name shown on the map and in the tables, e.g. 2017 or 2019-H1.")
    year: int | None = Field(None, ge=1900, le=2100, description="A calendar year (sets start and end).")
    start: date | None = Field(None, description="First day of the period (inclusive).")
    end: date | None = Field(None, description="Last day of the period (inclusive).")
    as_of: date | None = Field(None, description="Date of the survey round tables take (latest round on or before it); default: the last day of the period.")
    label: Text | None = Field(None, description="Label shown instead of the name.")

    @model_validator(mode="before")
    @classmethod
    def _bare_year(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return {"name": str(value), "year": value}
        if isinstance(value, Mapping) and "name" not in value and isinstance(value.get("year"), int):
            return {**value, "name": str(value["year"])}
        return value

    @model_validator(mode="after")
    def _dates(self) -> "PeriodSpec":
        if self.year is not None and (self.start or self.end):
            raise _fail("year", f"year {self.year} and start/end", "either year or start and end", "remove one of them")
        if (self.start is None) != (self.end is None):
            raise _fail("start" if self.start is None else "end", "only one end of the window", "both start and end, or year", "add the other end")
        if self.start and self.end and self.start > self.end:
            raise _fail("start", f"start {self.start} after end {self.end}", "start on or before end", "swap or correct the dates")
        if self.year is None and self.start is None and self.as_of is None:
            raise _fail("year", "no date", "year, start and end, or as_of (a survey round)", "e.g. year: 2017")
        return self

    @property
    def window(self) -> tuple[date | None, date | None]:
        """The inclusive date window (``year`` expanded; ``(None, None)`` for a round alone)."""
        return date_window(self.year, self.start, self.end)

    @property
    def round_date(self) -> date:
        """The date of the round tables take: ``as_of``, else the window's last day."""
        return self.as_of or self.window[1]  # type: ignore[return-value]

    @property
    def year_value(self) -> int:
        """The period's year (of its last day, or of its round)."""
        return (self.window[1] or self.as_of).year  # type: ignore[union-attr]


def _with_weights(data: dict, key: str, items: Any, items_key: str) -> Any:
    """``items`` (indicators or pillars, as written) with the weights of ``data[key]`` put in, and
    ``data[key]`` removed; a name that is not among the items is an error (with a "did you mean")."""
    overrides = data.pop(key, None)
    if not isinstance(overrides, Mapping) or not overrides:
        if overrides is not None and not isinstance(overrides, Mapping):
            data[key] = overrides  # left for the field's own type check
        return items
    known = list(items) if isinstance(items, Mapping) else []
    unknown = [str(name) for name in overrides if name not in known]
    if unknown:
        raise _fail(key, ", ".join(map(repr, unknown)) + did_you_mean(unknown[0], known), f"names of {items_key}: {', '.join(known) or 'none'}", f"write the weights of {items_key} that exist")
    return {name: ({**spec, "weight": overrides[name]} if isinstance(spec, Mapping) and name in overrides else spec) for name, spec in items.items()}


class _Config(_Strict):
    """A whole nexus_zones config."""

    data_dir: Path | None = Field(None, description="Folder of the input files (relative to the config file); default the config's folder.")
    language: Language = Field("en", description="Language of the map and the brief: fr or en.")
    study: StudySpec
    layers: dict[Identifier, _RegisteredLayer] = Field(
        default_factory=dict, description="The input layers by name; each has a kind (see nexus_zones.layers.KINDS) and that kind's options."
    )
    indicators: dict[Identifier, IndicatorSpec] = Field(min_length=1)
    rules: dict[Identifier, RuleSpec] = Field(default_factory=dict)
    model: ModelSpec = ModelSpec()
    map: MapSpec = MapSpec()
    output: OutputSpec = OutputSpec()
    periods: list[PeriodSpec] = Field(
        default_factory=list,
        description="Periods of a follow-up study (years, named start-end windows or survey rounds by date): one model "
        "run on each, normalised with bounds pooled over every period so that a score means the same in each.",
    )
    weights: dict[Identifier, Weight] | None = Field(
        None, exclude=True, description="Indicator -> weight, replacing those indicators' weight: (as the map's 'Copy as YAML' gives them; "
        "merged into indicators when the config is loaded)."
    )
    pillar_weight_overrides: dict[Identifier, Weight] | None = Field(  # pillar_weights() is a method
        None, alias="pillar_weights", exclude=True, description="Pillar -> weight, replacing those pillars' weight: in model.pillars (merged when the config is loaded)."
    )

    _source: str = PrivateAttr("<config object>")
    _sha256: str = PrivateAttr("")

    @field_validator("data_dir")
    @classmethod
    def _resolve_data_dir(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        data_dir = (info.context or {}).get("data_dir")
        return Path(data_dir) if data_dir else (None if value is None else _resolve(value, info))

    @model_validator(mode="before")
    @classmethod
    def _proxy_labels(cls, data: Any) -> Any:
        """Indicators of a layer with a ``proxy`` note say so in their label (unless it already says 'proxy')."""
        if not isinstance(data, Mapping) or not isinstance(data.get("layers"), Mapping) or not isinstance(data.get("indicators"), Mapping):
            return data
        proxies = {name: spec["proxy"] for name, spec in data["layers"].items() if isinstance(spec, Mapping) and spec.get("proxy")}
        if not proxies:
            return data
        indicators = {}
        for name, ind in data["indicators"].items():
            layer = str(ind.get("measure", "")).split(".")[0] if isinstance(ind, Mapping) else None
            if layer in proxies and "proxy" not in str(ind.get("label", "")).lower():
                ind = {**ind, "label": join_texts(ind.get("label") or name, proxies[layer], "proxy: ")}
            indicators[name] = ind
        return {**data, "indicators": indicators}

    @model_validator(mode="before")
    @classmethod
    def _weight_overrides(cls, data: Any) -> Any:
        """``weights:`` and ``pillar_weights:`` (a block pasted from the map) replace the weights of the
        indicators and pillars they name; they are consumed here, so a loaded config holds each weight once."""
        if not isinstance(data, Mapping) or (data.get("weights") is None and data.get("pillar_weights") is None):
            return data
        data = dict(data)
        data["indicators"] = _with_weights(data, "weights", data.get("indicators"), "indicators")
        model = data.get("model") if isinstance(data.get("model"), Mapping) else {}
        pillars = _with_weights(data, "pillar_weights", model.get("pillars"), "model.pillars")
        if pillars is not None:
            data["model"] = {**model, "pillars": pillars}
        return data

    @model_validator(mode="before")
    @classmethod
    def _top_k_defaults(cls, data: Any) -> Any:
        """``map.top_k`` and ``stakeholders.top_k`` default to ``robustness.top_k``: resolved here, once."""
        if not isinstance(data, Mapping):
            return data
        rb = data.get("robustness")
        k = rb.get("top_k") if isinstance(rb, Mapping) and "top_k" in rb else robustness.Spec.model_fields["top_k"].default
        if not (isinstance(k, int) and not isinstance(k, bool) and k >= 1):
            return data  # robustness.top_k's own error is reported
        out = dict(data)
        for key in ("map", "stakeholders"):
            block = data.get(key, {})
            if isinstance(block, Mapping) and block.get("top_k") is None:
                out[key] = {**block, "top_k": k}
        return out

    @field_validator("rules", mode="before")
    @classmethod
    def _rule_shorthand(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: ({"expr": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @property
    def source(self) -> str:
        """The config file's path, or ``<config object>``."""
        return self._source

    @property
    def sha256(self) -> str:
        """SHA-256 of the config file's bytes (or of the canonical JSON of a config object)."""
        return self._sha256

    def indicator_weights(self) -> dict[str, float]:
        """Each indicator's configured weight (relative within its pillar), or its AHP weight."""
        if self.model.ahp is not None and not self.model.pillars:
            return ahp(list(self.indicators), self.model.ahp).weights
        return {n: float(i.weight if i.weight is not None else 0.0) for n, i in self.indicators.items()}

    def pillar_weights(self) -> dict[str, float]:
        """Each pillar's weight (configured, or from AHP); empty without pillars."""
        if not self.model.pillars:
            return {}
        if self.model.ahp is not None:
            return ahp(list(self.model.pillars), self.model.ahp).weights
        return {n: float(p.weight or 0.0) for n, p in self.model.pillars.items()}


#: The whole config: the keys above, and each analysis's key (:data:`nexus_zones.analyses.ANALYSES`)
#: with its spec and that spec's defaults.
Config = create_model(
    "Config",
    __base__=_Config,
    __module__=__name__,
    __doc__=_Config.__doc__,
    **{a.KEY: (a.Spec, a.Spec()) for a in {a.KEY: a for a in ANALYSES.values() if "." not in a.KEY}.values()},
)


def measures_of(layer: Any) -> tuple[str, ...] | None:
    """Measures a layer yields, or ``None`` where they depend on the data (categories from the file)."""
    return _layers.kind_of(layer).measures(layer)


#: The config model's schema holds these kinds (name, spec); see :func:`_sync_kinds`.
_SCHEMA_KINDS: tuple = tuple(layer_kinds().items())


def _sync_kinds() -> None:
    """Rebuild the config model's schema when kinds were registered or removed since it was built,
    so that a kind added to :data:`nexus_zones.layers.KINDS` is accepted (one module, one line)."""
    global _SCHEMA_KINDS
    now = tuple(layer_kinds().items())
    if now != _SCHEMA_KINDS:
        Config.model_rebuild(force=True)
        _SCHEMA_KINDS = now
