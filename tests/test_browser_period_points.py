"""In a study over periods, the map's point layers show the chosen period's points (real Chromium)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

import nexus_zones
from nexus_zones.config import config_from_mapping

from .conftest import DEMO, demo_mapping
from .test_browser import PageLog, assert_clean, chromium, open_map, page  # noqa: F401 - fixtures

TYPES = ["Battles", "Explosions/Remote violence", "Violence against civilians"]


@pytest.mark.browser
def test_point_layers_follow_the_chosen_period(page: tuple[Page, PageLog], tmp_path: Path) -> None:
    pg, log = page
    cfg = demo_mapping()
    cfg["periods"] = [2017, 2018]
    result = nexus_zones.run(config_from_mapping(cfg, source=str(tmp_path / "demo.yaml")), out_dir=tmp_path)
    incidents = pd.read_csv(DEMO / "incidents.csv")
    counted = incidents[incidents["event_type"].isin(TYPES)]
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
