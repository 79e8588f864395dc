"""A local stand-in for stats.nba.com and The Odds API v4 that serves the REAL recorded responses.

Stdlib only: ``http.server`` in a thread on 127.0.0.1 (a free port). The recordings are the
repository's own copies in ``nba_backfill_tests/fixtures/real``. :data:`ROUTES` says which
recording answers which request; anything else is a 404 shaped like the Odds API's
``EVENT_NOT_FOUND``. Every request is recorded (path, query, headers). :meth:`FakeApis.queue`
scripts the next answers (404, 204, 429, 5xx, an HTML block page, a slow answer) before routing
resumes. Odds API answers carry ``x-requests-*`` quota headers charged by the real cost rules.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from nba_backfill_tests.conftest import REAL_FIXTURES as REAL

SPORT_PATH = "/v4/sports/basketball_nba"
HISTORICAL_PATH = "/v4/historical/sports/basketball_nba"


@dataclass(frozen=True)
class Recording:
    """A recorded response file; ``part`` serves one key of it (see the live events route)."""

    file: str
    part: str | None = None

    def body(self) -> bytes:
        raw = (REAL / self.file).read_bytes()
        return raw if self.part is None else json.dumps(json.loads(raw)[self.part]).encode()


#: (route, selector) -> recording. The selector is the query value or path part that picks it.
ROUTES: dict[tuple[str, str], Recording] = {
    # stats.nba.com, by Season / GameID
    ("scheduleleaguev2", "2024-25"): Recording("nbacom_scheduleleaguev2_2024-25_slice_2025-01-15.json"),
    ("scheduleleaguev2", "2025-26"): Recording("nbacom_scheduleleaguev2_2025-26_as_of_2025-07-17.json"),
    ("boxscoretraditionalv3", "0022200552"): Recording("nbacom_boxscoretraditionalv3_0022200552.json"),
    ("playbyplayv3", "0022200552"): Recording("nbacom_playbyplayv3_0022200552.json"),
    # historical events, by the UTC day of `date` (the scrapers ask at 15:00 UTC): the snapshot
    # recorded that evening (2024-01-25T03:55Z is 22:55 ET on the 24th)
    ("historical events", "2024-01-24"): Recording("oddsapi_historical_events_2024-01-25T0355Z.json"),
    ("historical events", "2024-04-10"): Recording("oddsapi_historical_events_2024-04-10T1955Z.json"),
    ("historical events", "2025-03-09"): Recording("oddsapi_historical_events_2025-03-09T2355Z.json"),
    # live events: none was recorded; the live endpoint lists the same event objects, unwrapped
    ("live events", ""): Recording("oddsapi_historical_events_2024-04-10T1955Z.json", part="data"),
    # event odds, by "<event id> <markets>" (any snapshot date)
    ("historical event odds", "cd0bc7d0c238f4446ce1c03d0cea7ec4 h2h"): Recording(
        "oddsapi_historical_event_odds_h2h_2024-01-25_cd0bc7d0.json"
    ),
    ("historical event odds", "cd0bc7d0c238f4446ce1c03d0cea7ec4 spreads,totals"): Recording(
        "oddsapi_historical_event_odds_spreads_totals_2024-01-25_cd0bc7d0.json"
    ),
    ("historical event odds", "242c77a8d5890e18bab91773ad32fcb5 player_points"): Recording(
        "oddsapi_historical_event_odds_player_points_2025-03-09_ABRIDGED_docexcerpt.json"
    ),
    ("live event odds", "f54c4a22568ce9dc33fb410d1b0e75e9 player_points"): Recording(
        "oddsapi_event_odds_player_points_live_2024-02-22_f54c4a22.json"
    ),
}
#: /v4/sports was not recorded; clients read only its quota headers. Hand-written, real field names.
SPORTS_LIST = b'[{"key":"basketball_nba","group":"Basketball","title":"NBA","active":true,"has_outrights":false}]'


def route_of(path: str, query: dict[str, str]) -> tuple[str, str] | None:
    """The (route, selector) a request asks for, None for a path neither API has."""
    parts = path.strip("/").split("/")
    if path.startswith("/stats/"):
        return parts[-1], query.get("Season") or query.get("GameID", "")
    if path == f"{HISTORICAL_PATH}/events":
        return "historical events", query.get("date", "")[:10]
    if path == f"{SPORT_PATH}/events":
        return "live events", ""
    if path.startswith(f"{HISTORICAL_PATH}/events/") and path.endswith("/odds"):
        return "historical event odds", f"{parts[-2]} {query.get('markets', '')}"
    if path.startswith(f"{SPORT_PATH}/events/") and path.endswith("/odds"):
        return "live event odds", f"{parts[-2]} {query.get('markets', '')}"
    if path == "/v4/sports":
        return "sports", ""
    return None


def credits_of(path: str, query: dict[str, str]) -> int:
    """What the Odds API charges: historical event odds 10 x markets x regions, live markets x
    regions, historical events 1, the rest nothing."""
    markets = len(query.get("markets", "").split(",")) if query.get("markets") else 0
    regions = len(query.get("regions", "").split(",")) if query.get("regions") else 0
    if path.endswith("/odds"):
        return markets * regions * (10 if path.startswith("/v4/historical/") else 1)
    return 1 if path == f"{HISTORICAL_PATH}/events" else 0


# --------------------------------------------------------------------------------------------------
# Scripted answers
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A scripted answer. ``body=None`` means the routed recording (after ``delay`` seconds)."""

    status: int = 200
    body: bytes | None = None
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


