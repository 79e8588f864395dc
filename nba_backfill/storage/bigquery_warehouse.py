"""The warehouse on BigQuery: DuckDBWarehouse's contract (see warehouse.py) on BigQuery datasets.

Replacing partitions: the frame is loaded into a staging table and the ledger rows into another,
then ONE multi-statement transaction deletes the dates' rows, inserts the staged rows and upserts
the ledger. If any step fails the transaction rolls back and the previous rows and ledger entries
stay. Dates always travel as DATE values (a staged DATE column or a DATE query parameter), never
as string literals, which real BigQuery refuses to compare with a DATE column.

Tables are named ``dataset.table`` as in DuckDB. ``dataset_prefix`` maps each dataset to
``{prefix}{dataset}`` so that CI runs and branch deployments write to datasets of their own.

bqemulator 1.4.0 differs from BigQuery in ways this module works around, running the same code on both:
- It does not bind query parameters inside multi-statement scripts ("Values were not provided for
  the following parameters"). So the transaction reads its dates from the staged ledger rows.
- Its table metadata (``get_table``, ``INFORMATION_SCHEMA``) misses columns added by ALTER TABLE.
  Columns are added with ``ADD COLUMN IF NOT EXISTS``, so adding one again there is harmless.
- ``query_and_wait`` returns a failed query as an empty result. So every query goes through
  ``query().result()``.
- It cannot serve query results over the Storage Read API. So results are paged over REST
  (``create_bqstorage_client=False``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import numbers
import os
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from google.api_core.client_options import ClientOptions
from google.api_core.exceptions import GoogleAPICallError, NotFound
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from pydantic import PrivateAttr

from nba_backfill.errors import WarehouseError
from nba_backfill.naming import SCRAPED
from nba_backfill.storage.bigquery_kept import (
    KEPT_LEDGER_SCHEMA,
    forget_statement,
    keep_statements,
    kept_dates,
    restore_statements,
    transaction,
)
from nba_backfill.storage.kept import KEPT_LEDGER, KEPT_LEDGER_COLUMNS, KEPT_SCHEMA, empty_kept, kept_table
from nba_backfill.storage.warehouse import LEDGER, LEDGER_COLUMNS, Warehouse, empty_ledger, never_written, to_pandas

#: Every dataset the platform names. A dataset is created when the first table in it is written.
#: ``scraped`` has no tables, so it is never created: its names appear only as ledger values
#: (``scraped.<asset>``).
DATASETS = ("nba_raw", "nba_analytics", "nba_precompute", "nba_predictions", "nba_meta", KEPT_SCHEMA, SCRAPED)

_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*")
# A dataset reference in SQL, outside quoted strings: a literal such as 'nba_raw.nbac_schedule' is
# a ledger value and must not be renamed.
_SQL_DATASET = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\b(""" + "|".join(DATASETS) + r""")\.""")
_PREFIX = re.compile(r"[A-Za-z0-9_]*")

_LEDGER_SCHEMA = [
    bigquery.SchemaField("table_name", "STRING"),
    bigquery.SchemaField("game_date", "DATE"),
    bigquery.SchemaField("row_count", "INT64"),
    bigquery.SchemaField("written_at", "TIMESTAMP"),
    bigquery.SchemaField("fingerprint", "STRING"),
]
#: Result schemas use the legacy names for some types.
_STANDARD_TYPES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}
#: Staging tables are dropped after use; the expiry cleans up after a process that died first.
_STAGING_TTL = dt.timedelta(hours=6)
_DML_ATTEMPTS = 4

_Parameter = bigquery.ScalarQueryParameter | bigquery.ArrayQueryParameter


