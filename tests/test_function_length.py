"""Functions read as short scripts: no function or method of the package runs over 60 lines.

A function's length is counted from the first statement after its docstring to its last line
(``end_lineno``), so a long docstring costs nothing and a nested function counts within its parent.
Every module under ``nexus_zones/`` (its sub-packages included) is parsed with ``ast``; the check
names each offender as ``module:function`` (methods as ``module:Class.method``) with its length.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nexus_zones

#: the longest body a function may have, in lines, its docstring not counted
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
