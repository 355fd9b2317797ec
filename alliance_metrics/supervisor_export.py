"""What a therapist sends an external supervisor: the anonymised view as a file, and as a report.

- :func:`export_json` / :func:`write_export` write a :class:`~alliance_metrics.anonymise.SupervisorView`
  as a versioned JSON file holding only its aggregate tables;
- :func:`loads_export` / :func:`read_export` read one back, refusing a file that is not an
  export, of another version, changed since it was written, or holding any figure over 1 … k−1
  clients;
- :func:`combine` merges the exports of several therapists or practices without ever showing a
  cell that any of them suppressed;
- :func:`supervisor_report_html` renders a view as one self-contained HTML page.

This module reads no database: a supervisor who opens files never comes near identified data.

Exports of the practice and of its therapists, made at any times, can be held together: every
figure comes from the release ledger (:mod:`alliance_metrics.ledger`), so no subtraction of one
from another isolates fewer than k clients. :func:`combine` still refuses to add up exports that
describe the same clients (it would count them twice).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, Sequence

import pandas as pd

from alliance_metrics.anonymise import (
    ALL_THERAPISTS, MIN_RELATION_CLIENTS, CASELOAD_LABELS, CASELOAD_MEASURES, GRANULARITIES, MEASURE_LABELS, MEASURES, MEAN_DECIMALS,
    PERIOD_PATTERN, PROGRESS, R_DECIMALS, SCORE_NAMES, TABLE_SCHEMAS, TOTAL, BIN_EDGES, Source,
    SupervisorView, bin_label, granularity_of, is_small, period_label, periods_between, table_frame,
)

FORMAT = "alliance-supervisor-export"
VERSION = 2   # 2: figures from the release ledger; the comparison tables cover the last period
PEARSON, POOLED = "pearson", "pearson (pooled over exports)"
_PRACTICE = re.compile(r"^Practice [0-9a-f]{8}$")
_THERAPIST = re.compile(r"^Therapist [0-9a-f]{8}$")
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
_KEYS = ("format", "version", "k", "granularity", "first_period", "last_period", "ending_gap_days",
         "sources", "tables", "sha256")
_Z_975 = 1.959963984540054
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
        raise ExportError(f"Cannot read {path}: {error.strerror}.") from None
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
        raise ExportError(f"This is not a supervisor export: it is not JSON ({error}).") from None
    except RecursionError:
        raise ExportError("This is not a supervisor export: its JSON is nested far deeper than an export's "
                          "(a few levels).") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ExportError(f"This is not a supervisor export: its format is not {FORMAT!r}. "
                          "Export one with: python -m alliance_metrics supervisor-export --out FILE")
    if body.get("version") != VERSION:
        raise ExportError(f"This export is version {body.get('version')!r}; this release reads version "
                          f"{VERSION}. Open it with the release that wrote it, or export again.")
    if sorted(body) != sorted(_KEYS):
        raise ExportError(f"The export's fields are {sorted(body)}; expected {sorted(_KEYS)}.")
    try:
        digest_ok = _digest(body) == body["sha256"]
    except ValueError:
        digest_ok = False
    if not digest_ok:
        raise ExportError("The export has been changed since it was written (its checksum does not "
                          "match). Ask for the file again.")
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


# -- combining ----------------------------------------------------------------------------------

def _overlap(a: Source, b: Source) -> bool:
    """Whether two sources can hold the same clients: same practice, and one is its whole caseload
    or both are the same therapist's."""
    return a.practice == b.practice and (ALL_THERAPISTS in (a.scope, b.scope) or a.scope == b.scope)


