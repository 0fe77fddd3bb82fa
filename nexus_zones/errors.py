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
    "Problem",
    "NexusZonesWarning",
    "ConstantIndicatorWarning",
    "MissingValueWarning",
    "TieWarning",
    "EventsOutsideWarning",
    "UnusedValueWarning",
    "DegenerateWeightsWarning",
    "DuplicateRecordWarning",
    "BidiControlWarning",
    "SpellingVariantWarning",
    "NumberFormatWarning",
    "ImplausibleValueWarning",
    "EmptyLayerWarning",
    "GeometryRepairedWarning",
    "MixedEncodingWarning",
    "MojibakeWarning",
    "StaleLockWarning",
    "PcodeNestingWarning",
    "PseudoUnitWarning",
    "UnmatchedFilterWarning",
    "DecisionWarning",
    "OutputLockedError",
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
        text = f"{_cut(self.where)}: found {_cut(self.found)}; expected {_cut(self.expected)}."
        if self.fix:
            text += f" Fix: {_cut(self.fix)}"
        return text


#: Bounds on a message, whatever the input: each part of a problem, and the problems listed.
MAX_PART_CHARS = 600
MAX_PROBLEMS_SHOWN = 30


def _cut(text: str) -> str:
    return text if len(text) <= MAX_PART_CHARS else text[: MAX_PART_CHARS - 3] + "..."


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
        body = "\n".join(f"  - {p}" for p in self.problems[:MAX_PROBLEMS_SHOWN])
        if n > MAX_PROBLEMS_SHOWN:
            body += f"\n  - ... and {n - MAX_PROBLEMS_SHOWN} more problems of the same kinds; fix these first"
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


class OutputLockedError(NexusZonesError):
    """Another run is writing into the same output folder; the message names it and the fix."""


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


class DuplicateRecordWarning(NexusZonesWarning):
    """The same record appears more than once (a repeated event id, an exact copy of a row); each is counted once and the rows are named."""


class SpellingVariantWarning(NexusZonesWarning):
    """One thing written several ways (organisation names, P-codes) was folded to one spelling; the message lists what became what."""


class NumberFormatWarning(NexusZonesWarning):
    """A column's numbers could be read two ways (``142.522``: 142522 or 142.522); the message says
    which reading was taken and why (the column holds whole numbers), and the config key that states it."""


class ImplausibleValueWarning(NexusZonesWarning):
    """A value outside its possible range (a share above 100 %, more facilities than people, an
    absurd density); the message names the unit, the indicator or column, the value and a likely cause."""


class EmptyLayerWarning(NexusZonesWarning):
    """A layer has no row left to count (an empty file, none in the date window, none of the wanted
    types, categories or units); the message names the layer, the file and why. It is an error instead
    when a rule or a weighted indicator depends on the layer (unless the layer says ``allow_empty``)."""


class GeometryRepairedWarning(NexusZonesWarning):
    """Unit polygons GEOS rejected (invalid, or refused by a union, simplification or overlay) were repaired; the units are named."""


class MixedEncodingWarning(NexusZonesWarning):
    """A UTF-8 text file has lines in Windows-1252 (e.g. an export appended to it); they were read as such and are named."""


class MojibakeWarning(NexusZonesWarning):
    """Text was encoded twice (UTF-8 read as Windows-1252 and saved again, "SÃ©gou"); the cells repaired are named."""


class StaleLockWarning(NexusZonesWarning):
    """The output folder's lock was left by a run that ended without releasing it (killed); it was taken over."""


class LanguageWarning(NexusZonesWarning):
    """Config texts (labels, phrases, title, note, periods) are not given in the map's language; each is named and shown as given."""


class PcodeNestingWarning(NexusZonesWarning):
    """Some P-codes of the boundaries do not begin with their parent unit's code (another vintage, or a typo)."""


class PseudoUnitWarning(NexusZonesWarning):
    """Rows of a table are for a pseudo-unit (e.g. Cadre Harmonisé's Koro_limitedaccess) and were added to its unit."""


class UnmatchedFilterWarning(UnusedValueWarning):
    """A value listed in a filter (a points layer's ``types``, a ``where`` value, a ``match`` phrase)
    matches no row of its file: a misspelling keeps or drops nothing. ``run`` warns; ``check`` fails.

    ``source`` is the file and ``problem`` the four parts (the message is ``"source: problem"``)."""

    def __init__(self, source: str, problem: Problem):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem

    def __reduce__(self):  # warnings are copied (pickled) by some tools; keep both parts
        return (type(self), (self.source, self.problem))


class BidiControlWarning(NexusZonesWarning):
    """Bidirectional control characters (U+202A–U+202E, U+2066–U+2069) removed from a config text or a
    name from data: they would reverse the text and numbers shown after them."""


class DecisionWarning(NexusZonesWarning):
    """A decision analysis could not do all it was asked, or was asked something that changes nothing (an infeasible pilot
    request, candidates left out for missing data, a margin on a measure no indicator uses); the message names the constraint or input."""
