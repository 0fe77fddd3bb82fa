"""The points kind (:mod:`nexus_zones.layers.points`): reading events (ACLED date formats, swapped
coordinates, vector files, Windows-1252 categories, where-filters and admin names), counting them per
unit (time window, types, categories, shared edges and vertices, points outside), and the fast CSV
path (pyarrow), which gives the same frames, warnings and errors as the general path on clean files
and on every messy spelling the general path handles (both paths compared on each variant)."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box, Point

import nexus_zones
from nexus_zones import aggregate, load, report
from nexus_zones.errors import EventsOutsideWarning, InputDataError, MissingValueWarning, NexusZonesWarning, SpellingVariantWarning, UnmatchedFilterWarning, UnusedValueWarning
from nexus_zones.layers import points
from nexus_zones.layers import points as points_mod

from .._support import DEMO, VIOLENT, _grid_points, _text, deleted_list, grid_units


def test_read_points_parses_acled_date_formats(grid_files):
    pts = points_mod.read_points(grid_files["events"], date_column="event_date", type_column="event_type")
    assert pts["date"].iloc[1] == pd.Timestamp("2017-06-14")
    assert pts["date"].iloc[0] == pd.Timestamp("2017-03-01")
    assert pts["fatalities"].sum() == 2 + 1 + 0 + 4 + 3 + 0 + 9


def test_read_points_unparseable_date_names_rows(tmp_path):
    path = tmp_path / "e.csv"
    pd.DataFrame({"event_date": ["2017-01-01", "sometime", "31/02/2017"], "latitude": [1, 1, 1], "longitude": [1, 1, 1]}).to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"2 dates that cannot be read \(row 3: 'sometime', row 4: '31/02/2017'\)"):
        points_mod.read_points(path, date_column="event_date")


def test_read_points_swapped_coordinates_are_named(tmp_path):
    path = tmp_path / "e.csv"
    pd.DataFrame({"latitude": [16.3, -3.4], "longitude": [-3.4, 200.0]}).to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"out of range \(latitude, longitude: row 3: .-3\.4., .200\.0.\)"):
        points_mod.read_points(path)
    pd.DataFrame({"latitude": [-3.4, 120.0], "longitude": [16.3, -3.4]}).to_csv(path, index=False)
    with pytest.raises(InputDataError, match="look swapped"):
        points_mod.read_points(path)


def test_count_points_window_types_shared_edge_and_outside(grid_files):
    units = grid_units()
    with pytest.warns(EventsOutsideWarning, match=r"1 of 5 points in the window fell outside every unit of the boundaries.*\(5\.0000, 5\.0000\)"):
        measures, report = points_mod.count_points(
            units, _grid_points(grid_files), start=pd.Timestamp("2017-01-01").date(), end=pd.Timestamp("2017-12-31").date(), types=VIOLENT
        )
    # A1: two inside + the edge event (x=1 is shared with A2; A1 is the first id)
    assert measures["count"].to_dict() == {"A1": 2 + 1, "A2": 1, "B1": 0, "B2": 0}
    assert measures["fatalities"].to_dict() == {"A1": 2 + 1 + 4, "A2": 0, "B1": 0, "B2": 0}
    assert report.read == 7
    assert report.outside_window == 1  # 2016-12-31
    assert report.other_types == 1  # the protest
    assert report.counted == 4
    assert report.outside_units == 1
    assert report.on_shared_border == 1


def test_count_points_agrees_with_geopandas_sjoin():
    """Independent check on random points: our STRtree assignment = geopandas sjoin(within)."""
    rng = np.random.default_rng(7)
    units = grid_units()
    xy = rng.uniform(-0.5, 2.5, size=(2000, 2))
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventsOutsideWarning)
        measures, report = points_mod.count_points(units, pts, outside="accept")  # 5/9 of the square lies outside the grid
    joined = gpd.sjoin(pts, units, predicate="within")
    expected = joined.groupby("unit_id").size().reindex(units.index, fill_value=0)
    assert measures["count"].astype(int).to_dict() == expected.to_dict()
    assert report.outside_units == len(pts) - len(joined)


def test_count_points_categories_slugged_or_mapped(grid_files):
    units = grid_units()
    pts = points_mod.read_points(grid_files["services"], category_column="category")
    m, _ = points_mod.count_points(units, pts)
    assert m["health"].to_dict() == {"A1": 1, "A2": 1, "B1": 0, "B2": 1}
    assert m["school"].to_dict() == {"A1": 0, "A2": 0, "B1": 1, "B2": 1}
    with pytest.warns(UnusedValueWarning, match=r"category values \['School'\] are in no configured category"):
        m2, _ = points_mod.count_points(units, pts, categories={"care": ["Health"]})
    assert m2["care"].to_dict() == m["health"].to_dict()
    assert aggregate.slug("Centre de santé") == "centre_de_sante"
    assert aggregate.slug("3W") == "c_3w"


def test_each_events_measures_add_up_to_the_layers_count(grid_files):
    """event_measures (what an imprecise event moves with it) gives each point's share of every measure
    the layer counts: summed over the points of each unit (a spatial join here), they are count_points'
    measures, with the file's categories slugged (data uncertainty once moved only configured ones) or
    mapped, and without a second warning."""
    units = grid_units()
    pts = points_mod.read_points(grid_files["services"], category_column="category")
    joined = gpd.sjoin(pts, units.rename_axis("unit").reset_index()[["unit", "geometry"]], predicate="within")
    for categories in (None, {"care": ["Health"], "learning": ["School"]}):
        spec = points_mod.PointsLayerSpec.model_construct(categories=categories)
        counted, _ = points_mod.count_points(units, pts, categories=categories)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parts = points_mod.event_measures(pts, pts.loc[joined.index], spec)
        assert sorted(parts) == sorted(counted.columns)
        for measure, amount in parts.items():
            summed = pd.Series(amount, index=joined["unit"].to_numpy()).groupby(level=0).sum().reindex(units.index, fill_value=0.0)
            assert summed.to_dict() == counted[measure].to_dict(), (categories, measure)
    assert sorted(parts) == ["care", "count", "learning"]
    assert parts["care"].sum() == 3 and parts["learning"].sum() == 2  # health: A1, A2, B2; school: B1, B2 (as counted above)


def test_unknown_type_filter_value_is_warned(grid_files):
    with pytest.warns(UnmatchedFilterWarning, match=r"types: found 'Batles' \(did you mean 'Battles'\?\) in no row"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EventsOutsideWarning)
            points_mod.count_points(grid_units(), _grid_points(grid_files), types=["Batles", "Battles"])


def test_point_on_a_vertex_shared_by_four_units_goes_to_the_first():
    units = grid_units()
    pts = gpd.GeoDataFrame(geometry=[Point(1, 1)], crs=4326)
    m, rep = points_mod.count_points(units, pts)
    assert m["count"].to_dict() == {"A1": 1, "A2": 0, "B1": 0, "B2": 0}
    assert rep.on_shared_border == 1


def test_points_file_as_geojson(tmp_path):
    pts = gpd.GeoDataFrame({"category": ["Police"]}, geometry=[Point(0.5, 0.5)], crs=4326).to_crs(3857)
    path = tmp_path / "posts.geojson"
    pts.to_file(path, driver="GeoJSON")
    read = points_mod.read_points(path, category_column="category", fatalities_column=None)
    assert read.crs.to_epsg() == 4326
    assert read.geometry.iloc[0].x == pytest.approx(0.5, abs=1e-9)
    m, _ = points_mod.count_points(grid_units(), read)
    assert m["police"].to_dict() == {"A1": 0, "A2": 0, "B1": 1, "B2": 0}


def test_points_where_filter_and_admin_names(tmp_path):
    path = tmp_path / "acled.csv"
    pd.DataFrame(
        {
            "event_date": ["2017-01-01"] * 4,
            "latitude": [1.5, 1.5, 0.5, 0.5],
            "longitude": [0.5, 1.5, 0.5, 0.5],
            "geo_precision": ["1", "3", "2", "1"],
            "admin2": ["Alpha One", "Alpha One", "Bravo One", "Bravo One"],
        }
    ).to_csv(path, index=False)
    pts = points_mod.read_points(path, admin_column="admin2", filters={"geo_precision": [1, 2]})
    assert len(pts) == 3 and pts.attrs["dropped_by_filters"] == 1
    m, rep = points_mod.count_points(grid_units(), pts)
    assert m["count"].to_dict() == {"A1": 1, "A2": 0, "B1": 2, "B2": 0}
    assert m["count_by_admin"].to_dict() == {"A1": 1, "A2": 0, "B1": 2, "B2": 0}
    assert rep.dropped_by_filters == 1 and rep.by_admin["points_whose_name_names_another_unit"] == 0


def test_border_with_a_unit_outside_the_study_follows_the_national_rule(grid_files):
    b_all = load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region")
    b_south = load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region", regions=["South"])
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0.5], [1.0]), crs=4326)  # on the A1 (North) / B1 (South) border
    national, _ = points_mod.count_points(b_all.units, pts, all_units=b_all.all_units)
    south, rep = points_mod.count_points(b_south.units, pts, all_units=b_south.all_units)
    assert national["count"].to_dict() == {"A1": 1, "A2": 0, "B1": 0, "B2": 0}
    assert south["count"].to_dict() == {"B1": 0, "B2": 0}
    assert rep.in_units_outside_study == 1 and rep.outside_units == 0


def test_category_named_like_a_measure_is_prefixed():
    pts = gpd.GeoDataFrame({"category": ["Count", "Count", "School"]}, geometry=gpd.points_from_xy([0.5, 0.5, 1.5], [1.5, 1.5, 1.5]), crs=4326)
    m, _ = points_mod.count_points(grid_units(), pts)
    assert m.loc["A1", "count"] == 2 and m.loc["A1", "cat_count"] == 2 and m.loc["A2", "school"] == 1


def test_points_without_geometry_and_empty_windows_are_reported(tmp_path):
    pts = gpd.GeoDataFrame({"event_date": ["2015-01-01"] * 3}, geometry=[None, None, box(0, 0, 1, 1).centroid], crs=4326)
    path = tmp_path / "p.gpkg"
    pts.to_file(path)
    with pytest.warns(nexus_zones.NexusZonesWarning, match="2 features without geometry were not counted"):
        read = points_mod.read_points(path, date_column="event_date", fatalities_column=None)
    m, rep = points_mod.count_points(grid_units(), read, start=pd.Timestamp("2017-01-01").date(), end=pd.Timestamp("2017-12-31").date())
    assert m["count"].sum() == 0 and (rep.read, rep.outside_window, rep.counted) == (1, 1, 0)  # the pipeline reports the empty window

N = 400  # rows per file: enough for several pyarrow blocks of logic, small enough to be quick


def _events(n: int = N, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    return pd.DataFrame({
        "event_id_cnty": [f"MLI{i}" for i in range(n)],
        "event_date": days.strftime("%Y-%m-%d"),
        "event_type": np.array(["Battles", "Protests", "Riots", "Violence against civilians"])[rng.integers(0, 4, n)],
        "actor1": np.array(["Military Forces of Mali (2021-)", "JNIM: Group for Support of Islam and Muslims", "Protesters (Mali)", "Police Forces of Mali (2021-)"])[rng.integers(0, 4, n)],
        "admin2": np.array(["Dire", "Goundam", "Ménaka", "Ségou"])[rng.integers(0, 4, n)],
        "latitude": np.round(rng.uniform(12, 18, n), 4).astype(str),
        "longitude": np.round(rng.uniform(-6, 1, n), 4).astype(str),
        "geo_precision": rng.integers(1, 4, n).astype(str),
        "fatalities": rng.integers(0, 9, n).astype(str),
    })


def _write(path: Path, frame: pd.DataFrame, *, sep: str = ",", encoding: str = "utf-8", hxl: bool = False) -> Path:
    text = frame.to_csv(index=False, sep=sep, lineterminator="\n")
    if hxl:
        head, rest = text.split("\n", 1)
        text = head + "\n" + sep.join(f"#{c.replace('_', '+')}" for c in frame.columns) + "\n" + rest
    path.write_bytes(text.encode(encoding))
    return path


READ = dict(date_column="event_date", type_column="event_type", admin_column="admin2")


def _both(monkeypatch, path: Path, **options):
    """(result, warnings, error) of the fast and of the general path."""
    out = []
    for threshold in (0, 1 << 62):
        monkeypatch.setattr(load, "FAST_MIN_BYTES", threshold)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result, error = points.read_points(path, **{**READ, **options}), None
            except InputDataError as exc:
                result, error = None, str(exc)
        out.append((result, [(type(w.message).__name__, str(w.message)) for w in caught if issubclass(w.category, NexusZonesWarning)], error))
    return out


def _same(fast, slow) -> None:
    (fr, fw, fe), (sr, sw, se) = fast, slow
    assert fe == se and fw == sw
    if sr is not None:
        pd.testing.assert_frame_equal(pd.DataFrame(fr.drop(columns="geometry")), pd.DataFrame(sr.drop(columns="geometry")))
        assert fr.geometry.geom_equals_exact(sr.geometry, tolerance=0).all() and fr.attrs == sr.attrs


def _variant(name: str, tmp_path: Path) -> tuple[Path, dict]:
    ev = _events()
    if name == "clean":
        return _write(tmp_path / "e.csv", ev), {}
    if name == "acled_old_dates":
        ev["event_date"] = pd.to_datetime(ev["event_date"]).dt.strftime("%d %B %Y")
        return _write(tmp_path / "e.csv", ev), {}
    if name == "decimal_comma_semicolon":
        ev["latitude"] = ev["latitude"].str.replace(".", ",")
        return _write(tmp_path / "e.csv", ev, sep=";"), {}
    if name == "hxl_row_bom":
        return _write(tmp_path / "e.csv", ev, encoding="utf-8-sig", hxl=True), {"latitude": "#latitude", "longitude": "#longitude"}
    if name == "cp1252":
        return _write(tmp_path / "e.csv", ev, encoding="cp1252"), {}
    if name == "utf16":
        return _write(tmp_path / "e.csv", ev, encoding="utf-16"), {}
    if name == "mixed_lines":
        ev.loc[4, "admin2"] = "Ségou"  # on line 6 of the file (lines[5])
        path = _write(tmp_path / "e.csv", ev)
        lines = path.read_bytes().split(b"\n")
        lines[5] = lines[5].decode("utf-8").encode("cp1252")
        lines[3] = lines[3].replace(b"Dire", "Diré".encode("utf-8"))
        path.write_bytes(b"\n".join(lines))
        return path, {}
    if name == "mojibake":
        ev.loc[7, "admin2"] = "SÃ©gou"
        return _write(tmp_path / "e.csv", ev), {}
    if name == "repeated_ids":
        ev = pd.concat([ev, ev.iloc[:3]])
        return _write(tmp_path / "e.csv", ev), {}
    if name == "spaced_cells_and_thousands":
        ev.loc[4, "event_type"] = " Battles "
        ev.loc[9, "fatalities"] = "1 000"
        return _write(tmp_path / "e.csv", ev), {}
    if name == "filters":
        return _write(tmp_path / "e.csv", ev), {"filters": {"geo_precision": [1, 2], "event_type": ["Battles", "Riots"]}}
    if name == "text_match":
        return _write(tmp_path / "e.csv", ev), {"matches": [{"columns": ["actor1"], "contains": ["military forces of MALI", "Police Forces"]}]}
    if name == "bad_date":
        ev.loc[11, "event_date"] = "2017-02-30"
        return _write(tmp_path / "e.csv", ev), {}
    if name == "implausible_date":
        ev.loc[12, "event_date"] = "2107-01-01"
        return _write(tmp_path / "e.csv", ev), {}
    if name == "swapped_coordinates":
        ev.loc[:, "latitude"], ev.loc[:, "longitude"] = ev["longitude"].copy(), (ev["latitude"].astype(float) + 170).astype(str)
        return _write(tmp_path / "e.csv", ev), {}
    if name == "missing_coordinates":
        ev.loc[[2, 8], "latitude"] = ""
        return _write(tmp_path / "e.csv", ev), {}
    if name == "negative_fatalities":
        ev.loc[6, "fatalities"] = "-2"
        return _write(tmp_path / "e.csv", ev), {}
    return _hostile_variant(name, ev, tmp_path)


def _hostile_variant(name: str, ev: pd.DataFrame, tmp_path: Path) -> tuple[Path, dict]:
    """The events shapes of the hostile catalogues (tests/end_to_end/test_hostile.py, test_messy_records.py,
    test_messy_files.py) at the size the pyarrow reader takes."""
    path = tmp_path / "e.csv"
    if name == "no_ids_rows_copied":  # Malilink, OCHA access incidents: no id column; a list appended to itself in part
        ev = ev.drop(columns="event_id_cnty")
        return _write(path, pd.concat([ev, ev.iloc[[3, 50, 3]]])), {}
    if name == "no_ids_copies_as_values":  # the same row re-saved by a spreadsheet: 2 = 2.0, 2017-05-01 = 01/05/2017
        ev = ev.drop(columns="event_id_cnty")
        again = ev.iloc[[7, 9]].copy()
        again["fatalities"] = again["fatalities"] + ".0"
        again["event_date"] = pd.to_datetime(again["event_date"]).dt.strftime("%d/%m/%Y")
        return _write(path, pd.concat([ev, again])), {}
    if name == "export_appended":  # an appended re-download repeats ids exactly
        return _write(path, pd.concat([ev, ev[ev["event_date"] >= "2018-01-01"]])), {}
    if name == "revised_versions":  # ids repeated with a newer timestamp: the newest kept
        ev["timestamp"] = "1600000000"
        revised = ev.iloc[[4, 8]].assign(fatalities="7", timestamp="1700000000")
        return _write(path, pd.concat([ev, revised])), {}
    if name == "versions_without_timestamp":  # ids repeated, rows differ, nothing tells the newest: an error
        return _write(path, pd.concat([ev, ev.iloc[[4]].assign(fatalities="7")])), {}
    if name == "ids_in_another_case":
        ev.loc[5, "event_id_cnty"] = "mli0"
        return _write(path, ev), {}
    if name == "same_content_new_id":  # the same event exported again under a new id: counted, said
        return _write(path, pd.concat([ev, ev.iloc[[6]].assign(event_id_cnty="MLI9999")])), {}
    if name == "quoted_decimal_commas":
        ev["latitude"] = ev["latitude"].str.replace(".", ",")
        ev["longitude"] = ev["longitude"].str.replace(".", ",")
        return _write(path, ev), {}  # pandas quotes the cells that hold the separator
    if name == "latin1_semicolons_hxl":
        ev["admin2"] = ev["admin2"].replace({"Dire": "Diré"})
        return _write(path, ev, sep=";", encoding="latin-1", hxl=True), {"latitude": "#latitude", "longitude": "#longitude"}
    if name == "utf16_tabs":
        return _write(path, ev, sep="\t", encoding="utf-16"), {}
    if name == "id_column_configured":
        ev = ev.drop(columns="event_id_cnty").assign(name=[f"site {i}" for i in range(len(ev))])
        return _write(path, pd.concat([ev, ev.iloc[[2, 5]]])), {"id_column": "name"}
    raise KeyError(name)


HOSTILE_SHAPES = ["no_ids_rows_copied", "no_ids_copies_as_values", "export_appended", "revised_versions", "versions_without_timestamp",
                  "ids_in_another_case", "same_content_new_id", "quoted_decimal_commas", "latin1_semicolons_hxl", "utf16_tabs", "id_column_configured"]
VARIANTS = ["clean", "acled_old_dates", "decimal_comma_semicolon", "hxl_row_bom", "cp1252", "utf16", "mixed_lines", "mojibake",
            "repeated_ids", "spaced_cells_and_thousands", "filters", "text_match", "bad_date", "implausible_date",
            "swapped_coordinates", "missing_coordinates", "negative_fatalities", *HOSTILE_SHAPES]


@pytest.mark.parametrize("name", VARIANTS)
def test_fast_and_general_paths_give_identical_frames_warnings_and_errors(name, tmp_path, monkeypatch):
    """Every messy events shape, read by the pyarrow path and by the general pandas path (forced by
    the size threshold): the same frame, the same warnings in the same order, the same error."""
    path, options = _variant(name, tmp_path)
    if name != "mojibake":  # text encoded twice is the one shape the general reader repairs alone
        assert load.read_csv_arrow(path, [options.get("latitude", "latitude")], min_bytes=0) is not None, "the pyarrow path was not taken"
    fast, slow = _both(monkeypatch, path, **options)
    _same(fast, slow)
    expected = {"no_ids_rows_copied": "3 rows are exact copies", "no_ids_copies_as_values": "2 rows are exact copies", "export_appended": "repeat a record id",
                "revised_versions": "the newest by 'timestamp' was kept", "same_content_new_id": "under another id", "ids_in_another_case": "only by case",
                "id_column_configured": "column 'name'"}
    if name in expected:  # the shape is seen, not read past
        assert any(expected[name] in text for _, text in slow[1]), slow[1]
    if name == "versions_without_timestamp":
        assert "2 rows for one record that differ in columns fatalities" in slow[2]


def test_the_fast_path_is_taken_on_every_encoding_but_text_encoded_twice(tmp_path):
    clean, _ = _variant("clean", tmp_path)
    assert load.read_csv_arrow(clean, ["latitude", "event_date"], min_bytes=0) is not None
    for name in ("cp1252", "utf16", "mixed_lines"):
        path, _ = _variant(name, tmp_path)
        assert load.read_csv_arrow(path, ["latitude"], min_bytes=0) is not None, name
    path, _ = _variant("mojibake", tmp_path)
    assert load.read_csv_arrow(path, ["latitude"], min_bytes=0) is None  # the general reader repairs it, with its warning
    assert load.read_csv_arrow(clean, ["no_such_column"], min_bytes=0) is None  # the general path reports it


def test_categories_in_windows_1252_are_counted(tmp_path):
    """'École' and 'Centre de santé' read from Windows-1252 match the config's categories: the counts
    equal an independent count of the clean file's rows."""
    text = _text("services_points.csv")
    path = tmp_path / "services.csv"
    path.write_bytes(text.encode("cp1252"))
    points = points_mod.read_points(path, category_column="category", fatalities_column=None)
    clean = pd.read_csv(DEMO / "services_points.csv", dtype=str)
    assert points["category"].value_counts().to_dict() == clean["category"].value_counts().to_dict()
    assert (points["category"] == "École").sum() == text.count(",École,")


