"""What the store holds: clients, sessions, therapists, dates, imports."""

import streamlit as st

from alliance_metrics.inventory import holdings, import_history
from ui.state import store

st.title("Your data")
held = holdings(store())
if held.is_empty:
    st.info("The database is empty. Open **Import** to load your session log.")
    st.stop()
if held.is_demo:
    st.info(
        "You are looking at the **demo practice**: invented clients and sessions, so that every page "
        "has something to show. Import your own session log on the **Import** page; from then on "
        "the dashboard shows your data (the demo sessions stay until you use a fresh database)."
    )

columns = st.columns(4)
columns[0].metric("Clients", f"{held.clients:,}")
columns[1].metric("Sessions", f"{held.sessions:,}")
columns[2].metric("Therapists", f"{held.therapists:,}")
columns[3].metric("Sessions from – to", f"{held.first_session:%d %b %Y} – {held.last_session:%d %b %Y}")
st.caption(
    f"The database is a single file on this machine: `{store().path}`. Nothing leaves the machine."
)

st.subheader("Imports")
st.dataframe(
    import_history(store()),
    hide_index=True,
    column_config={
        "import_id": st.column_config.NumberColumn("#"),
        "sha256": st.column_config.TextColumn("SHA-256", width="small"),
        "imported_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
    },
)
