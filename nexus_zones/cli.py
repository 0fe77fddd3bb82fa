"""Command line: ``nexus-zones run|check CONFIG``.

The CLI owns logging (one INFO line per stage) and progress bars (on a terminal, for long stages
such as zonal statistics), and turns every :class:`NexusZonesError` into one
readable paragraph and exit code 2; an unexpected error gives exit code 3 and, unless ``--debug``,
no traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import NexusZonesError, NexusZonesWarning

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEM, EXIT_BUG = 0, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nexus-zones",
        description="Rank admin units for humanitarian-development-peace Nexus pilots and map the result.",
    )
    parser.add_argument("--version", action="version", version=f"nexus-zones {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("config", type=Path, help="YAML config file")
        p.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
        p.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
        p.add_argument("--data-dir", type=Path, default=None, help="folder of the input files (overrides the config's data_dir)")

    run = sub.add_parser("run", help="compute scores and ranks; write the map, tables and run metadata")
    common(run)
    run.add_argument("--out", type=Path, default=None, help="output folder (default: the config's output.dir, else ./maps)")
    page = run.add_mutually_exclusive_group()
    page.add_argument("--offline", dest="offline", action="store_true", default=None,
                      help="one self-contained map file: every script and style inlined (the default unless map.offline is false)")
    page.add_argument("--online", dest="offline", action="store_false", help="link Leaflet from its CDN instead (smaller file; needs internet)")
    check = sub.add_parser("check", help="validate the config and every input without writing anything")
    common(check)
    brief = sub.add_parser("brief", help="write a printable mission brief (HTML with a PNG map) and the scores as XLSX")
    common(brief)
    brief.add_argument("--out", type=Path, default=None, help="output folder (default: the config's output.dir, else ./maps)")
    return parser


def _setup_logging(debug: bool, quiet: bool) -> None:
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    # --debug also says when each message came, in seconds since start-up: where a slow run spends its time.
    fmt = "%(levelname)s %(elapsed)s%(message)s" if debug else "%(levelname)s %(message)s"
    handler.setFormatter(logging.Formatter(fmt, defaults={"elapsed": ""}))
    if debug:
        handler.addFilter(_stamp_elapsed)
    root = logging.getLogger("nexus_zones")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _stamp_elapsed(record: logging.LogRecord) -> bool:
    record.elapsed = f"{record.relativeCreated / 1000:7.2f}s "
    return True


def _progress_bars(enabled: bool):
    """A progress factory for the pipeline: a tqdm bar per long stage, on a terminal only."""
    if not enabled:
        return None
    from tqdm import tqdm

    def start(label: str):
        bar = tqdm(total=0, desc=label, unit="strip", leave=False, file=sys.stderr)

        def update(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.n = done
            bar.refresh()
            if done >= total:
                bar.close()

        return update

    return start


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nexus-zones`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    _setup_logging(args.debug, args.quiet)
    warnings.filterwarnings("ignore", category=NexusZonesWarning)  # each is logged where it arises (WARNING lines)
    progress = _progress_bars(sys.stderr.isatty() and not args.quiet)
    try:
        from . import pipeline

        if args.command == "check":
            report = pipeline.check(args.config, data_dir=args.data_dir)
            if report.ok:
                print(report.summary)
                return EXIT_OK
            print("\n".join(report.problems), file=sys.stderr)
            return EXIT_PROBLEM
        if args.command == "brief":
            paths = pipeline.brief(args.config, out_dir=args.out, data_dir=args.data_dir, progress=progress)
            for kind, path in paths.items():
                print(f"  {kind:5s} {path}")
            return EXIT_OK
        result = pipeline.run(args.config, out_dir=args.out, data_dir=args.data_dir, offline=args.offline, progress=progress)
        ranked = result.scores[result.scores["rank"].notna()]
        top = ", ".join(f"{r['name']} ({r['score']:.1f})" for _, r in ranked.head(3).iterrows())
        print(f"{len(result.scores)} units scored; top: {top}")
        for kind, path in result.paths.items():
            print(f"  {kind:5s} {path}")
        return EXIT_OK
    except NexusZonesError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        print("interrupted; no output was changed", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: one paragraph, no traceback
        if args.debug:
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc}. This is a bug in nexus_zones; no output was changed. "
            "Run again with --debug for the traceback and report it.",
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
