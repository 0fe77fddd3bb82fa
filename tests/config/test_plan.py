"""A config resolved for the stages after reading (:mod:`nexus_zones.config.plan`): each part read
once from the config, plain values, the analyses' specs at their dotted keys."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pydantic

from nexus_zones.config import config_from_mapping, with_weights
from nexus_zones.config.plan import analysis_specs, plan_of


def test_each_analysis_gets_the_spec_at_its_dotted_key(grid_cfg):
    grid_cfg["model"] = {"compare_weights": ["entropy"]}
    grid_cfg["robustness"] = {"top_k": 2}
    specs = analysis_specs(config_from_mapping(grid_cfg))
    assert specs["compared_weights"] == ["entropy"] and specs["ahp"] is None
    assert specs["leave_one_out"].top_k == specs["robustness"].top_k == 2
    assert specs["stakeholders"].top_k == 2  # its default, resolved from robustness.top_k when the config was built


def test_the_plan_holds_what_the_config_says(grid_cfg):
    grid_cfg["indicators"]["incidents"]["label"] = {"en": "Incidents", "fr": "Incidents armés"}
    grid_cfg["stakeholders"] = {"sets": {"peace": {"incidents": 1, "health": 1, "closed": 0}}, "labels": {"peace": {"en": "peace", "fr": "paix"}}}
    grid_cfg["robustness"] = {"top_k": 2}
    grid_cfg["model"] = {"failing_units": "last"}
    config = config_from_mapping(grid_cfg)
    plan = plan_of(config)
    # the weights as given (2, 1, 1), the rules' expressions, the labels as given (both languages)
    assert dict(plan.model.weights) == {"incidents": 2.0, "health": 1.0, "closed": 1.0} and plan.model.pillar_weights is None
    assert dict(plan.model.rules) == {"few_incidents": "incidents <= 1", "police": "forces.police", "both": "actors.both"}
    assert plan.indicators["incidents"].label == {"en": "Incidents", "fr": "Incidents armés"} and plan.indicators["health"].label is None
    assert tuple(plan.indicators["closed"].goalposts) == (0, 4)
    assert plan.set_labels == {"peace": {"en": "peace", "fr": "paix"}} and plan.top_k == 2 and plan.failing_units == "last"
    # incidents (cost) reads the points layer events; closed (cost) reads a table; health is a benefit
    assert plan.event_layers == ("events",)
    assert plan.layers["events"].window == (pd.Timestamp("2017-01-01").date(), pd.Timestamp("2017-12-31").date())
    assert plan.layers["forces"].kind == "table" and plan.layers["forces"].window is None
    # every file a run reads, named by its config key, in the config's order
    assert [k for k, _ in plan.inputs] == ["study.boundaries.path", "layers.events.path", "layers.services.path", "layers.forces.path", "layers.actors.path"]
    assert [str(p) for _, p in plan.inputs] == [str(config.study.boundaries.path), *(str(config.layers[n].path) for n in ("events", "services", "forces", "actors"))]
    # with other weights, the plan of the copy
    moved = plan_of(with_weights(config, {"health": 3}))
    assert dict(moved.model.weights) == {"incidents": 2.0, "health": 3.0, "closed": 1.0}


def test_the_plan_is_frozen_and_holds_no_config_model_outside_the_specs_it_hands_on(grid_cfg):
    plan = plan_of(config_from_mapping(grid_cfg))
    for part in (plan, plan.model, *plan.indicators.values(), *plan.rules.values(), *plan.layers.values()):
        assert dataclasses.is_dataclass(part) and type(part).__dataclass_params__.frozen
    handed_on = {"layers", "analyses"}  # the layers' and the analyses' own specs, read by the analyses that own them
    for part in (plan, plan.model):
        for f in dataclasses.fields(part):
            value = getattr(part, f.name)
            if f.name in handed_on:
                continue
            assert not isinstance(value, pydantic.BaseModel), f.name
            if isinstance(value, dict):
                assert not any(isinstance(v, pydantic.BaseModel) for v in value.values()), f.name


def test_a_run_keeps_its_plan_and_rescore_gives_the_new_weights_plan(demo_result):
    assert demo_result.plan == plan_of(demo_result.config)
    moved = demo_result.rescore({"incidents": 0.0})
    assert moved.plan.model.weights["incidents"] == 0.0 and moved.plan == plan_of(moved.config)
