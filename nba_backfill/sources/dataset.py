"""The dataset source: a folder of real recorded facts served in the real APIs' JSON shapes.

``NBA_BACKFILL_SOURCE=dataset`` reads ``NBA_DATASET_DIR`` (default: the 2025-26 stretch shipped in
``nba_backfill/datasets/real_2025_26``), laid out as that folder's README describes:
``schedule.csv``, ``box_scores.csv.gz`` and, optionally, ``player_points_snapshots.csv.gz``. It
answers the calls the Phase 1 scrapers make of the simulated league and the live clients, so
Phases 1-5 run unchanged:

- ``schedule``: scheduleLeagueV2 with the date's games, all final. The dataset has no tip-off
  times; a game's is its Odds API ``commence_time`` when it has lines, else NBA.com's own "time to
  be decided" (midnight Eastern, ``gameTimeEst 1900-01-01T00:00:00Z``).
- ``boxscore``: boxscoretraditionalv3 from the box-score rows (no starters: the data has no flag).
- ``play_by_play``: none was published with this data. NBA.com answers a finished game without
  play-by-play with HTTP 200 and an empty ``actions`` list, and so does this source; the gap is
  declared by :meth:`DatasetSource.known_gaps` so it is recorded as accepted, not retried.
- ``odds_events`` / ``event_odds``: the pulls' ``player_points`` lines. A request for a snapshot
  gets the latest pull at or before it, as the historical endpoint does; a snapshot after tip-off
  is a 404 EVENT_NOT_FOUND, so no line pulled after tip-off is ever served as pre-game. Without the
  odds file there are no events and no lines. Game lines (spreads, totals) are not in the data.

**The pulls' clock.** ``snapshot`` has no zone. It is read as UTC (:data:`PULL_CLOCK`): the pulls
ran at exactly 17:00:00 every day, a scheduler's cron, and hosted schedulers (GitHub Actions,
where such collectors run) keep UTC. Read so, every pull precedes every tip-off it priced (the
earliest, 13:10 ET, is 17:10-18:10 UTC); read as US Eastern, the 17:00 pulls of 2025-10-26, 11-02,
11-09 and 11-16 would have priced games already under way (14:10 and 15:30 ET tip-offs) as if
they had not started. ``DatasetSource.pull_clock`` overrides it for a dataset collected elsewhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from nba_backfill import calendar
from nba_backfill.calendar import EASTERN
from nba_backfill.datasets import REAL_2025_26
from nba_backfill.errors import ConfigurationError, SourceUnavailable
from nba_backfill.sources.feeds import FEED_BOXSCORE, FEED_LINES, FEED_PBP, FEED_PROPS, FEED_SCHEDULE, odds_feed
from nba_backfill.sources.shapes import BOOK_TITLES, box_stats, historical_wrapper, iso_z, meta, schedule_team
from nba_backfill.teams import TEAMS, Team, tricode_for_name

DATASET_DIR_ENV = "NBA_DATASET_DIR"
SCHEDULE_FILE, BOX_FILE, ODDS_FILE = "schedule.csv", "box_scores.csv.gz", "player_points_snapshots.csv.gz"
PULL_CLOCK = "UTC"
UTC = dt.timezone.utc

_GAME_ID = re.compile(r"^\d{10}$")
_EVENT_ID = re.compile(r"^[0-9a-f]{32}$")
_TEAM = {t.tricode: t for t in TEAMS}
#: What the box-score file's columns are called in the box score v3 ``statistics`` object, in
#: the order :func:`~nba_backfill.sources.shapes.box_stats` takes them after the seconds.
_COUNTS = ("fgm", "fga", "fg3m", "fg3a", "ftm", "fta", "oreb", "dreb", "ast", "stl", "blk", "tov", "pf", "pts")
#: Why a dataset's play-by-play gap is accepted (nba_meta.accepted_gaps.reason).
NO_PBP_REASON = "no play-by-play was published with this dataset"
#: Why a dataset's game-lines gap is accepted, and its player-props gap where no pull priced a game.
NO_LINES_REASON = "game lines (spreads, totals) are not in this dataset"
NO_PROPS_REASON = "no pull of this dataset priced the game before tip-off"


@dataclass(frozen=True, eq=False)  # identity hash: cached per loaded folder
class Dataset:
    """The folder's three tables, validated; ``pulls`` is empty without the odds file."""

    folder: str
    schedule: pd.DataFrame
    box: pd.DataFrame
    pulls: pd.DataFrame


