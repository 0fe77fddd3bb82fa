"""The payload as the page receives it (:func:`nexus_zones.maps.pack`, then :func:`maps.data_text`)
and as the page opens it (``page/static/payload.js``: decompressed, then unpacked) under Node: equal,
value for value, to :func:`maps.page_data`'s, every unit and every view: the normalised values the
page derives from the raw values (bit for bit: JSON carries shortest round-trip decimals), the sides
and region means of "why this unit", and the colours of the views the page colours itself (each
indicator's from its normalised values, the score's, the region rank's and each node's from its
kernel at the config's weights). Plain and compressed alike, for the demo (both languages, hostile
labels), a three-level tree and a demo whose indicators use every normalisation (only the linear
ones derived). The 5,000-unit case is measured by ``benchmarks/tree_scale.py``."""

from __future__ import annotations

import json
import re
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

import nexus_zones
from nexus_zones import explain, maps
from nexus_zones.config import config_from_mapping
from nexus_zones.messages import t

from .._support import REPO, STATIC, _node, fewer_draws, opened_in_node


def _strictly_equal_in_node(text: str, full: str) -> None:
    """Node opens ``text`` (a script's payload) to the payload ``full`` (page_data's JSON) under
    ``assert.deepStrictEqual``: every number the same double, sign of zero included (bit for bit)."""
    script = ("const P = require(process.argv[1]), assert = require('node:assert/strict'); let s = ''; process.stdin.on('data', (c) => { s += c; });"
              "process.stdin.on('end', () => { const c = JSON.parse(s); P.open(JSON.parse(c.text), (D) => { assert.deepStrictEqual(D, JSON.parse(c.full));"
              "process.stdout.write('equal'); }); });")
    run = subprocess.run([_node(), "-e", script, str(STATIC / "payload.js")], input=json.dumps({"text": text, "full": full}), capture_output=True,
                         text=True, encoding="utf-8", timeout=300)
    assert run.returncode == 0 and run.stdout == "equal", run.stderr[-3000:]


def _assert_opens_to_page_data(result, language: str) -> dict:
    """Plain and compressed, the page opens to page_data's payload; returns the packed payload."""
    full_text = maps.data_json(maps.page_data(result, language))
    full = json.loads(full_text)
    packed = maps.pack(maps.page_data(result, language), result)
    plain, compressed = maps.data_text(packed), maps.data_text(packed, compress_above=0)
    assert plain == maps.data_json(packed) and re.fullmatch(r'\{"gz":"[A-Za-z0-9+/=]+","old":"[^"]+"\}', compressed)
    assert json.loads(compressed)["old"] == t("browser_too_old", language)
    for text in (plain, compressed):
        assert opened_in_node(text) == full
        _strictly_equal_in_node(text, full_text)
    return packed


def test_the_demo_opens_to_its_payload_in_both_languages(demo_result) -> None:
    for language in ("en", "fr"):
        packed = _assert_opens_to_page_data(demo_result, language)
        units = packed["units"]
        assert "norm" not in units and all(isinstance(f, dict) for f in units["norm_of"])  # minmax and goalposts: all derived
        assert not any(maps.page_coloured(v) for v in units["colours"]) and {"robustness", "rules"} <= set(units["colours"])
        assert not any("sd" in r or "mn" in r for r in units["popup"])


def test_a_tree_and_hostile_labels_open_to_their_payload(inform_result, hostile_demo_result) -> None:
    tree = inform_result  # configs/inform_style_example.yaml, computed once per session (conftest)
    packed = _assert_opens_to_page_data(tree, "en")
    assert not any(v.startswith("node_") for v in packed["units"]["colours"])
    _assert_opens_to_page_data(hostile_demo_result, "en")


def test_only_linear_normalisations_are_derived_and_each_bit_for_bit(tmp_path: Path) -> None:
    """Rank, z-score, a log1p transform and clipped goalposts: the first three travel as columns, the
    goalposts (values beyond them clipped to 0 and 1) and min–max are derived, equal bit for bit."""
    cfg = fewer_draws(yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8")))
    ind = cfg["indicators"]
    ind["fatalities"]["normalisation"] = "rank"
    ind["health_facilities"]["normalisation"] = "zscore"
    ind["development_actors"]["transform"] = "log1p"
    ind["humanitarian_actors"].update(normalisation="goalposts", goalposts=[1.5, 2.5])
    for key in ("base_dir", "data_dir"):
        cfg.pop(key, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nexus_zones.errors.NexusZonesWarning)
        result = nexus_zones.run(config_from_mapping(cfg, base_dir=REPO / "configs"), out_dir=tmp_path / "methods")
    packed = _assert_opens_to_page_data(result, "en")
    kinds = dict(zip(result.config.indicators, ("linear" if isinstance(f, dict) else "column" for f in packed["units"]["norm_of"])))
    assert kinds == {"incidents": "linear", "fatalities": "column", "schools_closed": "linear", "health_facilities": "column",
                     "access_impediments": "linear", "humanitarian_actors": "linear", "development_actors": "column"}
    raw = result.scores["humanitarian_actors"]
    assert ((raw < 1.5) | (raw > 2.5)).any() and packed["units"]["norm_of"][5] == {"lo": 1.5, "hi": 2.5, "cost": False}


def test_linear_norm_and_region_sides_by_hand() -> None:
    """maps.linear_norm: (x - lo) / (hi - lo), kept in [0, 1], 1 - y for a cost; maps.region_sides:
    better, worse, missing, and equal within math.isclose's tolerance."""
    x = np.array([0.0, 2.5, 10.0, 12.0, -1.0, np.nan])
    assert np.array_equal(maps.linear_norm(x, 0, 10, False), [0.0, 0.25, 1.0, 1.0, 0.0, np.nan], equal_nan=True)
    assert np.array_equal(maps.linear_norm(x, 0, 10, True), [1.0, 0.75, 0.0, 0.0, 1.0, np.nan], equal_nan=True)
    values = np.array([[1.0, 1.0, np.nan, 2.0, 1.0 + 1e-12]])
    means = np.array([[2.0, 2.0, 1.0, np.nan, 1.0]])
    assert maps.region_sides(values, means, np.array([False, True, False, False, False])).tolist() == [[-1, 1, 0, 0, 0]]


def test_region_totals_give_the_other_units_means(demo_result) -> None:
    """(S - x) / (n - 1) of explain.region_totals is explain.other_means, bit for bit, and by hand
    the mean of the region's other units."""
    names = list(demo_result.config.indicators)
    sums, counts = explain.region_totals(demo_result)
    values = demo_result.scores[names].astype(float)
    assert explain.other_means(demo_result).equals((sums - values.fillna(0.0)) / (counts - values.notna()).where(counts - values.notna() > 0))
    scores, name = demo_result.scores, names[0]
    unit = next(u for u in scores.index if (scores["region"] == scores.at[u, "region"]).sum() > 2)
    others = scores[(scores["region"] == scores.at[unit, "region"]) & (scores.index != unit)][name].dropna()
    assert len(others) >= 2 and explain.other_means(demo_result).at[unit, name] == pytest.approx(others.mean(), rel=1e-12)
