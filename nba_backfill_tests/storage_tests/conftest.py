"""Offline BigQuery and GCS: bqemulator and gcp-storage-emulator run in this process on random
loopback ports, one of each per session (see ../shared/reference/gcp-emulators.md).

The emulators are imported inside the fixtures, so tests that do not use them do not pay for it.
Data lives for the whole session. Each test gets its own dataset prefix and object prefix.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator

import pytest

from nba_backfill_tests.conftest import free_port

PROJECT = "test-project"
BUCKET = "nba-raw-test"


def _patch_bqemulator() -> None:
    """Apply the two server-side fixes that bqemulator 1.4.0 needs offline.

    Both touch private names, which is why bqemulator is pinned.
    """
    from bqemulator.api.routes import upload
    from bqemulator.storage.engine import DuckDBEngine

    # Skip the spatial extension: loading it would download it. GEOGRAPHY is unused here.
    DuckDBEngine._load_spatial = lambda self: None
    # google-cloud-bigquery sends the media part of a load as */*, which the emulator rejects.
    if "*/*" not in upload._PERMITTED_MEDIA_CONTENT_TYPES:
        upload._PERMITTED_MEDIA_CONTENT_TYPES += ("*/*",)


@pytest.fixture(scope="session")
def bigquery_emulator() -> Iterator[str]:
    """The REST endpoint (``http://127.0.0.1:PORT``) of an in-process bqemulator."""
    mp = pytest.MonkeyPatch()
    mp.setenv("BQEMU_ENABLE_FORMAT_EXTENSIONS", "false")  # no download of the avro extension
    _patch_bqemulator()
    from bqemulator.config import Settings
    from bqemulator.server import EmulatorServer

    server = EmulatorServer(
        Settings(
            rest_host="127.0.0.1",
            rest_port=0,
            grpc_host="127.0.0.1",
            grpc_port=0,
            default_project_id=PROJECT,
            log_level="warning",
        )
    )
    # The server is asyncio-based: it runs on a loop of its own in a thread, so tests stay synchronous.
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="bqemulator", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(60)
    try:
        yield server.rest_url
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        mp.undo()


@pytest.fixture(scope="session")
def storage_emulator() -> Iterator[str]:
    """The endpoint of an in-process, in-memory gcp-storage-emulator. ``BUCKET`` already exists."""
    from gcp_storage_emulator.server import create_server

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=BUCKET)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def gcp_env(bigquery_emulator: str, storage_emulator: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment of the gcp target, pointed at the emulators. Returns this test's prefix,
    which isolates its datasets and objects from the other tests'."""
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bigquery_emulator)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", storage_emulator)
    monkeypatch.setenv("NO_GCE_CHECK", "true")  # never probe the GCE metadata server for credentials
    monkeypatch.setenv("GCP_PROJECT", PROJECT)
    monkeypatch.setenv("NBA_RAW_BUCKET", BUCKET)
    monkeypatch.setenv("NBA_RAW_PREFIX", prefix.rstrip("_"))
    monkeypatch.setenv("NBA_BQ_DATASET_PREFIX", prefix)
    monkeypatch.delenv("BQ_LOCATION", raising=False)
    return prefix
