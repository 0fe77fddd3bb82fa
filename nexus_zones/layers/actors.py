"""The ``actors`` kind: a 3W table (who does what where), one row per organisation and place,
counted per unit and actor type (humanitarian, development).

Owns its config spec (:class:`ActorsLayerSpec`), its reader (:func:`read_actors`), its measures
(:data:`ACTOR_MEASURES`) and its per-unit measure (:func:`count_actors`).
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import Iterator, Literal, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import Field

from .. import fold, load
from ..errors import InputDataError, SpellingVariantWarning, UnusedValueWarning
from . import _keyed
from ._keyed import _KeyedTable
from .base import MeasureContext, Measured, ReadContext

__all__ = ["ActorsLayerSpec", "ACTOR_MEASURES", "read_actors", "count_actors", "fold_organisations", "measures", "read", "measure", "empty_parts"]

logger = logging.getLogger(__name__)

#: Measures an actors (3W) layer yields.
ACTOR_MEASURES = ("humanitarian", "development", "actors", "both")


class ActorsLayerSpec(_KeyedTable):
    """A 3W table: one row per organisation and place; counted per unit and actor type."""

    kind: Literal["actors"]
    organisation_column: str = "organisation"
    type_column: str = Field("type", description="Column whose values say humanitarian or development.")
    humanitarian: list[str] = Field(["humanitarian", "humanitaire"], min_length=1)
    development: list[str] = Field(["development", "developpement"], min_length=1)
    organisation_aliases: dict[str, str] = Field(
        default_factory=dict,
        description="Organisation spellings -> the name they are counted under, for different names of one organisation (e.g. PAM: WFP); "
        "case, accents, spaces and punctuation are folded without it.",
    )


Spec = ActorsLayerSpec


# ------------------------------------------------------------------------------------ the kind


def measures(spec: ActorsLayerSpec) -> tuple[str, ...]:
    """Organisations per unit: humanitarian, development, either (actors), and both present."""
    return ACTOR_MEASURES


def read(name: str, spec: ActorsLayerSpec, context: ReadContext) -> pd.DataFrame:
    """Read the 3W's key columns, organisations and actor types (see :func:`read_actors`); options
    the spec leaves out come from the file's published shape (HDX HAPI operational presence)."""
    shape = _keyed.file_shape(name, spec, needed=not (spec.unit_column or spec.name_column))
    given = spec.model_fields_set
    actor = {k: (getattr(spec, k) if k in given or shape is None or k not in shape.actors else shape.actors[k])
             for k in ("organisation_column", "type_column", "humanitarian", "development")}
    return read_actors(spec.path, **actor, **_keyed.key_options(name, spec, shape))


def measure(name: str, spec: ActorsLayerSpec, data: pd.DataFrame, context: MeasureContext) -> Measured:
    """Match the rows to the units, then count distinct organisations per unit (see :func:`count_actors`)."""
    rows, join = _keyed.match(name, spec, data, context)
    join["typed_rows_in_study"] = int(rows["actor_type"].notna().sum())
    return Measured(count_actors(context.units, rows, aliases=spec.organisation_aliases, layer=name), join=join)


def empty_parts(name: str, spec: ActorsLayerSpec, data: pd.DataFrame, measured: Measured, layer_measures: list[str]) -> Iterator[tuple[str, str, list[str]]]:
    """Yield the layer when no row of it (with a known type) is for a study unit."""
    why = _keyed.empty_why(spec, measured.join)
    if why:
        yield f"layers.{name}", why, layer_measures


# ------------------------------------------------------------------------------------ reader


def read_actors(
    path: Path,
    *,
    organisation_column: str,
    type_column: str,
    humanitarian: Sequence[str],
    development: Sequence[str],
    unit_column: str | None = None,
    name_column: str | None = None,
    parent_column: str | None = None,
    where: dict | None = None,
    layer: str = "layer",
    sheet: str | int | None = None,
    header_row: int | None = None,
) -> pd.DataFrame:
    """Read a 3W table into rows of key columns, ``organisation``, ``actor_type`` and ``type_value``.

    ``actor_type`` is ``humanitarian`` or ``development`` where the type column's value (folded for
    accents and case) is in the matching list, and missing otherwise; the caller reports those.
    """
    key = f"layers.{layer}"
    wanted = {f"{key}.organisation_column": organisation_column, f"{key}.type_column": type_column}
    for name, ref in (("unit_column", unit_column), ("name_column", name_column), ("parent_column", parent_column)):
        if ref:
            wanted[f"{key}.{name}"] = ref
    table = load.read_rows(path, wanted, where=where, where_key=f"{key}.where", sheet=sheet, header_row=header_row)
    table = load.drop_exact_copies(table, path, effect="an organisation is counted once per unit however many rows name it, so the counts are the same without them", keys=(unit_column, name_column, parent_column))
    hum = {fold.normalise_name(v) for v in humanitarian}
    dev = {fold.normalise_name(v) for v in development}
    both = hum & dev
    if both:
        raise InputDataError.one(str(path), f"{key}.humanitarian / {key}.development", f"values in both lists: {sorted(both)}", "each type value in one list only")
    type_values = table[load.resolve_column(table, type_column)].astype(str)
    folded = type_values.map(fold.normalise_name)
    out = load._key_columns(table, {"code": unit_column, "name": name_column, "parent": parent_column})
    out["organisation"] = table[load.resolve_column(table, organisation_column)].astype(str).str.strip()
    out["actor_type"] = np.where(folded.isin(hum), "humanitarian", np.where(folded.isin(dev), "development", None))
    out["type_value"] = type_values.to_numpy()
    blank = (out["organisation"] == "").to_numpy()
    if blank.any():
        raise InputDataError.one(str(path), f"column {organisation_column!r}", f"blank cells in rows {load._rows(out.index[blank])}", "an organisation in every row", "fill or remove those rows")
    return out


