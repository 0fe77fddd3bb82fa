"""Two sources, one judgement (:mod:`nexus_zones.analyses.triangulation`): two lists of incidents that
disagree on a rule; the sources table, the sentences and the ranks under each source, checked against
counts and ranks worked out by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import nexus_zones
from nexus_zones import claims, explain
from nexus_zones.analyses import triangulation
from nexus_zones.config import config_from_mapping
from nexus_zones.explain import labels


def _two_lists(grid_cfg, folder, **indicator) -> dict:
    """The grid's events count, in 2017, A1 3, A2 1, B1 0, B2 0; a second list counts A1 1, A2 2, B1 0, B2 4."""
    second = folder / "list2.csv"
    pd.DataFrame({"event_date": ["2017-02-02", "2017-05-05", "2017-05-06", "2017-06-01", "2017-06-02", "2017-06-03", "2017-06-04"],
                  "latitude": [1.5, 1.5, 1.4, 0.5, 0.5, 0.5, 0.5], "longitude": [0.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]}).to_csv(second, index=False)
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["list2"] = {"kind": "points", "path": str(second), "start": "2017-01-01", "end": "2017-12-31"}
    cfg["indicators"]["incidents"].update(sources=["list2.count"], **indicator)
    cfg["model"] = {"failing_units": "last"}
    cfg["robustness"] = {"draws": 0}
    cfg["triangulation"] = {"top_k": 2, "labels": {"events.count": "List A", "list2.count": "List B"}}
    return cfg


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    from .._support import grid_config, write_grid_files

    folder = tmp_path_factory.mktemp("two")
    return nexus_zones.compute(config_from_mapping(_two_lists(grid_config(write_grid_files(folder / "inputs")), folder)))


def test_the_sources_table_gives_each_value_and_the_rule_under_each(two):
    table = two.analysis("triangulation").table.set_index("unit_id")
    assert table["value List A"].to_dict() == {"A1": 3, "A2": 1, "B1": 0, "B2": 0}
    assert table["value List B"].to_dict() == {"A1": 1, "A2": 2, "B1": 0, "B2": 4}
    assert table["combined"].to_dict() == {"A1": 3, "A2": 1, "B1": 0, "B2": 0}  # combine_sources: first
    assert table["spread"].to_dict() == {"A1": 2, "A2": 1, "B1": 0, "B2": 4}
    assert table["agree"].to_dict() == {"A1": False, "A2": False, "B1": True, "B2": False}  # counts: exact by default
    # few_incidents: incidents <= 1
    assert table["few_incidents List A"].to_dict() == {"A1": "fail", "A2": "pass", "B1": "pass", "B2": "pass"}
    assert table["few_incidents List B"].to_dict() == {"A1": "pass", "A2": "fail", "B1": "pass", "B2": "fail"}
    assert table["few_incidents depends on source"].to_dict() == {"A1": True, "A2": True, "B1": False, "B2": True}
    assert "police List A" not in table.columns  # police reads forces.police, not the incidents


def test_ranks_rules_first_under_each_source_as_worked_by_hand(two):
    table = two.analysis("triangulation").table.set_index("unit_id")
    # rules failed (few_incidents, police: A2 'non', both: only A1 has both kinds of actors):
    # List A: A1 1, A2 2, B1 1, B2 1; List B: A1 0, A2 3, B1 1, B2 2
    assert table["rules failed List A"].to_dict() == {"A1": 1, "A2": 2, "B1": 1, "B2": 1}
    assert table["rules failed List B"].to_dict() == {"A1": 0, "A2": 3, "B1": 1, "B2": 2}
    # List A: A1, B1, B2 fail one rule each, ordered by score (weights 2, 1, 1 of 4):
    # incidents minmax cost A1 0, B1 1, B2 1; health A1 1, B1 0, B2 1; closed goalposts [0, 4] cost A1 1, B1 .75, B2 1
    # A1 (0 + 1 + 1) / 4 = .5, B1 (2 + 0 + .75) / 4 = .6875, B2 (2 + 1 + 1) / 4 = 1: B2, B1, A1, then A2 failing two
    assert table["rank List A"].to_dict() == {"B2": 1, "B1": 2, "A1": 3, "A2": 4}
    assert table["rank List A"].to_dict() == two.scores["rank"].to_dict()  # List A is the measure: the model's own ranks
    # List B: every unit fails a different number of rules, which alone order them
    assert table["rank List B"].to_dict() == {"A1": 1, "B1": 2, "B2": 3, "A2": 4}
    assert table["top 2 depends on source"].to_dict() == {"A1": True, "A2": False, "B1": False, "B2": True}


