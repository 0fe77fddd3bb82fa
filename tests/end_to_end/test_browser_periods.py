"""The map of a study over periods in real headless Chromium (issue 13): the period control shows
the Python values of each period, the change view, trajectories in popups, sliders recomputing every
period; and the README's screenshots of the north–centre study 2016–2019.

Uses the browser and page fixtures of conftest and the helpers of :mod:`tests._support` (network cut, console recorded).
``test_north_centre_screenshots`` always writes ``tests/_artifacts/north_centre_{map,change}.png``
and, with ``NEXUS_ZONES_UPDATE_SCREENSHOTS=1``, also ``docs/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect, Page

import nexus_zones
from nexus_zones.config import config_from_mapping
from nexus_zones.result import RunResult

from .._support import (ARTIFACTS, DEMO, DOCS, PageLog, UPDATE_SCREENSHOTS, VIEWPORT, VIOLENT, _move_slider, _page_state, assert_clean, demo_mapping,
                        expand_layers, fills, open_map, open_popup, unit_named, without_analyses)


@pytest.fixture(scope="module")
def north_centre(north_centre_result: RunResult) -> RunResult:
    """The real north–centre study 2016–2019 (run once for the session)."""
    return north_centre_result


def _choose_period(pg: Page, index: int, name: str) -> None:
    pg.locator(".nz-periods select.nz-period").select_option(str(index))
    expect(pg.locator(".nz-periods")).to_have_attribute("data-period", name)


def _assert_period_equals_python(state: dict, long: pd.DataFrame, period: str) -> None:
    rows = long[long["period"] == period].set_index("unit_id")
    assert len(rows) == len(state["ids"])
    for uid, score_, rank_, region_ in zip(state["ids"], state["scores"], state["rank"], state["region"]):
        expected = rows.loc[uid, "score"]
        assert (score_ is None) if pd.isna(expected) else score_ == pytest.approx(expected, abs=1e-9), (period, uid)
        assert (None if pd.isna(rows.loc[uid, "rank"]) else int(rows.loc[uid, "rank"])) == rank_, (period, uid)
        assert (None if pd.isna(rows.loc[uid, "region_rank"]) else int(rows.loc[uid, "region_rank"])) == region_, (period, uid)


@pytest.mark.browser
def test_period_control_shows_the_python_values_of_each_period(page: tuple[Page, PageLog], north_centre: RunResult) -> None:
    pg, log = page
    open_map(pg, north_centre.paths["map"])
    panel = north_centre.panel
    options = pg.locator(".nz-periods select.nz-period option")
    assert options.all_inner_texts() == panel.names
    expect(pg.locator(".nz-periods")).to_have_attribute("data-period", panel.names[-1])  # opens on the last period
    seen = {}
    for i, name in enumerate(panel.names):
        _choose_period(pg, i, name)
        state = _page_state(pg)
        _assert_period_equals_python(state, panel.long, name)
        # the rules failed are the period's (the ranking panel's column, and the kernel's input under failing_units "last")
        failed = panel.results[name].scores["rules_failed_count"]
        assert pg.evaluate("() => window.nexusZones.inputs.failed") == [int(failed[u]) for u in state["ids"]], name
        expand_layers(pg)
        pg.locator(".leaflet-control-layers-base label", has_text="Incidents sécuritaires").click()
        seen[name] = fills(pg)
        legend = pg.locator("div.nz-legend").inner_text()
        seen[name + "_legend"] = legend
        expand_layers(pg)
        pg.locator(".leaflet-control-layers-base label", has_text="Score Nexus").click()
    # the indicator view follows the period, its legend does not (bounds pooled over the periods)
    assert seen[panel.names[0]] != seen[panel.names[-1]]
    assert len({seen[n + "_legend"] for n in panel.names}) == 1
    assert_clean(log)


@pytest.mark.browser
def test_popup_trajectory_change_view_and_sliders_over_every_period(page: tuple[Page, PageLog], north_centre: RunResult) -> None:
    pg, log = page
    open_map(pg, north_centre.paths["map"])
    panel = north_centre.panel
    long = panel.long.set_index(["period", "unit_id"])
    dire = unit_named(north_centre, "Dire")
    popup = open_popup(pg, north_centre, dire)
    rows = popup.locator(".nz-trajectory tr[data-period]")
    expect(rows).to_have_count(len(panel.names))
    for i, name in enumerate(panel.names):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[0] == name
        assert cells[1] == f"{long.loc[(name, dire), 'score']:.1f}".replace(".", ",")
        assert cells[2] == str(int(long.loc[(name, dire), "rank"]))
    pg.evaluate("() => { window.nexusZones.map.closePopup(); }")

    # the change view: ranks gained from 2016 to 2019 in green, lost in purple
    expand_layers(pg)
    pg.locator(".leaflet-control-layers-base label", has_text="Évolution entre deux périodes").click()
    expect(pg.locator("div.nz-legend")).to_have_attribute("data-view", "change")
    expect(pg.locator("div.nz-legend")).to_contain_text(f"{panel.names[0]} → {panel.names[-1]}")
    changes = panel.changes(panel.names[0], panel.names[-1])
    drawn = fills(pg)
    for uid, change in changes["rank_change"].items():
        if pd.isna(change) or change == 0:
            continue
        r, g = int(drawn[uid][1:3], 16), int(drawn[uid][3:5], 16)
        assert (g > r) if change > 0 else (r > g), (uid, change, drawn[uid])

    # sliders recompute every period, as the Python model re-scores each period
    value = _move_slider(pg, "Incidents sécuritaires", 0.5)
    weights = {"incidents": value}
    all_periods = pg.evaluate("() => window.nexusZones.periods.all().map(r => ({scores: r.scores, rank: r.rank}))")
    ids = pg.evaluate("() => window.nexusZones.units.map(u => u.id)")
    for name, page_result in zip(panel.names, all_periods):
        python = panel.results[name].rescore(weights).scores
        for uid, score_, rank_ in zip(ids, page_result["scores"], page_result["rank"]):
            expected = python.loc[uid, "score"]
            assert (score_ is None) if pd.isna(expected) else score_ == pytest.approx(expected, abs=1e-9), (name, uid)
            assert (None if pd.isna(python.loc[uid, "rank"]) else int(python.loc[uid, "rank"])) == rank_, (name, uid)
    assert_clean(log)


@pytest.mark.browser
def test_north_centre_screenshots(page: tuple[Page, PageLog], north_centre: RunResult) -> None:
    """The README's screenshots: the map with its period control (2019), and the change view 2016 → 2019."""
    pg, log = page
    open_map(pg, north_centre.paths["map"])
    pg.wait_for_load_state("networkidle")
    targets = [ARTIFACTS] + ([DOCS] if UPDATE_SCREENSHOTS else [])
    for folder in targets:
        folder.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=folder / "north_centre_map.png")
    expand_layers(pg)
    pg.locator(".leaflet-control-layers-base label", has_text="Évolution entre deux périodes").click()
    expect(pg.locator("div.nz-legend")).to_have_attribute("data-view", "change")
    for folder in targets:
        pg.screenshot(path=folder / "north_centre_change.png")
    for folder in targets:
        for name in ("north_centre_map.png", "north_centre_change.png"):
            png = (folder / name).read_bytes()
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (VIEWPORT["width"], VIEWPORT["height"])
    assert (ARTIFACTS / "north_centre_map.png").read_bytes() != (ARTIFACTS / "north_centre_change.png").read_bytes()
    assert_clean(log)


