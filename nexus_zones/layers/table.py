"""The ``table`` kind: a per-unit table (school closures, forces present/absent, displacement, food
insecurity), its rows matched to the units by P-code or name. Values below 0 are refused, as a
count's, except in measures listed as ``signed`` or whose names say a change (and none a count).

Owns its config spec (:class:`TableLayerSpec`), its reader (:func:`read_table`), its measures (the
configured value columns) and its per-unit measure (:func:`join_table`).
"""

from __future__ import annotations

import logging
import warnings
from datetime import date
from pathlib import Path
from typing import Iterator, Literal, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from .. import fold, load, schemas
from ..errors import InputDataError, Problem, PseudoUnitWarning, did_you_mean
from . import _keyed
from ._keyed import _KeyedTable
from .base import Identifier, MeasureContext, Measured, ReadContext, _fail

__all__ = ["TableLayerSpec", "read_table", "join_table", "measures", "read", "measure", "empty_parts"]

logger = logging.getLogger(__name__)


class TableLayerSpec(_KeyedTable):
    """A per-unit table (school closures, forces present/absent, displacement, food insecurity)."""

    kind: Literal["table"]
    columns: list[Identifier] | dict[Identifier, str] | None = Field(
        None, min_length=1, description="Value columns read as measures (numbers or yes/no); a mapping gives measure -> column. "
        "Default: the measures of the file's published shape (see shape)."
    )
    absent_units: Literal["missing", "zero"] = Field(
        "missing", description="Value for units absent from the table: missing (NaN, named) or zero."
    )
    combine: Literal["error", "sum", "mean", "max", "min"] = Field(
        "error", description="Several rows for one unit (e.g. communes of a cercle): error, or combine them."
    )
    round_column: str | None = Field(None, description="Date column of rounds or snapshots (e.g. DTM snapshot_date).")
    as_of: date | None = Field(None, description="Use the latest round dated on or before this day.")
    whole_numbers: list[Identifier] = Field(
        default_factory=list,
        description="Measures holding whole numbers (populations, counts): a column of 142.522 is then read as 142522. "
        "Measures used as an indicator's per are taken as whole numbers too.",
    )
    signed: list[Identifier] = Field(
        default_factory=list,
        description="Measures that may be below 0 (a change since the last round, a growth rate, a rainfall anomaly); a measure whose "
        "name, header or HXL tag says a change and nothing says a count is taken as signed without being listed (schemas.sign_evidence); "
        "every other measure is checked to be 0 or more, as a count is.",
    )

    @model_validator(mode="after")
    def _rounds(self) -> "TableLayerSpec":
        if (self.round_column is None) != (self.as_of is None):
            raise _fail("as_of" if self.round_column else "round_column", "only one of round_column and as_of", "both (the column of round dates, and the date wanted) or neither")
        if self.columns is None and (self.unit_column or self.name_column) and not self.shape:
            raise _fail("columns", "key columns without value columns", "columns naming the value columns (or no key columns, so that the file's shape is recognised)")
        if self.columns is None and not self.shape:
            return self  # measures known from the file's recognised shape
        for key in ("whole_numbers", "signed"):
            unknown = [m for m in getattr(self, key) if m not in self.column_map]
            if unknown:
                raise _fail(key, f"{unknown[0]!r}{did_you_mean(unknown[0], self.column_map)}", f"a measure of this layer: {', '.join(self.column_map)}")
        return self

    @property
    def column_map(self) -> dict[str, str]:
        """Measure name -> column."""
        return dict(self.columns) if isinstance(self.columns, dict) else {c: c for c in self.columns}


Spec = TableLayerSpec


# ------------------------------------------------------------------------------------ the kind


def measures(spec: TableLayerSpec) -> tuple[str, ...] | None:
    """The configured value columns, under their measure names (those of the ``shape`` where no
    columns are given); ``None`` where they come from the file's recognised shape."""
    if spec.columns is None and not spec.shape:
        return None
    return tuple(spec.column_map)


def read(name: str, spec: TableLayerSpec, context: ReadContext) -> pd.DataFrame:
    """Read the table's key and value columns (see :func:`read_table`); measures listed under
    ``whole_numbers`` or used as a denominator are read as whole numbers. Options the spec leaves
    out come from the file's published shape (:mod:`nexus_zones.schemas`)."""
    shape = _keyed.file_shape(name, spec, needed=spec.columns is None or not (spec.unit_column or spec.name_column))
    columns = spec.column_map if spec.columns is not None else (shape.columns() if shape else {})
    own = spec.columns is None and shape is not None
    data = read_table(
        spec.path, columns=columns, round_column=spec.round_column, as_of=spec.as_of, decimal=spec.decimal,
        thousands=spec.thousands, whole=context.whole, signed=spec.signed, **_keyed.key_options(name, spec, shape),
        conditions=shape.conditions() if own else None, latest=shape.latest if shape else (),
        latest_key=shape.latest_key if shape else None, pseudo_units=bool(shape and shape.pseudo_units),
    )
    data.attrs["measures"] = list(columns)
    data.attrs["combine"] = spec.combine if "combine" in spec.model_fields_set or shape is None else "sum"
    if shape is not None:
        data.attrs["shape"] = shape.name
    return data


