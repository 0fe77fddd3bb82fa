"""The shapes in which HDX, OCHA, IOM, CILSS and ACLED publish their files, recognised by their columns.

Pure functions of column names (no file is read here): :func:`boundary_columns` finds the id, name
and region columns of a boundaries file of any COD-AB naming generation, geoBoundaries or GADM, for
an admin level; :func:`recognise_table` finds which published table shape a header is (HDX HAPI
conflict events, food security, IDPs and operational presence; IOM DTM API v3 exports and the old
baseline workbooks; Cadre Harmonisé workbooks) and so the key columns and measures a layer reads
without column options. :func:`nesting_breaks` checks that P-codes nest.

How a shape's rows become measures (one value per unit and measure, rows of a unit summed):

* each measure is a value column, optionally only on rows whose columns hold given values (e.g.
  HAPI food security's ``phase3plus`` is ``population_in_phase`` on rows with ``ipc_phase`` ``3+``);
* rows are first narrowed by the shape's default filter (e.g. CH ``chtype: current``, HAPI
  ``admin_level: 2``; a layer's ``where`` on the same column replaces it);
* of the periods left, the latest is kept (``latest``: HAPI ``reference_period_start``, DTM
  ``reportingDate`` or ``Snapshot Date``, CH reference year and months), so that a file of many
  periods is not summed over them; narrow ``where`` to pick another period.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

__all__ = ["BoundaryColumns", "boundary_columns", "nesting_breaks", "TableShape", "SHAPES", "recognise_table", "spell_shape", "shape_names", "pseudo_unit", "header_key", "BoundaryColumnsError",
           "SignEvidence", "sign_evidence", "CHANGE_WORDS", "COUNT_WORDS", "CHANGE_ATTRIBUTES", "COUNT_HASHTAGS"]


def header_key(header: str) -> str:
    """A header folded for recognition: lower case, letters and digits only (``Total No# of IDPs Ind#``
    and ``Total No. of IDPs Ind.`` both give ``totalnoofidpsind``)."""
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


# ------------------------------------------------------------------------------------ boundaries


class BoundaryColumnsError(ValueError):
    """No naming scheme, or several, fit a boundaries file's columns; ``args[0]`` says which."""


@dataclass(frozen=True)
class BoundaryColumns:
    """The columns of a boundaries file for one admin level, and the naming scheme they follow."""

    scheme: str
    level: int
    id_column: str
    name_column: str
    region_column: str | None
    parent_code_column: str | None
    valid_on: str | None = None
    valid_to: str | None = None
    version: str | None = None
    other_names: tuple[str, ...] = ()


#: Naming schemes: (name, description, id pattern, name patterns (first found is used), region name
#: pattern, parent code pattern, validity/version columns). ``{n}`` is the level, ``{p}`` its parent's.
_SCHEMES = (
    ("COD-AB 2015", "admin{n}Pcod / admin{n}Name", "admin{n}Pcod", ("admin{n}Name",), "admin1Name", "admin{p}Pcod", ("validOn", "validTo", None)),
    ("COD-AB ITOS", "ADM{n}_PCODE / ADM{n}_FR|_EN|...", "ADM{n}_PCODE", ("ADM{n}_FR", "ADM{n}_EN", "ADM{n}_ES", "ADM{n}_PT", "ADM{n}_AR", "ADM{n}_NAME"),
     "ADM1_FR|ADM1_EN|ADM1_ES|ADM1_PT|ADM1_AR|ADM1_NAME", "ADM{p}_PCODE", ("validOn", "validTo", None)),
    ("COD-AB 2025", "adm{n}_pcode / adm{n}_name", "adm{n}_pcode", ("adm{n}_name",), "adm1_name", "adm{p}_pcode", ("valid_on", "valid_to", "version")),
    ("GADM", "GID_{n} / NAME_{n}", "GID_{n}", ("NAME_{n}",), "NAME_1", None, (None, None, None)),
)
_GEOBOUNDARIES = ("geoBoundaries", "shapeID / shapeName", "shapeID", ("shapeName",), None, None, (None, None, None))


