"""Follow-up over time: one model run on every period of a study, and what changed between periods.

Owns the config of one period (:func:`period_config`: each layer kind's ``for_period`` moves its
window, round or file to the period; ``where`` values written ``"{year}"`` or ``"{period}"`` become
the period's year or name), and the pure tables and sentences of a panel: the long table (one row
per unit and period, :func:`long_table`), the change table between two periods
(:func:`change_table`), the per-unit change sentence (:func:`change_sentence`) and the units
entering or leaving the top k (:func:`top_k_moves`).

Scores are comparable across periods because :mod:`nexus_zones.pipeline` normalises the indicator
values of every period together (one set of bounds, :data:`POOLED`), or with fixed goalposts.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import pandas as pd

from . import layers
from .messages import number, pick, t

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config, PeriodSpec
    from .config.plan import Plan

__all__ = ["Panel", "period_config", "long_table", "change_table", "all_changes", "change_sentence", "top_k_moves", "bounds_text"]

logger = logging.getLogger(__name__)

#: The columns of a period's scores kept in the long table, besides each indicator's and rule's.
LONG_COLUMNS = ("name", "region", "score", "rank", "region_rank", "passes_rules", "failed_rules", "status",
                "rank_p05", "rank_p50", "rank_p95", "share_top_k", "robust", "completeness")
#: Placeholders a ``where`` value may hold, replaced by the period's year or name.
PLACEHOLDERS = ("{year}", "{period}")


@dataclass(frozen=True)
class Panel:
    """A study over several periods: the periods, each period's run, and the long table.

    Attributes
    ----------
    periods
        The periods in the config's order.
    results
        Period name -> the :class:`~nexus_zones.result.RunResult` of that period (its config is the
        period's, see :func:`period_config`).
    long
        One row per unit and period (see :func:`long_table`).
    """

    periods: tuple
    results: Mapping[str, Any]
    long: pd.DataFrame
    indicators: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    pooled: tuple[str, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        """The period names in order."""
        return [p.name for p in self.periods]

    def changes(self, a: str, b: str) -> pd.DataFrame:
        """The change table from period ``a`` to period ``b`` (see :func:`change_table`)."""
        return change_table(self.long, a, b, indicators=self.indicators)


# ------------------------------------------------------------------------------ one period's config


def period_config(config: "Config", period: "PeriodSpec") -> "Config":
    """The config of one period: each layer as its kind's ``for_period`` moves it (a dated points
    layer counts the period's window, a table of rounds takes the period's round, a raster its file
    of the period), and ``"{year}"``/``"{period}"`` in ``where`` values replaced. Layers of kinds
    without ``for_period`` and without placeholders are kept as they are."""
    moved = {}
    for name, spec in config.layers.items():
        follow = getattr(layers.kind_of(spec), "for_period", None)
        spec = follow(spec, period) if follow is not None else spec
        moved[name] = _where_for_period(spec, period)
    out = config.model_copy(update={"layers": moved, "periods": []})
    out._source, out._sha256 = config.source, config.sha256
    return out


def _where_for_period(spec: Any, period: "PeriodSpec") -> Any:
    """``spec`` with the placeholders of its ``where`` values replaced by the period's year or name."""
    where = getattr(spec, "where", None)
    if not where or not any(v in PLACEHOLDERS for values in where.values() for v in values):
        return spec
    swap = {"{year}": period.year_value, "{period}": period.name}
    return spec.model_copy(update={"where": {col: [swap.get(v, v) if isinstance(v, str) else v for v in values] for col, values in where.items()}})


# ------------------------------------------------------------------------------------- the tables


def long_table(scores: Mapping[str, pd.DataFrame], *, indicators: Sequence[str], rules: Sequence[str]) -> pd.DataFrame:
    """One row per unit and period (periods in the given order, units by rank within a period):
    ``period``, ``unit_id``, name, region, score, rank, region rank, rules passed, status, then per
    indicator its raw value, ``<name>_norm`` (0–1) and ``<name>_points`` (its contribution to the
    score of 0–100, in points), then ``rule_<name>`` per rule and the robustness columns."""
    frames = []
    for period, table in scores.items():
        keep = [c for c in LONG_COLUMNS if c in table.columns]
        frame = pd.DataFrame(table[keep]).copy()
        for name in indicators:
            frame[name] = table[name]
            frame[f"{name}_norm"] = table[f"{name}_norm"]
            frame[f"{name}_points"] = table[f"{name}_contrib"]
        for rule in rules:
            frame[f"rule_{rule}"] = table[f"rule_{rule}"]
        frame.insert(0, "period", period)
        frames.append(frame.rename_axis("unit_id").reset_index())
    return pd.concat(frames, ignore_index=True)


