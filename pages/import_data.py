"""Import a session log, guided: what Alliance understood, shown before anything is written."""

import tempfile
from pathlib import Path

import streamlit as st

from alliance_metrics.export import to_csv
from alliance_metrics.ingest import ImportRejected, import_files
from alliance_metrics.columns import SESSION_COLUMNS
from alliance_metrics.labels import JOINABLE, MAPPING_STATUSES, Mapping, MappingError, read_mapping
from alliance_metrics.inventory import DEMO_REPLACED, holdings, replacing_demo
from alliance_metrics.preview import preview_sessions, save_mapping, saved_mapping_for, written_out
from alliance_metrics.settings import DATE_ORDERS, SETTINGS_BY_NAME
from ui.pages import guard
from ui.state import store
from ui.widgets import EMPTY_CELL, capped_rows, plain

NONE = "(none)"
FROM_FILE = "as the file shows"
ORDER_NAMES = {FROM_FILE: FROM_FILE, "dmy": "day first (02/03/2026 = 2 March)",
               "mdy": "month first (02/03/2026 = 3 February)", "ymd": "year first (2026/03/02)"}

guard(__file__)
st.title("Import")
st.markdown(
    "Upload your session log: one row per **scheduled** session (CSV with `,` or `;`, Excel `.xlsx`, "
    "or Parquet). Alliance shows what it understood — which column is which, what each status means, "
    "how dates are read, the first rows as they will be stored — **before anything is written**; "
    "change any choice, then import. An import writes **all its rows or none**; importing the same "
    "file again changes nothing; a corrected file updates the sessions that changed."
)

KINDS = ["csv", "xlsx", "parquet", "txt"]
sessions_file = st.file_uploader("Session log", type=KINDS, key="sessions_file")
clients_file = st.file_uploader("Clients file (optional)", type=KINDS, key="clients_file")
mapping_file = st.file_uploader("Mapping file (optional, .toml)", type=["toml"], key="mapping_file")

if holdings(store()).is_demo:
    st.info(f"The database holds the demo practice. {DEMO_REPLACED}")


def show_result(result: dict) -> None:
    """The last import's outcome, open on the page, kept across reruns (downloads included)."""
    if result["rejected"]:
        report = result["report"]
        st.error(f"**{plain(report.file_name)}**: nothing was imported — "
                 f"{sum(group.count for group in report.groups):,} problem(s), by column and reason "
                 "below. Fix these rows (or change the choices above) and import again.")
        st.dataframe(report.groups_frame(), hide_index=True, key="problem_groups", placeholder=EMPTY_CELL)
        st.dataframe(capped_rows(report.problems_frame(), "problems", "The file below lists every one."),
                     hide_index=True, key="problems", placeholder=EMPTY_CELL)
        st.download_button("Download every problem, line by line (CSV)", to_csv(report.problems_frame()),
                           file_name="alliance-rejected-rows.csv", mime="text/csv",
                           on_click="ignore", key="download_problems")
        return
    for report in result["reports"]:
        for warning in report.warnings:
            st.warning(f"{plain(report.file_name)}: {plain(warning)}")
        for note in report.notes:
            st.info(f"{plain(report.file_name)}: {plain(note)}")
        st.success(f"**{plain(report.file_name)}**: {report.rows_read:,} rows read — {report.inserted:,} "
                   f"inserted, {report.updated:,} updated, {report.unchanged:,} unchanged.")
    if result.get("saved"):
        st.caption(f"Your choices were saved as “{plain(result['saved'])}” and will be offered again "
                   "for a file with the same headers.")


if sessions_file is None:
    st.caption("A file whose headers or labels Alliance does not know is mapped on this page once "
               "uploaded, or with a mapping file such as:")
    st.code('[columns]        # canonical name = header in your file\nclient_id = "PatientId"\n'
            'scheduled_start = "AppointmentDay"\nstatus = "Outcome"\n\n'
            '[status]         # label in your file = canonical status\n"Show" = "attended"\n'
            '"No Show" = "no_show"\n"Late Cancelled" = "late_cancel"\n', language="toml")
    if "import_result" in st.session_state:
        show_result(st.session_state["import_result"])
    st.stop()

folder = tempfile.TemporaryDirectory()
# DuckDB reads files, not uploads in memory (STACK.md): each upload goes to a private temp file,
# under its own name, which the import history records
def saved(upload):
    if upload is None:
        return None
    path = Path(folder.name) / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return path


sessions_path, clients_path = saved(sessions_file), saved(clients_file)
file_key = sessions_file.file_id

# -- the choices to start from: the mapping file, else the saved ones for these headers ----------------
try:
    given = read_mapping(mapping_file.getvalue()) if mapping_file else None
except MappingError as error:
    st.error(plain(error))
    st.stop()
first = preview_sessions(store(), sessions_path, mapping=given, file_name=sessions_file.name)
offered = saved_mapping_for(store(), first.headers) if given is None and first.headers else None
if offered is not None:
    name, given = offered
    st.info(f"These headers were imported before: the choices saved as “{plain(name)}” are used. "
            "Change any of them below.")
    first = preview_sessions(store(), sessions_path, mapping=given, file_name=sessions_file.name)
given = given or Mapping()
headers = list(first.headers)

