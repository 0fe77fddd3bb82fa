"""The package as a whole (:mod:`nexus_zones`): the test suite mirrors it (one test module per
package module, and none without one), its static files are package data, and the tests' own grid
fixture is what its docstring says."""

from __future__ import annotations

import ast
import collections
import fnmatch
import json
import re
import tomllib
from pathlib import Path

import pytest
from shapely.geometry import box

import nexus_zones

from ._support import REPO, STATIC, grid_units


def test_box_is_used_only_for_fixture_sanity():
    # the fixture's units tile the square: areas sum to 4 and no overlaps
    units = grid_units()
    assert sum(g.area for g in units.geometry) == pytest.approx(4.0)
    assert units.geometry.union_all().equals(box(0, 0, 2, 2))
    assert json.dumps(list(units.index)) == '["A1", "A2", "B1", "B2"]'


def test_static_files_are_package_data() -> None:
    """Every file of page/static is matched by pyproject's package-data (so installed wheels carry it)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]["nexus_zones.page.static"]
    files = sorted(p.name for p in STATIC.iterdir() if p.is_file())
    assert files == ["app.css", "app.js", "builders.js", "claims.js", "format.js", "kernel.js", "labels.js", "panel.js", "payload.js", "periods.js", "points.js",
                     "popup.js", "render.js", "store.js", "topology.js", "tree.js"]
    # the payload's schema too (the tests read it from the installed package)
    assert any(fnmatch.fnmatch("payload.schema.json", pat) for pat in config["package-data"]["nexus_zones.page"])
    assert [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)] == []
    assert any(fnmatch.fnmatch("nexus_zones.page.static", pat) for pat in config["packages"]["find"]["include"])


# ----------------------------------------------------------------------- the suite mirrors the code

PACKAGE = REPO / "nexus_zones"
TESTS = REPO / "tests"
#: Scripts of the page that only run with a map and a DOM: Chromium drives them, in these modules.
IN_THE_BROWSER = {"app.js": "end_to_end/test_browser.py", "periods.js": "end_to_end/test_browser_periods.py"}


def _mirror(module: Path) -> Path:
    """The test module of a package module: ``nexus_zones/a/b.py`` -> ``tests/a/test_b.py`` (a leading
    underscore dropped, ``__init__.py`` -> ``test_package.py``); ``page/static/x.js`` -> ``tests/page/x.test.js``."""
    rel = module.relative_to(PACKAGE)
    if module.suffix == ".js":
        return TESTS / "page" / f"{module.stem}.test.js"
    name = "test_package.py" if module.name == "__init__.py" else f"test_{module.stem.lstrip('_')}.py"
    return TESTS.joinpath(*rel.parts[:-1], name)


def _package_modules() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *(PACKAGE / "page" / "static").glob("*.js")])


def _mirrored_test_modules() -> list[Path]:
    """Every test module outside tests/end_to_end (which holds whole-program tests, mirroring nothing)."""
    found = [p for p in TESTS.rglob("test_*.py") if "end_to_end" not in p.relative_to(TESTS).parts]
    return sorted(found + list((TESTS / "page").glob("*.test.js")))


def test_every_package_module_has_its_test_module() -> None:
    missing = [
        f"{m.relative_to(REPO)} has no {_mirror(m).relative_to(REPO)}" for m in _package_modules()
        if not _mirror(m).is_file() and not (m.name in IN_THE_BROWSER and (TESTS / IN_THE_BROWSER[m.name]).is_file())
    ]
    assert not missing, "package modules without a test module:\n" + "\n".join(missing)


def test_every_test_module_mirrors_a_package_module() -> None:
    mirrors = {_mirror(m) for m in _package_modules()}
    # tests/page/test_x.py drives Node's tests of page/static/x.js from pytest
    drivers = {TESTS / "page" / f"test_{m.stem}.py" for m in _package_modules() if m.suffix == ".js"}
    stray = [str(p.relative_to(REPO)) for p in _mirrored_test_modules() if p not in mirrors | drivers]
    assert not stray, "test modules mirroring no package module (rename them, or move whole-program tests to tests/end_to_end):\n" + "\n".join(stray)


def test_the_mirror_rule_by_example(tmp_path: Path) -> None:
    assert _mirror(PACKAGE / "score.py") == TESTS / "test_score.py"
    assert _mirror(PACKAGE / "__init__.py") == TESTS / "test_package.py"
    assert _mirror(PACKAGE / "layers" / "_keyed.py") == TESTS / "layers" / "test_keyed.py"
    assert _mirror(PACKAGE / "layers" / "__init__.py") == TESTS / "layers" / "test_package.py"
    assert _mirror(PACKAGE / "page" / "static" / "kernel.js") == TESTS / "page" / "kernel.test.js"


def test_fixtures_and_helpers_are_defined_once() -> None:
    """No two fixtures of one name anywhere in tests/, and no helper function copied between modules
    (shared fixtures live in conftest.py, shared helpers in _support.py)."""
    fixtures, bodies = collections.defaultdict(list), collections.defaultdict(list)
    for path in sorted(TESTS.rglob("*.py")):
        where = str(path.relative_to(REPO))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("test"):
                continue
            if any("fixture" in ast.unparse(d) for d in node.decorator_list):
                fixtures[node.name].append(where)
            else:
                bodies[ast.dump(ast.Module(body=node.body, type_ignores=[]))].append(f"{where}::{node.name}")
    twice = {name: places for name, places in fixtures.items() if len(places) > 1}
    copied = [places for places in bodies.values() if len({p.split("::")[0] for p in places}) > 1]
    assert not twice, f"fixtures defined more than once: {twice}"
    assert not copied, f"helpers copied between modules: {copied}"


# ------------------------------------------------------------------------------ Functions read as short scripts: no function or method of the package runs over 60 lines


LIMIT = 60
PACKAGE = Path(nexus_zones.__file__).parent


def _body_length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the function's last line."""
    body = node.body
    first = body[0]
    if len(body) > 1 and isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        first = body[1]
    return node.end_lineno - first.lineno + 1


