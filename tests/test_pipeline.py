"""The order of the stages (:mod:`nexus_zones.pipeline`): the grid scored by hand, units failing rules
excluded, rescoring in Python without files, the demo against an independent computation and its
generator, determinism and row order, inputs never modified, missing values, pillars in a study,
rules reading indicator values, and ``check`` reporting a category the data does not have."""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import nexus_zones
from nexus_zones import aggregate, pipeline, report, weights
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import InputDataError

from ._support import REPO, _demo_generator, cli_run, demo_mapping, grid_units


def test_pillars_in_a_study(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["model"] = {"pillars": {"security": {"indicators": ["incidents", "closed"], "weight": 1}, "services": {"indicators": ["health"], "weight": 1}}}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    s = result.scores
    # security: incidents (2) and closed (1) → ⅔, ⅓; services: health. Overall ½ each.
    expected = 0.5 * (2 / 3 * s["incidents_norm"] + 1 / 3 * s["closed_norm"]) * 100 + 0.5 * s["health_norm"] * 100
    assert s["score"].to_dict() == pytest.approx(expected.to_dict())
    assert s["node_services"].to_dict() == pytest.approx((100 * s["health_norm"]).to_dict())


# ------------------------------------------------------------------ review fixes (issue 2/3 defects)


def test_rules_read_the_indicator_value_not_the_raw_measure(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["indicators"]["closed_rate"] = {"measure": "forces.closed", "per": "units.area_km2", "scale": 10000, "direction": "cost", "weight": 1}
    cfg["rules"] = {"low_rate": "closed_rate <= 1.5"}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    areas = aggregate.unit_areas_km2(grid_units())
    rate = {u: c / areas[u] * 10000 for u, c in {"A1": 0, "A2": 2, "B1": 1, "B2": 0}.items()}
    assert rate["A2"] > 1.5 > rate["B1"] > 0  # 2 and 1 closed schools on ~12,300 km²: ~1.6 and ~0.8 per 10,000 km²
    assert result.values["closed_rate"].to_dict() == pytest.approx(rate)
    assert result.scores["rule_low_rate"].to_dict() == {u: rate[u] <= 1.5 for u in rate}


# --------------------------------------------------------------- 8. references known from the data


def test_check_reports_a_category_the_data_does_not_have(grid_cfg, write_config, capsys):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["health"]["measure"] = "services.water"  # services.csv has Health and School only
    path = write_config(cfg)

    report = pipeline.check(path)
    code, _, err = cli_run(capsys, "check", "-q", path)

    assert not report.ok
    (problem,) = report.problems
    assert "indicators.health.measure: found 'services.water'" in problem
    assert "a measure the data of layer 'services' gives: count, health, school" in problem
    assert code == 2
    assert problem in err
    with pytest.raises(InputDataError, match=r"indicators\.health\.measure: found 'services\.water'"):
        pipeline.compute(path)


def _run_grid(cfg, tmp_path, **overrides):
    data = json.loads(json.dumps(cfg))
    for key, value in overrides.items():
        data.setdefault("model", {})[key] = value
    return nexus_zones.run(config_from_mapping(data), out_dir=tmp_path / "out")


def test_grid_scores_by_hand(grid_cfg, tmp_path):
    result = _run_grid(grid_cfg, tmp_path, failing_units="flag")  # ranks by score alone (rules first: tests/test_decision.py)
    s = result.scores
    # raw values (see conftest): incidents A1=3 A2=1 B1=0 B2=0; health A1=1 A2=1 B1=0 B2=1; closed A1=0 A2=2 B1=1 B2=0
    assert s["incidents"].to_dict() == {"B2": 0, "A2": 1, "B1": 0, "A1": 3}
    # normalised: incidents cost minmax 1 - x/3; health benefit minmax; closed cost goalposts [0, 4]: 1 - x/4
    assert s.loc["A2", "incidents_norm"] == pytest.approx(1 - 1 / 3)
    assert s.loc["B1", "closed_norm"] == pytest.approx(1 - 1 / 4)
    # weights 2, 1, 1 -> 0.5, 0.25, 0.25
    expected = {
        "A1": 100 * (0.5 * 0 + 0.25 * 1 + 0.25 * 1),
        "A2": 100 * (0.5 * (2 / 3) + 0.25 * 1 + 0.25 * 0.5),
        "B1": 100 * (0.5 * 1 + 0.25 * 0 + 0.25 * 0.75),
        "B2": 100 * (0.5 * 1 + 0.25 * 1 + 0.25 * 1),
    }
    assert s["score"].to_dict() == pytest.approx(expected)
    assert list(s.index) == ["B2", "A2", "B1", "A1"]  # sorted by rank
    assert s["rank"].tolist() == [1, 2, 3, 4]
    assert s["region_rank"].to_dict() == {"B2": 1, "A2": 1, "B1": 2, "A1": 2}
    # rules: incidents <= 1; forces.police; actors.both
    assert s.loc["A1", "failed_rules"] == "few_incidents"
    assert s.loc["A2", "failed_rules"] == "police; both"
    assert s.loc["B2", "failed_rules"] == "both"
    assert not s["passes_rules"].any()
    contrib = s[[c for c in s.columns if c.endswith("_contrib")]].sum(axis=1)
    assert contrib.to_dict() == pytest.approx(s["score"].to_dict())


def test_grid_exclude_failing_units(grid_cfg, tmp_path):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["rules"] = {"few_incidents": "incidents <= 1"}
    result = _run_grid(cfg, tmp_path, failing_units="exclude")
    s = result.scores
    assert pd.isna(s.loc["A1", "rank"]) and s.loc["A1", "status"] == "not ranked: fails rules"
    assert s["rank"].dropna().tolist() == [1, 2, 3]
    assert s.loc["A1", "region_rank"] is pd.NA
    assert s.loc["A2", "region_rank"] == 1  # alone in North once A1 is excluded


def test_demo_data_is_what_the_generator_writes():
    gen = _demo_generator()
    for name, text in gen.build().items():
        assert (REPO / "data" / "demo" / name).read_text(encoding="utf-8") == text, f"data/demo/{name} is stale: run scripts/make_demo_data.py"


def test_demo_dire_first_and_passes_every_rule(demo_result):
    s = demo_result.scores
    dire = s.loc["ML0602"]
    assert dire["name"] == "Diré"
    assert dire["rank"] == 1 and dire["region_rank"] == 1
    assert bool(dire["passes_rules"]) and dire["failed_rules"] == ""
    assert int(s["passes_rules"].sum()) == 1  # the others fail at least one rule, in varied ways
    assert len(s) == 5


def test_demo_scores_equal_an_independent_computation(demo_result):
    """Recompute the demo's raw values from the generator's constants and the CSV files with plain
    pandas (no nexus_zones code), then the scores with the config's formula, and compare."""
    gen = _demo_generator()
    pcodes = [c[0] for c in gen.CERCLES]
    names = {c[0]: gen._ascii(c[1]) for c in gen.CERCLES}
    events = pd.read_csv(REPO / "data" / "demo" / "incidents.csv")
    violent = events[(events["year"] == 2017) & events["event_type"].isin(["Battles", "Explosions/Remote violence", "Violence against civilians"])]
    by_name = violent.groupby("admin2")
    raw = pd.DataFrame(index=pcodes)
    raw["incidents"] = [by_name.size().get(names[p], 0) for p in pcodes]
    assert raw["incidents"].to_dict() == gen.INCIDENTS_2017
    raw["fatalities"] = [by_name["fatalities"].sum().get(names[p], 0) for p in pcodes]
    raw["schools_closed"] = [gen.SCHOOLS_CLOSED[p] for p in pcodes]
    raw["health_facilities"] = [gen.SERVICES[p][0] for p in pcodes]
    raw["access_impediments"] = [gen.ACCESS_2017[p] for p in pcodes]
    hum = {"Sécurité alimentaire", "Santé", "Nutrition", "Protection", "WASH", "Abris", "Éducation"}
    raw["humanitarian_actors"] = [len({a[1] for a in gen.ACTORS[p] if a[3] in hum}) for p in pcodes]
    raw["development_actors"] = [len({a[1] for a in gen.ACTORS[p] if a[3] not in hum}) for p in pcodes]

    def minmax(x, cost):
        n = (x - x.min()) / (x.max() - x.min())
        return 1 - n if cost else n

    norm = pd.DataFrame(index=pcodes)
    norm["incidents"] = minmax(raw["incidents"], True)
    norm["fatalities"] = minmax(raw["fatalities"], True)
    norm["schools_closed"] = 1 - (raw["schools_closed"] / 10).clip(0, 1)
    norm["health_facilities"] = minmax(raw["health_facilities"], False)
    norm["access_impediments"] = minmax(raw["access_impediments"], True)
    norm["humanitarian_actors"] = minmax(raw["humanitarian_actors"], False)
    norm["development_actors"] = minmax(raw["development_actors"], False)
    weights = {"incidents": 3, "fatalities": 1, "schools_closed": 2, "health_facilities": 1, "access_impediments": 2,
               "humanitarian_actors": 1, "development_actors": 1}
    expected = sum(norm[k] * w for k, w in weights.items()) / sum(weights.values()) * 100
    s = demo_result.scores
    for col in raw.columns:
        assert s[col].astype(float).to_dict() == pytest.approx(raw[col].astype(float).to_dict()), col
    assert s["score"].to_dict() == pytest.approx(expected.to_dict())
    # the demo ranks rules first (model.failing_units: last): fewest rules failed, then score
    failed = (~s[[c for c in s.columns if c.startswith("rule_")]].astype(bool)).sum(axis=1)
    order = pd.DataFrame({"failed": failed, "score": expected.reindex(failed.index)}).sort_values(["failed", "score"], ascending=[True, False])
    assert list(s.index) == list(order.index)


def test_outputs_are_deterministic_and_row_order_free(grid_cfg, grid_files, tmp_path):
    a = nexus_zones.run(config_from_mapping(grid_cfg), out_dir=tmp_path / "a").paths
    events = pd.read_csv(grid_files["events"])
    shuffled = tmp_path / "shuffled.csv"
    events.sample(frac=1, random_state=3).to_csv(shuffled, index=False)
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["events"]["path"] = str(shuffled)
    b = nexus_zones.run(config_from_mapping(cfg), out_dir=tmp_path / "b").paths
    assert a["csv"].read_bytes() == b["csv"].read_bytes()


def test_inputs_are_never_modified(demo_inputs_digests):
    # data/demo's files hashed just before and just after a run of configs/demo.yaml that writes its outputs
    # (the session's demo run: conftest.demo_result)
    before, after = demo_inputs_digests
    assert before == after


def test_missing_value_excludes_unit_with_named_warning(grid_cfg, grid_files, tmp_path):
    forces = pd.read_csv(grid_files["forces"])
    forces = forces[forces["pcode"] != "B1"]
    path = tmp_path / "forces_partial.csv"
    forces.to_csv(path, index=False)
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["forces"]["path"] = str(path)
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    assert any("indicator closed: no value for Bravo One (B1)" in w for w in result.warnings)
    assert any("rule police: no data to check it for Bravo One (B1)" in w for w in result.warnings)
    s = result.scores
    assert np.isnan(s.loc["B1", "score"]) and s.loc["B1", "status"] == "not scored: missing data"
    assert "police (no data)" in s.loc["B1", "failed_rules"]
    assert s["rank"].dropna().tolist() == [1, 2, 3]


def test_unmatched_filters_become_one_problem_paragraph_per_file():
    from nexus_zones.errors import MissingValueWarning, Problem, UnmatchedFilterWarning

    types = Problem("layers.a.types", "'Batles' in no row", "values of the type column")
    where = Problem("layers.a.where.year", "'2061' in no row", "values of column 'year'")
    found = [UnmatchedFilterWarning("a.csv", types), UnmatchedFilterWarning("a.csv", types),  # the same in two periods
             UnmatchedFilterWarning("a.csv", where), MissingValueWarning("not a filter"), UnmatchedFilterWarning("b.csv", where)]

    assert pipeline._unmatched_filters(found) == (
        f"a.csv: 2 input problems:\n  - {types}\n  - {where}",
        f"b.csv: 1 input problem:\n  - {where}",
    )


def test_sixty_indicators_run_without_a_fragmented_frame_warning(grid_cfg, tmp_path):
    """Frames are built whole (a dict of columns, one concat), so 60 indicators (and 120) give no
    pandas PerformanceWarning ("DataFrame is highly fragmented"), that the user did not cause."""
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"] = {f"{name}_{i}": dict(spec) for i in range(40) for name, spec in grid_cfg["indicators"].items()}
    cfg["rules"] = {}
    for n in (60, 120):
        cfg_n = {**cfg, "indicators": dict(list(cfg["indicators"].items())[:n])}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = nexus_zones.run(config_from_mapping(cfg_n), out_dir=tmp_path / str(n))
        fragmented = [str(w.message)[:60] for w in caught if issubclass(w.category, pd.errors.PerformanceWarning)]
        assert fragmented == [], (n, fragmented)
        assert result.scores.shape[0] == len(grid_units()) and sum(c.endswith("_contrib") for c in result.scores.columns) == n


# ------------------------------------------------------------------ the output folder, named by where it came from


def test_an_output_folder_that_is_a_file_names_its_key(grid_cfg, write_config, tmp_path, monkeypatch, capsys):
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    config = write_config({**grid_cfg, "output": {"dir": "taken"}})  # relative to the config's folder
    code, _, err = cli_run(capsys, "run", config, "-q")
    assert code == 2
    assert f"error: {config}: output.dir: found {tmp_path / 'taken'}, a file; expected a folder for the outputs. " \
           "Fix: set output.dir to a folder (or pass --out)" in err
    code, _, err = cli_run(capsys, "brief", config, "--out", tmp_path / "taken", "-q")
    assert code == 2 and f"error: --out: found {tmp_path / 'taken'}, a file; expected a folder for the outputs. Fix: pass another --out" in err
    monkeypatch.chdir(tmp_path)
    (tmp_path / "maps").write_text("", encoding="utf-8")
    with pytest.raises(nexus_zones.NexusZonesError, match=r"^the default output folder \(no --out, no output.dir\): found maps, a file; "
                                                          r"expected a folder for the outputs\. Fix: pass --out or set output.dir to a folder$"):
        nexus_zones.run(config_from_mapping(grid_cfg))
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "a file, not a folder"  # nothing written over it
