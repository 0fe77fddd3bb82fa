"""Errors and named warnings (:mod:`nexus_zones.errors`): a problem's four parts in order, errors that
carry several problems with a bounded message, the helpers of messages, and every named warning
exported."""

from __future__ import annotations

import inspect

import pytest

from nexus_zones import errors
from nexus_zones.errors import (
    MAX_PART_CHARS,
    MAX_PROBLEMS_SHOWN,
    ConfigError,
    InputDataError,
    NexusZonesError,
    NexusZonesWarning,
    Problem,
    did_you_mean,
    short_repr,
)


def test_a_problem_reads_where_found_expected_then_the_fix() -> None:
    problem = Problem("events.csv, column 'latitude', row 7", "'abc'", "a number between -90 and 90", "correct the cell")
    assert str(problem) == "events.csv, column 'latitude', row 7: found 'abc'; expected a number between -90 and 90. Fix: correct the cell"
    assert str(Problem("k", "x", "y")) == "k: found x; expected y."  # no fix, no "Fix:"


def test_each_part_is_cut_to_its_bound() -> None:
    long = "a" * (MAX_PART_CHARS + 50)
    text = str(Problem(long, "x", "y", long))
    cut = "a" * (MAX_PART_CHARS - 3) + "..."
    assert text == f"{cut}: found x; expected y. Fix: {cut}"


def test_errors_name_the_source_count_their_problems_and_list_each() -> None:
    one = InputDataError.one("units.geojson", "column 'pcode'", "2 blank codes", "a code for every unit", "fill them in")
    assert isinstance(one, NexusZonesError) and one.source == "units.geojson" and len(one.problems) == 1
    assert str(one) == "units.geojson: 1 input problem:\n  - column 'pcode': found 2 blank codes; expected a code for every unit. Fix: fill them in"
    two = ConfigError("config.yaml", [Problem("weights.a", "-1", "a weight >= 0"), Problem("rules.b", "'x >'", "an expression")])
    assert str(two).splitlines() == [
        "config.yaml: 2 config problems:",
        "  - weights.a: found -1; expected a weight >= 0.",
        "  - rules.b: found 'x >'; expected an expression.",
    ]


def test_many_problems_show_the_first_and_count_the_rest() -> None:
    n = MAX_PROBLEMS_SHOWN + 7
    error = ConfigError("c.yaml", [Problem(f"k{i}", "x", "y") for i in range(n)])
    lines = str(error).splitlines()
    assert lines[0] == f"c.yaml: {n} config problems:"
    assert len(lines) == 1 + MAX_PROBLEMS_SHOWN + 1 and lines[-1] == "  - ... and 7 more problems of the same kinds; fix these first"
    assert len(error.problems) == n  # all kept for callers; only the message is bounded


def test_short_repr_cuts_long_values() -> None:
    assert short_repr("abc") == "'abc'"
    assert short_repr("x" * 20, limit=10) == "'xxxxxx..."  # repr is 22 characters: the first 7 and "..."
    assert len(short_repr(list(range(100)))) == 80


@pytest.mark.parametrize(
    ("word", "choices", "expected"),
    [
        ("Latitude", ["latitude", "longitude"], " (did you mean 'latitude'? names are case-sensitive)"),
        ("lat", ["latitude", "longitude"], " (did you mean 'latitude'?)"),  # an abbreviation
        ("pcode_adm2", ["pcode", "name"], " (did you mean 'pcode'?)"),  # an extension
        ("regoin", ["region", "name"], " (did you mean 'region'?)"),  # a look-alike
        ("zzz", ["region", "name"], ""),
    ],
)
def test_did_you_mean(word: str, choices: list[str], expected: str) -> None:
    assert did_you_mean(word, choices) == expected


def test_every_named_warning_and_error_is_exported() -> None:
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__ and not c.__name__.startswith("_")]
    named = [c.__name__ for c in classes if issubclass(c, (NexusZonesWarning, NexusZonesError))]
    assert len(named) >= 20 and not sorted(set(named) - set(errors.__all__))
    assert all(hasattr(errors, name) for name in errors.__all__)
    assert all(issubclass(getattr(errors, n), UserWarning) for n in errors.__all__ if n.endswith("Warning"))
