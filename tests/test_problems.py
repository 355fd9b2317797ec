"""Import problem codes and their words (alliance_metrics.problems; SPEC §3.4, §7).

The SQL and the importer say what is wrong as a code; the words are made in Python. Checked
here: every code the SQL can emit has words and is emitted (scanning the SQL), no range is
written in the SQL (they come from the column catalogue), and a small hand-written bad file
triggers each code of the catalogue — its line, column, code and words checked.
"""

from __future__ import annotations

import re
from importlib import resources

import openpyxl
import pandas as pd
import pytest

from alliance_metrics import ingest, problems
from alliance_metrics.columns import SESSION_COLUMNS, CLIENT_COLUMNS, range_parameters
from alliance_metrics.ingest import ImportRejected, import_clients, import_files, import_sessions
from alliance_metrics.problems import CATALOGUE, CELL_CODES, hint, reason

SQL = resources.files("alliance_metrics") / "sql"
PARSE_FILES = ("import_parsers.sql", "import_sessions_parse.sql", "import_clients_parse.sql")


def parse_sql() -> str:
    return "\n".join((SQL / name).read_text("utf-8") for name in PARSE_FILES)


def codes_in_sql(text: str) -> set[str]:
    """The codes the parse SQL can put in a problem: literal third arguments of problem(…), and
    the literals number_code and date_code return."""
    literal = set(re.findall(r"problem\('\w+', \w+,\s*'(\w+)'", text))
    for macro in ("number_code", "date_code"):
        body = re.search(rf"macro {macro}\(.*?\bend;", text, re.S).group(0)
        literal |= set(re.findall(r"(?:then|else) '(\w+)'", body))
    return literal


def test_the_sql_emits_exactly_the_cell_codes_and_each_has_words():
    emitted = codes_in_sql(parse_sql())
    assert emitted == set(CELL_CODES)
    assert emitted <= CATALOGUE.keys()


def test_the_sql_writes_no_sentence_and_no_range():
    text = parse_sql()
    # no English reason left: the old reasons all said "must be" or "is required"
    assert "must be" not in text and "is required" not in text
    for kind in ("sessions", "clients"):
        body = (SQL / f"import_{kind}_parse.sql").read_text("utf-8")
        # no bound written by hand: every range is a bound parameter from the column catalogue
        # (import_parsers.sql keeps the plausible years of a date, 1900–2100, no column's range)
        assert not re.search(r"between\s+-?\d|[<>]=?\s*-?\d", body)
        assert set(re.findall(r"\$(\w+_(?:low|high))\b", body)) == set(range_parameters(kind))


@pytest.mark.parametrize("column", [c for c in (*SESSION_COLUMNS, *CLIENT_COLUMNS)
                                    if c.minimum is not None or c.maximum is not None],
                         ids=lambda c: c.name)
def test_range_words_come_from_the_column_catalogue(column):
    words = reason("out_of_range", column.name)
    assert words.startswith(f"{column.name} must be ")
    for bound in (column.minimum, column.maximum):
        if bound is not None:
            assert f"{bound:g}" in words


def test_a_moved_range_moves_the_words_and_the_check(store, tmp_path, monkeypatch):
    # engagement 1–5 becomes 1–7 in the catalogue alone: 6 is then accepted, 8 refused as 1–7
    wider = [c if c.name != "engagement" else type(c)(**{**c.__dict__, "maximum": 7})
             for c in SESSION_COLUMNS]
    monkeypatch.setattr("alliance_metrics.columns.SESSION_COLUMNS", tuple(wider))
    monkeypatch.setattr("alliance_metrics.problems._COLUMNS",
                        {**problems._COLUMNS, "engagement": wider[[c.name for c in wider].index("engagement")]})
    path = tmp_path / "log.csv"
    path.write_text("client,date,status,engagement\nC1,2026-03-02 14:00,attended,6\n"
                    "C1,2026-03-09 14:00,attended,8\n")
    with pytest.raises(ImportRejected) as raised:
        import_sessions(store, path)
    [problem] = raised.value.report.problems
    assert (problem.line, problem.value, problem.code) == (3, "8", "out_of_range")
    assert problem.reason == "engagement must be a whole number from 1 to 7"


# -- every code, from a small bad file ----------------------------------------------------------

HEADER = "client,date,status"
OK_ROW = "C1,2026-03-02 14:00,attended"


def csv(text: str):
    return lambda folder: _write(folder, "log.csv", text.encode("utf-8"))


def raw(name: str, data: bytes):
    return lambda folder: _write(folder, name, data)


def _write(folder, name, data):
    path = folder / name
    path.write_bytes(data)
    return path


def corrupt_parquet(folder):
    path = folder / "log.parquet"
    pd.DataFrame({"client": ["C1"]}).to_parquet(path)
    path.write_bytes(path.read_bytes()[:-12])
    return path


