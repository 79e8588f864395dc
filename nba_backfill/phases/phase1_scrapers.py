"""Phase 1: scrapers. Each asset asks the source for a date's payloads and returns them keyed by
object path (the original platform's GCS layout); the raw-files IO manager stores them.

NBA.com data is required: an outage fails the scrape. Betting lines are enrichment: when The Odds
API is down on a date, that date gets no odds files (its predictions say ``NO_LINE``, the
``real_line_share`` check lists it for a historical odds backfill) and the other dates of the
range go ahead.

The Odds API scrapers pick their endpoints by date: for a past date the historical endpoints at
snapshots before each tip-off (floored to 5 minutes, event ids discovered at a morning snapshot of
the same day); for today, the live endpoints.
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

from nba_backfill import calendar, ids
from nba_backfill.calendar import EASTERN
from nba_backfill.environment import raw_kinds
from nba_backfill.errors import SourceUnavailable
from nba_backfill.phases.failed_dates import dates_failed
from nba_backfill.phases.partition_figures import attach, file_figures
from nba_backfill.phases.phase2_raw.parsers import parse_schedule
from nba_backfill.phases.table_asset import daily_asset
from nba_backfill.sources.credits import LINE_MARKETS, ODDS_LEADS, PROP_MARKETS, estimate_credits
from nba_backfill.storage.accepted_gaps import accept, accepted, accepted_games, gap_rows
from nba_backfill.storage.io_managers import encode, partition_dates, path_date
from nba_backfill.teams import tricode_for_name

GROUP = "phase1_scrapers"
UTC = dt.timezone.utc

#: Historical snapshot used to discover a date's event ids: 15:00 UTC, before any NBA tip-off.
EVENTS_SNAPSHOT = dt.time(15, 0)

#: Concurrency pools: one call at a time per API by default (dagster.yaml sets the limits).
NBA_STATS_POOL, ODDS_API_POOL = "nba_stats_api", "odds_api"
#: The dates a 5xx refused are tried again this many times, after one wait (0 in tests: a planted
#: outage lasts the run). One wait per step, not per date: an outage of many dates costs seconds.
RETRIES_ENV, RETRY_WAIT_SECONDS = "NBA_SCRAPER_RETRIES", 2

#: Raw files land in a local folder, or in GCS on GCP (a kind badge for the latter).
PREVIEW_FILES = 5

#: Object path -> response body (bytes, kept as the API sent them, until the IO manager stores them).
Payloads = dict[str, Any]


def capture_stamp(moment: dt.datetime | None = None) -> str:
    return (moment or dt.datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d_%H%M%S")


def floor_5_minutes(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


def is_historical(game_date: dt.date) -> bool:
    """Past dates use the historical endpoints; today's slate the live ones."""
    return game_date < calendar.today_et()


def final_games(schedule_files: Mapping[str, Any], game_date: dt.date) -> list[str]:
    """NBA.com ids of the date's finished games, from its scraped schedule."""
    day = {p: schedule_files[p] for p in schedule_files if path_date(p) == game_date}
    schedule = parse_schedule(day)
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


def parse_iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def events_of_date(events_files: Mapping[str, Any], game_date: dt.date, log: Any) -> list[dict]:
    """Event objects of the date's games (historical wrapper or live list), by ET tip-off date;
    an event that cannot be scraped is refused in one log line (see :func:`unusable`)."""
    events: list[dict] = []
    for path in [p for p in events_files if path_date(p) == game_date]:
        payload = events_files[path]
        listed = payload["data"] if isinstance(payload, dict) else payload
        for event in listed:
            why = unusable(event)
            if why is not None:
                log.warning(f"odds for {game_date}: refused an event of {path}: {why}")
            elif parse_iso(event["commence_time"]).astimezone(EASTERN).date() == game_date:
                events.append(event)
    return events


def odds_snapshots(commence: dt.datetime) -> list[dt.datetime]:
    return sorted({floor_5_minutes(commence - lead) for lead in ODDS_LEADS})


def event_folder(event: Mapping[str, Any]) -> str:
    """``{event id}-{AWAY}{HOME}``: built from a checked id and two known tricodes only, so what
    the API sends can never choose where a file lands."""
    away, home = tricode_for_name(event["away_team"]), tricode_for_name(event["home_team"])
    return f"{ids.odds_event_id(event['id'])}-{away}{home}"


#: What the scrapers read of a listed event.
EVENT_FIELDS = ("id", "home_team", "away_team", "commence_time")


def unusable(event: Any) -> str | None:
    """Why an event of a listing cannot be scraped, or None. Its id goes into a URL and a folder,
    its teams into the folder's name, its tip-off into the snapshot times: an answer that is not
    what the API documents is refused, and its odds are never asked for."""
    if not isinstance(event, dict):
        return f"{repr(event)[:40]} is not an event object"
    label = repr(event.get("id"))[:40]
    missing = [field for field in EVENT_FIELDS if field not in event]
    if missing:
        return f"event {label}: missing {', '.join(missing)}"
    try:
        event_folder(event)
        parse_iso(event["commence_time"]).astimezone(EASTERN)
    except ids.InvalidId as err:
        return str(err)
    except KeyError as err:  # a team name no franchise has
        return f"event {label}: {err.args[0]}"
    except (AttributeError, TypeError, ValueError) as err:
        return f"event {label}: {err}"
    return None


def odds_credits(paths: list[str], markets: list[str]) -> int:
    """Credits an Odds API scrape cost: one event-odds call per file (historical or live)."""
    return sum(estimate_credits(1, len(markets), historical="-history/" in p) for p in paths)


