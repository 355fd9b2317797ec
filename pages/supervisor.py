"""The supervisor's view of this practice: anonymised aggregates only (SPEC §6)."""

import streamlit as st

from alliance_metrics.i18n import _
from alliance_metrics.supervisor_file import exports_digest
from alliance_metrics.supervisor_report import supervisor_report_html
from ui import supervision
from ui.downloads import download_when_asked
from ui.pages import guard
from ui.state import practice_supervisor_export, practice_supervisor_view

guard(__file__)
st.title(_("Supervisor view"))
view = practice_supervisor_view()
if view is None:
    st.info(_("No sessions yet: the supervisor view appears once the practice has a closed month of sessions."))
    st.stop()
export = practice_supervisor_export(view)   # the view's every figure: what its charts are kept by
supervision.render(view, exports_digest(export))

st.header(_("Send to a supervisor"))
st.write(_("The export holds exactly what this page shows — aggregates of at least {k} clients, no "
           "identifier, no exact date — as a file the supervisor opens in Alliance.").format(k=view.k))
left, right = st.columns(2)
left.download_button(_("Download the export (JSON)"), export, file_name="alliance-supervisor-export.json",
                     mime="application/json", key="download_export")
# The report is made when asked (ui/downloads.py) and kept while the view is the same: the
# export's text, which holds every figure of the view and its sources, is that version.
download_when_asked(_("Download the report (HTML)"), lambda: supervisor_report_html(view),
                    file_name="alliance-supervisor-report.html", mime="text/html", key="download_supervisor_report",
                    prepare_label=_("Prepare the report (HTML)"), container=right,
                    version=export)
