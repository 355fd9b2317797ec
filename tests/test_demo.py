"""Tests of the demo practice generator (alliance_metrics.demo).

Expected bands come from the generator's documented design (module docstring)
and SPEC §3, not from its output: e.g. about one client in twelve stalls, so
60 clients give round(60 / 12) = 5.
"""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_metrics.demo import DemoPractice, generate_practice, write_practice

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
END = date(2026, 11, 20)
SESSION_COLUMNS = [
    "session_id", "client_id", "therapist_id", "scheduled_start", "duration_min",
    "status", "cancelled_by", "cancelled_at", "client_late_min", "therapist_late_min",
    "homework_done", "engagement", "alliance_rating", "goal_rating", "fee", "paid_on",
]
CLIENT_COLUMNS = [
    "client_id", "display_name", "goal", "goal_baseline", "goal_target",
    "intake_date", "contract_signed_on", "therapist_id",
]
OUTCOME_COLUMNS = [
    "client_late_min", "therapist_late_min", "homework_done", "engagement",
    "alliance_rating", "goal_rating",
]


@pytest.fixture(scope="module")
def practice() -> DemoPractice:
    return generate_practice()


@pytest.fixture(scope="module")
def past(practice: DemoPractice) -> pd.DataFrame:
    return practice.sessions[practice.sessions["status"] != "booked"]


def notice_hours(sessions: pd.DataFrame) -> pd.Series:
    return (sessions["scheduled_start"] - sessions["cancelled_at"]).dt.total_seconds() / 3600


def is_billable_miss(sessions: pd.DataFrame) -> pd.Series:
    """SPEC §4: no-show, late_cancel, or a client cancellation with known notice < 24 h."""
    late_by_notice = (
        (sessions["status"] == "cancelled")
        & (sessions["cancelled_by"] == "client")
        & (notice_hours(sessions) < 24)
    )
    return sessions["status"].isin(["no_show", "late_cancel"]) | late_by_notice


def progress_by_client(practice: DemoPractice) -> pd.Series:
    """SPEC §4 progress_points: latest goal rating − baseline.

    The baseline is the clients file's goal_baseline, else the first rating.
    """
    rated = practice.sessions.dropna(subset=["goal_rating"]).sort_values("scheduled_start")
    by_client = rated.groupby("client_id")["goal_rating"]
    baseline = practice.clients.set_index("client_id")["goal_baseline"]
    baseline = baseline.reindex(by_client.first().index).fillna(by_client.first())
    return (by_client.last() - baseline).astype(float)


def check_spec_ranges(practice: DemoPractice, end: date) -> None:
    s, c = practice.sessions, practice.clients
    assert list(s.columns) == SESSION_COLUMNS
    assert list(c.columns) == CLIENT_COLUMNS
    assert s["session_id"].is_unique and c["client_id"].is_unique
    assert set(s["client_id"]) <= set(c["client_id"])
    assert set(s["status"]) <= {"attended", "cancelled", "late_cancel", "no_show", "booked"}

    cancellation = s["status"].isin(["cancelled", "late_cancel"])
    assert set(s.loc[cancellation, "cancelled_by"]) <= {"client", "therapist"}
    assert s.loc[~cancellation, "cancelled_by"].isna().all()
    assert s.loc[~cancellation, "cancelled_at"].isna().all()
    assert (s["cancelled_at"].dropna() < s.loc[s["cancelled_at"].notna(), "scheduled_start"]).all()

    start = s["scheduled_start"]
    assert (start.dt.day_of_week <= 4).all()  # Monday..Friday
    assert start.dt.hour.between(9, 17).all() and (start.dt.minute == 0).all()
    assert set(s["duration_min"]) <= {45, 60, 90}

    # Outcome columns only on attended sessions, each within SPEC §3's range.
    attended = s["status"] == "attended"
    assert s.loc[~attended, OUTCOME_COLUMNS].isna().all().all()
    assert s["client_late_min"].dropna().between(0, 25).all()
    assert s["therapist_late_min"].dropna().between(0, 15).all()
    assert s["homework_done"].dropna().between(0, 1).all()
    assert s["engagement"].dropna().between(1, 5).all()
    alliance = s["alliance_rating"].dropna()
    assert alliance.between(0, 40).all()
    assert np.allclose(alliance * 10, np.round(alliance * 10))  # one decimal
    assert s["goal_rating"].dropna().between(0, 10).all()

    # Fees: 60–90 on billable sessions, blank or 0 otherwise; paid between session and end.
    billable = attended | is_billable_miss(s)
    assert s.loc[billable, "fee"].between(60, 90).all()
    assert s.loc[~billable, "fee"].fillna(0).eq(0).all()
    paid = s["paid_on"].notna()
    assert (s.loc[paid, "fee"] > 0).all()
    assert (s.loc[paid, "paid_on"] >= start[paid].dt.normalize()).all()
    assert (s["paid_on"].dropna() <= pd.Timestamp(end)).all()

    # Scheduled only in the two weeks after end, with every outcome blank.
    scheduled = s["status"] == "booked"
    after_end = start.dt.normalize() > pd.Timestamp(end)
    assert (scheduled == after_end).all()
    assert (start[scheduled] < pd.Timestamp(end + timedelta(days=15))).all()
    assert s.loc[scheduled, ["fee", "paid_on", "cancelled_by"]].isna().all().all()

    # Clients file.
    assert c["goal_baseline"].dropna().between(0, 10).all()
    assert set(c["goal_target"]) <= {8, 10}
    signed = c["contract_signed_on"].notna()
    assert (c.loc[signed, "contract_signed_on"] == c.loc[signed, "intake_date"]).all()
    first = s.sort_values("scheduled_start").groupby("client_id").first()
    intake = c.set_index("client_id")["intake_date"]
    assert (first["scheduled_start"].dt.normalize() == intake[first.index]).all()
    assert (first["status"] == "attended").all() and first["goal_rating"].notna().all()


