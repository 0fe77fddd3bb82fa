"""Writing the tables and the run metadata, and putting every output in place at once.

Outputs of a run (``<study>`` is ``study.name``):

* ``<study>_scores.csv`` and ``<study>_scores.gpkg``: one row per unit, sorted by rank;
* ``<study>_run.json``: config SHA-256, SHA-256 of every input file, package versions, timestamp,
  warnings and point-layer reports;
* ``<study>.html``: the map (built by :mod:`nexus_zones.maps`).

Every file is first written to a temporary name in the output folder; only when all are written
are they moved into place (``os.replace``), so a failure leaves the previous outputs untouched and
no partial file behind.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

import pandas as pd

from .errors import NexusZonesError

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import RunResult

__all__ = ["FIXED_COLUMNS", "scores_table", "run_metadata", "write_all", "write_outputs"]

logger = logging.getLogger(__name__)

#: The first columns of every scores table, in order.
FIXED_COLUMNS = ("unit_id", "name", "region", "score", "rank", "region_rank", "passes_rules", "failed_rules")

_PACKAGES = ("nexus_zones", "geopandas", "shapely", "pyogrio", "pyproj", "pandas", "numpy", "rasterio", "folium", "branca",
             "scikit-learn", "pydantic", "PyYAML", "xstatic-leaflet", "xstatic-jquery")


def scores_table(result: "RunResult") -> pd.DataFrame:
    """The scores as a plain table (no geometry), ``unit_id`` first, sorted by rank."""
    table = pd.DataFrame(result.scores.drop(columns="geometry")).reset_index()
    return table


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape the results (and GDAL's)."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        import pyogrio

        versions["GDAL"] = ".".join(str(x) for x in pyogrio.__gdal_version__)
    except Exception:  # pragma: no cover - pyogrio is a dependency
        pass
    return versions


def run_metadata(result: "RunResult", outputs: Mapping[str, Path]) -> dict:
    """The run's provenance record (written as ``<study>_run.json``)."""
    config = result.config
    return {
        "study": config.study.name,
        "title": config.study.title,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": {"path": config.source, "sha256": config.sha256},
        "data_dir": str(config.data_dir) if config.data_dir else None,
        "boundaries": dict(result.boundaries_meta),
        "inputs": {path: {"sha256": sha} for path, sha in result.inputs.items()},
        "layers": {name: {"kind": layer.kind, "path": str(layer.path), "source": layer.source} for name, layer in config.layers.items()},
        "packages": package_versions(),
        "platform": platform.platform(),
        "units": int(len(result.scores)),
        "ranked": int(result.scores["rank"].notna().sum()),
        "pass_every_rule": int(result.scores["passes_rules"].sum()),
        "weights": result.scored.weights,
        "failing_units": config.model.failing_units,
        "model": {
            "aggregation": config.model.aggregation,
            "pillars": {n: {"indicators": list(p.indicators), "weight": result.config.pillar_weights()[n], "aggregation": p.aggregation}
                        for n, p in config.model.pillars.items()},
            "ahp": (result.analyses.ahp if result.analyses else None),
        },
        "robustness": config.robustness.model_dump(mode="json"),
        "point_layers": {name: rep.as_dict() for name, rep in result.point_reports.items()},
        "joins": dict(result.joins),
        "warnings": list(result.warnings),
        "outputs": {kind: path.name for kind, path in outputs.items()},
    }


