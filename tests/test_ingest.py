"""The importer (alliance_metrics.ingest; SPEC §3, issue 2): what a good file becomes.

Bad input has its own file, tests/test_ingest_bad_input.py.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pandas as pd
import pytest

from alliance_metrics.ingest import (
    ImportRejected,
    Problem,
    import_clients,
    import_files,
    import_sessions,
)
from alliance_metrics.labels import read_mapping

ALL_COLUMNS = (
    "session_id, client_id, therapist_id, scheduled_start, duration_min, status, cancelled_by, "
    "cancelled_at, client_late_min, therapist_late_min, homework_done, engagement, "
    "alliance_rating, goal_rating, fee, paid_on"
)


def write(folder, name: str, text: str, encoding: str = "utf-8"):
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def rows(store, columns: str = ALL_COLUMNS, table: str = "sessions") -> list[tuple]:
    """The table's rows as Python values (None, datetime, date), sorted."""
    with store.transaction() as cursor:
        return cursor.execute(f"select {columns} from {table} order by all").fetchall()


def sessions_table(store) -> list[tuple]:
    return rows(store, "*")


# -- what each value becomes -----------------------------------------------------------------


def test_minimal_log_gets_the_documented_defaults(store, tmp_path):
    path = write(tmp_path, "log.csv",
                 "client_id,scheduled_start,status\n"
                 "C1,2026-03-02 14:00,attended\n"
                 "C1,2026-03-09 14:00,cancelled\n"
                 "C2,2026-03-09 15:00,no_show\n")
    report = import_sessions(store, path)
    assert (report.kind, report.file_name, report.rows_read) == ("sessions", "log.csv", 3)
    assert (report.inserted, report.updated, report.unchanged) == (3, 0, 0)
    assert report.ok and report.problems == () and report.warnings == ()
    # session_id = client_id + '@' + ISO start; therapist 'default'; 60 min;
    # cancelled_by 'client' for the cancellation only
    assert rows(store, "session_id, therapist_id, duration_min, status, cancelled_by") == [
        ("C1@2026-03-02T14:00:00", "default", 60, "attended", None),
        ("C1@2026-03-09T14:00:00", "default", 60, "cancelled", "client"),
        ("C2@2026-03-09T15:00:00", "default", 60, "no_show", None),
    ]


def test_every_column_typed(store, tmp_path):
    path = write(tmp_path, "log.csv",
                 f"{ALL_COLUMNS.replace(' ', '')}\n"
                 "S1,C1,T1,2026-03-02 14:00,45,attended,,,3.5,-2,0.5,4,36.5,7,\"60,50\",2026-03-05\n"
                 "S2,C1,T1,2026-03-09 14:00,45,late_cancel,therapist,2026-03-09 09:30,,,,,,,60,\n")
    import_sessions(store, path)
    assert rows(store) == [
        ("S1", "C1", "T1", datetime(2026, 3, 2, 14, 0), 45, "attended", None, None, 3.5, -2.0,
         0.5, 4, 36.5, 7.0, 60.5, date(2026, 3, 5)),
        ("S2", "C1", "T1", datetime(2026, 3, 9, 14, 0), 45, "late_cancel", "therapist",
         datetime(2026, 3, 9, 9, 30), None, None, None, None, None, None, 60.0, None),
    ]


@pytest.mark.parametrize("written, expected", [
    ("2026-03-02 14:00", datetime(2026, 3, 2, 14, 0)),
    ("2026-03-02 14:00:30", datetime(2026, 3, 2, 14, 0, 30)),
    ("2026-03-02T14:00", datetime(2026, 3, 2, 14, 0)),
    ("2026-03-02T14:00:30", datetime(2026, 3, 2, 14, 0, 30)),
    ("02/03/2026 14:00", datetime(2026, 3, 2, 14, 0)),  # day first: 2 March, not 3 February
    ("2/3/2026 9:05", datetime(2026, 3, 2, 9, 5)),
    ("02/03/2026 14:00:30", datetime(2026, 3, 2, 14, 0, 30)),
    ("02/03/2026 14h00", datetime(2026, 3, 2, 14, 0)),
    ("13/03/2026 08:00", datetime(2026, 3, 13, 8, 0)),
])
def test_date_time_formats(store, tmp_path, written, expected):
    store.set_setting("date_order", "dmy")  # every date of this file could be read both ways (SPEC §3.5)
    import_sessions(store, write(tmp_path, "log.csv", f"client,date,status\nC1,{written},present\n"))
    assert rows(store, "scheduled_start") == [(expected,)]


