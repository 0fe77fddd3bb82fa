"""Pydantic's validation errors in the project's words: each a :class:`~nexus_zones.errors.Problem`
naming the key path, what was found, what is allowed and the fix."""

from __future__ import annotations

import re
import typing
from typing import Annotated, Any, Mapping, Union

from pydantic import BaseModel

from .. import layers as _layers
from ..errors import Problem, did_you_mean, short_repr
from ..layers.base import _IDENT, _SEP
from .schema import Config, _RegisteredLayer

def _walk_model(loc: tuple) -> tuple[list[str], type[BaseModel] | None]:
    """Return the readable key path of a pydantic error location and the model it points into."""
    parts: list[str] = []
    model: Any = Config
    i = 0
    while i < len(loc):
        part = loc[i]
        if isinstance(model, type) and issubclass(model, BaseModel):
            parts.append(str(part))
            field = model.model_fields.get(str(part))
            model = field.annotation if field else None
        elif model is _RegisteredLayer:
            model = _layers.KINDS[part].Spec if part in _layers.KINDS else None  # the kind's tag: not a key the user wrote
        else:
            origin = typing.get_origin(model)
            args = typing.get_args(model)
            if origin is Annotated:
                model = args[0]
                continue
            if origin in (Union, getattr(__import__("types"), "UnionType", Union)):
                if part in _layers.KINDS:  # discriminated-union tag: not a key the user wrote
                    model = _layers.KINDS[part].Spec
                    i += 1
                    continue
                model = next((a for a in args if a is not type(None)), None)
                continue
            if origin is dict:
                parts.append(str(part))
                model = args[1]
            elif origin in (list, tuple):
                parts.append(f"[{part}]")
                model = args[0] if args else None
            else:
                parts.append(str(part))
                model = None
        i += 1
    while model is not None and typing.get_origin(model) in (Annotated,):
        model = typing.get_args(model)[0]
    if typing.get_origin(model) is Union:
        model = next((a for a in typing.get_args(model) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return parts, model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _problem_from_pydantic(err: Mapping[str, Any]) -> Problem:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        parts, parent = _walk_model(loc[:-1])
        key = str(loc[-1])
        allowed = sorted(parent.model_fields) if parent else []
        where = ".".join(parts + [key]) or key
        return Problem(
            where,
            f"unknown key {key!r}{did_you_mean(key, allowed)}",
            f"one of: {', '.join(allowed)}" if allowed else "no such key",
            "rename or remove it",
        )
    parts, _ = _walk_model(loc)
    where = ".".join(parts) or "(top level)"
    where = re.sub(r"\.\[", "[", where)
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    if kind == "value_error" and _SEP in msg:
        key, found, expected, fix = msg.split(_SEP)
        return Problem(f"{where}.{key}" if parts else key, found, expected, fix)
    if kind == "missing":
        return Problem(where, "nothing (the key is missing)", "a value", f"add {parts[-1] if parts else 'it'}: to the config")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = (err.get("ctx") or {}).get("tag")
        kinds = list(_layers.KINDS)
        found = "nothing (the key is missing)" if kind == "union_tag_not_found" or tag is None else f"{tag!r}{did_you_mean(str(tag), kinds)}"
        return Problem(where + ".kind", found, f"one of {', '.join(kinds)}", "set the layer's kind")
    value = err.get("input")
    found = short_repr(value)
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        choices = re.findall(r"'([^']+)'", msg)
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
        return Problem(where, f"{found}{hint}", "one of " + ", ".join(choices))
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return Problem(where, found, _PATTERN_WORDS.get(pattern, f"text matching {pattern}"))
    expected = {
        "greater_than_equal": f"a number of at least {ctx.get('ge')}",
        "greater_than": f"a number above {ctx.get('gt')}",
        "less_than": f"a number below {ctx.get('lt')}",
        "less_than_equal": f"a number of at most {ctx.get('le')}",
        "finite_number": "a finite number (not NaN or infinity)",
        "float_parsing": "a number", "float_type": "a number", "int_parsing": "a whole number", "int_type": "a whole number",
        "bool_parsing": "true or false", "bool_type": "true or false",
        "string_type": "text", "dict_type": "a mapping (key: value lines)", "list_type": "a list ([a, b] or '- ' lines)",
        "date_from_datetime_parsing": "a date such as 2017-01-01", "date_parsing": "a date such as 2017-01-01", "date_type": "a date such as 2017-01-01",
        "too_short": f"at least {ctx.get('min_length')} item(s)",
        "tuple_type": "a list of two numbers", "too_long": f"at most {ctx.get('max_length')} item(s)",
    }.get(kind)
    fix = ""
    if kind == "float_parsing" and isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+,\d+\s*", value):
        fix = f"write {value.strip().replace(',', '.')} (a point as the decimal mark, unquoted)"
    return Problem(where, found, expected or (msg[0].lower() + msg[1:] if msg else "a valid value"), fix)


_PATTERN_WORDS = {
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$": "letters, digits, '_', '.' or '-', starting with a letter or digit (it names the output files)",
    _IDENT: "a name of letters, digits and '_', not starting with a digit (it is used in rules)",
    r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$": "layer.measure, e.g. incidents.count",
}
