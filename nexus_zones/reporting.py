"""Low reporting: where a low count of recorded events may reflect little reporting rather than calm.

An indicator of direction ``cost`` read from a points layer (security incidents) rewards a unit for
having few events. Where no event was recorded in the unit over the whole study, or most of its
recorded events are located only to the region (ACLED's ``geo_precision`` 3), the low count may come
from the sources rather than from the ground. This module computes, per unit, the numbers behind
that caution and a short code; it writes no sentence (the claims are built elsewhere from these
columns):

``events_recorded``
    events counted in the unit over the study (every period), summed over the layers concerned;
``events_imprecise_share``
    the share of those events located only to the region (NaN where none was recorded);
``low_reporting``
    ``"no_events"`` where none was recorded, ``"imprecise"`` where more than half were located only
    to the region, else ``""``.

Pure functions on in-memory frames; :mod:`nexus_zones.pipeline` chooses the layers (every points
layer read by an indicator of direction ``cost``) and sums the periods.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .aggregate import assign_points

__all__ = ["COLUMNS", "IMPRECISE", "MOST", "NO_EVENTS", "REGION_ONLY", "low_reporting", "region_only_counts"]

#: The code of a unit where no event was recorded over the study.
NO_EVENTS = "no_events"
#: The code of a unit where most recorded events are located only to the region.
IMPRECISE = "imprecise"
#: ACLED's ``geo_precision`` of an event located only to its region (1: the town, 2: near it or the district).
REGION_ONLY = 3
#: "Most": a share of events located only to the region above this is flagged.
MOST = 0.5
#: The columns :func:`low_reporting` returns, in order.
COLUMNS = ("events_recorded", "events_imprecise_share", "low_reporting")


def region_only_counts(units: gpd.GeoDataFrame, points: gpd.GeoDataFrame, selected: np.ndarray, *,
                       reference: gpd.GeoDataFrame | None = None) -> pd.Series:
    """Per study unit, how many of the selected points are located only to the region.

    Parameters
    ----------
    units
        Study units indexed by ``unit_id`` (EPSG:4326).
    points
        Points with a ``geometry`` and, where the source gives it, ``geo_precision``; without that
        column no point counts as located only to the region.
    selected
        Which points the layer counts (its window and types), e.g. :func:`nexus_zones.layers.points.counted`.
    reference
        Every unit of the boundaries file; a point is assigned against them as the layer's count
        assigns it (a point on the border with a unit outside the study goes where a national run
        puts it), then kept where its unit is a study unit. Default: ``units``.

    Returns
    -------
    pandas.Series
        Float counts indexed like ``units`` (0 where none).
    """
    counts = np.zeros(len(units))
    if "geo_precision" in points.columns and len(points):
        chosen = points[np.asarray(selected, dtype=bool) & (points["geo_precision"] == REGION_ONLY).to_numpy()]
        ref = units if reference is None else reference
        owner_ref, _ = assign_points(ref, chosen.geometry)
        study_pos = units.index.get_indexer(ref.index)
        owner = np.where(owner_ref >= 0, study_pos[np.maximum(owner_ref, 0)], -1)
        counts = np.bincount(owner[owner >= 0], minlength=len(units)).astype(float)
    return pd.Series(counts, index=units.index, name="events_region_only")


def low_reporting(recorded: pd.Series, region_only: pd.Series, *, most: float = MOST) -> pd.DataFrame:
    """The low-reporting columns of each unit from its events recorded and located only to the region.

    Parameters
    ----------
    recorded
        Events counted per unit over the study (indexed by ``unit_id``).
    region_only
        Of those, the events located only to the region (same index; missing units count 0).
    most
        A share of events located only to the region above this gives ``"imprecise"``.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, indexed like ``recorded``.
    """
    events = recorded.astype(float)
    share = (region_only.reindex(events.index).fillna(0.0).astype(float) / events).where(events > 0)
    code = np.select([(events == 0).to_numpy(), (share > most).to_numpy()], [NO_EVENTS, IMPRECISE], default="")
    return pd.DataFrame({"events_recorded": events, "events_imprecise_share": share, "low_reporting": code}, index=events.index)
