"""The benchmark's pandas reference (bench/reference_pandas.py) and the benchmark script itself.

The reference is a second, independent reading of SPEC §4; the benchmark times the store against
it and fails when they disagree. So the reference is held to hand-worked values here, and to the
store's scores on the committed demo practice.

The hand-worked log (grace_min 5, late_cancel_hours 24, payment_grace_days 7):

Client A (clients file: no baseline, no target)
  A1 01-05 attended  late 5 (= grace: on time)  th. late 6 (late)  practice 0.5  inv 5  SRS 36  goal 4
                     fee 60 paid 01-12 (day 7: on time)
  A2 01-12 cancelled by client, notice exactly 24 h              → timely
  A3 01-19 cancelled by client, notice 23 h, fee 60 unpaid       → late cancellation, fee due unpaid
  A4 01-26 late_cancel by the therapist, 2 h notice              → therapist cancellation
  A5 02-02 cancelled by client, notice unknown                   → timely
  A6 02-09 no-show, fee 0                                        → no fee due
  A7 02-16 attended (therapist T2)  late unknown  th. late 0  practice —  inv 2  SRS 30  goal 7
                     fee 60 paid 02-24 (day 8: late)
  A8 03-02 booked (therapist T3)                                 → counts nowhere
Client B: one booked session only → no row.
Client C (file: baseline 10, target 10): a no-show without a fee, a cancellation with 72 h notice.
Client D (file: baseline 8, target 8): attended, 10 min late, practice 1.0, no involvement, goal 9.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from alliance_metrics.score_queries import client_scores
from alliance_metrics.settings import DEFAULTS
from bench.reference_pandas import disagreements, read_clients, read_sessions, reference_scores

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "data" / "demo"
PARAMETERS = {name: DEFAULTS[name] for name in ("grace_min", "late_cancel_hours", "payment_grace_days")}

SESSIONS_CSV = """\
session_id,client_id,therapist_id,scheduled_start,duration_min,status,cancelled_by,cancelled_at,client_late_min,therapist_late_min,homework_done,engagement,alliance_rating,goal_rating,fee,paid_on
A1,A,T1,2026-01-05 10:00,60,attended,,,5,6,0.5,5,36,4,60,2026-01-12
A2,A,T1,2026-01-12 10:00,60,cancelled,client,2026-01-11 10:00,,,,,,,,
A3,A,T1,2026-01-19 10:00,60,cancelled,client,2026-01-18 11:00,,,,,,,60,
A4,A,T1,2026-01-26 10:00,60,late_cancel,therapist,2026-01-26 08:00,,,,,,,,
A5,A,T1,2026-02-02 10:00,60,cancelled,client,,,,,,,,,
A6,A,T1,2026-02-09 10:00,60,no_show,,,,,,,,,0,
A7,A,T2,2026-02-16 10:00,60,attended,,,,0,,2,30,7,60,2026-02-24
A8,A,T3,2026-03-02 10:00,60,booked,,,,,,,,,,
B1,B,T1,2026-03-03 10:00,60,booked,,,,,,,,,,
C1,C,T1,2026-01-06 10:00,60,no_show,,,,,,,,,,
C2,C,T1,2026-01-13 10:00,60,cancelled,client,2026-01-10 10:00,,,,,,,,
D1,D,T1,2026-01-07 10:00,60,attended,,,10,,1.0,,,9,,
"""
CLIENTS_CSV = """\
client_id,display_name,goal,goal_baseline,goal_target,intake_date,contract_signed_on,therapist_id
A,,,,,,,T1
C,,,10,10,,,T1
D,,,8,8,,,T1
"""
NAN = math.nan
EXPECTED = {
    #        therapist, scheduled, attended, no-shows, late, timely, therapist cancellations
    "A": dict(therapist_id="T2", sessions_scheduled=7, attended=2, no_shows=1, late_cancellations=1,
              timely_cancellations=2, therapist_cancellations=1,
              attendance=50.0,                   # 100·2/(2+1+1)
              punctuality=100.0,                 # A1 only (A7 unknown): 5 ≤ 5 → 1/1
              engagement=56.25,                  # P = 100·0.5 = 50; I = 100·mean(4/4, 1/4) = 62.5; (50+62.5)/2
              payment=100 / 3,                   # due: A1, A3, A7 (A6 fee 0); on time: A1 → 1/3
              therapist_punctuality=50.0,        # A1 6 > 5 late, A7 0 on time → 1/2
              alliance=82.5,                     # mean(36, 30) = 33; 100·33/40
              goal_baseline=4.0, goal_latest=7.0, progress_points=3.0,
              progress_pct=50.0),                # 100·3/(10−4)
    "C": dict(therapist_id="T1", sessions_scheduled=2, attended=0, no_shows=1, late_cancellations=0,
              timely_cancellations=1, therapist_cancellations=0,
              attendance=0.0,                    # 100·0/(0+1+0): defined, and 0
              punctuality=NAN, engagement=NAN,   # nothing attended
              payment=NAN,                       # the no-show has no fee: nothing due
              therapist_punctuality=NAN, alliance=NAN,
              goal_baseline=10.0, goal_latest=NAN, progress_points=NAN, progress_pct=NAN),
    "D": dict(therapist_id="T1", sessions_scheduled=1, attended=1, no_shows=0, late_cancellations=0,
              timely_cancellations=0, therapist_cancellations=0,
              attendance=100.0, punctuality=0.0,  # 10 > 5 → 0/1
              engagement=100.0,                   # practice alone: 100·1.0
              payment=NAN, therapist_punctuality=NAN, alliance=NAN,
              goal_baseline=8.0, goal_latest=9.0, progress_points=1.0,  # 9 − 8
              progress_pct=NAN),                  # target − baseline = 8 − 8 = 0
}


@pytest.fixture
def hand_log(tmp_path):
    sessions, clients = tmp_path / "sessions.csv", tmp_path / "clients.csv"
    sessions.write_text(SESSIONS_CSV, encoding="utf-8")
    clients.write_text(CLIENTS_CSV, encoding="utf-8")
    return sessions, clients


def test_reference_gives_the_hand_worked_scores(hand_log):
    sessions, clients = hand_log
    table = reference_scores(read_sessions(sessions), read_clients(clients), **PARAMETERS)
    assert table.client_id.tolist() == ["A", "C", "D"]
    for row in table.itertuples(index=False):
        for column, expected in EXPECTED[row.client_id].items():
            actual = getattr(row, column)
            if isinstance(expected, float) and math.isnan(expected):
                assert math.isnan(actual), (row.client_id, column, actual)
            else:
                assert actual == pytest.approx(expected, abs=1e-12), (row.client_id, column)


def test_store_agrees_with_the_reference_on_the_hand_log(hand_log, store):
    sessions, clients = hand_log
    # straight into the tables, bypassing the importer: this test is about the scores
    with store.transaction() as cursor:
        cursor.execute("insert into sessions by name select *, 0 as import_id from read_csv($path)", {"path": str(sessions)})
        cursor.execute("insert into clients by name select *, 0 as import_id from read_csv($path)", {"path": str(clients)})
    reference = reference_scores(read_sessions(sessions), read_clients(clients), **PARAMETERS)
    assert disagreements(reference, client_scores(store)) == []


def test_store_agrees_with_the_reference_on_the_demo_practice(store):
    from alliance_metrics.ingest import import_clients, import_sessions

    import_clients(store, DEMO / "clients.csv")
    import_sessions(store, DEMO / "sessions.csv")
    reference = reference_scores(read_sessions(DEMO / "sessions.csv"), read_clients(DEMO / "clients.csv"),
                                 **PARAMETERS)
    assert len(reference) == 60
    assert disagreements(reference, client_scores(store)) == []


def test_disagreements_finds_each_kind_of_difference(hand_log):
    sessions, clients = hand_log
    reference = reference_scores(read_sessions(sessions), read_clients(clients), **PARAMETERS)
    assert disagreements(reference, reference.copy()) == []

    nudged = reference.copy()
    nudged.loc[nudged.client_id == "A", "alliance"] += 1e-6
    assert [p.split(":")[0] for p in disagreements(reference, nudged)] == ["alliance"]

    filled = reference.copy()
    filled.loc[filled.client_id == "C", "payment"] = 0.0  # 0 in place of "no data"
    assert [p.split(":")[0] for p in disagreements(reference, filled)] == ["payment"]

    miscounted = reference.copy()
    miscounted.loc[miscounted.client_id == "D", "attended"] = 2
    assert [p.split(":")[0] for p in disagreements(reference, miscounted)] == ["attended"]

    assert disagreements(reference, reference[reference.client_id != "C"])[0].startswith("clients differ")


def test_quick_benchmark_runs_end_to_end():
    done = subprocess.run([sys.executable, "bench/run.py", "--quick", "--sessions", "5000"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for header in ("## 1. Import (issue 2)", "## 2. Scores (issue 3)", "## 3. Page render (issue 5)"):
        assert header in done.stdout
    assert "| yes |" in done.stdout  # the store's scores agree with the reference
