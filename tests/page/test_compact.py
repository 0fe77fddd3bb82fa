"""The page carries its scripts compacted (:func:`nexus_zones.maps.compact_js`: no comments, no
indentation): each compacted script still parses, and each module loads under Node and exports what
its source exports; the comments' words are gone, the code's are all there."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from nexus_zones import maps

from .._support import STATIC, _node

MODULES = ["format.js", "kernel.js", "topology.js", "store.js", "claims.js", "builders.js", "popup.js", "render.js"]


def test_compact_js_drops_comments_and_indentation_only() -> None:
    source = "/* a\n * block */\nfunction f(a) {  // why\n  // a line\n  var u = 'http://x';  // after\n  return a / 2;\n}\n"
    assert maps.compact_js(source) == "function f(a) {\nvar u = 'http://x';\nreturn a / 2;\n}\n"


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.js")))
def test_every_compacted_script_parses(name: str, tmp_path: Path) -> None:
    compact = maps.compact_js((STATIC / name).read_text(encoding="utf-8"))
    assert not re.search(r"^(\s|/\*|//)", compact, flags=re.M)  # no indentation, no comment line left
    (tmp_path / name).write_text(compact, encoding="utf-8")
    run = subprocess.run([_node(), "--check", str(tmp_path / name)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_compacted_modules_load_and_export_what_their_sources_export(tmp_path: Path) -> None:
    for name in MODULES:
        (tmp_path / name).write_text(maps.compact_js((STATIC / name).read_text(encoding="utf-8")), encoding="utf-8")
    script = ("const path = require('path'); const out = {};"
              "for (const name of JSON.parse(process.argv[1])) { const a = require(path.join(process.argv[2], name)), b = require(path.join(process.argv[3], name));"
              "  out[name] = [Object.keys(a).sort(), Object.keys(b).sort()]; }"
              "process.stdout.write(JSON.stringify(out));")
    run = subprocess.run([_node(), "-e", script, json.dumps(MODULES), str(tmp_path), str(STATIC)], capture_output=True, text=True, timeout=60, check=True)
    for name, (compacted, source) in json.loads(run.stdout).items():
        assert compacted == source and len(source) >= 2, name
