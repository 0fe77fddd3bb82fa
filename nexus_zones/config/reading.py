"""A config from a YAML file (:func:`load_config`) or a mapping (:func:`config_from_mapping`):
bounded parsing, validation against the schema, errors translated, cross-checks run, paths
resolved; and a config's copies with other weights."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import ValidationError

from ..errors import ConfigError, Problem, short_repr
from ..safety import strip_bidi_mapping
from .checks import _cross_checks, _raw_cross_checks
from .schema import Config, _sync_kinds
from .translate import _problem_from_pydantic

logger = logging.getLogger("nexus_zones.config")

#: Bounds on what a config file may hold, checked while reading it so that contrived input is an
#: error within a second: its size, its nesting, the values its aliases expand to, one text's length.
MAX_CONFIG_BYTES = 1_000_000


MAX_DEPTH = 50


MAX_VALUES = 100_000


MAX_TEXT = 10_000


class _TooMuch(yaml.YAMLError):
    """A config beyond one of the bounds above: where (key or line), what was found, what is allowed."""

    def __init__(self, where: str, found: str, expected: str, fix: str):
        super().__init__(found)
        self.problem_item = Problem(where, found, expected, fix)


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses duplicate keys instead of keeping the last one, and configs
    nested deeper than :data:`MAX_DEPTH`, expanding (through aliases) to more than
    :data:`MAX_VALUES` values, or holding a text longer than :data:`MAX_TEXT` characters."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        path = self.__dict__.setdefault("_path", [])
        path.append(index.value if isinstance(index, yaml.ScalarNode) else f"[{index}]" if isinstance(index, int) else "")
        try:
            if len(path) > MAX_DEPTH:
                mark = self.peek_event().start_mark
                keys = ".".join(p for p in path[1:6] if p).replace(".[", "[")
                raise _TooMuch(f"{keys}... (line {mark.line + 1}, column {mark.column + 1})", f"values nested more than {MAX_DEPTH} levels deep",
                               f"at most {MAX_DEPTH} levels (a config is a few levels deep)", "remove the nesting")
            return super().compose_node(parent, index)
        finally:
            path.pop()

    def get_single_node(self):  # noqa: ANN201
        node = super().get_single_node()
        if node is not None:
            _check_bounds(node)
        return node


def _children(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        return [(f"{k.value}" if isinstance(k, yaml.ScalarNode) else "?", v) for k, v in node.value] + [("?", k) for k, _ in node.value]
    if isinstance(node, yaml.SequenceNode):
        return [(f"[{i}]", v) for i, v in enumerate(node.value)]
    return []


def _check_bounds(root: yaml.Node) -> None:
    """Count the values each node expands to (aliases included, each shared node once) without
    recursion; refuse a text over :data:`MAX_TEXT`, a cycle, or a total over :data:`MAX_VALUES`."""
    size: dict[int, int] = {}
    parents: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        key = id(node)
        if not ready:
            if key in size:
                continue
            if key in active:
                raise _TooMuch(_key_path(root, node), "a value that contains itself (an alias inside its own anchor)", "values that end", "remove the alias")
            if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_TEXT:
                raise _TooMuch(_key_path(root, node), f"a text of {len(node.value):,} characters ({short_repr(node.value, 60)})",
                               f"at most {MAX_TEXT:,} characters", "shorten it")
            active.add(key)
            stack.append((node, True))
            for _, child in _children(node):
                parents[id(child)] = parents.get(id(child), 0) + 1
                stack.append((child, False))
            continue
        active.discard(key)
        size[key] = 1 + sum(size[id(c)] for _, c in _children(node))
    if size[id(root)] > MAX_VALUES:
        node, path = _largest_unshared(root, size, parents)
        raise _TooMuch(".".join(path).replace(".[", "[") or "(top level)",
                       f"values that expand to {size[id(node)]:,} items through aliases (*name), at line {node.start_mark.line + 1}",
                       f"at most {MAX_VALUES:,} values in the whole config", "write the values out, or alias smaller parts")


def _largest_unshared(root: yaml.Node, size: dict[int, int], parents: dict[int, int]) -> tuple[yaml.Node, list[str]]:
    """Follow the largest child from the root while it is over the limit and not reached by an alias."""
    node, path = root, []
    while True:
        over = [(k, c) for k, c in _children(node) if size[id(c)] > MAX_VALUES]
        if not over:
            return node, path
        k, child = max(over, key=lambda kc: size[id(kc[1])])
        path.append(k)
        if parents.get(id(child), 0) > 1:
            return child, path
        node = child


def _key_path(root: yaml.Node, target: yaml.Node) -> str:
    """The key path to ``target`` (first found, breadth first), e.g. ``indicators.x.label``."""
    seen = {id(root)}
    queue = [(root, [])]
    for node, path in queue:
        if node is target:
            return ".".join(path).replace(".[", "[") or "(top level)"
        for k, child in _children(node):
            if id(child) not in seen:
                seen.add(id(child))
                queue.append((child, path + [k]))
    return "(somewhere)"  # pragma: no cover - the target is under the root


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_config(path: str | Path, *, data_dir: str | Path | None = None) -> Config:
    """Read and validate a YAML config file.

    ``data_dir`` (e.g. from ``--data-dir``) overrides the config's ``data_dir``: input paths are
    then relative to it.

    Raises
    ------
    ConfigError
        Listing every problem found, each with its key path, what was found and what is allowed.
    """
    path = Path(path)
    source = str(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(source, [Problem(
                "file", f"{path.stat().st_size / 1e6:,.1f} MB", f"a config of at most {MAX_CONFIG_BYTES / 1e6:g} MB (a config names the input files; it holds no data)",
                "check that this is the config file, and put data in the input files it names")])
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            source, [Problem("file", "no such file", "a YAML config file", f"check the path (working folder: {Path.cwd()})")]
        ) from None
    except OSError as exc:
        raise ConfigError(source, [Problem("file", f"unreadable ({exc.strerror})", "a readable YAML file")]) from exc
    try:
        data = yaml.load(raw_bytes.decode("utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - safe loader subclass
    except UnicodeDecodeError as exc:
        raise ConfigError(source, [_not_utf8(raw_bytes, exc)]) from exc
    except _TooMuch as exc:
        raise ConfigError(source, [exc.problem_item]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        if "could not determine a constructor for the tag" in problem:
            found, expected, fix = f"a YAML tag that is not allowed ({problem.split('tag', 1)[1].strip()})", "plain YAML values", "remove the tag"
        elif "'\\t'" in problem:
            found, expected, fix = "a tab in the indentation", "indentation with spaces", "indent with spaces, not tabs (replace each tab on that line by spaces)"
        elif problem.startswith("duplicate key"):
            found, expected, fix = problem, "each key once in a mapping", "remove or rename one of them"
        else:
            found, expected, fix = f"invalid YAML ({problem})", "valid YAML", "fix the syntax there"
        raise ConfigError(source, [Problem(where, found, expected, fix)]) from None
    config = config_from_mapping(data, source=source, base_dir=path.resolve().parent, data_dir=data_dir)
    config._sha256 = hashlib.sha256(raw_bytes).hexdigest()
    return config


def _not_utf8(raw: bytes, exc: UnicodeDecodeError) -> Problem:
    """Where a config that is not UTF-8 first goes wrong, what it looks like, and the fix."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return Problem("file", "UTF-16 text (it starts with a UTF-16 byte-order mark)", "a UTF-8 text file", "re-save the file as UTF-8 (in Notepad: Save As > Encoding UTF-8)")
    line = raw[: exc.start].count(b"\n") + 1
    text = raw.splitlines()[line - 1].decode("cp1252", errors="replace").strip()
    return Problem(
        f"line {line}", f"bytes that are not UTF-8 ({raw[exc.start:exc.start + 2]!r} in {text[:60]!r}; Windows-1252 text, such as a config saved by an older editor)",
        "a UTF-8 text file", "re-save the file as UTF-8 (in Notepad: Save As > Encoding UTF-8)",
    )


