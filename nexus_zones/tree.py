"""A composite index as a tree: indicators → nodes → … → the index, each node with its own rule.

This is how INFORM (JRC) and the OECD/JRC Handbook build indices: indicators are grouped into
components, components into categories, categories into dimensions, dimensions into the index,
and each node aggregates its children by a rule of its own.

* A **node** has children (indicators, other nodes, or both), a ``weight`` relative among its
  siblings, an ``aggregation`` rule and a ``missing`` policy: ``exclude`` (no value where a child
  with a positive weight has none) or ``renormalise`` (weights rescaled over the children that have
  a value; no value only where none has).
* **Rules** (values on 0–1, higher is better; ``w`` the weights rescaled to sum to 1):

  - ``arithmetic``: Σ wᵢ·xᵢ;
  - ``geometric``: (Π (f + (1 − f)·xᵢ)^wᵢ − f) / (1 − f), with the node's ``offset`` f (0 gives
    the textbook weighted geometric mean; the default keeps a 0 from wiping out the node);
  - ``reversed_geometric`` (INFORM): 1 − (Π (9·(1 − xᵢ) + 1)^wᵢ − 1) / 9, which on INFORM's 0–10
    scale is 10 − ((Π ((10 − xᵢ)/10·9 + 1))^(1/n) − 1)/9·10 when the weights are equal;
  - ``max`` and ``min``: the largest (smallest) of factorᵢ·xᵢ; weights do not matter, factors do
    (INFORM's human hazard is ``max(current conflict, 0.7 × projected conflict)``);
  - ``topsis``: closeness to the best value of each child among the units, away from the worst,
    with weighted Euclidean distances (Hwang & Yoon 1981).

Every function takes the children's values of one or many weight draws at once, so the
robustness draws run the same code as the point estimate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np

from .errors import ConfigError, Problem

__all__ = ["RULES", "MISSING", "DEFAULT_OFFSET", "Node", "Tree", "build_tree", "combine", "evaluate", "page_form"]

#: The offset of ``geometric`` when a node does not set one (keeps a 0 from wiping out the node).
DEFAULT_OFFSET = 0.01

RULES = ("arithmetic", "geometric", "reversed_geometric", "max", "min", "topsis")
MISSING = ("exclude", "renormalise")


@dataclass(frozen=True)
class Node:
    """One node of the tree: its children are indicators or nodes, named in ``children``."""

    name: str
    children: tuple[str, ...]
    aggregation: str = "arithmetic"
    missing: str = "exclude"
    offset: float = DEFAULT_OFFSET


@dataclass(frozen=True)
class Tree:
    """A validated tree: ``nodes`` by name (the root among them), each child's ``weight`` and
    ``factor`` (relative among siblings), and ``order``: the nodes, children before parents."""

    root: str
    nodes: Mapping[str, Node]
    indicators: tuple[str, ...]
    weight: Mapping[str, float] = field(default_factory=dict)
    factor: Mapping[str, float] = field(default_factory=dict)
    order: tuple[str, ...] = ()

    def parent_of(self, name: str) -> str | None:
        """The node holding ``name`` (``None`` for the root)."""
        return next((n.name for n in self.nodes.values() if name in n.children), None)

    def depth(self) -> int:
        """Levels from the root to the deepest indicator (a flat model has depth 1)."""
        def down(name: str) -> int:
            node = self.nodes.get(name)
            return 0 if node is None else 1 + max(down(c) for c in node.children)
        return down(self.root)


# ----------------------------------------------------------------------------- building


def build_tree(
    root: Node,
    pillars: Iterable[tuple[Node, str | None]],
    indicators: Mapping[str, str | None],
    *,
    weights: Mapping[str, float] | None = None,
    factors: Mapping[str, float] | None = None,
    source: str = "model",
) -> Tree:
    """Assemble and validate a tree.

    ``pillars``: each node with the name of its parent (``None``: it hangs from the root); a
    node's own ``children`` name its indicators. ``indicators``: each indicator with the node
    that holds it (``None``: the root). Names the problems all at once: a parent that is not a
    node, a cycle, a node with no child, an indicator in two nodes, a name used twice.
    """
    listed = list(pillars)
    problems = _name_problems(root, listed, indicators)
    nodes = {root.name: root, **{n.name: n for n, _ in listed}}
    problems += _parent_problems(root, listed, nodes)
    if problems:
        raise ConfigError(source, problems)
    children = _children(root, listed, indicators)
    problems = _holder_problems(listed, indicators) + _shape_problems(root.name, nodes, children)
    if problems:
        raise ConfigError(source, problems)
    full = {name: _with_children(node, children[name]) for name, node in nodes.items()}
    tree = Tree(
        root=root.name, nodes=full, indicators=tuple(indicators),
        weight={k: float(v) for k, v in (weights or {}).items()},
        factor={k: float(v) for k, v in (factors or {}).items()},
        order=_bottom_up(root.name, full),
    )
    _check_rules(tree, source)
    return tree


def _name_problems(root: Node, listed: list[tuple[Node, str | None]], indicators: Mapping[str, str | None]) -> list[Problem]:
    """Names used twice: two nodes, or a node and an indicator."""
    seen: dict[str, str] = {root.name: "the root"}
    problems = []
    for node, _ in listed:
        if node.name in seen:
            problems.append(Problem(f"model.pillars.{node.name}", f"the name of {seen[node.name]} as well", "a name of its own"))
        seen[node.name] = f"node {node.name}"
    for name in indicators:
        if name in seen:
            problems.append(Problem(f"indicators.{name}", f"also the name of {seen[name]}", "indicators and nodes named apart"))
    return problems


def _parent_problems(root: Node, listed: list[tuple[Node, str | None]], nodes: Mapping[str, Node]) -> list[Problem]:
    """Parents that are not nodes, and cycles (a node below itself)."""
    parent = {node.name: (p if p is not None else root.name) for node, p in listed}
    problems = [
        Problem(f"model.pillars.{name}.parent", repr(p), f"the name of a node: {', '.join(sorted(nodes))}")
        for name, p in parent.items() if p not in nodes
    ]
    for name in parent:
        path, at = [name], parent.get(name)
        while at in parent and at not in path:
            path.append(at)
            at = parent[at]
        if at in path:
            loop = path[path.index(at):] + [at]
            problems.append(Problem(f"model.pillars.{name}.parent", " → ".join(loop), "a chain of parents that reaches the root"))
    return problems


def _children(root: Node, listed: list[tuple[Node, str | None]], indicators: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Each node's children: the nodes naming it as parent, then its indicators."""
    children: dict[str, list[str]] = {root.name: [], **{n.name: [] for n, _ in listed}}
    for node, parent in listed:
        children[parent if parent is not None else root.name].append(node.name)
    for name, holder in indicators.items():
        if holder is not None and holder in children and name not in children[holder]:
            children[holder].append(name)
        elif holder is None and name not in children[root.name]:
            children[root.name].append(name)
    return children


