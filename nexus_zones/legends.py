"""The colours and legends of the map's views: the palettes, a value's colour, a ramp's or a list of
swatches' legend (HTML, every text escaped here).

``maps`` builds its own views (score, region rank, indicators, nodes, rules) and each analysis its
own (``views(run, result, language)``, :mod:`nexus_zones.analyses`) with these; the page's
``kernel.js`` colours a value as :func:`colour` does (golden cases tie the two).
"""

from __future__ import annotations

import html
import math
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .messages import t

__all__ = ["PALETTE", "NO_DATA", "PASS", "FAIL", "CATEGORIES", "colour", "colours_of", "floats", "esc", "ramp", "swatches"]

#: ColorBrewer YlGn, light (least suitable) to dark green (most suitable).
PALETTE = ("#ffffe5", "#f7fcb9", "#d9f0a3", "#addd8e", "#78c679", "#41ab5d", "#238443", "#006837", "#004529")
NO_DATA = "#bdbdbd"
PASS = "#1a9850"
FAIL = "#d73027"
#: Categorical colours (ColorBrewer Set2) for profiles.
CATEGORIES = ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3")


def colour(value: float | None, classes: int = 0) -> str:
    """Colour of a value on the 0–1 scale: linear interpolation in :data:`PALETTE`, or with
    ``classes`` that many equal-interval classes; grey if missing. The page computes the same."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "<NA>":
        return NO_DATA
    x = min(max(float(value), 0.0), 1.0)
    if classes:
        x = min(math.floor(x * classes), classes - 1) / (classes - 1)
    x *= len(PALETTE) - 1
    i = min(int(math.floor(x)), len(PALETTE) - 2)
    frac = x - i
    a = [int(PALETTE[i][k : k + 2], 16) for k in (1, 3, 5)]
    b = [int(PALETTE[i + 1][k : k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{int(math.floor(p + (q - p) * frac + 0.5)):02x}" for p, q in zip(a, b))


_RGB = np.array([[int(c[k : k + 2], 16) for k in (1, 3, 5)] for c in PALETTE], dtype=float)


def colours_of(values: Any, classes: int = 0) -> list[str]:
    """:func:`colour` of many values at once, by the same arithmetic element by element (``NaN``
    grey): the map's views colour every unit, and one call per unit cost seconds at 5,000 units."""
    x = floats(values)
    missing = np.isnan(x)
    x = np.clip(np.where(missing, 0.0, x), 0.0, 1.0)
    if classes:
        x = np.minimum(np.floor(x * classes), classes - 1) / (classes - 1)
    x = x * (len(PALETTE) - 1)
    i = np.minimum(np.floor(x), len(PALETTE) - 2).astype(int)
    frac = x - i
    rgb = np.floor(_RGB[i] + (_RGB[i + 1] - _RGB[i]) * frac[:, None] + 0.5).astype(int)
    codes = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    codes[missing] = -1
    found, inverse = np.unique(codes, return_inverse=True)
    text = [NO_DATA if c < 0 else f"#{int(c):06x}" for c in found]
    return [text[j] for j in inverse.ravel()]


def floats(values: Any) -> np.ndarray:
    """Numbers as a float array, a missing one (``None``, ``NaN``, ``pd.NA``) as ``NaN``."""
    return pd.to_numeric(pd.Series(values, dtype=object if not hasattr(values, "dtype") else None), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def esc(value: Any) -> str:
    """HTML-escape any value for the page."""
    return html.escape(str(value), quote=True)


def ramp(title: str, low: str, high: str, has_missing: bool, classes: int, language: str) -> str:
    """A ramp's legend: ``title`` (escaped), the palette (in ``classes`` classes, or continuous with
    0), the ends' texts ``low`` and ``high`` (HTML, as given), a no-data swatch when ``has_missing``."""
    missing = swatches([(NO_DATA, esc(t("no_data", language)))]) if has_missing else ""
    if classes:
        cells = "".join(f'<span class="nz-class" style="background:{colour((i + 0.5) / classes, classes)}"></span>' for i in range(classes))
        bar = f'<div class="nz-classes">{cells}</div>'
    else:
        bar = f'<div class="nz-ramp" style="background:linear-gradient(to right, {", ".join(PALETTE)})"></div>'
    return f'<div class="nz-legend-title">{esc(title)}</div>{bar}<div class="nz-ramp-labels"><span>{low}</span><span>{high}</span></div>{missing}'


def swatches(items: Iterable[tuple[str, str]]) -> str:
    """A legend's list of swatches: each (colour, its text as HTML, already escaped) on a line."""
    return "".join(f'<div><span class="nz-sw" style="background:{c}"></span> {text}</div>' for c, text in items)
