"""The survey before the parse (the date cells not in ISO 8601, the labels) reads a file's first
rows only (ingest.SURVEY_SAMPLE_ROWS); a larger file is surveyed whole, and parsed again, only
when the parse refuses a date or label cell the sample did not foresee. These tests hold that a
file imports exactly as it did when every survey read the whole file. The sample is made two
rows here, so that small hand-worked files are larger than it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings

from alliance_metrics import ingest
from alliance_metrics.ingest import ImportRejected, import_sessions
from alliance_metrics.store import Store
from tests.test_fault_fuzz import session_file
from tests.test_ingest_streaming import outcomes_under, write

HEADER = "session_id,client_id,scheduled_start,status,cancelled_by\n"


@pytest.fixture
def passes(monkeypatch):
    """The surveys made (None: the whole file; else the rows sampled) and the parses run."""
    seen = {"surveys": [], "parses": 0}
    survey, in_order = ingest._survey, ingest._writes_in_order

    def counted_survey(cursor, kind, dates, rows=None):
        seen["surveys"].append(rows)
        return survey(cursor, kind, dates, rows)

    def counted_parse(cursor, query, params):   # asked once before each parse of a streamed file
        seen["parses"] += 1
        return in_order(cursor, query, params)

    monkeypatch.setattr(ingest, "SURVEY_SAMPLE_ROWS", 2)
    monkeypatch.setattr(ingest, "_survey", counted_survey)
    monkeypatch.setattr(ingest, "_writes_in_order", counted_parse)
    return seen


def stored(store: Store) -> list[tuple]:
    return store._con.execute(
        "select session_id, scheduled_start, status, cancelled_by from sessions order by session_id").fetchall()


def test_a_file_whose_first_rows_show_everything_is_surveyed_and_parsed_once(store, tmp_path, passes):
    text = HEADER + ("s1,A,2026-03-02 10:00,attended,\n" "s2,A,2026-03-09 10:00,annulé,client\n"
                     "s3,A,2026-03-16 10:00,attended,\n" "s4,A,2026-03-23 10:00,annulé,client\n")
    assert import_sessions(store, write(tmp_path, text)).inserted == 4
    assert passes == {"surveys": [2], "parses": 1}
    assert [row[2] for row in stored(store)] == ["attended", "cancelled", "attended", "cancelled"]


def test_a_label_first_seen_after_the_sample_is_read(store, tmp_path, passes):
    text = HEADER + ("s1,A,2026-03-02 10:00,attended,\n" "s2,A,2026-03-09 10:00,attended,\n"
                     "s3,A,2026-03-16 10:00,annulé,thérapeute\n" "s4,A,2026-03-23 10:00,absent,\n")
    assert import_sessions(store, write(tmp_path, text)).inserted == 4
    assert passes == {"surveys": [2, None], "parses": 2}
    assert [(row[0], row[2], row[3]) for row in stored(store)] == [
        ("s1", "attended", None), ("s2", "attended", None),
        ("s3", "cancelled", "therapist"), ("s4", "no_show", None)]


def test_day_first_dates_after_iso_ones_settle_the_order(store, tmp_path, passes):
    """Lines 4 and 5 are the file's only dates not in ISO 8601: 25/03 can only be day first, so
    03/04 is the 3rd of April."""
    text = HEADER + ("s1,A,2026-03-02 10:00,attended,\n" "s2,A,2026-03-09 10:00,attended,\n"
                     "s3,A,25/03/2026 10:00,attended,\n" "s4,A,03/04/2026 10:00,attended,\n")
    assert import_sessions(store, write(tmp_path, text)).inserted == 4
    assert passes == {"surveys": [2, None], "parses": 2}
    assert [row[1] for row in stored(store)][2:] == [dt.datetime(2026, 3, 25, 10), dt.datetime(2026, 4, 3, 10)]


def test_a_date_not_in_iso_in_the_sample_has_the_whole_file_surveyed_before_the_parse(store, tmp_path, passes):
    """03/04 (line 2) is either order; 25/03, past the sample (line 4), settles it: day first."""
    text = HEADER + ("s1,A,03/04/2026 10:00,attended,\n" "s2,A,2026-03-09 10:00,attended,\n"
                     "s3,A,25/03/2026 10:00,attended,\n")
    assert import_sessions(store, write(tmp_path, text)).inserted == 3
    assert passes == {"surveys": [2, None], "parses": 1}
    assert stored(store)[0][1] == dt.datetime(2026, 4, 3, 10)


def test_an_unknown_label_after_the_sample_is_refused_on_its_line(store, tmp_path, passes):
    text = HEADER + ("s1,A,2026-03-02 10:00,attended,\n" "s2,A,2026-03-09 10:00,attended,\n"
                     "s3,A,2026-03-16 10:00,attended,\n" "s4,A,2026-03-23 10:00,maybe,\n")
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, write(tmp_path, text))
    assert [(p.line, p.column, p.value, p.code) for p in rejected.value.report.problems] == [
        (5, "status", "maybe", "unknown_label")]
    assert passes["surveys"] == [2, None]
    assert stored(store) == []


def test_an_unreadable_line_after_the_sample_is_refused_on_its_line(store, tmp_path, passes):
    text = HEADER + ("s1,A,2026-03-02 10:00,attended,\n" "s2,A,2026-03-09 10:00,attended,\n"
                     "s3,A,2026-03-16 10:00,attended,\n" "s4,A,2026-03-23 10:00,attended,,extra\n")
    with pytest.raises(ImportRejected) as rejected:
        import_sessions(store, write(tmp_path, text))
    assert [(p.line, p.code) for p in rejected.value.report.problems] == [(5, "csv_too_many_values")]
    assert stored(store) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=session_file())
# an unreadable line past the sample, in a file with a column the log ignores: the parse finds the
# line after the columns' warnings were made, and the report must still hold the line alone
@example(data=b"client_id,scheduled_start,status,junk,therapist_id,duration_min\n"
              b"A,2026-03-02 10:00,attended,,T1,45\nA,2026-03-02 10:00,attended,,T1,45,extra")
def test_a_file_imports_exactly_as_when_it_was_surveyed_whole(data):
    """Fuzzed files (those the fault test throws at the importer) said the same, and stored the
    same, with a survey of their first row as with one of the whole file."""
    first_row, whole = outcomes_under(
        data, *(lambda patch, rows=rows: patch.setattr(ingest, "SURVEY_SAMPLE_ROWS", rows) for rows in (1, 10**9)))
    assert first_row == whole
