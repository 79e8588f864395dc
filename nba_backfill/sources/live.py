"""The production data source: NBA.com stats and The Odds API v4, over HTTP.

:class:`LiveApis` answers the five calls of :class:`~nba_backfill.sources.simulated.SimulatedLeague`
that the Phase 1 scrapers make. Box scores, play-by-play, events and event odds come back as the
response bytes, exactly as sent (``encode`` stores bytes untouched); the schedule is the season's
``scheduleLeagueV2`` reduced to the requested date, as the simulator returns it.

**requests, not nba_api.** nba_api 1.11 would give us the endpoint names and the browser-like
headers, and nothing else we can use: ``NBAHTTP.send_api_request`` keeps the status code only in a
private attribute, hands back decoded text (not the bytes), rewrites some error bodies, and the
endpoint classes parse the body in their constructor, so an Akamai HTML page or a 429 surfaces as a
``JSONDecodeError``. Its base URL and session are class attributes, global to the process, so a
per-resource base URL (for the local test server) would mean patching shared state (and the
``_session`` caching gotcha on top). Plain ``requests`` with the same headers keeps status, headers
and bytes, and all of it is this resource's own.

**Errors and retries.** Every failure is :class:`~nba_backfill.errors.SourceUnavailable` naming
the feed, the game date (when known) and the status:

* 404 (an Odds API event that already tipped off, an unknown game) and other 4xx: raised at once.
* 429: waits ``Retry-After`` seconds if sent, else ``backoff_seconds`` doubling, never more than
  ``max_backoff_seconds``; after ``max_rate_limit_retries`` waits the 429 is raised.
* 5xx, timeouts (status 504) and connection failures (status 0): retried ``transient_retries``
  times (default once) in the client, then raised for the step's Dagster RetryPolicy. One
  in-client retry is cheap, and it matters for odds: a failed Odds API call drops the whole date's
  odds, credits already spent on its other events included.
* 204 or an empty body from The Odds API (an empty snapshot): an empty payload of the usual shape.
  NBA.com never answers a valid request with nothing, and its feeds are required, so there an
  empty body is raised as an outage.
* a body that is not JSON (an HTML block page with status 200): raised; the body is not kept.

The Odds API key travels in the query string. It never reaches an error message (URLs are shown
with ``apiKey=REDACTED``), the resource's repr, :meth:`LiveApis.quota` or urllib3's DEBUG log of
request lines (a filter on that logger scrubs it), nor another host: a redirect that leaves the
origin loses the key (and any Authorization header) before it is followed.

Ids that go into a request (an event id in the URL path, a game id in the query) are checked
against their source's shape first (:mod:`nba_backfill.ids`): a hostile id never rewrites a path.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dagster as dg
import requests
from pydantic import Field, PrivateAttr

from nba_backfill import bounded_json, calendar, ids
from nba_backfill.calendar import EASTERN, schedule_date
from nba_backfill.errors import RawPayloadError, SourceUnavailable
from nba_backfill.sources.feeds import FEED_BOXSCORE, FEED_EVENTS, FEED_PBP, FEED_SCHEDULE, FEED_SPORTS, odds_feed

__all__ = [
    "LiveApis",
    "live_source",
]

log = logging.getLogger(__name__)

NBA_STATS_BASE_URL = "https://stats.nba.com/stats"
ODDS_API_BASE_URL = "https://api.the-odds-api.com"
NBA_STATS_BASE_URL_ENV = "NBA_STATS_BASE_URL"
ODDS_API_BASE_URL_ENV = "ODDS_API_BASE_URL"
ODDS_API_KEY_ENV = "ODDS_API_KEY"

SPORT = "basketball_nba"
REGIONS = ("us",)
#: quota() key -> the Odds API response header it mirrors.
QUOTA_HEADERS = {"remaining": "x-requests-remaining", "used": "x-requests-used", "last_cost": "x-requests-last"}
#: The free endpoint asked for the quota (the feed name in its errors).

UTC = dt.timezone.utc

#: The headers nba_api 1.11.4 sends: stats.nba.com stalls or blocks clients that do not look like
#: a browser on www.nba.com. Not copied: Host (requests derives it from the URL, so a local server
#: works) and Accept-Encoding (requests offers only the encodings it can decode; nba_api's "br"
#: would come back undecodable without the optional brotli package).
STATS_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/145.0.0.0 Safari/537.36"
    ),
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-US,en;q=0.5",
    "Referer": "https://www.nba.com/",
    "Pragma": "no-cache",
    "Cache-Control": "no-cache",
    "Sec-Ch-Ua": '"Not:A-Brand";v="99", "Google Chrome";v="145", "Chromium";v="145"',
    "Sec-Ch-Ua-Mobile": "?0",
    "Sec-Fetch-Dest": "empty",
}
ODDS_HEADERS = {"Accept": "application/json"}

#: boxscoretraditionalv3 / playbyplayv3 ask for the whole game (0 = no period or range limit).
BOXSCORE_RANGE = {"StartPeriod": "0", "EndPeriod": "0", "StartRange": "0", "EndRange": "0", "RangeType": "0"}
PBP_RANGE = {"StartPeriod": "0", "EndPeriod": "0"}

_API_KEY_PARAM = re.compile(r"(apiKey=)[^&\s\"']+")


class _RedactApiKey(logging.Filter):
    """urllib3 logs every request line, query string included, at DEBUG: scrub the key from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "apiKey=" in message:
            record.msg, record.args = _API_KEY_PARAM.sub(r"\1REDACTED", message), ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactApiKey())


