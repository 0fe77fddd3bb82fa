"""Issue 20's done-when, in Chromium: a slider moves, and every visible number the weights change
(the score view's colours, each indicator legend's weight, the ranking, each popup's score line,
bars, points and why sentences, the rules line) equals what Python's :meth:`RunResult.rescore`
gives at those weights; the rank band, which holds at the config's weights and says so, is hidden
while the sliders are away from them and back, equal to Python's, once they return.

The slider is moved as a person moves it: its value set, then ``input`` and ``change`` dispatched.
"""

from __future__ import annotations

import copy
import math
import warnings
from html import unescape

import pytest
import yaml

import nexus_zones
from nexus_zones import claims, explain, maps
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import MissingValueWarning
from nexus_zones.messages import fixed, percent, t

from .._support import REPO, assert_clean, fills, open_map, shown_points

pytestmark = pytest.mark.browser

POPUP = """(i) => {
  const z = window.nexusZones, layer = z.geo.getLayers().find((l) => z.units.indexOf(l.feature) === i);
  layer.openPopup();
  const el = layer.getPopup().getElement().querySelector(".nz-popup"), texts = (sel) => [...el.querySelectorAll(sel)].map((x) => x.textContent);
  const out = {lead: [...el.querySelectorAll(".nz-why li")].map((li) => [li.className, li.textContent]),
               rest: [...el.querySelectorAll(".nz-why-rest li")].map((li) => [li.className, li.textContent]),
               bars: [...el.querySelectorAll(".nz-ind tr")].slice(1).map((tr) => [tr.querySelector(".nz-bar span").style.width, tr.lastElementChild.textContent.trim()]),
               band: texts(".nz-band"), line: el.querySelector("h4 + p").textContent};
  z.map.closePopup();
  return out;
}"""

MOVE = """([k, value]) => {
  const el = document.querySelector(`input[data-indicator="${k}"]`);
  el.value = String(value);
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return parseFloat(el.value);
}"""


def _expected_popup(python, unit: str, ranked: int) -> dict:
    """A unit's popup numbers and sentences as Python gives them at ``python``'s weights."""
    config, row = python.config, python.scores.loc[unit]
    names, eff, labels = list(config.indicators), python.scored.weights, explain.labels(config, "en")
    said = explain.why_claims(python, unit)
    three = claims.pick_three([(c, good, None) for c, good in said])
    item = lambda c, good: ["ok" if good else "ko", claims.render(c, "en", labels)]  # noqa: E731
    bars = []
    for n, points in zip(names, shown_points(row, names)):
        contrib, most = row[f"{n}_contrib"], 100.0 * eff[n]
        width = int(f"{0.0 if not most or math.isnan(contrib) else 100.0 * contrib / most:.0f}")
        bars.append([f"{width}%", "–" if math.isnan(points) else fixed(points, "en", 1)])
    rank = lambda r: t("not_ranked", "en") if math.isnan(r) else str(int(r))  # noqa: E731
    return {"lead": [item(*said[j]) for j in three], "rest": [item(*s) for j, s in enumerate(said) if j not in three], "bars": bars,
            "line": t("score_line", "en", score="–" if math.isnan(row["score"]) else fixed(row["score"], "en", 1), rank=rank(row["rank"]),
                      ranked=ranked, region_rank=rank(row["region_rank"]))}


def _legend_titles(pg, result) -> dict[str, str]:
    """Each indicator view's legend title, chosen in the layer control as a person chooses it."""
    out = {}
    for name in result.config.indicators:
        pg.locator(".leaflet-control-layers").hover()
        pg.locator(".leaflet-control-layers-base label").get_by_text(maps.label_of(result.config, name, "en"), exact=True).click()
        out[name] = pg.locator(".nz-legend .nz-legend-title").inner_text()
    pg.locator(".leaflet-control-layers").hover()
    pg.locator(".leaflet-control-layers-base label").get_by_text(t("score", "en"), exact=True).click()
    pg.mouse.move(5, 700)
    return out


