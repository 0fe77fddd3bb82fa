"""Indicators: derive the units × indicators matrix from layer measures, and apply the missing-value policy.

Derivations: a rate (``per`` another measure, e.g. per population or per km² with
``units.area_km2``), a ``scale`` (100,000 for a rate per 100,000 people), and a value per year of
the layer's window, so that two years can be compared.

The matrix is indexed by ``unit_id`` (exactly the study units) with one column per indicator, in
config order. Policies for units without a value:

* ``exclude`` (default): the value stays missing; the unit gets no score and no rank, and is
  named in a warning;
* ``worst``: the worst value observed among the other units (the maximum for a cost indicator,
  the minimum for a benefit one) is used, and the units are named in a warning;
* ``error``: a missing value stops the run with the units named;
* ``median``: the median of the other units;
* ``region_median``: the median of the other units of the same region (the overall median where
  the region has no value);
* ``group_mean``, ``group_median``: the mean or the median of the other units of the same group
  (``group``: a column of the boundaries' file; by default the region); a unit whose group has no
  value stays missing, and is named in a warning;
* ``knn``: the mean of the 5 units most alike on the other indicators (scikit-learn's KNNImputer on
  standardised values);
* ``skip``: the value stays missing for its node of the model tree to handle (under ``missing:
  renormalise`` the node is computed from its other children).

Every imputed cell is flagged, and each unit's *completeness* (the share of its indicator values
that were observed) is reported beside its score.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Literal, Mapping

import pandas as pd

from .errors import ImplausibleValueWarning, InputDataError, MissingValueWarning, Problem
from .logs import stage_logger
from .treat import impute_by_group
from .treat import per as divided_by

__all__ = ["IndicatorDef", "derive", "source_values", "build_matrix"]

logger = stage_logger(__name__)  # INFO inside an analysis's draws is DEBUG (logs.inner)


@dataclass(frozen=True)
class IndicatorDef:
    """What :func:`build_matrix` needs to know of an indicator.

    The value is ``measure / per × scale / years`` (transforms such as ``log1p`` belong to
    :mod:`nexus_zones.normalise`, so tables keep the value people quote).
    """

    measure: str
    direction: Literal["benefit", "cost"]
    missing: Literal["exclude", "worst", "error", "median", "region_median", "group_mean", "group_median", "knn", "skip"] = "exclude"
    per: str | None = None
    scale: float = 1.0
    years: float | None = None
    sources: tuple[str, ...] = ()
    combine: Literal["first", "mean", "median", "max", "min"] = "first"
    #: The column of ``build_matrix``'s ``groups`` for ``group_mean``/``group_median`` (``None``: the region).
    group: str | None = None

    @property
    def measures(self) -> tuple[str, ...]:
        """The measure and its sources: the measures of the same thing this indicator compares."""
        return (self.measure, *self.sources)


#: Above this many per km², a unit-wide density is implausible (denser than any city taken whole).
MAX_PER_KM2 = 50_000.0


def derive(measures: pd.DataFrame, ind: IndicatorDef, *, name: str, unit_names: Mapping[str, str] | None = None) -> pd.Series:
    """The indicator's raw values from the measures: rate, scale, per year; with ``sources``, the
    value of each (:func:`source_values`) combined by ``combine`` (``first``: the measure's own;
    ``mean``, ``median``, ``max``, ``min`` over the sources that have a value for the unit).

    A rate outside its possible range gives an :class:`~nexus_zones.errors.ImplausibleValueWarning`
    naming the units, the value and a likely cause (see :func:`_check_plausible`).
    """
    if not ind.sources:
        return _derive_one(measures, ind, name=name, unit_names=unit_names)
    each = source_values(measures, ind, name=name, unit_names=unit_names)
    if ind.combine == "first":
        return each[ind.measure].rename(None)
    return getattr(each, ind.combine)(axis=1)


def source_values(measures: pd.DataFrame, ind: IndicatorDef, *, name: str, unit_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The indicator's value from its measure and from each source (a column per measure, in that
    order), each derived as the measure is: the same ``per``, ``scale``, years and checks."""
    return pd.DataFrame({
        m: _derive_one(measures, replace(ind, measure=m, sources=()), name=name if m == ind.measure else f"{name} (source {m})", unit_names=unit_names)
        for m in ind.measures
    }, index=measures.index)


