"""Errors and named warnings of nexus_zones.

Every error a user can meet is a :class:`NexusZonesError`. Its message says, in this order,
*where* (file, column or config key), *what was found*, *what was expected* and *the fix*.
Several problems found in one pass travel together in one error so that a user fixes them all
in one go.

Warnings are named subclasses of :class:`NexusZonesWarning`; the pipeline records them, logs
them and keeps them in the run result and its metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

__all__ = [
    "NexusZonesError",
    "ConfigError",
    "InputDataError",
    "AlignmentError",
    "Problem",
    "NexusZonesWarning",
    "ConstantIndicatorWarning",
    "MissingValueWarning",
    "TieWarning",
    "EventsOutsideWarning",
    "UnusedValueWarning",
    "DegenerateWeightsWarning",
    "LanguageWarning",
    "short_repr",
    "did_you_mean",
]


def short_repr(value: Any, limit: int = 80) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters, for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    import difflib

    choices = [str(c) for c in choices]
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f" (did you mean {lowered[word.lower()]!r}? names are case-sensitive)"
    # an abbreviation or an extension ('lat' for 'latitude', 'pcode' for 'pcod') before look-alikes
    w = word.lower()
    related = [c for c in choices if len(c) >= 3 and len(w) >= 3 and (w.startswith(c.lower()) or c.lower().startswith(w))]
    if related:
        return f" (did you mean {max(related, key=len)!r}?)"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True)
class Problem:
    """One problem: where it is, what was found, what was expected and how to fix it."""

    where: str
    found: str
    expected: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: found {self.found}; expected {self.expected}."
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class NexusZonesError(Exception):
    """Base class of every error nexus_zones raises on purpose."""


class _ProblemsError(NexusZonesError):
    """An error carrying one or more :class:`Problem` records."""

    heading = "problem"

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.source = source
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{source}: {n} {self.heading}{'s' if n != 1 else ''}"
        body = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}:\n{body}")


class ConfigError(_ProblemsError):
    """The YAML config (or a config object) is invalid. ``source`` names the config file."""

    heading = "config problem"


class InputDataError(_ProblemsError):
    """An input file (boundaries, events, table, raster) is unusable as it stands."""

    heading = "input problem"

    @classmethod
    def one(cls, source: str, where: str, found: str, expected: str, fix: str = "") -> "InputDataError":
        """Build an error holding a single problem."""
        return cls(source, [Problem(where, found, expected, fix)])


class AlignmentError(NexusZonesError):
    """Frames that should share the study units' ``unit_id`` index do not."""


class NexusZonesWarning(UserWarning):
    """Base class of the named warnings; each says what was found and what was done."""


class ConstantIndicatorWarning(NexusZonesWarning):
    """An indicator has the same value for every unit and cannot discriminate."""


class MissingValueWarning(NexusZonesWarning):
    """Some units have no value for an indicator or a rule; the message names them."""


class TieWarning(NexusZonesWarning):
    """Two or more units share a score and so a rank; the message names them."""


class EventsOutsideWarning(NexusZonesWarning):
    """Points fell outside every study unit, or were dropped by a filter; they are counted."""


class UnusedValueWarning(NexusZonesWarning):
    """Rows of a table were not used (unknown unit, unknown category); they are named."""


class DegenerateWeightsWarning(NexusZonesWarning):
    """Data-driven weights cannot be derived from the data (e.g. every indicator constant); what was used instead is said."""


class LanguageWarning(NexusZonesWarning):
    """Config texts (labels, phrases, title, note, periods) are not given in the map's language; each is named and shown as given."""