def test_the_sentences_say_which_source_passes_and_which_fails(two):
    result = two.analysis("triangulation")
    en, fr = labels(two.config, "en"), labels(two.config, "fr")
    said = {u: [claims.render(c, "en", en) for c in cs] for u, cs in result.claims.items()}
    assert said["A1"] == ["Alpha One passes “incidents <= 1” with List B (1), fails with List A (3)",
                          "At the config's weights, Alpha One is among the first 2 with List B, not with List A"]
    assert said["A2"] == ["Alpha Two passes “incidents <= 1” with List A (1), fails with List B (2)"]
    assert said["B2"] == ["Bravo Two passes “incidents <= 1” with List A (0), fails with List B (4)",
                          "At the config's weights, Bravo Two is among the first 2 with List A, not with List B"]
    assert "B1" not in said
    assert claims.render(result.claims["A1"][0], "fr", fr) == "Alpha One respecte « incidents <= 1 » selon List B (1), pas selon List A (3)"
    brief = triangulation.brief(two, result, "en")
    assert brief.startswith("<h2>Two sources, one judgement</h2>") and "Alpha One passes “incidents &lt;= 1” with List B (1)" in brief
    rules = {c.values["rule"] for cs in result.claims.values() for c in cs if c.key == "source_rule"}
    assert rules == {list(two.config.rules).index("few_incidents")}


@pytest.mark.parametrize("within, expected", [(1, {"A1": False, "A2": True, "B1": True, "B2": False}),
                                              ("50%", {"A1": False, "A2": True, "B1": True, "B2": False}),
                                              ("70 %", {"A1": True, "A2": True, "B1": True, "B2": False})])
def test_agree_within_an_absolute_or_relative_tolerance(grid_cfg, tmp_path, within, expected):
    # spreads A1 2 (of 3), A2 1 (of 2), B1 0, B2 4 (of 4): 50 % allows 1.5, 1, 0, 2; 70 % allows 2.1, 1.4, 0, 2.8
    result = nexus_zones.compute(config_from_mapping(_two_lists(grid_cfg, tmp_path, agree_within=within)))
    assert result.analysis("triangulation").table.set_index("unit_id")["agree"].to_dict() == expected


def test_combined_value_is_scored_and_without_sources_nothing_runs(grid_cfg, tmp_path):
    result = nexus_zones.compute(config_from_mapping(_two_lists(grid_cfg, tmp_path, combine_sources="mean")))
    assert result.values["incidents"].to_dict() == {"A1": 2.0, "A2": 1.5, "B1": 0.0, "B2": 2.0}
    assert result.analysis("triangulation").table.set_index("unit_id")["combined"].to_dict() == {"A1": 2.0, "A2": 1.5, "B1": 0.0, "B2": 2.0}
    assert nexus_zones.compute(config_from_mapping(grid_cfg)).analysis("triangulation") is None


def test_when_the_sources_agree_the_brief_says_the_choice_is_the_same():
    said = claims.sources_same(0, ["ACLED", "Malilink"], 5)
    assert claims.render(said, "en") == "With ACLED and Malilink alike, every unit passes the same rules and the units among the first 5 are the same"
    assert claims.sources_same(2, ["ACLED", "Malilink"], 5) is None


# ------------------------------------------------------------------------------------ the real example


@pytest.fixture(scope="module")
def tombouctou(real):
    from .._support import REPO

    return nexus_zones.compute(REPO / "configs" / "tombouctou_2017_two_sources.yaml", data_dir=real)


def _sjoin_counts(real, points: pd.DataFrame, lon: str, lat: str) -> dict[str, int]:
    """Points of 2017 counted per Tombouctou cercle by a spatial join written here (within, OCHA COD-AB 2015)."""
    import geopandas as gpd

    units = gpd.read_file(real / "mali_admin_boundaries_ocha_cod_2015.gpkg", layer="adm2_cercles")
    units = units[units["admin1Name"] == "Tombouctou"][["admin2Pcod", "geometry"]]
    located = points.dropna(subset=[lon, lat])
    frame = gpd.GeoDataFrame(located, geometry=gpd.points_from_xy(located[lon].astype(float), located[lat].astype(float)), crs=units.crs)
    counts = gpd.sjoin(frame, units, predicate="within").groupby("admin2Pcod").size()
    return {u: int(counts.get(u, 0)) for u in units["admin2Pcod"]}


def test_the_real_lists_counted_by_a_spatial_join_here_match_the_sources_table(real, tombouctou):
    acled = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv", low_memory=False)
    acled = acled[acled["year"].astype(str) == "2017"]
    malilink = pd.read_csv(real / "malilink_security_incidents_mali_2015-2018.csv", low_memory=False)
    malilink = malilink[pd.to_datetime(malilink["date"], errors="coerce").dt.year == 2017]
    expected_acled, expected_malilink = _sjoin_counts(real, acled, "longitude", "latitude"), _sjoin_counts(real, malilink, "ref_lon", "ref_lat")
    table = tombouctou.analysis("triangulation").table.set_index("unit_id")
    assert table["value ACLED"].astype(int).to_dict() == expected_acled
    assert table["value Malilink"].astype(int).to_dict() == expected_malilink
    # the figures: Diré, Tombouctou, Goundam, Gourma-Rharous, Niafunké
    names = table["name"].to_dict()
    assert {names[u]: v for u, v in expected_acled.items()} == {"Dire": 2, "Tombouctou": 30, "Goundam": 8, "Gourma-Rharous": 14, "Niafunke": 11}
    assert {names[u]: v for u, v in expected_malilink.items()} == {"Dire": 0, "Tombouctou": 12, "Goundam": 3, "Gourma-Rharous": 15, "Niafunke": 9}


