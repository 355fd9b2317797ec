"""A UTF-8 CSV file without empty lines is read where it is, by each query, rather than loaded as
text first (ingest._Source.streams): its rows get their lines from their places in the parsed
table, which only holds if DuckDB writes the parsed rows in the file's order. These tests hold
that order, the lines it gives, and that a streamed file imports exactly as a loaded one."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from alliance_metrics import ingest
from alliance_metrics.ingest import ImportRejected, import_sessions
from alliance_metrics.store import Store, sql
from tests.test_fault_fuzz import session_file

HEADER = "session_id,client_id,scheduled_start,status,cancelled_by,homework_done,engagement,fee,paid\n"
ROWS = [
    "s1,A,2026-03-02 10:00,attended,,yes,4,60,oui\n",       # line 2
    ",,,,,,,,\n",                                            # line 3: no value, no row
    "s2,A,2026-03-09 10:00,annulé,client,,,60,\n",           # line 4
    "s3,B,2026-03-09 11:00,attended,,0.5,9,60,non\n",        # line 5: engagement 9 is out of range
    " , ,,,,,,,\n",                                          # line 6: spaces only, no row either
    "s4,B,2026-03-16 11:00,maybe,,1,3,60,\n",                # line 7: an unknown status
]


def write(folder: Path, text: str, name: str = "log.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def report_of(store: Store, path: Path):
    """What an import said: its problems and warnings, or its counts; and the sessions stored."""
    try:
        report = import_sessions(store, path)
        said = ("imported", report.inserted, report.updated, report.warnings, report.notes)
    except ImportRejected as rejected:
        said = ("rejected", [(p.line, p.column, p.value, p.code, p.reason) for p in rejected.report.problems],
                rejected.report.warnings)
    stored = store._con.execute(
        "select * exclude (import_id) from sessions order by session_id").fetchall()
    return said, stored


def loaded(monkeypatch) -> None:
    """Make every file load its cells first, as files in other encodings or with empty lines do."""
    monkeypatch.setattr(ingest._Source, "streams", property(lambda source: False))


def test_a_utf8_csv_streams_and_others_load(tmp_path):
    plain = ingest._inspect(ingest._Job("sessions", write(tmp_path, HEADER + "".join(ROWS))))
    with_empty_line = ingest._inspect(ingest._Job("sessions", write(tmp_path, HEADER + ROWS[0] + "\n" + ROWS[2], "e.csv")))
    latin = tmp_path / "l.csv"
    latin.write_bytes((HEADER + ROWS[2]).encode("cp1252"))
    assert plain.streams
    assert not with_empty_line.streams
    assert not ingest._inspect(ingest._Job("sessions", latin)).streams


def test_the_parse_of_a_streamed_file_keeps_the_file_s_order(store, tmp_path):
    """The plan DuckDB makes for the parse, with every column and label kind the importer reads,
    is an order-keeping insert. A join in the parse (the label tables it had, or list_contains,
    which DuckDB turns into one) makes it a parallel insert and fails this test."""
    source = ingest._inspect(ingest._Job("sessions", write(tmp_path, HEADER + "".join(ROWS))))
    seen = []
    real = ingest._writes_in_order

    def spy(cursor, query, params):
        seen.append(real(cursor, query, params))
        return seen[-1]

    with store.transaction() as cursor:
        cursor.execute(sql("import_parsers"))
        original, ingest._writes_in_order = ingest._writes_in_order, spy
        try:
            ingest._stage(cursor, source, None, store.settings())
        finally:
            ingest._writes_in_order = original
        # and the check can say no: the parse joined to a table of labels, as it once was
        joined = ("create or replace temp table joined as select * from staged_sessions "
                  "left join (values ('attended', 'attended')) as labels(label, status) "
                  "on labels.label = staged_sessions.status_text")
        assert not ingest._writes_in_order(cursor, joined, {})
    assert seen == [True]


@pytest.mark.parametrize("how", ["streams", "numbered as read", "loaded"])
def test_lines_count_the_rows_without_values(store, tmp_path, monkeypatch, how):
    """Worked by hand: the header is line 1, the rows without a value (lines 3 and 6) are no
    sessions but keep their lines; engagement 9 is on line 5, the unknown status on line 7."""
    if how == "numbered as read":   # DuckDB's plan would not keep the order: rows numbered as read
        monkeypatch.setattr(ingest, "_writes_in_order", lambda cursor, query, params: False)
    if how == "loaded":
        loaded(monkeypatch)
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, write(tmp_path, HEADER + "".join(ROWS)))
    assert [(p.line, p.column, p.value, p.code) for p in rejected.value.report.problems] == [
        (5, "engagement", "9", "out_of_range"),
        (7, "status", "maybe", "unknown_label"),
    ]
    assert rejected.value.report.rows_read == 4


def test_a_streamed_file_imports_its_rows(store, tmp_path):
    rows = [row for row in ROWS if "maybe" not in row and ",9," not in row]
    report = import_sessions(store, write(tmp_path, HEADER + "".join(rows)))
    assert report.inserted == 2
    assert store._con.execute(
        "select session_id, status, cancelled_by, homework_done, engagement, fee, paid_on is null "
        "from sessions order by session_id").fetchall() == [
        ("s1", "attended", None, 1.0, 4, 60.0, True),
        ("s2", "cancelled", "client", None, None, 60.0, True),
    ]


def test_a_repeated_line_is_named_by_its_line(store, tmp_path):
    text = HEADER + ROWS[0] + ROWS[1] + ROWS[0] + ROWS[2]   # line 4 repeats line 2
    report = import_sessions(store, write(tmp_path, text))
    assert report.inserted == 2
    assert any("line 4 repeats line 2" in warning for warning in report.warnings)


def test_a_day_first_date_is_quoted_from_its_line(store, tmp_path):
    """The date order is settled from the first day-first date, quoted with its line (a streamed
    file numbers its rows as it reads them for this)."""
    text = (HEADER + "s1,A,2026-03-02 10:00,attended,,,,,\n" + ",,,,,,,,\n"
            + "s2,A,02/03/2026 10:00,attended,,,,,\n" + "s3,A,03/02/2026 10:00,attended,,,,,\n")
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, write(tmp_path, text))
    problem, = rejected.value.report.problems
    assert problem.code == "dates_undecided"
    assert "line 4" in problem.reason


def test_a_bad_line_of_a_streamed_file_is_refused_and_nothing_written(store, tmp_path):
    text = HEADER + ROWS[0] + "s9,A,2026-03-02 12:00,attended,,,,,,extra\n" + ROWS[2]
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, write(tmp_path, text))
    assert [(p.line, p.code) for p in rejected.value.report.problems] == [(3, "csv_too_many_values")]
    assert store._con.execute("select count(*) from sessions").fetchall() == [(0,)]


def test_the_sha256_recorded_is_the_file_s(store, tmp_path):
    path = write(tmp_path, HEADER + ROWS[0])
    import_sessions(store, path)
    assert store._con.execute("select sha256 from imports").fetchall() == [
        (hashlib.sha256(path.read_bytes()).hexdigest(),)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=session_file())
def test_a_streamed_file_imports_exactly_as_a_loaded_one(data):
    """Fuzzed files (those the fault test throws at the importer) said the same, and stored the
    same, streamed as loaded: same problems at the same lines, same warnings, same rows."""
    streamed, as_loaded = outcomes_under(data, lambda patch: None, loaded)
    assert streamed == as_loaded


def outcomes_under(data: bytes, *setups) -> list[tuple]:
    """What importing the file *data* said and stored (report_of), once under each setup: a
    function given a MonkeyPatch, undone after its import; each import into a fresh store."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.csv"
        path.write_bytes(data)
        outcomes = []
        for number, setup in enumerate(setups):
            with pytest.MonkeyPatch.context() as patch:
                setup(patch)
                store = Store(Path(folder) / f"{number}.duckdb")
                try:
                    outcomes.append(report_of(store, path))
                finally:
                    store.close()
        return outcomes


@pytest.mark.parametrize("data, utf8", [
    (b"ab\xc3\xa9cdefgh\n", True),    # é whole in the first chunk
    (b"abc\xc3\xa9defgh\n", True),    # é split between chunks, the second not ASCII
    (b"abc\xc3defgh\n", False),        # a sequence opened, then an ASCII chunk that cannot close it
    (b"abc\xc3defg\xa9xyz\n", False),  # the same, and a byte that would close it after the ASCII
])
def test_utf8_is_checked_across_chunks(tmp_path, monkeypatch, data, utf8):
    """The UTF-8 check skips decoding ASCII chunks, but not one that must close a sequence the
    previous chunk opened (chunks of 4 bytes here)."""
    monkeypatch.setattr(ingest, "_CHUNK", 4)
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    assert (ingest._inspect(ingest._Job("sessions", path)).encoding == "utf-8") is utf8
