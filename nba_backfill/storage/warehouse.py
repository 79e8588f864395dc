"""The warehouse: one table per asset, partitioned by ``game_date``, replaced a partition at a time.

Every write also records, per (table, game_date), how many rows the partition holds in a ledger
table, and a fingerprint of those rows (an order-free hash computed by the warehouse itself). The
ledger is what tells "materialized, zero rows" (an off day) from "never materialized" (a gap), a
difference the data rows alone cannot show; the fingerprint is what tells rows changed outside the
tool (an UPDATE, a DELETE) from the rows the tool wrote, without trusting the tool's bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pyarrow as pa

from nba_backfill.errors import WarehouseError
from nba_backfill.storage.kept import KEPT_LEDGER, KEPT_LEDGER_COLUMNS, KEPT_SCHEMA, empty_kept, kept_table, valid_id

# Arrow's buffers (tables read, frames' string columns) from the C library's allocator, which hands
# freed memory back: pyarrow's default (mimalloc) kept 40-70 MiB of freed frames mapped for the
# process's life, over a season's backfill. Set here, where Arrow enters: every run imports it.
pa.set_memory_pool(pa.system_memory_pool())

LEDGER = "nba_meta.partition_ledger"
LEDGER_COLUMNS = "table_name, game_date, row_count, written_at, fingerprint"


class Warehouse(dg.ConfigurableResource):
    """What the IO managers and checks need from a warehouse, whatever the backend."""

    def where(self) -> str:
        """Where the tables are, as a person would query them."""
        raise NotImplementedError

    def replace_partitions(
        self, table: str, df: pd.DataFrame, dates: Sequence[dt.date], keep_as: str | None = None
    ) -> None:
        """Replace the rows of ``dates`` with ``df`` in one transaction; with ``keep_as``, keep what
        is replaced under that operation id (storage/kept.py), in the same transaction."""
        raise NotImplementedError

    def read(self, table: str, dates: Sequence[dt.date], columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Rows of ``dates`` (all columns, or ``game_date`` plus ``columns``)."""
        raise NotImplementedError

    def record_partitions(self, table: str, counts: Mapping[dt.date, int], keep_as: str | None = None) -> None:
        """Note in the ledger that ``table``'s partitions were written elsewhere (the raw store)."""
        raise NotImplementedError

    def kept(self) -> pd.DataFrame:
        """The kept ledger: (kept_for, table_name, game_date, row_count, written_at, kept_at) per
        partition an operation replaced; row_count is NA where the partition was never written."""
        raise NotImplementedError

    def restore(self, kept_for: str) -> None:
        """Put back, in one transaction, every partition kept for ``kept_for`` (rows and ledger
        entries; a partition never written before is removed), then drop those kept copies."""
        raise NotImplementedError

    def prune_kept(self, kept_for: Sequence[str]) -> None:
        """Drop the kept copies of these operations."""
        raise NotImplementedError

    def present_dates(self, table: str, dates: Sequence[dt.date]) -> set[dt.date]:
        raise NotImplementedError

    def ledger(self) -> pd.DataFrame:
        """Every (table_name, game_date, row_count, written_at, fingerprint) written so far; empty, with those
        columns, before the first write. Any other failure to read it is raised, never taken
        for "nothing written"."""
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        raise NotImplementedError

    def current(self, tables: Sequence[str], dates: Sequence[dt.date] | None = None) -> pd.DataFrame:
        """What ``tables`` hold now, per written partition (of ``dates``; None: every one):
        (table_name, game_date, row_count, fingerprint), computed as a write records them, to
        compare with the ledger. Only the partitions asked about are read and hashed."""
        raise NotImplementedError

    def adopt(self, table: str, dates: Sequence[dt.date]) -> None:
        """Take ``table``'s rows of ``dates`` as they are now (changed outside the tool, and
        re-validated) as written now: the ledger's fingerprint and time, so their readers are stale."""
        raise NotImplementedError

    def concurrent_writers(self) -> bool:
        """Whether several processes may write at once, each to its own tables (all to the ledger)."""
        return False


def never_written(columns: Sequence[str] | None) -> pd.DataFrame:
    """What reading a table that does not exist yet gives: no rows, but a typed ``game_date``
    (and ``columns``), so merges on it still line up."""
    names = dict.fromkeys(["game_date", *(columns or [])])
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "game_date" else object) for c in names})


