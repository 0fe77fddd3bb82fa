"""Writing the tables and the run metadata, and putting every output in place at once.

Outputs of a run (``<study>`` is ``study.name``):

* ``<study>_scores.csv`` and ``<study>_scores.gpkg``: one row per unit, sorted by rank;
* ``<study>_run.json``: config SHA-256, SHA-256 of every input file, package versions, timestamp,
  warnings, point-layer reports and the values each outlier treatment changed;
* ``<study>_outliers.csv``: with an outlier treatment, one row per value it changed;
* ``<study>.html``: the map (built by :mod:`nexus_zones.maps`).

Every file is first written to a temporary name in the output folder; only when all are written
are they moved into place (``os.replace``), so a failure leaves the previous outputs untouched and
no partial file behind. Runs into one folder take turns: :func:`output_lock` holds an exclusive
lock on ``.nexus_zones.lock`` in the folder while a run writes, so two runs cannot leave a mixed set.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import socket
import tempfile
import time
import warnings
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping

import pandas as pd

from . import __version__, analyses, claims, explain, geometry, treat, tree
from .explain import period_text as _period
from .config.model_tree import model_tree
from .maps import MAX_UNIT_LABELS, NO_DATA, PALETTE, build_map, label_of
from .errors import NexusZonesError, OutputLockedError, StaleLockWarning
from .messages import fixed, number, percent, pick, t
from .periods import all_changes, bounds_text, change_sentence, top_k_moves
from .safety import literal_cells

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .result import RunResult

__all__ = ["FIXED_COLUMNS", "LOCK_NAME", "OPTIONAL_TABLES", "PREVIOUS", "brief_files", "inputs_stamp", "run_files", "scores_table", "run_metadata", "output_lock", "write_all", "write_outputs"]

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
            "pillars": {n: {"indicators": list(p.indicators), "weight": result.config.pillar_weights()[n], "aggregation": p.aggregation,
                            "parent": p.parent, "missing": p.missing, "factor": p.factor} | ({"offset": p.offset} if p.offset is not None else {})
                        for n, p in config.model.pillars.items()},
            "tree": tree.page_form(result.scored.structure.tree) if result.scored.structure is not None else None,
            "ahp": result.analysis("ahp").as_dict() if result.analysis("ahp") is not None else None,
        },
        "robustness": config.robustness.model_dump(mode="json"),
        "point_layers": {name: rep.as_dict() for name, rep in result.point_reports.items()},
        "joins": dict(result.joins),
        "outliers": dict(result.outliers),
        "warnings": list(result.warnings),
        **_panel_meta(result),
        "outputs": {kind: path.name for kind, path in outputs.items()},
        "inputs_stamp": inputs_stamp(result),
    }


def inputs_stamp(result: "RunResult") -> str:
    """A digest of what a result was computed from (config file, every input file, data folder and
    nexus_zones' version): the same for ``run`` and ``brief`` of one study on the same inputs, so
    each can tell whether the other's files in the folder still match (:func:`_stale_outputs`)."""
    config = result.config
    basis = {"config": config.sha256, "inputs": dict(sorted(result.inputs.items())), "data_dir": str(config.data_dir or ""), "version": __version__}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode("utf-8")).hexdigest()


#: Where ``brief`` writes the stamp of its inputs in the brief's HTML head.
_BRIEF_STAMP = re.compile(r'<meta name="nexus-zones-inputs" content="([0-9a-f]{64})">')


def run_files(out: Path, name: str) -> list[Path]:
    """The files ``run`` owns for study ``name``: the map, the tables (every optional one too), the
    GeoPackage and the run metadata."""
    return [out / f"{name}.html", out / f"{name}_scores.csv", out / f"{name}_scores.gpkg", out / f"{name}_run.json",
            *(out / f"{name}_{kind}.csv" for kind in OPTIONAL_TABLES)]


def brief_files(out: Path, name: str) -> list[Path]:
    """The files ``brief`` owns for study ``name``: the printable brief, its PNG map, the XLSX."""
    return [out / f"{name}_brief.html", out / f"{name}_map.png", out / f"{name}_scores.xlsx"]


def _stale_outputs(files: list[Path], stamp_file: Path, stamp: str) -> list[Path]:
    """``files`` (the other command's set for this study) when present and not made from the same
    inputs as ``stamp`` (their stamp differs, or cannot be read): they would no longer match."""
    present = [p for p in files if p.is_file()]
    if not present:
        return []
    try:
        text = stamp_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return present
    if stamp_file.suffix == ".json":
        try:
            found = json.loads(text).get("inputs_stamp")
        except (ValueError, AttributeError):
            found = None
    else:
        hit = _BRIEF_STAMP.search(text)
        found = hit.group(1) if hit else None
    return [] if found == stamp else present


