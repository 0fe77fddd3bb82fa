"""Values written several ways read as one (:mod:`nexus_zones.fold`): rows compared as values, cells
folded to the values a config lists, duplicate headers refused, Excel percent cells."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pandas as pd
import pytest

from nexus_zones import fold
from nexus_zones.errors import InputDataError, SpellingVariantWarning


def test_rows_compare_as_numbers_dates_and_stripped_text_but_keys_as_written() -> None:
    frame = pd.DataFrame(
        {"pcode": ["007", "7", "007"], "idps": ["4523", "4523.0", " 4523 "], "date": ["31/12/2017", "2017-12-31", "2017-12-31"], "note": [" a", "a", "b"]}
    )
    cells = fold.comparable_cells(frame, keys=["pcode"])
    assert cells["idps"].nunique() == 1  # 4523 = 4523.0 = " 4523 "
    assert cells["date"].nunique() == 1  # 31/12/2017 = 2017-12-31
    assert cells.loc[0, "pcode"] != cells.loc[1, "pcode"]  # 007 is not 7 for a key
    assert cells.loc[0, "note"] == cells.loc[1, "note"] != cells.loc[2, "note"]
    assert len(cells.drop_duplicates()) == 3  # rows 0 and 2 differ in their note, row 1 in its key


def test_cells_differing_by_case_accents_or_spaces_read_as_the_listed_value_with_a_warning() -> None:
    values = pd.Series(["Battles", "battles", "  BATTLES ", "Protests", None])
    with pytest.warns(SpellingVariantWarning, match=r"'battles' read as 'Battles' \(1 rows\)") as record:
        out = fold.fold_to_listed(values, ["Battles", "Riots"], path="events.csv", column="type", key="layers.events.types")
    assert out.tolist()[:4] == ["Battles", "Battles", "Battles", "Protests"] and pd.isna(out.iloc[4])
    assert "events.csv: column 'type'" in str(record[0].message) and "layers.events.types" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = pd.Series(["Battles", "Protests"])
        assert fold.fold_to_listed(exact, ["Battles"], path="p", column="c", key="k") is exact  # nothing folded: silent
    assert fold.folds_to_listed(["Battles", "battles"], ["Battles"]) and not fold.folds_to_listed(["Battles", "Riots"], ["Battles"])


def test_a_cell_folding_to_two_listed_values_is_left_as_it_is() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fold.fold_to_listed(pd.Series(["ecole"]), ["École", "Ecole"], path="p", column="c", key="k")
    assert out.tolist() == ["ecole"]


def test_two_columns_of_one_name_are_refused_naming_both() -> None:
    fold.refuse_duplicate_headers(["a", "b", None, ""], "t.csv")  # blank names are no name
    with pytest.raises(InputDataError, match=r"t\.csv: 1 input problem:\n  - header, columns 1, 3: found 2 columns named 'a' \(column 1: 'a', column 3: ' a '\)"):
        fold.refuse_duplicate_headers(["a", "b", " a "], "t.csv")


def test_excel_percent_cells_become_percentage_points(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["pcode", "share", "count"])
    sheet.append(["ML0602", 0.379, 12])
    sheet.append(["ML0604", 0.05, 3])
    for row in (2, 3):
        sheet.cell(row=row, column=2).number_format = "0.0%"
    path = tmp_path / "t.xlsx"
    book.save(path)
    frame = pd.DataFrame({"pcode": ["ML0602", "ML0604"], "share": ["0.379", "0.05"], "count": ["12", "3"]}, index=[2, 3])
    with caplog.at_level(logging.INFO, logger="nexus_zones"):
        out = fold.percent_cells(path, frame)
    assert out["share"].tolist() == [f"{0.379 * 100:.12g}", f"{0.05 * 100:.12g}"] == ["37.9", "5"]
    assert out["count"].tolist() == ["12", "3"] and frame["share"].tolist() == ["0.379", "0.05"]  # other columns and the input unchanged
    assert "column 'share' (2 cells)" in caplog.text


@pytest.mark.parametrize("a, b", [("Kirkens Nødhjelp", "kirkens nodhjelp"), ("Cœur", "COEUR"), ("Straße", "strasse"), ("Łódź", "lodz"),
                                  ("Sɛgu", "segu"), ("Ɲɔgɔn", "nyogon"), ("Þórshöfn", "thorshofn")])
def test_names_fold_through_letters_nfkd_keeps_whole(a: str, b: str) -> None:
    assert fold.normalise_name(a) == fold.normalise_name(b) == b.lower()


# ------------------------------------------------------------------ P-codes spelled with separators


def test_a_code_spelled_with_a_hyphen_space_or_case_is_found_for_a_hint():
    known = ["ML0602", "ML0603", "ML1001"]
    assert [fold.code_spelling(c, known) for c in ("ML-0603", "ml 0603", "ML_0603", "ML.06.03", "Ml0602")] == ["ML0603", "ML0603", "ML0603", "ML0603", "ML0602"]
    assert [fold.code_spelling(c, known) for c in ("ML0603", "ML-0604", "", "--", "Diré")] == [None, None, None, None, None]