def test_same_seed_gives_identical_frames():
    a, b = generate_practice(seed=7), generate_practice(seed=7)
    pd.testing.assert_frame_equal(a.sessions, b.sessions)
    pd.testing.assert_frame_equal(a.clients, b.clients)
    assert (a.stalled, a.dropped_out) == (b.stalled, b.dropped_out)


def test_another_seed_gives_another_practice():
    a, b = generate_practice(seed=7), generate_practice(seed=8)
    assert not a.sessions.equals(b.sessions)
    assert not a.clients.equals(b.clients)


def test_committed_csvs_are_what_the_generator_writes(tmp_path):
    sessions_csv, clients_csv = write_practice(generate_practice(), tmp_path)
    assert (sessions_csv.name, clients_csv.name) == ("sessions.csv", "clients.csv")
    assert sessions_csv.read_bytes() == (DEMO_DIR / "sessions.csv").read_bytes()
    assert clients_csv.read_bytes() == (DEMO_DIR / "clients.csv").read_bytes()


def test_written_csv_format():
    with open(DEMO_DIR / "sessions.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == SESSION_COLUMNS
    timestamp, day = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", r"\d{4}-\d{2}-\d{2}"
    for row in rows:
        assert re.fullmatch(timestamp, row["scheduled_start"])
        assert re.fullmatch(f"({timestamp})?", row["cancelled_at"])
        assert re.fullmatch(f"({day})?", row["paid_on"])
        assert re.fullmatch(r"S\d{6}", row["session_id"])
        assert re.fullmatch(r"C\d{3}", row["client_id"])
        assert re.fullmatch(r"T\d{2}", row["therapist_id"])
        assert re.fullmatch(r"(\d+(\.\d+)?)?", row["alliance_rating"])  # '.' decimal, blank
        assert not {"nan", "NaN", "NaT", "<NA>", "None"} & set(row.values())
    with open(DEMO_DIR / "clients.csv", encoding="utf-8", newline="") as f:
        clients = list(csv.DictReader(f))
    assert list(clients[0]) == CLIENT_COLUMNS
    for row in clients:
        assert re.fullmatch(r"\S.* [A-Z]\.", row["display_name"])  # "Amélie D."
        assert re.fullmatch(day, row["intake_date"])
        assert re.fullmatch(f"({day})?", row["contract_signed_on"])


def test_default_practice_within_spec_ranges(practice):
    check_spec_ranges(practice, END)


@pytest.mark.parametrize(
    ("seed", "n_therapists", "n_clients", "weeks", "end"),
    [
        (1, 1, 12, 52, END),
        (2, 4, 150, 30, date(2025, 6, 4)),  # ends on a Wednesday
        (3, 9, 400, 8, date(2027, 1, 3)),  # ends on a Sunday; more therapists than fees
    ],
)
def test_other_practices_within_spec_ranges(seed, n_therapists, n_clients, weeks, end):
    practice = generate_practice(seed, n_therapists, n_clients, weeks, end)
    check_spec_ranges(practice, end)
    therapist_ids = {f"T{i:02d}" for i in range(1, n_therapists + 1)}
    assert set(practice.sessions["therapist_id"]) <= therapist_ids
    assert len(practice.clients) == n_clients
    # The calendar spans `weeks` weeks: from the Monday of the first one to end.
    first_monday = end - timedelta(days=end.weekday() + 7 * (weeks - 1))
    assert practice.sessions["scheduled_start"].min() >= pd.Timestamp(first_monday)


def test_ids_and_sizes(practice):
    assert list(practice.clients["client_id"][:3]) == ["C001", "C002", "C003"]
    assert set(practice.clients["therapist_id"]) == {"T01", "T02", "T03"}
    # 60 clients spread evenly: 60 / 3 = 20 each.
    assert practice.clients["therapist_id"].value_counts().eq(20).all()
    assert 1000 <= len(practice.sessions) <= 3000
    assert generate_practice(n_clients=1000, weeks=4).clients["client_id"].iloc[-1] == "C1000"


def test_status_shares_in_promised_bands(practice, past):
    s = practice.sessions
    shares = past["status"].value_counts(normalize=True)
    assert 0.75 <= shares["attended"] <= 0.92
    therapist_cancel = (past["cancelled_by"] == "therapist").mean()
    assert 0.01 <= therapist_cancel <= 0.04  # about 2 %
    assert 0.02 <= is_billable_miss(past).mean() <= 0.15

    # Per client, from a few percent to about 20 % (dropouts and clients with
    # few sessions aside).
    regular = past[~past["client_id"].isin(practice.dropped_out)]
    sessions_per_client = regular.groupby("client_id").size()
    miss_rate = is_billable_miss(regular).groupby(regular["client_id"]).mean()
    miss_rate = miss_rate[sessions_per_client >= 10]
    assert miss_rate.median() <= 0.08
    assert (miss_rate >= 0.15).any()

    # Both forms of late cancellation, and client cancellations of unknown notice.
    client_cancel = past[(past["status"] == "cancelled") & (past["cancelled_by"] == "client")]
    hours = notice_hours(client_cancel).dropna()
    assert (hours < 24).any() and (past["status"] == "late_cancel").any()
    assert client_cancel["cancelled_at"].isna().any()
    assert (hours.between(1, 23) | hours.between(48, 168)).all()
    assert (s["status"] == "booked").any()


def test_lateness_homework_and_payment(practice, past):
    attended = past[past["status"] == "attended"]
    late_share = (attended["therapist_late_min"] > 0).groupby(attended["therapist_id"]).mean()
    assert late_share["T01"] > 2 * late_share.drop("T01").max()
    assert attended["client_late_min"].eq(0).mean() > 0.5
    assert attended["client_late_min"].isna().any()
    assert attended["homework_done"].isna().any() and attended["homework_done"].notna().any()
    assert attended["engagement"].dropna().isin([1, 2, 3, 4, 5]).all()
    assert 35.5 <= attended["alliance_rating"].mean() <= 38  # Session Rating Scale, about 37

    charged = past[past["fee"] > 0]
    delay_days = (charged["paid_on"] - charged["scheduled_start"].dt.normalize()).dt.days
    assert (delay_days == 0).mean() > 0.4  # mostly the same day
    assert delay_days.between(8, 40).any()  # some late
    unpaid = charged[charged["paid_on"].isna()]
    assert len(unpaid) > 0
    # Unpaid only where the payment would fall after end, i.e. within 40 days of it.
    assert (unpaid["scheduled_start"] >= pd.Timestamp(END - timedelta(days=40))).all()


def test_goal_baseline_is_the_first_rating(practice):
    rated = practice.sessions.dropna(subset=["goal_rating"]).sort_values("scheduled_start")
    first = rated.groupby("client_id")["goal_rating"].first()
    baseline = practice.clients.set_index("client_id")["goal_baseline"]
    given = baseline.dropna()
    assert (given == first[given.index]).all()
    assert 0 < baseline.isna().sum() < len(baseline)


def test_stalled_clients_progress_less(practice, past):
    assert len(practice.stalled) == 5  # round(60 / 12)
    assert not practice.stalled & practice.dropped_out
    progress = progress_by_client(practice)
    attended = past[past["status"] == "attended"].groupby("client_id").size()
    peers = progress[(attended[progress.index] >= 10) & ~progress.index.isin(practice.stalled)]
    stalled = progress[list(practice.stalled)]
    # Stalled ratings flatten 0.5–1.5 points above baseline (±1 rating noise),
    # while peers with ten or more sessions climb several points.
    assert stalled.max() <= 3
    assert stalled.mean() < peers.mean() - 1


def test_dropouts_end_with_no_shows_then_nothing(practice):
    # about one in five of the clients with four sessions before the last four weeks
    assert 0.12 <= len(practice.dropped_out) / len(practice.clients) <= 0.25
    s = practice.sessions
    for client_id in practice.dropped_out:
        statuses = s.loc[s["client_id"] == client_id].sort_values("scheduled_start")
        assert list(statuses["status"].iloc[-2:]) == ["no_show", "no_show"]
        assert statuses["scheduled_start"].max() < pd.Timestamp(END - timedelta(days=27))
    quiet = s[s["scheduled_start"] >= pd.Timestamp(END - timedelta(days=27))]
    assert not set(quiet["client_id"]) & practice.dropped_out


def test_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="n_clients >= 1"):
        generate_practice(n_clients=0)

