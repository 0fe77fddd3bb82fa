"""What the benchmark scripts share."""

from __future__ import annotations

import os
import platform

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