def test_a_few_points_outside_are_not_an_error():
    """Two points, one outside: a warning, not an error (fewer than MIN_OUTSIDE_ERROR outside)."""
    units = gpd.GeoDataFrame({"name": ["a"], "region": ["r"]}, geometry=[shapely.box(0, 0, 1, 1)], index=pd.Index(["A"], name="unit_id"), crs=4326)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0.5, 9.0], [0.5, 9.0]), crs=4326)
    with pytest.warns(EventsOutsideWarning, match="1 of 2 points in the window fell outside"):
        measures, report = points_mod.count_points(units, pts)
    assert measures.loc["A", "count"] == 1 and report.outside_units == 1
    many = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0.5] * 9 + [9.0] * 10, [0.5] * 19), crs=4326)
    with pytest.raises(InputDataError, match=r"found 10 of 19 points outside every unit .* 9 of 19 inside the boundaries as given"):
        points_mod.count_points(units, many, source="pts.csv")


# ------------------------------------------------------------------------------ ACLED's deleted events, on both CSV paths



@pytest.mark.parametrize("fast", [True, False])
def test_listed_records_are_dropped_unless_published_again(tmp_path: Path, monkeypatch, fast: bool) -> None:
    rng = np.random.default_rng(4)
    n = 300
    frame = pd.DataFrame({
        "event_id_cnty": [f"MLI{i}" for i in range(n)], "event_date": "2017-05-01", "event_type": "Battles",
        "latitude": np.round(rng.uniform(12, 18, n), 4), "longitude": np.round(rng.uniform(-6, 1, n), 4),
        "fatalities": rng.integers(0, 5, n), "timestamp": 1_600_000_000,
    })
    frame.loc[7, "timestamp"] = 1_700_000_000  # MLI7 was published again after its deletion below
    events = tmp_path / "events.csv"
    frame.to_csv(events, index=False)
    listed = deleted_list(tmp_path / "deleted.csv", [("MLI3", "1650000000"), ("MLI5", "1650000000"), ("MLI7", "1650000000"), ("MLI999", "1650000000"), ("MLI3", "1640000000")])
    monkeypatch.setattr(load, "FAST_MIN_BYTES", 0 if fast else 1 << 62)
    deleted = load.read_deleted_records(listed, key="layers.e.deleted")
    assert deleted.to_dict() == {"MLI3": 1_650_000_000.0, "MLI5": 1_650_000_000.0, "MLI7": 1_650_000_000.0, "MLI999": 1_650_000_000.0}
    out = points.read_points(events, date_column="event_date", type_column="event_type", deleted=deleted)
    assert len(out) == n - 2 and out.attrs["deleted"] == 2  # MLI3 and MLI5; MLI7 is newer than its deletion; MLI999 is not in the file
    kept = frame.drop(index=[3, 5])
    assert out["fatalities"].sum() == kept["fatalities"].sum()
    np.testing.assert_allclose(np.sort(out.geometry.x.to_numpy()), np.sort(kept["longitude"].to_numpy()))



