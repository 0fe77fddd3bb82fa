"""nexus_zones.safety: bidirectional controls removed with a named warning, spreadsheet cells kept as text."""

from __future__ import annotations

import copy
import io

import numpy as np
import pandas as pd
import pytest

from nexus_zones.errors import BidiControlWarning
from nexus_zones.safety import BIDI_CONTROLS, literal_cells, strip_bidi, strip_bidi_columns, strip_bidi_mapping

RLO, LRI, PDI, RLM = "\u202e", "\u2066", "\u2069", "\u200f"


def test_strip_bidi_removes_the_nine_controls_and_keeps_letters_and_marks():
    assert len(BIDI_CONTROLS) == 9  # U+202A..U+202E and U+2066..U+2069
    assert strip_bidi("".join(BIDI_CONTROLS)) == ""
    assert strip_bidi(f"Diré{RLO} 12") == "Diré 12"
    assert strip_bidi(f"تمبكتو{RLM} 3") == f"تمبكتو{RLM} 3"  # right-to-left letters and marks stay


def test_a_config_mapping_is_cleaned_everywhere_and_the_warning_names_each_key():
    data = {"study": {"title": {"en": f"a{RLO}b", "fr": "ok"}, "regions": [f"T{LRI}x{PDI}"]}, "robustness": {"draws": 20},
            "rules": {f"k{RLO}": "incidents <= 5"}}
    original = copy.deepcopy(data)
    with pytest.warns(BidiControlWarning, match=r"config\.yaml: bidirectional control characters in 2 text\(s\): "
                      r"study\.title\.en \(U\+202E\); study\.regions\[0\] \(U\+2066, U\+2069\);.*Removed"):
        cleaned = strip_bidi_mapping(data, source="config.yaml")
    assert cleaned == {"study": {"title": {"en": "ab", "fr": "ok"}, "regions": ["Tx"]}, "robustness": {"draws": 20},
                       "rules": {f"k{RLO}": "incidents <= 5"}}  # keys are identifiers: the schema refuses them
    assert data == original  # the input is not changed


def test_a_clean_mapping_gives_no_warning(recwarn):
    assert strip_bidi_mapping({"a": ["x", 1, None]}, source="c") == {"a": ["x", 1, None]}
    assert not recwarn.list


def test_names_in_a_frame_are_cleaned_and_named_by_row():
    frame = pd.DataFrame({"name": [f"Diré{RLO}", "Goundam", np.nan], "region": ["T", f"{LRI}T{PDI}", "T"], "n": [1, 2, 3]},
                         index=pd.Index(["ML0602", "ML0603", "ML0604"], name="unit_id"))
    with pytest.warns(BidiControlWarning, match=r"b\.geojson: .* in 2 name\(s\): ML0602 name 'Diré\\u202e' \(U\+202E\); "
                      r"ML0603 region '\\u2066T\\u2069' \(U\+2066, U\+2069\)"):
        out = strip_bidi_columns(frame, ("name", "region", "absent"), source="b.geojson")
    assert out["name"].tolist()[:2] == ["Diré", "Goundam"] and pd.isna(out["name"].iloc[2])
    assert out["region"].tolist() == ["T", "T", "T"]
    assert out["n"].tolist() == [1, 2, 3]
    assert frame.at["ML0602", "name"] == f"Diré{RLO}"  # the input is not changed


def test_a_warning_lists_ten_places_then_counts_the_rest():
    frame = pd.DataFrame({"name": [f"u{i}{RLO}" for i in range(13)]})
    with pytest.warns(BidiControlWarning, match=r"in 13 name\(s\): .*; and 3 more;") as caught:
        strip_bidi_columns(frame, ("name",), source="f")
    assert str(caught[0].message).count("(U+202E)") == 10


def test_formula_cells_of_a_workbook_become_text():
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["=HYPERLINK(\"http://x\",\"y\")", "Diré", 3, "=1+1"])
    assert [c.data_type for c in sheet[1]] == ["f", "s", "n", "f"]
    assert literal_cells(book) == 2
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    again = openpyxl.load_workbook(stream).active
    assert [c.value for c in again[1]] == ["=HYPERLINK(\"http://x\",\"y\")", "Diré", 3, "=1+1"]
    assert [c.data_type for c in again[1]] == ["s", "s", "n", "s"]


def test_the_cli_logs_the_warning_for_run_and_check(tmp_path, capsys):
    """Through the CLI (which logs named warnings instead of showing Python's), for check and run alike."""
    import yaml

    from nexus_zones import cli

    from ._support import demo_mapping

    cfg = demo_mapping()
    cfg["decision"]["draws"], cfg["data_uncertainty"]["draws"] = 100, 4
    cfg["study"]["note"] = f"Demo{RLO} 2017"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    for command in (["check", str(config)], ["run", str(config), "--out", str(tmp_path / "out")]):
        assert cli.main(command) == 0
        err = capsys.readouterr().err
        assert f"WARNING BidiControlWarning: {config}: bidirectional control characters in 1 text(s): study.note (U+202E)" in err, command
    assert "Demo 2017" in (tmp_path / "out" / "demo.html").read_text(encoding="utf-8")