def write_all(writers: Mapping[Path, Callable[[Path], None]], *, set_aside: Iterable[Path] = ()) -> list[Path]:
    """Write several files all-or-nothing, and set aside files they replace as a set.

    Each writer is called with a temporary path in the target's folder (same suffix). When every
    writer has succeeded, the existing targets (and the existing files of ``set_aside``) are moved
    aside, the new files moved into place, and the old targets deleted; the files of ``set_aside``
    go to the folder's :data:`PREVIOUS` folder (replacing what an earlier run put there). On any
    error the temporary files are removed, the old files are put back, and files that did not exist
    before are removed, so the folder is as it was. Returns where the set-aside files went.
    """
    temps: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    placed: list[Path] = []
    aside = [p for p in dict.fromkeys(set_aside) if p.is_file() and p not in writers]
    try:
        for target, writer in writers.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir():
                raise NexusZonesError(f"output {target}: found a folder; expected a file name free for the output. Fix: move that folder or pass another --out")
            fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.{os.getpid()}.", suffix=f".tmp{target.suffix}", dir=target.parent)
            os.close(fd)
            os.unlink(tmp)  # some drivers (GPKG) refuse to write over an existing empty file
            temps[target] = Path(tmp)
            writer(Path(tmp))
        for target in [*temps, *aside]:
            if target.exists():
                backup = target.with_name(f".{target.name}.{os.getpid()}.bak")
                os.replace(target, backup)
                backups[target] = backup
        for target, tmp in temps.items():
            os.replace(tmp, target)
            placed.append(target)
        moved = _to_previous({target: backups[target] for target in aside})
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
    for target, backup in backups.items():
        if target not in aside:
            backup.unlink(missing_ok=True)
    return moved


#: Where a run moves the tables of its study that it no longer writes (features the config no
#: longer enables), so that the folder holds one consistent set and nothing is lost.
PREVIOUS = ".previous"


def _to_previous(backups: Mapping[Path, Path]) -> list[Path]:
    """Move set-aside files (already renamed to their backups) into the folder's :data:`PREVIOUS`."""
    moved = []
    for target, backup in backups.items():
        folder = target.parent / PREVIOUS
        folder.mkdir(exist_ok=True)
        os.replace(backup, folder / target.name)
        moved.append(folder / target.name)
    return moved

# --------------------------------------------------------------------------------- output lock

#: The lock file a run holds in its output folder while it writes.
LOCK_NAME = ".nexus_zones.lock"
#: Called with (folder, holder) each time the lock is found taken (a seam for tests and progress).
_on_busy: Callable[[Path, dict], None] | None = None


@contextmanager
def output_lock(folder: str | Path, *, wait: float = 30.0, poll: float = 0.2) -> Iterator[dict]:
    """Hold the output folder's lock while writing into it.

    The lock is an OS lock (``flock``; ``msvcrt.locking`` on Windows) on ``<folder>/.nexus_zones.lock``,
    which records who holds it (pid, host, start time, command). The OS releases it when its process
    ends, however it ends; a record left by a run that was killed is taken over with a
    :class:`StaleLockWarning`, and that run's temporary files are removed and its backups put back.

    Raises
    ------
    OutputLockedError
        When another run still holds the lock after ``wait`` seconds, naming it and the fix.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd, previous = _acquire(path, folder, wait, poll)
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "started_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "command": " ".join(__import__("sys").argv)[:200]}
    try:
        if previous:
            _take_over(folder, previous)
        _write_holder(fd, holder)
        yield holder
    finally:
        _release(fd, path)


def _lock_fd(fd: int) -> bool:
    """Try to take the OS lock on an open file; True when taken."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _acquire(path: Path, folder: Path, wait: float, poll: float) -> tuple[int, dict]:
    """Open and lock ``path``, waiting up to ``wait`` seconds; return the descriptor and the record
    found in it (a killed run's) or ``{}``."""
    deadline = time.monotonic() + wait
    said = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if _lock_fd(fd):
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino  # not a file its holder has just removed
            except FileNotFoundError:
                same = False
            if same:
                return fd, _read_holder(fd)
            os.close(fd)
            continue
        holder = _read_holder(fd)
        os.close(fd)
        if _on_busy is not None:
            _on_busy(folder, holder)
        if time.monotonic() >= deadline:
            raise OutputLockedError(_locked_message(folder, holder, wait))
        if not said:
            logger.warning("output folder %s: another run (%s) is writing there; waiting up to %g s", folder, _who(holder), wait)
            said = True
        time.sleep(poll)


