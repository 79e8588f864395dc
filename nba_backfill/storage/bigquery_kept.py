"""Kept copies on BigQuery (storage/kept.py): the statements BigQueryWarehouse runs in its transactions.

Kept copies rather than BigQuery time travel: time travel reaches back 2 to 7 days at most (set per
dataset) and would need, per partition, the instant before each write; kept copies work the same
on DuckDB and BigQuery, last until pruned, and carry the ledger entries with the rows. (bqemulator
1.4.0 does support ``FOR SYSTEM_TIME AS OF``; that was not the reason.)

Ids and table names travel as literals: bqemulator binds no query parameters inside a
multi-statement script. Both are validated first (``kept.valid_id``, ``BigQueryWarehouse._physical``).
"""

from __future__ import annotations

from collections.abc import Mapping

from google.cloud import bigquery

from nba_backfill.storage.kept import valid_id

KEPT_LEDGER_SCHEMA = [
    bigquery.SchemaField("kept_for", "STRING"),
    bigquery.SchemaField("table_name", "STRING"),
    bigquery.SchemaField("game_date", "DATE"),
    bigquery.SchemaField("row_count", "INT64"),
    bigquery.SchemaField("written_at", "TIMESTAMP"),
    bigquery.SchemaField("kept_at", "TIMESTAMP"),
]


def _columns(types: Mapping[str, str]) -> str:
    return ", ".join(f"`{name}`" for name in types)


def _not_kept_yet(kept_ledger: str, keep_as: str, table: str, dates: str) -> str:
    """Dates of ``dates`` (a staged ledger: table_name, game_date) this operation has not kept yet."""
    return (
        f"SELECT s.game_date FROM {dates} AS s WHERE s.game_date NOT IN "
        f"(SELECT k.game_date FROM {kept_ledger} AS k WHERE k.kept_for = '{keep_as}' AND k.table_name = '{table}')"
    )


def keep_statements(
    keep_as: str,
    table: str,
    target: str | None,
    kept_rows: str | None,
    types: Mapping[str, str],
    ledger: str,
    kept_ledger: str,
    dates: str,
) -> list[str]:
    """Keep ``table``'s partitions of the staged ``dates`` as they are: rows (if it is a table,
    ``target``) first, then the ledger entries, whose absence marks what is not kept yet."""
    keep_as = valid_id(keep_as)
    fresh = _not_kept_yet(kept_ledger, keep_as, table, dates)
    statements = []
    if target and kept_rows:
        statements.append(
            f"INSERT INTO {kept_rows} (kept_for, {_columns(types)}) SELECT '{keep_as}', {_columns(types)} "
            f"FROM {target} WHERE game_date IN ({fresh})"
        )
    statements.append(
        f"INSERT INTO {kept_ledger} (kept_for, table_name, game_date, row_count, written_at, kept_at) "
        f"SELECT '{keep_as}', '{table}', f.game_date, l.row_count, l.written_at, CURRENT_TIMESTAMP() FROM ({fresh}) AS f "
        f"LEFT JOIN {ledger} AS l ON l.table_name = '{table}' AND l.game_date = f.game_date"
    )
    return statements


def kept_dates(kept_ledger: str, kept_for: str, table: str) -> str:
    """The dates of ``table`` kept for operation ``kept_for``, as a subquery."""
    return f"(SELECT game_date FROM {kept_ledger} WHERE kept_for = '{valid_id(kept_for)}' AND table_name = '{table}')"


def restore_statements(
    kept_for: str,
    table: str,
    target: str | None,
    kept_rows: str | None,
    kept_types: Mapping[str, str],
    ledger: str,
    kept_ledger: str,
) -> list[str]:
    """Put ``table``'s partitions kept for ``kept_for`` back: rows, then ledger entries."""
    kept_for = valid_id(kept_for)
    mine = kept_dates(kept_ledger, kept_for, table)
    statements = []
    if target:
        statements.append(f"DELETE FROM {target} WHERE game_date IN {mine}")
    if target and kept_rows:
        columns = _columns({c: t for c, t in kept_types.items() if c != "kept_for"})
        statements += [
            f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {kept_rows} WHERE kept_for = '{kept_for}'",
            f"DELETE FROM {kept_rows} WHERE kept_for = '{kept_for}'",
        ]
    statements += [
        f"DELETE FROM {ledger} WHERE table_name = '{table}' AND game_date IN {mine}",
        f"INSERT INTO {ledger} (table_name, game_date, row_count, written_at) SELECT table_name, game_date, row_count, "
        f"written_at FROM {kept_ledger} WHERE kept_for = '{kept_for}' AND table_name = '{table}' AND row_count IS NOT NULL",
    ]
    return statements


def forget_statement(kept_for: list[str], kept: str) -> str:
    """Drop the copies kept for these operations from ``kept`` (the kept ledger or a kept table)."""
    ids = ", ".join(f"'{valid_id(i)}'" for i in kept_for)
    return f"DELETE FROM {kept} WHERE kept_for IN ({ids})"


def transaction(statements: list[str]) -> str:
    return "\n".join(["BEGIN TRANSACTION;", *(s + ";" for s in statements), "COMMIT TRANSACTION;"])