def _holder_problems(listed: list[tuple[Node, str | None]], indicators: Mapping[str, str | None]) -> list[Problem]:
    """An indicator listed by two nodes, or held by a node that does not exist."""
    holders: dict[str, list[str]] = {}
    for node, _ in listed:
        for child in node.children:
            holders.setdefault(child, []).append(node.name)
    problems = [
        Problem(f"indicators.{name}", f"listed by {' and '.join(nodes)}", "one node per indicator")
        for name, nodes in holders.items() if len(nodes) > 1
    ]
    names = {n.name for n, _ in listed}
    problems += [
        Problem(f"indicators.{name}.pillar", repr(holder), f"the name of a node: {', '.join(sorted(names))}")
        for name, holder in indicators.items() if holder is not None and holder not in names
    ]
    problems += [
        Problem(f"model.pillars.{node.name}.indicators", repr(child), f"an indicator of the config: {', '.join(indicators)}")
        for node, _ in listed for child in node.children if child not in indicators
    ]
    return problems


def _shape_problems(root: str, nodes: Mapping[str, Node], children: Mapping[str, list[str]]) -> list[Problem]:
    """Nodes without a child (the root included)."""
    return [
        Problem("model" if name == root else f"model.pillars.{name}", "a node with no indicator and no child node",
                "at least one child: an indicator naming it, or a node naming it as parent; or remove it")
        for name in nodes if not children[name]
    ]