@pytest.mark.parametrize("written, expected", [
    ("yes", 1.0), ("Oui", 1.0), ("NO", 0.0), ("non", 0.0), ("0,25", 0.25), ("1", 1.0), ("", None),
])
def test_homework_done_numbers_or_yes_no_blank_is_none_agreed(store, tmp_path, written, expected):
    import_sessions(store, write(tmp_path, "log.csv",
                                 f"client;date;status;homework\nC1;2026-03-02 14:00;attended;{written}\n"))
    assert rows(store, "homework_done") == [(expected,)]


def test_therapist_cancellation_label(store, tmp_path):
    import_sessions(store, write(tmp_path, "log.csv",
                                 "client,date,status\nC1,2026-03-02 14:00,Annulé par le thérapeute\n"))
    assert rows(store, "status, cancelled_by") == [("cancelled", "therapist")]


def test_headers_match_whatever_the_case_accents_and_spaces(store, tmp_path):
    store.set_setting("date_order", "dmy")  # every date of this file could be read both ways (SPEC §3.5)
    path = write(tmp_path, "log.csv", " CLIENT ID ;Date et Heure;etat;Durée (min)\n"
                                      "C1;02/03/2026 14:00;Présent;50\n")
    import_sessions(store, path)
    assert rows(store, "client_id, scheduled_start, status, duration_min") == [
        ("C1", datetime(2026, 3, 2, 14, 0), "attended", 50)]


def test_a_us_practice_systems_export_headers(store, tmp_path):
    # as a US practice-management system writes them: the date and a 12-hour time apart, the
    # length with its unit in brackets, dollars (the 13th leaves no doubt: month first)
    store.set_setting("date_order", "mdy")
    path = write(tmp_path, "appointments.csv",
                 "Appointment ID,Client Code,Clinician,Date,Start Time,Length (min),Appointment Status,Fee\n"
                 "A1,C1,T1,11/06/2026,02:00 PM,45,Show,$80.00\n"
                 "A2,C1,T1,11/13/2026,02:00 PM,45,No Show,$80.00\n")
    import_sessions(store, path)
    assert rows(store, "session_id, therapist_id, scheduled_start, duration_min, status, fee") == [
        ("A1", "T1", datetime(2026, 11, 6, 14, 0), 45, "attended", 80.0),
        ("A2", "T1", datetime(2026, 11, 13, 14, 0), 45, "no_show", 80.0)]


@pytest.mark.parametrize("cell", [
    "  C1 ",                 # spaces only: the file takes the quick trim
    "\u00a0C1\t",            # no-break space and tab: the thorough trim
    '"\nC1\u202f"',           # a quoted cell with a line break, and a narrow no-break space
])
def test_cells_are_trimmed(store, tmp_path, cell):
    path = write(tmp_path, "log.csv", f"client,date,status\n{cell},2026-03-02 14:00 , attended\n")
    import_sessions(store, path)
    assert rows(store, "client_id, status") == [("C1", "attended")]


def test_excel_style_cells_are_stored_as_plain_text(store, tmp_path):
    # a formula-looking cell is data: stored exactly as written, never evaluated or altered
    path = write(tmp_path, "log.csv", 'client,date,status\n"=HYPERLINK(""http://x"",""y"")",'
                                      "2026-03-02 14:00,attended\n")
    import_sessions(store, path)
    assert rows(store, "client_id") == [('=HYPERLINK("http://x","y")',)]


# -- the two files of issue 2's "done when" ----------------------------------------------------


def test_french_spreadsheet_imports_without_mapping(store, tmp_path):
    store.set_setting("date_order", "dmy")  # every date of this file could be read both ways (SPEC §3.5)
    text = ("Client;Date;Statut;Tarif\n"
            "Dupont;02/03/2026 14:00;présent;60,5\n"
            "Dupont;09/03/2026 14:00;absent;60\n"
            "Martin;10/03/2026 09:30;annulé;0\n")
    report = import_sessions(store, write(tmp_path, "séances.csv", text, encoding="utf-8-sig"))
    assert report.inserted == 3 and report.warnings == ()
    assert rows(store, "client_id, scheduled_start, status, cancelled_by, fee") == [
        ("Dupont", datetime(2026, 3, 2, 14, 0), "attended", None, 60.5),
        ("Dupont", datetime(2026, 3, 9, 14, 0), "no_show", None, 60.0),
        ("Martin", datetime(2026, 3, 10, 9, 30), "cancelled", "client", 0.0),
    ]


