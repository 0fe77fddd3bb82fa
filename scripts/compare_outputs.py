"""Do two checkouts write the same outputs? Run configs on each and compare every file written.

    .venv/bin/python scripts/compare_outputs.py --base ../main [--repo .] [--config configs/demo.yaml ...] [--data-dir DIR]

Each checkout's package runs in a child process (its folder first on ``sys.path``, no bytecode
written) on the same config files (this checkout's, so the same data), ``pipeline.run`` writing
its outputs and ``pipeline.brief`` the brief into a temporary folder; then every file written is
compared byte for byte, after masking what changes from one run to the next: dates and times
(``2026-12-07``, ``2026-12-07T07:40:00...``) and Folium's random element ids (``map_<32 hex
digits>``); a workbook (XLSX) is compared member by member, masked the same way. Prints one line per file and
exits non-zero when any file differs (the first differing lines are shown).
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIGS = ("configs/demo.yaml", "configs/inform_style_example.yaml")

#: Dates and times, ISO (with or without a time) and as the brief writes them.
_DATES = re.compile(rb"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2}|Z)?)?")
#: Folium's element ids (a random UUID's hex digits after the element's name: ``map_<32 hex>``).
_IDS = re.compile(rb"_[0-9a-f]{32}\b")
_CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
import nexus_zones
from pathlib import Path
assert Path(nexus_zones.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), nexus_zones.__file__
from nexus_zones import pipeline
data_dir = sys.argv[4] or None
pipeline.run(sys.argv[2], out_dir=sys.argv[3], data_dir=data_dir)
pipeline.brief(sys.argv[2], out_dir=Path(sys.argv[3]) / "brief", data_dir=data_dir)
"""


def run(repo: Path, config: Path, out: Path, data_dir: Path | None = None) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    args = [sys.executable, "-c", _CHILD, str(repo), str(config), str(out), str(data_dir or "")]
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=out)
    if done.returncode != 0:
        raise SystemExit(f"compare_outputs: {config} failed with {repo}:\n{done.stderr[-3000:]}")


def masked(data: bytes) -> bytes:
    return _IDS.sub(b"_<id>", _DATES.sub(b"<date>", data))


def members(path: Path) -> dict[str, bytes]:
    """A file's comparable parts: its bytes, or each member of a zip (XLSX), masked."""
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {f"{path.name}:{m}": masked(z.read(m)) for m in sorted(z.namelist())}
    return {path.name: masked(data)}


def compare(base: Path, repo: Path, config: Path, data_dir: Path | None = None) -> list[str]:
    """The names of the parts that differ (printing a line per file)."""
    differ = []
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        run(base, config, Path(a), data_dir)
        run(repo, config, Path(b), data_dir)
        files_a = sorted(p.relative_to(a) for p in Path(a).rglob("*") if p.is_file())
        files_b = sorted(p.relative_to(b) for p in Path(b).rglob("*") if p.is_file())
        if files_a != files_b:
            print(f"  files differ: only in base {sorted(set(files_a) - set(files_b))}, only in repo {sorted(set(files_b) - set(files_a))}")
            differ.append("file list")
        for rel in files_a:
            if rel not in files_b:
                continue
            pa, pb = members(Path(a) / rel), members(Path(b) / rel)
            bad = [k for k in pa if pa.get(k) != pb.get(k)] + [k for k in pb if k not in pa]
            print(f"  {'same' if not bad else 'DIFFERS'}  {rel} ({(Path(b) / rel).stat().st_size:,} bytes)")
            for k in bad:
                differ.append(k)
                left = pa.get(k, b"").decode("utf-8", "replace").splitlines()
                right = pb.get(k, b"").decode("utf-8", "replace").splitlines()
                for line in list(difflib.unified_diff(left, right, "base", "repo", n=0, lineterm=""))[:12]:
                    print("      " + line[:300])
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare against (e.g. ../main)")
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout compared (default: this one)")
    parser.add_argument("--config", action="append", type=Path, help=f"a config (repeatable; default: {', '.join(CONFIGS)})")
    parser.add_argument("--data-dir", type=Path, help="the input files' folder, for configs that name files without one (configs/mali_2017.yaml: ../shared/data/real)")
    args = parser.parse_args()
    configs = [c.resolve() for c in args.config] if args.config else [REPO / c for c in CONFIGS]
    differ = []
    for config in configs:
        print(f"{config.relative_to(REPO) if config.is_relative_to(REPO) else config}: {args.base} against {args.repo}")
        differ += compare(args.base.resolve(), args.repo.resolve(), config, args.data_dir.resolve() if args.data_dir else None)
    print("identical outputs" if not differ else f"{len(differ)} part(s) differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
