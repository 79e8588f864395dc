"""The box-score identities (checks/box_score.py): each holds on the REAL recorded box score
and on the simulated league, and each names the offender when one number is planted wrong."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from nba_backfill.checks import box_score
from nba_backfill.phases.phase1_scrapers import final_games
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.sources.simulated import SimulatedLeague
from nba_backfill.storage.io_managers import encode
from nba_backfill_tests.phases_tests.test_phase2_parsers import BOX_FILE, BOX_PATH, real

GAME = "20230102_CHI_CLE"


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(players, teams) of the recorded CHI at CLE box score, as Phase 2 writes them."""
    files = {BOX_PATH: real(BOX_FILE)}
    return parsers.parse_boxscore_players(files), parsers.parse_boxscore_teams(files)


def _row(players: pd.DataFrame, team: str, status: str = "active") -> int:
    return players.index[(players["team_abbr"] == team) & (players["player_status"] == status)][0]


def _mitchell(players: pd.DataFrame) -> int:
    return players.index[players["player_lookup"] == "donovanmitchell"][0]


def test_the_recorded_box_score_satisfies_every_identity(frames) -> None:
    assert box_score.violations(*frames) == {name: set() for name in box_score.IDENTITIES}


def test_the_simulated_league_satisfies_every_identity() -> None:
    league, checked = SimulatedLeague(seed=20241022), 0
    for day in (dt.date(2024, 10, 22), dt.date(2024, 11, 14), dt.date(2025, 2, 3), dt.date(2025, 4, 13)):
        schedule = {f"nba-com/schedule/{day}/a.json": json.loads(encode(league.schedule(day)))}
        files = {
            f"nba-com/boxscores/{day}/{g}/a.json": json.loads(encode(league.boxscore(g)))
            for g in final_games(schedule, day)
        }
        players, teams = parsers.parse_boxscore_players(files), parsers.parse_boxscore_teams(files)
        assert box_score.violations(players, teams) == {name: set() for name in box_score.IDENTITIES}
        checked += len(teams)
    assert checked > 20


def _plant(frames, where: str, column: str, change) -> dict[str, set[str]]:
    players, teams = (f.copy() for f in frames)
    if where == "team":
        teams.loc[teams["team_abbr"] == "CLE", column] = change(teams.loc[teams["team_abbr"] == "CLE", column])
    else:
        row = _mitchell(players)
        players.loc[row, column] = change(players.loc[row, column])
    return {name: found for name, found in box_score.violations(players, teams).items() if found}


MITCHELL = f"{GAME} CLE donovanmitchell"


@pytest.mark.parametrize(
    ("where", "column", "change", "expected"),
    [
        # reboundsTotal != offensive + defensive: on a team row alone, the players still add up.
        (
            "team",
            "total_rebounds",
            lambda v: v + 1,
            {"rebounds_not_offensive_plus_defensive": {f"{GAME} CLE"}, "team_totals_not_players_sums": {f"{GAME} CLE"}},
        ),
        # Team assists != the players' sum.
        ("team", "assists", lambda v: v + 3, {"team_totals_not_players_sums": {f"{GAME} CLE"}}),
        # Team field-goal attempts != the players' sum.
        ("team", "fg_attempted", lambda v: v - 2, {"team_totals_not_players_sums": {f"{GAME} CLE"}}),
        # A team plus-minus that contradicts the final score (CLE won by 11).
        ("team", "plus_minus", lambda v: -v, {"plus_minus_not_margin": {f"{GAME} CLE"}}),
        # Free throws made above attempted, on a team row.
        (
            "team",
            "ft_made",
            lambda v: v + 50,
            {"makes_above_attempts": {f"{GAME} CLE"}, "team_totals_not_players_sums": {f"{GAME} CLE"}},
        ),
        # Negative steals on a team row (not in the players' sums: only the sign is wrong).
        ("team", "steals", lambda v: -v - 1, {"negative_counts": {f"{GAME} CLE"}}),
    ],
    ids=["team-rebounds", "team-assists", "team-attempts", "team-plus-minus", "team-makes", "team-negative"],
)
def test_a_planted_team_error_is_named(frames, where, column, change, expected) -> None:
    assert _plant(frames, where, column, change) == expected


def test_player_rebounds_that_do_not_add_up_are_named(frames) -> None:
    found = _plant(frames, "player", "offensive_rebounds", lambda v: v + 1)
    assert found["rebounds_not_offensive_plus_defensive"] == {MITCHELL}


def test_player_plus_minus_that_does_not_sum_to_five_margins_is_named(frames) -> None:
    assert _plant(frames, "player", "plus_minus", lambda v: v + 4) == {"plus_minus_not_margin": {f"{GAME} CLE"}}


def test_player_makes_above_attempts_are_named(frames) -> None:
    found = _plant(frames, "player", "three_pointers_made", lambda v: 30)
    assert MITCHELL in found["makes_above_attempts"]


def test_negative_player_assists_are_named(frames) -> None:
    players, teams = (f.copy() for f in frames)
    # Negative assists that still sum right: only the sign gives them away.
    players.loc[_mitchell(players), "assists"] -= 20
    players.loc[_row(players, "CLE", "dnp"), "assists"] += 20
    found = {name: f for name, f in box_score.violations(players, teams).items() if f}
    assert found == {"negative_counts": {MITCHELL}}


def test_a_scorer_without_minutes_is_named_not_taken_for_a_dnp(frames) -> None:
    # Mitchell's 71 points with his minutes blanked: the parser reads him as a DNP with 71 points.
    box = real(BOX_FILE)
    mitchell = next(p for p in box["boxScoreTraditional"]["homeTeam"]["players"] if p["familyName"] == "Mitchell")
    mitchell["statistics"]["minutes"] = ""
    players = parsers.parse_boxscore_players({BOX_PATH: box})
    teams = parsers.parse_boxscore_teams({BOX_PATH: box})
    assert players.loc[_mitchell(players), ["player_status", "points"]].tolist() == ["dnp", 71]
    assert box_score.scorers_have_minutes(players, teams) == {MITCHELL}
