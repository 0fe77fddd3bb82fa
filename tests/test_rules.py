"""Pass/fail rules (:mod:`nexus_zones.rules`): the safe expression syntax, its bounds checked before
parsing, and evaluation with missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus_zones import rules
from nexus_zones.rules import MAX_RULE_CHARS, MAX_RULE_DEPTH, parse_rule, RuleSyntaxError


# ---------------------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    "expr, message",
    [
        ("incidents <=", "not a valid expression"),
        ("__import__('os').system('true')", "is not allowed"),
        ("incidents + 1 > 2", "is not allowed"),
        ("a.b.c", "is not allowed"),
        ("incidents in [1, 2]", "operator In is not allowed"),
    ],
)
def test_rule_syntax_refused(expr, message):
    with pytest.raises(rules.RuleSyntaxError, match=message):
        rules.parse_rule(expr)


def test_rule_evaluation_with_missing_values():
    idx = pd.Index(["u1", "u2", "u3", "u4"])
    values = {"x": pd.Series([1.0, 6.0, np.nan, 0.0], index=idx), "f.p": pd.Series([1.0, 1.0, 0.0, np.nan], index=idx)}
    # "and": a known false operand decides (u3), else a missing value makes it unknown (u4)
    passed, unknown = rules.evaluate(rules.parse_rule("x <= 5 and f.p"), values, idx)
    assert passed.tolist() == [True, False, False, False]
    assert unknown.tolist() == [False, False, False, True]
    # "or": a known true operand decides (u4), else a missing value makes it unknown (u3)
    passed, unknown = rules.evaluate(rules.parse_rule("x <= 5 or f.p"), values, idx)
    assert passed.tolist() == [True, True, False, True]
    assert unknown.tolist() == [False, False, True, False]
    passed, _ = rules.evaluate(rules.parse_rule("not (x > 0) and 0 <= x < 2"), values, idx)
    assert passed.tolist() == [False, False, False, True]


def test_rule_bounds_are_checked_before_parsing(monkeypatch):
    monkeypatch.setattr("nexus_zones.rules.ast.parse", lambda *a, **k: pytest.fail("parsed a contrived rule"))
    for expr in ("x <= 1 or " * (MAX_RULE_CHARS // 10 + 1) + "x", "(" * (MAX_RULE_DEPTH + 1) + "x" + ")" * (MAX_RULE_DEPTH + 1)):
        with pytest.raises(RuleSyntaxError) as info:
            parse_rule(expr)
        assert len(str(info.value)) < 300