def _with_children(node: Node, children: list[str]) -> Node:
    return Node(node.name, tuple(children), node.aggregation, node.missing, node.offset)


def _bottom_up(root: str, nodes: Mapping[str, Node]) -> tuple[str, ...]:
    """The nodes in an order where every node comes after the nodes below it."""
    order: list[str] = []

    def visit(name: str) -> None:
        for child in nodes[name].children:
            if child in nodes:
                visit(child)
        order.append(name)

    visit(root)
    return tuple(order)


def _check_rules(tree: Tree, source: str) -> None:
    """Each node's rule, missing policy, offset, and each child's weight and factor."""
    problems = []
    for node in tree.nodes.values():
        key = "model" if node.name == tree.root else f"model.pillars.{node.name}"
        if node.aggregation not in RULES:
            problems.append(Problem(f"{key}.aggregation", repr(node.aggregation), f"one of {', '.join(RULES)}"))
        if node.missing not in MISSING:
            problems.append(Problem(f"{key}.missing", repr(node.missing), f"one of {', '.join(MISSING)}"))
        if not 0.0 <= node.offset < 1.0:
            problems.append(Problem(f"{key}.offset", repr(node.offset), "a number from 0 to less than 1"))
        weights = [tree.weight.get(c, 1.0) for c in node.children]
        if any(not np.isfinite(w) or w < 0 for w in weights):
            problems.append(Problem(f"{key}", f"weights {weights}", "finite weights of 0 or more"))
        elif node.aggregation not in ("max", "min") and sum(weights) <= 0:
            problems.append(Problem(f"{key}", "every child's weight is 0", "at least one positive weight among its children"))
        factors = [tree.factor.get(c, 1.0) for c in node.children]
        if any(not np.isfinite(f) or f < 0 for f in factors):
            problems.append(Problem(f"{key}", f"factors {factors}", "finite factors of 0 or more"))
    if problems:
        raise ConfigError(source, problems)


def page_form(tree: Tree) -> dict:
    """The tree as the page's ``tree.js`` reads it (JSON-able)."""
    return {
        "root": tree.root,
        "order": list(tree.order),
        "nodes": {
            n.name: {"children": list(n.children), "aggregation": n.aggregation, "missing": n.missing, "offset": n.offset}
            for n in tree.nodes.values()
        },
        "weight": dict(tree.weight),
        "factor": dict(tree.factor),
    }


# ----------------------------------------------------------------------------- evaluating


