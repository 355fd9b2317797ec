"""Fault test 1: the importer fuzzed (Hypothesis). Whatever bytes arrive — valid rows, wrong values,
broken encodings, escape codes, formulas, truncated files — an import either commits all its rows
or none: never a traceback other than ImportRejected, never a partial write, and the audit log
stays a valid chain with one row per committed file. Prints its counts (the reliability table in
docs/reliability.md quotes the last run)."""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from alliance_metrics import audit
from alliance_metrics.ingest import ImportRejected, import_sessions
from alliance_metrics.store import Store

EXAMPLES = 120
HEADERS = ["session_id", "client_id", "therapist_id", "scheduled_start", "duration_min", "status",
           "cancelled_by", "cancelled_at", "client_late_min", "homework_done", "engagement",
           "alliance_rating", "goal_rating", "fee", "paid_on", "paid", "N° séance", "Statut", "junk"]
CELLS = st.one_of(
    st.sampled_from(["", "attended", "no_show", "annulé", "late cancel", "absent", "maybe", "client",
                     "therapist", "2026-03-02 10:00", "02/03/2026 14:00", "2026-03-02T14:00:00Z",
                     "13/13/2026", "0", "1", "5", "41", "-3", "1,5", "yes", "non", "60", "NaN", "1e308",
                     "=HYPERLINK(\"http://x\",\"y\")", "\x1b[2J", "a\"b", "é\u202e", "\ufeffid", " A "]),
    st.text(max_size=12),
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


VALID = {
    "session_id": st.integers(1, 10_000).map(lambda n: f"s{n}") | st.sampled_from([" s5 ", "\ufeffs6"]),
    "client_id": st.sampled_from(["A", "B", "=C", "d\x1b[31m"]),
    "therapist_id": st.sampled_from(["T1", "T2", ""]),
    "scheduled_start": st.sampled_from(["2026-03-02 10:00", "2026-03-09", "2026-03-16T09:30:00",
                                        "2026-03-23 10:00+01:00"]),
    "duration_min": st.sampled_from(["45", "60", ""]),
    "status": st.sampled_from(["attended", "no_show", "late_cancel", "cancelled", "Présent", "absent"]),
    "cancelled_by": st.sampled_from(["", "client"]),
    "cancelled_at": st.sampled_from(["", "2026-03-01 10:00"]),
    "client_late_min": st.sampled_from(["", "0", "7", "-2"]),
    "homework_done": st.sampled_from(["", "0", "0.5", "1", "yes"]),
    "engagement": st.sampled_from(["", "1", "3", "5"]),
    "alliance_rating": st.sampled_from(["", "0", "36.5", "40"]),
    "goal_rating": st.sampled_from(["", "0", "4", "10"]),
    "fee": st.sampled_from(["", "0", "60", "55.5"]),
    "paid_on": st.sampled_from(["", "2026-03-05"]),
    "paid": st.sampled_from(["", "yes", "non"]),
}


@st.composite
def cell(draw, header: str) -> str:
    """Mostly a value the column accepts; one time in fifteen a hostile one."""
    if header in VALID and draw(st.integers(0, 14)):
        return draw(VALID[header])
    return draw(CELLS)


@st.composite
def session_file(draw) -> bytes:
    """A CSV-like file: a random choice of headers (usually the required ones), rows of mostly
    valid and sometimes hostile cells, one delimiter, one encoding, sometimes cut short."""
    required = ["client_id", "scheduled_start", "status"] if draw(st.integers(0, 5)) else []
    headers = list(dict.fromkeys(required + draw(st.lists(st.sampled_from(HEADERS), max_size=5))))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    rows = draw(st.lists(st.tuples(*[cell(header) for header in headers]), max_size=6))
    if rows and draw(st.integers(0, 9)) == 0:
        rows[-1] = rows[-1] + ("extra",)      # a line with one value too many
    quoted = [[value.replace(delimiter, " ") for value in row] for row in [headers, *rows]]
    text = "\n".join(delimiter.join(row) for row in quoted) + draw(st.sampled_from(["", "\n", "\r\n"]))
    data = text.encode(draw(ENCODINGS), errors="replace")
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]   # cut short, anywhere (an odd UTF-16 byte…)
    return data


def fingerprint(store: Store) -> str:
    """A digest of everything an import may change."""
    parts = [store.query(f"select * from {table} order by all").to_csv()
             for table in ("sessions", "clients", "client_totals")]
    parts.append(str(store.scalar("select count(*) from imports where outcome = 'imported'")))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def test_fuzzed_imports_commit_everything_or_nothing(capsys):
    outcomes: Counter = Counter()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "fuzz.duckdb")
        path = Path(folder) / "log.csv"

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(data=session_file())
        def one_import(data: bytes) -> None:
            path.write_bytes(data)
            before = fingerprint(store)
            sessions_before = store.scalar("select count(*) from sessions")
            try:
                report = import_sessions(store, path)
            except ImportRejected:
                assert fingerprint(store) == before, "a rejected import changed the store"
                outcomes["rejected"] += 1
            else:
                assert store.scalar("select count(*) from sessions") == sessions_before + report.inserted
                outcomes["imported"] += 1

        one_import()
        verdict = audit.verify(store)
        assert verdict.ok, verdict.reason
        committed = store.scalar("select count(*) from imports where outcome = 'imported'")
        assert verdict.rows == committed      # one audit row per committed import, none for rejections
        store.close()
    with capsys.disabled():
        print(f"\nfuzz: {sum(outcomes.values())} files, {outcomes['imported']} imported, "
              f"{outcomes['rejected']} rejected, 0 tracebacks, 0 partial writes, audit chain of "
              f"{committed} rows intact")
    assert outcomes["imported"] > 0 and outcomes["rejected"] > 0   # both paths were exercised
