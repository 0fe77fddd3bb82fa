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

import threading
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

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
#
# Inside, a node's values are *rows*: draws × units, or 1 × units for a value the draws do not move
# (an indicator; a max or min of such values). A node's children are combined one after the other,
# each step a whole (draws × units) array operation: the same additions in the same order as
# tree.js makes them for one unit, so that the draws, a single evaluation and the page give the same
# number to the last bit. Nothing of units × children × draws is held, and the units lie side by
# side in memory (numpy's loops run along them: twice as fast as along a few dozen draws).


def evaluate(
    tree: Tree, values: Mapping[str, np.ndarray], weights: Mapping[str, np.ndarray] | None = None, *, keep: Iterable[str] | None = None,
) -> dict[str, np.ndarray]:
    """Every node's value, bottom-up.

    ``values``: each indicator's normalised values (0–1, NaN where missing), units or
    units × draws. ``weights``: per child (indicator or node), its weight or one weight per draw
    (draws); missing ones are the tree's. Returns each node's values (units × draws, or units if
    neither values nor weights have draws), NaN where the node has none. ``keep``: the nodes to
    return (default all); the others are let go as soon as their parent has its value.
    """
    draws = _draws(values, weights)
    known: dict[str, np.ndarray] = {k: _as_rows(np.asarray(v, dtype=float)) for k, v in values.items()}
    wanted = set(tree.order) if keep is None else set(keep)
    for name in tree.order:
        node = tree.nodes[name]
        w = np.stack([_weight_row(tree, weights, c, draws) for c in node.children])
        f = np.array([tree.factor.get(c, 1.0) for c in node.children])
        known[name] = _combine([known[c] for c in node.children], w, node.aggregation, node.missing, node.offset, f)
        for c in node.children:
            if c in tree.nodes and c not in wanted:
                del known[c]
    if draws is None:
        return {name: known[name][0] for name in tree.order if name in wanted}
    return {name: _widen(known[name], draws).T for name in tree.order if name in wanted}


def _as_rows(v: np.ndarray) -> np.ndarray:
    """units, or units × draws, as draws × units (1 × units without draws), side by side in memory."""
    return np.ascontiguousarray(v[None, :] if v.ndim == 1 else v.T)


def _widen(v: np.ndarray, draws: int) -> np.ndarray:
    """1 × units (a value the draws' weights do not move) as draws × units."""
    return v if len(v) == draws else np.repeat(v, draws, axis=0)


def _draws(values: Mapping[str, np.ndarray], weights: Mapping[str, np.ndarray] | None) -> int | None:
    """The number of draws of the values or the weights (``None``: a single evaluation)."""
    sizes = {np.asarray(v).shape[1] for v in values.values() if np.ndim(v) == 2}
    sizes |= {np.size(v) for v in (weights or {}).values() if np.ndim(v) == 1}
    if len(sizes) > 1:
        raise ValueError(f"values and weights disagree on the number of draws: {sorted(sizes)}")
    return sizes.pop() if sizes else None


def _weight_row(tree: Tree, weights: Mapping[str, np.ndarray] | None, child: str, draws: int | None) -> np.ndarray:
    given = (weights or {}).get(child)
    w = tree.weight.get(child, 1.0) if given is None else given
    return np.broadcast_to(np.asarray(w, dtype=float), (draws or 1,)).astype(float)


def combine(
    x: np.ndarray, w: np.ndarray, rule: str, missing: str = "exclude", *, offset: float = DEFAULT_OFFSET,
    factors: np.ndarray | None = None,
) -> np.ndarray:
    """One node's values from its children's.

    ``x``: units × children × draws (NaN where a child has no value; one column serves every
    draw); ``w``: children × draws, the children's relative weights (0 or more). Returns
    units × draws, NaN where the node has no value under ``missing``.
    """
    if rule not in RULES:
        raise ValueError(f"aggregation {rule!r} is unknown; valid: {', '.join(RULES)}")
    factors = np.ones(x.shape[1]) if factors is None else np.asarray(factors, dtype=float)
    rows = [x[:, k, :].T for k in range(x.shape[1])]
    return _widen(_combine(rows, np.asarray(w, dtype=float), rule, missing, offset, factors), w.shape[1]).T


