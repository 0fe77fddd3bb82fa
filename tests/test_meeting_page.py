"""A page a meeting can read (issue 11, item 4): controls, popups, labels, language, numbers.

Text tests first (numbers in each language's convention, largest-remainder points, the language
warning, the words for robustness, the page's eligibility); then real headless Chromium at a
laptop's 1366×768 on the 50 real cercles (skipped without the real data): no unit centre under a
control at the first view, every popup's close button on top, no two visible labels overlapping,
and a French page that shows no English config text without the warning.
"""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest
import shapely
import yaml

import nexus_zones
from nexus_zones import cli, maps
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import LanguageWarning
from nexus_zones.messages import fixed, largest_remainder, number, percent, t
from nexus_zones.pipeline import RunResult

from .conftest import REPO, require_real_data
from .test_page_popup import render_popups

NNBSP = "\u202f"  # narrow no-break space: the French thousands separator and the space before %


# ------------------------------------------------------------------------ numbers and language


def test_numbers_follow_the_language() -> None:
    assert number(1504, "fr") == "1" + NNBSP + "504" and number(1504, "en") == "1,504"
    assert number(1234567.8, "fr") == "1" + NNBSP + "234" + NNBSP + "568" and number(1234567.8, "en") == "1,234,568"
    assert number(0.25, "fr") == "0,25" and number(0.25, "en") == "0.25"
    assert number(2.345, "fr") == "2,35" and number(2.345, "en") == "2.35"  # 3 significant digits
    assert fixed(97.66, "fr") == "97,7" and fixed(97.66, "en") == "97.7"
    assert fixed(1504.25, "fr", 2) == "1" + NNBSP + "504,25" and fixed(1504.25, "en", 2) == "1,504.25"
    assert percent(0.3, "fr") == "30" + NNBSP + "%" and percent(0.3, "en") == "30%"


def _popups(html: str) -> dict:
    match = re.search(r"var D = (\{.*?\});\n", html, flags=re.S)
    return json.loads(match.group(1))


def test_english_page_has_no_french_number_formats(tmp_path: Path) -> None:
    """The demo in English: no narrow no-break space, no "%" after a space, and "1,000 weightings"."""
    result = nexus_zones.run(REPO / "configs" / "demo.yaml", out_dir=tmp_path / "en")
    data = maps.page_data(result, "en")
    shown = json.dumps(render_popups(data) + [v["legend"] for v in data["views"]], ensure_ascii=False)
    assert NNBSP not in shown and " %" not in shown
    assert "of 1,000 weightings" in shown
    assert data["number_format"] == {"thousands": ",", "decimal": "."}
    fr = maps.page_data(result, "fr")
    shown_fr = json.dumps(render_popups(fr), ensure_ascii=False)
    assert "de 1" + NNBSP + "000 pondérations" in shown_fr and "100" + NNBSP + "%" in shown_fr
    assert fr["number_format"] == {"thousands": NNBSP, "decimal": ","}


def test_largest_remainder_keeps_the_total() -> None:
    # 33.34 + 33.33 + 33.33 = 100.00, shown 100.0 = 1000 tenths; cut down: 333 + 333 + 333 = 999 tenths;
    # the one tenth missing goes to the largest remainder (0.4 of a tenth for 33.34, 0.3 for the others)
    assert largest_remainder([33.34, 33.33, 33.33]) == [33.4, 33.3, 33.3]
    # 4 × 0.25 = 1.0 = 10 tenths; cut down: 2 + 2 + 2 + 2 = 8; the two missing tenths go to the first two
    # of the equal remainders (0.5 each): 0.3 + 0.3 + 0.2 + 0.2 = 1.0, where rounding each (0.2) gives 0.8
    assert largest_remainder([0.25, 0.25, 0.25, 0.25]) == [0.3, 0.3, 0.2, 0.2]
    # 1.26 + 2.26 = 3.52, shown 3.5 = 35 tenths; cut: 12 + 22 = 34; one tenth to the first equal remainder
    assert largest_remainder([1.26, 2.26]) == [1.3, 2.2]
    assert math.isnan(largest_remainder([math.nan, 1.0])[0]) and largest_remainder([math.nan, 1.0])[1] == 1.0


def test_popup_points_add_up_to_the_displayed_score(tmp_path: Path) -> None:
    """Under the arithmetic mean each unit's points (one decimal, as the popup shows them) add up to
    the score shown with one decimal, for every unit of the demo and of a reweighted demo."""
    demo = nexus_zones.run(REPO / "configs" / "demo.yaml", write=False)
    for result in (demo, demo.rescore({"incidents": 1, "health_facilities": 7})):
        names = list(result.config.indicators)
        data = maps.page_data(result, "en")
        popups = dict(zip(data["units"]["id"], render_popups(data)))  # as the page writes them
        for unit, row in result.scores.iterrows():
            if pd.isna(row["score"]):
                continue
            shown = maps.shown_points(row, names)
            tenths = sum(round(p * 10) for p in shown)
            assert tenths == round(float(f"{row['score']:.1f}") * 10), unit
            assert all(abs(p - row[f"{n}_contrib"]) < 0.1 for p, n in zip(shown, names))  # each within a tenth
            assert all(f"</span></span> {p:.1f}</td>" in popups[unit] for p in shown)