def boundary_columns(columns: Sequence[str], level: int | None) -> BoundaryColumns:
    """The id, name and region columns of a boundaries file at ``level`` (default: the deepest
    level whose code and name columns the file has).

    Raises :class:`BoundaryColumnsError` naming the schemes tried when none fits, or the candidates
    when several do (e.g. a file carrying both ``admin2Pcod`` and ``ADM2_PCODE``).
    """
    cols = [str(c) for c in columns]
    levels = [level] if level is not None else [5, 4, 3, 2, 1, 0]
    for n in levels:
        found = [m for m in (_fit(s, cols, n) for s in _SCHEMES) if m]
        if level is not None or found:
            break
    if not found and "shapeID" in cols and "shapeName" in cols:
        found = [_fit(_GEOBOUNDARIES, cols, level if level is not None else -1)]
    if len(found) == 1:
        return found[0]
    if found:
        raise BoundaryColumnsError(
            f"columns of several naming schemes at level {found[0].level}: "
            + "; ".join(f"{m.scheme} ({m.id_column} / {m.name_column})" for m in found)
        )
    tried = ", ".join(f"{s[0]} ({s[1]})".replace("{n}", str(level) if level is not None else "N") for s in (*_SCHEMES, _GEOBOUNDARIES))
    raise BoundaryColumnsError(f"no id and name columns {'at level ' + str(level) + ' ' if level is not None else ''}of a known naming scheme (tried {tried})")


def _fit(scheme: tuple, cols: list[str], n: int) -> BoundaryColumns | None:
    """The scheme's columns at level ``n`` when the file has its id and a name column."""
    name, _, id_pat, name_pats, region_pat, parent_pat, (on, to, version) = scheme
    fill = lambda pat: pat.replace("{n}", str(n)).replace("{p}", str(n - 1))  # noqa: E731
    names = [fill(p) for p in name_pats if fill(p) in cols]
    if fill(id_pat) not in cols or not names:
        return None
    region = next((r for r in (region_pat or "").split("|") if r and r in cols), None) if n != 1 else None
    parent = fill(parent_pat) if parent_pat and n > 1 and fill(parent_pat) in cols else None
    return BoundaryColumns(
        scheme=name, level=max(n, 0), id_column=fill(id_pat), name_column=names[0], region_column=region, parent_code_column=parent,
        valid_on=on if on in cols else None, valid_to=to if to in cols else None, version=version if version in cols else None,
        other_names=tuple(names[1:]),
    )


def nesting_breaks(codes: Sequence[str], parents: Sequence[str]) -> list[tuple[str, str]]:
    """``(code, parent code)`` pairs where a unit's P-code does not begin with its parent's (blank
    parents are skipped)."""
    return [(c, p) for c, p in zip(codes, parents) if p and p.lower() not in ("nan", "none") and not str(c).startswith(str(p))]


# ------------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class TableShape:
    """A published table shape: the columns that identify it (folded with :func:`header_key`), its
    key columns, its measures and how its rows become one value per unit and measure."""

    name: str
    title: str
    kind: str
    identify: tuple[str, ...]
    unit_column: str | None = None
    name_column: str | None = None
    parent_column: str | None = None
    #: measure -> (value column, {column: accepted values} or None)
    measures: Mapping[str, tuple[str, Mapping[str, Sequence[str]] | None]] = field(default_factory=dict)
    where: Mapping[str, Sequence[object]] = field(default_factory=dict)
    latest: tuple[str, ...] = ()
    latest_key: Callable[[Sequence[str]], object] | None = None
    pseudo_units: bool = False
    actors: Mapping[str, object] = field(default_factory=dict)
    note: str = ""

    def columns(self) -> dict[str, str]:
        """Measure -> value column."""
        return {m: col for m, (col, _) in self.measures.items()}

    def conditions(self) -> dict[str, Mapping[str, Sequence[str]]]:
        """Measure -> its row condition, for measures that have one."""
        return {m: cond for m, (_, cond) in self.measures.items() if cond}


