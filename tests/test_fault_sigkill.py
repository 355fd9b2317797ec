"""Fault test 2: SIGKILL at random moments of imports and of multi-field settings saves.

A child process (forked from a server that has the library loaded) repeats one write — an import
alternating between two versions of a log, or a save of four settings alternating between two sets
of values — until the parent kills it with SIGKILL after a random delay. The parent then opens the database and checks that it holds exactly one of the
states a complete write leaves — never half of one: the sessions are all of one version, the
settings all of one set, the kept totals match the sessions, the audit chain verifies.
Prints its counts (the reliability table in docs/reliability.md quotes the last run).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

from alliance_metrics import audit
from alliance_metrics.ingest import import_sessions
from alliance_metrics.store import Store

KILLS_PER_WRITE = 12
SEED = 13


def write_forever(kind: str, db: str, logs: list[str], ready) -> None:
    """The child: open the store, say so, then repeat one write until killed."""
    store = Store(db)
    ready.set()
    for turn in itertools.cycle((0, 1)):
        if kind == "import":
            import_sessions(store, logs[turn])
        else:
            store.save_settings(SETTINGS[turn])


INITIAL = ((30.0,), ())   # every rating 30, no setting stored
STATE_NAMES = {INITIAL: "first log, no settings", ((35.0,), ()): "second log"}
SETTINGS = ({"grace_min": 7, "late_cancel_hours": 48, "payment_grace_days": 3, "k_anonymity": 20},
            {"grace_min": 12, "late_cancel_hours": 12, "payment_grace_days": 30, "k_anonymity": 15})
SET_OF_GRACE = {7.0: 0, 12.0: 1}   # which set a stored grace_min comes from


def write_log(path: Path, rating: int, sessions: int = 3000) -> Path:
    """A log of *sessions* attended sessions of 30 clients, every alliance rating = *rating*."""
    lines = ["session_id,client_id,scheduled_start,status,alliance_rating"]
    for number in range(sessions):
        start = f"2026-{1 + number % 12:02d}-{1 + number % 28:02d} {8 + number % 10:02d}:00"
        lines.append(f"s{number},C{number % 30},{start},attended,{rating}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def state(store: Store) -> tuple:
    """(the alliance ratings the sessions hold, the stored settings) — and checks consistency."""
    ratings = tuple(store.query("select distinct alliance_rating from sessions order by 1").alliance_rating)
    settings = tuple(store.query("select name, value from settings order by name").itertuples(index=False))
    totals = store.query("select sum(alliance_sum) as s, sum(alliance_n) as n from client_totals").iloc[0]
    sessions = store.query("select sum(alliance_rating) as s, count(alliance_rating) as n from sessions").iloc[0]
    assert (totals.s, totals.n) == (sessions.s, sessions.n), "the kept totals do not match the sessions"
    verdict = audit.verify(store)
    assert verdict.ok, verdict.reason
    return ratings, settings


def kill_at_random(processes, kind: str, db: Path, logs: list[str], rng: random.Random) -> None:
    ready = processes.Event()
    child = processes.Process(target=write_forever, args=(kind, str(db), logs, ready))
    child.start()
    assert ready.wait(60), "the child did not open the store"
    time.sleep(rng.uniform(0.02, 0.6))
    assert child.is_alive(), "the child stopped writing before the kill"
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert child.exitcode == -signal.SIGKILL


def test_sigkill_during_imports_and_settings_saves_leaves_old_or_new(tmp_path, capsys):
    rng = random.Random(SEED)
    logs = [str(write_log(tmp_path / "v1.csv", 30)), str(write_log(tmp_path / "v2.csv", 35))]
    base = tmp_path / "base.duckdb"
    store = Store(base)
    import_sessions(store, logs[0])
    store.close()
    allowed = {   # the ratings the sessions hold, the stored settings
        "import": {INITIAL, ((35.0,), ())},
        "settings": {INITIAL} | {((30.0,), tuple(sorted(values.items()))) for values in SETTINGS},
    }
    seen: Counter = Counter()
    # children are forked from a server that has already imported the library: a kill costs
    # milliseconds of start-up, not the second a fresh interpreter takes
    processes = multiprocessing.get_context("forkserver")
    processes.set_forkserver_preload(["tests.test_fault_sigkill"])
    for kind in ("import", "settings"):
        for kill in range(KILLS_PER_WRITE):
            db = tmp_path / f"{kind}-{kill}.duckdb"
            shutil.copyfile(base, db)
            kill_at_random(processes, kind, db, logs, rng)
            reopened = Store(db)
            found = state(reopened)
            reopened.close()
            found = (found[0], tuple((name, float(value)) for name, value in found[1]))
            expected = {(ratings, tuple((name, float(value)) for name, value in settings))
                        for ratings, settings in allowed[kind]}
            assert found in expected, f"{kind} kill {kill}: the store is neither old nor new: {found}"
            seen[kind, STATE_NAMES[found] if found in STATE_NAMES else f"settings set {1 + SET_OF_GRACE[found[1][0][1]]}"] += 1
            db.unlink()
            Path(str(db) + ".wal").unlink(missing_ok=True)
    with capsys.disabled():
        print(f"\nsigkill: {2 * KILLS_PER_WRITE} kills ({KILLS_PER_WRITE} during imports of 3,000 sessions, "
              f"{KILLS_PER_WRITE} during saves of 4 settings), 0 inconsistent stores; "
              f"states found: {', '.join(f'{kind} → {how}: {n}' for (kind, how), n in sorted(seen.items()))}")