PRACTICE_EXPORT = (
    "Date,Client,Clinician,Status,Service Rate,Notes\n"
    "2026-03-02 14:00,AB12,Dr Lee,Show,120.00,first visit\n"
    "2026-03-09 14:00,AB12,Dr Lee,Late Cancelled,120.00,\n"
    "2026-03-16 14:00,AB12,Dr Lee,No Show,120.00,\n"
    "2026-03-23 14:00,AB12,Dr Lee,Clinician Canceled,0,\n"
    "2026-03-30 14:00,AB12,Dr Lee,Canceled - No Charge,0,\n"
)
PRACTICE_MAPPING = '[columns]\nfee = "Service Rate"\n\n[status]\n"Canceled - No Charge" = "cancelled"\n'


def test_practice_management_export_through_a_mapping_file(store, tmp_path):
    path = write(tmp_path, "appointments.csv", PRACTICE_EXPORT)
    mapping_path = write(tmp_path, "map.toml", PRACTICE_MAPPING)
    report = import_sessions(store, path, mapping=mapping_path)
    assert report.inserted == 5
    assert report.warnings == ("Column 'Notes' is not part of the session log and was ignored.",)
    assert rows(store, "scheduled_start, therapist_id, status, cancelled_by, fee") == [
        (datetime(2026, 3, 2, 14, 0), "Dr Lee", "attended", None, 120.0),
        (datetime(2026, 3, 9, 14, 0), "Dr Lee", "late_cancel", "client", 120.0),
        (datetime(2026, 3, 16, 14, 0), "Dr Lee", "no_show", None, 120.0),
        (datetime(2026, 3, 23, 14, 0), "Dr Lee", "cancelled", "therapist", 0.0),
        (datetime(2026, 3, 30, 14, 0), "Dr Lee", "cancelled", "client", 0.0),
    ]


def test_practice_management_export_without_the_mapping_says_what_to_map(store, tmp_path):
    path = write(tmp_path, "appointments.csv", PRACTICE_EXPORT)
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, path)
    [problem] = rejected.value.report.problems
    assert (problem.line, problem.column, problem.value) == (6, "Status", "Canceled - No Charge")
    assert "Late Cancelled" not in problem.reason  # the built-in labels are listed lower-case
    assert "late cancelled" in problem.reason and '[status] "Your label"' in problem.reason


def test_mapping_object_or_text_works_as_well_as_a_path(store, tmp_path):
    path = write(tmp_path, "appointments.csv", PRACTICE_EXPORT)
    assert import_sessions(store, path, mapping=PRACTICE_MAPPING).inserted == 5
    assert import_sessions(store, path, mapping=read_mapping(PRACTICE_MAPPING)).unchanged == 5


def thousand_sessions(bad_line: int | None = None, goal_on_line_500: str = "6") -> str:
    """1,000 sessions of 50 clients, one a week; line n (header = 1) is session n - 1."""
    lines = ["session_id,client_id,scheduled_start,status,goal_rating"]
    for number in range(1000):
        client, week = number % 50, number // 50
        start = pd.Timestamp("2026-01-05 09:00") + pd.Timedelta(weeks=week, hours=client % 8)
        goal = goal_on_line_500 if number == 498 else "5"
        lines.append(f"S{number:04d},C{client:02d},{start:%Y-%m-%d %H:%M},attended,{goal}")
    if bad_line is not None:
        lines[bad_line - 1] = lines[bad_line - 1].rsplit(",", 1)[0] + ",14"
    return "\n".join(lines) + "\n"


