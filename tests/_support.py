"""Helpers and constants shared by the test modules, each defined once (the fixtures are in conftest).

Tiny hand-checkable inputs.

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

import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml
from playwright.sync_api import ConsoleMessage, expect, Locator, Page, Route
from shapely.geometry import box, Point

import nexus_zones
from nexus_zones import cli
from nexus_zones.cli import main
from nexus_zones.config import config_from_mapping, load_config
from nexus_zones.errors import ConfigError
from nexus_zones.messages import t
from nexus_zones.result import RunResult
from nexus_zones.layers import points as points_mod

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


DEMO = REPO / "data" / "demo"


#: Draws of the decision and data-uncertainty analyses in the configs of tests about inputs: each draw
#: of the data uncertainty is a whole scoring (40 of them are four fifths of a demo run), and those tests
#: check counts, scores and messages, not the draws (tests/test_uncertainty.py and the shared demo run
#: check the analyses at the published draws).
FEW_DECISION_DRAWS, FEW_UNCERTAINTY_DRAWS = 100, 4


def fewer_draws(cfg: dict[str, Any], robustness: int | None = None) -> dict[str, Any]:
    """``cfg`` (a config mapping, changed in place and returned) with ``robustness`` robustness draws (the
    config's if ``None``) and few decision and data-uncertainty draws (:data:`FEW_DECISION_DRAWS`,
    :data:`FEW_UNCERTAINTY_DRAWS`)."""
    if robustness is not None:
        cfg["robustness"]["draws"] = robustness
    if "decision" in cfg:
        cfg["decision"]["draws"] = FEW_DECISION_DRAWS
    if "data_uncertainty" in cfg:
        cfg["data_uncertainty"]["draws"] = FEW_UNCERTAINTY_DRAWS
    return cfg


#: The config's sections of the analyses that run beside the score only because the config asks for them.
OPTIONAL_ANALYSES = ("typology", "decision", "pilots", "stakeholders", "data_uncertainty")


def without_analyses(cfg: dict[str, Any]) -> dict[str, Any]:
    """``cfg`` (a config mapping, changed in place and returned) without the sections of
    :data:`OPTIONAL_ANALYSES`: for a test that reads what they never change (a title's note, the
    ranking panel's columns, the points of each period): the demo then runs in under half the time."""
    for key in OPTIONAL_ANALYSES:
        cfg.pop(key, None)
    return cfg


def demo_mapping(data: Path = DEMO, *, draws: int = 20) -> dict[str, Any]:
    """configs/demo.yaml as a mapping, its files read from ``data`` (absolute paths), with fewer
    draws (:func:`fewer_draws`: the tests of inputs need the counts and scores, not the draws)."""
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["study"]["boundaries"]["path"] = str(data / "cercles.geojson")
    for spec in cfg["layers"].values():
        spec["path"] = str(data / Path(spec["path"]).name)
    return fewer_draws(cfg, draws)


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


# ------------------------------------------------------------------------------------ aggregate


def _grid_points(grid_files):
    return points_mod.read_points(grid_files["events"], date_column="event_date", type_column="event_type")


def _all_units():
    return pd.DataFrame(grid_units()[["name", "region"]])


# ------------------------------------------------------------------------------------ reconcile

NAMED_UNITS = pd.DataFrame(
    {"name": ["Diré", "Gourma-Rharous", "Niafunké", "Bourem", "Bourem"], "region": ["Tombouctou", "Tombouctou", "Tombouctou", "Gao", "Kidal"]},
    index=pd.Index(["ML0602", "ML0604", "ML0605", "ML0702", "ML0899"], name="unit_id"),
)
ACLED_2025 = ("event_id_cnty, event_date, year, time_precision, disorder_type, event_type, sub_event_type, actor1, assoc_actor_1, inter1, "
              "actor2, assoc_actor_2, inter2, interaction, civilian_targeting, iso, region, country, admin1, admin2, admin3, location, "
              "latitude, longitude, geo_precision, source, source_scale, notes, fatalities, tags, timestamp").split(", ")
PUBLISHED = REPO / "configs" / "published"


# ------------------------------------------------------------------------------ builders (real -> published shapes)


def _cercles(real: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(real / "mali_adm2_cercles_ocha_cod_2015.geojson")


def codab(real: Path, generation: str) -> gpd.GeoDataFrame:
    """The 2015 cercles renamed to another naming generation (values unchanged)."""
    c = _cercles(real)
    if generation == "itos":
        return gpd.GeoDataFrame({"ADM2_PCODE": c["admin2Pcod"], "ADM2_FR": c["admin2Name"], "ADM2_REF": c["admin2RefN"], "ADM1_PCODE": c["admin1Pcod"],
                                 "ADM1_FR": c["admin1Name"], "ADM0_FR": c["admin0Name"], "ADM0_PCODE": c["admin0Pcod"], "validOn": c["validOn"]},
                                geometry=c.geometry, crs=c.crs)
    if generation == "2025":
        return gpd.GeoDataFrame({"iso2": "ML", "iso3": "MLI", "adm0_pcode": c["admin0Pcod"], "adm0_name": c["admin0Name"], "adm1_pcode": c["admin1Pcod"],
                                 "adm1_name": c["admin1Name"], "adm2_pcode": c["admin2Pcod"], "adm2_name": c["admin2Name"], "lang": "fr",
                                 "version": "v02", "valid_on": "2025-03-01", "valid_to": None, "area_sqkm": 1.0},
                                geometry=c.geometry, crs=c.crs)
    if generation == "geoboundaries":
        return gpd.GeoDataFrame({"shapeName": c["admin2Name"], "shapeISO": "", "shapeID": "MLI-ADM2-" + c["admin2Pcod"], "shapeGroup": "MLI", "shapeType": "ADM2"},
                                geometry=c.geometry, crs=c.crs)
    if generation == "gadm":
        return gpd.GeoDataFrame({"GID_0": "MLI", "NAME_0": "Mali", "GID_1": "MLI." + c["admin1Pcod"].str[2:] + "_1", "NAME_1": c["admin1Name"],
                                 "GID_2": "MLI." + c["admin2Pcod"].str[2:4] + "." + c["admin2Pcod"].str[4:] + "_1", "NAME_2": c["admin2Name"]},
                                geometry=c.geometry, crs=c.crs)
    raise KeyError(generation)


def acled_2025(real: Path) -> pd.DataFrame:
    """The real 2020 HDX export in the 31 columns of a 2025 export (new columns derived from event_type)."""
    a = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv", dtype=str, keep_default_na=False)
    a["disorder_type"] = np.where(a["event_type"] == "Protests", "Demonstrations",
                                  np.where(a["event_type"] == "Strategic developments", "Strategic developments", "Political violence"))
    a["civilian_targeting"] = np.where(a["event_type"] == "Violence against civilians", "Civilian targeting", "")
    a["tags"] = ""
    return a[ACLED_2025]


def _month_start(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("M").dt.start_time.dt.strftime("%Y-%m-%d")


def hapi_conflict(real: Path) -> pd.DataFrame:
    """HAPI conflict-event rows (unit x month x event type) from the events joined to the 2015 P-codes."""
    e = pd.read_csv(real / "acled_mali_events_joined_to_cod2015.csv", dtype={"acled_adm2_cod_pcode": str})
    e = e[e["acled_adm2_cod_pcode"].notna()].assign(month=lambda f: _month_start(f["event_date"]))
    kinds = {"political_violence": e["event_type"].isin(VIOLENT + ["Riots"]), "civilian_targeting": e["event_type"] == "Violence against civilians",
             "demonstration": e["event_type"] == "Protests"}
    rows = []
    for kind, mask in kinds.items():
        g = e[mask].groupby(["acled_adm2_cod_pcode", "admin1", "admin2", "month"]).agg(events=("event_id_cnty", "size"), fatalities=("fatalities", "sum")).reset_index()
        g["event_type"] = kind
        rows.append(g)
    g = pd.concat(rows, ignore_index=True)
    end = (pd.to_datetime(g["month"]) + pd.offsets.MonthEnd(0)).dt.strftime("%Y-%m-%d")
    return pd.DataFrame({"location_code": "MLI", "location_name": "Mali", "admin1_code": g["acled_adm2_cod_pcode"].str[:4], "admin1_name": g["admin1"],
                         "provider_admin1_name": g["admin1"], "admin2_code": g["acled_adm2_cod_pcode"], "admin2_name": g["admin2"],
                         "provider_admin2_name": g["admin2"], "admin_level": 2, "event_type": g["event_type"], "events": g["events"],
                         "fatalities": np.where(g["event_type"] == "demonstration", "", g["fatalities"].astype(str)),
                         "reference_period_start": g["month"], "reference_period_end": end, "resource_hdx_id": "x"})


def _ch(real: Path) -> pd.DataFrame:
    return pd.read_csv(real / "cadre_harmonise_mali_cercles_2014-2020.csv", dtype=str, keep_default_na=False)


def hapi_food(real: Path) -> pd.DataFrame:
    """HAPI food-security rows (unit x phase x type x period) from the Cadre Harmonisé file."""
    ch = _ch(real)
    month = {"Jan": "01", "Jun": "06", "Sep": "09"}
    start = ch["reference_year"] + "-" + ch["reference_label"].str[:3].map(month) + "-01"
    rows = []
    for phase, col in [*((str(p), f"phase{p}") for p in range(1, 6)), ("3+", "phase35"), ("all", "population")]:
        rows.append(pd.DataFrame({"ipc_phase": phase, "ipc_type": ch["chtype"].map({"current": "current", "projected": "first projection"}),
                                  "population_in_phase": ch[col], "population_fraction_in_phase": "", "reference_period_start": start,
                                  "reference_period_end": start, "code": ch["cod2015_adm2_pcode"], "name": ch["adm2_name"], "region": ch["adm1_name"]}))
    r = pd.concat(rows, ignore_index=True)
    cod_names = dict(zip(_cercles(real)["admin2Pcod"], _cercles(real)["admin2Name"]))  # HAPI's admin2_name is the COD name of admin2_code
    keys = pd.DataFrame({"location_code": "MLI", "location_name": "Mali", "admin1_code": r["code"].str[:4], "admin1_name": r["region"],
                         "provider_admin1_name": r["region"], "admin2_code": r["code"], "admin2_name": r["code"].map(cod_names),
                         "provider_admin2_name": r["name"], "admin_level": 2})
    return pd.concat([keys, r.drop(columns=["code", "name", "region"]).assign(resource_hdx_id="x")], axis=1)


def _dtm_cercles(real: Path) -> pd.DataFrame:
    d = pd.read_csv(real / "iom_dtm_mali_idps_by_commune_2014-2020.csv", dtype={"cod2015_adm2_pcode": str})
    return d.groupby(["cod2015_adm2_pcode", "admin1_name", "admin2_name", "snapshot_date", "dtm_round"], as_index=False)["idp_ind"].sum()


def hapi_idps(real: Path) -> pd.DataFrame:
    d = _dtm_cercles(real)
    return pd.DataFrame({"location_code": "MLI", "location_name": "Mali", "admin1_code": d["cod2015_adm2_pcode"].str[:4], "admin1_name": d["admin1_name"],
                         "provider_admin1_name": d["admin1_name"], "admin2_code": d["cod2015_adm2_pcode"], "admin2_name": d["admin2_name"],
                         "provider_admin2_name": d["admin2_name"], "admin_level": 2, "assessment_type": "BA", "reporting_round": d["dtm_round"],
                         "operation": "Mali", "population": d["idp_ind"].astype(int), "reference_period_start": d["snapshot_date"],
                         "reference_period_end": d["snapshot_date"], "resource_hdx_id": "x"})


def dtm_v3(real: Path) -> pd.DataFrame:
    d = _dtm_cercles(real)
    when = pd.to_datetime(d["snapshot_date"])
    return pd.DataFrame({"admin0Name": "Mali", "admin0Pcode": "MLI", "admin1Name": d["admin1_name"], "admin1Pcode": d["cod2015_adm2_pcode"].str[:4],
                         "admin2Name": d["admin2_name"], "admin2Pcode": d["cod2015_adm2_pcode"], "adminLevel": 2, "numPresentIdpInd": d["idp_ind"].astype(int),
                         "reportingDate": when.dt.strftime("%Y-%m-%dT00:00:00"), "yearReportingDate": when.dt.year, "monthReportingDate": when.dt.month,
                         "roundNumber": d["dtm_round"], "displacementReason": "Conflict", "numberMales": "", "numberFemales": "",
                         "idpOriginAdmin1Name": "", "idpOriginAdmin1Pcode": "", "assessmentType": "BA", "operation": "Mali"})


def hapi_presence(demo: Path) -> pd.DataFrame:
    """HAPI operational-presence rows from the demo 3W (Tombouctou): sectors as HAPI codes."""
    w = pd.read_csv(demo / "actors_3w.csv", skiprows=[1], dtype=str, keep_default_na=False)
    sectors = {"Sécurité alimentaire": "FSC", "Santé": "HEA", "Education": "EDU", "Éducation": "EDU", "Eau, hygiène et assainissement": "WSH",
               "Protection": "PRO", "Relèvement précoce": "ERY", "Nutrition": "NUT"}
    code = w["Secteur"].map(sectors).fillna("ERY")
    return pd.DataFrame({"location_code": "MLI", "location_name": "Mali", "admin1_code": w["admin2Pcod"].str[:4], "admin1_name": w["Région"],
                         "provider_admin1_name": w["Région"], "admin2_code": w["admin2Pcod"], "admin2_name": w["Cercle"], "provider_admin2_name": w["Cercle"],
                         "admin_level": 2, "org_acronym": w["Acronyme"], "org_name": w["Organisation"], "org_type_code": "", "org_type_description": w["Type d'organisation"],
                         "sector_code": code, "sector_name": w["Secteur"], "reference_period_start": "2024-01-01", "reference_period_end": "",
                         "resource_hdx_id": "x"})



def build_downloads(real: Path, folder: Path) -> Path:
    """Write into ``folder`` the files the configs of ``configs/published/`` read, named and shaped as
    their publishers publish them, built from the real files in ``real`` (the test fixture
    ``downloads``, and ``scripts/make_published_files.py`` for people)."""
    folder.mkdir(parents=True, exist_ok=True)
    codab(real, "2025").to_file(folder / "mli_admin2.geojson")
    codab(real, "itos").to_file(folder / "mli_admbnda_adm2_itos.geojson")
    acled_2025(real).to_csv(folder / "acled_mali_2025.csv", index=False)
    hapi_conflict(real).to_csv(folder / "hdx_hapi_conflict_event_mli.csv", index=False)
    hapi_food(real).to_csv(folder / "hdx_hapi_food_security_mli.csv", index=False)
    hapi_idps(real).to_csv(folder / "hdx_hapi_idps_mli.csv", index=False)
    hapi_presence(REPO / "data" / "demo").to_csv(folder / "hdx_hapi_operational_presence_mli.csv", index=False)
    dtm_v3(real).to_csv(folder / "dtm_api_v3_mli_admin2.csv", index=False)
    for name in ("mali_admin_boundaries_ocha_cod_2015.gpkg", "cadre_harmonise_mali_cercles_2014-2020.csv", "iom_dtm_mali_original_rounds",
                 "acled_mali_1997-01-06_2020-07-31_hdx.csv"):
        if not (folder / name).exists():
            os.symlink(real.resolve() / name, folder / name)
    return folder

def _ch_config(tmp_path: Path, ch: Path, indicator: dict | None = None, **layer) -> Path:
    cfg = {"study": {"name": "p", "title": "p", "boundaries": {"path": str(REPO / "data" / "demo" / "cercles.geojson"), "level": 2}, "regions": ["Tombouctou"]},
           "layers": {"food": {"kind": "table", "path": str(ch), **layer}},
           "indicators": {"f": indicator or {"measure": "food.phase35", "per": "food.population", "direction": "cost", "weight": 1}}}
    import yaml

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def cli_run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``nexus-zones ARGV`` in-process; return (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cli_run_captured(*argv: str) -> tuple[int, str, str]:
    """:func:`cli_run` for a module- or session-scoped fixture (no ``capsys`` there): stdout and stderr
    caught while it runs, and the package's logger (which the CLI sets up) given back as it was."""
    import contextlib
    import io
    import logging

    logger = logging.getLogger("nexus_zones")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in argv])
    finally:
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------------------ demo


def _demo_generator():
    spec = importlib.util.spec_from_file_location("make_demo_data", REPO / "scripts" / "make_demo_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ an independent decoder
def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Absolute positions of every arc: cumulative sums of the integer deltas, then the transform."""
    t = topology["transform"]
    return [np.cumsum(np.asarray(a, dtype=np.int64), axis=0) * np.asarray(t["scale"]) + np.asarray(t["translate"]) for a in topology["arcs"]]


def _line(arcs: list[np.ndarray], ids: list[int]) -> np.ndarray:
    parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in ids]
    return np.concatenate([parts[0]] + [p[1:] for p in parts[1:]])


def decode(topology: dict, geometry: dict, arcs: list[np.ndarray] | None = None):
    """One topology geometry object as a shapely geometry (``arcs``: the topology's, decoded already)."""
    arcs = decode_arcs(topology) if arcs is None else arcs
    polygon = lambda rings: shapely.Polygon(_line(arcs, rings[0]), [_line(arcs, r) for r in rings[1:]])  # noqa: E731
    if geometry["type"] == "Polygon":
        return polygon(geometry["arcs"])
    if geometry["type"] == "MultiPolygon":
        return shapely.MultiPolygon([polygon(p) for p in geometry["arcs"]])
    if geometry["type"] == "MultiLineString":
        return shapely.MultiLineString([_line(arcs, ids) for ids in geometry["arcs"]])
    raise AssertionError(geometry["type"])


def decode_units(topology: dict) -> list:
    arcs = decode_arcs(topology)  # once for all units (701 communes: 701 decodings of every arc took 12 s)
    return [decode(topology, g, arcs) for g in topology["objects"]["units"]["geometries"]]


def voronoi_coverage(n: int, seed: int) -> np.ndarray:
    """n irregular polygons that tile a box exactly (shared borders with many vertices after densifying)."""
    rng = np.random.default_rng(seed)
    extent = shapely.box(-4.0, 10.0, 2.0, 16.0)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.uniform([-4, 10], [2, 16], (n, 2))), extend_to=extent))
    # a border densified from either side gets interpolated positions that differ in their last bits:
    # rounded to 1e-7 degrees they are the same again, so the cells are an exact coverage
    return shapely.set_precision(shapely.segmentize(shapely.intersection(cells, extent), 0.05), 1e-7, mode="pointwise")
NORTH_CENTRE = REPO / "configs" / "mali_north_centre_2016_2019.yaml"


# ------------------------------------------------------------------------------------ fixtures


def _demo_mapping() -> dict:
    """The demo config as a mapping, with absolute paths (so it can be written anywhere)."""
    data = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    data["study"]["boundaries"]["path"] = str(DEMO / "cercles.geojson")
    for spec in data["layers"].values():
        spec["path"] = str((REPO / "configs" / spec["path"]).resolve())
    data.pop("output", None)
    return fewer_draws(data, 200)
JS_TESTS = REPO / "tests" / "page"

STATIC = REPO / "nexus_zones" / "page" / "static"
HOSTILE = "<img src=x onerror=alert(1)> \"quoted\" & 'single' {label} {{x}} </td>"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node (20 or later) is needed for the page's tests (kernel, popups, topology): `sudo apt-get install nodejs` (bash scripts/setup.sh --test does it)")
    return node


def render_popups(data: dict) -> list[str]:
    """Every unit's popup body as the page writes it (popup.js under Node), from :func:`maps.page_data`."""
    script = ("const P = require(process.argv[1]); let s = ''; process.stdin.on('data', (c) => { s += c; });"
              "process.stdin.on('end', () => { const D = JSON.parse(s);"
              "process.stdout.write(JSON.stringify(D.units.popup.map((u, i) => P.render(D.popup, u, D.units.norm[i])))); });")
    run = subprocess.run([_node(), "-e", script, str(STATIC / "popup.js")], input=json.dumps(data), capture_output=True,
                         text=True, encoding="utf-8", timeout=120, check=True)
    return json.loads(run.stdout)


def render_rules_line(data: dict) -> str:
    """The line saying that the rules decide, as the page writes it at the config's weights (render.js under Node)."""
    script = ("const R = require(process.argv[1]), S = require(process.argv[2]); let s = ''; process.stdin.on('data', (c) => { s += c; });"
              "process.stdin.on('end', () => { const D = JSON.parse(s), state = S.initial(D);"
              "process.stdout.write(JSON.stringify(R.rulesLine(D, R.derive(D, R.inputs(D, state), state)))); });")
    run = subprocess.run([_node(), "-e", script, str(STATIC / "render.js"), str(STATIC / "store.js")], input=json.dumps(data), capture_output=True,
                         text=True, encoding="utf-8", timeout=120, check=True)
    return json.loads(run.stdout)


def page_data_of(html_text: str) -> dict:
    """A page's payload as the page opens it (:func:`opened_in_node`: decompressed, unpacked)."""
    return opened_in_node(re.search(r"var D = (\{.*?\});\n", html_text, flags=re.S).group(1))


def _hostile_demo(tmp_path: Path):
    cfg = fewer_draws(yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8")))
    first = next(iter(cfg["indicators"]))
    cfg["indicators"][first]["label"] = HOSTILE
    cfg["indicators"][first].pop("phrase", None)
    rule = next(iter(cfg["rules"]))
    cfg["rules"][rule]["label"] = HOSTILE
    for key in ("base_dir", "data_dir"):
        cfg.pop(key, None)
    return nexus_zones.run(config_from_mapping(cfg, base_dir=REPO / "configs"), out_dir=tmp_path / "hostile")


# ------------------------------------------------------------------------ the real cercles in Chromium

LAPTOP = {"width": 1366, "height": 768}


def _open(pg, path: Path) -> None:
    pg.goto(Path(path).resolve().as_uri())
    pg.wait_for_selector("path.leaflet-interactive")
    pg.wait_for_selector("div.nz-legend[data-view]")


# ------------------------------------------------------------------------- 1. parse_number

NNBSP, NBSP, THIN = "\u202f", "\u00a0", "\u2009"


def _demo_config(root: Path, **changes) -> Path:
    """The demo config and a copy of its data under ``root`` (fewer draws, same model)."""
    data = root / "data"
    if not data.exists():
        shutil.copytree(DEMO, data)
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["study"]["boundaries"]["path"] = str(data / "cercles.geojson")
    for layer in cfg["layers"].values():
        layer["path"] = str(data / Path(layer["path"]).name)
    fewer_draws(cfg, 200)
    for dotted, value in changes.items():
        node = cfg
        *head, last = dotted.split(".")
        for key in head:
            node = node.setdefault(key, {})
        node[last] = value
    path = root / f"demo_{len(list(root.glob('demo_*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _run(config: Path, out: Path, capsys, *extra: str) -> tuple[int, str]:
    code = cli.main(["run", str(config), "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    return code, err


# ------------------------------------------------------------------------------ 7. encodings

def _text(name: str) -> str:
    return (DEMO / name).read_text(encoding="utf-8")


def _tab_separated(text: str) -> str:
    """A comma-separated demo file as tab-separated text (fields with commas are quoted in the demo files)."""
    frame = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    return frame.to_csv(sep="\t", index=False, lineterminator="\r\n")


def _last_lines_cp1252(text: str, n: int) -> bytes:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:-n]).encode("utf-8") + "".join(lines[-n:]).encode("cp1252")


def _double_encoded(text: str) -> bytes:
    """UTF-8 bytes read as Windows-1252 and saved again as UTF-8 ("École" -> "Ã‰cole")."""
    return text.encode("utf-8").decode("cp1252", errors="strict").encode("utf-8")


# ------------------------------------------------------------------------------------ helpers


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)
ARTIFACTS = REPO / "tests" / "_artifacts"
DOCS = REPO / "docs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1200, "height": 800}
TILE_HOST = "tile.openstreetmap.org"
UPDATE_SCREENSHOTS = os.environ.get("NEXUS_ZONES_UPDATE_SCREENSHOTS") == "1"

# JavaScript prelude: the page's Leaflet map and its one GeoJSON layer, from the handle the page
# publishes (window.nexusZones).
_FIND = """
const map = window.nexusZones.map;
const geo = window.nexusZones.geo;
const layerOf = id => geo.getLayers().find(l => l.feature.id === id);
"""


def _js(body: str) -> str:
    """A function for ``page.evaluate`` with ``map``, ``geo`` and ``layerOf(id)`` in scope."""
    return "(arg) => {" + _FIND + body + "}"


# --------------------------------------------------------------------------- console filter


def is_tile_url(url: str) -> bool:
    """Whether ``url`` is an OpenStreetMap tile (the optional overlay, unreachable offline)."""
    host = urlsplit(url).hostname or ""
    return host == TILE_HOST or host.endswith("." + TILE_HOST)


def is_ignored_console_error(text: str, location_url: str) -> bool:
    """Whether a console error is the expected failure to load a map tile with the network cut."""
    return text.startswith("Failed to load resource") and is_tile_url(location_url)


@dataclass
class PageLog:
    """What a page reported that should not happen: console errors, page errors, blocked requests, dialogs."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if not is_ignored_console_error(msg.text, url):
            self.console_errors.append(f"{msg.text} (at {url or 'unknown location'})")

    def on_route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
            return
        if not is_tile_url(url):
            self.blocked.append(url)
        route.abort()

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"request to the network: {u}" for u in self.blocked]
            + [f"dialog: {d}" for d in self.dialogs]
        )


def assert_clean(log: PageLog) -> None:
    """Fail with every problem the page reported."""
    problems = log.problems()
    assert not problems, "the page reported:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------- helpers


def next_frames(pg: Page) -> None:
    """Return once the page has drawn two more animation frames (what the last call changed is laid out
    and painted, and the tasks it queued have run): a wait on the page, not on the clock."""
    pg.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0))))")


def open_map(pg: Page, path: Path) -> None:
    """Open a written map and wait until its units and legend are drawn."""
    pg.goto(Path(path).resolve().as_uri())
    pg.wait_for_selector("path.leaflet-interactive")
    pg.wait_for_selector("div.nz-legend[data-view]")


def units_drawn_offline(browser: Any, path: Path) -> int:
    """Open a written map in a new page with the network cut, fail on any problem the page reports
    (:class:`PageLog`), and give the number of units it drew."""
    log = PageLog()
    page = browser.new_page()
    try:
        page.on("console", log.on_console)
        page.on("pageerror", lambda e: log.page_errors.append(str(e)))
        page.route("**/*", log.on_route)
        open_map(page, path)
        drawn = page.locator("path.leaflet-interactive").count()
    finally:
        page.close()
    assert_clean(log)
    return drawn


def page_features(pg: Page) -> list[dict]:
    """The GeoJSON layer's features in drawing order: id, drawn fill and stroke width, properties."""
    return pg.evaluate(
        _js(
            """return geo.getLayers().map(l => ({
                 id: l.feature.id,
                 fill: l.getElement().getAttribute("fill"),
                 stroke_width: l.getElement().getAttribute("stroke-width"),
                 props: l.feature.properties}));"""
        )
    )


def fills(pg: Page) -> dict[str, str]:
    """Drawn fill colour of each unit's path, by unit id."""
    return {f["id"]: f["fill"] for f in page_features(pg)}


def screen_point(pg: Page, unit_id: str, geometry: Any) -> tuple[float, float]:
    """A viewport point where the topmost element is ``unit_id``'s path (so a click hits that unit).

    Candidates are the representative point and a grid of interior points, most interior first;
    the page converts each to screen coordinates and keeps the first one not covered by a control
    or another polygon.
    """
    minx, miny, maxx, maxy = geometry.bounds
    grid = [Point(x, y) for x in np.linspace(minx, maxx, 15) for y in np.linspace(miny, maxy, 15)]
    inside = sorted((p for p in grid if geometry.contains(p)), key=lambda p: -geometry.boundary.distance(p))
    candidates = [shapely.get_coordinates(geometry.representative_point())[0].tolist()]
    candidates += [[p.x, p.y] for p in inside]
    point = pg.evaluate(
        _js(
            """const el = layerOf(arg.id).getElement();
               const box = map.getContainer().getBoundingClientRect();
               for (const [lng, lat] of arg.candidates) {
                 const p = map.latLngToContainerPoint([lat, lng]);
                 const x = box.left + p.x, y = box.top + p.y;
                 if (document.elementFromPoint(x, y) === el) return [x, y];
               }
               return null;"""
        ),
        {"id": unit_id, "candidates": candidates},
    )
    assert point is not None, f"no visible point of unit {unit_id} on screen (covered by controls or off the map)"
    return point[0], point[1]


def unit_named(result: RunResult, name: str) -> str:
    """The id of the one unit called ``name``."""
    ids = result.scores.index[result.scores["name"] == name].tolist()
    assert len(ids) == 1, f"expected one unit named {name!r}, found {ids}"
    return ids[0]


def expand_layers(pg: Page) -> None:
    """Open the layer control (collapsed so that it hides no unit): the mouse over it, as a user does."""
    pg.locator(".leaflet-control-layers").hover()
    expect(pg.locator(".leaflet-control-layers-expanded")).to_have_count(1)


def open_popup(pg: Page, result: RunResult, unit_id: str) -> Locator:
    """Click a unit and return the locator of its popup content, once the popup has panned into place
    (a click on its buttons while it still moves can miss them: seen on a loaded machine)."""
    x, y = screen_point(pg, unit_id, result.scores.geometry[unit_id])
    pg.mouse.click(x, y)
    popup = pg.locator(".leaflet-popup-content .nz-popup")
    expect(popup).to_have_count(1)
    pg.wait_for_function("() => { const pan = window.nexusZones.map._panAnim; return !pan || !pan._inProgress; }")
    return popup


def _page_state(pg: Page) -> dict:
    return pg.evaluate(
        """() => { const z = window.nexusZones; return {
             ids: z.units.map(u => u.id), scores: z.state.scores, rank: z.state.rank, region: z.state.regionRank,
             weights: z.state.weights, pillars: z.state.pillarWeights}; }"""
    )


def _assert_page_equals_python(state: dict, python: RunResult) -> None:
    s = python.scores
    for uid, score_, rank_, region_ in zip(state["ids"], state["scores"], state["rank"], state["region"]):
        expected = s.loc[uid, "score"]
        if pd.isna(expected):
            assert score_ is None
        else:
            assert score_ == pytest.approx(expected, abs=1e-9), uid
        assert (None if pd.isna(s.loc[uid, "rank"]) else int(s.loc[uid, "rank"])) == rank_, uid
        assert (None if pd.isna(s.loc[uid, "region_rank"]) else int(s.loc[uid, "region_rank"])) == region_, uid


#: The groups of the weights panel around a slider's row, outermost first (a node's own group, whose
#: summary line holds the row, left out: that line shows while the group is closed).
_GROUPS_AROUND = """(el) => { const out = []; let d = el.closest('details.nz-node');
  if (d && d.querySelector(':scope > summary').contains(el)) { d = d.parentElement.closest('details.nz-node'); }
  for (; d; d = d.parentElement.closest('details.nz-node')) { out.push(d.dataset.node); }
  return out.reverse(); }"""


def _move_slider(pg: Page, label: str, value: float) -> float:
    """Move the slider of the indicator (or node of the model tree) whose label starts with ``label``,
    opening the panel and the closed groups around it as a person does; return the value it took."""
    weights = pg.locator("details.nz-weights")
    if not weights.evaluate("d => d.open"):
        weights.locator(":scope > summary").click()
    row = pg.locator("details.nz-weights .nz-w", has_text=label)
    for node in row.evaluate(_GROUPS_AROUND):
        group = pg.locator(f'details.nz-node[data-node="{node}"]')
        if not group.evaluate("d => d.open"):
            group.locator(":scope > summary > .nz-w > span").click()
    slider = row.locator("input[type=range]")
    slider.fill(str(value))
    return float(slider.input_value())


def deleted_list(path: Path, rows: list[tuple[str, str]]) -> Path:
    """Write a list of deleted records as ACLED publishes it: (event_id_cnty, deleted_timestamp) rows."""
    pd.DataFrame(rows, columns=["event_id_cnty", "deleted_timestamp"]).to_csv(path, index=False)
    return path


def grid_model(cfg: dict[str, Any]):
    """The scored model (:class:`nexus_zones.analyses.base.Model`) of a grid config, as the analyses receive it."""
    import warnings

    from nexus_zones import model
    from nexus_zones.config import config_from_mapping

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = nexus_zones.compute(config_from_mapping(cfg))
        return model.score_stage(r.plan.model, r.units, r.measures, r.values, r.normalised, r.imputed, points=r.points)[0]


# ------------------------------------------------------------------ config mistakes, for tests/config

def setting(dotted: str, value: Any) -> Callable[[dict], None]:
    """A mutation setting ``a.b.c`` of a config mapping to ``value``."""

    def mutate(cfg: dict) -> None:
        *parents, key = dotted.split(".")
        node = cfg
        for part in parents:
            node = node[part]
        node[key] = value

    return mutate


def dropping(dotted: str) -> Callable[[dict], None]:
    """A mutation removing the key ``a.b.c`` of a config mapping."""

    def mutate(cfg: dict) -> None:
        *parents, key = dotted.split(".")
        node = cfg
        for part in parents:
            node = node[part]
        del node[key]

    return mutate


def renaming(dotted: str, new_key: str) -> Callable[[dict], None]:
    """A mutation renaming the key ``a.b.c`` to ``new_key`` (a typo)."""

    def mutate(cfg: dict) -> None:
        *parents, key = dotted.split(".")
        node = cfg
        for part in parents:
            node = node[part]
        node[new_key] = node.pop(key)

    return mutate


def all_weights_zero(cfg: dict) -> None:
    for indicator in cfg["indicators"].values():
        indicator["weight"] = 0


def config_error(write_config, cfg: dict, match: str) -> ConfigError:
    """Write ``cfg`` as YAML, load it and return the ConfigError (which must match ``match``)."""
    path = write_config(cfg)
    with pytest.raises(ConfigError, match=match) as excinfo:
        load_config(path)
    return excinfo.value


# ----------------------------------------------------------------- the page's points, written in Python
# The page rounds each indicator's points by largest remainder (page/static/format.js) so that they add
# up to the score as shown; these are that rule written independently in Python, the reference the
# page's renders are checked against (tests/page/test_format.py, test_popup.py, test_builders.py).


def largest_remainder(values: list[float], decimals: int = 1) -> list[float]:
    """Round ``values`` to ``decimals`` so that the rounded values add up to their rounded total
    (largest-remainder, or Hamilton, rounding): each value is cut down to the grid, then the units
    still missing from the rounded total go one each to the values with the largest remainders.
    ``nan`` values stay ``nan`` and count for nothing. E.g. 33.34 + 33.33 + 33.33 = 100.0 → 33.4,
    33.3, 33.3 (not three times 33.3 = 99.9)."""
    scale = 10 ** decimals
    known = [i for i, v in enumerate(values) if not math.isnan(v)]
    scaled = [values[i] * scale for i in known]
    target = round(float(f"{sum(values[i] for i in known):.{decimals}f}") * scale)
    cut = [math.floor(x) for x in scaled]
    order = sorted(range(len(known)), key=lambda j: (-(scaled[j] - cut[j]), j))
    missing = target - sum(cut)
    for j in order[:max(missing, 0)]:
        cut[j] += 1
    for j in list(reversed(order))[:max(-missing, 0)]:
        cut[j] -= 1
    out = [math.nan] * len(values)
    for j, i in enumerate(known):
        out[i] = cut[j] / scale
    return out


def shown_points(row: Any, names: list[str]) -> list[float]:
    """Each indicator's points as the popup shows them (one decimal, like the score): rounded by
    largest remainder so that they add up to their total rounded alike (the score, under the
    arithmetic mean)."""
    values = [float(row[f"{n}_contrib"]) if not pd.isna(row[f"{n}_contrib"]) else math.nan for n in names]
    return largest_remainder(values, 1)


def opened_in_node(script_text: str) -> dict:
    """The payload a page's script holds (``var D = …``'s value, plain or compressed), as the page
    opens it (``page/static/payload.js``'s ``open``: decompressed, then unpacked), run under Node."""
    script = ("const P = require(process.argv[1]); let s = ''; process.stdin.on('data', (c) => { s += c; });"
              "process.stdin.on('end', () => { P.open(JSON.parse(s), (D) => process.stdout.write(JSON.stringify(D))); });")
    run = subprocess.run([_node(), "-e", script, str(STATIC / "payload.js")], input=script_text, capture_output=True, text=True, encoding="utf-8",
                         timeout=300, check=True)
    return json.loads(run.stdout)
