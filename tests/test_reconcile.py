"""Matching rows to units (:mod:`nexus_zones.reconcile`): names across accents, case, hyphens and
spaces; aliases, parents and ambiguity; code schemes that name other places; codes conformed from
Excel and typing variants."""

from __future__ import annotations

import pandas as pd

from nexus_zones import reconcile

from ._support import NAMED_UNITS


def test_names_match_across_accents_case_hyphens_and_spaces():
    table = pd.DataFrame({"name": ["DIRE", "Gourma Rharous", "niafunke", "Gourma  -  Rharous"]})
    ids, rep = reconcile.match_rows(table, NAMED_UNITS, name_column="name")
    assert ids.tolist() == ["ML0602", "ML0604", "ML0605", "ML0604"]
    assert (rep.by_code, rep.by_name, rep.unmatched, rep.ambiguous) == (0, 4, (), ())


def test_aliases_parents_and_ambiguity():
    table = pd.DataFrame({"name": ["Tombouctou commune", "Bourem", "Bourem", "Atlantis"], "parent": ["Tombouctou", "Gao", "", ""]})
    ids, rep = reconcile.match_rows(table, NAMED_UNITS, name_column="name", parent_column="parent", aliases={"Tombouctou Commune": "Dire"})
    assert ids.tolist() == ["ML0602", "ML0702", None, None]
    assert rep.by_name == 2
    assert rep.unmatched == ("'Atlantis' in ''",)
    assert rep.ambiguous == ("'Bourem' in '' could be Bourem (ML0702), Bourem (ML0899)",)


def test_code_scheme_that_names_other_places_is_detected_and_not_used():
    # Cadre Harmonisé style: alphabetical codes under the same names
    table = pd.DataFrame({"code": ["ML0602", "ML0604", "ML0605"], "name": ["Gourma-Rharous", "Niafunke", "Dire"]})
    ids, rep = reconcile.match_rows(table, NAMED_UNITS, code_column="code", name_column="name")
    assert not rep.codes_used
    assert ids.tolist() == ["ML0604", "ML0605", "ML0602"]  # by name, not by the clashing codes
    assert rep.by_code == 0 and rep.by_name == 3
    assert rep.scheme_conflicts[0] == "ML0602 is 'Gourma-Rharous' in the table but 'Diré' in the boundaries"


def test_agreeing_codes_are_used_and_a_lone_clash_falls_back_to_names():
    table = pd.DataFrame({"code": ["ML0602", "ML0604", "ML0605", "ML0702", "XX99"], "name": ["Dire", "Gourma-Rharous", "Niafunke", "Bourem", "Dire"]})
    ids, rep = reconcile.match_rows(table, NAMED_UNITS, code_column="code", name_column="name")
    assert rep.codes_used and rep.by_code == 4 and rep.by_name == 1
    assert rep.codes_shared == 4
    assert ids.tolist() == ["ML0602", "ML0604", "ML0605", "ML0702", "ML0602"]


def test_a_blank_name_does_not_cancel_a_good_code():
    table = pd.DataFrame({"code": ["ML0602", "ML0604", "ML0605"], "name": ["Dire", "", "Niafunke"]})
    ids, rep = reconcile.match_rows(table, NAMED_UNITS, code_column="code", name_column="name")
    assert rep.codes_used and ids.tolist() == ["ML0602", "ML0604", "ML0605"]


# ------------------------------------------------------------------------------- the kernels


def test_conform_codes_reads_excel_and_typing_variants():
    known = pd.Index(["ML0602", "60201", "ML0603"])
    codes = pd.Series(["ml0602", "60201.0", "'ML0603", "MLI0602", ""], index=[2, 3, 4, 5, 6])
    out, notes = reconcile.conform_codes(codes, known)
    assert out.tolist() == ["ML0602", "60201", "ML0603", "MLI0602", ""]  # another scheme's code is left to the scheme check
    assert notes == ("\"'ML0603\" → 'ML0603' (row 4)", "'60201.0' → '60201' (row 3)", "'ml0602' → 'ML0602' (row 2)")


def test_conform_codes_never_picks_between_two_boundary_codes():
    out, notes = reconcile.conform_codes(pd.Series(["ab1"]), pd.Index(["AB1", "ab1 "]))
    assert notes == () and out.tolist() == ["ab1"]
