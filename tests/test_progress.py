"""Tests for alliance_metrics.progress: every expected number is worked out by hand below."""

import doctest

import numpy as np
import pandas as pd
import pytest

from alliance_metrics import progress
from alliance_metrics.progress import (
    NO_BAND_REASON,
    expected_band,
    off_track,
    start_level,
    trajectories,
)

NaN = np.nan
MONDAY = pd.Timestamp("2026-01-05 10:00")


def week(k: int) -> pd.Timestamp:
    """Start of the k-th weekly session (k = 1, 2, ...)."""
    return MONDAY + pd.Timedelta(weeks=k - 1)


def log(rows) -> pd.DataFrame:
    """Session log from (client_id, scheduled_start, status, goal_rating) tuples."""
    frame = pd.DataFrame(rows, columns=["client_id", "scheduled_start", "status", "goal_rating"])
    frame["scheduled_start"] = frame["scheduled_start"].astype("datetime64[us]")
    frame["goal_rating"] = frame["goal_rating"].astype("float64")
    return frame


def weekly(client_id: str, ratings) -> list[tuple]:
    """One attended session a week; None means attended but not rated."""
    return [
        (client_id, week(k), "attended", NaN if r is None else r)
        for k, r in enumerate(ratings, start=1)
    ]


# --------------------------------------------------------------------------
# trajectories
# --------------------------------------------------------------------------


def test_session_number_counts_attended_sessions_only():
    rows = [
        ("a", "2026-01-05 10:00", "attended", 2),
        ("a", "2026-01-12 10:00", "no_show", NaN),
        ("a", "2026-01-19 10:00", "attended", NaN),
        ("a", "2026-01-26 10:00", "cancelled", NaN),
        ("a", "2026-02-02 10:00", "late_cancel", NaN),
        ("a", "2026-02-09 10:00", "attended", 4),
        ("a", "2026-02-16 10:00", "scheduled", NaN),
        ("b", "2026-01-06 10:00", "attended", 5),
        ("b", "2026-01-13 10:00", "attended", 6),
    ]
    sessions = log(rows).iloc[::-1]  # input order must not matter
    traj = trajectories(sessions)
    # a: attended on 01-05 (1), 01-19 (2), 02-09 (3); the no-show, the two
    # cancellations and the scheduled session add nothing. Rated: 01-05 and 02-09.
    # b: attended 01-06 (1), 01-13 (2), both rated.
    assert traj["client_id"].tolist() == ["a", "a", "b", "b"]
    assert traj["scheduled_start"].tolist() == pd.to_datetime(
        ["2026-01-05 10:00", "2026-02-09 10:00", "2026-01-06 10:00", "2026-01-13 10:00"]
    ).tolist()
    assert traj["session_number"].tolist() == [1, 3, 1, 2]
    assert traj["rating_number"].tolist() == [1, 2, 1, 2]
    assert traj["goal_rating"].tolist() == [2, 4, 5, 6]
    # no clients file: baseline = first rating (a: 2, b: 5); change = rating - baseline
    assert traj["goal_baseline"].tolist() == [2, 2, 5, 5]
    assert traj["change"].tolist() == [0, 2, 0, 1]


def test_rating_on_a_missed_session_keeps_the_last_attended_number():
    # attended (1) rated 1, then a no-show rated 2: still session 1 (one attended so far)
    sessions = log([("w", week(1), "attended", 1), ("w", week(2), "no_show", 2)])
    traj = trajectories(sessions)
    assert traj["session_number"].tolist() == [1, 1]
    assert traj["rating_number"].tolist() == [1, 2]
    # the band takes the later of the two ratings at session 1: 2
    band = expected_band(traj, min_clients=1)
    assert band.at("low", 1) == (2.0, 2.0, 2.0)