def test_language_warning_names_each_untranslated_text(tmp_path: Path) -> None:
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["language"] = "fr"
    cfg["indicators"]["incidents"]["label"] = "Security incidents, 2017"  # plain text: taken as English
    cfg["indicators"]["incidents"]["phrase"] = {"en": "security incidents in 2017"}
    cfg["rules"]["few_incidents"]["label"] = {"en": "No more than 5 security incidents in 2017"}
    result = nexus_zones.run(config_from_mapping(cfg, base_dir=REPO / "configs"), write=False)
    found = [w for w in result.warnings if "LanguageWarning" in w or "no 'fr' version" in w]
    assert len(found) == 1
    assert "3 config text(s) have no 'fr' version" in found[0]
    for key in ("indicators.incidents.label", "indicators.incidents.phrase", "rules.few_incidents.label"):
        assert key in found[0]
    # the sentence quotes the English label instead of weaving it into French
    said = [text for text, _ in maps.unit_sentences(result, "ML0602", "fr")]
    assert not any(s.startswith(("Moins d", "Plus d")) and "ecurity" in s for s in said)
    assert any(s.startswith("Security incidents, 2017 : ") and "la moyenne de la région" in s for s in said)


def test_robust_reads_as_what_it_means() -> None:
    assert t("robust_in", "en", k=3) == "in the top 3 whatever the weights"
    assert t("not_robust", "fr", k=3) == "parmi les 3 premières ou non selon les poids"
    assert "robust" not in t("robust_def", "en", k=3, draws="1,000", hi="90%", lo="10%").lower()


def test_views_and_eligibility_in_the_payload(grid_cfg: dict, tmp_path: Path) -> None:
    """The similarity view is named by the unit's name; the page gets only the rules' part of
    eligibility, so a unit without a score at the config's weights is still rankable."""
    demo = nexus_zones.run(REPO / "configs" / "demo.yaml", write=False)
    data = maps.page_data(demo, "en")
    labels = [v["label"] for v in data["views"]]
    assert "Units like Diré" in labels and not any("ML0602" in label for label in labels)
    cfg = copy.deepcopy(grid_cfg)
    cfg["model"] = {"failing_units": "exclude"}
    cfg["indicators"]["police"] = {"measure": "forces.police", "direction": "benefit", "weight": 1}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    units = maps.page_data(result, "en")["units"]
    eligible = dict(zip(units["id"], units["eligible"]))
    assert eligible == result.scored.rules_passed.all(axis=1).to_dict()


# ------------------------------------------------------------------------ hostile catalogue: language


def _cli_demo(tmp_path: Path, change, name: str) -> tuple[int, pd.DataFrame, str]:
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
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


@pytest.mark.parametrize(
    "change, keys",
    [(_only_en, ["indicators.incidents.label", "indicators.health_facilities.label"]), (_title_without_fr, ["study.title", "study.note"])],
    ids=["plain-english-labels", "title-and-note-without-fr"],
)
def test_cli_french_run_with_english_texts_warns(tmp_path: Path, capsys, change, keys) -> None:
    clean_code, clean, _ = _cli_demo(tmp_path, lambda c: c.__setitem__("language", "fr"), "clean")
    assert clean_code == 0 and "LanguageWarning" not in capsys.readouterr().err  # the demo's texts are all in French too
    code, table, path = _cli_demo(tmp_path, change, "hostile")
    err = capsys.readouterr().err
    assert code == 0
    assert "LanguageWarning" in err and f"{path}: language is 'fr'" in err and "Fix: give each as {fr: ..., en: ...}" in err
    for key in keys:
        assert key in err
    pd.testing.assert_frame_equal(table[["unit_id", "score", "rank"]], clean[["unit_id", "score", "rank"]])  # numbers unchanged


# ------------------------------------------------------------------------ the real cercles in Chromium

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    data = require_real_data()
    return nexus_zones.run(REPO / "configs" / "mali_2017.yaml", data_dir=data, out_dir=tmp_path_factory.mktemp("real"))


@pytest.fixture
def laptop(chromium) -> Iterator:
    from .test_browser import PageLog

    context = chromium.new_context(viewport=LAPTOP)
    pg = context.new_page()
    log = PageLog()
    pg.route("**/*", log.on_route)
    pg.on("console", log.on_console)
    pg.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    yield pg, log
    context.close()


