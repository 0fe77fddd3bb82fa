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
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from nexus_zones import fold, load, pipeline, schemas
from nexus_zones.config import config_from_mapping, load_config
from nexus_zones.errors import ConfigError, InputDataError, PcodeNestingWarning

from ._support import PUBLISHED, REPO, VIOLENT, _cercles, _ch, _ch_config, _dtm_cercles, codab


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
    expected = dict(zip(ch["adm2_name"].map(fold.normalise_name), ch["population"].astype(float)))
    assert {fold.normalise_name(result.units.loc[u, "name"]): v for u, v in result.measures["food.population"].items()} == expected


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


def test_the_brief_names_the_proxy(downloads, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = pipeline.brief(PUBLISHED / "events_2025_proxies.yaml", out_dir=tmp_path, data_dir=downloads)
    text = "".join(Path(p).read_text(encoding="utf-8", errors="ignore") for p in (paths.values() if isinstance(paths, dict) else [paths]) if str(p).endswith((".html", ".md", ".txt")))
    assert "proxy: events involving Malian military or police forces" in text


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
    by_name = {fold.normalise_name(result.units.loc[u, "name"]): v for u, v in result.measures["food.population"].items()}
    kept = ch[latest & (ch["usethisperiod"] == "Y")]
    assert np.isnan(by_name.pop("goundam"))
    assert by_name == dict(zip(kept["adm2_name"].map(fold.normalise_name), kept["population"].astype(float)))


# ------------------------------------------------------------------------------------ signed measures (issue 21 item 2)


@pytest.mark.parametrize("names, tag, change", [
    (("idp_change", "idp_change"), None, "word 'change' in 'idp_change'"),
    (("returns", "Change in IDPs since the last round"), None, "word 'change' in 'Change in IDPs since the last round'"),
    (("rain", "rainfallAnomaly"), None, "word 'anomaly' in 'rainfallAnomaly'"),           # camelCase split
    (("mig", "Solde migratoire"), None, "word 'solde' in 'Solde migratoire'"),
    (("gap", "Écart à la moyenne"), None, "word 'ecart' in 'Écart à la moyenne'"),     # accents folded
    (("gdp", "gdp_growth_pct"), None, "word 'growth' in 'gdp_growth_pct'"),
    (("idps", "idps"), "#affected+idps+change", None),  # a change attribute, but #affected is a count: stays checked
    (("v", "v"), "#indicator+delta", "HXL attribute +delta in '#indicator+delta'"),
])
def test_sign_evidence_finds_a_change_in_names_and_hxl_tags(names, tag, change):
    found = schemas.sign_evidence(names, tag)
    if change is None:
        assert not found.signed and found.change == "HXL attribute +change in '#affected+idps+change'" and found.count == "HXL hashtag #affected in '#affected+idps+change'"
    else:
        assert found.signed and found.change == change and found.count is None


@pytest.mark.parametrize("names, tag, count", [
    (("nb_idp_change", "nb_idp_change"), None, "word 'nb' in 'nb_idp_change'"),   # a count word vetoes the change word
    (("total_diff", "total_diff"), None, "word 'total' in 'total_diff'"),
    (("x", "x"), "#indicator+num+change", "HXL attribute +num in '#indicator+num+change'"),
    (("pin", "pin"), "#inneed+change", "HXL hashtag #inneed in '#inneed+change'"),
])
def test_sign_evidence_a_count_word_keeps_the_check(names, tag, count):
    found = schemas.sign_evidence(names, tag)
    assert found.change is not None and found.count == count and not found.signed


@pytest.mark.parametrize("names, tag", [
    (("idps", "idp_ind"), None), (("population", "population"), "#population+total"), (("index", "vulnerability_index"), None),
    (("changes", "changes"), None),  # plural: a number of changes, not a change
    (("pct", "pct_in_phase3"), "#affected+pct"), (("netting", "netting"), None),
])
def test_sign_evidence_nothing_said_is_a_count(names, tag):
    found = schemas.sign_evidence(names, tag)
    assert found.change is None and not found.signed


def test_docs_config_lists_the_words_that_make_a_measure_signed():
    row = next(line for line in (REPO / "docs" / "config.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `layers.*[table].signed`"))
    words = set(fold.normalise_name(row.replace(",", " ").replace(";", " ").replace("(", " ").replace(")", " ")).split())
    assert sorted((schemas.CHANGE_WORDS | schemas.COUNT_WORDS) - words) == [], "docs/config.md: a word of schemas is not listed"
    assert all(f"`+{a}`" in row for a in schemas.CHANGE_ATTRIBUTES) and all(f"`{h}`" in row for h in schemas.COUNT_HASHTAGS)