def test_baseline_from_clients_file_wins_over_first_rating():
    sessions = log(
        [
            ("a", week(1), "attended", 2),
            ("a", week(2), "attended", 4),
            ("b", week(1), "attended", 7),
            ("b", week(2), "attended", 8),
            ("c", week(1), "attended", 5),
        ]
    )
    clients = pd.DataFrame(
        {"client_id": ["a", "b", "d"], "goal_baseline": [1.0, NaN, 9.0], "goal_target": 10.0}
    )
    traj = trajectories(sessions, clients)
    # a: file says 1 -> change 2-1=1, 4-1=3, level low (1 <= 3)
    # b: file blank -> first rating 7 -> change 0, 1, level high (7 > 6)
    # c: not in the file -> first rating 5 -> change 0, level middle
    # d: in the file but never rated -> no row
    assert traj["client_id"].tolist() == ["a", "a", "b", "b", "c"]
    assert traj["goal_baseline"].tolist() == [1, 1, 7, 7, 5]
    assert traj["change"].tolist() == [1, 3, 0, 1, 0]
    assert traj["start_level"].tolist() == ["low", "low", "high", "high", "middle"]


def test_start_levels_at_the_boundaries():
    firsts = [0, 3, 3.5, 6, 6.5, 10]
    sessions = log([(f"c{i}", week(1), "attended", r) for i, r in enumerate(firsts)])
    traj = trajectories(sessions)
    assert traj["start_level"].tolist() == ["low", "low", "middle", "middle", "high", "high"]
    assert start_level(pd.Series([NaN])).isna().all()


def test_client_without_ratings_has_no_trajectory():
    sessions = log(weekly("silent", [None, None, None]) + weekly("r", [5]))
    assert trajectories(sessions)["client_id"].tolist() == ["r"]


def test_missing_columns_and_duplicate_clients_are_explained():
    with pytest.raises(ValueError, match="missing goal_rating"):
        trajectories(log([("a", week(1), "attended", 1)]).drop(columns="goal_rating"))
    clients = pd.DataFrame({"client_id": ["a", "a"], "goal_baseline": [1.0, 2.0]})
    with pytest.raises(ValueError, match="one row per client_id; 'a' appears more than once"):
        trajectories(log([("a", week(1), "attended", 1)]), clients)


# --------------------------------------------------------------------------
# A small practice: 11 rated clients, all starting at a middle level, 3 weekly
# sessions each, plus one client who never gives a rating.
#
# Ratings are chosen so the quartiles can be read off the sorted list. With
# m = 11 values sorted v0 <= ... <= v10, linear interpolation puts
#   p25 at h = 0.25 * 10 = 2.5 -> (v2 + v3) / 2
#   median at h = 5            -> v5
#   p75 at h = 7.5             -> (v7 + v8) / 2
# --------------------------------------------------------------------------

TYPICAL = {  # t1 is attended but not rated at session 2: its 5 is carried forward
    "t1": [5, None, 6],
    "t2": [5, 6, 6],
    "t3": [5, 6, 7],
    "t4": [5, 6, 7],
    "t5": [6, 6, 7],
    "t6": [6, 7, 7],
    "t7": [6, 7, 8],
    "t8": [6, 7, 8],
}
SPECIAL = {
    "back": [4, 4, 7],  # below at sessions 1 and 2, back inside at 3
    "flag": [5, 4, 4],  # below at exactly the last two (sessions 2 and 3)
    "once": [5, 6, 5],  # below at the last one only
}
# Baselines (first ratings) are 4, 5 or 6: all "middle" (3 < b <= 6).
#
# session 1: 4 | 5 5 5 5 5 5 | 6 6 6 6        -> v2=5, v3=5, v5=5, v7=6, v8=6
#            p25 = (5+5)/2 = 5, median = 5, p75 = (6+6)/2 = 6
# session 2: 4 4 | 5 (t1, carried) | 6 6 6 6 6 | 7 7 7
#            v2=5, v3=6, v5=6, v7=6, v8=7
#            p25 = (5+6)/2 = 5.5, median = 6, p75 = (6+7)/2 = 6.5
#            (without carrying t1 forward there would be 10 clients)
# session 3: 4 | 5 | 6 6 6 | 7 7 7 7 7 | 8 8   -> v2=6, v3=6, v5=7, v7=7, v8=7
#            p25 = 6, median = 7, p75 = 7
BAND = {1: (5.0, 5.0, 6.0), 2: (5.5, 6.0, 6.5), 3: (6.0, 7.0, 7.0)}


