"""Self-contained pages: replace the CDN links of a rendered Folium page with inline copies.

Folium links Leaflet, jQuery, Bootstrap and icon fonts from CDNs, which are unreachable in many
field offices (the page then draws nothing: ``L is not defined``). :func:`inline_assets` swaps each
``<script src>``/``<link href>`` for the same file read from an installed package (XStatic
packages carry Leaflet 1.9.3 and jQuery 3.7.1, the versions Folium 0.20 links), drops the assets
our pages do not use (Bootstrap, icon fonts, awesome-markers, and jQuery unless the page calls it),
and refuses any other external link
so that a page is never written half-offline.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path

from .errors import NexusZonesError

__all__ = ["inline_assets", "asset_text"]

# URL pattern (matched against the link) → (xstatic module, file) to inline; None = drop.
_ASSETS: tuple[tuple[str, tuple[str, str] | None], ...] = (
    (r"/leaflet@1\.9\.3/dist/leaflet\.js$", ("xstatic.pkg.leaflet", "leaflet.js")),
    (r"/leaflet@1\.9\.3/dist/leaflet\.css$", ("xstatic.pkg.leaflet", "leaflet.css")),
    (r"/jquery-3\.7\.1\.min\.js$", ("xstatic.pkg.jquery", "jquery.min.js")),
    (r"/leaflet\.markercluster@[\d.]+/dist/leaflet\.markercluster\.js$", ("xstatic.pkg.leaflet_markercluster", "leaflet.markercluster.js")),
    (r"/leaflet\.markercluster@[\d.]+/dist/MarkerCluster\.css$", ("xstatic.pkg.leaflet_markercluster", "MarkerCluster.css")),
    (r"/leaflet\.markercluster@[\d.]+/dist/MarkerCluster\.Default\.css$", ("xstatic.pkg.leaflet_markercluster", "MarkerCluster.Default.css")),
    (r"/bootstrap@[\d.]+/dist/(js|css)/bootstrap[.\w]*\.(js|css)$", None),
    (r"/bootstrap/3\.0\.0/css/bootstrap-glyphicons\.css$", None),
    (r"/@fortawesome/fontawesome-free@[\d.]+/css/all\.min\.css$", None),
    (r"/Leaflet\.awesome-markers/[\d.]+/leaflet\.awesome-markers\.(js|css)$", None),
    (r"/leaflet\.awesome\.rotate\.min\.css$", None),
)

_SCRIPT = re.compile(r'<script\s+src="(?P<url>[^"]+)"\s*>\s*</script>')
_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="(?P<url>[^"]+)"\s*/?>')


@lru_cache(maxsize=None)
def asset_text(module: str, filename: str) -> str:
    """Text of a file shipped in an installed XStatic package."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        dist = module.split(".")[-1]
        raise NexusZonesError(
            f"offline map: package {module} is not installed; expected it to provide {filename}. Fix: pip install xstatic-{dist}"
        ) from exc
    path = Path(mod.BASE_DIR) / filename
    text = path.read_text(encoding="utf-8")
    if filename.endswith(".css"):
        text = _inline_css_images(text, path.parent)
    return text


def _inline_css_images(css: str, folder: Path) -> str:
    def repl(match: re.Match) -> str:
        ref = match.group(1).strip("'\"")
        image = folder / ref
        if ref.startswith("data:") or not image.is_file():
            return match.group(0)
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(([^)]+)\)", repl, css)


def _lookup(url: str) -> tuple[str, str] | None:
    for pattern, asset in _ASSETS:
        if re.search(pattern, url):
            return asset
    raise NexusZonesError(
        f"offline map: the page links {url}, which nexus_zones cannot inline; expected only Leaflet, jQuery and "
        "assets it can drop. Fix: remove the map element that needs it, or add the asset to nexus_zones.offline"
    )


def _script(text: str) -> str:
    return "<script>" + text.replace("</script", "<\\/script") + "</script>"


def _style(text: str) -> str:
    return "<style>" + text.replace("</style", "<\\/style") + "</style>"


def inline_assets(html: str) -> str:
    """Return ``html`` with every linked script and stylesheet inlined or dropped.

    Raises
    ------
    NexusZonesError
        If the page links an asset that is neither known nor droppable.
    """

    def script(match: re.Match) -> str:
        asset = _lookup(match.group("url"))
        return "" if asset is None else _script(asset_text(*asset))

    def link(match: re.Match) -> str:
        asset = _lookup(match.group("url"))
        return "" if asset is None else _style(asset_text(*asset))

    # jQuery is linked by every Folium page but used only by elements our pages do not use
    own_code = _SCRIPT.sub("", html)
    needs_jquery = re.search(r"(?<![\w$])\$[.(]", own_code) is not None

    def script_or_drop(match: re.Match) -> str:
        if "jquery" in match.group("url") and not needs_jquery:
            return ""
        return script(match)

    html = _SCRIPT.sub(script_or_drop, html)
    html = _LINK.sub(link, html)
    leftover = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?:)?//[^"]+"', html)
    if leftover:
        raise NexusZonesError(f"offline map: external links remain after inlining: {leftover[:3]}")
    return html