def test_a_file_without_ids_cannot_take_adeleted_list(tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    pd.DataFrame({"date": ["2017-05-01"], "latitude": [16.0], "longitude": [-3.0]}).to_csv(events, index=False)
    deleted = load.read_deleted_records(deleted_list(tmp_path / "deleted.csv", [("MLI3", "1650000000")]), key="layers.e.deleted")
    with pytest.raises(Exception, match=r"layers\.e\.deleted.*no record id column.*event_id_cnty.*set layers\.e\.id_column"):
        points.read_points(events, date_column="date", where="layers.e", deleted=deleted)



@pytest.mark.parametrize("fast", [True, False])
def test_ids_listed_in_another_case_are_deleted_and_said(tmp_path: Path, monkeypatch, fast: bool) -> None:
    """A list whose ids were lower-cased (mli3 for ACLED's MLI3) deleted nothing, silently."""
    n = 40
    frame = pd.DataFrame({"event_id_cnty": [f"MLI{i}" for i in range(n)], "event_date": "2017-05-01", "latitude": 16.0, "longitude": -3.0,
                          "timestamp": 1_600_000_000})
    events = tmp_path / "events.csv"
    frame.to_csv(events, index=False)
    listed = deleted_list(tmp_path / "deleted.csv", [("mli3", "1650000000"), ("MLI5", "1650000000"), ("mli7", "1500000000")])
    monkeypatch.setattr(load, "FAST_MIN_BYTES", 0 if fast else 1 << 62)
    deleted = load.read_deleted_records(listed, key="layers.e.deleted")
    with pytest.warns(SpellingVariantWarning, match=r"column 'event_id_cnty': 2 record ids differ from ids of the list of deleted records \(layers\.e\.deleted\) "
                      r"only by case.*'MLI3' as 'mli3', 'MLI7' as 'mli7'"):
        out = points.read_points(events, date_column="event_date", where="layers.e", deleted=deleted)
    assert len(out) == n - 2 and out.attrs["deleted"] == 2  # MLI3 and MLI5; MLI7 was stamped after its deletion


def _events_with_notes(tmp_path) -> Path:
    path = tmp_path / "acled.csv"
    pd.DataFrame({
        "event_date": ["2017-01-01"] * 4, "latitude": [1.5, 1.5, 0.5, 0.5], "longitude": [0.5, 1.5, 0.5, 0.5],
        "event_type": ["Battles", "Battles", "Protests", "Violence against civilians"],
        "notes": ["attack on a convoy", "clash near the market", "march in town", "attack on aid workers"],
    }).to_csv(path, index=False)
    return path


def test_a_where_value_in_no_row_is_warned_with_a_did_you_mean_while_the_others_filter(tmp_path):
    path = _events_with_notes(tmp_path)

    with pytest.warns(UnmatchedFilterWarning, match=r"acled\.csv: layers\.x\.where\.event_type: found 'Protets' \(did you mean 'Protests'\?\) in no row; "
                                                    r"expected values of column 'event_type'") as caught:
        pts = points_mod.read_points(path, type_column="event_type", filters={"event_type": ["Battles", "Protets"]}, where="layers.x")

    assert len(pts) == 2 and pts.attrs["dropped_by_filters"] == 2  # the two Battles kept: 'Protets' keeps nothing
    assert [w.message.problem.where for w in caught] == ["layers.x.where.event_type"]


def test_a_match_phrase_in_no_row_is_warned_for_contains_and_excludes(tmp_path):
    path = _events_with_notes(tmp_path)
    matches = [{"columns": ["notes"], "contains": ["attack", "ambuscade"]}, {"columns": ["notes"], "excludes": ["Convoi"]}]

    with pytest.warns(UnmatchedFilterWarning) as caught:
        pts = points_mod.read_points(path, type_column="event_type", matches=matches, where="layers.x")

    assert len(pts) == 2  # the two attacks; 'Convoi' (misspelt) excludes nothing, so the convoy attack stays
    said = sorted(str(w.message) for w in caught)
    assert len(said) == 2
    assert "layers.x.match[0]: found 'ambuscade' in no row" in said[0]
    assert "layers.x.match[1]: found 'Convoi' (did you mean 'convoy'?) in no row" in said[1]  # as written; compared folded


def test_every_listed_value_present_is_silent(tmp_path):
    path = _events_with_notes(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnmatchedFilterWarning)
        pts = points_mod.read_points(path, type_column="event_type", filters={"event_type": ["Battles", "Protests"]},
                               matches=[{"columns": ["notes"], "contains": ["attack", "clash"]}], where="layers.x")
    assert len(pts) == 2  # Battles (attack, clash); the protest has neither phrase


def test_name_column_is_kept_as_name_on_both_paths(tmp_path, monkeypatch):
    """``name_column`` (a facility's name, for the map's tooltips): kept as the column ``name``,
    stripped, the same on the fast and the general path; a missing column is an error naming the key."""
    path = tmp_path / "facilities.csv"
    pd.DataFrame({"Lat": ["0.5", "1.5"], "Long": ["0.5", "1.5"], "Facility name": [" CSCom de Diré ", "Hôpital, d'Alpha"]}).to_csv(path, index=False)
    fast, slow = _both(monkeypatch, path, latitude="Lat", longitude="Long", name_column="Facility name", date_column=None, type_column=None, admin_column=None)
    _same(fast, slow)
    assert list(slow[0]["name"]) == ["CSCom de Diré", "Hôpital, d'Alpha"]
    with pytest.raises(InputDataError, match=r"column 'Name' \(config key layer\.name_column\)"):
        points.read_points(path, latitude="Lat", longitude="Long", name_column="Name")


def test_a_blank_fatalities_cell_or_a_line_cut_short_is_counted_as_0_with_a_warning(tmp_path):
    """A line one field short (its fatalities lost) was read as 0 fatalities with no word (found by a hunt):
    it still counts 0, and a MissingValueWarning names the line."""
    path = tmp_path / "acled.csv"
    path.write_text("event_date,latitude,longitude,fatalities\n2017-01-01,0.5,0.5,5\n2017-01-02,0.5,1.5\n2017-01-03,1.5,0.5,\n2017-01-04,1.5,1.5,2\n",
                    encoding="utf-8")
    with pytest.warns(MissingValueWarning, match=r"column 'fatalities' is blank in 2 of 4 rows \(line 3, 4\), counted as 0 fatalities"):
        pts = points.read_points(path, date_column="event_date", where="layers.e")
    assert pts["fatalities"].tolist() == [5.0, 0.0, 0.0, 2.0]  # 5 + 0 + 0 + 2: the blanks count nothing


# ------------------------------------------------------------------------------------ rows without coordinates


def _list_with_places(tmp_path: Path) -> Path:
    """An incident list whose rows locate some events only by the unit they name (grid units A1, A2, B1, B2)."""
    path = tmp_path / "list.csv"
    pd.DataFrame([
        ("2017-01-05", 1.5, 0.5, "Alpha One", 1),   # located in A1 (its name agrees)
        ("2017-02-05", "", "", "Alpha One", 2),     # no coordinates: A1 by name
        ("2017-03-05", "", "", "B2", 0),            # no coordinates: B2 by P-code
        ("2017-04-05", "", "", "alpha two", 5),     # no coordinates: A2 by its name, folded
        ("2017-05-05", "", "", "", 0),              # no coordinates, no name: not counted
        ("2017-06-05", "", "", "Gamma", 0),         # no coordinates, a name of no unit: not counted
        ("2016-06-05", "", "", "Alpha One", 0),     # outside the 2017 window
    ], columns=["event_date", "latitude", "longitude", "place", "fatalities"]).to_csv(path, index=False)
    return path


def test_rows_without_coordinates_are_counted_by_the_unit_they_name(monkeypatch, tmp_path):
    path = _list_with_places(tmp_path)
    for result, said, error in _both(monkeypatch, path, admin_column="place", type_column=None):
        assert error is None and len(result) == 1  # the located row; the others set aside
        assert len(points.unlocated_rows(result)) == 6
        with pytest.warns(EventsOutsideWarning, match=r"layer list: 6 rows in the window have no coordinates|layer list: 5 rows") as caught:
            values, report = points.count_points(grid_units(), result, start=pd.Timestamp("2017-01-01").date(), end=pd.Timestamp("2017-12-31").date(), layer="list")
        assert values["count"].to_dict() == {"A1": 2.0, "A2": 1.0, "B1": 0.0, "B2": 1.0}
        assert values["fatalities"].to_dict() == {"A1": 3.0, "A2": 5.0, "B1": 0.0, "B2": 0.0}
        assert report.without_coordinates == {"rows": 5, "counted_by_name": 3, "naming_no_unit": 1, "unmatched_names": ["Gamma"], "outside_study": 0,
                                              "years": {"2017": 5}, "by_unit": {"A1": 1, "A2": 1, "B2": 1}}
        message = str(caught[-1].message)
        assert "5 rows in the window have no coordinates (by year: 2017: 5); 3 counted" in message and "2 not counted (1 name no unit; names matching no unit: 'Gamma')" in message


def test_without_an_admin_column_rows_without_coordinates_are_reported_and_left_out(tmp_path):
    with pytest.warns(EventsOutsideWarning, match=r"6 rows without coordinates were not counted"):
        result = points.read_points(_list_with_places(tmp_path), date_column="event_date")
    assert len(result) == 1 and "unlocated" not in result.attrs


# ------------------------------------------------------------------ only the rows that can count (a single run)


def _both_ways(name: str, spec, units, all_units) -> dict:
    """The layer read as a study over periods reads it (every row) and as a single run does (only the
    rows the layer can count): its frame, its counted rows, measures, report, empty parts and every warning."""
    out = {}
    for countable_only in (False, True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = points.read(name, spec, nexus_zones.layers.ReadContext(reference=all_units, countable_only=countable_only))
            measured = points.measure(name, spec, data, nexus_zones.layers.MeasureContext(units=units, all_units=all_units, progress=None, cache={}))
            parts = list(points.empty_parts(name, spec, data, measured, [f"{name}.count"]))
        chosen = data[points.counted(data, spec)].reset_index(drop=True)
        out[countable_only] = dict(
            data=data, chosen=chosen, measures=measured.measures, report=measured.report.as_dict(), parts=parts,
            warnings=[f"{type(w.message).__name__}: {w.message}" for w in caught], unlocated=points.unlocated_rows(data),
        )
    return out


def _assert_same_but_smaller(both: dict) -> None:
    every, kept = both[False], both[True]
    assert len(kept["data"]) == len(kept["chosen"])  # the frame kept holds only rows that can count
    assert len(kept["data"]) < len(every["data"]) or len(every["chosen"]) == len(every["data"])
    pd.testing.assert_frame_equal(kept["chosen"], every["chosen"])  # the same points, geometries included (the map's)
    pd.testing.assert_frame_equal(kept["measures"], every["measures"])
    assert kept["report"] == every["report"]
    assert kept["parts"] == every["parts"]
    assert kept["warnings"] == every["warnings"]
    if every["unlocated"] is None:
        assert kept["unlocated"] is None
    else:
        pd.testing.assert_frame_equal(kept["unlocated"], every["unlocated"])


@pytest.mark.parametrize("fast", [True, False])
def test_a_single_run_keeps_only_the_demo_rows_that_can_count_with_the_same_counts_and_report(monkeypatch, fast):
    monkeypatch.setattr(load, "FAST_MIN_BYTES", 0 if fast else 1 << 62)
    config = nexus_zones.config.load_config(DEMO.parent.parent / "configs" / "demo.yaml")
    boundaries = nexus_zones.pipeline._load_all(config.model_copy(update={"layers": {}}), collect=False).boundaries
    dated = 0
    for name, spec in config.layers.items():
        if spec.kind != "points":
            continue
        both = _both_ways(name, spec, boundaries.units, boundaries.all_units)
        _assert_same_but_smaller(both)
        if spec.window != (None, None):
            dated += 1
            report = both[True]["report"]
            # read = kept + outside the window + of other types: the figures of every row, not of the rows kept
            assert len(both[True]["data"]) == report["read"] - report["outside_window"] - report["other_types"] < report["read"]
    assert dated == 2  # incidents (2017) and access (2017)


_MESSY = [  # event_id_cnty, timestamp, event_date, event_type, latitude, longitude, fatalities, admin2, sub_event_type
    ("MLI1", 1, "2016-05-01", "Battles", "1.5", "0.5", "2", "Alpha One", "Armed clash"),
    ("MLI1", 2, "2017-05-01", "Battles", "1.5", "0.5", "3", "Alpha One", "Armed clash"),  # the update moves it into the window
    ("MLI2", 1, "2017-02-01", "Battles", "1.5", "1.5", "1", "Alpha Two", "Armed clash"),
    ("MLI2", 2, "2016-02-01", "Battles", "1.5", "1.5", "1", "Alpha Two", "Armed clash"),  # ... and this one out of it
    ("MLI3", 1, "2017-03-03", "battles ", "1.2", "1.2", "0", "Alpha Two", "Armed clash"),  # a spelling variant of a type
    ("MLI4", 1, "2016-01-01", "Protests", "0.5", "0.5", "0", "Bravo\u202eOne", "Peaceful protest"),  # a bidi control, out of the window
    ("MLI5", 1, "2017-04-04", "Riots", "0.5", "1.5", "0", "Bravo Two", "Mob violence"),  # another type
    ("MLI7", 1, "2015-12-31", "Battles", "0.5", "1.5", "", "Bravo Two", "Armed clash"),  # blank fatalities, out of the window
    ("MLI8", 1, "2017-10-10", "Battles", "5.0", "5.0", "9", "Nowhere", "Armed clash"),  # outside every unit
    ("MLI9", 1, "2018-01-01", "Battles", "0.5", "0.5", "4", "Bravo One", "Armed clash"),
    ("MLI9", 1, "2018-01-01", "Battles", "0.5", "0.5", "4", "Bravo One", "Armed clash"),  # an exact copy
]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("shape", ["clean", "unlocated", "semicolons"])
def test_a_single_run_keeps_only_the_messy_rows_that_can_count_with_the_same_counts_report_and_warnings(tmp_path, monkeypatch, shape, fast):
    monkeypatch.setattr(load, "FAST_MIN_BYTES", 0 if fast else 1 << 62)  # the pyarrow path (points built for the rows kept) and the general one
    rows = list(_MESSY)
    if shape == "unlocated":  # blank coordinates: counted by the unit the admin column names
        rows.append(("MLI6", 1, "2017-06-06", "Battles", "", "", "1", "Bravo One", "Armed clash"))
    sep = ";" if shape == "semicolons" else ","
    header = "event_id_cnty,timestamp,event_date,event_type,latitude,longitude,fatalities,admin2,sub_event_type".replace(",", sep)
    path = tmp_path / "events.csv"
    path.write_text("\n".join([header, *(sep.join(map(str, r)) for r in rows)]) + "\n", encoding="utf-8")
    spec = points.PointsLayerSpec(kind="points", path=path, year=2017, types=["Battles", "Violence against civilians"], admin_column="admin2",
                                  category_column="sub_event_type", outside="accept")
    units = nexus_zones.layers.points.gpd.GeoDataFrame(grid_units())
    both = _both_ways("events", spec, units, units)
    _assert_same_but_smaller(both)
    report = both[True]["report"]
    # by hand: 8 located records (MLI1 and MLI2 once, at their newest; MLI9's copy dropped), MLI6 set aside without coordinates;
    # outside 2017: MLI2 (moved), MLI4, MLI7, MLI9; of other types in 2017: MLI5; counted: MLI1, MLI3 (folded); MLI8 outside every unit
    assert (report["read"], report["outside_window"], report["other_types"], report["counted"], report["outside_units"]) == (8, 4, 1, 2, 1)
    assert len(both[True]["data"]) == 3
    warned = " ".join(both[True]["warnings"])
    for expected in ("UnmatchedFilterWarning", "Violence against civilians", "SpellingVariantWarning", "BidiControlWarning", "MissingValueWarning"):
        assert expected in warned
    # the bidi control is named by the file's line (MLI4 is line 7 under the header), as the other messages name rows,
    # not by its position among the records kept (MLI1's and MLI2's older rows dropped before it)
    assert "bidirectional control characters in 1 name(s): row 7 admin 'Bravo\\u202eOne' (U+202E)" in warned  # repr shows the control as \\u202e
    # categories are every value of the file, as before: a measure for the protest seen only outside the window;
    # armed clashes: MLI1 and MLI3, and MLI6 by the unit its admin column names
    assert both[True]["measures"]["peaceful_protest"].sum() == 0 and both[True]["measures"]["armed_clash"].sum() == 2 + (shape == "unlocated")
    if shape == "unlocated":
        assert report["without_coordinates"]["counted_by_name"] == 1
