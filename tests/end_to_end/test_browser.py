"""The map page in real headless Chromium, with the network cut.

What the text tests of the HTML cannot see is checked here: that the self-contained page runs
(inlined Leaflet, no console error, no request leaving the machine but map tiles), that it draws one
polygon per unit, that the layer control switches the colouring and the legend, that the popup and
the tooltip show the right unit, that hostile names and labels stay text, and that every popup
Chromium opens shows the text popup.js writes under Node.

Conventions
-----------
* Playwright's sync API drives Debian's ``/usr/bin/chromium``; Playwright never downloads a
  browser. Without chromium the tests fail and say how to install it.
* Every page routes every request: ``file:`` and ``data:`` go through, anything else is aborted
  and recorded. Map tiles are an optional online overlay, so a failed OpenStreetMap tile is not an
  error; any other console error, page error, blocked request or dialog is.
* One browser per module (the ``chromium`` fixture of conftest); one fresh context (viewport 1200×800) per test.
* ``test_readme_screenshots`` always writes ``tests/_artifacts/demo_{map,popup}.png`` and, with
  ``NEXUS_ZONES_UPDATE_SCREENSHOTS=1``, also ``docs/demo_{map,popup}.png`` for the README.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from playwright.sync_api import expect, Page

import nexus_zones
from nexus_zones import maps
from nexus_zones.config import config_from_mapping
from nexus_zones.messages import pick, t
from nexus_zones.result import RunResult

from .._support import ARTIFACTS, DOCS, PageLog, REPO, UPDATE_SCREENSHOTS, VIEWPORT, _assert_page_equals_python, _move_slider, _page_state, assert_clean, expand_layers, fills, is_ignored_console_error, next_frames, open_map, open_popup, page_data_of, page_features, render_popups, screen_point, unit_named


def test_chromium_popups_are_nodes_popups(chromium, demo_fr_result: RunResult, hostile_demo_result: RunResult) -> None:
    """In Chromium, every unit's opened popup (French demo, and the demo with hostile labels) shows
    the text of the body popup.js writes under Node, after the page's own score line; and no page error."""
    french = demo_fr_result  # configs/demo.yaml in French (few decision and data-uncertainty draws), run once per session
    # one browser for the session (conftest.chromium), a page per study
    for result in (french, hostile_demo_result):
        page_file = result.paths["map"]
        expected = render_popups(page_data_of(page_file.read_text(encoding="utf-8")))
        pg, log = chromium.new_page(), PageLog()
        pg.route("**/*", log.on_route)
        pg.on("pageerror", lambda exc, log=log: log.page_errors.append(str(exc)))
        pg.goto(page_file.resolve().as_uri(), wait_until="load")
        shown = pg.evaluate("""(bodies) => bodies.map((body, i) => {
          const z = window.nexusZones, layer = z.geo.getLayers().find(l => z.units.indexOf(l.feature) === i);
          layer.openPopup();
          const popup = layer.getPopup().getElement().querySelector('.leaflet-popup-content .nz-popup'), div = document.createElement('div');
          div.innerHTML = body;
          const text = [popup.textContent, div.textContent, popup.querySelectorAll('li, tr, p').length >= div.querySelectorAll('li, tr, p').length];
          z.map.closePopup();
          return text;
        })""", expected)
        assert len(shown) == len(result.scores)
        for text, body, enough in shown:
            assert body in text and enough, (text, body)
        assert_clean(log)
        pg.close()

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_LABEL = "<script>alert(2)</script>"
HOSTILE_TITLE = "<b>bold</b>"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(demo_result: RunResult) -> RunResult:
    """The bundled demo (run once for the session)."""
    return demo_result