def _derive_one(measures: pd.DataFrame, ind: IndicatorDef, *, name: str, unit_names: Mapping[str, str] | None = None) -> pd.Series:
    col = measures[ind.measure].astype(float)
    if ind.per is not None:
        denominator = measures[ind.per].astype(float)
        bad = (denominator <= 0) | denominator.isna()
        if bad.any():
            warnings.warn(
                MissingValueWarning(f"indicator {name}: {ind.per} is zero or missing for {_names(col.index[bad], unit_names)}; no rate for them"),
                stacklevel=3,
            )
        _check_plausible(col, denominator.where(~bad), ind, name=name, unit_names=unit_names)
        col = divided_by(col, denominator).values  # the Handbook's first step (treat.per): 0 or missing, no value
    col = col * ind.scale
    if ind.years:
        col = col / ind.years
    return col


def _check_plausible(numerator: pd.Series, denominator: pd.Series, ind: IndicatorDef, *, name: str, unit_names: Mapping[str, str] | None) -> None:
    """Warn of rates that cannot be, one :class:`ImplausibleValueWarning` per finding:

    * per ``units.area_km2``: more than :data:`MAX_PER_KM2` per km²;
    * with a ``scale`` above 1 (a share in %, a rate per 1,000 or 100,000 people): a value above the
      scale, i.e. more of the measure than of its denominator (more facilities than people);
    * with a ``scale`` of 1,000 or more (a rate per 1,000 or 100,000 people): a denominator that is
      a fraction below 1,000 (a population of 142.522), the mark of a misread thousands separator.
    """
    ratio = numerator / denominator
    unit = "%" if ind.scale == 100 else f"per {ind.scale:,.0f}"
    findings = []  # (units, what was found, measure to suspect)
    if ind.per == "units.area_km2":
        findings.append((ratio > MAX_PER_KM2, f"more than {MAX_PER_KM2:,.0f} per km², denser than any city taken whole", ind.measure))
    elif ind.scale > 1:
        above = f"above {ind.scale:,.0f}{' %' if unit == '%' else ''}: more {ind.measure} than {ind.per}, which cannot be"
        findings.append((ratio > 1, above, ind.per))
    if ind.scale >= 1000 and ind.per != "units.area_km2":
        fraction = (denominator < 1000) & (denominator % 1 != 0)
        findings.append((fraction, f"{unit} of {ind.per}, which is a fraction below 1,000 there: a count of people or things is whole", ind.per))
    for units, what, suspect in findings:
        units = units.fillna(False).astype(bool)
        if units.any():
            _warn_implausible(numerator, denominator, ratio, units, ind, name=name, what=what, suspect=suspect, unit_names=unit_names)


def _warn_implausible(numerator: pd.Series, denominator: pd.Series, ratio: pd.Series, units: pd.Series, ind: IndicatorDef, *,
                      name: str, what: str, suspect: str, unit_names: Mapping[str, str] | None) -> None:
    worst = ratio[units].idxmax()
    num, den = numerator[worst], denominator[worst]
    value = ratio[worst] * (1.0 if ind.per == "units.area_km2" else ind.scale)
    unit = "per km²" if ind.per == "units.area_km2" else ("%" if ind.scale == 100 else f"per {ind.scale:,.0f}")
    warnings.warn(
        ImplausibleValueWarning(
            f"indicator {name}: {_names(ratio.index[units], unit_names)} {'have' if units.sum() > 1 else 'has'} a value {what} "
            f"(e.g. {value:,.0f} {unit} for {_names(pd.Index([worst]), unit_names)}: {ind.measure} {num:g} over {ind.per} {den:g}). "
            f"Likely cause: {_likely_cause(suspect, num if suspect == ind.measure else den)}"
        ),
        stacklevel=5,
    )