def _read_holder(fd: int) -> dict:
    os.lseek(fd, 1, os.SEEK_SET)  # byte 0 is the one Windows locks
    text = os.read(fd, 4096).decode("utf-8", errors="replace").strip()
    try:
        holder = json.loads(text) if text else {}
    except json.JSONDecodeError:
        holder = {"record": text[:80]}
    return holder if isinstance(holder, dict) else {"record": str(holder)[:80]}


def _write_holder(fd: int, holder: dict) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, b"\n" + json.dumps(holder).encode("utf-8") + b"\n")
    os.fsync(fd)


def _release(fd: int, path: Path) -> None:
    try:
        os.unlink(path)  # while still locked: a run waiting on this file sees it is gone and opens a new one
    except OSError:  # pragma: no cover - Windows keeps open files; the record is cleared instead
        os.ftruncate(fd, 0)
    os.close(fd)


def _who(holder: dict) -> str:
    if not holder:
        return "a run that has not yet said who it is"
    return f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}, started {holder.get('started_utc', '?')} UTC" + (
        f", command {holder['command'][:80]!r}" if holder.get("command") else "")


def _locked_message(folder: Path, holder: dict, wait: float) -> str:
    return (f"output folder {folder}: found another run writing there ({_who(holder)}), still after waiting {wait:g} s; "
            "expected the folder to be free, so that the outputs all come from one run. Fix: wait for that run to finish and run again, "
            "pass another --out, or raise output.lock_wait in the config")


def _take_over(folder: Path, previous: dict) -> None:
    """Clean up after a run that was killed while writing: remove its temporary files, put its backups back."""
    pid = previous.get("pid")
    restored, removed = [], []
    if isinstance(pid, int):
        for leftover in sorted(folder.glob(f".*.{pid}.bak")):
            target = leftover.with_name(leftover.name[1:].removesuffix(f".{pid}.bak"))
            if not target.exists():
                os.replace(leftover, target)
                restored.append(target.name)
            else:
                leftover.unlink()
                removed.append(leftover.name)
        for leftover in sorted(folder.glob(f".*.{pid}.*.tmp*")):
            leftover.unlink()
            removed.append(leftover.name)
    text = (f"output folder {folder}: the lock of an earlier run ({_who(previous)}) was left behind: that run ended while writing "
            f"(killed?). Taken over; its temporary files removed ({len(removed)}), its backups put back ({', '.join(restored) or 'none'}). "
            "This run writes a complete set of outputs")
    logger.warning("StaleLockWarning: %s", text)  # the run's other warnings were logged by the pipeline already
    warnings.warn(StaleLockWarning(text), stacklevel=4)



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


def _panel_meta(result: "RunResult") -> dict:
    """The periods of a study over periods (none otherwise): each period's window and round, and how
    normalisation keeps scores comparable."""
    panel = result.panel
    if panel is None:
        return {}
    periods = [{"name": p.name, "window": [str(d) if d else None for d in p.window], "round": str(p.round_date)} for p in panel.periods]
    return {"periods": periods, "periods_method": bounds_text(panel, result.plan, "en")}


def _panel_tables(result: "RunResult", out: Path, paths: dict, tables: dict) -> None:
    """A study over periods adds ``<study>_periods.csv`` (one row per unit and period) and
    ``<study>_changes.csv`` (every pair of periods, earlier → later, one row per unit and pair, with
    the change sentence in the config's language)."""
    panel = result.panel
    if panel is None:
        return
    name = result.config.study.name
    paths["periods"] = out / f"{name}_periods.csv"
    paths["changes"] = out / f"{name}_changes.csv"
    tables["periods"] = panel.long
    frames = []
    for i, a in enumerate(panel.names):
        for b in panel.names[i + 1:]:
            change = panel.changes(a, b)
            change["sentence"] = [change_sentence(change, u, result.plan, result.config.language) for u in change.index]
            frames.append(change)
    tables["changes"] = all_changes(panel.long, panel.names, indicators=panel.indicators).assign(
        sentence=[s for f in frames for s in f["sentence"]])


def _outlier_table(result: "RunResult", out: Path, paths: dict, tables: dict) -> None:
    """Indicators given an outlier treatment add ``<study>_outliers.csv``: each value it changed
    (unit, indicator, before, after, the indicator's note; headers alone where none needed it)."""
    if result.outliers:
        paths["outliers"] = out / f"{result.config.study.name}_outliers.csv"
        tables["outliers"] = treat.outlier_table(result.outliers)


