"""Player identity across sources, the lines_matched check, accepted gaps and grading figures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from nba_backfill.checks.catalogue import GAP_FEEDS
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.lines_matched import lines_matched
from nba_backfill.checks.rules import rows_match_schedule
from nba_backfill.phases.phase3_analytics.identity import identity_key, match_players
from nba_backfill.phases.phase5_predictions.grading import figures, grade, partition_figures
from nba_backfill.storage import accepted_gaps
from nba_backfill.storage.warehouse import DuckDBWarehouse

DAY = dt.date(2025, 11, 3)
GAME = "20251103_BKN_DEN"


def names(*pairs: str) -> pd.DataFrame:
    from nba_backfill.calendar import player_lookup

    return pd.DataFrame({"player_name": list(pairs), "player_lookup": [player_lookup(n) for n in pairs]})


@pytest.mark.parametrize(
    ("book", "nba"),
    [
        ("Nikola Jokic", "Nikola Jokić"),  # accents: player_lookup folds them
        ("Jimmy Butler", "Jimmy Butler III"),  # a suffix on one side only
        ("Dereck Lively II", "Dereck Lively"),
        ("Vincent Williams Jr", "Vince Williams Jr."),  # alias + suffix
        ("Nicolas Claxton", "Nic Claxton"),  # alias
        ("P.J. Washington", "P.J. Washington"),  # initials: punctuation removed on both
    ],
)
def test_a_book_name_reaches_the_nba_com_player(book, nba):
    matched = match_players(names(book), names(nba, "Someone Else"))
    assert matched["player_lookup"].tolist() == names(nba)["player_lookup"].tolist()


def test_matching_never_merges_two_players():
    # Two NBA.com players share the key without suffix: a suffix-less line names neither of them.
    nba = names("Gary Payton", "Gary Payton II")
    assert match_players(names("Gary Payton Jr"), nba)["player_lookup"].tolist() == ["garypaytonjr"]
    assert match_players(names("Gary Payton"), nba)["player_lookup"].tolist() == ["garypayton"]  # exact wins
    assert identity_key("Kevin Porter Jr.") == identity_key("Kevin Porter") == "kevinporter"


@pytest.fixture
def warehouse(tmp_path):
    return DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))


def write_date(warehouse, box_names, statuses, line_names):
    day = pd.Timestamp(DAY)
    gamebook = (
        names(*box_names)
        .assign(game_id=GAME, game_date=day, player_status=statuses)
        .rename(columns={"player_name": "player_name_original"})
    )
    props = names(*line_names).assign(
        game_id=GAME, game_date=day, bookmaker="draftkings", points_line=10.5, minutes_before_tipoff=60
    )
    warehouse.replace_partitions("nba_raw.nbac_gamebook_player_stats", gamebook, [DAY])
    warehouse.replace_partitions("nba_raw.odds_api_player_points_props", props, [DAY])


def test_lines_matched_passes_when_every_line_of_a_player_who_played_is_matched(warehouse):
    played = [f"Player {c}" for c in "ABCDEFGHIJ"]
    write_date(
        warehouse,
        ["Nikola Jokić", "Scratched Guy", *played],
        ["active", "dnp", *["active"] * 10],
        ["Nikola Jokic", "Scratched Guy", *played],
    )
    outcome = lines_matched([DAY], CheckData(warehouse))[0]
    assert outcome.passed and outcome.metadata["played"] == 11 and outcome.metadata["did_not_play"] == 1


def test_lines_matched_fails_below_99_percent_and_names_the_unmatched(warehouse):
    played = [f"Player {c}" for c in "ABCDEFGHIJ"]
    write_date(warehouse, ["Nikola Jokić", *played], ["active"] * 11, ["Joker Jokic", *played])
    outcome = lines_matched([DAY], CheckData(warehouse))[0]
    assert not outcome.passed and outcome.metadata["matched_share_pct"] == pytest.approx(90.91)
    assert outcome.metadata["unmatched_players"] == [f"{GAME} Joker Jokic"]


def test_rows_match_schedule_accepts_a_recorded_gap_and_only_that(warehouse):
    schedule = pd.DataFrame(
        {
            "game_id": [GAME, "20251103_LAL_POR"],
            "nba_game_id": ["0022500150", "0022500151"],
            "game_date": pd.Timestamp(DAY),
            "game_status": 3,
        }
    )
    warehouse.replace_partitions("nba_raw.nbac_schedule", schedule, [DAY])
    warehouse.replace_partitions("nba_raw.nbac_play_by_play", schedule.iloc[:0][["game_id", "game_date"]], [DAY])
    rule = rows_match_schedule("nba_raw.nbac_play_by_play", None, GAP_FEEDS["nba_raw/nbac_play_by_play"])
    assert not rule([DAY], CheckData(warehouse))[0].passed
    accepted_gaps.accept(
        warehouse, accepted_gaps.gap_rows("nbac_play_by_play", DAY, {"0022500150": "never published"}, "test")
    )
    outcome = rule([DAY], CheckData(warehouse))[0]
    assert not outcome.passed and outcome.metadata["missing_games"] == ["20251103_LAL_POR"]
    accepted_gaps.accept(warehouse, accepted_gaps.gap_rows("nbac_play_by_play", DAY, {None: "whole date"}, "test"))
    outcome = rule([DAY], CheckData(warehouse))[0]
    assert outcome.passed and outcome.metadata["accepted_gaps"] == sorted([GAME, "20251103_LAL_POR"])


def test_accepting_merges_with_what_was_accepted_before(warehouse):
    accepted_gaps.accept(warehouse, accepted_gaps.gap_rows("nbac_play_by_play", DAY, {"1": "a"}, "source"))
    accepted_gaps.accept(warehouse, accepted_gaps.gap_rows("odds_api_player_props", DAY, {None: "b"}, "operator"))
    accepted_gaps.accept(warehouse, accepted_gaps.gap_rows("nbac_play_by_play", DAY, {"1": "a again"}, "source"))
    rows = accepted_gaps.accepted(warehouse, [DAY]).sort_values("feed")
    assert rows["feed"].tolist() == ["nbac_play_by_play", "odds_api_player_props"]
    assert rows["reason"].tolist() == ["a again", "b"] and rows["nba_game_id"].isna().tolist() == [False, True]


def graded(rows: list[tuple]) -> pd.DataFrame:
    cols = [
        "recommendation",
        "line_value",
        "actual_points",
        "predicted_points",
        "prediction_correct",
        "is_voided",
        "quality_score",
    ]
    df = pd.DataFrame(rows, columns=cols).assign(game_date=pd.Timestamp(DAY))
    df["prediction_correct"] = df["prediction_correct"].astype("boolean")
    return df


def test_grading_counts_hits_pushes_pass_and_no_line_apart():
    df = graded(
        [
            ("OVER", 20.5, 25, 24.0, True, False, 100),  # hit
            ("UNDER", 10.5, 12, 8.0, False, False, 100),  # miss
            ("OVER", 15.0, 15, 18.0, None, False, 60),  # push: graded NULL
            ("PASS", 8.5, 4, 9.0, None, False, 30),
            ("NO_LINE", np.nan, 7, 6.0, None, False, 0),
            ("OVER", 12.5, np.nan, 15.0, None, True, 100),  # DNP: voided, out of every figure
        ]
    )
    f = figures(df)
    assert (f["with_line"], f["calls"], f["hits"], f["misses"], f["pushes"], f["pass"], f["no_line"], f["voided"]) == (
        4,
        3,
        1,
        1,
        1,
        1,
        1,
        1,
    )
    assert f["hit_rate"] == 0.5
    assert f["mae_predicted"] == pytest.approx((1 + 4 + 3 + 5) / 4, abs=0.01)
    assert f["mae_line"] == pytest.approx((4.5 + 1.5 + 0 + 4.5) / 4, abs=0.01)
    bands = grade(df, "quality_band").set_index("quality_band")
    assert bands.loc["100", "hits"] == 1 and bands.loc["50-90", "pushes"] == 1 and bands.loc["0-40", "pass"] == 1
    per_date = partition_figures(df, [DAY, DAY + dt.timedelta(days=1)])
    assert per_date[DAY]["grading/hit_rate"] == 0.5 and "grading/hit_rate" not in per_date[DAY + dt.timedelta(days=1)]