def evaluate(tree: Tree, values: Mapping[str, np.ndarray], weights: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Every node's value, bottom-up.

    ``values``: each indicator's normalised values (0–1, NaN where missing), units or
    units × draws. ``weights``: per child (indicator or node), its weight or one weight per draw
    (draws); missing ones are the tree's. Returns each node's values (units × draws, or units if
    neither values nor weights have draws), NaN where the node has none.
    """
    draws = _draws(values, weights)
    # an indicator without draws stays one column (units × 1): the draws' weights broadcast over it
    known: dict[str, np.ndarray] = {k: _as_columns(np.asarray(v, dtype=float)) for k, v in values.items()}
    out: dict[str, np.ndarray] = {}
    for name in tree.order:
        node = tree.nodes[name]
        children = [known[c] for c in node.children]
        width = max(c.shape[1] for c in children)
        x = np.stack([c if c.shape[1] == width else np.broadcast_to(c, (c.shape[0], width)) for c in children], axis=1)
        w = np.stack([_weight_row(tree, weights, c, draws) for c in node.children])
        f = np.array([tree.factor.get(c, 1.0) for c in node.children])
        known[name] = out[name] = combine(x, w, node.aggregation, node.missing, offset=node.offset, factors=f)
    if draws is None:
        return {k: v[:, 0] for k, v in out.items()}
    return out


def _as_columns(v: np.ndarray) -> np.ndarray:
    return v[:, None] if v.ndim == 1 else v


def _draws(values: Mapping[str, np.ndarray], weights: Mapping[str, np.ndarray] | None) -> int | None:
    """The number of draws of the values or the weights (``None``: a single evaluation)."""
    sizes = {np.asarray(v).shape[1] for v in values.values() if np.ndim(v) == 2}
    sizes |= {np.size(v) for v in (weights or {}).values() if np.ndim(v) == 1}
    if len(sizes) > 1:
        raise ValueError(f"values and weights disagree on the number of draws: {sorted(sizes)}")
    return sizes.pop() if sizes else None


def _as_draws(v: np.ndarray, draws: int | None) -> np.ndarray:
    return v if v.ndim == 2 else np.repeat(v[:, None], draws or 1, axis=1)


def _weight_row(tree: Tree, weights: Mapping[str, np.ndarray] | None, child: str, draws: int | None) -> np.ndarray:
    given = (weights or {}).get(child)
    w = tree.weight.get(child, 1.0) if given is None else given
    return np.broadcast_to(np.asarray(w, dtype=float), (draws or 1,)).astype(float)


def combine(
    x: np.ndarray, w: np.ndarray, rule: str, missing: str = "exclude", *, offset: float = DEFAULT_OFFSET,
    factors: np.ndarray | None = None,
) -> np.ndarray:
    """One node's values from its children's.

    ``x``: units × children × draws (NaN where a child has no value); ``w``: children × draws,
    the children's relative weights (0 or more). Returns units × draws, NaN where the node has no
    value under ``missing``.
    """
    factors = np.ones(x.shape[1]) if factors is None else np.asarray(factors, dtype=float)
    present = ~np.isnan(x)
    if present.all():
        return _complete(x, w, rule, offset, factors)
    if x.shape[2] != w.shape[1]:
        x = np.broadcast_to(x, (x.shape[0], x.shape[1], w.shape[1]))
        present = ~np.isnan(x)
    if rule in ("max", "min"):
        return _extreme(x, present, factors, rule, missing)
    wn, defined = _unit_weights(present, w, missing)
    filled = np.where(present, x, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if rule == "arithmetic":
            value = np.einsum("ukd,ukd->ud", filled, wn)
        elif rule == "geometric":
            value = _geometric(filled, wn, offset)
        elif rule == "reversed_geometric":
            value = 1.0 - (np.exp(np.einsum("ukd,ukd->ud", np.log(9.0 * (1.0 - filled) + 1.0), wn)) - 1.0) / 9.0
        elif rule == "topsis":
            value = _topsis(x, present, wn)
        else:
            raise ValueError(f"aggregation {rule!r} is unknown; valid: {', '.join(RULES)}")
    return np.where(defined, value, np.nan)


def _complete(x: np.ndarray, w: np.ndarray, rule: str, offset: float, factors: np.ndarray) -> np.ndarray:
    """:func:`combine` where every unit has every child (the common case, and every robustness
    draw): one weight per child and draw, matrix products instead of units × children × draws
    weights. ``x`` may hold one column (children without draws) for all the draws of ``w``."""
    draws = w.shape[1]
    if rule in ("max", "min"):
        scaled = x * factors[None, :, None]
        value = scaled.max(axis=1) if rule == "max" else scaled.min(axis=1)
        return np.broadcast_to(value, (x.shape[0], draws)).copy() if value.shape[1] != draws else value
    total = _sequential_sum(w)
    if rule not in RULES:
        raise ValueError(f"aggregation {rule!r} is unknown; valid: {', '.join(RULES)}")
    wn = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if rule == "arithmetic":
            value = _weighted(x, wn)
        elif rule == "geometric":
            # a child of weight 0 is left out (0⁰ = 1): a log of 0 is kept finite so that 0 × it is 0
            logs = np.maximum(np.log(offset + (1.0 - offset) * x), -1e300)
            g = np.exp(_weighted(logs, wn))
            value = np.clip((g - offset) / (1.0 - offset), 0.0, 1.0)
        elif rule == "reversed_geometric":
            value = 1.0 - (np.exp(_weighted(np.log(9.0 * (1.0 - x) + 1.0), wn)) - 1.0) / 9.0
        else:  # topsis
            best, worst = x.max(axis=0, keepdims=True), x.min(axis=0, keepdims=True)
            d_plus, d_minus = np.sqrt(_weighted((x - best) ** 2, wn**2)), np.sqrt(_weighted((x - worst) ** 2, wn**2))
            total_d = d_plus + d_minus
            value = np.divide(d_minus, total_d, out=np.ones_like(total_d), where=total_d > 0)
    return np.where(total > 0, value, np.nan) if (total <= 0).any() else value


def _weighted(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σₖ x[u, k, d]·w[k, d] (``x`` with one column or one per draw) → units × draws, added child
    by child as the page's tree.js adds them, so that both give the same number to the last bit
    (a score of 58.75 is shown as 58.8 in both)."""
    out = np.zeros((x.shape[0], w.shape[1]))
    for k in range(x.shape[1]):
        out += x[:, k, :] * w[k]
    return out


def _sequential_sum(w: np.ndarray) -> np.ndarray:
    """The children's weights summed in order (1 × draws), as tree.js sums them."""
    total = np.zeros((1, w.shape[1]))
    for row in w:
        total += row
    return total


def _unit_weights(present: np.ndarray, w: np.ndarray, missing: str) -> tuple[np.ndarray, np.ndarray]:
    """Per unit and draw, the weights rescaled to sum to 1, and where the node has a value.

    ``exclude``: a unit lacking a child of positive weight has no value; ``renormalise``: the
    weights of the children a unit has are rescaled to sum to 1 (no value if it has none of
    positive weight).
    """
    positive = w[None, :, :] > 0
    if missing == "exclude":
        defined = ~(positive & ~present).any(axis=1)
        kept = np.broadcast_to(w[None, :, :], present.shape)
    else:
        kept = np.where(present, w[None, :, :], 0.0)
        defined = (kept > 0).any(axis=1)
    total = kept.sum(axis=1, keepdims=True)
    wn = np.divide(kept, total, out=np.zeros(present.shape), where=total > 0)
    return np.where(present, wn, 0.0), defined


def _geometric(x: np.ndarray, wn: np.ndarray, offset: float) -> np.ndarray:
    """(Π (f + (1 − f)·xᵢ)^wᵢ − f)/(1 − f); a child of weight 0 is left out (0⁰ = 1)."""
    base = offset + (1.0 - offset) * x
    logs = np.where(wn > 0, np.log(base), 0.0)
    g = np.exp(np.einsum("ukd,ukd->ud", logs, wn))
    return np.clip((g - offset) / (1.0 - offset), 0.0, 1.0)


def _topsis(x: np.ndarray, present: np.ndarray, wn: np.ndarray) -> np.ndarray:
    """Closeness d⁻/(d⁺ + d⁻) to each child's best value among the units that have one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a child no unit has: left out below
        best = np.nanmax(np.where(present, x, np.nan), axis=0, keepdims=True)
        worst = np.nanmin(np.where(present, x, np.nan), axis=0, keepdims=True)
    filled = np.where(present, x, 0.0)
    w2 = wn**2
    d_plus = np.sqrt(np.einsum("ukd,ukd->ud", np.where(present, (filled - best) ** 2, 0.0), w2))
    d_minus = np.sqrt(np.einsum("ukd,ukd->ud", np.where(present, (filled - worst) ** 2, 0.0), w2))
    total = d_plus + d_minus
    return np.divide(d_minus, total, out=np.ones_like(total), where=total > 0)


def _extreme(x: np.ndarray, present: np.ndarray, factors: np.ndarray, rule: str, missing: str) -> np.ndarray:
    """max or min of factorᵢ·xᵢ; under ``exclude`` a unit lacking any child has no value."""
    scaled = x * factors[None, :, None]
    pick = np.nanmax if rule == "max" else np.nanmin
    any_value = present.any(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN units: NaN, as intended
        value = pick(np.where(present, scaled, np.nan), axis=1)
    defined = present.all(axis=1) if missing == "exclude" else any_value
    return np.where(defined, value, np.nan)

