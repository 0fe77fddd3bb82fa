"""Findings of a hostile-input hunt (issue 10: never a silent wrong number, never exit code 3).

F1 a table appended again with its numbers or dates spelled differently (``4523`` / ``4523.0``,
``31/12/2017`` / ``2017-12-31``) is still a copy; F2 exact copies of every column of a points list
(no id column) are counted once; F3 Excel cells formatted as percent read as percentage points, like
the CSV export; F4/F5 types, ``where:`` values and categories differing only by case, accents or
spaces match, with a ``SpellingVariantWarning``; F6/F7 two columns of one name are an error; F8 the
points-swapped message also names the case of swapped boundaries, with their extent.

Each case runs the demo or the real files through the CLI and asserts the message AND the numbers
(equal to the clean run's, or computed by hand).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from nexus_zones import cli

from .._support import DEMO, REPO, _read, copy_demo, fewer_draws, require_real_data, run_cli, scores_table
DTM = "iom_dtm_mali_idps_by_commune_2014-2020.csv"
HEALTH = "who_kemri_public_health_facilities_mali.csv"
CH = "cadre_harmonise_mali_cercles_2014-2020.csv"


def _demo(folder: Path) -> tuple[dict, Path]:
    return copy_demo(folder)


def _real(folder: Path, **replaced: pd.DataFrame) -> tuple[dict, Path]:
    """The real 2017 config over a folder linking the real files, with some files replaced."""
    real = require_real_data()
    data = folder / "real"
    data.mkdir()
    for path in real.iterdir():
        if path.is_file() and path.name not in replaced:
            (data / path.name).symlink_to(path)
    for name, frame in replaced.items():
        frame.to_csv(data / name, index=False)
    cfg = yaml.safe_load((REPO / "configs" / "mali_2017.yaml").read_text(encoding="utf-8"))
    fewer_draws(cfg, 20)
    cfg.pop("data_dir", None)
    return cfg, data


def _run(cfg: dict, folder: Path, capsys, data_dir: Path | None = None) -> tuple[int, str, pd.DataFrame | None]:
    code, err, out = run_cli(cfg, folder, capsys, *(["--data-dir", str(data_dir)] if data_dir else []))
    return code, err, scores_table(out, cfg["study"]["name"]) if code == 0 else None


@pytest.fixture(scope="module")
def demo_clean(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("demo_clean")
    cfg, _ = _demo(folder)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["run", str(config), "--out", str(folder / "out")]) == 0
    return pd.read_csv(folder / "out" / "demo_scores.csv").set_index("unit_id").sort_index()


@pytest.fixture(scope="module")
def real_clean(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("real_clean")
    cfg, data = _real(folder)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["run", str(config), "--out", str(folder / "out"), "--data-dir", str(data)]) == 0
    return pd.read_csv(next((folder / "out").glob("*_scores.csv"))).set_index("unit_id").sort_index()


def _same(table: pd.DataFrame, clean: pd.DataFrame, columns: list[str]) -> None:
    for col in columns:
        pd.testing.assert_series_equal(table[col], clean[col])


# ------------------------------------------------ F1: copies whose numbers or dates are spelled otherwise


def test_real_dtm_round_appended_again_with_whole_numbers(real_clean, tmp_path, capsys):
    dtm = _read(require_real_data() / DTM)
    again = dtm[dtm["snapshot_date"] == "2017-12-31"]
    again = again.assign(idp_ind=again["idp_ind"].map(lambda v: str(int(float(v))) if v else v))
    assert (again["idp_ind"] != dtm.loc[again.index, "idp_ind"]).any()  # really spelled otherwise: 4523 vs 4523.0
    cfg, data = _real(tmp_path, **{DTM: pd.concat([dtm, again])})
    code, err, table = _run(cfg, tmp_path, capsys, data)
    assert code == 0, err
    assert f"{len(again)} rows are exact copies of an earlier row and were dropped (row {len(dtm) + 2} = row {again.index[0] + 2}" in err
    _same(table, real_clean, ["idps_rate", "score", "rank"])
    assert table.at["ML0101", "idps_rate"] == pytest.approx(1.35, abs=0.005)  # not 2.70


def test_real_dtm_round_appended_again_with_french_dates(real_clean, tmp_path, capsys):
    dtm = _read(require_real_data() / DTM)
    again = dtm[dtm["snapshot_date"] == "2017-12-31"].assign(snapshot_date="31/12/2017")
    cfg, data = _real(tmp_path, **{DTM: pd.concat([dtm, again])})
    code, err, table = _run(cfg, tmp_path, capsys, data)
    assert code == 0, err
    assert f"{len(again)} rows are exact copies of an earlier row and were dropped" in err
    _same(table, real_clean, ["idps_rate", "score"])


def test_demo_school_table_appended_with_decimals(demo_clean, tmp_path, capsys):
    cfg, data = _demo(tmp_path)
    schools = _read(data / "school_closures_2018-02-26.csv")
    again = schools.assign(schools_total=schools["schools_total"] + ".0", schools_closed=schools["schools_closed"] + ".00", date="26/02/2018")
    pd.concat([schools, again]).to_csv(data / "school_closures_2018-02-26.csv", index=False)
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert f"{len(schools)} rows are exact copies of an earlier row and were dropped (row {len(schools) + 2} = row 2" in err
    _same(table, demo_clean, ["schools_closed", "score"])


def test_a_row_differing_in_a_number_is_not_a_copy(tmp_path, capsys):
    cfg, data = _demo(tmp_path)
    schools = _read(data / "school_closures_2018-02-26.csv")
    pd.concat([schools, schools.head(1).assign(schools_closed="4")]).to_csv(data / "school_closures_2018-02-26.csv", index=False)
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert f"several rows for units ML0601 (rows 2, {len(schools) + 2})" in err and "exact copies" not in err


# ---------------------------------------------------------- F2: a points list appended to itself


def test_real_health_facilities_appended_again(real_clean, tmp_path, capsys):
    health = _read(require_real_data() / HEALTH)
    cfg, data = _real(tmp_path, **{HEALTH: pd.concat([health, health])})
    code, err, table = _run(cfg, tmp_path, capsys, data)
    assert code == 0, err
    assert f"{len(health)} rows are exact copies of an earlier row and were dropped (row {len(health) + 2} = row 2" in err
    _same(table, real_clean, ["health_rate", "score", "rank"])
    assert table.at["ML0602", "health_rate"] == pytest.approx(12.63, abs=0.005)  # Diré, not 25.26


def test_demo_services_some_rows_twice_and_lookalikes_kept(demo_clean, tmp_path, capsys):
    cfg, data = _demo(tmp_path)
    services = _read(data / "services_points.csv")
    copies = services[services["category"] == "Centre de santé"].head(3)
    lookalike = copies.head(1).assign(name="CSCOM bis")  # same place and category, another name: another facility
    pd.concat([services, copies, lookalike]).to_csv(data / "services_points.csv", index=False)
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "services_points.csv: 3 rows are exact copies of an earlier row and were dropped" in err
    changed = table["health_facilities"] - demo_clean["health_facilities"]
    assert changed.sum() == 1 and (changed >= 0).all()  # the copies count once; the look-alike is one more centre
    _same(table, demo_clean, ["incidents", "schools_closed"])


# ------------------------------------------------------------------ F3: Excel percent-formatted cells


def _schools_with_share(cfg: dict, data: Path, *, xlsx: bool) -> Path:
    from openpyxl import Workbook

    schools = _read(data / "school_closures_2018-02-26.csv")
    share = schools["schools_closed"].astype(float) / schools["schools_total"].astype(float)
    cfg["layers"]["schools"]["columns"] = ["schools_closed", "schools_total", "share_closed"]
    cfg["indicators"]["share_closed"] = {
        "measure": "schools.share_closed", "label": "Share of schools closed", "direction": "cost", "normalisation": "minmax", "weight": 1,
    }
    if not xlsx:
        path = data / "schools_share.csv"
        schools.assign(share_closed=[f"{100 * s:.1f}%" for s in share]).to_csv(path, index=False)
    else:
        path = data / "schools_share.xlsx"
        book = Workbook()
        sheet = book.active
        sheet.append(list(schools.columns) + ["share_closed"])
        for (_, row), s in zip(schools.iterrows(), share):
            sheet.append([row[c] if c not in ("schools_total", "schools_closed") else int(row[c]) for c in schools.columns] + [round(s, 3)])
            sheet.cell(sheet.max_row, len(schools.columns) + 1).number_format = "0.0%"
        book.save(path)
    cfg["layers"]["schools"]["path"] = str(path)
    return path


def test_xlsx_percent_cells_read_like_the_csv_export(tmp_path, capsys):
    runs = {}
    for xlsx in (False, True):
        folder = tmp_path / ("xlsx" if xlsx else "csv")
        folder.mkdir()
        cfg, data = _demo(folder)
        _schools_with_share(cfg, data, xlsx=xlsx)
        code, err, runs[xlsx] = _run(cfg, folder, capsys)
        assert code == 0, err
    assert "schools_share.xlsx: column 'share_closed' (5 cells) formatted as percent in Excel, read as percentage points" in err
    schools = _read(DEMO / "school_closures_2018-02-26.csv").set_index("admin2Pcod").sort_index()
    by_hand = (schools["schools_closed"].astype(float) / schools["schools_total"].astype(float) * 100).round(1)
    np.testing.assert_allclose(runs[True]["share_closed"], by_hand.reindex(runs[True].index), atol=0.051)
    np.testing.assert_allclose(runs[True]["share_closed"], runs[False]["share_closed"], atol=1e-9)
    assert runs[True]["share_closed"].max() > 1  # percentage points, not fractions


# -------------------------------------------------------- F4/F5: types, where and categories folded


def test_demo_event_type_in_another_case(demo_clean, tmp_path, capsys):
    cfg, data = _demo(tmp_path)
    events = _read(data / "incidents.csv")
    hit = events["event_type"] == "Violence against civilians"
    events.loc[hit, "event_type"] = "Violence against Civilians"
    events.to_csv(data / "incidents.csv", index=False)
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert (f"column 'event_type': values differing from those listed in layers.incidents.types only by case, accents or spaces "
            f"were read as the listed values: 'Violence against Civilians' read as 'Violence against civilians' ({int(hit.sum())} rows)") in err
    _same(table, demo_clean, ["incidents", "fatalities", "score", "rank"])


def test_demo_category_with_other_accents_and_spaces(demo_clean, tmp_path, capsys):
    cfg, data = _demo(tmp_path)
    services = _read(data / "services_points.csv")
    health = services.index[services["category"] == "Centre de santé"]
    services.loc[health[::2], "category"] = "Centre de Santé"
    services.loc[health[1::4], "category"] = " centre  de sante"
    services.to_csv(data / "services_points.csv", index=False)
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert f"'Centre de Santé' read as 'Centre de santé' ({len(health[::2])} rows)" in err
    assert f"'centre  de sante' read as 'Centre de santé' ({len(health[1::4])} rows)" in err
    _same(table, demo_clean, ["health_facilities", "score", "rank"])


def test_real_cadre_harmonise_where_value_in_another_case(real_clean, tmp_path, capsys):
    cfg, data = _real(tmp_path)
    cfg["layers"]["food"]["where"]["chtype"] = ["Current"]
    code, err, table = _run(cfg, tmp_path, capsys, data)
    assert code == 0, err
    ch = _read(require_real_data() / CH)
    n = int((ch["chtype"] == "current").sum())
    assert f"column 'chtype': values differing from those listed in layers.food.where.chtype only by case" in err
    assert f"'current' read as 'Current' ({n} rows)" in err
    _same(table, real_clean, ["food_insecure", "score", "rank"])


# ---------------------------------------------------------------- F6/F7: two columns of one name


@pytest.mark.parametrize("second", ["schools_closed ", "schools_closed"], ids=["trailing-space", "exact"])
def test_demo_two_columns_of_one_name_csv(tmp_path, capsys, second):
    cfg, data = _demo(tmp_path)
    path = data / "school_closures_2018-02-26.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + "," + second] + [line + ",9" for line in lines[1:]]) + "\n", encoding="utf-8")
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert "school_closures_2018-02-26.csv: 1 input problem" in err
    assert (f"header, columns 6, 7: found 2 columns named 'schools_closed' "
            f"(column 6: 'schools_closed', column 7: {second!r})") in err
    assert "Fix: rename or delete one of them" in err


def test_demo_two_columns_of_one_name_xlsx(tmp_path, capsys):
    cfg, data = _demo(tmp_path)
    schools = _read(data / "school_closures_2018-02-26.csv")
    frame = schools.copy()
    frame.insert(0, " admin2Pcod", schools["admin2Pcod"])
    frame.to_excel(data / "schools.xlsx", index=False)
    cfg["layers"]["schools"]["path"] = str(data / "schools.xlsx")
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert "schools.xlsx: 1 input problem" in err
    assert "header, columns 1, 4: found 2 columns named 'admin2Pcod' (column 1: ' admin2Pcod', column 4: 'admin2Pcod')" in err


# ------------------------------------------------------------------------ F8: boundaries swapped


def test_demo_boundaries_with_swapped_coordinates(tmp_path, capsys):
    cfg, data = _demo(tmp_path)
    path = data / "cercles.geojson"
    gj = json.loads(path.read_text(encoding="utf-8"))

    def swap(coords):
        return [coords[1], coords[0]] if isinstance(coords[0], (int, float)) else [swap(c) for c in coords]

    for feature in gj["features"]:
        feature["geometry"]["coordinates"] = swap(feature["geometry"]["coordinates"])
    path.write_text(json.dumps(gj), encoding="utf-8")
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    import geopandas as gpd

    w, s, e, n = gpd.read_file(path).total_bounds
    assert "Fix: swap latitude and longitude" in err
    assert (f"unless the boundaries file is the swapped one (longitude {w:.2f} to {e:.2f}, latitude {s:.2f} to {n:.2f}; "
            f"swapped: longitude {s:.2f} to {n:.2f}, latitude {w:.2f} to {e:.2f}): then correct that file (x is the longitude)") in err
    assert "set layers.incidents.outside: accept" in err


# ------------------------------------------------------------------ the config file itself


def _config_text(tmp_path: Path) -> str:
    cfg, _ = _demo(tmp_path)
    return yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_config_saved_in_another_encoding(tmp_path, capsys, encoding):
    text = _config_text(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_bytes(text.encode(encoding))
    assert cli.main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "Fix: re-save the file as UTF-8" in err
    if encoding == "cp1252":
        line = next(i for i, l in enumerate(text.splitlines(), start=1) if not l.isascii())
        assert f"line {line}: found bytes that are not UTF-8" in err
    else:
        assert "found UTF-16 text" in err
    assert not (tmp_path / "out").exists()


def test_config_indented_with_a_tab(tmp_path, capsys):
    lines = _config_text(tmp_path).splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith("    types:"))
    lines[at] = "\t" + lines[at].lstrip()
    config = tmp_path / "config.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli.main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"line {at + 1}, column 1: found a tab in the indentation" in err and "Fix: indent with spaces, not tabs" in err
