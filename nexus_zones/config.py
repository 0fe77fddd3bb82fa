"""The YAML config: pydantic models, cross-field checks and :func:`load_config`.

A config names the study area (boundaries and their columns), the layers to read, the indicators
drawn from those layers with their direction, normalisation and weight, the pass/fail rules, and
where outputs go. Unknown keys are errors (with a "did you mean"); every problem of a config is
reported at once, each with its key path, what was found and what is allowed. Paths are relative
to the config file and resolved when it is loaded.

Method names are ``Literal`` types defined here and shared with the CLI and the stages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import typing
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Union

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    FiniteFloat,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from . import layers as _layers
from .errors import ConfigError, Problem, did_you_mean, short_repr
from .layers.actors import ACTOR_MEASURES, ActorsLayerSpec
from .layers.base import _IDENT, _SEP, Aggregation, Identifier, Weight, Language, Scalar, Text, _check_crs, _fail, _HasPath, date_window, join_texts, _resolve, _Strict  # noqa: F401 - shared building blocks
from .layers.points import POINT_MEASURES, PointsLayerSpec
from .layers.polygons import PolygonsLayerSpec
from .layers.raster import RASTER_MEASURES, RasterLayerSpec
from .layers.table import TableLayerSpec
from .analyses import ANALYSES, compared_weights, robustness
from .analyses import ahp as ahp_analysis
from .rules import RuleSyntaxError, parse_rule
from .safety import strip_bidi_mapping

__all__ = [
    "Direction",
    "Normalisation",
    "MissingPolicy",
    "FailingUnits",
    "BoundariesSpec",
    "StudySpec",
    "PointsLayerSpec",
    "TableLayerSpec",
    "ActorsLayerSpec",
    "LayerSpec",
    "IndicatorSpec",
    "RuleSpec",
    "ModelSpec",
    "MapSpec",
    "OutputSpec",
    "Config",
    "load_config",
    "config_from_mapping",
    "measures_of",
    "POINT_MEASURES",
    "ACTOR_MEASURES",
    "RASTER_MEASURES",
    "UNIT_MEASURES",
    "RasterLayerSpec",
    "PolygonsLayerSpec",
    "layer_kinds",
    "PillarSpec",
    "Aggregation",
    "measure_dependents",
    "MIN_WEIGHT_SHARE",
]

logger = logging.getLogger(__name__)

Direction = Literal["benefit", "cost"]
Normalisation = Literal["minmax", "goalposts", "rank", "zscore", "threshold", "inform"]
MissingPolicy = Literal["exclude", "worst", "error", "median", "region_median", "knn"]
FailingUnits = Literal["last", "flag", "exclude"]

Transform = Literal["none", "log1p"]


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
    per: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$",
        description="Divide by this measure (e.g. ch.population, units.area_km2) to make a rate.",
    )
    scale: FiniteFloat = Field(1.0, gt=0, description="Multiply the value (e.g. 100000 for a rate per 100,000 people).")
    per_year: bool = Field(False, description="Divide by the length in years of the points layer's window.")
    transform: Transform = Field("none", description="log1p: log(1 + x), for skewed counts (after per and scale).")
    missing: MissingPolicy = Field(
        "exclude", description="Units without a value: exclude from ranking, give the worst observed value, or error."
    )

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
    """A group of indicators scored together (e.g. security, services, presence)."""

    indicators: list[Identifier] = Field(min_length=1)
    weight: Weight | None = Field(None, ge=0, description="Weight among pillars; not needed when model.ahp weighs the pillars.")
    aggregation: Aggregation = "arithmetic"
    label: Text | None = None


class ModelSpec(_Strict):
    """Aggregation, pillars, weighting and how rules act on the ranking."""

    failing_units: FailingUnits = Field(
        "last",
        description="last (rules first): rank units passing every rule ahead of those failing, then by the number of rules failed, then by "
        "score; flag: rank every unit by score alone and mark failures; exclude: rank only units passing every rule.",
    )
    aggregation: Aggregation = Field("arithmetic", description="arithmetic, geometric (limited compensation) or topsis.")
    pillars: dict[Identifier, PillarSpec] = Field(default_factory=dict, description="Groups of indicators; every weighted indicator in one.")
    ahp: ahp_analysis.Spec = Field(
        None, description="AHP pairwise judgements {a: {b: x}} (a is x times as important as b) over the pillars, or the indicators without pillars."
    )
    compare_weights: compared_weights.Spec = Field(
        default_factory=lambda: ["entropy", "critic", "pca"], description="Data-driven weights computed side by side with the expert's."
    )


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
            from .weights import ahp

            return ahp(list(self.indicators), self.model.ahp).weights
        return {n: float(i.weight if i.weight is not None else 0.0) for n, i in self.indicators.items()}

    def pillar_weights(self) -> dict[str, float]:
        """Each pillar's weight (configured, or from AHP); empty without pillars."""
        if not self.model.pillars:
            return {}
        if self.model.ahp is not None:
            from .weights import ahp

            return ahp(list(self.model.pillars), self.model.ahp).weights
        return {n: float(p.weight or 0.0) for n, p in self.model.pillars.items()}

    def with_weights(self, weights: Mapping[str, float]) -> "Config":
        """Return a copy with some indicator weights changed (validated like the YAML)."""
        data = self.model_dump(mode="json")
        if data["model"].get("ahp") and not data["model"].get("pillars"):
            for name, w in self.indicator_weights().items():  # weights given by hand replace the AHP ones
                data["indicators"][name]["weight"] = w
            data["model"]["ahp"] = None
        for name, w in weights.items():
            if name not in data["indicators"]:
                raise ConfigError(
                    self.source,
                    [Problem(f"weights.{name}", repr(name), f"one of {sorted(data['indicators'])}")],
                )
            data["indicators"][name]["weight"] = w
        return config_from_mapping(data, source=f"{self.source} (weights changed)")

    def with_failing_units(self, failing_units: str) -> "Config":
        """Return a copy where rules act on the ranking as ``failing_units`` says (validated like the YAML)."""
        data = self.model_dump(mode="json")
        data["model"]["failing_units"] = failing_units
        return config_from_mapping(data, source=self.source)


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


