"""A throw-away PostgreSQL server from Debian's packages, for the production instance's tests.

It runs from a temporary folder on a free loopback port and is removed afterwards. ``initdb`` and
``postgres`` refuse to run as root, so under root (CI) they run as the ``postgres`` user, which
owns the folder (see ../shared/reference/postgres-measured.md).
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy
import yaml

from nba_backfill_tests.conftest import free_port

USER = DATABASE = "dagster"
START_SECONDS = 60


def binaries() -> Path | None:
    """The newest installed server's bin folder (``apt-get install postgresql``), if any."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)],
    )
    return found[-1].parent if found else None


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def postgres_server() -> Iterator[dict[str, str]]:
    """Start a server; yield the ``DAGSTER_PG_*`` variables deploy/dagster.yaml reads to reach it."""
    bin_dir = binaries()
    if bin_dir is None:
        if os.environ.get("CI"):  # .ci/run installs it: there, absence fails
            pytest.fail("PostgreSQL is not installed (apt-get install postgresql)")
        pytest.skip("the production instance's tests need PostgreSQL (apt-get install postgresql)")
    port = free_port()
    # Not under pytest's tmp_path: its parents are root's alone, and the server user must enter.
    root = Path(tempfile.mkdtemp(prefix="nba-backfill-pg-"))
    data, log = root / "data", root / "server.log"
    # A real password over TCP (not trust), so the instance's DAGSTER_PG_PASSWORD is what lets it in.
    password = secrets.token_hex(16)
    (root / "password").write_text(password)
    if os.geteuid() == 0:
        for path in (root, root / "password"):
            shutil.chown(path, pwd.getpwnam("postgres").pw_uid, pwd.getpwnam("postgres").pw_gid)

    def run(*argv: str) -> None:
        try:
            subprocess.run(
                _as_server_user([str(bin_dir / argv[0]), *argv[1:]]),
                check=True,
                capture_output=True,
                text=True,
                timeout=START_SECONDS,
                env=os.environ | {"PGPASSWORD": password},
            )
        except subprocess.CalledProcessError as err:
            pytest.fail(f"PostgreSQL: {' '.join(err.cmd)} failed: {err.stderr.strip()[-2000:]}")

    try:
        run(
            "initdb",
            "-D",
            str(data),
            "-U",
            USER,
            f"--pwfile={root / 'password'}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
        )
        run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            str(START_SECONDS),
            "start",
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200",
        )
        try:
            run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE)
            yield {
                "DAGSTER_PG_HOST": "127.0.0.1",
                "DAGSTER_PG_PORT": str(port),
                "DAGSTER_PG_DB": DATABASE,
                "DAGSTER_PG_USERNAME": USER,
                "DAGSTER_PG_PASSWORD": password,
            }
        finally:
            run("pg_ctl", "-D", str(data), "-m", "fast", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def create_database(server: dict[str, str], name: str) -> None:
    """Another database on the server ``postgres_server`` yielded (its variables ``server``)."""
    url = sqlalchemy.URL.create(
        "postgresql+psycopg2",
        username=server["DAGSTER_PG_USERNAME"],
        password=server["DAGSTER_PG_PASSWORD"],
        host=server["DAGSTER_PG_HOST"],
        port=int(server["DAGSTER_PG_PORT"]),
        database=server["DAGSTER_PG_DB"],
    )
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


#: The production instance as deployed (its Postgres from the DAGSTER_PG_* variables).
INSTANCE_YAML = Path(__file__).resolve().parents[2] / "deploy" / "dagster.yaml"


def plain_instance_yaml(db_name: str) -> str:
    """deploy/dagster.yaml's server through Dagster's own Postgres storages, in database ``db_name``:
    what the platform's bulk event log is compared with."""
    deployed = yaml.safe_load(INSTANCE_YAML.read_text())
    postgres_db = deployed["event_log_storage"]["config"]["postgres_db"] | {"db_name": db_name}
    return yaml.safe_dump({"storage": {"postgres": {"postgres_db": postgres_db}}, "telemetry": {"enabled": False}})
