"""The config's walk through the code: which modules read the config during a run, in what order.

    .venv/bin/python benchmarks/config_walk.py [--repo PATH] [--baseline PATH] [--record] [--show]

Figures, not timings (issue 20: "following the config from ``pipeline.run`` through the code visits
fewer modules and makes fewer moves back up than today").

**Method (read-based, the figures recorded).** A child process puts ``--repo`` first on ``sys.path``,
loads ``configs/demo.yaml`` of that checkout with the package's own ``load_config``, then
instruments every pydantic model class reachable from the ``Config`` (the classes of the instances
in its tree, and of its fields' annotations, recursively: ``config.robustness``,
``config.indicators[x]``, a layer's spec, an analysis's ``Spec``...): each read of a public
attribute (a field, a property, a method) of an instance of those classes, the config's copies
included, records the package module of the reading frame. Frames of pydantic and of the config
package (``nexus_zones.config``, a single module at the baseline, a package since), which owns the
config, are skipped, as are frames outside ``nexus_zones``: the read is the first package frame's
above them (``config.indicator_weights()`` called in ``model`` is ``model``'s read). Then
``pipeline.run(config, out_dir=<temp dir>)`` writes every output of the demo. The **walk** is that
sequence of modules with consecutive repeats collapsed. Figures:

* **modules visited**: distinct modules in the walk;
* **moves**: module changes (the walk's length minus one);
* **moves back up**: moves from a module on a lower floor to one on a higher floor, the floors of
  ARCHITECTURE.md "The floors" (table :data:`FLOORS`, which also places the baseline's modules; a
  module missing from it stops the script).

**Second method (call-based, printed, not recorded).** In the same run ``sys.setprofile`` sees every
call of a package function (config package apart) that receives a config object (the ``Config`` or
one of its sub-models) as an argument; the walk of those calls' modules, collapsed the same way,
gives the same three figures. It counts where the config is handed over, not where it is read.

**Third method (ownership, printed and recorded as ``owned_*``).** The first method skips the config
package's frames because that package owns the ``Config``. Since issue 20 the config has more than
one owner: each analysis module defines its ``Spec`` and each layer-kind module its layer spec, and
item 1 asks that "an analysis receives its own spec". Applying the same rule to every owner, a read
made in a module that defines the read object's class (or one of its bases) is left out; a read
made in a method of that class is the caller's (as for the config package). What remains is the
config read by a module that does not own it: the walk the issue worries about.

The issue's figures ("20 modules, 151 moves, 70 moves back up (two weeks ago: 16, 85, 40)") came
with no method; the script prints, for comparison, the read-based walk with the plug-in packages
counted as one module each (``layers.*``, ``analyses.*``; ``layers.base`` stays on its floor), with
the config package's frames kept (``config`` then counts as a module), and the call-based walk.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Each module's floor (ARCHITECTURE.md "The floors", bottom 1), by name under ``nexus_zones``;
#: it places the baseline's modules too (the single-file ``config``, no ``analyses``, ``model``,
#: ``result``, ``tree`` nor ``treat``). ``offline`` (inlines a page's assets) serves the writers.
FLOORS: dict[str, int] = {
    **dict.fromkeys(("errors", "messages", "logs", "safety", "rules", "layers.base", "legends"), 1),
    **dict.fromkeys(("fold", "geometry", "sheets", "schemas", "load", "reconcile", "aggregate", "layers", "layers._keyed",
                     "layers.points", "layers.table", "layers.raster", "layers.polygons", "layers.actors"), 2),
    **dict.fromkeys(("treat", "indicators", "normalise", "tree", "score", "weights", "sensitivity", "decision", "typology",
                     "uncertainty", "reporting"), 3),
    **dict.fromkeys(("claims", "explain"), 4),
    **dict.fromkeys(("analyses", "analyses.base", "analyses.ahp", "analyses.closest_weights", "analyses.compared_weights",
                     "analyses.data_uncertainty", "analyses.leave_one_out", "analyses.pilots", "analyses.robustness",
                     "analyses.stakeholders", "analyses.triangulation", "analyses.typology"), 5),
    **dict.fromkeys(("config", "config.schema", "config.translate", "config.checks", "config.reading", "config.model_tree", "config.plan"), 6),
    **dict.fromkeys(("model", "result", "periods"), 7),
    **dict.fromkeys(("maps", "report", "offline"), 8),
    **dict.fromkeys(("pipeline", "cli", ""), 9),
}


# ------------------------------------------------------------------------------ the child: one run, instrumented

def _child(repo: str, config_path: str) -> None:
    """Run the demo in ``repo``'s package with the config instrumented; print the reads as JSON."""
    sys.path.insert(0, repo)
    import pydantic

    import nexus_zones
    from nexus_zones import pipeline
    from nexus_zones.config import load_config

    assert Path(nexus_zones.__file__).resolve().is_relative_to(Path(repo).resolve()), nexus_zones.__file__
    config = load_config(config_path)
    classes = _reachable_classes(config, pydantic.BaseModel)
    reads: list[tuple[str, str, str, str]] = []  # (module, config's frames kept, class owners skipped, attribute)
    calls: list[str] = []
    recording = [True]
    config_types = tuple(classes)

    def getattribute(self, name):
        if recording[0] and not name.startswith("_"):
            reads.append((*_reader(sys._getframe(1), _owners(type(self))), name))
        return object.__getattribute__(self, name)

    for cls in classes:
        cls.__getattribute__ = getattribute

    def profile(frame, event, arg):
        if event != "call" or not recording[0]:
            return
        module = frame.f_globals.get("__name__", "")
        if not module.startswith("nexus_zones") or _in_config(module):
            return
        code = frame.f_code
        for name in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]:
            if isinstance(frame.f_locals.get(name), config_types):
                calls.append(_short(module))
                return

    with tempfile.TemporaryDirectory() as out:
        sys.setprofile(profile)
        try:
            pipeline.run(config, out_dir=out)
        finally:
            sys.setprofile(None)
            recording[0] = False
    print(json.dumps({"reads": reads, "calls": calls, "classes": sorted(c.__qualname__ for c in classes)}))


