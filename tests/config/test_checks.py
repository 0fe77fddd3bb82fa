"""The config's cross-checks (:mod:`nexus_zones.config.checks`): pillars, weights' scale, the analyses'
references, periods' order, which rules and indicators depend on a measure."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml

import nexus_zones
import nexus_zones.layers
from nexus_zones.config import config_from_mapping, measure_dependents
from nexus_zones.errors import ConfigError

from .._support import REPO, config_error


def test_config_pillars_must_cover_every_indicator(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["model"] = {"pillars": {"security": {"indicators": ["incidents", "incidnts"], "weight": 1}}}
    with pytest.raises(nexus_zones.ConfigError) as err:
        config_from_mapping(cfg)
    text = str(err.value)
    assert "model.pillars.security.indicators: found 'incidnts' (did you mean 'incidents'?)" in text
    assert "model.pillars: found indicators in no pillar: health, closed" in text


def test_three_cross_field_problems_come_in_one_error(grid_cfg, write_config):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["closed"]["measure"] = "forcs.closed"
    cfg["rules"]["few_incidents"] = "incidnts <= 1"
    cfg["rules"]["police"] = "forces.police >"

    err = config_error(write_config, cfg, match=r": 3 config problems:")

    assert [p.where for p in err.problems] == ["indicators.closed.measure", "rules.few_incidents.expr", "rules.police.expr"]
    message = str(err)
    assert "did you mean 'forces'?" in message
    assert "did you mean 'incidents'?" in message
    assert "'forces.police >' is not a valid expression (invalid syntax at the end)" in message


def test_which_rules_and_indicators_depend_on_a_measure():
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["indicators"]["fatalities"]["weight"] = 0  # no longer counts
    cfg["rules"]["deadly"] = "fatalities < 10"  # but a rule reads it
    config = config_from_mapping(cfg, base_dir=REPO / "configs")
    deps = measure_dependents(config)
    assert deps["incidents.count"] == ["indicators.incidents (weight 3)", "rules.few_incidents ('incidents <= 5')"]
    assert deps["incidents.fatalities"] == ["rules.deadly ('fatalities < 10')"]
    assert deps["forces.police"] == ["rules.forces_present ('forces.police and forces.gendarmerie and forces.military')"]
    assert "units.area_km2" not in deps


def test_pillar_weights_of_absurd_scale_are_refused():
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    names = list(cfg["indicators"])
    cfg["model"]["pillars"] = {"security": {"indicators": names[:2], "weight": 1e9}, "rest": {"indicators": names[2:], "weight": 1}}
    with pytest.raises(ConfigError, match=r"model\.pillars\.\*\.weight: found model\.pillars\.security\.weight = 1e\+09 beside model\.pillars\.rest\.weight = 1"):
        config_from_mapping(cfg, base_dir=REPO / "configs")


# ------------------------------------------------------- issue 19: decision keys checked before any draw


def test_decision_keys_naming_no_measure_or_colliding_are_config_errors(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["data_uncertainty"] = {"draws": 10, "margins": {"events.cont": 0.1, "evnts.count": 0.1}}
    cfg["stakeholders"] = {"sets": {"participants": {"incidents": 1}}, "participants": ["nz1.eyJ3Ijp7ImluY2lkZW50cyI6MS4wfX0"]}
    with pytest.raises(ConfigError) as err:
        config_from_mapping(cfg)
    text = str(err.value)
    assert "data_uncertainty.margins.events.cont: found 'events.cont': layer 'events' has no measure 'cont' (did you mean 'count'?)" in text
    assert "data_uncertainty.margins.evnts.count: found 'evnts.count' names unknown layer 'evnts' (did you mean 'events'?)" in text
    assert "stakeholders.pooled_name: found 'participants', also the name of a set in stakeholders.sets" in text


def test_periods_must_run_from_oldest_to_newest(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["periods"] = [2017, {"name": "h1", "start": "2016-01-01", "end": "2016-06-30"}]
    with pytest.raises(ConfigError, match=re.escape("periods[1]: found 'h1' (2016-06-30) listed after '2017' (2017-12-31); expected periods from the oldest")):
        config_from_mapping(cfg)
    cfg["periods"] = [{"name": "h1", "start": "2016-01-01", "end": "2016-06-30"}, 2017]
    assert [p.name for p in config_from_mapping(cfg).periods] == ["h1", "2017"]


def test_stakeholders_labels_name_known_sets_and_count_as_texts(grid_cfg):
    """Weight sets are shown by their label in the page's language; a label naming no set is an error,
    and a set with no French label is named in the French run's LanguageWarning."""
    from nexus_zones.config import untranslated_texts

    cfg = json.loads(json.dumps(grid_cfg))
    cfg["stakeholders"] = {"sets": {"peace": {"incidents": 1}, "aid": {"health": 1}}, "labels": {"peace": {"fr": "paix", "en": "peace"}}}
    cfg["language"] = "fr"
    config = config_from_mapping(cfg)
    assert [key for key, _ in untranslated_texts(config) if key.startswith("stakeholders")] == ["stakeholders.labels.aid"]
    cfg["stakeholders"]["labels"]["piece"] = "x"
    with pytest.raises(ConfigError, match=r"stakeholders\.labels\.piece: found 'piece', which names no weight set \(did you mean 'peace'\?\)"):
        config_from_mapping(cfg)


@pytest.mark.parametrize("name", ["Few_Incidents", "few_incidnts"])
def test_a_pilots_requirement_naming_no_rule_is_a_config_error(grid_cfg, name):
    """A bare name under pilots.require that is not a rule (another case, a typo) was an internal KeyError (exit 3)."""
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["rules"] = {"few_incidents": {"expr": "events.count <= 5"}}
    cfg["pilots"] = {"k": 1, "require": [name]}
    with pytest.raises(ConfigError, match=rf"pilots\.require\[0\]: found '{name}', which names no rule \(did you mean 'few_incidents'\?"):
        config_from_mapping(cfg)


def test_an_indicators_sources_name_measures_over_the_same_window(grid_cfg, write_config):
    cfg = copy.deepcopy(grid_cfg)
    cfg["layers"]["list2"] = {"kind": "points", "path": cfg["layers"]["events"]["path"], "year": 2016}
    cfg["indicators"]["incidents"]["sources"] = ["list2.count", "lst2.count"]
    err = config_error(write_config, cfg, match=r"2 config problems")
    assert [p.where for p in err.problems] == ["indicators.incidents.sources", "indicators.incidents.sources"]
    text = str(err)
    assert "'list2.count' counted over 2016-01-01 to 2016-12-31, 'events.count' over 2017-01-01 to 2017-12-31" in text
    assert "did you mean 'list2'?" in text


def test_combine_sources_and_agree_within_need_sources_and_sense(grid_cfg):
    for extra, where in (({"combine_sources": "mean"}, "combine_sources"), ({"sources": ["events.count"]}, "sources"),
                         ({"sources": ["forces.closed"], "agree_within": -1}, "agree_within"), ({"sources": ["forces.closed"], "agree_within": "twenty"}, "agree_within"),
                         ({"sources": ["services.health"]}, "sources")):
        cfg = copy.deepcopy(grid_cfg)
        cfg["indicators"]["incidents"].update(extra)
        with pytest.raises(ConfigError, match=rf"indicators\.incidents\.{where}"):
            config_from_mapping(cfg)
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["incidents"].update(sources=["forces.closed"], combine_sources="max", agree_within="20 %")  # a table has no window: its own
    assert config_from_mapping(cfg).indicators["incidents"].agree_within == "20 %"
