"""A page a meeting can read (issue 11, item 4): controls, popups, labels, language, numbers.

Text tests first (numbers in each language's convention, largest-remainder points, the language
warning, the words for robustness, the page's eligibility); then real headless Chromium at a
laptop's 1366×768 on the 50 real cercles (skipped without the real data): no unit centre under a
control at the first view, every popup's close button on top, no two visible labels overlapping,
and a French page that shows no English config text without the warning.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
from pathlib import Path

import pandas as pd
import pytest
import shapely
import yaml

import nexus_zones
from nexus_zones import cli
from nexus_zones.config import config_from_mapping
from nexus_zones.result import RunResult

from .._support import REPO, _open, assert_clean, fewer_draws, next_frames, require_real_data, screen_point


# ------------------------------------------------------------------------ hostile catalogue: language


def _cli_demo(tmp_path: Path, change, name: str) -> tuple[int, pd.DataFrame, str]:
    cfg = fewer_draws(yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8")))
    change(cfg)
    for layer in cfg["layers"].values():
        layer["path"] = str((REPO / "configs" / layer["path"]).resolve())
    cfg["study"]["boundaries"]["path"] = str((REPO / "configs" / cfg["study"]["boundaries"]["path"]).resolve())
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp_path / name
    code = cli.main(["run", str(path), "--out", str(out)])
    table = pd.read_csv(out / "demo_scores.csv") if code == 0 else pd.DataFrame()
    return code, table, str(path)


def _only_en(cfg: dict) -> None:
    cfg["language"] = "fr"
    for ind in cfg["indicators"].values():
        ind["label"] = ind["label"]["en"]
        ind.pop("phrase", None)


def _title_without_fr(cfg: dict) -> None:
    cfg["language"] = "fr"
    cfg["study"]["title"] = {"en": cfg["study"]["title"]["en"]}
    cfg["study"]["note"] = "Demo: schematic geometry."


@pytest.fixture(scope="module")
def clean_french(tmp_path_factory) -> tuple[int, pd.DataFrame, str]:
    """The demo in French through the CLI, run once for both cases: its exit code, scores table and
    stderr (the package's logger given back as it was, as ``_restore_logger`` does for a test)."""
    logger, err = logging.getLogger("nexus_zones"), io.StringIO()
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    try:
        with contextlib.redirect_stderr(err):
            code, table, _ = _cli_demo(tmp_path_factory.mktemp("french"), lambda c: c.__setitem__("language", "fr"), "clean")
    finally:
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
    return code, table, err.getvalue()


@pytest.mark.parametrize(
    "change, keys",
    [(_only_en, ["indicators.incidents.label", "indicators.health_facilities.label"]), (_title_without_fr, ["study.title", "study.note"])],
    ids=["plain-english-labels", "title-and-note-without-fr"],
)
def test_cli_french_run_with_english_texts_warns(tmp_path: Path, capsys, clean_french, change, keys) -> None:
    clean_code, clean, clean_err = clean_french
    assert clean_code == 0 and "LanguageWarning" not in clean_err  # the demo's texts are all in French too
    code, table, path = _cli_demo(tmp_path, change, "hostile")
    err = capsys.readouterr().err
    assert code == 0
    assert "LanguageWarning" in err and f"{path}: language is 'fr'" in err and "Fix: give each as {fr: ..., en: ...}" in err
    for key in keys:
        assert key in err
    pd.testing.assert_frame_equal(table[["unit_id", "score", "rank"]], clean[["unit_id", "score", "rank"]])  # numbers unchanged


@pytest.fixture(scope="module")
def real_run(mali_2017_result: RunResult) -> RunResult:
    return mali_2017_result


_UNDER_CONTROL = """(points) => {
  const map = window.nexusZones.map, box = map.getContainer().getBoundingClientRect();
  return points.map(([id, lng, lat]) => {
    const p = map.latLngToContainerPoint([lat, lng]);
    const el = document.elementFromPoint(box.left + p.x, box.top + p.y);
    return [id, el && el.closest('.leaflet-control') ? el.closest('.leaflet-control').className : null,
            p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height];
  });
}"""

_OVERLAPS = """() => {
  const shown = [...document.querySelectorAll('.nz-label span, .nz-region-label span')]
    .filter(s => getComputedStyle(s).visibility === 'visible' && s.getBoundingClientRect().width > 0)
    .map(s => [s.textContent, s.getBoundingClientRect()]);
  const pairs = [];
  for (let i = 0; i < shown.length; i++) for (let j = i + 1; j < shown.length; j++) {
    const a = shown[i][1], b = shown[j][1];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) pairs.push([shown[i][0], shown[j][0]]);
  }
  return {shown: shown.map(s => s[0]), pairs: pairs};
}"""


def _centres(result: RunResult) -> list[list]:
    return [[uid, *shapely.get_coordinates(g.representative_point())[0].tolist()] for uid, g in result.scores.geometry.items()]


@pytest.mark.browser
def test_real_first_view_keeps_every_unit_clear_of_the_controls(laptop, real_run: RunResult) -> None:
    pg, log = laptop
    _open(pg, real_run.paths["map"])
    assert pg.locator(".leaflet-control-layers-expanded").count() == 0  # the list of views opens on demand
    hits = pg.evaluate(_UNDER_CONTROL, _centres(real_run))
    assert len(hits) == len(real_run.scores) == 50
    assert [h for h in hits if h[1] is not None or not h[2]] == []  # every centre on screen, none under a control
    from .._support import assert_clean

    assert_clean(log)


# The popups' own pan (Leaflet's panBy) runs its animation in 0.05 s instead of 0.25 s during the sweep: the
# same path and the same end position, a fifth of the wait over 50 popups; the one real click after it pans
# at the page's own speed.
_POPUP_SWEEP = """async (points) => {
  const z = window.nexusZones, map = z.map, start = [map.getCenter(), map.getZoom()], out = [], panBy = map.panBy;
  const settle = () => new Promise(done => {
    const check = () => (map._panAnim && map._panAnim._inProgress) ? setTimeout(check, 20) : requestAnimationFrame(() => done());
    setTimeout(check, 20);
  });
  map.panBy = function (offset, options) { return panBy.call(this, offset, Object.assign({}, options, {duration: 0.05})); };
  try { for (const [id, lng, lat] of points) {
    map.setView(start[0], start[1], {animate: false});
    const layer = z.geo.getLayers().find(l => l.feature.id === id);
    layer.openPopup([lat, lng]);  // where a click on the unit's centre opens it
    await settle();
    // this popup's own elements: the one closed before may still fade out of the page (Leaflet removes it after 200 ms)
    const own = layer.getPopup().getElement();
    const b = own.querySelector('.leaflet-popup-close-button'), r = b.getBoundingClientRect();
    const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const title = own.querySelector('.nz-popup h4').textContent;
    out.push([id, el === b || b.contains(el) ? null : (el ? (el.closest('.leaflet-control') || el).className : 'off the page'), title]);
    map.closePopup();
  } } finally { delete map.panBy; }
  map.setView(start[0], start[1], {animate: false});
  return out;
}"""


@pytest.mark.browser
def test_real_every_popup_close_button_is_on_top(laptop, real_run: RunResult) -> None:
    """Open each of the 50 cercles' popups at its centre from the first view (as a click there
    does); once the popup has panned into place its close button is the topmost element where it
    is drawn (no control covers it). One click checks that a real click takes the same path."""
    from .._support import assert_clean, screen_point

    pg, log = laptop
    _open(pg, real_run.paths["map"])
    swept = pg.evaluate(_POPUP_SWEEP, _centres(real_run))
    assert len(swept) == 50
    assert [(uid, hit) for uid, hit, _ in swept if hit is not None] == []
    assert [(uid, title) for uid, _, title in swept if not title.startswith(real_run.scores.at[uid, "name"])] == []
    top = real_run.scores.index[0]
    x, y = screen_point(pg, top, real_run.scores.geometry[top])
    pg.mouse.click(x, y)
    pg.wait_for_selector(".leaflet-popup-close-button")
    pg.wait_for_function("() => { const pan = window.nexusZones.map._panAnim; return !pan || !pan._inProgress; }")  # the pan animation has ended
    assert pg.evaluate("""() => { const b = document.querySelector('.leaflet-popup-close-button'), r = b.getBoundingClientRect();
                              const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return b.contains(el) || [el && el.className, r.top, r.left]; }""") is True
    assert_clean(log)


@pytest.mark.browser
def test_real_labels_never_overlap(laptop, real_run: RunResult) -> None:
    pg, log = laptop
    _open(pg, real_run.paths["map"])
    first = pg.evaluate(_OVERLAPS)
    assert first["pairs"] == []
    # the top-ranked unit's name goes before every other (the top k's, then the regions', then the rest)
    assert real_run.scores["name"].iloc[0] in first["shown"] and int(real_run.scores["rank"].iloc[0]) == 1
    hidden = set(real_run.scores["name"]) - set(first["shown"])
    assert hidden  # 50 names do not all fit at 1366×768: some wait for a zoom
    # zoom in on the crowded south: more names, still no overlap
    # (in braces: the call returns the Leaflet map, which Playwright would serialise whole, seconds for nothing)
    pg.evaluate("() => { window.nexusZones.map.setView([13.5, -6.5], window.nexusZones.map.getZoom() + 2, {animate: false}); }")
    next_frames(pg)
    zoomed = pg.evaluate(_OVERLAPS)
    assert zoomed["pairs"] == [] and hidden & set(zoomed["shown"])
    # back out, then hover a unit whose name was hidden: it shows, and the others give way
    pg.evaluate("() => { window.nexusZones.map.setZoom(window.nexusZones.map.getZoom() - 2, {animate: false}); }")
    next_frames(pg)
    back = pg.evaluate(_OVERLAPS)
    assert back["pairs"] == []
    from .._support import assert_clean, screen_point

    name = sorted(set(real_run.scores["name"]) - set(back["shown"]))[0]
    uid = real_run.scores.index[real_run.scores["name"] == name][0]
    x, y = screen_point(pg, uid, real_run.scores.geometry[uid])
    pg.mouse.move(x, y)
    hovered = pg.evaluate(_OVERLAPS)
    assert name in hovered["shown"] and hovered["pairs"] == []
    assert_clean(log)


@pytest.mark.browser
def test_real_french_page_has_no_english_text_without_the_warning(laptop, real_run: RunResult, tmp_path: Path) -> None:
    """The real config in French: its English labels come with a LanguageWarning naming each one;
    with French labels added there is no warning and no English label anywhere on the page."""
    from .._support import assert_clean

    pg, log = laptop
    data = fewer_draws(yaml.safe_load((REPO / "configs" / "mali_2017.yaml").read_text(encoding="utf-8")))
    data["language"] = "fr"
    data["data_dir"] = str(require_real_data())
    english = {f"indicators.{n}.label": i["label"] for n, i in data["indicators"].items()}
    english |= {f"rules.{n}.label": r["label"] for n, r in data["rules"].items()}
    english |= {"study.title": data["study"]["title"], "study.note": data["study"]["note"]}
    french = nexus_zones.run(config_from_mapping(copy.deepcopy(data), base_dir=REPO / "configs"), out_dir=tmp_path / "fr")
    message = " ".join(w for w in french.warnings if "no 'fr' version" in w)  # the LanguageWarning, as the run recorded it
    assert all(key in message for key in english)
    _open(pg, french.paths["map"])
    text = _page_text(pg)
    assert "Moins de security" not in text and "Plus de security" not in text
    assert any(label in text for label in english.values())  # shown as given, and warned about

    translated = copy.deepcopy(data)
    for n, ind in translated["indicators"].items():
        ind["label"] = {"en": ind["label"], "fr": f"Indicateur {n} (fr)"}
    for n, rule in translated["rules"].items():
        rule["label"] = {"en": rule["label"], "fr": f"Règle {n} (fr)"}
    translated["study"]["title"] = {"en": data["study"]["title"], "fr": "Zones pilotes Nexus — Mali, 50 cercles, 2017"}
    translated["study"]["note"] = {"en": data["study"]["note"], "fr": "Données réelles (ACLED, OIM DTM, Cadre Harmonisé, OMS/KEMRI)."}
    result = nexus_zones.run(config_from_mapping(translated, base_dir=REPO / "configs"), out_dir=tmp_path / "fr2")
    assert not [w for w in result.warnings if "no 'fr' version" in w]
    _open(pg, result.paths["map"])
    text = _page_text(pg)
    leaks = [key for key, label in english.items() if label in text]
    assert leaks == []
    for word in ("Unit names", "Rank band", "whatever the weights", "Depends on the weights", "Security incidents", "Region outlines", "Why this unit"):
        assert word not in text
    assert_clean(log)


def _page_text(pg) -> str:
    """Everything a reader can see or open: the page's text, the layer control's labels, every
    legend and every popup (as the page writes them)."""
    return pg.evaluate("""() => {
      const z = window.nexusZones;
      const popups = z.units.map((u, i) => z.popupBody(i)).join(' ');
      const legends = z.data.views.map(v => v.label + ' ' + z.legend(v.id)).join(' ');
      const div = document.createElement('div'); div.innerHTML = popups + ' ' + legends;
      return document.body.innerText + ' ' + document.querySelector('.leaflet-control-layers').innerText + ' ' + div.innerText
        + ' ' + JSON.stringify(z.data.text);
    }""")


def test_real_brief_png_labels_never_overlap(real_run: RunResult, tmp_path: Path) -> None:
    """The brief's map: names placed greedily by rank, none overlapping another (boxes compared
    here, independently), the top-ranked unit's name shown, and some names left out at this size."""
    from nexus_zones.report import brief_map_png

    drawn = brief_map_png(real_run, tmp_path / "map.png")
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    boxes = [box for _, box in drawn["shown"]]
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert overlapping == []
    assert len(drawn["shown"]) + len(drawn["hidden"]) == 50 and drawn["hidden"]
    top = real_run.scores.iloc[0]
    assert f"{top['name']} (1)" in [text for text, _ in drawn["shown"]]