def empty_ledger() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table_name": pd.Series(dtype=str),
            "game_date": pd.Series(dtype="datetime64[ns]"),
            "row_count": pd.Series(dtype=int),
            "written_at": pd.Series(dtype="datetime64[ns, UTC]"),
            "fingerprint": pd.Series(dtype=object),
        }
    )


def _dates_frame(dates: Sequence[dt.date]) -> pd.DataFrame:
    return pd.DataFrame({"game_date": pd.to_datetime(sorted(set(dates))).date})


def _sql(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    """Run a statement to completion (DuckDB 2 keeps a result open until it is fetched)."""
    return con.execute(sql, list(params)).fetchall()


_ARROW_STRINGS = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow -> pandas with Arrow-backed strings (half the memory of a Python object per cell)
    and ``game_date`` as datetime64, the type every transform works with."""
    df = table.to_pandas(types_mapper=_ARROW_STRINGS.get)
    if "game_date" in df.columns:
        df["game_date"] = pd.to_datetime(df["game_date"])
    return df


def _storage_casts(con: duckdb.DuckDBPyConnection) -> str:
    """``game_date`` as DATE; an untyped column with no value at all as VARCHAR rather than DuckDB's
    NULL type, which no later value could be inserted into. (Table assets hand over frames already
    typed by phases/schemas.py; this keeps the warehouse safe for any other frame.)"""
    casts = ["CAST(game_date AS DATE) AS game_date"]
    for name, kind, *_ in _sql(con, "DESCRIBE incoming_raw"):
        if kind == '"NULL"' or kind == "NULL":
            casts.append(f'CAST("{name}" AS VARCHAR) AS "{name}"')
    return ", ".join(casts)


def _connect_when_free(path: str, timeout: float) -> duckdb.DuckDBPyConnection:
    """Open ``path``, retrying while another process holds its lock (up to ``timeout`` seconds)."""
    deadline, pause = time.monotonic() + timeout, 0.05
    while True:
        try:
            return duckdb.connect(path, config={"memory_limit": "512MB"})
        except duckdb.IOException as err:
            if "lock" not in str(err):
                raise
            if time.monotonic() + pause > deadline:
                raise WarehouseError(
                    f"{path} stayed in use by another process for {timeout:g} s (a run in progress?): {err}"
                ) from err
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


class DuckDBWarehouse(Warehouse):
    """The embedded warehouse: one DuckDB file, schemas named like the BigQuery datasets."""

    path: str
    lock_timeout_seconds: float = 120.0

    def where(self) -> str:
        return f"DuckDB {Path(self.path).resolve()} (schemas nba_raw, nba_analytics, nba_precompute, nba_predictions)"

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[DuckDBWarehouse]:
        """For a Dagster run (or step process): the file held open until it ends.

        DuckDB keeps one open database per file and process: while this connection lives, each
        operation's own connection attaches to it in well under a millisecond instead of opening
        the file again (15-20 ms, about 900 times in a season's backfill). Another process (a
        ``status`` during the run) waits for the run to end rather than for one operation, up to
        ``lock_timeout_seconds``: the command line's runs are chunks of one phase."""
        with self._connect():
            yield self

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # A connection per operation: DuckDB admits one process per file, so outside a run nobody
        # holds the file longer than one read or one partition replacement, and whoever finds it
        # held (`nba-backfill status` during a run, a run during a check) waits its turn.
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = _connect_when_free(self.path, self.lock_timeout_seconds)
        try:
            yield con
        finally:
            con.close()

    @staticmethod
    def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
        schema, name = table.split(".")
        found = _sql(
            con,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        )
        return bool(found[0][0])

    def _ensure_table(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        """Create the table from the incoming frame, or add the columns it has gained."""
        schema = table.split(".")[0]
        _sql(con, f"CREATE SCHEMA IF NOT EXISTS {schema}")
        if not self._table_exists(con, table):
            _sql(con, f"CREATE TABLE {table} AS SELECT * FROM incoming LIMIT 0")
            return
        existing = {r[0] for r in _sql(con, f"DESCRIBE {table}")}
        added = [(name, kind) for name, kind, *_ in _sql(con, "DESCRIBE incoming") if name not in existing]
        if not added:
            return
        # A new column changes every row's hash: partitions that matched their ledger still do.
        _ensure_ledger(con)
        _sql(con, f"CREATE OR REPLACE TEMP TABLE unchanged AS {_unchanged_sql(table)}", [table])
        for name, kind in added:
            _sql(con, f'ALTER TABLE {table} ADD COLUMN "{name}" {kind}')
        _record_fingerprints(con, table, "unchanged")

    def replace_partitions(
        self, table: str, df: pd.DataFrame, dates: Sequence[dt.date], keep_as: str | None = None
    ) -> None:
        """Delete the partitions' rows and insert ``df`` in one transaction (empty ``df`` clears)."""
        with self._connect() as con:
            con.register("incoming_raw", df)
            _sql(con, f"CREATE TEMP VIEW incoming AS SELECT * REPLACE ({_storage_casts(con)}) FROM incoming_raw")
            con.register("dates", _dates_frame(dates))
            _sql(con, "BEGIN TRANSACTION")
            try:
                if keep_as:
                    _keep(con, table, "dates", keep_as)
                self._ensure_table(con, table)
                _sql(con, f"DELETE FROM {table} WHERE game_date IN (SELECT game_date FROM dates)")
                _sql(con, f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
                counts = con.sql(
                    "SELECT d.game_date, count(i.game_date) AS row_count "
                    "FROM dates d LEFT JOIN incoming i ON i.game_date = d.game_date GROUP BY d.game_date"
                ).df()
                self._write_ledger(con, table, counts)
                _record_fingerprints(con, table, "dates")
                _sql(con, "COMMIT")
            except Exception:
                _sql(con, "ROLLBACK")
                raise

    def record_partitions(self, table: str, counts: Mapping[dt.date, int], keep_as: str | None = None) -> None:
        frame = pd.DataFrame({"game_date": pd.to_datetime(list(counts)).date, "row_count": list(counts.values())})
        with self._connect() as con:
            con.register("counts", frame)
            _sql(con, "BEGIN TRANSACTION")
            try:
                if keep_as:
                    _keep(con, table, "counts", keep_as)
                self._write_ledger(con, table, frame)
                _sql(con, "COMMIT")
            except Exception:
                _sql(con, "ROLLBACK")
                raise

    @staticmethod
    def _write_ledger(con: duckdb.DuckDBPyConnection, table: str, counts: pd.DataFrame) -> None:
        """Upsert (table, game_date) -> row_count, written now; inside the caller's transaction."""
        _ensure_ledger(con)
        con.register("counts", counts)
        _sql(con, f"DELETE FROM {LEDGER} WHERE table_name = ? AND game_date IN (SELECT game_date FROM counts)", [table])
        _sql(
            con,
            f"INSERT INTO {LEDGER} (table_name, game_date, row_count, written_at) "
            "SELECT ?, game_date, row_count, now() FROM counts",
            [table],
        )

    def read(self, table: str, dates: Sequence[dt.date], columns: Sequence[str] | None = None) -> pd.DataFrame:
        selected = ", ".join(f'"{c}"' for c in dict.fromkeys(["game_date", *columns])) if columns else "*"
        with self._connect() as con:
            if not self._table_exists(con, table):
                return never_written(columns)
            con.register("dates", _dates_frame(dates))
            return to_pandas(
                con.sql(
                    f"SELECT {selected} FROM {table} WHERE game_date IN (SELECT game_date FROM dates) ORDER BY game_date"
                ).to_arrow_table()
            )

    def present_dates(self, table: str, dates: Sequence[dt.date]) -> set[dt.date]:
        with self._connect() as con:
            if not self._table_exists(con, LEDGER):
                return set()
            con.register("dates", _dates_frame(dates))
            rows = con.execute(
                f"SELECT game_date FROM {LEDGER} WHERE table_name = ? AND game_date IN (SELECT game_date FROM dates)",
                [table],
            ).fetchall()
        return {r[0] for r in rows}

    def ledger(self) -> pd.DataFrame:
        with self._connect() as con:
            if not self._table_exists(con, LEDGER):
                return empty_ledger()
            _ensure_ledger(con)  # a ledger from before fingerprints gains the column (NULL: unknown)
            return to_pandas(con.sql(f"SELECT {LEDGER_COLUMNS} FROM {LEDGER}").to_arrow_table())

    def query(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        with self._connect() as con:
            return to_pandas(con.sql(sql, params=list(params) or None).to_arrow_table())

    def current(self, tables: Sequence[str], dates: Sequence[dt.date] | None = None) -> pd.DataFrame:
        with self._connect() as con:
            present = [t for t in tables if self._table_exists(con, t)]
            if not present:
                return pd.DataFrame(columns=["table_name", "game_date", "row_count", "fingerprint"])
            if dates is not None:
                con.register("dates", _dates_frame(dates))
            within = "dates" if dates is not None else None
            union = " UNION ALL ".join(
                f"SELECT '{t}' AS table_name, * FROM ({_fingerprint_sql(t, within)})" for t in present
            )
            return to_pandas(con.sql(union).to_arrow_table())

    def adopt(self, table: str, dates: Sequence[dt.date]) -> None:
        with self._connect() as con:
            con.register("dates", _dates_frame(dates))
            _sql(con, "BEGIN TRANSACTION")
            try:
                _record_fingerprints(con, table, "dates")
                _sql(
                    con,
                    f"UPDATE {LEDGER} SET written_at = now() WHERE table_name = ? "
                    "AND game_date IN (SELECT game_date FROM dates)",
                    [table],
                )
                _sql(con, "COMMIT")
            except Exception:
                _sql(con, "ROLLBACK")
                raise

    def kept(self) -> pd.DataFrame:
        with self._connect() as con:
            if not self._table_exists(con, KEPT_LEDGER):
                return empty_kept()
            frame = to_pandas(con.sql(f"SELECT {KEPT_LEDGER_COLUMNS} FROM {KEPT_LEDGER}").to_arrow_table())
        return frame.astype({"row_count": "Int64"})

    def restore(self, kept_for: str) -> None:
        with self._connect() as con:
            _sql(con, "BEGIN TRANSACTION")
            try:
                kept = (
                    _sql(con, f"SELECT DISTINCT table_name FROM {KEPT_LEDGER} WHERE kept_for = ?", [kept_for])
                    if self._table_exists(con, KEPT_LEDGER)
                    else []
                )
                for (table,) in kept:
                    self._restore_table(con, table, kept_for)
                _sql(con, f"DELETE FROM {KEPT_LEDGER} WHERE kept_for = ?", [kept_for])
                _sql(con, "COMMIT")
            except Exception:
                _sql(con, "ROLLBACK")
                raise

    def _restore_table(self, con: duckdb.DuckDBPyConnection, table: str, kept_for: str) -> None:
        """One table's kept partitions back in place (rows, then ledger); in the caller's transaction."""
        mine = f"(SELECT game_date FROM {KEPT_LEDGER} WHERE kept_for = ? AND table_name = ?)"
        if self._table_exists(con, table):
            _sql(con, f"DELETE FROM {table} WHERE game_date IN {mine}", [kept_for, table])
        if self._table_exists(con, kept_table(table)):
            _sql(
                con,
                f"INSERT INTO {table} BY NAME SELECT * EXCLUDE (kept_for) FROM {kept_table(table)} WHERE kept_for = ?",
                [kept_for],
            )
            _sql(con, f"DELETE FROM {kept_table(table)} WHERE kept_for = ?", [kept_for])
        _sql(con, f"DELETE FROM {LEDGER} WHERE table_name = ? AND game_date IN {mine}", [table, kept_for, table])
        _sql(
            con,
            f"INSERT INTO {LEDGER} (table_name, game_date, row_count, written_at) "
            f"SELECT table_name, game_date, row_count, written_at FROM {KEPT_LEDGER} "
            "WHERE kept_for = ? AND table_name = ? AND row_count IS NOT NULL",
            [kept_for, table],
        )
        if self._table_exists(con, table):  # the rows put back are the tool's: their fingerprints
            _sql(con, f"CREATE OR REPLACE TEMP TABLE restored AS SELECT game_date FROM {mine}", [kept_for, table])
            _record_fingerprints(con, table, "restored")

    def prune_kept(self, kept_for: Sequence[str]) -> None:
        with self._connect() as con:
            if not self._table_exists(con, KEPT_LEDGER):
                return
            con.register("pruned", pd.DataFrame({"kept_for": pd.Series(list(kept_for), dtype=str)}))
            tables = _sql(con, "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [KEPT_SCHEMA])
            _sql(con, "BEGIN TRANSACTION")
            try:
                for (name,) in tables:  # the kept ledger among them: every table there has kept_for
                    _sql(con, f'DELETE FROM {KEPT_SCHEMA}."{name}" WHERE kept_for IN (SELECT kept_for FROM pruned)')
                _sql(con, "COMMIT")
            except Exception:
                _sql(con, "ROLLBACK")
                raise


def _ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    _sql(con, "CREATE SCHEMA IF NOT EXISTS nba_meta")
    _sql(
        con,
        f"CREATE TABLE IF NOT EXISTS {LEDGER} "
        "(table_name VARCHAR, game_date DATE, row_count BIGINT, written_at TIMESTAMPTZ, fingerprint VARCHAR)",
    )
    _sql(con, f"ALTER TABLE {LEDGER} ADD COLUMN IF NOT EXISTS fingerprint VARCHAR")  # a ledger from before


def _fingerprint_sql(table: str, dates: str | None = None) -> str:
    """Per partition of ``table`` (of the dates in relation ``dates``): rows and an order-free
    hash of them (XOR of the rows' hashes), as text so both warehouses store it alike."""
    where = f"WHERE game_date IN (SELECT game_date FROM {dates}) " if dates else ""
    return (
        "SELECT game_date, count(*) AS row_count, CAST(bit_xor(hash(t)) AS VARCHAR) AS fingerprint "
        f"FROM {table} t {where}GROUP BY game_date"
    )


def _unchanged_sql(table: str) -> str:
    """The dates of ``table`` whose rows still match their ledger fingerprint (one parameter: the table)."""
    return (
        f"SELECT f.game_date FROM ({_fingerprint_sql(table)}) f JOIN {LEDGER} l "
        "ON l.table_name = ? AND l.game_date = f.game_date AND l.fingerprint = f.fingerprint"
    )


def _record_fingerprints(con: duckdb.DuckDBPyConnection, table: str, dates: str) -> None:
    """The ledger's fingerprints of ``table`` on the dates in relation ``dates``, from the rows now
    there (an empty partition has none: nothing to change)."""
    _sql(
        con,
        f"UPDATE {LEDGER} l SET fingerprint = f.fingerprint FROM ({_fingerprint_sql(table, dates)}) f "
        "WHERE l.table_name = ? AND l.game_date = f.game_date",
        [table],
    )


def _keep(con: duckdb.DuckDBPyConnection, table: str, dates: str, keep_as: str) -> None:
    """Keep ``table``'s partitions of the dates in relation ``dates`` as they are, under ``keep_as``,
    unless this operation kept them already (then those copies are the state before it)."""
    valid_id(keep_as)
    _ensure_ledger(con)
    _sql(con, f"CREATE SCHEMA IF NOT EXISTS {KEPT_SCHEMA}")
    _sql(
        con,
        f"CREATE TABLE IF NOT EXISTS {KEPT_LEDGER} (kept_for VARCHAR, table_name VARCHAR, game_date DATE, "
        "row_count BIGINT, written_at TIMESTAMPTZ, kept_at TIMESTAMPTZ)",
    )
    _sql(
        con,
        f"CREATE OR REPLACE TEMP TABLE keeping AS SELECT DISTINCT CAST(d.game_date AS DATE) AS game_date "
        f"FROM {dates} d WHERE CAST(d.game_date AS DATE) NOT IN "
        f"(SELECT game_date FROM {KEPT_LEDGER} WHERE kept_for = ? AND table_name = ?)",
        [keep_as, table],
    )
    _sql(
        con,
        f"INSERT INTO {KEPT_LEDGER} SELECT ?, ?, k.game_date, l.row_count, l.written_at, now() FROM keeping k "
        f"LEFT JOIN {LEDGER} l ON l.table_name = ? AND l.game_date = k.game_date",
        [keep_as, table, table],
    )
    if not DuckDBWarehouse._table_exists(con, table):
        return
    kept = kept_table(table)
    _sql(con, f"CREATE TABLE IF NOT EXISTS {kept} AS SELECT CAST(NULL AS VARCHAR) AS kept_for, * FROM {table} LIMIT 0")
    present = {r[0] for r in _sql(con, f"DESCRIBE {kept}")}
    for name, kind, *_ in _sql(con, f"DESCRIBE {table}"):
        if name not in present:  # a column the table gained since it was first kept
            _sql(con, f'ALTER TABLE {kept} ADD COLUMN "{name}" {kind}')
    _sql(
        con,
        f"INSERT INTO {kept} BY NAME SELECT ? AS kept_for, * FROM {table} "
        "WHERE game_date IN (SELECT game_date FROM keeping)",
        [keep_as],
    )