def combine(views: Sequence[SupervisorView]) -> SupervisorView:
    """Merge the views of several therapists or practices into one, never un-suppressing a cell.

    For each cell: if any view suppressed it, it stays suppressed; otherwise counts add,
    :math:`n = \\sum_i n_i`, and means are re-weighted by the clients behind them,
    :math:`\\bar x = \\sum_i n_i \\bar x_i / n`. A median is kept only where one view alone
    contributes clients (medians do not combine). Distributions are merged on the bin edges
    every view shares. Correlations are pooled by the fixed-effect Fisher z method,
    :math:`\\bar z = \\sum_i (n_i - 3) \\operatorname{atanh} r_i / \\sum_i (n_i - 3)`, 95 % interval
    :math:`\\tanh(\\bar z \\pm 1.96 / \\sqrt{\\sum_i (n_i - 3)})` — the within-export link,
    not the correlation of all clients pooled (Borenstein et al. 2009, *Introduction to
    Meta-Analysis*, ch. 6).

    Every combined figure is a function of figures the views show, so combining reveals
    nothing they hide; each covers 0 or at least min(k) clients. Counts are sums: the views
    must describe different clients.

    Periods run from the earliest first period to the earliest last period of the views (a view
    holds no clients before its first period; after its last, it does not know).

    Raises
    ------
    ValueError
        For no view, views of the same clients (the same export twice, or a practice's whole
        export with one of its therapists'), by month and by quarter, or with different ending gaps.
    """
    views = list(views)
    if not views:
        raise ValueError("combine needs at least one view.")
    if len(views) == 1:
        return views[0]
    sources = [source for view in views for source in view.sources]
    for i, a in enumerate(sources):
        for b in sources[i + 1:]:
            if _overlap(a, b):
                raise ValueError(
                    f"'{a.practice} — {a.scope}' and '{b.practice} — {b.scope}' describe the same clients; "
                    "combining them would count those clients twice. Open each on its own, or combine "
                    "exports of different therapists or practices.")
    dated = [view for view in views if view.first_period is not None]
    if len({view.granularity for view in dated}) > 1:
        raise ValueError("These exports are by month and by quarter, which do not combine. Export them "
                         "again by quarter (supervisor-export --period quarter).")
    if len({view.ending_gap_days for view in views}) > 1:
        raise ValueError(f"These exports define endings by different gaps "
                         f"({sorted({view.ending_gap_days for view in views})} days); export them again alike.")
    # labels of one granularity sort as text: "2025-12" < "2026-01", "2025-Q4" < "2026-Q1"
    first = min((view.first_period for view in dated), default=None)
    last = min((view.last_period for view in dated), default=None)
    periods = periods_between(first, last)
    k = min(view.k for view in views)
    return SupervisorView(
        k=k, granularity=dated[0].granularity if dated else views[0].granularity,
        first_period=periods[0] if periods else None, last_period=periods[-1] if periods else None,
        ending_gap_days=views[0].ending_gap_days, sources=tuple(sources),
        trends=_combine_cells("trends", [view.trends for view in views], ["period", "measure"], periods, MEASURES),
        caseload=_combine_caseload([view.caseload for view in views], periods),
        therapists=_combine_therapists([view.therapists for view in views]),
        # the per-client tables describe each view's last period; a view with none adds nothing
        distributions=_combine_bins("distributions", [view.distributions for view in dated]),
        relation_bins=_combine_bins("relation_bins", [view.relation_bins for view in dated]),
        relations=_combine_relations([view.relations for view in dated]),
    )


def _pool(pieces: list[dict], k: int | None = None) -> dict:
    """One cell from the same cell of several views: suppressed if any is; else n add, means re-weight."""
    if any(piece["suppressed"] for piece in pieces):
        return {"n_clients": pd.NA, "mean": math.nan, "median": math.nan, "suppressed": True}
    contributing = [piece for piece in pieces if not pd.isna(piece["n_clients"]) and piece["n_clients"] > 0]
    n = sum(int(piece["n_clients"]) for piece in contributing)
    if not contributing:
        return {"n_clients": 0, "mean": math.nan, "median": math.nan, "suppressed": False}
    mean = sum(piece["n_clients"] * piece["mean"] for piece in contributing) / n
    median = contributing[0]["median"] if len(contributing) == 1 else math.nan
    return {"n_clients": n, "mean": round(mean, MEAN_DECIMALS), "median": median, "suppressed": False}


def _combine_cells(name: str, frames: list[pd.DataFrame], keys: list[str], periods: list[str],
                   measures: Sequence[str]) -> pd.DataFrame:
    indexed = [frame.set_index(keys) for frame in frames]
    rows = []
    for period in periods:
        for measure in measures:
            pieces = [frame.loc[(period, measure)].to_dict() for frame in indexed if (period, measure) in frame.index]
            rows.append({"period": period, "measure": measure, **_pool(pieces)})
    return table_frame(name, rows)


def _combine_caseload(frames: list[pd.DataFrame], periods: list[str]) -> pd.DataFrame:
    indexed = [frame.set_index(["period", "measure"]) for frame in frames]
    rows = []
    for period in periods:
        for measure in CASELOAD_MEASURES:
            pieces = [frame.loc[(period, measure)] for frame in indexed if (period, measure) in frame.index]
            suppressed = any(piece.suppressed for piece in pieces)
            pending = any(piece.pending for piece in pieces)
            n = pd.NA if suppressed or pending else sum(int(piece.n_clients) for piece in pieces)
            rows.append({"period": period, "measure": measure, "n_clients": n,
                         "suppressed": suppressed, "pending": pending})
    return table_frame("caseload", rows)


