"""Phase 1: scrapers. Each asset asks the source for a date's payloads and returns them keyed by
object path (the original platform's GCS layout); the raw-files IO manager stores them.

NBA.com data is required: an outage fails the scrape. Betting lines are enrichment: when The Odds
API is down on a date, that date gets no odds files (its predictions say ``NO_LINE``, the
``real_line_share`` check lists it for a historical odds backfill) and the other dates of the
range go ahead.

The Odds API scrapers (phases/odds_scrape.py) buy per event what the raw store does not hold
yet, and record with each date the credits the API billed.
"""

import datetime as dt
import inspect
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from nba_backfill.environment import raw_kinds
from nba_backfill.errors import SourceUnavailable
from nba_backfill.naming import SCRAPED
from nba_backfill.phases.failed_dates import dates_failed
from nba_backfill.phases.odds_scrape import Bought, Buyer, buy_event_odds, buy_events, capture_stamp
from nba_backfill.phases.partition_figures import attach, file_figures
from nba_backfill.phases.phase2_raw.parsers import parse_schedule
from nba_backfill.phases.table_asset import daily_asset
from nba_backfill.sources.credits import LINES_ASSET, ODDS_REBUY_TAG, PROPS_ASSET
from nba_backfill.storage.accepted_gaps import accept, accepted, accepted_games, gap_rows
from nba_backfill.storage.io_managers import encode, partition_dates, path_date

GROUP = "phase1_scrapers"

#: Concurrency pools: one call at a time per API by default (dagster.yaml sets the limits).
NBA_STATS_POOL, ODDS_API_POOL = "nba_stats_api", "odds_api"
#: The dates a 5xx refused are tried again this many times, after one wait (0 in tests: a planted
#: outage lasts the run). One wait per step, not per date: an outage of many dates costs seconds.
RETRIES_ENV, RETRY_WAIT_SECONDS = "NBA_SCRAPER_RETRIES", 2

#: Raw files land in a local folder, or in GCS on GCP (a kind badge for the latter).
PREVIEW_FILES = 5

#: Object path -> response body (bytes, kept as the API sent them, until the IO manager stores them).
Payloads = dict[str, Any]


def scheduled_games(schedule_files: Mapping[str, Any], game_date: dt.date) -> pd.DataFrame:
    """The date's games, from its scraped schedule."""
    return parse_schedule({p: schedule_files[p] for p in schedule_files if path_date(p) == game_date})


def final_games(schedule_files: Mapping[str, Any], game_date: dt.date) -> list[str]:
    """NBA.com ids of the date's finished games, from its scraped schedule."""
    schedule = scheduled_games(schedule_files, game_date)
    return sorted(schedule.loc[schedule["game_status"] == 3, "nba_game_id"])


#: Date -> NBA.com ids whose feed gap is accepted (None: the whole date), as storage/accepted_gaps.py gives them.
Accepted = Mapping[dt.date, set[str] | None]


def scrape_final_games(
    dates: list[dt.date],
    schedule: Mapping[str, Any],
    folder: Callable[[dt.date, str], str],
    fetch: Callable[[str], Any],
    accepted: Accepted,
) -> Payloads:
    """One file per finished game of each date, under ``folder(date, nba_game_id)``; a game whose
    gap is ``accepted`` is not asked for (it will not come: asking would only fail the date again)."""
    stamp = capture_stamp()
    return {
        f"{folder(d, gid)}/{stamp}.json": encode(fetch(gid))
        for d in dates
        if d not in accepted or accepted[d] is not None
        for gid in final_games(schedule, d)
        if gid not in (accepted.get(d) or set())
    }


def preview_files(files: Payloads) -> dg.MetadataValue:
    """The first object paths written, as a markdown list."""
    shown = [f"- `{path}`" for path in sorted(files)[:PREVIEW_FILES]]
    more = [f"- … and {len(files) - PREVIEW_FILES} more"] if len(files) > PREVIEW_FILES else []
    return dg.MetadataValue.md("\n".join(shown + more) or "_no files_")


