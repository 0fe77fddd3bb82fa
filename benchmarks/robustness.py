"""Benchmark: Monte-Carlo robustness, 10,000 weight draws over 700 units (issue 4's target: about 1 s).

    .venv/bin/python benchmarks/robustness.py [--units 700] [--indicators 8] [--draws 10000] [--repeat 3]

Prints the machine, the sizes and the best and median wall time of the whole analysis (weight draws,
scoring, ranking, percentiles) for each aggregation, with and without pillars, and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from nexus_zones import score, sensitivity
from nexus_zones.analyses import robustness

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, record  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=700)
    parser.add_argument("--indicators", type=int, default=8)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    norm = rng.random((args.units, args.indicators))
    names = tuple(f"i{k}" for k in range(args.indicators))
    weights = {n: float(w) for n, w in zip(names, rng.uniform(0.5, 3, args.indicators))}
    half = args.indicators // 2
    pillared = score.Structure(names, "arithmetic", (score.Pillar("p1", names[:half], 2.0), score.Pillar("p2", names[half:], 1.0)))
    eligible = np.ones(args.units, dtype=bool)
    index = pd.RangeIndex(args.units)
    print(f"machine: {machine()}")
    print(f"sizes: {args.units} units x {args.indicators} indicators, {args.draws} draws, best/median of {args.repeat}")
    print(f"{'case':<34}{'best s':>9}{'median s':>10}")
    figures: dict[str, float | int | str] = {"units": args.units, "indicators": args.indicators, "draws": args.draws}
    for label, structure in [
        ("arithmetic", score.Structure(names, "arithmetic")),
        ("geometric", score.Structure(names, "geometric")),
        ("topsis", score.Structure(names, "topsis")),
        ("arithmetic, 2 pillars", pillared),
    ]:
        spec = robustness.Spec(draws=args.draws, top_k=10, seed=1)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sensitivity.monte_carlo({"model": norm}, weights, structure, eligible, spec, index=index)
            times.append(time.perf_counter() - t0)
        print(f"{label:<34}{min(times):>9.3f}{statistics.median(times):>10.3f}")
        key = label.replace(", 2 pillars", "_pillars")
        figures[f"{key}_best_s"], figures[f"{key}_median_s"] = round(min(times), 3), round(statistics.median(times), 3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")
    figures["peak_mib"] = round(peak)
    record("robustness", figures)


if __name__ == "__main__":
    main()
