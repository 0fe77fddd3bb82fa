"""What the kinds of tables keyed by unit share (:mod:`nexus_zones.layers._keyed`): the key options
of a spec or of a recognised published shape, the match of rows to units with its report, and why
such a layer gave no value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nexus_zones import schemas
from nexus_zones.errors import InputDataError
from nexus_zones.layers import _keyed
from nexus_zones.layers.base import MeasureContext
from nexus_zones.layers.table import TableLayerSpec

from .._support import grid_units


def _spec(path: Path, **options) -> TableLayerSpec:
    return TableLayerSpec.model_validate({"kind": "table", "path": str(path), **options})


def test_key_options_are_the_specs_or_else_the_shapes(tmp_path: Path) -> None:
    spec = _spec(tmp_path / "t.csv", unit_column="pcode", columns=["x"], where={"year": [2017]})
    assert _keyed.key_options("t", spec) == dict(unit_column="pcode", name_column=None, parent_column=None, where={"year": [2017]}, sheet=None, header_row=None, layer="t")
    shape = schemas.SHAPES["hapi_idps"]
    bare = _spec(tmp_path / "t.csv", shape="hapi_idps", where={"year": [2017]})
    options = _keyed.key_options("t", bare, shape)
    assert (options["unit_column"], options["name_column"]) == (shape.unit_column, shape.name_column)
    assert options["where"] == {**shape.where, "year": [2017]}  # the spec's filters extend the shape's
    # a spec naming its key column keeps it, whatever the shape
    assert _keyed.key_options("t", spec, shape)["unit_column"] == "pcode"


def test_a_header_of_no_known_shape_names_the_key_and_the_shapes(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    spec = _spec(path, columns=["b"])
    assert _keyed.file_shape("t", spec, needed=False) is None  # options given: the header is not read
    with pytest.raises(InputDataError, match=r"layers\.t: found a header of no known published shape \(a, b\).*hapi_idps.*Fix: name the key columns"):
        _keyed.file_shape("t", spec, needed=True)


def test_rows_are_matched_to_the_study_units_with_a_report(tmp_path: Path) -> None:
    units = grid_units()
    study = units.loc[["A1", "A2"]]
    data = pd.DataFrame({"code": ["A1", "B1", "A2", "A2"], "x": [1, 2, 3, 4]})  # as the reader gives it: the key column named "code"
    rows, report = _keyed.match("t", _spec(tmp_path / "t.csv", unit_column="pcode", columns=["x"]), data, MeasureContext(study, units))
    assert sorted(rows["unit_id"]) == ["A1", "A2", "A2"]  # B1 is a unit outside the study
    assert report["rows_read"] == 4 and report["by_code"] == 4 and report["outside_study"] == 1 and report["rows_in_study"] == 4 - 1


def test_why_a_keyed_layer_gave_no_value(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    spec = _spec(empty, unit_column="pcode", columns=["x"])
    assert _keyed.empty_why(spec, {"rows_read": 0}) == "an empty file (0 bytes)"
    assert _keyed.empty_why(spec, {"rows_read": 1500, "rows_in_study": 0, "outside_study": 1200, "unmatched": ["a"] * 290, "ambiguous": ["b"] * 10}) == (
        "0 of 1,500 rows are for a study unit (1,200 for units outside the study, 300 matching no single unit)"  # 290 + 10
    )
    assert _keyed.empty_why(spec, {"rows_read": 10, "rows_in_study": 4}) is None
