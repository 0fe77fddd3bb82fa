"""Self-contained pages (:mod:`nexus_zones.offline`): CDN links replaced by the installed copies,
assets the pages do not use dropped, anything else refused."""

from __future__ import annotations

import re

import pytest

from nexus_zones.errors import NexusZonesError
from nexus_zones.offline import asset_text, inline_assets

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
JQUERY = "https://code.jquery.com/jquery-3.7.1.min.js"
BOOTSTRAP = "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js"


def _page(*scripts: str, css: str = LEAFLET_CSS, body: str = "") -> str:
    tags = "".join(f'<script src="{s}"></script>' for s in scripts)
    return f'<html><head>{tags}<link rel="stylesheet" href="{css}"/></head><body>{body}</body></html>'


def test_leaflet_is_inlined_and_what_the_page_does_not_use_is_dropped() -> None:
    html = inline_assets(_page(LEAFLET_JS, JQUERY, BOOTSTRAP))
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="https?://', html)  # no link left
    assert "<script>" + asset_text("xstatic.pkg.leaflet", "leaflet.js").replace("</script", "<\\/script") + "</script>" in html
    assert "<style>" + asset_text("xstatic.pkg.leaflet", "leaflet.css").replace("</style", "<\\/style") + "</style>" in html
    assert asset_text("xstatic.pkg.jquery", "jquery.min.js")[:200] not in html  # no `$(` in the page: jQuery dropped
    assert "bootstrap" not in html.lower()


def test_jquery_is_kept_when_the_page_calls_it() -> None:
    html = inline_assets(_page(LEAFLET_JS, JQUERY, body="<script>$(document).ready(function () {});</script>"))
    assert asset_text("xstatic.pkg.jquery", "jquery.min.js")[:200] in html
    assert html.endswith("<body><script>$(document).ready(function () {});</script></body></html>")  # the page's own script untouched


def test_css_images_become_data_urls() -> None:
    css = asset_text("xstatic.pkg.leaflet", "leaflet.css")
    assert "url(data:image/png;base64," in css and "url(images/" not in css


def test_an_asset_that_cannot_be_inlined_is_refused_naming_it() -> None:
    url = "https://example.org/some/plugin.js"
    with pytest.raises(NexusZonesError, match=r"offline map: the page links https://example\.org/some/plugin\.js, which nexus_zones cannot inline.*Fix:"):
        inline_assets(_page(LEAFLET_JS, url))


def test_a_missing_package_says_what_to_install() -> None:
    with pytest.raises(NexusZonesError, match=r"package xstatic\.pkg\.nothing_here is not installed; expected it to provide x\.js\. Fix: pip install xstatic-nothing_here"):
        asset_text("xstatic.pkg.nothing_here", "x.js")