def _functions(tree: ast.AST, prefix: str = ""):
    """Yield (qualified name, node) for every function and method, nested ones with their parent's name."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"{prefix}{node.name}"
            yield name, node
            yield from _functions(node, f"{name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def long_functions(source: str, module: str, *, limit: int = LIMIT) -> list[str]:
    """``module:function (N lines)`` for each function of ``source`` whose body is longer than ``limit``."""
    tree = ast.parse(source)
    return [f"{module}:{name} ({_body_length(node)} lines)" for name, node in _functions(tree) if _body_length(node) > limit]


def package_long_functions(package: Path = PACKAGE, *, limit: int = LIMIT) -> list[str]:
    """The offenders of every module under ``package``, sub-packages included, in path order."""
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        found += long_functions(path.read_text(encoding="utf-8"), module, limit=limit)
    return found


def _synthetic(name: str, lines: int, *, docstring_lines: int = 0) -> str:
    """A function called ``name`` whose body after its docstring is ``lines`` statements long."""
    doc = ['    """Docstring.'] + ["    more"] * max(docstring_lines - 2, 0) + ['    """'] if docstring_lines else []
    return "\n".join([f"def {name}(x):", *doc, *[f"    x = x + {i}" for i in range(lines - 1)], "    return x", ""])


def test_no_function_of_the_package_is_longer_than_the_limit():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE / "layers" / "points.py" in modules  # the sub-packages are walked
    offenders = package_long_functions()
    assert offenders == [], f"functions longer than {LIMIT} lines (docstring not counted):\n" + "\n".join(offenders)


def test_the_check_catches_a_function_one_line_too_long():
    source = "\n".join(
        [
            _synthetic("sixty", LIMIT),
            _synthetic("sixty_one", LIMIT + 1),
            _synthetic("documented_sixty", LIMIT, docstring_lines=30),
            "class Stage:",
            *["    " + line for line in _synthetic("method", LIMIT + 1).splitlines()],
            "def outer(x):",
            *["    " + line for line in _synthetic("inner", LIMIT + 1).splitlines()],
            "    return inner(x)",
        ]
    )
    assert long_functions(source, "synthetic") == [
        f"synthetic:sixty_one ({LIMIT + 1} lines)",
        f"synthetic:Stage.method ({LIMIT + 1} lines)",
        f"synthetic:outer ({LIMIT + 3} lines)",  # its own def line of inner, inner's body, its return
        f"synthetic:outer.inner ({LIMIT + 1} lines)",
    ]
    # the body really is the length the check reports: 60 statements compile and run to the same sum
    namespace: dict = {}
    exec(compile(source, "synthetic", "exec"), namespace)
    assert namespace["sixty"](0) == sum(range(LIMIT - 1))


def test_a_docstring_does_not_count_but_a_string_statement_alone_does():
    assert long_functions(_synthetic("f", LIMIT, docstring_lines=40), "m") == []
    assert long_functions(_synthetic("f", LIMIT + 1, docstring_lines=40), "m") == [f"m:f ({LIMIT + 1} lines)"]
    # a function whose only statement is a string: that string is its body, one line long
    assert long_functions('def f():\n    "only"\n', "m", limit=0) == ["m:f (1 lines)"]


# ------------------------------------------------------------------ figures quoted in the docs

#: A figure quoted in the docs is written ``0.38<!-- figure map_size.cercles_page_mb -->``: the value,
#: then the script and the name of the figure in benchmarks/figures.json, which the benchmarks write.
FIGURE = re.compile(r"([0-9][0-9,.\-]*)<!-- figure ([a-z_]+)\.([a-z0-9_]+) -->")
QUOTING = ("README.md", "docs/*.md", "benchmarks/README.md")


def quoted_figures(text: str) -> list[tuple[str, str, str]]:
    """(value as written, script, figure) for each figure quoted in ``text``."""
    return FIGURE.findall(text)


def figure_problems(text: str, figures: dict) -> list[str]:
    """Where a quoted figure differs from benchmarks/figures.json (or is not in it); ``date`` is the
    script's date, any other name one of its figures."""
    problems = []
    for written, script, name in quoted_figures(text):
        entry = figures.get(script, {})
        value = entry.get("date") if name == "date" else entry.get("figures", {}).get(name)
        if value is None:
            problems.append(f"{script}.{name}: not in benchmarks/figures.json")
        elif isinstance(value, str) and written != value:
            problems.append(f"{script}.{name}: written {written}, the file says {value}")
        elif not isinstance(value, str) and float(written.replace(",", "")) != value:
            problems.append(f"{script}.{name}: written {written}, the file says {value}")
    return problems


