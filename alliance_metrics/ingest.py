"""Import a session log or a clients file into the store (SPEC §3; issue 2).

**Files.** CSV — comma, semicolon or tab, taken from the header line; UTF-8 with or without
BOM, or UTF-16 with BOM; a file that is not valid UTF-8 is read as Windows-1252 (else
Latin-1) and a warning says so. Excel ``.xlsx`` — the first sheet, headers in its first
non-empty row. Parquet. The format is told from the file's first bytes, not its name.

**Cells** (``sql/import_parsers.sql``). Numbers take a decimal point or comma
(``60,5``), spaces as thousands separators and a currency sign. Date-times are ISO 8601
(``2026-03-02 14:00``, ``2026-03-02T14:00:00``) or day first (``02/03/2026 14:00`` is
2 March; ``14h00`` too), never month first; dates are ``2026-03-02`` or ``02/03/2026``.
Headers and status labels: :mod:`alliance_metrics.labels` (case, accents and punctuation
ignored). A cell is stored as written, trimmed; text such as ``=HYPERLINK(...)`` stays
plain text. Rows with no value in any column the importer reads are skipped.

**Identity.** Sessions are keyed by session_id; a row without one gets
``client_id + '@' + scheduled_start`` in ISO 8601, e.g. ``C12@2026-03-02T14:00:00``.
Clients are keyed by client_id. An import adds new rows and rewrites changed ones; rows
it repeats unchanged are left alone (their ``import_id`` too); rows absent from the file
are kept. Lines repeating another line exactly are imported once, with a warning.

**Defaults.** therapist_id ``default``; duration_min 60; cancelled_by ``client`` for a
cancellation (NULL for other statuses); goal_target 10.

**Bad input** (SPEC §3.4). Every rejected value is reported as a :class:`Problem`
(spreadsheet line, header as written, value, reason, code); the SQL and this module say what is
wrong as a code, :mod:`alliance_metrics.problems` words it. One problem rejects the whole import
— nothing is written to sessions or clients. Headers that do not match are reported before any
line, as the lines cannot be judged against them; when a line among the first
:data:`HEADER_SEARCH_LINES` would match (a title above the headers), the report names it. Each
import, committed or rejected, adds a row to ``imports`` with the SHA-256 of the file's bytes.

How it runs, set-based in DuckDB on the one cursor of one transaction: ``raw_<kind>`` holds the
file's cells as text — a view that reads a UTF-8 CSV file where it is, by each query, or a table
loaded with each row's spreadsheet line (a workbook, a Parquet file, a CSV file in another
encoding or with empty lines); a view ``staged_<kind>`` names them after the canonical columns;
a survey (``_survey``) of the first :data:`SURVEY_SAMPLE_ROWS` rows finds the labels and whether
the dates need an order; ``sql/import_<kind>_parse.sql`` types every cell and lists every row's
problems in one pass (the whole file is surveyed, and parsed again, when it holds a label or date
the sample did not show), writing the rows in the file's order, which numbers those of a streamed
file; the lines DuckDB cannot read are found by the load, or by the parse's read of a streamed file;
``import_<kind>_repeats.sql`` finds keys on two lines; then ``import_<kind>_update.sql`` and
``import_<kind>_insert.sql`` write.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd

from alliance_metrics.columns import range_parameters
from alliance_metrics.i18n import N_, _, format_date, format_decimal, ngettext
from alliance_metrics.labels import (
    HEADERS,
    NO_WORDS,
    YES_WORDS,
    Mapping,
    match_headers,
    paid_of,
    party_of,
    read_mapping,
    status_of,
)
from alliance_metrics import audit, problems as words, undo
from alliance_metrics.store import Store, sql

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ImportRejected",
    "ImportReport",
    "Problem",
    "ProblemGroup",
    "import_clients",
    "import_files",
    "import_sessions",
    "read_mapping",
]

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
#: Problems listed in a report at most; the rest are counted in one closing problem.
MAX_PROBLEMS_LISTED = 10_000
KINDS = ("sessions", "clients")
#: Canonical column whose value identifies a row of each kind.
KEY = {"sessions": "session_id", "clients": "client_id"}


@dataclass(frozen=True)
class Problem:
    """One rejected value.

    ``line`` is the 1-based line a spreadsheet shows (header = line 1; for .xlsx the sheet
    row), 0 for a problem with the whole file; ``column`` the header as written in the file
    ('' for whole-file problems); ``value`` the raw cell ('' when empty); ``reason`` what is
    wrong and what is allowed, in words; ``code`` the same as a code a script can rely on
    (:data:`alliance_metrics.problems.CATALOGUE` lists every one with its words).
    """

    line: int
    column: str
    value: str
    reason: str
    code: str


@dataclass(frozen=True)
class ProblemGroup:
    """The problems of one kind (SPEC §3.4): one column, one reason (one code), counted.

    ``lines`` are the first lines (at most ``GROUP_LINES``), ``example`` the first value,
    ``hint`` what to do when it is more than the reason says ('' otherwise).
    """

    column: str
    code: str
    reason: str
    count: int
    lines: tuple[int, ...]
    example: str
    hint: str = ""

    def describe(self) -> str:
        """One line: where, how many, an example, why, the hint, and the code in brackets.

        >>> ProblemGroup("Objectif", "out_of_range", "goal_rating must be a number from 0 to 10",
        ...              2, (5, 9), "14").describe()
        "Objectif: 2 lines (lines 5, 9), e.g. '14' — goal_rating must be a number from 0 to 10 [out_of_range]"
        """
        where = f"{self.column}: " if self.column else ""
        many = f"{self.count:,} line{'s' * (self.count != 1)}"
        shown = ", ".join(f"{line:,}" for line in self.lines) + (", …" if self.count > len(self.lines) else "")
        lines = f"{many} (line{'s' * (len(self.lines) > 1)} {shown})" if self.lines else ""
        example = f"e.g. {self.example!r}" if self.example else ""
        head = ", ".join(part for part in (lines, example) if part)
        text = f"{where}{head} — {self.reason}" if head else f"{where}{self.reason}"
        if self.hint:   # a reason may end its own sentence
            text = f"{text} {self.hint}" if text.endswith(".") else f"{text}. {self.hint}"
        return f"{text} [{self.code}]" if self.code else text


#: How many lines a problem group names.
GROUP_LINES = 5


@dataclass(frozen=True)
class ImportReport:
    """What one file's import did, or why it was rejected."""

    kind: str
    file_name: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    #: What the user should know though nothing is wrong (e.g. that the file has no session ids).
    notes: tuple[str, ...] = ()
    #: The problems grouped by column and reason, over every problem (even beyond those listed).
    groups: tuple[ProblemGroup, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the import was committed (it has no problem)."""
        return not self.problems

    def groups_frame(self) -> pd.DataFrame:
        """The grouped report as a table: column, count, lines, example, reason, hint, code.

        The code comes last, so that scripts reading the columns by position before it had
        one read them unchanged."""
        return pd.DataFrame(
            [(g.column, g.count, ", ".join(map(str, g.lines)), g.example, g.reason, g.hint, g.code)
             for g in self.groups],
            columns=["column", "count", "first lines", "example", "reason", "hint", "code"],
        ).astype({"count": "int64"})

    def problems_frame(self) -> pd.DataFrame:
        """The problems as a table with columns line, column, value, reason, code (last, as above)."""
        return pd.DataFrame(
            [asdict(problem) for problem in self.problems],
            columns=["line", "column", "value", "reason", "code"],
        ).astype({"line": "int64"})


class ImportRejected(Exception):
    """Raised when a file is rejected; nothing was written to sessions or clients.

    ``report`` is the first rejected file's report; ``reports`` holds every file's report
    when several files were imported together.
    """

    def __init__(self, report: ImportReport, reports: tuple[ImportReport, ...] = ()):
        self.report = report
        self.reports = tuple(reports) or (report,)
        count = len(report.problems)
        super().__init__(ngettext("{file} was not imported: {count} problem (first: {first})",
                                  "{file} was not imported: {count} problems (first: {first})", count).format(
            file=report.file_name, count=format_decimal(count, 0), first=_describe(report.problems[0])))


def _describe(problem: Problem) -> str:
    """One problem in a sentence, in the current language: where, the value, why."""
    where = (_("line {line}, column {column!r}: ").format(line=problem.line, column=problem.column)
             if problem.line else "")
    value = f"{problem.value!r} — " if problem.value else ""
    return f"{where}{value}{problem.reason}"


# -- public functions ----------------------------------------------------------------------------


def import_sessions(
    store: Store,
    path: str | os.PathLike,
    *,
    mapping: Mapping | str | os.PathLike | None = None,
    file_name: str | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> ImportReport:
    """Import a session log (SPEC §3): all its rows, or none.

    Parameters
    ----------
    store : the open database.
    path : the file (CSV, .xlsx or Parquet).
    mapping : a :class:`~alliance_metrics.labels.Mapping`, or what
        :func:`~alliance_metrics.labels.read_mapping` reads (path or TOML text).
    file_name : the name to report and record (default: the path's name), e.g. an upload's.
    max_bytes : larger files are refused (the browser upload's limit); None: any size.

    Returns
    -------
    ImportReport with rows inserted, updated (changed) and unchanged.

    Raises
    ------
    ImportRejected
        When any value is rejected; ``.report.problems`` lists each one.
    MappingError
        When *mapping* cannot be read.
    """
    job = _Job("sessions", Path(path), file_name, max_bytes)
    return _import(store, [job], mapping)[0]


def import_clients(
    store: Store,
    path: str | os.PathLike,
    *,
    mapping: Mapping | str | os.PathLike | None = None,
    file_name: str | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> ImportReport:
    """Import a clients file (SPEC §3): all its rows, or none. As :func:`import_sessions`."""
    job = _Job("clients", Path(path), file_name, max_bytes)
    return _import(store, [job], mapping)[0]


def import_files(
    store: Store,
    sessions_path: str | os.PathLike,
    clients_path: str | os.PathLike | None = None,
    *,
    mapping: Mapping | str | os.PathLike | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> list[ImportReport]:
    """Import a clients file (when given), then a session log, in one transaction.

    Both are written, or neither: when one file is rejected, the other is recorded as
    rejected too, with a problem saying why. Returns the reports, clients first.
    *max_bytes* is the browser upload's limit; the command line passes None (any size).
    """
    jobs = [_Job("clients", Path(clients_path), max_bytes=max_bytes)] if clients_path is not None else []
    jobs.append(_Job("sessions", Path(sessions_path), max_bytes=max_bytes))
    return _import(store, jobs, mapping)


# -- one import, start to end ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    kind: str
    path: Path
    file_name: str | None = None
    max_bytes: int | None = DEFAULT_MAX_BYTES


@dataclass
class _Staged:
    """A file loaded and checked, not yet written."""

    source: _Source
    rows_read: int = 0
    rows_rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Groups counted in SQL over all the parse query's problems (those listed may be fewer).
    counted: list[ProblemGroup] = field(default_factory=list)
    #: What the importer understood (for the Import page's preview): the headers, which
    #: canonical column each feeds, and how dates are read.
    headers: list[str] = field(default_factory=list)
    columns: dict[str, int | tuple[int, int]] = field(default_factory=dict)
    dates: DateReading | None = None

    def report(self, inserted: int = 0, updated: int = 0, unchanged: int = 0) -> ImportReport:
        # the parse query's problems (cell codes) are all counted, listed or not
        others = _group([problem for problem in self.problems
                         if problem.code not in words.CELL_CODES and problem.code != "more_problems"])
        groups = sorted([*self.counted, *others], key=lambda group: group.lines[:1] or (0,))
        return ImportReport(
            self.source.kind, self.source.file_name, self.rows_read, inserted, updated,
            unchanged, tuple(self.problems), tuple(self.warnings), tuple(self.notes),
            tuple(groups),
        )


def _group(problems: list[Problem]) -> list[ProblemGroup]:
    """Problems grouped by (column, code, reason), in the order they come."""
    grouped: dict[tuple[str, str, str], list[Problem]] = {}
    for problem in problems:
        grouped.setdefault((problem.column, problem.code, problem.reason), []).append(problem)
    return [ProblemGroup(column, code, reason, len(members),
                         tuple(p.line for p in members if p.line)[:GROUP_LINES], members[0].value)
            for (column, code, reason), members in grouped.items()]


class _Unreadable(Exception):
    """DuckDB could not read a file as *format*. The error aborted the transaction."""

    def __init__(self, source: _Source, format: str, error: duckdb.Error):
        self.source = source
        self.problem = _file_problem("file_unreadable", file=source.file_name, format=format,
                                     error=str(error).splitlines()[0])
        super().__init__(self.problem.reason)


def _import(store: Store, jobs: list[_Job], mapping: Mapping | str | os.PathLike | None,
            ) -> list[ImportReport]:
    """Stage every file, then write them all or none, in one transaction; raise if rejected."""
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = read_mapping(mapping)
    sources = [_inspect(job) for job in jobs]
    settings = store.settings()
    try:
        with store.transaction(totals="touched") as cursor:
            cursor.execute(sql("import_parsers"))
            staged = [_stage(cursor, source, mapping, settings) for source in sources]
            failed = [item for item in staged if item.problems]
            reports = _finish(cursor, staged, failed)
    except _Unreadable as failure:
        # DuckDB's error aborted that transaction (now rolled back): record the rejection anew.
        staged = [_Staged(source) for source in sources]
        failed = [item for item in staged if item.source is failure.source]
        failed[0].problems.append(failure.problem)
        with store.transaction(totals="none") as cursor:   # records the rejection only
            reports = _finish(cursor, staged, failed)
    if failed:
        raise ImportRejected(reports[staged.index(failed[0])], tuple(reports))
    return reports


def _finish(cursor: duckdb.DuckDBPyConnection, staged: list[_Staged],
            failed: list[_Staged]) -> list[ImportReport]:
    """Write every file if none *failed*; record each import in ``imports`` either way."""
    reports = []
    for item in staged:
        if failed and not item.problems:
            item.problems.append(_file_problem(
                "not_imported_with_others", files=", ".join(f.source.file_name for f in failed)))
        import_id = _scalar(cursor, sql("import_record"), {
            "kind": item.source.kind,
            "file_name": item.source.file_name,
            "sha256": item.source.sha256,
            "outcome": "rejected" if failed else "imported",
            "rows_rejected": item.rows_rejected,
        })
        if failed:
            reports.append(item.report())
        else:
            reports.append(item.report(*_write(cursor, item, import_id)))
            audit.record(cursor, "import", import_id=import_id, kind=item.source.kind,
                         inserted=reports[-1].inserted, updated=reports[-1].updated)
    return reports


def _drop_raw(cursor: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Drop ``raw_<kind>``: a table (a workbook, a Parquet file, a CSV file with empty lines), a
    CSV file's numbered view of ``raw_<kind>_cells``, or a view of a CSV file read as it streams."""
    cursor.execute(f"drop view numbered_{kind}")
    if _scalar(cursor, "select count(*) from duckdb_views() where view_name = $name and temporary",
               {"name": f"raw_{kind}"}):
        cursor.execute(f"drop view raw_{kind}")
        cursor.execute(f"drop table if exists raw_{kind}_cells")
    else:
        cursor.execute(f"drop table raw_{kind}")


def _write(cursor: duckdb.DuckDBPyConnection, item: _Staged, import_id: int) -> tuple[int, int, int]:
    """Update the changed rows, insert the new ones; return (inserted, updated, unchanged)."""
    kind = item.source.kind
    cursor.execute(f"drop view staged_{kind}")
    _drop_raw(cursor, kind)  # frees the file's text before writing
    undo.keep_replaced(cursor, kind, import_id)   # so that this import can be undone
    updated = _scalar(cursor, sql(f"import_{kind}_update"), {"import_id": import_id})
    undo.prune_replaced(cursor, kind, import_id)
    inserted = _scalar(cursor, sql(f"import_{kind}_insert"), {"import_id": import_id})
    # the clients whose totals this import may change: the file's, and those of the stored rows it
    # changed as they were before (a session moved to another client changes both)
    Store.touch_clients(cursor, f"select client_id from parsed_{kind} union all select client_id "
                                f"from replaced_{kind} where replaced_by = $import_id", {"import_id": import_id})
    unchanged = _scalar(cursor, f"select count(*) from parsed_{kind}") - updated - inserted
    cursor.execute(
        "update imports set rows_inserted = $inserted, rows_updated = $updated, "
        "rows_unchanged = $unchanged where import_id = $import_id",
        {"inserted": inserted, "updated": updated, "unchanged": unchanged, "import_id": import_id},
    )
    return inserted, updated, unchanged


def _stage(cursor: duckdb.DuckDBPyConnection, source: _Source, mapping: Mapping | None,
           settings: dict) -> _Staged:
    """Load one file into temporary tables and list its problems; write nothing."""
    item = _Staged(source)
    kind, name = source.kind, source.file_name
    if source.max_bytes is not None and source.size > source.max_bytes:
        return _whole_file(item, "file_too_large", file=name, size=_megabytes(source.size),
                           limit=_megabytes(source.max_bytes))
    if source.size == 0:
        return _whole_file(item, "file_empty", file=name)
    if source.format == "xls":
        return _whole_file(item, "file_xls", file=name)
    loader = {"csv": _load_csv, "xlsx": _load_xlsx, "parquet": _load_parquet}[source.format]
    try:
        headers, warnings, problems = loader(cursor, source)
    except _FileProblem as problem:
        return _whole_file(item, problem.code, file=name, **problem.values)
    item.warnings.extend(warnings)
    item.headers = headers
    match = match_headers(headers, kind, mapping)
    if match.problems:
        # headers that are not the file's (a title on line 1, the wrong file) are the problem to
        # fix first: its lines, measured against them, would only mislead
        if source.streams:   # but a file DuckDB cannot read at all is said to be, as one loaded is
            with _reading(source):
                _scalar(cursor, f"select count(*) from raw_{kind}")
        if below := _headers_further_down(source, mapping):
            return _whole_file(item, "headers_further_down", file=name, first=_shortened(headers),
                               line=below[0], headers=_shortened(below[1]))
        item.warnings.extend(match.warnings)
        item.problems.extend(
            _file_problem(found.code, found.field, **found.values) for found in match.problems)
        return item
    if problems:
        return _unreadable_lines(item, problems)

    # A file read as it streams is read to its end by the parse: the lines DuckDB cannot read are
    # found there, and reported alone, as a loaded file's.
    column_of = {canonical: _header_of(headers, place) for canonical, place in match.columns.items()}
    numbering = "later" if source.streams else "loaded"
    dates = [name for name in DATE_COLUMNS[kind] if name in column_of]
    with _reading(source):
        column_warnings = [*match.warnings, *_headerless_columns(cursor, kind, headers)]
        clean_ids = source.invisible or source.format != "csv" or source.encoding != "utf-8"
        _create_staged_view(cursor, kind, match.columns, source.spaces_only, clean_ids, numbering)
        survey = _survey(cursor, kind, dates, SURVEY_SAMPLE_ROWS)
        if survey.partial and survey.non_iso_dates:   # their order is the whole file's to settle
            survey = _survey(cursor, kind, dates)
    if source.streams and (problems := _csv_rejects(cursor, source.path)):
        return _unreadable_lines(item, problems)
    item.columns = match.columns
    item.warnings.extend(column_warnings)
    if kind == "sessions" and "paid_on" in match.columns and "paid" in match.columns:
        item.warnings.append(_("The file has both {paid_on!r} (the payment date) and {paid!r} (paid or "
                               "not): payment is read from the dates.").format(
            paid_on=column_of["paid_on"], paid=column_of["paid"]))
    parse = sql(f"import_{kind}_parse")
    while True:
        item.dates = _read_dates(cursor, kind, mapping, settings, column_of, survey.non_iso_dates)
        if item.dates.problem:
            item.problems.append(item.dates.problem)
            return item
        params = item.dates.params() | range_parameters(kind)
        if kind == "sessions":
            params |= _label_params(survey.labels, mapping) | {
                "yes_words": list(YES_WORDS), "no_words": list(NO_WORDS),
                # a flag without a date is judged against the day it was imported (SPEC §4)
                "paid_as_of": None if "paid_on" in match.columns else dt.date.today()}
        if numbering == "later" and not _writes_in_order(cursor, parse, params):
            numbering = "now"
            _create_staged_view(cursor, kind, match.columns, source.spaces_only, clean_ids, numbering)
        with _reading(source):
            cursor.execute(parse, params)
        if source.streams and survey.partial and (problems := _csv_rejects(cursor, source.path)):
            item.warnings = list(warnings)   # reported alone, as when a whole survey finds them
            return _unreadable_lines(item, problems)
        if not (survey.partial and _refuses_surveyed_cells(cursor, kind, [*dates, *survey.labels])):
            break
        # a cell the sample did not foresee (a label, a date not in ISO 8601): survey it all, parse again
        with _reading(source):
            survey = _survey(cursor, kind, dates)
    _number_parsed(cursor, kind)
    item.rows_read = _scalar(cursor, f"select count(*) from parsed_{kind}")
    if item.rows_read == 0:
        return _whole_file(item, "no_rows", file=name)

    if kind == "sessions":
        item.notes.extend(_match_stored_sessions(cursor, "session_id" in match.columns))
    repeats = cursor.execute(sql(f"import_{kind}_repeats")).fetchall()
    conflicts = _conflicts(cursor, kind, column_of, repeats)
    if kind == "sessions":
        cursor.execute(sql("import_sessions_stored_ids"))   # read by the duplicate check and the insert
        conflicts += _probable_duplicates(cursor, column_of)
    _collect_problems(cursor, item, column_of, conflicts, mapping)
    position = {header: index for index, header in reversed(list(enumerate(headers)))}
    item.problems.sort(key=lambda problem: (problem.line or float("inf"),
                                            position.get(problem.column, 0)))
    _keep_first_of_identical(cursor, item, repeats)
    return item


@contextmanager
def _reading(source: _Source) -> Iterator[None]:
    """DuckDB's error reading a file that streams, as _Unreadable (an error on a loaded table is
    the importer's own, and left as it is)."""
    try:
        yield
    except duckdb.Error as error:
        if not source.streams:
            raise
        raise _Unreadable(source, "CSV", error) from error


def _writes_in_order(cursor, query: str, params: dict) -> bool:
    """Whether DuckDB's plan for *query* (a ``create table as``) writes rows in the order it reads
    them: an order-keeping insert, which a join, for one, would turn into a parallel one."""
    plan = "".join(text for _, text in cursor.execute("explain " + query, params).fetchall())
    return "Batch Create Table As" in plan


def _unreadable_lines(item: _Staged, problems: list[Problem]) -> _Staged:
    item.problems.extend(problems)
    item.rows_rejected = len({problem.line for problem in problems})
    return item


def _number_parsed(cursor, kind: str) -> None:
    """Give ``parsed_<kind>``'s rows of a file read as it streams their lines; drop blank rows.

    The parse query wrote the file's rows in its order (preserve_insertion_order), blank rows
    included, with consecutive rowids: a row's line is its rowid's distance from the first
    row's, plus 2 (the header is line 1), as for a CSV file's loaded cells (_NUMBER_CSV_LINES).
    """
    first = _scalar(cursor, f"select coalesce(min(rowid), 0) from parsed_{kind}")
    cursor.execute(f"update parsed_{kind} set line = rowid - $first + 2 where line is null", {"first": first})
    cursor.execute(f"delete from parsed_{kind} where blank")


def _header_of(headers: list[str], place: int | tuple[int, int]) -> str:
    """The header of a column as written, or 'Date + Time' for one built from two."""
    return " + ".join(headers[p] for p in place) if isinstance(place, tuple) else headers[place]


# -- dates (SPEC §3, §3.5) ---------------------------------------------------------------------------

#: The date columns of each kind of file: their order is decided together.
DATE_COLUMNS = {"sessions": ("scheduled_start", "cancelled_at", "paid_on"),
                "clients": ("intake_date", "contract_signed_on")}
_DATE_PARTS = {"dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y"}
_TIME_PARTS = ("", " %H:%M", " %H:%M:%S", " %H:%M:%S.%f", " %I:%M %p", " %I:%M:%S %p", " %I %p",
               " %Hh%M", " %Hh", "T%H:%M", "T%H:%M:%S")


def date_formats(order: str | None, declared_format: str | None = None) -> list[str]:
    """The strftime formats tried on dates written with slashes or dots, in *order*.

    Year-first dates (2026/03/02) are always read; day-first or month-first ones only in the
    order given (None: neither — the file has none, or the import was refused before).

    >>> date_formats("mdy")[:3]
    ['%m/%d/%Y', '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S']
    """
    dates = [_DATE_PARTS[order]] if order in _DATE_PARTS else []
    formats = [date + time for date in (*dates, "%Y/%m/%d") for time in _TIME_PARTS]
    return ([declared_format] if declared_format else []) + formats


def _order_of_format(declared_format: str | None) -> str | None:
    """dmy or mdy as a declared strftime format puts them (%d before %m, or after)."""
    if not declared_format or "%d" not in declared_format or "%m" not in declared_format:
        return None
    return "dmy" if declared_format.index("%d") < declared_format.index("%m") else "mdy"


@dataclass(frozen=True)
class DateReading:
    """How a file's dates are read: ``order`` (dmy, mdy, ymd or None: the file needs none),
    ``decided_by`` ('mapping', 'file', 'setting' or '' when the file needs no order, or is
    refused), the zone of its naive times and the practice's, and the ``problem`` that refuses
    the file (its order undecided, or contradicted), if any."""

    order: str | None
    decided_by: str
    file_zone: str
    practice_zone: str
    declared_format: str | None = None
    problem: Problem | None = None

    def params(self) -> dict:
        """The parse queries' date parameters."""
        return {"date_formats": date_formats(self.order, self.declared_format),
                "file_zone": self.file_zone, "practice_zone": self.practice_zone}

    @property
    def rule(self) -> str:
        """How a date may be written in this file, in words."""
        return words.date_rule(self.order, self.practice_zone)


def _read_dates(cursor, kind: str, mapping: Mapping | None, settings: dict,
                column_of: dict[str, str], non_iso_dates: int) -> DateReading:
    """How the file's dates are read, or the Problem that refuses the file (SPEC §3.5).

    *non_iso_dates*: how many rows hold a date cell not in ISO 8601 (_survey); most files hold
    none, and their dates need no order.

    The order is the mapping's (``[dates] order``, or its ``format``); else what the file
    settles (a first field above 12 is a day, a second above 12 too); else the setting
    ``date_order``; a file that needs an order and has none, or contradicts itself, is refused.
    """
    present = [name for name in DATE_COLUMNS[kind] if name in column_of]
    declared_format = mapping.date_format if mapping else None
    declared = (mapping.date_order if mapping else None) or _order_of_format(declared_format)
    practice_zone = settings["timezone"]
    file_zone = (mapping.timezone if mapping else None) or practice_zone
    reading = DateReading(declared, "mapping" if declared else "", file_zone, practice_zone,
                          declared_format)
    if not present or declared is not None or not non_iso_dates:
        return reading
    cursor.execute("create or replace temp view date_cells as " + " union all ".join(
        f"select line, '{name}' as field, {name}_text as cell from numbered_{kind}"
        for name in present))
    found = cursor.execute(sql("import_date_order")).fetchall()[0]
    (day_first, day_line, day_field, day_cell, month_first, month_line, month_field,
     month_cell, either, either_line, either_field, either_cell) = found
    if day_first and month_first:
        return replace(reading, problem=_file_problem(
            "dates_both_orders", day_line=day_line, day_cell=day_cell,
            day_column=column_of[day_field], month_line=month_line, month_cell=month_cell,
            month_column=column_of[month_field]))
    if day_first or month_first:
        return replace(reading, order="dmy" if day_first else "mdy", decided_by="file")
    if not either:
        return reading
    if settings.get("date_order") is not None:
        return replace(reading, order=settings["date_order"], decided_by="setting")
    day, month, year = re.match(r"\s*(\d+)\D(\d+)\D(\d+)", either_cell).groups()
    as_dmy = format_date(dt.date(int(year), int(month), int(day)), "long")
    as_mdy = format_date(dt.date(int(year), int(day), int(month)), "long")
    return replace(reading, problem=Problem(
        0, column_of[either_field], either_cell,
        words.reason("dates_undecided", either_field, cell=either_cell, line=either_line,
                     as_dmy=as_dmy, as_mdy=as_mdy),
        "dates_undecided"))


# -- which stored session a row is -------------------------------------------------------------------

_MATCH_STORED = """
update parsed_sessions set session_id = stored.session_id
from (select client_id, scheduled_start, min(session_id) as session_id
      from sessions group by client_id, scheduled_start) as stored
where parsed_sessions.id_made
  and parsed_sessions.client_id = stored.client_id
  and parsed_sessions.scheduled_start = stored.scheduled_start
"""


def _match_stored_sessions(cursor, has_ids: bool) -> list[str]:
    """Rows without a session_id take the id of the stored session of the same client and start."""
    if _scalar(cursor, "select count(*) from parsed_sessions where id_made"):
        cursor.execute(_MATCH_STORED)
    if has_ids:
        return []
    return [_("This file has no session id column, so each row was matched to a stored session by its "
              "client and start. A row whose start was corrected is therefore a new session, not a "
              "correction: the old one stays. To correct times, import a file with session ids (e.g. an "
              "`Appointment ID` or `N° séance` column).")]


def _probable_duplicates(cursor, column_of: dict[str, str]) -> list[Problem]:
    """A problem for each new session with the client and start of a stored session (SPEC §3.4)."""
    rows = cursor.execute(sql("import_sessions_duplicates")).fetchall()
    header = column_of.get("session_id", "session_id")
    return [Problem(line, header, new_id, words.reason(
        "probable_duplicate", "session_id", client=client, start=f"{start:%Y-%m-%d %H:%M}",
        stored_id=stored_id), "probable_duplicate")
        for line, new_id, client, start, stored_id in rows]


def _scalar(cursor, query: str, params: dict | None = None):
    """The one value *query* returns, its result fully fetched (DuckDB 2.0 wants that)."""
    return cursor.execute(query, params).fetchall()[0][0]


def _file_problem(code: str, field: str = "", **values) -> Problem:
    """A problem with the whole file (line 0, no column), worded from its code."""
    return Problem(0, "", "", words.reason(code, field, **values), code)


def _whole_file(item: _Staged, code: str, **values) -> _Staged:
    item.problems.append(_file_problem(code, **values))
    return item


def _megabytes(size: int) -> str:
    return _("{megabytes} MB ({bytes} bytes)").format(megabytes=format_decimal(size / 1024 / 1024, 1),
                                                      bytes=format_decimal(size))


_GROUPS = """
select problem.field, problem.code,
       case when list_contains($row_detail, problem.code) then null else problem.detail end as detail,
       count(*), list(line order by line)[1:$lines], arg_min(problem.value, line)
from (select line, unnest(problems) as problem from parsed_{kind} where problems is not null)
group by all
order by min(line)
"""


def _collect_problems(cursor, item: _Staged, column_of: dict[str, str],
                      conflicts: list[Problem], mapping: Mapping | None) -> None:
    """The parse query's problems, and *conflicts*, into ``item``; at most MAX_PROBLEMS_LISTED.

    Every problem is counted in ``item.counted``, grouped by column, code and detail (a code
    whose detail is the row's own, such as the start a cancellation comes after, is grouped
    without it). The words come from :mod:`alliance_metrics.problems`.
    """
    kind = item.source.kind
    total, rows = cursor.execute(
        f"select coalesce(sum(len(problems)), 0), count(*) filter (where problems is not null "
        f"or line in (select unnest($lines))) from parsed_{kind}",
        {"lines": [problem.line for problem in conflicts]},
    ).fetchall()[0]
    item.rows_rejected = rows
    listed = cursor.execute(
        f"select line, problem.field, problem.value, problem.code, problem.detail from ("
        f"select line, unnest(problems) as problem from parsed_{kind} "
        f"where problems is not null order by line limit $limit)",
        {"limit": MAX_PROBLEMS_LISTED},
    ).fetchall() if total else []
    worded: dict[tuple, str] = {}   # many cells share their words: make each sentence once

    def reason(code: str, name: str, detail: str | None, grouped: bool = False) -> str:
        key = (code, name, detail, grouped)
        if key not in worded:
            worded[key] = words.reason(
                code, name, detail, grouped=grouped, rule=item.dates.rule,
                accepted=words.accepted_labels(name, mapping) if code == "unknown_label" else "")
        return worded[key]

    item.problems.extend(Problem(line, column_of.get(name, name), value or "",
                                 reason(code, name, detail), code)
                         for line, name, value, code, detail in listed)
    item.problems.extend(conflicts)
    if total:
        row_detail = [code for code, entry in words.CATALOGUE.items() if entry.row_detail]
        item.counted = [
            ProblemGroup(column_of.get(name, name), code, reason(code, name, detail, grouped=True),
                         count, tuple(lines), example or "",
                         words.hint(code, name, detail, example=example or ""))
            for name, code, detail, count, lines, example in cursor.execute(
                _GROUPS.format(kind=kind), {"lines": GROUP_LINES, "row_detail": row_detail}).fetchall()
        ]
    if total > len(listed):
        item.problems.append(_file_problem(
            "more_problems", more=total - len(listed), last=listed[-1][0], listed=len(listed)))


def _conflicts(cursor, kind: str, column_of: dict[str, str], repeats: list[tuple]) -> list[Problem]:
    """A problem for each line of a session (client) that the file gives twice, differently.

    *repeats* are the rows of ``import_<kind>_repeats.sql``: key, lines, versions.
    """
    conflicts = [(key, lines) for key, lines, versions in repeats if versions > 1]
    if not conflicts:
        return []
    cells = cursor.execute(
        f"select line, {KEY[kind]}_text, {'scheduled_start' if kind == 'sessions' else KEY[kind]}_text "
        f"from numbered_{kind} where line in (select unnest($lines))",
        {"lines": [line for _, lines in conflicts for line in lines]},
    ).fetchall()
    # the key as written, or, for a session_id made from the client and the start, the start
    written = {line: (KEY[kind], key) if key is not None else ("scheduled_start", start)
               for line, key, start in cells}
    problems = []
    for key, lines in conflicts:
        for line in lines:
            canonical, value = written[line]
            code = "duplicate_id" if canonical == KEY[kind] else "duplicate_start"
            others = ", ".join(str(other) for other in lines if other != line)
            problems.append(Problem(line, column_of.get(canonical, canonical), value, words.reason(
                code, canonical, key=key, others=others, row_noun=words.row_noun(kind)), code))
    return problems


def _keep_first_of_identical(cursor, item: _Staged, repeats: list[tuple]) -> None:
    """Lines that repeat an earlier line exactly are dropped, with a warning."""
    again = [(lines[0], extra) for _, lines, versions in repeats if versions == 1
             for extra in lines[1:]]
    if not again:
        return
    cursor.execute(f"delete from parsed_{item.source.kind} where line in (select unnest($lines))",
                   {"lines": [extra for _, extra in again]})
    first, repeat = again[0]
    item.warnings.append(ngettext(
        "{count} line repeated an earlier line exactly (line {repeat} repeats line {first}); it was "
        "imported once.",
        "{count} lines repeated an earlier line exactly (line {repeat} repeats line {first}); each was "
        "imported once.", len(again)).format(count=len(again), repeat=repeat, first=first))


def _create_staged_view(cursor, kind: str, columns: dict[str, int | tuple[int, int]],
                        spaces_only: bool, clean_ids: bool, numbering: str) -> None:
    """``staged_<kind>``: the file's cells, trimmed, named ``<canonical>_text`` (NULL if absent).

    A column built from two (a date and a time) joins their cells (``date_and_time``). Identifiers
    lose invisible characters when the file may hold some (*clean_ids*).

    *numbering* says where each row's line comes from: ``'loaded'``, ``raw_<kind>`` (loaded with
    it); ``'later'``, a file read as it streams, NULL here: the parsed rows are numbered by their
    places (_number_parsed), and ``numbered_<kind>``, for the queries that quote a few cells,
    numbers the rows as it reads them; ``'now'``, the same numbering here (slower: it holds the
    whole file). ``numbered_<kind>`` is ``staged_<kind>`` with every row's line.

    The SQL is generated, but only from names the code owns: the kind, the canonical column
    names, the positional names ``c0, c1, …`` of ``raw_<kind>`` and the trimming macros.
    """
    assert kind in KINDS
    trim = "cell_text_spaces" if spaces_only else "cell_text"

    def cell(name: str, place: int | tuple[int, int]) -> str:
        if isinstance(place, tuple):
            return f"date_and_time({trim}(c{int(place[0])}), {trim}(c{int(place[1])}))"
        if clean_ids and name in _ID_COLUMNS:
            return f"clean_id({trim}(c{int(place)}))"
        return f"{trim}(c{int(place)})"

    cells = {name: cell(name, place) for name, place in columns.items()}
    select = ",\n    ".join(f"{cells.get(name, 'null::varchar')} as {name}_text" for name in HEADERS[kind])
    line = {"loaded": "line", "later": "line", "now": "row_number() over () + 1 as line"}[numbering]
    cursor.execute(f"create or replace temp view staged_{kind} as\n"
                   f"select\n    {line},\n    {select}\nfrom raw_{kind}")
    numbered = ("select row_number() over () + 1 as line, * exclude (line) from staged_{kind}"
                if numbering == "later" else "select * from staged_{kind}")
    cursor.execute(f"create or replace temp view numbered_{kind} as " + numbered.format(kind=kind))


#: Columns that identify something: invisible characters in them are removed.
_ID_COLUMNS = ("session_id", "client_id", "therapist_id")


def _headerless_columns(cursor, kind: str, headers: list[str]) -> list[str]:
    """A warning for each column that holds values but no header (its values are ignored)."""
    blank = [position for position, header in enumerate(headers) if not header.strip()]
    if not blank:
        return []
    counts = cursor.execute("select " + ", ".join(
        f"count(cell_text(c{position}))" for position in blank) + f" from raw_{kind}").fetchall()[0]
    return [_("Column {number} has values but no header; its values were ignored.").format(number=position + 1)
            for position, count in zip(blank, counts) if count]


@dataclass(frozen=True)
class _Survey:
    """What one pass over a file's cells (or its first rows) tells before they are parsed."""

    #: Rows with a date cell not in ISO 8601 (which need the file's date order).
    non_iso_dates: int
    #: Each label column's distinct cells (sessions: status, cancelled_by, paid).
    labels: dict[str, list[str]]
    #: Whether only the file's first rows were surveyed (the file has more).
    partial: bool = False


_LABEL_COLUMNS = {"sessions": ("status", "cancelled_by", "paid"), "clients": ()}

#: The rows surveyed before the parse. A larger file is parsed with what they tell, and surveyed
#: whole (then parsed again) only when the parse refuses a date or label cell: most files write
#: their dates one way and show every label early. At 10,000,000 sessions the whole survey is a
#: second pass over the file (2.0–2.2 s of a 21 s import); the sample's, a few milliseconds.
SURVEY_SAMPLE_ROWS = 100_000


def _survey(cursor, kind: str, dates: list[str], rows: int | None = None) -> _Survey:
    """Count the rows with a date not in ISO 8601, and list the labels, in one pass over the
    file, or over its first *rows*.

    One pass matters for a file read as it streams: each query reads the file again (at
    10,000,000 sessions, 1.3–2.5 s a pass), and each has DuckDB list the lines it cannot read
    (_csv_rejects); a sample's, those of its rows only (the parse reads the rest).
    """
    non_iso = " or ".join(f"not iso_cell({name}_text)" for name in dates) or "false"
    labels = [f"list(distinct {name}_text) filter (where {name}_text is not null)" for name in _LABEL_COLUMNS[kind]]
    cells = f"staged_{kind}" if rows is None else f"(select * from staged_{kind} limit {int(rows)})"
    surveyed, non_iso_dates, *lists = cursor.execute(
        f"select {', '.join(['count(*)', f'count(*) filter (where {non_iso})', *labels])} from {cells}"
    ).fetchall()[0]
    return _Survey(non_iso_dates, {name: found or [] for name, found in zip(_LABEL_COLUMNS[kind], lists)},
                   partial=rows is not None and surveyed >= rows)


def _refuses_surveyed_cells(cursor, kind: str, columns: list[str]) -> bool:
    """Whether ``parsed_<kind>`` refused a cell of one of *columns* (those the survey read)."""
    return bool(columns) and _scalar(cursor, (
        f"select count(*) from parsed_{kind} where problems is not null "
        "and list_has_any(list_transform(problems, lambda p: p.field), $columns)"), {"columns": columns}) > 0


def _label_params(labels: dict[str, list[str]], mapping: Mapping | None) -> dict[str, list]:
    """The file's labels that are recognised, and what each means, as the parse query's lists.

    ``$status_labels[i]`` is ``$statuses[i]``, cancelled by ``$status_cancelled_by[i]``;
    likewise ``$party_labels`` and ``$parties``, ``$paid_labels`` and ``$paid_values``. Looked up
    by position (``label_lookup``), not joined: a join would let DuckDB write the parsed rows out
    of the file's order, which numbers the rows of a file read as it streams (_number_parsed).
    """
    status = [(label, *meaning) for label in labels["status"] if (meaning := status_of(label, mapping))]
    party = [(label, meaning) for label in labels["cancelled_by"] if (meaning := party_of(label))]
    paid = [(label, meaning) for label in labels["paid"] if (meaning := paid_of(label)) is not None]
    return {"status_labels": [label for label, *_ in status], "statuses": [row[1] for row in status],
            "status_cancelled_by": [row[2] for row in status],
            "party_labels": [label for label, _ in party], "parties": [meaning for _, meaning in party],
            "paid_labels": [label for label, _ in paid], "paid_values": [meaning for _, meaning in paid]}


# -- reading files ----------------------------------------------------------------------------------


class _FileProblem(Exception):
    """The file cannot be imported as a whole: a problem code and the values its words need."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class _Source:
    kind: str
    path: Path
    file_name: str
    max_bytes: int | None
    size: int
    digest: Future       # the file's SHA-256 as hex, computed in a thread (_sha256)
    format: str          # 'csv', 'xlsx', 'parquet', or 'xls' (refused)
    encoding: str        # CSV only: 'utf-8', 'utf-16', 'cp1252' or 'latin-1'
    blank_lines: bool    # CSV only: an empty line before the last row
    spaces_only: bool    # UTF-8 CSV only: none of _NOT_SPACES, so trim() is enough
    invisible: bool      # UTF-8 CSV: holds a control or invisible character (_has_invisible)

    @property
    def table(self) -> str:
        return f"raw_{self.kind}"

    @property
    def sha256(self) -> str:
        return self.digest.result()

    @property
    def streams(self) -> bool:
        """Whether its cells are read from the file by each query rather than loaded first.

        A UTF-8 CSV file without empty lines: the others are copied (a workbook, a Parquet file,
        a file in another encoding) or renumbered (empty lines) on loading. Reading the cells
        where they are spares writing the whole file as a text table: at 10,000,000 sessions the
        import took 22.8 s this way against 25.6 s loading them first, and a gigabyte less memory.
        """
        return self.format == "csv" and self.encoding == "utf-8" and not self.blank_lines


_CHUNK = 1 << 20
#: An empty line followed by more text (DuckDB skips empty lines; spreadsheets count them).
_BLANK_LINE = re.compile(rb"\n\r?\n[^\r\n]")
#: Without these bytes, no cell of a UTF-8 CSV can start or end with whitespace other than a
#: space: a tab, a quote (a quoted cell may hold line breaks), and the bytes A0 and AF, which end
#: a no-break space (C2 A0) and a narrow one (E2 80 AF) — and some letters such as à, so a file
#: with those is trimmed the slower, thorough way.
_NOT_SPACES = (b"\t", b'"', b"\xa0", b"\xaf")


#: UTF-8 bytes of the characters clean_id removes from identifiers (but tab, CR and LF, which
#: only separate cells and lines): controls, the soft hyphen, zero-width ones, the BOM. Looked for
#: with bytes.translate and substring tests, C-speed (a regular expression took 2.7 s on 81 MB).
_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_INVISIBLE = (b"\xc2\xad", *(b"\xe2\x80" + bytes([last]) for last in range(0x8B, 0x90)),
              *(b"\xe2\x81" + bytes([last]) for last in range(0xA0, 0xA5)), b"\xef\xbb\xbf")


#: Every byte but the first bytes of _INVISIBLE's sequences: deleted, what is left says whether
#: the sequences need looking for at all (an ASCII file: no).
_NOT_LEADS = bytes(byte for byte in range(256) if byte not in (0xC2, 0xE2, 0xEF))


def _has_invisible(data: bytes) -> bool:
    if len(data.translate(None, _CONTROLS)) != len(data):
        return True
    return (not data.isascii() and bool(data.translate(None, _NOT_LEADS))
            and any(sequence in data for sequence in _INVISIBLE))


#: Hashes files while the importer reads them: hashlib lets go of the GIL, so the SHA-256 of a
#: 10,000,000-session file (870 MB, 0.6 s) is computed beside the inspection and the read.
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alliance-sha256")


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _inspect(job: _Job) -> _Source:
    """Size, format and text encoding of a file, in one streaming pass; its SHA-256 in a thread."""
    assert job.kind in KINDS
    size = job.path.stat().st_size
    digest = _HASHING.submit(_sha256, job.path)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, blank_lines, spaces_only, head, tail = True, False, True, b"", b""
    invisible = False
    with job.path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            head = head or chunk[:8]
            # ASCII is UTF-8 (isascii takes a tenth of decoding), unless a sequence is left open
            if is_utf8 and not (chunk.isascii() and not utf8.getstate()[0]):
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            spaces_only = spaces_only and not any(byte in chunk for byte in _NOT_SPACES)
            blank_lines = blank_lines or any(  # a blank line split between chunks is seen whole
                _BLANK_LINE.search(text) for text in (chunk, tail + chunk[:3]))
            if not invisible:  # a BOM opening the file is no cell's; one split between chunks is seen whole
                text = tail + chunk if tail else chunk.removeprefix(b"\xef\xbb\xbf")
                invisible = _has_invisible(text)
            tail = chunk[-3:]
    try:
        utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        is_utf8 = False

    if head.startswith(b"PK\x03\x04"):
        kind_of_file = "xlsx"
    elif head.startswith(b"PAR1"):
        kind_of_file = "parquet"
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        kind_of_file = "xls"
    else:
        kind_of_file = "csv"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif is_utf8:
        encoding = "utf-8"
    elif kind_of_file == "csv" and _decodes(job.path, "cp1252"):
        encoding = "cp1252"
    else:
        encoding = "latin-1"
    return _Source(job.kind, job.path, job.file_name or job.path.name, job.max_bytes, size,
                   digest, kind_of_file, encoding, blank_lines,
                   spaces_only and kind_of_file == "csv" and encoding == "utf-8", invisible)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_ENCODING_NAMES = {
    "cp1252": N_("Windows-1252 (Western European; Excel's CSV encoding on Windows)"),
    "latin-1": N_("Latin-1 (ISO-8859-1)"),
}

#: A CSV file's rows as text (c0, c1, …), in the file's order. The path, the delimiter and the
#: columns are written into the SQL as literals (_literal), because a view cannot bind parameters.
_CSV_CELLS = """
select *
from read_csv(
    {path}, delim = {delimiter}, header = true, quote = '"', escape = '"',
    auto_detect = false, columns = {columns}, store_rejects = true
)
"""

# Each row's line as a spreadsheet counts it (the header is line 1). DuckDB writes the file's rows
# in the file's order (preserve_insertion_order) with consecutive rowids, so a row's line is its
# rowid's distance from the first row's, plus 2 (checked on every row of a 10,000,000-row file).
# ``row_number() over ()`` said the same, but held the whole file to number it: the read took
# 0.9–1.05 s at a million rows with it, 0.58 s without.
_NUMBER_CSV_LINES = "create or replace temp view {table} as select rowid - {first} + 2 as line, * from {table}_cells"

# DuckDB writes a line with two values too many as two rejects (one per extra value): one each here
_CSV_REJECTS = """
select line, column_name, error_type, any_value(csv_line)
from reject_errors
where scan_id = (select max(scan_id) from reject_scans)
group by line, column_name, error_type
order by line, min(column_idx)
"""


def _load_csv(cursor, source: _Source) -> tuple[list[str], list[str], list[Problem]]:
    """Load a CSV file's cells as text into ``raw_<kind>`` (line, c0, c1, …)."""
    warnings = []
    with tempfile.TemporaryDirectory(prefix="alliance-import-") as scratch:
        path = source.path
        if source.encoding != "utf-8":
            path = Path(scratch) / "utf-8.csv"
            try:
                with source.path.open(encoding=source.encoding, newline="") as text, \
                        path.open("w", encoding="utf-8", newline="") as copy:
                    shutil.copyfileobj(text, copy, _CHUNK)
            except UnicodeDecodeError as error:  # e.g. UTF-16 cut short: an odd number of bytes
                raise _FileProblem("file_cut_short", encoding=source.encoding.upper(),
                                   error=error.reason, size=source.size) from None
            if source.encoding in _ENCODING_NAMES:
                warnings.append(_("{file} is not UTF-8, so it was read as {encoding}. Check that accented "
                                  "letters look right, or save the file as CSV UTF-8.").format(
                    file=source.file_name, encoding=_(_ENCODING_NAMES[source.encoding])))
        delimiter, headers = _csv_header(path)
        cells = _CSV_CELLS.format(path=_literal(str(path)), delimiter=_literal(delimiter), columns="{" + ", ".join(
            f"'c{position}': 'VARCHAR'" for position in range(len(headers))) + "}")
        try:
            if source.streams:   # read where it is by each query; _stage's survey finds bad lines
                cursor.execute(f"create or replace temp view {source.table} as "
                               f"select null::bigint as line, * from ({cells})")
                return headers, warnings, []
            cursor.execute(f"create or replace temp table {source.table}_cells as {cells}")
            first = int(_scalar(cursor, f"select coalesce(min(rowid), 0) from {source.table}_cells"))
            cursor.execute(_NUMBER_CSV_LINES.format(table=source.table, first=first))
        except duckdb.Error as error:
            raise _Unreadable(source, "CSV", error) from error
        problems = _csv_rejects(cursor, path)
        if source.blank_lines and not problems:
            warnings.extend(_renumber_around_empty_lines(cursor, source, path, delimiter))
    return headers, warnings, problems


def _csv_rejects(cursor, path: Path) -> list[Problem]:
    """A Problem for each line that DuckDB's last read of the CSV file at *path* could not read."""
    delimiter, headers = _csv_header(path)
    return [_csv_problem(line, headers[int(column[1:])] if column else "", text or "",
                         error_type, len(headers), delimiter)
            for line, column, error_type, text in cursor.execute(_CSV_REJECTS).fetchall()]


def _literal(text: str) -> str:
    """*text* as an SQL string literal (DuckDB's strings have no backslash escapes)."""
    return "'" + text.replace("'", "''") + "'"


#: How far down a file whose line 1 is not its headers they are looked for (HEADER_SEARCH_LINES
#: lines or sheet rows): far enough for a title, a date range and a few notes above a report.
HEADER_SEARCH_LINES = 20


def _headers_further_down(source: _Source, mapping: Mapping | None) -> tuple[int, list[str]] | None:
    """The line and cells of the first of the file's first HEADER_SEARCH_LINES lines (rows of a
    sheet), after the one read as headers, that would be accepted as its headers; None if none."""
    if source.format == "csv":
        with source.path.open(encoding=source.encoding, errors="replace", newline="") as handle:
            lines = [line for _, line in zip(range(HEADER_SEARCH_LINES), handle)]
        rows = [(number, [cell.strip() for cell in next(csv.reader([line], delimiter=_delimiter_of(line)), [])])
                for number, line in enumerate(lines, start=1)]
    elif source.format == "xlsx":
        workbook = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
        try:
            rows = [(number, [_excel_text(value) or "" for value in values]) for number, values in enumerate(
                workbook.worksheets[0].iter_rows(max_row=HEADER_SEARCH_LINES, values_only=True), start=1)]
        finally:
            workbook.close()
    else:
        return None
    filled = [(number, cells) for number, cells in rows if any(cells)]
    return next(((number, cells) for number, cells in filled[1:]
                 if not match_headers(cells, source.kind, mapping).problems), None)


def _shortened(cells: list[str], limit: int = 80) -> str:
    """A line's cells as one short text: 'a, b, c', cut to *limit* characters with '…'."""
    text = ", ".join(cell for cell in cells if cell)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _delimiter_of(line: str) -> str:
    """The most frequent of ``;``, ``,`` and tab in a header line (a comma when it has none)."""
    return max((";", ",", "\t"), key=line.count) if any(mark in line for mark in ";,\t") else ","


def _csv_header(path: Path) -> tuple[str, list[str]]:
    """The delimiter (the most frequent of ``;``, ``,`` and tab on line 1) and the headers."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        if not first.strip():
            raise _FileProblem("header_line_empty")
        delimiter = _delimiter_of(first)
        handle.seek(0)
        try:
            headers = next(csv.reader(handle, delimiter=delimiter))
        except csv.Error as error:
            raise _FileProblem("header_line_invalid", error=error) from None
    return delimiter, [header.strip() for header in headers]


#: DuckDB's reject error types → problem codes.
_CSV_CODES = {"TOO MANY COLUMNS": "csv_too_many_values", "MISSING COLUMNS": "csv_too_few_values",
              "UNQUOTED VALUE": "csv_stray_quote", "LINE SIZE OVER MAXIMUM": "csv_line_too_long"}


def _csv_problem(line: int, column: str, text: str, error_type: str, expected: int,
                 delimiter: str) -> Problem:
    """A line DuckDB could not read as CSV, as a Problem."""
    code = _CSV_CODES.get(error_type, "csv_unreadable_line")
    return Problem(line, column, text, words.reason(
        code, detail=error_type.lower(), expected=expected, delimiter=words.delimiter_name(delimiter)), code)


def _renumber_around_empty_lines(cursor, source: _Source, path: Path, delimiter: str) -> list[str]:
    """Renumber ``raw_<kind>`` so that empty lines count, as they do in a spreadsheet.

    ``raw_<kind>`` numbers DuckDB's rows in the file's order, but DuckDB skips empty lines;
    Python's csv reader sees them, as ``[]``. The numbers become a table of their own.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            records = csv.reader(handle, delimiter=delimiter)
            next(records)
            lines = [line for line, record in enumerate(records, start=2) if record]
    except csv.Error:
        lines = []
    if len(lines) != _scalar(cursor, f"select count(*) from {source.table}"):
        return [_("The file has empty lines; line numbers below may be off by the number of empty lines "
                  "above them.")]
    numbering = pd.DataFrame({"counted": range(2, len(lines) + 2), "line": lines})
    cursor.register("csv_line_numbers", numbering)
    cursor.execute(f"create or replace temp table {source.table}_renumbered as "
                   f"select numbering.line, raw.* exclude (line) from {source.table} as raw "
                   f"join csv_line_numbers as numbering on raw.line = numbering.counted")
    cursor.unregister("csv_line_numbers")
    cursor.execute(f"drop view {source.table}")
    cursor.execute(f"drop table {source.table}_cells")
    cursor.execute(f"alter table {source.table}_renumbered rename to {source.table}")
    return []


def _load_xlsx(cursor, source: _Source) -> tuple[list[str], list[str], list[Problem]]:
    """Load the first sheet's cells as text into ``raw_<kind>`` (line = sheet row)."""
    try:
        workbook = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise _FileProblem("file_not_xlsx", error=error) from None
    warnings, lines, records, beyond = [], [], [], None
    try:
        sheet = workbook.worksheets[0]
        if len(workbook.worksheets) > 1:
            others = ", ".join(repr(other.title) for other in workbook.worksheets[1:])
            warnings.append(_("Only the first sheet, {sheet!r}, was read; other sheets ignored: {others}.").format(
                sheet=sheet.title, others=others))
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        headers = None
        for line, values in rows:
            cells = [_excel_text(value) for value in values]
            if headers is None:
                if any(cells):
                    headers = [cell or "" for cell in cells]
                continue
            if any(cells[len(headers):]) and beyond is None:
                beyond = line
            if any(cells[:len(headers)]):
                lines.append(line)
                records.append(cells[:len(headers)] + [None] * (len(headers) - len(cells)))
    finally:
        workbook.close()
    if headers is None:
        raise _FileProblem("sheet_empty", sheet=sheet.title)
    if beyond is not None:
        warnings.append(_("Cells to the right of the last header were ignored (the first on row {row}).").format(
            row=beyond))
    frame = pd.DataFrame({"line": pd.Series(lines, dtype="int64")})
    for position in range(len(headers)):
        frame[f"c{position}"] = pd.Series([record[position] for record in records], dtype="str")
    cursor.register("xlsx_rows", frame)
    cursor.execute(f"create or replace temp table {source.table} as select * from xlsx_rows")
    cursor.unregister("xlsx_rows")
    return [header.strip() for header in headers], warnings, []


def _excel_text(value: object) -> str | None:
    """An Excel cell as the text a CSV export would hold (dates in ISO 8601)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a client code typed as 1234 arrives as 1234.0
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()  # a date cell: Excel stores dates as midnight
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _load_parquet(cursor, source: _Source) -> tuple[list[str], list[str], list[Problem]]:
    """Load a Parquet file's values as text into ``raw_<kind>`` (line = row + 1, header = 1)."""
    try:
        described = cursor.execute("select * from read_parquet($path) limit 0",
                                   {"path": str(source.path)}).description
        cells = ", ".join(f"cast(#{position + 1} as varchar) as c{position}"
                          for position in range(len(described)))
        cursor.execute(
            f"create or replace temp table {source.table} as select file_row_number + 2 as line, "
            f"{cells} from read_parquet($path, file_row_number = true)",
            {"path": str(source.path)},
        )
    except duckdb.Error as error:
        raise _Unreadable(source, "Parquet", error) from error
    return [column[0] for column in described], [], []
