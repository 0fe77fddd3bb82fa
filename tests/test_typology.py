"""Similar units and profiles (:mod:`nexus_zones.typology`): similarity by hand, and profiles that
find separated groups numbered from the best."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import nexus_zones
from nexus_zones import typology


# ----------------------------------------------------------------------------------------- typology


def test_similarity_by_hand():
    norm = pd.DataFrame({"a": [1.0, 1.0, 0.0, 0.5], "b": [1.0, 0.0, 0.0, np.nan]}, index=["ref", "half", "far", "gap"])
    sim = typology.similarity(norm, "ref")
    # distance / √K: half = 1/√2, far = √2/√2 = 1, gap uses a only: 0.5/1
    assert sim.tolist() == pytest.approx([1.0, 1 - 1 / math.sqrt(2), 0.0, 0.5])


def test_profiles_find_separated_groups_and_number_them_from_the_best():
    norm = pd.DataFrame({"a": [0.9, 0.95, 0.1, 0.05, 0.5], "b": [0.8, 0.9, 0.2, 0.1, 0.5]}, index=list("pqrst"))
    labels, centres = typology.profiles(norm.iloc[:4], 2, seed=1)
    assert labels.to_dict() == {"p": 1, "q": 1, "r": 2, "s": 2}
    assert centres.loc[1].tolist() == pytest.approx([0.925, 0.85])
    with pytest.raises(nexus_zones.InputDataError, match=r"typology.reference: found 'Atlantis'"):
        typology.find_unit("Atlantis", pd.Series({"u": "Diré"}))
    assert typology.find_unit("dire", pd.Series({"u": "Diré"})) == "u"


def test_a_reference_spelled_with_a_hyphen_names_the_code_the_boundaries_write():
    with pytest.raises(nexus_zones.InputDataError) as err:
        typology.find_unit("ML-0602", pd.Series({"ML0602": "Diré", "ML0603": "Goundam"}), key="decision.focus[0]")
    [problem] = err.value.problems
    assert str(problem) == ("decision.focus[0]: found 'ML-0602' (the boundaries write 'ML0602'); expected a unit id or name of the study. "
                            "Fix: write 'ML0602'")
