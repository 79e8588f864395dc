"""`nba-backfill accept`: a gap that will never be filled is accepted, windows count the game as
known-absent, and revoking brings the block back (issue 15, case 6)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from nba_backfill.backfill import accept as accepting
from nba_backfill.checks.data import CheckData
from nba_backfill.errors import UsageError
from nba_backfill.phases.lookback import window_gaps
from nba_backfill.phases.phase1_scrapers import scrape_final_games
from nba_backfill.sources.faults import parse_unpublished
from nba_backfill.storage import accepted_gaps
from nba_backfill.storage.warehouse import DuckDBWarehouse

DAY = dt.date(2024, 10, 28)
SCHEDULE = pd.DataFrame(
    {
        "game_id": ["20241028_CLE_NYK", "20241028_ORL_PHI"],
        "nba_game_id": ["0022400041", "0022400042"],
        "game_date": pd.Timestamp(DAY),
        "game_status": 3,
    }
)


@pytest.fixture
def data(tmp_path) -> CheckData:
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    warehouse.replace_partitions("nba_raw.nbac_schedule", SCHEDULE, [DAY])
    warehouse.replace_partitions("nba_raw.nbac_schedule", SCHEDULE.iloc[:0], [DAY + dt.timedelta(days=1)])
    return CheckData(warehouse)


@pytest.mark.parametrize(
    ("feed", "day", "game", "said"),
    [
        ("boxscores", DAY, "0022400041", "--feed 'boxscores' is not one of nbac_boxscores"),
        ("nbac_boxscores", DAY, "22400041", "--game: NBA.com game id '22400041' is not 10 digits"),
        ("nbac_boxscores", DAY, "../../x", "is not 10 digits"),
        ("nbac_boxscores", DAY, None, "name the game with --game"),
        ("nbac_boxscores", DAY, "0022400099", "--game 0022400099 is not on the schedule of 2024-10-28"),
        ("nbac_boxscores", DAY + dt.timedelta(days=1), "0022400041", "2024-10-29 is not a game date"),
        ("odds_api", DAY + dt.timedelta(days=2), None, "no schedule is loaded for 2024-10-30"),
    ],
)
def test_a_bad_argument_is_refused_naming_it(data, feed, day, game, said):
    with pytest.raises(UsageError, match=said.replace("(", r"\(").replace(".", r"\.")):
        accepting.target(data, feed, day, game)


def test_accepting_records_reason_who_and_when_and_revoking_removes_only_that_gap(data):
    box = accepting.target(data, "nbac_boxscores", DAY, "0022400041")
    assert box.game_id == "20241028_CLE_NYK"
    accepting.accept(data, box, "  never published ", "alice")
    accepting.accept(data, accepting.target(data, "odds_api", DAY, None), "API had no lines", None)
    rows = accepted_gaps.accepted(data.warehouse, [DAY]).sort_values("feed")
    assert rows["feed"].tolist() == [
        "nbac_boxscores",
        "odds_api_events",
        "odds_api_game_lines",
        "odds_api_player_props",
    ]
    assert rows["reason"].tolist()[0] == "never published" and rows["accepted_by"].tolist()[0] == "alice"
    assert rows["accepted_by"].tolist()[1] == accepting.operator(None) != ""  # the OS account
    assert (pd.Timestamp.now(tz="UTC") - pd.to_datetime(rows["accepted_at"], utc=True)).max() < pd.Timedelta("1min")

    removed = accepting.revoke(data, box)
    assert removed["nba_game_id"].tolist() == ["0022400041"] and removed["reason"].tolist() == ["never published"]
    left = accepted_gaps.accepted(data.warehouse, [DAY])
    assert sorted(left["feed"]) == ["odds_api_events", "odds_api_game_lines", "odds_api_player_props"]
    with pytest.raises(UsageError, match="nothing is accepted for nbac_boxscores of game 0022400041"):
        accepting.revoke(data, box)
    with pytest.raises(UsageError, match="--reason is required"):
        accepting.accept(data, box, " ", "alice")


def test_an_accepted_game_is_known_absent_in_a_window_and_nowhere_else(data):
    gaps = accepted_gaps.accepted_games(
        accepted_gaps.gap_rows("nbac_boxscores", DAY, {"0022400041": "x"}, "t"), "nbac_boxscores"
    )
    absent = accepted_gaps.absent_games(SCHEDULE, gaps)
    assert absent == {"20241028_CLE_NYK"}
    schedule = SCHEDULE.copy()
    schedule.attrs["present_dates"] = [DAY]
    history = {"nba_analytics.player_game_summary": pd.DataFrame({"game_id": ["20241028_ORL_PHI"]})}
    later = [DAY + dt.timedelta(days=1)]
    assert window_gaps(later, schedule, history, absent).query("table != 'nba_raw.nbac_schedule'").empty
    missing = window_gaps(later, schedule, history).query("table != 'nba_raw.nbac_schedule'")
    assert missing["game_id"].tolist() == ["20241028_CLE_NYK"]  # not accepted: the window lacks it
    whole_date = accepted_gaps.gap_rows("nbac_boxscores", DAY, {None: "x"}, "t")
    assert accepted_gaps.absent_games(SCHEDULE, accepted_gaps.accepted_games(whole_date, "nbac_boxscores")) == set(
        SCHEDULE["game_id"]
    )
    pbp = accepted_gaps.accepted_games(whole_date, "nbac_play_by_play")
    assert accepted_gaps.absent_games(SCHEDULE, pbp) == set()  # another feed's gap excuses nothing


def test_the_box_score_scraper_does_not_ask_for_an_accepted_game(monkeypatch):
    asked = []
    monkeypatch.setattr(
        "nba_backfill.phases.phase1_scrapers.final_games", lambda files, day: ["0022400041", "0022400042"]
    )
    files = scrape_final_games(
        [DAY], {}, lambda d, g: f"nba-com/boxscores/{d}/{g}", asked.append, {DAY: {"0022400041"}}
    )
    assert asked == ["0022400042"] and [p.split("/")[3] for p in files] == ["0022400042"]
    assert scrape_final_games([DAY], {}, lambda d, g: f"x/{d}/{g}", asked.append, {DAY: None}) == {}


def test_an_unpublished_game_spec_is_checked():
    assert parse_unpublished("nbac_boxscores:0022400041, 0022400042") == {
        "nbac_boxscores": frozenset({"0022400041", "0022400042"})
    }
    with pytest.raises(ValueError, match="feed nbac_boxscores or nbac_play_by_play"):
        parse_unpublished("odds_api_events:0022400041")
    with pytest.raises(ValueError, match="is not 10 digits"):
        parse_unpublished("nbac_boxscores:0022400041,abc")


def test_accept_through_the_command_line_refuses_a_bad_argument_in_one_line(nba):
    code, _ = nba("accept", "--date", "2024-10-28", "--feed", "nbac_boxscores", "--game", "x", "--reason", "r")
    assert code == 2 and nba.err.strip().count("\n") == 0
    assert nba.err.startswith("nba-backfill accept: error: --game: NBA.com game id 'x' is not 10 digits")


# --- case 6, end to end -----------------------------------------------------------------------

RANGE = ["--start-date", "2024-10-22", "--end-date", "2024-11-01"]
LATER = [str(DAY + dt.timedelta(days=k)) for k in range(1, 5)]
BOX = ["--date", str(DAY), "--feed", "nbac_boxscores", "--game", "0022400041"]


@pytest.mark.slow
def test_a_box_score_never_published_is_accepted_then_revoked(nba, home, monkeypatch):
    monkeypatch.setenv("NBA_SIM_UNPUBLISHED", "nbac_boxscores:0022400041")
    code, report = nba.json("run", *RANGE)
    assert code == 1 and "game 0022400041 was never published" in " ".join(report["failed"][str(DAY)])
    assert set(LATER) <= set(report["blocked"])  # their windows hold the gap

    code, accepted = nba.json("accept", *BOX, "--reason", "NBA.com never published it", "--by", "ops-alice")
    assert code == 0 and accepted["accepted"][0]["accepted_by"] == "ops-alice"
    assert accepted["accepted"][0]["game_id"] == "20241028_CLE_NYK"

    code, report = nba.json("run", *RANGE)
    assert code == 0 and report["complete_game_dates"] == report["game_dates"] and not report["blocked"]
    code, status = nba.json("status", *RANGE)
    day = next(d for d in status["dates"] if d["date"] == str(DAY))
    assert code == 0 and day["phase1"] == "accepted"
    assert day["reasons"]["phase1"] == ["nbac_boxscores: 1 accepted (NBA.com never published it)"]
    assert all(d["phase5"] in ("complete", "no games") for d in status["dates"] if d["date"] in LATER)
    assert nba("validate", *RANGE, "--strict")[0] == 0
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        games = con.execute(
            "SELECT count(*) FILTER (WHERE game_id = '20241028_CLE_NYK'), count(DISTINCT game_id) "
            "FROM nba_analytics.team_offense_game_summary WHERE game_date = DATE '2024-10-28'"
        ).fetchone()
    assert games == (0, 7)  # the 7 games there, computed; the accepted one known-absent

    code, revoked = nba.json("accept", *BOX, "--revoke")
    assert code == 0 and revoked["revoked"][0]["reason"] == "NBA.com never published it"
    code, status = nba.json("status", *RANGE)
    assert code == 1 and next(d for d in status["dates"] if d["date"] == str(DAY))["phase1"] == "failed"
    code, report = nba.json("run", *RANGE)
    assert code == 1 and str(DAY) in report["failed"] and set(LATER) <= set(report["blocked"])
