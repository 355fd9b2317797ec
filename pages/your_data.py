"""What the store holds: clients, sessions, therapists, dates, imports — undo an import, back up."""

from datetime import datetime
from pathlib import Path

import streamlit as st

from alliance_metrics.backup import backup
from alliance_metrics.export import spreadsheet_safe, to_csv
from alliance_metrics.inventory import DEMO_REPLACED, holdings
from alliance_metrics.store import StoreError
from alliance_metrics.undo import imports_with_undo, undo_import
from ui.pages import guard
from ui.state import store
from ui.widgets import EMPTY_CELL

guard(__file__)
st.title("Your data")
for message in st.session_state.pop("your_data_done", []):
    st.success(message)
held = holdings(store())
if held.is_empty:
    st.info("The database is empty. Open **Import** to load your session log.")
    st.stop()
if held.is_demo:
    st.info(
        "You are looking at the **demo practice**: invented clients and sessions, so that every page "
        f"has something to show. Import your own session log on the **Import** page. {DEMO_REPLACED}"
    )

columns = st.columns([1, 1, 1, 2])   # the date range needs room not to end in "…"
columns[0].metric("Clients", f"{held.clients:,}")
columns[1].metric("Sessions", f"{held.sessions:,}")
columns[2].metric("Therapists", f"{held.therapists:,}")
columns[3].metric("Sessions from – to", f"{held.first_session:%b %Y} – {held.last_session:%b %Y}",
                  help=f"From {held.first_session:%d %B %Y} to {held.last_session:%d %B %Y}.")
st.caption(
    f"The database is a single file on this machine: `{store().path}`. Nothing leaves the machine."
)

st.subheader("Imports")
imports = imports_with_undo(store())
shown = spreadsheet_safe(imports[["import_id", "imported_at", "kind", "file_name", "outcome", "rows_inserted",
                                  "rows_updated", "rows_unchanged", "rows_rejected", "why_not_undoable"]])
st.dataframe(
    shown,
    hide_index=True,
    key="imports",
    column_config={
        "import_id": st.column_config.NumberColumn("#"),
        "imported_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "kind": "Kind",
        "file_name": "File",
        "outcome": "Outcome",
        "rows_inserted": "Inserted",
        "rows_updated": "Updated",
        "rows_unchanged": "Unchanged",
        "rows_rejected": "Rejected",
        "why_not_undoable": st.column_config.TextColumn("Cannot be undone because"),
    },
    placeholder=EMPTY_CELL,
)
st.download_button("Download the import history (CSV)", to_csv(shown), file_name="alliance-imports.csv",
                   mime="text/csv", key="imports_csv")

undoable = imports[imports.undoable]
with st.expander("Undo an import"):
    if undoable.empty:
        st.write("No import can be undone: the table above says why for each.")
    else:
        labels = {int(row.import_id): f"#{row.import_id} — {row.file_name} ({row.rows_inserted} added, "
                                      f"{row.rows_updated} updated, {row.imported_at:%d %b %Y %H:%M})"
                  for row in undoable.itertuples()}
        chosen = st.selectbox("Import", list(labels), format_func=labels.get, key="undo_choice")
        st.caption("Undoing deletes the rows this import added and puts back the rows it updated as "
                   "they were. An import whose rows a later import changed cannot be undone.")
        confirmed = st.checkbox("Yes, take this import back", key="undo_confirm")
        if st.button("Undo this import", disabled=not confirmed, key="undo_import"):
            try:
                counts = undo_import(store(), chosen)
            except ValueError as error:
                st.error(str(error))
            else:
                st.session_state["your_data_done"] = [
                    f"Import #{chosen} undone: {counts['sessions_deleted']} session(s) and "
                    f"{counts['clients_deleted']} client row(s) deleted, {counts['sessions_restored']} "
                    f"session(s) and {counts['clients_restored']} client row(s) put back as they were."]
                st.rerun()

st.subheader("Back up")
st.caption("A complete copy of the database, including the last changes, written next to it in a "
           "`backups` folder. Restore one with `python -m alliance_metrics restore FILE --force`.")
if st.button("Back up now", key="backup"):
    folder = Path(store().path).resolve().parent / "backups"
    folder.mkdir(exist_ok=True)
    target = folder / f"alliance-{datetime.now():%Y%m%d-%H%M%S}.duckdb"
    try:
        counts = backup(store(), target)
    except StoreError as error:
        st.error(str(error))
    else:
        st.success(f"Backed up {counts.get('sessions', 0):,} sessions and {counts.get('clients', 0):,} "
                   f"clients to `{target}`.")
