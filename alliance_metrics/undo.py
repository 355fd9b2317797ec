"""Undoing a wrong import, and deleting one session — both audited.

Sessions and clients-file rows carry the ``import_id`` of the import that last wrote them, and an
import keeps the stored rows it updates, as they were, in ``replaced_sessions`` and
``replaced_clients`` (:func:`keep_replaced`, called by the importer). So an import can be undone —
the last one, or any whose rows no later import changed: its inserted rows are deleted and the rows
it updated are put back as they were. That covers the common mistakes — a log imported twice under
new ids, the wrong practice's file, a "corrected" file that was wrong.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from alliance_metrics import audit
from alliance_metrics.store import Store, _identifier, sql
from alliance_metrics.i18n import N_, _

#: Why an import cannot be undone, as sql/imports_with_undo.sql words it (marked here for the
#: catalogue; translated where shown).
WHY_NOT_UNDOABLE = (N_("undone"), N_("nothing was imported"), N_("it changed nothing"),
                    N_("a later import changed its rows"),
                    N_("the rows it updated were not kept (it was made by an older release)"))

#: For each kind of import: the table it writes, the table of the rows it replaced, and their key.
REPLACED = {"sessions": ("sessions", "replaced_sessions", "session_id"),
            "clients": ("clients", "replaced_clients", "client_id")}


def keep_replaced(cursor: duckdb.DuckDBPyConnection, kind: str, import_id: int) -> None:
    """Before import *import_id* updates the stored rows of *kind* that ``parsed_<kind>`` changes
    (same key, some value different): keep them as they are. Call :func:`prune_replaced` after."""
    table, replaced, key = REPLACED[kind]
    missing = cursor.execute(
        "select column_name, data_type from duckdb_columns() where database_name = current_database() "
        "and table_name = $table and column_name not in (select column_name from duckdb_columns() "
        "where database_name = current_database() and table_name = $replaced) order by column_index",
        {"table": table, "replaced": replaced}).fetchall()
    for column, data_type in missing:   # a column a later release added to the table
        cursor.execute(f"alter table {replaced} add column {_identifier(column)} {data_type}")
    compared = [_identifier(column) for (column,) in cursor.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and table_name = $table and column_name not in ($key, 'import_id') and column_name in "
        "(select column_name from duckdb_columns() where table_name = $parsed) order by column_index",
        {"table": table, "key": key, "parsed": f"parsed_{kind}"}).fetchall()]
    stored = ", ".join(f"stored.{column}" for column in compared)
    incoming = ", ".join(f"incoming.{column}" for column in compared)
    cursor.execute(   # only the rows the update will change, as it tells them: some value differs
        f"insert into {replaced} by name select $import_id as replaced_by, stored.* from {table} as stored "
        f"join parsed_{kind} as incoming using ({key}) where ({stored}) is distinct from ({incoming})",
        {"import_id": import_id})


def prune_replaced(cursor: duckdb.DuckDBPyConnection, kind: str, import_id: int) -> None:
    """After import *import_id* updated the rows of *kind*: forget the kept rows it left unchanged."""
    table, replaced, key = REPLACED[kind]
    cursor.execute(f"delete from {replaced} where replaced_by = $import_id and {key} in "
                   f"(select {key} from {table} where import_id <> $import_id)", {"import_id": import_id})


def imports_with_undo(store: Store) -> pd.DataFrame:
    """Every import, newest first, with ``undoable`` and, when it is not, ``why_not_undoable``."""
    table = store.query_named("imports_with_undo")
    return table.assign(undoable=table.why_not_undoable.isna())


def undo_import(store: Store, import_id: int) -> dict[str, int]:
    """Take import *import_id* back, in one audited transaction: delete the rows it inserted, put
    back the rows it updated as they were. Return the counts.

    Raises ValueError saying why when the import cannot be undone.
    """
    with store.transaction(totals="touched") as cursor:
        query = sql("imports_with_undo").rstrip().rstrip(";")
        row = cursor.execute(f"select why_not_undoable from ({query}) where import_id = $id",
                             {"id": import_id}).fetchone()
        if row is None:
            raise ValueError(_("There is no import #{number}. The Your data page lists the imports.").format(
                number=import_id))
        if row[0] is not None:
            raise ValueError(_("Import #{number} cannot be undone: {reason}. To correct it, import a corrected "
                               "file (rows with the same session id are updated).").format(
                number=import_id, reason=_(row[0])))
        counts = {}
        for kind, (table, replaced, _key) in REPLACED.items():
            store.touch_clients(cursor, f"select client_id from {table} where import_id = $id union all "
                                        f"select client_id from {replaced} where replaced_by = $id", {"id": import_id})
            counts[f"{kind}_deleted"] = cursor.execute(
                f"delete from {table} where import_id = $id", {"id": import_id}).fetchone()[0]
            counts[f"{kind}_restored"] = cursor.execute(
                f"insert into {table} by name select * exclude (replaced_by) from {replaced} "
                "where replaced_by = $id", {"id": import_id}).fetchone()[0]
            cursor.execute(f"delete from {replaced} where replaced_by = $id", {"id": import_id})
        cursor.execute("insert into undone_imports (import_id) values ($id)", {"id": import_id})
        audit.record(cursor, "undo_import", import_id=import_id, **counts)
    return counts


def delete_session(store: Store, session_id: str) -> None:
    """Delete one session, audited (the audit row holds no id). Raises ValueError if it is not stored."""
    with store.transaction(totals="touched") as cursor:
        store.touch_clients(cursor, "select client_id from sessions where session_id = $id", {"id": session_id})
        deleted = cursor.execute("delete from sessions where session_id = $id", {"id": session_id}).fetchone()[0]
        if not deleted:
            raise ValueError(_("There is no session {session!r}: nothing was deleted.").format(session=session_id))
        audit.record(cursor, "delete_session", sessions_deleted=deleted)