def _reachable_classes(config, base) -> list[type]:
    """Every pydantic model class reachable from ``config``: its instances' classes and the model
    classes named in the fields' annotations, recursively."""
    import typing

    found: dict[type, None] = {}
    todo: list[object] = [config]
    while todo:
        item = todo.pop()
        if isinstance(item, base):
            todo.append(type(item))
            todo.extend(getattr(item, f) for f in type(item).model_fields)
        elif isinstance(item, type):
            if issubclass(item, base) and item is not base and item not in found:
                found[item] = None
                todo.extend(f.annotation for f in item.model_fields.values())
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            todo.extend(item)
        elif typing.get_args(item):
            todo.extend(typing.get_args(item))
    return list(found)


def _in_config(module: str) -> bool:
    return module == "nexus_zones.config" or module.startswith("nexus_zones.config.")


def _short(module: str) -> str:
    return module.removeprefix("nexus_zones").removeprefix(".")


def _owners(cls: type) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """The package modules that define ``cls`` or one of its bases (``analyses.pilots`` owns its
    ``Spec``), and those classes as (module, qualified name)."""
    classes = tuple((c.__module__, c.__qualname__) for c in cls.__mro__ if c.__module__.startswith("nexus_zones"))
    return frozenset(m for m, _ in classes), classes


def _reader(frame, owners: tuple[frozenset[str], tuple[tuple[str, str], ...]] = (frozenset(), ())) -> tuple[str, str, str]:
    """The reading module (the first package frame outside the config package; pydantic's and other
    libraries' frames skipped), the same with the config package's frames kept, and the reader by
    ownership: the first package frame outside the config package that is not a method of the read
    object's class, "-" where that frame is in a module defining the class (the module reads a spec
    it owns, as the config package reads the ``Config``); "-" if none."""
    modules, classes = owners
    kept = skipped = owned = None
    while frame is not None and owned is None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("nexus_zones"):
            kept = kept or _short(module) or "nexus_zones"
            if not _in_config(module):
                skipped = skipped if skipped is not None else _short(module)
                qualname = getattr(frame.f_code, "co_qualname", "")
                if not any(module == m and qualname.startswith(q + ".") for m, q in classes):
                    owned = "-" if module in modules else _short(module)
        frame = frame.f_back
    return (skipped if skipped is not None else "-", kept or "-", owned if owned is not None else "-")


# ------------------------------------------------------------------------------ the parent: figures

