"""The fast CSV path of the points reader (pyarrow) gives the same frames, warnings and errors as the
general path, on clean files and on every messy spelling the general path handles; where it cannot
decide it steps aside (tested by comparing both paths on each variant)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_zones import load
from nexus_zones.errors import InputDataError, NexusZonesWarning
from nexus_zones.layers import points

pytest.importorskip("pyarrow")

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
    raise KeyError(name)


VARIANTS = ["clean", "acled_old_dates", "decimal_comma_semicolon", "hxl_row_bom", "cp1252", "utf16", "mixed_lines", "mojibake",
            "repeated_ids", "spaced_cells_and_thousands", "filters", "text_match", "bad_date", "implausible_date",
            "swapped_coordinates", "missing_coordinates", "negative_fatalities"]


@pytest.mark.parametrize("name", VARIANTS)
def test_fast_and_general_paths_give_identical_frames_warnings_and_errors(name, tmp_path, monkeypatch):
    path, options = _variant(name, tmp_path)
    fast, slow = _both(monkeypatch, path, **options)
    _same(fast, slow)


def test_the_fast_path_is_taken_on_clean_files_and_left_on_messy_ones(tmp_path):
    clean, _ = _variant("clean", tmp_path)
    assert load.read_csv_arrow(clean, ["latitude", "event_date"], min_bytes=0) is not None
    for name in ("cp1252", "utf16", "mojibake", "mixed_lines"):
        path, _ = _variant(name, tmp_path)
        assert load.read_csv_arrow(path, ["latitude"], min_bytes=0) is None, name
    assert load.read_csv_arrow(clean, ["no_such_column"], min_bytes=0) is None  # the general path reports it


def test_fast_kernels_decline_spellings_they_cannot_read_the_same_way():
    import pyarrow as pa

    assert load.arrow_degrees(pa.chunked_array([["12.5", "-3", "1e-05"]])).tolist() == [12.5, -3.0, 1e-05]
    for other in (["12,5"], ["5."], [" 12.5"], [".5"], [""]):
        assert load.arrow_degrees(pa.chunked_array([other])) is None
    assert load.arrow_counts(pa.chunked_array([["0", "12"]])).tolist() == [0.0, 12.0]
    for other in (["1 000"], ["1.0"], ["-1"], ["yes"]):
        assert load.arrow_counts(pa.chunked_array([other])) is None
    dates = load.arrow_dates(pa.chunked_array([["2017-06-14"]]))
    assert dates.tolist() == [pd.Timestamp("2017-06-14").value]
    for other in (["14 June 2017"], ["2017-02-30"], ["1899-12-30"], ["2017-6-14"]):
        assert load.arrow_dates(pa.chunked_array([other])) is None
    assert load.arrow_text(pa.chunked_array([["a", " b\u00a0"]])).tolist() == ["a", "b"]
    assert not load.arrow_unique(pa.chunked_array([["x", "x"]])) and not load.arrow_unique(pa.chunked_array([["x ", "y"]]))
