"""Matching table rows to units: by P-code where the code schemes agree, otherwise by name.

Tables from different publishers disagree on names ("Diré", "Dire", "DIRE") and on codes: the
Cadre Harmonisé and the DTM use their own P-code schemes, in which ``ML0601`` may be another cercle
than in the OCHA boundaries. :func:`match_rows` therefore

1. checks the code scheme: when the table has both a code and a name column, codes found in both the
   table and the boundaries must name the same place; if more than one in ten name another place, the
   codes are **not** used, and the report says so with examples;
2. matches rows by code where the scheme agrees;
3. matches the other rows by name, folded for accents, case, hyphens and spacing (``normalise_name``),
   after applying the config's aliases, and restricted to the parent region where a parent column is
   given;
4. reports every row as matched by code, matched by name, unmatched or ambiguous, and lists the
   names matched only once folded or through an alias (``by_name_spelling``).

Before any of this, codes written otherwise than the boundaries' (``ml0602``, ``" ML0602"``, a
no-break space, quotes, Excel's trailing ``.0``) are read as the boundary code they stand for
(:func:`conform_codes`); the report lists each correction (``codes_corrected``).

The caller decides whether unmatched or ambiguous rows are an error or dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .fold import normalise_name

__all__ = ["MatchReport", "match_rows", "closest_names", "conform_codes", "code_key", "SCHEME_AGREEMENT"]

#: Share of shared codes that must name the same place for a code scheme to be trusted.
SCHEME_AGREEMENT = 0.9


@dataclass(frozen=True)
class MatchReport:
    """How the rows of one table were matched to units."""

    rows: int
    by_code: int
    by_name: int
    unmatched: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    scheme_conflicts: tuple[str, ...] = ()
    codes_used: bool = True
    codes_shared: int | None = None
    outside_study: int = 0
    codes_corrected: tuple[str, ...] = ()
    by_name_spelling: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    def summary(self) -> str:
        parts = [f"{self.rows} rows: {self.by_code} matched by code, {self.by_name} by name"]
        if self.unmatched:
            parts.append(f"{len(self.unmatched)} unmatched")
        if self.ambiguous:
            parts.append(f"{len(self.ambiguous)} ambiguous")
        if not self.codes_used and self.scheme_conflicts:
            parts.append("codes not used: their scheme disagrees with the boundaries")
        elif self.codes_shared == 0:
            parts.append("no code of the table is a code of the boundaries (another scheme)")
        if self.outside_study:
            parts.append(f"{self.outside_study} for units outside the study")
        return ", ".join(parts)


def match_rows(
    table: pd.DataFrame,
    units: pd.DataFrame,
    *,
    code_column: str | None = None,
    name_column: str | None = None,
    parent_column: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> tuple[pd.Series, MatchReport]:
    """Match every row of ``table`` to a unit id of ``units``.

    Parameters
    ----------
    table
        The rows (any index); ``code_column``, ``name_column`` and ``parent_column`` name its columns.
    units
        Every unit of the boundaries file (not only the study's), indexed by ``unit_id`` with
        ``name`` and ``region`` columns.
    aliases
        Table name → boundary name (both folded before use), e.g. ``{"Commune I": "Bamako"}``.

    Returns
    -------
    unit_ids, report
        ``unit_ids`` is aligned on ``table.index`` with the matched ``unit_id`` or ``None``.
    """
    ids = pd.Series([None] * len(table), index=table.index, dtype=object)
    folded_alias = {normalise_name(k): normalise_name(v) for k, v in (aliases or {}).items()}
    unit_names = units["name"].map(normalise_name)
    codes = table[code_column].astype(str).str.strip() if code_column else None
    corrected: tuple[str, ...] = ()
    if codes is not None:
        codes, corrected = conform_codes(codes, units.index)
    names = table[name_column].astype(str).str.strip() if name_column else None
    folded = names.map(normalise_name).map(lambda s: folded_alias.get(s, s)) if names is not None else None
    codes_used, conflicts = _code_scheme(codes, names, folded, units, unit_names)
    by_code = _match_codes(ids, codes, folded, unit_names) if codes is not None and codes_used else 0
    if folded is not None:
        parents = table[parent_column].astype(str) if parent_column else None
        by_name, unmatched, ambiguous, spelling = _match_names(ids, names, folded, codes, parents, units, unit_names, folded_alias)
    else:
        by_name, ambiguous, spelling = 0, [], []
        unmatched = [_label(None, codes[i], None) for i in table.index[ids.isna()]] if codes is not None else []
    report = MatchReport(
        rows=len(table),
        by_code=by_code,
        by_name=by_name,
        unmatched=tuple(dict.fromkeys(unmatched)),
        ambiguous=tuple(dict.fromkeys(ambiguous)),
        scheme_conflicts=tuple(conflicts),
        codes_used=codes_used,
        codes_shared=int(codes.isin(units.index).sum()) if codes is not None else None,
        codes_corrected=corrected,
        by_name_spelling=tuple(dict.fromkeys(spelling)),
    )
    return ids, report


def _code_scheme(codes: pd.Series | None, names: pd.Series | None, folded: pd.Series | None, units: pd.DataFrame, unit_names: pd.Series) -> tuple[bool, list[str]]:
    """Whether the table's codes follow the boundaries' scheme (codes found in both name the same
    place in at least :data:`SCHEME_AGREEMENT` of the rows with a name), and up to 12 conflicts."""
    conflicts: list[str] = []
    codes_used = codes is not None
    if codes is None or folded is None:
        return codes_used, conflicts
    shared = codes.isin(units.index) & (folded != "")  # a row without a name says nothing of the scheme
    if shared.any():
        agree = np.array([folded[i] == unit_names[c] for i, c in codes[shared].items()])
        if agree.mean() < SCHEME_AGREEMENT:
            codes_used = False
        for (i, c), ok in zip(codes[shared].items(), agree):
            if not ok and len(conflicts) < 12:
                conflicts.append(f"{c} is {names[i]!r} in the table but {units.at[c, 'name']!r} in the boundaries")
    return codes_used, conflicts


def _match_codes(ids: pd.Series, codes: pd.Series, folded: pd.Series | None, unit_names: pd.Series) -> int:
    """Set ``ids`` of the rows whose code is a boundary code (and, where the row has a name, names
    that place); return how many."""
    hit = codes.isin(unit_names.index)
    if folded is not None:  # a code that names another place is not trusted for that row
        hit &= np.array([not h or folded[i] in ("", unit_names[codes[i]]) for i, h in hit.items()])
    ids[hit] = codes[hit]
    return int(hit.sum())


def _match_names(ids, names, folded, codes, parents, units, unit_names, folded_alias) -> tuple[int, list[str], list[str], list[str]]:
    """Set ``ids`` of the rows still unmatched whose folded name is one unit's (within the parent
    region where given); return how many, the unmatched and ambiguous labels, and the spellings
    matched only once folded or by alias."""
    unit_regions = units["region"].map(normalise_name) if "region" in units else pd.Series("", index=units.index)
    lookup: dict[str, list[str]] = {}
    for uid, nm in unit_names.items():
        lookup.setdefault(nm, []).append(uid)
    folded_parents = parents.map(normalise_name) if parents is not None else None
    by_name, unmatched, ambiguous, spelling = 0, [], [], []
    for i in ids.index[ids.isna()]:
        candidates = lookup.get(folded[i], [])
        if folded_parents is not None and len(candidates) > 1:
            candidates = [c for c in candidates if unit_regions[c] == folded_parents[i]] or candidates
        label = _label(names[i], codes[i] if codes is not None else None, parents[i] if parents is not None else None)
        if len(candidates) == 1:
            ids[i] = candidates[0]
            by_name += 1
            if names[i] != units.at[candidates[0], "name"]:
                how = "alias" if normalise_name(names[i]) in folded_alias else "folded"
                spelling.append(f"{names[i]!r} → {units.at[candidates[0], 'name']} ({candidates[0]}, {how})")
        elif candidates:
            options = ", ".join(f"{units.at[c, 'name']} ({c})" for c in candidates)
            ambiguous.append(f"{label} could be {options}")
        else:
            unmatched.append(label)
    return by_name, unmatched, ambiguous, spelling


_QUOTES = "\"'`‘’“”«»"


def code_key(text: str) -> str:
    """Fold a P-code for comparison: no whitespace (no-break spaces included), no surrounding quotes,
    no trailing ``.0`` (a number Excel stored as a float), upper case."""
    folded = "".join(unicodedata.normalize("NFKC", str(text)).split()).strip(_QUOTES)
    return re.sub(r"\.0+$", "", folded).upper()


def conform_codes(codes: pd.Series, known: pd.Index) -> tuple[pd.Series, tuple[str, ...]]:
    """Replace each code that is not a code of ``known`` but folds (:func:`code_key`) to exactly one of
    them by that code. Returns the codes and one line per correction (``'ml0602 ' → 'ML0602' (rows 3, 7)``)."""
    keys: dict[str, list[str]] = {}
    for code in known:
        keys.setdefault(code_key(code), []).append(code)
    unique = {k: v[0] for k, v in keys.items() if len(v) == 1}
    out = codes.copy()
    notes = []
    for value in sorted(set(codes[~codes.isin(known) & (codes != "")])):
        target = unique.get(code_key(value))
        if target is None:
            continue
        rows = codes.index[(codes == value).to_numpy()]
        out[rows] = target
        shown = ", ".join(str(r) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
        notes.append(f"{value!r} → {target!r} (row{'s' if len(rows) > 1 else ''} {shown})")
    return out, tuple(notes)


def _label(name: str | None, code: str | None, parent: str | None) -> str:
    bits = []
    if name:
        bits.append(repr(name))
    if code:
        bits.append(f"code {code!r}")
    if parent is not None:
        bits.append(f"in {parent!r}")
    return " ".join(bits)


def closest_names(names: Sequence[str], choices: Sequence[str]) -> dict[str, str]:
    """For each unmatched name, the closest boundary name (for "did you mean" hints)."""
    import difflib

    folded = {normalise_name(c): c for c in choices}
    out = {}
    for name in names:
        hit = difflib.get_close_matches(normalise_name(name), list(folded), n=1, cutoff=0.75)
        if hit:
            out[name] = folded[hit[0]]
    return out

