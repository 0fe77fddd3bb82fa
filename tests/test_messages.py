"""Texts and numbers of the page and the brief (:mod:`nexus_zones.messages`): numbers in each
language's convention, largest-remainder points that keep the total, the words for robustness."""

from __future__ import annotations

import math

from nexus_zones.messages import fixed, largest_remainder, number, percent, t

from ._support import NNBSP


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


def test_robust_reads_as_what_it_means() -> None:
    assert t("robust_in", "en", k=3) == "in the top 3 whatever the weights"
    assert t("not_robust", "fr", k=3) == "parmi les 3 premières ou non selon les poids"
    assert "robust" not in t("robust_def", "en", k=3, draws="1,000", hi="90%", lo="10%").lower()
