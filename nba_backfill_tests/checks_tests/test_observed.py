"""What the stored data says beyond "written": provisional dates, degraded odds, drifted rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from nba_backfill.checks import observed
from nba_backfill.checks.data import CheckData
from nba_backfill.storage import accepted_gaps
from nba_backfill.storage.raw_store import LocalRawStore
from nba_backfill.storage.warehouse import DuckDBWarehouse

D1, D2 = dt.date(2024, 11, 5), dt.date(2024, 11, 6)


def schedule(day: dt.date, games: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "game_date": pd.Timestamp(day),
            "game_id": [f"{day:%Y%m%d}_{a}_{h}" for a, h, _ in games],
            "nba_game_id": [f"00224{i:05d}" for i in range(len(games))],
            "away_team_tricode": [a for a, _, _ in games],
            "home_team_tricode": [h for _, h, _ in games],
            "game_status": [s for _, _, s in games],
        }
    )


def odds(day: dt.date, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "game_date": pd.Timestamp(day),
            "away_team_abbr": [a for a, _ in pairs],
            "home_team_abbr": [h for _, h in pairs],
        }
    )


@pytest.fixture
def warehouse(tmp_path) -> DuckDBWarehouse:
    w = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    w.replace_partitions(
        "nba_raw.nbac_schedule",
        pd.concat([schedule(D1, [("BOS", "NYK", 3), ("LAL", "DEN", 3)]), schedule(D2, [("MIA", "CHI", 1)])]),
        [D1, D2],
    )
    return w


def test_a_past_date_whose_schedule_has_games_not_final_is_provisional(warehouse):
    found = observed.provisional(CheckData(warehouse), [D1, D2], today=dt.date(2024, 11, 7))
    assert found == {D2: ["20241106_MIA_CHI not final when scraped"]}
    assert observed.provisional(CheckData(warehouse), [D1, D2], today=D2) == {}  # today: not final yet is normal
    postponed = accepted_gaps.gap_rows(accepted_gaps.GAME_FEED, D2, {"0022400000": "postponed"}, "tester")
    accepted_gaps.accept(warehouse, postponed)  # its box score will never come on this date
    assert observed.provisional(CheckData(warehouse), [D1, D2], today=dt.date(2024, 11, 7)) == {}


def test_a_final_game_without_props_or_lines_is_degraded_unless_accepted(warehouse):
    warehouse.replace_partitions(observed.PROPS, odds(D1, [("BOS", "NYK")]), [D1])
    warehouse.replace_partitions(observed.LINES, odds(D1, [("BOS", "NYK"), ("LAL", "DEN")]), [D1])
    assert observed.degraded(CheckData(warehouse), [D1]) == {D1: ["20241105_LAL_DEN has no player props"]}
    gap = accepted_gaps.gap_rows("odds_api_player_props", D1, {"0022400001": "never posted"}, "tester")
    accepted_gaps.accept(warehouse, gap)
    assert observed.degraded(CheckData(warehouse), [D1]) == {}


def test_a_game_whose_props_answer_holds_no_bookmakers_is_not_degraded(warehouse, tmp_path):
    warehouse.replace_partitions(observed.PROPS, odds(D1, [("BOS", "NYK")]), [D1])
    store = LocalRawStore(root=str(tmp_path / "raw"))
    data = CheckData(warehouse, store)
    assert observed.degraded(data, [D1]) == {D1: ["20241105_LAL_DEN has no player props"]}
    event = "f994e3292803f9436bda7b9e4c518014"
    store.write(f"odds-api/player-props-history/{D1}/{event}-LALDEN/20241106_002000-snap-0020.json", b"{}")
    assert observed.degraded(CheckData(warehouse, store), [D1]) == {}  # asked, and the book posted none


def test_rows_changed_or_lost_after_the_write_are_drifted(warehouse):
    assert observed.drifted(CheckData(warehouse), ["nba_raw.nbac_schedule"]).empty
    warehouse.query("UPDATE nba_raw.nbac_schedule SET game_status = 2 WHERE away_team_tricode = 'BOS'")
    warehouse.query("DELETE FROM nba_raw.nbac_schedule WHERE away_team_tricode = 'MIA'")
    drift = observed.drifted(CheckData(warehouse), ["nba_raw.nbac_schedule"]).set_index("game_date")
    assert bool(drift.loc[pd.Timestamp(D1), "changed"]) and not drift.loc[pd.Timestamp(D1), "lost"]
    assert bool(drift.loc[pd.Timestamp(D2), "lost"]) and drift.loc[pd.Timestamp(D2), "row_count_now"] == 0


def test_an_accepted_game_lines_gap_does_not_cover_missing_player_props(warehouse):
    warehouse.replace_partitions(observed.PROPS, odds(D1, [("BOS", "NYK")]), [D1])
    warehouse.replace_partitions(observed.LINES, odds(D1, []), [D1])
    gaps = {"0022400000": "not in the data", "0022400001": "not in the data"}
    accepted_gaps.accept(warehouse, accepted_gaps.gap_rows("odds_api_game_lines", D1, gaps, "source:test"))
    assert observed.degraded(CheckData(warehouse), [D1]) == {D1: ["20241105_LAL_DEN has no player props"]}
