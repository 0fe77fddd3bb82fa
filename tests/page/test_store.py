"""The weight code round-trips between Python (:func:`nexus_zones.decision.encode_weights` /
``decode_weights``) and the page (``page/static/store.js`` ``weightsCode``): Python decodes the
page's codes to the sliders' weights (to the 4 decimals the page keeps), and the page's decoding of
Python's codes (base64url of the JSON, as a participant's code is read back) gives Python's weights."""

from __future__ import annotations

import json
import subprocess

from nexus_zones import decision

from .._support import STATIC, _node

#: (indicator weights, pillar weights) as sliders may hold them: whole, tiny, long decimals, accents.
CASES = [
    ({"incidents": 3, "fatalities": 1, "schools_closed": 2}, {}),
    ({"incidents": 0, "fatalities": 0.123456789, "écoles": 7.5}, {}),
    ({"a": 1e-5, "b": 12345.6789}, {"security": 2, "services": 0.3333}),
]


def _page_codes(cases: list) -> list[dict]:
    """What the page writes for each case (its code), and what it reads from Python's code."""
    script = ("const S = require(process.argv[1]); let s = ''; process.stdin.on('data', (c) => { s += c; });"
              "process.stdin.on('end', () => { const cases = JSON.parse(s); process.stdout.write(JSON.stringify(cases.map((c) => {"
              "  const D = {indicators: Object.keys(c.w).map((id) => ({id})), pillars: Object.keys(c.p).map((id) => ({id}))};"
              "  const state = {weights: Object.values(c.w), pillarWeights: Object.values(c.p)};"
              "  return {code: S.weightsCode(D, state), read: JSON.parse(Buffer.from(c.python.slice(4), 'base64url').toString('utf8'))}; }))); });")
    run = subprocess.run([_node(), "-e", script, str(STATIC / "store.js")], input=json.dumps(cases, ensure_ascii=False), capture_output=True,
                         text=True, encoding="utf-8", timeout=120, check=True)
    return json.loads(run.stdout)


def test_weight_codes_round_trip_between_python_and_the_page() -> None:
    cases = [{"w": w, "p": p, "python": decision.encode_weights(w, p)} for w, p in CASES]
    for case, page in zip(cases, _page_codes(cases)):
        decoded = decision.decode_weights(page["code"])
        assert decoded["weights"] == {k: round(float(v), 4) for k, v in case["w"].items()}
        assert decoded["pillar_weights"] == {k: round(float(v), 4) for k, v in case["p"].items()}
        assert list(decoded["weights"]) == list(case["w"])  # in the sliders' order
        # the page reads Python's code back to Python's weights, pillars included
        assert page["read"] == {"w": {k: float(v) for k, v in case["w"].items()}, **({"p": {k: float(v) for k, v in case["p"].items()}} if case["p"] else {})}
        # where no rounding is needed, the two codes carry the same weights
        if all(round(v, 4) == v for v in [*case["w"].values(), *case["p"].values()]):
            assert decision.decode_weights(page["code"]) == decision.decode_weights(case["python"])