def config_from_mapping(
    data: Any, *, source: str = "<config object>", base_dir: str | Path | None = None, data_dir: str | Path | None = None
) -> Config:
    """Validate a config given as a mapping (the parsed YAML).

    Relative paths resolve against ``base_dir`` (default: the working folder); input files against
    the data folder: ``data_dir`` if given, else the mapping's ``data_dir`` (relative to ``base_dir``).
    """
    if not isinstance(data, Mapping):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ConfigError(source, [Problem("(top level)", found, "a mapping with study, layers, indicators, ...", "start from configs/demo.yaml")])
    base = Path(base_dir) if base_dir else Path.cwd()
    if data_dir is not None:
        resolved_data: Path | None = Path(data_dir).expanduser().resolve()
    elif isinstance(data.get("data_dir"), (str, Path)):
        resolved_data = (base / Path(data["data_dir"]).expanduser()).resolve()
    else:
        resolved_data = None
    if resolved_data is not None and not resolved_data.is_dir():
        key = "--data-dir" if data_dir is not None else "data_dir"
        raise ConfigError(source, [_missing_data_dir(key, resolved_data)])
    _sync_kinds()
    data = strip_bidi_mapping(data, source=source)
    try:
        config = Config.model_validate(data, context={"base_dir": base, "data_dir": resolved_data})
    except ValidationError as exc:
        problems = [_problem_from_pydantic(err) for err in exc.errors()]
        seen = {p.where for p in problems}
        problems += [p for p in _raw_cross_checks(data) if p.where not in seen]
        raise ConfigError(source, problems) from None
    problems = _cross_checks(config)
    if problems:
        raise ConfigError(source, problems)
    _log_outside_paths(config, base, resolved_data)
    config._source = source
    config._sha256 = hashlib.sha256(json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    return config


def _missing_data_dir(key: str, folder: Path) -> Problem:
    """The data folder (``data_dir`` or ``--data-dir``) does not exist: name the way to point at the right one."""
    fix = (
        "give --data-dir the folder that holds the input files (an absolute path, or relative to the working folder "
        f"{Path.cwd()})" if key == "--data-dir" else
        "run with --data-dir FOLDER naming the folder that holds the input files (an absolute path is safest), "
        "or download the files into this folder, or change data_dir (relative to the config file)"
    )
    return Problem(key, f"{str(folder)!r}, which is not a folder", "the folder holding the input files", fix)


def _log_outside_paths(config: Config, base: Path, data_dir: Path | None) -> None:
    """Paths may be absolute or climb with '..'; they are allowed, resolved, and said (never silent)."""
    roots = [r.resolve() for r in (base, data_dir) if r is not None]
    paths = [config.study.boundaries.path, *(path for layer in config.layers.values() for path in layer.input_paths())]
    outside = [str(p) for p in paths if not any(p.is_relative_to(r) for r in roots)]
    if outside:
        logger.info("input paths outside the config's folder%s, as resolved: %s", " and data_dir" if data_dir else "", ", ".join(outside))



def with_weights(config: Config, weights: Mapping[str, float], pillar_weights: Mapping[str, float] | None = None) -> Config:
    """A copy of ``config`` with some indicator weights changed, and some weights of the model tree's
    nodes (``pillar_weights``: a node's weight among its siblings), validated like the YAML."""
    data = config.model_dump(mode="json")
    if data["model"].get("ahp") and not data["model"].get("pillars"):
        for name, w in config.indicator_weights().items():  # weights given by hand replace the AHP ones
            data["indicators"][name]["weight"] = w
        data["model"]["ahp"] = None
    for part, key, given in (("indicators", "weights", weights), ("pillars", "pillar_weights", pillar_weights or {})):
        items = data[part] if part == "indicators" else data["model"]["pillars"]
        for name, w in given.items():
            if name not in items:
                raise ConfigError(config.source, [Problem(f"{key}.{name}", repr(name), f"one of {sorted(items)}")])
            items[name]["weight"] = w
    return config_from_mapping(data, source=f"{config.source} (weights changed)")


def with_failing_units(config: Config, failing_units: str) -> Config:
    """A copy of ``config`` where rules act on the ranking as ``failing_units`` says (validated like the YAML)."""
    data = config.model_dump(mode="json")
    data["model"]["failing_units"] = failing_units
    return config_from_mapping(data, source=config.source)
