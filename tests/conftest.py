"""Tiny hand-checkable fixtures.

The *grid*: four 1°×1° units tiling the square (0, 0)–(2, 2)::

        y=2 +------+------+
            |  A1  |  A2  |      region North: A1, A2
        y=1 +------+------+
            |  B1  |  B2  |      region South: B1, B2
        y=0 +------+------+
           x=0    x=1    x=2

Events (ACLED columns): two in A1, one in A2, one on the A1/A2 shared edge (x=1, y=1.5; it goes to
A1, the first id), one in B1 dated outside 2017, one protest in B2, and one outside every unit.
So in 2017, violent types only: A1 = 3, A2 = 1, B1 = 0, B2 = 0; 1 event outside.
"""

from __future__ import annotations

import copy
import shutil
import json
import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, settings
from shapely.geometry import box

# Property tests explore new examples in development and replay a fixed set in CI: on CI (or with
# HYPOTHESIS_PROFILE=ci) every draw is derived from the test's name and no example database is read or
# written, so the suite's outcome never depends on chance. A failure found while exploring becomes a
# plain regression test.
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parent.parent
REAL_DATA = Path(os.environ.get("NEXUS_ZONES_REAL_DATA", REPO.parent / "shared" / "data" / "real"))

UNITS = [
    ("A1", "Alpha One", "North", box(0, 1, 1, 2)),
    ("A2", "Alpha Two", "North", box(1, 1, 2, 2)),
    ("B1", "Bravo One", "South", box(0, 0, 1, 1)),
    ("B2", "Bravo Two", "South", box(1, 0, 2, 1)),
]

EVENTS = [
    # event_date, event_type, latitude, longitude, fatalities
    ("2017-03-01", "Battles", 1.5, 0.5, 2),  # A1
    ("14 June 2017", "Violence against civilians", 1.2, 0.2, 1),  # A1, ACLED's older date format
    ("2017-07-01", "Battles", 1.5, 1.5, 0),  # A2
    ("2017-08-01", "Explosions/Remote violence", 1.5, 1.0, 4),  # on the A1/A2 edge -> A1
    ("2016-12-31", "Battles", 0.5, 0.5, 3),  # B1 but outside the 2017 window
    ("2017-09-09", "Protests", 0.5, 1.5, 0),  # B2 but not a violent type
    ("2017-10-10", "Battles", 5.0, 5.0, 9),  # outside every unit
]
VIOLENT = ["Battles", "Explosions/Remote violence", "Violence against civilians"]


def grid_units() -> gpd.GeoDataFrame:
    """The four grid units as the boundaries stage returns them."""
    return gpd.GeoDataFrame(
        {"name": [u[1] for u in UNITS], "region": [u[2] for u in UNITS]},
        geometry=[u[3] for u in UNITS],
        index=pd.Index([u[0] for u in UNITS], name="unit_id", dtype=object),
        crs="EPSG:4326",
    )