def practice_sessions(**extra) -> pd.DataFrame:
    rows = weekly("silent", [None, None, None])
    for client_id, ratings in {**TYPICAL, **SPECIAL, **extra}.items():
        rows += weekly(client_id, ratings)
    return log(rows)


def test_expected_band_by_hand():
    band = expected_band(trajectories(practice_sessions()))
    assert band.message is None
    assert band.min_clients == 10
    table = band.table
    assert table["start_level"].tolist() == ["middle"] * 3
    assert table["session_number"].tolist() == [1, 2, 3]
    assert table["n_clients"].tolist() == [11, 11, 11]  # "silent" is not counted
    for n, (p25, median, p75) in BAND.items():
        assert band.at("middle", n) == pytest.approx((p25, median, p75))
    assert band.at("middle", 4) is None
    assert band.at("low", 1) is None


def test_carry_forward_stays_between_first_and_last_rating():
    sessions = log(
        weekly("x", [2, None, 6])  # rated at 1 and 3: its 2 is carried to session 2
        + weekly("y", [3, None])  # rated at 1 only: not carried past its last rating
    )
    band = expected_band(trajectories(sessions), min_clients=1)
    # both start low (baselines 2 and 3)
    # session 1: values 2, 3 -> h = 0.25 * 1 = 0.25: p25 = 2 + 0.25 = 2.25,
    #            median = 2.5, p75 = 2 + 0.75 = 2.75
    # session 2: x's carried 2 only; session 3: x's 6 only
    assert band.table["n_clients"].tolist() == [2, 1, 1]
    assert band.at("low", 1) == pytest.approx((2.25, 2.5, 2.75))
    assert band.at("low", 2) == (2.0, 2.0, 2.0)
    assert band.at("low", 3) == (6.0, 6.0, 6.0)
    capped = expected_band(trajectories(sessions), min_clients=1, max_session=2)
    assert capped.table["session_number"].tolist() == [1, 2]


def test_too_few_clients_gives_no_band_and_says_why():
    sessions = log([(f"c{i}", week(1), "attended", 2) for i in range(4)])
    traj = trajectories(sessions)
    band = expected_band(traj)
    assert band.table.empty
    assert band.message == (
        "Too little history: 4 clients started at a low level; "
        "at least 10 are needed to draw an expected band."
    )
    assert band.at("low", 1) is None
    flags = off_track(traj, band)
    assert not flags["off_track"].any()
    assert flags["reason"].tolist() == [NO_BAND_REASON] * 4


def test_partial_band_names_the_missing_start_level():
    # two more clients start low (baseline 1); the 11 middle starters keep their band
    traj = trajectories(practice_sessions(l1=[1, 1, 1], l2=[2, 1, 1]))
    band = expected_band(traj)
    assert band.table["start_level"].unique().tolist() == ["middle"]
    assert band.message == (
        "Too little history for part of the band: 2 clients started at a low level; "
        "at least 10 are needed to draw an expected band."
    )
    flags = off_track(traj, band).set_index("client_id")
    assert flags.loc[["l1", "l2"], "off_track"].tolist() == [False, False]
    assert flags.loc["l1", "reason"] == NO_BAND_REASON


def test_expected_band_of_no_ratings():
    traj = trajectories(log(weekly("silent", [None])))
    band = expected_band(traj)
    assert band.table.empty
    assert band.message.startswith("No goal ratings yet")
    assert off_track(traj, band).empty