def walk(modules: list[str]) -> list[str]:
    """The sequence with consecutive repeats collapsed (reads outside the package dropped)."""
    out: list[str] = []
    for m in modules:
        if m != "-" and (not out or out[-1] != m):
            out.append(m)
    return out


def figures(path: list[str]) -> dict[str, int]:
    """Modules visited, moves and moves back up (to a higher floor) of a walk."""
    unknown = sorted({m for m in path if m not in FLOORS})
    if unknown:
        raise SystemExit(f"config_walk: modules without a floor in FLOORS: {', '.join(unknown)}; add them (ARCHITECTURE.md, The floors)")
    up = sum(FLOORS[b] > FLOORS[a] for a, b in zip(path, path[1:]))
    return {"modules": len(set(path)), "moves": max(len(path) - 1, 0), "back_up": up}


def measure(repo: Path) -> dict:
    """Run the child on ``repo``'s demo and return its reads and calls."""
    config = repo / "configs" / "demo.yaml"
    done = subprocess.run([sys.executable, __file__, "--child", str(repo), str(config)], capture_output=True, text=True, cwd=repo)
    if done.returncode != 0:
        raise SystemExit(f"config_walk: the run on {repo} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def describe(label: str, repo: Path, data: dict, *, show: bool) -> dict[str, int]:
    reads = data["reads"]
    path = walk([r[0] for r in reads])
    main = figures(path)
    kept = walk([r[1] for r in reads])
    calls = walk(data["calls"])
    print(f"{label}: {repo}")
    print(f"  config classes instrumented: {len(data['classes'])}; attribute reads recorded: {len(reads)}")
    print(f"  read-based walk (recorded):        {main['modules']} modules, {main['moves']} moves, {main['back_up']} moves back up")
    print(f"    by module (reads): " + ", ".join(f"{m} {n}" for m, n in _counts([r[0] for r in reads])))
    grouped = figures(walk([_plugin_package(r[0]) for r in reads]))
    print(f"  read-based, plug-ins as one module: {grouped['modules']} modules, {grouped['moves']} moves, {grouped['back_up']} moves back up"
          " (layers.* as layers, analyses.* as analyses)")
    with_config = figures([m if m != "nexus_zones" else "" for m in kept])
    print(f"  read-based, config frames kept:    {with_config['modules']} modules, {with_config['moves']} moves, {with_config['back_up']} moves back up")
    owned = figures(walk([r[2] for r in reads]))
    print(f"  read-based, owners' reads left out: {owned['modules']} modules, {owned['moves']} moves, {owned['back_up']} moves back up"
          " (a module reading a spec it defines, as the config package the Config)")
    print(f"    by module (reads): " + ", ".join(f"{m} {n}" for m, n in _counts([r[2] for r in reads if r[2] != "-"])))
    c = figures(calls)
    print(f"  call-based walk:                   {c['modules']} modules, {c['moves']} moves, {c['back_up']} moves back up")
    if show:
        print("  walk: " + " > ".join(path))
        print("  calls: " + " > ".join(calls))
    return main | {"plugins_as_one_modules": grouped["modules"], "owned_modules": owned["modules"],
                   "owned_moves": owned["moves"], "owned_back_up": owned["back_up"]}


def _plugin_package(module: str) -> str:
    """``layers.points`` -> ``layers``, ``analyses.pilots`` -> ``analyses`` (their floors: the kinds' and the analyses')."""
    head = module.split(".", 1)[0]
    return head if head in ("layers", "analyses") and module != "layers.base" else module


def _counts(items: list[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for i in items:
        counts[i] = counts.get(i, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def _commit(repo: Path) -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout to measure (default: this one)")
    parser.add_argument("--baseline", type=Path, help="a second checkout measured the same way (e.g. a worktree of 407dd41^)")
    parser.add_argument("--record", action="store_true", help="write the figures to benchmarks/figures.json (config_walk)")
    parser.add_argument("--show", action="store_true", help="print the walks themselves")
    args = parser.parse_args()
    now = describe("measured", args.repo, measure(args.repo.resolve()), show=args.show)
    recorded: dict[str, float | int | str] = dict(now)
    if args.baseline is not None:
        base = describe("baseline", args.baseline, measure(args.baseline.resolve()), show=args.show)
        recorded |= {f"base_{k}": v for k, v in base.items()} | {"base_commit": _commit(args.baseline)}
    if args.record:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from common import record

        record("config_walk", recorded)


if __name__ == "__main__":
    main()
