"""Build the files the configs of ``configs/published/`` read: TEST FIXTURES, not downloads.

    .venv/bin/python scripts/make_published_files.py DOWNLOADS [--data-dir ../shared/data/real]

The published-shape examples (HDX HAPI tables, the 2025 COD-AB and ACLED exports, the DTM API v3
export) show how files *as their publishers publish them* are read with no column options. The
project does not hold such downloads: this script writes files of those names and shapes, built
from the real files of ``--data-dir`` (see its README), exactly as the tests build them
(``tests/_support.build_downloads``). Then:

    .venv/bin/nexus-zones run configs/published/hapi_tables.yaml --data-dir DOWNLOADS

A file you download yourself from HDX HAPI, ACLED or IOM under the same name works the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (created)")
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "real", help="the real files (default ../shared/data/real)")
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"{args.data_dir}: not a folder; give the folder of the real files with --data-dir", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    from tests._support import build_downloads

    folder = build_downloads(args.data_dir.resolve(), args.out)
    print(f"wrote the published-shape files into {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
