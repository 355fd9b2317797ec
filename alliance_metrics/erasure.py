"""Erasing a client (GDPR art. 17): every row about them goes, then every byte of those rows.

:func:`erase_client` deletes, in one audited transaction, the client's rows from every table that
has a ``client_id`` column (sessions with their ratings and payments, the clients-file row, the
derived totals — and any table a later release adds), then rewrites the database file
(:meth:`~alliance_metrics.store.Store.rewrite`), because DuckDB leaves deleted rows' bytes in its
file. The audit row records only the counts, never the id or name. Tables without a client
(the supervisor's ledger of released aggregate figures, the import history) are kept as they are,
so figures already released stay closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from alliance_metrics import audit
from alliance_metrics.store import Store, _identifier


@dataclass(frozen=True)
class Erasure:
    """What an erasure deleted: rows per table (``sessions``, ``clients``, …)."""

    rows: dict[str, int]

    @property
    def sessions(self) -> int:
        return self.rows.get("sessions", 0)


def tables_with_clients(store: Store) -> list[str]:
    """The tables of the store that hold a ``client_id`` column, from its catalog."""
    return store.query(
        "select distinct table_name from duckdb_columns() where column_name = 'client_id' "
        "and database_name = current_database() and schema_name = 'main' and not internal "
        "and table_name in (select table_name from duckdb_tables() "
        "                   where database_name = current_database() and not temporary) "
        "order by table_name"
    ).table_name.tolist()


def client_holdings(store: Store, client_id: str) -> dict[str, int]:
    """How many rows of each table hold *client_id* (what an erasure would delete)."""
    return {
        table: int(store.scalar(f"select count(*) from {_identifier(table)} where client_id = $id",
                                {"id": client_id}))
        for table in tables_with_clients(store)
    }


def erase_client(store: Store, client_id: str) -> Erasure:
    """Delete every row about *client_id* and rewrite the file without their bytes.

    Raises ValueError when the store holds nothing about *client_id*.
    """
    tables = tables_with_clients(store)
    with store.transaction() as cursor:
        deleted = {}
        for table in tables:
            deleted[table] = cursor.execute(
                f"delete from {_identifier(table)} where client_id = $id", {"id": client_id}
            ).fetchone()[0]
        if not any(deleted.values()):
            raise ValueError(
                f"No client {client_id!r} in the database: nothing was erased. Check the id "
                "(the client page shows it; `scores` lists every client's)."
            )
        cursor.execute("insert or replace into meta values ('rewrite_pending', '1')")
        audit.record(cursor, "erase_client", **{f"{table}_deleted": count for table, count in deleted.items()})
    store.rewrite()
    return Erasure(deleted)
