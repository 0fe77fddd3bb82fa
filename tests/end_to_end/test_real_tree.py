"""The Nexus question as a model tree on real files (configs/mali_nexus_tree.yaml): need (INFORM's
reversed geometric mean) × feasibility (geometric), the mission's rules first, over the 28 cercles
of the north and the centre in 2017.

Every figure a user would quote is recomputed here from the raw files (geopandas and pandas on the
CSVs, not the package's readers), and the nodes from their children by the rules' formulas written
out. Skipped, with the reason, when the real data folder is absent.
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml

import nexus_zones
from nexus_zones import cli

from .._support import REPO, VIOLENT, fewer_draws, page_data_of, require_real_data, units_drawn_offline

pytestmark = pytest.mark.realdata

CONFIG = REPO / "configs" / "mali_nexus_tree.yaml"
REGIONS = ["Tombouctou", "Gao", "Kidal", "Mopti", "Segou"]
DIRE, SEGOU, MOPTI = "ML0602", "ML0402", "ML0501"
AID = {"Aid Workers (Mali)", "ICRC: International Committee of the Red Cross and Red Crescent; Aid Workers (Mali)",
       "Aid Workers (International)", "Aid Workers (International); ICRC: International Committee of the Red Cross and Red Crescent",
       "Health Workers (Mali); Aid Workers (Mali)", "Aid Workers (International); UNHCR: United Nations Refugee Agency",
       "Aid Workers (Mali); Health Workers (Mali)", "Aid Workers (France); Women (France)"}
#: The named warnings the real files cause (each names the file's fault); any other warning fails the run test.
DATA_WARNINGS = (
    "who_kemri_public_health_facilities_mali.csv: 30 rows without coordinates were not counted",  # WHO/KEMRI: facilities without Lat/Long
    "layer health: 2 of 1448 points in the window fell outside every unit",                       # WHO/KEMRI: two points off the map
    "layer food: the codes of",  # Cadre Harmonisé: its alphabetical codes follow another scheme than the boundaries
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The config as shipped (its draws included), run once, with the warnings it raised."""
    real = require_real_data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = nexus_zones.run(CONFIG, data_dir=real, out_dir=tmp_path_factory.mktemp("mali_nexus_tree"))
    return result, caught


@pytest.fixture(scope="module")
def tree(run):
    return run[0]


@pytest.fixture(scope="module")
def hand(real):
    """Every raw figure, by hand from the files: per cercle of the study (OCHA 2015 P-codes)."""
    cercles = gpd.read_file(real / "mali_admin_boundaries_ocha_cod_2015.gpkg", layer="adm2_cercles")
    cercles = cercles[cercles["admin1Name"].isin(REGIONS)].set_index("admin2Pcod")
    acled = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv")
    acled = acled[pd.to_datetime(acled["event_date"]).dt.year == 2017]

    def per_cercle(points: pd.DataFrame, column: str | None = None) -> pd.Series:
        geo = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["longitude"], points["latitude"]), crs=4326)
        joined = gpd.sjoin(geo, cercles[["geometry"]].reset_index(), predicate="within")
        assert joined.index.is_unique  # no 2017 point on a shared border
        grouped = joined.groupby("admin2Pcod")
        return (grouped.size() if column is None else grouped[column].sum()).reindex(cercles.index, fill_value=0).astype(float)

    violent = acled[acled["event_type"].isin(VIOLENT)]
    health = pd.read_csv(real / "who_kemri_public_health_facilities_mali.csv").dropna(subset=["Lat", "Long"])
    health = health.rename(columns={"Lat": "latitude", "Long": "longitude"})
    ch = pd.read_csv(real / "cadre_harmonise_mali_cercles_2014-2020.csv", dtype={"cod2015_adm2_pcode": str})
    ch = ch[(ch["exercise_year"] == 2017) & (ch["exercise_label"] == "Sep-Dec") & (ch["chtype"] == "current")]
    ch = ch.groupby("cod2015_adm2_pcode")[["population", "phase35"]].sum().reindex(cercles.index)
    dtm = pd.read_csv(real / "iom_dtm_mali_idps_by_commune_2014-2020.csv", dtype={"cod2015_adm2_pcode": str})
    dtm = dtm[dtm["snapshot_date"].str.startswith("2017-12-31")]
    idps = dtm.groupby("cod2015_adm2_pcode")["idp_ind"].sum().reindex(cercles.index, fill_value=0).astype(float)
    return pd.DataFrame({
        "name": cercles["admin2Name"],
        "incidents": per_cercle(violent),
        "fatalities": per_cercle(violent, "fatalities"),
        "forces": per_cercle(acled[acled["interaction"].between(10, 18)]),  # ACLED: 1x = Malian state forces against x
        "aid_attacks": per_cercle(acled[acled["assoc_actor_2"].isin(AID)]),
        "health": per_cercle(health),
        "population": ch["population"],
        "phase35": ch["phase35"],
        "idps": idps,
    })


