"""Project-specific test helpers. The fixtures every test uses (an isolated home and instance, a
league with planted faults, a backfilled range) come from the package's own pytest plugin,
``nba_backfill/testing/plugin.py``, as any project that installs nba_backfill gets them; ``home``,
``instance`` and ``platform`` are this suite's short names for them."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

#: Recorded real API responses, carried by the repository (provenance and licences: MANIFEST.md there).
REAL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"


def free_port() -> int:
    """A port nothing listens on (for a local server, or a client that must find none)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def home(nba_home: Path) -> Path:
    return nba_home


@pytest.fixture
def instance(nba_instance):
    return nba_instance


@pytest.fixture
def platform(nba_platform) -> dict:
    """The resources of the test's platform (embedded storage in ``home``, the ``nba_league``)."""
    return nba_platform.resources
