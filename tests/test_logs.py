"""What the log says and at which level (:mod:`nexus_zones.logs`): a stage's INFO line is INFO in
the main run and DEBUG inside an analysis's re-runs (``logs.inner``); a named warning's record
carries its kind, text and period."""

from __future__ import annotations

import logging

from nexus_zones import logs

NAME = "tests.logs.stage"  # outside the package's logger, which the CLI tests configure


def test_a_stage_logs_info_in_the_main_run_and_nothing_inside_an_analysis_at_info(caplog):
    logger = logs.stage_logger(NAME)
    caplog.set_level(logging.INFO, logger=NAME)

    logger.info("score: main run")
    with logs.inner():
        logger.info("score: a draw")
        logger.warning("a warning stays a warning")

    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "score: main run"), ("WARNING", "a warning stays a warning"),
    ]


def test_inside_an_analysis_a_stage_logs_at_debug_when_debug_is_on(caplog):
    logger = logs.stage_logger(NAME)
    caplog.set_level(logging.DEBUG, logger=NAME)

    with logs.inner():
        assert logs.is_inner()
        logger.info("score: a draw")
    logger.info("score: main run")

    assert not logs.is_inner()
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [("DEBUG", "score: a draw"), ("INFO", "score: main run")]


def test_inner_contexts_nest_and_the_filter_is_added_once():
    logger = logs.stage_logger(NAME)
    logs.stage_logger(NAME)

    with logs.inner():
        with logs.inner():
            assert logs.is_inner()
        assert logs.is_inner()  # the outer analysis is still running
    assert not logs.is_inner()
    assert logger.filters.count(logs.DEMOTE) == 1


def test_the_stages_the_analyses_rerun_take_a_demoting_logger():
    from nexus_zones import indicators, score

    assert logs.DEMOTE in score.logger.filters
    assert logs.DEMOTE in indicators.logger.filters


def test_warning_extra_names_kind_text_and_period(caplog):
    caplog.set_level(logging.WARNING, logger=NAME)

    logging.getLogger(NAME).warning("x", extra=logs.warning_extra("MissingValueWarning", "no value for A", "2016"))

    assert caplog.records[0].nexus_warning == {"kind": "MissingValueWarning", "text": "no value for A", "period": "2016"}


def test_timed_keeps_the_main_runs_stages_and_not_the_analyses_reruns(caplog):
    logs.stage_times()  # start clean
    with caplog.at_level(logging.DEBUG, logger="nexus_zones"):
        with logs.timed("read layer events"):
            pass
        with logs.inner(), logs.timed("score"):  # an analysis re-running a stage: not a stage of the run
            pass
    times = logs.stage_times()
    assert [name for name, _ in times] == ["read layer events"] and times[0][1] >= 0
    assert logs.stage_times() == []  # read once
    assert any(r.getMessage().startswith("stage read layer events: ") for r in caplog.records)

def test_a_warning_raised_while_a_period_is_computed_names_the_period():
    import warnings

    from nexus_zones.errors import MissingValueWarning

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("nexus_zones.pipeline")
    logger.addHandler(handler)
    try:
        with logs.Recorder() as rec:
            with logs.in_period("2016"):
                warnings.warn(MissingValueWarning("indicator idps: no value for Abeibara; these units get no score"))
            warnings.warn(MissingValueWarning("indicator idps: no value for Abeibara; these units get no score"))
    finally:
        logger.removeHandler(handler)

    assert rec.messages == ["period 2016: indicator idps: no value for Abeibara; these units get no score",
                            "indicator idps: no value for Abeibara; these units get no score"]
    assert [r.nexus_warning["period"] for r in records] == ["2016", None]
    assert {r.nexus_warning["text"] for r in records} == {"indicator idps: no value for Abeibara; these units get no score"}
