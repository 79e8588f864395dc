"""The Odds API scrape of one date, event by event, counting what each call is billed.

For a past date the historical endpoints at the snapshot policy's leads before each tip-off
(floored to 5 minutes, event ids discovered at a morning snapshot of the same day); for today, the
live endpoints (sources/credits.py says which markets each buys).

What the raw store already holds is not bought again (``rebuy`` overrides, as ``run --force``
does): a date with an events listing gets no second one, an event with odds files of the asset gets
no second purchase. So the morning run over yesterday and today does not re-buy yesterday's odds,
and re-scraping today calls each event once.

Odds are counted per event: an event that cannot be scraped (a listing entry that is not what the
API documents, a call the API refuses) is recorded with its reason and skipped; the date keeps the
events that worked. Its absence stays visible in the raw store: the events listing names it, and
it has no odds files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nba_backfill import calendar, ids
from nba_backfill.calendar import EASTERN
from nba_backfill.errors import SourceUnavailable
from nba_backfill.sources.credits import (
    EVENTS_ASSET,
    LINES_ASSET,
    PROPS_ASSET,
    DateToBuy,
    estimated_games,
    markets_for,
    policy,
)
from nba_backfill.storage.io_managers import encode, path_date
from nba_backfill.teams import tricode_for_name

UTC = dt.timezone.utc
#: Historical snapshot used to discover a date's event ids: 15:00 UTC, before any NBA tip-off.
EVENTS_SNAPSHOT = dt.time(15, 0)
EVENTS_FOLDERS = ("odds-api/events", "odds-api/events-history")
#: Where each odds asset's files go (live; historical ones under ``{prefix}-history``).
ODDS_PREFIXES = {PROPS_ASSET: "odds-api/player-props", LINES_ASSET: "odds-api/game-lines"}
#: What the scrapers read of a listed event.
EVENT_FIELDS = ("id", "home_team", "away_team", "commence_time")

#: Object path -> response body.
Payloads = dict[str, Any]


def captured_now() -> dt.datetime:
    """The moment a live answer is captured (what its file is named after)."""
    return dt.datetime.now(UTC)


def capture_stamp(moment: dt.datetime | None = None) -> str:
    return (moment or captured_now()).astimezone(UTC).strftime("%Y%m%d_%H%M%S")


def floor_5_minutes(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


def is_historical(game_date: dt.date) -> bool:
    """Past dates use the historical endpoints; today's slate the live ones."""
    return game_date < calendar.today_et()


def parse_iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def odds_snapshots(commence: dt.datetime) -> list[dt.datetime]:
    return sorted({floor_5_minutes(commence - lead) for lead in policy().leads})


def event_folder(event: Mapping[str, Any]) -> str:
    """``{event id}-{AWAY}{HOME}``: built from a checked id and two known tricodes only, so what
    the API sends can never choose where a file lands."""
    away, home = tricode_for_name(event["away_team"]), tricode_for_name(event["home_team"])
    return f"{ids.odds_event_id(event['id'])}-{away}{home}"


def unusable(event: Any) -> str | None:
    """Why an event of a listing cannot be scraped, or None. Its id goes into a URL and a folder,
    its teams into the folder's name, its tip-off into the snapshot times: an answer that is not
    what the API documents is refused, and its odds are never asked for."""
    if not isinstance(event, dict):
        return f"{repr(event)[:40]} is not an event object"
    label = repr(event.get("id"))[:40]
    missing = [name for name in EVENT_FIELDS if name not in event]
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


@dataclass
class Bought:
    """One date's scrape: the files, the credits the API billed for them, the events refused."""

    files: Payloads = field(default_factory=dict)
    credits: int = 0
    refused: list[str] = field(default_factory=list)


class Buyer:
    """Calls The Odds API for one scrape and adds up the bill: after each answered call, the cost
    the source reports for it (``x-requests-last`` on the live API, the same rules simulated)."""

    def __init__(self, league: Any, store: Any, rebuy: bool, log: Any):
        """``store`` is the raw store (``list`` and ``read``): what it holds is not bought again."""
        self.league, self.store, self.rebuy, self.log = league, store, rebuy, log

    def held(self, prefix: str) -> list[str]:
        return self.store.list(prefix)

    def keep(self, bought: Bought, folders: tuple[str, ...], day: dt.date) -> None:
        """Hand on the files the store holds under ``folders`` for ``day``: a partition's record
        counts every file it has, not only those this scrape bought (same paths, same bytes)."""
        for folder in folders:
            for path in self.held(f"{folder}/{day}/"):
                bought.files[path] = self.store.read(path)

    def call(self, bought: Bought, fetch: Callable[[], Any]) -> bytes:
        payload = encode(fetch())
        quota = self.league.quota() if hasattr(self.league, "quota") else {}  # a recorded dataset bills nothing
        bought.credits += int(quota.get("last_cost") or 0)
        return payload

    def refuse(self, bought: Bought, day: dt.date, where: str, why: str) -> None:
        line = f"odds for {day}: skipped {where}: {why}"
        self.log.warning(line)
        bought.refused.append(line)


def holds_listing(held: Callable[[str], list[str]], day: dt.date) -> bool:
    return any(held(f"{folder}/{day}/") for folder in EVENTS_FOLDERS)