def _expected_titles(python) -> dict[str, str]:
    config = python.config
    return {n: f"{maps.label_of(config, n, 'en')} ({t('lower_better' if ind.direction == 'cost' else 'higher_better', 'en')}; "
               f"{t('weight', 'en')} {percent(python.scored.weights[n], 'en')})" for n, ind in config.indicators.items()}


def _ranking(pg) -> list[list[str]]:
    box = pg.locator("details.nz-ranking-box")
    if not box.evaluate("d => d.open"):
        box.locator("summary").click()
    return pg.locator(".nz-ranking tr[data-unit]").evaluate_all(
        "rs => rs.map(r => [r.dataset.unit, r.querySelector('.nz-r').textContent, r.querySelector('.nz-s').textContent])")


def _expected_ranking(python) -> list[list[str]]:
    s = python.scores.assign(_r=python.scores["rank"].fillna(math.inf)).sort_values(["_r", "score"], ascending=[True, False], kind="stable")
    return [[u, t("not_ranked", "en") if math.isnan(r) else str(int(r)), "–" if math.isnan(v) else fixed(v, "en", 1)]
            for u, r, v in zip(s.index, s["rank"], s["score"])]


def _assert_page_shows(pg, python, ids: list[str], *, band_of=None) -> None:
    ranked = int(python.scores["rank"].notna().sum())
    assert _ranking(pg) == _expected_ranking(python)
    assert fills(pg) == {u: maps.colour(v / 100) for u, v in python.scores["score"].items()}
    labels = explain.labels(python.config, "en")
    rules = explain.rules_claim(python)
    shown_rules = pg.locator(".nz-title .nz-rules-decide")
    assert [unescape(x) for x in shown_rules.all_text_contents()] == ([] if rules is None else [claims.render(rules, "en", labels)])
    for i, unit in enumerate(ids):
        shown = pg.evaluate(POPUP, i)
        expected = _expected_popup(python, unit, ranked)
        assert {k: shown[k] for k in expected} == expected, unit
        band = None if band_of is None else explain.rank_band_claim(band_of, unit)
        assert shown["band"] == ([] if band is None else [claims.render(band, "en", labels)]), unit


def test_a_slider_moves_every_visible_number_to_pythons_rescore(page, demo_result) -> None:
    demo = demo_result  # configs/demo.yaml run once per session (conftest), read only here
    pg, log = page
    open_map(pg, demo.paths["map"])
    ids = pg.evaluate("() => window.nexusZones.units.map((u) => u.id)")
    names = list(demo.config.indicators)
    # at the config's weights: the page shows what the run computed, the rank band included
    _assert_page_shows(pg, demo, ids, band_of=demo)
    assert _legend_titles(pg, demo) == _expected_titles(demo)
    # one slider: security incidents from 3 to 0
    moved = pg.evaluate(MOVE, [names.index("incidents"), 0])
    assert moved == 0.0
    python = demo.rescore({"incidents": moved})
    assert pg.evaluate("() => window.nexusZones.store.get().weights")[names.index("incidents")] == 0
    _assert_page_shows(pg, python, ids, band_of=None)  # the band holds at the config's weights: not shown away from them
    titles = _legend_titles(pg, demo)
    assert titles == _expected_titles(python) and titles != _expected_titles(demo)
    # the move changed what the page shows: scores, and some why sentences
    assert [pg.evaluate(POPUP, i)["lead"] for i in range(len(ids))] != [_expected_popup(demo, u, 5)["lead"] for u in ids]
    assert not python.scores["score"].equals(demo.scores["score"])
    # a second slider, then back to the config's weights with the reset button
    health = pg.evaluate(MOVE, [names.index("health_facilities"), 9])
    _assert_page_shows(pg, demo.rescore({"incidents": moved, "health_facilities": health}), ids)
    pg.locator("details.nz-weights > summary").click()
    pg.locator("button.nz-reset").click()
    _assert_page_shows(pg, demo, ids, band_of=demo)
    assert_clean(log)