def _error(status: int, code: str, message: str, **headers: str) -> Answer:
    body = json.dumps({"message": message, "error_code": code, "details_url": "https://the-odds-api.com/"}).encode()
    return Answer(status, body, headers=tuple(headers.items()))


NOT_FOUND = _error(404, "EVENT_NOT_FOUND", "Event not found. The event may have expired or the event id is invalid.")
INVALID_KEY = _error(401, "INVALID_KEY", "API key is not valid or was not supplied.")
NO_CONTENT = Answer(204, b"", content_type="")
RATE_LIMITED = _error(429, "EXCEEDED_FREQ_LIMIT", "Requests are being sent too frequently.", **{"Retry-After": "0"})
SERVER_ERROR = _error(500, "INTERNAL_ERROR", "Internal server error")
UNAVAILABLE = Answer(503, b"Service Unavailable", content_type="text/plain")
BLOCK_PAGE = Answer(
    200,
    b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>"
    b"You don't have permission to access this server. Reference #18.secret-akamai-ref</BODY></HTML>",
    content_type="text/html",
)


def slow(seconds: float) -> Answer:
    return Answer(delay=seconds)


# --------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """A request as the server received it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeApis:
    """Both APIs on one local port: ``nba_base`` and ``odds_base`` are the clients' base URLs."""

    credits: int = 20_000
    requests: list[Seen] = field(default_factory=list)
    _script: deque[Answer] = field(default_factory=deque)
    _used: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> FakeApis:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True  # a slow answer's thread must not hold up shutdown
        self._server.fake = self  # type: ignore[attr-defined]
        # A short poll interval: shutdown() waits up to one interval for the serving loop to notice.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def used(self) -> int:
        """The credits charged so far (what x-requests-used says)."""
        with self._lock:
            return self._used

    @property
    def nba_base(self) -> str:
        return f"{self.url}/stats"

    @property
    def odds_base(self) -> str:
        return self.url

    def queue(self, *answers: Answer) -> None:
        """The next requests get these answers, in order, whatever they ask for."""
        self._script.extend(answers)

    def answer(self, seen: Seen) -> Answer:
        """Record ``seen`` and decide its answer: scripted first, else the routed recording."""
        with self._lock:
            self.requests.append(seen)
            scripted = self._script.popleft() if self._script else Answer()
        if scripted.body is not None:
            return scripted
        recorded = self._recorded(seen)
        return Answer(recorded.status, recorded.body, recorded.content_type, recorded.headers, scripted.delay)

    def _recorded(self, seen: Seen) -> Answer:
        route = route_of(seen.path, seen.query)
        if route == ("sports", ""):
            return Answer(body=SPORTS_LIST)
        recording = ROUTES.get(route)  # type: ignore[arg-type]
        return NOT_FOUND if recording is None else Answer(body=recording.body())

    def quota_headers(self, seen: Seen, status: int) -> dict[str, str]:
        """x-requests-* of an Odds API answer; only successful calls are charged."""
        cost = credits_of(seen.path, seen.query) if status == 200 else 0
        with self._lock:
            self._used += cost
            used = self._used
        return {
            "x-requests-remaining": str(self.credits - used), "x-requests-used": str(used), "x-requests-last": str(cost),
        }  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        split = urlsplit(self.path)
        seen = Seen(split.path, dict(parse_qsl(split.query, keep_blank_values=True)), dict(self.headers.items()))
        fake: FakeApis = self.server.fake  # type: ignore[attr-defined]
        answer = fake.answer(seen)
        time.sleep(answer.delay)
        headers = dict(answer.headers)
        if seen.path.startswith("/v4/"):
            headers |= fake.quota_headers(seen, answer.status)
        try:
            self._send(answer, headers)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up on a slow answer
            pass

    def _send(self, answer: Answer, headers: dict[str, str]) -> None:
        body = answer.body or b""
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        """Quiet: tests read ``FakeApis.requests`` instead."""