@pytest.fixture(scope="module")
def chromium():
    from .test_browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing; the browser tests need Debian's chromium. Fix: bash scripts/setup.sh --test", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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


def _open(pg, path: Path) -> None:
    pg.goto(Path(path).resolve().as_uri())
    pg.wait_for_selector("path.leaflet-interactive")
    pg.wait_for_selector("div.nz-legend[data-view]")


def _centres(result: RunResult) -> list[list]:
    return [[uid, *shapely.get_coordinates(g.representative_point())[0].tolist()] for uid, g in result.scores.geometry.items()]


@pytest.mark.browser
def test_real_first_view_keeps_every_unit_clear_of_the_controls(laptop, real: RunResult) -> None:
    pg, log = laptop
    _open(pg, real.paths["map"])
    assert pg.locator(".leaflet-control-layers-expanded").count() == 0  # the list of views opens on demand
    hits = pg.evaluate(_UNDER_CONTROL, _centres(real))
    assert len(hits) == len(real.scores) == 50
    assert [h for h in hits if h[1] is not None or not h[2]] == []  # every centre on screen, none under a control
    from .test_browser import assert_clean

    assert_clean(log)


_POPUP_SWEEP = """async (points) => {
  const z = window.nexusZones, map = z.map, start = [map.getCenter(), map.getZoom()], out = [];
  const settle = () => new Promise(done => {
    const check = () => (map._panAnim && map._panAnim._inProgress) ? setTimeout(check, 20) : requestAnimationFrame(() => done());
    setTimeout(check, 20);
  });
  for (const [id, lng, lat] of points) {
    map.setView(start[0], start[1], {animate: false});
    const layer = z.geo.getLayers().find(l => l.feature.id === id);
    layer.openPopup([lat, lng]);  // where a click on the unit's centre opens it
    await settle();
    const b = document.querySelector('.leaflet-popup-close-button'), r = b.getBoundingClientRect();
    const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const title = document.querySelector('.nz-popup h4').textContent;
    out.push([id, el === b || b.contains(el) ? null : (el ? (el.closest('.leaflet-control') || el).className : 'off the page'), title]);
    map.closePopup();
  }
  map.setView(start[0], start[1], {animate: false});
  return out;
}"""


@pytest.mark.browser
def test_real_every_popup_close_button_is_on_top(laptop, real: RunResult) -> None:
    """Open each of the 50 cercles' popups at its centre from the first view (as a click there
    does); once the popup has panned into place its close button is the topmost element where it
    is drawn (no control covers it). One click checks that a real click takes the same path."""
    from .test_browser import assert_clean, screen_point

    pg, log = laptop
    _open(pg, real.paths["map"])
    swept = pg.evaluate(_POPUP_SWEEP, _centres(real))
    assert len(swept) == 50
    assert [(uid, hit) for uid, hit, _ in swept if hit is not None] == []
    assert [title.startswith(real.scores.at[uid, "name"]) for uid, _, title in swept] == [True] * 50
    top = real.scores.index[0]
    x, y = screen_point(pg, top, real.scores.geometry[top])
    pg.mouse.click(x, y)
    pg.wait_for_selector(".leaflet-popup-close-button")
    pg.wait_for_timeout(400)  # the pan animation (0.25 s)
    assert pg.evaluate("""() => { const b = document.querySelector('.leaflet-popup-close-button'), r = b.getBoundingClientRect();
                              const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return b.contains(el) || [el && el.className, r.top, r.left]; }""") is True
    assert_clean(log)


@pytest.mark.browser
def test_real_labels_never_overlap(laptop, real: RunResult) -> None:
    pg, log = laptop
    _open(pg, real.paths["map"])
    first = pg.evaluate(_OVERLAPS)
    assert first["pairs"] == []
    # the top-ranked unit's name goes before every other (the top k's, then the regions', then the rest)
    assert real.scores["name"].iloc[0] in first["shown"] and int(real.scores["rank"].iloc[0]) == 1
    hidden = set(real.scores["name"]) - set(first["shown"])
    assert hidden  # 50 names do not all fit at 1366×768: some wait for a zoom
    # zoom in on the crowded south: more names, still no overlap
    pg.evaluate("() => window.nexusZones.map.setView([13.5, -6.5], window.nexusZones.map.getZoom() + 2, {animate: false})")
    pg.wait_for_timeout(50)
    zoomed = pg.evaluate(_OVERLAPS)
    assert zoomed["pairs"] == [] and hidden & set(zoomed["shown"])
    # back out, then hover a unit whose name was hidden: it shows, and the others give way
    pg.evaluate("() => window.nexusZones.map.setZoom(window.nexusZones.map.getZoom() - 2, {animate: false})")
    pg.wait_for_timeout(50)
    back = pg.evaluate(_OVERLAPS)
    assert back["pairs"] == []
    from .test_browser import assert_clean, screen_point

    name = sorted(set(real.scores["name"]) - set(back["shown"]))[0]
    uid = real.scores.index[real.scores["name"] == name][0]
    x, y = screen_point(pg, uid, real.scores.geometry[uid])
    pg.mouse.move(x, y)
    hovered = pg.evaluate(_OVERLAPS)
    assert name in hovered["shown"] and hovered["pairs"] == []
    assert_clean(log)


