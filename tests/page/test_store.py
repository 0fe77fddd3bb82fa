"""The weight code round-trips between Python (:func:`nexus_zones.decision.encode_weights` /
``decode_weights``) and the page (``page/static/store.js`` ``weightsCode``): Python decodes the
page's codes to the sliders' weights (to the 4 decimals the page keeps), and the page's decoding of
Python's codes (base64url of the JSON, as a participant's code is read back) gives Python's weights."""

from __future__ import annotations

import json
import subprocess

from nexus_zones import decision
from nexus_zones.config import load_config

from .._support import REPO, STATIC, _node

#: (indicator weights, pillar weights) as sliders may hold them: whole, tiny, long decimals, accents.
CASES = [
    ({"incidents": 3, "fatalities": 1, "schools_closed": 2}, {}),
    ({"incidents": 0, "fatalities": 0.123456789, "écoles": 7.5}, {}),
    ({"a": 1e-5, "b": 12345.6789}, {"security": 2, "services": 0.3333}),
    # every node of a 4-level tree (configs/inform_style_example.yaml), one moved to 0 and one by the keys
    ({"conflict_now": 1, "food": 2}, {"hazard": 1, "human_hazard": 0, "vulnerability": 1, "socio_economic": 0.36, "lack_of_coping": 2.5}),
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


def test_the_pages_yaml_gives_a_config_every_nodes_weight(tmp_path) -> None:
    """The page's *Copy as YAML* at moved weights, pasted at the end of a 4-level tree's config,
    gives that config every node's weight and every indicator's (to the 4 decimals the page writes)."""
    source = REPO / "configs" / "inform_style_example.yaml"
    config = load_config(source)
    weights = {n: (k + 1) / 3 for k, n in enumerate(config.indicators)}
    nodes = {p: (0.0 if p == "human_hazard" else 1.23456 * (j + 1)) for j, p in enumerate(config.model.pillars)}
    script = ("const S = require(process.argv[1]); const c = JSON.parse(process.argv[2]);"
              "const D = {indicators: Object.keys(c.w).map((id) => ({id})), pillars: Object.keys(c.p).map((id) => ({id}))};"
              "process.stdout.write(S.yaml(D, {weights: Object.values(c.w), pillarWeights: Object.values(c.p)}));")
    pasted = subprocess.run([_node(), "-e", script, str(STATIC / "store.js"), json.dumps({"w": weights, "p": nodes})], capture_output=True, text=True,
                            encoding="utf-8", timeout=120, check=True).stdout
    path = tmp_path / "configs" / source.name
    path.parent.mkdir()
    path.write_text(source.read_text(encoding="utf-8").replace("../data/", str(REPO / "data") + "/") + "\n" + pasted, encoding="utf-8")
    moved = load_config(path)
    assert moved.pillar_weights() == {p: round(w, 4) for p, w in nodes.items()}
    assert moved.indicator_weights() == {n: round(w, 4) for n, w in weights.items()}
    assert moved.pillar_weights() != config.pillar_weights()