# --------------------------------------------------------------------------------------- loading


#: Bounds on what a config file may hold, checked while reading it so that contrived input is an
#: error within a second: its size, its nesting, the values its aliases expand to, one text's length.
MAX_CONFIG_BYTES = 1_000_000
MAX_DEPTH = 50
MAX_VALUES = 100_000
MAX_TEXT = 10_000


class _TooMuch(yaml.YAMLError):
    """A config beyond one of the bounds above: where (key or line), what was found, what is allowed."""

    def __init__(self, where: str, found: str, expected: str, fix: str):
        super().__init__(found)
        self.problem_item = Problem(where, found, expected, fix)


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses duplicate keys instead of keeping the last one, and configs
    nested deeper than :data:`MAX_DEPTH`, expanding (through aliases) to more than
    :data:`MAX_VALUES` values, or holding a text longer than :data:`MAX_TEXT` characters."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        path = self.__dict__.setdefault("_path", [])
        path.append(index.value if isinstance(index, yaml.ScalarNode) else f"[{index}]" if isinstance(index, int) else "")
        try:
            if len(path) > MAX_DEPTH:
                mark = self.peek_event().start_mark
                keys = ".".join(p for p in path[1:6] if p).replace(".[", "[")
                raise _TooMuch(f"{keys}... (line {mark.line + 1}, column {mark.column + 1})", f"values nested more than {MAX_DEPTH} levels deep",
                               f"at most {MAX_DEPTH} levels (a config is a few levels deep)", "remove the nesting")
            return super().compose_node(parent, index)
        finally:
            path.pop()

    def get_single_node(self):  # noqa: ANN201
        node = super().get_single_node()
        if node is not None:
            _check_bounds(node)
        return node