def test_issue_done_when_thousand_rows(store, tmp_path):
    path = tmp_path / "log.csv"
    # one impossible goal_rating on line 731: nothing is imported, that value is reported
    path.write_text(thousand_sessions(bad_line=731))
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, path)
    assert rejected.value.report.problems == (
        Problem(731, "goal_rating", "14", "goal_rating must be a number from 0 to 10", "out_of_range"),)
    assert store.scalar("select count(*) from sessions") == 0

    path.write_text(thousand_sessions())  # fixed
    first = import_sessions(store, path)
    assert (first.rows_read, first.inserted, first.updated, first.unchanged) == (1000, 1000, 0, 0)

    again = import_sessions(store, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1000)

    path.write_text(thousand_sessions(goal_on_line_500="8"))  # one value changed
    changed = import_sessions(store, path)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 999)
    assert store.scalar("select goal_rating from sessions where session_id = 'S0498'") == 8


# -- identity, upserts and the import history -------------------------------------------------


def test_reimport_rewrites_nothing_and_update_moves_only_the_changed_row(store, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("session_id,client,date,status,fee\n"
                    "S1,C1,2026-03-02 14:00,attended,60\n"
                    "S2,C1,2026-03-09 14:00,attended,60\n")
    import_sessions(store, path)  # import 1
    before = sessions_table(store)
    import_sessions(store, path)  # import 2: the same file
    assert sessions_table(store) == before  # import_id included: nothing was rewritten

    path.write_text("session_id,client,date,status,fee\n"
                    "S1,C1,2026-03-02 14:00,attended,60\n"
                    "S2,C1,2026-03-09 14:00,no_show,60\n"
                    "S3,C1,2026-03-16 14:00,attended,60\n")
    report = import_sessions(store, path)  # import 3
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 1)
    assert rows(store, "session_id, status, import_id") == [
        ("S1", "attended", 1), ("S2", "no_show", 3), ("S3", "attended", 3)]


def test_sessions_absent_from_a_later_file_are_kept(store, tmp_path):
    import_sessions(store, write(tmp_path, "a.csv", "client,date,status\nC1,2026-03-02 14:00,attended\n"))
    import_sessions(store, write(tmp_path, "b.csv", "client,date,status\nC2,2026-03-02 15:00,attended\n"))
    assert rows(store, "client_id") == [("C1",), ("C2",)]


def test_each_import_is_recorded_with_the_file_hash(store, tmp_path):
    good = write(tmp_path, "good.csv", "client,date,status\nC1,2026-03-02 14:00,attended\n")
    bad = write(tmp_path, "bad.csv", "client,date,status\nC1,someday,attended\nC1,never,attended\n")
    import_sessions(store, good, file_name="upload.csv")
    with pytest.raises(ImportRejected):
        import_sessions(store, bad)
    import_sessions(store, good)
    history = rows(store, "import_id, kind, file_name, sha256, outcome, rows_inserted, "
                          "rows_updated, rows_unchanged, rows_rejected", "imports")
    good_hash = hashlib.sha256(good.read_bytes()).hexdigest()
    bad_hash = hashlib.sha256(bad.read_bytes()).hexdigest()
    assert history == [
        (1, "sessions", "upload.csv", good_hash, "imported", 1, 0, 0, 0),
        (2, "sessions", "bad.csv", bad_hash, "rejected", 0, 0, 0, 2),
        (3, "sessions", "good.csv", good_hash, "imported", 0, 0, 1, 0),
    ]


def test_identical_repeated_lines_are_imported_once(store, tmp_path):
    path = write(tmp_path, "log.csv", "client,date,status\n"
                                      "C1,2026-03-02 14:00,attended\n"
                                      "C2,2026-03-02 15:00,attended\n"
                                      "C1,2026-03-02 14:00,Présent\n")  # the same session again
    report = import_sessions(store, path)
    assert (report.rows_read, report.inserted) == (3, 2)
    assert report.warnings == ("1 line repeated an earlier line exactly (line 4 repeats line 2); "
                               "it was imported once.",)


def test_blank_rows_are_skipped_and_line_numbers_count_them(store, tmp_path):
    path = write(tmp_path, "log.csv", "client,date,status\n"
                                      "C1,2026-03-02 14:00,attended\n"
                                      "\n"
                                      ",,\n"
                                      "C1,2026-03-09 14:00,attended\n"
                                      "C1,2026-03-16 14:00,maybe\n")
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, path)
    report = rejected.value.report
    assert report.rows_read == 3  # lines 2, 5 and 6; lines 3 and 4 are blank
    [problem] = report.problems
    assert (problem.line, problem.column, problem.value) == (6, "status", "maybe")


