"""What an import would do, shown before anything is written, and the mappings saved for it.

The Import page (issue 10) shows what the importer understood of a session log — which header
feeds which column, what each status label means, how dates are read, the first rows as they
will be stored, what is new, changed or unchanged — then imports. :func:`preview_sessions`
runs the real import (the same code, the same checks) inside a transaction that it always
rolls back, so the preview cannot differ from what the import does.

The choices made on the page are a :class:`~alliance_metrics.labels.Mapping`; they are saved
in the store under a name (table ``saved_mappings``) and offered again for a file whose
headers are the same (:func:`saved_mapping_for`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alliance_metrics import ingest
from alliance_metrics.labels import Mapping, label_key, read_mapping, status_of
from alliance_metrics.store import Store, sql

__all__ = ["Preview", "preview_sessions", "save_mapping", "saved_mapping_for", "written_out"]

#: Rows of the file the preview shows as they will be stored.
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Preview:
    """What importing a session log would do. ``report`` holds its counts and problems (its
    inserted, updated and unchanged are what the import would do); ``columns`` maps each
    canonical column to the header(s) feeding it; ``labels`` is a table of the file's status
    labels (label, rows, status; status empty when unknown); ``rows`` the first rows as stored."""

    report: ingest.ImportReport
    headers: tuple[str, ...] = ()
    columns: dict[str, str | tuple[str, str]] = field(default_factory=dict)
    unmatched: tuple[str, ...] = ()
    labels: pd.DataFrame = field(default_factory=pd.DataFrame)
    dates: ingest.DateReading | None = None
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    sessions: int = 0
    clients: int = 0
    first_start: pd.Timestamp | None = None
    last_start: pd.Timestamp | None = None


class _RollBack(Exception):
    """Ends the preview's transaction: nothing it did is kept."""

    def __init__(self, preview: Preview):
        super().__init__("preview")
        self.preview = preview


def preview_sessions(store: Store, path: str | os.PathLike, *, mapping: Mapping | None = None,
                     file_name: str | None = None) -> Preview:
    """Import a session log in a transaction that is rolled back; return what it would do."""
    source = ingest._inspect(ingest._Job("sessions", Path(path), file_name))
    settings = store.settings()
    try:
        with store.transaction() as cursor:
            cursor.execute(sql("import_parsers"))
            item = ingest._stage(cursor, source, mapping, settings)
            raise _RollBack(_understood(cursor, item, mapping))
    except _RollBack as done:
        return done.preview
    except ingest._Unreadable as failure:
        item = ingest._Staged(source)
        item.problems.append(failure.problem)
        return Preview(item.report())


def _understood(cursor, item: ingest._Staged, mapping: Mapping | None) -> Preview:
    """The preview of a staged file (inside the transaction to roll back)."""
    headers = item.headers
    columns = {name: (headers[place[0]], headers[place[1]]) if isinstance(place, tuple)
               else headers[place] for name, place in item.columns.items()}
    fed = {position for place in item.columns.values()
           for position in (place if isinstance(place, tuple) else (place,))}
    unmatched = tuple(header for position, header in enumerate(headers)
                      if position not in fed and header.strip())
    understood = dict(headers=tuple(headers), columns=columns, unmatched=unmatched,
                      dates=item.dates)
    if item.dates is None:   # the headers were not understood: nothing was staged
        return Preview(item.report(), **understood)
    labels = cursor.execute(
        "select status_text as label, count(*) as rows from staged_sessions "
        "where status_text is not null group by all order by rows desc, label").df()
    labels["status"] = [_meaning(label, mapping) for label in labels["label"]]
    if item.problems or item.rows_read == 0:
        return Preview(item.report(), labels=labels, **understood)
    rows = cursor.execute(
        "select * exclude (line, blank, problems, id_made, paid_as_of) from parsed_sessions "
        "order by line limit $rows", {"rows": PREVIEW_ROWS}).df()
    sessions, clients, first, last = cursor.execute(
        "select count(*), count(distinct client_id), min(scheduled_start), max(scheduled_start) "
        "from parsed_sessions").fetchall()[0]
    inserted, updated, unchanged = ingest._write(cursor, item, 0)
    return Preview(item.report(inserted, updated, unchanged), labels=labels, rows=rows,
                   sessions=sessions, clients=clients, first_start=first, last_start=last,
                   **understood)


def _meaning(label: str, mapping: Mapping | None) -> str:
    """The canonical status a label stands for ('therapist_cancel' for a therapist's), or ''."""
    name = mapping.status_of(label) if mapping else None
    if name:
        return name
    meaning = status_of(label)
    if meaning is None:
        return ""
    return "therapist_cancel" if meaning[1] == "therapist" else meaning[0]


def written_out(value) -> str:
    """A date and time as a person reads it, e.g. ``Mon 2 Nov 2026, 09:00``; '' when empty."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp:%a} {stamp.day} {stamp:%b %Y, %H:%M}"


# -- saved mappings -------------------------------------------------------------------------------


def headers_key(headers) -> str:
    """The headers of a file as saved mappings are looked up: each as label_key writes it."""
    return "\t".join(label_key(header) for header in headers)


def save_mapping(store: Store, name: str, headers, mapping: Mapping) -> None:
    """Keep *mapping* under *name* (replacing one of that name) for files with these *headers*."""
    if not name.strip():
        raise ValueError("A saved mapping needs a name; you provided an empty one. "
                         "Give it a name such as the software the file comes from.")
    with store.transaction(totals="none") as cursor:
        cursor.execute(
            "insert or replace into saved_mappings (name, headers_key, mapping_toml, saved_at) "
            "values ($name, $key, $toml, current_localtimestamp())",
            {"name": name.strip(), "key": headers_key(headers), "toml": mapping.to_toml()})


def saved_mapping_for(store: Store, headers) -> tuple[str, Mapping] | None:
    """The most recently saved mapping for files with these *headers*, with its name, or None."""
    found = store.query(
        "select name, mapping_toml from saved_mappings where headers_key = $key "
        "order by saved_at desc limit 1", {"key": headers_key(headers)})
    if found.empty:
        return None
    return found["name"][0], read_mapping(found["mapping_toml"][0])