def _children(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        return [(f"{k.value}" if isinstance(k, yaml.ScalarNode) else "?", v) for k, v in node.value] + [("?", k) for k, _ in node.value]
    if isinstance(node, yaml.SequenceNode):
        return [(f"[{i}]", v) for i, v in enumerate(node.value)]
    return []


def _check_bounds(root: yaml.Node) -> None:
    """Count the values each node expands to (aliases included, each shared node once) without
    recursion; refuse a text over :data:`MAX_TEXT`, a cycle, or a total over :data:`MAX_VALUES`."""
    size: dict[int, int] = {}
    parents: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        key = id(node)
        if not ready:
            if key in size:
                continue
            if key in active:
                raise _TooMuch(_key_path(root, node), "a value that contains itself (an alias inside its own anchor)", "values that end", "remove the alias")
            if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_TEXT:
                raise _TooMuch(_key_path(root, node), f"a text of {len(node.value):,} characters ({short_repr(node.value, 60)})",
                               f"at most {MAX_TEXT:,} characters", "shorten it")
            active.add(key)
            stack.append((node, True))
            for _, child in _children(node):
                parents[id(child)] = parents.get(id(child), 0) + 1
                stack.append((child, False))
            continue
        active.discard(key)
        size[key] = 1 + sum(size[id(c)] for _, c in _children(node))
    if size[id(root)] > MAX_VALUES:
        node, path = _largest_unshared(root, size, parents)
        raise _TooMuch(".".join(path).replace(".[", "[") or "(top level)",
                       f"values that expand to {size[id(node)]:,} items through aliases (*name), at line {node.start_mark.line + 1}",
                       f"at most {MAX_VALUES:,} values in the whole config", "write the values out, or alias smaller parts")


def _largest_unshared(root: yaml.Node, size: dict[int, int], parents: dict[int, int]) -> tuple[yaml.Node, list[str]]:
    """Follow the largest child from the root while it is over the limit and not reached by an alias."""
    node, path = root, []
    while True:
        over = [(k, c) for k, c in _children(node) if size[id(c)] > MAX_VALUES]
        if not over:
            return node, path
        k, child = max(over, key=lambda kc: size[id(kc[1])])
        path.append(k)
        if parents.get(id(child), 0) > 1:
            return child, path
        node = child


def _key_path(root: yaml.Node, target: yaml.Node) -> str:
    """The key path to ``target`` (first found, breadth first), e.g. ``indicators.x.label``."""
    seen = {id(root)}
    queue = [(root, [])]
    for node, path in queue:
        if node is target:
            return ".".join(path).replace(".[", "[") or "(top level)"
        for k, child in _children(node):
            if id(child) not in seen:
                seen.add(id(child))
                queue.append((child, path + [k]))
    return "(somewhere)"  # pragma: no cover - the target is under the root


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_config(path: str | Path, *, data_dir: str | Path | None = None) -> Config:
    """Read and validate a YAML config file.

    ``data_dir`` (e.g. from ``--data-dir``) overrides the config's ``data_dir``: input paths are
    then relative to it.

    Raises
    ------
    ConfigError
        Listing every problem found, each with its key path, what was found and what is allowed.
    """
    path = Path(path)
    source = str(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(source, [Problem(
                "file", f"{path.stat().st_size / 1e6:,.1f} MB", f"a config of at most {MAX_CONFIG_BYTES / 1e6:g} MB (a config names the input files; it holds no data)",
                "check that this is the config file, and put data in the input files it names")])
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            source, [Problem("file", "no such file", "a YAML config file", f"check the path (working folder: {Path.cwd()})")]
        ) from None
    except OSError as exc:
        raise ConfigError(source, [Problem("file", f"unreadable ({exc.strerror})", "a readable YAML file")]) from exc
    try:
        data = yaml.load(raw_bytes.decode("utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - safe loader subclass
    except UnicodeDecodeError as exc:
        raise ConfigError(source, [_not_utf8(raw_bytes, exc)]) from exc
    except _TooMuch as exc:
        raise ConfigError(source, [exc.problem_item]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        if "could not determine a constructor for the tag" in problem:
            found, expected, fix = f"a YAML tag that is not allowed ({problem.split('tag', 1)[1].strip()})", "plain YAML values", "remove the tag"
        elif "'\\t'" in problem:
            found, expected, fix = "a tab in the indentation", "indentation with spaces", "indent with spaces, not tabs (replace each tab on that line by spaces)"
        elif problem.startswith("duplicate key"):
            found, expected, fix = problem, "each key once in a mapping", "remove or rename one of them"
        else:
            found, expected, fix = f"invalid YAML ({problem})", "valid YAML", "fix the syntax there"
        raise ConfigError(source, [Problem(where, found, expected, fix)]) from None
    config = config_from_mapping(data, source=source, base_dir=path.resolve().parent, data_dir=data_dir)
    config._sha256 = hashlib.sha256(raw_bytes).hexdigest()
    return config


def _not_utf8(raw: bytes, exc: UnicodeDecodeError) -> Problem:
    """Where a config that is not UTF-8 first goes wrong, what it looks like, and the fix."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return Problem("file", "UTF-16 text (it starts with a UTF-16 byte-order mark)", "a UTF-8 text file", "re-save the file as UTF-8 (in Notepad: Save As > Encoding UTF-8)")
    line = raw[: exc.start].count(b"\n") + 1
    text = raw.splitlines()[line - 1].decode("cp1252", errors="replace").strip()
    return Problem(
        f"line {line}", f"bytes that are not UTF-8 ({raw[exc.start:exc.start + 2]!r} in {text[:60]!r}; Windows-1252 text, such as a config saved by an older editor)",
        "a UTF-8 text file", "re-save the file as UTF-8 (in Notepad: Save As > Encoding UTF-8)",
    )


def config_from_mapping(
    data: Any, *, source: str = "<config object>", base_dir: str | Path | None = None, data_dir: str | Path | None = None
) -> Config:
    """Validate a config given as a mapping (the parsed YAML).

    Relative paths resolve against ``base_dir`` (default: the working folder); input files against
    the data folder: ``data_dir`` if given, else the mapping's ``data_dir`` (relative to ``base_dir``).
    """
    if not isinstance(data, Mapping):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ConfigError(source, [Problem("(top level)", found, "a mapping with study, layers, indicators, ...", "start from configs/demo.yaml")])
    base = Path(base_dir) if base_dir else Path.cwd()
    if data_dir is not None:
        resolved_data: Path | None = Path(data_dir).expanduser().resolve()
    elif isinstance(data.get("data_dir"), (str, Path)):
        resolved_data = (base / Path(data["data_dir"]).expanduser()).resolve()
    else:
        resolved_data = None
    if resolved_data is not None and not resolved_data.is_dir():
        key = "--data-dir" if data_dir is not None else "data_dir"
        raise ConfigError(source, [_missing_data_dir(key, resolved_data)])
    _sync_kinds()
    data = strip_bidi_mapping(data, source=source)
    try:
        config = Config.model_validate(data, context={"base_dir": base, "data_dir": resolved_data})
    except ValidationError as exc:
        problems = [_problem_from_pydantic(err) for err in exc.errors()]
        seen = {p.where for p in problems}
        problems += [p for p in _raw_cross_checks(data) if p.where not in seen]
        raise ConfigError(source, problems) from None
    problems = _cross_checks(config)
    if problems:
        raise ConfigError(source, problems)
    _log_outside_paths(config, base, resolved_data)
    config._source = source
    config._sha256 = hashlib.sha256(json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    return config


def _missing_data_dir(key: str, folder: Path) -> Problem:
    """The data folder (``data_dir`` or ``--data-dir``) does not exist: name the way to point at the right one."""
    fix = (
        "give --data-dir the folder that holds the input files (an absolute path, or relative to the working folder "
        f"{Path.cwd()})" if key == "--data-dir" else
        "run with --data-dir FOLDER naming the folder that holds the input files (an absolute path is safest), "
        "or download the files into this folder, or change data_dir (relative to the config file)"
    )
    return Problem(key, f"{str(folder)!r}, which is not a folder", "the folder holding the input files", fix)


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


def _log_outside_paths(config: Config, base: Path, data_dir: Path | None) -> None:
    """Paths may be absolute or climb with '..'; they are allowed, resolved, and said (never silent)."""
    roots = [r.resolve() for r in (base, data_dir) if r is not None]
    paths = [config.study.boundaries.path, *(path for layer in config.layers.values() for path in layer.input_paths())]
    outside = [str(p) for p in paths if not any(p.is_relative_to(r) for r in roots)]
    if outside:
        logger.info("input paths outside the config's folder%s, as resolved: %s", " and data_dir" if data_dir else "", ", ".join(outside))


def _walk_model(loc: tuple) -> tuple[list[str], type[BaseModel] | None]:
    """Return the readable key path of a pydantic error location and the model it points into."""
    parts: list[str] = []
    model: Any = Config
    i = 0
    while i < len(loc):
        part = loc[i]
        if isinstance(model, type) and issubclass(model, BaseModel):
            parts.append(str(part))
            field = model.model_fields.get(str(part))
            model = field.annotation if field else None
        elif model is _RegisteredLayer:
            model = _layers.KINDS[part].Spec if part in _layers.KINDS else None  # the kind's tag: not a key the user wrote
        else:
            origin = typing.get_origin(model)
            args = typing.get_args(model)
            if origin is Annotated:
                model = args[0]
                continue
            if origin in (Union, getattr(__import__("types"), "UnionType", Union)):
                if part in _layers.KINDS:  # discriminated-union tag: not a key the user wrote
                    model = _layers.KINDS[part].Spec
                    i += 1
                    continue
                model = next((a for a in args if a is not type(None)), None)
                continue
            if origin is dict:
                parts.append(str(part))
                model = args[1]
            elif origin in (list, tuple):
                parts.append(f"[{part}]")
                model = args[0] if args else None
            else:
                parts.append(str(part))
                model = None
        i += 1
    while model is not None and typing.get_origin(model) in (Annotated,):
        model = typing.get_args(model)[0]
    if typing.get_origin(model) is Union:
        model = next((a for a in typing.get_args(model) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return parts, model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _problem_from_pydantic(err: Mapping[str, Any]) -> Problem:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        parts, parent = _walk_model(loc[:-1])
        key = str(loc[-1])
        allowed = sorted(parent.model_fields) if parent else []
        where = ".".join(parts + [key]) or key
        return Problem(
            where,
            f"unknown key {key!r}{did_you_mean(key, allowed)}",
            f"one of: {', '.join(allowed)}" if allowed else "no such key",
            "rename or remove it",
        )
    parts, _ = _walk_model(loc)
    where = ".".join(parts) or "(top level)"
    where = re.sub(r"\.\[", "[", where)
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    if kind == "value_error" and _SEP in msg:
        key, found, expected, fix = msg.split(_SEP)
        return Problem(f"{where}.{key}" if parts else key, found, expected, fix)
    if kind == "missing":
        return Problem(where, "nothing (the key is missing)", "a value", f"add {parts[-1] if parts else 'it'}: to the config")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = (err.get("ctx") or {}).get("tag")
        kinds = list(_layers.KINDS)
        found = "nothing (the key is missing)" if kind == "union_tag_not_found" or tag is None else f"{tag!r}{did_you_mean(str(tag), kinds)}"
        return Problem(where + ".kind", found, f"one of {', '.join(kinds)}", "set the layer's kind")
    value = err.get("input")
    found = short_repr(value)
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        choices = re.findall(r"'([^']+)'", msg)
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
        return Problem(where, f"{found}{hint}", "one of " + ", ".join(choices))
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return Problem(where, found, _PATTERN_WORDS.get(pattern, f"text matching {pattern}"))
    expected = {
        "greater_than_equal": f"a number of at least {ctx.get('ge')}",
        "greater_than": f"a number above {ctx.get('gt')}",
        "less_than_equal": f"a number of at most {ctx.get('le')}",
        "finite_number": "a finite number (not NaN or infinity)",
        "float_parsing": "a number", "float_type": "a number", "int_parsing": "a whole number", "int_type": "a whole number",
        "bool_parsing": "true or false", "bool_type": "true or false",
        "string_type": "text", "dict_type": "a mapping (key: value lines)", "list_type": "a list ([a, b] or '- ' lines)",
        "date_from_datetime_parsing": "a date such as 2017-01-01", "date_parsing": "a date such as 2017-01-01", "date_type": "a date such as 2017-01-01",
        "too_short": f"at least {ctx.get('min_length')} item(s)",
        "tuple_type": "a list of two numbers", "too_long": f"at most {ctx.get('max_length')} item(s)",
    }.get(kind)
    fix = ""
    if kind == "float_parsing" and isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+,\d+\s*", value):
        fix = f"write {value.strip().replace(',', '.')} (a point as the decimal mark, unquoted)"
    return Problem(where, found, expected or (msg[0].lower() + msg[1:] if msg else "a valid value"), fix)


_PATTERN_WORDS = {
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$": "letters, digits, '_', '.' or '-', starting with a letter or digit (it names the output files)",
    _IDENT: "a name of letters, digits and '_', not starting with a digit (it is used in rules)",
    r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$": "layer.measure, e.g. incidents.count",
}


def _cross_checks(config: Config) -> list[Problem]:
    """Checks across keys of a validated config: references, per_year, weights."""
    layers = {name: measures_of(spec) for name, spec in config.layers.items()}
    problems = _reference_problems(
        layers,
        {n: (i.measure, i.per) for n, i in config.indicators.items()},
        {n: r.expr for n, r in config.rules.items()},
    )
    for name, ind in config.indicators.items():
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
    from .decision import decode_weights

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
    problems = _pillar_membership_problems(config) + _ahp_problems(config) + _missing_weight_problems(config)
    if not problems and config.indicators and sum(config.indicator_weights().values()) <= 0:
        problems.append(
            Problem("indicators.*.weight", "0 for every indicator", "at least one positive weight", "give the indicators that should count a weight above 0")
        )
    if not problems and config.model.pillars and sum(config.pillar_weights().values()) <= 0:
        problems.append(Problem("model.pillars.*.weight", "0 for every pillar", "at least one positive weight"))
    if not problems:
        problems += _weight_scale_problems(config)
    return problems


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
    from .weights import MAX_CONSISTENCY_RATIO, ahp

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
        groups.append(("model.pillars.*.weight", {f"model.pillars.{p}.weight": s.weight for p, s in config.model.pillars.items() if s.weight is not None}))
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
            for ref in (ind.measure, ind.per):
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
    layers: Mapping[str, tuple[str, ...] | None], indicators: Mapping[str, tuple[str | None, str | None]], rules: Mapping[str, str]
) -> list[Problem]:
    """References from indicators and rules to layers, their measures and indicators.

    ``layers`` maps a layer name to its measures (``None`` where they depend on the data).
    """
    problems: list[Problem] = []
    if "units" in layers:
        problems.append(Problem("layers.units", "a layer named 'units'", "another name: 'units' holds the units' own measures (units.area_km2)", "rename the layer"))

    def measure_problem(where: str, ref: str, in_rule: bool) -> Problem | None:
        return _measure_problem(layers, indicators, where, ref, in_rule=in_rule)

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


def _measure_problem(layers: Mapping[str, tuple[str, ...] | None], indicators: Mapping, where: str, ref: str, *, in_rule: bool) -> Problem | None:
    """The problem of a ``layer.measure`` reference (unknown layer, or a measure the layer has not), or None."""
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
        return Problem(where, f"{ref!r}: layer {layer_name!r} has no measure {measure!r}{did_you_mean(measure, known)}", f"a measure of layer {layer_name!r}: {', '.join(known)}")
    return None


def untranslated_texts(config: Config) -> list[tuple[str, str]]:
    """The config texts shown on the map and in the brief that are not given in ``config.language``:
    (config key, the text shown instead). Plain texts count as English (see
    :func:`nexus_zones.messages.has_language`); sources are citations and are shown as published."""
    from .messages import has_language, pick

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
