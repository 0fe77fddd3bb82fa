"""A page whose payload travels compressed (``maps.data_text``: gzip, base64) opens in Chromium to the
page its plain payload gives: ``payload.js`` decompresses it with the browser's own
``DecompressionStream`` and unpacks it (``maps.pack``), and every unit carries the normalised values,
popup record and colour of every view that :func:`maps.page_data` gives (the views the page colours
itself included), with no page error; a browser without ``DecompressionStream`` says so. The hostile strings of a compressed
page stay text: ``test_browser.py::test_hostile_strings_stay_text[compressed]``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page

from nexus_zones import maps
from nexus_zones.messages import t
from nexus_zones.result import RunResult

from .._support import PageLog, assert_clean, open_map, page_data_of, page_features


def test_a_compressed_page_opens_to_every_units_values_and_colours(page: tuple[Page, PageLog], demo_result: RunResult, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(maps, "COMPRESS_ABOVE", 0)
    path = tmp_path / "compressed.html"
    path.write_text(maps.build_map(demo_result), encoding="utf-8")
    html = path.read_text(encoding="utf-8")
    assert re.search(r'var D = \{"gz":"[A-Za-z0-9+/=]+","old":"[^"<]+"\};\n', html) and "Dir\u00e9" not in html.split("var D = ", 1)[1].split(";\n", 1)[0]
    full = json.loads(maps.data_json(maps.page_data(demo_result, demo_result.config.language)))
    assert page_data_of(html) == full  # Node opens it so too
    pg, log = page
    open_map(pg, path)
    features = page_features(pg)
    units = full["units"]
    assert [f["id"] for f in sorted(features, key=lambda f: units["id"].index(f["id"]))] == units["id"]
    by_id = {f["id"]: f["props"] for f in features}
    for i, unit in enumerate(units["id"]):
        assert by_id[unit]["norm"] == units["norm"][i] and by_id[unit]["popup"] == units["popup"][i], unit
    for view in full["views"]:
        colours = units["colours"][view["id"]]
        assert {u: by_id[u][f"_c_{view['id']}"] for u in units["id"]} == {u: colours["of"][k] for u, k in zip(units["id"], colours["i"])}, view["id"]
    assert {f["id"]: f["fill"] for f in features} == {u: by_id[u]["_c_score"] for u in units["id"]}
    assert_clean(log)


def test_a_browser_without_decompression_says_so(chromium, demo_result: RunResult, tmp_path: Path, monkeypatch) -> None:
    """Where the browser has no DecompressionStream (before 2023), the compressed page shows the
    catalogue's ``browser_too_old`` in its language, not a blank map, and raises no error."""
    monkeypatch.setattr(maps, "COMPRESS_ABOVE", 0)
    path = tmp_path / "compressed.html"
    path.write_text(maps.build_map(demo_result), encoding="utf-8")
    context = chromium.new_context()
    pg, log = context.new_page(), PageLog()
    pg.route("**/*", log.on_route)
    pg.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    pg.add_init_script("delete window.DecompressionStream;")
    pg.goto(path.resolve().as_uri(), wait_until="load")
    note = pg.locator("p.nz-too-old")
    note.wait_for()
    assert note.inner_text() == t("browser_too_old", demo_result.config.language) and note.is_visible()
    assert pg.evaluate("typeof window.nexusZones") == "undefined" and log.page_errors == []
    context.close()