def _minmax(x: pd.Series, *, cost: bool = False) -> pd.Series:
    v = (x - x.min()) / (x.max() - x.min())
    return 1 - v if cost else v


def test_runs_end_to_end_with_no_warning_the_data_does_not_cause(run):
    result, caught = run
    assert len(result.scores) == 28 and result.scores["score"].notna().all()
    assert {"map", "csv", "run", "leave_one_out"} <= set(result.paths)
    assert [str(w.message) for w in caught] == []  # no warning of a library passed on
    # the run's named warnings (each logged once): exactly those the files cause
    assert len(result.warnings) == len(DATA_WARNINGS)
    assert all(any(phrase in text for text in result.warnings) for phrase in DATA_WARNINGS)


def test_counts_equal_an_independent_spatial_join(tree, hand):
    m = tree.measures
    for measure, column in (("incidents.count", "incidents"), ("incidents.fatalities", "fatalities"), ("forces.count", "forces"),
                            ("aid_attacks.count", "aid_attacks"), ("health.count", "health"), ("displacement.idps", "idps"),
                            ("food.population", "population"), ("food.phase35", "phase35")):
        assert m[measure].to_dict() == pytest.approx(hand[column].to_dict()), measure
    # three cercles by name, as a user would quote them
    assert hand.loc[[DIRE, SEGOU, MOPTI], "incidents"].tolist() == [1, 2, 9]


def test_indicator_values_by_hand(tree, hand):
    v = tree.values
    for unit in (DIRE, SEGOU, MOPTI):
        h = hand.loc[unit]
        assert v.loc[unit, "conflict_toll"] == pytest.approx(h["fatalities"] / h["population"] * 100000, rel=1e-12)
        assert v.loc[unit, "displacement"] == pytest.approx(h["idps"] / h["population"] * 100000, rel=1e-12)
        assert v.loc[unit, "food_insecure"] == pytest.approx(h["phase35"] / h["population"] * 100, rel=1e-12)
        assert v.loc[unit, "health_gap"] == pytest.approx(h["health"] / h["population"] * 10000, rel=1e-12)
    # Diré, 2017: 191.5 IDPs per 100,000 people (273 IDPs of 142,522), 18 facilities, 1.26 per 10,000
    assert hand.loc[DIRE, ["idps", "population", "health"]].tolist() == [273, 142522, 18]
    assert round(v.loc[DIRE, "displacement"], 1) == 191.5 and round(v.loc[DIRE, "health_gap"], 2) == 1.26


def test_node_values_from_their_children_by_the_rules_formulas(tree, hand):
    """need = reversed_geometric(4 children, w = 1/4 each): 1 − (Π (9·(1 − xᵢ) + 1)^wᵢ − 1)/9;
    feasibility = geometric, f = 0.01, w = 2/4, 1/4, 1/4: (Π (f + (1 − f)·xᵢ)^wᵢ − f)/(1 − f);
    score = 100 × geometric with f = 0 and w = 1/2, 1/2: √(need × feasibility)."""
    rate = hand.drop(columns="name").div(hand["population"], axis=0)
    x = pd.DataFrame({
        "conflict_toll": _minmax(np.log1p(rate["fatalities"] * 100000)),
        "displacement": _minmax(np.log1p(rate["idps"] * 100000)),
        "food_insecure": (rate["phase35"] * 100 / 20).clip(0, 1),  # goalposts [0, 20]
        "health_gap": _minmax(rate["health"] * 10000, cost=True),
        "security": _minmax(np.log1p(hand["incidents"]), cost=True),
        "forces": hand["forces"].clip(0, 1),  # goalposts [0, 1]
        "services": _minmax(np.log1p(hand["health"])),
    })
    s = tree.scores
    for unit in (DIRE, SEGOU, MOPTI):
        n = x.loc[unit]
        need = 1 - (math.prod((9 * (1 - n[c]) + 1) ** 0.25 for c in ("conflict_toll", "displacement", "food_insecure", "health_gap")) - 1) / 9
        f = 0.01
        feas = (math.prod((f + (1 - f) * n[c]) ** w for c, w in (("security", 0.5), ("forces", 0.25), ("services", 0.25))) - f) / (1 - f)
        assert s.loc[unit, "node_need"] == pytest.approx(100 * need, abs=1e-9)
        assert s.loc[unit, "node_feasibility"] == pytest.approx(100 * feas, abs=1e-9)
        assert s.loc[unit, "score"] == pytest.approx(100 * math.sqrt(need * feas), abs=1e-9)
    # Diré's figures as the brief and the map give them
    assert [round(s.loc[DIRE, c], 1) for c in ("score", "node_need", "node_feasibility")] == [66.0, 48.9, 89.1]


