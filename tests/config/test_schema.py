"""The config's schema (:mod:`nexus_zones.config.schema`): its models' own checks, windows, number
spellings, and the weights blocks pasted from the map."""

from __future__ import annotations

import copy
import json

import pytest

import nexus_zones
import nexus_zones.layers
from nexus_zones.config import config_from_mapping, with_weights
from nexus_zones.errors import ConfigError


def test_year_window_and_per_year(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["events"].pop("start")
    cfg["layers"]["events"].pop("end")
    cfg["layers"]["events"]["year"] = 2017
    cfg["indicators"]["incidents"]["per_year"] = True
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    assert result.values.loc["A1", "incidents"] == 3 / 1  # one whole calendar year
    bad = json.loads(json.dumps(cfg))
    bad["indicators"]["health"]["per_year"] = True
    with pytest.raises(nexus_zones.ConfigError, match=r"indicators.health.per_year: found true; expected a measure of a points layer with both ends"):
        config_from_mapping(bad)


def test_config_decimal_and_thousands_must_differ(grid_cfg):
    cfg = copy.deepcopy(grid_cfg)
    cfg["layers"]["forces"].update(decimal=",", thousands=",")
    cfg["layers"]["events"].update(decimal=".", thousands=".")
    with pytest.raises(ConfigError) as info:
        config_from_mapping(cfg)
    text = str(info.value)
    assert "layers.forces.thousands: found ',', the same as decimal; expected a thousands separator other than the decimal mark" in text
    assert "layers.events.thousands: found '.', the same as decimal" in text
    cfg["layers"]["forces"].update(decimal=",", thousands=" ", whole_numbers=["closd"])
    cfg["layers"]["events"].update(decimal=None, thousands=".")
    with pytest.raises(ConfigError, match=r"layers\.forces\.whole_numbers: found 'closd' \(did you mean 'closed'\?\); expected a measure of this layer: police, closed"):
        config_from_mapping(cfg)


# ------------------------------------------------------------------ weights pasted from the map


def test_a_weights_block_replaces_only_the_weights(grid_cfg):
    """``weights:`` (the map's "Copy as YAML") sets the weights it names; every other key of the indicators stays."""
    cfg = json.loads(json.dumps(grid_cfg))
    plain = config_from_mapping(cfg)
    cfg["weights"] = {"incidents": 5, "health": 0}
    pasted = config_from_mapping(cfg)
    assert pasted.indicator_weights() == {**plain.indicator_weights(), "incidents": 5.0, "health": 0.0}
    assert {n: i.model_dump(exclude={"weight"}) for n, i in pasted.indicators.items()} == {
        n: i.model_dump(exclude={"weight"}) for n, i in plain.indicators.items()
    }
    assert pasted.weights is None  # consumed: each weight is held once, so with_weights changes it
    assert with_weights(pasted, {"incidents": 2}).indicator_weights()["incidents"] == 2.0


def test_a_pillar_weights_block_replaces_the_pillars_weights(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["model"] = {"pillars": {"security": {"indicators": ["incidents", "closed"], "weight": 2}, "services": {"indicators": ["health"], "weight": 1}}}
    cfg["pillar_weights"] = {"services": 3}
    config = config_from_mapping(cfg)
    assert config.pillar_weights() == {"security": 2.0, "services": 3.0}
    assert config.model.pillars["services"].indicators == ["health"]


@pytest.mark.parametrize(
    ("key", "block", "found"),
    [
        ("weights", {"incidnts": 1}, "'incidnts' (did you mean 'incidents'?)"),
        ("pillar_weights", {"security": 1}, "'security'"),
    ],
)
def test_a_weights_block_naming_nothing_known_is_an_error(grid_cfg, key, block, found):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg[key] = block
    with pytest.raises(ConfigError) as err:
        config_from_mapping(cfg)
    (problem,) = err.value.problems
    assert (problem.where, problem.found) == (key, found)


def test_a_weights_block_is_checked_like_weights(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["weights"] = {"incidents": -1}
    with pytest.raises(ConfigError, match=r"indicators\.incidents\.weight: found -1"):
        config_from_mapping(cfg)


def test_a_weights_block_has_one_spelling_and_leaves_no_trace_in_the_config(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["pillar_weight_overrides"] = {"security": 1}  # the attribute's name is not a key of the YAML
    with pytest.raises(ConfigError, match="unknown key 'pillar_weight_overrides'"):
        config_from_mapping(cfg)
    cfg = {**json.loads(json.dumps(grid_cfg)), "weights": {"incidents": 5}}
    dumped = config_from_mapping(cfg).model_dump(mode="json")
    assert "weights" not in dumped and "pillar_weight_overrides" not in dumped and dumped["indicators"]["incidents"]["weight"] == 5