# ------------------------------------------------------------------------------------ measure


def count_actors(units: gpd.GeoDataFrame, actors: pd.DataFrame, *, aliases: Mapping[str, str] | None = None, layer: str = "actors") -> pd.DataFrame:
    """Count distinct organisations per unit and actor type.

    Organisation names differing only by case, accents, spaces or punctuation (``WFP``, ``wfp``,
    ``W.F.P.``) are one organisation; ``aliases`` (spelling → name) joins different names of one
    organisation (``PAM`` → ``WFP``). Every merge is listed in a
    :class:`~nexus_zones.errors.SpellingVariantWarning` (see :func:`fold_organisations`).

    ``actors`` holds rows with ``unit_id``, ``organisation``, ``actor_type`` and ``type_value``.
    Returns ``humanitarian`` and ``development`` (distinct organisations of each type),
    ``actors`` (distinct organisations of either type) and ``both`` (1 where both types are
    present, else 0). A unit absent from the 3W has no actor (0). Rows whose type is in neither
    list are reported and not counted.
    """
    rows = actors.assign(organisation=fold_organisations(actors["organisation"], aliases=aliases, layer=layer))
    untyped = rows[rows["actor_type"].isna()]
    if len(untyped):
        values = sorted(set(untyped["type_value"]))
        warnings.warn(
            UnusedValueWarning(
                f"layer {layer}: {len(untyped)} rows with type values {values[:10]} are neither humanitarian nor development and were not counted; "
                f"add those values to layers.{layer}.humanitarian or .development"
            ),
            stacklevel=2,
        )
    rows = rows[rows["actor_type"].notna()]
    out = pd.DataFrame(index=units.index.copy())
    for kind in ("humanitarian", "development"):
        sub = rows[rows["actor_type"] == kind]
        out[kind] = sub.groupby("unit_id")["organisation"].nunique().reindex(units.index).fillna(0).astype(float)
    out["actors"] = rows.groupby("unit_id")["organisation"].nunique().reindex(units.index).fillna(0).astype(float)
    out["both"] = ((out["humanitarian"] > 0) & (out["development"] > 0)).astype(float)
    logger.info(
        "layer %s: %d rows, %d organisations; %d units with both humanitarian and development actors",
        layer, len(rows), rows["organisation"].nunique(), int(out["both"].sum()),
    )
    return out


def organisation_key(name: str) -> str:
    """Fold an organisation name: no accents, case, spaces or punctuation (``W.F.P.`` → ``wfp``)."""
    folded = fold.normalise_name(name)
    return re.sub(r"[^0-9a-z]+", "", folded) or folded


def fold_organisations(names: pd.Series, *, aliases: Mapping[str, str] | None = None, layer: str = "actors") -> pd.Series:
    """One spelling per organisation: names folding to the same :func:`organisation_key` (after
    ``aliases``) take the most frequent spelling (the first seen among equals), or the alias target.
    Different acronyms (``WFP``, ``PAM``) stay apart unless an alias joins them."""
    alias = {organisation_key(k): str(v).strip() for k, v in (aliases or {}).items()}
    keys = names.map(organisation_key)
    unused = sorted(k for k, v in (aliases or {}).items() if organisation_key(k) not in set(keys))
    if unused:
        warnings.warn(UnusedValueWarning(f"layer {layer}: organisation_aliases {unused} name no organisation of the file"), stacklevel=3)
    via_alias = keys.isin(list(alias))
    keys = keys.map(lambda k: organisation_key(alias[k]) if k in alias else k)
    targets = {organisation_key(v): v for v in alias.values()}
    display: dict[str, str] = {}
    merges: list[str] = []
    for key, group in names.groupby(keys.to_numpy(), sort=False):
        counts = group.value_counts(sort=False)  # in order of first appearance
        display[key] = targets.get(key) or counts.index[int(np.argmax(counts.to_numpy()))]
        spellings = [s for s in counts.index if s != display[key]]
        if spellings:
            aliased = set(names[via_alias & (keys == key)])
            merges.append(f"{', '.join(repr(s) + (' (alias)' if s in aliased else '') for s in spellings)} → {display[key]!r}")
    if merges:
        warnings.warn(
            SpellingVariantWarning(
                f"layer {layer}: organisation names written several ways were counted as one organisation (case, accents, spaces and "
                f"punctuation folded; aliases from layers.{layer}.organisation_aliases): {'; '.join(merges[:12])}{' ...' if len(merges) > 12 else ''}"
            ),
            stacklevel=3,
        )
    return keys.map(display)