def test_the_figure_check_by_example():
    figures = {"run": {"date": "2026-12-07", "figures": {"full_run_s": 12.07, "units": 701}}}
    good = "takes 12.07<!-- figure run.full_run_s --> s over 701<!-- figure run.units --> communes (2026-12-07<!-- figure run.date -->)"
    assert [q[0] for q in quoted_figures(good)] == ["12.07", "701", "2026-12-07"] and figure_problems(good, figures) == []
    stale = "takes 12.7<!-- figure run.full_run_s --> s, 1,000<!-- figure run.units -->, 2026-11-25<!-- figure run.date --> <!-- x -->1<!-- figure run.nothing -->"
    assert figure_problems(stale, figures) == [
        "run.full_run_s: written 12.7, the file says 12.07",
        "run.units: written 1,000, the file says 701",
        "run.date: written 2026-11-25, the file says 2026-12-07",
        "run.nothing: not in benchmarks/figures.json",
    ]


def test_every_figure_quoted_in_the_docs_is_the_benchmarks_figure():
    """README.md, docs/ and benchmarks/README.md quote measured figures only from benchmarks/figures.json
    (written by benchmarks/run.py, map_size.py, robustness.py with their date, machine and commit)."""
    figures = json.loads((REPO / "benchmarks" / "figures.json").read_text(encoding="utf-8"))
    files = sorted({path for pattern in QUOTING for path in REPO.glob(pattern)})
    quoted = {path.relative_to(REPO).as_posix(): quoted_figures(path.read_text(encoding="utf-8")) for path in files}
    assert quoted["README.md"] and quoted["benchmarks/README.md"], "the README and benchmarks/README.md quote measured figures"
    problems = [f"{name}: {p}" for name, path in zip(quoted, files) for p in figure_problems(path.read_text(encoding="utf-8"), figures)]
    assert not problems, problems
    for script, entry in figures.items():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["date"]) and entry["machine"] and entry["commit"], script


