"""Import a session log, guided: what Alliance understood, shown before anything is written."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from alliance_metrics.charts import outcome_label
from alliance_metrics.export import to_csv
from alliance_metrics.i18n import N_, _, format_date, format_datetime, ngettext
from alliance_metrics.ingest import ImportRejected, import_files
from alliance_metrics.columns import SESSION_COLUMNS
from alliance_metrics.labels import JOINABLE, MAPPING_STATUSES, Mapping, MappingError, read_mapping
from alliance_metrics.inventory import DEMO_REPLACED, holdings, replacing_demo
from alliance_metrics.preview import preview_sessions, save_mapping, saved_mapping_for
from alliance_metrics.settings import DATE_ORDERS, SETTINGS_BY_NAME
from ui.pages import guard
from ui.sidebar import next_therapist
from ui.state import prepare_now, store
from ui.widgets import EMPTY_CELL, capped_rows, code, count, plain, problem_groups, uploader_words

NONE = "(none)"           # the choice of no header (shown through no_header())
UNKNOWN = "(unknown)"     # the choice of no status (shown in words)
FROM_FILE = "file"        # the date order the file's own dates settle
#: A status the session log's statuses take that is not an outcome of its own (charts.OUTCOME_LABELS).
CANCELLED = N_("Cancelled by the client (the notice decides whether late)")


guard(__file__)


def no_header(choice: str) -> str:
    return _("(none)") if choice == NONE else choice


def order_name(order: str) -> str:
    """A date order in words: the setting's own (day first, …), or the file's."""
    return _("as the file shows") if order == FROM_FILE else SETTINGS_BY_NAME["date_order"].choice_text(order)


def status_name(status: str) -> str:
    """A canonical status with its meaning, as the mapping file writes it: ``no_show — No-show``."""
    if status == UNKNOWN:
        return _("(unknown)")
    return f"{status} — {_(CANCELLED) if status == 'cancelled' else outcome_label(status)}"


def when(value) -> str:
    """A date and time of the file as the language writes it, with its weekday (a check on the order of
    day and month): ``Mon 2 Nov 2026, 09:00``, ``lun. 02/11/2026 09:00``; '' when empty."""
    if value is None or pd.isna(value):
        return ""
    moment = pd.Timestamp(value).to_pydatetime()
    return f"{format_date(moment, 'EEE')} {format_datetime(moment)}"


st.title(_("Import"))
st.markdown(_(
    "Upload your session log: one row per **scheduled** session (CSV with `,` or `;`, Excel `.xlsx`, "
    "or Parquet). Alliance shows what it understood — which column is which, what each status means, "
    "how dates are read, the first rows as they will be stored — **before anything is written**; "
    "change any choice, then import. An import writes **all its rows or none**; importing the same "
    "file again changes nothing; a corrected file updates the sessions that changed."
))

KINDS = ["csv", "xlsx", "parquet", "txt"]
uploader_words()
sessions_file = st.file_uploader(_("Session log"), type=KINDS, key="sessions_file")
clients_file = st.file_uploader(_("Clients file (optional)"), type=KINDS, key="clients_file")
mapping_file = st.file_uploader(_("Mapping file (optional, .toml)"), type=["toml"], key="mapping_file")

if holdings(store()).is_demo:
    st.info(_("The database holds the demo practice.") + " " + _(DEMO_REPLACED))


def show_result(result: dict) -> None:
    """The last import's outcome, open on the page, kept across reruns (downloads included)."""
    if result["rejected"]:
        report = result["report"]
        problems = int(sum(group.count for group in report.groups))
        st.error(ngettext(
            "**{file}**: nothing was imported — {n} problem, by column and reason below. Fix these rows (or "
            "change the choices above) and import again.",
            "**{file}**: nothing was imported — {n} problems, by column and reason below. Fix these rows (or "
            "change the choices above) and import again.", problems).format(file=plain(report.file_name),
                                                                             n=count(problems)))
        problem_groups(report, key="problem_groups")
        lined = report.problems_frame().query("line > 0")   # those of the whole file are said above
        if len(lined):
            st.dataframe(capped_rows(lined, _("problems"), _("The file below lists every one.")),
                         hide_index=True, key="problems", placeholder=EMPTY_CELL)
        st.download_button(_("Download every problem, line by line (CSV)"), to_csv(report.problems_frame()),
                           file_name="alliance-rejected-rows.csv", mime="text/csv",
                           on_click="ignore", key="download_problems")
        return
    for report in result["reports"]:
        for warning in report.warnings:
            st.warning(f"{plain(report.file_name)}: {plain(warning)}")
        for note in report.notes:
            st.info(f"{plain(report.file_name)}: {plain(note)}")
        st.success(_("**{file}**: {read} rows read — {inserted} inserted, {updated} updated, {unchanged} "
                     "unchanged.").format(file=plain(report.file_name), read=count(report.rows_read),
                                          inserted=count(report.inserted), updated=count(report.updated),
                                          unchanged=count(report.unchanged)))
    if result.get("saved"):
        st.caption(_("Your choices were saved as “{name}” and will be offered again for a file with the same "
                     "headers.").format(name=plain(result["saved"])))