def _likely_cause(measure: str, value: float) -> str:
    """What probably went wrong with a measure whose value made a rate impossible."""
    if measure == "units.area_km2":
        return "the boundaries' geometry (a sliver or a point-sized unit)"
    thousandths = round(value * 1000, 6)
    if not float(value).is_integer() and float(thousandths).is_integer():
        return (f"{measure} read as {value:g}: its column probably separates thousands with a dot or a comma "
                f"({value:g} meaning {thousandths:.0f}); check the thousands separator and set the layer's decimal: / thousands:")
    return f"{measure} in the wrong unit, or a decimal mark or thousands separator misread in its column; check its values"


def _names(index: pd.Index, names: Mapping[str, str] | None, limit: int = 10) -> str:
    labels = [f"{names[u]} ({u})" if names is not None and u in names else str(u) for u in index]
    return ", ".join(labels[:limit]) + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _group_of(ind: IndicatorDef, regions: pd.Series | None, groups: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    """Each unit's group for the indicator: its ``group`` column, or its region."""
    if ind.group in (None, "region"):
        return (regions if regions is not None else pd.Series("", index=index)).reindex(index)
    return groups[ind.group].reindex(index)  # the units hold it (load.read_boundaries names a column not in the file)


def _impute_by_group(col: pd.Series, group: pd.Series, ind: IndicatorDef, *, name: str, unit_names: Mapping[str, str] | None) -> pd.Series:
    """``group_mean``/``group_median``: :func:`nexus_zones.treat.impute_by_group`, each fill and
    each unit left missing (its group has no value) named in a warning."""
    how = ind.missing.removeprefix("group_")
    by = f"group {ind.group}" if ind.group else "region"
    done = impute_by_group(col, group, how)
    if done.changed:
        filled = pd.Index(list(done.changed))
        what = "; ".join(f"{_names(pd.Index([u]), unit_names)} {after:g} ({by} {group[u]})" for u, (_, after) in done.changed.items())
        warnings.warn(MissingValueWarning(f"indicator {name}: no value for {_names(filled, unit_names)}; the {how} of their {by} is used "
                                          f"(missing: {ind.missing}): {what}"), stacklevel=3)
    left = done.values.index[done.values.isna()]
    if len(left):
        warnings.warn(MissingValueWarning(f"indicator {name}: no value for {_names(left, unit_names)}, and no unit of their {by} has one "
                                          f"(missing: {ind.missing}); these units get no score or rank"), stacklevel=3)
    return done.values


def _knn_fill(raw: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """KNN imputation of ``columns`` from all indicators, on standardised values."""
    from sklearn.impute import KNNImputer

    mean, sd = raw.mean(), raw.std(ddof=0).replace(0, 1.0).fillna(1.0)
    z = (raw - mean) / sd
    usable = [c for c in z.columns if z[c].notna().any()]
    n_neighbors = max(1, min(5, int(z[usable].notna().all(axis=1).sum()) or 1, len(z) - 1))
    filled = KNNImputer(n_neighbors=n_neighbors).fit_transform(z[usable].to_numpy())
    out = pd.DataFrame(filled, index=raw.index, columns=usable) * sd[usable] + mean[usable]
    return out[columns]


def build_matrix(
    measures: pd.DataFrame,
    indicators: Mapping[str, IndicatorDef],
    *,
    unit_names: Mapping[str, str] | None = None,
    regions: pd.Series | None = None,
    groups: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the raw indicator matrix.

    Parameters
    ----------
    measures
        Units × measures, columns named ``layer.measure``.
    indicators
        Indicator name → :class:`IndicatorDef`.
    unit_names
        ``unit_id`` → name, for messages.
    regions, groups
        ``unit_id`` → region, and the units with the columns named by an indicator's ``group``
        (for ``group_mean`` and ``group_median``).

    Returns
    -------
    values, imputed
        ``values``: units × indicators after the missing-value policy; ``imputed``: boolean frame
        of the cells filled by a policy (their share per unit is 1 − completeness).
    """
    columns: dict[str, pd.Series] = {}  # joined once at the end: one column at a time fragments a frame of many indicators
    imputed = pd.DataFrame(False, index=measures.index.copy(), columns=list(indicators))
    problems: list[Problem] = []
    for name, ind in indicators.items():
        for m in ind.measures:
            if m not in measures.columns:
                raise KeyError(f"measure {m!r} of indicator {name!r} was not computed")  # pipeline guarantees it
        col = derive(measures, ind, name=name, unit_names=unit_names)
        infinite = col.isin([float("inf"), float("-inf")])
        if infinite.any():
            problems.append(
                Problem(f"indicators.{name}", f"values too large to hold (infinite) for {_names(col.index[infinite], unit_names)}: {ind.measure}"
                        f"{f' / {ind.per}' if ind.per else ''} × scale {ind.scale:g} overflows", "finite values",
                        "use a smaller scale (e.g. 100000 for a rate per 100,000 people) and check the measure's values")
            )
            continue
        missing = col.isna()
        if missing.any():
            who = _names(col.index[missing], unit_names)
            if ind.missing == "error":
                problems.append(
                    Problem(f"indicators.{name}", f"no value for {who}", "a value for every unit (missing: error)",
                            "complete the data, or set missing: exclude or worst")
                )
            elif missing.all():
                problems.append(Problem(f"indicators.{name}", "no value for any unit", "values for at least one unit", "check the layer's file and unit codes"))
            elif ind.missing == "worst":
                worst = col.max() if ind.direction == "cost" else col.min()
                col = col.fillna(worst)
                imputed.loc[missing, name] = True
                warnings.warn(MissingValueWarning(f"indicator {name}: no value for {who}; the worst observed value ({worst:g}) is used (missing: worst)"), stacklevel=2)
            elif ind.missing == "median":
                col = col.fillna(col.median())
                imputed.loc[missing, name] = True
                warnings.warn(MissingValueWarning(f"indicator {name}: no value for {who}; the median of the other units ({col.median():g}) is used"), stacklevel=2)
            elif ind.missing == "region_median":
                groups = regions.reindex(col.index) if regions is not None else pd.Series("", index=col.index)
                by_region = col.groupby(groups).transform("median")
                col = col.fillna(by_region).fillna(col.median())
                imputed.loc[missing, name] = True
                warnings.warn(MissingValueWarning(f"indicator {name}: no value for {who}; the median of their region is used (missing: region_median)"), stacklevel=2)
            elif ind.missing in ("group_mean", "group_median"):
                col = _impute_by_group(col, _group_of(ind, regions, groups, col.index), ind, name=name, unit_names=unit_names)
                imputed.loc[missing & col.notna(), name] = True
            elif ind.missing == "knn":
                imputed.loc[missing, name] = True
                warnings.warn(MissingValueWarning(f"indicator {name}: no value for {who}; imputed from the 5 most alike units (missing: knn)"), stacklevel=2)
            elif ind.missing == "skip":
                warnings.warn(MissingValueWarning(f"indicator {name}: no value for {who}; left empty for its pillar's missing policy (missing: skip)"), stacklevel=2)
            else:
                warnings.warn(MissingValueWarning(f"indicator {name}: no value for {who}; these units get no score or rank (missing: exclude)"), stacklevel=2)
        columns[name] = col
    if problems:
        raise InputDataError("indicators", problems)
    values = pd.DataFrame(columns, index=measures.index.copy())
    knn = [n for n, ind in indicators.items() if ind.missing == "knn" and values[n].isna().any()]
    if knn:
        values[knn] = values[knn].fillna(_knn_fill(values, knn))
    logger.info("indicators: %d indicators for %d units, %d missing values", values.shape[1], len(values), int(values.isna().sum().sum()))
    return values, imputed