def test_the_readme_is_for_the_first_hour():
    """README.md stays short and opens with the two commands that set everything up (issue 18)."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 250, f"README.md has {len(lines)} lines: move the detail to docs/"
    assert lines[:5] == ["# nexus_zones", "", "```bash", lines[3], lines[4]]
    assert lines[3].startswith("bash scripts/demo.sh ") and lines[4].startswith("bash scripts/test.sh ")
    linked = set(re.findall(r"\]\((docs/[a-z_]+\.md)\)", "\n".join(lines)))
    assert linked == {p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.md")}, "every page of docs/ is linked from the README"


# ----------------------------------------------------------------------- the import graph

def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> list[str]:
    """The package modules an import statement loads (a submodule also loads the sub-packages above it,
    but not the root package, which every run enters first)."""
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    else:
        base = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        start = f"{base}.{node.module}" if node.level and node.module else (base if node.level else node.module or "")
        targets = [start] + [f"{start}.{a.name}" for a in node.names]
    out = []
    for target in targets:
        if target not in known:
            continue
        parts = target.split(".")
        out += [".".join(parts[:i]) for i in range(2, len(parts) + 1)]
    # a module's own packages are entered before it: importing from them is no edge back up
    return [t for t in dict.fromkeys(out) if t in known and t != module and not module.startswith(t + ".")]


def _import_graph() -> tuple[dict[str, set[str]], list[str]]:
    """Each package module's module-level imports of other package modules (those under ``if
    TYPE_CHECKING``, which never run, left out), and every import of a package module made inside a function."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(paths)
    graph: dict[str, set[str]] = {m: set() for m in paths}
    inside: list[str] = []
    for module, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_functions = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                        for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
        for_types = {id(n) for b in tree.body if isinstance(b, ast.If) and ast.unparse(b.test) == "TYPE_CHECKING" for n in ast.walk(b)}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or id(node) in for_types:
                continue
            targets = _imported(node, module, path.name == "__init__.py", known)
            if id(node) in in_functions:
                if targets or (isinstance(node, ast.ImportFrom) and node.level):
                    inside.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
            else:
                graph[module].update(targets)
    return graph, inside


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One circle of the graph (as a path that comes back to its start), or [] when there is none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        stack.pop()
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []


def test_the_cycle_finder_finds_a_circle_and_only_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_the_import_graph_resolves_relative_imports_and_sub_packages() -> None:
    graph, _ = _import_graph()
    assert "nexus_zones.analyses.base" in graph["nexus_zones.analyses.robustness"]
    assert {"nexus_zones.layers", "nexus_zones.layers.base"} <= graph["nexus_zones.analyses.robustness"]
    assert "nexus_zones.result" in graph["nexus_zones.pipeline"]


def test_no_import_circle_and_no_package_import_inside_a_function() -> None:
    """The package's modules import each other at module level, one way: no circle (which a lazy
    import inside a function would hide). Optional third-party packages may be imported inside a function."""
    graph, inside = _import_graph()
    assert not inside, "imports of package modules inside functions:\n" + "\n".join(inside)
    assert _cycle(graph) == [], f"an import circle: {' -> '.join(_cycle(graph))}"
