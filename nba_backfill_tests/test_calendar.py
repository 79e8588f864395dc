"""Partitions, seasons and the lookback: the calendar every asset shares."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from nba_backfill import calendar
from nba_backfill.calendar import (
    game_dates,
    lookback,
    player_lookup,
    season_year,
    window_start,
)
from nba_backfill.definitions import defs


def test_season_year_is_the_year_the_season_starts():
    assert season_year("2024-10-22") == 2024
    assert season_year("2025-01-15") == 2024
    assert season_year("2025-09-30") == 2024


def test_player_lookup_drops_case_spaces_punctuation_and_accents():
    assert player_lookup("LeBron James") == "lebronjames"
    assert player_lookup("De'Aaron Fox Jr.") == "deaaronfoxjr"
    assert player_lookup("Nikola Jokić") == "nikolajokic"


def test_windows_stay_inside_the_season():
    assert window_start("2024-12-14") == dt.date(2024, 11, 14)
    assert window_start("2024-11-14") == dt.date(2024, 10, 22)  # opening night, not October 15
    assert window_start("2024-10-25") == dt.date(2024, 10, 22)  # not into the 2023-24 season


def test_todays_slate_is_a_partition():
    today = dt.datetime.now(dt.timezone.utc).astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")).date()
    assert game_dates.get_last_partition_key() == str(today)


def _upstream(mapping: dg.PartitionMapping, start: str, end: str) -> list[str]:
    subset = game_dates.empty_subset().with_partition_key_range(game_dates, dg.PartitionKeyRange(start, end))
    result = mapping.get_upstream_mapped_partitions_result_for_partitions(subset, game_dates, game_dates)
    return sorted(result.partitions_subset.get_partition_keys())


def test_phase4_nov_8_to_14_maps_to_phase3_oct_9_to_nov_13():
    keys = _upstream(lookback, "2024-11-08", "2024-11-14")
    assert keys[0] == "2024-10-09" and keys[-1] == "2024-11-13" and len(keys) == 36


def test_phase4_assets_declare_the_lookback_on_their_phase3_inputs():
    graph = defs.resolve_asset_graph()
    psza = dg.AssetKey(["nba_precompute", "player_shot_zone_analysis"])
    pgs = dg.AssetKey(["nba_analytics", "player_game_summary"])
    assert graph.get_partition_mapping(psza, pgs) == lookback


def test_the_first_partition_has_an_empty_lookback():
    assert _upstream(lookback, "2021-10-01", "2021-10-01") == []


@pytest.mark.parametrize(
    "written", ["11/05/2024 00:00:00", "11/05/2024", "2024-11-05", "2024-11-05T00:00:00Z", " 2024-11-05T00:00:00 "]
)
def test_a_schedule_date_reads_in_every_form_nbacom_sends(written):
    assert calendar.schedule_date(written) == dt.date(2024, 11, 5)


@pytest.mark.parametrize("written", ["05.11.2024", "2024-11-05 junk", "13/45/2024", "2024-02-30", "", None, 20241105])
def test_a_schedule_date_in_another_form_is_refused_naming_it(written):
    with pytest.raises(ValueError, match="is not MM/DD/YYYY, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"):
        calendar.schedule_date(written)


def test_in_season_runs_from_opening_night_for_the_season_length():
    assert not calendar.in_season(dt.date(2024, 10, 21)) and calendar.in_season(dt.date(2024, 10, 22))
    assert calendar.in_season(dt.date(2025, 2, 14))  # the All-Star break is in season (with no games)
    assert not calendar.in_season(dt.date(2025, 7, 20))
