"""A range's raw files parsed a block of dates at a time (phases/table_asset.py: in_blocks) give the
table that parsing them all at once gives: same rows, values, dtypes and row order by date, and the
same one-line error for a broken file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from nba_backfill.errors import RawPayloadError
from nba_backfill.phases.failed_dates import FAILED_DATES
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.phases.table_asset import concat, conformed, in_blocks, table_asset
from nba_backfill.storage.io_managers import LazyPayloads
from nba_backfill.storage.raw_store import LocalRawStore
from nba_backfill_tests.phases_tests.test_parsers_golden import SIMULATED_DATES, simulated_files

STAMP = pd.Timestamp("2024-02-01 12:00", tz="UTC")


def play_by_play(dates: list[dt.date], scraped: Any, schedule: Any) -> pd.DataFrame:
    games = parsers.parse_schedule(schedule)
    teams = dict(zip(games["nba_game_id"], zip(games["away_team_tricode"], games["home_team_tricode"])))
    return parsers.parse_play_by_play(scraped, teams=teams)


#: table -> (its compute, the feeds it reads by parameter), as phase2_raw/assets.py wires them.
TABLES: dict[str, tuple[Callable[..., pd.DataFrame], dict[str, str]]] = {
    "nba_raw/nbac_schedule": (lambda dates, scraped: parsers.parse_schedule(scraped), {"scraped": "schedule"}),
    "nba_raw/nbac_gamebook_player_stats": (
        lambda dates, scraped: parsers.parse_boxscore_players(scraped),
        {"scraped": "box"},
    ),
    "nba_raw/nbac_team_boxscore": (lambda dates, scraped: parsers.parse_boxscore_teams(scraped), {"scraped": "box"}),
    "nba_raw/nbac_play_by_play": (play_by_play, {"scraped": "pbp", "schedule": "schedule"}),
    "nba_raw/odds_api_player_points_props": (
        lambda dates, scraped: parsers.parse_player_props(scraped),
        {"scraped": "props"},
    ),
    "nba_raw/odds_api_game_lines": (lambda dates, scraped: parsers.parse_game_lines(scraped), {"scraped": "lines"}),
}


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LazyPayloads]:
    """The simulated dates' files in a raw store, as each feed's IO manager hands them over; the
    props also hold a live snapshot of the first date (another prefix, sorted after the history)."""
    store = LocalRawStore(root=str(tmp_path_factory.mktemp("raw")))
    files = simulated_files()
    first_props = next(p for p in sorted(files["props"]) if f"/{SIMULATED_DATES[0]}/" in p)
    files["props"][first_props.replace("player-props-history", "player-props")] = files["props"][first_props]
    for feed in files.values():
        for path, payload in feed.items():
            store.write(path, json.dumps(payload).encode())
    return {feed: LazyPayloads(store, sorted(paths)) for feed, paths in files.items()}


def parsed_in_blocks(table: str, inputs: dict[str, LazyPayloads], size: int) -> pd.DataFrame:
    compute, _ = TABLES[table]
    blocks = in_blocks(SIMULATED_DATES, inputs, size)
    return concat([conformed(table, compute, block, narrowed, STAMP) for block, narrowed in blocks])


def by_date(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in date order, each date's in the order parsed (what a read of the table gives)."""
    return df.sort_values("game_date", kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_blocks_give_the_table_parsed_at_once(table: str, stored: dict[str, LazyPayloads]) -> None:
    inputs = {param: stored[feed] for param, feed in TABLES[table][1].items()}
    at_once = parsed_in_blocks(table, inputs, len(SIMULATED_DATES))
    assert len(at_once) and at_once["game_date"].nunique() == len(SIMULATED_DATES)
    for size in (1, 2):
        pd.testing.assert_frame_equal(by_date(parsed_in_blocks(table, inputs, size)), by_date(at_once))


def test_a_block_reads_only_its_own_dates(stored: dict[str, LazyPayloads]) -> None:
    day = SIMULATED_DATES[1]
    on_day = stored["pbp"].on({day})
    assert len(on_day) and all(f"/{day}/" in path for path in on_day)
    assert set(on_day) == {p for p in stored["pbp"] if f"/{day}/" in p}


def test_a_broken_file_in_a_later_block_fails_naming_it_and_its_date(
    tmp_path: Path, stored: dict[str, LazyPayloads]
) -> None:
    store = LocalRawStore(root=str(tmp_path))
    paths = list(stored["box"])
    for path in paths:
        store.write(path, json.dumps(stored["box"][path]).encode())
    broken = max(paths)
    store.write(broken, b'{"boxScoreTraditional": []}')
    with pytest.raises(dg.Failure, match=broken) as failed:
        parsed_in_blocks("nba_raw/nbac_gamebook_player_stats", {"scraped": LazyPayloads(store, paths)}, 1)
    assert list(failed.value.metadata[FAILED_DATES].value) == [str(SIMULATED_DATES[-1])]
    assert isinstance(failed.value.__cause__, RawPayloadError)


@pytest.mark.parametrize(
    "reads",
    [
        {"lookback": {"games": "nba_raw/nbac_gamebook_player_stats"}},  # a window of earlier dates
        {"same_day": {"games": "nba_raw/nbac_gamebook_player_stats"}},  # a table, not raw files
    ],
)
def test_blocks_are_only_for_assets_reading_their_own_dates_raw_files(reads: dict) -> None:
    with pytest.raises(ValueError, match="date_blocks is for assets that read only their own dates' raw files"):
        table_asset(
            "nba_analytics/player_game_summary",
            group="g",
            compute=lambda dates, games, schedule=None: games,
            description="d",
            date_blocks=2,
            **reads,
        )
