"""Issue 19, item 7: the map page works offline in every state of its layer control.

Unticking the "OpenStreetMap (online only)" overlay (the natural thing offline) left the map with no
layer that has a maximum zoom, and ticking a points layer then threw "Map has no maxZoom specified"
(Leaflet.markercluster asks the map) and drew no marker. Here every overlay of the layer control is
ticked and unticked, through the control as a user does, in several orders; after each step the
markers drawn (clusters counted by their numbers, single markers one each) are counted against the
points the page was given, and the page reports no error. And a unit named with a right-to-left
override (U+202E) does not reverse the numbers its popup shows after its name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import nexus_zones
from nexus_zones.messages import t
from nexus_zones.config import config_from_mapping
from nexus_zones.result import RunResult

from .._support import PageLog, assert_clean, copy_demo, expand_layers, open_map, open_popup, page_data_of

pytestmark = pytest.mark.browser

TILES = "OpenStreetMap (online only)"


def _points(result: RunResult) -> dict[str, int]:
    """Each points layer's label in the layer control and how many points the page was given (the demo has three)."""
    data = page_data_of(result.paths["map"].read_text(encoding="utf-8"))
    return {layer["label"]: len(layer["points"]) for layer in data["points"]}


def _overlay(pg: Page, label: str):
    return pg.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input")


def _set(pg: Page, label: str, on: bool) -> None:
    box = _overlay(pg, label)
    if box.is_checked() != on:
        box.click()
    assert box.is_checked() == on


def _drawn(pg: Page) -> int:
    """Markers drawn: each cluster's number plus each single point marker."""
    counts = [int(c) for c in pg.locator(".marker-cluster span").all_inner_texts()]
    return sum(counts) + pg.locator("path.leaflet-interactive[fill='#c51b8a']").count()


def _overlays(pg: Page) -> list[str]:
    return [t.strip() for t in pg.locator(".leaflet-control-layers-overlays label").all_inner_texts()]


def test_the_demo_page_has_the_overlays_this_module_toggles(page: tuple[Page, PageLog], demo_result: RunResult) -> None:
    pg, log = page
    open_map(pg, demo_result.paths["map"])
    expand_layers(pg)
    points = _points(demo_result)
    assert len(points) == 3 and all(n > 0 for n in points.values())
    assert set(_overlays(pg)) == {TILES, "Region outlines and names", "Unit names", t("top_k", "en", k=1), *points}
    assert pg.evaluate("window.nexusZones.map.getMaxZoom()") == 18 and pg.evaluate("window.nexusZones.map.getMinZoom()") == 2
    assert_clean(log)


def test_tiles_off_then_each_points_layer_on_draws_its_markers(page: tuple[Page, PageLog], demo_result: RunResult) -> None:
    pg, log = page
    open_map(pg, demo_result.paths["map"])
    expand_layers(pg)
    _set(pg, TILES, False)
    for label, n in _points(demo_result).items():
        _set(pg, label, True)
        expect(pg.locator(".marker-cluster, path.leaflet-interactive[fill='#c51b8a']").first).to_be_attached()
        assert _drawn(pg) == n, label
        _set(pg, label, False)
        assert _drawn(pg) == 0
    assert_clean(log)


@pytest.mark.parametrize("order", ["listed", "reversed", "points_first"])
def test_every_overlay_on_all_off_and_on_again_in_several_orders(page: tuple[Page, PageLog], demo_result: RunResult, order: str) -> None:
    pg, log = page
    open_map(pg, demo_result.paths["map"])
    expand_layers(pg)
    labels, points = _overlays(pg), _points(demo_result)
    ordered = {"listed": labels, "reversed": labels[::-1],
               "points_first": [x for x in labels if x in points] + [x for x in labels if x not in points]}[order]
    for label in ordered:  # all on
        _set(pg, label, True)
    assert _drawn(pg) == sum(points.values())
    for label in ordered:  # all off, one by one: the markers of the points layers still on are drawn
        _set(pg, label, False)
        assert _drawn(pg) == sum(n for x, n in points.items() if _overlay(pg, x).is_checked()), label
    for label in ordered[::-1]:  # on again, the other way round
        _set(pg, label, True)
        assert _drawn(pg) == sum(n for x, n in points.items() if _overlay(pg, x).is_checked()), label
    assert _drawn(pg) == sum(points.values())
    # zoomed in fully: no error either (the zoom and the redraw after it ended before the page's log is read)
    pg.evaluate("""() => new Promise((done) => { const map = window.nexusZones.map;
      map.once('moveend', () => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0))));
      map.setZoom(map.getMaxZoom()); })""")
    assert_clean(log)


def test_a_right_to_left_override_in_a_unit_name_reverses_nothing_in_its_popup(page: tuple[Page, PageLog], tmp_path: Path) -> None:
    """Diré renamed "Diré\\u202e" in the boundaries: removed at reading (named in a warning); its popup
    and the ranking table show "Diré" and its numbers in their order, and no control reaches the page."""
    pg, log = page
    cfg, data = copy_demo(tmp_path)
    boundaries = data / "cercles.geojson"
    boundaries.write_text(boundaries.read_text(encoding="utf-8").replace("Diré", "Diré\u202e"), encoding="utf-8")
    cfg["typology"]["reference"] = "ML0602"
    result = nexus_zones.run(config_from_mapping(cfg, base_dir=tmp_path), out_dir=tmp_path / "out")
    said = [w for w in result.warnings if "bidirectional control characters in 1 name(s)" in w]
    assert len(said) == 1 and "ML0602 name 'Diré\\u202e' (U+202E)" in said[0] and "Removed" in said[0], result.warnings
    html = result.paths["map"].read_text(encoding="utf-8")
    assert "\u202e" not in html and "\\u202e" not in html.lower()
    open_map(pg, result.paths["map"])
    popup = open_popup(pg, result, "ML0602")
    header = popup.locator("h4").inner_text()
    assert header.startswith("Diré ML0602"), header
    rank = int(result.scores.at["ML0602", "rank"])
    assert f"rank {rank} of {int(result.scores['rank'].notna().sum())}" in popup.inner_text()
    assert "\u202e" not in pg.evaluate("document.body.innerText")
    assert_clean(log)


def test_switching_every_view_offline_keeps_every_marker(page: tuple[Page, PageLog], demo_result: RunResult) -> None:
    """Tiles off, every points layer on, then each view of the layer control in turn (and back to the
    score): the markers stay drawn, the legend follows the view."""
    pg, log = page
    open_map(pg, demo_result.paths["map"])
    expand_layers(pg)
    _set(pg, TILES, False)
    points = _points(demo_result)
    for label in points:
        _set(pg, label, True)
    views = pg.locator(".leaflet-control-layers-base label")
    ids = pg.evaluate("window.nexusZones.data.views.map(v => v.id)")
    assert views.count() == len(ids) > 5
    for j in [*range(views.count()), 0]:
        views.nth(j).locator("input").click()
        expect(pg.locator(f"div.nz-legend[data-view='{ids[j]}']")).to_have_count(1)
        assert _drawn(pg) == sum(points.values()), ids[j]
    assert_clean(log)
