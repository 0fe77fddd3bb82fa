"""Text from configs and data is shown, never obeyed.

Configs travel by e-mail and data comes from many hands, so every string they carry is treated as
text to show. The writers never put one into a template's source (the map fills its slots after
rendering, :func:`nexus_zones.maps.fill_slots`), and this module holds the two text checks that
apply everywhere:

* **Bidirectional controls** (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates) in a
  name or label can reverse the text and the numbers shown after it ("rank 12" read as "21").
  They are removed where the text comes in (the config's strings, the units' names and regions),
  each removal named in a :class:`~nexus_zones.errors.BidiControlWarning`. Right-to-left letters
  themselves, and the marks U+200E/U+200F/U+061C, are kept.
* **Spreadsheet formulas.** A text cell starting with ``=`` is written as text, not as a formula
  that a spreadsheet would compute (:func:`literal_cells`).
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import BidiControlWarning

__all__ = ["BIDI_CONTROLS", "strip_bidi", "strip_bidi_mapping", "strip_bidi_columns", "literal_cells"]

#: The explicit bidirectional formatting characters that change the order of what follows them.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
#: How many places a warning lists before it says "and n more".
_LISTED = 10


def strip_bidi(text: str) -> str:
    """``text`` without its bidirectional controls (:data:`BIDI_CONTROLS`)."""
    return _BIDI.sub("", text)


def _codes(text: str) -> str:
    """The controls found in a text, as U+ codes ("U+202E, U+2066")."""
    return ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(_BIDI.findall(text)))


def _walk(value: Any, where: str, found: list[str]) -> Any:
    if isinstance(value, str):
        if _BIDI.search(value):
            found.append(f"{where} ({_codes(value)})")
            return strip_bidi(value)
        return value
    if isinstance(value, Mapping):
        return {k: _walk(v, f"{where}.{k}" if where else str(k), found) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, f"{where}[{i}]", found) for i, v in enumerate(value)]
    return value


def _listed(items: list[str]) -> str:
    more = len(items) - _LISTED
    return "; ".join(items[:_LISTED]) + (f"; and {more} more" if more > 0 else "")


def strip_bidi_mapping(data: Any, *, source: str) -> Any:
    """A parsed config (nested mappings and lists) with the bidirectional controls removed from
    every string value (keys are identifiers, checked by the config's schema); one
    :class:`BidiControlWarning` names the keys where some were found."""
    found: list[str] = []
    cleaned = _walk(data, "", found)
    if found:
        warnings.warn(BidiControlWarning(
            f"{source}: bidirectional control characters in {len(found)} text(s): {_listed(found)}; they would reverse the text and "
            "numbers shown after them on the map and in the brief. Removed. Fix: delete them from the config (they are invisible in "
            "most editors; search for the codes named)"), stacklevel=3)
    return cleaned


def strip_bidi_columns(frame: pd.DataFrame, columns: Iterable[str], *, source: str, lines: Sequence | None = None) -> pd.DataFrame:
    """``frame`` with the bidirectional controls removed from the text of ``columns`` (those it has);
    one :class:`BidiControlWarning` names the rows and columns where some were found: by index (a
    unit's id), or with ``lines`` (each row's line in the file, by position) as ``row <line>``."""
    found: list[str] = []
    cleaned = {}
    for column in [c for c in columns if c in frame.columns]:
        text = frame[column]
        # each distinct text searched once (a column of 1 M events holds a few thousand names)
        marked = [v for v in pd.unique(text) if isinstance(v, str) and _BIDI.search(v) is not None]
        hit = text.isin(marked) if marked else pd.Series(False, index=text.index)
        if hit.any():
            labels = [f"row {lines[i]}" for i in np.flatnonzero(hit.to_numpy())] if lines is not None else list(text.index[hit.to_numpy()])
            found += [f"{label} {column} {value!r} ({_codes(value)})" for label, value in zip(labels, text[hit])]
            cleaned[column] = text.where(~hit, text.map(lambda v: strip_bidi(v) if isinstance(v, str) else v))
    out = frame.assign(**cleaned) if cleaned else frame
    if found:
        warnings.warn(BidiControlWarning(
            f"{source}: bidirectional control characters in {len(found)} name(s): {_listed(found)}; they would reverse the text and "
            "numbers shown after them on the map and in the brief. Removed. Fix: delete them from the file"), stacklevel=3)
    return out


def literal_cells(workbook) -> int:
    """Make every formula cell of an openpyxl ``workbook`` a text cell (the writers write data, and a
    name such as ``=HYPERLINK(...)`` must not become a formula a spreadsheet computes); returns how
    many cells were changed."""
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed
