"""SPEC §4's per-client scores written plainly in pandas, independently of the store's SQL.

Two uses: the baseline the store's :func:`alliance_metrics.score_queries.client_scores` is timed against
(``bench/run.py``), and an independent second reading of SPEC §4 that the store's scores must agree
with (``tests/test_bench_reference.py`` and the agreement check of ``bench/run.py``). It reads the
session log and clients file as SPEC §3 CSV files with canonical headers (what
:func:`alliance_metrics.demo.write_practice` writes) and shares no code with the library.

The edge rules, as SPEC §4 and ``sql/session_facts.sql`` state them: a ``booked`` session has no
outcome and counts nowhere; a cancellation by the therapist is a therapist cancellation whatever
its status; a client cancellation with exactly ``late_cancel_hours`` of notice, or unknown notice,
is timely; a fee is payable when > 0 on an attended session, no-show or late cancellation, and paid
on time when ``paid_on`` ≤ session date + ``payment_grace_days`` (blank = unpaid); a client's
therapist is the therapist of their latest session.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: The columns compared with the store's scores, in SPEC §5's order.
COLUMNS = (
    "client_id", "therapist_id", "sessions_scheduled", "attended", "no_shows",
    "late_cancellations", "timely_cancellations", "therapist_cancellations", "attendance",
    "punctuality", "engagement", "payment", "therapist_punctuality", "alliance", "goal_baseline",
    "goal_latest", "progress_points", "progress_pct",
)
COUNTS = COLUMNS[2:8]
VALUES = COLUMNS[8:]


def read_sessions(path: str | Path) -> pd.DataFrame:
    """Read a canonical SPEC §3 session log CSV (ISO timestamps, blank = missing)."""
    return pd.read_csv(
        path, dtype={"session_id": "str", "client_id": "str", "therapist_id": "str"},
        parse_dates=["scheduled_start", "cancelled_at", "paid_on"],
    )


def read_clients(path: str | Path) -> pd.DataFrame:
    """Read a canonical SPEC §3 clients CSV."""
    return pd.read_csv(path, dtype={"client_id": "str"})


def _percent(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """100 · numerator / denominator, NaN where the denominator is 0 (no data, not 0 %)."""
    return (100.0 * numerator / denominator).where(denominator > 0)


def reference_scores(sessions: pd.DataFrame, clients: pd.DataFrame | None, grace_min: float,
                  late_cancel_hours: float, payment_grace_days: float) -> pd.DataFrame:
    """One row per client with a session that has an outcome: SPEC §5's columns, in order."""
    s = sessions[sessions["status"] != "booked"].sort_values(["client_id", "scheduled_start"])

    # What happened at each session.
    attended = s["status"] == "attended"
    no_show = s["status"] == "no_show"
    cancellation = s["status"].isin(["cancelled", "late_cancel"])
    by_therapist = cancellation & (s["cancelled_by"] == "therapist")
    notice_hours = (s["scheduled_start"] - s["cancelled_at"]).dt.total_seconds() / 3600
    late_cancel = cancellation & ~by_therapist & (
        (s["status"] == "late_cancel") | (notice_hours < late_cancel_hours)  # NaN < x is False
    )
    timely_cancel = cancellation & ~by_therapist & ~late_cancel

    # Each score's numerator (where the session counts in it) and whether it counts (denominator).
    owed = attended | no_show | late_cancel
    payable = owed & (s["fee"] > 0)
    due = s["scheduled_start"].dt.normalize() + pd.to_timedelta(payment_grace_days, unit="D")
    per_session = pd.DataFrame({
        "client_id": s["client_id"],
        "sessions_scheduled": 1,
        "attended": attended,
        "no_shows": no_show,
        "late_cancellations": late_cancel,
        "timely_cancellations": timely_cancel,
        "therapist_cancellations": by_therapist,
        "on_time": attended & (s["client_late_min"] <= grace_min),
        "timed": attended & s["client_late_min"].notna(),
        "homework": s["homework_done"].where(attended),
        "involvement": ((s["engagement"] - 1) / 4).where(attended),
        "paid_on_time": payable & (s["paid_on"] <= due),
        "payable": payable,
        "therapist_on_time": attended & (s["therapist_late_min"] <= grace_min),
        "therapist_timed": attended & s["therapist_late_min"].notna(),
        "alliance_rating": s["alliance_rating"],
        "goal_rating": s["goal_rating"],
        "therapist_id": s["therapist_id"],
    })
    g = per_session.groupby("client_id", sort=True)
    counts = g[["sessions_scheduled", "attended", "no_shows", "late_cancellations",
                "timely_cancellations", "therapist_cancellations", "on_time", "timed",
                "paid_on_time", "payable", "therapist_on_time", "therapist_timed"]].sum()
    means = g[["homework", "involvement", "alliance_rating"]].mean()
    goals = g["goal_rating"].agg(["first", "last"])  # first/last non-missing, sessions in time order

    out = counts[list(COUNTS)].copy()
    out.insert(0, "therapist_id", g["therapist_id"].last())
    out["attendance"] = _percent(counts["attended"],
                                 counts["attended"] + counts["no_shows"] + counts["late_cancellations"])
    out["punctuality"] = _percent(counts["on_time"], counts["timed"])
    out["engagement"] = (100 * means[["homework", "involvement"]]).mean(axis=1)  # skips a missing one
    out["payment"] = _percent(counts["paid_on_time"], counts["payable"])
    out["therapist_punctuality"] = _percent(counts["therapist_on_time"], counts["therapist_timed"])
    out["alliance"] = 100 * means["alliance_rating"] / 40

    file = (clients.set_index("client_id")[["goal_baseline", "goal_target"]]
            if clients is not None else pd.DataFrame(columns=["goal_baseline", "goal_target"], dtype=float))
    file = file.reindex(out.index)
    out["goal_baseline"] = file["goal_baseline"].astype(float).fillna(goals["first"])
    out["goal_latest"] = goals["last"].astype(float)
    out["progress_points"] = out["goal_latest"] - out["goal_baseline"]
    span = file["goal_target"].astype(float).fillna(10.0) - out["goal_baseline"]
    out["progress_pct"] = (100 * out["progress_points"] / span).where(span > 0)
    return out.reset_index()[list(COLUMNS)]


