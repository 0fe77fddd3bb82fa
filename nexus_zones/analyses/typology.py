"""Units like a reference unit, and profiles by k-means (``typology``). The maths is
:mod:`nexus_zones.typology`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd
from pydantic import Field

from .. import typology as typology_maths
from ..layers.base import _Strict
from ..legends import CATEGORIES, NO_DATA, colours_of, esc, ramp, swatches
from ..messages import pick, t
from .base import Model

NAME = "typology"
KEY = "typology"
TABLES = ("profiles",)  # the suffixes of the tables it writes
PHASE = "model"

logger = logging.getLogger(__name__)


class Spec(_Strict):
    """Units like a reference unit, and profiles by k-means."""

    reference: str | None = Field(None, description="Unit id or name whose profile others are compared with (e.g. ML0602 or Diré).")
    profiles: int = Field(0, ge=0, le=20, description="Number of k-means profiles (0: none).")
    seed: int = Field(2018, ge=0, le=2**32 - 1, description="Seed of k-means (0 to 4294967295).")


@dataclass(frozen=True)
class Result:
    """``similarity`` of every unit to the reference unit (its id and name), ``profile`` of every
    unit and the profiles' ``centres``; each ``None`` when not asked for."""

    reference: str | None = None
    reference_name: str | None = None
    similarity: pd.Series | None = None
    profile: pd.Series | None = None
    centres: pd.DataFrame | None = None


def run(model: Model, spec: Spec) -> Result | None:
    if not (spec.reference or spec.profiles):
        return None
    normalised, names = model.normalised[model.indicators], model.units["name"]
    found: dict = {}
    if spec.reference:
        ref = typology_maths.find_unit(spec.reference, names)
        found.update(reference=ref, reference_name=str(names[ref]), similarity=typology_maths.similarity(normalised, ref))
        logger.info("typology: similarity of every unit to %s (%s)", names[ref], ref)
    if spec.profiles:
        found["profile"], found["centres"] = typology_maths.profiles(normalised, spec.profiles, seed=spec.seed)
    return Result(**found)


def tables(result: Result) -> dict[str, pd.DataFrame]:
    return {"profiles": result.centres.reset_index()} if result.centres is not None else {}


def unit_columns(result: Result) -> pd.DataFrame:
    return pd.concat([s for s in (result.similarity, result.profile) if s is not None], axis=1)


def views(run, result: Result, language: str) -> list[dict]:
    """The map's similarity view (to the reference unit) and profiles view (each profile's colour,
    with the indicators it is strongest and weakest in)."""
    scores, found = run.scores, []
    if result.similarity is not None:
        ref = result.reference_name if result.reference_name is not None else ""
        found.append({"id": "similarity", "label": t("similarity_view", language, ref=esc(ref)), "colours": lambda frame: colours_of(frame["similarity"]),
                      "legend": ramp(t("similarity_legend", language, ref=ref), t("opposite", language), t("identical", language),
                                     bool(scores["similarity"].isna().any()), 0, language)})
    if result.profile is not None and scores["profile"].notna().any():
        items = [(CATEGORIES[(p - 1) % len(CATEGORIES)], t("profile", language, n=p) + _strongest(run, result.centres, p, language))
                 for p in range(1, int(scores["profile"].max()) + 1)]
        found.append({"id": "profiles", "label": t("profiles_view", language),
                      "colours": lambda frame: [CATEGORIES[(int(p) - 1) % len(CATEGORIES)] if pd.notna(p) else NO_DATA for p in frame["profile"]],
                      "legend": f'<div class="nz-legend-title">{t("profiles_legend", language)}</div>{swatches(items)}'})
    return found


def _strongest(run, centres: pd.DataFrame | None, profile: int, language: str) -> str:
    """" — strongest in a, weakest in b" of a profile's centre (escaped), "" without one."""
    if centres is None or profile not in centres.index:
        return ""
    top = centres.loc[profile].sort_values(ascending=False)
    label = {n: pick(i.label, language, n) for n, i in run.plan.indicators.items()}
    return " — " + esc(t("strongest", language, a=label[top.index[0]], b=label[top.index[-1]]))
