"""Golden cases of the page's one number formatter (``page/static/format.js``): Python's
:func:`messages.percent`, :func:`tests._support.largest_remainder` (the popup's points), ``number`` /
``fixed`` and ``html.escape``, written here and compared by Node (``tests/page/format.test.js``)."""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

from nexus_zones.messages import DECIMAL, THOUSANDS, percent

from .._support import largest_remainder

from .._support import JS_TESTS, REPO, _node
from .test_popup import _format_cases

SHARES = [0, 1, 0.5, 0.125, 0.375, 0.005, 0.015, 0.025, 0.9995, 0.0004, 1 / 3, 2 / 3, 0.2727272727272727, 0.09090909090909091, 0.18181818181818182, 12.345]
REMAINDERS = [[33.34, 33.33, 33.33], [math.nan, 1.25, 1.25], [27.27272727, 9.0909, 18.1818, 9.0909, 18.1818, 9.0909, 9.0909], [0.05, 0.05, 0.05],
              [10.0, 20.0, 30.0], [1.15, 1.15, 1.15, 1.15], [99.96, 0.04], [math.nan, math.nan], [2.675, 2.675], [0.0, 0.0, 100.0], [5.55, 4.45],
              [12.344999, 7.655001]]


def _none(values: list[float]) -> list:
    return [None if math.isnan(v) else v for v in values]


def test_node_formats_as_python(tmp_path: Path) -> None:
    base = _format_cases()
    cases = {"number": base["numbers"], "escapes": base["escapes"], "percent": [], "remainder": []}
    for lang in ("en", "fr"):
        nf = {"thousands": THOUSANDS[lang], "decimal": DECIMAL[lang]}
        cases["percent"] += [{"share": s, "nf": nf, "lang": lang, "decimals": d, "expected": percent(s, lang, d)} for s in SHARES for d in (0, 1, 2)]
    cases["remainder"] = [{"values": _none(v), "decimals": d, "expected": _none(largest_remainder(v, d))} for v in REMAINDERS for d in (0, 1)]
    (tmp_path / "format.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([_node(), "--test", str(JS_TESTS / "format.test.js")], capture_output=True, text=True, timeout=300,
                         cwd=REPO, env={**os.environ, "NEXUS_ZONES_FORMAT": str(tmp_path)})
    report = run.stdout + run.stderr
    assert run.returncode == 0 and "# fail 0" in report and "# skipped 0" in report, report[-4000:]