def expected_views(result: RunResult) -> list[tuple[str, str]]:
    """(view id, layer-control label) of each view, in the order the page lists them."""
    config = result.config
    views = [("score", "Nexus score")]
    if result.scores["region"].astype(bool).any():
        views.append(("region_rank", "Rank within the region"))
    views += [(f"i_{name}", maps.label_of(config, name, config.language)) for name in config.indicators]
    if config.rules:
        views.append(("rules", "Rules (pass / fail)"))
    if "share_top_k" in result.scores.columns:
        views.append(("robustness", t("robustness_view", "en", k=config.robustness.top_k)))
    if "similarity" in result.scores.columns:
        views.append(("similarity", f"Units like {config.typology.reference}"))
    if "profile" in result.scores.columns:
        views.append(("profiles", "Profiles (k-means)"))
    pilots, stakeholders = result.analysis("pilots"), result.analysis("stakeholders")
    if pilots is not None and pilots.sets:
        views.append(("pilots", "Pilot set (integer programme)"))
    if stakeholders is not None:
        views.append(("agreement", t("agreement_view", "en", k=stakeholders.top_k)))
    return views


def expected_colours(result: RunResult, view_id: str) -> dict[str, str]:
    """The colour of each unit in a view, computed in Python from the run's scores."""
    scores = result.scores
    if view_id == "score":
        return {uid: maps.colour(v / 100.0) for uid, v in scores["score"].items()}
    if view_id == "region_rank":  # 1st, 2nd, 3rd, 4th-5th, lower: darkest to lightest green; unranked grey
        by_rank = {1: maps.PALETTE[8], 2: maps.PALETTE[6], 3: maps.PALETTE[4], 4: maps.PALETTE[2], 5: maps.PALETTE[2]}
        return {uid: maps.NO_DATA if pd.isna(r) else by_rank.get(int(r), maps.PALETTE[1]) for uid, r in scores["region_rank"].items()}
    if view_id == "rules":
        return {uid: maps.PASS if bool(v) else maps.FAIL for uid, v in scores["passes_rules"].items()}
    if view_id == "robustness":
        return {uid: maps.colour(v) for uid, v in scores["share_top_k"].items()}
    if view_id == "similarity":
        return {uid: maps.colour(v) for uid, v in scores["similarity"].items()}
    if view_id == "profiles":
        return {uid: maps.CATEGORIES[int(v) - 1] for uid, v in scores["profile"].items()}
    if view_id == "pilots":  # the chosen set, units of the next-best sets, the others
        sets = [s.units for s in result.analysis("pilots").sets]
        return {uid: maps.PALETTE[-2] if uid in sets[0] else (maps.PALETTE[3] if any(uid in s for s in sets[1:]) else maps.NO_DATA) for uid in scores.index}
    if view_id == "agreement":
        stakeholders = result.analysis("stakeholders")
        st, n_sets = stakeholders.table, len(stakeholders.sets)
        return {uid: maps.colour(st.at[uid, "sets_in_top_k"] / n_sets) for uid in scores.index}
    name = view_id.removeprefix("i_")
    return {uid: maps.colour(v) for uid, v in scores[f"{name}_norm"].items()}


# --------------------------------------------------------------------------- tests


def test_console_filter_ignores_only_tile_failures() -> None:
    """The filter lets a failed OSM tile pass and nothing else (it could hide real errors otherwise)."""
    assert is_ignored_console_error("Failed to load resource: net::ERR_FAILED", "https://tile.openstreetmap.org/6/31/28.png")
    assert is_ignored_console_error("Failed to load resource: net::ERR_FAILED", "https://a.tile.openstreetmap.org/1/0/0.png")
    assert not is_ignored_console_error("Failed to load resource: net::ERR_FAILED", "https://unpkg.com/leaflet@1.9.3/dist/leaflet.js")
    assert not is_ignored_console_error("Failed to load resource: net::ERR_FAILED", "https://tile.openstreetmap.org.evil.example/x.png")
    assert not is_ignored_console_error("Uncaught ReferenceError: L is not defined", "https://tile.openstreetmap.org/6/31/28.png")
    assert not is_ignored_console_error("Failed to load resource", "")


def test_demo_map_loads_offline_and_draws_every_unit(page: tuple[Page, PageLog], demo: RunResult) -> None:
    """The demo page runs with the network cut: inlined Leaflet, one path per unit, no error."""
    pg, log = page
    open_map(pg, demo.paths["map"])

    assert pg.evaluate("typeof L") == "object"
    assert pg.evaluate("L.version") == "1.9.3"
    n_units = len(demo.scores)
    assert n_units == 5
    expect(pg.locator("path.leaflet-interactive")).to_have_count(n_units)
    features = page_features(pg)
    # one drawn path per unit, in the order of the scores table (sorted by rank)
    assert [f["id"] for f in features] == demo.scores.index.tolist()
    assert features[0]["id"] == "ML0602" and features[0]["props"]["name"] == "Diré"
    # the score view is shown first, and every path has been given its colour (not Leaflet's default blue)
    expect(pg.locator("div.nz-legend")).to_have_attribute("data-view", "score")
    assert fills(pg) == expected_colours(demo, "score")
    pg.wait_for_load_state("networkidle")
    assert_clean(log)


