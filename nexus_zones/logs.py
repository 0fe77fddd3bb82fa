"""What the log says, and at which level: the stages an analysis re-runs speak at DEBUG.

The analyses (robustness and data-uncertainty draws, stakeholders' weights, closest weights) re-run
the indicator, normalisation and score stages hundreds of times. Each stage logs one INFO line; inside
:func:`inner` those lines are demoted to DEBUG, so a run logs one INFO line per stage of the main
run and ``-v`` shows the rest. Stage modules take their logger from :func:`stage_logger`; the
pipeline wraps its analyses in :func:`inner`. Nothing is threaded through the stages' arguments.

Named warnings are logged with their kind, text and period as attributes of the record
(:func:`warning_extra`), so that the CLI can fold repeated warnings and summarise them by kind.
"""

from __future__ import annotations

import contextvars
import logging
import time
import warnings
from contextlib import contextmanager
from typing import Iterator

from .errors import NexusZonesWarning

__all__ = ["inner", "is_inner", "stage_logger", "warning_extra", "DEMOTE", "timed", "stage_times", "Recorder", "in_period"]

#: The run's log, where :class:`Recorder` logs each named warning once.
_RUN = logging.getLogger("nexus_zones.pipeline")

_INNER: contextvars.ContextVar[bool] = contextvars.ContextVar("nexus_zones_inner_stages", default=False)


@contextmanager
def inner() -> Iterator[None]:
    """Mark the code inside as an analysis re-running stages: their INFO lines become DEBUG."""
    token = _INNER.set(True)
    try:
        yield
    finally:
        _INNER.reset(token)


def is_inner() -> bool:
    """True inside :func:`inner`."""
    return _INNER.get()


class _Demote(logging.Filter):
    """A logger filter: inside :func:`inner`, an INFO record becomes DEBUG (dropped unless DEBUG is on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not _INNER.get():
            return True
        if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return False
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return True


DEMOTE = _Demote()


def stage_logger(name: str) -> logging.Logger:
    """The logger of a stage module the analyses re-run (``logging.getLogger(name)`` with :data:`DEMOTE`)."""
    logger = logging.getLogger(name)
    if DEMOTE not in logger.filters:
        logger.addFilter(DEMOTE)
    return logger


def warning_extra(kind: str, text: str, period: str | None = None) -> dict[str, dict[str, str | None]]:
    """The ``extra`` of the log record of a named warning: ``record.nexus_warning`` holds its kind
    (the warning class's name), its text and the period it concerns (``None`` outside a study over periods)."""
    return {"nexus_warning": {"kind": kind, "text": text, "period": period}}


_TIMES: list[tuple[str, float]] = []
_timing_logger = logging.getLogger("nexus_zones.timing")


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Time a stage of the main run (not the analyses' re-runs, inside :func:`inner`): a DEBUG line
    when it ends, and its seconds kept for :func:`stage_times` (``--debug`` prints them at the end)."""
    if _INNER.get():
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - start
        _TIMES.append((stage, seconds))
        _timing_logger.debug("stage %s: %.2f s", stage, seconds)


def stage_times(*, clear: bool = True) -> list[tuple[str, float]]:
    """The stages timed since the last call (name, seconds), in the order they ended."""
    out = list(_TIMES)
    if clear:
        _TIMES.clear()
    return out

class Recorder:
    """Record our named warnings, log each once, and pass other warnings on."""

    def __enter__(self) -> "Recorder":
        self._cm = warnings.catch_warnings(record=True)
        self._caught = self._cm.__enter__()
        warnings.simplefilter("always")
        self.messages: list[str] = []
        self.found: list[Warning] = []  # each named warning logged, as raised
        return self

    def __exit__(self, *exc) -> None:
        self._cm.__exit__(*exc)
        for w in self._caught:
            if issubclass(w.category, NexusZonesWarning):
                text, period = str(w.message), getattr(w.message, "period", None)
                shown = f"period {period}: {text}" if period else text
                if shown not in self.messages:
                    self.messages.append(shown)
                    self.found.append(w.message)  # type: ignore[arg-type]
                    _RUN.warning("%s: %s", w.category.__name__, shown, extra=warning_extra(w.category.__name__, text, period))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@contextmanager
def in_period(name: str):
    """Name the period in the named warnings raised inside (the :class:`Recorder` logs "period 2016: ...")."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, NexusZonesWarning) and getattr(w.message, "period", None) is None:
            w.message.period = name  # type: ignore[union-attr]
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
