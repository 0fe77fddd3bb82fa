"""The closest weights are always verified by re-scoring: an LP optimum that fails it gives way to the search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus_zones import decision
from nexus_zones.score import Structure

VALUES = np.array([[1.0, 0.0, 0.0], [0.5, 1.0, 1.0], [0.0, 0.4, 0.0]])  # as in test_decision: U2 first needs w_b ≥ 1/3
W0 = np.array([0.75, 0.25, 0.0])


def test_an_lp_optimum_failing_the_rescoring_gives_way_to_the_verified_search(monkeypatch) -> None:
    # the solver answers weights that leave U1 first (as a tie left unresolved by its tolerance could):
    # the run does not stop on an internal error, it takes the seeded search, checked at every step
    monkeypatch.setattr(decision, "closest_weights_lp", lambda *a, **k: decision.ClosestWeights(W0.copy(), 0.0, "lp", "found"))
    index = pd.Index(["U1", "U2", "U3"])
    row = decision._one_choice("U2", "national", index, VALUES, W0, Structure(("a", "b", "c")), np.zeros(3), np.array(["R"] * 3), 2018, 2000)
    assert row["status"] == "found" and "search" in row["method"]
    assert decision.is_first(VALUES, row["_w"], Structure(("a", "b", "c")), 1, np.array([0, 2]))
    # the search finds the exact optimum's neighbourhood: w_b just above 1/3, L1 distance near 2·(1/3 − 1/4) = 1/6
    assert row["distance_l1"] == pytest.approx(1 / 6, abs=0.01)