def measure(name: str, spec: TableLayerSpec, data: pd.DataFrame, context: MeasureContext) -> Measured:
    """Match the rows to the units, then one value per unit and measure (see :func:`join_table`)."""
    rows, join = _keyed.match(name, spec, data, context)
    names = data.attrs.get("measures") or list(spec.column_map)
    combine = data.attrs.get("combine", spec.combine)
    values = join_table(context.units, rows, names, absent_units=spec.absent_units, combine=combine, source=str(spec.path), layer=name)
    if data.attrs.get("shape"):
        join["shape"] = data.attrs["shape"]
    if data.attrs.get("period"):
        join["period"] = data.attrs["period"]
    return Measured(values, join=join)


def for_period(spec: TableLayerSpec, period) -> TableLayerSpec:
    """The layer in a period of a follow-up study: a table of rounds takes the latest round on or
    before the period's round date; other tables stay as they are (their ``where`` may follow the
    period through ``"{year}"``, see :func:`nexus_zones.periods.period_config`)."""
    if spec.round_column is None:
        return spec
    return spec.model_copy(update={"as_of": period.round_date})


def empty_parts(name: str, spec: TableLayerSpec, data: pd.DataFrame, measured: Measured, layer_measures: list[str]) -> Iterator[tuple[str, str, list[str]]]:
    """Yield the layer when no row of it gives a value to a study unit."""
    why = _keyed.empty_why(spec, measured.join)
    if why:
        yield f"layers.{name}", why, layer_measures


def whole_numbers(spec: TableLayerSpec) -> list[str]:
    """The measures the config lists as whole numbers."""
    return list(spec.whole_numbers)


# ------------------------------------------------------------------------------------ reader


def read_table(
    path: Path,
    *,
    columns: dict[str, str],
    unit_column: str | None = None,
    name_column: str | None = None,
    parent_column: str | None = None,
    where: dict | None = None,
    round_column: str | None = None,
    as_of=None,
    decimal: str | None = None,
    thousands: str | None = None,
    whole: Mapping[str, str] | None = None,
    signed: Sequence[str] = (),
    layer: str = "layer",
    sheet: str | int | None = None,
    header_row: int | None = None,
    conditions: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    latest: Sequence[str] = (),
    latest_key=None,
    pseudo_units: bool = False,
) -> pd.DataFrame:
    """Read a per-unit table: one row per unit (or per part of a unit, e.g. communes).

    For published shapes (:mod:`nexus_zones.schemas`): ``conditions`` (measure -> {column: values})
    set a measure to 0 on rows whose columns hold other values (values compared folded); ``latest``
    keeps the rows of the latest period (ordered by ``latest_key`` of those columns' values, else as
    text); ``pseudo_units`` adds rows for ``Koro_limitedaccess`` to ``Koro`` (a :class:`PseudoUnitWarning`).

    Returns rows with ``code``/``name``/``parent`` key columns (those configured) and one float
    column per measure (``columns`` maps measure -> header or HXL tag): numbers with a decimal point
    or comma, yes/no words as 1/0, blank as missing. With ``round_column`` and ``as_of`` only the
    latest round dated on or before ``as_of`` is kept. ``decimal`` and ``thousands`` state the
    spelling of the numbers; ``whole`` maps the measures known to hold whole numbers (populations,
    counts) to the reason, which settles columns of ``142.522`` (see :func:`~nexus_zones.load.parse_number`).
    A negative value is a problem, except in the ``signed`` measures and those whose names or HXL
    tag say a change and none a count (:func:`nexus_zones.schemas.sign_evidence`, said in an INFO line).
    """
    where_key = f"layers.{layer}"
    wanted = {f"{where_key}.columns.{m}": c for m, c in columns.items()}
    for key, ref in (("unit_column", unit_column), ("name_column", name_column), ("parent_column", parent_column), ("round_column", round_column)):
        if ref:
            wanted[f"{where_key}.{key}"] = ref
    table = load.read_rows(path, wanted, where=where, where_key=f"{where_key}.where", sheet=sheet, header_row=header_row)
    if round_column:
        table = _latest_round(table, path, round_column, as_of, layer=layer)
    period = None
    if latest:
        table, period = _latest_period(table, latest, latest_key, layer=layer)
    table = load.drop_exact_copies(table, path, effect="kept, they would have been counted twice when rows are combined per unit (combine) or been reported as several rows for one unit", keys=(unit_column, name_column, parent_column))
    out = load._key_columns(table, {"code": unit_column, "name": name_column, "parent": parent_column})
    problems = _take_values(out, table, path, columns, decimal=decimal, thousands=thousands, whole=whole, signed=signed, where_key=where_key)
    problems += _blank_keys(out, where_key)
    if problems:
        raise InputDataError(str(path), problems)
    _apply_conditions(out, table, conditions or {})
    if pseudo_units and "name" in out:
        _fold_pseudo_units(out, path, name_column)
    if period:
        out.attrs["period"] = period
    return out


