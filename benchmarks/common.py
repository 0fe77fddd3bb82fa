"""What the benchmark scripts share."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import numpy as np


def machine() -> str:
    """One line describing the machine and the numeric stack."""
    import rasterio
    import shapely

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.platform()}, {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; Python {platform.python_version()}, "
            f"GDAL {rasterio.__gdal_version__}, shapely {shapely.__version__}, NumPy {np.__version__}")


#: The figures the benchmarks measured last, one entry per script: the only source of the figures
#: quoted in README.md, docs/ and benchmarks/README.md (tests/test_package.py checks each quote).
FIGURES = Path(__file__).resolve().parent / "figures.json"


#: What the figures describe: a change here since the commit is marked ``+changes``.
CODE = ("nexus_zones", "benchmarks/*.py", "configs", "pyproject.toml")


def commit() -> str:
    """The checkout's commit, with ``+changes`` when the code (:data:`CODE`) differs from it (the
    figures then describe code that is not exactly that commit)."""
    repo = FIGURES.parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *CODE], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def record(script: str, figures: dict[str, float | int | str]) -> None:
    """Write ``figures`` (name -> value) under ``script`` in :data:`FIGURES`, with the date (UTC), the
    machine and the commit; the other scripts' entries are kept."""
    data = json.loads(FIGURES.read_text(encoding="utf-8")) if FIGURES.exists() else {}
    data[script] = {
        "date": datetime.now(timezone.utc).date().isoformat(),
        "machine": machine(),
        "commit": commit(),
        "figures": figures,
    }
    FIGURES.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"figures written to {FIGURES} ({script})")