def held_events(held: Callable[[str], list[str]], asset: str, day: dt.date) -> set[str]:
    """The event folders (``{id}-{AWAY}{HOME}``) of ``asset`` that already have files on ``day``."""
    prefix = ODDS_PREFIXES[asset]
    return {
        p.split(f"/{day}/", 1)[1].split("/", 1)[0] for f in (prefix, f"{prefix}-history") for p in held(f"{f}/{day}/")
    }


def to_buy(day: dt.date, games: int, held: Callable[[str], list[str]], rebuy: bool, assets: set[str]) -> DateToBuy:
    """What scraping ``assets`` (of EVENTS_ASSET, PROPS_ASSET, LINES_ASSET) on ``day`` will buy,
    by the rules the scrape follows: the estimate ``plan`` shows."""
    return DateToBuy(
        day,
        is_historical(day),
        games,
        EVENTS_ASSET in assets and (rebuy or not holds_listing(held, day)),
        {
            asset: games if rebuy else max(games - len(held_events(held, asset, day)), 0)
            for asset in ODDS_PREFIXES
            if asset in assets
        },
    )


def buy_events(buyer: Buyer, day: dt.date, games: int) -> Bought:
    """The date's events listing, unless it has no games or already has one."""
    bought = Bought()
    buyer.keep(bought, EVENTS_FOLDERS, day)
    if games == 0 or (bought.files and not buyer.rebuy):
        return bought
    if is_historical(day):
        snap = dt.datetime.combine(day, EVENTS_SNAPSHOT, tzinfo=UTC)
        path = f"odds-api/events-history/{day}/{capture_stamp(snap)}.json"
        bought.files[path] = buyer.call(bought, lambda: buyer.league.odds_events(day, snap))
    else:
        path = f"odds-api/events/{day}/{capture_stamp()}.json"
        bought.files[path] = buyer.call(bought, lambda: buyer.league.odds_events(day, None))
    return bought


def events_of_date(events_files: Mapping[str, Any], day: dt.date, buyer: Buyer, bought: Bought) -> list[dict]:
    """The date's events (by ET tip-off date), once each whichever listings name them (a live one
    from the day itself, a historical one from later); unusable entries are refused."""
    events: dict[str, dict] = {}
    for path in sorted(p for p in events_files if path_date(p) == day):
        payload = events_files[path]
        listed = payload.get("data") if isinstance(payload, dict) else payload
        if not isinstance(listed, list):
            buyer.refuse(bought, day, path, "the events listing is not a list of events")
            continue
        for event in listed:
            why = unusable(event)
            if why is not None:
                buyer.refuse(bought, day, f"an event of {path}", why)
            elif parse_iso(event["commence_time"]).astimezone(EASTERN).date() == day:
                events.setdefault(event["id"], event)
    return list(events.values())


def buy_event_odds(buyer: Buyer, asset: str, events_files: Mapping[str, Any], day: dt.date) -> Bought:
    """Every event's odds of one date at every snapshot, for the events without odds files yet."""
    bought = Bought()
    prefix = ODDS_PREFIXES[asset]
    buyer.keep(bought, (prefix, f"{prefix}-history"), day)
    historical = is_historical(day)
    markets = markets_for(asset, historical)
    if not markets:  # the policy buys nothing of this asset for past dates
        return bought
    held = held_events(buyer.held, asset, day)
    folder = f"{prefix}-history" if historical else prefix
    for event in events_of_date(events_files, day, buyer, bought):
        name = event_folder(event)
        if name in held and not buyer.rebuy:
            continue
        try:
            bought.files |= _event_snapshots(buyer, bought, event, markets, historical, f"{folder}/{day}/{name}")
        except SourceUnavailable as err:
            buyer.refuse(bought, day, f"event {name}", str(err))
    return bought


def _event_snapshots(
    buyer: Buyer, bought: Bought, event: dict, markets: list[str], historical: bool, where: str
) -> Payloads:
    files: Payloads = {}
    snapshots = odds_snapshots(parse_iso(event["commence_time"])) if historical else [None]
    for snap in snapshots:
        try:
            payload = buyer.call(bought, lambda: buyer.league.event_odds(event["id"], markets, snap))
        except SourceUnavailable as err:
            if err.status != 404:  # 404: the event had already started; nothing billed, nothing to keep
                raise
            continue
        moment = snap or captured_now()
        files[f"{where}/{capture_stamp(moment)}-snap-{moment:%H%M}.json"] = payload
    return files


def odds_to_buy(
    to_run: Mapping[str, set[dt.date]], games: Mapping[dt.date, int], held: Callable[[str], list[str]], rebuy: bool
) -> list[DateToBuy]:
    """Per date that a plan scrapes odds for, what the scrape will buy (a date whose schedule is
    not loaded yet is assumed to have a typical slate)."""
    scraped = {asset: set(to_run.get(f"scraped/{asset}", ())) for asset in (EVENTS_ASSET, *ODDS_PREFIXES)}
    days = sorted(set().union(*scraped.values()))
    return [
        to_buy(day, games.get(day, estimated_games(day)), held, rebuy, {a for a, ds in scraped.items() if day in ds})
        for day in days
    ]
