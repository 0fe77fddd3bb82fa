"""Files as HDX, ACLED, IOM and OCHA publish them today, read with no column options (issue 12).

Each published shape is built here from the real files (../shared/data/real): COD-AB boundaries of
the three naming generations (and geoBoundaries, GADM), an ACLED export of the 2025 format, HDX HAPI
tables (conflict events, food security, IDPs), a DTM API v3 export; the real Cadre Harmonisé file
and DTM baseline workbook are read as they are. Each runs through the example configs of
configs/published/ and gives the same counts and values as an independent computation on the
original files. Synthetic cases cover what the real files lack (operational presence, pseudo-units,
nesting breaks, HXL tags with spaces, workbook sheets).
"""

from __future__ import annotations

import json
import re
import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from nexus_zones import cli, load, pipeline, schemas
from nexus_zones.config import config_from_mapping, load_config
from nexus_zones.errors import ConfigError, InputDataError, PcodeNestingWarning, PseudoUnitWarning

from .conftest import REPO, require_real_data

VIOLENT = ["Battles", "Explosions/Remote violence", "Violence against civilians"]
ACLED_2025 = ("event_id_cnty, event_date, year, time_precision, disorder_type, event_type, sub_event_type, actor1, assoc_actor_1, inter1, "
              "actor2, assoc_actor_2, inter2, interaction, civilian_targeting, iso, region, country, admin1, admin2, admin3, location, "
              "latitude, longitude, geo_precision, source, source_scale, notes, fatalities, tags, timestamp").split(", ")
HAPI = ["location_code", "location_name", "admin1_code", "admin1_name", "provider_admin1_name", "admin2_code", "admin2_name",
        "provider_admin2_name", "admin_level"]
PUBLISHED = REPO / "configs" / "published"


# ------------------------------------------------------------------------------ builders (real -> published shapes)


