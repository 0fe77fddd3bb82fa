"""The typology (:mod:`nexus_zones.analyses.typology`) on the grid's scored model."""

from __future__ import annotations

import pytest

from nexus_zones.analyses import typology

from .._support import grid_model


def test_a_reference_by_name_is_found_and_is_identical_to_itself(grid_cfg) -> None:
    model = grid_model(grid_cfg)
    result = typology.run(model, typology.Spec(reference="bravo two"))
    assert (result.reference, result.reference_name) == ("B2", "Bravo Two")
    assert result.similarity["B2"] == pytest.approx(1.0)
    # B1 differs from B2 on health (0 vs 1) and closed (0.75 vs 1): 1 - sqrt(1 + 0.0625) / sqrt(3)
    assert result.similarity["B1"] == pytest.approx(1 - (1 + 0.25**2) ** 0.5 / 3**0.5)
    assert result.profile is None and typology.tables(result) == {}
    assert typology.unit_columns(result).columns.tolist() == ["similarity"]


def test_profiles_number_every_unit_and_write_their_centres(grid_cfg) -> None:
    result = typology.run(grid_model(grid_cfg), typology.Spec(profiles=2))
    assert set(result.profile) == {1, 2} and len(result.profile) == 4
    assert list(typology.tables(result)["profiles"]["profile"]) == [1, 2]


def test_neither_asked_for_it_does_not_run(grid_cfg) -> None:
    assert typology.run(grid_model(grid_cfg), typology.Spec()) is None