def test_layer_control_switches_views_and_legends(page: tuple[Page, PageLog], demo: RunResult) -> None:
    """Each radio of the layer control recolours the units and swaps the legend."""
    pg, log = page
    open_map(pg, demo.paths["map"])
    views = expected_views(demo)
    expand_layers(pg)
    labels = pg.locator(".leaflet-control-layers-base label")
    assert [t.strip() for t in labels.all_inner_texts()] == [label for _, label in views]
    legend = pg.locator("div.nz-legend")
    expect(legend).to_have_attribute("data-view", "score")

    seen_fills: dict[str, dict[str, str]] = {"score": fills(pg)}
    previous_text = legend.inner_text()
    # the score view is already selected (clicking it would change nothing): visit the others, then come back
    order = list(range(1, len(views))) + [0]
    for i in order:
        view_id, label = views[i]
        labels.nth(i).click()
        expect(legend).to_have_attribute("data-view", view_id)
        expect(labels.nth(i).locator("input")).to_be_checked()
        text = legend.inner_text()
        assert text != previous_text, f"legend text unchanged after choosing {label!r}"
        previous_text = text
        if view_id.startswith("i_"):
            assert label in text
            assert ("lower is better" in text) or ("higher is better" in text)
        elif view_id == "rules":
            assert "passes every rule" in text and "fails at least one rule" in text
            for rule in demo.config.rules.values():
                assert pick(rule.label, demo.config.language, rule.expr) in text
        elif view_id == "robustness":
            assert "Share of 1,000 weightings tried that put the unit 1st" in text and "“Whatever the weights tried” means in every one (or in none)" in text
        elif view_id == "similarity":
            assert "Similarity of the indicator profile to Diré" in text
        elif view_id == "profiles":
            assert "profile 1" in text and "profile 2" in text
        elif view_id == "pilots":
            assert "chosen set" in text and "in a next-best set" in text
        elif view_id == "region_rank":
            assert "Rank within the region (1 = first of its region)" in text and "1st" in text and "6th or lower" in text
        elif view_id == "agreement":
            assert "Weight sets (humanitarian, development, peace, participants) that put the unit 1st" in text
        else:
            assert "Nexus score" in text

        features = page_features(pg)
        drawn = {f["id"]: f["fill"] for f in features}
        embedded = {f["id"]: f["props"][f"_c_{view_id}"] for f in features}
        assert drawn == embedded, f"view {view_id}: drawn fills differ from the colours embedded in the page"
        assert drawn == expected_colours(demo, view_id), f"view {view_id}: colours differ from the scores"
        seen_fills[view_id] = drawn

    assert seen_fills["score"] == fills(pg)  # back to the score view
    changed = [v for v, f in seen_fills.items() if v.startswith("i_") and f != seen_fills["score"]]
    assert changed, "no indicator view coloured the units differently from the score view"
    assert seen_fills["rules"] != seen_fills["score"]
    assert_clean(log)


