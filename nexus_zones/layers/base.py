"""What every layer kind shares: the pydantic building blocks of its config spec, and the small
values the pipeline hands a kind's reader and measure function and gets back.

The building blocks (``_Strict``, ``_HasPath``, ``_NumberSpelling``, ``_fail``, ...) are also used by
:mod:`nexus_zones.config` for the parts of the config that are not layers; they live here so that a
layer module can define its spec without importing the config (which imports the registry).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Mapping, Union

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, FiniteFloat, ValidationInfo, field_validator, model_validator

__all__ = ["ReadContext", "MeasureContext", "Measured", "Scalar", "Identifier", "Text", "Language"]

logger = logging.getLogger(__name__)

Language = Literal["fr", "en"]
#: A text given plainly, or per language: ``{fr: "...", en: "..."}``.
Text = Union[str, dict[Language, str]]

_IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"
Identifier = Annotated[str, Field(pattern=_IDENT)]

Scalar = Union[str, int, float, bool]

#: How indicators (and pillars) are aggregated into a score.
Aggregation = Literal["arithmetic", "geometric", "topsis"]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number; true/false is no weight (write 1 or 0)")
    return value


#: A weight: a finite number of 0 or more, never true/false (YAML reads yes/no/true as booleans).
Weight = Annotated[FiniteFloat, BeforeValidator(_not_bool)]


def date_window(year: int | None, start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """The inclusive date window of a layer or a period: ``year`` expanded to 1 January - 31 December,
    else ``start`` .. ``end`` (either may be ``None``)."""
    if year is not None:
        return date(year, 1, 1), date(year, 12, 31)
    return start, end


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_SEP = "\x1f"


def _fail(key: str, found: str, expected: str, fix: str = "") -> ValueError:
    """A model-level check's failure, carrying the key it concerns (read by ``_problem_from_pydantic``)."""
    return ValueError(_SEP.join((key, found, expected, fix)))


def _check_crs(value: str | None) -> None:
    """A ``crs`` option must name a CRS pyproj knows."""
    if value is None:
        return
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(value)
    except CRSError:
        raise _fail("crs", repr(value), "a CRS such as EPSG:32630 (UTM zone 30N) or EPSG:3857 (Web Mercator)", "give the EPSG code of the coordinates") from None


def _resolve(value: Path, info: ValidationInfo, *, data: bool = False) -> Path:
    """Resolve a path relative to the config file's folder (``context['base_dir']``), or for input
    files (``data=True``) relative to the data folder (``context['data_dir']``) when one is set."""
    context = info.context or {}
    base = (context.get("data_dir") if data else None) or context.get("base_dir")
    path = Path(value).expanduser()
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    resolved = path.resolve()
    if Path(value).is_absolute() or ".." in Path(value).parts:
        logger.debug("config path %s resolved to %s", value, resolved)
    return resolved


def join_texts(text: Any, extra: Any, lead: str) -> Any:
    """``text`` followed by ``(lead extra)``, for plain texts or texts per language (either side)."""
    if isinstance(text, Mapping) or isinstance(extra, Mapping):
        langs = list(dict.fromkeys([*(text.keys() if isinstance(text, Mapping) else []), *(extra.keys() if isinstance(extra, Mapping) else [])])) or ["en"]
        pick = lambda t, lang: t if not isinstance(t, Mapping) else (t.get(lang) or t.get("en") or next(iter(t.values()), ""))  # noqa: E731
        return {lang: join_texts(pick(text, lang), pick(extra, lang), lead) for lang in langs}
    return f"{text} ({lead}{extra})" if text else f"{lead}{extra}"


