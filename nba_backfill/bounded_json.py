"""The one way a raw payload's JSON is decoded: with bounds on size, nesting and numbers.

Python's ``json`` turns hostile input into crashes that name no file: deep nesting is a
RecursionError, an integer of more than 4,300 digits a bare ValueError (CPython's guard against
quadratic int parsing), and an integer beyond int64 decodes fine only to overflow in pandas far
from the file. Here each is a :class:`~nba_backfill.errors.RawPayloadError` naming the file.

The bounds are checked in one breadth-first pass over the decoded value rather than in decoder
hooks: hooks call Python for every number, which made loading a play-by-play file about four
times slower than ``json.loads``; the pass at most doubles it (``bench/payloads.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from nba_backfill.errors import RawPayloadError

#: The largest payload read: a season's whole scheduleLeagueV2 is ~9 MB, a game's play-by-play ~0.3 MB.
MAX_BYTES = 64 * 1024 * 1024
#: The deepest nesting read: the sources' payloads nest at most 9 levels (the season schedule).
MAX_DEPTH = 32
#: Every number must fit an int64 column (and a float that big is no sports statistic).
MAX_MAGNITUDE = 2**63 - 1


def _out_of_bounds(value: Any) -> str | None:
    """What breaks a bound in decoded JSON, level by level (no recursion to exhaust), or None."""
    level, depth = [value] if isinstance(value, (dict, list)) else [], 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        deeper = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                kind = type(child)
                if kind is dict or kind is list:
                    deeper.append(child)
                # NaN fails both comparisons, infinity one: neither is a JSON number.
                elif (kind is int or kind is float) and not -MAX_MAGNITUDE <= child <= MAX_MAGNITUDE:
                    return f"number {str(child)[:30]} is beyond int64"
        level = deeper
    return None


def load(raw: bytes, path: str, game_date: dt.date | str | None = None) -> Any:
    """``raw`` decoded, or :class:`RawPayloadError` naming ``path`` and saying which bound it broke."""
    if len(raw) > MAX_BYTES:
        raise RawPayloadError(path, game_date, f"{len(raw):,} bytes, more than the {MAX_BYTES:,} read")
    try:
        value = json.loads(raw)
    except RecursionError:
        raise RawPayloadError(path, game_date, f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError, and the 4,300-digit guard
        problem = "an integer beyond int64" if "integer string conversion" in str(err) else f"not valid JSON ({err})"
        raise RawPayloadError(path, game_date, problem) from None
    problem = _out_of_bounds(value)
    if problem is not None:
        raise RawPayloadError(path, game_date, problem)
    return value