def scrape_each_date(scrape_date: Callable[[dt.date], Payloads], dates: list[dt.date]) -> Payloads:
    """Scrape date by date. A date an API refuses with a 5xx (usually transient) is tried again,
    ``NBA_SCRAPER_RETRIES`` times after one shared wait; the dates still refused fail the step
    together, named (phases/failed_dates.py), so the runner re-runs the range without them."""
    files: Payloads = {}
    refused: dict[dt.date, SourceUnavailable] = {}
    for day in dates:
        try:
            files |= scrape_date(day)
        except SourceUnavailable as err:
            refused[day] = err
    for _ in range(int(os.environ.get(RETRIES_ENV, "1"))):
        again = [day for day, err in refused.items() if err.status >= 500]
        if not again:
            break
        time.sleep(RETRY_WAIT_SECONDS)
        for day in again:
            try:
                files |= scrape_date(day)
                del refused[day]
            except SourceUnavailable as err:
                refused[day] = err
    if refused:
        raise dates_failed({day: str(err) for day, err in refused.items()})
    return files


def account_quota(league: Any) -> dict[str, int]:
    """What the Odds API account says after the scrape (its x-requests-* headers); the simulated
    league has no account."""
    quota = league.quota() if hasattr(league, "quota") else {}
    return {f"odds_api_requests_{k}": v for k, v in quota.items() if k in ("remaining", "used") and v is not None}


def accept_known_gaps(league: Any, warehouse: Any, feed: str, dates: list[dt.date]) -> int:
    """Record the gaps the source declares for ``feed`` on ``dates`` (a recorded dataset knows
    what was never published) as accepted, so they are not failures to re-try; how many."""
    if not hasattr(league, "known_gaps"):
        return 0
    who = f"source:{type(league).__name__}"
    rows = [gap_rows(feed, day, gaps, who) for day in dates if (gaps := league.known_gaps(feed, day))]
    if rows:
        accept(warehouse, pd.concat(rows, ignore_index=True))
    return sum(len(r) for r in rows)


def buy_per_date(
    context: AssetExecutionContext, scrape: Callable[..., Bought], dates: list[dt.date], inputs: Mapping[str, Any]
) -> dict[dt.date, Bought]:
    """Scrape each date on its own: a date the Odds API refuses is left without files (and says so)."""
    rebuy = context.run.tags.get(ODDS_REBUY_TAG) == "true"
    buyer = Buyer(context.resources.league, context.resources.raw_store, rebuy, context.log)
    bought = {}
    for day in dates:
        try:
            bought[day] = scrape(buyer, day, **inputs)
        except SourceUnavailable as err:
            bought[day] = Bought()
            buyer.refuse(bought[day], day, "the date", str(err))
    return bought


def odds_output(context: AssetExecutionContext, bought: Mapping[dt.date, Bought], declared: int) -> dg.Output[Payloads]:
    """The files, each date's figures (files, credits billed), what was skipped, and why, and how
    many gaps the source declared (recorded as accepted)."""
    files = {path: body for one in bought.values() for path, body in one.files.items()}
    attach(context, file_figures(files, list(bought), {day: one.credits for day, one in bought.items()}))
    metadata: dict[str, Any] = {
        "preview": preview_files(files),
        "odds_api_credits": sum(one.credits for one in bought.values()),
        "skipped": dg.MetadataValue.md(
            "\n".join(f"- {line}" for b in bought.values() for line in b.refused) or "_none_"
        ),
        "dates_without_odds": sorted(str(d) for d, one in bought.items() if not one.files),
        "accepted_gaps": declared,
    }
    return dg.Output(files, metadata=metadata | account_quota(context.resources.league))


