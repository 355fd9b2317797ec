"""Undoing a wrong import, and deleting one session — both audited.

Sessions and clients-file rows carry the ``import_id`` of the import that last wrote them. An import
can be undone while every row it wrote is still as it left it and it changed no row stored before
it (the store keeps no earlier versions, so an update cannot be taken back): then undoing deletes
exactly the rows it inserted. That covers the common mistake — a log imported twice under new ids,
the wrong practice's file — and the last import whenever it only added rows.
"""

from __future__ import annotations

import pandas as pd

from alliance_metrics import audit
from alliance_metrics.store import Store, sql


def imports_with_undo(store: Store) -> pd.DataFrame:
    """Every import, newest first, with ``undoable`` and, when it is not, ``why_not_undoable``."""
    table = store.query_named("imports_with_undo")
    return table.assign(undoable=table.why_not_undoable.isna())


def undo_import(store: Store, import_id: int) -> dict[str, int]:
    """Delete the rows import *import_id* inserted, in one audited transaction; return the counts.

    Raises ValueError saying why when the import cannot be undone.
    """
    with store.transaction() as cursor:
        query = sql("imports_with_undo").rstrip().rstrip(";")
        row = cursor.execute(f"select why_not_undoable from ({query}) where import_id = $id",
                             {"id": import_id}).fetchone()
        if row is None:
            raise ValueError(f"There is no import #{import_id}. The Your data page lists the imports.")
        if row[0] is not None:
            raise ValueError(f"Import #{import_id} cannot be undone: {row[0]}. To correct it, import "
                             "a corrected file (rows with the same session_id are updated).")
        counts = {
            "sessions_deleted": cursor.execute("delete from sessions where import_id = $id",
                                               {"id": import_id}).fetchone()[0],
            "clients_deleted": cursor.execute("delete from clients where import_id = $id",
                                              {"id": import_id}).fetchone()[0],
        }
        cursor.execute("insert into undone_imports (import_id, sessions_deleted, clients_deleted) "
                       "values ($id, $sessions_deleted, $clients_deleted)", {"id": import_id, **counts})
        audit.record(cursor, "undo_import", import_id=import_id, **counts)
    return counts


def delete_session(store: Store, session_id: str) -> None:
    """Delete one session, audited (the audit row holds no id). Raises ValueError if it is not stored."""
    with store.transaction() as cursor:
        deleted = cursor.execute("delete from sessions where session_id = $id", {"id": session_id}).fetchone()[0]
        if not deleted:
            raise ValueError(f"There is no session {session_id!r}: nothing was deleted.")
        audit.record(cursor, "delete_session", sessions_deleted=deleted)