# ==================================================================================================
# Requests
# ==================================================================================================


@dataclass(frozen=True)
class _Call:
    """One GET: what it is for (feed, game date) and what is sent."""

    feed: str
    game_date: dt.date | None
    url: str
    params: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    odds_api: bool

    def shown(self) -> str:
        """The URL for messages, the API key masked."""
        query = [(k, "REDACTED" if k == "apiKey" else v) for k, v in self.params]
        return f"{self.url}?{urlencode(query)}" if query else self.url


class _Body(NamedTuple):
    raw: bytes  # as received: what gets stored
    data: Any  # decoded, to check it and to reduce the schedule


def _iso_z(moment: dt.datetime) -> str:
    """UTC ``YYYY-MM-DDTHH:MM:SSZ``; a naive datetime is taken as UTC (the Odds API speaks UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _eastern_date(moment: dt.datetime) -> dt.date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(EASTERN).date()


def _transient(status: int) -> bool:
    """Worth one more try: a server error, a timeout (504) or no answer at all (0)."""
    return status == 0 or status >= 500


def _seconds(value: str | None) -> float | None:
    """A Retry-After in delta-seconds (the form rate limiters send); anything else is ignored."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(float(headers[name]))
    except (KeyError, ValueError):
        return None


def _summary(response: requests.Response) -> str:
    """What an error answer says: the API's error code and message if it sent JSON, else only its
    type and size (an HTML block page is no use in a log line)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        said = " ".join(str(body[k]) for k in ("error_code", "message", "Message") if body.get(k))
        if said:
            return said[:300]
    return f"{response.headers.get('Content-Type') or 'no content type'}, {len(response.content)} bytes"


def _names_day(entry: Any, day: dt.date) -> bool:
    """Whether a ``gameDates`` entry is ``day``'s, or cannot be read (kept, so the schedule parser
    reports it naming the file, rather than the date silently reading as a day off)."""
    try:
        return schedule_date(entry.get("gameDate")) == day
    except (AttributeError, ValueError):
        return True


def _day_of_schedule(season: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """The season's scheduleLeagueV2 with only ``day`` in ``gameDates`` (none on a day off)."""
    league = season["leagueSchedule"]
    dates = [d for d in league["gameDates"] if _names_day(d, day)]
    return {**season, "leagueSchedule": {**league, "gameDates": dates}}


