"""Each date of a range run carries its own figures, not the range's (phases/partition_figures.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from nba_backfill.naming import table_name
from nba_backfill.phases.partition_figures import file_figures, table_figures
from nba_backfill.phases.phase5_predictions.grading import figures

START, END = "2024-10-22", "2024-10-25"
D1, D2 = dt.date(2024, 11, 1), dt.date(2024, 11, 2)
pytestmark = pytest.mark.nba_range(START, END)


@pytest.fixture(scope="module")
def run(nba_backfilled):
    return nba_backfilled.result, nba_backfilled.platform.resources["warehouse"]


def metadata_by_partition(result, key: str) -> dict[str, dict]:
    return {
        e.partition: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == key
    }


@pytest.mark.parametrize(
    "key",
    [
        "nba_analytics/player_game_summary",
        "nba_precompute/player_daily_cache",
        "nba_predictions/player_prop_predictions",
        "nba_predictions/prediction_accuracy",
    ],
)
def test_each_partition_of_a_range_run_carries_its_own_row_count(run, key):
    result, warehouse = run
    table = table_name(key)
    ledger = warehouse.query("SELECT game_date, row_count FROM nba_meta.partition_ledger WHERE table_name = ?", [table])
    written = {str(d.date()): int(n) for d, n in zip(ledger.game_date, ledger.row_count)}
    by_partition = metadata_by_partition(result, key)
    rows = {p: m["dagster/row_count"] for p, m in by_partition.items()}
    assert rows == written
    assert len(set(rows.values())) > 1, rows  # the dates differ, so must their figures
    assert all(m["run_dates"] == 4 for m in by_partition.values())


def test_quality_spread_is_the_dates_own(run):
    result, warehouse = run
    cache = warehouse.query("SELECT game_date, quality_score FROM nba_precompute.player_daily_cache")
    by_partition = metadata_by_partition(result, "nba_precompute/player_daily_cache")
    for day, rows in cache.groupby(cache.game_date.dt.date):
        assert by_partition[str(day)]["quality_score_avg"] == round(rows.quality_score.mean(), 1)
        assert by_partition[str(day)]["quality_score_max"] == rows.quality_score.max()
    averages = {m.get("quality_score_avg") for m in by_partition.values()}
    assert len(averages) > 1, averages


def test_grades_are_the_dates_own(run):
    result, warehouse = run
    graded = warehouse.query("SELECT * FROM nba_predictions.prediction_accuracy")
    by_partition = metadata_by_partition(result, "nba_predictions/prediction_accuracy")
    for day, rows in graded.groupby(graded.game_date.dt.date):
        expected = {f"grading/{k}": v for k, v in figures(rows).items() if v is not None}
        assert {k: by_partition[str(day)][k] for k in expected} == expected
    assert len({m["grading/with_line"] for m in by_partition.values()}) > 1


def test_scrapes_count_files_and_credits_per_date(run):
    result, _ = run
    props = metadata_by_partition(result, "scraped/odds_api_player_props")
    assert set(props) == {str(d.date()) for d in pd.date_range(START, END)}
    assert all(m["files"] > 0 and m["odds_api_credits"] > 0 for m in props.values())
    assert sum(m["files"] for m in props.values()) == props[END]["run_files"]


def test_table_figures_on_a_tiny_frame():
    df = pd.DataFrame(
        {
            "game_date": pd.to_datetime([D1, D1, D1]),
            "quality_score": [30, 60, 90],
            "early_season_flag": [True, False, False],
            "has_prop_line": [True, False, True],
        }
    )
    figures = table_figures(df, [D1, D2])
    assert figures[D1] == {
        "dagster/row_count": 3,
        "quality_score_min": 30.0,
        "quality_score_avg": 60.0,
        "quality_score_max": 90.0,
        "early_season_rows": 1,
        "share_with_line": 0.667,
    }
    assert figures[D2] == {"dagster/row_count": 0}  # a date without rows says so, not the range's


def test_file_figures_per_date():
    paths = [f"nba-com/schedule/{D1}/a.json", f"nba-com/schedule/{D1}/b.json", f"nba-com/schedule/{D2}/c.json"]
    assert file_figures(paths, [D1, D2]) == {D1: {"files": 2}, D2: {"files": 1}}
    assert file_figures(paths, [D1, D2], credits={D1: 20}) == {
        D1: {"files": 2, "odds_api_credits": 20},
        D2: {"files": 1, "odds_api_credits": 0},
    }
