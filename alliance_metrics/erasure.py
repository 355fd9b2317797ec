"""Erasing a client (GDPR art. 17): every row about them goes, then every byte of those rows.

:func:`erase_client` deletes, in one audited transaction, the client's rows from every table that
has a ``client_id`` column (sessions with their ratings and payments, the clients-file row, the
derived totals — and any table a later release adds), then rewrites the database file
(:meth:`~alliance_metrics.store.Store.rewrite`), because DuckDB leaves deleted rows' bytes in its
file. The audit row records only the counts, never the id or name. Tables without a client
(the supervisor's ledger of released aggregate figures, the import history) are kept as they are,
so figures already released stay closed.

An erasure is for good, even against an older backup: the erased client's key (:func:`client_key`)
goes into the table ``erased_clients`` in the erasure's transaction, and restoring a backup
erases again every client of the backup whose key is on that list (:func:`erase_again`, called
by :func:`alliance_metrics.backup.restore`). The list keeps no id in clear, and not a plain hash
of it either: client codes are short and guessable, so anyone holding the file could hash every
candidate code and find who was erased. A keyed hash under the practice secret
(:mod:`alliance_metrics.pseudonym`), which lives in its key file outside the database, cannot be
tested against a guess without that file. The cost: with another key file (a lost key replaced by
a new one), the list no longer recognises anyone, so keep the key file with the backups' keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from alliance_metrics import audit
from alliance_metrics.pseudonym import PracticeSecret, practice_secret
from alliance_metrics.store import Store, _identifier
from alliance_metrics.i18n import _


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


def client_key(client_id: str, secret: PracticeSecret) -> str:
    """The key under which an erased client is remembered, as 64 hex digits.

    .. math:: \\text{key}(c) = \\operatorname{hex}(\\operatorname{HMAC\\text{-}SHA256}(s, \\texttt{"client:"} \\Vert c))

    where :math:`s` is the practice secret and :math:`c` the client id (UTF-8); the ``client:``
    prefix keeps it apart from therapist pseudonyms. Defined for every id; the same id and secret
    always give the same key. Reference: RFC 2104 (HMAC).
    """
    return secret.hexdigest("client:" + str(client_id))


def _delete_client(cursor: duckdb.DuckDBPyConnection, tables: list[str], client_id: str) -> dict[str, int]:
    return {table: cursor.execute(f"delete from {_identifier(table)} where client_id = $id",
                                  {"id": client_id}).fetchone()[0]
            for table in tables}


def erase_client(store: Store, client_id: str, secret: PracticeSecret | None = None) -> Erasure:
    """Delete every row about *client_id*, remember its key, and rewrite the file without their bytes.

    *secret* defaults to the practice secret (its key file is created on first use).
    Raises ValueError when the store holds nothing about *client_id*, and
    :class:`~alliance_metrics.pseudonym.SecretFileError` (nothing erased) when the key file is unusable.
    """
    secret = secret or practice_secret()
    tables = tables_with_clients(store)
    with store.transaction(totals="touched") as cursor:
        store.touch_clients(cursor, "select $id as client_id", {"id": client_id})
        deleted = _delete_client(cursor, tables, client_id)
        if not any(deleted.values()):
            raise ValueError(_(
                "No client {client!r} in the database: nothing was erased. Check the id (the client page "
                "shows it; `scores` lists every client's).").format(client=client_id))
        cursor.execute("insert or ignore into erased_clients values ($key, current_localtimestamp())",
                       {"key": client_key(client_id, secret)})
        cursor.execute("insert or replace into meta values ('rewrite_pending', '1')")
        audit.record(cursor, "erase_client", **{f"{table}_deleted": count for table, count in deleted.items()})
    store.rewrite()
    return Erasure(deleted)


def erase_again(cursor: duckdb.DuckDBPyConnection, tables: list[str], secret: PracticeSecret) -> int:
    """Inside the transaction of *cursor*, delete every client of *tables* whose key is in
    ``erased_clients``; return how many clients. The caller rewrites the file afterwards."""
    erased = {key for (key,) in cursor.execute("select client_key from erased_clients").fetchall()}
    if not erased:
        return 0
    held = " union ".join(f"select client_id from {_identifier(table)}" for table in tables)
    again = [client_id for (client_id,) in cursor.execute(held).fetchall()
             if client_id is not None and client_key(client_id, secret) in erased]
    for client_id in again:
        _delete_client(cursor, tables, client_id)
    return len(again)