_HAPI_KEYS = ("locationcode", "admin1code", "admin2code", "provideradmin2name", "referenceperiodstart", "referenceperiodend")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def _ch_period(values: Sequence[str]) -> tuple:
    """Cadre Harmonisé period order: reference year, then the first month of its label (Jan-May < Jun-Aug < Sep-Dec)."""
    year, label = values
    return (float(year) if re.fullmatch(r"\d+(\.0+)?", str(year).strip()) else str(year), _MONTHS.get(str(label).strip()[:3].lower(), 0))


def _hapi_conflict() -> dict:
    out = {"events": ("events", {"event_type": ["political_violence", "demonstration"]}),
           "fatalities": ("fatalities", {"event_type": ["political_violence", "demonstration"]})}
    for kind in ("political_violence", "civilian_targeting", "demonstration"):
        out[f"events_{kind}"] = ("events", {"event_type": [kind]})
    out["fatalities_political_violence"] = ("fatalities", {"event_type": ["political_violence"]})
    out["fatalities_civilian_targeting"] = ("fatalities", {"event_type": ["civilian_targeting"]})
    return out


def _hapi_food() -> dict:
    out = {f"phase{p}": ("population_in_phase", {"ipc_phase": [str(p)]}) for p in range(1, 6)}
    out["phase3plus"] = ("population_in_phase", {"ipc_phase": ["3+"]})
    out["analysed"] = ("population_in_phase", {"ipc_phase": ["all"]})
    return out


#: Humanitarian cluster codes of HDX HAPI's sector_code; early recovery (ERY) is development-leaning.
HAPI_HUMANITARIAN_SECTORS = ["CCM", "EDU", "FSC", "HEA", "LOG", "NUT", "PRO", "PRO-CPN", "PRO-GBV", "PRO-HLP", "PRO-MIN", "SHL", "TEL", "WSH", "CASH", "MPC"]
HAPI_DEVELOPMENT_SECTORS = ["ERY"]