MOVE_PILLAR = """([j, value]) => {
  const el = document.querySelector(`input[data-pillar="${j}"]`);
  el.value = String(value);
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return parseFloat(el.value);
}"""


def test_the_page_scores_a_tree_of_three_levels_as_python_does(page, grid_cfg, tmp_path) -> None:
    """A nested model (INFORM's reversed geometric mean over an indicator and a child pillar, a
    maximum with a factor below it, a textbook geometric root): the page's colours and ranking equal Python's at the config's weights,
    after an indicator's slider moves, and after a nested pillar's slider moves its weight among its siblings."""
    cfg = copy.deepcopy(grid_cfg)
    cfg["rules"] = {}
    cfg["indicators"]["health"]["factor"] = 0.9
    cfg["model"] = {"aggregation": "geometric", "offset": 0, "pillars": {
        "security": {"indicators": ["incidents"], "weight": 2},
        "access": {"indicators": ["closed"], "weight": 1, "aggregation": "reversed_geometric"},
        "services": {"parent": "access", "indicators": ["health"], "weight": 1, "aggregation": "max"},
    }}
    run = nexus_zones.run(config_from_mapping(cfg), out_dir=tmp_path / "tree")
    pg, log = page
    open_map(pg, run.paths["map"])
    names, pillars = list(run.config.indicators), list(run.config.model.pillars)

    def shows(python) -> None:
        assert fills(pg) == {u: maps.colour(None if math.isnan(v) else v / 100) for u, v in python.scores["score"].items()}
        assert _ranking(pg) == _expected_ranking(python)

    shows(run)
    moved = pg.evaluate(MOVE, [names.index("incidents"), 0.5])
    shows(run.rescore({"incidents": moved}))
    pg.locator("details.nz-weights > summary").click()
    pg.locator("button.nz-reset").click()
    weight = pg.evaluate(MOVE_PILLAR, [pillars.index("services"), 3])  # services now weighs 3 to closed's 1 in access
    nested = copy.deepcopy(cfg)
    nested["model"]["pillars"]["services"]["weight"] = weight
    python = nexus_zones.run(config_from_mapping(nested), write=False)
    assert not python.scores["score"].equals(run.scores["score"])
    shows(python)
    assert_clean(log)


NODES = """() => { const z = window.nexusZones;
  return {ids: z.units.map((u) => u.id), scores: z.state.scores, nodes: z.state.nodes, weights: z.store.get().weights, pillars: z.store.get().pillarWeights}; }"""


def _inform_style(tmp_path):
    """configs/inform_style_example.yaml (a 4-level tree: score, hazard and vulnerability, their
    categories, the indicators; every node rule) with fewer draws."""
    cfg = yaml.safe_load((REPO / "configs" / "inform_style_example.yaml").read_text(encoding="utf-8"))
    cfg["robustness"]["draws"] = 50
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)  # the example's food value left to its node, on purpose
        return nexus_zones.run(config_from_mapping(cfg, base_dir=REPO / "configs"), out_dir=tmp_path / "inform")


def _assert_tree_shows(pg, python, shown: dict) -> None:
    """Every node's values, the scores, the ranking, the colours and the indicators' legends that the
    page shows equal ``python``'s (node values and scores to 1e-9)."""
    scores = python.scores.reindex(shown["ids"])  # the page's order
    nodes = [p.name for p in python.scored.structure.pillars]
    assert set(shown["nodes"]) == set(nodes)
    for name in [*nodes, None]:
        page_values, column = (shown["scores"], "score") if name is None else (shown["nodes"][name], f"node_{name}")
        for u, got, want in zip(scores.index, page_values, scores[column]):
            assert (got is None) == math.isnan(want), (name, u)
            assert got is None or abs(got - want) <= 1e-9, (name, u, got, want)
    assert _ranking(pg) == _expected_ranking(python)
    assert fills(pg) == {u: maps.colour(None if math.isnan(v) else v / 100) for u, v in scores["score"].items()}
    assert _legend_titles(pg, python) == _expected_titles(python)


