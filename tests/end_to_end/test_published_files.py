"""Published files through the CLI (issue 12): pseudo-units added to their unit, nesting breaks,
tables of no known shape, boundaries whose columns cannot be decided, and ``check`` on each
published example config; built from the real files (../shared/data/real)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from nexus_zones import cli, fold, load, pipeline, schemas
from nexus_zones.config import config_from_mapping, load_config

from .._support import PUBLISHED, REPO, _ch, _ch_config, _dtm_cercles, copy_demo, deleted_list, fewer_draws, dtm_v3, require_real_data, run_cli, scores_table
HAPI = ["location_code", "location_name", "admin1_code", "admin1_name", "provider_admin1_name", "admin2_code", "admin2_name",
        "provider_admin2_name", "admin_level"]


# ------------------------------------------------------------------------------ pseudo-units, HXL, sheets (through the CLI)


def _ch_demo(tmp_path: Path, real: Path, extra_rows: list[dict]) -> Path:
    ch = _ch(real)
    ch = ch[ch["adm1_name"] == "Tombouctou"]
    path = tmp_path / "ch.csv"
    pd.concat([ch, pd.DataFrame(extra_rows)], ignore_index=True).fillna("").to_csv(path, index=False)
    return path


@pytest.mark.parametrize("pseudo, base", [("Dire_limitedaccess", "Dire"), ("Niafunke_zoneinaccessible", "Niafunke")])
def test_cli_pseudo_units_are_added_to_their_unit_with_a_named_warning(real, tmp_path, capsys, pseudo, base):
    ch = _ch(real)
    latest = ch[(ch["chtype"] == "current") & (ch["reference_year"] == "2020") & (ch["reference_label"] == "Jan-May") & (ch["adm2_name"] == base)].iloc[0].to_dict()
    extra = {**latest, "adm2_name": pseudo, "population": "1000", "phase35": "400"}
    path = _ch_config(tmp_path, _ch_demo(tmp_path, real, [extra]))
    code = cli.main(["run", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0 and "PseudoUnitWarning" in err and f"{pseudo} -> {base}" in err
    scores = pd.read_csv(tmp_path / "out" / "p_scores.csv").set_index("unit_id") if (tmp_path / "out" / "p_scores.csv").exists() else None
    result = pipeline.run(load_config(path), out_dir=tmp_path / "out2")
    unit = result.units.index[result.units["name"].map(fold.normalise_name) == fold.normalise_name(base)][0]
    assert result.measures.loc[unit, "food.population"] == float(latest["population"]) + 1000
    assert result.measures.loc[unit, "food.phase35"] == float(latest["phase35"]) + 400
    assert scores is None or len(scores) == 5


# ------------------------------------------------------------------------------ hostile cases through the CLI (demo files)


def _demo(tmp_path: Path, change) -> Path:
    """configs/demo.yaml with absolute paths, changed by ``change(cfg, tmp_path)``, written to tmp_path."""
    import yaml

    cfg = fewer_draws(yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8")))
    cfg["study"]["boundaries"]["path"] = str((REPO / "configs" / cfg["study"]["boundaries"]["path"]).resolve())
    for layer in cfg["layers"].values():
        layer["path"] = str((REPO / "configs" / layer["path"]).resolve())
    change(cfg, tmp_path)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _scores(out: Path) -> pd.DataFrame:
    return pd.read_csv(next(out.glob("*_scores.csv"))).set_index("unit_id").sort_index()


def _renamed_demo(generation: str, tmp_path: Path, broken: str) -> Path:
    c = gpd.read_file(REPO / "data" / "demo" / "cercles.geojson")
    if generation == "2025":
        b = gpd.GeoDataFrame({"adm2_pcode": c["admin2Pcod"], "adm2_name": c["admin2Name"], "adm1_pcode": c["admin1Pcod"], "adm1_name": c["admin1Name"],
                              "version": "v01", "valid_on": "2025-01-01", "valid_to": None}, geometry=c.geometry, crs=c.crs)
        b.loc[b["adm2_pcode"] == broken, "adm1_pcode"] = "ML07"
    else:
        b = gpd.GeoDataFrame({"ADM2_PCODE": c["admin2Pcod"], "ADM2_FR": c["admin2Name"], "ADM1_PCODE": c["admin1Pcod"], "ADM1_FR": c["admin1Name"],
                              "validOn": "2019-08-02"}, geometry=c.geometry, crs=c.crs)
        b.loc[b["ADM2_PCODE"] == broken, "ADM1_PCODE"] = "ML6"  # a typo: ML6 is no prefix of ML0604
        b.loc[b["ADM2_PCODE"] == broken, "ADM1_PCODE"] = "ML60"
    path = tmp_path / f"cercles_{generation}.geojson"
    b.to_file(path)
    return path


@pytest.mark.parametrize("generation, broken, parent", [("2025", "ML0602", "ML07"), ("itos", "ML0604", "ML60")])
def test_cli_nesting_breaks_are_named_and_the_numbers_equal_the_clean_files(tmp_path, capsys, generation, broken, parent):
    (tmp_path / "clean").mkdir()
    clean = _demo(tmp_path / "clean", lambda cfg, d: None)
    assert cli.main(["run", str(clean), "--out", str(tmp_path / "clean_out")]) == 0
    path = _renamed_demo(generation, tmp_path, broken)

    def change(cfg, d):
        cfg["study"]["boundaries"] = {"path": str(path), "level": 2}

    (tmp_path / "broken").mkdir()
    code = cli.main(["run", str(_demo(tmp_path / "broken", change)), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert "PcodeNestingWarning" in err and f"1 of 5 P-codes do not begin with their parent's code" in err and f"{broken} under {parent}" in err
    got, expected = _scores(tmp_path / "out"), _scores(tmp_path / "clean_out")
    pd.testing.assert_frame_equal(got[["score", "rank"]], expected[["score", "rank"]])


@pytest.mark.parametrize("variant", ["table_without_options", "hapi_without_events"])
def test_cli_a_table_of_no_known_shape_is_an_error_naming_the_key_and_the_shapes(tmp_path, capsys, variant):
    def change(cfg, d):
        layer = cfg["layers"]["schools"] if "schools" in cfg["layers"] else next(v for v in cfg["layers"].values() if v["kind"] == "table")
        if variant == "table_without_options":
            for key in ("unit_column", "name_column", "parent_column", "columns", "whole_numbers"):
                layer.pop(key, None)
        else:
            hapi = pd.DataFrame({**{c: ["x"] for c in HAPI}, "admin2_code": ["ML0601"], "event_type": ["political_violence"],
                                 "fatalities": ["1"], "reference_period_start": ["2017-01-01"], "reference_period_end": ["2017-01-31"]})
            hapi.to_csv(d / "hapi.csv", index=False)
            layer.clear()
            layer.update({"kind": "table", "path": str(d / "hapi.csv")})
        cfg["indicators"] = {k: v for k, v in cfg["indicators"].items() if not any(v["measure"].startswith(n + ".") for n, s in cfg["layers"].items() if s is layer)}
        cfg["rules"] = {}
        cfg.get("model", {}).pop("pillars", None)
        for section in ("stakeholders", "pilots", "decision", "data_uncertainty"):  # they name the removed indicators and rules
            cfg.pop(section, None)

    config = _demo(tmp_path, change)
    code = cli.main(["run", str(config), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("error: ") == 1 and "Traceback" not in err
    assert re.search(r"layers\.\w+: found a header of no known published shape .*hapi_conflict_event \(HDX HAPI conflict events.*Fix: name the key columns \(unit_column and/or name_column\) and the value columns", err, flags=re.S), err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("name", ["events_2025_proxies.yaml", "hapi_tables.yaml", "displacement_food_security.yaml"])
def test_cli_check_passes_on_each_published_example(downloads, name, capsys):
    code = cli.main(["check", str(PUBLISHED / name), "--data-dir", str(downloads)])
    out, err = capsys.readouterr()
    assert code == 0, out + err


@pytest.mark.parametrize("variant", ["2015_and_itos", "itos_and_2025", "no_such_level"])
def test_cli_boundaries_whose_columns_cannot_be_decided_are_an_error_naming_the_candidates(tmp_path, capsys, variant):
    c = gpd.read_file(REPO / "data" / "demo" / "cercles.geojson")
    if variant == "2015_and_itos":
        c = c.assign(ADM2_PCODE=c["admin2Pcod"], ADM2_FR=c["admin2Name"])
        pattern = r"study\.boundaries\.level 2: found columns of several naming schemes at level 2: COD-AB 2015 \(admin2Pcod / admin2Name\); COD-AB ITOS \(ADM2_PCODE / ADM2_FR\)"
    elif variant == "itos_and_2025":
        c = gpd.GeoDataFrame({"ADM2_PCODE": c["admin2Pcod"], "ADM2_FR": c["admin2Name"], "adm2_pcode": c["admin2Pcod"], "adm2_name": c["admin2Name"]}, geometry=c.geometry, crs=c.crs)
        pattern = r"COD-AB ITOS \(ADM2_PCODE / ADM2_FR\); COD-AB 2025 \(adm2_pcode / adm2_name\)"
    else:
        pattern = r"study\.boundaries\.level 3: found no id and name columns at level 3 of a known naming scheme .*admin3Pcod / admin3Name.*Fix: set study\.boundaries\.id_column and name_column \(and region_column\), or the right level"
    path = tmp_path / "units.geojson"
    c.to_file(path)

    def change(cfg, d):
        cfg["study"]["boundaries"] = {"path": str(path), "level": 3 if variant == "no_such_level" else 2}

    code = cli.main(["run", str(_demo(tmp_path, change)), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("error: ") == 1 and "Traceback" not in err
    assert re.search(pattern, err, flags=re.S), err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    # the same file with its columns named runs, and gives the clean demo's ranks
    def named(cfg, d):
        cfg["study"]["boundaries"] = {"path": str(path), "id_column": "admin2Pcod" if variant == "2015_and_itos" else "ADM2_PCODE",
                                      "name_column": "admin2Name" if variant == "2015_and_itos" else "ADM2_FR", "region_column": None}
        cfg["study"].pop("regions", None)

    if variant != "no_such_level":
        (tmp_path / "named").mkdir()
        assert cli.main(["run", str(_demo(tmp_path / "named", named)), "--out", str(tmp_path / "named_out")]) == 0
        (tmp_path / "clean").mkdir()
        assert cli.main(["run", str(_demo(tmp_path / "clean", lambda cfg, d: None)), "--out", str(tmp_path / "clean_out")]) == 0
        capsys.readouterr()
        pd.testing.assert_series_equal(_scores(tmp_path / "named_out")["score"], _scores(tmp_path / "clean_out")["score"])


# ------------------------------------------------------------------------------ Published tables holding several admin levels: only the admin-2 rows are read


def test_dtm_v3_export_of_two_levels_reads_the_admin2_rows_only(tmp_path: Path) -> None:
    # a DTM API v3 export asked for admin 1 and admin 2 at once: the admin-1 rows (adminLevel 1, no
    # admin2Pcode) carry each region's total; summed in, they would count every IDP twice
    real = require_real_data()
    admin2 = dtm_v3(real)
    admin1 = (admin2.groupby(["admin1Name", "admin1Pcode", "reportingDate", "roundNumber"], as_index=False)["numPresentIdpInd"].sum()
              .assign(admin0Name="Mali", admin0Pcode="MLI", admin2Name="", admin2Pcode="", adminLevel=1))
    path = tmp_path / "dtm_api_v3_mli_admin1_admin2.csv"
    pd.concat([admin1, admin2], ignore_index=True)[admin2.columns].astype(object).fillna("").to_csv(path, index=False)
    assert schemas.SHAPES["dtm_v3"].where == {"adminLevel": [2]}
    cfg = {"study": {"name": "d", "title": "d", "boundaries": {"path": str(real / "mali_admin_boundaries_ocha_cod_2015.gpkg"), "layer": "adm2_cercles", "level": 2}},
           "layers": {"dtm": {"kind": "table", "path": str(path), "absent_units": "zero"}},
           "indicators": {"idps": {"measure": "dtm.idps", "direction": "cost", "weight": 1}}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pipeline.compute(config_from_mapping(cfg))
    d = _dtm_cercles(real)
    expected = d[d["snapshot_date"] == d["snapshot_date"].max()].groupby("cod2015_adm2_pcode")["idp_ind"].sum().reindex(result.measures.index, fill_value=0)
    assert result.measures["dtm.idps"].to_dict() == expected.astype(float).to_dict()
    assert result.measures["dtm.idps"].sum() == admin1[admin1["reportingDate"] == admin1["reportingDate"].max()]["numPresentIdpInd"].sum()


# ------------------------------------------------------------------------------ ACLED's deleted events and points kept in a workbook, through the CLI


def test_demo_run_with_a_deleted_list_counts_the_others(tmp_path: Path, capsys) -> None:
    # three 2017 incidents of the counted types are deleted: their cercles count one fewer each,
    # and the list is an input of the run (hashed in run.json)
    cfg, data = copy_demo(tmp_path)
    incidents = pd.read_csv(data / "incidents.csv")
    counted = incidents[incidents["event_date"].between("2017-01-01", "2017-12-31")
                        & incidents["event_type"].isin(["Battles", "Explosions/Remote violence", "Violence against civilians"])]
    gone = counted.groupby("admin2").head(1).head(3)
    assert len(gone) == 3 and gone["admin2"].nunique() == 3
    code, _, before = run_cli(cfg, tmp_path / "before", capsys)
    cfg["layers"]["incidents"]["deleted"] = str(deleted_list(data / "deleted.csv", [(i, "") for i in gone["event_id_cnty"]]))
    code_after, err, after = run_cli(cfg, tmp_path / "after", capsys, "--debug")
    assert code == 0 and code_after == 0
    assert "3 rows not counted: their records are in the list of deleted records (layers.incidents.deleted, 3 ids)" in err
    b, a = scores_table(before), scores_table(after)
    unit_of = {name: unit for unit, name in b["name"].items()}
    lost = gone["admin2"].map(unit_of).value_counts().reindex(b.index, fill_value=0)
    assert (b["incidents"] - a["incidents"]).to_dict() == lost.to_dict()
    meta = json.loads((after / "demo_run.json").read_text(encoding="utf-8"))
    assert str(data / "deleted.csv") in meta["inputs"]



def test_points_from_a_chosen_sheet_of_a_workbook_count_as_the_csv(tmp_path: Path, capsys) -> None:
    # a list of incidents kept in Excel (numbers as numeric cells), on its second sheet: the same
    # counts and fatalities as the CSV it was saved from
    cfg, data = copy_demo(tmp_path)
    incidents = pd.read_csv(data / "incidents.csv")
    with pd.ExcelWriter(data / "incidents.xlsx") as book:
        pd.DataFrame({"note": ["read me first"]}).to_excel(book, sheet_name="Lisez-moi", index=False)
        incidents.to_excel(book, sheet_name="Incidents", index=False)
    code, _, csv_out = run_cli(cfg, tmp_path / "csv", capsys)
    cfg["layers"]["incidents"].update(path=str(data / "incidents.xlsx"), sheet="Incidents")
    code_xlsx, err, xlsx_out = run_cli(cfg, tmp_path / "xlsx", capsys)
    assert code == 0 and code_xlsx == 0, err
    a, b = scores_table(csv_out), scores_table(xlsx_out)
    pd.testing.assert_frame_equal(a[["incidents", "fatalities", "score", "rank"]], b[["incidents", "fatalities", "score", "rank"]])
    counted = incidents[incidents["event_date"].between("2017-01-01", "2017-12-31")
                        & incidents["event_type"].isin(["Battles", "Explosions/Remote violence", "Violence against civilians"])]
    assert b["incidents"].sum() == len(counted)  # every cercle of the demo holds its incidents
    cfg["layers"]["incidents"]["sheet"] = "Incident"
    code_bad, err_bad, _ = run_cli(cfg, tmp_path / "bad", capsys)
    assert code_bad == 2 and "Incident" in err_bad and "Incidents" in err_bad