if sessions_file is None:
    st.caption(_("A file whose headers or labels Alliance does not know is mapped on this page once "
                 "uploaded, or with a mapping file such as:"))
    columns_comment = _("canonical name = header in your file")   # not inside the f-string: pybabel
    status_comment = _("label in your file = canonical status")   # extracts no _() from there
    st.code(f'[columns]        # {columns_comment}\nclient_id = "PatientId"\n'
            'scheduled_start = "AppointmentDay"\nstatus = "Outcome"\n\n'
            f'[status]         # {status_comment}\n"Show" = "attended"\n'
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
    st.info(_("These headers were imported before: the choices saved as “{name}” are used. "
              "Change any of them below.").format(name=plain(name)))
    first = preview_sessions(store(), sessions_path, mapping=given, file_name=sessions_file.name)
given = given or Mapping()
headers = list(first.headers)

# -- what Alliance understood, changeable --------------------------------------------------------------
chosen_columns: dict = {}
if headers:
    st.subheader(_("Columns"))
    st.caption(_("Each column Alliance reads, and the header of your file it was matched to. "
                 "Required: client_id, scheduled_start, status."))
    grid = st.columns(3)
    for index, column in enumerate(SESSION_COLUMNS):
        name = column.name
        matched = first.columns.get(name)
        date_header = matched[0] if isinstance(matched, tuple) else matched
        with grid[index % 3]:
            choice = st.selectbox(name, [NONE, *headers],
                                  index=headers.index(date_header) + 1 if date_header in headers else 0,
                                  format_func=no_header,
                                  help=_(column.meaning) + (f" ({column.range_text})" if column.range_text else ""),
                                  key=f"column_{name}_{file_key}")
            time_choice = NONE
            if name in JOINABLE:
                time_header = matched[1] if isinstance(matched, tuple) else None
                time_choice = st.selectbox(_("{column}: time, when in its own column").format(column=name),
                                           [NONE, *headers], format_func=no_header,
                                           index=headers.index(time_header) + 1 if time_header in headers else 0,
                                           key=f"column_{name}_time_{file_key}")
        if choice != NONE:
            chosen_columns[name] = (choice, time_choice) if time_choice != NONE else choice
        elif matched is not None or given.columns.get(name) == "":
            chosen_columns[name] = ""   # the file has none: no header is matched to it
    if first.unmatched:
        st.caption(_("Headers not used:") + " " + ", ".join(map(code, first.unmatched)))

chosen_statuses: dict = {}
if not first.labels.empty:
    st.subheader(_("Status labels"))
    st.caption(_("Each status written in your file, how many rows carry it, and what it means."))
    options = [UNKNOWN, *MAPPING_STATUSES]
    for label, rows, meaning in first.labels.itertuples(index=False):
        choice = st.selectbox(ngettext("“{label}” ({n} row)", "“{label}” ({n} rows)", int(rows)).format(
                                  label=label, n=count(rows)), options, format_func=status_name,
                              index=options.index(meaning) if meaning in options else 0,
                              key=f"status_{label}_{file_key}")
        if choice != UNKNOWN:
            chosen_statuses[label] = choice

st.subheader(_("Dates"))
practice_zone = store().settings()["timezone"]
dates = first.dates
if dates is not None and dates.decided_by == "file":
    st.caption(_("The file settles it: its dates are {order}.").format(order=order_name(dates.order)))
elif dates is not None and dates.decided_by == "setting":
    st.caption(_("No date of the file settles it; the setting “{setting}” says {order}.").format(
        setting=SETTINGS_BY_NAME["date_order"].title(), order=order_name(dates.order)))
elif dates is not None and dates.problem is not None:
    st.warning(plain(dates.problem.reason))
orders = [FROM_FILE, *DATE_ORDERS]
order = st.radio(_("Date order"), orders, format_func=order_name, horizontal=True,
                 index=orders.index(given.date_order) if given.date_order in orders else 0,
                 key=f"date_order_{file_key}")
zones = list(SETTINGS_BY_NAME["timezone"].choices)
zone = st.selectbox(_("Time zone of times written without a zone"), zones,
                    index=zones.index(given.timezone or practice_zone),
                    help=_("Times written with a zone (…Z, …+01:00) are converted to the practice's zone, "
                           "{zone} (Settings).").format(zone=practice_zone),
                    key=f"zone_{file_key}")

mapping = Mapping(columns=chosen_columns or dict(given.columns), statuses=chosen_statuses,
                  date_order=None if order == FROM_FILE else order, date_format=given.date_format,
                  timezone=None if zone == practice_zone else zone)
preview = preview_sessions(store(), sessions_path, mapping=mapping, file_name=sessions_file.name)

# -- the preview ---------------------------------------------------------------------------------------
st.subheader(_("What will be stored"))
report = preview.report
if report.groups:
    problems = int(sum(g.count for g in report.groups))
    st.error(ngettext("As chosen, this file cannot be imported: {n} problem, by column and reason:",
                      "As chosen, this file cannot be imported: {n} problems, by column and reason:",
                      problems).format(n=count(problems)))
    problem_groups(report, key="preview_groups")
else:
    cells = st.columns(6)
    cells[0].metric(_("Sessions"), count(preview.sessions))
    cells[1].metric(_("Clients"), count(preview.clients))
    cells[2].metric(_("New"), count(report.inserted))
    cells[3].metric(_("Updated"), count(report.updated))
    cells[4].metric(_("Unchanged"), count(report.unchanged))
    cells[5].metric(_("Last session"), "" if pd.isna(preview.last_start) else format_date(preview.last_start))
    st.caption(_("From {first} to {last}. The first {n} rows as they will be stored:").format(
        first=when(preview.first_start), last=when(preview.last_start), n=len(preview.rows)))
    shown = preview.rows.copy()
    for column in ("scheduled_start", "cancelled_at"):
        shown[column] = [when(value) for value in shown[column]]
    st.dataframe(shown, hide_index=True, key="preview_rows", placeholder=EMPTY_CELL)
for warning in report.warnings:
    st.warning(plain(warning))
for note in report.notes:
    st.info(plain(note))

left, right = st.columns(2)
mapping_name = left.text_input(_("Save these choices as"), value=Path(sessions_file.name).stem,
                               help=_("Offered again when a file with the same headers is uploaded."),
                               key=f"mapping_name_{file_key}")
right.download_button(_("Download these choices as a mapping file (TOML)"), mapping.to_toml(),
                      file_name="alliance-mapping.toml", mime="application/toml",
                      on_click="ignore", key="download_mapping")

imported = False
if st.button(_("Import"), type="primary", key="import_button"):
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
        imported = True
        if mapping_name.strip():
            save_mapping(store(), mapping_name, headers, mapping)
            result["saved"] = mapping_name.strip()
        st.session_state["import_result"] = result
folder.cleanup()

if "import_result" in st.session_state:
    st.subheader(_("Result"))
    show_result(st.session_state["import_result"])
    if imported:   # the verdict is on screen; the pages' results follow the new data before the run ends
        with st.spinner(_("Bringing the weekly review and the client pages up to date…")):
            prepare_now(next_therapist(store()))
