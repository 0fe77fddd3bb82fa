"""Follow-up over time (:mod:`nexus_zones.periods`): period forms in the config and what follows them,
table rounds following the period, one model across periods (identical raw values, identical
scores), the long table, change sentences matching the change table, and top-k moves."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from nexus_zones import pipeline
from nexus_zones.config import config_from_mapping, load_config
from nexus_zones.periods import change_sentence, change_table, period_config, top_k_moves

from ._support import DEMO, NORTH_CENTRE, _demo_mapping, require_real_data


# --------------------------------------------------------------------------------- the config


def test_period_forms_and_what_follows_them(tmp_path: Path) -> None:
    data = _demo_mapping()
    data["layers"]["food"] = {"kind": "table", "path": str(DEMO / "security_forces.csv"), "name_column": "admin2Name",
                              "columns": ["police"], "where": {"admin2Name": ["{period}"]}, "allow_empty": True}
    data["periods"] = [2017, {"name": "H1-2018", "start": "2018-01-01", "end": "2018-06-30"}, {"year": 2019, "as_of": "2019-12-01"}]
    config = config_from_mapping(data, source="t")
    assert [p.name for p in config.periods] == ["2017", "H1-2018", "2019"]
    p17, h1, p19 = (period_config(config, p) for p in config.periods)
    assert p17.layers["incidents"].window == (pd.Timestamp("2017-01-01").date(), pd.Timestamp("2017-12-31").date())
    assert h1.layers["incidents"].window == (pd.Timestamp("2018-01-01").date(), pd.Timestamp("2018-06-30").date())
    assert p19.layers["incidents"].year == 2019
    assert h1.layers["food"].where == {"admin2Name": ["H1-2018"]}
    assert p17.layers["schools"] == config.layers["schools"]  # an undated table stays as it is
    assert config.periods[2].round_date.isoformat() == "2019-12-01" and config.periods[0].round_date.isoformat() == "2017-12-31"
    assert config.layers["incidents"].window[0].year == 2017  # the config itself is not changed


def test_table_rounds_follow_the_period() -> None:
    real = require_real_data()
    config = load_config(NORTH_CENTRE, data_dir=real)
    rounds = [period_config(config, p).layers["displacement"].as_of.isoformat() for p in config.periods]
    assert rounds == ["2016-12-31", "2017-12-31", "2018-12-31", "2019-12-31"]
    years = [period_config(config, p).layers["food"].where["exercise_year"] for p in config.periods]
    assert years == [[2016], [2017], [2018], [2019]]


# ------------------------------------------------------------------------- comparable scores


def test_identical_raw_values_in_two_periods_get_identical_scores(three_years: Path) -> None:
    result = pipeline.compute(three_years)
    panel = result.panel
    long = panel.long.set_index(["period", "unit_id"])
    a, b, mid = long.xs("2017"), long.xs("2019"), long.xs("2018")
    b = b.reindex(a.index)
    for name in panel.indicators:
        pd.testing.assert_series_equal(a[name], b[name], check_names=False)  # the raw values are the same ...
    pd.testing.assert_series_equal(a["score"], b["score"], check_names=False)  # ... so are the scores and ranks
    pd.testing.assert_series_equal(a["rank"], b["rank"], check_names=False)
    assert not np.allclose(mid["incidents"].reindex(a.index), a["incidents"])  # 2018 differs: the test can fail
    # the bounds are pooled: a unit's normalised incidents in 2017 come from the min and max over every period
    spec = result.config.indicators["incidents"]
    assert spec.normalisation == "minmax" and spec.direction == "cost"
    raw = long["incidents"].astype(float)
    prepared = np.log1p(raw) if spec.transform == "log1p" else raw
    expected = (prepared.max() - prepared) / (prepared.max() - prepared.min())
    np.testing.assert_allclose(long["incidents_norm"], expected.reindex(long.index), rtol=1e-12)


def test_long_table_has_every_unit_in_every_period(three_years: Path) -> None:
    result = pipeline.compute(three_years)
    long = result.panel.long
    assert list(dict.fromkeys(long["period"])) == ["2017", "2018", "2019"]
    assert len(long) == 3 * len(result.units)
    for col in ("score", "rank", "region_rank", "passes_rules", "incidents", "incidents_norm", "incidents_points", "rank_p05", "share_top_k"):
        assert col in long.columns
    last = long[long["period"] == "2019"].set_index("unit_id")
    np.testing.assert_allclose(last["score"], result.scores["score"].reindex(last.index))  # the result is the last period's
    # points: 100 x the contributions, which add up to the score
    points = last[[f"{n}_points" for n in result.panel.indicators]].sum(axis=1)
    ranked = last["score"].notna()
    np.testing.assert_allclose(points[ranked], last["score"][ranked], rtol=1e-9)


# ------------------------------------------------------------------------ change and sentences


def _numbers(text: str) -> list[str]:
    return re.findall(r"(–|not ranked|-?[\d\u202f]+(?:\.\d+)?) → (–|not ranked|-?[\d\u202f]+(?:\.\d+)?)", text)


def test_change_sentence_matches_the_change_table(three_years: Path) -> None:
    result = pipeline.compute(three_years)
    changes = change_table(result.panel.long, "2017", "2018", indicators=result.panel.indicators)
    config = result.config
    for unit in changes.index:
        row = changes.loc[unit]
        sentence = change_sentence(changes, unit, result.plan, "en")
        assert sentence.startswith(f"{row['name']}: region rank ")
        pairs = _numbers(sentence)
        rank = lambda v: "not ranked" if pd.isna(v) else str(int(v))  # noqa: E731
        assert pairs[0] == (rank(row["region_rank_2017"]), rank(row["region_rank_2018"]))
        assert pairs[1] == (rank(row["rank_2017"]), rank(row["rank_2018"]))
        assert [float(x) for x in pairs[2]] == [round(row["score_2017"], 1), round(row["score_2018"], 1)]
        changed = [n for n in result.panel.indicators if row[f"{n}_2017"] != row[f"{n}_2018"]]
        assert len(pairs) == 3 + len(changed)
        if "incidents" in changed:
            phrase = config.indicators["incidents"].phrase["en"]
            said = re.search(re.escape(phrase) + r" ([^ ;]+) → ([^ ;]+)", sentence.split(" between ")[1])
            assert said is not None
            assert (float(said.group(1)), float(said.group(2))) == (row["incidents_2017"], row["incidents_2018"])
        assert row["rank_change"] is pd.NA or pd.isna(row["rank_change"]) or row["rank_change"] == row["rank_2017"] - row["rank_2018"]
    fr = change_sentence(changes, changes.index[0], result.plan, "fr")
    assert " : rang régional " in fr and " entre 2017 et 2018" in fr


def test_top_k_moves_are_the_set_differences(three_years: Path) -> None:
    long = pipeline.compute(three_years).panel.long
    top = lambda p: set(long[(long["period"] == p) & (long["rank"].astype(float) <= 2)]["unit_id"])  # noqa: E731
    entering, leaving = top_k_moves(long, "2017", "2018", 2)
    assert set(entering) == top("2018") - top("2017") and set(leaving) == top("2017") - top("2018")