def scraper_asset(
    name: str,
    prefixes: list[str],
    description: str,
    reads: Mapping[str, str] | None = None,
    odds: bool = False,
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """Decorate a scrape into a Phase 1 asset: ``scrape(league, dates, **inputs)`` for NBA.com
    feeds, called a date at a time so that the dates an outage refuses are named
    (:func:`scrape_each_date`); for Odds API feeds (``odds``) ``scrape(buyer, day, **inputs)``
    returning what it bought, one date at a time so an outage costs only its own date. Gaps the
    source declares in a feed are recorded as accepted first (storage/accepted_gaps.py); a per-game
    scrape (one taking ``accepted``) is handed the feed's accepted gaps of its dates, so it skips
    those games."""

    def wrap(scrape: Callable[..., Any]) -> dg.AssetsDefinition:
        per_game = "accepted" in inspect.signature(scrape).parameters

        @daily_asset(
            name=name,
            key_prefix=[SCRAPED],
            ins={param: dg.AssetIn(key=dg.AssetKey([SCRAPED, up])) for param, up in (reads or {}).items()},
            group_name=GROUP,
            description=description,
            io_manager_key="raw_io_manager",
            required_resource_keys={"league", "warehouse", "raw_store"} if odds else {"league", "warehouse"},
            pool=ODDS_API_POOL if odds else NBA_STATS_POOL,
            metadata={"raw_prefixes": prefixes},
            kinds={"json", *raw_kinds()},
        )
        def _scraper(context: AssetExecutionContext, **inputs: Any) -> dg.Output[Payloads]:
            dates = partition_dates(context.partition_keys)
            declared = accept_known_gaps(context.resources.league, context.resources.warehouse, name, dates)
            if odds:
                return odds_output(context, buy_per_date(context, scrape, dates, inputs), declared)
            if per_game:
                inputs["accepted"] = accepted_games(accepted(context.resources.warehouse, dates), name)
            files = scrape_each_date(lambda day: scrape(context.resources.league, [day], **inputs), dates)
            attach(context, file_figures(files, dates))
            return dg.Output(files, metadata={"preview": preview_files(files), "accepted_gaps": declared})

        return _scraper

    return wrap


@scraper_asset("nbac_schedule", ["nba-com/schedule"], "NBA.com schedule (scheduleLeagueV2 shape), one file a date.")
def nbac_schedule(league: Any, dates: list[dt.date]) -> Payloads:
    stamp = capture_stamp()
    return {f"nba-com/schedule/{d}/{stamp}.json": encode(league.schedule(d)) for d in dates}


@scraper_asset(
    "nbac_boxscores",
    ["nba-com/boxscores"],
    "NBA.com traditional box scores (v3: players and teams), one file a finished game.",
    reads={"schedule": "nbac_schedule"},
)
def nbac_boxscores(league: Any, dates: list[dt.date], schedule: Payloads, accepted: Accepted) -> Payloads:
    return scrape_final_games(dates, schedule, lambda d, gid: f"nba-com/boxscores/{d}/{gid}", league.boxscore, accepted)


@scraper_asset(
    "nbac_play_by_play",
    ["nba-com/play-by-play"],
    "NBA.com play-by-play (v3: shots with distance and x/y), one file a finished game.",
    reads={"schedule": "nbac_schedule"},
)
def nbac_play_by_play(league: Any, dates: list[dt.date], schedule: Payloads, accepted: Accepted) -> Payloads:
    return scrape_final_games(
        dates, schedule, lambda d, gid: f"nba-com/play-by-play/{d}/game-{gid}", league.play_by_play, accepted
    )


@scraper_asset(
    "odds_api_events",
    ["odds-api/events", "odds-api/events-history"],
    "The Odds API event ids of the date (historical snapshot for past dates, live for today); "
    "none for a date without games or that has its listing.",
    reads={"schedule": "nbac_schedule"},
    odds=True,
)
def odds_api_events(buyer: Buyer, day: dt.date, schedule: Payloads) -> Bought:
    return buy_events(buyer, day, len(scheduled_games(schedule, day)))


@scraper_asset(
    "odds_api_player_props",
    ["odds-api/player-props", "odds-api/player-props-history"],
    "The Odds API player_points props, one file an event and snapshot.",
    reads={"events": "odds_api_events"},
    odds=True,
)
def odds_api_player_props(buyer: Buyer, day: dt.date, events: Payloads) -> Bought:
    return buy_event_odds(buyer, PROPS_ASSET, events, day)


@scraper_asset(
    "odds_api_game_lines",
    ["odds-api/game-lines", "odds-api/game-lines-history"],
    "The Odds API game lines (spreads, totals), one file an event and snapshot; for past dates "
    "only under the full snapshot policy (NBA_ODDS_POLICY=full).",
    reads={"events": "odds_api_events"},
    odds=True,
)
def odds_api_game_lines(buyer: Buyer, day: dt.date, events: Payloads) -> Bought:
    return buy_event_odds(buyer, LINES_ASSET, events, day)


assets = [nbac_schedule, nbac_boxscores, nbac_play_by_play, odds_api_events, odds_api_player_props, odds_api_game_lines]
