"""Layer kinds as plug-ins: one module per kind, one registry.

:data:`KINDS` maps a kind's name (the ``kind:`` of a layer in the config) to the module that owns
it. The config's layer specs (a union discriminated by ``kind``, and the list of valid kinds in its
messages), :func:`nexus_zones.config.measures_of`, ``check`` and the pipeline all read this dict, so
adding a kind is one module and one line here.

A kind's module provides:

``Spec``
    Its pydantic config model, with ``kind: Literal["<name>"]``, ``path``, ``source`` and ``period``
    (subclass :class:`nexus_zones.layers.base._HasPath`) and ``allow_empty`` where it can be empty.
``measures(spec) -> tuple[str, ...] | None``
    The measures a layer of the kind yields (``None`` where they depend on the data).
``read(name, spec, context: ReadContext) -> data``
    Its reader: the only code of the kind that reads files (shared helpers are in :mod:`nexus_zones.load`).
``measure(name, spec, data, context: MeasureContext) -> Measured``
    Its per-unit measures: a frame indexed by the study units' ``unit_id``.

and optionally ``empty_parts(name, spec, data, measured, layer_measures)`` yielding ``(config key,
why, measures affected)`` where the layer (or one of its categories) has nothing to count,
``whole_numbers(spec)`` naming the measures the reader takes as whole numbers, ``for_period(spec,
period) -> spec`` moving the layer to a period of a follow-up study (its window, round or file; see
:mod:`nexus_zones.periods`), and ``MAP_POINTS = True`` where the map shows the layer's points.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from . import actors, points, polygons, raster, table
from .base import MeasureContext, Measured, ReadContext

__all__ = ["KINDS", "kind_of", "ReadContext", "MeasureContext", "Measured"]

#: Kind name -> the module owning the kind.
KINDS: dict[str, ModuleType] = {
    "points": points,
    "table": table,
    "actors": actors,
    "raster": raster,
    "polygons": polygons,
}


def kind_of(spec: Any) -> ModuleType:
    """The module of a layer spec's kind (looked up by its ``kind``)."""
    kind = getattr(spec, "kind", None)
    if kind not in KINDS:
        raise TypeError(f"no layer kind {kind!r} is registered (registered: {', '.join(KINDS)})")
    return KINDS[kind]