def test_click_dire_opens_its_popup(page: tuple[Page, PageLog], demo: RunResult) -> None:
    """Clicking Diré (rank 1, passes every rule) opens its popup with score and six rules passed."""
    pg, log = page
    open_map(pg, demo.paths["map"])
    dire = unit_named(demo, "Diré")
    assert dire == "ML0602"
    row = demo.scores.loc[dire]
    assert int(row["rank"]) == 1

    popup = open_popup(pg, demo, dire)
    expect(popup.locator("h4")).to_contain_text("Diré")
    expect(popup.locator("h4")).to_contain_text("ML0602")
    # the popup leads with rules and why; the rest unfolds under Details
    lead = popup.inner_text()
    assert "Passes every rule" in lead and "Why this unit?" in lead and "Rank band" not in lead
    # unfold Details as its summary does, but without a click: a click can land while the popup still pans into view
    popup.locator("details.nz-details").evaluate("d => { d.open = true; }")
    expect(popup.locator("details.nz-details ul.nz-rules")).to_be_visible()
    text = popup.inner_text()
    assert "Rank band at the config's weights: 1 (90% of 1,000 weightings tried around them)" in text and "The rules decide: 1st, whatever the weights" in text
    score_text = maps.fmt(row["score"], 3)
    assert score_text == "97.7"
    assert f"Score {score_text}" in text
    assert f"rank 1 of {len(demo.scores)}" in text
    for name in demo.config.indicators:
        assert maps.label_of(demo.config, name, "en") in text
    # why, by the points: Diré's 2 incidents earn all 3/11 × 100 = 27.3 points, on the scale from 24 (worst) to 2 (best);
    # the region's other cercles average (24 + 9 + 15 + 12) / 4 = 15, which tells the same story
    others = demo.scores.drop(index=dire)
    mean_incidents = (24 + 9 + 15 + 12) / 4  # Tombouctou, Goundam, Gourma-Rharous, Niafunké in 2017 (the demo's figures)
    assert others["incidents"].mean() == mean_incidents
    why = popup.locator(".nz-why li")
    assert why.first.inner_text().strip() == (f"Security incidents, 2017: 2, 27.3 of 27.3 points (scale from 24, worst, to 2, best); "
                                              f"better than the average of the region's other units ({mean_incidents:g})")
    assert why.count() == 3 and why.evaluate_all("els => els.map(e => e.className)") == ["ok"] * 3  # Diré earns every point it can

    rules = popup.locator("ul.nz-rules li")
    n_rules = len(demo.config.rules)
    assert n_rules == 6
    expect(rules).to_have_count(n_rules)
    assert rules.evaluate_all("els => els.map(e => e.className)") == ["ok"] * n_rules
    assert [t.strip() for t in rules.all_inner_texts()] == [f"✔ {pick(r.label, 'en')}" for r in demo.config.rules.values()]
    assert_clean(log)


