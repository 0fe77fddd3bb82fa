"""Hostile-input variants of issue 19, item 4: decision features say what they did.

D1 names that collide (a pooled set named as a set); D2 keys referencing measures checked by ``check``
before any draw, and margins or imprecise events that change nothing said; D3 pilot candidates left
out named with their reason, an infeasible request naming the constraint that makes it so, units
without a cost under a budget; D4 closest weights that are not exact say so.

Each case runs the demo through the CLI and asserts the message's words, or numbers counted by hand
from the demo's files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from nexus_zones import cli

from .._support import DEMO, _read, copy_demo, run_cli


def _check(cfg: dict, folder: Path, capsys) -> tuple[int, str]:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code = cli.main(["check", str(config)])
    return code, capsys.readouterr().err


# ------------------------------------------------------------------------------ D1: names that collide


@pytest.mark.parametrize("name", ["peace", "humanitarian"])
def test_a_pooled_set_named_as_a_set_is_refused(tmp_path, capsys, name):
    cfg, _ = copy_demo(tmp_path)
    cfg["stakeholders"]["pooled_name"] = name
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 2
    assert f"stakeholders.pooled_name: found {name!r}, also the name of a set in stakeholders.sets; expected a name of its own" in err
    assert "it would replace that set" in err


# ---------------------------------------------------- D2: measures referenced by decision keys


@pytest.mark.parametrize("margin, words", [
    ("schools.closed", "'schools.closed': layer 'schools' has no measure 'closed'"),
    ("school.schools_closed", "'school.schools_closed' names unknown layer 'school' (did you mean 'schools'?)"),
    ("schools_closed", "'schools_closed', not of the form layer.measure"),
], ids=["measure", "layer", "no-dot"])
def test_a_margin_on_an_unknown_measure_is_found_by_check_before_any_draw(tmp_path, capsys, margin, words):
    cfg, _ = copy_demo(tmp_path)
    cfg["data_uncertainty"]["margins"] = {margin: 0.1}
    code, err = _check(cfg, tmp_path, capsys)
    assert code == 2 and "internal error" not in err
    assert f"data_uncertainty.margins.{margin}: found {words}" in err


def test_a_margin_on_a_measure_no_indicator_reads_is_said(tmp_path, capsys):
    cfg, _ = copy_demo(tmp_path)
    cfg["data_uncertainty"]["margins"] = {"schools.schools_total": 0.2}
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "data_uncertainty.margins: 'schools.schools_total' is read by no indicator and no rule, so the margin changes no rank" in err
    variance = pd.read_csv(out / "demo_data_variance.csv").set_index("source")
    assert variance.at["margins", "mean_rank_variance"] == 0  # the message's claim, from the run's own table


def test_imprecise_events_of_a_layer_without_geo_precision_is_said(tmp_path, capsys):
    cfg, _ = copy_demo(tmp_path)
    cfg["data_uncertainty"]["imprecise_events"] = ["access"]
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "data_uncertainty.imprecise_events: layer 'access'" in err and "has no geo_precision column, so no event is known to be imprecise" in err


def test_a_pilot_cost_naming_an_unknown_measure_is_refused(tmp_path, capsys):
    cfg, _ = copy_demo(tmp_path)
    cfg["pilots"].update(cost="schools.cost", budget=10)
    code, err = _check(cfg, tmp_path, capsys)
    assert code == 2
    assert "pilots.cost: found 'schools.cost': layer 'schools' has no measure 'cost'" in err


# --------------------------------------------------------------------------- D3: pilots say why


def _police() -> pd.Series:
    forces = _read(DEMO / "security_forces.csv").set_index("admin2Pcod")
    return forces["police"] == "oui"


def test_pilot_candidates_left_out_are_named_with_their_reason(tmp_path, capsys):
    cfg, _ = copy_demo(tmp_path)
    code, err, _ = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    police = _police()
    forces = _read(DEMO / "security_forces.csv").set_index("admin2Pcod")
    left_out = [f"{forces.at[u, 'cercle']} ({u})" for u in police.index[~police]]
    assert f"pilots: {int(police.sum())} candidates; {len(left_out)} units left out: pilots.require[0] 'forces.police' not met: {', '.join(left_out)}" in err


@pytest.mark.parametrize("change, words", [
    ({"min_distance_km": 5000}, "pilots.min_distance_km ("),
    ({"k": 4, "min_distance_km": None}, "only 3 candidates for 4 pilots"),
    ({"region_max": 1, "min_distance_km": None}, "pilots.region_max = 1 (dropping it gives a set)"),
], ids=["distance", "too-few", "region-max"])
def test_an_infeasible_pilot_request_names_the_constraint(tmp_path, capsys, change, words):
    assert int(_police().sum()) == 3  # the demo's candidates: police present (Tombouctou, Diré, Niafunké)
    cfg, _ = copy_demo(tmp_path)
    cfg["pilots"].update({k: v for k, v in change.items() if v is not None})
    for k in [k for k, v in change.items() if v is None]:
        cfg["pilots"].pop(k, None)
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    assert f"pilots: no set of {cfg['pilots']['k']} pilots satisfies the request (proved by the integer programme): " in err and words in err
    assert pd.read_csv(out / "demo_pilots.csv").empty


def test_units_without_a_cost_under_a_budget_are_named(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    schools = _read(data / "school_closures_2018-02-26.csv")
    schools.loc[schools["admin2Pcod"] == "ML0605", "schools_total"] = ""
    schools.to_csv(data / "school_closures_2018-02-26.csv", index=False)
    cfg["pilots"].update(cost="schools.schools_total", budget=1000)
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "pilots: 1 units have no cost and cannot be pilots under pilots.budget: Niafunké (ML0605)" in err
    pilots = pd.read_csv(out / "demo_pilots.csv")
    assert not pilots["units"].str.contains("ML0605").any()
    totals = schools.set_index("admin2Pcod")["schools_total"]
    for units, cost in zip(pilots["units"], pilots["cost"]):
        assert cost == sum(float(totals[u]) for u in units.split("; "))  # each set's cost by hand


# ------------------------------------------------------------------- D4: closest weights say how exact


def test_closest_weights_under_geometric_aggregation_say_they_are_an_upper_bound(tmp_path, capsys):
    cfg, _ = copy_demo(tmp_path)
    cfg["model"] = {**cfg.get("model", {}), "aggregation": "geometric"}
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    closest = pd.read_csv(out / "demo_closest_weights.csv")
    searched = closest[closest["method"].fillna("").str.startswith("seeded search")]
    assert len(searched) and searched["method"].str.contains("an upper bound on the exact distance").all()
    assert "impossible" not in set(searched["status"])  # a search proves nothing impossible
