"""ACLED's deleted events: listed records are not counted, on both CSV paths and through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nexus_zones import load
from nexus_zones.layers import points

from .conftest import REPO, copy_demo, run_cli, scores_table

DEMO = REPO / "data" / "demo"


def _deleted_list(path: Path, rows: list[tuple[str, str]]) -> Path:
    pd.DataFrame(rows, columns=["event_id_cnty", "deleted_timestamp"]).to_csv(path, index=False)
    return path


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
    listed = _deleted_list(tmp_path / "deleted.csv", [("MLI3", "1650000000"), ("MLI5", "1650000000"), ("MLI7", "1650000000"), ("MLI999", "1650000000"), ("MLI3", "1640000000")])
    monkeypatch.setattr(load, "FAST_MIN_BYTES", 0 if fast else 1 << 62)
    deleted = load.read_deleted_records(listed, key="layers.e.deleted")
    assert deleted.to_dict() == {"MLI3": 1_650_000_000.0, "MLI5": 1_650_000_000.0, "MLI7": 1_650_000_000.0, "MLI999": 1_650_000_000.0}
    out = points.read_points(events, date_column="event_date", type_column="event_type", deleted=deleted)
    assert len(out) == n - 2 and out.attrs["deleted"] == 2  # MLI3 and MLI5; MLI7 is newer than its deletion; MLI999 is not in the file
    kept = frame.drop(index=[3, 5])
    assert out["fatalities"].sum() == kept["fatalities"].sum()
    np.testing.assert_allclose(np.sort(out.geometry.x.to_numpy()), np.sort(kept["longitude"].to_numpy()))


def test_a_file_without_ids_cannot_take_a_deleted_list(tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    pd.DataFrame({"date": ["2017-05-01"], "latitude": [16.0], "longitude": [-3.0]}).to_csv(events, index=False)
    deleted = load.read_deleted_records(_deleted_list(tmp_path / "deleted.csv", [("MLI3", "1650000000")]), key="layers.e.deleted")
    with pytest.raises(Exception, match=r"layers\.e\.deleted.*no record id column.*event_id_cnty.*set layers\.e\.id_column"):
        points.read_points(events, date_column="date", where="layers.e", deleted=deleted)


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
    cfg["layers"]["incidents"]["deleted"] = str(_deleted_list(data / "deleted.csv", [(i, "") for i in gone["event_id_cnty"]]))
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
