"""The ``raster`` kind: a raster (population, flood hazard) summarised per unit with exact
fractional pixel coverage.

Owns its config spec (:class:`RasterLayerSpec`), its reader (:func:`read_raster`, which checks the
file and returns a :class:`RasterInfo`: the only code here that opens the file, by windows), its
measures (:data:`RASTER_MEASURES`) and its per-unit measure (:func:`zonal_stats`, which reads only
through the :class:`RasterInfo` it is given).
"""

from __future__ import annotations

import logging
import math
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import Field, FiniteFloat, ValidationInfo, field_validator

from .. import load
from ..errors import InputDataError, MissingValueWarning, Problem
from .base import MeasureContext, Measured, ReadContext, _HasPath, _resolve

__all__ = ["RasterLayerSpec", "RASTER_MEASURES", "RasterInfo", "read_raster", "zonal_stats", "coverage_entries", "measures", "read", "measure"]

logger = logging.getLogger(__name__)

#: Measures a raster layer yields (``share_above`` only with a threshold).
RASTER_MEASURES = ("sum", "mean", "share_above", "valid_share")


class RasterLayerSpec(_HasPath):
    """A raster (population, flood hazard) summarised per unit with fractional pixel coverage."""

    kind: Literal["raster"]
    band: int = Field(1, ge=1)
    threshold: FiniteFloat | None = Field(None, description="For share_above: share of the unit's valid area above this value.")
    nodata: FiniteFloat | None = Field(None, description="Nodata value when the file does not declare one.")
    period_paths: dict[str, Path] = Field(
        default_factory=dict, description="In a study with periods: the file of each period by its name (periods not named use path)."
    )

    @field_validator("period_paths")
    @classmethod
    def _resolve_period_paths(cls, value: dict[str, Path], info: ValidationInfo) -> dict[str, Path]:
        return {name: _resolve(path, info, data=True) for name, path in value.items()}

    def input_paths(self) -> tuple[Path, ...]:
        """The raster and those of the periods."""
        return (self.path, *self.period_paths.values())


Spec = RasterLayerSpec


# ------------------------------------------------------------------------------------ the kind


def measures(spec: RasterLayerSpec) -> tuple[str, ...]:
    """``sum``, ``mean``, ``valid_share``, and ``share_above`` where a threshold is set."""
    return RASTER_MEASURES if spec.threshold is not None else tuple(m for m in RASTER_MEASURES if m != "share_above")


def read(name: str, spec: RasterLayerSpec, context: ReadContext) -> "RasterInfo":
    """Check that the raster opens, with a CRS and the band (see :func:`read_raster`)."""
    return read_raster(spec.path, band=spec.band, nodata=spec.nodata, layer=name)


def measure(name: str, spec: RasterLayerSpec, data: "RasterInfo", context: MeasureContext) -> Measured:
    """Zonal statistics of the raster over each study unit (see :func:`zonal_stats`)."""
    return Measured(zonal_stats(context.units, data, threshold=spec.threshold, layer=name, progress=context.bar(f"zonal statistics, layer {name}"),
                                cache=context.cache))


def for_period(spec: RasterLayerSpec, period) -> RasterLayerSpec:
    """The layer in a period of a follow-up study: the period's file where ``period_paths`` names one."""
    path = spec.period_paths.get(period.name)
    return spec if path is None else spec.model_copy(update={"path": path})


# ------------------------------------------------------------------------------------ reader


@dataclass(frozen=True)
class RasterInfo:
    """A raster checked to open, and the reader of its windows (:meth:`open`)."""

    path: Path
    band: int
    crs: str
    nodata: float | None
    width: int
    height: int
    bounds: tuple[float, float, float, float]
    dtype: str
    transform: Any = None
    block_rows: int = 1

    @contextmanager
    def open(self) -> Iterator["_WindowReader"]:
        """A handle reading windows of the band (one per thread: handles are not shared)."""
        import rasterio

        with rasterio.open(self.path) as src:
            yield _WindowReader(src, self.band)


