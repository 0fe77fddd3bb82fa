"""The model tree a config describes (:mod:`nexus_zones.tree`): the root is ``model`` (its
``aggregation``, ``offset`` and ``missing``), each pillar a node hanging from its ``parent`` (none:
the root) and holding its ``indicators``; each child's ``weight`` is relative among its siblings and
its ``factor`` counts under ``max`` and ``min``. A config without pillars is a root holding every
indicator; one with pillars and no ``parent`` is today's one level.
"""

from __future__ import annotations

from .. import score, tree
from ..errors import ConfigError, Problem
from .schema import Config

__all__ = ["ROOT", "model_tree", "tree_problems"]

#: The root node's name (no pillar may take it: it is the ``score``).
ROOT = score.ROOT


def model_tree(config: Config) -> tree.Tree:
    """The config's model as a validated tree (raises :class:`~nexus_zones.errors.ConfigError`
    naming cycles, parents that are not pillars, pillars with no child, an indicator in two pillars)."""
    model = config.model
    root = _node(ROOT, (), model.aggregation, model.missing, model.offset)
    pillars = [(_node(name, tuple(p.indicators), p.aggregation, p.missing, p.offset), p.parent) for name, p in model.pillars.items()]
    holder = {ind: name for name, p in model.pillars.items() for ind in p.indicators}
    indicators = {name: holder.get(name) for name in config.indicators}
    weights = {**config.indicator_weights(), **config.pillar_weights()}
    factors = {**{n: i.factor for n, i in config.indicators.items()}, **{n: p.factor for n, p in model.pillars.items()}}
    return tree.build_tree(root, pillars, indicators, weights=weights, factors=factors, source=config.source)


def tree_problems(config: Config) -> list[Problem]:
    """The problems of the config's tree (none when it builds), and AHP on a tree of more than one level."""
    problems = [
        Problem(f"model.pillars.{name}.parent", "a parent as well as model.ahp", "model.ahp only on one level of pillars (none naming a parent)",
                "give the pillars weights instead of model.ahp")
        for name, p in config.model.pillars.items() if p.parent is not None and config.model.ahp is not None
    ]
    if problems:
        return problems  # the weights AHP would give are not those of a tree
    try:
        model_tree(config)
    except ConfigError as exc:
        problems += exc.problems
    return problems


def _node(name: str, children: tuple[str, ...], rule: str, missing: str, offset: float | None) -> tree.Node:
    return tree.Node(name, children, rule, missing, tree.DEFAULT_OFFSET if offset is None else float(offset))