@pytest.mark.browser
def test_real_french_page_has_no_english_text_without_the_warning(laptop, real: RunResult, tmp_path: Path) -> None:
    """The real config in French: its English labels come with a LanguageWarning naming each one;
    with French labels added there is no warning and no English label anywhere on the page."""
    from .test_browser import assert_clean

    pg, log = laptop
    data = yaml.safe_load((REPO / "configs" / "mali_2017.yaml").read_text(encoding="utf-8"))
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
    for word in ("Unit names", "Rank band", "whatever the weights", "Security incidents", "Region outlines"):
        assert word not in text
    assert_clean(log)


def _page_text(pg) -> str:
    """Everything a reader can see or open: the page's text, the layer control's labels, every
    legend and every popup (as the page writes them)."""
    return pg.evaluate("""() => {
      const z = window.nexusZones;
      const popups = z.units.map((u, i) => z.popupBody(i)).join(' ');
      const legends = z.data.views.map(v => v.label + ' ' + v.legend).join(' ');
      const div = document.createElement('div'); div.innerHTML = popups + ' ' + legends;
      return document.body.innerText + ' ' + document.querySelector('.leaflet-control-layers').innerText + ' ' + div.innerText
        + ' ' + JSON.stringify(z.data.text);
    }""")


def test_real_brief_png_labels_never_overlap(real: RunResult, tmp_path: Path) -> None:
    """The brief's map: names placed greedily by rank, none overlapping another (boxes compared
    here, independently), the top-ranked unit's name shown, and some names left out at this size."""
    from nexus_zones.report import brief_map_png

    drawn = brief_map_png(real, tmp_path / "map.png")
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    boxes = [box for _, box in drawn["shown"]]
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert overlapping == []
    assert len(drawn["shown"]) + len(drawn["hidden"]) == 50 and drawn["hidden"]
    top = real.scores.iloc[0]
    assert f"{top['name']} (1)" in [text for text, _ in drawn["shown"]]


@pytest.mark.browser
def test_weight_zero_ranks_a_unit_missing_that_indicator_as_rescore(laptop, grid_cfg: dict, grid_files: dict, tmp_path: Path) -> None:
    """B2 has no 'closed' value, so no score at the config's weights; once the slider sets that
    weight to 0 the page ranks B2 exactly as RunResult.rescore does (the page gets the rules'
    part of eligibility, not the model's, which already left B2 out)."""
    from .test_browser import _assert_page_equals_python, _move_slider, _page_state, assert_clean

    pg, log = laptop
    forces = pd.read_csv(grid_files["forces"], dtype=str)
    forces.loc[forces["pcode"] == "B2", "closed"] = ""
    forces.to_csv(grid_files["forces"], index=False)
    result = nexus_zones.run(config_from_mapping(grid_cfg), out_dir=tmp_path / "out")
    assert pd.isna(result.scores.at["B2", "score"]) and pd.isna(result.scores.at["B2", "rank"])
    _open(pg, result.paths["map"])
    _assert_page_equals_python(_page_state(pg), result)
    assert _move_slider(pg, "closed", 0) == 0.0
    python = result.rescore({"closed": 0})
    assert not pd.isna(python.scores.at["B2", "rank"])  # rescore ranks B2 once 'closed' does not count
    _assert_page_equals_python(_page_state(pg), python)
    # a line now says which parts are at the config's weights, in the legend of a weight-dependent view
    expect_note = pg.locator(".nz-legend .nz-config-note")
    assert expect_note.count() == 0  # the score view's legend does not depend on the weights
    pg.locator(".leaflet-control-layers").hover()
    pg.locator(".leaflet-control-layers-base label").nth(1).click()
    assert pg.locator(".nz-legend .nz-config-note").count() == 1
    pg.evaluate("() => window.nexusZones.geo.getLayers()[0].openPopup()")  # and in every popup
    assert pg.locator(".leaflet-popup .nz-config-note").count() == 1
    pg.locator("button.nz-reset").click()  # back at the config's weights: the popup follows, the line goes
    assert pg.locator(".leaflet-popup .nz-config-note").count() == 0 and pg.locator(".nz-legend .nz-config-note").count() == 0
    assert_clean(log)
