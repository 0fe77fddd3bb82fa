"""What the layer kinds share (:mod:`nexus_zones.layers.base`): the date window, texts joined per
language, the options every kind with a file has (path resolved, proxy joined to the source), the
number spelling options, and the contexts handed to a kind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from nexus_zones.layers.base import MeasureContext, _HasPath, _NumberSpelling, date_window, join_texts

from .._support import grid_units


def test_a_year_is_the_whole_calendar_year_and_otherwise_start_and_end_stand() -> None:
    assert date_window(2017, None, None) == (date(2017, 1, 1), date(2017, 12, 31))
    assert date_window(2017, date(2016, 5, 1), None) == (date(2017, 1, 1), date(2017, 12, 31))  # the year wins
    assert date_window(None, date(2016, 5, 1), None) == (date(2016, 5, 1), None)
    assert date_window(None, None, None) == (None, None)


def test_texts_are_joined_for_plain_texts_and_per_language() -> None:
    assert join_texts("ACLED 2017", "events of the army", "proxy: ") == "ACLED 2017 (proxy: events of the army)"
    assert join_texts(None, "events of the army", "proxy: ") == "proxy: events of the army"
    joined = join_texts({"en": "ACLED", "fr": "ACLED (fr)"}, {"en": "army", "fr": "armée"}, "proxy: ")
    assert joined == {"en": "ACLED (proxy: army)", "fr": "ACLED (fr) (proxy: armée)"}
    # a plain text beside texts per language goes with each language; a language missing takes English, else the first text
    assert join_texts("ACLED", {"en": "army", "fr": "armée"}, "p: ") == {"en": "ACLED (p: army)", "fr": "ACLED (p: armée)"}
    assert join_texts({"en": "ACLED"}, {"fr": "armée"}, "p: ") == {"en": "ACLED (p: armée)", "fr": "ACLED (p: armée)"}


def test_a_path_is_resolved_against_the_data_folder_then_the_config_folder(tmp_path: Path) -> None:
    config_dir, data_dir = tmp_path / "configs", tmp_path / "data"
    spec = _HasPath.model_validate({"path": "events.csv"}, context={"base_dir": config_dir})
    assert spec.path == (config_dir / "events.csv").resolve()
    spec = _HasPath.model_validate({"path": "events.csv"}, context={"base_dir": config_dir, "data_dir": data_dir})
    assert spec.path == (data_dir / "events.csv").resolve()
    absolute = tmp_path / "elsewhere" / "e.csv"
    assert _HasPath.model_validate({"path": str(absolute)}, context={"data_dir": data_dir}).path == absolute.resolve()


def test_a_proxy_joins_the_source_so_that_every_place_showing_the_source_names_it() -> None:
    spec = _HasPath.model_validate({"path": "/x.csv", "source": "ACLED 2017", "proxy": "army presence"})
    assert spec.source == "ACLED 2017 (proxy: army presence)" and spec.proxy == "army presence"
    with pytest.raises(ValidationError, match="extra"):
        _HasPath.model_validate({"path": "/x.csv", "colour": "red"})  # extra="forbid"


def test_decimal_and_thousands_must_differ() -> None:
    assert _NumberSpelling(decimal=",", thousands=" ").thousands == " "
    with pytest.raises(ValidationError, match="thousands\x1f',', the same as decimal\x1fa thousands separator other than the decimal mark"):
        _NumberSpelling(decimal=",", thousands=",")


def test_the_measure_context_gives_a_progress_bar_only_when_asked() -> None:
    units = grid_units()
    assert MeasureContext(units, units).bar("raster") is None
    calls: list[tuple[str, int, int]] = []
    context = MeasureContext(units, units, progress=lambda label: lambda done, total: calls.append((label, done, total)))
    context.bar("raster")(1, 4)
    assert calls == [("raster", 1, 4)]