def _latest_period(table: pd.DataFrame, columns: Sequence[str], key, *, layer: str) -> tuple[pd.DataFrame, str]:
    """The rows of the latest period (the largest value of ``columns``, ordered by ``key``)."""
    cells = [table[load.resolve_column(table, c)].astype(str).str.strip() for c in columns]
    tuples = list(zip(*cells))
    order = key or (lambda values: tuple(values))
    present = [t for t in dict.fromkeys(tuples) if all(v for v in t)]
    if not present:
        return table, ""
    newest = max(present, key=order)
    keep = np.array([t == newest for t in tuples], dtype=bool)
    label = " ".join(newest)
    logger.info("layer %s: the latest period (%s = %s) kept: %d of %d rows (%d periods in the file)", layer, "/".join(columns), label, int(keep.sum()), len(keep), len(present))
    out = table[keep]
    out.attrs = table.attrs
    return out, label


def _apply_conditions(out: pd.DataFrame, table: pd.DataFrame, conditions: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
    """Set each conditional measure to 0 on rows whose columns hold other values (folded)."""
    for measure_name, cond in conditions.items():
        if measure_name not in out:
            continue
        keep = np.ones(len(out), dtype=bool)
        for ref, values in cond.items():
            cells = table[load.resolve_column(table, ref)].map(fold.normalise_name)
            keep &= cells.isin({fold.normalise_name(v) for v in values}).to_numpy()
        out[measure_name] = np.where(keep, out[measure_name].to_numpy(), 0.0)


def _fold_pseudo_units(out: pd.DataFrame, path: Path, name_column: str | None) -> None:
    """Rows for pseudo-units (``Koro_limitedaccess``) counted under their unit (``Koro``), reported."""
    base = out["name"].map(schemas.pseudo_unit)
    hit = base.notna().to_numpy()
    if not hit.any():
        return
    pairs = sorted({f"{a} -> {b}" for a, b in zip(out["name"][hit], base[hit])})
    warnings.warn(PseudoUnitWarning(
        f"{path}: column {name_column!r}: {int(hit.sum())} rows are for pseudo-units ({'; '.join(pairs[:8])}), parts of a unit analysed "
        "apart (e.g. areas of limited access); their people were added to their unit's"), stacklevel=4)
    out.loc[hit, "name"] = base[hit].to_numpy()


def _latest_round(table: pd.DataFrame, path: Path, round_column: str, as_of, *, layer: str) -> pd.DataFrame:
    """The rows of the latest round dated on or before ``as_of``."""
    col = load.resolve_column(table, round_column)
    dates = load.parse_dates(table[col], path=path, column=col).dt.normalize()  # a round is a day, whatever its time
    rounds = sorted(set(dates))
    eligible = [d for d in rounds if d <= pd.Timestamp(as_of)]
    if not eligible:
        raise InputDataError.one(
            str(path), f"layers.{layer}.as_of", f"{as_of}, before every round ({', '.join(str(d.date()) for d in rounds)})",
            "a date on or after the first round", "choose another date",
        )
    chosen = eligible[-1]
    logger.info("layer %s: round of %s chosen (latest on or before %s; %d rounds in the file)", layer, chosen.date(), as_of, len(rounds))
    return table[(dates == chosen).to_numpy()]


def _take_values(out: pd.DataFrame, table: pd.DataFrame, path: Path, columns: Mapping[str, str], *, decimal, thousands, whole, signed: Sequence[str] = (),
                 where_key: str) -> list[Problem]:
    """Read each value column as numbers into ``out``; return the problems of every column (a
    negative value, unless the measure is ``signed``)."""
    problems: list[Problem] = []
    for measure_name, ref in columns.items():
        col = load.resolve_column(table, ref)
        try:
            values = load.parse_number(
                table[col], path=path, column=col, decimal=decimal, thousands=thousands, whole=(whole or {}).get(measure_name),
                key=f"{where_key}.decimal", whole_key=f"{where_key}.whole_numbers",
            )
        except InputDataError as exc:
            problems.extend(exc.problems)
            continue
        negative = None if _is_signed(measure_name, col, table, signed, where_key=where_key) else _negative_problem(values, table, col, measure_name, where_key=where_key)
        if negative:
            problems.append(negative)
        out[measure_name] = values.to_numpy()
    return problems


def _is_signed(measure_name: str, col: str, table: pd.DataFrame, signed: Sequence[str], *, where_key: str) -> bool:
    """Whether a measure may be below 0: listed under ``signed``, or its names say a change and none
    says a count (:func:`nexus_zones.schemas.sign_evidence`), said in an INFO line."""
    if measure_name in signed:
        return True
    evidence = schemas.sign_evidence((measure_name, col), table.attrs.get("hxl", {}).get(col))
    if evidence.signed:
        logger.info("%s: measure %r (column %r) may be below 0: its %s says a change (inferred; list it under %s.signed to say so, "
                    "or rename it if it is a count)", where_key, measure_name, col, evidence.change, where_key)
    return evidence.signed


def _negative_problem(values: pd.Series, table: pd.DataFrame, col: str, measure_name: str, *, where_key: str) -> Problem | None:
    """The problem of negative values in a measure checked as a count, its fix naming ``signed``; where
    its names say a change but also a count, the problem says why it was not taken as signed."""
    evidence = schemas.sign_evidence((measure_name, col), table.attrs.get("hxl", {}).get(col))
    held = f"; its {evidence.change} says a change, but its {evidence.count} says a count" if evidence.change and evidence.count else ""
    problem = load._negative_problem(values, table[col].astype(str), col, f"values of 0 or more, as a count's (or {where_key}.signed listing {measure_name!r})")
    if problem is None:
        return None
    return Problem(problem.where, problem.found + held, problem.expected,
                   f"correct those cells (a count cannot be below 0), or leave a cell blank if the value is unknown; if {measure_name!r} may be below 0 "
                   f"(a change since the last round, a growth rate, an anomaly, a balance), list it under {where_key}.signed")


def _blank_keys(out: pd.DataFrame, where_key: str) -> list[Problem]:
    """A table where no row names its unit (by code or name) is a problem."""
    blank = np.zeros(len(out), dtype=bool)
    for key in ("code", "name"):
        if key in out:
            blank |= (out[key] == "").to_numpy()
    if blank.all() and len(out):
        return [Problem(f"{where_key}.unit_column / name_column", "no row with a unit code or name", "a code or a name in every row")]
    return []


# ------------------------------------------------------------------------------------ measure


def _listed_rows(rows) -> str:
    """Row labels (the file's line numbers) as text: ``3, 7``."""
    return ", ".join(str(r) for r in list(rows)[:8]) + (" ..." if len(rows) > 8 else "")


def join_table(
    units: gpd.GeoDataFrame,
    rows: pd.DataFrame,
    measures: Sequence[str],
    *,
    absent_units: str = "missing",
    combine: str = "error",
    source: str = "table",
    layer: str = "table",
) -> pd.DataFrame:
    """Per-unit values of a table whose rows carry a ``unit_id`` (see :func:`~nexus_zones.aggregate.match_table`).

    Several rows for one unit are an error unless ``combine`` says how to combine them (``sum``
    for communes of a cercle). Units absent from the table get NaN (``absent_units='missing'``) or 0.
    """
    dup = rows["unit_id"][rows["unit_id"].duplicated(keep=False)]
    if len(dup) and combine == "error":
        raise InputDataError.one(
            source, f"layers.{layer}", f"several rows for units {'; '.join(f'{u} (rows {_listed_rows(dup.index[(dup == u).to_numpy()])})' for u in sorted(set(dup))[:10])}", "one row per unit",
            f"set layers.{layer}.combine (sum, mean, max or min) or merge the rows",
        )
    grouped = rows.groupby("unit_id")[list(measures)]
    if combine in ("sum",):
        values = grouped.sum(min_count=1)
    elif combine in ("mean", "max", "min"):
        values = getattr(grouped, combine)()
    else:
        values = grouped.first()
    out = values.reindex(units.index).astype(float)
    absent = units.index.difference(values.index)
    if len(absent) and absent_units == "zero":
        out.loc[absent] = 0.0
    logger.info(
        "layer %s: values for %d of %d study units%s", layer, len(units) - len(absent), len(units),
        f"; {len(absent)} absent ({'set to 0' if absent_units == 'zero' else 'missing'})" if len(absent) else "",
    )
    return out