# --------------------------------------------------------------------------
# off_track, against the band worked out above
# --------------------------------------------------------------------------


def practice_flags(consecutive=2, **extra) -> pd.DataFrame:
    """In-sample (leave_one_out=False): each client against the band above, own ratings included."""
    traj = trajectories(practice_sessions(**extra))
    return off_track(traj, expected_band(traj), consecutive, leave_one_out=False).set_index("client_id")


def test_leave_one_out_judges_each_client_against_the_others():
    # "flag" rates 5, 4, 4. Without its own ratings each cell has 10 values (h = 0.25 · 9 = 2.25,
    # p75 at h = 6.75):
    #   session 1: 4 5 5 5 5 5 6 6 6 6    p25 = 5 + 0.25·0 = 5        → 5 not below
    #   session 2: 4 5 6 6 6 6 6 7 7 7    p25 = 6 + 0.25·0 = 6        → 4 below
    #   session 3: 5 6 6 7 7 7 7 7 8 8    p25 = 6 + 0.25·(7 − 6) = 6.25, p75 = 7 + 0.75·0 = 7 → 4 below
    # "once" rates 5, 6, 5: session 2 without its 6: 4 4 5 6 6 6 6 7 7 7, p25 = 5 + 0.25 = 5.25
    # (6 not below); session 3 without its 5: 4 6 6 7 7 7 7 7 8 8, p25 = 6.25 (5 below).
    traj = trajectories(practice_sessions())
    flags = off_track(traj, expected_band(traj)).set_index("client_id")
    assert flags.index[flags["off_track"]].tolist() == ["flag"]
    assert flags.loc["flag", "since"] == week(2)
    assert flags.loc["flag", "reason"] == (
        "Goal rating below the expected range at the last 2 rated sessions "
        "(4 vs 6.25–7 expected at session 3).")
    assert flags.loc["once", "reason"].startswith(
        "Goal rating below the expected range at the latest rated session only (5 vs 6.25–")


def test_leave_one_out_needs_enough_other_clients():
    # with min_clients = 11 the band has cells (11 clients each), but without the client judged
    # only 10 remain: nobody can be judged, so nobody is flagged
    traj = trajectories(practice_sessions())
    flags = off_track(traj, expected_band(traj, min_clients=11))
    assert not flags["off_track"].any()
    assert (flags["reason"] == NO_BAND_REASON).all()


def test_off_track_two_in_a_row():
    flags = practice_flags()
    # flag: 5 vs p25 5 (not below: equal), 4 < 5.5, 4 < 6 -> last two below
    # once: 5 vs 5, 6 vs 5.5, 5 < 6 -> only the latest below
    # back: 4 < 5, 4 < 5.5, 7 vs 6 -> back inside at the latest
    # typical clients: never below (lowest ratings 5 vs 5, 6 vs 5.5, 6 vs 6; t1's
    # carried 5 at session 2 only feeds the band, it is not a rating to judge)
    assert flags.index[flags["off_track"]].tolist() == ["flag"]
    assert "silent" not in flags.index  # no ratings: no row, so never flagged
    assert flags.loc["flag", "since"] == week(2)
    assert flags.loc["flag", "reason"] == (
        "Goal rating below the expected range at the last 2 rated sessions "
        "(4 vs 6–7 expected at session 3)."
    )
    assert flags.loc["once", "reason"] == (
        "Goal rating below the expected range at the latest rated session only "
        "(5 vs 6–7 expected at session 3); 2 in a row are needed to flag."
    )
    assert flags.loc["back", "reason"] == (
        "Goal rating within the expected range at the latest rated session "
        "(7 vs 6–7 expected at session 3)."
    )
    # t7 ends at 8 > p75 7
    assert flags.loc["t7", "reason"].startswith("Goal rating above the expected range")
    assert flags.loc[~flags["off_track"], "since"].isna().all()


