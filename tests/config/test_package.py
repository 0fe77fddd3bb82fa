"""The config as a whole (:mod:`nexus_zones.config`): docs/config.md is its reference, tied to the schema
(every key the schema holds is documented there, and no other)."""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Union

from pydantic import BaseModel

import nexus_zones
import nexus_zones.layers
from nexus_zones.config import Config, schema

from .._support import REPO


# ------------------------------------------------------------------ the reference: docs/config.md


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (inside dicts, lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _holds_many(annotation: Any) -> bool:
    """True where a field holds models by name or in a list (``indicators``, ``periods``): their keys are written ``.*.``."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _holds_many(typing.get_args(annotation)[0])
    if origin in (dict, list):
        return True
    return origin in (Union, types.UnionType) and any(_holds_many(arg) for arg in typing.get_args(annotation))


def _schema_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every key a config may hold, as docs/config.md writes it: dotted paths, ``*`` for a chosen name or
    a list's item, ``layers.*[kind].key`` for each kind of the registry."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        key = prefix + (field.alias or name)
        if schema._RegisteredLayer in typing.get_args(field.annotation):
            for kind, spec in schema.layer_kinds().items():
                keys |= _schema_keys(spec, f"{key}.*[{kind}].")
            continue
        models = _models_in(field.annotation)
        if not models:
            keys.add(key)
        for sub in models:
            keys |= _schema_keys(sub, key + (".*." if _holds_many(field.annotation) else "."))
    return keys


def _documented_keys(text: str) -> list[str]:
    """The keys of the tables headed ``| key | default | meaning |``: the first cell, in backticks;
    ``layers.*[points,table].x`` stands for ``layers.*[points].x`` and ``layers.*[table].x``."""
    keys: list[str] = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("| key | default | meaning |"):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
        if not in_table or line.startswith("| ---"):
            continue
        cell = re.fullmatch(r"\| `([^`]+)` \|.*", line)
        assert cell, f"docs/config.md: a row of a key table whose first cell is not a key in backticks: {line}"
        kinds = re.search(r"\[([a-z_,]+)\]", cell.group(1))
        spelled = [cell.group(1).replace(kinds.group(0), f"[{k}]") for k in kinds.group(1).split(",")] if kinds else [cell.group(1)]
        keys += spelled
    return keys


def test_the_schema_walk_finds_the_keys_a_config_is_written_with():
    """The walk itself: nested models, named items, list items, every registered kind, aliases."""
    keys = _schema_keys(Config)
    assert {"robustness.top_k", "study.boundaries.id_column", "indicators.*.weight", "model.pillars.*.weight", "periods.*.as_of",
            "layers.*[points].match.*.contains", "layers.*[raster].period_paths", "pillar_weights", "weights"} <= keys
    assert {key.split("[")[1].split("]")[0] for key in keys if key.startswith("layers.*[")} == set(nexus_zones.layers.KINDS)
    assert not any(key in keys for key in ("study", "study.boundaries", "layers", "indicators", "model", "pillar_weight_overrides"))


def test_the_doc_parser_reads_key_rows_and_expands_kinds():
    text = "| key | default | meaning |\n| --- | --- | --- |\n| `a.b` | 1 | x |\n| `layers.*[points,table].path` | required | y |\n\n| `not.a.key` |"
    assert _documented_keys(text) == ["a.b", "layers.*[points].path", "layers.*[table].path"]


def test_docs_config_documents_every_key_of_the_schema_and_no_other():
    """docs/config.md is the config reference: a key added to the schema needs its line there, and a
    line there for a key that does not exist (renamed, removed, misspelt) fails too."""
    documented = _documented_keys((REPO / "docs" / "config.md").read_text(encoding="utf-8"))
    schema = _schema_keys(Config)
    repeated = sorted({key for key in documented if documented.count(key) > 1})
    assert not repeated, f"documented twice in docs/config.md: {repeated}"
    assert not sorted(schema - set(documented)), f"keys of the config schema missing from docs/config.md: {sorted(schema - set(documented))}"
    assert not sorted(set(documented) - schema), f"docs/config.md documents keys the schema does not have: {sorted(set(documented) - schema)}"
