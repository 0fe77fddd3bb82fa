"""Command line: ``nexus-zones run|check CONFIG``.

The CLI owns logging (one INFO line per stage of the main run; the analyses' inner re-scoring and
every other detail with ``-v``) and progress bars (on a terminal, for long stages such as zonal
statistics). Named warnings are held and summarised at the end of the command, by kind, a warning
repeated over periods folded into one line that names them (``-v`` also shows each where it
arises). Every :class:`NexusZonesError` becomes one readable paragraph and exit code 2; an
unexpected error gives exit code 3 and, unless ``--debug``, no traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path
from typing import Sequence

from . import __version__, claims, explain, logs
from .errors import NexusZonesError, NexusZonesWarning, UnmatchedFilterWarning
from . import pipeline
from .messages import fixed, number, t

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
        p.add_argument("--debug", action="store_true", help="show tracebacks and debug logging, with the time of each line")
        p.add_argument("-v", "--verbose", action="store_true", help="show every detail: the analyses' inner stages, each warning where it arises")
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


def _setup_logging(debug: bool, quiet: bool, verbose: bool = False) -> "_WarningFold":
    """Log to stderr; return the filter holding the named warnings for :meth:`_WarningFold.summary`."""
    level = logging.DEBUG if debug or verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    fold = _WarningFold(show=debug or verbose)
    handler.addFilter(fold)
    # --debug also says when each message came, in seconds since start-up: where a slow run spends its time.
    fmt = "%(levelname)s %(elapsed)s%(message)s" if debug else "%(levelname)s %(message)s"
    handler.setFormatter(logging.Formatter(fmt, defaults={"elapsed": ""}))
    if debug:
        handler.addFilter(_stamp_elapsed)
    root = logging.getLogger("nexus_zones")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    return fold


class _WarningFold(logging.Filter):
    """Hold the named warnings (records with ``nexus_warning``, :func:`nexus_zones.logs.warning_extra`)
    for one summary at the end; ``show`` lets each through where it arises too."""

    #: distinct warnings shown per kind in the summary; the rest are counted
    SHOWN = 3

    def __init__(self, show: bool = False) -> None:
        super().__init__()
        self.show = show
        self.held: list[dict] = []

    def filter(self, record: logging.LogRecord) -> bool:
        info = getattr(record, "nexus_warning", None)
        if info is None:
            return True
        self.held.append(info)
        return self.show

    def forget(self, kind: str) -> None:
        """Drop the held warnings of one kind (said otherwise, e.g. as check's problems)."""
        self.held = [info for info in self.held if info["kind"] != kind]

    def flush(self) -> None:
        """Print the :meth:`summary` to stderr, once."""
        for line in self.summary():
            print(line, file=sys.stderr)
        self.held = []

    def summary(self) -> list[str]:
        """Lines: a head, then per kind its distinct warnings (a text repeated over periods once,
        naming them), at most :attr:`SHOWN` a kind, then how many more. With ``show`` (``-v``) each
        warning was logged where it arose: the summary counts them by kind and repeats no text."""
        if not self.held:
            return []
        kinds: dict[str, dict[str, list]] = {}
        for info in self.held:
            kinds.setdefault(info["kind"], {}).setdefault(info["text"], []).append(info["period"])
        head = f"WARNING in all, {_count(len(self.held), 'warning')} of {_count(len(kinds), 'kind')}"
        if self.show:
            return [f"{head}, each shown above where it arose"] + [f"WARNING {kind}: {_count(sum(len(p) for p in texts.values()), 'warning')}"
                                                                  for kind, texts in kinds.items()]
        lines = [f"{head} (-v shows each where it arises)"]
        for kind, texts in kinds.items():
            shown = list(texts.items())[: self.SHOWN]
            lines += [f"WARNING {kind}{_periods(periods)}: {text}" for text, periods in shown]
            if len(texts) > len(shown):
                rest = sum(len(p) for _, p in list(texts.items())[len(shown):])
                lines.append(f"WARNING {kind}: {_count(rest, 'more warning')} of this kind (-v shows them)")
        return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _periods(periods: list) -> str:
    """`` (period 2016)``, `` (4 times: periods 2016, 2017, 2018, 2019)``, or nothing outside a study over periods."""
    named = [p for p in periods if p]
    if not named:
        return f" ({len(periods)} times)" if len(periods) > 1 else ""
    if len(periods) == 1:
        return f" (period {named[0]})"
    return f" ({len(periods)} times: periods {', '.join(named)})"


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
    fold = _setup_logging(args.debug, args.quiet, args.verbose)
    warnings.filterwarnings("ignore", category=NexusZonesWarning)  # each is logged where it arises (WARNING lines)
    progress = _progress_bars(sys.stderr.isatty() and not args.quiet)
    try:
        code = _command(args, progress, fold)
    except NexusZonesError as exc:
        if args.debug:
            raise
        fold.flush()  # the warnings before the error, so that the error is the last thing said
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        print("interrupted; no output was changed", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: one paragraph, no traceback
        if args.debug:
            raise
        fold.flush()
        print(
            f"internal error: {type(exc).__name__}: {exc}. This is a bug in nexus_zones; no output was changed. "
            "Run again with --debug for the traceback and report it.",
            file=sys.stderr,
        )
        return EXIT_BUG
    fold.flush()
    if args.debug:
        _log_stage_times()
    return code


def _log_stage_times() -> None:
    """``--debug``: the stages timed in the run (:func:`nexus_zones.logs.timed`), costliest first."""
    times = logs.stage_times()
    if times:
        shown = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(times, key=lambda t: -t[1]))
        logging.getLogger("nexus_zones.timing").debug("stage times, costliest first: %s (%.2f s in all)", shown, sum(t for _, t in times))


def _command(args: argparse.Namespace, progress, fold: "_WarningFold") -> int:
    """Run one command; its errors go up to :func:`main`."""
    if args.command == "check":
        report = pipeline.check(args.config, data_dir=args.data_dir)
        if report.ok:
            print(report.summary)
            return EXIT_OK
        fold.forget(UnmatchedFilterWarning.__name__)  # they are among the problems said below
        fold.flush()
        print("\n".join(report.problems), file=sys.stderr)
        return EXIT_PROBLEM
    if args.command == "brief":
        paths = pipeline.brief(args.config, out_dir=args.out, data_dir=args.data_dir, progress=progress)
        _print_paths(paths)
        return EXIT_OK
    result = pipeline.run(args.config, out_dir=args.out, data_dir=args.data_dir, offline=args.offline, progress=progress)
    print(top_line(result.scores, result.config.language))
    language = result.config.language
    said = [explain.rules_claim(result), *explain.source_claims(result)]
    for claim in said:
        if claim is not None:
            print(claims.render(claim, language, explain.labels(result.plan, language)))
    _print_paths(result.paths)
    return EXIT_OK


def top_line(scores, language: str = "en", *, top: int = 3) -> str:
    """The run's summary: how many units were scored and the first ``top`` ranked units, each with its
    rank and score and, when rules are in force (a ``rules_failed_count`` column), the rules it fails:
    "5 units scored; top: 1. Diré (97.7, passes every rule), 2. Tombouctou (42.7, fails 3 rules), ..."."""
    n = len(scores)
    scored = t("cli_scored_one", language) if n == 1 else t("cli_scored_many", language, n=number(n, language))
    ranked = scores[scores["rank"].notna()].head(top)
    if ranked.empty:
        return t("cli_none_ranked", language, scored=scored)
    units = [_top_unit(row, language, "rules_failed_count" in scores.columns) for _, row in ranked.iterrows()]
    return t("cli_top", language, scored=scored, top=", ".join(units))


def _top_unit(row, language: str, rules: bool) -> str:
    values = {"rank": int(row["rank"]), "name": row["name"], "score": fixed(row["score"], language, 1)}
    if not rules:
        return t("cli_top_unit", language, **values)
    failed = int(row["rules_failed_count"])
    said = t("passes_all", language) if failed == 0 else t("cli_fails_one", language) if failed == 1 else t("cli_fails_many", language, n=failed)
    return t("cli_top_unit_rules", language, **values, rules=said)


#: the outputs listed one a line; the analyses' tables share one line
_MAIN_OUTPUTS = ("map", "csv", "gpkg", "run", "brief", "png", "xlsx")


def _print_paths(paths) -> None:
    """One line per main output (map, tables, metadata), then the analyses' tables on one line."""
    tables = []
    for kind, path in paths.items():
        if kind in _MAIN_OUTPUTS:
            print(f"  {kind:5s} {path}")
        else:
            tables.append(path)
    if tables:
        print(f"  {'tables':5s} {', '.join(p.name for p in tables)} (in {tables[0].parent})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
