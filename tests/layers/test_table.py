"""The table kind (:mod:`nexus_zones.layers.table`): yes/no and decimal commas, HXL-tagged columns
and line numbers after an HXL row, rounds chosen by date and communes summed, where-filters, empty
files, the join to the study units (absent units, other regions), and signed measures (below 0 where
declared or where the names say a change and none a count, never a denominator)."""

from __future__ import annotations

import copy
import math

import geopandas as gpd
import pandas as pd
import pytest

import nexus_zones
from nexus_zones import aggregate
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import ConfigError, InputDataError
from nexus_zones.layers import table as table_mod

from .._support import NAMED_UNITS, _all_units, grid_units


def test_read_table_reads_yes_no_and_decimal_commas(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("pcode;present;rate\nA1;oui;1,5\nA2;Non;2\nB1;yes;\n", encoding="utf-8")
    t = table_mod.read_table(path, unit_column="pcode", columns={"present": "present", "rate": "rate"}).set_index("code")
    assert t.loc["A1", "present"] == 1.0 and t.loc["A2", "present"] == 0.0 and t.loc["B1", "present"] == 1.0
    assert t.loc["A1", "rate"] == 1.5
    assert math.isnan(t.loc["B1", "rate"])


def test_read_table_problems(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("pcode,n\nA1,1\nA1,-2\nB1,many\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"row 4: 'many'"):
        table_mod.read_table(path, unit_column="pcode", columns={"n": "n"})
    path.write_text("pcode,n\nA1,1\nA1,-2\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"1 negative values \(row 3: .-2.\)"):
        table_mod.read_table(path, unit_column="pcode", columns={"n": "n"})
    path.write_text("pcode,n\nA1,1\nA1,2\n", encoding="utf-8")
    rows = table_mod.read_table(path, unit_column="pcode", columns={"n": "n"}).assign(unit_id=["A1", "A1"])
    with pytest.raises(InputDataError, match=r"several rows for units A1.*set layers.t.combine"):
        table_mod.join_table(grid_units(), rows, ["n"], layer="t")
    assert table_mod.join_table(grid_units(), rows, ["n"], combine="sum").loc["A1", "n"] == 1 + 2


def test_join_table_absent_units_and_other_regions(grid_files):
    units = grid_units().loc[["A1", "A2"]]
    rows = table_mod.read_table(grid_files["forces"], unit_column="pcode", columns={"police": "police", "closed": "closed"})
    rows = rows[rows["code"] != "A2"]
    matched, report = aggregate.match_table(rows, _all_units(), units.index)
    assert report.by_code == 3 and report.outside_study == 2  # B rows belong to another region: ignored
    out = table_mod.join_table(units, matched, ["police", "closed"])
    assert list(out.index) == ["A1", "A2"]
    assert out.loc["A1", "police"] == 1.0 and math.isnan(out.loc["A2", "police"])
    out0 = table_mod.join_table(units, matched, ["police", "closed"], absent_units="zero")
    assert out0.loc["A2", "closed"] == 0.0


# ------------------------------------------------------------------------------------------- HXL


def test_columns_named_by_hxl_tags(tmp_path):
    path = tmp_path / "hdx.csv"
    path.write_text(
        "Code,Nom,Fermées\n#adm2+code+v_pcode,#adm2+name,#indicator+schools+closed\nML0602,Diré,0\nML0604,Gourma-Rharous,11\n", encoding="utf-8"
    )
    rows = table_mod.read_table(path, columns={"closed": "#indicator+closed"}, unit_column="#adm2+code", name_column="#adm2+name")
    assert rows["code"].tolist() == ["ML0602", "ML0604"]
    assert rows["closed"].tolist() == [0.0, 11.0]
    with pytest.raises(InputDataError, match=r"column '#adm1\+code'.*no column with that HXL tag"):
        table_mod.read_table(path, columns={"closed": "#indicator+closed"}, unit_column="#adm1+code")


# --------------------------------------------------------------------------------- rounds, where


def test_round_chosen_by_date_and_communes_summed(tmp_path):
    path = tmp_path / "dtm.csv"
    pd.DataFrame(
        {
            "snapshot_date": ["2016-12-31", "2017-12-31", "2017-12-31", "2018-12-31"],
            "admin2_name": ["Dire", "Dire", "DIRE", "Dire"],
            "idp_ind": ["5", "100", "23", "900"],
        }
    ).to_csv(path, index=False)
    rows = table_mod.read_table(path, columns={"idps": "idp_ind"}, name_column="admin2_name", round_column="snapshot_date", as_of=pd.Timestamp("2018-06-30").date())
    assert rows["idps"].tolist() == [100.0, 23.0]  # the Dec 2017 round: latest on or before 30 Jun 2018
    matched, _ = aggregate.match_table(rows, NAMED_UNITS, NAMED_UNITS.index)
    out = table_mod.join_table(gpd.GeoDataFrame(index=NAMED_UNITS.index), matched, ["idps"], combine="sum", absent_units="zero")
    assert out.loc["ML0602", "idps"] == 100 + 23
    assert out.loc["ML0604", "idps"] == 0
    with pytest.raises(InputDataError, match=r"as_of: found 2010-01-01, before every round \(2016-12-31, 2017-12-31, 2018-12-31\)"):
        table_mod.read_table(path, columns={"idps": "idp_ind"}, name_column="admin2_name", round_column="snapshot_date", as_of=pd.Timestamp("2010-01-01").date(), layer="dtm")


def test_where_filters_rows_and_names_absent_values(tmp_path):
    path = tmp_path / "ch.csv"
    pd.DataFrame({"adm2_name": ["Dire", "Dire"], "exercise_year": ["2017", "2018"], "population": ["142522", "150000"]}).to_csv(path, index=False)
    rows = table_mod.read_table(path, columns={"population": "population"}, name_column="adm2_name", where={"exercise_year": [2017]})
    assert rows["population"].tolist() == [142522.0]
    with pytest.raises(InputDataError, match=r"where.exercise_year: found no row with a value in \[2019\] in column 'exercise_year'; expected values of the column \(it has: \['2017', '2018'\]\). Fix: set layers\.ch\.where\.exercise_year in the config"):
        table_mod.read_table(path, columns={"population": "population"}, name_column="adm2_name", where={"exercise_year": [2019]}, layer="ch")


def test_rounds_are_days_whatever_their_time(tmp_path):
    path = tmp_path / "dtm.csv"
    pd.DataFrame({"d": ["2017-06-30", "2017-12-31 09:00:00", "2017-12-31 10:00:00"], "n": ["Dire", "Dire", "Niafunke"], "v": ["1", "2", "3"]}).to_csv(path, index=False)
    rows = table_mod.read_table(path, columns={"v": "v"}, name_column="n", round_column="d", as_of=pd.Timestamp("2017-12-31").date())
    assert rows["v"].tolist() == [2.0, 3.0]


def test_messages_give_file_line_numbers_after_an_hxl_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("code,v\n#adm2+code,#value\nA1,1\nA2,oops\n", encoding="utf-8")  # 'oops' is on line 4
    with pytest.raises(InputDataError, match=r"row 4: 'oops'"):
        table_mod.read_table(path, columns={"v": "v"}, unit_column="code")


def test_an_empty_file_reads_as_a_table_without_rows(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("\n\n", encoding="utf-8")
    table = table_mod.read_table(path, unit_column="#adm2+code", columns={"n": "closed"})
    assert len(table) == 0 and list(table.columns) == ["code", "n"]


def test_a_recognised_formats_default_filter_matching_no_row_names_the_key_that_replaces_it(grid_files, grid_cfg, tmp_path):
    """A DTM API v3 export whose adminLevel cells are all 'Admin 2': the shape's default filter
    (adminLevel 2) keeps no row; the message names the column, its values and the key to set, not
    'correct the values in the config' the user never wrote."""
    from nexus_zones import pipeline
    from nexus_zones.config import config_from_mapping

    path = tmp_path / "dtm_api_v3.csv"
    pd.DataFrame({"admin1Name": "North", "admin2Name": ["Alpha One", "Alpha Two"], "admin2Pcode": ["A1", "A2"], "adminLevel": "Admin 2",
                  "numPresentIdpInd": [10, 20], "reportingDate": "2018-01-31T00:00:00", "roundNumber": 1}).to_csv(path, index=False)
    grid_cfg["layers"]["dtm"] = {"kind": "table", "path": str(path), "absent_units": "zero"}
    grid_cfg["indicators"]["idps"] = {"measure": "dtm.idps", "direction": "cost", "weight": 1}
    with pytest.raises(InputDataError, match=r"(?s)layers\.dtm\.where\.adminLevel: found no row with a value in \[2\] in column 'adminLevel'; "
                       r"expected values of the column \(it has: \['Admin 2'\]\)\. Fix: set layers\.dtm\.where\.adminLevel in the config") as info:
        pipeline.compute(config_from_mapping(grid_cfg))
    assert "correct the values in the config" not in str(info.value)
    grid_cfg["layers"]["dtm"]["where"] = {"adminLevel": ["Admin 2"]}  # the fix the message gives
    result = pipeline.compute(config_from_mapping(grid_cfg))
    assert result.measures["dtm.idps"].to_dict() == {"A1": 10.0, "A2": 20.0, "B1": 0.0, "B2": 0.0}


def test_a_signed_measure_may_be_below_0_and_the_others_are_still_checked(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("pcode,change,idps\nA1,-120,300\nA2,45,-3\nB1,0,10\n", encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        table_mod.read_table(path, unit_column="pcode", columns={"change": "change", "idps": "idps"}, signed=["change"], layer="dtm")
    [problem] = err.value.problems
    assert problem.where == "column 'idps'" and "1 negative values (row 3: '-3')" in problem.found
    assert "layers.dtm.signed listing 'idps'" in problem.expected
    path.write_text("pcode,change,idps\nA1,-120,300\nA2,45,3\nB1,0,10\n", encoding="utf-8")
    t = table_mod.read_table(path, unit_column="pcode", columns={"change": "change", "idps": "idps"}, signed=["change"]).set_index("code")
    assert t["change"].to_dict() == {"A1": -120.0, "A2": 45.0, "B1": 0.0}


def test_a_signed_measure_scores_and_cannot_divide(grid_cfg, tmp_path):
    path = tmp_path / "dtm.csv"
    path.write_text("pcode,change,pop\nA1,-120,1000\nA2,45,2000\nB1,0,500\nB2,30,800\n", encoding="utf-8")
    cfg = copy.deepcopy(grid_cfg)
    cfg["layers"]["dtm"] = {"kind": "table", "path": str(path), "unit_column": "pcode", "columns": ["change", "pop"], "signed": ["change"]}
    cfg["indicators"]["returns"] = {"measure": "dtm.change", "direction": "benefit", "weight": 1}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    s = result.scores
    assert s.loc["A1", "returns"] == -120.0
    assert s["returns_norm"].to_dict() == pytest.approx({u: (v + 120) / (45 + 120) for u, v in {"A1": -120, "A2": 45, "B1": 0, "B2": 30}.items()})
    cfg["indicators"]["per_change"] = {"measure": "dtm.pop", "per": "dtm.change", "direction": "benefit", "weight": 1}
    with pytest.raises(ConfigError, match=r"indicators.per_change.per: found dtm.change, a measure that may be below 0 \(layers.dtm.signed\)"):
        config_from_mapping(cfg)
    cfg["layers"]["dtm"]["signed"] = ["chang"]
    with pytest.raises(ConfigError, match=r"layers.dtm.signed: found 'chang' \(did you mean 'change'\?\)"):
        config_from_mapping(cfg)


# ------------------------------------------------------------------ signed inferred from the measure (issue 21 item 2)


def test_a_measure_whose_name_says_a_change_is_read_signed_and_said(tmp_path, caplog):
    path = tmp_path / "dtm.csv"
    path.write_text("pcode,idp_change,Solde migratoire,idps\nA1,-120,-4.5,300\nA2,45,2,3\nB1,0,0,10\n", encoding="utf-8")
    with caplog.at_level("INFO", logger="nexus_zones.layers.table"):
        t = table_mod.read_table(path, unit_column="pcode", columns={"idp_change": "idp_change", "balance": "Solde migratoire", "idps": "idps"},
                                 layer="dtm").set_index("code")
    assert t["idp_change"].to_dict() == {"A1": -120.0, "A2": 45.0, "B1": 0.0} and t.loc["A1", "balance"] == -4.5
    said = [r.getMessage() for r in caplog.records if "may be below 0" in r.getMessage()]
    assert said == [
        "layers.dtm: measure 'idp_change' (column 'idp_change') may be below 0: its word 'change' in 'idp_change' says a change "
        "(inferred; list it under layers.dtm.signed to say so, or rename it if it is a count)",
        "layers.dtm: measure 'balance' (column 'Solde migratoire') may be below 0: its word 'balance' in 'balance' says a change "
        "(inferred; list it under layers.dtm.signed to say so, or rename it if it is a count)",
    ]


def test_a_change_tagged_in_hxl_is_read_signed(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("pcode,v,w\n#adm2+code,#indicator+delta,#indicator\nA1,-3,1\nA2,4,2\n", encoding="utf-8")
    t = table_mod.read_table(path, unit_column="#adm2+code", columns={"v": "#indicator+delta", "w": "w"}).set_index("code")
    assert t["v"].to_dict() == {"A1": -3.0, "A2": 4.0}


@pytest.mark.parametrize("header, hxl, held", [
    ("idps", None, ""),  # nothing says a change: a count
    ("nb_idp_change", None, "; its word 'change' in 'nb_idp_change' says a change, but its word 'nb' in 'nb_idp_change' says a count"),
    ("idps", "#affected+idps+change", "; its HXL attribute +change in '#affected+idps+change' says a change, but its HXL hashtag #affected "
                                      "in '#affected+idps+change' says a count"),
])
def test_a_count_stays_checked_and_the_fix_names_signed(tmp_path, header, hxl, held):
    path = tmp_path / "t.csv"
    tags = f"#adm2+code,{hxl}\n" if hxl else ""
    path.write_text(f"pcode,{header}\n{tags}A1,12\nA2,-3\n", encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        table_mod.read_table(path, unit_column="pcode", columns={"m": hxl or header}, layer="dtm")
    [problem] = err.value.problems
    row = 4 if hxl else 3  # the file's line number, after the HXL row
    assert problem.where == f"column {header!r}"
    assert problem.found == f"1 negative values (row {row}: '-3'){held}"
    assert problem.expected == "values of 0 or more, as a count's (or layers.dtm.signed listing 'm')"
    assert problem.fix == ("correct those cells (a count cannot be below 0), or leave a cell blank if the value is unknown; if 'm' may be below 0 "
                           "(a change since the last round, a growth rate, an anomaly, a balance), list it under layers.dtm.signed")
    # the fix it gives: declared signed, the same file reads
    t = table_mod.read_table(path, unit_column="pcode", columns={"m": hxl or header}, signed=["m"], layer="dtm").set_index("code")
    assert t["m"].to_dict() == {"A1": 12.0, "A2": -3.0}


def test_a_measure_named_as_a_change_cannot_divide(grid_cfg, tmp_path):
    path = tmp_path / "dtm.csv"
    path.write_text("pcode,pop_change,pop\nA1,-120,1000\nA2,45,2000\nB1,0,500\nB2,30,800\n", encoding="utf-8")
    cfg = copy.deepcopy(grid_cfg)
    cfg["layers"]["dtm"] = {"kind": "table", "path": str(path), "unit_column": "pcode", "columns": {"growth": "pop_change", "pop": "pop"}}
    cfg["indicators"]["per_growth"] = {"measure": "dtm.pop", "per": "dtm.growth", "direction": "benefit", "weight": 1}
    with pytest.raises(ConfigError, match=r"indicators\.per_growth\.per: found dtm\.growth, a measure that may be below 0 "
                                          r"\(its word 'growth' in 'growth' says a change\)"):
        config_from_mapping(cfg)
    del cfg["indicators"]["per_growth"]
    cfg["indicators"]["growth"] = {"measure": "dtm.growth", "direction": "benefit", "weight": 1}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)  # inferred signed: scores with its value below 0
    assert result.scores.loc["A1", "growth"] == -120.0


# ------------------------------------------------------------------ per: a column of the same table (issue 21 item 2)


def _schools(grid_cfg, tmp_path, text: str, **indicator) -> dict:
    path = tmp_path / "schools.csv"
    path.write_text(text, encoding="utf-8")
    cfg = copy.deepcopy(grid_cfg)
    cfg["layers"]["schools"] = {"kind": "table", "path": str(path), "unit_column": "pcode", "columns": {"closed": "closed", "total": "total"}}
    cfg["indicators"]["closed_share"] = {"measure": "schools.closed", "per": "schools.total", "scale": 100, "direction": "cost", "weight": 1, **indicator}
    return cfg


def test_per_a_column_of_the_same_table_divides_by_it(grid_cfg, tmp_path):
    # A1: 3 of 12 schools closed; B2: 5 of 8; A2: 0 of 0 (a zero denominator); B1: the total is blank (missing)
    text = "pcode,closed,total\nA1,3,12\nA2,0,0\nB1,2,\nB2,5,8\n"
    result = nexus_zones.run(config_from_mapping(_schools(grid_cfg, tmp_path, text)), write=False)
    s = result.scores
    assert s.loc["A1", "closed_share"] == 3 / 12 * 100 == 25.0 and s.loc["B2", "closed_share"] == 5 / 8 * 100 == 62.5
    assert s.loc[["A2", "B1"], "closed_share"].isna().all()  # no rate where the denominator is 0 or missing (treat.per)
    assert s.loc["A1", "closed_share_norm"] == 1.0 and s.loc["B2", "closed_share_norm"] == 0.0  # a cost, min-max over 25 and 62.5
    assert "indicator closed_share: schools.total is zero or missing for Alpha Two (A2), Bravo One (B1); no rate for them" in result.warnings
    # then the indicator's missing policy decides: exclude (the default) leaves them unscored ...
    assert s.loc[["A2", "B1"], "score"].isna().all() and s.loc[["A1", "B2"], "score"].notna().all()
    # ... median fills them with the median of the rates there are: (25 + 62.5) / 2
    result = nexus_zones.run(config_from_mapping(_schools(grid_cfg, tmp_path, text, missing="median")), write=False)
    assert result.scores.loc[["A2", "B1"], "closed_share"].tolist() == [43.75, 43.75]
    assert result.scores.loc[["A2", "B1"], "closed_share_norm"].tolist() == [(62.5 - 43.75) / (62.5 - 25)] * 2


def test_per_a_column_missing_from_the_file_names_the_file_the_column_and_the_columns_found(grid_cfg, tmp_path):
    cfg = _schools(grid_cfg, tmp_path, "pcode,closed,schools_total\nA1,3,12\nB2,5,8\n")
    with pytest.raises(InputDataError) as err:
        nexus_zones.run(config_from_mapping(cfg), write=False)
    assert err.value.source == str(tmp_path / "schools.csv") and str(err.value).startswith(f"{tmp_path / 'schools.csv'}: 1 input problem")
    [problem] = err.value.problems
    assert str(problem) == ("column 'total' (config key layers.schools.columns.total): found no such column; expected a column of the file; "
                            "it has: pcode, closed, schools_total. Fix: set layers.schools.columns.total to the right column name")


def test_per_a_measure_the_table_does_not_read_names_its_file_and_the_fix(grid_cfg, tmp_path):
    cfg = _schools(grid_cfg, tmp_path, "pcode,closed,total,pupils\nA1,3,12,400\n")
    cfg["indicators"]["closed_share"]["per"] = "schools.pupils"
    with pytest.raises(ConfigError) as err:
        config_from_mapping(cfg)
    assert ("indicators.closed_share.per: found 'schools.pupils': layer 'schools' has no measure 'pupils'; expected a measure of layer 'schools': "
            "closed, total (the columns it reads from schools.csv). Fix: name one of them, or read the column of schools.csv under "
            "layers.schools.columns (a mapping gives measure -> column, e.g. pupils: <the column's header>)") in str(err.value)
    cfg["layers"]["schools"]["columns"]["pupils"] = "pupils"  # the fix it gives
    assert config_from_mapping(cfg).indicators["closed_share"].per == "schools.pupils"