def _cercles(real: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(real / "mali_adm2_cercles_ocha_cod_2015.geojson")


def codab(real: Path, generation: str) -> gpd.GeoDataFrame:
    """The 2015 cercles renamed to another naming generation (values unchanged)."""
    c = _cercles(real)
    if generation == "itos":
        return gpd.GeoDataFrame({"ADM2_PCODE": c["admin2Pcod"], "ADM2_FR": c["admin2Name"], "ADM2_REF": c["admin2RefN"], "ADM1_PCODE": c["admin1Pcod"],
                                 "ADM1_FR": c["admin1Name"], "ADM0_FR": c["admin0Name"], "ADM0_PCODE": c["admin0Pcod"], "validOn": c["validOn"]},
                                geometry=c.geometry, crs=c.crs)
    if generation == "2025":
        return gpd.GeoDataFrame({"iso2": "ML", "iso3": "MLI", "adm0_pcode": c["admin0Pcod"], "adm0_name": c["admin0Name"], "adm1_pcode": c["admin1Pcod"],
                                 "adm1_name": c["admin1Name"], "adm2_pcode": c["admin2Pcod"], "adm2_name": c["admin2Name"], "lang": "fr",
                                 "version": "v02", "valid_on": "2025-03-01", "valid_to": None, "area_sqkm": 1.0},
                                geometry=c.geometry, crs=c.crs)
    if generation == "geoboundaries":
        return gpd.GeoDataFrame({"shapeName": c["admin2Name"], "shapeISO": "", "shapeID": "MLI-ADM2-" + c["admin2Pcod"], "shapeGroup": "MLI", "shapeType": "ADM2"},
                                geometry=c.geometry, crs=c.crs)
    if generation == "gadm":
        return gpd.GeoDataFrame({"GID_0": "MLI", "NAME_0": "Mali", "GID_1": "MLI." + c["admin1Pcod"].str[2:] + "_1", "NAME_1": c["admin1Name"],
                                 "GID_2": "MLI." + c["admin2Pcod"].str[2:4] + "." + c["admin2Pcod"].str[4:] + "_1", "NAME_2": c["admin2Name"]},
                                geometry=c.geometry, crs=c.crs)
    raise KeyError(generation)


def acled_2025(real: Path) -> pd.DataFrame:
    """The real 2020 HDX export in the 31 columns of a 2025 export (new columns derived from event_type)."""
    a = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv", dtype=str, keep_default_na=False)
    a["disorder_type"] = np.where(a["event_type"] == "Protests", "Demonstrations",
                                  np.where(a["event_type"] == "Strategic developments", "Strategic developments", "Political violence"))
    a["civilian_targeting"] = np.where(a["event_type"] == "Violence against civilians", "Civilian targeting", "")
    a["tags"] = ""
    return a[ACLED_2025]


def _month_start(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("M").dt.start_time.dt.strftime("%Y-%m-%d")


def hapi_conflict(real: Path) -> pd.DataFrame:
    """HAPI conflict-event rows (unit x month x event type) from the events joined to the 2015 P-codes."""
    e = pd.read_csv(real / "acled_mali_events_joined_to_cod2015.csv", dtype={"acled_adm2_cod_pcode": str})
    e = e[e["acled_adm2_cod_pcode"].notna()].assign(month=lambda f: _month_start(f["event_date"]))
    kinds = {"political_violence": e["event_type"].isin(VIOLENT + ["Riots"]), "civilian_targeting": e["event_type"] == "Violence against civilians",
             "demonstration": e["event_type"] == "Protests"}
    rows = []
    for kind, mask in kinds.items():
        g = e[mask].groupby(["acled_adm2_cod_pcode", "admin1", "admin2", "month"]).agg(events=("event_id_cnty", "size"), fatalities=("fatalities", "sum")).reset_index()
        g["event_type"] = kind
        rows.append(g)
    g = pd.concat(rows, ignore_index=True)
    end = (pd.to_datetime(g["month"]) + pd.offsets.MonthEnd(0)).dt.strftime("%Y-%m-%d")
    return pd.DataFrame({"location_code": "MLI", "location_name": "Mali", "admin1_code": g["acled_adm2_cod_pcode"].str[:4], "admin1_name": g["admin1"],
                         "provider_admin1_name": g["admin1"], "admin2_code": g["acled_adm2_cod_pcode"], "admin2_name": g["admin2"],
                         "provider_admin2_name": g["admin2"], "admin_level": 2, "event_type": g["event_type"], "events": g["events"],
                         "fatalities": np.where(g["event_type"] == "demonstration", "", g["fatalities"].astype(str)),
                         "reference_period_start": g["month"], "reference_period_end": end, "resource_hdx_id": "x"})


def _ch(real: Path) -> pd.DataFrame:
    return pd.read_csv(real / "cadre_harmonise_mali_cercles_2014-2020.csv", dtype=str, keep_default_na=False)


def hapi_food(real: Path) -> pd.DataFrame:
    """HAPI food-security rows (unit x phase x type x period) from the Cadre Harmonisé file."""
    ch = _ch(real)
    month = {"Jan": "01", "Jun": "06", "Sep": "09"}
    start = ch["reference_year"] + "-" + ch["reference_label"].str[:3].map(month) + "-01"
    rows = []
    for phase, col in [*((str(p), f"phase{p}") for p in range(1, 6)), ("3+", "phase35"), ("all", "population")]:
        rows.append(pd.DataFrame({"ipc_phase": phase, "ipc_type": ch["chtype"].map({"current": "current", "projected": "first projection"}),
                                  "population_in_phase": ch[col], "population_fraction_in_phase": "", "reference_period_start": start,
                                  "reference_period_end": start, "code": ch["cod2015_adm2_pcode"], "name": ch["adm2_name"], "region": ch["adm1_name"]}))
    r = pd.concat(rows, ignore_index=True)
    cod_names = dict(zip(_cercles(real)["admin2Pcod"], _cercles(real)["admin2Name"]))  # HAPI's admin2_name is the COD name of admin2_code
    keys = pd.DataFrame({"location_code": "MLI", "location_name": "Mali", "admin1_code": r["code"].str[:4], "admin1_name": r["region"],
                         "provider_admin1_name": r["region"], "admin2_code": r["code"], "admin2_name": r["code"].map(cod_names),
                         "provider_admin2_name": r["name"], "admin_level": 2})
    return pd.concat([keys, r.drop(columns=["code", "name", "region"]).assign(resource_hdx_id="x")], axis=1)


def _dtm_cercles(real: Path) -> pd.DataFrame:
    d = pd.read_csv(real / "iom_dtm_mali_idps_by_commune_2014-2020.csv", dtype={"cod2015_adm2_pcode": str})
    return d.groupby(["cod2015_adm2_pcode", "admin1_name", "admin2_name", "snapshot_date", "dtm_round"], as_index=False)["idp_ind"].sum()


def hapi_idps(real: Path) -> pd.DataFrame:
    d = _dtm_cercles(real)
    return pd.DataFrame({"location_code": "MLI", "location_name": "Mali", "admin1_code": d["cod2015_adm2_pcode"].str[:4], "admin1_name": d["admin1_name"],
                         "provider_admin1_name": d["admin1_name"], "admin2_code": d["cod2015_adm2_pcode"], "admin2_name": d["admin2_name"],
                         "provider_admin2_name": d["admin2_name"], "admin_level": 2, "assessment_type": "BA", "reporting_round": d["dtm_round"],
                         "operation": "Mali", "population": d["idp_ind"].astype(int), "reference_period_start": d["snapshot_date"],
                         "reference_period_end": d["snapshot_date"], "resource_hdx_id": "x"})


def dtm_v3(real: Path) -> pd.DataFrame:
    d = _dtm_cercles(real)
    when = pd.to_datetime(d["snapshot_date"])
    return pd.DataFrame({"admin0Name": "Mali", "admin0Pcode": "MLI", "admin1Name": d["admin1_name"], "admin1Pcode": d["cod2015_adm2_pcode"].str[:4],
                         "admin2Name": d["admin2_name"], "admin2Pcode": d["cod2015_adm2_pcode"], "adminLevel": 2, "numPresentIdpInd": d["idp_ind"].astype(int),
                         "reportingDate": when.dt.strftime("%Y-%m-%dT00:00:00"), "yearReportingDate": when.dt.year, "monthReportingDate": when.dt.month,
                         "roundNumber": d["dtm_round"], "displacementReason": "Conflict", "numberMales": "", "numberFemales": "",
                         "idpOriginAdmin1Name": "", "idpOriginAdmin1Pcode": "", "assessmentType": "BA", "operation": "Mali"})


def hapi_presence(demo: Path) -> pd.DataFrame:
    """HAPI operational-presence rows from the demo 3W (Tombouctou): sectors as HAPI codes."""
    w = pd.read_csv(demo / "actors_3w.csv", skiprows=[1], dtype=str, keep_default_na=False)
    sectors = {"Sécurité alimentaire": "FSC", "Santé": "HEA", "Education": "EDU", "Éducation": "EDU", "Eau, hygiène et assainissement": "WSH",
               "Protection": "PRO", "Relèvement précoce": "ERY", "Nutrition": "NUT"}
    code = w["Secteur"].map(sectors).fillna("ERY")
    return pd.DataFrame({"location_code": "MLI", "location_name": "Mali", "admin1_code": w["admin2Pcod"].str[:4], "admin1_name": w["Région"],
                         "provider_admin1_name": w["Région"], "admin2_code": w["admin2Pcod"], "admin2_name": w["Cercle"], "provider_admin2_name": w["Cercle"],
                         "admin_level": 2, "org_acronym": w["Acronyme"], "org_name": w["Organisation"], "org_type_code": "", "org_type_description": w["Type d'organisation"],
                         "sector_code": code, "sector_name": w["Secteur"], "reference_period_start": "2024-01-01", "reference_period_end": "",
                         "resource_hdx_id": "x"})


@pytest.fixture(scope="module")
def real():
    return require_real_data()


@pytest.fixture(scope="module")
def downloads(real, tmp_path_factory) -> Path:
    """A folder of files named and shaped as published, built from the real files."""
    d = tmp_path_factory.mktemp("downloads")
    codab(real, "2025").to_file(d / "mli_admin2.geojson")
    codab(real, "itos").to_file(d / "mli_admbnda_adm2_itos.geojson")
    acled_2025(real).to_csv(d / "acled_mali_2025.csv", index=False)
    hapi_conflict(real).to_csv(d / "hdx_hapi_conflict_event_mli.csv", index=False)
    hapi_food(real).to_csv(d / "hdx_hapi_food_security_mli.csv", index=False)
    hapi_idps(real).to_csv(d / "hdx_hapi_idps_mli.csv", index=False)
    hapi_presence(REPO / "data" / "demo").to_csv(d / "hdx_hapi_operational_presence_mli.csv", index=False)
    dtm_v3(real).to_csv(d / "dtm_api_v3_mli_admin2.csv", index=False)
    for name in ("mali_admin_boundaries_ocha_cod_2015.gpkg", "cadre_harmonise_mali_cercles_2014-2020.csv", "iom_dtm_mali_original_rounds",
                 "acled_mali_1997-01-06_2020-07-31_hdx.csv"):
        os.symlink(real / name, d / name)
    return d


def _run(config: Path, downloads: Path, out: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # spelling and missing-value warnings of the real files are tested elsewhere
        return pipeline.run(config, out_dir=out, data_dir=downloads)


# ------------------------------------------------------------------------------ boundaries


@pytest.mark.parametrize("generation, scheme", [("itos", "COD-AB ITOS"), ("2025", "COD-AB 2025"), ("gadm", "GADM"), ("geoboundaries", "geoBoundaries")])
def test_every_naming_generation_gives_the_2015_units_with_path_and_level_only(real, tmp_path, generation, scheme):
    path = tmp_path / f"{generation}.geojson"
    codab(real, generation).to_file(path)
    original = load.read_boundaries(real / "mali_adm2_cercles_ocha_cod_2015.geojson", find_region=True, level=2)
    got = load.read_boundaries(path, level=2, find_region=True)
    assert got.meta["scheme"] == scheme and got.meta["level"] == 2
    assert sorted(got.units["name"]) == sorted(original.units["name"]) and len(got.units) == 50
    if generation != "geoboundaries":  # geoBoundaries has no region column
        by_name = lambda b: dict(zip(b.units["name"], b.units["region"]))  # noqa: E731
        assert by_name(got) == by_name(original)
    if generation in ("itos", "2025"):  # P-codes kept as published
        assert list(got.units.index) == list(original.units.index)
        assert got.units.geometry.geom_equals_exact(original.units.geometry, 1e-12).all()


def test_version_and_validity_dates_reach_run_json(downloads, tmp_path):
    result = _run(PUBLISHED / "events_2025_proxies.yaml", downloads, tmp_path)
    meta = json.loads(result.paths["run"].read_text(encoding="utf-8"))["boundaries"]
    assert (meta["scheme"], meta["id_column"], meta["name_column"], meta["region_column"]) == ("COD-AB 2025", "adm2_pcode", "adm2_name", "adm1_name")
    assert meta["version"] == ["v02"] and meta["validOn"] == ["2025-03-01"] and meta["validTo"] == []


def test_the_deepest_level_is_taken_without_level_and_explicit_columns_override(real):
    gpkg = real / "mali_admin_boundaries_ocha_cod_2015.gpkg"
    communes = load.read_boundaries(gpkg, layer="adm3_communes", find_region=True)
    assert (communes.meta["level"], communes.meta["id_column"], len(communes.units)) == (3, "admin3Pcod", 701)
    cercles = load.read_boundaries(gpkg, layer="adm3_communes", level=2, id_column="admin3Pcod", name_column="admin3Name")
    assert cercles.meta["id_column"] == "admin3Pcod" and len(cercles.units) == 701


def test_columns_of_two_generations_are_an_error_listing_both(real, tmp_path):
    both = codab(real, "itos").assign(admin2Pcod=lambda f: f["ADM2_PCODE"], admin2Name=lambda f: f["ADM2_FR"])
    path = tmp_path / "both.geojson"
    both.to_file(path)
    with pytest.raises(InputDataError, match=r"study\.boundaries\.level 2.*COD-AB 2015 \(admin2Pcod / admin2Name\); COD-AB ITOS \(ADM2_PCODE / ADM2_FR\).*set study\.boundaries\.id_column"):
        load.read_boundaries(path, level=2)


def test_codes_that_do_not_nest_give_a_named_warning_with_the_units(real, tmp_path):
    b = codab(real, "2025")
    b.loc[b["adm2_pcode"] == "ML0602", "adm1_pcode"] = "ML07"  # Diré filed under Gao's code
    path = tmp_path / "broken.geojson"
    b.to_file(path)
    with pytest.warns(PcodeNestingWarning, match=r"1 of 50 P-codes do not begin with their parent's code \(column 'adm1_pcode'\): ML0602 under ML07"):
        load.read_boundaries(path, level=2)
    assert schemas.nesting_breaks(["ML0101", "ML0201", "X"], ["ML01", "ML01", ""]) == [("ML0201", "ML01")]


# ------------------------------------------------------------------------------ events


def test_acled_2025_export_gives_the_counts_of_the_2020_export(downloads, real, tmp_path):
    result = _run(PUBLISHED / "events_2025_proxies.yaml", downloads, tmp_path)
    a = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv")
    a = a[(a["year"] == 2017) & a["event_type"].isin(VIOLENT) & a["geo_precision"].isin([1, 2]) & a["time_precision"].isin([1, 2])]
    points = gpd.GeoDataFrame(a, geometry=gpd.points_from_xy(a["longitude"], a["latitude"]), crs=4326)
    cercles = _cercles(real)
    joined = gpd.sjoin(points, cercles[["admin2Pcod", "geometry"]], predicate="within")
    expected = joined.groupby("admin2Pcod").size().reindex(cercles["admin2Pcod"], fill_value=0)
    assert result.measures["incidents.count"].astype(int).to_dict() == expected.to_dict()
    assert result.measures["incidents.fatalities"].sum() == joined["fatalities"].sum()


def _count_matching(real: Path, columns: list[str], phrase_pattern: str, year: int) -> pd.Series:
    a = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv", dtype=str, keep_default_na=False)
    text = a[columns].agg(" | ".join, axis=1)
    a = a[(a["year"] == str(year)) & text.str.contains(phrase_pattern, case=False, regex=True)]
    points = gpd.GeoDataFrame(a, geometry=gpd.points_from_xy(a["longitude"].astype(float), a["latitude"].astype(float)), crs=4326)
    cercles = _cercles(real)
    joined = gpd.sjoin(points, cercles[["admin2Pcod", "geometry"]], predicate="within")
    return joined.groupby("admin2Pcod").size().reindex(cercles["admin2Pcod"], fill_value=0)


def test_proxies_count_events_by_actor_text_and_are_named_in_labels_and_sources(downloads, real, tmp_path):
    result = _run(PUBLISHED / "events_2025_proxies.yaml", downloads, tmp_path)
    forces = _count_matching(real, ["actor1", "assoc_actor_1", "actor2", "assoc_actor_2"], "military forces of mali|police forces of mali", 2017)
    aid = _count_matching(real, ["actor2", "assoc_actor_2"], "aid workers", 2017)
    assert result.measures["forces.count"].astype(int).to_dict() == forces.to_dict() and forces.sum() > 100
    assert result.measures["aid_attacks.count"].astype(int).to_dict() == aid.to_dict() and aid.sum() > 5
    config = result.config
    assert "proxy: events involving Malian military or police forces" in config.indicators["forces"].label
    assert "proxy: events targeting aid workers" in config.indicators["aid_attacks"].label
    assert "proxy: events involving Malian military" in config.layers["forces"].source
    page = result.paths["map"].read_text(encoding="utf-8")
    assert "proxy: events targeting aid workers" in page
    meta = json.loads(result.paths["run"].read_text(encoding="utf-8"))
    assert "proxy: events targeting aid workers" in meta["layers"]["aid_attacks"]["source"]


def test_text_matches_fold_case_accents_and_punctuation_and_refuse_what_matches_nothing(tmp_path):
    frame = pd.DataFrame({"actor1": ["Military Forces of Mali (2021-)", "Protesters (Mali)", "MILITARY FORCES OF MALI"], "notes": ["", "sécurité", "x"]})
    keep = load.match_text(frame, [{"columns": ["actor1"], "contains": ["military forces of mali"]}], path=tmp_path / "e.csv", key="layers.e.match")
    assert keep.tolist() == [True, False, True]
    keep = load.match_text(frame, [{"columns": ["notes"], "excludes": ["SECURITE"]}], path=tmp_path / "e.csv", key="layers.e.match")
    assert keep.tolist() == [True, False, True]
    with pytest.raises(InputDataError, match=r"layers\.e\.match\[0\].*no row whose columns \['actor1'\] contain any of \['Gendarmerie'\]"):
        load.match_text(frame, [{"columns": ["actor1"], "contains": ["Gendarmerie"]}], path=tmp_path / "e.csv", key="layers.e.match")


def test_a_match_entry_takes_plain_phrases_of_bounded_length():
    base = {"study": {"name": "s", "title": "t", "boundaries": {"path": "b.geojson"}},
            "indicators": {"i": {"measure": "e.count", "direction": "cost"}}}
    for bad in ({"columns": ["actor1"]}, {"columns": ["actor1"], "contains": ["a"], "excludes": ["b"]}, {"columns": ["actor1"], "contains": ["x" * 201]}):
        with pytest.raises(ConfigError, match=r"layers\.e\.match"):
            config_from_mapping({**base, "layers": {"e": {"kind": "points", "path": "e.csv", "match": [bad]}}})


def test_old_export_with_its_hxl_row_reads_like_the_new(downloads, real, tmp_path):
    original = real / "acled_mali_1997-01-06_2020-07-31_hdx.csv"
    lines = original.read_text(encoding="utf-8").split("\n", 1)
    header = lines[0].split(",")
    tags = {"event_date": "#date", "event_type": "#event +type", "latitude": "#geo+lat", "longitude": "#geo +lon", "fatalities": "#affected+killed", "admin2": "#adm2+name"}
    hxl = tmp_path / "acled_hxl.csv"
    hxl.write_text(lines[0] + "\n" + ",".join(tags.get(h, "") for h in header) + "\n" + lines[1], encoding="utf-8")
    with_tags = load.read_rows(hxl, {})
    assert load.resolve_column(with_tags, "#GEO+lat") == "latitude" and load.resolve_column(with_tags, "#event+TYPE") == "event_type"
    from nexus_zones.layers import points

    kw = dict(date_column="event_date", type_column="event_type")
    old = points.read_points(original, **kw)
    new = points.read_points(downloads / "acled_mali_2025.csv", **kw)
    tagged = points.read_points(hxl, latitude="#geo +lat", longitude="#geo+lon", date_column="#date", type_column="#event+type", fatalities_column="#affected +killed")
    for frame in (new, tagged):
        pd.testing.assert_frame_equal(pd.DataFrame(frame.drop(columns="geometry")), pd.DataFrame(old.drop(columns="geometry")))


# ------------------------------------------------------------------------------ HAPI, DTM and CH tables


def test_hapi_tables_run_without_column_options_and_equal_the_original_files(downloads, real, tmp_path):
    result = _run(PUBLISHED / "hapi_tables.yaml", downloads, tmp_path)
    m = result.measures
    e = pd.read_csv(real / "acled_mali_events_joined_to_cod2015.csv")
    e = e[e["year"] == 2017]
    units = m.index
    pv = e[e["event_type"].isin(VIOLENT + ["Riots"])].groupby("acled_adm2_cod_pcode").size().reindex(units, fill_value=0)
    demos = e[e["event_type"] == "Protests"].groupby("acled_adm2_cod_pcode").size().reindex(units, fill_value=0)
    assert m["conflict.events_political_violence"].astype(int).to_dict() == pv.to_dict()
    assert m["conflict.events"].astype(int).to_dict() == (pv + demos).to_dict()
    vac = e[e["event_type"] == "Violence against civilians"].groupby("acled_adm2_cod_pcode")["fatalities"].sum().reindex(units, fill_value=0)
    assert m["conflict.fatalities_civilian_targeting"].astype(int).to_dict() == vac.to_dict()
    ch = _ch(real)
    latest = ch[(ch["chtype"] == "current") & (ch["reference_year"] == "2020") & (ch["reference_label"] == "Jan-May")]
    for measure, col in (("phase3plus", "phase35"), ("analysed", "population"), ("phase5", "phase5")):
        expected = latest.assign(v=latest[col].astype(float)).groupby("cod2015_adm2_pcode")["v"].sum()
        assert m[f"food.{measure}"].dropna().to_dict() == expected.to_dict(), measure
    d = _dtm_cercles(real)
    expected = d[d["snapshot_date"] == d["snapshot_date"].max()].groupby("cod2015_adm2_pcode")["idp_ind"].sum().reindex(units, fill_value=0)
    assert m["idps.idps"].to_dict() == expected.astype(float).to_dict()
    assert result.joins["food"]["shape"] == "hapi_food_security" and result.joins["food"]["period"] == "2020-01-01"


def test_dtm_v3_baseline_workbook_and_cadre_harmonise_run_without_column_options(downloads, real, tmp_path):
    result = _run(PUBLISHED / "displacement_food_security.yaml", downloads, tmp_path)
    m = result.measures
    d = _dtm_cercles(real)
    for layer, snapshot in (("dtm", d["snapshot_date"].max()), ("dtm_2019", "2019-12-31")):
        expected = d[d["snapshot_date"] == snapshot].groupby("cod2015_adm2_pcode")["idp_ind"].sum().reindex(m.index, fill_value=0)
        assert m[f"{layer}.idps"].to_dict() == expected.astype(float).to_dict(), layer
    ch = _ch(real)
    latest = ch[(ch["chtype"] == "current") & (ch["reference_year"] == "2020") & (ch["reference_label"] == "Jan-May")]
    for col in ("population", "phase35", "phase1"):
        expected = latest.assign(v=latest[col].astype(float)).groupby("cod2015_adm2_pcode")["v"].sum()
        assert m[f"food.{col}"].dropna().to_dict() == expected.to_dict(), col
    assert result.joins["dtm"]["by_code"] == result.joins["dtm"]["rows"]  # DTM v3 rows keyed by admin2Pcode
    assert result.joins["food"]["by_code"] == 0 and result.joins["food"]["shape"] == "cadre_harmonise"


def test_the_shape_order_of_ch_periods_is_chronological():
    assert max([("2019", "Sep-Dec"), ("2019", "Jan-May"), ("2019", "Jun-Aug")], key=schemas.SHAPES["cadre_harmonise"].latest_key) == ("2019", "Sep-Dec")
    assert max([("2019", "Sep-Dec"), ("2020", "Jan-May")], key=schemas.SHAPES["cadre_harmonise"].latest_key) == ("2020", "Jan-May")


def test_operational_presence_counts_organisations_by_sector(downloads, tmp_path):
    presence = pd.read_csv(downloads / "hdx_hapi_operational_presence_mli.csv", dtype=str, keep_default_na=False)
    cfg = {"study": {"name": "p", "title": "p", "boundaries": {"path": str(REPO / "data" / "demo" / "cercles.geojson"), "level": 2}},
           "layers": {"presence": {"kind": "actors", "path": str(downloads / "hdx_hapi_operational_presence_mli.csv")}},
           "indicators": {"h": {"measure": "presence.humanitarian", "direction": "benefit", "weight": 1}}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pipeline.run(config_from_mapping(cfg), out_dir=tmp_path)
    hum = presence[presence["sector_code"].isin(schemas.HAPI_HUMANITARIAN_SECTORS)]
    dev = presence[presence["sector_code"].isin(schemas.HAPI_DEVELOPMENT_SECTORS)]
    for measure, rows in (("humanitarian", hum), ("development", dev)):
        expected = rows.groupby("admin2_code")["org_acronym"].nunique().reindex(result.measures.index, fill_value=0)
        assert result.measures[f"presence.{measure}"].astype(int).to_dict() == expected.to_dict(), measure


def test_a_header_of_no_known_shape_is_an_error_naming_the_shapes(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("cercle,valeur\nDire,1\n", encoding="utf-8")
    cfg = {"study": {"name": "p", "title": "p", "boundaries": {"path": str(REPO / "data" / "demo" / "cercles.geojson")}},
           "layers": {"t": {"kind": "table", "path": str(path)}}, "indicators": {"v": {"measure": "t.valeur", "direction": "cost", "weight": 1}}}
    with pytest.raises(InputDataError, match=r"layers\.t: found a header of no known published shape \(cercle, valeur\).*hapi_food_security.*cadre_harmonise.*Fix: name the key columns"):
        pipeline.run(config_from_mapping(cfg), out_dir=tmp_path / "o")


# ------------------------------------------------------------------------------ pseudo-units, HXL, sheets (through the CLI)


def _ch_demo(tmp_path: Path, real: Path, extra_rows: list[dict]) -> Path:
    ch = _ch(real)
    ch = ch[ch["adm1_name"] == "Tombouctou"]
    path = tmp_path / "ch.csv"
    pd.concat([ch, pd.DataFrame(extra_rows)], ignore_index=True).fillna("").to_csv(path, index=False)
    return path


def _ch_config(tmp_path: Path, ch: Path, indicator: dict | None = None, **layer) -> Path:
    cfg = {"study": {"name": "p", "title": "p", "boundaries": {"path": str(REPO / "data" / "demo" / "cercles.geojson"), "level": 2}, "regions": ["Tombouctou"]},
           "layers": {"food": {"kind": "table", "path": str(ch), **layer}},
           "indicators": {"f": indicator or {"measure": "food.phase35", "per": "food.population", "direction": "cost", "weight": 1}}}
    import yaml

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
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
    unit = result.units.index[result.units["name"].map(load.normalise_name) == load.normalise_name(base)][0]
    assert result.measures.loc[unit, "food.population"] == float(latest["population"]) + 1000
    assert result.measures.loc[unit, "food.phase35"] == float(latest["phase35"]) + 400
    assert scores is None or len(scores) == 5


@pytest.mark.parametrize("tag", ["#adm2 +name", "#ADM2+Name +X"])
def test_hxl_tags_with_spaces_case_and_attributes_name_the_key_column(real, tmp_path, tag):
    ch = _ch(real)
    ch = ch[(ch["adm1_name"] == "Tombouctou") & (ch["chtype"] == "current") & (ch["exercise_year"] == "2017") & (ch["exercise_label"] == "Sep-Dec")]
    path = tmp_path / "ch_hxl.csv"
    header = list(ch.columns)
    tags = ["#adm2+x +name" if c == "adm2_name" else ("#population +total" if c == "population" else "") for c in header]
    path.write_text(",".join(header) + "\n" + ",".join(tags) + "\n" + ch.to_csv(index=False, header=False), encoding="utf-8")
    cfg = _ch_config(tmp_path, path, {"measure": "food.population", "direction": "cost", "weight": 1}, name_column=tag, columns={"population": "#POPULATION+total"})
    result = pipeline.run(load_config(cfg), out_dir=tmp_path / "o")
    expected = dict(zip(ch["adm2_name"].map(load.normalise_name), ch["population"].astype(float)))
    assert {load.normalise_name(result.units.loc[u, "name"]): v for u, v in result.measures["food.population"].items()} == expected


def test_workbook_sheet_is_chosen_and_an_unknown_sheet_lists_the_sheets(real, tmp_path):
    pytest.importorskip("openpyxl")
    ch = _ch(real)
    ch = ch[ch["adm1_name"] == "Tombouctou"]
    path = tmp_path / "ch.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"note": ["read me"]}).to_excel(xl, sheet_name="Lisez-moi", index=False)
        ch.to_excel(xl, sheet_name="CH", index=False)
    result = pipeline.run(load_config(_ch_config(tmp_path, path, sheet="CH")), out_dir=tmp_path / "o")
    latest = ch[(ch["chtype"] == "current") & (ch["reference_year"] == "2020") & (ch["reference_label"] == "Jan-May")]
    assert sorted(result.measures["food.population"]) == sorted(latest["population"].astype(float))
    with pytest.raises(InputDataError, match=r"sheet 'Ch': found no such sheet \(did you mean 'CH'\?.*'Lisez-moi', 'CH'"):
        pipeline.run(load_config(_ch_config(tmp_path, path, sheet="Ch")), out_dir=tmp_path / "o2")


# ------------------------------------------------------------------------------ hostile cases through the CLI (demo files)


def _demo(tmp_path: Path, change) -> Path:
    """configs/demo.yaml with absolute paths, changed by ``change(cfg, tmp_path)``, written to tmp_path."""
    import yaml

    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
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


def test_the_brief_names_the_proxy(downloads, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = pipeline.brief(PUBLISHED / "events_2025_proxies.yaml", out_dir=tmp_path, data_dir=downloads)
    text = "".join(Path(p).read_text(encoding="utf-8", errors="ignore") for p in (paths.values() if isinstance(paths, dict) else [paths]) if str(p).endswith((".html", ".md", ".txt")))
    assert "proxy: events involving Malian military or police forces" in text


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


def test_a_geoboundaries_file_of_another_level_is_refused(real, tmp_path):
    path = tmp_path / "gb.geojson"
    codab(real, "geoboundaries").assign(shapeType="ADM1").to_file(path)
    with pytest.raises(InputDataError, match=r"study\.boundaries\.level: found level 2, but the file's shapeType is ADM1.*Fix: download the ADM2 file"):
        load.read_boundaries(path, level=2)
    assert load.read_boundaries(path, level=1).meta["scheme"] == "geoBoundaries"


def test_cadre_harmonise_rows_not_marked_usethisperiod_are_left_out(real, tmp_path):
    ch = _ch(real)
    ch = ch[ch["adm1_name"] == "Tombouctou"].assign(usethisperiod="Y")
    latest = (ch["chtype"] == "current") & (ch["reference_year"] == "2020") & (ch["reference_label"] == "Jan-May")
    ch.loc[latest & (ch["adm2_name"] == "Goundam"), "usethisperiod"] = "N"
    path = tmp_path / "ch.csv"
    ch.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the missing value of Goundam is named in a warning tested elsewhere
        result = pipeline.run(load_config(_ch_config(tmp_path, path)), out_dir=tmp_path / "o")
    by_name = {load.normalise_name(result.units.loc[u, "name"]): v for u, v in result.measures["food.population"].items()}
    kept = ch[latest & (ch["usethisperiod"] == "Y")]
    assert np.isnan(by_name.pop("goundam"))
    assert by_name == dict(zip(kept["adm2_name"].map(load.normalise_name), kept["population"].astype(float)))