def test_a_file_with_an_empty_line_imports_then_the_next_file_too(store, tmp_path):
    """The renumbered rows are a table of their own (not the CSV's numbered view): both are dropped
    before the rows are written, and the next import of the same kind starts afresh."""
    first = write(tmp_path, "first.csv", "client,date,status\nC1,2026-03-02 14:00,attended\n\n"
                                         "C1,2026-03-09 14:00,attended\n")
    assert import_sessions(store, first).inserted == 2
    second = write(tmp_path, "second.csv", "client,date,status\nC2,2026-03-02 15:00,attended\n"
                                           "C2,2026-03-09 15:00,soon\n")
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, second)
    assert [problem.line for problem in rejected.value.report.problems] == [3]
    assert rows(store, "client_id") == [("C1",), ("C1",)]


def test_line_numbers_hold_past_duckdbs_row_groups_and_threads(store, tmp_path):
    """A file of 300,000 rows (DuckDB reads it in parallel, into three row groups): a problem on a
    line near the end, one in the middle and the last line are named by the lines a spreadsheet
    shows."""
    bad = {150_001: "maybe", 250_003: "perhaps", 300_001: "later"}   # line → status
    text = ["client,date,status"] + [f"C{line},2026-03-02 14:00,{bad.get(line, 'attended')}"
                                     for line in range(2, 300_002)]
    path = write(tmp_path, "long.csv", "\n".join(text) + "\n")
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, path)
    problems = rejected.value.report.problems
    assert [(problem.line, problem.value) for problem in problems if problem.column == "status"] == sorted(bad.items())


def test_utf16_tab_separated_text(store, tmp_path):
    store.set_setting("date_order", "dmy")  # every date of this file could be read both ways (SPEC §3.5)
    # what Excel writes as "Unicode text"
    path = write(tmp_path, "log.txt", "Client\tDate\tStatut\nZoé\t02/03/2026 14:00\tvenue\n",
                 encoding="utf-16")
    assert import_sessions(store, path).warnings == ()
    assert rows(store, "client_id, status") == [("Zoé", "attended")]


def test_mapping_header_absent_from_the_file_is_a_warning(store, tmp_path):
    path = write(tmp_path, "log.csv", "client,date,status\nC1,2026-03-02 14:00,attended\n")
    report = import_sessions(store, path, mapping='[columns]\nfee = "Montant"\n')
    assert report.warnings == (
        "The mapping file reads fee from 'Montant', but this file has no such column (headers "
        "found: 'client', 'date', 'status'); the usual headers were tried instead.",)


def test_values_under_no_header_are_named_in_a_warning(store, tmp_path):
    path = write(tmp_path, "log.csv", "client,date,status,\nC1,2026-03-02 14:00,attended,x\n")
    report = import_sessions(store, path)
    assert report.warnings == ("Column 4 has values but no header; its values were ignored.",)


def test_a_long_list_of_problems_is_cut_with_a_count(store, tmp_path, monkeypatch):
    monkeypatch.setattr("alliance_metrics.ingest.MAX_PROBLEMS_LISTED", 2)
    path = write(tmp_path, "log.csv", "client,date,status\n" + "C1,soon,attended\n" * 5)
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, path)
    problems = rejected.value.report.problems
    assert [problem.line for problem in problems] == [2, 3, 0]  # 5 bad rows: 2 listed, 3 counted
    assert problems[-1].reason.startswith("…and 3 more problems after line 3 (the first 2 are listed)")
    assert store.scalar("select rows_rejected from imports") == 5


# -- the clients file and two files together ---------------------------------------------------


def test_clients_file(store, tmp_path):
    store.set_setting("date_order", "dmy")  # every date of this file could be read both ways (SPEC §3.5)
    path = write(tmp_path, "clients.csv",
                 "Code client;Nom;Objectif;Niveau initial;Cible;Date d'entrée;Contrat;Thérapeute\n"
                 "C1;Anne B.;Parler en public;3;8;05/01/2026;2026-01-05;T1\n"
                 "C2;Marc D.;;4,5;;;;\n")
    report = import_clients(store, path)
    assert (report.kind, report.inserted) == ("clients", 2)
    assert rows(store, "client_id, display_name, goal, goal_baseline, goal_target, intake_date, "
                       "contract_signed_on, therapist_id", "clients") == [
        ("C1", "Anne B.", "Parler en public", 3.0, 8.0, date(2026, 1, 5), date(2026, 1, 5), "T1"),
        ("C2", "Marc D.", None, 4.5, 10.0, None, None, None),  # goal_target defaults to 10
    ]


