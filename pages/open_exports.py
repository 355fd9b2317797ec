"""Open supervisor exports — from one therapist or several practices — and see them combined."""

import streamlit as st

from alliance_metrics.i18n import _
from alliance_metrics.pooling import combine
from alliance_metrics.supervisor_file import ExportError, exports_digest, loads_export
from ui import supervision
from ui.pages import guard
from ui.widgets import uploader_words

guard(__file__)
st.title(_("Open exports"))
st.write(_("Open one or more files made with **{page} → {button}** or "
           "`python -m alliance_metrics supervisor-export`. Several files are combined; a cell hidden in "
           "any of them stays hidden.").format(page=_("Supervisor view"), button=_("Download the export (JSON)")))
uploader_words()
uploads = st.file_uploader(_("Export files"), type=["json"], accept_multiple_files=True, key="export_files")
if not uploads:
    st.stop()
try:
    view = combine([loads_export(upload.getvalue()) for upload in uploads])
except ExportError as error:
    st.error(_("{error} Ask for a new export: the file may have been changed or cut.").format(error=error))
    st.stop()
except ValueError as error:
    st.error(str(error))
    st.stop()
supervision.render(view, exports_digest(*(upload.getvalue() for upload in uploads)))
