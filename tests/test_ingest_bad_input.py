"""What bad input gets (SPEC §3.4; issue 2's list): a clear problem each, and nothing written.

Every test of a rejected file also checks that the import was recorded as rejected and that the
sessions and clients tables are exactly as before.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from alliance_metrics.ingest import ImportRejected, Problem, import_clients, import_sessions

HEADER = "client,date,status"


def write(folder, name: str, text: str, encoding: str = "utf-8"):
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def contents(store) -> dict[str, list[tuple]]:
    """Everything an import may write, row for row."""
    with store.transaction() as cursor:
        return {table: cursor.execute(f"select * from {table} order by all").fetchall()
                for table in ("sessions", "clients")}


@pytest.fixture
def stocked(store, tmp_path):
    """A store already holding two sessions and a client, so that "unchanged" means something."""
    import_sessions(store, write(tmp_path, "first.csv", f"{HEADER},goal_rating\n"
                                                        "C1,2026-03-02 14:00,attended,5\n"
                                                        "C1,2026-03-09 14:00,attended,6\n"))
    import_clients(store, write(tmp_path, "clients.csv", "client_id,goal_baseline\nC1,4\n"))
    return store


def rejected(store, path, **options) -> tuple[Problem, ...]:
    """Import *path*, expect it rejected with nothing written; return its problems."""
    before = contents(store)
    imports_before = store.scalar("select count(*) from imports")
    with pytest.raises(ImportRejected) as raised:
        import_sessions(store, path, **options)
    assert contents(store) == before
    assert store.scalar("select count(*) from imports") == imports_before + 1
    assert store.scalar("select outcome from imports order by import_id desc limit 1") == "rejected"
    report = raised.value.report
    assert not report.ok and (report.inserted, report.updated, report.unchanged) == (0, 0, 0)
    return report.problems


def test_rejected_import_leaves_the_store_exactly_as_before(stocked, tmp_path):
    # would update line 2's session, insert line 3's, but line 4 is bad: none of it happens
    path = write(tmp_path, "log.csv", f"{HEADER},goal_rating\n"
                                      "C1,2026-03-02 14:00,attended,9\n"
                                      "C2,2026-03-16 14:00,attended,5\n"
                                      "C3,2026-03-16 15:00,attended,11\n")
    assert rejected(stocked, path) == (
        Problem(4, "goal_rating", "11", "goal_rating must be a number from 0 to 10", "out_of_range"),)
    assert stocked.scalar("select rows_rejected from imports order by import_id desc limit 1") == 1


def test_empty_file(stocked, tmp_path):
    assert rejected(stocked, write(tmp_path, "log.csv", "")) == (
        Problem(0, "", "", "log.csv is empty.", "file_empty"),)


def test_header_only(stocked, tmp_path):
    assert rejected(stocked, write(tmp_path, "log.csv", f"{HEADER}\n")) == (
        Problem(0, "", "", "log.csv has column headers but no rows: nothing to import.", "no_rows"),)


def test_required_column_missing(stocked, tmp_path):
    [problem] = rejected(stocked, write(tmp_path, "log.csv", "Client;Quand;Statut\nC1;02/03/2026 14:00;venu\n"))
    assert (problem.line, problem.column, problem.value) == (0, "", "")
    assert problem.reason.startswith("The session log needs a scheduled_start column")
    assert "Headers found: 'Client', 'Quand', 'Statut'." in problem.reason
    assert "date et heure" in problem.reason and "rendez-vous" in problem.reason
    assert '[columns] scheduled_start = "Your header"' in problem.reason


def test_unknown_column_is_ignored_with_a_warning(store, tmp_path):
    report = import_sessions(store, write(tmp_path, "log.csv", f"{HEADER},Notes\n"
                                                               "C1,2026-03-02 14:00,attended,fine\n"))
    assert report.inserted == 1
    assert report.warnings == ("Column 'Notes' is not part of the session log and was ignored.",)


@pytest.mark.parametrize("written, code, start", [
    ("02/03/26 14:00", "date_two_digit_year", "scheduled_start must be a date and time with a four-digit year"),
    ("2026-02-30 14:00", "not_a_date", "scheduled_start must be a date and time: write it as"),
    ("next Monday", "not_a_date", "scheduled_start must be a date and time: write it as"),
    ("31/02/2026 14:00", "not_a_date", "scheduled_start must be a date and time: write it as"),
    ("2026-13-05 14:00", "not_a_date", "scheduled_start must be a date and time: write it as"),
    ("25:00 02/03/2026", "not_a_date", "scheduled_start must be a date and time: write it as"),
])
def test_unparseable_date(stocked, tmp_path, written, code, start):
    # two-digit year, 30 February, words, 31 February (day first), month 13, time first
    [problem] = rejected(stocked, write(tmp_path, "log.csv", f"{HEADER}\nC1,{written},attended\n"))
    assert (problem.line, problem.column, problem.value, problem.code) == (2, "date", written, code)
    assert problem.reason.startswith(start)
    # every date problem says how a date may be written, whatever its first words
    assert "write it as 2026-03-02 14:00, 2026-03-02T14:00:00Z" in problem.reason
    assert '[dates] format = "' in problem.reason


def test_day_first_date_is_read_as_day_first(store, tmp_path):
    store.set_setting("date_order", "dmy")  # every date of this file could be read both ways (SPEC §3.5)
    import_sessions(store, write(tmp_path, "log.csv", f"{HEADER},paid_on\n"
                                                      "C1,02/03/2026 14:00,attended,05/03/2026\n"))
    # 02/03/2026 is 2 March (not 3 February); 05/03/2026 is 5 March
    assert store.scalar("select strftime(scheduled_start, '%Y-%m-%d %H:%M') from sessions") == "2026-03-02 14:00"
    assert str(store.scalar("select paid_on from sessions")) == "2026-03-05"


def test_unknown_status_lists_the_accepted_labels_and_the_mapping(stocked, tmp_path):
    [problem] = rejected(stocked, write(tmp_path, "log.csv", f"{HEADER}\nC1,2026-03-16 14:00,Vu\n"))
    assert (problem.line, problem.column, problem.value) == (2, "status", "Vu")
    assert problem.reason.startswith("status must be a known label. Accepted status labels")
    for label in ("présent", "annulation tardive", "absent non excusé", "clinician canceled", "à venir"):
        assert label in problem.reason
    assert '[status] "Your label" = "no_show"' in problem.reason


@pytest.mark.parametrize("column, written, reason", [
    ("goal_rating", "14", "goal_rating must be a number from 0 to 10"),
    ("goal_rating", "-1", "goal_rating must be a number from 0 to 10"),
    ("goal_rating", "NaN", "goal_rating must be a number from 0 to 10"),
    ("engagement", "0", "engagement must be a whole number from 1 to 5"),
    ("engagement", "3.5", "engagement must be a whole number from 1 to 5"),
    ("engagement", "300", "engagement must be a whole number from 1 to 5"),
    ("fee", "-60", "fee must be a number, 0 or more"),
    ("fee", "60 euros", "fee must be a number, 0 or more"),
    ("alliance_rating", "41", "alliance_rating must be a number from 0 to 40"),
    ("homework_done", "1.5", "homework_done must be a share from 0 to 1 (0.5 = half the agreed "
                             "practice) or yes/no (oui/non); leave it blank when no practice was agreed"),
    ("duration_min", "0", "duration_min must be a whole number of minutes from 1 to 1440"),
    ("paid_on", "31/02/2026", "paid_on must be a date: write it as 2026-03-02 14:00"),
    ("paid", "maybe", "paid must say whether the fee is paid — paid: paid, yes"),
])
def test_impossible_values_are_errors_never_clipped(stocked, tmp_path, column, written, reason):
    [problem] = rejected(stocked, write(tmp_path, "log.csv",
                                        f"{HEADER},{column}\nC1,2026-03-16 14:00,attended,{written}\n"))
    assert (problem.line, problem.column, problem.value) == (2, column, written)
    assert problem.reason.startswith(reason)


def test_same_session_id_twice_with_different_content(stocked, tmp_path):
    path = write(tmp_path, "log.csv", "session_id,client,date,status\n"
                                      "S1,C1,2026-03-16 14:00,attended\n"
                                      "S2,C1,2026-03-23 14:00,attended\n"
                                      "S1,C1,2026-03-16 14:00,no_show\n")
    assert rejected(stocked, path) == (
        Problem(2, "session_id", "S1", "session_id 'S1' is also on line 4 with different values; "
                                       "keep one line per session, the right one", "duplicate_id"),
        Problem(4, "session_id", "S1", "session_id 'S1' is also on line 2 with different values; "
                                       "keep one line per session, the right one", "duplicate_id"),
    )


def test_a_bad_line_repeated_exactly_is_reported_on_each_line(stocked, tmp_path):
    path = write(tmp_path, "log.csv", f"{HEADER},goal_rating\n" + "C1,2026-03-16 14:00,attended,14\n" * 2)
    assert [problem.line for problem in rejected(stocked, path)] == [2, 3]


def test_same_client_and_start_twice_without_session_id(stocked, tmp_path):
    path = write(tmp_path, "log.csv", f"{HEADER}\nC1,2026-03-16 14:00,attended\n"
                                      "C1,16/03/2026 14:00,no_show\n")
    problems = rejected(stocked, path)
    assert [(p.line, p.column, p.value) for p in problems] == [
        (2, "date", "2026-03-16 14:00"), (3, "date", "16/03/2026 14:00")]
    assert problems[0].reason.startswith(
        "the same client and start (session 'C1@2026-03-16T14:00:00') is also on line 3")


def test_cancelled_at_after_scheduled_start(stocked, tmp_path):
    path = write(tmp_path, "log.csv", f"{HEADER},cancelled_at\n"
                                      "C1,2026-03-16 14:00,cancelled,2026-03-16 14:30\n")
    assert rejected(stocked, path) == (Problem(2, "cancelled_at", "2026-03-16 14:30", (
        "cancelled_at is after scheduled_start (2026-03-16 14:00): a cancellation is made "
        "before the session"), "cancelled_after_start"),)


def test_cancellation_details_on_a_session_that_was_not_cancelled(stocked, tmp_path):
    path = write(tmp_path, "log.csv", f"{HEADER},cancelled_by\n"
                                      "C1,2026-03-16 14:00,attended,client\n"
                                      "C1,2026-03-23 14:00,Clinician Canceled,client\n"
                                      "C1,2026-03-30 14:00,cancelled,nobody\n")
    assert rejected(stocked, path) == (
        Problem(2, "cancelled_by", "client",
                "cancelled_by is only for cancellations, and this session's status is attended",
                "only_for_cancellations"),
        Problem(3, "cancelled_by", "client",
                "the status says the therapist cancelled, but cancelled_by says the client",
                "cancelled_by_contradicts_status"),
        Problem(4, "cancelled_by", "nobody", "cancelled_by must be client or therapist (client: "
                "client, cliente, patient, patiente; therapist: therapist, clinician, practitioner, "
                "provider, thérapeute, praticien, praticienne)", "unknown_label"),
    )


def test_latin1_file_is_read_right(store, tmp_path):
    store.set_setting("date_order", "dmy")  # every date of this file could be read both ways (SPEC §3.5)
    path = write(tmp_path, "log.csv", "Client;Date;Statut\nHélène;02/03/2026 14:00;présent\n",
                 encoding="latin-1")
    report = import_sessions(store, path)
    assert store.scalar("select client_id from sessions") == "Hélène"
    assert store.scalar("select status from sessions") == "attended"
    assert report.warnings == (
        "log.csv is not UTF-8, so it was read as Windows-1252 (Western European; Excel's CSV "
        "encoding on Windows). Check that accented letters look right, or save the file as CSV UTF-8.",)


def test_windows_1252_characters_outside_latin1(store, tmp_path):
    store.set_setting("date_order", "dmy")  # every date of this file could be read both ways (SPEC §3.5)
    # ’ (0x92) and € (0x80) exist in Windows-1252, not in Latin-1
    path = write(tmp_path, "log.csv", "Client;Date;Statut;Tarif\nL’Hôte;02/03/2026 14:00;présent;60 €\n",
                 encoding="cp1252")
    import_sessions(store, path)
    assert store.scalar("select client_id || ' ' || fee from sessions") == "L’Hôte 60.0"


def test_formula_like_cell_stays_plain_text(store, tmp_path):
    cell = '=HYPERLINK("http://x","y")'
    path = write(tmp_path, "log.csv", f'{HEADER}\n"{cell.replace(chr(34), 2 * chr(34))}",'
                                      "2026-03-02 14:00,attended\n")
    import_sessions(store, path)
    assert store.scalar("select client_id from sessions") == cell


def test_file_larger_than_the_limit_is_refused(stocked, tmp_path):
    path = write(tmp_path, "log.csv", f"{HEADER}\nC1,2026-03-16 14:00,attended\n")  # 48 bytes
    assert rejected(stocked, path, max_bytes=40) == (Problem(0, "", "", (
        "log.csv is 0.0 MB (48 bytes), over the import limit of 0.0 MB (40 bytes). Split it "
        "(by year, say) and import each part."), "file_too_large"),)


def test_line_with_too_many_values(stocked, tmp_path):
    path = write(tmp_path, "log.csv", f"{HEADER},fee\nC1,2026-03-16 14:00,attended,60,50\n")
    assert rejected(stocked, path) == (Problem(2, "", "C1,2026-03-16 14:00,attended,60,50", (
        "this line has more values than the 4 headers: a value probably holds a comma without "
        "quotes around it"), "csv_too_many_values"),)


def test_line_with_two_values_too_many_is_one_problem(stocked, tmp_path):
    # DuckDB rejects such a line once per extra value: the report names the line once
    path = write(tmp_path, "log.csv", f"{HEADER}\nC1,2026-03-16 14:00,attended,60,50\n")
    assert [(problem.line, problem.code) for problem in rejected(stocked, path)] == [(2, "csv_too_many_values")]


TITLED = "Séances de mars 2026;;\n\nclient;date;status\nC1;2026-03-16 14:00;attended\n"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])   # the first streams, the second is loaded
def test_a_title_above_the_headers_is_named_with_the_line_of_the_headers(stocked, tmp_path, encoding):
    assert rejected(stocked, write(tmp_path, "log.csv", TITLED, encoding)) == (Problem(0, "", "", (
        "log.csv: the column headers must come first, but the file starts with 'Séances de mars "
        "2026'; the headers are on line 3 (client, date, status). Delete the lines above the headers "
        "(a title, a date, notes), save the file, then import again."), "headers_further_down"),)


def test_a_title_row_above_a_sheets_headers_is_named_with_their_row(stocked, tmp_path):
    workbook = openpyxl.Workbook()
    for row in ([], ["Sessions, March 2026"], [], ["Client", "Date", "Status"], ["C1", "2026-03-16 14:00", "attended"]):
        workbook.active.append(row)
    workbook.save(path := tmp_path / "log.xlsx")
    [problem] = rejected(stocked, path)
    assert (problem.code, problem.line) == ("headers_further_down", 0)
    assert "starts with 'Sessions, March 2026'; the headers are on line 4 (Client, Date, Status)" in problem.reason


def test_headers_that_are_not_a_session_logs_are_said_before_its_lines(stocked, tmp_path):
    # lines 2 and 4 have one value for two headers: beside headers that match nothing, not worth a word
    path = write(tmp_path, "log.csv", "dtype,input\n## denormals ##\nnp.float32,0x004b4716\n## zero ##\n")
    assert {problem.code for problem in rejected(stocked, path)} == {"header_missing"}


def test_old_excel_file_is_refused_with_what_to_do(stocked, tmp_path):
    path = tmp_path / "log.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    [problem] = rejected(stocked, path)
    assert "old-style Excel .xls workbook. Save it as .xlsx" in problem.reason


def test_corrupt_parquet_is_rejected_and_recorded(stocked, tmp_path):
    path = tmp_path / "log.parquet"
    pd.DataFrame({"client": ["C1"]}).to_parquet(path)
    path.write_bytes(path.read_bytes()[:-12])  # cut off the footer
    [problem] = rejected(stocked, path)
    assert problem.line == 0 and problem.reason.startswith("log.parquet could not be read as Parquet")


def test_not_a_workbook(stocked, tmp_path):
    path = tmp_path / "log.xlsx"
    path.write_bytes(b"PK\x03\x04 this is no zip")
    [problem] = rejected(stocked, path)
    assert "could not be read as an Excel .xlsx workbook" in problem.reason


def test_every_rejected_row_is_reported_not_just_the_first(stocked, tmp_path):
    path = write(tmp_path, "log.csv", f"{HEADER},engagement\n"
                                      "C1,2026-03-16 14:00,attended,0\n"
                                      ",2026-03-17 14:00,attended,3\n"
                                      "C1,2026-03-18 14:00,,6\n")
    assert [(p.line, p.column, p.value) for p in rejected(stocked, path)] == [
        (2, "engagement", "0"),
        (3, "client", ""),
        (4, "status", ""), (4, "engagement", "6"),
    ]


def test_bad_clients_file(store, tmp_path):
    path = write(tmp_path, "clients.csv", "client_id,goal_baseline,goal_target,intake_date\n"
                                          "C1,11,10,2026-01-05\n"
                                          "C2,4,,2026-13-05\n")
    with pytest.raises(ImportRejected) as raised:
        import_clients(store, path)
    first, second = raised.value.report.problems
    assert first == Problem(2, "goal_baseline", "11", "goal_baseline must be a number from 0 to 10",
                           "out_of_range")
    assert (second.line, second.column, second.value) == (3, "intake_date", "2026-13-05")
    assert second.reason.startswith("intake_date must be a date: write it as 2026-03-02")
    assert store.scalar("select count(*) from clients") == 0