def per_date(scrape_date: Callable[[dt.date], Payloads], dates: list[dt.date], log: Any) -> Payloads:
    """Scrape each date on its own; a date the Odds API refuses is left without files."""
    files: Payloads = {}
    for day in dates:
        try:
            files |= scrape_date(day)
        except SourceUnavailable as err:
            log.warning(f"no odds for {day}: {err}")
    return files


def scrape_event_odds(
    league: Any, prefix: str, markets: list[str], events_files: Mapping[str, Any], day: dt.date
) -> Payloads:
    """Every event's odds of one date at every snapshot."""
    files: Payloads = {}
    historical = is_historical(day)
    folder = f"{prefix}-history" if historical else prefix
    for event in events_of_date(events_files, day, dg.get_dagster_logger()):
        snapshots = odds_snapshots(parse_iso(event["commence_time"])) if historical else [None]
        for snap in snapshots:
            try:
                payload = encode(league.event_odds(event["id"], markets, snap))
            except SourceUnavailable as err:
                if err.status != 404:  # 404: the event had already started; nothing to keep
                    raise
                continue
            moment = snap or dt.datetime.now(UTC)
            files[f"{folder}/{day}/{event_folder(event)}/{capture_stamp(moment)}-snap-{moment:%H%M}.json"] = payload
    return files


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


def scraper_asset(
    name: str,
    prefixes: list[str],
    description: str,
    reads: Mapping[str, str] | None = None,
    odds_markets: list[str] | None = None,
) -> Callable[[Callable[..., Payloads]], dg.AssetsDefinition]:
    """Decorate a scrape into a Phase 1 asset: ``scrape(league, dates, **inputs)`` for NBA.com
    feeds, called a date at a time so that the dates an outage refuses are named
    (:func:`scrape_each_date`); for Odds API feeds (``odds_markets`` given) ``scrape(league, day,
    **inputs)``, one date at a time so an outage costs only its own date. Gaps the source declares
    in an NBA.com feed are recorded as accepted (storage/accepted_gaps.py); a per-game scrape (one
    taking ``accepted``) is handed the feed's accepted gaps of its dates, so it skips those games."""

    def wrap(scrape: Callable[..., Payloads]) -> dg.AssetsDefinition:
        per_game = "accepted" in inspect.signature(scrape).parameters

        @daily_asset(
            name=name,
            key_prefix=["scraped"],
            ins={param: dg.AssetIn(key=dg.AssetKey(["scraped", up])) for param, up in (reads or {}).items()},
            group_name=GROUP,
            description=description,
            io_manager_key="raw_io_manager",
            required_resource_keys={"league", "warehouse"},
            pool=ODDS_API_POOL if odds_markets is not None else NBA_STATS_POOL,
            metadata={"raw_prefixes": prefixes},
            kinds={"json", *raw_kinds()},
        )
        def _scraper(context: AssetExecutionContext, **inputs: Any) -> dg.Output[Payloads]:
            dates = partition_dates(context.partition_keys)
            if odds_markets is None:
                if per_game:
                    inputs["accepted"] = accepted_games(accepted(context.resources.warehouse, dates), name)
                files = scrape_each_date(lambda day: scrape(context.resources.league, [day], **inputs), dates)
            else:
                files = per_date(lambda day: scrape(context.resources.league, day, **inputs), dates, context.log)
            declared = accept_known_gaps(context.resources.league, context.resources.warehouse, name, dates)
            credits = (lambda paths: odds_credits(paths, odds_markets)) if odds_markets is not None else None
            attach(context, file_figures(files, dates, credits))
            metadata: dict[str, Any] = {"preview": preview_files(files), "accepted_gaps": declared}
            if odds_markets is not None:
                metadata["dates_without_odds"] = sorted({str(d) for d in dates} - {str(path_date(p)) for p in files})
                metadata |= account_quota(context.resources.league)
            return dg.Output(files, metadata=metadata)

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
    "The Odds API event ids of the date (historical snapshot for past dates, live for today).",
    odds_markets=[],
)
def odds_api_events(league: Any, day: dt.date) -> Payloads:
    if is_historical(day):
        snap = dt.datetime.combine(day, EVENTS_SNAPSHOT, tzinfo=UTC)
        return {f"odds-api/events-history/{day}/{capture_stamp(snap)}.json": encode(league.odds_events(day, snap))}
    return {f"odds-api/events/{day}/{capture_stamp()}.json": encode(league.odds_events(day, None))}


@scraper_asset(
    "odds_api_player_props",
    ["odds-api/player-props", "odds-api/player-props-history"],
    "The Odds API player_points props, one file an event and snapshot.",
    reads={"events": "odds_api_events"},
    odds_markets=PROP_MARKETS,
)
def odds_api_player_props(league: Any, day: dt.date, events: Payloads) -> Payloads:
    return scrape_event_odds(league, "odds-api/player-props", PROP_MARKETS, events, day)


@scraper_asset(
    "odds_api_game_lines",
    ["odds-api/game-lines", "odds-api/game-lines-history"],
    "The Odds API game lines (spreads, totals), one file an event and snapshot.",
    reads={"events": "odds_api_events"},
    odds_markets=LINE_MARKETS,
)
def odds_api_game_lines(league: Any, day: dt.date, events: Payloads) -> Payloads:
    return scrape_event_odds(league, "odds-api/game-lines", LINE_MARKETS, events, day)


assets = [nbac_schedule, nbac_boxscores, nbac_play_by_play, odds_api_events, odds_api_player_props, odds_api_game_lines]
