"""No date's odds are bought twice unless forced, and re-scraping today calls each event once
(issue 11): the morning run over yesterday and today, and an operator re-scraping today. Odds
stay on the date of their files (issue 15)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pandas as pd
import pytest

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.calendar import EASTERN
from nba_backfill.checks.catalogue import GRAINS
from nba_backfill.phases import odds_scrape
from nba_backfill.phases.phase2_raw.parsers.game_lines import GAME_LINES_KEY
from nba_backfill.phases.phase2_raw.parsers.props import PROPS_KEY, parse_player_props
from nba_backfill.sources.credits import ODDS_REBUY_TAG

DAY = dt.date(2024, 11, 5)
SCRAPES = "key:scraped/odds_api_* or key:scraped/nbac_schedule"
ODDS = "key:scraped/odds_api_*"


def scrape(platform, selection: str = ODDS, tags: dict | None = None, with_checks: bool = False):
    return materialize_range(
        DAY,
        DAY,
        selection=selection,
        resources=platform.resources,
        instance=platform.instance,
        with_checks=with_checks,
        tags=tags,
        raise_on_error=not with_checks,  # checks that need box scores cannot run on odds alone
    )


def credits(result) -> dict[str, int]:
    """Per odds scraper, the credits its materialization of DAY recorded."""
    return {
        e.asset_key.to_user_string(): e.materialization.metadata["odds_api_credits"].value
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string().startswith("scraped/odds_api_")
    }


def files(platform, prefix: str) -> list[str]:
    return platform.resources["raw_store"].list(f"{prefix}/{DAY}/")


def per_event(paths: list[str]) -> Counter:
    return Counter(p.split(f"/{DAY}/")[1].split("/")[0] for p in paths)


@pytest.fixture
def today(monkeypatch):
    """Make DAY today (live endpoints) until ``today.passes()``, then yesterday (historical). Each
    live capture is a second after the last: captures within one real second would share a file
    name (two a second apart never do)."""

    class Clock:
        def passes(self) -> None:
            monkeypatch.setattr(odds_scrape, "is_historical", lambda day: True)

    start, seconds = dt.datetime.combine(DAY, dt.time(15), tzinfo=dt.timezone.utc), itertools.count()
    monkeypatch.setattr(odds_scrape, "captured_now", lambda: start + dt.timedelta(seconds=next(seconds)))
    monkeypatch.setattr(odds_scrape, "is_historical", lambda day: False)
    return Clock()


def test_the_morning_run_does_not_buy_yesterdays_odds_again(nba_platform, today):
    first = scrape(nba_platform, SCRAPES)  # DAY's morning run: live listing and live odds
    games = len(per_event(files(nba_platform, "odds-api/player-props")))
    assert games >= 5 and credits(first) == {
        "scraped/odds_api_events": 0,  # a live listing is free
        "scraped/odds_api_player_props": games,  # live: 1 market x 1 region
        "scraped/odds_api_game_lines": 2 * games,
    }

    today.passes()  # the next morning's run covers DAY again, now yesterday
    before = nba_platform.resources["raw_store"].list("odds-api/")
    again = scrape(nba_platform)
    assert set(credits(again).values()) == {0}
    assert nba_platform.resources["raw_store"].list("odds-api/") == before  # nothing bought, nothing written


def test_a_forced_purchase_asks_for_each_event_once_whatever_listings_name_it(nba_platform, today):
    scrape(nba_platform, SCRAPES)  # DAY as today: a live listing
    today.passes()
    forced = scrape(nba_platform, tags={ODDS_REBUY_TAG: "true"})
    assert len(files(nba_platform, "odds-api/events")) == 1 and len(files(nba_platform, "odds-api/events-history")) == 1
    bought = per_event(files(nba_platform, "odds-api/player-props-history"))
    assert bought and set(bought.values()) == {1}  # one closing snapshot per event, not one per listing
    assert credits(forced) == {
        "scraped/odds_api_events": 1,
        "scraped/odds_api_player_props": 10 * len(bought),
        "scraped/odds_api_game_lines": 0,  # the closing policy buys no game lines for past dates
    }


def test_rescraping_today_calls_each_event_once_and_keeps_one_row_per_snapshot(nba_platform, today):
    scrape(nba_platform, SCRAPES)
    for _ in range(2):
        assert set(credits(scrape(nba_platform)).values()) == {0}
    scrape(nba_platform, tags={ODDS_REBUY_TAG: "true"})  # forced: today's odds again, once per event
    assert len(files(nba_platform, "odds-api/events")) == 2
    assert set(per_event(files(nba_platform, "odds-api/player-props")).values()) == {2}

    parsed = scrape(nba_platform, "key:nba_raw/odds_api_*", with_checks=True)
    grains = [e for e in parsed.get_asset_check_evaluations() if e.check_name == "unique_grain"]
    assert {e.asset_key.to_user_string() for e in grains} == {
        "nba_raw/odds_api_player_points_props",
        "nba_raw/odds_api_game_lines",
    }
    assert all(e.passed for e in grains), [e.metadata for e in grains if not e.passed]
    rows = nba_platform.table("nba_raw.odds_api_player_points_props", DAY, DAY)
    assert len(rows) > 100 and rows["source_file_path"].str.startswith("odds-api/player-props/").all()


def test_the_parsers_drop_duplicates_on_the_tables_grain():
    assert PROPS_KEY == GRAINS["nba_raw/odds_api_player_points_props"]
    assert GAME_LINES_KEY == GRAINS["nba_raw/odds_api_game_lines"]


def test_a_rescheduled_games_odds_stay_on_the_date_of_their_files(nba_platform):
    league = nba_platform.resources["league"]
    listing = league.odds_events(DAY, dt.datetime.combine(DAY, odds_scrape.EVENTS_SNAPSHOT, tzinfo=dt.timezone.utc))
    event = listing["data"][0]
    tip = odds_scrape.parse_iso(event["commence_time"])
    payload = league.event_odds(event["id"], ["player_points"], tip - dt.timedelta(minutes=10))
    moved = tip + dt.timedelta(days=2)  # postponed after the snapshot: its own tip-off two days later
    payload["data"]["commence_time"] = moved.strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = parse_player_props({f"odds-api/player-props-history/{DAY}/{event['id']}-XXXYYY/a-snap-0000.json": payload})
    assert len(rows) > 10 and set(rows["game_date"].dt.date) == {DAY}  # the date of the file, not of the game
    assert set(rows["game_start_time"]) == {pd.Timestamp(moved.replace(microsecond=0))}  # the event's own tip-off
    moved_day = moved.astimezone(EASTERN).date()
    assert set(rows["game_id"].str[:8]) == {f"{moved_day:%Y%m%d}"}