def write_outputs(result: "RunResult", out_dir: str | Path, *, map_html: str | None = None, offline: bool | None = None) -> dict[str, Path]:
    """Write the map, the tables and the run metadata for ``result`` into ``out_dir``.

    Returns the paths written, keyed ``map``, ``csv``, ``gpkg``, ``run``, and where the model made
    them ``weights`` (weights by method), ``ranks_by_weights``, ``leave_one_out`` and ``profiles``.
    """
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
    for suffix, table in analyses.tables(result.analyses).items():
        paths[suffix] = out / f"{name}_{suffix}.csv"
        tables[suffix] = table
    _panel_tables(result, out, paths, tables)
    _outlier_table(result, out, paths, tables)
    check_not_inputs(result, paths.values())
    meta = json.dumps(run_metadata(result, paths), indent=2, ensure_ascii=False, default=str) + "\n"
    brief = brief_files(out, name)
    stale = _stale_outputs(brief, brief[0], inputs_stamp(result))
    writers = {paths[kind]: _write_text(table.to_csv(index=False, float_format="%.10g", lineterminator="\n")) for kind, table in tables.items()}
    try:
        with output_lock(out, wait=result.config.output.lock_wait):
            moved = write_all(
                {
                    paths["map"]: _write_text(html),
                    **writers,
                    paths["gpkg"]: _gpkg_writer(result, name),
                    paths["run"]: _write_text(meta),
                },
                set_aside=[*(out / f"{name}_{kind}.csv" for kind in OPTIONAL_TABLES if kind not in paths), *stale],
            )
    except OSError as exc:
        raise NexusZonesError(
            f"output folder {out}: could not write ({exc.strerror or exc}); expected a writable folder. Fix: check permissions and free space, or pass --out"
        ) from exc
    logger.info("outputs: %s written to %s", ", ".join(p.name for p in paths.values()), out)
    _say_moved(moved, stale, name, out, by="run")
    return paths


def _say_moved(moved: list[Path], stale: list[Path], name: str, out: Path, *, by: str) -> None:
    """Log what a command moved to :data:`PREVIOUS`: the other command's files that no longer match
    its inputs, and (``run``) tables of features the config no longer enables."""
    other = {p.name for p in stale}
    mismatched = [p.name for p in moved if p.name in other]
    disabled = [p.name for p in moved if p.name not in other]
    if mismatched:
        owner = "brief" if by == "run" else "run"
        logger.warning("outputs: %d file(s) of study %s written by an earlier `nexus-zones %s` from other inputs (config or data) no longer match "
                       "this %s and were moved to %s: %s; run `nexus-zones %s` again to have them for these inputs",
                       len(mismatched), name, owner, by, out / PREVIOUS, ", ".join(mismatched), owner)
    if disabled:
        logger.info("outputs: %d table(s) of an earlier run of study %s, for features this config does not enable, moved to %s: %s",
                    len(disabled), name, out / PREVIOUS, ", ".join(disabled))


#: The tables a run writes only when the config enables their feature (``<study>_<kind>.csv``): the
#: analyses' (:data:`nexus_zones.analyses.TABLES`), a study over periods' and the outlier treatment's.
OPTIONAL_TABLES = (*analyses.TABLES, "periods", "changes", "outliers")


def _inputs(result: "RunResult") -> list[tuple[str, Path]]:
    """Every file the run read, with the config key that names it (or "an input of the run")."""
    named = [("config file", Path(result.config.source)), *result.plan.inputs]
    known = {str(p.resolve()) for _, p in named}
    return named + [("an input of the run", Path(p)) for p in result.inputs if str(Path(p).resolve()) not in known]


def check_not_inputs(result: "RunResult", outputs: Iterable[Path]) -> None:
    """Refuse, before anything is written, outputs that would overwrite a file the run read.

    Raises
    ------
    NexusZonesError
        Naming each output and the input (with its config key) it is.
    """
    inputs = {str(p.resolve()): (key, p) for key, p in reversed(_inputs(result))}
    clashes = [(out, *inputs[str(out.resolve())]) for out in outputs if str(out.resolve()) in inputs]
    if clashes:
        found = "; ".join(f"{out} is also {key} ({path})" for out, key, path in clashes)
        raise NexusZonesError(
            f"output folder {clashes[0][0].parent}: found outputs that are inputs of this run ({found}); expected outputs that overwrite "
            "no input. Fix: pass another --out (or output.dir), or move the input out of the output folder")


# --------------------------------------------------------------------------------- mission brief


