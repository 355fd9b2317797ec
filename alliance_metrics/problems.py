"""The words of import problems: each problem code once, with its reason and its hint (SPEC §3.4, §7).

The import SQL (``sql/import_*_parse.sql``, ``sql/import_parsers.sql``) and the importer
(:mod:`alliance_metrics.ingest`) say *what* is wrong as a short code — ``out_of_range``,
``not_a_date``, ``date_excel_serial`` … — with, where needed, a detail (the session's status, the
start a cancellation comes after). The sentences a person reads are made here, from the code,
the column, the detail and the column catalogue (:mod:`alliance_metrics.columns`), so that a
range is stated once (in the catalogue) and every message can be translated in one place: the
templates are marked for the gettext catalogue (``N_``) and translated when a problem is worded
(``_``), in the language of that moment (:mod:`alliance_metrics.i18n`).

Each :class:`Words` entry of :data:`CATALOGUE` is a pair of ``str.format`` templates. Their
placeholders are ``{field}`` (the canonical column), ``{detail}``, ``{allowed}`` and
``{meaning}`` (both from the column catalogue), ``{example}`` (a value that has the problem) and
the named values the caller passes (listed in each entry's ``needs``).

>>> reason("out_of_range", "goal_rating")
'goal_rating must be a number from 0 to 10'
>>> hint("date_two_digit_year", "scheduled_start", example="02/03/26")
'Write years with four digits (02/03/2026, not 02/03/26): in the spreadsheet, give the column a date format with yyyy (or save it as text in that form), then export again.'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from string import Formatter

from alliance_metrics.columns import CLIENT_COLUMNS, SESSION_COLUMNS, Column
from alliance_metrics.i18n import N_, _, format_date
from alliance_metrics.labels import FILE_NOUN, PAID_LABELS, PARTY_LABELS, STATUS_LABELS, Mapping

__all__ = ["CATALOGUE", "CELL_CODES", "Words", "accepted_labels", "allowed", "date_rule",
           "delimiter_name", "excel_serial_date", "hint", "month_name_format", "reason", "row_noun"]


@dataclass(frozen=True)
class Words:
    """The words of one problem code.

    ``reason`` says what is wrong and what is allowed; ``hint`` what to do, when that is more
    than the reason says ('' otherwise). ``needs`` names the values the caller must pass
    besides field, detail and example. ``row_detail``: the detail is the row's own (e.g. its
    start), so problems of this code are grouped without it and the group's reason is worded
    with ``reason_grouped``.
    """

    reason: str
    hint: str = ""
    needs: tuple[str, ...] = ()
    row_detail: bool = False
    reason_grouped: str = ""


#: Every problem code → its words. Cell codes (the parse SQL's) first, then rows, files, headers.
CATALOGUE: dict[str, Words] = {
    # -- one cell (sql/import_*_parse.sql) -------------------------------------------------------
    "missing": Words(N_("{field} is required: {meaning}")),
    "not_a_number": Words(N_("{field} must be {allowed}")),
    "not_whole": Words(N_("{field} must be {allowed}")),
    "out_of_range": Words(N_("{field} must be {allowed}")),
    "not_a_date": Words(N_("{field} must be {date_kind}: {rule}"), needs=("rule",)),
    "date_two_digit_year": Words(
        N_("{field} must be {date_kind} with a four-digit year (a two-digit year could be of any "
        "century): {rule}"),
        N_("Write years with four digits ({example_four}, not {example}): in the spreadsheet, give "
        "the column a date format with yyyy (or save it as text in that form), then export again."),
        needs=("rule",)),
    "date_month_name": Words(
        N_("{field} must be {date_kind} with the month in numbers, unless the mapping file declares "
        "the form: {rule}"),
        N_("Export the dates in numbers (2026-11-02 09:30), or declare their form in the mapping "
        "file{format_advice}. Month names are read in English only (Nov, November)."),
        needs=("rule",)),
    "date_excel_serial": Words(
        N_("{field} must be {date_kind}, and a number such as this is an Excel date serial (a count "
        "of days since 30 December 1899), which is not read as a date: {rule}"),
        N_("{serial_example}To fix it, in the spreadsheet, give the column a date format such as "
        "yyyy-mm-dd hh:mm (or type the dates as text in that form), then export again; or import "
        "the .xlsx workbook itself, whose date cells are read as dates. A date typed as text in "
        "your own form can be declared in the mapping file: [dates] format = \"%d/%m/%Y %H:%M\", say."),
        needs=("rule",)),
    "unknown_label": Words(N_("{field} {accepted}"), needs=("accepted",)),
    "only_for_cancellations": Words(
        N_("{field} is only for cancellations, and this session's status is {detail}")),
    "cancelled_by_contradicts_status": Words(
        N_("the status says the {detail} cancelled, but cancelled_by says the {other_party}")),
    "cancelled_after_start": Words(
        N_("cancelled_at is after scheduled_start ({detail}): a cancellation is made before the session"),
        row_detail=True,
        reason_grouped=N_("cancelled_at is after scheduled_start: a cancellation is made before the session")),
    # -- rows against other rows, or against the store (ingest.py) -------------------------------
    "duplicate_id": Words(
        N_("{field} {key!r} is also on line {others} with different values; keep one line per "
        "{row_noun}, the right one"), needs=("key", "others", "row_noun")),
    "duplicate_start": Words(
        N_("the same client and start (session {key!r}) is also on line {others} with different "
        "values; keep one line per session, the right one"), needs=("key", "others")),
    "probable_duplicate": Words(
        N_("probable duplicate: client {client!r} already has a session at {start}, stored as "
        "{stored_id!r}. If it is that session, give it the id {stored_id!r}; if it is another "
        "one, correct its start"), needs=("client", "start", "stored_id")),
    "more_problems": Words(
        N_("…and {more:,} more problems after line {last} (the first {listed:,} are listed). Fix "
        "these and import again to see the rest."), needs=("more", "last", "listed")),
    # -- the whole file (ingest.py) --------------------------------------------------------------
    "file_empty": Words(N_("{file} is empty."), needs=("file",)),
    "file_too_large": Words(
        N_("{file} is {size}, over the import limit of {limit}. Split it (by year, say) and import "
        "each part."), needs=("file", "size", "limit")),
    "file_xls": Words(
        N_("{file} is an old-style Excel .xls workbook. Save it as .xlsx (Excel workbook) or as "
        "CSV, then import that."), needs=("file",)),
    "file_unreadable": Words(N_("{file} could not be read as {format}: {error}"),
                             needs=("file", "format", "error")),
    "file_not_xlsx": Words(
        N_("{file}: it could not be read as an Excel .xlsx workbook ({error}). Save it again as "
        ".xlsx or as CSV."), needs=("file", "error")),
    "file_cut_short": Words(
        N_("{file}: it starts as {encoding} text but is not valid {encoding} ({error}, {size} "
        "bytes): the file may be cut short. Save it again from your spreadsheet as CSV UTF-8, "
        "then import that."), needs=("file", "encoding", "error", "size")),
    "header_line_empty": Words(N_("{file}: line 1 is empty; it must hold the column headers."),
                               needs=("file",)),
    "header_line_invalid": Words(N_("{file}: line 1 (the headers) is not valid CSV: {error}."),
                                 needs=("file", "error")),
    "headers_further_down": Words(
        N_("{file}: the column headers must come first, but the file starts with {first!r}; the "
        "headers are on line {line} ({headers}). Delete the lines above the headers (a title, a "
        "date, notes), save the file, then import again."), needs=("file", "first", "line", "headers")),
    "sheet_empty": Words(N_("{file}: the sheet {sheet!r} is empty."), needs=("file", "sheet")),
    "no_rows": Words(N_("{file} has column headers but no rows: nothing to import."), needs=("file",)),
    "not_imported_with_others": Words(
        N_("Not imported because {files} was rejected: files imported together are written "
        "together or not at all."), needs=("files",)),
    # -- one line of a CSV file (DuckDB's rejects) -----------------------------------------------
    "csv_too_many_values": Words(
        N_("this line has more values than the {expected} headers: a value probably holds a "
        "{delimiter} without quotes around it"), needs=("expected", "delimiter")),
    "csv_too_few_values": Words(N_("this line has fewer values than the {expected} headers"),
                                needs=("expected",)),
    "csv_stray_quote": Words(
        N_("a value holds a quote character: put the whole value in double quotes and double the "
        "quotes inside it")),
    "csv_line_too_long": Words(N_("this line is too long to be a row of the file")),
    "csv_unreadable_line": Words(N_("this line cannot be read as CSV ({detail})")),
    # -- the headers (labels.match_headers) ------------------------------------------------------
    "header_mapped_twice": Words(
        N_("The mapping file reads {field} from {header!r}, but the file has {count} columns with "
        "that header; rename all but one."), needs=("header", "count")),
    "header_ambiguous": Words(
        N_("Columns {both} both look like {field}. Keep one, or say which to use in a mapping "
        "file: [columns] {field} = \"{first}\"."), needs=("headers",)),
    "header_missing": Words(
        N_("The {file_noun} needs a {field} column, and none of its headers is one. Headers found: "
        "{found}. Headers accepted for {field}: {aliases}. To use your own header, name it in a "
        "mapping file: [columns] {field} = \"Your header\"."), needs=("kind", "headers", "aliases")),
    # -- the file's dates as a whole (SPEC §3.5) -------------------------------------------------
    "dates_both_orders": Words(
        N_("This file writes its dates both ways: line {day_line} has {day_cell!r} ({day_column}), "
        "which can only be day first, and line {month_line} has {month_cell!r} ({month_column}), "
        "which can only be month first. Correct the lines written the other way round, then "
        "import again."),
        needs=("day_line", "day_cell", "day_column", "month_line", "month_cell", "month_column")),
    "dates_undecided": Words(
        N_("Dates such as {cell!r} (line {line}) can be read two ways — {as_dmy} (day first) or "
        "{as_mdy} (month first) — and no date in this file settles which (every day and month "
        "is 12 or less). Say which: choose the date order on the Import page, add [dates] order "
        "= \"dmy\" (or \"mdy\") to the mapping file, or set date_order in Settings; then import "
        "again."), needs=("cell", "line", "as_dmy", "as_mdy")),
}

#: The codes a cell of the parse SQL can carry (tests/test_problems.py checks the SQL emits
#: exactly these).
CELL_CODES = ("missing", "not_a_number", "not_whole", "out_of_range", "not_a_date",
              "date_two_digit_year", "date_month_name", "date_excel_serial", "unknown_label",
              "only_for_cancellations", "cancelled_by_contradicts_status", "cancelled_after_start")
_DATE_CODES = ("not_a_date", "date_two_digit_year", "date_month_name", "date_excel_serial")

_COLUMNS: dict[str, Column] = {}
for _column in (*SESSION_COLUMNS, *CLIENT_COLUMNS):
    _COLUMNS.setdefault(_column.name, _column)

#: What a column's value means, beyond its range, where a reason should say it.
_RANGE_NOTES = {"client_late_min": N_("0 or less is on time"), "therapist_late_min": N_("0 or less is on time")}


def allowed(field: str) -> str:
    """What a numeric column accepts, in words, from its entry in the column catalogue.

    >>> allowed("engagement"), allowed("fee")
    ('a whole number from 1 to 5', 'a number, 0 or more')
    >>> allowed("client_late_min")
    'a number of minutes from -1440 to 1440 (0 or less is on time)'
    """
    column = _COLUMNS[field]
    low, high = f"{column.minimum:g}" if column.minimum is not None else "", \
        f"{column.maximum:g}" if column.maximum is not None else ""
    if column.type == "share":
        return _("a share from {minimum} to {maximum} (0.5 = half the agreed practice) or yes/no "
                 "(oui/non); leave it blank when no practice was agreed").format(minimum=low, maximum=high)
    minutes = field.endswith("_min")
    if column.type == "whole":
        noun = _("a whole number of minutes") if minutes else _("a whole number")
    else:
        noun = _("a number of minutes") if minutes else _("a number")
    if low and high:
        words = _("{noun} from {minimum} to {maximum}").format(noun=noun, minimum=low, maximum=high)
    elif low:
        words = _("{noun}, {minimum} or more").format(noun=noun, minimum=low)
    elif high:
        words = _("{noun}, {maximum} or less").format(noun=noun, maximum=high)
    else:
        words = noun
    return f"{words} ({_(_RANGE_NOTES[field])})" if field in _RANGE_NOTES else words


_ORDER_WORDS = {"dmy": N_("day first (dd/mm/yyyy)"), "mdy": N_("month first (mm/dd/yyyy)"),
                "ymd": N_("year first (yyyy/mm/dd)")}


def date_rule(order: str | None, practice_zone: str) -> str:
    """How dates may be written in a file whose slash dates are read in *order* (dmy, mdy or None).

    >>> date_rule("mdy", "Europe/Paris")[:62]
    'write it as 2026-03-02 14:00, 2026-03-02T14:00:00Z (converted '
    """
    shown = _("read {order} in this file, ").format(order=_(_ORDER_WORDS[order])) if order in ("dmy", "mdy") else ""
    example = "03/02/2026 2:00 PM" if order == "mdy" else "02/03/2026 14:00"
    return _("write it as 2026-03-02 14:00, 2026-03-02T14:00:00Z (converted to {zone}) or {example} "
             "({shown}four-digit year). A file in another form needs its format in the mapping "
             "file: [dates] format = \"%d %b %Y %H:%M\", say.").format(zone=practice_zone, example=example,
                                                                      shown=shown)


def accepted_labels(field: str, mapping: Mapping | None = None) -> str:
    """What a labelled column (status, cancelled_by, paid) accepts, in words: the {accepted} of
    ``unknown_label``. The labels come from :mod:`alliance_metrics.labels` and the mapping.

    >>> accepted_labels("cancelled_by")
    'must be client or therapist (client: client, cliente, patient, patiente; therapist: therapist, clinician, practitioner, provider, thérapeute, praticien, praticienne)'
    """
    if field == "status":
        groups = []
        for name, labels in STATUS_LABELS.items():
            own = [label for label, status in (mapping.statuses if mapping else {}).items()
                   if status == name]
            meaning = _("therapist's cancellation") if name == "therapist_cancel" else name
            groups.append(f"{meaning}: {', '.join([*own, *labels])}")
        return _("must be a known label. Accepted status labels (any case, accents optional) — "
                 "{groups}. To use your own label, add it to a mapping file: [status] \"Your label\" "
                 "= \"no_show\" (or attended, cancelled, late_cancel, booked, therapist_cancel)."
                 ).format(groups="; ".join(groups))
    if field == "cancelled_by":
        groups = "; ".join(f"{name}: {', '.join(labels)}" for name, labels in PARTY_LABELS.items())
        return _("must be client or therapist ({groups})").format(groups=groups)
    if field == "paid":
        return _("must say whether the fee is paid — paid: {paid}; unpaid: {unpaid} (any case, "
                 "accents optional)").format(paid=", ".join(PAID_LABELS[True]),
                                             unpaid=", ".join(PAID_LABELS[False]))
    raise ValueError(f"{field!r} has no labels; labelled columns are status, cancelled_by and paid")


_OTHER_PARTY = {"client": N_("therapist"), "therapist": N_("client")}
_FILE_NOUN = FILE_NOUN   # the labels module names the files (marked for the catalogue there)
_ROW_NOUN = {"sessions": N_("session"), "clients": N_("client")}
_DELIMITER_NAME = {";": N_("semicolon"), ",": N_("comma"), "\t": N_("tab")}


def row_noun(kind: str) -> str:
    """What one row of a 'sessions' or 'clients' file is, in words."""
    return _(_ROW_NOUN[kind])


def delimiter_name(delimiter: str) -> str:
    """A CSV delimiter in words: 'semicolon', 'comma' or 'tab'."""
    return _(_DELIMITER_NAME[delimiter])


def _listing(headers) -> str:
    shown = [repr(header) for header in headers if header.strip()]
    return ", ".join(shown) if shown else _("none")


def _values(code: str, field: str, detail: str | None, example: str, given: dict) -> dict:
    """The placeholders a template may use."""
    column = _COLUMNS.get(field)
    values = {"field": field, "detail": detail or "", "example": example,
              "meaning": _(column.meaning) if column else "",
              "date_kind": _("a date") if column is not None and column.type == "date" else _("a date and time")}
    if column is not None and column.type in ("whole", "number", "share"):
        values["allowed"] = allowed(field)
    if "kind" in given:
        values["file_noun"] = _(_FILE_NOUN[given["kind"]])
    if code == "header_ambiguous":
        values["both"] = " and ".join(repr(header) for header in given["headers"])
        values["first"] = given["headers"][0]
    if code == "header_missing":
        values["found"] = _listing(given["headers"])
        values["aliases"] = ", ".join((field, *given["aliases"]))
    if code == "cancelled_by_contradicts_status":
        # cancelled_by holds one of two parties: contradicting the status's, it says the other
        values["other_party"] = _(_OTHER_PARTY.get(detail or "", N_("other party")))
    if code == "date_two_digit_year":
        values["example_four"] = _four_digit_example(example)
    if code == "date_month_name":
        found = month_name_format(example)
        values["format_advice"] = _(" (for {example!r}: [dates] format = \"{format}\")").format(
            example=example, format=found) if found else _(": [dates] format = \"%d %b %Y %H:%M\" reads 2 Nov 2026 09:30")
    if code == "date_excel_serial":
        day = excel_serial_date(example)
        values["serial_example"] = _("As an Excel serial, {example} would be {day}. ").format(
            example=example, day=format_date(day, "long")) if day else ""
    return given | values


def _fill(template: str, code: str, values: dict) -> str:
    names = {name for _, name, _, _ in Formatter().parse(template) if name}
    missing = names - values.keys()
    if missing:
        raise TypeError(f"the words of {code!r} need {', '.join(sorted(missing))}; pass "
                        f"{', '.join(f'{name}=…' for name in sorted(missing))}")
    return template.format(**values)


def _words(code: str) -> Words:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise ValueError(f"{code!r} is not a problem code; known codes: "
                         f"{', '.join(CATALOGUE)}") from None


def reason(code: str, field: str = "", detail: str | None = None, *, example: str = "",
           grouped: bool = False, **values: object) -> str:
    """What is wrong, in words, for a problem of *code* in column *field* (canonical name).

    *detail* is the parse SQL's (or the importer's) detail; *values* the named values the
    code's words need (``CATALOGUE[code].needs``). *grouped*: the words of a group of such
    problems, without the one row's detail.

    >>> reason("only_for_cancellations", "cancelled_by", "attended")
    "cancelled_by is only for cancellations, and this session's status is attended"
    """
    words = _words(code)
    template = words.reason_grouped if grouped and words.reason_grouped else words.reason
    return _fill(_(template), code, _values(code, field, detail, example, values))


def hint(code: str, field: str = "", detail: str | None = None, *, example: str = "",
         **values: object) -> str:
    """What to do about problems of *code*, when more than the reason says ('' otherwise).

    *example* is a value that has the problem (a group's first): some hints use it. Slash
    dates whose first value looks written the other way round than the file's order get
    the order to declare.

    >>> hint("not_a_date", "paid_on", example="04/29/2016")[:47]
    'These dates look month first: add [dates] order'
    """
    if code == "not_a_date":
        return _order_hint(example)
    words = _words(code)
    return _fill(_(words.hint), code, _values(code, field, detail, example, values)) if words.hint else ""


def _order_hint(example: str) -> str:
    found = re.match(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}", example or "")
    if found and int(found.group(2)) > 12 >= int(found.group(1)):
        return _('These dates look month first: add [dates] order = "mdy" to the mapping file, '
                 "or choose month first on the Import page.")
    if found and int(found.group(1)) > 12 >= int(found.group(2)):
        return _('These dates look day first: add [dates] order = "dmy" to the mapping file, '
                 "or choose day first on the Import page.")
    return ""


def _four_digit_example(example: str) -> str:
    """'02/03/26 14:00' → '02/03/2026 14:00' (for the hint only: the century is not guessed
    in what is imported)."""
    return re.sub(r"^(\s*\d{1,2}[/.\-]\d{1,2}[/.\-])(\d{2})\b", r"\g<1>20\2", example or "") or "02/03/2026"


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")


def month_name_format(example: str) -> str | None:
    """The strftime format of a date written with an English month name, or None.

    Only the common shapes: '2 Nov 2026', '2 November 2026', 'Nov 2, 2026', each with an
    optional '09:30' or '9:30 AM' after it.

    >>> month_name_format("2 Nov 2026"), month_name_format("November 2, 2026 9:30 AM")
    ('%d %b %Y', '%B %d, %Y %I:%M %p')
    >>> month_name_format("2 novembre 2026") is None
    True
    """
    found = re.fullmatch(r"\s*(?:(\d{1,2}) ([A-Za-z]+)|([A-Za-z]+) (\d{1,2}),?) (\d{4})"
                         r"(?: (\d{1,2}:\d{2})(?: ?([AaPp][Mm]))?)?\s*", example or "")
    if not found:
        return None
    month = (found.group(2) or found.group(3)).lower()
    if month not in _MONTHS and month not in _MONTH_NAMES:
        return None   # e.g. a French month: DuckDB reads English names only
    name = "%b" if month in _MONTHS else "%B"
    date = f"%d {name} %Y" if found.group(1) else f"{name} %d{',' if ',' in example else ''} %Y"
    time = "" if not found.group(6) else (" %I:%M %p" if found.group(7) else " %H:%M")
    return date + time


def excel_serial_date(example: str) -> dt.date | None:
    """The day an Excel date serial stands for (1900 date system), or None when it is none.

    >>> excel_serial_date("46329")
    datetime.date(2026, 11, 3)
    """
    try:
        serial = float((example or "").strip().replace(",", "."))
    except ValueError:
        return None
    if not 1 <= serial < 2_958_466:
        return None
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))
