"""Import a session log (and optionally a clients file and a mapping) — all rows or none."""

import tempfile
from pathlib import Path

import streamlit as st

from alliance_metrics.export import to_csv
from alliance_metrics.ingest import ImportRejected, import_files, read_mapping
from alliance_metrics.inventory import holdings, replacing_demo
from ui.state import store
from ui.widgets import plain

st.title("Import")
st.markdown(
    "Upload your session log: one row per **scheduled** session (CSV with `,` or `;`, Excel `.xlsx`, "
    "or Parquet). English and French headers are recognised; for others, add a mapping file. "
    "An import writes **all its rows or none**: if any row is wrong, nothing changes and you get the "
    "list of what to fix. Importing the same file again changes nothing; a corrected file updates "
    "the sessions that changed."
)
with st.expander("Example mapping file (TOML)"):
    st.code('[columns]        # canonical name = header in your file\nclient_id = "PatientId"\n'
            'scheduled_start = "AppointmentDay"\nstatus = "Outcome"\n\n'
            '[status]         # label in your file = canonical status\n"Show" = "attended"\n'
            '"No Show" = "no_show"\n"Late Cancelled" = "late_cancel"\n', language="toml")

KINDS = ["csv", "xlsx", "parquet", "txt"]
sessions_file = st.file_uploader("Session log", type=KINDS, key="sessions_file")
clients_file = st.file_uploader("Clients file (optional)", type=KINDS, key="clients_file")
mapping_file = st.file_uploader("Mapping file (optional, .toml)", type=["toml"], key="mapping_file")

if holdings(store()).is_demo:
    st.info("The database holds the demo practice. Your first import replaces it (if your file is "
            "rejected, the demo stays).")

if st.button("Import", type="primary", disabled=sessions_file is None, key="import_button"):
    with tempfile.TemporaryDirectory() as folder, st.status("Importing…", expanded=True) as status:
        # DuckDB reads files, not uploads in memory (STACK.md): each upload goes to a private temp file
        def saved(upload):
            if upload is None:
                return None
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            return path

        try:
            status.write("Reading the mapping…")
            mapping = read_mapping(mapping_file.getvalue().decode("utf-8")) if mapping_file else None
            status.write("Checking every row and writing them in one transaction…")
            # the temp files keep the uploads' names, which the import history records
            sessions_path, clients_path = saved(sessions_file), saved(clients_file)
            reports = replacing_demo(store(), lambda: import_files(store(), sessions_path, clients_path,
                                                                   mapping=mapping))
        except ImportRejected as rejected:
            status.update(label="Nothing was imported", state="error")
            report = rejected.report
            st.error(f"**{plain(report.file_name)}**: {len(report.problems)} problem(s) — nothing was imported. "
                     "Fix these rows (or map their values) and import the file again.")
            problems = report.problems_frame()
            st.dataframe(problems, hide_index=True, key="problems")
            st.download_button("Download the rejected rows with their reasons (CSV)", to_csv(problems),
                               file_name="alliance-rejected-rows.csv", mime="text/csv", key="download_problems")
        except (ValueError, UnicodeDecodeError) as error:
            status.update(label="Nothing was imported", state="error")
            st.error(plain(error))
        else:
            status.update(label="Imported", state="complete")
            for report in reports:
                for warning in report.warnings:
                    st.warning(f"{plain(report.file_name)}: {plain(warning)}")
                st.success(f"**{plain(report.file_name)}**: {report.rows_read:,} rows read — {report.inserted:,} "
                           f"inserted, {report.updated:,} updated, {report.unchanged:,} unchanged.")