def write_grid_files(folder: Path) -> dict[str, Path]:
    """Write the grid's boundaries and layers as files an analyst would have."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    features = [
        {"type": "Feature", "properties": {"pcode": uid, "name": name, "region": region},
         "geometry": json.loads(gpd.GeoSeries([geom]).to_json())["features"][0]["geometry"]}
        for uid, name, region, geom in UNITS
    ]
    paths["boundaries"] = folder / "units.geojson"
    paths["boundaries"].write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    paths["events"] = folder / "events.csv"
    pd.DataFrame(
        [{"event_date": d, "event_type": t, "latitude": lat, "longitude": lon, "fatalities": f} for d, t, lat, lon, f in EVENTS]
    ).to_csv(paths["events"], index=False)
    paths["services"] = folder / "services.csv"
    pd.DataFrame(
        [
            {"category": "Health", "latitude": 1.5, "longitude": 0.5},
            {"category": "Health", "latitude": 1.5, "longitude": 1.5},
            {"category": "School", "latitude": 0.5, "longitude": 0.5},
            {"category": "Health", "latitude": 0.5, "longitude": 1.5},
            {"category": "School", "latitude": 0.6, "longitude": 1.6},
        ]
    ).to_csv(paths["services"], index=False)
    paths["forces"] = folder / "forces.csv"
    pd.DataFrame(
        {"pcode": ["A1", "A2", "B1", "B2"], "police": ["oui", "non", "oui", "yes"], "closed": ["0", "2", "1", "0"]}
    ).to_csv(paths["forces"], index=False)
    paths["actors"] = folder / "3w.csv"
    pd.DataFrame(
        {
            "org": ["WFP", "UNDP", "WFP", "NRC", "GIZ", "WFP"],
            "type": ["Humanitarian", "Development", "Humanitarian", "Humanitaire", "Développement", "Humanitarian"],
            "pcode": ["A1", "A1", "A2", "A2", "B1", "A1"],
        }
    ).to_csv(paths["actors"], index=False)
    return paths


def grid_config(paths: dict[str, Path]) -> dict[str, Any]:
    """A config (as a mapping) for the grid study."""
    return {
        "study": {
            "name": "grid",
            "title": "Grid study",
            "boundaries": {"path": str(paths["boundaries"]), "id_column": "pcode", "name_column": "name", "region_column": "region"},
        },
        "layers": {
            "events": {"kind": "points", "path": str(paths["events"]), "start": "2017-01-01", "end": "2017-12-31", "types": list(VIOLENT)},
            "services": {"kind": "points", "path": str(paths["services"]), "category_column": "category"},
            "forces": {"kind": "table", "path": str(paths["forces"]), "unit_column": "pcode", "columns": ["police", "closed"]},
            "actors": {"kind": "actors", "path": str(paths["actors"]), "unit_column": "pcode", "organisation_column": "org", "type_column": "type"},
        },
        "indicators": {
            "incidents": {"measure": "events.count", "direction": "cost", "weight": 2},
            "health": {"measure": "services.health", "direction": "benefit", "weight": 1},
            "closed": {"measure": "forces.closed", "direction": "cost", "normalisation": "goalposts", "goalposts": [0, 4], "weight": 1},
        },
        "rules": {"few_incidents": "incidents <= 1", "police": "forces.police", "both": "actors.both"},
    }


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


DEMO = REPO / "data" / "demo"


def demo_mapping(data: Path = DEMO, *, draws: int = 20) -> dict[str, Any]:
    """configs/demo.yaml as a mapping, its files read from ``data`` (absolute paths), with fewer
    robustness draws (the tests of inputs need the counts and scores, not the draws)."""
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["study"]["boundaries"]["path"] = str(data / "cercles.geojson")
    for spec in cfg["layers"].values():
        spec["path"] = str(data / Path(spec["path"]).name)
    cfg["robustness"]["draws"] = draws
    return cfg


def copy_demo(folder: Path, *, draws: int = 20) -> tuple[dict[str, Any], Path]:
    """A copy of the demo files in ``folder/demo`` (to spoil) and the demo config reading them."""
    data = folder / "demo"
    shutil.copytree(DEMO, data)
    return demo_mapping(data, draws=draws), data


def run_cli(cfg: dict[str, Any], folder: Path, capsys, *extra: str) -> tuple[int, str, Path]:
    """Write ``cfg`` to ``folder/config.yaml`` and run ``nexus-zones run`` on it into ``folder/out``.

    Whatever the input, no traceback reaches the user and the exit code is never 3 (internal
    error); a refused run (exit 2) leaves nothing half-written."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = folder / "out"
    from nexus_zones import cli

    code = cli.main(["run", str(config), "--out", str(out), *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out and "internal error" not in captured.err, captured.err
    assert code in (0, 2), captured.err
    if code == 2:
        assert not out.exists() or not any(out.iterdir())  # nothing half-written
    return code, captured.err, out


def scores_table(out: Path, name: str = "demo") -> pd.DataFrame:
    """A run's scores table indexed by unit."""
    return pd.read_csv(out / f"{name}_scores.csv").set_index("unit_id").sort_index()


def require_real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data folder {REAL_DATA} is absent (set NEXUS_ZONES_REAL_DATA or place ../shared beside the repository)")
    return REAL_DATA