def test_a_node_slider_in_its_group_moves_every_node_to_pythons_rescore(page, tmp_path) -> None:
    """Issue 21 item 4's done-when: on a 4-level tree, a person opens a closed group of the weights
    panel, moves the node's slider there (keyboard, then a value put in), and every node's score,
    the ranking, the colours and the legends equal :meth:`RunResult.rescore` with those node weights."""
    run = _inform_style(tmp_path)
    pg, log = page
    open_map(pg, run.paths["map"])
    pillars = list(run.config.model.pillars)
    _assert_tree_shows(pg, run, pg.evaluate(NODES))
    pg.locator("details.nz-weights > summary").click()
    # the first level's groups are open, the one below is closed: its children's sliders hidden
    human, socio = pg.locator('details.nz-node[data-node="human_hazard"]'), pg.locator('details.nz-node[data-node="socio_economic"]')
    assert pg.locator('details.nz-node[data-depth="1"]').evaluate_all("ds => ds.map(d => d.open)") == [True, True]
    assert not human.evaluate("d => d.open") and not pg.locator('input[data-indicator="0"]').is_visible()
    human.locator(":scope > summary > .nz-w > span").click()  # its name, as a person opens it
    assert human.evaluate("d => d.open") and pg.locator('input[data-indicator="0"]').is_visible()
    # the node's slider, in its summary line: keys move it and leave the group as it is
    slider = human.locator(f':scope > summary input[data-pillar="{pillars.index("human_hazard")}"]')
    slider.focus()
    pg.keyboard.press("Home")  # to 0: human hazard no longer counts in hazard
    assert human.evaluate("d => d.open")
    shown = pg.evaluate(NODES)
    assert shown["pillars"][pillars.index("human_hazard")] == 0.0
    _assert_tree_shows(pg, run.rescore({}, pillar_weights={"human_hazard": 0}), shown)
    slider.focus()  # the legends' check chose views in the layer control
    for _ in range(3):
        pg.keyboard.press("ArrowRight")
    moved = pg.evaluate(NODES)["pillars"][pillars.index("human_hazard")]
    assert moved == round(3 * float(slider.get_attribute("max")) / 50, 4) and human.evaluate("d => d.open")  # three 50ths of its range
    # a second node, in a closed group of the other branch: opened with the keyboard, a value put in
    socio.locator(":scope > summary").focus()
    pg.keyboard.press("Enter")
    assert socio.evaluate("d => d.open")
    weight = pg.evaluate(MOVE_PILLAR, [pillars.index("socio_economic"), 3.5])
    python = run.rescore({}, pillar_weights={"human_hazard": moved, "socio_economic": weight})
    assert not python.scores["node_vulnerability"].equals(run.scores["node_vulnerability"])
    _assert_tree_shows(pg, python, pg.evaluate(NODES))
    # each node view's colours are its values at those weights
    for name in ("hazard", "lack_of_coping"):
        pg.locator(".leaflet-control-layers").hover()
        pg.locator(".leaflet-control-layers-base label").get_by_text(t("node_view", "en", label=name), exact=True).click()
        assert fills(pg) == {u: maps.colour(None if math.isnan(v) else v / 100) for u, v in python.scores[f"node_{name}"].items()}
    # the YAML and the code carry every node's weight; reset brings the config's back
    pg.locator("button.nz-copy").click()
    pasted = yaml.safe_load(pg.locator("textarea.nz-yaml").input_value())
    assert pasted["pillar_weights"] == {p: round(w, 4) for p, w in python.config.pillar_weights().items()}
    pg.locator("button.nz-reset").click()
    assert pg.evaluate(NODES)["pillars"] == [run.config.pillar_weights()[p] for p in pillars]
    assert slider.input_value() == "2"
    assert_clean(log)
