"""The model tree a config describes (:mod:`nexus_zones.config.model_tree`): today's flat and
one-level configs are the depth-1 and depth-2 trees, pillars nest through ``parent``, and the tree's
problems (cycles, unknown parents, empty pillars, names) come as config problems with their keys."""

from __future__ import annotations

import copy

import pytest

from nexus_zones.config import config_from_mapping
from nexus_zones.config.model_tree import ROOT, model_tree, tree_problems
from nexus_zones.config.schema import Config
from nexus_zones.errors import ConfigError


def _validated(cfg: dict) -> Config:
    """The config's schema alone (no cross-checks), to see the tree's own problems."""
    return Config.model_validate(cfg, context={})


def _nested(grid_cfg: dict) -> dict:
    """incidents under security; health and closed under services ⊂ access; access and security under the root."""
    cfg = copy.deepcopy(grid_cfg)
    cfg["model"] = {"aggregation": "geometric", "offset": 0, "pillars": {
        "security": {"indicators": ["incidents"], "weight": 2},
        "access": {"weight": 1, "aggregation": "max"},
        "services": {"parent": "access", "indicators": ["health", "closed"], "weight": 1, "missing": "renormalise", "factor": 0.7},
    }}
    return cfg


def test_a_flat_config_is_a_root_holding_every_indicator(grid_cfg):
    config = config_from_mapping(grid_cfg)
    t = model_tree(config)
    assert t.root == ROOT and t.order == (ROOT,) and t.depth() == 1
    assert t.nodes[ROOT].children == tuple(grid_cfg["indicators"])
    assert t.nodes[ROOT].aggregation == "arithmetic" and t.nodes[ROOT].missing == "exclude" and t.nodes[ROOT].offset == 0.01
    assert {n: t.weight[n] for n in grid_cfg["indicators"]} == {n: float(i["weight"]) for n, i in grid_cfg["indicators"].items()}


def test_one_level_of_pillars_is_a_tree_of_depth_two(grid_cfg):
    cfg = copy.deepcopy(grid_cfg)
    cfg["model"] = {"aggregation": "geometric", "pillars": {
        "security": {"indicators": ["incidents"], "weight": 3, "aggregation": "topsis"},
        "services": {"indicators": ["health", "closed"], "weight": 1},
    }}
    t = model_tree(config_from_mapping(cfg))
    assert t.depth() == 2
    assert t.nodes[ROOT].children == ("security", "services")
    assert t.nodes["security"].aggregation == "topsis" and t.nodes["services"].children == ("health", "closed")
    assert t.weight["security"] == 3.0 and t.weight["services"] == 1.0
    assert t.order.index("security") < t.order.index(ROOT) and t.order.index("services") < t.order.index(ROOT)


def test_pillars_nest_through_parent_with_each_node_its_own_rule(grid_cfg):
    t = model_tree(_validated(_nested(grid_cfg)))
    assert t.depth() == 3
    assert t.nodes[ROOT].children == ("security", "access") and t.nodes["access"].children == ("services",)
    assert t.nodes[ROOT].aggregation == "geometric" and t.nodes[ROOT].offset == 0.0
    assert t.nodes["access"].aggregation == "max" and t.nodes["services"].missing == "renormalise"
    assert t.factor["services"] == 0.7 and t.factor["incidents"] == 1.0
    assert t.order.index("services") < t.order.index("access") < t.order.index(ROOT)


def test_the_tree_s_problems_are_named_with_their_keys(grid_cfg):
    cfg = _nested(grid_cfg)
    cfg["model"]["pillars"]["access"]["parent"] = "services"  # access ⊂ services ⊂ access
    cfg["model"]["pillars"]["empty"] = {"weight": 1}
    cfg["model"]["pillars"]["lost"] = {"parent": "nowhere", "indicators": [], "weight": 1}
    wheres = {p.where: p for p in tree_problems(_validated(cfg))}
    assert "access → services → access" in wheres["model.pillars.access.parent"].found
    assert wheres["model.pillars.lost.parent"].found == "'nowhere'"
    assert "security" in wheres["model.pillars.lost.parent"].expected


def test_an_empty_pillar_and_a_pillar_named_as_the_root_are_refused(grid_cfg):
    cfg = _nested(grid_cfg)
    cfg["model"]["pillars"]["empty"] = {"weight": 1, "parent": "access"}
    problems = {p.where: p for p in tree_problems(_validated(cfg))}
    assert problems["model.pillars.empty"].found == "a node with no indicator and no child node"
    cfg["model"]["pillars"][ROOT] = {"indicators": [], "weight": 1}
    problems = {p.where: p for p in tree_problems(_validated(cfg))}
    assert (problems[f"model.pillars.{ROOT}"].found, problems[f"model.pillars.{ROOT}"].expected) == ("the name of the root as well", "a name of its own")


def test_ahp_is_refused_on_a_tree_of_more_than_one_level(grid_cfg):
    cfg = _nested(grid_cfg)
    for p in cfg["model"]["pillars"].values():
        p.pop("weight")
    cfg["model"]["ahp"] = {"security": {"access": 2}}
    [problem] = [p for p in tree_problems(_validated(cfg)) if p.where == "model.pillars.services.parent"]
    assert problem.found == "a parent as well as model.ahp"


def test_offset_is_a_number_from_0_to_below_1_and_only_with_geometric(grid_cfg, write_config):
    cfg = copy.deepcopy(grid_cfg)
    cfg["model"] = {"aggregation": "arithmetic", "offset": 0.5}
    with pytest.raises(ConfigError) as err:
        config_from_mapping(cfg)
    assert "model.offset: found offset 0.5 with aggregation 'arithmetic'; expected offset only with aggregation: geometric" in str(err.value)
    cfg["model"] = {"aggregation": "geometric", "offset": 1}
    with pytest.raises(ConfigError, match=r"model.offset: found 1; expected a number below 1"):
        config_from_mapping(cfg)


def test_an_unknown_rule_is_named_with_the_rules_there_are(grid_cfg):
    cfg = copy.deepcopy(grid_cfg)
    cfg["model"] = {"aggregation": "harmonic"}
    with pytest.raises(ConfigError, match=r"model.aggregation: found 'harmonic'.*arithmetic, geometric, reversed_geometric, max, min, topsis"):
        config_from_mapping(cfg)