def _bad(path: Path, problem: str) -> ConfigurationError:
    return ConfigurationError(f"{path}: {problem}")


def _read(path: Path, required: list[str], dtypes: dict[str, Any]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=dtypes, keep_default_na=True)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise _bad(path, f"cannot be read ({err})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise _bad(path, f"missing column(s) {', '.join(missing)}")
    return df


def _invalid(path: Path, df: pd.DataFrame, bad: pd.Series, column: str, expected: str) -> None:
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise _bad(path, f"row {row + 2}: {column} {df[column].iloc[row]!r} is not {expected}")


def _dates(path: Path, df: pd.DataFrame, column: str) -> pd.Series:
    parsed = pd.to_datetime(df[column], format="%Y-%m-%d", errors="coerce")
    _invalid(path, df, parsed.isna(), column, "a YYYY-MM-DD date")
    return parsed.dt.date


def _schedule(folder: Path) -> pd.DataFrame:
    path = folder / SCHEDULE_FILE
    df = _read(path, ["game_id", "game_date", "away", "home", "away_pts", "home_pts"], {"game_id": str})
    _invalid(path, df, ~df["game_id"].astype(str).str.fullmatch(_GAME_ID), "game_id", "a 10-digit NBA.com id")
    for side in ("away", "home"):
        _invalid(path, df, ~df[side].isin(set(_TEAM)), side, "an NBA tricode")
        _invalid(path, df, pd.to_numeric(df[f"{side}_pts"], errors="coerce").isna(), f"{side}_pts", "a score")
    df["game_date"] = _dates(path, df, "game_date")
    _invalid(path, df, df["game_id"].duplicated(), "game_id", "unique")
    return df


def _box(folder: Path, schedule: pd.DataFrame) -> pd.DataFrame:
    path = folder / BOX_FILE
    df = _read(
        path, ["game_id", "team", "player_id", "player_name", "minutes", "plus_minus", *_COUNTS], {"game_id": str}
    )
    _invalid(path, df, ~df["game_id"].isin(set(schedule["game_id"])), "game_id", "a game of schedule.csv")
    _invalid(path, df, ~df["team"].isin(set(_TEAM)), "team", "an NBA tricode")
    numeric = ["player_id", "minutes", "plus_minus", *_COUNTS]
    for column in numeric:
        _invalid(path, df, pd.to_numeric(df[column], errors="coerce").isna(), column, "a number")
    df[numeric] = df[numeric].apply(pd.to_numeric)
    # A row without a name (one player in this data) is kept under his id rather than dropped.
    df["player_name"] = df["player_name"].fillna("Player " + df["player_id"].astype("int64").astype(str))
    return df


def _pulls(folder: Path, clock: str) -> pd.DataFrame:
    path = folder / ODDS_FILE
    columns = [
        "snapshot",
        "event_id",
        "commence_time",
        "away_team",
        "home_team",
        "player",
        "bookmaker",
        "line",
        "over_price",
        "under_price",
    ]
    if not path.exists():  # no odds file: no events, no lines
        empty = pd.DataFrame(columns=[*columns, "pulled_at"]).astype(
            {"event_id": str, "away_team": str, "home_team": str}
        )
        return empty.astype({"commence_time": "datetime64[ns, UTC]", "pulled_at": "datetime64[ns, UTC]"})
    df = _read(path, columns, {"event_id": str})
    _invalid(path, df, ~df["event_id"].astype(str).str.fullmatch(_EVENT_ID), "event_id", "a 32-digit hex event id")
    for side in ("away_team", "home_team"):
        _invalid(path, df, ~df[side].map(_is_team_name), side, "an NBA team's full name")
    pulled = pd.to_datetime(df["snapshot"], format="ISO8601", errors="coerce")
    _invalid(path, df, pulled.isna(), "snapshot", "a time")
    if pulled.dt.tz is not None:
        raise _bad(path, f"snapshot carries a zone; expected the collector's zone-less clock (read as {clock})")
    commence = pd.to_datetime(df["commence_time"], format="ISO8601", utc=True, errors="coerce")
    _invalid(path, df, commence.isna(), "commence_time", "a UTC time")
    _invalid(path, df, pd.to_numeric(df["line"], errors="coerce").isna(), "line", "a number")
    for column in ("over_price", "under_price"):  # a book may quote one side only
        _invalid(path, df, pd.to_numeric(df[column], errors="coerce").isna() & df[column].notna(), column, "a price")
    df["pulled_at"] = pulled.dt.tz_localize(clock).dt.tz_convert("UTC")
    df["commence_time"] = commence
    return df


def _is_team_name(name: Any) -> bool:
    try:
        tricode_for_name(str(name))
    except (KeyError, ValueError):
        return False
    return True


@functools.lru_cache(maxsize=4)
def load(folder: str, clock: str = PULL_CLOCK) -> Dataset:
    """The folder's tables, read and validated once per process; a bad file raises one line naming it."""
    root = Path(folder)
    if not (root / SCHEDULE_FILE).is_file() or not (root / BOX_FILE).is_file():
        raise ConfigurationError(f"{DATASET_DIR_ENV}={folder}: expected {SCHEDULE_FILE} and {BOX_FILE} in it")
    schedule = _schedule(root)
    return Dataset(folder, schedule, _box(root, schedule), _pulls(root, clock))


def _tip_utc(data: Dataset, game: pd.Series) -> dt.datetime | None:
    events = _events(data, game["game_date"])
    match = events[(events["away"] == game["away"]) & (events["home"] == game["home"])]
    return match["commence_time"].iloc[0].to_pydatetime() if len(match) else None


@functools.lru_cache(maxsize=4)
def _event_table(data: Dataset) -> pd.DataFrame:
    """One row per event: id, teams (names and tricodes), tip-off and its Eastern date."""
    events = data.pulls.drop_duplicates("event_id")[["event_id", "commence_time", "away_team", "home_team"]].copy()
    events["away"] = events["away_team"].map(tricode_for_name)
    events["home"] = events["home_team"].map(tricode_for_name)
    events["game_date"] = events["commence_time"].dt.tz_convert(EASTERN).dt.date
    return events.sort_values(["commence_time", "event_id"]).reset_index(drop=True)


def _events(data: Dataset, day: dt.date) -> pd.DataFrame:
    events = _event_table(data)
    return events[events["game_date"] == day]


def _record(data: Dataset, tricode: str, game_id: str) -> tuple[int, int]:
    """Wins-losses after this (final) game, from the dataset's results."""
    s = data.schedule
    mine = s[(s["away"] == tricode) | (s["home"] == tricode)].sort_values(["game_date", "game_id"])
    mine = mine.iloc[: mine["game_id"].tolist().index(game_id) + 1]
    won = ((mine["home"] == tricode) & (mine["home_pts"] > mine["away_pts"])) | (
        (mine["away"] == tricode) & (mine["away_pts"] > mine["home_pts"])
    )
    return int(won.sum()), int((~won).sum())


def schedule_game(data: Dataset, game: pd.Series, sequence: int) -> dict[str, Any]:
    """One final game of scheduleLeagueV2 (the fields the real feed has and the data can fill)."""
    home, away, day = _TEAM[game["home"]], _TEAM[game["away"]], game["game_date"]
    tip = _tip_utc(data, game)
    tip_et = tip.astimezone(EASTERN) if tip else dt.datetime.combine(day, dt.time(0), tzinfo=EASTERN)
    midnight_utc = dt.datetime.combine(day, dt.time(0), tzinfo=EASTERN).astimezone(UTC)
    return {
        "gameId": game["game_id"], "gameCode": f"{day:%Y%m%d}/{away.tricode}{home.tricode}",
        "gameStatus": 3, "gameStatusText": "Final", "gameSequence": sequence,
        "gameDateEst": f"{day}T00:00:00Z", "gameTimeEst": f"1900-01-01T{tip_et:%H:%M}:00Z",
        "gameDateTimeEst": f"{tip_et:%Y-%m-%dT%H:%M}:00Z", "gameDateUTC": iso_z(midnight_utc),
        "gameTimeUTC": f"1900-01-01T{(tip or midnight_utc):%H:%M}:00Z",
        "gameDateTimeUTC": iso_z(tip or tip_et.astimezone(UTC)), "isNeutral": False, "postponedStatus": "N",
        "homeTeam": schedule_team(home, _record(data, home.tricode, game["game_id"]), int(game["home_pts"])),
        "awayTeam": schedule_team(away, _record(data, away.tricode, game["game_id"]), int(game["away_pts"])),
    }  # fmt: skip


def _box_player(row: Any) -> dict[str, Any]:
    first, _, family = str(row.player_name).partition(" ")
    seconds = round(float(row.minutes) * 60)  # minutes are MM:SS as a decimal, to 0.01: exact to the second
    if seconds:
        stats = box_stats(seconds, *(int(getattr(row, c)) for c in _COUNTS)) | {
            "plusMinusPoints": float(row.plus_minus)
        }
    else:  # no minutes: a DNP, as NBA.com writes one
        stats = box_stats(0, *[0] * len(_COUNTS)) | {"minutes": "", "plusMinusPoints": 0.0}
    return {
        "personId": int(row.player_id), "firstName": first, "familyName": family,
        "nameI": f"{first[:1]}. {family}".strip(), "playerSlug": calendar.player_lookup(str(row.player_name)),
        "position": "", "comment": "", "jerseyNum": "", "statistics": stats,
    }  # fmt: skip


def box_team(team: Team, rows: pd.DataFrame, margin: int) -> dict[str, Any]:
    seconds = int(sum(round(m * 60) for m in rows["minutes"]))
    totals = box_stats(seconds, *(int(rows[c].sum()) for c in _COUNTS)) | {"plusMinusPoints": float(margin)}
    return {
        "teamId": team.team_id, "teamCity": team.city, "teamName": team.name, "teamTricode": team.tricode,
        "teamSlug": team.slug, "players": [_box_player(r) for r in rows.itertuples()], "statistics": totals,
    }  # fmt: skip


class DatasetSource(dg.ConfigurableResource):
    """NBA.com and The Odds API answers from a dataset folder (see the module docstring)."""

    folder: str
    #: The zone of the pulls' zone-less ``snapshot`` clock.
    pull_clock: str = PULL_CLOCK

    @property
    def data(self) -> Dataset:
        return load(self.folder, self.pull_clock)

    # -- NBA.com -----------------------------------------------------------------------------------

    def schedule(self, game_date: dt.date) -> dict:
        """The date's games. After the dataset's last date its silence is not "no games": a 404."""
        day = calendar.as_date(game_date)
        s = self.data.schedule
        if day > s["game_date"].max():
            raise SourceUnavailable(FEED_SCHEDULE, day, 404, f"{self.folder} ends on {s['game_date'].max()}")
        games = s[s["game_date"] == day].sort_values("game_id")
        fmt = calendar.season_nba_format(calendar.season_year(day))
        dates = [
            {
                "gameDate": f"{day:%m/%d/%Y} 00:00:00",
                "games": [schedule_game(self.data, g, i) for i, (_, g) in enumerate(games.iterrows(), 1)],
            }
        ]
        stamp = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9, 0), tzinfo=UTC)
        return {
            "meta": meta(f"http://nba.cloud/league/00/{fmt}/scheduleleaguev2?Format=json", stamp),
            "leagueSchedule": {
                "seasonYear": fmt,
                "leagueId": "00",
                "gameDates": dates if len(games) else [],
                "weeks": [],
                "broadcasterList": [],
            },
        }

    def _game(self, feed: str, nba_game_id: str) -> pd.Series:
        s = self.data.schedule
        found = s[s["game_id"] == nba_game_id]
        if found.empty:
            raise SourceUnavailable(feed, None, 404, f"game {nba_game_id!r} is not in {self.folder}")
        return found.iloc[0]

    def boxscore(self, nba_game_id: str) -> dict:
        game = self._game(FEED_BOXSCORE, nba_game_id)
        rows = self.data.box[self.data.box["game_id"] == nba_game_id]
        home, away = _TEAM[game["home"]], _TEAM[game["away"]]
        margin = int(game["home_pts"]) - int(game["away_pts"])
        end = dt.datetime.combine(game["game_date"] + dt.timedelta(days=1), dt.time(4, 0), tzinfo=UTC)
        return {
            "meta": meta(f"http://nba.cloud/games/{nba_game_id}/boxscoretraditional?Format=json", end),
            "boxScoreTraditional": {
                "gameId": nba_game_id, "awayTeamId": away.team_id, "homeTeamId": home.team_id,
                "homeTeam": box_team(home, rows[rows["team"] == home.tricode], margin),
                "awayTeam": box_team(away, rows[rows["team"] == away.tricode], -margin),
            },
        }  # fmt: skip

    def play_by_play(self, nba_game_id: str) -> dict:
        """What NBA.com answers for a finished game without play-by-play: 200, no actions."""
        game = self._game(FEED_PBP, nba_game_id)
        end = dt.datetime.combine(game["game_date"] + dt.timedelta(days=1), dt.time(4, 0), tzinfo=UTC)
        return {
            "meta": meta(f"http://nba.cloud/games/{nba_game_id}/playbyplay?Format=json", end),
            "game": {"gameId": nba_game_id, "videoAvailable": 0, "actions": []},
        }

    def known_gaps(self, feed: str, game_date: dt.date) -> dict[str, str]:
        """NBA.com game id -> why ``feed`` has no data for it on ``game_date``: facts of the dataset
        that no re-scrape will change (every game's play-by-play and game lines, and the player
        props of a game no pull priced)."""
        s = self.data.schedule
        games = s[s["game_date"] == calendar.as_date(game_date)]
        if feed == FEED_PBP:
            return dict.fromkeys(games["game_id"], NO_PBP_REASON)
        if feed == FEED_LINES:
            return dict.fromkeys(games["game_id"], NO_LINES_REASON)
        if feed == FEED_PROPS:
            events = _events(self.data, calendar.as_date(game_date))
            priced = set(zip(events["away"], events["home"]))
            return {g.game_id: NO_PROPS_REASON for g in games.itertuples() if (g.away, g.home) not in priced}
        return {}

    # -- The Odds API ------------------------------------------------------------------------------

    def odds_events(self, game_date: dt.date, snapshot: dt.datetime | None) -> dict | list:
        """The date's events (every event of the file tipping off that Eastern date)."""
        events = [self._event(e) for _, e in _events(self.data, calendar.as_date(game_date)).iterrows()]
        return (
            events if snapshot is None else historical_wrapper(snapshot.astimezone(UTC).replace(microsecond=0), events)
        )

    def event_odds(self, event_id: str, markets: list[str], snapshot: dt.datetime | None) -> dict:
        """The event's lines of the latest pull at or before ``snapshot`` (None: before tip-off)."""
        feed = odds_feed(markets)
        table = _event_table(self.data)
        found = table[table["event_id"] == event_id]
        if found.empty or not _EVENT_ID.fullmatch(event_id):
            raise SourceUnavailable(feed, None, 404, f"EVENT_NOT_FOUND: {event_id!r}")
        event = found.iloc[0]
        tip = event["commence_time"].to_pydatetime()
        at = tip if snapshot is None else snapshot.astimezone(UTC).replace(microsecond=0)
        if at > tip:
            raise SourceUnavailable(
                feed, event["game_date"], 404, f"EVENT_NOT_FOUND: event {event_id} started at {iso_z(tip)}"
            )
        body = self._event(event) | {"bookmakers": self._bookmakers(event_id, markets, at)}
        return body if snapshot is None else historical_wrapper(at, body)

    def quota(self) -> dict[str, int | None]:
        """A dataset costs no credits and has no account."""
        return {}

    def _event(self, event: pd.Series) -> dict[str, Any]:
        return {
            "id": event["event_id"],
            "sport_key": "basketball_nba",
            "sport_title": "NBA",
            "commence_time": iso_z(event["commence_time"].to_pydatetime()),
            "home_team": event["home_team"],
            "away_team": event["away_team"],
        }

    def _bookmakers(self, event_id: str, markets: list[str], at: dt.datetime) -> list[dict[str, Any]]:
        pulls = self.data.pulls
        if "player_points" not in markets or pulls.empty:
            return []
        earlier = pulls[pulls["pulled_at"] <= pd.Timestamp(at)]
        if earlier.empty:
            return []
        latest = earlier[earlier["pulled_at"] == earlier["pulled_at"].max()]
        rows = latest[latest["event_id"] == event_id]
        books = []
        for book, lines in rows.groupby("bookmaker", sort=False):
            stamp = iso_z(lines["pulled_at"].iloc[0].to_pydatetime())
            outcomes = [
                {"name": side, "description": r.player, "price": int(price), "point": float(r.line)}
                for r in lines.itertuples()
                for side, price in (("Over", r.over_price), ("Under", r.under_price))
                if pd.notna(price)
            ]
            books.append(
                {
                    "key": book,
                    "title": BOOK_TITLES.get(book, book),
                    "last_update": stamp,
                    "markets": [{"key": "player_points", "last_update": stamp, "outcomes": outcomes}],
                }
            )
        return books


def dataset_source() -> dict[str, Any]:
    """The ``league`` resource on ``NBA_DATASET_DIR`` (default: the vendored 2025-26 stretch)."""
    return {"league": DatasetSource(folder=os.environ.get(DATASET_DIR_ENV) or str(REAL_2025_26))}
