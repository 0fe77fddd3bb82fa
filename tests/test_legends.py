"""The views' colours and legends (:mod:`nexus_zones.legends`), by hand."""

from __future__ import annotations

import html
import math

import pytest

from nexus_zones import legends
from nexus_zones.legends import NO_DATA, PALETTE, colour, ramp, swatches
from nexus_zones.messages import t


def test_a_value_takes_the_palette_by_linear_interpolation_or_its_class():
    assert colour(0.0) == PALETTE[0] and colour(1.0) == PALETTE[-1] and colour(0.5) == PALETTE[4]  # 9 colours: 0.5 is the 5th
    # a quarter of the way between PALETTE[1] (#f7fcb9) and PALETTE[2] (#d9f0a3): 1/8 + 1/32 on the 8 steps
    x = (1 + 0.25) / 8
    a, b = (0xF7, 0xFC, 0xB9), (0xD9, 0xF0, 0xA3)
    assert colour(x) == "#" + "".join(f"{math.floor(p + (q - p) * 0.25 + 0.5):02x}" for p, q in zip(a, b))
    # out of range is clamped; missing is grey in every form
    assert colour(-3) == PALETTE[0] and colour(7) == PALETTE[-1]
    assert colour(None) == colour(float("nan")) == colour("<NA>") == NO_DATA
    # 5 classes: 0.0-0.2 the first colour, 0.8-1.0 the last, 0.5 the middle (PALETTE[4])
    assert colour(0.1, 5) == colour(0.0, 5) == PALETTE[0] and colour(0.9, 5) == colour(1.0, 5) == PALETTE[-1] and colour(0.5, 5) == PALETTE[4]


def test_a_ramp_escapes_its_title_shows_its_classes_and_a_no_data_swatch_when_asked():
    legend = ramp("<b>Score</b> & co", "0", "100", True, 3, "fr")
    assert legend.startswith('<div class="nz-legend-title">&lt;b&gt;Score&lt;/b&gt; &amp; co</div>')
    assert legend.count('class="nz-class"') == 3 and f"background:{colour(0.5 / 3, 3)}" in legend
    assert '<div class="nz-ramp-labels"><span>0</span><span>100</span></div>' in legend
    assert legend.endswith(f'<div><span class="nz-sw" style="background:{NO_DATA}"></span> {html.escape(t("no_data", "fr"))}</div>')
    continuous = ramp("t", "a", "b", False, 0, "en")
    assert "linear-gradient(to right, " + ", ".join(PALETTE) in continuous and "nz-sw" not in continuous


def test_swatches_put_each_colour_before_its_text_as_given():
    assert swatches([("#000000", "a &amp; b"), ("#ffffff", "c")]) == (
        '<div><span class="nz-sw" style="background:#000000"></span> a &amp; b</div>'
        '<div><span class="nz-sw" style="background:#ffffff"></span> c</div>')
    assert swatches([]) == ""


@pytest.mark.parametrize("text", ["<script>", "\"'", "a & b"])
def test_esc_is_html_escape_with_quotes(text):
    assert legends.esc(text) == html.escape(text, quote=True)
