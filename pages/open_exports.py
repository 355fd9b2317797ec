"""Open supervisor exports — from one therapist or several practices — and see them combined."""

import streamlit as st

from alliance_metrics.pooling import combine
from alliance_metrics.supervisor_file import ExportError, loads_export
from ui import supervision
from ui.pages import guard

guard(__file__)
st.title("Open exports")
st.write("Open one or more files made with **Supervisor view → Download the export** or "
         "`python -m alliance_metrics supervisor-export`. Several files are combined; a cell hidden in "
         "any of them stays hidden.")
uploads = st.file_uploader("Export files", type=["json"], accept_multiple_files=True, key="export_files")
if not uploads:
    st.stop()
try:
    view = combine([loads_export(upload.getvalue()) for upload in uploads])
except ExportError as error:
    st.error(f"{error} Ask for a new export: the file may have been changed or cut.")
    st.stop()
except ValueError as error:
    st.error(str(error))
    st.stop()
supervision.render(view)
