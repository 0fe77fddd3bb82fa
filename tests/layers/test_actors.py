"""The actors kind (:mod:`nexus_zones.layers.actors`): 3W tables read with their HXL row, distinct
organisations counted by type, untyped rows reported, organisation names folded (acronyms kept apart)."""

from __future__ import annotations

import pandas as pd
import pytest

from nexus_zones.errors import SpellingVariantWarning, UnusedValueWarning
from nexus_zones.layers import actors as actors_mod

from .._support import grid_units


def test_hxl_row_is_skipped(tmp_path):
    path = tmp_path / "3w.csv"
    path.write_text("org,type,pcode\n#org+name,#sector,#adm2+code\nWFP,Humanitarian,A1\n", encoding="utf-8")
    actors = actors_mod.read_actors(path, unit_column="#adm2+code", organisation_column="#org", type_column="type",
                              humanitarian=["humanitarian"], development=["development"])
    assert len(actors) == 1 and actors["actor_type"].iloc[0] == "humanitarian"
    assert actors["code"].iloc[0] == "A1" and actors["organisation"].iloc[0] == "WFP"


def test_count_actors_distinct_organisations(grid_files):
    actors = actors_mod.read_actors(grid_files["actors"], unit_column="pcode", organisation_column="org", type_column="type",
                              humanitarian=["humanitarian", "humanitaire"], development=["development", "developpement"])
    actors = actors.assign(unit_id=actors["code"])
    out = actors_mod.count_actors(grid_units(), actors)
    # A1: WFP (twice, counted once) + UNDP; A2: WFP + NRC ("Humanitaire"); B1: GIZ ("Développement"); B2: none
    assert out["humanitarian"].to_dict() == {"A1": 1, "A2": 2, "B1": 0, "B2": 0}
    assert out["development"].to_dict() == {"A1": 1, "A2": 0, "B1": 1, "B2": 0}
    assert out["actors"].to_dict() == {"A1": 2, "A2": 2, "B1": 1, "B2": 0}
    assert out["both"].to_dict() == {"A1": 1, "A2": 0, "B1": 0, "B2": 0}


def test_count_actors_reports_untyped_rows():
    actors = pd.DataFrame({"unit_id": ["A1"], "organisation": ["X"], "actor_type": [None], "type_value": ["Donor"]})
    with pytest.warns(UnusedValueWarning, match=r"type values \['Donor'\] are neither"):
        out = actors_mod.count_actors(grid_units(), actors)
    assert out["actors"].sum() == 0


def test_organisations_fold_but_acronyms_stay_apart():
    names = pd.Series(["WFP", "wfp", "W.F.P.", "PAM", "Médecins Sans Frontières", "Medecins sans frontieres", "MSF"])
    with pytest.warns(SpellingVariantWarning, match=r"'wfp', 'W\.F\.P\.' → 'WFP'; 'Medecins sans frontieres' → 'Médecins Sans Frontières'"):
        folded = actors_mod.fold_organisations(names)
    assert folded.nunique() == 4  # WFP, PAM, Médecins Sans Frontières, MSF
    with pytest.warns(SpellingVariantWarning, match=r"'PAM' \(alias\) → 'WFP'.*'MSF' \(alias\) → 'Médecins Sans Frontières'"):
        folded = actors_mod.fold_organisations(names, aliases={"PAM": "WFP", "MSF": "Médecins Sans Frontières"})
    assert folded.nunique() == 2