def test_off_track_counts_the_whole_running_streak():
    # consecutive=1: flag's run started at session 2, once's at session 3
    flags = practice_flags(consecutive=1)
    assert flags.index[flags["off_track"]].tolist() == ["flag", "once"]
    assert flags.loc["flag", "since"] == week(2)
    assert flags.loc["once", "since"] == week(3)
    # consecutive=3: flag's run of 2 is not enough
    flags = practice_flags(consecutive=3)
    assert not flags["off_track"].any()
    assert flags.loc["flag", "reason"].endswith("; 3 in a row are needed to flag.")


def test_beyond_the_band_the_last_cell_holds():
    # "late" rates 5, 4, 4 like "flag", then 3 at session 4, where only 1 client has a
    # rating: no cell of its own, so the nearest earlier cell (session 3) holds. With 12
    # clients (h = 0.25 * 11 = 2.75) the p25s are: session 1: 5 + 0.75*(5-5) = 5; session 2
    # (4 4 4 5 6...): 4 + 0.75*(5-4) = 4.75; session 3 (4 4 5 6...): 5 + 0.75*(6-5) = 5.75.
    # late: 5 (not below 5), 4 < 4.75, 4 < 5.75, 3 < 5.75 (held) → 3 in a row since session 2.
    flags = practice_flags(late=[5, 4, 4, 3])
    assert flags.loc["late", "off_track"] == True  # noqa: E712 (numpy bool)
    assert flags.loc["late", "reason"] == (
        "Goal rating below the expected range at the last 3 rated sessions "
        "(3 vs 5.75–7 expected at session 4).")
    assert flags.loc["late", "since"] == week(2)
    assert flags.loc["flag", "off_track"] == True  # noqa: E712


def test_docstring_examples():
    result = doctest.testmod(progress)
    assert result.attempted > 0 and result.failed == 0


def test_flag_accuracy_by_hand():
    # The small practice, every rated client ended. Successive differences of ratings (t1's
    # missing session-2 rating is not a rating, so t1 has one difference, 6 − 5):
    #   t1 1 | t2 1,0 | t3 1,1 | t4 1,1 | t5 0,1 | t6 1,0 | t7 1,1 | t8 1,1 | back 0,3 | flag −1,0 | once 1,−1
    #   squares sum: 1 + 1 + 2 + 2 + 1 + 1 + 2 + 2 + 9 + 1 + 2 = 24 over 21 differences
    # RC = 1.96 · √(24/21) = 2.0953. Last change (last − first): t1 1, t2 1, t3 2, t4 2, t5 1,
    # t6 1, t7 2, t8 2, back 3, flag −1, once 0 → poor (< 2.0953): all but back: 10 clients.
    # Ever off track (leave-one-out, two in a row): flag only (see the test above; back is below
    # at session 1 vs p25 5 and at 2 vs 6 → also two in a row!).
    # back at session 1 without its 4: 5 5 5 5 5 5 6 6 6 6, p25 = 5 → 4 below;
    # session 2 without its 4: 4 5 6 6 6 6 6 7 7 7, p25 = 6 → 4 below: back was off track too.
    # flagged = {flag, back}; poor ∩ flagged = {flag} → sensitivity 1/10, ppv 1/2.
    traj = trajectories(practice_sessions())
    ended = [f"t{i}" for i in range(1, 9)] + ["back", "flag", "once"]
    accuracy = progress.flag_accuracy(traj, expected_band(traj), ended, min_ended=11)
    assert accuracy.reliable_change == pytest.approx(1.959963984540054 * np.sqrt(24 / 21))
    assert (accuracy.ended, accuracy.poor, accuracy.flagged, accuracy.flagged_poor) == (11, 10, 2, 1)
    assert (accuracy.sensitivity, accuracy.ppv) == (0.1, 0.5)
    assert "regression to the mean" in accuracy.message


