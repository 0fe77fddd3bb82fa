"""Fixtures shared by the test modules, each defined once (helpers and constants: :mod:`tests._support`,
re-exported here for the modules that import them from conftest).

The grid fixtures (``grid_files``, ``grid_cfg``) are described in :mod:`tests._support`; the browser
fixtures (``chromium``, ``page``) drive Debian's headless Chromium; ``real`` is the real-data folder
(the test is skipped without it).

Whole runs that many tests only read are made once per session (under pytest-xdist by the first worker
that needs one, the others reading it: :func:`_run_once`):
``demo_result`` (configs/demo.yaml), ``demo_fr_result`` (the same in French, few draws), ``hostile_demo_result``
(markup in its labels), ``mali_2017_result`` and ``north_centre_result`` (the real studies), ``inform_result``
(configs/inform_style_example.yaml, not written); their outputs live in folders of ``tmp_path_factory`` and are never written to by a test.
One Chromium per session (``chromium``) serves every browser test, each in a new context and page.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import logging
import os
import pickle
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, settings
from playwright.sync_api import Browser, Page, sync_playwright

import nexus_zones
from nexus_zones.config import config_from_mapping

from ._support import _hostile_demo, build_downloads, fewer_draws
from ._support import (  # noqa: F401 - the helpers, re-exported for `from .conftest import ...`
    CHROMIUM, CHROMIUM_ARGS, DEMO, EVENTS, LAPTOP, NORTH_CENTRE, PageLog, REAL_DATA, REPO, UNITS, VIEWPORT,
    VIOLENT, _demo_mapping, acled_2025, codab, copy_demo, demo_mapping, dtm_v3, grid_config,
    grid_units, hapi_conflict, hapi_food, hapi_idps, hapi_presence, require_real_data, run_cli,
    scores_table, write_grid_files,
)

# Property tests explore new examples in development and replay a fixed set in CI: on CI (or with
# HYPOTHESIS_PROFILE=ci) every draw is derived from the test's name and no example database is read or
# written, so the suite's outcome never depends on chance. A failure found while exploring becomes a
# plain regression test.
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _restore_logger():
    """The CLI sets up the package's logger; each test gets it back as it was."""
    logger = logging.getLogger("nexus_zones")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    yield
    logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


@pytest.fixture
def grid_files(tmp_path: Path) -> dict[str, Path]:
    return write_grid_files(tmp_path / "inputs")


@pytest.fixture
def grid_cfg(grid_files: dict[str, Path]) -> dict[str, Any]:
    return grid_config(grid_files)


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a config mapping as YAML and return its path."""

    def write(data: dict[str, Any], name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(copy.deepcopy(data), allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def demo_config() -> Path:
    return REPO / "configs" / "demo.yaml"


@pytest.fixture(scope="module")
def downloads(real, tmp_path_factory) -> Path:
    """A folder of files named and shaped as published, built from the real files."""
    return build_downloads(real, tmp_path_factory.mktemp("downloads"))


def _run_once(tmp_path_factory, name: str, run: Callable[[Path], Any]) -> Any:
    """``run(folder)`` once for the whole session, not once per pytest-xdist worker: the first worker to
    ask runs it into ``name``, a folder of the session that every worker sees, and leaves the result
    pickled beside it; a worker asking meanwhile waits on a lock (of the file, not a clock), then reads
    it. Each worker gets its own copy, as each had its own run (the same config, the same seed); the
    outputs are read, never written to. Without xdist: a plain run into a folder of ``tmp_path_factory``."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return run(tmp_path_factory.mktemp(name))
    root = tmp_path_factory.getbasetemp().parent  # the session's folder, above each worker's own
    done = root / f"{name}.pickle"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the run fails or skips
        if done.is_file():
            return pickle.loads(done.read_bytes())
        result = run(root / name)
        part = root / f"{name}.pickle.part"
        part.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        part.replace(done)
        return result


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture(scope="session")
def _demo_run(tmp_path_factory) -> tuple:
    """configs/demo.yaml run once (into a folder of its own, :func:`_run_once`) and the digests of data/demo's
    files just before and just after that run."""

    def run(out: Path) -> tuple:
        before = _digests(DEMO)
        result = nexus_zones.run(REPO / "configs" / "demo.yaml", out_dir=out)
        return result, before, _digests(DEMO)

    return _run_once(tmp_path_factory, "demo", run)


@pytest.fixture(scope="session")
def demo_result(_demo_run):
    """The bundled demo (configs/demo.yaml as published), run once: tests read it, never change it."""
    return _demo_run[0]


@pytest.fixture(scope="session")
def demo_inputs_digests(_demo_run) -> tuple[dict[str, str], dict[str, str]]:
    """The digests of data/demo's files (by name) before and after the run of :func:`demo_result`."""
    return _demo_run[1], _demo_run[2]


