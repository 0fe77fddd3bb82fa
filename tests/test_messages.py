"""Texts and numbers of the page and the brief (:mod:`nexus_zones.messages`): numbers in each
language's convention, largest-remainder points that keep the total, the words for robustness."""

from __future__ import annotations

import ast
import math
from collections import Counter

from nexus_zones.messages import fixed, number, ordinal, percent, share_text, t

from ._support import largest_remainder

from ._support import NNBSP, REPO


# ------------------------------------------------------------------------ numbers and language


def test_numbers_follow_the_language() -> None:
    assert number(1504, "fr") == "1" + NNBSP + "504" and number(1504, "en") == "1,504"
    assert number(1234567.8, "fr") == "1" + NNBSP + "234" + NNBSP + "568" and number(1234567.8, "en") == "1,234,568"
    assert number(0.25, "fr") == "0,25" and number(0.25, "en") == "0.25"
    assert number(2.345, "fr") == "2,35" and number(2.345, "en") == "2.35"  # 3 significant digits
    assert fixed(97.66, "fr") == "97,7" and fixed(97.66, "en") == "97.7"
    assert fixed(1504.25, "fr", 2) == "1" + NNBSP + "504,25" and fixed(1504.25, "en", 2) == "1,504.25"
    assert percent(0.3, "fr") == "30" + NNBSP + "%" and percent(0.3, "en") == "30%"


def test_largest_remainder_keeps_the_total() -> None:
    # 33.34 + 33.33 + 33.33 = 100.00, shown 100.0 = 1000 tenths; cut down: 333 + 333 + 333 = 999 tenths;
    # the one tenth missing goes to the largest remainder (0.4 of a tenth for 33.34, 0.3 for the others)
    assert largest_remainder([33.34, 33.33, 33.33]) == [33.4, 33.3, 33.3]
    # 4 × 0.25 = 1.0 = 10 tenths; cut down: 2 + 2 + 2 + 2 = 8; the two missing tenths go to the first two
    # of the equal remainders (0.5 each): 0.3 + 0.3 + 0.2 + 0.2 = 1.0, where rounding each (0.2) gives 0.8
    assert largest_remainder([0.25, 0.25, 0.25, 0.25]) == [0.3, 0.3, 0.2, 0.2]
    # 1.26 + 2.26 = 3.52, shown 3.5 = 35 tenths; cut: 12 + 22 = 34; one tenth to the first equal remainder
    assert largest_remainder([1.26, 2.26]) == [1.3, 2.2]
    assert math.isnan(largest_remainder([math.nan, 1.0])[0]) and largest_remainder([math.nan, 1.0])[1] == 1.0


def test_top_k_words_are_right_for_one_and_for_many() -> None:
    """"parmi les 1 premiers" was the page's French for k = 1: one is "1st" / "au 1er rang"."""
    assert t("robustness_view", "fr", k=1) == "Robustesse (part des pondérations essayées qui placent l'unité au 1er rang)"
    assert t("robustness_view", "fr", k=5) == "Robustesse (part des pondérations essayées qui placent l'unité parmi les 5 premiers)"
    assert t("top_k", "en", k=1) == "Outlined: 1st" and t("top_k", "en", k=3) == "Outlined: among the first 3"
    assert "robust" not in t("robust_def", "en", draws="1,000").lower()


def test_numbers_never_in_exponent_notation() -> None:
    """"contre 7,7e+02 en moyenne" was a French popup's mean: 770 to 2 digits is written whole."""
    assert number(770.4, "fr", 2) == "770" and number(123.4, "en", 2) == "123"
    assert number(0.00001234, "en") == "0.0000123" and number(1.5e-5, "en", 1) == "0.00002"
    assert number(0.25, "fr", 2) == "0,25" and number(1504.25, "fr") == "1\u202f504"


def test_shares_never_read_0_or_100_unless_exact() -> None:
    assert share_text(0.9996, "en") == "99.96%" and share_text(0.0004, "en") == "0.04%"
    assert share_text(1.0, "fr") == "100\u202f%" and share_text(0.0, "en") == "0%" and share_text(0.62, "en") == "62%"


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]
    assert ordinal(1, "fr") == "1er" and ordinal(2, "fr") == "2e"


def test_no_key_of_the_catalogue_is_written_twice() -> None:
    """CATALOGUE is built from several literals (``CATALOGUE.update({...})``): a key written in two of
    them silently loses its first text (the brief's ranking once showed a claim's template,
    "Rank band at the config's weights: {lo}–{hi} …", as a column's header)."""
    tree = ast.parse((REPO / "nexus_zones" / "messages.py").read_text(encoding="utf-8"))
    literals = []
    for node in tree.body:  # CATALOGUE: dict = {...} and CATALOGUE.update({...}), at the module's top level
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "CATALOGUE":
            literals.append(node.value)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and getattr(node.value.func, "attr", None) == "update" \
                and getattr(node.value.func.value, "id", None) == "CATALOGUE":
            literals.append(node.value.args[0])
    keys = [k.value for d in literals if isinstance(d, ast.Dict) for k in d.keys if isinstance(k, ast.Constant)]
    assert len(keys) > 200  # the literals were found
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert t("rank_band_head", "en") == "Rank band" and t("rank_band_head", "fr") == "Fourchette de rangs"