def _schedule_games(season: dict[str, Any]) -> dict[str, dt.date]:
    """NBA.com game id -> game date, to name the date in box score errors. A schedule it cannot
    read costs only that: Phase 2 reports what is wrong with it, naming the file."""
    try:
        return {
            game["gameId"]: schedule_date(day["gameDate"])
            for day in season["leagueSchedule"]["gameDates"]
            for game in day.get("games", [])
        }
    except (AttributeError, KeyError, TypeError, ValueError):
        return {}


def _without_api_key(url: str) -> str:
    """``url`` with any ``apiKey`` query parameter removed."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != "apikey"]
    return urlunsplit(parts._replace(query=urlencode(query)))


class _KeyGuardingSession(requests.Session):
    """requests already drops an Authorization header when a redirect changes the origin (host,
    port or scheme); the Odds API key rides in the query string, where a server echoing the query
    into its Location would carry it along. Drop it there too."""

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            prepared_request.url = _without_api_key(prepared_request.url)


def _snapshot_wrapper(stamp: str, data: Any) -> dict[str, Any]:
    """A historical answer without a snapshot behind it (HTTP 204)."""
    return {"timestamp": stamp, "previous_timestamp": None, "next_timestamp": None, "data": data}


# ==================================================================================================
# The Dagster resource
# ==================================================================================================


class LiveApis(dg.ConfigurableResource):
    """NBA.com stats and The Odds API v4: the same calls as ``SimulatedLeague``, over HTTP."""

    odds_api_key: str = Field(repr=False, description="The Odds API key; wire as dg.EnvVar('ODDS_API_KEY').")
    nba_stats_base_url: str = NBA_STATS_BASE_URL
    odds_api_base_url: str = ODDS_API_BASE_URL
    timeout_seconds: float = 30.0
    max_rate_limit_retries: int = 3
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    transient_retries: int = 1

    _session: Optional[requests.Session] = PrivateAttr(default=None)
    _schedules: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)  # season "2024-25" -> body
    _game_dates: dict[str, dt.date] = PrivateAttr(default_factory=dict)  # from the cached schedules
    _quota: dict[str, Optional[int]] = PrivateAttr(
        default_factory=lambda: {"remaining": None, "used": None, "last_cost": None, "calls": 0}
    )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._session is not None:
            self._session.close()

    # -- NBA.com -----------------------------------------------------------------------------------

    def schedule(self, game_date: dt.date) -> dict:
        """scheduleLeagueV2 shape with only ``game_date``'s games; the season is fetched once."""
        day = calendar.as_date(game_date)
        return _day_of_schedule(self._season_schedule(day), day)

    def boxscore(self, nba_game_id: str) -> bytes:
        """boxscoretraditionalv3 of one game, as received."""
        params = {"GameID": ids.nba_game_id(nba_game_id), **BOXSCORE_RANGE}
        return self._stats_json(FEED_BOXSCORE, self._game_dates.get(nba_game_id), "boxscoretraditionalv3", params).raw

    def play_by_play(self, nba_game_id: str) -> bytes:
        """playbyplayv3 of one game, as received."""
        params = {"GameID": ids.nba_game_id(nba_game_id), **PBP_RANGE}
        return self._stats_json(FEED_PBP, self._game_dates.get(nba_game_id), "playbyplayv3", params).raw

    def _season_schedule(self, day: dt.date) -> dict[str, Any]:
        season = calendar.season_nba_format(calendar.season_year(day))
        if season not in self._schedules:
            body = self._stats_json(FEED_SCHEDULE, day, "scheduleleaguev2", {"LeagueID": "00", "Season": season})
            if not isinstance(body.data, dict) or not isinstance(body.data.get("leagueSchedule"), dict):
                raise SourceUnavailable(FEED_SCHEDULE, day, 200, f"season {season}: no leagueSchedule in the answer")
            if not isinstance(body.data["leagueSchedule"].get("gameDates"), list):
                raise SourceUnavailable(FEED_SCHEDULE, day, 200, f"season {season}: leagueSchedule has no gameDates")
            self._schedules[season] = body.data
            self._game_dates.update(_schedule_games(body.data))
        return self._schedules[season]

    def _stats_json(self, feed: str, day: dt.date | None, endpoint: str, params: Mapping[str, str]) -> _Body:
        # Sorted like nba_api sends them: stats.nba.com has been seen to care about the order.
        call = _Call(
            feed, day, f"{self.nba_stats_base_url.rstrip('/')}/{endpoint}", tuple(sorted(params.items())),
            STATS_HEADERS, odds_api=False,
        )  # fmt: skip
        response = self._fetch(call)
        body = self._json_body(call, response)
        if body is None:
            raise SourceUnavailable(feed, day, response.status_code, f"empty body from GET {call.shown()}")
        return body

    # -- The Odds API ------------------------------------------------------------------------------

    def odds_events(self, game_date: dt.date, snapshot: dt.datetime | None) -> bytes | dict | list:
        """Historical wrapper as of ``snapshot``, or the bare live list when ``snapshot`` is None."""
        return self._odds(FEED_EVENTS, calendar.as_date(game_date), f"/sports/{SPORT}/events", {}, snapshot, [])

    def event_odds(self, event_id: str, markets: list[str], snapshot: dt.datetime | None) -> bytes | dict:
        """One event's odds for ``markets``, all US books (historical wrapper, or the bare live event).
        The event id goes into the URL path: anything but an Odds API id is refused (InvalidId)."""
        event_id = ids.odds_event_id(event_id)
        params = {
            "regions": ",".join(REGIONS), "markets": ",".join(dict.fromkeys(markets)),
            "oddsFormat": "decimal", "dateFormat": "iso",
        }  # fmt: skip
        # The call names no date: snapshots are taken hours before tip-off, on the game's ET date,
        # and live odds are asked for today's slate only.
        day = _eastern_date(snapshot) if snapshot is not None else calendar.today_et()
        empty = {"id": event_id, "sport_key": SPORT, "bookmakers": []}
        return self._odds(odds_feed(markets), day, f"/sports/{SPORT}/events/{event_id}/odds", params, snapshot, empty)

    def quota(self) -> dict[str, Optional[int]]:
        """Last seen x-requests-remaining / -used / -last (cost of that call), and the Odds API
        requests this instance sent."""
        return dict(self._quota)

    def remaining_credits(self) -> int | None:
        """x-requests-remaining, from the free ``GET /v4/sports``."""
        response = self._fetch(self._odds_call(FEED_SPORTS, None, "/v4/sports", {}))
        return _header_int(response.headers, "x-requests-remaining")

    def _odds(
        self, feed: str, day: dt.date, path: str, params: dict[str, str], snapshot: dt.datetime | None, empty: Any
    ) -> Any:
        """GET ``/v4{path}``, or its ``/v4/historical`` twin as of ``snapshot``; ``empty`` (wrapped
        when historical) stands for an empty answer."""
        if snapshot is not None:
            stamp = _iso_z(snapshot)
            path, params, empty = f"/historical{path}", {"date": stamp, **params}, _snapshot_wrapper(stamp, empty)
        call = self._odds_call(feed, day, f"/v4{path}", params)
        body = self._json_body(call, self._fetch(call))
        return empty if body is None else body.raw

    def _odds_call(self, feed: str, day: dt.date | None, path: str, params: Mapping[str, str]) -> _Call:
        query = (("apiKey", self.odds_api_key), *params.items())
        return _Call(feed, day, f"{self.odds_api_base_url.rstrip('/')}{path}", query, ODDS_HEADERS, odds_api=True)

    # -- HTTP --------------------------------------------------------------------------------------

    def _http(self) -> requests.Session:
        if self._session is None:
            self._session = _KeyGuardingSession()
        return self._session

    def _fetch(self, call: _Call) -> requests.Response:
        """A 200 or 204 answer, after the retries the module docstring describes."""
        throttled = retried = 0
        while True:
            response, failure = self._attempt(call)
            if failure is None:
                return response
            if failure.status == 429 and throttled < self.max_rate_limit_retries:
                wait = self._rate_limit_wait(response, throttled)
                throttled += 1
            elif _transient(failure.status) and retried < self.transient_retries:
                wait = self.backoff_seconds
                retried += 1
            else:
                raise failure
            log.warning("%s for %s: HTTP %s, retrying in %.1f s", call.feed, call.game_date, failure.status, wait)
            time.sleep(wait)

    def _attempt(self, call: _Call) -> tuple[requests.Response | None, SourceUnavailable | None]:
        """One GET: the answer, and the failure it amounts to (None for 200 and 204)."""
        if call.odds_api:
            self._quota["calls"] += 1
        try:
            response = self._http().get(
                call.url, params=list(call.params), headers=dict(call.headers), timeout=self.timeout_seconds
            )
        except requests.Timeout:
            detail = f"timeout after {self.timeout_seconds:g} s: GET {call.shown()}"
            return None, SourceUnavailable(call.feed, call.game_date, 504, detail)
        except requests.RequestException as err:  # its message may hold the full URL: name only the kind
            detail = f"no answer ({type(err).__name__}): GET {call.shown()}"
            return None, SourceUnavailable(call.feed, call.game_date, 0, detail)
        if call.odds_api:
            self._note_quota(response.headers)
        if response.status_code in (200, 204):
            return response, None
        detail = self._redact(f"GET {call.shown()}: {_summary(response)}")
        return response, SourceUnavailable(call.feed, call.game_date, response.status_code, detail)

    def _rate_limit_wait(self, response: requests.Response, attempt: int) -> float:
        """Retry-After when sent, else ``backoff_seconds`` doubling per attempt; capped."""
        hinted = _seconds(response.headers.get("Retry-After"))
        wait = hinted if hinted is not None else self.backoff_seconds * 2**attempt
        return min(wait, self.max_backoff_seconds)

    def _json_body(self, call: _Call, response: requests.Response) -> _Body | None:
        """The decoded body, None when there is none; a body that is not JSON is refused unstored."""
        raw = response.content
        if response.status_code == 204 or not raw.strip():
            return None
        try:
            return _Body(raw, bounded_json.load(raw, call.feed, call.game_date))
        except RawPayloadError as err:
            kind = response.headers.get("Content-Type") or "no content type"
            problem = "expected JSON" if err.problem.startswith("not valid JSON") else err.problem
            detail = f"{problem}, got {kind} ({len(raw)} bytes) from GET {call.shown()}"
            raise SourceUnavailable(call.feed, call.game_date, response.status_code, detail) from None

    def _note_quota(self, headers: Mapping[str, str]) -> None:
        for key, header in QUOTA_HEADERS.items():
            value = _header_int(headers, header)
            if value is not None or key == "last_cost":  # a call's cost is its own answer's, never the last one's
                self._quota[key] = value

    def _redact(self, text: str) -> str:
        """Defence in depth for text the API wrote (an error message might echo the key)."""
        text = _API_KEY_PARAM.sub(r"\1REDACTED", text)
        return text.replace(self.odds_api_key, "REDACTED") if self.odds_api_key else text


def live_source() -> dict[str, Any]:
    """The ``league`` resource on the real APIs; base URLs can point elsewhere (a local server)."""
    return {
        "league": LiveApis(
            odds_api_key=dg.EnvVar(ODDS_API_KEY_ENV),
            nba_stats_base_url=os.environ.get(NBA_STATS_BASE_URL_ENV, NBA_STATS_BASE_URL),
            odds_api_base_url=os.environ.get(ODDS_API_BASE_URL_ENV, ODDS_API_BASE_URL),
        )
    }