class BigQueryWarehouse(Warehouse):
    """One BigQuery table per asset, partitioned by ``game_date``, plus ``nba_meta.partition_ledger``.

    Jobs use ambient Google credentials. If ``BIGQUERY_EMULATOR_HOST`` (``http://host:port``) is
    set, they go to that emulator instead, with no credentials.
    """

    project: str
    location: str | None = None
    dataset_prefix: str = ""

    _client: bigquery.Client | None = PrivateAttr(default=None)
    # Datasets and the ledger known to exist. They are checked once per resource instance, not on every write.
    _ready: set[str] = PrivateAttr(default_factory=set)

    # -- the Warehouse contract ---------------------------------------------------------------

    def concurrent_writers(self) -> bool:
        return True  # a job per write; concurrent ledger upserts are retried (_run_dml)

    def where(self) -> str:
        return f"BigQuery project {self.project}, datasets {self.dataset_prefix}nba_raw .. {self.dataset_prefix}nba_predictions"

    def replace_partitions(
        self, table: str, df: pd.DataFrame, dates: Sequence[dt.date], keep_as: str | None = None
    ) -> None:
        """Replace the rows of ``dates`` with ``df`` in one transaction. An empty ``df`` clears them.
        With ``keep_as``, what is replaced is kept in the same transaction (storage/kept.py)."""
        rows = _storage_table(table, df)
        counts = _row_counts(df, dates)
        with _naming(table, dates, "replacing partitions"):
            with (
                self._staged(table, rows) as staged_rows,
                self._staged(LEDGER, _ledger_rows(table, counts)) as staged_ledger,
            ):
                schema = _schema(table, rows)
                types = self._ensure_table(table, schema)
                self._ensure_ledger()
                keep = self._keep(keep_as, table, types, staged_ledger) if keep_as else []
                self._run_dml(self._replace_script(table, schema, types, staged_rows, staged_ledger, keep))

    def read(self, table: str, dates: Sequence[dt.date], columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Rows of ``dates`` (all columns, or ``game_date`` plus ``columns``), ordered by date."""
        selected = ", ".join(f"`{c}`" for c in dict.fromkeys(["game_date", *columns])) if columns else "*"
        sql = f"SELECT {selected} FROM {self._physical(table)} WHERE game_date IN UNNEST(@dates) ORDER BY game_date"
        with _naming(table, dates, "reading"):
            try:
                rows = self._run(sql, [_dates_parameter(dates)]).to_arrow(create_bqstorage_client=False)
            except NotFound:
                return never_written(columns)
        return to_pandas(rows)

    def record_partitions(self, table: str, counts: Mapping[dt.date, int], keep_as: str | None = None) -> None:
        with _naming(table, list(counts), "recording partitions"):
            with self._staged(LEDGER, _ledger_rows(table, counts)) as staged_ledger:
                self._ensure_ledger()
                merge = _ledger_merge(self._physical(LEDGER), staged_ledger)
                keep = self._keep(keep_as, table, None, staged_ledger) if keep_as else []
                self._run_dml(transaction([*keep, merge]) if keep else merge)

    def present_dates(self, table: str, dates: Sequence[dt.date]) -> set[dt.date]:
        sql = (
            f"SELECT DISTINCT game_date FROM {self._physical(LEDGER)} "
            "WHERE table_name = @table AND game_date IN UNNEST(@dates)"
        )
        params = [bigquery.ScalarQueryParameter("table", "STRING", table), _dates_parameter(dates)]
        with _naming(table, dates, "reading the ledger"):
            try:
                rows = self._run(sql, params).to_arrow(create_bqstorage_client=False)
            except NotFound:  # no ledger yet: nothing was ever written
                return set()
        return set(rows.column("game_date").to_pylist())

    def ledger(self) -> pd.DataFrame:
        with _naming(LEDGER, [], "reading the ledger"):
            try:  # every column: a ledger from before fingerprints has none (read as NULL: unknown)
                rows = self._run(f"SELECT * FROM {self._physical(LEDGER)}")
            except NotFound:  # no ledger yet: nothing was ever written
                return empty_ledger()
        return to_pandas(rows.to_arrow(create_bqstorage_client=False)).reindex(columns=LEDGER_COLUMNS.split(", "))

    def kept(self) -> pd.DataFrame:
        with _naming(KEPT_LEDGER, [], "reading the kept copies"):
            try:
                rows = self._run(f"SELECT {KEPT_LEDGER_COLUMNS} FROM {self._physical(KEPT_LEDGER)}")
            except NotFound:  # nothing was ever replaced
                return empty_kept()
        return to_pandas(rows.to_arrow(create_bqstorage_client=False)).astype({"row_count": "Int64"})

    def restore(self, kept_for: str) -> None:
        """One transaction over every table the operation replaced partitions of."""
        kept = self.kept()
        tables = sorted(set(kept.loc[kept["kept_for"] == kept_for, "table_name"]))
        statements = []
        with _naming(KEPT_LEDGER, [], f"restoring what {kept_for} replaced"):
            for table in tables:
                types = self._column_types(table)  # None: a table of the raw store's (ledger only)
                kept_types = self._column_types(kept_table(table)) if types is not None else None
                statements += restore_statements(
                    kept_for,
                    table,
                    self._physical(table) if types is not None else None,
                    self._physical(kept_table(table)) if kept_types else None,
                    kept_types or {},
                    self._physical(LEDGER),
                    self._physical(KEPT_LEDGER),
                )
                if types is not None:  # the rows put back are the tool's: their fingerprints too
                    mine = kept_dates(self._physical(KEPT_LEDGER), kept_for, table)
                    statements.append(_fingerprint_update(self._physical(LEDGER), table, self._physical(table), mine))
            self._run_dml(transaction([*statements, forget_statement([kept_for], self._physical(KEPT_LEDGER))]))

    def prune_kept(self, kept_for: Sequence[str]) -> None:
        if not kept_for:
            return
        dataset = self._physical(KEPT_LEDGER).split(".")[0]
        with _naming(KEPT_LEDGER, [], "pruning kept copies"):
            try:
                tables = [f"{dataset}.{t.table_id}" for t in self._bq().list_tables(dataset)]
            except NotFound:
                return
            self._run_dml(transaction([forget_statement(kept_for, t) for t in tables]))

    def query(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        """Run ``sql`` the way DuckDBWarehouse.query does. Tables are named ``dataset.table``,
        which maps to the prefixed datasets. Each ``?`` is a positional parameter, with its type
        taken from the Python value (a ``datetime.date`` becomes a DATE)."""
        rows = self._run(self._physical_sql(sql), [_positional(value) for value in params])
        return to_pandas(rows.to_arrow(create_bqstorage_client=False))

    def current(self, tables: Sequence[str], dates: Sequence[dt.date] | None = None) -> pd.DataFrame:
        frames = []
        within = "(SELECT d AS game_date FROM UNNEST(@dates) AS d)" if dates is not None else None
        params = [_dates_parameter(dates)] if dates is not None else []
        for table in tables:
            try:
                rows = self._run(f"SELECT * FROM ({_fingerprint_sql(self._physical(table), within)})", params)
            except NotFound:  # never written
                continue
            frames.append(to_pandas(rows.to_arrow(create_bqstorage_client=False)).assign(table_name=table))
        columns = ["table_name", "game_date", "row_count", "fingerprint"]
        return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)

    def adopt(self, table: str, dates: Sequence[dt.date]) -> None:
        ledger, counts = self._physical(LEDGER), dict.fromkeys(_as_dates(dates), 0)
        with _naming(table, dates, "adopting changed partitions"):
            with self._staged(LEDGER, _ledger_rows(table, counts)) as staged_ledger:
                touch = (
                    f"UPDATE {ledger} SET written_at = CURRENT_TIMESTAMP(), fingerprint = NULL "
                    f"WHERE table_name = '{table}' AND game_date IN (SELECT game_date FROM {staged_ledger})"
                )
                update = _fingerprint_update(ledger, table, self._physical(table), staged_ledger)
                self._run_dml(transaction([touch, update]))

    # -- names ------------------------------------------------------------------------------

    def _physical(self, table: str) -> str:
        """``dataset.table`` as it exists in BigQuery (dataset prefixed)."""
        if not _TABLE.fullmatch(table):
            raise ValueError(f"{table!r}: expected a table name of the form dataset.table")
        if not _PREFIX.fullmatch(self.dataset_prefix):
            raise ValueError(f"dataset_prefix {self.dataset_prefix!r}: only letters, digits and _ are allowed")
        return self.dataset_prefix + table

    def _physical_sql(self, sql: str) -> str:
        def rename(match: re.Match[str]) -> str:
            return self.dataset_prefix + match.group(0) if match.group(1) else match.group(0)

        return _SQL_DATASET.sub(rename, sql) if self.dataset_prefix else sql

    # -- jobs -------------------------------------------------------------------------------

    def _bq(self) -> bigquery.Client:
        if self._client is None:
            self._client = _client(self.project, self.location)
        return self._client

    def _run(self, sql: str, params: Sequence[_Parameter] = ()) -> bigquery.table.RowIterator:
        """Run one query or script to completion; a failure raises (on the emulator too, unlike
        ``query_and_wait``)."""
        job_config = bigquery.QueryJobConfig(query_parameters=list(params))
        return self._bq().query(sql, job_config=job_config).result()

    def _run_dml(self, sql: str) -> None:
        """Run DML and retry it if BigQuery aborts it for a concurrent update. That happens when
        two assets of a multiprocess run upsert the ledger at once. The statements only read
        staged tables, so running them again is safe."""
        for attempt in range(_DML_ATTEMPTS):
            try:
                self._run(sql)
                return
            except GoogleAPICallError as err:
                if attempt == _DML_ATTEMPTS - 1 or not _is_concurrent_update(err):
                    raise
                time.sleep(2**attempt)

    # -- tables -----------------------------------------------------------------------------

    def _ensure_dataset(self, dataset: str) -> None:
        if dataset not in self._ready:
            self._bq().create_dataset(bigquery.Dataset(f"{self.project}.{dataset}"), exists_ok=True)
            self._ready.add(dataset)

    def _ensure_ledger(self) -> None:
        if LEDGER not in self._ready:
            self._create_partitioned(LEDGER, _LEDGER_SCHEMA, clustering=["table_name"])
            # A ledger from before fingerprints were recorded gains the column (NULL: unknown).
            self._run(f"ALTER TABLE {self._physical(LEDGER)} ADD COLUMN IF NOT EXISTS fingerprint STRING")
            self._ready.add(LEDGER)

    def _keep(self, keep_as: str, table: str, types: Mapping[str, str] | None, staged_ledger: str) -> list[str]:
        """The statements that keep what a write to ``table`` (None ``types``: not a table, the
        ledger entry only) replaces; the tables they write are created here, outside the transaction."""
        if KEPT_LEDGER not in self._ready:
            self._create_partitioned(KEPT_LEDGER, KEPT_LEDGER_SCHEMA, clustering=["kept_for"])
            self._ready.add(KEPT_LEDGER)
        kept_rows = None
        if types is not None:
            kept_rows = kept_table(table)
            self._ensure_table(
                kept_rows,
                [
                    bigquery.SchemaField("kept_for", "STRING"),
                    *(bigquery.SchemaField(name, kind) for name, kind in types.items()),
                ],
            )
        return keep_statements(
            keep_as,
            table,
            self._physical(table) if types is not None else None,
            self._physical(kept_rows) if kept_rows else None,
            types or {},
            self._physical(LEDGER),
            self._physical(KEPT_LEDGER),
            staged_ledger,
        )

    def _create_partitioned(
        self, table: str, schema: list[bigquery.SchemaField], clustering: list[str] | None = None
    ) -> None:
        """Create the table with its partitioning. Rows only ever arrive by INSERT, never by a load
        job that could create the table unpartitioned."""
        physical = self._physical(table)
        self._ensure_dataset(physical.split(".")[0])
        created = bigquery.Table(f"{self.project}.{physical}", schema=schema)
        created.time_partitioning = bigquery.TimePartitioning(
            type_=bigquery.TimePartitioningType.DAY, field="game_date"
        )
        created.clustering_fields = clustering
        self._bq().create_table(created, exists_ok=True)

    def _column_types(self, table: str) -> dict[str, str] | None:
        """Column -> BigQuery type, or None if the table does not exist yet."""
        try:
            schema = self._bq().get_table(self._physical(table)).schema
        except NotFound:
            return None
        return {f.name: _STANDARD_TYPES.get(f.field_type, f.field_type) for f in schema}

    def _ensure_table(self, table: str, schema: list[bigquery.SchemaField]) -> dict[str, str]:
        """Create the table from the incoming schema, or add the columns the frame has gained.
        Returns the column types. This is DDL, which BigQuery does not allow in the transaction.
        A column added just before a failed write stays, empty. IF NOT EXISTS: another writer
        may have added the column since it was looked up."""
        existing = self._column_types(table)
        if existing is None:
            self._create_partitioned(table, schema)
            return {f.name: f.field_type for f in schema}
        for field in schema:
            if field.name not in existing:
                column = f"`{field.name}` {field.field_type}"
                self._run(f"ALTER TABLE {self._physical(table)} ADD COLUMN IF NOT EXISTS {column}")
                existing[field.name] = field.field_type
        return existing

    @contextlib.contextmanager
    def _staged(self, table: str, rows: pa.Table) -> Iterator[str]:
        """Yield a short-lived table beside ``table`` holding ``rows``."""
        dataset, name = self._physical(table).split(".")
        self._ensure_dataset(dataset)
        staging = f"{dataset}.staging_{name}_{uuid.uuid4().hex[:12]}"
        created = bigquery.Table(f"{self.project}.{staging}", schema=_schema(table, rows))
        created.expires = dt.datetime.now(dt.timezone.utc) + _STAGING_TTL
        self._bq().create_table(created)
        try:
            job_config = bigquery.LoadJobConfig(
                source_format=bigquery.SourceFormat.PARQUET, write_disposition=bigquery.WriteDisposition.WRITE_APPEND
            )
            self._bq().load_table_from_file(_parquet(rows), staging, job_config=job_config).result()
            yield staging
        finally:
            with contextlib.suppress(GoogleAPICallError):  # it expires anyway; keep the original error
                self._bq().delete_table(staging, not_found_ok=True)

    def _replace_script(
        self,
        table: str,
        schema: list[bigquery.SchemaField],
        types: Mapping[str, str],
        staged_rows: str,
        staged_ledger: str,
        keep: list[str],
    ) -> str:
        target = self._physical(table)
        columns = ", ".join(f"`{f.name}`" for f in schema)
        values = ", ".join(_as_column_type(f, types[f.name]) for f in schema)
        return transaction(
            [
                *keep,
                f"DELETE FROM {target} WHERE game_date IN (SELECT game_date FROM {staged_ledger})",
                f"INSERT INTO {target} ({columns}) SELECT {values} FROM {staged_rows}",
                _ledger_merge(self._physical(LEDGER), staged_ledger),
                _fingerprint_update(self._physical(LEDGER), table, target, staged_ledger),
            ]
        )


# -- helpers --------------------------------------------------------------------------------


def _client(project: str, location: str | None) -> bigquery.Client:
    endpoint = os.environ.get("BIGQUERY_EMULATOR_HOST")
    if not endpoint:
        return bigquery.Client(project=project, location=location)
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"BIGQUERY_EMULATOR_HOST={endpoint!r}: include the scheme, e.g. http://{endpoint}")
    # The client would take the endpoint from the variable but would still look for credentials.
    return bigquery.Client(
        project=project,
        location=location,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=endpoint),
    )


@contextlib.contextmanager
def _naming(table: str, dates: Sequence[dt.date], action: str) -> Iterator[None]:
    """Re-raise BigQuery errors with the table and dates they concern."""
    try:
        yield
    except GoogleAPICallError as err:
        raise WarehouseError(f"{table} {_span(dates)}: {action} failed: {err.message}") from err


def _span(dates: Sequence[dt.date]) -> str:
    days = _as_dates(dates)
    if len(days) <= 1:
        return str(days[0]) if days else "(no dates)"
    return f"{days[0]}..{days[-1]} ({len(days)} dates)"


def _as_dates(dates: Sequence[dt.date]) -> list[dt.date]:
    """Sorted distinct dates. Timestamps count as their day, as in DuckDBWarehouse."""
    return sorted(set(pd.to_datetime(list(dates)).date))


def _dates_parameter(dates: Sequence[dt.date]) -> bigquery.ArrayQueryParameter:
    return bigquery.ArrayQueryParameter("dates", "DATE", _as_dates(dates))


def _positional(value: object) -> bigquery.ScalarQueryParameter:
    # bool is checked before ints, and datetime before date, because each is a subclass of the next.
    if isinstance(value, bool):
        kind = "BOOL"
    elif isinstance(value, numbers.Integral):
        kind = "INT64"
    elif isinstance(value, numbers.Real):
        kind = "FLOAT64"
    elif isinstance(value, str):
        kind = "STRING"
    elif isinstance(value, dt.datetime):
        kind = "TIMESTAMP" if value.tzinfo else "DATETIME"
    elif isinstance(value, dt.date):
        kind = "DATE"
    else:
        raise TypeError(f"query parameter {value!r}: no BigQuery type for {type(value).__name__}")
    return bigquery.ScalarQueryParameter(None, kind, value)


def _is_concurrent_update(err: GoogleAPICallError) -> bool:
    message = str(err).lower()
    return "concurrent update" in message or "could not serialize access" in message


def _storage_column(name: str, column: pa.ChunkedArray) -> pa.ChunkedArray:
    if name == "game_date":
        return column.cast(pa.date32())
    if pa.types.is_null(column.type):  # no value at all yet: STRING, as in DuckDBWarehouse
        return column.cast(pa.string())
    if pa.types.is_timestamp(column.type):  # BigQuery keeps microseconds
        return column.cast(pa.timestamp("us", column.type.tz), safe=False)
    return column


def _storage_table(table: str, df: pd.DataFrame) -> pa.Table:
    """The frame as it is stored: ``game_date`` as DATE, an all-NULL column as STRING and
    timestamps in microseconds."""
    if "game_date" not in df.columns:
        raise ValueError(f"{table}: the frame has no game_date column")
    frame = df.copy(deep=False)
    frame.attrs = {}  # the IO managers' bookkeeping, not data: pyarrow would try to serialize it
    try:
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        return pa.table({name: _storage_column(name, arrow[name]) for name in arrow.column_names})
    except pa.ArrowException as err:
        raise ValueError(f"{table}: the frame cannot be stored: {err}") from err


_BIGQUERY_TYPES = [  # first match wins
    (pa.types.is_boolean, "BOOL"),
    (pa.types.is_integer, "INT64"),
    (pa.types.is_floating, "FLOAT64"),
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "STRING"),
    (pa.types.is_date, "DATE"),
    (lambda t: pa.types.is_timestamp(t) and t.tz is not None, "TIMESTAMP"),
    (pa.types.is_timestamp, "DATETIME"),  # naive wall-clock times
]


def _schema(table: str, rows: pa.Table) -> list[bigquery.SchemaField]:
    def bigquery_type(field: pa.Field) -> str:
        for matches, kind in _BIGQUERY_TYPES:
            if matches(field.type):
                return kind
        raise TypeError(f"{table}.{field.name}: no BigQuery type for Arrow type {field.type}")

    return [bigquery.SchemaField(field.name, bigquery_type(field)) for field in rows.schema]


def _parquet(rows: pa.Table) -> io.BytesIO:
    buffer = io.BytesIO()
    pq.write_table(rows, buffer)
    buffer.seek(0)
    return buffer


def _row_counts(df: pd.DataFrame, dates: Sequence[dt.date]) -> dict[dt.date, int]:
    per_day = pd.to_datetime(df["game_date"]).dt.date.value_counts() if len(df) else pd.Series(dtype=int)
    return {day: int(per_day.get(day, 0)) for day in _as_dates(dates)}


def _ledger_rows(table: str, counts: Mapping[dt.date, int]) -> pa.Table:
    days = sorted(counts)
    return pa.table(
        {
            "table_name": pa.array([table] * len(days), pa.string()),
            "game_date": pa.array(days, pa.date32()),
            "row_count": pa.array([counts[day] for day in days], pa.int64()),
        }
    )


def _as_column_type(field: bigquery.SchemaField, column_type: str) -> str:
    """Cast a staged value to the column's type, as DuckDB's INSERT does implicitly. For example,
    a column created as STRING while all its values were NULL later accepts numbers."""
    name = f"`{field.name}`"
    return name if field.field_type == column_type else f"CAST({name} AS {column_type}) AS {name}"


def _fingerprint_sql(target: str, within: str | None = None) -> str:
    """Per partition of ``target`` (of the dates of ``within``, a relation with a ``game_date``
    column: a staged ledger, the dates asked about): rows and an order-free hash of them (XOR of
    the rows' fingerprints), as text like DuckDBWarehouse's."""
    where = f"WHERE game_date IN (SELECT game_date FROM {within}) " if within else ""
    return (
        "SELECT game_date, COUNT(*) AS row_count, "
        "CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(t))) AS STRING) AS fingerprint "
        f"FROM {target} AS t {where}GROUP BY game_date"
    )


def _fingerprint_update(ledger: str, table: str, target: str, staged_ledger: str) -> str:
    """The ledger's fingerprints of the partitions just written, from the rows now there."""
    return (
        f"UPDATE {ledger} AS l SET fingerprint = f.fingerprint FROM ({_fingerprint_sql(target, staged_ledger)}) AS f "
        f"WHERE l.table_name = '{table}' AND l.game_date = f.game_date"
    )


def _ledger_merge(ledger: str, staged_ledger: str) -> str:
    return (
        f"MERGE {ledger} AS l USING {staged_ledger} AS s "
        "ON l.table_name = s.table_name AND l.game_date = s.game_date "
        # The fingerprint is the rows' (set after the write; none for an empty partition).
        "WHEN MATCHED THEN UPDATE SET row_count = s.row_count, written_at = CURRENT_TIMESTAMP(), fingerprint = NULL "
        "WHEN NOT MATCHED THEN INSERT (table_name, game_date, row_count, written_at) "
        "VALUES (s.table_name, s.game_date, s.row_count, CURRENT_TIMESTAMP())"
    )