def test_first_ranked_cercles_pass_the_missions_rules(tree, hand):
    passes = ((hand["incidents"] <= 5) & (hand["forces"] > 0) & (hand["aid_attacks"] == 0) & (hand["health"] > 0)
              & ((hand["idps"] / hand["population"] * 100000 >= 50) | (hand["phase35"] / hand["population"] * 100 >= 5)))
    s = tree.scores
    assert sorted(hand.loc[passes, "name"]) == ["Dire", "Segou"]
    assert passes[s.index[s["rank"] == 1]].all()
    first_in_region = s.index[s["region_rank"] == 1]
    # a region with a cercle passing every rule has one of them first (rules first, within the region too)
    for unit in first_in_region:
        region = s.loc[unit, "region"]
        if passes[s.index[s["region"] == region]].any():
            assert passes[unit], s.loc[unit, "name"]
    assert (s.loc[passes[passes].index, "rank"].max() < s.loc[passes[~passes].index, "rank"].min())


def test_dire_meets_the_missions_facts_where_the_files_cover_them(tree, hand):
    """The February 2018 mission chose Diré: no more than 5 incidents in 2017, forces present, basic
    services present, no impediment to access, humanitarian actors at work (here: need present)."""
    d = hand.loc[DIRE]
    assert d["incidents"] <= 5 and d["forces"] >= 1 and d["health"] == 18 and d["aid_attacks"] == 0
    s = tree.scores.loc[DIRE]
    assert s["rules_failed_count"] == 0 and s["region_rank"] == 1 and s["rank"] == 2
    assert all(bool(s[f"rule_{r}"]) for r in tree.config.rules)


def test_cli_run_and_brief(real, tmp_path, capsys):
    cfg = fewer_draws(yaml.safe_load(CONFIG.read_text(encoding="utf-8")), robustness=200)
    cfg.pop("data_dir", None)
    config = tmp_path / "mali_nexus_tree.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for command in ("run", "brief"):
        code = cli.main([command, str(config), "--data-dir", str(real), "--out", str(tmp_path / "out"), "-q"])
        assert code == 0, capsys.readouterr().err
    assert "28 units scored; top: 1. Segou (70.4, passes every rule), 2. Dire (66.0, passes every rule)" in capsys.readouterr().out
    brief = (tmp_path / "out" / "mali_nexus_tree_brief.html").read_text(encoding="utf-8")
    assert "reversed geometric mean (INFORM)" in brief and "weighted geometric mean" in brief  # the tree drawn with each node's rule


def test_docs_say_what_the_run_says(tree, hand):
    """docs/real_data.md's rows for the study and the figures of its section, from the run and the files."""
    text = (REPO / "docs" / "real_data.md").read_text(encoding="utf-8")
    s = tree.scores
    passing = s[(s["rules_failed_count"] == 0) & s["rank"].notna()].sort_values("rank")
    assert f"| mali_nexus_tree | 2017 | {', '.join(passing['name'])} | none |" in text
    assert (s["low_reporting"] == "no_events").sum() == (s["low_reporting"] == "imprecise").sum() == 0
    assert "| mali_nexus_tree | 28 | 0 | 0 |" in text
    assert f"**Ségou** (score {s.loc[SEGOU, 'score']:.1f}) and **Diré** ({s.loc[DIRE, 'score']:.1f})" in text
    d = hand.loc[DIRE]
    assert (d["incidents"], d["forces"] >= 1, d["health"], d["aid_attacks"]) == (1, True, 18, 0)
    assert "one incident of political violence in 2017, an event involving Malian forces, 18 public health" in text
    assert f"{d['idps'] / d['population'] * 100000:.1f} IDPs per 100,000 people" in text
    assert (int(s.loc[DIRE, "rank_need"]), int(s.loc[DIRE, "rank_feasibility"])) == (21, 4)
    assert "(21st of 28 on\nthe need node) and its feasibility high (4th)" in text


def test_the_map_has_a_view_per_node_and_no_acled_points(tree):
    html = tree.paths["map"].read_text(encoding="utf-8")
    data = page_data_of(html)
    views = [v["id"] for v in data["views"]]
    assert {"score", "node_need", "node_feasibility"} <= set(views)
    assert [p["id"] for p in data["points"]] == ["health"]  # ACLED's terms forbid publishing its raw events


@pytest.mark.browser
def test_the_map_opens_offline_in_chromium(tree, chromium):
    assert units_drawn_offline(chromium, tree.paths["map"]) == 28
