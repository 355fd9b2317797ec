"""The supervisor export file: what a therapist sends an external supervisor, written and checked.

- :func:`export_json` / :func:`write_export` write a :class:`~alliance_metrics.anonymise.SupervisorView`
  as a versioned JSON file holding only its aggregate tables;
- :func:`loads_export` / :func:`read_export` read one back, refusing a file that is not an
  export, of another version, changed since it was written, or holding any figure over 1 … k−1
  clients.

This module reads no database: a supervisor who opens files never comes near identified data.
Several exports are merged by :mod:`alliance_metrics.pooling`; a view is rendered as a page by
:mod:`alliance_metrics.supervisor_report`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from alliance_metrics.anonymise import (
    ALL_THERAPISTS, BIN_EDGES, GRANULARITIES, CASELOAD_MEASURES, MEASURES, PERIOD_PATTERN, PROGRESS,
    SCORE_NAMES, TABLE_SCHEMAS, TOTAL, Source, SupervisorView, bin_label, granularity_of, is_small,
    period_label, periods_between, table_frame,
)
from alliance_metrics.i18n import _
from alliance_metrics.pooling import PEARSON, POOLED

FORMAT = "alliance-supervisor-export"
VERSION = 2   # 2: figures from the release ledger; the comparison tables cover the last period
_PRACTICE = re.compile(r"^Practice [0-9a-f]{8}$")
_THERAPIST = re.compile(r"^Therapist [0-9a-f]{8}$")
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
_KEYS = ("format", "version", "k", "granularity", "first_period", "last_period", "ending_gap_days",
         "sources", "tables", "sha256")
#: What identifies a row in each table (each combination appears once).
_ROW_KEYS = {"trends": ("period", "measure"), "caseload": ("period", "measure"), "therapists": ("therapist", "measure"),
             "distributions": ("measure", "bin"), "relation_bins": ("score", "bin"), "relations": ("score",)}


class ExportError(ValueError):
    """A file that is not a valid supervisor export; the message says what is wrong."""


# -- writing ------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """A JSON value: None for NA, NaN and ±inf (open bin edges); Python int, float, bool, str."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item"):   # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _body(view: SupervisorView) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "k": view.k, "granularity": view.granularity,
        "first_period": view.first_period, "last_period": view.last_period,
        "ending_gap_days": view.ending_gap_days,
        "sources": [asdict(source) for source in view.sources],
        "tables": {name: {"columns": list(frame.columns),
                          "rows": [[_plain(value) for value in row] for row in frame.itertuples(index=False)]}
                   for name, frame in view.tables().items()},
    }


