"""The simulated league behind a local HTTP server that answers on the real APIs' routes.

The recorded fixtures cover a handful of games; this covers any date range, so the live clients
(``NBA_BACKFILL_SOURCE=live``) can run a whole multi-date backfill offline. Simulated outages come
back as the HTTP errors the real APIs send.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from nba_backfill.calendar import season_year
from nba_backfill.errors import SourceUnavailable
from nba_backfill.sources.simulated import SimulatedLeague

ODDS_PREFIX = "/v4/sports/basketball_nba/events"
CREDITS = 1_000_000


def _snapshot(query: dict[str, str]) -> dt.datetime | None:
    stamp = query.get("date")
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def _eastern_day(moment: dt.datetime | None) -> dt.date:
    from zoneinfo import ZoneInfo

    return (moment or dt.datetime.now(dt.timezone.utc)).astimezone(ZoneInfo("America/New_York")).date()


class SimulatedApis:
    def __init__(self, league: SimulatedLeague):
        self.league = league
        self.season_schedule = cache(self._season_schedule)

    def _season_schedule(self, season: str) -> dict[str, Any]:
        """The whole season in scheduleLeagueV2 shape, built from the league's per-date answers."""
        year = int(season[:4])
        days = [d for d in self.league.game_dates(year) if season_year(d) == year]
        payloads = [self.league.schedule(d) for d in days]
        body = payloads[0] if payloads else {"meta": {}, "leagueSchedule": {"seasonYear": season, "leagueId": "00"}}
        body["leagueSchedule"]["gameDates"] = [entry for p in payloads for entry in p["leagueSchedule"]["gameDates"]]
        return body

    def answer(self, path: str, query: dict[str, str]) -> Any:
        historical = path.startswith("/v4/historical/")
        path = path.replace("/v4/historical/", "/v4/", 1)
        if path.endswith("/scheduleleaguev2"):
            return self.season_schedule(query["Season"])
        if path.endswith("/boxscoretraditionalv3"):
            return self.league.boxscore(query["GameID"])
        if path.endswith("/playbyplayv3"):
            return self.league.play_by_play(query["GameID"])
        if path == "/v4/sports":
            return [{"key": "basketball_nba", "active": True}]
        snapshot = _snapshot(query) if historical else None
        if path == ODDS_PREFIX:
            return self.league.odds_events(_eastern_day(snapshot), snapshot)
        if path.startswith(ODDS_PREFIX + "/") and path.endswith("/odds"):
            event_id = path[len(ODDS_PREFIX) + 1 : -len("/odds")]
            return self.league.event_odds(event_id, query["markets"].split(","), snapshot)
        raise SourceUnavailable("route", None, 404, path)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        try:
            status, body = 200, self.server.apis.answer(url.path, query)  # type: ignore[attr-defined]
        except SourceUnavailable as err:
            status, body = err.status, {"message": str(err)}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if url.path.startswith("/v4"):
            self.send_header("x-requests-remaining", str(CREDITS))
            self.send_header("x-requests-used", "0")
            self.send_header("x-requests-last", "0")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass  # quiet: tests read results, not access logs


class SimulatedApiServer:
    """``with SimulatedApiServer() as server:`` then point NBA_STATS_BASE_URL / ODDS_API_BASE_URL at it."""

    def __init__(self, league: SimulatedLeague | None = None):
        self.league = league or SimulatedLeague(outages="", corrupt="")

    def __enter__(self) -> SimulatedApiServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.apis = SimulatedApis(self.league)  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"