def disagreements(expected: pd.DataFrame, actual: pd.DataFrame, tolerance: float = 1e-9,
                  limit: int = 10) -> list[str]:
    """What differs between two score tables: clients, therapist, counts (exactly), values (to
    *tolerance*) and where values are undefined. An empty list means they agree."""
    left = expected.set_index("client_id").sort_index()
    right = actual.set_index("client_id").sort_index()
    problems = []
    only_left = left.index.difference(right.index)
    only_right = right.index.difference(left.index)
    if len(only_left) or len(only_right):
        problems.append(f"clients differ: {len(only_left)} only in the reference "
                        f"({list(only_left[:5])}), {len(only_right)} only in the store ({list(only_right[:5])})")
    common = left.index.intersection(right.index)
    left, right = left.loc[common], right.loc[common]
    differs = {"therapist_id": left["therapist_id"].astype(str) != right["therapist_id"].astype(str)}
    for column in COUNTS:
        differs[column] = left[column].astype("int64") != right[column].astype("int64")
    for column in VALUES:
        a = left[column].astype(float).to_numpy()
        b = right[column].astype(float).to_numpy()
        undefined_apart = np.isnan(a) != np.isnan(b)
        with np.errstate(invalid="ignore"):
            apart = np.abs(a - b) > tolerance
        differs[column] = pd.Series(undefined_apart | (apart & ~np.isnan(a) & ~np.isnan(b)), index=common)
    for column, mask in differs.items():
        if mask.any():
            first = mask[mask].index[0]
            problems.append(f"{column}: {int(mask.sum())} client(s) differ, e.g. {first}: "
                            f"reference {left.at[first, column]!r}, store {right.at[first, column]!r}")
    return problems[:limit]