def brief_map_png(result: "RunResult", path: Path, *, dpi: int = 150) -> dict[str, list]:
    """Draw the score map as a PNG with matplotlib (no pyplot, no global state): units coloured by
    score on the map's palette, region outlines, unit names, the top units outlined, a colour bar.

    Unit names never overlap: they are placed greedily by priority (rank, then area) and a name that
    would overlap one already placed is left out. Returns the names ``shown`` with their boxes
    (display pixels, x0, y0, x1, y1) and the names ``hidden``."""
    import numpy as np
    import shapely
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.figure import Figure

    config = result.config
    language = config.language
    scores = result.scores
    k = config.map.top_k
    cmap = LinearSegmentedColormap.from_list("nexus", list(PALETTE))
    fig = Figure(figsize=(8, 6.5), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    has = scores["score"].notna()
    if (~has).any():
        scores[~has].plot(ax=ax, color=NO_DATA, edgecolor="#666", linewidth=0.5)
    if has.any():
        scores[has].plot(ax=ax, column="score", cmap=cmap, vmin=0, vmax=100, edgecolor="#666", linewidth=0.5)
    regions = _region_shapes(scores)
    regions.boundary.plot(ax=ax, color="#222", linewidth=1.4)
    top = scores[scores["rank"].notna() & (scores["rank"].astype("Float64") <= k)]
    if len(top):
        top.boundary.plot(ax=ax, color="#000", linewidth=2.4, linestyle="--")
    labels = []
    if len(scores) <= MAX_UNIT_LABELS:
        for _, row in scores.iterrows():
            point = row.geometry.representative_point()
            rank = "" if pd.isna(row["rank"]) else f" ({int(row['rank'])})"
            labels.append(ax.annotate(f"{row['name']}{rank}", (point.x, point.y), ha="center", va="center", fontsize=7, zorder=5,
                                      color="#111", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.6}, parse_math=False))
    ax.set_title(pick(config.study.title, language), fontsize=11, parse_math=False)  # names and titles are text, never mathtext
    ax.set_axis_off()
    ax.set_aspect(1.0 / max(np.cos(np.radians(shapely.centroid(shapely.union_all(regions.to_numpy())).y)), 0.2))
    bar = fig.colorbar(ScalarMappable(norm=Normalize(0, 100), cmap=cmap), ax=ax, orientation="horizontal", fraction=0.04, pad=0.02)
    bar.set_label(t("score_legend", language) + " · " + t("top_k", language, k=k), fontsize=8)
    fig.tight_layout()
    kept = set(_place_labels(fig, labels, _label_priority(scores)))
    fig.savefig(path, format="png", dpi=dpi)
    renderer = fig.canvas.get_renderer()
    shown = [(labels[i].get_text(), tuple(float(v) for v in _label_box(labels[i], renderer).extents)) for i in sorted(kept)]
    return {"shown": shown, "hidden": [labels[i].get_text() for i in range(len(labels)) if i not in kept]}