def test_flag_accuracy_says_when_there_is_too_little_history():
    traj = trajectories(practice_sessions())
    accuracy = progress.flag_accuracy(traj, expected_band(traj), ["flag", "once"])
    assert accuracy.sensitivity is None and accuracy.ppv is None
    assert accuracy.message.startswith("Too little history")
    assert "2 clients with goal ratings have ended; at least 20" in accuracy.message


def test_ever_off_track_counts_a_run_anywhere_in_the_course():
    # back: 4 < 5, 4 < 5.5 (two in a row below), then 7: not flagged now, but was off track once;
    # flag: the run is its latest two; once: never two in a row; the typical clients: never below
    flags = practice_flags()
    ever = flags.index[flags["ever_off_track"]].tolist()
    assert ever == ["back", "flag"]
    assert flags.loc["back", "off_track"] == False  # noqa: E712 (numpy bool)
    assert practice_flags(consecutive=3)["ever_off_track"].sum() == 0   # no run of three anywhere
    assert practice_flags(consecutive=1).index[practice_flags(consecutive=1)["ever_off_track"]].tolist() == [
        "back", "flag", "once"]


def random_practice(seed: int, clients: int = 60) -> pd.DataFrame:
    """A practice with every irregularity the fast paths must keep: three start levels, ratings
    skipped, ratings on no-shows, tied ratings, courses of different lengths, rows shuffled."""
    rng = np.random.default_rng(seed)
    rows = []
    for number in range(clients):
        level = rng.integers(0, 11)
        for k in range(1, rng.integers(2, 14)):
            status = "attended" if rng.random() < 0.85 else "no_show"
            rated = rng.random() < (0.8 if status == "attended" else 0.3)
            rating = float(np.clip(level + rng.integers(-2, 4) + k // 3, 0, 10)) if rated else None
            rows.append((f"c{number:03d}", week(k), status, rating))
    return log(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trajectories_do_not_depend_on_the_row_order(seed):
    sessions = random_practice(seed)
    in_order = sessions.sort_values(["client_id", "scheduled_start"], ignore_index=True)
    pd.testing.assert_frame_equal(trajectories(sessions), trajectories(in_order))
    traj = trajectories(sessions)
    # numbered by hand for one client: attended sessions counted, ratings counted from 1
    one = in_order[in_order.client_id == "c000"]
    attended = one.status.eq("attended").cumsum()[one.goal_rating.notna()].tolist()
    assert traj[traj.client_id == "c000"].session_number.tolist() == attended
    assert traj[traj.client_id == "c000"].rating_number.tolist() == list(range(1, len(attended) + 1))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_leave_one_out_equals_the_band_drawn_without_each_client(seed):
    # the reference: for each client, the band drawn from everybody else (expected_band without
    # them) at the nearest cell at or before each rating among the cells with more than
    # min_clients clients — judged one client at a time, the slow and obvious way
    traj = trajectories(random_practice(seed))
    band = expected_band(traj, min_clients=5)
    flags = off_track(traj, band, consecutive=2).set_index("client_id")
    usable = band.table[band.table.n_clients > band.min_clients]
    checked = 0
    for client_id, own in traj.groupby("client_id"):
        without = expected_band(traj[traj.client_id != client_id], min_clients=5).table
        below = []
        for rating, level, number in zip(own.goal_rating, own.start_level, own.session_number):
            cells = usable[(usable.start_level == level) & (usable.session_number <= number)]
            if cells.empty:
                below.append(False)
                continue
            cell = without[(without.start_level == level)
                           & (without.session_number == cells.session_number.max())]
            below.append(bool(len(cell)) and rating < cell.p25.iloc[0])
        expected = len(below) >= 2 and all(below[-2:])
        assert flags.loc[client_id, "off_track"] == expected, client_id
        checked += expected
    assert checked > 0   # the practice has clients off track: the comparison is not vacuous