# ------------------------------------------------------------------------------ In a study over periods, the map's point layers show the chosen period's points (real Chromium)


@pytest.mark.browser
def test_point_layers_follow_the_chosen_period(page: tuple[Page, PageLog], tmp_path: Path) -> None:
    pg, log = page
    cfg = without_analyses(demo_mapping())  # the points shown are the layers' own: the analyses beside the score are left out
    cfg["periods"] = [2017, 2018]
    result = nexus_zones.run(config_from_mapping(cfg, source=str(tmp_path / "demo.yaml")), out_dir=tmp_path)
    incidents = pd.read_csv(DEMO / "incidents.csv")
    counted = incidents[incidents["event_type"].isin(VIOLENT)]
    expected = {year: sorted(counted.loc[counted["event_date"].str.startswith(str(year)), "event_date"]) for year in (2017, 2018)}
    assert expected[2017] and expected[2018]
    open_map(pg, result.paths["map"])
    ids = pg.evaluate("() => window.nexusZones.data.points.map(l => l.id)")
    seen = {}
    for index, year in ((0, 2017), (1, 2018), (0, 2017)):
        pg.locator(".nz-periods select.nz-period").select_option(str(index))
        expect(pg.locator(".nz-periods")).to_have_attribute("data-period", str(year))
        seen[year] = dict(zip(ids, pg.evaluate("() => window.nexusZones.pointsShown()")))
        dates = sorted(text.rsplit(" · ", 1)[-1] for text in seen[year]["incidents"])  # tooltips: type · date
        assert dates == expected[year], year
    for name in ids:
        if result.config.layers[name].window == (None, None):  # facilities: the same in every period
            assert len(seen[2017][name]) == len(seen[2018][name]) > 0, name
        else:  # dated: the period's year only
            assert all(text.rsplit(" · ", 1)[-1].startswith(str(year)) for year in seen for text in seen[year][name]), name
    assert len(ids) > 2
    assert_clean(log)