def _combine(children: Sequence[np.ndarray], w: np.ndarray, rule: str, missing: str, offset: float, factors: np.ndarray) -> np.ndarray:
    """One node's rows from its children's (each draws × units or 1 × units, NaN where a child has
    no value); ``w``: children × draws. Returns draws × units, or 1 × units when no child has draws
    and the rule ignores the weights (max, min)."""
    absent = [_absent(c) for c in children]
    if rule in ("max", "min"):
        return _extreme(children, absent, factors, rule, missing)
    if all(a is None for a in absent):
        return _complete(children, w, rule, offset)
    if all(a is None or len(a) == 1 for a in absent):
        return _by_pattern(children, absent, w, rule, missing, offset)
    return _incomplete(children, absent, w, rule, missing, offset)


def _absent(row: np.ndarray) -> np.ndarray | None:
    """Where a child has no value (``None``: it has one everywhere, the common case, told by one
    sum: NaN only if a value is)."""
    if not np.isnan(np.add.reduce(row, axis=None)):
        return None
    gone = np.isnan(row)
    return gone if gone.any() else None


def _complete(children: Sequence[np.ndarray], w: np.ndarray, rule: str, offset: float, ends: Sequence[tuple] | None = None) -> np.ndarray:
    """A node where every unit has every child (the common case): one weight per child and draw.
    ``ends``: under topsis, each child's best and worst value (default: among these units)."""
    total = _sequential_sum(w)
    wn = np.divide(w, total, out=np.zeros_like(w), where=total > 0)[:, :, None]  # children × draws × 1
    units = children[0].shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if rule == "arithmetic":
            value = _weighted(units, children, wn)
        elif rule == "geometric":
            # a child of weight 0 is left out (0⁰ = 1), whatever its log (of 0, or of a value a hair
            # below 0 from a reversed geometric child), as tree.js leaves it out
            value = _from_logs(_weighted(units, (_log_offset(c, offset) for c in children), wn, leave_out=True), offset)
        elif rule == "reversed_geometric":
            value = _from_reversed_logs(_weighted(units, (_reversed_log(c) for c in children), wn))
        else:  # topsis
            w2 = wn**2
            ends = ends or [_ends(c) for c in children]
            d_plus = np.sqrt(_weighted(units, ((c - best) ** 2 for c, (best, _) in zip(children, ends)), w2))
            d_minus = np.sqrt(_weighted(units, ((c - worst) ** 2 for c, (_, worst) in zip(children, ends)), w2))
            value = _closeness(d_plus, d_minus)
    return np.where(total.T > 0, value, np.nan) if (total <= 0).any() else value


