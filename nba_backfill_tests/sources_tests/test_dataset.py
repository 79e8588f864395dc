"""The dataset source: real recorded facts in the real APIs' shapes, parsed by the Phase 2 parsers."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pandas as pd
import pytest

from nba_backfill.datasets import REAL_2025_26
from nba_backfill.environment import resources
from nba_backfill.errors import ConfigurationError, SourceUnavailable
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.sources.dataset import NO_PBP_REASON, DatasetSource

UTC = dt.timezone.utc
OPENING = dt.date(2025, 10, 21)
EVENT = "bbde7751a144b98ed150d7a5f7dc8f87"  # HOU at OKC on opening night, 23:35 UTC


@pytest.fixture(scope="module")
def real() -> DatasetSource:
    return DatasetSource(folder=str(REAL_2025_26))


def small(tmp_path: Path, pulls: list[str] | None) -> DatasetSource:
    """Opening night's HOU at OKC from the real files, with the given lines of its odds file."""
    (tmp_path / "schedule.csv").write_text(
        "game_id,game_date,away,home,away_pts,home_pts\n0022500001,2025-10-21,HOU,OKC,124,125\n"
    )
    box = pd.read_csv(REAL_2025_26 / "box_scores.csv.gz", dtype={"game_id": str})
    box[box["game_id"] == "0022500001"].to_csv(tmp_path / "box_scores.csv.gz", index=False)
    if pulls is not None:
        header = "snapshot,event_id,commence_time,away_team,home_team,player,bookmaker,line,over_price,under_price\n"
        with gzip.open(tmp_path / "player_points_snapshots.csv.gz", "wt") as out:
            out.write(header + "".join(f"{p}\n" for p in pulls))
    return DatasetSource(folder=str(tmp_path))


def pull(at: str, line: float, player: str = "Shai Gilgeous-Alexander", event: str = EVENT) -> str:
    return (
        f"{at},{event},2025-10-21T23:35:00Z,Houston Rockets,Oklahoma City Thunder,{player},draftkings,{line},-115,-105"
    )


def test_the_dataset_is_found_through_resources_without_configuration(home, monkeypatch):
    monkeypatch.setenv("NBA_BACKFILL_SOURCE", "dataset")
    league = resources()["league"]
    assert isinstance(league, DatasetSource) and Path(league.folder) == REAL_2025_26
    assert len(league.data.schedule) == 259 and len(league.data.box) == 6814


def test_schedule_and_box_scores_parse_and_add_up_to_the_final_scores(real):
    day = dt.date(2025, 11, 2)
    schedule = parsers.parse_schedule({f"nba-com/schedule/{day}/x.json": real.schedule(day)})
    assert len(schedule) == 8 and (schedule["game_status"] == 3).all()
    okc = schedule[schedule["game_id"] == "20251102_NOP_OKC"].iloc[0]
    assert okc["game_time_utc"] == pd.Timestamp("2025-11-02T20:30:00Z")  # the Odds API commence time
    files = {f"nba-com/boxscores/{day}/{g}/x.json": real.boxscore(g) for g in schedule["nba_game_id"]}
    teams = parsers.parse_boxscore_teams(files)
    players = parsers.parse_boxscore_players(files)
    finals = schedule.melt(id_vars="game_id", value_vars=["home_team_score", "away_team_score"])["value"].sum()
    assert teams["points"].sum() == players["points"].sum() == finals
    assert set(players["player_status"]) == {"active", "dnp"}  # 0-minute rows are DNPs


def test_names_keep_their_accents_and_fold_to_the_lookup(real):
    box = real.data.box
    game = box.loc[box["player_name"] == "Nikola Jokić", "game_id"].iloc[0]
    day = real.data.schedule.set_index("game_id").loc[game, "game_date"]
    players = parsers.parse_boxscore_players({f"nba-com/boxscores/{day}/{game}/x.json": real.boxscore(game)})
    jokic = players[players["player_lookup"] == "nikolajokic"].iloc[0]
    assert jokic["player_name_original"] == "Nikola Jokić"


def test_an_unknown_game_is_a_404_naming_it(real):
    with pytest.raises(SourceUnavailable, match="0022599999"):
        real.boxscore("0022599999")


def test_dates_before_the_season_have_no_games_and_dates_after_the_data_are_not_known(real):
    assert real.schedule(dt.date(2025, 10, 1))["leagueSchedule"]["gameDates"] == []
    with pytest.raises(SourceUnavailable, match="ends on 2025-11-24") as err:
        real.schedule(dt.date(2025, 11, 25))
    assert err.value.status == 404


def test_play_by_play_that_does_not_exist_is_answered_as_nba_com_does(real):
    payload = real.play_by_play("0022500001")
    assert payload["game"] == {"gameId": "0022500001", "videoAvailable": 0, "actions": []}
    assert parsers.parse_play_by_play({"nba-com/play-by-play/2025-10-21/game-0022500001/x.json": payload}).empty
    assert real.known_gaps("nbac_play_by_play", OPENING) == {"0022500001": NO_PBP_REASON, "0022500002": NO_PBP_REASON}
    assert real.known_gaps("nbac_boxscores", OPENING) == {}