class _WindowReader:
    """Reads windows of one band of an open raster."""

    def __init__(self, src, band: int):
        self._src, self._band = src, band

    def read(self, col: int, row: int, width: int, height: int) -> np.ndarray:
        """The band's pixels in columns ``col``..``col+width`` and rows ``row``..``row+height``."""
        from rasterio.windows import Window

        return self._src.read(self._band, window=Window(col, row, width, height))


def read_raster(path: Path, *, band: int = 1, nodata: float | None = None, layer: str = "layer") -> RasterInfo:
    """Open a raster and check it: a CRS, the band, a nodata value (the file's, else ``nodata``)."""
    import rasterio
    from rasterio.errors import RasterioIOError

    load._require_file(path)
    try:
        with rasterio.open(path) as src:
            problems = []
            if src.crs is None:
                problems.append(Problem("CRS", "no coordinate reference system", "a raster that declares its CRS", "set it with gdal_edit.py -a_srs; nexus_zones never guesses one"))
            if band > src.count:
                problems.append(Problem(f"layers.{layer}.band", str(band), f"a band from 1 to {src.count}"))
            if problems:
                raise InputDataError(str(path), problems)
            declared = src.nodatavals[band - 1]
            return RasterInfo(
                path=path, band=band, crs=src.crs.to_string(), nodata=declared if declared is not None else nodata,
                width=src.width, height=src.height, bounds=tuple(src.bounds), dtype=src.dtypes[band - 1],
                transform=src.transform, block_rows=src.block_shapes[band - 1][0],
            )
    except RasterioIOError as exc:
        raise InputDataError.one(str(path), "file", f"unreadable as a raster ({exc})", "a GeoTIFF or another raster GDAL reads") from exc


# ------------------------------------------------------------------------------------ coverage


def _rings(geom) -> list[np.ndarray]:
    """Every ring of a (multi)polygon, oriented (exteriors counter-clockwise, holes clockwise)."""
    geom = shapely.orient_polygons(geom)
    rings = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings.append(np.asarray(poly.exterior.coords))
        rings.extend(np.asarray(r.coords) for r in poly.interiors)
    return rings


