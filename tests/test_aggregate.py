"""Raw per-unit measures shared by the kinds (:mod:`nexus_zones.aggregate`): the match of table rows
to units (code schemes, unmatched codes), and unit areas in an equal-area CRS."""

from __future__ import annotations

import pandas as pd
import pytest

from nexus_zones import aggregate
from nexus_zones.errors import InputDataError, UnusedValueWarning

from ._support import NAMED_UNITS, _all_units, grid_units


def test_unmatched_code_is_an_error_or_dropped():
    rows = pd.DataFrame({"code": ["A1", "A11"], "v": [1.0, 2.0]})
    with pytest.raises(InputDataError, match=r"row code 'A11': found no unit of that code or name.*unmatched: drop"):
        aggregate.match_table(rows, _all_units(), grid_units().index, source="t.csv", layer="t")
    with pytest.warns(UnusedValueWarning, match=r"1 rows matched no single unit and were dropped: code 'A11'"):
        matched, report = aggregate.match_table(rows, _all_units(), grid_units().index, unmatched="drop")
    assert list(matched["unit_id"]) == ["A1"] and report.unmatched == ("code 'A11'",)


def test_match_table_reports_scheme_and_unmatched_rows():
    rows = pd.DataFrame({"code": ["ML0602", "ML0604"], "name": ["Gourma-Rharous", "Atlantis"], "v": [1.0, 2.0]})
    with pytest.warns(UnusedValueWarning, match="follow another scheme than the boundaries"):
        with pytest.raises(InputDataError, match=r"row 'Atlantis' code 'ML0604'.*aliases.*unmatched: drop"):
            aggregate.match_table(rows, NAMED_UNITS, NAMED_UNITS.index, layer="ch", key_columns={"code": "adm2_pcod2"})


def test_unit_areas_in_an_equal_area_crs():
    areas = aggregate.unit_areas_km2(grid_units())
    # a 1°×1° cell at the equator: (111.32 km)² ≈ 12,364 km², slightly less at 1-2°N
    assert 12300 < areas["B1"] < 12400
    assert areas["A1"] < areas["B1"]  # further from the equator


def test_a_code_without_its_leading_zero_is_named() -> None:
    import pandas as pd

    from nexus_zones.aggregate import _lost_zero

    known = pd.Index(["ML0602", "ML0610", "ML1001"])
    assert _lost_zero("2 code 'ML602'", known) == " (a leading zero lost? 'ML0602' is a unit's code)"
    assert _lost_zero("3 code '610'", known) == " (a leading zero lost? 'ML0610' is a unit's code)"
    assert _lost_zero("4 code 'ML1001'", known) == "" and _lost_zero("5 code 'ML9999'", known) == "" and _lost_zero("6 'Diré'", known) == ""


def test_a_code_written_with_a_hyphen_is_named_with_the_boundaries_spelling() -> None:
    rows = pd.DataFrame({"code": ["ML-0605", "ML0602"], "v": [1.0, 2.0]})
    with pytest.raises(InputDataError) as err:
        aggregate.match_table(rows, NAMED_UNITS, NAMED_UNITS.index, layer="schools", key_columns={"code": "admin2Pcod"})
    [problem] = err.value.problems
    assert problem.found == "no unit of that code or name (the boundaries write 'ML0605')"
    assert problem.fix == ("write the codes as the boundaries do, or add an alias under layers.schools.aliases, correct the row, "
                           "or set layers.schools.unmatched: drop")
