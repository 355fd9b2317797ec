"""The supervisor's view of this practice: anonymised aggregates only (SPEC §6)."""

import streamlit as st

from alliance_metrics.supervisor_file import export_json
from alliance_metrics.supervisor_report import supervisor_report_html
from ui import supervision
from ui.pages import guard
from ui.state import practice_supervisor_view

guard(__file__)
st.title("Supervisor view")
view = practice_supervisor_view()
if view is None:
    st.info("No sessions yet: the supervisor view appears once the practice has a closed month of sessions.")
    st.stop()
supervision.render(view)

st.header("Send to a supervisor")
st.write("The export holds exactly what this page shows — aggregates of at least "
         f"{view.k} clients, no identifier, no exact date — as a file the supervisor opens in Alliance.")
left, right = st.columns(2)
left.download_button("Download the export (JSON)", export_json(view), file_name="alliance-supervisor-export.json",
                     mime="application/json", key="download_export")
right.download_button("Download the report (HTML)", supervisor_report_html(view),
                      file_name="alliance-supervisor-report.html", mime="text/html", key="download_supervisor_report")