@pytest.fixture(scope="session")
def demo_fr_result(tmp_path_factory):
    """configs/demo.yaml in French with few decision and data-uncertainty draws (:func:`fewer_draws`), run
    once (the page in French as Python writes it, and as Chromium shows it): read only."""
    cfg = fewer_draws(yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8")))
    cfg["language"] = "fr"
    return _run_once(tmp_path_factory, "demo_fr", lambda out: nexus_zones.run(config_from_mapping(cfg, base_dir=REPO / "configs"), out_dir=out))


@pytest.fixture(scope="session")
def mali_2017_result(tmp_path_factory):
    """The real 2017 study (configs/mali_2017.yaml over ../shared/data/real), run once: read only."""
    real = require_real_data()
    return _run_once(tmp_path_factory, "mali_2017", lambda out: nexus_zones.run(REPO / "configs" / "mali_2017.yaml", data_dir=real, out_dir=out))


@pytest.fixture(scope="session")
def north_centre_result(tmp_path_factory):
    """The real north–centre study 2016–2019 (configs/mali_north_centre_2016_2019.yaml), run once: read only."""
    real = require_real_data()
    return _run_once(tmp_path_factory, "north_centre", lambda out: nexus_zones.run(NORTH_CENTRE, data_dir=real, out_dir=out))


@pytest.fixture(scope="session")
def hostile_demo_result(tmp_path_factory):
    """The demo with markup and braces in an indicator's label and a rule's label (:func:`_hostile_demo`, few
    draws), run once: read only."""
    return _run_once(tmp_path_factory, "hostile_demo", _hostile_demo)


@pytest.fixture(scope="session")
def inform_result(tmp_path_factory):
    """configs/inform_style_example.yaml (a tree of four levels), computed once (not written): read only."""

    def compute(_folder: Path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", nexus_zones.errors.NexusZonesWarning)
            return nexus_zones.run(REPO / "configs" / "inform_style_example.yaml", write=False)

    return _run_once(tmp_path_factory, "inform", compute)


@pytest.fixture
def three_years(tmp_path: Path) -> Path:
    """The demo over 2017, 2018 and 2019: 2019's incidents are 2017's moved two years on (the same
    raw values), 2018 has every other 2017 incident."""
    events = pd.read_csv(DEMO / "incidents.csv")
    events = events[pd.to_datetime(events["event_date"]).dt.year == 2017]
    dates = pd.to_datetime(events["event_date"])
    y2019 = events.assign(event_date=(dates + pd.DateOffset(years=2)).dt.strftime("%Y-%m-%d"), event_id_cnty=events["event_id_cnty"] + "_19")
    y2018 = events.iloc[::2].assign(event_date=(dates.iloc[::2] + pd.DateOffset(years=1)).dt.strftime("%Y-%m-%d"),
                                    event_id_cnty=events["event_id_cnty"].iloc[::2] + "_18")
    path = tmp_path / "incidents_2017_2019.csv"
    pd.concat([events, y2018, y2019]).to_csv(path, index=False)
    data = _demo_mapping()
    data["layers"]["incidents"]["path"] = str(path)
    for name, spec in data["layers"].items():  # the other dated layer: the same rows in every year
        if spec["kind"] == "points" and "start" in spec and name != "incidents":
            col = spec.get("date_column", "event_date")
            frame = pd.read_csv(spec["path"])
            frame = frame[pd.to_datetime(frame[col]).dt.year == 2017]
            d = pd.to_datetime(frame[col])
            copies = [frame] + [frame.assign(**{col: (d + pd.DateOffset(years=k)).dt.strftime("%Y-%m-%d")}) for k in (1, 2)]
            if "event_id_cnty" in frame.columns:
                copies = [c.assign(event_id_cnty=c["event_id_cnty"] + f"_{k}") for k, c in enumerate(copies)]
            out = tmp_path / f"{name}_2017_2019.csv"
            pd.concat(copies).to_csv(out, index=False)
            spec["path"] = str(out)
    data["periods"] = [2017, 2018, 2019]
    cfg = tmp_path / "three_years.yaml"
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cfg


@pytest.fixture
def laptop(chromium) -> Iterator:
    """A fresh page at a laptop's 1366×768, recorded as :func:`page` records."""
    context, pg, log = _recorded_page(chromium, LAPTOP)
    yield pg, log
    context.close()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's headless chromium driven by Playwright (one per session; each test opens its own context)."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing; the browser tests need Debian's chromium. Fix: bash scripts/setup.sh --test",
            pytrace=False,
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[tuple[Page, PageLog]]:
    """A fresh page (1200×800) with the network cut and everything it reports recorded."""
    context, pg, log = _recorded_page(chromium, VIEWPORT)
    yield pg, log
    context.close()


def _recorded_page(chromium: Browser, viewport: dict) -> tuple:
    """A new context and page of ``viewport``: the network cut, its console, errors and dialogs recorded."""
    from ._support import PageLog

    context = chromium.new_context(viewport=viewport)
    pg = context.new_page()
    log = PageLog()
    pg.route("**/*", log.on_route)
    pg.on("console", log.on_console)
    pg.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    pg.on("dialog", lambda d: (log.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
    return context, pg, log


@pytest.fixture(scope="module")
def real():
    return require_real_data()