def test_files_imported_together_are_written_together_or_not_at_all(store, tmp_path):
    clients = write(tmp_path, "clients.csv", "client_id,display_name\nC1,Anne\n")
    bad_sessions = write(tmp_path, "sessions.csv", "client,date,status\nC1,2026-03-02 14:00,vu\n")
    with pytest.raises(ImportRejected) as rejected:
        import_files(store, bad_sessions, clients)
    clients_report, sessions_report = rejected.value.reports
    assert rejected.value.report is sessions_report
    assert sessions_report.problems[0].value == "vu"
    assert clients_report.problems == (Problem(0, "", "", (
        "Not imported because sessions.csv was rejected: files imported together are written "
        "together or not at all."), "not_imported_with_others"),)
    assert store.scalar("select count(*) from clients") == 0
    assert rows(store, "kind, outcome", "imports") == [("clients", "rejected"), ("sessions", "rejected")]

    good_sessions = write(tmp_path, "sessions.csv", "client,date,status\nC1,2026-03-02 14:00,venu\n")
    reports = import_files(store, good_sessions, clients)
    assert [(r.kind, r.inserted) for r in reports] == [("clients", 1), ("sessions", 1)]


# -- other formats ----------------------------------------------------------------------------------


def typed_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "session_id": ["S1", "S2"],
        "client_id": ["C1", "C2"],
        "scheduled_start": pd.to_datetime(["2026-03-02 14:00", "2026-03-03 09:30"]),
        "status": ["attended", "late cancel"],
        "engagement": [4, None],
        "fee": [60.5, 0.0],
        "paid_on": pd.to_datetime(["2026-03-04", None]),
    })


EXPECTED_TYPED = [
    ("S1", "C1", datetime(2026, 3, 2, 14, 0), "attended", 4, 60.5, date(2026, 3, 4)),
    ("S2", "C2", datetime(2026, 3, 3, 9, 30), "late_cancel", None, 0.0, None),
]
TYPED_COLUMNS = "session_id, client_id, scheduled_start, status, engagement, fee, paid_on"


def test_parquet_round_trip(store, tmp_path):
    path = tmp_path / "log.parquet"
    typed_frame().to_parquet(path)
    assert import_sessions(store, path).inserted == 2
    assert rows(store, TYPED_COLUMNS) == EXPECTED_TYPED


def test_xlsx_round_trip(store, tmp_path):
    path = tmp_path / "log.xlsx"
    typed_frame().to_excel(path, index=False, sheet_name="Séances")
    assert import_sessions(store, path).inserted == 2
    assert rows(store, TYPED_COLUMNS) == EXPECTED_TYPED


def test_xlsx_problems_give_the_sheet_row(store, tmp_path):
    path = tmp_path / "log.xlsx"
    frame = pd.DataFrame({"Client": ["C1", "C2"], "Date": ["2026-03-02 14:00", "2026-03-03 14:00"],
                          "Statut": ["présent", "présent"], "Objectif": [5, 12]})
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, index=False, startrow=2)  # two empty rows above the headers
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Notes", index=False)
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, path)
    report = rejected.value.report
    # headers on sheet row 3, C1 on row 4, C2 on row 5
    assert report.problems == (
        Problem(5, "Objectif", "12", "goal_rating must be a number from 0 to 10", "out_of_range"),)
    assert report.warnings == ("Only the first sheet, 'Sheet1', was read; other sheets ignored: 'Notes'.",)


def test_problems_frame(store, tmp_path):
    path = write(tmp_path, "log.csv", "client,date,status,engagement\nC1,2026-03-02 14:00,attended,0\n")
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, path)
    frame = rejected.value.report.problems_frame()
    # the code comes last: scripts reading the first four columns by position read them as before
    assert list(frame.columns) == ["line", "column", "value", "reason", "code"]
    assert frame.to_dict("records") == [
        {"line": 2, "column": "engagement", "value": "0",
         "reason": "engagement must be a whole number from 1 to 5", "code": "out_of_range"}]