def _grid_crossings(p0: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments p0→p1 along one axis: (segment index, parameter t) of every crossing of an integer line."""
    lo, hi = np.minimum(p0, p1), np.maximum(p0, p1)
    first = np.floor(lo) + 1
    n = np.maximum(np.ceil(hi) - first, 0).astype(np.int64)
    seg = np.repeat(np.arange(len(p0)), n)
    offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    k = np.repeat(first, n) + offsets
    return seg, (k - p0[seg]) / (p1 - p0)[seg]


def coverage_entries(geom, transform, col0: int, row0: int, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse *accumulation* entries of a polygon on a pixel window: (rows, cols, values), cols in
    0..width, sorted by row.

    The exact share of each pixel covered by the polygon is the absolute value of the running sum of
    these entries along each row (the area-accumulation technique of font rasterisers): every ring
    segment is cut at the grid lines; a piece of vertical extent h whose midpoint lies at fraction x
    across its pixel adds h·(1 − x) to that pixel and h·x to the next one, so each pixel to the right
    of the piece gets h. Signed by orientation, holes subtract. Pieces left of the window land in its
    first column; pieces right of it in the extra column ``width``, which is dropped.
    """
    a, c, e, f = transform.a, transform.c, transform.e, transform.f
    parts = []
    for xy in _rings(geom):
        px = (xy[:, 0] - c) / a - col0
        py = (xy[:, 1] - f) / e - row0
        parts.append(np.column_stack([px[:-1], py[:-1], px[1:], py[1:]]))
    if not parts:
        empty = np.empty(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty
    seg4 = np.concatenate(parts)
    seg4 = seg4[seg4[:, 1] != seg4[:, 3]]  # horizontal pieces add no area
    x0, y0, x1, y1 = seg4.T
    sx, tx = _grid_crossings(x0, x1)
    sy, ty = _grid_crossings(y0, y1)
    n = len(x0)
    seg = np.concatenate([np.arange(n), np.arange(n), sx, sy])
    t = np.concatenate([np.zeros(n), np.ones(n), tx, ty])
    order = np.lexsort((t, seg))
    seg, t = seg[order], t[order]
    same = seg[1:] == seg[:-1]
    s_, ta, tb = seg[:-1][same], t[:-1][same], t[1:][same]
    dx, dy = (x1 - x0)[s_], (y1 - y0)[s_]
    xm = x0[s_] + (ta + tb) / 2 * dx
    ym = y0[s_] + (ta + tb) / 2 * dy
    h = (tb - ta) * dy
    col = np.floor(xm)
    frac = xm - col
    col = col.astype(np.int64)
    row = np.floor(ym).astype(np.int64)
    rows = np.concatenate([row, row])
    cols = np.clip(np.concatenate([col, col + 1]), 0, width)
    values = np.concatenate([h * (1.0 - frac), h * frac])
    keep = (rows >= 0) & (rows < height) & (values != 0)
    rows, cols, values = rows[keep], cols[keep], values[keep]
    order = np.argsort(rows, kind="stable")
    return rows[order], cols[order], values[order]


def _dense(rows, cols, values, r_from: int, r_to: int, width: int) -> np.ndarray:
    """Coverage (|running sum| along rows) of window rows r_from..r_to-1 from sorted sparse entries."""
    lo, hi = np.searchsorted(rows, [r_from, r_to])
    n = r_to - r_from
    acc = np.bincount((rows[lo:hi] - r_from) * (width + 1) + cols[lo:hi], weights=values[lo:hi], minlength=n * (width + 1))
    cover = np.abs(np.cumsum(acc.reshape(n, width + 1), axis=1)[:, :width])
    return np.minimum(cover, 1.0, out=cover)


def _window(bounds, transform, width: int, height: int):
    """The pixel window (whole pixels) holding ``bounds`` in a north-up raster, or ``None`` if outside."""
    from rasterio.windows import Window

    minx, miny, maxx, maxy = bounds
    cols = sorted(((minx - transform.c) / transform.a, (maxx - transform.c) / transform.a))
    rows = sorted(((maxy - transform.f) / transform.e, (miny - transform.f) / transform.e))
    c0, c1 = max(int(math.floor(cols[0])), 0), min(int(math.ceil(cols[1])), width)
    r0, r1 = max(int(math.floor(rows[0])), 0), min(int(math.ceil(rows[1])), height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


# ------------------------------------------------------------------------------------ measure


@dataclass(frozen=True)
class _UnitWindow:
    """A unit's pixel window (rows ``r0``..``r1``, columns ``c0``..``c0+w``) and the sparse
    accumulation entries of its boundary there (:func:`coverage_entries`)."""

    r0: int
    r1: int
    c0: int
    w: int
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray


def zonal_stats(
    units: gpd.GeoDataFrame,
    raster: RasterInfo,
    *,
    threshold: float | None = None,
    layer: str = "raster",
    workers: int = 2,
    strip_rows: int | None = None,
    progress=None,
    cache: dict | None = None,
) -> pd.DataFrame:
    """Per-unit statistics of a raster with exact fractional pixel coverage.

    Polygons are reprojected to the raster's CRS. The raster is streamed once, in strips of whole
    block rows, by ``workers`` threads (each with its own handle from :meth:`RasterInfo.open`); it is
    never loaded whole. Each unit's exact coverage is kept as runs of pixels of equal coverage
    (:func:`_coverage_runs`, from the accumulation entries of its boundary, :func:`coverage_entries`):
    a strip's sums are then one pass of ``numpy.add.reduceat`` over it for all units together.
    Nodata (and NaN) pixels are left out. ``progress(done, total)`` is called after each strip.

    Returns ``sum`` (Σ value × coverage), ``mean`` (the coverage-weighted mean of valid pixels),
    ``valid_share`` (the share of the unit's whole area covered by pixels with data) and, with a
    ``threshold``, ``share_above`` (the share of the valid area whose value is above it). A unit
    the raster does not reach, or where it has only nodata, gets missing values; a unit the raster
    covers only in part is named in a warning. All of them are named.

    ``cache``, a dict kept for these same ``units`` (the pipeline's, shared by every raster layer and
    every period of a run), holds each grid's coverage once computed: N rasters on one grid (same
    CRS, transform and size) compute the units' exact coverage once and then cost about N reads.
    """
    transform = raster.transform
    if transform.b != 0 or transform.d != 0:
        raise InputDataError.one(str(raster.path), "transform", "a rotated raster", "a north-up raster", "warp it with gdalwarp first")
    geoms, windows, missed, runs = _grid_coverage(units, raster, cache)
    strips = _strips(windows, raster, strip_rows)
    totals = _stream(raster, strips, runs, len(windows), threshold=threshold, workers=max(workers, 1), progress=progress)
    out, partial = _statistics(units.index, geoms, totals, windows, missed, pixel=abs(transform.a * transform.e), threshold=threshold)
    _warn_coverage(out, missed, partial, layer=layer, name=raster.path.name)
    logger.info("layer %s: zonal statistics of %s for %d units, %d strips of rows, %d threads (%d units not covered)",
                layer, raster.path.name, len(units), len(strips), max(workers, 1), len(missed))
    return out


def _grid_coverage(units: gpd.GeoDataFrame, raster: RasterInfo, cache: dict | None) -> tuple[np.ndarray, list, list[str], "_Runs"]:
    """The units reprojected to the raster's CRS, their windows, the units it does not reach and
    their coverage runs on its grid: computed once per grid and kept in ``cache`` (keyed by the grid
    and the units' ids) when one is given."""
    transform = raster.transform
    key = ("raster_grid", raster.crs, tuple(transform)[:6], raster.width, raster.height, tuple(units.index))
    if cache is not None and key in cache:
        geoms, windows, missed, runs = cache[key]
        logger.debug("raster %s: the units' coverage of its grid computed before is reused", raster.path.name)
        return geoms, windows, list(missed), runs
    geoms = units.geometry.to_crs(raster.crs).to_numpy()
    windows, missed = _unit_windows(units.index, geoms, transform, raster.width, raster.height)
    runs = _Runs.of(windows)
    if cache is not None:
        cache[key] = (geoms, windows, tuple(missed), runs)
    return geoms, windows, missed, runs


@dataclass(frozen=True)
class _Runs:
    """Every unit's exact coverage of a grid as runs: in row ``rows[k]``, the pixels of columns
    ``starts[k]``..``ends[k] - 1`` are each covered by the share ``cover[k]`` of unit ``units[k]``
    (its position among the units). Sorted by row, then start, so that a strip's runs are one slice."""

    units: np.ndarray
    rows: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    cover: np.ndarray

    @classmethod
    def of(cls, windows: list) -> "_Runs":
        """The runs of every unit's window (:func:`_coverage_runs`), merged and sorted."""
        parts = [(i, *_coverage_runs(w)) for i, w in enumerate(windows) if w is not None]
        if not parts:
            empty = np.empty(0, dtype=np.int64)
            return cls(empty, empty, empty, empty, np.empty(0))
        units = np.concatenate([np.full(len(p[1]), p[0], dtype=np.int64) for p in parts])
        rows, starts, ends, cover = (np.concatenate([p[k] for p in parts]) for k in range(1, 5))
        order = np.argsort(rows * (int(ends.max()) + 1) + starts)
        return cls(units[order], rows[order], starts[order], ends[order], cover[order])

    def between(self, r_from: int, r_to: int) -> "_Runs":
        """The runs in rows ``r_from``..``r_to - 1``."""
        lo, hi = np.searchsorted(self.rows, [r_from, r_to])
        return _Runs(self.units[lo:hi], self.rows[lo:hi], self.starts[lo:hi], self.ends[lo:hi], self.cover[lo:hi])


#: Coverage below this share of a pixel is rounding left by a ring's running sum, not area.
_NO_COVER = 1e-12


def _coverage_runs(win: _UnitWindow) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A unit's exact coverage as runs (grid rows, first and past-last grid columns, coverage): the
    running sum of the accumulation entries along a row is constant between two entries, so each
    distinct entry column starts a run that ends at the row's next entry (or the window's edge).
    Runs of no coverage, and the column right of the window, are left out."""
    span = win.w + 1
    keys, where = np.unique(win.rows * span + win.cols, return_inverse=True)
    values = np.bincount(where, weights=win.values)
    rows, cols = np.divmod(keys, span)
    running = np.cumsum(values)
    first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    running -= np.repeat((running - values)[first], np.diff(np.r_[first, len(rows)]))  # each row's own running sum
    last = np.r_[rows[1:] != rows[:-1], True]
    ends = np.where(last, win.w, np.r_[cols[1:], win.w])
    cover = np.minimum(np.abs(running), 1.0)
    keep = (cols < win.w) & (cover > _NO_COVER)
    return rows[keep] + win.r0, cols[keep] + win.c0, ends[keep] + win.c0, cover[keep]


def _unit_windows(ids: pd.Index, geoms: np.ndarray, transform, width: int, height: int) -> tuple[list[_UnitWindow | None], list[str]]:
    """Each unit's window and coverage entries (``None`` where the raster does not reach it), and the
    ids of the units it does not reach."""
    windows: list[_UnitWindow | None] = []
    missed: list[str] = []
    for uid, geom in zip(ids, geoms):
        win = _window(geom.bounds, transform, width, height)
        if win is None:
            missed.append(uid)
            windows.append(None)
            continue
        c0, r0, w, h = int(win.col_off), int(win.row_off), int(win.width), int(win.height)
        windows.append(_UnitWindow(r0, r0 + h, c0, w, *coverage_entries(geom, transform, c0, r0, w, h)))
    return windows, missed


def _strips(windows: list[_UnitWindow | None], raster: RasterInfo, strip_rows: int | None) -> list[tuple[int, int]]:
    """Row ranges of whole block rows (about 2 million pixels each, so that two threads share even
    a small raster evenly) spanning every unit's window."""
    active = [w for w in windows if w is not None]
    top = min((w.r0 for w in active), default=0)
    bottom = max((w.r1 for w in active), default=0)
    block_rows = raster.block_rows
    step = strip_rows or max(block_rows, (2_000_000 // max(raster.width, 1)) // block_rows * block_rows)
    return [(r, min(r + step, bottom)) for r in range(top, bottom, step)]


def _stream(raster: RasterInfo, strips: list[tuple[int, int]], runs: _Runs, n_units: int, *, threshold: float | None, workers: int, progress) -> np.ndarray:
    """Read the strips with ``workers`` threads; per unit: Σ value × coverage, valid area, covered
    area, and area above the threshold (in pixels)."""
    totals = np.zeros((workers, n_units, 4))
    done = [0]
    lock = threading.Lock()

    def work(worker: int) -> None:
        with raster.open() as reader:
            for k in range(worker, len(strips), workers):
                r_from, r_to = strips[k]
                inside = runs.between(r_from, r_to)
                if len(inside.units):
                    totals[worker] += _strip_totals(reader, r_from, r_to, inside, n_units, nodata=raster.nodata, threshold=threshold)
                with lock:
                    done[0] += 1
                    if progress is not None:
                        progress(done[0], len(strips))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(work, range(workers)))
    return totals.sum(axis=0)


def _strip_totals(reader: "_WindowReader", r_from: int, r_to: int, runs: _Runs, n_units: int, *, nodata, threshold) -> np.ndarray:
    """One strip's contribution to each unit (the columns of :func:`_stream`): the strip's layers
    (values where valid, valid pixels, valid pixels above the threshold) summed over every run at once."""
    c_min, c_max = int(runs.starts.min()), int(runs.ends.max())
    data = reader.read(c_min, r_from, c_max - c_min, r_to - r_from)
    valid = ~np.isnan(data) if data.dtype.kind == "f" else np.ones(data.shape, dtype=bool)
    if nodata is not None:
        valid &= data != nodata
    first = (runs.rows - r_from) * (c_max - c_min) + (runs.starts - c_min)
    bounds = np.empty(2 * len(first), dtype=np.intp)
    bounds[0::2], bounds[1::2] = first, first + (runs.ends - runs.starts)
    sums = [np.add.reduceat(_padded(data, valid, zero=True), bounds, dtype=np.float64)[0::2],  # each run's sum of values
            _count_in_runs(~valid, bounds, invert=True)]
    if threshold is not None:
        sums.append(_count_in_runs((data > threshold) & valid, bounds))
    out = np.zeros((n_units, 4))
    for column, weights in ((0, sums[0]), (1, sums[1]), (2, runs.ends - runs.starts), (3, sums[2] if threshold is not None else None)):
        if weights is not None:
            out[:, column] = np.bincount(runs.units, weights=runs.cover * weights, minlength=n_units)
    return out


def _count_in_runs(mask: np.ndarray, bounds: np.ndarray, *, invert: bool = False) -> np.ndarray:
    """How many pixels of each run (``bounds``: start, end, start, end, ... in the flattened strip)
    ``mask`` holds (with ``invert``, does not hold): found by bisection among the marked positions,
    which costs little whether they are few (nodata) or many."""
    marked = np.flatnonzero(mask)
    inside = np.searchsorted(marked, bounds[1::2]) - np.searchsorted(marked, bounds[0::2])
    return ((bounds[1::2] - bounds[0::2]) - inside if invert else inside).astype(np.float64)


def _padded(layer: np.ndarray, valid: np.ndarray, *, zero: bool = False) -> np.ndarray:
    """A strip's layer flattened with one cell more (a run may end at the strip's last pixel, and
    ``reduceat`` takes only bounds inside the array); with ``zero``, cells not ``valid`` are 0."""
    flat = np.zeros(layer.size + 1, dtype=layer.dtype)
    if zero:
        np.copyto(flat[:-1].reshape(layer.shape), layer, where=valid)
    else:
        flat[:-1] = layer.ravel()
    return flat


def _statistics(ids: pd.Index, geoms: np.ndarray, total: np.ndarray, windows: list, missed: list[str], *, pixel: float, threshold) -> tuple[pd.DataFrame, list[str]]:
    """The per-unit measures from the totals; units the raster reaches not at all are added to
    ``missed``, those it covers in part are returned (with their covered share)."""
    columns = ["sum", "mean", "valid_share"] + (["share_above"] if threshold is not None else [])
    values = np.full((len(ids), len(columns)), np.nan)
    partial: list[str] = []
    for i, win in enumerate(windows):
        if win is None:
            continue
        uid = ids[i]
        s_sum, valid_area, covered, above = total[i]
        full = geoms[i].area / pixel
        if covered <= 0 or full <= 0:
            missed.append(uid)
            continue
        if covered < 0.999 * full:
            partial.append(f"{uid} ({covered / full:.0%})")
        values[i, 2] = min(valid_area / full, 1.0)
        if valid_area > 0:
            values[i, 0] = s_sum
            values[i, 1] = s_sum / valid_area
            if threshold is not None:
                values[i, 3] = above / valid_area
    out = pd.DataFrame(values, index=ids.copy(), columns=columns)
    return out, partial


def _warn_coverage(out: pd.DataFrame, missed: list[str], partial: list[str], *, layer: str, name: str) -> None:
    """Name the units the raster does not reach, reaches in part, or gives only nodata."""
    if missed:
        warnings.warn(
            MissingValueWarning(f"layer {layer}: the raster {name} does not cover units {', '.join(missed[:10])}{' ...' if len(missed) > 10 else ''}; they get no value"),
            stacklevel=3,
        )
    if partial:
        warnings.warn(
            MissingValueWarning(f"layer {layer}: the raster {name} covers only part of units {', '.join(partial[:10])}; their sums cover that part only (see valid_share)"),
            stacklevel=3,
        )
    nodata_units = out.index[(out["valid_share"] == 0)]
    if len(nodata_units):
        warnings.warn(MissingValueWarning(f"layer {layer}: only nodata pixels in units {', '.join(nodata_units[:10])}; they get no value"), stacklevel=3)
