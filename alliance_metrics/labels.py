"""What the importer recognises: header aliases, status labels and the mapping file (SPEC §3).

Everything a user might write in a header or a status cell is listed here, once, as data.
Matching goes through :func:`label_key`, which ignores case, accents, punctuation and
surrounding spaces, so ``Présent``, ``present`` and ``PRESENT`` are one label, and
``No-show``, ``no_show`` and ``No Show`` are another. The tables list each word once in
its plainest spelling; accents are kept where French writes them, for the reader.

A file whose headers or labels are not here is imported with a mapping file (SPEC §3.3)::

    [columns]        # canonical name = header in the file
    client_id = "PatientId"

    [status]         # label in the file = canonical status
    "Yes" = "no_show"

Status values in ``[status]`` are the canonical statuses, plus ``therapist_cancel`` for a
cancellation by the therapist (stored as ``cancelled`` with ``cancelled_by = 'therapist'``).
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from typing import Sequence

from alliance_metrics.columns import CLIENT_COLUMNS, SESSION_COLUMNS, columns_of
from alliance_metrics.i18n import N_, _

# -- canonical columns and the headers accepted for them --------------------------------------

#: Session-log and clients-file columns → headers accepted for each, besides the canonical
#: name; both from the column catalogue, where each column is listed once.
SESSION_HEADERS: dict[str, tuple[str, ...]] = {column.name: column.aliases for column in SESSION_COLUMNS}
CLIENT_HEADERS: dict[str, tuple[str, ...]] = {column.name: column.aliases for column in CLIENT_COLUMNS}

HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "sessions": SESSION_HEADERS,
    "clients": CLIENT_HEADERS,
}
REQUIRED: dict[str, tuple[str, ...]] = {
    kind: tuple(column.name for column in columns_of(kind) if column.required) for kind in HEADERS
}
FILE_NOUN = {"sessions": N_("session log"), "clients": N_("clients file")}

#: Headers of a column holding the time of a session whose date is in another column: joined
#: to that date as scheduled_start (SPEC §3.3). "start time" alone still names scheduled_start.
TIME_HEADERS = ("time", "start time", "appointment time", "session time", "time of service",
                "heure", "heure de début", "heure du rendez-vous", "heure de la séance", "horaire")
# -- status labels -----------------------------------------------------------------------------

#: Canonical status → labels accepted for it (SPEC §3.2, plus ``booked``: a session booked but
#: not yet held, which counts in no score). ``therapist_cancel`` is not a stored status: it is
#: stored as ``cancelled`` with ``cancelled_by = 'therapist'``.
STATUS_LABELS: dict[str, tuple[str, ...]] = {
    "attended": ("attended", "show", "showed", "present", "présent", "présente", "honoré",
                 "honorée", "venu", "venue", "completed", "effectué", "réalisé"),
    "cancelled": ("cancelled", "canceled", "annulé", "annulée", "absent excusé",
                  "absente excusée", "cancelled by client", "canceled by client",
                  "annulé par le client", "annulé par la cliente"),
    "late_cancel": ("late cancel", "late cancelled", "late canceled", "late cancellation",
                    "annulation tardive", "annulé tardivement"),
    "no_show": ("no show", "noshow", "did not attend", "dna", "absent", "absente",
                "absent non excusé", "absente non excusée"),
    "booked": ("booked", "scheduled", "planned", "upcoming", "prévu", "prévue", "à venir",
               "planifié"),
    "therapist_cancel": ("therapist cancel", "clinician canceled", "clinician cancelled",
                         "cancelled by therapist", "canceled by therapist",
                         "annulé par le thérapeute", "annulé par la thérapeute",
                         "annulé par le praticien", "annulé par la praticienne"),
}
#: What each label stores: (status, cancelled_by implied by the label, or None).
STATUS_MEANING: dict[str, tuple[str, str | None]] = {
    "attended": ("attended", None),
    "cancelled": ("cancelled", None),
    "late_cancel": ("late_cancel", None),
    "no_show": ("no_show", None),
    "booked": ("booked", None),
    "therapist_cancel": ("cancelled", "therapist"),
}

#: Who cancelled (column cancelled_by) → labels accepted.
PARTY_LABELS: dict[str, tuple[str, ...]] = {
    "client": ("client", "cliente", "patient", "patiente"),
    "therapist": ("therapist", "clinician", "practitioner", "provider", "thérapeute",
                  "praticien", "praticienne"),
}

#: The paid flag (column paid, SPEC §3): labels for paid (True) and unpaid (False).
PAID_LABELS: dict[bool, tuple[str, ...]] = {
    True: ("paid", "yes", "y", "true", "1", "settled", "payé", "payée", "réglé", "réglée",
           "oui", "o", "vrai", "acquitté"),
    False: ("unpaid", "not paid", "no", "n", "false", "0", "unsettled", "outstanding", "due",
            "impayé", "impayée", "non payé", "non réglé", "non réglée", "non", "faux",
            "à régler", "en attente"),
}

#: homework_done written as words: yes = all the agreed practice done (1), no = none (0).
#: Compared with the cell lower-cased and trimmed (these words have no accents).
YES_WORDS: tuple[str, ...] = ("yes", "y", "oui", "o", "true", "vrai")
NO_WORDS: tuple[str, ...] = ("no", "n", "non", "false", "faux")


def label_key(text: str) -> str:
    """The form in which headers and labels are compared.

    Lower case, accents removed, every run of characters other than letters and digits
    (spaces, ``_``, ``-``, brackets, apostrophes …) made one space, no space at the ends.
    A label made only of punctuation keys as itself, lower-cased and trimmed.

    >>> label_key("  Présent ")
    'present'
    >>> label_key("No-Show") == label_key("no_show") == label_key("NO SHOW")
    True
    >>> label_key("Durée (min)")
    'duree min'
    >>> label_key("AppointmentID"), label_key("PatientId")
    ('appointment id', 'patient id')
    """
    # a capital after a small letter starts a word: PatientId, AppointmentID, NoShow
    text = "".join(f" {ch}" if ch.isupper() and before.islower() else ch
                   for before, ch in zip(" " + text, text))
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+", plain.casefold())) or text.strip().casefold()


# -- the mapping file ----------------------------------------------------------------------------

MAPPING_STATUSES = tuple(STATUS_MEANING)


class MappingError(ValueError):
    """A mapping file that cannot be used; the message says what to change."""


#: Columns that may be built from two of the file's columns, a date and a time (SPEC §3.3).
JOINABLE = ("scheduled_start", "cancelled_at")


@dataclass(frozen=True)
class Mapping:
    """A mapping file (SPEC §3.3), read by :func:`read_mapping`.

    ``columns`` maps a canonical column name to the header the file uses for it, to a
    pair of headers (a date and a time) for a column of ``JOINABLE``, or to "" when the file
    has no such column (none of its headers is matched to it); ``statuses`` maps a
    label (as written in the mapping) to a value of ``MAPPING_STATUSES``. ``date_order``
    (dmy, mdy or ymd), ``date_format`` (strftime) and ``timezone`` (of the file's times
    without a zone) come from the optional ``[dates]`` table.
    """

    columns: dict[str, str | tuple[str, str]] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None
    date_format: str | None = None
    timezone: str | None = None

    def status_of(self, label: str) -> str | None:
        """The mapping's status for *label*, compared by :func:`label_key`, or None."""
        key = label_key(label)
        for written, status in self.statuses.items():
            if label_key(written) == key:
                return status
        return None

    def to_toml(self) -> str:
        """The mapping as the TOML file :func:`read_mapping` reads (and the command line takes)."""
        lines = ["[columns]        # canonical name = header in your file"]
        for name, header in self.columns.items():
            value = (f"[{_toml_string(header[0])}, {_toml_string(header[1])}]"
                     if isinstance(header, tuple) else _toml_string(header))
            lines.append(f"{name} = {value}")
        lines += ["", "[status]         # label in your file = canonical status"]
        lines += [f"{_toml_string(label)} = {_toml_string(status)}"
                  for label, status in self.statuses.items()]
        dates = {"order": self.date_order, "format": self.date_format, "timezone": self.timezone}
        if any(dates.values()):
            lines += ["", "[dates]"]
            lines += [f"{key} = {_toml_string(value)}" for key, value in dates.items() if value]
        return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    """*text* as a TOML basic string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch >= " " else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def read_mapping(path_or_text: str | bytes | os.PathLike) -> Mapping:
    """Read a mapping file (SPEC §3.3) from a path, or from its TOML text or bytes.

    A ``str`` is read as TOML when it contains ``=`` or ``[`` and names no existing file.
    Raises :class:`MappingError` naming what is wrong: bad TOML (with its line), an unknown
    section, an unknown canonical column or status, or a header given to two columns.
    A status may be given as a canonical status or as any label Alliance knows
    (``"Clinician Canceled" = "cancelled by therapist"``).

    >>> read_mapping('[columns]\\nclient_id = "PatientId"\\n[status]\\n"Yes" = "no_show"')
    Mapping(columns={'client_id': 'PatientId'}, statuses={'Yes': 'no_show'}, date_order=None, date_format=None, timezone=None)
    """
    text, source = _mapping_text(path_or_text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(_("{source} is not valid TOML: {error}.").format(source=source, error=error)) from None
    unknown = sorted(set(data) - {"columns", "status", "dates"})
    if unknown:
        raise MappingError(_(
            "{source} has the section(s) {sections}; a mapping file has only [columns] (canonical name = "
            "\"header in your file\"), [status] (\"your label\" = canonical status) and [dates] (order, "
            "format, timezone).").format(source=source, sections=", ".join(f"[{s}]" for s in unknown)))
    columns = _columns_table(data.get("columns", {}), source)
    statuses = _string_table(data.get("status", {}), "[status]", source)
    dates = _string_table(data.get("dates", {}), "[dates]", source)

    known = list(dict.fromkeys([*SESSION_HEADERS, *CLIENT_HEADERS]))
    for name, header in columns.items():
        if name not in known:
            raise MappingError(_("{source}: [columns] names {name!r}, which is not a column Alliance knows. "
                                 "Known columns: {known}.").format(source=source, name=name, known=", ".join(known)))
        if isinstance(header, tuple) and name not in JOINABLE:
            raise MappingError(_("{source}: [columns] builds {name} from two headers; only {joinable} can be (a "
                                 "date column and a time column). Give {name} one header.").format(
                source=source, name=name, joinable=_(" and ").join(JOINABLE)))
    for table in HEADERS.values():  # within one kind of file, a header feeds one column
        fed: dict[str, str] = {}
        for name, headers in columns.items():
            for header in headers if isinstance(headers, tuple) else (headers,):
                if header and name in table and fed.setdefault(label_key(header), name) != name:
                    raise MappingError(_("{source}: [columns] gives the header {header!r} to both {first} and "
                                         "{second}; a header can feed one column.").format(
                        source=source, header=header, first=fed[label_key(header)], second=name))
    resolved: dict[str, str] = {}
    seen: dict[str, tuple[str, str]] = {}
    for label, status in statuses.items():
        canonical = status if status in MAPPING_STATUSES else _STATUS_BY_KEY.get(label_key(status))
        if canonical is None:
            raise MappingError(_("{source}: [status] maps {label!r} to {status!r}, which is not a status. "
                                 "Allowed: {allowed} (therapist_cancel = cancelled by the therapist), or any "
                                 "label Alliance knows, such as \"cancelled by therapist\".").format(
                source=source, label=label, status=status, allowed=", ".join(MAPPING_STATUSES)))
        previous = seen.setdefault(label_key(label), (label, canonical))
        if previous[1] != canonical:
            raise MappingError(_("{source}: [status] maps {first!r} to {first_status} and {label!r} to "
                                 "{status}; labels are compared ignoring case and accents, so these are one "
                                 "label.").format(source=source, first=previous[0], first_status=previous[1],
                                                  label=label, status=canonical))
        resolved[label] = canonical
    return Mapping(columns=columns, statuses=resolved, **_dates_table(dates, source))


def _columns_table(table: object, source: str) -> dict[str, str | tuple[str, str]]:
    """[columns]: name = "header", name = ["date header", "time header"], or name = "" (none)."""
    if not isinstance(table, dict):
        raise MappingError(_("{source}: [columns] must be a table of name = \"header\" lines.").format(source=source))
    columns: dict[str, str | tuple[str, str]] = {}
    for name, value in table.items():
        if isinstance(value, list) and len(value) == 2 and all(
                isinstance(part, str) and part.strip() for part in value):
            columns[str(name)] = (value[0], value[1])
        elif isinstance(value, str):   # "" = the file has no such column: match none
            columns[str(name)] = value.strip()
        else:
            raise MappingError(_("{source}: [columns] {name} = {value!r}; write name = \"header in your file\", "
                                 "or, for a date and a time in two columns, name = [\"Date header\", \"Time "
                                 "header\"].").format(source=source, name=name, value=value))
    return columns


def _dates_table(dates: dict[str, str], source: str) -> dict[str, str | None]:
    """[dates]: order, format and timezone, each checked."""
    from alliance_metrics.settings import DATE_ORDERS  # settings imports nothing of ours

    unknown = sorted(set(dates) - {"order", "format", "timezone"})
    if unknown:
        raise MappingError(_("{source}: [dates] has {keys}; it takes only order (dmy, mdy or ymd), format "
                             "(such as \"%m/%d/%Y %I:%M %p\") and timezone (such as "
                             "\"America/New_York\").").format(source=source, keys=", ".join(unknown)))
    order, fmt, zone = dates.get("order"), dates.get("format"), dates.get("timezone")
    if order is not None and order.lower() not in DATE_ORDERS:
        raise MappingError(_("{source}: [dates] order = {order!r}; write \"dmy\" (day first, 02/03/2026 is "
                             "2 March), \"mdy\" (month first, 3 February) or \"ymd\".").format(
            source=source, order=order))
    if fmt is not None and not ("%d" in fmt and "%m" in fmt or "%b" in fmt or "%B" in fmt):
        raise MappingError(_("{source}: [dates] format = {format!r} has no day (%d) and month (%m); write it "
                             "as strftime does, such as \"%m/%d/%Y %I:%M %p\".").format(source=source, format=fmt))
    if zone is not None and zone not in zoneinfo.available_timezones():
        raise MappingError(_("{source}: [dates] timezone = {zone!r} is not a time-zone name; write one such "
                             "as \"Europe/Paris\" or \"America/New_York\" (IANA names).").format(
            source=source, zone=zone))
    return {"date_order": order.lower() if order else None, "date_format": fmt, "timezone": zone}


def _mapping_text(path_or_text: str | bytes | os.PathLike) -> tuple[str, str]:
    """The TOML text and a name for it in messages."""
    if isinstance(path_or_text, bytes):
        return _decode_mapping(path_or_text, _("The mapping file")), _("The mapping file")
    if isinstance(path_or_text, str) and not os.path.isfile(path_or_text) and (
        "=" in path_or_text or "[" in path_or_text
    ):
        return path_or_text, _("The mapping")
    path = os.fspath(path_or_text)
    try:
        with open(path, "rb") as handle:
            source = _("The mapping file {path}").format(path=path)
            return _decode_mapping(handle.read(), source), source
    except FileNotFoundError:
        raise MappingError(_("There is no mapping file {path}.").format(path=path)) from None


def _decode_mapping(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingError(_("{source} is not UTF-8 text; save it as UTF-8.").format(source=source)) from None


def _string_table(table: object, section: str, source: str) -> dict[str, str]:
    if not isinstance(table, dict) or not all(
        isinstance(value, str) and value.strip() for value in table.values()
    ):
        raise MappingError(_("{source}: every entry of {section} must be written name = \"text\", with a "
                             "non-empty quoted text.").format(source=source, section=section))
    return {str(key): value for key, value in table.items()}


# -- header matching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderProblem:
    """Why the headers cannot be matched: a problem code (worded by
    :mod:`alliance_metrics.problems`), the canonical column, and the values its words need."""

    code: str
    field: str
    values: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class HeaderMatch:
    """Which position of the file feeds which canonical column, and what to tell the user.

    A column built from a date and a time has the pair of their positions. ``problems`` refuse
    the file.
    """

    columns: dict[str, int | tuple[int, int]]
    problems: tuple[HeaderProblem, ...]
    warnings: tuple[str, ...]


def match_headers(headers: Sequence[str], kind: str, mapping: Mapping | None = None) -> HeaderMatch:
    """Match a file's headers to the canonical columns of *kind* ('sessions' or 'clients').

    The mapping file's ``[columns]`` entries come first; every other header is matched to a
    canonical name or one of its aliases, by :func:`label_key`. Headers matching nothing are
    ignored with a warning; a required column that no header feeds, or a column fed by two
    headers, is a problem (the file is rejected).

    >>> match_headers(["Client", "Date", "Statut", "Notes"], "sessions").columns
    {'client_id': 0, 'scheduled_start': 1, 'status': 2}
    """
    table = HEADERS[kind]
    noun = _(FILE_NOUN[kind])
    keys = [label_key(header) if header.strip() else "" for header in headers]
    columns: dict[str, int] = {}
    problems: list[HeaderProblem] = []
    warnings: list[str] = []

    mapped = {name: header for name, header in (mapping.columns if mapping else {}).items()
              if name in table}
    declined = {name for name, wanted in mapped.items() if wanted == ""}
    for name, wanted in mapped.items():
        if name in declined:
            continue
        found = []
        for header in wanted if isinstance(wanted, tuple) else (wanted,):
            positions = [i for i, key in enumerate(keys) if key and key == label_key(header)]
            if len(positions) > 1:
                problems.append(HeaderProblem("header_mapped_twice", name,
                                              {"header": header, "count": len(positions)}))
            elif not positions:
                warnings.append(_(
                    "The mapping file reads {name} from {header!r}, but this file has no such column "
                    "(headers found: {found}); the usual headers were tried instead.").format(
                    name=name, header=header, found=_listing(headers)))
            found.extend(positions[:1])
        if isinstance(wanted, tuple) and len(found) == 2:
            columns[name] = (found[0], found[1])
        elif not isinstance(wanted, tuple) and found:
            columns[name] = found[0]

    alias_of = {label_key(alias): name for name, aliases in table.items()
                for alias in (name, *aliases)}
    claimed = {position: name for name, place in columns.items()
               for position in (place if isinstance(place, tuple) else (place,))}
    candidates: dict[str, list[int]] = {}
    times: list[int] = []   # a time column beside the date (SPEC §3.3), joined below
    for position, key in enumerate(keys):
        if position in claimed or not key:
            continue
        name = alias_of.get(key)
        if kind == "sessions" and key in _TIME_KEYS and "scheduled_start" not in columns:
            times.append(position)
            if name == "scheduled_start":  # "Start time" alone is the start
                candidates.setdefault(name, []).append(position)
        elif name is None:
            warnings.append(_("Column {header!r} is not part of the {noun} and was ignored.").format(
                header=headers[position], noun=noun))
        elif name in declined:
            warnings.append(_("Column {header!r} was ignored: the mapping file says this file has no "
                              "{name} column ({name} = \"\").").format(header=headers[position], name=name))
        elif name in columns:
            place = columns[name] if isinstance(columns[name], tuple) else (columns[name],)
            warnings.append(_("Column {header!r} was ignored: the mapping file reads {name} from {sources}.").format(
                header=headers[position], name=name,
                sources=_(" and ").join(repr(headers[p]) for p in place)))
        else:
            candidates.setdefault(name, []).append(position)
    dates = [p for p in candidates.get("scheduled_start", []) if p not in times]
    if len(times) == 1 and len(dates) == 1:
        # "Date of Service" and "Time": the session's start is the two together
        candidates.pop("scheduled_start")
        columns["scheduled_start"] = (dates[0], times[0])
    else:
        warnings.extend(f"Column {headers[p]!r} is not part of the {noun} and was ignored."
                        for p in times if p not in candidates.get("scheduled_start", []))
    for name, positions in candidates.items():
        if len(positions) == 1:
            columns[name] = positions[0]
        else:
            problems.append(HeaderProblem("header_ambiguous", name,
                                          {"headers": [headers[p] for p in positions]}))

    for name in REQUIRED[kind]:
        if name not in columns and not any(name == p.field for p in problems):
            problems.append(HeaderProblem("header_missing", name, {
                "kind": kind, "headers": list(headers), "aliases": table[name]}))
    ordered = dict(sorted(columns.items(), key=lambda item: item[1] if isinstance(item[1], int)
                          else item[1][0]))
    return HeaderMatch(ordered, tuple(problems), tuple(warnings))


def _listing(headers: Sequence[str]) -> str:
    shown = [repr(h) for h in headers if h.strip()]
    return ", ".join(shown) if shown else "none"


# -- labels in cells -----------------------------------------------------------------------------

_TIME_KEYS = {label_key(header) for header in TIME_HEADERS}
_STATUS_BY_KEY = {label_key(label): name for name, labels in STATUS_LABELS.items()
                  for label in (name, *labels)}
_PARTY_BY_KEY = {label_key(label): name for name, labels in PARTY_LABELS.items()
                 for label in (name, *labels)}


def status_of(label: str, mapping: Mapping | None = None) -> tuple[str, str | None] | None:
    """``(status, implied cancelled_by)`` for a status cell, or None when it is not known.

    The mapping file's ``[status]`` entries win over the built-in labels.

    >>> status_of("Clinician Canceled")
    ('cancelled', 'therapist')
    >>> status_of("présent"), status_of("PRESENT")
    (('attended', None), ('attended', None))
    >>> status_of("Yes", Mapping(statuses={"yes": "no_show"}))
    ('no_show', None)
    """
    name = (mapping.status_of(label) if mapping else None) or _STATUS_BY_KEY.get(label_key(label))
    return STATUS_MEANING[name] if name else None


def party_of(label: str) -> str | None:
    """'client' or 'therapist' for a cancelled_by cell, or None when it is not known.

    >>> party_of("Thérapeute"), party_of("patient"), party_of("nobody")
    ('therapist', 'client', None)
    """
    return _PARTY_BY_KEY.get(label_key(label))


_PAID_BY_KEY = {label_key(label): paid for paid, labels in PAID_LABELS.items() for label in labels}


def paid_of(label: str) -> bool | None:
    """True (paid) or False (unpaid) for a paid cell, or None when it is not known.

    >>> paid_of("Paid"), paid_of("Unpaid"), paid_of("non réglé"), paid_of("maybe")
    (True, False, False, None)
    """
    return _PAID_BY_KEY.get(label_key(label))
