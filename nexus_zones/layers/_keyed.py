"""What the kinds of tables keyed by unit (``table``, ``actors``) share: the key options of their
spec, the match of their rows to the units, and why such a layer gave no value."""

from __future__ import annotations

from typing import Literal, Mapping

import pandas as pd
from pydantic import Field, model_validator

from .. import aggregate, load, schemas
from ..errors import InputDataError
from .base import MeasureContext, Scalar, _fail, _HasPath, _NumberSpelling


class _KeyedTable(_HasPath, _NumberSpelling):
    """A table whose rows name units by P-code and/or by name."""

    unit_column: str | None = Field(None, description="Column holding the unit P-code (or an HXL tag such as #adm2+code).")
    name_column: str | None = Field(None, description="Column holding the unit name, used where codes are absent or disagree.")
    parent_column: str | None = Field(None, description="Column holding the region name, to tell apart units of the same name.")
    aliases: dict[str, str] = Field(default_factory=dict, description="Names in the table -> unit names in the boundaries.")
    unmatched: Literal["error", "drop"] = Field("error", description="Rows matching no unit, or several: error, or drop (reported).")
    where: dict[str, list[Scalar]] = Field(default_factory=dict, description="Keep only rows whose column has one of the values.")
    allow_empty: bool = Field(
        False, description="The table may have no row for the study's units: accepted with a warning, even where rules or weighted indicators use it."
    )
    shape: Literal[tuple(schemas.SHAPES)] | None = Field(  # type: ignore[valid-type]
        None, description="The published shape of the file (hapi_conflict_event, hapi_food_security, hapi_idps, hapi_operational_presence, "
        "dtm_v3, dtm_baseline, cadre_harmonise), which gives its key columns and measures. Default: recognised from the header "
        "where unit_column/name_column (or a table's columns) are not given."
    )
    sheet: str | int | None = Field(None, description="Sheet of an .xlsx workbook (its name, or its position from 0); default: the first.")
    header_row: int | None = Field(None, ge=1, description="Row (line) of the column names, from 1; default: the first row, or in a workbook the first row under title rows of one cell.")

    @model_validator(mode="after")
    def _key(self):
        if self.shape and schemas.SHAPES[self.shape].kind != self.kind:
            good = schemas.shape_names(self.kind)
            raise _fail("shape", f"{self.shape!r}, a shape of {schemas.SHAPES[self.shape].kind} layers", f"a shape of {self.kind} layers: {', '.join(good)}", "change kind or shape")
        return self


def key_options(name: str, spec: _KeyedTable, shape: "schemas.TableShape | None" = None) -> dict:
    """The reader options saying which columns name the unit of a row, and which rows to keep: the
    spec's, or where it names no key column, those of the file's recognised ``shape`` (whose default
    filters the spec's ``where`` extends or replaces, column by column)."""
    keys = dict(unit_column=spec.unit_column, name_column=spec.name_column, parent_column=spec.parent_column)
    where = dict(spec.where)
    if shape is not None:
        if not spec.unit_column and not spec.name_column:
            keys = dict(unit_column=shape.unit_column, name_column=shape.name_column, parent_column=spec.parent_column or shape.parent_column)
        where = {**shape.where, **where}
    return dict(**keys, where=where or None, sheet=spec.sheet, header_row=spec.header_row, layer=name)


def file_shape(name: str, spec: _KeyedTable, *, needed: bool) -> "schemas.TableShape | None":
    """The published shape of the layer's file: the spec's ``shape``, else recognised from the
    header when ``needed`` (options missing) -- an error naming the shapes when none fits."""
    if not spec.shape and not needed:
        return None
    header = load.read_header(spec.path, sheet=spec.sheet, header_row=spec.header_row)
    if spec.shape:
        return schemas.spell_shape(schemas.SHAPES[spec.shape], {schemas.header_key(c): c for c in header})
    shape = schemas.recognise_table(header, kind=spec.kind)
    if shape is None:
        shapes = "; ".join(f"{s.name} ({s.title})" for s in schemas.SHAPES.values() if s.kind == spec.kind)
        raise InputDataError.one(
            str(spec.path), f"layers.{name}", f"a header of no known published shape ({', '.join(header[:20])}{' ...' if len(header) > 20 else ''})",
            f"the columns of one of: {shapes}", "name the key columns (unit_column and/or name_column)"
            + (" and the value columns (columns)" if spec.kind == "table" else "") + f" in layers.{name}",
        )
    load.logger.info("layer %s: %s recognised (%s)", name, shape.title, shape.name)
    return shape


def match(name: str, spec: _KeyedTable, data: pd.DataFrame, context: MeasureContext) -> tuple[pd.DataFrame, dict]:
    """The rows of the study's units with their ``unit_id``, and the join report (what matched how,
    rows read, rows in the study)."""
    rows, report = aggregate.match_table(
        data, context.all_units, context.units.index, aliases=spec.aliases, unmatched=spec.unmatched, source=str(spec.path), layer=name,
        key_columns={"code": spec.unit_column, "name": spec.name_column},
    )
    return rows, report.as_dict() | {"rows_read": int(len(data)), "rows_in_study": int(len(rows))}


def empty_why(spec: _KeyedTable, join: Mapping) -> str | None:
    """Why no row of a table (or 3W) gives a value to a study unit, or ``None`` if some do."""
    if join["rows_read"] == 0:
        return load.no_rows_why(spec.path)
    if join["rows_in_study"] == 0:
        return (f"0 of {join['rows_read']:,} rows are for a study unit ({join.get('outside_study', 0):,} for units outside the study, "
                f"{len(join.get('unmatched', [])) + len(join.get('ambiguous', [])):,} matching no single unit)")
    if join.get("typed_rows_in_study", 1) == 0:
        return (f"0 of {join['rows_in_study']:,} rows of study units have a type value in layers.*.humanitarian or .development "
                f"(column {spec.type_column!r})")
    return None