SHAPES: dict[str, TableShape] = {s.name: s for s in (
    TableShape(
        "hapi_conflict_event", "HDX HAPI conflict events (from ACLED)", "table", _HAPI_KEYS + ("eventtype", "events"),
        unit_column="admin2_code", name_column="admin2_name", parent_column="admin1_name", measures=_hapi_conflict(),
        where={"admin_level": [2]}, latest=(),
        note="one row per unit, event type and month; measures are summed over the months kept (narrow them with where: "
             "{reference_period_start: [...]}); civilian_targeting events are also political_violence events, so events counts "
             "political violence and demonstrations only",
    ),
    TableShape(
        "hapi_food_security", "HDX HAPI food security (CH/IPC)", "table", _HAPI_KEYS + ("ipcphase", "ipctype", "populationinphase"),
        unit_column="admin2_code", name_column="admin2_name", parent_column="admin1_name", measures=_hapi_food(),
        where={"admin_level": [2], "ipc_type": ["current"]}, latest=("reference_period_start",),
        note="rows per unit, phase (1-5, 3+, all) and type (current, first/second projection): current analyses, latest period; "
             "phase3plus is people in phase 3 or worse, analysed the population analysed",
    ),
    TableShape(
        "hapi_idps", "HDX HAPI internally displaced persons (from IOM DTM)", "table", _HAPI_KEYS + ("assessmenttype", "reportinground", "population"),
        unit_column="admin2_code", name_column="admin2_name", parent_column="admin1_name",
        measures={"idps": ("population", None)}, where={"admin_level": [2]}, latest=("reference_period_start",),
        note="rows per unit, assessment type and round: the latest period, rows of a unit summed",
    ),
    TableShape(
        "hapi_operational_presence", "HDX HAPI operational presence (3W)", "actors", _HAPI_KEYS + ("orgacronym", "orgname", "sectorcode"),
        unit_column="admin2_code", name_column="admin2_name", parent_column="admin1_name", where={"admin_level": [2]},
        actors={"organisation_column": "org_acronym", "type_column": "sector_code",
                "humanitarian": HAPI_HUMANITARIAN_SECTORS, "development": HAPI_DEVELOPMENT_SECTORS},
        note="organisations per unit counted by sector: the humanitarian clusters, and early recovery (ERY) as development",
    ),
    TableShape(
        "dtm_v3", "IOM DTM API v3 export", "table", ("admin2pcode", "admin2name", "numpresentidpind", "reportingdate", "roundnumber"),
        unit_column="admin2Pcode", name_column="admin2Name", parent_column="admin1Name",
        measures={"idps": ("numPresentIdpInd", None)}, where={"adminLevel": [2]}, latest=("reportingDate",),
        note="rows per unit and round (and displacement reason): admin-2 rows (adminLevel 2; an export of several levels also has "
             "admin-1 totals), the latest reporting date, rows of a unit summed",
    ),
    TableShape(
        "dtm_baseline", "IOM DTM Mali baseline assessment workbook (2014-2020)", "table", ("snapshotdate", "admin1", "admin2", "totalnoofidpsind"),
        name_column="Admin 2", parent_column="Admin 1",
        measures={"idps": ("totalnoofidpsind", None), "idp_households": ("totalnoofidpshh", None), "returnees": ("totalnoofreturneesind", None)},
        latest=("Snapshot Date",),
        note="one row per commune (or site) hosting IDPs, summed per cercle; DTM's own codes change between rounds, so rows are "
             "matched by name",
    ),
    TableShape(
        "cadre_harmonise", "Cadre Harmonisé workbook (CILSS/RPCA, HDX)", "table",
        ("adm1name", "adm2name", "adm2pcod2", "chtype", "population", "phase35"),
        name_column="adm2_name", parent_column="adm1_name",
        measures={"population": ("population", None), **{f"phase{p}": (f"phase{p}", None) for p in range(1, 6)}, "phase35": ("phase35", None)},
        where={"chtype": ["current"], "usethisperiod": ["Y", "y", "Yes", "yes", "1", "TRUE", "True", "true"]},
        latest=("reference_year", "reference_label"), latest_key=_ch_period, pseudo_units=True,
        note="current analyses of the latest reference period, rows marked usethisperiod where the column exists; adm2_pcod2 is CH's own code (not the OCHA P-code), so rows are "
             "matched by name; pseudo-units such as Koro_limitedaccess are added to their unit (Koro)",
    ),
)}


def recognise_table(columns: Sequence[str], *, kind: str | None = None) -> TableShape | None:
    """The published shape whose identifying columns a header has (of the layer ``kind`` when given),
    with its columns spelled as in the header; ``None`` when no shape fits. Several fitting shapes
    are resolved to the one with the most identifying columns."""
    keys = {header_key(c): str(c) for c in columns}
    fits = [s for s in SHAPES.values() if all(k in keys for k in s.identify) and (kind is None or s.kind == kind)]
    if not fits:
        return None
    best = max(fits, key=lambda s: len(s.identify))
    return spell_shape(best, keys)


def spell_shape(shape: TableShape, keys: Mapping[str, str]) -> TableShape:
    """The shape with each column named as the header spells it (columns the header lacks kept as written)."""
    spell = lambda col: keys.get(header_key(col), col) if col else col  # noqa: E731
    from dataclasses import replace

    return replace(
        shape, unit_column=spell(shape.unit_column), name_column=spell(shape.name_column), parent_column=spell(shape.parent_column),
        measures={m: (spell(c), {spell(k): v for k, v in cond.items()} if cond else None) for m, (c, cond) in shape.measures.items()
                  if header_key(c) in keys},
        where={spell(k): v for k, v in shape.where.items() if header_key(k) in keys},
        latest=tuple(spell(c) for c in shape.latest) if all(header_key(c) in keys for c in shape.latest) else (),
        actors={k: (spell(v) if k.endswith("_column") else v) for k, v in shape.actors.items()},
    )