def test_the_real_example_names_goundams_rule_as_source_dependent(tombouctou):
    table = tombouctou.analysis("triangulation").table.set_index("name")
    assert table["few_incidents depends on source"].to_dict() == {"Tombouctou": False, "Dire": False, "Goundam": True, "Gourma-Rharous": False, "Niafunke": False}
    assert (table.loc["Goundam", "few_incidents ACLED"], table.loc["Goundam", "few_incidents Malilink"]) == ("fail", "pass")
    said = [claims.render(c, "en", labels(tombouctou.config, "en")) for c in tombouctou.analysis("triangulation").claims["ML0603"]]
    assert said[0] == "Goundam passes “No more than 5 security incidents in 2017” with Malilink (3), fails with ACLED (8)"


def test_data_uncertainty_draws_a_source_per_unit_and_gives_its_share(grid_cfg, tmp_path):
    cfg = _two_lists(grid_cfg, tmp_path)
    cfg["data_uncertainty"] = {"draws": 40, "seed": 3, "sources": True}
    result = nexus_zones.compute(config_from_mapping(cfg))
    found = result.analysis("data_uncertainty")
    variance = found.variance.set_index("source")
    assert variance.loc["sources", "share"] == pytest.approx(1.0)  # the only source: all of the variance
    assert (found.table["data_var_sources"] > 0).any()
    said = [claims.render(c, "en") for c in explain.data_share_claims(result, "en")]
    assert said == ["Which source each indicator reads accounts for about 100% of how much ranks move when the data are perturbed"]
    # two lists that agree everywhere: reading one or the other moves no rank
    cfg["layers"]["list2"]["path"] = cfg["layers"]["events"]["path"]
    cfg["layers"]["list2"]["types"] = cfg["layers"]["events"]["types"]
    same = nexus_zones.compute(config_from_mapping(cfg))
    assert (same.analysis("data_uncertainty").table["data_var_sources"].fillna(0) == 0).all()
    assert explain.data_share_claims(same, "en") == []


def test_the_map_has_a_sources_view_and_the_popup_the_sentences(two, tombouctou):
    from nexus_zones import maps

    for result, rules_changed, top_changed in ((two, {"A1", "A2", "B2"}, set()), (tombouctou, {"ML0603"}, {"ML0601"})):
        page = maps.page_data(result, "en")
        view = next(v for v in page["views"] if v["id"] == "sources")
        assert "Does the choice depend on the source" in view["legend"]
        colours = page["units"]["colours"]["sources"]
        by_unit = dict(zip(page["units"]["id"], (colours["of"][i] for i in colours["i"])))
        assert {u for u, c in by_unit.items() if c == maps.FAIL} == rules_changed
        assert {u for u, c in by_unit.items() if c == maps.CATEGORIES[5]} == top_changed
    text = json.dumps(maps.page_data(tombouctou, "fr"), ensure_ascii=False, separators=(",", ":"))
    assert '["source_rule","Goundam",0,[["source_value","Malilink",3]],[["source_value","ACLED",8]]]' in text
    assert "respecte « {rule} » selon {passes}, pas selon {fails}" in text


def test_the_real_lists_rows_without_coordinates_are_reported_by_year(real, tombouctou):
    malilink = pd.read_csv(real / "malilink_security_incidents_mali_2015-2018.csv", low_memory=False)
    in_2017 = malilink[pd.to_datetime(malilink["date"], errors="coerce").dt.year == 2017]
    unlocated = in_2017[in_2017["ref_lon"].isna() | in_2017["ref_lat"].isna()]
    named = unlocated["ref_adm2_name"].fillna("").astype(str).str.strip() != ""
    report = tombouctou.point_reports["malilink"].without_coordinates
    assert (report["rows"], report["naming_no_unit"], report["years"]) == (len(unlocated), int((~named).sum()), {"2017": len(unlocated)})
    assert (report["rows"], report["counted_by_name"]) == (9, 0)  # 2017: nine incidents located by no place, none named a cercle


def test_in_chromium_the_popup_says_it_and_the_sources_view_colours_the_units(page, grid_cfg, tmp_path):
    from .._support import assert_clean, expand_layers, fills, open_map, open_popup
    from nexus_zones import maps

    pg, log = page
    result = nexus_zones.run(config_from_mapping(_two_lists(grid_cfg, tmp_path)), out_dir=tmp_path / "out")
    open_map(pg, result.paths["map"])
    popup = open_popup(pg, result, "A1")
    assert "Alpha One passes “incidents <= 1” with List B (1), fails with List A (3)" in popup.text_content()  # under "Details"
    pg.keyboard.press("Escape")
    expand_layers(pg)
    pg.get_by_text("Sources agree", exact=True).click()
    drawn = fills(pg)
    assert {u for u, c in drawn.items() if c.lower() == maps.FAIL.lower()} == {"A1", "A2", "B2"}
    assert {u for u, c in drawn.items() if c.lower() == maps.PASS.lower()} == {"B1"}
    assert_clean(log)
