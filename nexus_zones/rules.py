"""Pass/fail rules: a tiny, safe expression language evaluated per unit.

A rule is a Python-like boolean expression over indicator names and layer measures::

    incidents <= 5
    access_impediments == 0
    forces.police and forces.gendarmerie and forces.military
    not (schools.closed > 0)

Allowed: numbers, ``true``/``false``, names (``incidents``) and dotted names (``layer.measure``),
comparisons (``< <= > >= == !=``, chained), ``and``, ``or``, ``not`` and parentheses. A bare name is
true where its value is non-zero. Nothing else parses: no calls, no attributes beyond one dot, no
subscripts, so a config cannot run code.

A value that is missing (NaN) for a unit makes every comparison that reads it *unknown*; an unknown
rule does not pass. :func:`evaluate` returns the verdict and, separately, where it was unknown.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from .errors import short_repr

__all__ = ["ParsedRule", "RuleSyntaxError", "parse_rule", "evaluate"]

_COMPARE = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}


#: Bounds checked before parsing: a rule is one line of a few conditions, not a program.
MAX_RULE_CHARS = 1_000
MAX_RULE_DEPTH = 30


class RuleSyntaxError(ValueError):
    """The expression is not in the rule language; the message says what is not allowed."""


@dataclass(frozen=True)
class ParsedRule:
    """A checked rule expression and the names it reads."""

    expr: str
    tree: ast.Expression
    names: tuple[str, ...]


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def parse_rule(expr: str) -> ParsedRule:
    """Parse and check a rule expression.

    Raises
    ------
    RuleSyntaxError
        If the text is not a valid expression of the rule language.
    """
    text = expr.strip()
    _check_size(text)
    # YAML users write true/false; the parser reads Python's spelling.
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        where = f"at column {exc.offset}" if exc.offset and exc.offset <= len(text) and exc.offset > 0 else "at the end"
        if exc.offset and exc.offset > len(text):
            where = "at the end"
        raise RuleSyntaxError(f"{short_repr(text)} is not a valid expression ({exc.msg} {where})") from None
    except (RecursionError, MemoryError):
        raise RuleSyntaxError(f"{short_repr(text)} is nested too deeply to read") from None
    _check_depth(tree, text)
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Expression):
            visit(node.body)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                visit(value)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            visit(node.operand)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _COMPARE:
                    raise RuleSyntaxError(f"operator {type(op).__name__} is not allowed; use < <= > >= == !=")
            visit(node.left)
            for comparator in node.comparators:
                visit(comparator)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float)):
            pass
        elif (name := _name_of(node)) is not None:
            if name in ("true", "false"):
                return
            names.append(name)
        else:
            raise RuleSyntaxError(f"{short_repr(ast.unparse(node))} is not allowed in a rule")

    visit(tree)
    return ParsedRule(expr=text, tree=tree, names=tuple(dict.fromkeys(names)))


def _check_size(text: str) -> None:
    """Refuse, before parsing, a rule longer than :data:`MAX_RULE_CHARS` or with parentheses nested
    deeper than :data:`MAX_RULE_DEPTH`."""
    if len(text) > MAX_RULE_CHARS:
        raise RuleSyntaxError(f"{short_repr(text)} has {len(text):,} characters, more than the {MAX_RULE_CHARS:,} a rule may have; split it into several rules")
    depth = deepest = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        deepest = max(deepest, depth)
    if deepest > MAX_RULE_DEPTH:
        raise RuleSyntaxError(f"{short_repr(text)} nests parentheses {deepest} deep, more than {MAX_RULE_DEPTH}; remove the extra parentheses")


def _check_depth(tree: ast.AST, text: str) -> None:
    """Refuse, without recursion, a parsed rule nested deeper than :data:`MAX_RULE_DEPTH` (e.g. ``not not not ...``)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_RULE_DEPTH:
            raise RuleSyntaxError(f"{short_repr(text)} is nested more than {MAX_RULE_DEPTH} operations deep; write it more simply")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def evaluate(rule: ParsedRule, values: Mapping[str, pd.Series], index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Evaluate a parsed rule for every unit.

    Parameters
    ----------
    rule
        The output of :func:`parse_rule`.
    values
        Series aligned on ``index`` for every name the rule reads.
    index
        The units.

    Returns
    -------
    passed, unknown
        Boolean Series on ``index``: ``passed`` is true where the rule holds on known values;
        ``unknown`` is true where a value it needed was missing (such units do not pass).
    """

    def ev(node: ast.AST) -> tuple[np.ndarray, np.ndarray]:
        """Return (value, unknown) arrays."""
        n = len(index)
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return np.full(n, float(node.value)), np.zeros(n, dtype=bool)
        name = _name_of(node)
        if name is not None:
            if name in ("true", "false"):
                return np.full(n, 1.0 if name == "true" else 0.0), np.zeros(n, dtype=bool)
            arr = values[name].reindex(index).to_numpy(dtype=float, na_value=np.nan)
            return arr, np.isnan(arr)
        if isinstance(node, ast.UnaryOp):
            val, unk = ev(node.operand)
            if isinstance(node.op, ast.Not):
                return (~_truth(val)).astype(float), unk
            return -val, unk
        if isinstance(node, ast.BoolOp):
            vals = [ev(v) for v in node.values]
            truths = [_truth(v) for v, _ in vals]
            unks = [u for _, u in vals]
            if isinstance(node.op, ast.And):
                # false if any known operand is false; else unknown if any is unknown
                known_false = np.logical_or.reduce([~t & ~u for t, u in zip(truths, unks)])
                unknown = ~known_false & np.logical_or.reduce(unks)
                result = ~known_false & ~unknown
            else:
                known_true = np.logical_or.reduce([t & ~u for t, u in zip(truths, unks)])
                unknown = ~known_true & np.logical_or.reduce(unks)
                result = known_true
            return result.astype(float), unknown
        if isinstance(node, ast.Compare):
            left, unk = ev(node.left)
            result = np.ones(n, dtype=bool)
            for op, comp in zip(node.ops, node.comparators):
                right, runk = ev(comp)
                with np.errstate(invalid="ignore"):
                    result &= _COMPARE[type(op)](left, right)
                unk = unk | runk
                left = right
            return result.astype(float), unk
        raise RuleSyntaxError(f"cannot evaluate {ast.unparse(node)!r}")  # parse_rule prevents this

    val, unknown = ev(rule.tree)
    passed = _truth(val) & ~unknown
    return pd.Series(passed, index=index, dtype=bool), pd.Series(unknown, index=index, dtype=bool)


def _truth(arr: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(arr, nan=0.0) != 0