def empty_workbook(folder):
    path = folder / "log.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Log"
    workbook.save(path)
    return path


#: code → (file, expected (line, column) of the problem with that code, options for the import).
CASES = {
    "missing": (csv(f"{HEADER}\n,2026-03-02 14:00,attended\n"), (2, "client"), {}),
    "not_a_number": (csv(f"{HEADER},fee\n{OK_ROW},sixty\n"), (2, "fee"), {}),
    "not_whole": (csv(f"{HEADER},engagement\n{OK_ROW},3.5\n"), (2, "engagement"), {}),
    "out_of_range": (csv(f"{HEADER},goal_rating\n{OK_ROW},5\nC1,2026-03-09 14:00,attended,14\n"),
                     (3, "goal_rating"), {}),
    "not_a_date": (csv(f"{HEADER}\nC1,soon,attended\n"), (2, "date"), {}),
    "date_two_digit_year": (csv(f"{HEADER}\nC1,02/03/26 14:00,attended\n"), (2, "date"), {}),
    "date_month_name": (csv(f"{HEADER}\nC1,2 Nov 2026 09:30,attended\n"), (2, "date"), {}),
    "date_excel_serial": (csv(f"{HEADER}\nC1,46329,attended\n"), (2, "date"), {}),
    "unknown_label": (csv(f"{HEADER}\nC1,2026-03-02 14:00,maybe\n"), (2, "status"), {}),
    "only_for_cancellations": (csv(f"{HEADER},cancelled_by\n{OK_ROW},client\n"), (2, "cancelled_by"), {}),
    "cancelled_by_contradicts_status": (
        csv(f"{HEADER},cancelled_by\nC1,2026-03-02 14:00,Clinician Canceled,client\n"), (2, "cancelled_by"), {}),
    "cancelled_after_start": (
        csv(f"{HEADER},cancelled_at\nC1,2026-03-02 14:00,cancelled,2026-03-02 15:00\n"), (2, "cancelled_at"), {}),
    "duplicate_id": (csv("session_id,client,date,status\nS1,C1,2026-03-02 14:00,attended\n"
                         "S1,C1,2026-03-02 14:00,no_show\n"), (2, "session_id"), {}),
    "duplicate_start": (csv(f"{HEADER}\n{OK_ROW}\nC1,2026-03-02 14:00,no_show\n"), (2, "date"), {}),
    "more_problems": (csv(f"{HEADER}\nC1,soon,attended\nC1,later,attended\n"), (0, ""), {}),
    "file_empty": (raw("log.csv", b""), (0, ""), {}),
    "file_too_large": (csv(f"{HEADER}\n{OK_ROW}\n"), (0, ""), {"max_bytes": 10}),
    "file_xls": (raw("log.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)), (0, ""), {}),
    "file_unreadable": (corrupt_parquet, (0, ""), {}),
    "file_not_xlsx": (raw("log.xlsx", b"PK\x03\x04 this is no zip"), (0, ""), {}),
    "file_cut_short": (raw("log.csv", b"\xff\xfe" + HEADER.encode("utf-16-le") + b"x"), (0, ""), {}),
    "header_line_empty": (csv(f"\n{OK_ROW}\n"), (0, ""), {}),
    "header_line_invalid": (csv('"' + "a" * 140_000 + '",date\nC1,x\n'), (0, ""), {}),
    "headers_further_down": (csv(f"Sessions, March 2026\n{HEADER}\n{OK_ROW}\n"), (0, ""), {}),
    "sheet_empty": (empty_workbook, (0, ""), {}),
    "no_rows": (csv(f"{HEADER}\n"), (0, ""), {}),
    "csv_too_many_values": (csv(f"{HEADER}\n{OK_ROW},60\n"), (2, ""), {}),
    "csv_too_few_values": (csv(f"{HEADER}\nC1,2026-03-02 14:00\n"), (2, "status"), {}),
    "csv_stray_quote": (csv(f'{HEADER}\n"C1"x,2026-03-02 14:00,attended\n'), (2, "client"), {}),
    "csv_line_too_long": (csv(f"{HEADER}\nC1,2026-03-02 14:00," + "a" * 2_200_000 + "\n"), (2, ""), {}),
    "header_mapped_twice": (csv(f"Who,Who,date,status\nC1,C2,2026-03-02 14:00,attended\n"), (0, ""),
                            {"mapping": '[columns]\nclient_id = "Who"\n'}),
    "header_ambiguous": (csv("Client,Patient,date,status\nC1,C1,2026-03-02 14:00,attended\n"), (0, ""), {}),
    "header_missing": (csv("client,date\nC1,2026-03-02 14:00\n"), (0, ""), {}),
    "dates_both_orders": (csv(f"{HEADER}\nC1,29/04/2016 09:30,attended\nC1,04/30/2016 09:30,attended\n"),
                          (0, ""), {}),
    "dates_undecided": (csv(f"{HEADER}\nC1,11/02/2026 09:30,attended\n"), (0, "date"), {}),
}
#: Codes triggered otherwise below (two files, or a session already stored), or unreachable from a file.
ELSEWHERE = {"probable_duplicate", "not_imported_with_others", "csv_unreadable_line"}

#: Names of the program's insides that no user should read.
INTERNAL = re.compile(r"_text\b|parsed_|staged_|raw_|\bnull\b|\bNone\b|\$|\{|\}|struct|macro|\bSQL\b"
                      r"|\bc\d+\b|Traceback")


def check_words(problem) -> None:
    assert problem.reason.strip() and problem.code in CATALOGUE
    assert not INTERNAL.search(problem.reason), problem.reason


def test_every_code_has_a_case():
    assert CASES.keys() | ELSEWHERE == CATALOGUE.keys()


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_code_from_a_small_bad_file(store, tmp_path, monkeypatch, code):
    make, (line, column), options = CASES[code]
    if code == "more_problems":
        monkeypatch.setattr("alliance_metrics.ingest.MAX_PROBLEMS_LISTED", 1)
    with pytest.raises(ImportRejected) as raised:
        import_sessions(store, make(tmp_path), **options)
    report = raised.value.report
    found = [p for p in report.problems if p.code == code]
    assert found, [(p.code, p.reason) for p in report.problems]
    assert (found[0].line, found[0].column) == (line, column)
    for problem in report.problems:
        check_words(problem)
    # the grouped report and both tables carry the code
    assert code in {group.code for group in report.groups} | {"more_problems"}
    assert code in set(report.problems_frame()["code"])
    for group in report.groups:
        assert group.reason.strip() and not INTERNAL.search(group.reason + " " + group.hint)


def test_probable_duplicate_and_files_imported_together(store, tmp_path):
    first = tmp_path / "first.csv"
    first.write_text("session_id,client,date,status\nS1,C1,2026-03-02 14:00,attended\n")
    import_sessions(store, first)
    again = tmp_path / "again.csv"
    again.write_text("session_id,client,date,status\nS2,C1,2026-03-02 14:00,attended\n")
    clients = tmp_path / "clients.csv"
    clients.write_text("client_id\nC1\n")
    with pytest.raises(ImportRejected) as raised:
        import_files(store, again, clients)
    sessions_report, clients_report = raised.value.report, raised.value.reports[0]
    [duplicate] = sessions_report.problems
    assert (duplicate.line, duplicate.column, duplicate.value, duplicate.code) == (
        2, "session_id", "S2", "probable_duplicate")
    assert duplicate.reason.startswith("probable duplicate: client 'C1' already has a session at "
                                       "2026-03-02 14:00, stored as 'S1'")
    [together] = clients_report.problems
    assert (together.line, together.code) == (0, "not_imported_with_others")
    assert together.reason == ("Not imported because again.csv was rejected: files imported "
                               "together are written together or not at all.")


def test_an_unknown_csv_error_still_gets_words():
    problem = ingest._csv_problem(4, "", "x", "SOMETHING NEW", 3, ",")
    assert (problem.line, problem.code) == (4, "csv_unreadable_line")
    assert problem.reason == "this line cannot be read as CSV (something new)"


def test_clients_file_codes_and_lines(store, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("client_id,goal_baseline,intake_date\nC1,11,2026-03-02\nC2,4,46329\n,x,\n")
    with pytest.raises(ImportRejected) as raised:
        import_clients(store, path)
    assert [(p.line, p.column, p.code) for p in raised.value.report.problems] == [
        (2, "goal_baseline", "out_of_range"),
        (3, "intake_date", "date_excel_serial"),
        (4, "client_id", "missing"),
        (4, "goal_baseline", "not_a_number"),
    ]
    serial = raised.value.report.problems[1]
    assert serial.reason.startswith("intake_date must be a date, and a number such as this is an "
                                    "Excel date serial")


# -- the words themselves -------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_words_of_every_code_fill_and_are_plain(code):
    # any field of the right sort, and a stand-in for each value the words need
    field = {"not_a_number": "fee", "not_whole": "engagement", "out_of_range": "goal_rating",
             "unknown_label": "status"}.get(code, "scheduled_start")
    values = {name: "X" for name in CATALOGUE[code].needs}
    if code == "header_ambiguous":
        values["headers"] = ["A", "B"]
    if code == "header_missing":
        values |= {"kind": "sessions", "headers": ["A"], "aliases": ("date",)}
    for name in ("more", "listed"):
        if name in values:
            values[name] = 3
    words = reason(code, field, "attended", example="46329", **values)
    assert words.strip() and not INTERNAL.search(words), words
    advice = hint(code, field, "attended", example="46329", **values)
    assert not INTERNAL.search(advice), advice


def test_words_missing_a_value_say_which():
    with pytest.raises(TypeError, match="need rule"):
        reason("not_a_date", "paid_on")
    with pytest.raises(ValueError, match="not a problem code"):
        reason("no_such_code")


def test_specific_date_hints():
    assert hint("date_two_digit_year", "scheduled_start", example="02/03/26 14:00").startswith(
        "Write years with four digits (02/03/2026 14:00, not 02/03/26 14:00)")
    assert '[dates] format = "%d %b %Y %H:%M"' in hint("date_month_name", "scheduled_start",
                                                      example="2 Nov 2026 09:30")
    assert '[dates] format = "%B %d, %Y %I:%M %p"' in hint("date_month_name", "scheduled_start",
                                                           example="November 2, 2026 9:30 AM")
    # a French month is not read by any format: the hint says so, without a format to copy
    french = hint("date_month_name", "scheduled_start", example="2 novembre 2026")
    assert "English only" in french and "2 novembre 2026" not in french
    serial = hint("date_excel_serial", "scheduled_start", example="46329")
    assert serial.startswith("As an Excel serial, 46329 would be 3 November 2026.")
    assert "[dates] format" in serial and "as text" in serial
    # the month-first hint of a plain unreadable date, as before the codes
    assert hint("not_a_date", "paid_on", example="04/29/2016").startswith(
        'These dates look month first: add [dates] order = "mdy"')
    assert hint("not_a_date", "paid_on", example="soon") == ""


def test_a_declared_month_name_format_reads_what_the_hint_suggests(store, tmp_path):
    # the hint's format, copied into the mapping file, imports the file it was given for
    path = tmp_path / "log.csv"
    path.write_text(f"{HEADER}\nC1,2 Nov 2026 09:30,attended\n")
    advice = hint("date_month_name", "scheduled_start", example="2 Nov 2026 09:30")
    declared = re.search(r'\[dates\] format = "([^"]+)"', advice).group(1)
    report = import_sessions(store, path, mapping=f'[dates]\nformat = "{declared}"\n')
    assert report.inserted == 1
    assert store.scalar("select strftime(scheduled_start, '%Y-%m-%d %H:%M') from sessions") == "2026-11-02 09:30"


def test_every_code_is_documented_in_the_data_dictionary_in_order():
    dictionary = (resources.files("alliance_metrics").parent / "docs" / "data-dictionary.md").read_text("utf-8")
    section = dictionary.split("## Import problem codes", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| ([a-z_]+) \|", section, flags=re.MULTILINE)
    assert [code for code in documented if code != "code"] == list(CATALOGUE)


@pytest.mark.parametrize("written, code", [
    ("02/03/26", "date_two_digit_year"), ("2.3.26 9:30", "date_two_digit_year"),
    ("02/03/2026 25:00", "not_a_date"),               # a four-digit year is no two-digit one
    ("2 novembre 2026", "date_month_name"), ("Sept 3, 2026", "date_month_name"),
    ("3-Mar-2026", "date_month_name"),
    ("junk 12", "not_a_date"), ("May", "not_a_date"),  # a word starting like a month; no number
    ("46329", "date_excel_serial"), ("46329.5", "date_excel_serial"), ("4632", "not_a_date"),
])
def test_the_shape_of_an_unreadable_date_picks_its_code(store, tmp_path, written, code):
    path = tmp_path / "log.csv"
    path.write_text(f"{HEADER}\nC1,\"{written}\",attended\n")
    with pytest.raises(ImportRejected) as raised:
        import_sessions(store, path, mapping='[dates]\norder = "dmy"\n')
    [problem] = raised.value.report.problems
    assert (problem.line, problem.value, problem.code) == (2, written, code)


def test_a_row_detail_stays_on_the_line_and_out_of_the_group(store, tmp_path):
    # two cancellations made after their sessions: each line names its own start, the group both
    path = tmp_path / "log.csv"
    path.write_text(f"{HEADER},cancelled_at\n"
                    "C1,2026-03-02 14:00,cancelled,2026-03-02 15:00\n"
                    "C2,2026-03-03 09:00,cancelled,2026-03-04 09:00\n")
    with pytest.raises(ImportRejected) as raised:
        import_sessions(store, path)
    report = raised.value.report
    assert [p.reason for p in report.problems] == [
        "cancelled_at is after scheduled_start (2026-03-02 14:00): a cancellation is made before the session",
        "cancelled_at is after scheduled_start (2026-03-03 09:00): a cancellation is made before the session",
    ]
    [group] = report.groups
    assert (group.code, group.count, group.lines, group.example) == (
        "cancelled_after_start", 2, (2, 3), "2026-03-02 15:00")
    assert group.reason == "cancelled_at is after scheduled_start: a cancellation is made before the session"