def shape_names(kind: str | None = None) -> list[str]:
    """The shapes' names (of one layer kind)."""
    return [n for n, s in SHAPES.items() if kind is None or s.kind == kind]


def pseudo_unit(name: str) -> str | None:
    """The unit a Cadre Harmonisé pseudo-unit belongs to (``Koro_limitedaccess`` -> ``Koro``), else ``None``."""
    m = re.fullmatch(r"(.+?)_([A-Za-z]+)", str(name).strip())
    return m.group(1) if m else None


# ------------------------------------------------------------------------------------ signed measures

#: Words of a measure's name or a column's header that say it is a change, and so may be below 0
#: (English and French, accents folded): a change since the last round, a growth rate, a difference,
#: a rainfall anomaly, a balance. ``index`` is not one: most indices are shares or scores of 0 or more.
CHANGE_WORDS = frozenset({"change", "delta", "diff", "difference", "growth", "anomaly", "anom", "balance", "net", "variation", "trend",
                          "evolution", "ecart", "solde", "croissance", "anomalie"})
#: Words that say a count (a number of people or things, which cannot be below 0).
COUNT_WORDS = frozenset({"count", "counts", "nb", "nbr", "number", "num", "total", "totals", "nombre"})
#: HXL attributes that say a change (``#affected+idps+change`` is still a count: see COUNT_HASHTAGS).
CHANGE_ATTRIBUTES = frozenset({"change", "delta", "diff", "growth", "anomaly", "balance", "net", "variation"})
#: HXL hashtags of counts of people (and the attribute ``+num``): a column tagged so is a count.
COUNT_HASHTAGS = frozenset({"#affected", "#inneed", "#population", "#reached", "#targeted", "#beneficiary"})


@dataclass(frozen=True)
class SignEvidence:
    """What a measure's names say of its sign: the first word or HXL attribute saying a change
    (``change``), and the first saying a count (``count``); each ``None`` when none does, else
    ``"word 'x' in 'name'"``. The measure may be below 0 only when a change is said and no count is
    (a conservative rule: ``nb_idp_change`` and ``#affected+change`` stay counts)."""

    change: str | None
    count: str | None

    @property
    def signed(self) -> bool:
        return self.change is not None and self.count is None


def _words(text: str) -> list[str]:
    """A name's words: accents folded, split at anything but letters and digits and at camelCase."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", plain)
    return [w for w in re.split(r"[^a-z0-9]+", plain.lower()) if w]


def sign_evidence(names: Sequence[str], tag: str | None = None) -> SignEvidence:
    """What the names of a measure (its name in the config, its column's header) and its column's
    HXL tag say of its sign (see :class:`SignEvidence`; :data:`CHANGE_WORDS`, :data:`COUNT_WORDS`,
    :data:`CHANGE_ATTRIBUTES`, :data:`COUNT_HASHTAGS`)."""
    change = count = None
    for name in names:
        words = _words(name)
        change = change or next((f"word {w!r} in {name!r}" for w in words if w in CHANGE_WORDS), None)
        count = count or next((f"word {w!r} in {name!r}" for w in words if w in COUNT_WORDS), None)
    if tag and tag.strip().startswith("#"):
        bits = tag.strip().lower().replace(" ", "").split("+")
        hashtag, attributes = bits[0], [b for b in bits[1:] if b]
        change = change or next((f"HXL attribute +{a} in {tag!r}" for a in attributes if a in CHANGE_ATTRIBUTES), None)
        if hashtag in COUNT_HASHTAGS:
            count = count or f"HXL hashtag {hashtag} in {tag!r}"
        elif "num" in attributes:
            count = count or f"HXL attribute +num in {tag!r}"
    return SignEvidence(change, count)