# -- what Alliance understood, changeable --------------------------------------------------------------
chosen_columns: dict = {}
if headers:
    st.subheader("Columns")
    st.caption("Each column Alliance reads, and the header of your file it was matched to. "
               "Required: client_id, scheduled_start, status.")
    grid = st.columns(3)
    for index, column in enumerate(SESSION_COLUMNS):
        name = column.name
        matched = first.columns.get(name)
        date_header = matched[0] if isinstance(matched, tuple) else matched
        with grid[index % 3]:
            choice = st.selectbox(name, [NONE, *headers],
                                  index=headers.index(date_header) + 1 if date_header in headers else 0,
                                  help=column.meaning + (f" ({column.range_text})" if column.range_text else ""),
                                  key=f"column_{name}_{file_key}")
            time_choice = NONE
            if name in JOINABLE:
                time_header = matched[1] if isinstance(matched, tuple) else None
                time_choice = st.selectbox(f"{name}: time, when in its own column", [NONE, *headers],
                                           index=headers.index(time_header) + 1 if time_header in headers else 0,
                                           key=f"column_{name}_time_{file_key}")
        if choice != NONE:
            chosen_columns[name] = (choice, time_choice) if time_choice != NONE else choice
        elif matched is not None or given.columns.get(name) == "":
            chosen_columns[name] = ""   # the file has none: no header is matched to it
    if first.unmatched:
        st.caption("Headers not used: " + ", ".join(f"`{plain(header)}`" for header in first.unmatched))

chosen_statuses: dict = {}
if not first.labels.empty:
    st.subheader("Status labels")
    st.caption("Each status written in your file, how many rows carry it, and what it means.")
    options = ["(unknown)", *MAPPING_STATUSES]
    for label, rows, meaning in first.labels.itertuples(index=False):
        choice = st.selectbox(f"“{label}” ({rows:,} rows)", options,
                              index=options.index(meaning) if meaning in options else 0,
                              key=f"status_{label}_{file_key}")
        if choice != "(unknown)":
            chosen_statuses[label] = choice

st.subheader("Dates")
practice_zone = store().settings()["timezone"]
dates = first.dates
if dates is not None and dates.decided_by == "file":
    st.caption(f"The file settles it: its dates are {ORDER_NAMES[dates.order]}.")
elif dates is not None and dates.decided_by == "setting":
    st.caption(f"No date of the file settles it; the setting date_order says {ORDER_NAMES[dates.order]}.")
elif dates is not None and dates.problem is not None:
    st.warning(plain(dates.problem.reason))
orders = [FROM_FILE, *DATE_ORDERS]
order = st.radio("Date order", orders, format_func=ORDER_NAMES.get, horizontal=True,
                 index=orders.index(given.date_order) if given.date_order in orders else 0,
                 key=f"date_order_{file_key}")
zones = list(SETTINGS_BY_NAME["timezone"].choices)
zone = st.selectbox("Time zone of times written without a zone", zones,
                    index=zones.index(given.timezone or practice_zone),
                    help=f"Times written with a zone (…Z, …+01:00) are converted to the practice's zone, "
                         f"{practice_zone} (Settings).",
                    key=f"zone_{file_key}")

mapping = Mapping(columns=chosen_columns or dict(given.columns), statuses=chosen_statuses,
                  date_order=None if order == FROM_FILE else order, date_format=given.date_format,
                  timezone=None if zone == practice_zone else zone)
preview = preview_sessions(store(), sessions_path, mapping=mapping, file_name=sessions_file.name)

# -- the preview ---------------------------------------------------------------------------------------
st.subheader("What will be stored")
report = preview.report
if report.groups:
    st.error(f"As chosen, this file cannot be imported: {sum(g.count for g in report.groups):,} "
             "problem(s), by column and reason:")
    st.dataframe(report.groups_frame(), hide_index=True, key="preview_groups", placeholder=EMPTY_CELL)
else:
    cells = st.columns(6)
    cells[0].metric("Sessions", f"{preview.sessions:,}")
    cells[1].metric("Clients", f"{preview.clients:,}")
    cells[2].metric("New", f"{report.inserted:,}")
    cells[3].metric("Updated", f"{report.updated:,}")
    cells[4].metric("Unchanged", f"{report.unchanged:,}")
    cells[5].metric("Last session", written_out(preview.last_start)[:15])
    st.caption(f"From {written_out(preview.first_start)} to {written_out(preview.last_start)}. "
               f"The first {len(preview.rows)} rows as they will be stored:")
    shown = preview.rows.copy()
    for column in ("scheduled_start", "cancelled_at"):
        shown[column] = [written_out(value) for value in shown[column]]
    st.dataframe(shown, hide_index=True, key="preview_rows", placeholder=EMPTY_CELL)
for warning in report.warnings:
    st.warning(plain(warning))
for note in report.notes:
    st.info(plain(note))

left, right = st.columns(2)
mapping_name = left.text_input("Save these choices as", value=Path(sessions_file.name).stem,
                               help="Offered again when a file with the same headers is uploaded.",
                               key=f"mapping_name_{file_key}")
right.download_button("Download these choices as a mapping file (TOML)", mapping.to_toml(),
                      file_name="alliance-mapping.toml", mime="application/toml",
                      on_click="ignore", key="download_mapping")

if st.button("Import", type="primary", key="import_button"):
    try:
        reports = replacing_demo(store(), lambda: import_files(store(), sessions_path, clients_path,
                                                               mapping=mapping))
    except ImportRejected as rejected:
        st.session_state["import_result"] = {"rejected": True, "report": rejected.report}
    except (ValueError, UnicodeDecodeError) as error:
        st.session_state.pop("import_result", None)
        st.error(plain(error))
    else:
        result = {"rejected": False, "reports": reports}
        if mapping_name.strip():
            save_mapping(store(), mapping_name, headers, mapping)
            result["saved"] = mapping_name.strip()
        st.session_state["import_result"] = result
folder.cleanup()

if "import_result" in st.session_state:
    st.subheader("Result")
    show_result(st.session_state["import_result"])