def _by_pattern(children: Sequence[np.ndarray], absent: Sequence[np.ndarray | None], w: np.ndarray, rule: str, missing: str, offset: float) -> np.ndarray:
    """:func:`_incomplete` where which children a unit lacks is the same in every draw (indicators
    left empty): the units grouped by the children they have, each large group a complete node over
    those children, the units of the rare groups together through :func:`_incomplete`. The same
    numbers, without draws × units weights per child for most units: a missing child added 0 with
    weight 0, and its weight 0 to the sum of the weights (under ``exclude``, a group lacking a child
    of positive weight in a draw has no value in that draw)."""
    ends = [_ends(c) for c in children] if rule == "topsis" else None
    units = children[0].shape[1]
    out = np.full((w.shape[1], units), np.nan)
    rare = []
    for kept, group in _patterns(absent, units):
        if len(group) < max(_GROUP_UNITS, units // _GROUP_SHARE):
            rare.append(group)
            continue
        lacking = (w[~kept] > 0).any(axis=0)[:, None] if missing == "exclude" else np.zeros((w.shape[1], 1), dtype=bool)
        if not kept.any() or lacking.all():
            continue
        ks = np.flatnonzero(kept)
        value = _complete([children[k][:, group] for k in ks], w[ks], rule, offset, None if ends is None else [ends[k] for k in ks])
        out[:, group] = np.where(lacking, np.nan, value) if lacking.any() else value
    if rare:
        rows = np.concatenate(rare)
        out[:, rows] = _incomplete([c[:, rows] for c in children], [None if a is None else a[:, rows] for a in absent], w, rule, missing, offset, ends)
    return out


#: A group of :func:`_by_pattern` with fewer units than this, or than the units over
#: ``_GROUP_SHARE``, is scored with the other rare ones, by weights per unit: fewer, larger array
#: operations.
_GROUP_UNITS, _GROUP_SHARE = 64, 64


def _patterns(absent: Sequence[np.ndarray | None], units: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The units grouped by the children they have: (which children, which units) per group."""
    has = np.column_stack([np.ones(units, dtype=bool) if a is None else ~a[0] for a in absent])
    if has.shape[1] < 63:  # a unit's children as the bits of one number: faster to sort than rows
        _, first, group = np.unique(has @ (1 << np.arange(has.shape[1], dtype=np.int64)), return_index=True, return_inverse=True)
    else:
        _, first, group = np.unique(has, axis=0, return_index=True, return_inverse=True)
    group = group.ravel()
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(first) + 1))
    return [(has[first[g]], order[bounds[g] : bounds[g + 1]]) for g in range(len(first))]


def _ends(row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A child's best and worst value among the units that have it, per draw (NaN where none has:
    then left out where it is used). ``fmax``/``fmin`` pass over NaN without the warning of
    ``nanmax``, whose silencing is not safe in threads."""
    return np.fmax.reduce(row, axis=1, keepdims=True), np.fmin.reduce(row, axis=1, keepdims=True)


def _incomplete(
    children: Sequence[np.ndarray], absent: Sequence[np.ndarray | None], w: np.ndarray, rule: str, missing: str, offset: float,
    ends: Sequence[tuple] | None = None,
) -> np.ndarray:
    """A node where some unit lacks a child, not the same in every draw: weights per draw and unit
    under ``missing`` (see :func:`_unit_weights`), a missing child counted as 0 with weight 0.
    ``ends``: under topsis, each child's best and worst value (default: among these units)."""
    wn, defined = _unit_weights(absent, w, missing)
    filled = [c if a is None else np.where(a, 0.0, c) for c, a in zip(children, absent)]
    units = children[0].shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if rule == "arithmetic":
            value = _weighted(units, filled, wn)
        elif rule == "geometric":
            logs = (np.where(v > 0, _log_offset(c, offset), 0.0) for c, v in zip(filled, wn))
            value = _from_logs(_weighted(units, logs, wn), offset)
        elif rule == "reversed_geometric":
            value = _from_reversed_logs(_weighted(units, (_reversed_log(c) for c in filled), wn))
        else:  # topsis: each child's best and worst among the units that have it
            w2 = [v**2 for v in wn]
            ends = ends or [_ends(c) for c in children]
            d_plus = np.sqrt(_weighted(units, _gaps(filled, absent, [best for best, _ in ends]), w2))
            d_minus = np.sqrt(_weighted(units, _gaps(filled, absent, [worst for _, worst in ends]), w2))
            value = _closeness(d_plus, d_minus)
    return np.where(defined, value, np.nan)


def _log_offset(x: np.ndarray, offset: float) -> np.ndarray:
    """log(f + (1 − f)·x), the geometric mean's logs (log x itself when f = 0: the same bits)."""
    return np.log(x) if offset == 0.0 else np.log(offset + (1.0 - offset) * x)


def _from_logs(total: np.ndarray, offset: float) -> np.ndarray:
    """(exp(Σ w·log) − f)/(1 − f) within 0–1 (in place: ``total`` is the weighted sum's own array)."""
    g = np.exp(total, out=total)
    if offset != 0.0:  # g − 0 and g / 1 are g
        g -= offset
        g /= 1.0 - offset
    return np.clip(g, 0.0, 1.0, out=g)


def _reversed_log(x: np.ndarray) -> np.ndarray:
    """log(9·(1 − x) + 1), INFORM's reversed geometric mean's logs."""
    t = np.subtract(1.0, x)
    t *= 9.0
    t += 1.0
    return np.log(t, out=t)


def _from_reversed_logs(total: np.ndarray) -> np.ndarray:
    """1 − (exp(Σ w·log) − 1)/9 (in place: ``total`` is the weighted sum's own array)."""
    g = np.exp(total, out=total)
    g -= 1.0
    g /= 9.0
    return np.subtract(1.0, g, out=g)


def _weighted(units: int, terms: Iterable[np.ndarray], w: Sequence[np.ndarray], *, leave_out: bool = False) -> np.ndarray:
    """Σₖ termₖ·wₖ (each term 1 × units or draws × units, each weight draws × 1 or draws × units)
    → draws × units, added child by child as the page's tree.js adds them, so that both give the
    same number to the last bit (a score of 58.75 is shown as 58.8 in both). ``leave_out``: a term
    of weight 0 adds 0 whatever it is (an infinite or NaN log)."""
    out = np.zeros((len(w[0]), units))
    product = _scratch(out.shape)
    for term, weight in zip(terms, w):
        np.multiply(term, weight, out=product)
        if leave_out and (weight <= 0).any():
            np.copyto(product, 0.0, where=~(weight > 0))
        out += product
    return out


#: Each thread's scratch array for :func:`_weighted`'s products: the same few megabytes reused
#: chunk after chunk of draws rather than asked of the allocator each time (15 % of the draws' time).
_SCRATCH = threading.local()


def _scratch(shape: tuple[int, int]) -> np.ndarray:
    """This thread's scratch array of ``shape`` (its contents are garbage)."""
    buf = getattr(_SCRATCH, "buf", None)
    if buf is None or buf.shape != shape:
        buf = _SCRATCH.buf = np.empty(shape)
    return buf


def _sequential_sum(w: np.ndarray) -> np.ndarray:
    """The children's weights summed in order (1 × draws), as tree.js sums them."""
    total = np.zeros((1, w.shape[1]))
    for row in w:
        total += row
    return total


def _unit_weights(absent: Sequence[np.ndarray | None], w: np.ndarray, missing: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Per child, its weight rescaled to sum to 1 over the children counted (draws × 1, or
    draws × units where a unit lacks a child: 0 there), and where the node has a value.

    ``exclude``: a unit lacking a child of positive weight has no value; ``renormalise``: the
    weights of the children a unit has are rescaled to sum to 1 (no value if it has none of
    positive weight). Under both, no value where every child weighs 0.
    """
    columns = w[:, :, None]  # children × draws × 1
    if missing == "exclude":
        kept = list(columns)
        total = _sequential_sum(w).T
        lacking = np.zeros((1, 1), dtype=bool)
        for a, weight in zip(absent, columns):
            if a is not None:
                lacking = lacking | (a & (weight > 0))
        defined = ~lacking & (total > 0)  # children all of weight 0: no value, as in _complete
    else:
        kept = [weight if a is None else np.where(a, 0.0, weight) for a, weight in zip(absent, columns)]
        total = np.zeros((w.shape[1], 1))
        for k in kept:
            total = total + k
        defined = total > 0
    wn = [np.divide(k, total, out=np.zeros(np.broadcast_shapes(k.shape, total.shape)), where=total > 0) for k in kept]
    return [v if a is None else np.where(a, 0.0, v) for v, a in zip(wn, absent)], defined


def _gaps(filled: Sequence[np.ndarray], absent: Sequence[np.ndarray | None], ends: Sequence[np.ndarray]) -> Iterable[np.ndarray]:
    """Each child's squared distance to its best (or worst) value among the units that have it; 0
    where a unit lacks it."""
    for x, a, end in zip(filled, absent, ends):
        gap = (x - end) ** 2
        yield gap if a is None else np.where(a, 0.0, gap)


def _closeness(d_plus: np.ndarray, d_minus: np.ndarray) -> np.ndarray:
    """TOPSIS's d⁻/(d⁺ + d⁻); 1 where a unit is both best and worst (every unit alike)."""
    total = d_plus + d_minus
    return np.divide(d_minus, total, out=np.ones_like(total), where=total > 0)


def _extreme(children: Sequence[np.ndarray], absent: Sequence[np.ndarray | None], factors: np.ndarray, rule: str, missing: str) -> np.ndarray:
    """max or min of factorᵢ·xᵢ (weights do not matter); under ``exclude`` a unit lacking any child
    has no value, under ``renormalise`` only a unit lacking every child."""
    pick = np.fmax if rule == "max" else np.fmin  # a missing child (NaN) is passed over
    value = children[0] * factors[0]
    for c, f in zip(children[1:], factors[1:]):
        value = pick(value, c * f)
    if missing == "exclude" and any(a is not None for a in absent):
        lacking = np.zeros((1, 1), dtype=bool)
        for a in absent:
            if a is not None:
                lacking = lacking | a
        value = np.where(lacking, np.nan, value)
    return value