def _label_priority(scores: pd.DataFrame) -> list[int]:
    """Positions of the units by label priority: by rank (unranked last), larger units first among
    equals (areas in an equal-area CRS)."""
    import numpy as np

    area = scores.geometry.to_crs(6933).area.to_numpy() if scores.crs is not None else scores.geometry.area.to_numpy()
    rank = scores["rank"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
    return [int(i) for i in np.lexsort((-area, rank))]


def _label_box(label, renderer):
    """A label's box as drawn: its text with the white box's padding (0.15 of the font size)."""
    pad = 0.15 * label.get_fontsize() * renderer.points_to_pixels(1.0)
    return label.get_window_extent(renderer).padded(pad)


def _place_labels(fig, labels: list, order: list[int]) -> list[int]:
    """Greedy placement by priority: a label whose box (as drawn, in display pixels) would overlap
    one already kept is hidden. Returns the positions of the labels kept."""
    if not labels:
        return []
    fig.canvas.draw()  # the axes take their final place (aspect) only when drawn
    renderer = fig.canvas.get_renderer()
    kept, boxes = [], []
    for i in order:
        box = _label_box(labels[i], renderer)
        if any(box.overlaps(other) for other in boxes):
            labels[i].set_visible(False)
        else:
            kept.append(i)
            boxes.append(box)
    return kept


def _region_shapes(scores: "gpd.GeoDataFrame") -> "gpd.GeoSeries":
    """Each region's units merged into one shape (GEOS refusals repaired and reported, see :mod:`geometry`)."""
    import geopandas as gpd
    import shapely

    shapes = {}
    for region, members in scores.groupby("region", sort=True):
        labels = [f"{name} ({unit})" for unit, name in members["name"].items()]
        shapes[region] = geometry.safe_op(shapely.union_all, members.geometry.to_numpy(), labels, what=f"outline of region {region}", source="brief map")
    return gpd.GeoSeries(shapes, crs=scores.crs)


def _one_decimal(value: float, language: str) -> str:
    if pd.isna(value):
        return "–"
    return fixed(value, language, 1)


def brief_html(result: "RunResult", png: bytes) -> str:
    """The printable mission brief: map, ranking with bands, the top units and why, method, sources."""
    import base64
    from datetime import date

    config = result.config
    lang = config.language
    esc = _esc
    k = config.map.top_k
    rows = _brief_ranking_rows(result, lang)
    top_blocks = _brief_top_units(result, lang, k)
    weight_rows = _brief_weight_rows(result, lang)
    sources = _brief_sources(config, lang)
    method = _brief_method(config, lang)
    note = f"<p class='note'>{esc(pick(config.study.note, lang))}</p>" if config.study.note else ""
    image = base64.b64encode(png).decode("ascii")
    robust_head = t("robust_head", lang, k=config.robustness.top_k)
    heads = [t(key, lang) for key in ("rank", "region_rank", "name", "region", "score_short", "rules_failed_n")] + [t("rank_band_head", lang), robust_head[:1].upper() + robust_head[1:], t("which_rules", lang)]
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(t('brief_title', lang))} — {esc(pick(config.study.title, lang))}</title>
<style>
body {{font: 11pt/1.4 system-ui, sans-serif; margin: 1.5cm; color: #111;}} h1 {{font-size: 18pt; margin: 0;}} h2 {{font-size: 13pt; margin-top: 1.2em; border-bottom: 1px solid #999;}}
h3 {{font-size: 11pt; margin: .6em 0 .2em 0;}} small {{color: #555; font-weight: normal;}} .note {{color: #8a3b00; font-weight: 600;}}
table {{border-collapse: collapse; width: 100%; font-size: 9.5pt;}} td, th {{border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left;}}
img {{max-width: 100%;}} ul {{margin: .2em 0; padding-left: 1.2em;}} .ok {{color: #1a6b35;}} .ko {{color: #b2182b;}} li.lead {{font-weight: bold;}} .meta {{color: #555; font-size: 9pt;}}
@media print {{ body {{margin: 0;}} section.unit, tr {{break-inside: avoid;}} h2 {{break-after: avoid;}} }}
</style></head><body>
<h1>{esc(t('brief_title', lang))} — {esc(pick(config.study.title, lang))}</h1>{note}
<p class="meta">{esc(t('generated', lang, date=date.today().isoformat()))} · config {esc(config.sha256[:12])} · nexus_zones</p>
<h2>{esc(t('map', lang))}</h2><img alt="{esc(t('map', lang))}" src="data:image/png;base64,{image}">
<h2>{esc(t('ranking', lang))}</h2>{_rules_decide(result, lang)}<table><tr>{''.join(f'<th>{esc(h)}</th>' for h in heads)}</tr>{''.join(rows)}</table>
<h2>{esc(t('top_units', lang))}</h2>{''.join(top_blocks)}
{analyses.brief(result, lang)}
{_periods_section(result, esc)}
<h2>{esc(t('method', lang))}</h2><p>{esc(method)}</p>{_periods_method(result, esc)}
<table><tr><th>{esc(t('indicator', lang))}</th><th>{esc(t('weight', lang))}</th><th></th><th></th></tr>{weight_rows}</table>
{_brief_tree(result, lang)}
<h2>{esc(t('sources', lang))}</h2><ul>{sources}</ul>
</body></html>
"""


def _esc(value) -> str:
    """A value as HTML text, quotes escaped too."""
    import html as html_mod

    return html_mod.escape(str(value), quote=True)


def _rules_decide(result: "RunResult", lang: str) -> str:
    """The one sentence saying that the rules alone decide the order or the top k, when they do."""
    said = explain.rules_claim(result)
    return f"<p class='rules-decide'><b>{_esc(claims.render(said, lang, explain.labels(result.plan, lang)))}</b></p>" if said is not None else ""


def _brief_ranking_rows(result: "RunResult", lang: str) -> list[str]:
    """One table row per unit: rank, region rank, name, region, score, number of rules failed, rank
    band, among the first k whatever the weights (a claim), the rules it fails."""
    config, esc = result.config, _esc
    decided, labels = explain.rules_decide_top(result), explain.labels(result.plan, lang)
    robustness = result.analysis("robustness")
    rows = []
    for unit, row in result.scores.iterrows():
        band = "–" if robustness is None or pd.isna(row["rank_p05"]) else (
            f"{int(row['rank_p05'])}–{int(row['rank_p95'])}" if row["rank_p05"] != row["rank_p95"] else str(int(row["rank_p05"])))
        robust = explain.robust_claim(result, unit, decided=decided, short=True)
        failed = "; ".join(pick(config.rules[r].label, lang, config.rules[r].expr) for r in config.rules if not bool(row[f"rule_{r}"]))
        n_failed = str(int(row["rules_failed_count"])) if config.rules else "–"
        rank = "–" if pd.isna(row["rank"]) else str(int(row["rank"]))
        region_rank = "–" if pd.isna(row["region_rank"]) else str(int(row["region_rank"]))
        rows.append(
            f"<tr><td>{rank}</td><td>{region_rank}</td><td>{esc(row['name'])}</td><td>{esc(row['region'])}</td><td>{_one_decimal(row['score'], lang)}</td>"
            f"<td>{n_failed}</td><td>{band}</td><td>{esc(claims.render(robust, lang, labels)) if robust is not None else '–'}</td><td>{esc(failed)}</td></tr>"
        )
    return rows


def _brief_top_units(result: "RunResult", lang: str, k: int) -> list[str]:
    """One section per unit ranked in the top ``k``: why, led by the three lines its popup leads with
    (:func:`claims.pick_three`) and then the others (strengths and weaknesses by their points), what
    low reporting may hide, and each rule passed or failed."""
    config, scores, esc = result.config, result.scores, _esc
    labels, means, ends = explain.labels(result.plan, lang), explain.other_means(result), explain._ends(result)
    top_blocks = []
    for unit, row in scores[scores["rank"].notna() & (scores["rank"].astype("Float64") <= k)].iterrows():
        why = explain.why_claims(result, unit, means=means, ends=ends)
        lead = claims.pick_three([(c, good, None) for c, good in why])
        said = "".join(f'<li class="{"ok" if good else "ko"}{" lead" if i in lead else ""}">{esc(claims.render(c, lang, labels))}</li>'
                       for i, (c, good) in sorted(enumerate(why), key=lambda x: x[0] not in lead))
        low = "".join(f"<p class='note'>{esc(claims.render(c, lang, labels))}</p>" for c in explain.reporting_claims(result, unit, lang))
        rules = "".join(
            f'<li class="{"ok" if bool(row[f"rule_{r}"]) else "ko"}">{"✔" if bool(row[f"rule_{r}"]) else "✘"} {esc(pick(spec.label, lang, spec.expr))}</li>'
            for r, spec in config.rules.items()
        )
        top_blocks.append(f"<section class='unit'><h3>{int(row['rank'])}. {esc(row['name'])} <small>{esc(unit)} · {esc(row['region'])}</small></h3>{low}<ul>{said}</ul><ul>{rules}</ul></section>")
    return top_blocks


def _brief_weight_rows(result: "RunResult", lang: str) -> str:
    """The method's table rows: each indicator's label, effective weight, direction and normalisation."""
    config, weights, esc = result.config, result.scored.weights, _esc
    return "".join(
        f"<tr><td>{esc(label_of(config, n, lang))}</td><td>{percent(weights[n], lang)}</td><td>{t('lower_better' if i.direction == 'cost' else 'higher_better', lang)}</td><td>{esc(t('norm_' + i.normalisation, lang))}</td></tr>"
        for n, i in config.indicators.items()
    )


def _brief_tree(result: "RunResult", lang: str) -> str:
    """The model tree as nested lists: the index, then each node with its rule and each child (node
    or indicator) with its weight among its siblings (its factor under max and min)."""
    config, esc = result.config, _esc
    drawn = model_tree(config)

    def label(name: str) -> str:
        if name == drawn.root:
            return t("score", lang)
        if name in config.indicators:
            return label_of(config, name, lang)
        return pick(config.model.pillars[name].label, lang, name)

    def rule(name: str) -> str:
        node = drawn.nodes[name]
        said = [t("tree_rule", lang, rule=t(f"agg_{node.aggregation}", lang))]
        said += [t("tree_offset", lang, offset=number(node.offset, lang))] if node.aggregation == "geometric" else []
        return "; ".join(said + ([t("tree_renormalise", lang)] if node.missing == "renormalise" else []))

    def child(name: str, parent: tree.Node) -> str:
        if parent.aggregation in ("max", "min"):
            share = t("tree_factor", lang, factor=number(drawn.factor.get(name, 1.0), lang))
        else:
            raw = [drawn.weight.get(c, 1.0) for c in parent.children]
            share = t("tree_weight", lang, weight=percent(drawn.weight.get(name, 1.0) / sum(raw) if sum(raw) > 0 else 1.0 / len(raw), lang))
        return f"<li>{esc(label(name))} <small>({esc(name)}) — {esc(share)}</small>{below(name)}</li>"

    def below(name: str) -> str:
        node = drawn.nodes.get(name)
        if node is None:
            return ""
        return f"<br><small>{esc(rule(name))}</small><ul>{''.join(child(c, node) for c in node.children)}</ul>"

    return f"<h3>{esc(t('tree_title', lang))}</h3><ul class='tree'><li><b>{esc(label(drawn.root))}</b>{below(drawn.root)}</li></ul>"


def _brief_sources(config: "Config", lang: str) -> str:
    """The list items of the sources: each layer's source with its period when it has one."""
    esc = _esc
    return "".join(
        f"<li>{esc(pick(layer.source, lang, name))}{' — ' + esc(_period(layer, lang)) if _period(layer, lang) else ''}</li>"
        for name, layer in config.layers.items()
    )


def _brief_method(config: "Config", lang: str) -> str:
    """The method's sentence: aggregation, what happens to failing units, the draws and seed of the robustness check."""
    rb = config.robustness
    return t("method_text", lang, aggregation=t(f"agg_{config.model.aggregation}", lang), failing=t(f"failing_{config.model.failing_units}", lang),
             draws=number(rb.draws, lang), concentration=number(rb.concentration, lang), seed=rb.seed)


def _periods_method(result: "RunResult", esc) -> str:
    """The method's sentence on comparability across periods (nothing for a single snapshot)."""
    if result.panel is None:
        return ""
    return f"<p>{esc(bounds_text(result.panel, result.plan, result.config.language))}</p>"


def _periods_section(result: "RunResult", esc) -> str:
    """For a study over periods: what changed between the first and the last period (units entering
    or leaving the top k, each top unit's change sentence) and the trajectories of the top units."""
    panel = result.panel
    if panel is None or len(panel.names) < 2:
        return ""
    lang, config = result.config.language, result.config
    a, b = panel.names[0], panel.names[-1]
    k = config.map.top_k
    names = panel.long.drop_duplicates("unit_id").set_index("unit_id")["name"]
    entering, leaving = top_k_moves(panel.long, a, b, k)
    said = lambda units: ", ".join(esc(names[u]) for u in units) or esc(t("no_unit", lang))  # noqa: E731
    changes = panel.changes(a, b)
    top = list(changes.index[changes[f"rank_{b}"].notna() & (changes[f"rank_{b}"].astype(float) <= k)])
    moves = "".join(f"<li>{esc(change_sentence(changes, u, result.plan, lang))}</li>" for u in top)
    heads = "".join(f"<th>{esc(p)}</th>" for p in panel.names)
    rows = []
    for u in top:
        traj = panel.long[panel.long["unit_id"] == u].set_index("period")
        cells = "".join(f"<td>{_one_decimal(traj.at[p, 'score'], lang)} ({'–' if pd.isna(traj.at[p, 'rank']) else int(traj.at[p, 'rank'])})</td>" for p in panel.names)
        rows.append(f"<tr><td>{esc(names[u])}</td>{cells}</tr>")
    return (f"<h2>{esc(t('changes_title', lang, a=a, b=b))}</h2><p>{esc(t('entering_top', lang, k=k, units='{e}')).replace('{e}', said(entering))}<br>"
            f"{esc(t('leaving_top', lang, k=k, units='{l}')).replace('{l}', said(leaving))}</p><ul>{moves}</ul>"
            f"<h2>{esc(t('trajectories_title', lang, k=k, b=b))}</h2><table><tr><th>{esc(t('name', lang))}</th>{heads}</tr>{''.join(rows)}</table>"
            f"<p class='meta'>{esc(t('score_short', lang))} ({esc(t('rank', lang))})</p>")


def write_brief(result: "RunResult", out_dir: str | Path) -> dict[str, Path]:
    """Write ``<study>_brief.html`` (printable, one file), ``<study>_map.png`` and ``<study>_scores.xlsx``."""
    out = Path(out_dir)
    name = result.config.study.name
    paths = {"brief": out / f"{name}_brief.html", "png": out / f"{name}_map.png", "xlsx": out / f"{name}_scores.xlsx"}
    check_not_inputs(result, paths.values())
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp_png = tempfile.mkstemp(prefix=f".map.{os.getpid()}.", suffix=".tmp.png", dir=out)
    os.close(fd)
    try:
        brief_map_png(result, Path(tmp_png))
        png = Path(tmp_png).read_bytes()
    finally:
        Path(tmp_png).unlink(missing_ok=True)

    def xlsx(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            scores_table(result).to_excel(writer, sheet_name="scores", index=False)
            written = analyses.tables(result.analyses)
            for sheet in ("weights", "ranks_by_weights"):
                if sheet in written:
                    written[sheet].to_excel(writer, sheet_name=sheet, index=False)
            literal_cells(writer.book)  # a name such as "=HYPERLINK(...)" stays text

    stamp = inputs_stamp(result)
    page = brief_html(result, png).replace("<head>", f'<head><meta name="nexus-zones-inputs" content="{stamp}">', 1)
    stale = _stale_outputs(run_files(out, name), out / f"{name}_run.json", stamp)
    with output_lock(out, wait=result.config.output.lock_wait):
        moved = write_all({paths["brief"]: _write_text(page), paths["png"]: lambda p: p.write_bytes(png), paths["xlsx"]: xlsx}, set_aside=stale)
    logger.info("brief: %s written to %s", ", ".join(p.name for p in paths.values()), out)
    _say_moved(moved, stale, name, out, by="brief")
    return paths