def test_hover_shows_tooltip_with_name_score_rank(page: tuple[Page, PageLog], demo: RunResult) -> None:
    """Hovering each unit shows its name, score and rank, and outlines it; leaving restores the view colour."""
    pg, log = page
    open_map(pg, demo.paths["map"])
    # hover in an indicator view, so that leaving a unit must restore that view's colour, not the score's
    views = expected_views(demo)
    expand_layers(pg)
    pg.locator(".leaflet-control-layers-base label").nth(1).click()
    expect(pg.locator("div.nz-legend")).to_have_attribute("data-view", views[1][0])
    colours = expected_colours(demo, views[1][0])

    tooltip = pg.locator(".leaflet-tooltip")
    for unit_id, row in demo.scores.iterrows():
        x, y = screen_point(pg, unit_id, row.geometry)
        pg.mouse.move(x, y)
        expect(tooltip).to_have_count(1)
        expect(tooltip).to_contain_text(row["name"])
        cells = [t.strip() for t in tooltip.locator("tr").all_inner_texts()]
        assert cells == [
            f"Unit\t{row['name']}",
            f"Score\t{row['score']:.1f}",
            f"Rank\t{int(row['rank'])}",
            f"Region rank\t{int(row['region_rank'])}",
        ]
        hovered = {f["id"]: f for f in page_features(pg)}[unit_id]
        assert hovered["stroke_width"] == "3"

    pg.mouse.move(2, VIEWPORT["height"] - 2)  # off every unit (the bottom-left corner holds the scale bar)
    expect(tooltip).to_have_count(0)
    features = page_features(pg)
    assert {f["id"]: f["fill"] for f in features} == colours
    assert {f["stroke_width"] for f in features} == {"1"}
    assert_clean(log)


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "compressed"])
def test_hostile_strings_stay_text(page: tuple[Page, PageLog], grid_files: dict, grid_cfg: dict, tmp_path: Path, compressed: bool, monkeypatch) -> None:
    """Markup in a unit name, an indicator label and the title is shown as text, never run; also
    when the payload travels compressed (``maps.data_text``), where no data string is in the HTML."""
    if compressed:
        monkeypatch.setattr(maps, "COMPRESS_ABOVE", 0)
    boundaries = json.loads(grid_files["boundaries"].read_text(encoding="utf-8"))
    for feature in boundaries["features"]:
        if feature["properties"]["pcode"] == "A1":
            feature["properties"]["name"] = HOSTILE_NAME
    hostile_units = tmp_path / "hostile_units.geojson"
    hostile_units.write_text(json.dumps(boundaries), encoding="utf-8")
    data = copy.deepcopy(grid_cfg)
    data["study"]["boundaries"]["path"] = str(hostile_units)
    data["study"]["title"] = HOSTILE_TITLE
    data["indicators"]["incidents"]["label"] = HOSTILE_LABEL
    result = nexus_zones.run(config_from_mapping(data), out_dir=tmp_path / "out")
    assert result.scores.at["A1", "name"] == HOSTILE_NAME
    assert list(result.config.indicators)[0] == "incidents"
    script = result.paths["map"].read_text(encoding="utf-8").split("var D = ", 1)[1].split(";\n", 1)[0]
    assert (script.startswith('{"gz":"') and HOSTILE_NAME not in script) == compressed and "</script" not in script.lower()

    pg, log = page
    open_map(pg, result.paths["map"])
    expect(pg.locator("path.leaflet-interactive")).to_have_count(4)

    # show every place the strings reach: the hostile label's view (with its legend), A1's tooltip and popup
    expand_layers(pg)
    labels = pg.locator(".leaflet-control-layers-base label")
    labels.nth(2).click()  # the first indicator: incidents (after score and region rank)
    legend = pg.locator("div.nz-legend")
    expect(legend).to_have_attribute("data-view", "i_incidents")  # the control keys views by (escaped) label
    x, y = screen_point(pg, "A1", result.scores.geometry["A1"])
    pg.mouse.move(x, y)
    tooltip = pg.locator(".leaflet-tooltip")
    expect(tooltip).to_have_count(1)
    tooltip_text, tooltip_imgs = tooltip.inner_text(), tooltip.locator("img").count()
    pg.mouse.click(x, y)  # Leaflet closes the tooltip when the popup opens
    popup = pg.locator(".leaflet-popup-content .nz-popup")
    expect(popup).to_have_count(1)

    # nothing was parsed as markup, and nothing ran
    # an injected image would have failed to load (the network is cut) and its onerror handler run: wait for
    # every image of the page to be settled, then for the queued events, before checking for dialogs
    pg.wait_for_function("() => [...document.images].every((img) => img.complete)")
    next_frames(pg)
    assert log.dialogs == []
    assert pg.locator('img[src="x"]').count() == 0
    assert pg.locator("[onerror]").count() == 0
    assert tooltip_imgs == 0
    assert pg.locator(".leaflet-popup img, .leaflet-control img, .nz-legend img").count() == 0
    assert pg.evaluate("[...document.scripts].filter(s => s.textContent.trim() === 'alert(2)').length") == 0
    assert pg.locator(".nz-title b").count() == 0

    # ... and every string is shown as the literal text it was
    assert pg.title() == HOSTILE_TITLE
    expect(pg.locator(".nz-title h3")).to_have_text(HOSTILE_TITLE)
    expect(labels.nth(2)).to_have_text(HOSTILE_LABEL)  # Leaflet puts a space before the name; the match trims
    expect(legend).to_contain_text(HOSTILE_LABEL)
    assert HOSTILE_NAME in tooltip_text
    expect(popup.locator("h4")).to_contain_text(HOSTILE_NAME)
    expect(popup).to_contain_text(HOSTILE_LABEL)
    assert_clean(log)