def write_all(writers: Mapping[Path, Callable[[Path], None]]) -> None:
    """Write several files all-or-nothing.

    Each writer is called with a temporary path in the target's folder (same suffix). When every
    writer has succeeded, the existing targets are moved aside, the new files moved into place, and
    the old ones deleted. On any error the temporary files are removed, the old files are put back,
    and files that did not exist before are removed, so the folder is as it was.
    """
    temps: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    placed: list[Path] = []
    try:
        for target, writer in writers.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir():
                raise NexusZonesError(f"output {target}: found a folder; expected a file name free for the output. Fix: move that folder or pass another --out")
            fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
            os.close(fd)
            os.unlink(tmp)  # some drivers (GPKG) refuse to write over an existing empty file
            temps[target] = Path(tmp)
            writer(Path(tmp))
        for target in temps:
            if target.exists():
                backup = target.with_name(f".{target.name}.{os.getpid()}.bak")
                os.replace(target, backup)
                backups[target] = backup
        for target, tmp in temps.items():
            os.replace(tmp, target)
            placed.append(target)
    except BaseException:
        for target in placed:
            if target not in backups:
                target.unlink(missing_ok=True)
        for target, backup in backups.items():
            try:
                os.replace(backup, target)
            except OSError:  # pragma: no cover - nothing better to do; the backup stays for the user
                logger.error("could not restore %s; the previous version is in %s", target, backup)
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise
    for backup in backups.values():
        backup.unlink(missing_ok=True)


def _write_text(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    return write


def _gpkg_writer(result: "RunResult", layer: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        gdf = result.scores.reset_index()
        for col in gdf.columns:
            if str(gdf[col].dtype) == "Int64":
                gdf[col] = gdf[col].astype("float64")  # GPKG has no nullable integer; ranks stay exact as floats
        gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")

    return write


def write_outputs(result: "RunResult", out_dir: str | Path, *, map_html: str | None = None, offline: bool | None = None) -> dict[str, Path]:
    """Write the map, the tables and the run metadata for ``result`` into ``out_dir``.

    Returns the paths written, keyed ``map``, ``csv``, ``gpkg``, ``run``, and where the model made
    them ``weights`` (weights by method), ``ranks_by_weights``, ``leave_one_out`` and ``profiles``.
    """
    from .maps import build_map

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NexusZonesError(f"output folder {out}: found a file; expected a folder. Fix: pass another --out")
    name = result.config.study.name
    paths = {
        "map": out / f"{name}.html",
        "csv": out / f"{name}_scores.csv",
        "gpkg": out / f"{name}_scores.gpkg",
        "run": out / f"{name}_run.json",
    }
    html = map_html if map_html is not None else build_map(result, offline=offline)
    tables = {"csv": scores_table(result)}
    analyses = result.analyses
    names = result.scores["name"]
    if analyses is not None:
        if analyses.weights is not None:
            paths["weights"] = out / f"{name}_weights.csv"
            tables["weights"] = analyses.weights.reset_index()
        if analyses.ranks_by_weights is not None:
            paths["ranks_by_weights"] = out / f"{name}_ranks_by_weights.csv"
            tables["ranks_by_weights"] = pd.concat([names, result.scores["rank"], analyses.ranks_by_weights], axis=1).reindex(result.scores.index).reset_index()
        if analyses.leave_one_out is not None:
            paths["leave_one_out"] = out / f"{name}_leave_one_out.csv"
            tables["leave_one_out"] = pd.concat([names, result.scores["rank"], analyses.leave_one_out], axis=1).reindex(result.scores.index).reset_index()
        if analyses.profiles is not None:
            paths["profiles"] = out / f"{name}_profiles.csv"
            tables["profiles"] = analyses.profiles.reset_index()
    meta = json.dumps(run_metadata(result, paths), indent=2, ensure_ascii=False, default=str) + "\n"
    writers = {paths[kind]: _write_text(table.to_csv(index=False, float_format="%.10g", lineterminator="\n")) for kind, table in tables.items()}
    try:
        write_all(
            {
                paths["map"]: _write_text(html),
                **writers,
                paths["gpkg"]: _gpkg_writer(result, name),
                paths["run"]: _write_text(meta),
            }
        )
    except OSError as exc:
        raise NexusZonesError(
            f"output folder {out}: could not write ({exc.strerror or exc}); expected a writable folder. Fix: check permissions and free space, or pass --out"
        ) from exc
    logger.info("outputs: %s written to %s", ", ".join(p.name for p in paths.values()), out)
    return paths
