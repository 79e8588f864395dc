"""The shapes of the sources' own ids, in one place: anything read from an API that goes into an
object path or a URL is one of these, checked first.

An id decides where a file lands and which URL a keyed request goes to, so an id of another shape
(``../../x``, ``a/b``, a query string) must be refused before it is used, not cleaned up after.
"""

from __future__ import annotations

import re

#: The Odds API event ids are 32 lowercase hex digits (every recorded payload, and the simulator's).
ODDS_EVENT_ID = re.compile(r"[0-9a-f]{32}")
#: NBA.com game ids are ten ASCII digits, ``00TYYNNNNN`` (reference/external-apis.md).
NBA_GAME_ID = re.compile(r"[0-9]{10}")

#: Enough of a refused value to recognise it; a hostile id may be megabytes long.
SHOWN_CHARS = 60


class InvalidId(ValueError):
    """A value that should be a source's id and is not of its shape."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}…"


def odds_event_id(value: object) -> str:
    """``value`` if it is an Odds API event id, else :class:`InvalidId` naming it."""
    if isinstance(value, str) and ODDS_EVENT_ID.fullmatch(value):
        return value
    raise InvalidId(f"Odds API event id {_shown(value)} is not 32 hex digits")


def nba_game_id(value: object) -> str:
    """``value`` if it is an NBA.com game id, else :class:`InvalidId` naming it."""
    if isinstance(value, str) and NBA_GAME_ID.fullmatch(value):
        return value
    raise InvalidId(f"NBA.com game id {_shown(value)} is not 10 digits")