def test_readme_screenshots(page: tuple[Page, PageLog], demo: RunResult) -> None:
    """Screenshots of the demo map and of Diré's popup (1200×800), for the README."""
    pg, log = page
    open_map(pg, demo.paths["map"])
    pg.wait_for_load_state("networkidle")
    targets = [ARTIFACTS] + ([DOCS] if UPDATE_SCREENSHOTS else [])
    for folder in targets:
        folder.mkdir(parents=True, exist_ok=True)
    for folder in targets:
        pg.screenshot(path=folder / "demo_map.png")

    popup = open_popup(pg, demo, unit_named(demo, "Diré"))
    expect(popup).to_contain_text("Diré")
    pg.mouse.move(2, VIEWPORT["height"] - 2)  # no tooltip over the popup
    expect(pg.locator(".leaflet-tooltip")).to_have_count(0)
    for folder in targets:
        pg.screenshot(path=folder / "demo_popup.png")

    # the meeting view: security counts less, the ranking table follows
    pg.evaluate("() => { window.nexusZones.map.closePopup(); }")
    _move_slider(pg, "Security incidents", 0.5)
    pg.locator("details.nz-ranking-box summary").click()
    expect(pg.locator(".nz-ranking tr[data-unit]")).to_have_count(len(demo.scores))
    for folder in targets:
        pg.screenshot(path=folder / "demo_weights.png")

    for folder in targets:
        for name in ("demo_map.png", "demo_popup.png", "demo_weights.png"):
            png = (folder / name).read_bytes()
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
            assert (width, height) == (VIEWPORT["width"], VIEWPORT["height"])
    assert (ARTIFACTS / "demo_map.png").read_bytes() != (ARTIFACTS / "demo_popup.png").read_bytes()
    assert_clean(log)


@pytest.mark.browser
def test_views_with_the_same_label_stay_reachable(page: tuple[Page, PageLog], grid_cfg: dict, tmp_path: Path) -> None:
    """Two indicators labelled alike (or like a built-in view) each keep their own radio and colours."""
    pg, log = page
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["indicators"]["incidents"]["label"] = "Same"
    cfg["indicators"]["health"]["label"] = "Same"
    cfg["indicators"]["closed"]["label"] = "Nexus score"
    result = nexus_zones.run(config_from_mapping(cfg), out_dir=tmp_path / "out")
    open_map(pg, result.paths["map"])
    expand_layers(pg)
    radios = pg.locator(".leaflet-control-layers-base label")
    assert radios.count() == len(expected_views(result)) == 6 + 1  # score, region rank, 3 indicators, rules, robustness
    for position, (view_id, _label) in enumerate(expected_views(result)):
        radios.nth(position).click()
        assert pg.locator("div.nz-legend").get_attribute("data-view") == view_id
        assert fills(pg) == expected_colours(result, view_id)
    assert_clean(log)


@pytest.mark.browser
def test_sliders_give_the_python_model_ranks(page: tuple[Page, PageLog], demo: RunResult) -> None:
    """Moving sliders recomputes scores and ranks in the page exactly as the Python model does."""
    pg, log = page
    open_map(pg, demo.paths["map"])
    _assert_page_equals_python(_page_state(pg), demo)  # before any move: the config's weights
    got_incidents = _move_slider(pg, "Security incidents", 0)
    got_health = _move_slider(pg, "Health centres", 9)
    assert (got_incidents, got_health) == (0.0, 9.0)
    python = demo.rescore({"incidents": got_incidents, "health_facilities": got_health})
    state = _page_state(pg)
    _assert_page_equals_python(state, python)
    assert state["scores"] != pytest.approx([float(v) for v in demo.scores.loc[state["ids"], "score"]])  # the move did change the scores
    # rules first: the demo's units fail 0, 3, 4, 5 and 6 rules, so no move of the weights changes their order
    assert state["rank"] == [int(r) for r in demo.scores.loc[state["ids"], "rank"]]
    # the ranking table follows, ordered by the new ranks
    pg.locator("details.nz-ranking-box summary").click()
    rows = pg.locator(".nz-ranking tr[data-unit]")
    expected_order = list(python.scores.index)
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.unit)") == expected_order
    assert [c.strip() for c in rows.locator(".nz-r").all_inner_texts()] == [str(int(r)) for r in python.scores["rank"]]
    assert [c.strip() for c in rows.locator(".nz-s").all_inner_texts()] == [f"{v:.1f}" for v in python.scores["score"]]
    # the score view is restyled with the new scores
    assert fills(pg) == {uid: maps.colour(v / 100) for uid, v in python.scores["score"].items()}
    # copy as YAML, then reset
    pg.locator("button.nz-copy").click()
    yaml_text = pg.locator("textarea.nz-yaml").input_value()
    assert yaml_text.startswith("weights:\n") and "\n  incidents: 0\n" in yaml_text and "\n  health_facilities: 9\n" in yaml_text
    # pasted as it is at the end of the config, it loads and gives the chosen weights, each indicator keeping its measure
    config_text = (REPO / "configs" / "demo.yaml").read_text(encoding="utf-8")
    pasted = config_from_mapping(yaml.safe_load(config_text + "\n" + yaml_text), base_dir=REPO / "configs")
    configured = config_from_mapping(yaml.safe_load(config_text), base_dir=REPO / "configs")
    assert pasted.indicator_weights() == {**configured.indicator_weights(), "incidents": 0.0, "health_facilities": 9.0}
    assert {n: (i.measure, i.direction) for n, i in pasted.indicators.items()} == {n: (i.measure, i.direction) for n, i in configured.indicators.items()}
    expect(pg.locator(".nz-copy-note")).not_to_be_empty()  # "copied" or "select and copy", set when the clipboard answers
    pg.locator("button.nz-reset").click()
    _assert_page_equals_python(_page_state(pg), demo)
    assert_clean(log)


