"""Hostile-input variants of issue 19, item 6: messages name the real cause, and what should be
questioned is questioned.

M1 latitude and longitude swapped in some rows (never counted nowhere, silently); M2 dates written
month first (US) or as Excel serial numbers; M3 periods listed out of order; M4 a list of deleted
records that is empty or matches no record; M5 a participant's code of all-zero weights.

Each case runs the demo through the CLI and asserts the message's words (and, where a run goes on,
the numbers against a count by hand).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus_zones.decision import encode_weights

from .._support import DEMO, _read, copy_demo, deleted_list, run_cli, scores_table

TYPES = ["Battles", "Explosions/Remote violence", "Violence against civilians"]


# ------------------------------------------------------------- M1: latitude and longitude swapped in some rows


@pytest.mark.parametrize("share", [0.2, 0.45])
def test_incidents_with_a_share_of_rows_swapped_are_refused_naming_them(tmp_path, capsys, share):
    cfg, data = copy_demo(tmp_path)
    incidents = _read(DEMO / "incidents.csv")
    rng = np.random.default_rng(19)
    rows = np.sort(rng.choice(len(incidents), size=int(share * len(incidents)), replace=False))
    lat, lon = incidents["latitude"].copy(), incidents["longitude"].copy()
    incidents.loc[rows, "latitude"], incidents.loc[rows, "longitude"] = lon.iloc[rows].to_numpy(), lat.iloc[rows].to_numpy()
    incidents.to_csv(data / "incidents.csv", index=False)
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    first = rows[0]
    assert (f"found {len(rows)} of {len(incidents)} rows outside the boundaries as written but inside them with latitude and longitude swapped "
            f"(latitude, longitude: row {first + 2}: {float(lon.iloc[first]):g}, {float(lat.iloc[first]):g}") in err
    assert "swap the two values in those rows" in err


def test_one_service_point_swapped_is_said_and_not_counted(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    services = _read(DEMO / "services_points.csv")
    services.loc[3, ["latitude", "longitude"]] = services.loc[3, ["longitude", "latitude"]].to_numpy()
    services.to_csv(data / "services_points.csv", index=False)
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    assert f"services_points.csv: columns 'latitude'/'longitude': 1 of {len(services)} rows outside the boundaries as written but inside them" in err
    assert "row 5: " in err and "they fall in no unit and were not counted" in err
    health = services[services["category"] == "Centre de santé"]
    assert int(scores_table(out)["health_facilities"].sum()) == len(health) - (services.at[3, "category"] == "Centre de santé")


# ------------------------------------------------------------------- M2: dates month first, or Excel serials


def test_access_dates_written_month_first_are_named_as_such(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    access = _read(DEMO / "access_impediments.csv")
    access["date"] = pd.to_datetime(access["date"]).dt.strftime("%m/%d/%Y")
    access.to_csv(data / "access_impediments.csv", index=False)
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert "month first, as US software writes dates" in err and "has a day above 12 in second place" in err
    assert "were read day first and may be wrong too" in err and "export the dates again as ISO dates" in err


def test_incident_dates_as_excel_serial_numbers_are_named(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    incidents = _read(DEMO / "incidents.csv")
    serial = (pd.to_datetime(incidents["event_date"]) - pd.Timestamp("1899-12-30")).dt.days
    incidents["event_date"] = serial.astype(str)
    incidents.to_csv(data / "incidents.csv", index=False)
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    first = _read(DEMO / "incidents.csv")["event_date"].iloc[0]
    assert f"Excel serial day numbers ('{serial.iloc[0]}' = {first})" in err and "format the column as dates (yyyy-mm-dd) in Excel" in err


# ---------------------------------------------------------------------------- M3: periods out of order


@pytest.mark.parametrize("periods, words", [
    ([2018, 2017], "periods[1]: found '2017' (2017-12-31) listed after '2018' (2018-12-31)"),
    ([2016, 2019, 2017], "periods[2]: found '2017' (2017-12-31) listed after '2019' (2019-12-31)"),
])
def test_periods_out_of_order_are_refused(tmp_path, capsys, periods, words):
    cfg, _ = copy_demo(tmp_path)
    cfg["periods"] = periods
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert words in err and f"list the periods in order: {', '.join(str(p) for p in sorted(periods))}" in err


# ------------------------------------------------------------------------ M4: deleted lists that delete nothing


def test_an_empty_deleted_list_is_a_warning(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    cfg["layers"]["incidents"]["deleted"] = str(deleted_list(data / "deleted.csv", []))
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "layers.incidents.deleted: the list of deleted records holds no id, so no record of incidents.csv was removed" in err


def test_a_deleted_list_matching_no_record_is_a_warning_and_counts_stay(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    cfg["layers"]["incidents"]["deleted"] = str(deleted_list(data / "deleted.csv", [("NER1234", "1650010000"), ("BFO77", "")]))
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    assert ("layers.incidents.deleted: none of the 2 ids of the list of deleted records is a record id of incidents.csv (the list has 'BFO77', "
            "'NER1234'; the file has 'DEMO0001'") in err
    incidents = _read(DEMO / "incidents.csv")
    counted = incidents[incidents["event_date"].between("2017-01-01", "2017-12-31") & incidents["event_type"].isin(TYPES)]
    assert int(scores_table(out)["incidents"].sum()) == len(counted)


# ---------------------------------------------------------------------- M5: a participant code of all zeros


@pytest.mark.parametrize("weights", [{"incidents": 0.0, "fatalities": 0.0}, {"incidents": 0}])
def test_a_participant_code_of_all_zero_weights_is_refused(tmp_path, capsys, weights):
    cfg, _ = copy_demo(tmp_path)
    cfg["stakeholders"]["participants"] = [*cfg["stakeholders"]["participants"], encode_weights(weights)]
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert "stakeholders.participants[2]" in err and "at least one weight above 0; this one gives 0 to every indicator" in err


# --------------------------------------------------------- M6: boundary ids whose fix must not merge units


def _cercles(data):
    import geopandas as gpd

    return gpd.read_file(data / "cercles.geojson")


def _save(frame, path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_file(path, driver="GeoJSON")


def test_two_cercles_sharing_a_pcode_are_not_told_to_dissolve(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    cercles = _cercles(data)
    cercles.loc[cercles["admin2Name"] == "Diré", "admin2Pcod"] = "ML0601"
    (data / "cercles.geojson").unlink()
    _save(cercles, data / "cercles.geojson")
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert "found different units sharing an id (ML0601: 'Tombouctou', 'Diré')" in err
    assert "dissolving would merge two different units into one" in err and "dissolve the duplicates" not in err


def test_a_region_outline_without_code_is_named_as_an_outline(tmp_path, capsys):
    import geopandas as gpd

    cfg, data = copy_demo(tmp_path)
    cercles = _cercles(data)
    outline = gpd.GeoDataFrame({"admin2Pcod": [None], "admin2Name": ["Tombouctou (région)"], "admin1Name": ["Tombouctou"]},
                               geometry=[cercles.geometry.union_all()], crs=cercles.crs)
    both = pd.concat([cercles, outline], ignore_index=True)
    (data / "cercles.geojson").unlink()
    _save(both, data / "cercles.geojson")
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert f"found 1 features without an id (row {len(both)} covers {len(cercles)} other features: the outline of a region or of the country" in err
    assert "remove those outline features from the file" in err and "fill the codes" not in err


def test_parts_of_one_cercle_are_told_to_dissolve(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    cercles = _cercles(data)
    part = cercles[cercles["admin2Name"] == "Goundam"].copy()
    part["geometry"] = part.geometry.scale(0.5, 0.5)  # a smaller copy inside it: a second part of one name and code
    (data / "cercles.geojson").unlink()
    _save(pd.concat([cercles, part], ignore_index=True), data / "cercles.geojson")
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert "found duplicate ids ML0603, each on several features of one name (parts of one unit)" in err and "Dissolve" in err


# ---------------------------------------------------------- M7: a year column disagreeing with the date


def _counted(incidents: pd.DataFrame) -> pd.DataFrame:
    return incidents[incidents["event_date"].between("2017-01-01", "2017-12-31") & incidents["event_type"].isin(TYPES)]


def test_a_year_column_disagreeing_with_the_date_is_said_and_the_date_counts(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    incidents = _read(DEMO / "incidents.csv")
    rows = _counted(incidents).index[:3]
    incidents.loc[rows, "year"] = "2018"
    incidents.to_csv(data / "incidents.csv", index=False)
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    first = rows[0]
    assert f"3 rows whose 'year' is not the year of their 'event_date' (row {first + 2}: year 2018, event_date {incidents.at[first, 'event_date']}" in err
    assert int(scores_table(out)["incidents"].sum()) == len(_counted(incidents))  # the dates decide


def test_dates_typed_with_another_year_are_said_and_leave_the_window(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    incidents = _read(DEMO / "incidents.csv")
    rows = _counted(incidents).index[-2:]
    incidents.loc[rows, "event_date"] = incidents.loc[rows, "event_date"].str.replace("2017-", "2016-", regex=False)
    incidents.to_csv(data / "incidents.csv", index=False)
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "2 rows whose 'year' is not the year of their 'event_date'" in err and "year 2017, event_date 2016-" in err
    assert int(scores_table(out)["incidents"].sum()) == len(_counted(_read(DEMO / "incidents.csv"))) - 2


# ------------------------------------------------------------------------------ M8: overlapping units


def test_a_cercle_copied_under_a_new_code_is_refused_as_an_overlap(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    cercles = _cercles(data)
    copy = cercles[cercles["admin2Name"] == "Diré"].assign(admin2Pcod="ML0699", admin2Name="Diré (copie)")
    (data / "cercles.geojson").unlink()
    _save(pd.concat([cercles, copy], ignore_index=True), data / "cercles.geojson")
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert "geometry: found 1 pairs of units that overlap (ML0602 (Diré) and ML0699 (Diré (copie)): 100 % of the smaller)" in err
    assert "would be counted in both units" in err


def test_a_cercle_drawn_over_its_neighbour_is_refused(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    cercles = _cercles(data)
    grown = cercles["admin2Name"] == "Goundam"
    cercles.loc[grown, "geometry"] = cercles.loc[grown].geometry.scale(1.4, 1.4)
    (data / "cercles.geojson").unlink()
    _save(cercles, data / "cercles.geojson")
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert "pairs of units that overlap (" in err and "ML0603 (Goundam)" in err


# ------------------------------------------------------------------- M9: P-codes that lost a leading zero


@pytest.mark.parametrize("units", [["ML0602"], ["ML0601", "ML0604"]])
def test_pcodes_that_lost_a_zero_are_named_as_such(tmp_path, capsys, units):
    cfg, data = copy_demo(tmp_path)
    schools = _read(DEMO / "school_closures_2018-02-26.csv")
    lost = {u: u.replace("ML0", "ML", 1) for u in units}
    schools["admin2Pcod"] = schools["admin2Pcod"].replace(lost)
    schools.to_csv(data / "school_closures_2018-02-26.csv", index=False)
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    for unit, spelled in lost.items():
        assert f"code {spelled!r}" in err and f"(a leading zero lost? {unit!r} is a unit's code)" in err
    assert "write the codes as text with their leading zeros" in err


# ---------------------------------------------------------- M10: degrees in a file that declares metres


def test_boundaries_of_degrees_declaring_utm_are_named(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    cercles = _cercles(data).set_crs("EPSG:32630", allow_override=True)
    cercles.to_file(data / "cercles_utm.gpkg", driver="GPKG")
    cfg["study"]["boundaries"]["path"] = str(data / "cercles_utm.gpkg")
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    west, south, east, north = _cercles(data).total_bounds
    assert f"found coordinates from {west:.6g} to {east:.6g} (x) and {south:.6g} to {north:.6g} (y), which look like degrees" in err
    assert "WGS 84 / UTM zone 30N (EPSG:32630), whose units are metres" in err and "declare EPSG:4326" in err


def test_points_of_degrees_read_in_a_utm_crs_by_the_config_are_named(tmp_path, capsys):
    import geopandas as gpd

    cfg, data = copy_demo(tmp_path)
    services = _read(DEMO / "services_points.csv")
    points = gpd.GeoDataFrame(services, geometry=gpd.points_from_xy(services["longitude"].astype(float), services["latitude"].astype(float)), crs="EPSG:4326")
    points.to_file(data / "services.gpkg", driver="GPKG")
    cfg["layers"]["services"].update(path=str(data / "services.gpkg"), crs="EPSG:32630")
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert "which look like degrees, in a file read (by layers.services.crs) in WGS 84 / UTM zone 30N (EPSG:32630)" in err and "or remove layers.services.crs" in err
