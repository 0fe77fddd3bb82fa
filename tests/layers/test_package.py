"""Layer kinds as plug-ins (:mod:`nexus_zones.layers`): every kind is registered with its parts, the
config's kinds are the registry's, an unknown kind is refused with the registry's list, no code
dispatches on spec types, and a toy kind registered in a test (one module, one entry) is accepted by
the config and used by check and run."""

from __future__ import annotations

import ast
import types
from pathlib import Path
from typing import Literal

import pandas as pd
import pytest
from pydantic import Field

from nexus_zones import cli, config as config_mod, layers, load
from nexus_zones.config import Config, config_from_mapping, load_config, measures_of
from nexus_zones.errors import ConfigError
from nexus_zones.layers.base import _HasPath, Measured

from .._support import REPO

PACKAGE = REPO / "nexus_zones"


# ------------------------------------------------------------------------------------ registry


def test_every_kind_is_registered_with_its_parts():
    assert list(layers.KINDS) == ["points", "table", "actors", "raster", "polygons"]
    for name, kind in layers.KINDS.items():
        assert kind.Spec.model_fields["kind"].annotation == Literal[name]
        for part in ("measures", "read", "measure"):
            assert callable(getattr(kind, part)), f"{name}.{part}"
        assert kind.__name__ == f"nexus_zones.layers.{name}"


def test_the_config_kinds_are_the_registry():
    assert config_mod.layer_kinds() == {n: k.Spec for n, k in layers.KINDS.items()}
    schema = Config.model_json_schema()
    (union,) = schema["properties"]["layers"]["patternProperties"].values()
    assert sorted(union["discriminator"]["mapping"]) == sorted(layers.KINDS)
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in union["oneOf"]] == [k.Spec.__name__ for k in layers.KINDS.values()]


def test_an_unknown_kind_lists_the_registry(grid_cfg):
    grid_cfg["layers"]["flood"] = {"kind": "polygon", "path": "x.geojson"}
    with pytest.raises(ConfigError) as info:
        config_from_mapping(grid_cfg)
    text = str(info.value)
    assert "layers.flood.kind" in text and "'polygon' (did you mean 'polygons'?)" in text
    assert f"one of {', '.join(layers.KINDS)}" in text and "set the layer's kind" in text


def test_measures_of_asks_the_kind(grid_cfg):
    config = config_from_mapping(grid_cfg)
    assert measures_of(config.layers["events"]) == ("count", "fatalities")
    assert measures_of(config.layers["services"]) is None  # categories from the file
    assert measures_of(config.layers["forces"]) == ("police", "closed")
    assert measures_of(config.layers["actors"]) == ("humanitarian", "development", "actors", "both")


def _isinstance_on_specs(path: Path) -> list[str]:
    """``isinstance(x, <something>LayerSpec)`` calls in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance" and len(node.args) == 2:
            if "LayerSpec" in ast.unparse(node.args[1]):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_no_isinstance_dispatch_on_layer_kinds():
    """Config, check, the pipeline and the map ask the registry, never the spec's class."""
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _isinstance_on_specs(path)]
    assert found == []


# ------------------------------------------------------------------------------------ a toy kind


class ToySpec(_HasPath):
    """A CSV of (pcode, value) rows summed per unit: a kind written for this test only."""

    kind: Literal["toy"]
    value_column: str = Field("value", description="Column summed per unit.")


def _toy_read(name, spec, context):
    return load.read_rows(spec.path, {f"layers.{name}.value_column": spec.value_column})


def _toy_measure(name, spec, data, context):
    values = pd.to_numeric(data[spec.value_column]).groupby(data["pcode"]).sum()
    return Measured(pd.DataFrame({"total": values.reindex(context.units.index).fillna(0.0)}))


def _toy_module() -> types.ModuleType:
    toy = types.ModuleType("toy")
    toy.Spec = ToySpec
    toy.measures = lambda spec: ("total",)
    toy.read = _toy_read
    toy.measure = _toy_measure
    return toy


def test_one_module_and_one_registry_entry_make_a_kind(grid_cfg, grid_files, write_config, tmp_path, monkeypatch):
    (grid_files["boundaries"].parent / "toy.csv").write_text("pcode,value\nA1,2\nA1,3\nB2,7\n", encoding="utf-8")
    grid_cfg["layers"]["toys"] = {"kind": "toy", "path": str(grid_files["boundaries"].parent / "toy.csv")}
    grid_cfg["indicators"]["toys"] = {"measure": "toys.total", "direction": "benefit", "weight": 1}
    path = write_config(grid_cfg)
    with pytest.raises(ConfigError, match="one of points, table, actors, raster, polygons"):
        load_config(path)

    monkeypatch.setitem(layers.KINDS, "toy", _toy_module())
    config = load_config(path)
    assert isinstance(config.layers["toys"], ToySpec) and measures_of(config.layers["toys"]) == ("total",)
    assert cli.main(["check", str(path)]) == 0
    assert cli.main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == 0
    scores = pd.read_csv(tmp_path / "out" / "grid_scores.csv", index_col="unit_id")
    assert scores["toys"].to_dict() == {"A1": 2.0 + 3.0, "A2": 0.0, "B1": 0.0, "B2": 7.0}
    grid_cfg["layers"]["toys"]["kind"] = "tooy"
    with pytest.raises(ConfigError, match=r"'tooy' \(did you mean 'toy'\?\).*one of points, table, actors, raster, polygons, toy"):
        load_config(write_config(grid_cfg, "typo.yaml"))

    monkeypatch.undo()  # unregistered: the config no longer knows it
    with pytest.raises(ConfigError, match="'toy'"):
        load_config(path)