def _combine_therapists(frames: list[pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for measure in MEASURES:
        parts = [frame[frame.measure == measure] for frame in frames]
        therapists = pd.concat([part[part.therapist != TOTAL] for part in parts])
        if therapists.therapist.duplicated().any():
            raise ValueError("Two exports show the same therapist pseudonym; they describe the same clients.")
        rows += therapists.sort_values("therapist").to_dict("records")
        totals = [_total(part) for part in parts if len(part)]
        if totals:
            rows.append({"therapist": TOTAL, "measure": measure, **_pool(totals)})
    return table_frame("therapists", rows)


def _total(part: pd.DataFrame) -> dict:
    """A view's whole caseload for one measure: its Total row, or its one therapist's row."""
    total = part[part.therapist == TOTAL]
    return (total if len(total) else part).iloc[0].to_dict()


def _combine_bins(name: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge binned tables on the edges every contributing view shares."""
    key = "measure" if name == "distributions" else "score"
    names = MEASURES if name == "distributions" else SCORE_NAMES
    rows = []
    for measure in names:
        edges = BIN_EDGES[measure]
        parts = [frame[frame[key] == measure] for frame in frames]
        if any(part.empty for part in parts):   # not released in some view: not in the whole either
            continue
        suppressed = any(part.suppressed.any() for part in parts)
        contributing = [part for part in parts if part.n_clients.fillna(0).sum() > 0]
        common = set(edges)
        for part in contributing:
            common &= set(part.bin_low) | set(part.bin_high)
        bounds = sorted(common) if contributing and not suppressed else [edges[0], edges[-1]]
        for low, high in zip(bounds, bounds[1:]):
            row = {key: measure, "bin": bin_label(low, high), "bin_low": low, "bin_high": high}
            if suppressed:
                rows.append(row | {"n_clients": pd.NA, "mean_progress": math.nan, "median_progress": math.nan,
                                   "suppressed": True})
                continue
            pieces = [piece for part in contributing for piece in part.to_dict("records")
                      if low <= piece["bin_low"] and piece["bin_high"] <= high and piece["n_clients"] > 0]
            if name == "distributions":
                rows.append(row | {"n_clients": sum(int(p["n_clients"]) for p in pieces), "suppressed": False})
            else:
                cell = _pool([{"n_clients": p["n_clients"], "mean": p["mean_progress"],
                               "median": p["median_progress"], "suppressed": False} for p in pieces])
                rows.append(row | {"n_clients": cell["n_clients"], "mean_progress": cell["mean"],
                                   "median_progress": cell["median"], "suppressed": False})
    if name == "distributions":
        rows = [{column: value for column, value in row.items() if "progress" not in column} for row in rows]
    return table_frame(name, rows)


def _combine_relations(frames: list[pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for score in SCORE_NAMES:
        pieces = [frame[frame.score == score].iloc[0] for frame in frames if (frame.score == score).any()]
        if not pieces:
            continue
        row = {"score": score, "progress": PROGRESS, "method": PEARSON, "n_clients": 0, "r": math.nan,
               "ci_low": math.nan, "ci_high": math.nan, "suppressed": False}
        contributing = [piece for piece in pieces if not piece.suppressed and piece.n_clients > 0]
        if any(piece.suppressed for piece in pieces):
            row |= {"n_clients": pd.NA, "suppressed": True}
        elif len(contributing) == 1:
            row = contributing[0].to_dict()
        elif contributing:
            row |= {"method": POOLED, "n_clients": sum(int(piece.n_clients) for piece in contributing)}
            if all(not math.isnan(piece.r) for piece in contributing):
                weights = [int(piece.n_clients) - 3 for piece in contributing]
                z = sum(w * math.atanh(max(-0.999999, min(0.999999, piece.r)))
                        for w, piece in zip(weights, contributing)) / sum(weights)
                half = _Z_975 / math.sqrt(sum(weights))
                row |= {"r": round(math.tanh(z), R_DECIMALS), "ci_low": round(math.tanh(z - half), R_DECIMALS),
                        "ci_high": round(math.tanh(z + half), R_DECIMALS)}
        rows.append(row)
    return table_frame("relations", rows)


# -- what a view shows, in words (the page and the report say the same) ---------------------------

def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def relation_reading(row: dict, k: int) -> str:
    """One relation row as a sentence: the coefficient and its interval, or why there is none.

    >>> relation_reading({"suppressed": True, "n_clients": None, "r": float("nan")}, 11)
    'Suppressed: fewer than 11 clients have both this score and a goal rating.'
    """
    if row["suppressed"]:
        return f"Suppressed: fewer than {k} clients have both this score and a goal rating."
    if pd.isna(row["n_clients"]) or not row["n_clients"]:
        return "No estimate: no client has both this score and a goal rating in this period."
    if pd.isna(row["r"]):
        n = int(row["n_clients"])
        if n < MIN_RELATION_CLIENTS:
            return f"No estimate: {n} clients are too few for an interval ({MIN_RELATION_CLIENTS} are needed)."
        return f"No estimate: the score or the progress is the same for all {n} clients, so they cannot be related."
    interval = f"{_number(row['ci_low'], 2)} to {_number(row['ci_high'], 2)}"
    return f"r = {_number(row['r'], 2)} (95 % interval {interval}, {int(row['n_clients'])} clients)"


def what_it_shows(view: SupervisorView) -> list[str]:
    """Sentences for the top of the page and the report: what this view lets the supervisor see,
    what it cannot, and why."""
    grain, k = view.granularity, view.k
    if view.first_period is None:
        return [f"No {grain} has closed since this caseload's first session, so nothing can be shown yet: "
                f"figures appear once a {grain} is over."]
    periods = view.periods
    scores = view.trends[view.trends.measure == "attendance"]
    hidden = int(scores.suppressed.sum())
    sentences = [
        f"Covered: {_count(len(periods), f'closed {grain}', f'closed {grain}s')}, {view.first_period} to "
        f"{view.last_period}. Every figure covers at least k = {k} distinct clients; smaller cells, and any "
        "cell from which one could be worked out, read 'suppressed'. No client, name, goal or date appears.",
        f"Figures of a closed {grain} are fixed at their first release (on this page or in an export): sessions "
        "entered later for it, or clients erased since, do not change them, so two releases can never be "
        "subtracted to single out a client.",
    ]
    if hidden:
        pooled = f" Months are pooled into {grain}s so that most periods reach k clients." if grain != "month" else ""
        sentences.append(f"In {hidden} of {len(periods)} {grain}s the scores are suppressed: they cover fewer "
                         f"than {k} clients, or showing them would let a suppressed figure be worked out.{pooled}")
    pending = sorted(set(view.caseload[view.caseload.pending].period))
    if pending:
        sentences.append(f"The caseload flow of {', '.join(pending)} is not yet known: a client counts as ended "
                         f"once {view.ending_gap_days} days have passed without a session.")
    therapists = view.therapists[view.therapists.therapist != TOTAL].therapist.nunique()
    if therapists == 1:
        sentences.append(f"The therapist comparison ({view.last_period}) has one therapist: there is nobody to "
                         "compare with, so it shows that caseload alone.")
    if view.distributions.empty and therapists:
        sentences.append("Distributions and score bands are shown for a whole practice only: bands of one "
                         "therapist's clients could be subtracted from the practice's.")
    elif len(view.distributions) and view.distributions.groupby("measure").size().max() == 1:
        sentences.append(f"Each score has a single band in {view.last_period}: no split of a score's range "
                         f"leaves at least {k} clients on both sides.")
    estimated = view.relations.r.notna().sum()
    if not estimated:
        sentences.append(f"No link between a score and goal progress can be estimated for {view.last_period}: "
                         "the table below says why for each score.")
    return sentences


# -- the HTML report ----------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; color: #222; }
h1 { margin-bottom: 0; } .sub { color: #555; margin-top: .3rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .88rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td small { color: #666; } .hidden { color: #999; }
.bar { background: #4c78a8; height: .8rem; display: inline-block; }
"""


def _number(value: float, decimals: int = 1) -> str:
    return "—" if pd.isna(value) else f"{value:.{decimals}f}".replace("-", "−")


def _cell(row: dict) -> str:
    """A figure with its median and count, or why it is not shown."""
    if row["suppressed"]:
        return '<span class="hidden">suppressed</span>'
    if row.get("pending"):
        return '<span class="hidden">not yet known</span>'
    if "mean" not in row:
        return str(int(row["n_clients"]))
    if not row["n_clients"]:
        return '<span class="hidden">no clients</span>'
    median = "" if pd.isna(row["median"]) else f"median {_number(row['median'])} · "
    return f"<b>{_number(row['mean'])}</b><br><small>{median}n {int(row['n_clients'])}</small>"


def _pivot(frame: pd.DataFrame, index: str, labels: dict[str, str], index_title: str) -> str:
    if frame.empty:
        return "<p>No closed period yet.</p>"
    head = "".join(f"<th>{html.escape(labels[m])}</th>" for m in labels)
    body = []
    for key, group in frame.groupby(index, sort=False):
        cells = {row["measure"]: _cell(row) for row in group.to_dict("records")}
        body.append(f"<tr><th>{html.escape(str(key))}</th>" +
                    "".join(f"<td>{cells.get(m, '')}</td>" for m in labels) + "</tr>")
    return f"<table><tr><th>{html.escape(index_title)}</th>{head}</tr>{''.join(body)}</table>"


def _bins_table(frame: pd.DataFrame, key: str, names: Sequence[str], with_progress: bool) -> str:
    parts = []
    for name in names:
        rows = frame[frame[key] == name].to_dict("records")
        largest = max((int(r["n_clients"]) for r in rows if not pd.isna(r["n_clients"])), default=0) or 1
        lines = []
        for r in rows:
            if r["suppressed"]:
                count, bar = '<span class="hidden">suppressed</span>', ""
            else:
                count = str(int(r["n_clients"]))
                bar = f'<span class="bar" style="width:{12 * int(r["n_clients"]) / largest:.1f}rem"></span>'
            progress = ""
            if with_progress:
                progress = f"<td>{_number(r['mean_progress'])}</td><td>{_number(r['median_progress'])}</td>"
            lines.append(f"<tr><td>{html.escape(r['bin'])}</td><td>{count}</td>{progress}<td>{bar}</td></tr>")
        extra = "<th>mean progress</th><th>median progress</th>" if with_progress else ""
        parts.append(f"<h3>{html.escape(MEASURE_LABELS[name])}</h3><table><tr><th>bin</th><th>clients</th>"
                     f"{extra}<th></th></tr>{''.join(lines)}</table>")
    return "".join(parts)


def _relations_table(frame: pd.DataFrame, k: int) -> str:
    if frame.empty:
        return "<p>No client of this caseload was seen in the latest period: no link can be estimated.</p>"
    lines = []
    for r in frame.to_dict("records"):
        n = "" if pd.isna(r["n_clients"]) else str(int(r["n_clients"]))
        lines.append(f"<tr><td>{html.escape(MEASURE_LABELS[r['score']])}</td>"
                     f"<td>{html.escape(relation_reading(r, k))}</td><td>{n}</td>"
                     f"<td>{html.escape(r['method'])}</td></tr>")
    return ("<table><tr><th>score</th><th>correlation with goal progress (points)</th><th>clients</th>"
            f"<th>method</th></tr>{''.join(lines)}</table>")


def supervisor_report_html(view: SupervisorView) -> str:
    """The view as one self-contained HTML page: inline style, tables only, nothing fetched.

    Every text is HTML-escaped. Suppressed figures read "suppressed", endings whose gap has not
    elapsed "not yet known".
    """
    by = view.granularity
    covered = (f"{view.first_period} to {view.last_period}, by {by}" if view.first_period
               else "no closed period yet")
    made = ", ".join(sorted({source.as_of for source in view.sources}))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Alliance — supervision report</title>
<style>{STYLE}</style></head><body>
<h1>Supervision report</h1>
<p class="sub">{html.escape(view.title)} · {html.escape(covered)} · made in {html.escape(made)}</p>
{"".join(f"<p>{html.escape(sentence)}</p>" for sentence in what_it_shows(view))}
<h2>Caseload</h2>
{_pivot(view.caseload, "period", CASELOAD_LABELS, by)}
<p><small>Active: clients with a session of their own (attended, missed or cancelled by them).
An ending is a client's last session followed by {view.ending_gap_days} days with none; it is a drop-out
when that session was missed. Endings are known once those days have passed.</small></p>
<h2>Scores and goal progress by {by}</h2>
<p><small>Mean of the clients' own figures over the period (median and number of clients below).
Scores are 0–100; progress is measured from each client's baseline to their last goal rating in the period.</small></p>
{_pivot(view.trends, "period", MEASURE_LABELS, by)}
<h2>Therapists compared</h2>
<p><small>Each client's figures over {html.escape(str(view.last_period))}, under their latest therapist;
therapists under pseudonyms.</small></p>
{_pivot(view.therapists, "therapist", MEASURE_LABELS, "therapist")}
<h2>How the scores relate to goal progress ({html.escape(str(view.last_period))})</h2>
{_relations_table(view.relations, view.k)}
<p><small>Pearson correlation across clients with its 95 % confidence interval; a link, not a cause.</small></p>
{_bins_table(view.relation_bins, "score", SCORE_NAMES, with_progress=True)}
<h2>Distributions ({html.escape(str(view.last_period))})</h2>
<p><small>Neighbouring bins are merged until each holds at least k clients.</small></p>
{_bins_table(view.distributions, "measure", MEASURES, with_progress=False)}
</body></html>
"""