def _digest(body: dict) -> str:
    canonical = json.dumps({key: value for key, value in body.items() if key != "sha256"}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def exports_digest(*exports: str | bytes) -> tuple[str, ...]:
    """The SHA-256 of each export file's text: what a view read from these files, or made as
    this export, is made of (the supervisor pages keep its charts under it).

    >>> exports_digest("{}")
    ('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',)
    """
    return tuple(hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()
                 for text in exports)


def export_json(view: SupervisorView) -> str:
    """The export file's text: the view's tables as JSON, one table row per line, with a checksum.

    The ``sha256`` field is the SHA-256 of the rest (canonical JSON: sorted keys, no spaces); it
    catches a file changed by hand or damaged in transit, not a forger who recomputes it.
    """
    body = _body(view)
    body["sha256"] = _digest(body)
    head = {key: value for key, value in body.items() if key not in ("tables", "sha256")}
    lines = ["{" + json.dumps(head, ensure_ascii=False)[1:-1] + ',', ' "tables": {']
    for number, (name, table) in enumerate(body["tables"].items()):
        rows = ",\n   ".join(json.dumps(row, ensure_ascii=False, allow_nan=False) for row in table["rows"])
        comma = "," if number < len(body["tables"]) - 1 else ""
        lines.append(f'  "{name}": {{"columns": {json.dumps(table["columns"])}, "rows": [\n   {rows}]}}{comma}')
    lines.append(f' }},\n "sha256": "{body["sha256"]}"\n}}\n')
    return "\n".join(lines)


def write_export(view: SupervisorView, path: str | Path) -> Path:
    """Write :func:`export_json` of *view* to *path* (UTF-8); return the path."""
    path = Path(path)
    path.write_text(export_json(view), encoding="utf-8")
    return path


# -- reading ------------------------------------------------------------------------------------

def read_export(path: str | Path) -> SupervisorView:
    """Read and check an export file written by :func:`write_export`.

    Raises
    ------
    ExportError
        When the file cannot be read or fails any check of :func:`loads_export`.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ExportError(_("Cannot read {path}: {error}.").format(path=path, error=error.strerror)) from None
    try:
        return loads_export(data)
    except ExportError as error:
        raise ExportError(f"{Path(path).name}: {error}") from None


def loads_export(data: str | bytes) -> SupervisorView:
    """Read and check an export's text (an uploaded file's bytes, say).

    Checked: JSON; the format name and version; the checksum; every key, table and column; each
    value's type and vocabulary (periods, measures, pseudonyms, bins); and the privacy rules —
    no figure over 1 … k−1 clients, nothing but a count of 0 where values are absent.

    Raises
    ------
    ExportError
        Saying what is wrong and where.
    """
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportError(_("This is not a supervisor export: it is not JSON ({error}).").format(error=error)) from None
    except RecursionError:
        raise ExportError(_("This is not a supervisor export: its JSON is nested far deeper than an export's "
                            "(a few levels).")) from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ExportError(_("This is not a supervisor export: its format is not {format!r}. Export one with: "
                            "python -m alliance_metrics supervisor-export --out FILE").format(format=FORMAT))
    if body.get("version") != VERSION:
        raise ExportError(_("This export is version {version!r}; this release reads version {supported}. Open "
                            "it with the release that wrote it, or export again.").format(
            version=body.get("version"), supported=VERSION))
    if sorted(body) != sorted(_KEYS):
        raise ExportError(f"The export's fields are {sorted(body)}; expected {sorted(_KEYS)}.")
    try:
        digest_ok = _digest(body) == body["sha256"]
    except ValueError:
        digest_ok = False
    if not digest_ok:
        raise ExportError(_("The export has been changed since it was written (its checksum does not match). "
                            "Ask for the file again."))
    return _view_from(body)


def _fail(where: str, what: str) -> NoReturn:
    raise ExportError(f"{where}: {what}")


def _view_from(body: dict) -> SupervisorView:
    k, granularity = body["k"], body["granularity"]
    if not isinstance(k, int) or isinstance(k, bool) or k < 5:
        _fail("k", f"must be a whole number of at least 5; found {k!r}")
    if granularity not in GRANULARITIES[1:]:
        _fail("granularity", f"must be one of {list(GRANULARITIES[1:])}; found {granularity!r}")
    first, last = body["first_period"], body["last_period"]
    for name, label in (("first_period", first), ("last_period", last)):
        if label is not None and (not isinstance(label, str) or not PERIOD_PATTERN.match(label)
                                  or granularity_of(label) != granularity):
            _fail(name, f"must be a {granularity} such as {period_label(date(2026, 3, 1), granularity)}; "
                        f"found {label!r}")
    if (first is None) != (last is None) or (first is not None and not periods_between(first, last)):
        _fail("periods", f"first_period {first!r} and last_period {last!r} do not make a range")
    gap = body["ending_gap_days"]
    if not isinstance(gap, int) or isinstance(gap, bool) or gap < 1:
        _fail("ending_gap_days", f"must be a whole number of days ≥ 1; found {gap!r}")
    sources = body["sources"]
    if not isinstance(sources, list) or not sources:
        _fail("sources", "must list at least one source")
    for source in sources:
        if (not isinstance(source, dict) or sorted(source) != ["as_of", "practice", "scope"]
                or not _PRACTICE.match(str(source["practice"]))
                or not (source["scope"] == ALL_THERAPISTS or _THERAPIST.match(str(source["scope"])))
                or not _MONTH.match(str(source["as_of"]))):
            _fail("sources", f"{source!r} is not a practice pseudonym, scope and month")
    tables = body["tables"]
    if not isinstance(tables, dict) or sorted(tables) != sorted(TABLE_SCHEMAS):
        _fail("tables", f"expected the tables {sorted(TABLE_SCHEMAS)}")
    checker = _Checker(k, set(periods_between(first, last)))
    frames = {name: checker.table(name, tables[name]) for name in TABLE_SCHEMAS}
    return SupervisorView(k=k, granularity=granularity, first_period=first, last_period=last,
                          ending_gap_days=gap, sources=tuple(Source(**source) for source in sources), **frames)


class _Checker:
    """Checks each table of an export against its schema, vocabulary and the privacy rules."""

    def __init__(self, k: int, periods: set[str]):
        self.k, self.periods = k, periods
        self.vocabulary = {"period": periods, "score": set(SCORE_NAMES), "progress": {PROGRESS},
                           "method": {PEARSON, POOLED}}

    def table(self, name: str, table: Any) -> pd.DataFrame:
        schema = TABLE_SCHEMAS[name]
        if not isinstance(table, dict) or sorted(table) != ["columns", "rows"] or table["columns"] != list(schema):
            _fail(name, f"must have the columns {list(schema)}")
        if not isinstance(table["rows"], list):
            _fail(name, "rows must be a list")
        vocabulary = self.vocabulary | {"measure": set(CASELOAD_MEASURES if name == "caseload" else MEASURES)}
        rows = [self.row(name, number, row, schema, vocabulary)
                for number, row in enumerate(table["rows"], start=1)]
        keys = [tuple(row[column] for column in _ROW_KEYS[name]) for row in rows]
        if len(set(keys)) < len(keys):
            _fail(name, f"holds the same {' and '.join(_ROW_KEYS[name])} twice")
        if name == "therapists":
            self.totals(rows)
        return table_frame(name, rows)

    @staticmethod
    def totals(rows: list[dict]) -> None:
        """Each measure of the therapist table has a Total row, or exactly one therapist's row."""
        for measure in MEASURES:
            found = [row["therapist"] for row in rows if row["measure"] == measure]
            if found and TOTAL not in found and len(found) > 1:
                _fail("therapists", f"{measure} has {len(found)} therapists and no {TOTAL!r} row; an export "
                                    f"of several therapists has one")

    def row(self, name: str, number: int, values: Any, schema: dict[str, str], vocabulary: dict) -> dict:
        where = f"{name}, row {number}"
        if not isinstance(values, list) or len(values) != len(schema):
            _fail(where, f"must hold {len(schema)} values")
        row = dict(zip(schema, values))
        for column, dtype in schema.items():
            value = row[column]
            if dtype == "str" and not isinstance(value, str):
                _fail(where, f"{column} must be text; found {value!r}")
            if dtype == "bool" and not isinstance(value, bool):
                _fail(where, f"{column} must be true or false; found {value!r}")
            if dtype == "Int64" and value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                                            or value < 0):
                _fail(where, f"{column} must be a count ≥ 0 or null; found {value!r}")
            if dtype == "float64" and value is not None and (not isinstance(value, (int, float))
                                                              or isinstance(value, bool)):
                _fail(where, f"{column} must be a number or null; found {value!r}")
        for column, allowed in vocabulary.items():
            if column in row and row[column] not in allowed:
                _fail(where, f"{column} {row[column]!r} is not one of the known values")
        if "therapist" in row and row["therapist"] != TOTAL and not _THERAPIST.match(row["therapist"]):
            _fail(where, f"therapist {row['therapist']!r} is not a pseudonym")
        if "bin" in row:
            low = -math.inf if row["bin_low"] is None else row["bin_low"]
            high = math.inf if row["bin_high"] is None else row["bin_high"]
            edges = BIN_EDGES[row.get("measure") or row["score"]]
            if low not in edges or high not in edges or low >= high or row["bin"] != bin_label(low, high):
                _fail(where, f"bin {row['bin']!r} is not a bin of the grid")
            row |= {"bin_low": low, "bin_high": high}
        # the privacy rules
        n = row["n_clients"]
        values = [row[c] for c, dtype in schema.items() if dtype == "float64" and not c.startswith("bin_")]
        if n is not None and is_small(n, self.k):
            _fail(where, f"a figure over {n} clients, fewer than k = {self.k}: this file breaks the rules")
        if (row["suppressed"] or row.get("pending")) and n is not None:
            _fail(where, "a suppressed or pending cell must not show its count")
        if not n and any(value is not None for value in values):
            _fail(where, "values are shown without at least k clients behind them")
        row["n_clients"] = pd.NA if n is None else n
        return {column: (math.nan if value is None and schema[column] == "float64" else value)
                for column, value in row.items()}