class _HasPath(_Strict):
    path: Path = Field(description="File to read; relative to the config file's folder.")
    source: Text | None = Field(None, description="Who published the data and when, shown with values.")
    period: Text | None = Field(None, description="The period the values describe (default: the date window or round).")
    proxy: Text | None = Field(
        None, description="What the layer stands in for, where it measures something else than the indicator's subject (e.g. 'events "
        "involving Malian military or police forces, as a proxy for their presence'). Added to the source (shown with values, in the "
        "map's sources and the brief) and to the labels of the indicators using the layer.",
    )

    @model_validator(mode="before")
    @classmethod
    def _proxy_in_source(cls, data: Any) -> Any:
        """The proxy note joins the source, so that every place showing the source names the proxy."""
        if isinstance(data, Mapping) and data.get("proxy"):
            data = dict(data)
            data["source"] = join_texts(data.get("source"), data["proxy"], "proxy: ")
        return data

    @field_validator("path")
    @classmethod
    def _resolve_path(cls, value: Path, info: ValidationInfo) -> Path:
        return _resolve(value, info, data=True)

    def input_paths(self) -> tuple[Path, ...]:
        """Every file the layer reads (hashed into run.json); a kind reading more than ``path`` adds them."""
        return (self.path,)


class _NumberSpelling(_Strict):
    """How a layer writes its numbers, where the file alone cannot say (see :func:`nexus_zones.load.parse_number`)."""

    decimal: Literal[".", ","] | None = Field(
        None, description="Decimal mark of the numbers; default: decided from each whole column (1,5 and 1.234,5 show a decimal comma)."
    )
    thousands: Literal[".", ",", " ", "'"] | None = Field(
        None,
        description="Thousands separator: '.', ',', ' ' (any space, no-break or narrow) or \"'\" (apostrophes); "
        "' ' and \"'\" say that dots and commas never separate thousands. Default: decided from each whole column.",
    )

    @model_validator(mode="after")
    def _spelling(self):
        if self.decimal is not None and self.decimal == self.thousands:
            raise _fail("thousands", f"{self.thousands!r}, the same as decimal", "a thousands separator other than the decimal mark", "correct one of them")
        return self


# ------------------------------------------------------------------ what the pipeline hands a kind


@dataclass(frozen=True)
class ReadContext:
    """What a kind's ``read`` may need besides its spec.

    Attributes
    ----------
    whole
        Measures of the layer known to hold whole numbers, with the reason (the denominators of
        indicators); a kind reading numbers settles ``142.522`` with it, others ignore it.
    reference
        Every unit of the boundaries file (EPSG:4326), or ``None`` when the boundaries could not be
        read; lets a reader of coordinates say which reading of them falls inside the boundaries.
    countable_only
        The layer is measured once, with its spec as read (a single run, not a study over periods):
        a reader may keep only the rows its measure can count, with the figures of the others.
    """

    whole: Mapping[str, str] | None = None
    reference: gpd.GeoDataFrame | None = None
    countable_only: bool = False


@dataclass(frozen=True)
class MeasureContext:
    """What a kind's ``measure`` may need besides its spec and its data.

    Attributes
    ----------
    units
        The study units (EPSG:4326, indexed by ``unit_id``).
    all_units
        Every unit of the boundaries file (the study's and the others).
    progress
        ``progress(label)`` returns a ``callback(done, total)`` for long measures, or ``None``.
    cache
        A dict the kinds' measures may keep work in that depends only on the units (e.g. a raster
        grid's pixel coverage), shared by the layers of a run and by the periods of a study.
    """

    units: gpd.GeoDataFrame
    all_units: gpd.GeoDataFrame
    progress: Callable[[str], Callable[[int, int], None]] | None = None
    cache: dict | None = None

    def bar(self, label: str) -> Callable[[int, int], None] | None:
        """A progress callback labelled ``label``, or ``None`` without progress reporting."""
        return self.progress(label) if self.progress else None


@dataclass(frozen=True)
class Measured:
    """What a kind's ``measure`` returns: the per-unit measures and what the run reports of them.

    Attributes
    ----------
    measures
        One row per study unit, one column per measure (named without the layer prefix).
    report
        A points report (``as_dict()``), written under ``point_layers`` in the run metadata.
    join
        How the rows of a table were matched to the units, written under ``joins``.
    points
        The layer's points as read, shown on the map.
    """

    measures: pd.DataFrame
    report: Any = None
    join: dict | None = None
    points: gpd.GeoDataFrame | None = None