def change_table(long: pd.DataFrame, a: str, b: str, *, indicators: Sequence[str] = ()) -> pd.DataFrame:
    """What changed for each unit from period ``a`` to period ``b``: score, rank and region rank in
    each and their change (``rank_change`` = rank in ``a`` minus rank in ``b``: positive means the
    unit moved up), rules passed in each, and each indicator's raw value in each and its change.
    Indexed by ``unit_id``, sorted by rank in ``b``."""
    first, last = (_period_rows(long, p) for p in (a, b))
    out = pd.DataFrame({"name": last["name"], "region": last["region"], "from": a, "to": b})
    for col in ("score", "rank", "region_rank", "passes_rules"):
        out[f"{col}_{a}"] = first[col]
        out[f"{col}_{b}"] = last[col]
    out["score_change"] = last["score"].astype(float) - first["score"].astype(float)
    out["rank_change"] = first["rank"].astype("Float64") - last["rank"].astype("Float64")
    out["region_rank_change"] = first["region_rank"].astype("Float64") - last["region_rank"].astype("Float64")
    for name in indicators:
        out[f"{name}_{a}"] = first[name]
        out[f"{name}_{b}"] = last[name]
        out[f"{name}_change"] = last[name].astype(float) - first[name].astype(float)
    order = out[f"rank_{b}"].astype("Float64").fillna(math.inf)
    return out.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o")


def all_changes(long: pd.DataFrame, periods: Sequence[str], *, indicators: Sequence[str] = ()) -> pd.DataFrame:
    """The change tables of every pair of periods (earlier → later) stacked, with ``from`` and ``to``."""
    frames = [change_table(long, a, b, indicators=indicators).rename(columns=lambda c: _generic(c, a, b))
              for i, a in enumerate(periods) for b in periods[i + 1:]]
    return pd.concat(frames).rename_axis("unit_id").reset_index() if frames else pd.DataFrame()


def _generic(column: str, a: str, b: str) -> str:
    """A change table's column named for its period (``score_2017``) renamed ``score_from``/``score_to``."""
    for period, side in ((b, "to"), (a, "from")):
        if column.endswith(f"_{period}"):
            return column[: -len(period)] + side
    return column


def _period_rows(long: pd.DataFrame, period: str) -> pd.DataFrame:
    rows = long[long["period"] == period]
    if not len(rows):
        raise KeyError(f"no period {period!r} in the long table (periods: {', '.join(dict.fromkeys(long['period']))})")
    return rows.set_index("unit_id")


def top_k_moves(long: pd.DataFrame, a: str, b: str, k: int) -> tuple[list[str], list[str]]:
    """The units entering the top ``k`` from ``a`` to ``b``, and those leaving it (ids, by rank)."""
    def top(period: str) -> list[str]:
        rows = _period_rows(long, period)
        ranked = rows[rows["rank"].notna() & (rows["rank"].astype(float) <= k)]
        return list(ranked.sort_values("rank").index)

    before, after = top(a), top(b)
    return [u for u in after if u not in before], [u for u in before if u not in after]


# -------------------------------------------------------------------------------------- sentences


def _rank(value: Any, language: str) -> str:
    return t("not_ranked", language) if value is None or pd.isna(value) else str(int(value))


def change_sentence(changes: pd.DataFrame, unit: str, plan: "Plan", language: str) -> str:
    """The change of one unit from a change table, in a sentence: "Diré : rang régional 1 → 3, rang
    4 → 9, score 62,1 → 48,3 entre 2017 et 2019 ; incidents 2 → 14" — the indicators whose value
    changed, by weight (largest first; ``plan``: the run's, :class:`~nexus_zones.config.plan.Plan`)."""
    row = changes.loc[unit]
    a, b = row["from"], row["to"]
    head = t("change_head", language, name=row["name"], rr_a=_rank(row[f"region_rank_{a}"], language), rr_b=_rank(row[f"region_rank_{b}"], language),
             r_a=_rank(row[f"rank_{a}"], language), r_b=_rank(row[f"rank_{b}"], language),
             s_a=number(round(float(row[f"score_{a}"]), 1), language), s_b=number(round(float(row[f"score_{b}"]), 1), language), a=a, b=b)
    weights = plan.model.weights
    parts = []
    for name in sorted(plan.indicators, key=lambda n: -weights.get(n, 0.0)):
        if f"{name}_{a}" not in row.index:
            continue
        va, vb = row[f"{name}_{a}"], row[f"{name}_{b}"]
        if _same(va, vb):
            continue
        ind = plan.indicators[name]
        phrase = pick(ind.phrase, language) or pick(ind.label, language, name)
        parts.append(f"{phrase} {number(va, language)} → {number(vb, language)}")
    return head + ("" if not parts else t("change_sep", language) + t("change_sep", language).join(parts))


def _same(a: Any, b: Any) -> bool:
    missing_a, missing_b = a is None or pd.isna(a), b is None or pd.isna(b)
    return (missing_a and missing_b) or (not missing_a and not missing_b and float(a) == float(b))


def bounds_text(panel: Panel, plan: "Plan", language: str) -> str:
    """The method's sentence on comparability: bounds pooled over the periods, or fixed goalposts."""
    fixed = [pick(i.label, language, n) for n, i in plan.indicators.items() if i.normalisation in ("goalposts", "threshold")
             or (i.normalisation == "inform" and i.goalposts is not None)]
    pooled = [pick(plan.indicators[n].label, language, n) for n in panel.pooled]
    return t("periods_method", language, periods=", ".join(panel.names), pooled="; ".join(pooled) or "–", fixed="; ".join(fixed) or "–")
