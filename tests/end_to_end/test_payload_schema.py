"""The page's payload is described once (``nexus_zones/page/payload.schema.json``) and checked on both
sides: here with jsonschema, under Node with ``tests/end_to_end/schema.js`` (``payload.test.js`` beside this file),
on the demo's payloads (English, French, hostile labels) and on broken copies both must refuse."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
from nexus_zones import maps

import pytest

from .._support import REPO, _node

HERE = Path(__file__).resolve().parent


def _schema() -> dict:
    return json.loads(resources.files("nexus_zones").joinpath("page", "payload.schema.json").read_text(encoding="utf-8"))


def _broken(payload: dict) -> list[tuple[str, dict]]:
    """Copies of a good payload, each broken in one way the page would trip on."""
    out = []
    for name, change in (("a popup key the page does not read", lambda d: d["units"]["popup"][0].update(wy=[["why_good", 0]])),
                         ("a unit's name as a number", lambda d: d["units"]["name"].__setitem__(0, 7)),
                         ("no rules_k", lambda d: d.pop("rules_k")),
                         ("an indicator's legend without its weight's index", lambda d: next(v for v in d["views"] if isinstance(v["legend"], dict))["legend"].pop("k")),
                         ("a side digit out of range", lambda d: d["units"]["popup"][0].update(sd="3" * len(d["indicators"]))),
                         ("a colour that is no colour", lambda d: d.update(no_data="grey")),
                         ("a linear normalisation without its ends", lambda d: d["units"].update(norm_of=[{"lo": 0, "cost": False}])),
                         ("a region's count of values below 0", lambda d: d["units"].update(why={"sum": [[1.0]], "n": [[-1]], "cost": [False]}))):
        broken = copy.deepcopy(payload)
        change(broken)
        out.append((name, broken))
    return out


def test_the_payload_conforms_to_its_schema_in_python_and_in_node(tmp_path: Path, demo_result, hostile_demo_result) -> None:
    demo = demo_result  # configs/demo.yaml run once per session (conftest), read only here
    hostile = hostile_demo_result  # likewise
    good = [("demo en", maps.page_data(demo, "en")), ("demo fr", maps.page_data(demo, "fr")), ("hostile", maps.page_data(hostile, "en")),
            ("demo en as the page receives it", maps.pack(maps.page_data(demo, "en"), demo)), ("hostile as the page receives it", maps.pack(maps.page_data(hostile, "en"), hostile))]
    assert all("norm_of" in p["units"] and "norm" not in p["units"] for _, p in good[3:])
    _check_both_sides(good, tmp_path)


def test_a_tree_of_three_levels_with_its_node_views_conforms_too(tmp_path: Path, inform_result) -> None:
    """configs/inform_style_example.yaml: a view node_<name> per node below the root, popups with the tree's path."""
    tree = inform_result  # computed once per session (conftest), read only here
    good = [(f"inform-style tree {lang}", maps.page_data(tree, lang)) for lang in ("en", "fr")] + [("packed tree", maps.pack(maps.page_data(tree, "en"), tree))]
    for _, payload in good[:2]:
        assert {f"node_{p}" for p in tree.config.model.pillars} <= {v["id"] for v in payload["views"]} & set(payload["units"]["colours"])
    _check_both_sides(good, tmp_path)


@pytest.mark.realdata
def test_a_study_over_periods_conforms_too(tmp_path: Path, north_centre_result) -> None:
    """The real north–centre study 2016–2019: the payload's ``periods`` (a popup record per unit and period)."""
    study = north_centre_result  # the same config and data, run once per session (conftest), read only here
    payload = maps.page_data(study, study.config.language)
    assert len(payload["periods"]["popup"]) == len(payload["periods"]["names"]) > 1
    _check_both_sides([("north-centre over periods", payload)], tmp_path)


def _check_both_sides(good: list[tuple[str, dict]], tmp_path: Path) -> None:
    """jsonschema accepts every good payload and refuses each broken copy of the first; Node agrees."""
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    cases = []
    for name, payload in good:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(payload)]
        assert not errors, (name, errors[:5])
        cases.append({"name": name, "payload": payload, "valid": True})
    for name, payload in _broken(good[0][1]):
        assert not validator.is_valid(payload), name
        cases.append({"name": name, "payload": payload, "valid": False})
    (tmp_path / "payloads.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([_node(), "--test", str(HERE / "payload.test.js")], capture_output=True, text=True, timeout=300,
                         cwd=REPO, env={**os.environ, "NEXUS_ZONES_PAYLOAD": str(tmp_path)})
    report = run.stdout + run.stderr
    assert run.returncode == 0 and "# fail 0" in report and "# skipped 0" in report, report[-4000:]
