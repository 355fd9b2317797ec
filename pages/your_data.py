"""What the store holds: clients, sessions, therapists, dates, imports — undo an import, back up."""

from datetime import datetime
from pathlib import Path

import streamlit as st

from alliance_metrics.backup import backup
from alliance_metrics.export import spreadsheet_safe, to_csv
from alliance_metrics.i18n import N_, _, format_date, format_datetime
from alliance_metrics.inventory import DEMO_REPLACED, holdings
from alliance_metrics.store import StoreError
from alliance_metrics.undo import imports_with_undo, undo_import
from ui.pages import guard
from ui.state import store
from ui.widgets import EMPTY_CELL, count, datetime_column_format

#: The import history's codes (kind, outcome) in words, translated where shown.
IMPORT_WORDS = {"sessions": N_("sessions"), "clients": N_("clients"), "imported": N_("imported"),
                "rejected": N_("rejected")}

guard(__file__)
st.title(_("Your data"))
for message in st.session_state.pop("your_data_done", []):
    st.success(message)
held = holdings(store())
if held.is_empty:
    st.info(_("The database is empty. Open **Import** to load your session log."))
    st.stop()
if held.is_demo:
    st.info(_(
        "You are looking at the **demo practice**: invented clients and sessions, so that every page "
        "has something to show. Import your own session log on the **Import** page."
    ) + " " + _(DEMO_REPLACED))

columns = st.columns([1, 1, 1, 2])   # the date range needs room not to end in "…"
columns[0].metric(_("Clients"), count(held.clients))
columns[1].metric(_("Sessions"), count(held.sessions))
columns[2].metric(_("Therapists"), count(held.therapists))
columns[3].metric(_("Sessions from – to"),
                  f"{format_date(held.first_session, 'MMM y')} – {format_date(held.last_session, 'MMM y')}",
                  help=_("From {first} to {last}.").format(first=format_date(held.first_session, "long"),
                                                           last=format_date(held.last_session, "long")))
st.caption(_("The database is a single file on this machine: `{path}`. Nothing leaves the machine.").format(
    path=store().path))

st.subheader(_("Imports"))
imports = imports_with_undo(store())
shown = spreadsheet_safe(imports[["import_id", "imported_at", "kind", "file_name", "outcome", "rows_inserted",
                                  "rows_updated", "rows_unchanged", "rows_rejected", "why_not_undoable"]]
                         .assign(kind=imports.kind.map(lambda code: _(IMPORT_WORDS.get(code, code))),
                                 outcome=imports.outcome.map(lambda code: _(IMPORT_WORDS.get(code, code)))))
st.dataframe(
    shown,
    hide_index=True,
    key="imports",
    column_config={
        "import_id": st.column_config.NumberColumn("#"),
        "imported_at": st.column_config.DatetimeColumn(_("When"), format=datetime_column_format()),
        "kind": _("Kind"),
        "file_name": _("File"),
        "outcome": _("Outcome"),
        "rows_inserted": _("Inserted"),
        "rows_updated": _("Updated"),
        "rows_unchanged": _("Unchanged"),
        "rows_rejected": _("Rejected"),
        "why_not_undoable": st.column_config.TextColumn(_("Cannot be undone because")),
    },
    placeholder=EMPTY_CELL,
)
st.download_button(_("Download the import history (CSV)"), to_csv(shown), file_name="alliance-imports.csv",
                   mime="text/csv", key="imports_csv")

undoable = imports[imports.undoable]
with st.expander(_("Undo an import")):
    if undoable.empty:
        st.write(_("No import can be undone: the table above says why for each."))
    else:
        labels = {int(row.import_id): _("#{id} — {file} ({added} added, {updated} updated, {when})").format(
                      id=row.import_id, file=row.file_name, added=count(row.rows_inserted),
                      updated=count(row.rows_updated),
                      when=format_datetime(row.imported_at))
                  for row in undoable.itertuples()}
        chosen = st.selectbox(_("Import to undo"), list(labels), format_func=labels.get, key="undo_choice")
        st.caption(_("Undoing deletes the rows this import added and puts back the rows it updated as "
                     "they were. An import whose rows a later import changed cannot be undone."))
        confirmed = st.checkbox(_("Yes, take this import back"), key="undo_confirm")
        if st.button(_("Undo this import"), disabled=not confirmed, key="undo_import"):
            try:
                counts = undo_import(store(), chosen)
            except ValueError as error:
                st.error(str(error))
            else:
                st.session_state["your_data_done"] = [_(
                    "Import #{id} undone: {sessions_deleted} session(s) and {clients_deleted} client row(s) "
                    "deleted, {sessions_restored} session(s) and {clients_restored} client row(s) put back as "
                    "they were.").format(id=chosen, **counts)]
                st.rerun()

st.subheader(_("Back up"))
st.caption(_("A complete copy of the database, including the last changes, written next to it in a "
             "`backups` folder. Restore one with `python -m alliance_metrics restore FILE --force`."))
if st.button(_("Back up now"), key="backup"):
    folder = Path(store().path).resolve().parent / "backups"
    folder.mkdir(exist_ok=True)
    target = folder / f"alliance-{datetime.now():%Y%m%d-%H%M%S}.duckdb"
    try:
        counts = backup(store(), target)
    except StoreError as error:
        st.error(str(error))
    else:
        st.success(_("Backed up {sessions} sessions and {clients} clients to `{target}`.").format(
            sessions=count(counts.get("sessions", 0)), clients=count(counts.get("clients", 0)), target=target))