@pytest.mark.browser
@pytest.mark.parametrize("aggregation", ["geometric", "topsis"])
def test_page_arithmetic_equals_python_for_every_aggregation_and_pillars(page, grid_cfg, tmp_path, aggregation) -> None:
    pg, log = page
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["model"] = {
        "aggregation": aggregation,
        "pillars": {"security": {"indicators": ["incidents", "closed"], "weight": 2, "aggregation": "arithmetic"},
                    "services": {"indicators": ["health"], "weight": 1, "aggregation": aggregation}},
    }
    result = nexus_zones.run(config_from_mapping(cfg), out_dir=tmp_path / "out")
    open_map(pg, result.paths["map"])
    _assert_page_equals_python(_page_state(pg), result)
    moved = _move_slider(pg, "Pillar: security", 0.5)
    moved_ind = _move_slider(pg, "closed", 3)
    data = json.loads(json.dumps(cfg))
    data["model"]["pillars"]["security"]["weight"] = moved
    data["indicators"]["closed"]["weight"] = moved_ind
    python = nexus_zones.run(config_from_mapping(data), write=False)
    _assert_page_equals_python(_page_state(pg), python)
    assert_clean(log)


@pytest.mark.browser
def test_side_panel_points_on_demand_and_top_k_outline(page: tuple[Page, PageLog], demo: RunResult) -> None:
    pg, log = page
    open_map(pg, demo.paths["map"])
    # the top unit is outlined (top 1 in the demo): one dashed, non-interactive outline
    outlines = pg.locator("path[stroke-dasharray='6 4']")
    expect(outlines).to_have_count(1)
    # pin Diré's popup to the side panel
    popup = open_popup(pg, demo, "ML0602")
    popup.locator("button.nz-pin").click()
    side = pg.locator(".nz-side")
    expect(side).to_be_visible()
    expect(side.locator("h4")).to_contain_text("Diré")
    expect(side.locator(".nz-why li")).to_have_count(3)  # the three lines it leads with; the others under Details
    side.locator("details.nz-details").evaluate("d => { d.open = true; }")
    expect(side.locator(".nz-why-rest li")).to_have_count(len(demo.config.indicators) - 3)
    side.locator("button.nz-close").click()
    expect(side).to_be_hidden()
    # the incidents, on demand, clustered
    assert pg.locator(".marker-cluster, path.leaflet-interactive[fill='#c51b8a']").count() == 0
    expand_layers(pg)
    pg.locator(".leaflet-control-layers-overlays label", has_text="incidents (points)").locator("input").check()
    clusters = pg.locator(".marker-cluster")
    expect(clusters.first).to_be_visible()
    counts = [int(c) for c in clusters.locator("span").all_inner_texts()]
    singles = pg.locator("path.leaflet-interactive[fill='#c51b8a']").count()
    assert sum(counts) + singles == sum(_demo_incidents())  # every counted 2017 incident, clustered or alone
    assert_clean(log)


def _demo_incidents() -> list[int]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_demo_data", REPO / "scripts" / "make_demo_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.INCIDENTS_2017.values())