def test_odds_requests_get_the_latest_pull_at_or_before_the_snapshot(tmp_path):
    source = small(
        tmp_path,
        [pull("2025-10-20T17:00:00", 30.5), pull("2025-10-21T17:00:00", 31.5), pull("2025-10-21T23:40:00", 29.5)],
    )  # the last one after tip-off

    def line(at: dt.datetime) -> list[float]:
        body = source.event_odds(EVENT, ["player_points"], at)["data"]
        return [o["point"] for b in body["bookmakers"] for o in b["markets"][0]["outcomes"] if o["name"] == "Over"]

    assert line(dt.datetime(2025, 10, 21, 16, 59, tzinfo=UTC)) == [30.5]
    assert line(dt.datetime(2025, 10, 21, 17, 0, tzinfo=UTC)) == [31.5]  # at: inclusive
    assert line(dt.datetime(2025, 10, 21, 23, 35, tzinfo=UTC)) == [31.5]  # never the in-play pull
    assert line(dt.datetime(2025, 10, 20, 12, 0, tzinfo=UTC)) == []  # before any pull
    with pytest.raises(SourceUnavailable, match="EVENT_NOT_FOUND") as err:
        source.event_odds(EVENT, ["player_points"], dt.datetime(2025, 10, 21, 23, 40, tzinfo=UTC))
    assert err.value.status == 404
    live = source.event_odds(EVENT, ["player_points"], None)  # live: the market just before tip-off
    assert live["bookmakers"][0]["markets"][0]["outcomes"][0]["point"] == 31.5


def test_the_pull_clock_is_read_in_its_documented_zone(tmp_path):
    utc = small(tmp_path, [pull("2025-10-21T17:00:00", 31.5)])
    eastern = DatasetSource(folder=utc.folder, pull_clock="America/New_York")
    at = dt.datetime(2025, 10, 21, 18, 0, tzinfo=UTC)  # after 17:00 UTC, before 17:00 EDT (21:00 UTC)
    assert utc.event_odds(EVENT, ["player_points"], at)["data"]["bookmakers"]
    assert eastern.event_odds(EVENT, ["player_points"], at)["data"]["bookmakers"] == []
    stamp = utc.event_odds(EVENT, ["player_points"], at)["data"]["bookmakers"][0]["last_update"]
    assert stamp == "2025-10-21T17:00:00Z"


def test_lines_parse_into_props_rows_with_american_prices(real):
    tip = dt.datetime(2025, 10, 21, 23, 35, tzinfo=UTC)
    payload = real.event_odds(EVENT, ["player_points"], tip - dt.timedelta(hours=1))
    props = parsers.parse_player_props({f"odds-api/player-props-history/2025-10-21/{EVENT}-HOUOKC/x.json": payload})
    assert set(props["bookmaker"]) <= {
        "draftkings",
        "fanduel",
        "betmgm",
        "williamhill_us",
        "betrivers",
        "fanatics",
        "bovada",
        "betonlineag",
    }
    assert (props["game_id"] == "20251021_HOU_OKC").all() and (props["minutes_before_tipoff"] == 60).all()
    assert props["over_price_american"].notna().all() and "kevindurant" in set(props["player_lookup"])
    assert real.event_odds(EVENT, ["spreads", "totals"], tip - dt.timedelta(hours=1))["data"]["bookmakers"] == []


def test_events_come_from_the_file_and_a_dataset_without_odds_has_none(real, tmp_path):
    listing = real.odds_events(OPENING, dt.datetime(2025, 10, 21, 15, tzinfo=UTC))
    assert len(listing["data"]) == 2 and listing["data"][0]["id"] == EVENT  # ordered by tip-off
    assert listing["timestamp"] == "2025-10-21T15:00:00Z"
    bare = small(tmp_path, None)
    assert bare.odds_events(OPENING, dt.datetime(2025, 10, 21, 15, tzinfo=UTC))["data"] == []
    with pytest.raises(SourceUnavailable):
        bare.event_odds(EVENT, ["player_points"], dt.datetime(2025, 10, 21, 20, tzinfo=UTC))
    # Without a commence time the schedule says what NBA.com says of an unknown time: midnight ET.
    game = bare.schedule(OPENING)["leagueSchedule"]["gameDates"][0]["games"][0]
    assert game["gameDateTimeEst"] == "2025-10-21T00:00:00Z" and game["gameTimeEst"] == "1900-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            pull("2025-10-21T17:00:00", 31.5, event="../../etc/passwd"),
            "row 2: event_id '../../etc/passwd' is not a 32-digit hex",
        ),
        (
            pull("2025-10-21T17:00:00", 31.5).replace("Houston Rockets", "Houston Oilers"),
            "row 2: away_team 'Houston Oilers'",
        ),
        (pull("yesterday", 31.5), "row 2: snapshot 'yesterday' is not a time"),
    ],
)
def test_a_bad_odds_row_is_one_line_naming_the_file_and_row(tmp_path, row, message):
    source = small(tmp_path, [row])
    with pytest.raises(ConfigurationError, match="player_points_snapshots.csv.gz") as err:
        source.schedule(OPENING)
    assert message in str(err.value)


def test_a_folder_without_the_required_files_names_the_variable(tmp_path):
    with pytest.raises(ConfigurationError, match=f"NBA_DATASET_DIR={tmp_path}: expected schedule.csv"):
        DatasetSource(folder=str(tmp_path)).schedule(OPENING)


def test_the_dataset_is_package_data_a_plain_install_carries():
    # The wheel's package data (pyproject.toml) must name every file the source reads.
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["nba_backfill.datasets"]
    shipped = {p.name for g in globs for p in (REAL_2025_26.parent).glob(g)}
    assert {"schedule.csv", "box_scores.csv.gz", "player_points_snapshots.csv.gz", "README.md"} <= shipped
