"""What the kinds of tables keyed by unit (``table``, ``actors``) share: the key options of their
spec, the match of their rows to the units, and why such a layer gave no value."""

from __future__ import annotations

from typing import Literal, Mapping

import pandas as pd
from pydantic import Field, model_validator

from .. import aggregate, load
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

    @model_validator(mode="after")
    def _key(self):
        if not self.unit_column and not self.name_column:
            raise _fail("unit_column", "neither unit_column nor name_column", "unit_column (P-codes) or name_column (names), or both", "name the column that says which unit a row is for")
        return self


def key_options(name: str, spec: _KeyedTable) -> dict:
    """The reader options saying which columns name the unit of a row, and which rows to keep."""
    return dict(unit_column=spec.unit_column, name_column=spec.name_column, parent_column=spec.parent_column, where=spec.where or None, layer=name)


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
