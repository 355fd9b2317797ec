"""Issue 5: the weekly review's needs-attention rules and billable missed sessions.

A hand-made practice, put into a real store and read back with session_facts. The reviewed week
is Monday 2026-03-02 to Sunday 2026-03-08; its end is 2026-03-09 00:00; the booking look-ahead
(14 days) is [03-09, 03-23). Default settings unless a test says otherwise. Every client has a
session that counts in attendance on or after 01-26 (= 03-09 − 42 days), so all are current.

A  no-show 03-04 and a late cancellation 03-06 (cancelled 03-05 20:00: 14 h notice) → missed
B  counted sessions 01-19 att, 01-26 no-show, 02-02 att, 02-09 late_cancel, 02-16 no-show,
   02-23 att, (02-25 timely cancel: not counted), 03-02 att; last 6 from 01-26: 3 of 6 = 50 %
   < 75 → low_attendance (with 01-19 it would be 4 of 7)
C  late 5 (= grace_min: on time) 02-16, 10 on 02-23, unknown 02-25, 7 on 03-02 → the last 2
   known are late → late_arrivals
D  engagement 5, 4, 5 | 3, 4, 2: recent mean 9/3 = 3 < before 14/3 = 4.67, a fall of 1.67 ≥ the
   threshold (too few ratings to calibrate: fallback 1.96 · 0.6 · √(2/3) = 0.96) → involvement_falling
E  practice 0.5 (02-09), 0 (02-16), none agreed (02-20), 0 (02-23), 0 (03-02) → practice_missed
F  alliance 39.5 (02-23) then 36.5 (03-03): a 3-point drop ≥ the fallback reliable change
   1.96 · √2 · 1.0 = 2.77, and 36.5 ≥ 36 → alliance_concern (drop only)
G  off_track frame says True since 02-23 → off_track
G2 off_track frame says True, but since 03-09, after the week → nothing
M  (therapist T2) no-show 03-02 (fee 0, so not billable) and alliance 35.9 on 03-05, its first
   rating → missed_this_week and alliance_concern (below 36 only): the client with two rules
N  last attended 02-20; only booking 03-23, just outside [03-09, 03-23) → nothing_booked
U  fees: 70 on 01-08 unpaid (59 days on 03-08: 23 to 02-08 + 28 to 03-08); 40 on 01-09 paid
   03-08 (paid on the day: paid); 30 on a timely cancellation (not owed); 50 on 02-05 paid
   03-10, after the week (31 days: 23 + 8); 60 on 02-06 unpaid (30 days: not more than 30)
   → unpaid_fees 70 + 50 = 120, 2 sessions, oldest 01-08
Q  nothing this week: alliance 36 then 36 (no drop, not below 36), on time, fees paid, a timely
   cancellation 03-06. After the week: a no-show 03-10, late 20 and 15 min with alliance 30 on
   03-11/03-12 — which must not flag the reviewed week, but do flag the next one.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from alliance_metrics.attention import (
    alert_thresholds,
    BILLABLE_COLUMNS,
    BY_CLIENT_COLUMNS,
    FLAG_COLUMNS,
    RULES,
    attention_by_client,
    billable_missed,
    needs_attention,
)
from alliance_metrics.score_queries import session_facts
from alliance_metrics.settings import DEFAULTS, SETTINGS, SETTINGS_BY_NAME
from tests.conftest import at, day, insert_sessions

WEEK = date(2026, 3, 2)


def s(session_id: str, when: str, status: str = "attended", **values) -> dict:
    """One session row; the client is the session id's letters before the digits."""
    client = session_id.rstrip("0123456789")
    return dict(session_id=session_id, client_id=client, scheduled_start=at(when), status=status,
                **values)


PRACTICE = [
    s("A1", "2026-02-23 10:00"),
    s("A2", "2026-03-04 10:00", "no_show", fee=60),
    s("A3", "2026-03-06 10:00", "cancelled", cancelled_at=at("2026-03-05 20:00"), fee=60),
    s("A4", "2026-03-16 10:00", "booked"),

    s("B1", "2026-01-19 09:00"),
    s("B2", "2026-01-26 09:00", "no_show"),
    s("B3", "2026-02-02 09:00"),
    s("B4", "2026-02-09 09:00", "late_cancel"),
    s("B5", "2026-02-16 09:00", "no_show"),
    s("B6", "2026-02-23 09:00"),
    s("B7", "2026-02-25 09:00", "cancelled", cancelled_at=at("2026-02-20 09:00")),
    s("B8", "2026-03-02 09:00"),
    s("B9", "2026-03-09 09:00", "booked"),

    s("C1", "2026-02-16 11:00", client_late_min=5),
    s("C2", "2026-02-23 11:00", client_late_min=10),
    s("C3", "2026-02-25 11:00"),
    s("C4", "2026-03-02 11:00", client_late_min=7),
    s("C5", "2026-03-09 11:00", "booked"),

    s("D1", "2026-01-26 14:00", engagement=5),
    s("D2", "2026-02-02 14:00", engagement=4),
    s("D3", "2026-02-09 14:00", engagement=5),
    s("D4", "2026-02-16 14:00", engagement=3),
    s("D5", "2026-02-23 14:00", engagement=4),
    s("D6", "2026-03-02 14:00", engagement=2),
    s("D7", "2026-03-09 14:00", "booked"),

    s("E1", "2026-02-09 15:00", homework_done=0.5),
    s("E2", "2026-02-16 15:00", homework_done=0.0),
    s("E3", "2026-02-20 15:00"),
    s("E4", "2026-02-23 15:00", homework_done=0.0),
    s("E5", "2026-03-02 15:00", homework_done=0.0),
    s("E6", "2026-03-09 15:00", "booked"),

    s("F1", "2026-02-23 16:00", alliance_rating=39.5),
    s("F2", "2026-03-03 16:00", alliance_rating=36.5),
    s("F3", "2026-03-10 16:00", "booked"),

    s("G1", "2026-02-23 17:00"),
    s("G2", "2026-03-02 17:00"),
    s("G3", "2026-03-09 17:00", "booked"),
    dict(session_id="H1", client_id="G2", scheduled_start=at("2026-03-03 17:00"), status="attended"),
    dict(session_id="H2", client_id="G2", scheduled_start=at("2026-03-10 17:00"), status="booked"),

    s("M1", "2026-03-02 18:00", "no_show", fee=0, therapist_id="T2"),
    s("M2", "2026-03-05 18:00", alliance_rating=35.9, therapist_id="T2"),
    s("M3", "2026-03-12 18:00", "booked", therapist_id="T2"),

    s("N1", "2026-02-20 08:00"),
    s("N2", "2026-03-23 08:00", "booked"),

    s("U1", "2026-01-08 12:00", fee=70),
    s("U2", "2026-01-09 12:00", fee=40, paid_on=day("2026-03-08")),
    s("U3", "2026-01-12 12:00", "cancelled", cancelled_at=at("2026-01-05 12:00"), fee=30),
    s("U4", "2026-02-05 12:00", fee=50, paid_on=day("2026-03-10")),
    s("U5", "2026-02-06 12:00", fee=60),
    s("U6", "2026-03-09 12:00", "booked"),

    s("Q1", "2026-02-23 13:00", client_late_min=0, alliance_rating=36, fee=60,
      paid_on=day("2026-02-23")),
    s("Q2", "2026-03-03 13:00", client_late_min=-2, alliance_rating=36, fee=60,
      paid_on=day("2026-03-03")),
    s("Q3", "2026-03-06 13:00", "cancelled", cancelled_at=at("2026-03-01 13:00"), fee=60),
    s("Q4", "2026-03-10 13:00", "no_show", fee=60),
    s("Q5", "2026-03-11 13:00", client_late_min=20, alliance_rating=30),
    s("Q6", "2026-03-12 13:00", client_late_min=15),
]

OFF_TRACK = pd.DataFrame({
    "client_id": ["G", "G2", "Q", "Z"],
    "off_track": [True, True, False, True],
    "since": pd.to_datetime(["2026-02-23 17:00", "2026-03-09 17:00", None, "2026-02-02 10:00"]),
    "reason": [
        "Goal rating below the expected range at the last 2 rated sessions (3 vs 4–6 expected at session 2).",
        "Goal rating below the expected range at the last 2 rated sessions (2 vs 4–6 expected at session 3).",
        "Goal rating within the expected range at the latest rated session (5 vs 4–6 expected at session 2).",
        "Goal rating below the expected range at the last 2 rated sessions (1 vs 4–6 expected at session 4).",
    ],
})

EXPECTED = {
    ("A", "missed_this_week"): "No-show on 4 Mar 2026; late cancellation on 6 Mar 2026 (14 h notice).",
    ("B", "low_attendance"): "Attendance 50% over the last 6 scheduled sessions (3 of 6), below 75%.",
    ("C", "late_arrivals"): "Arrived late at the last 2 attended sessions in a row (10, 7 min after the start).",
    ("D", "involvement_falling"): "Engagement rating falling: mean 3 (1–5) over the last 3 rated sessions, "
                                  "down from 4.67 over the 3 before.",
    ("E", "practice_missed"): "None of the agreed practice done at the last 3 sessions where practice "
                              "was agreed (since 16 Feb 2026).",
    ("F", "alliance_concern"): "Alliance rating 36.5/40 on 3 Mar 2026 (down 3 from 39.5).",
    ("G", "off_track"): OFF_TRACK.reason[0],
    ("M", "missed_this_week"): "No-show on 2 Mar 2026.",
    ("M", "alliance_concern"): "Alliance rating 35.9/40 on 5 Mar 2026 (below 36).",
    ("N", "nothing_booked"): "Last attended on 20 Feb 2026; nothing booked from 9 Mar 2026 to 22 Mar 2026.",
    ("U", "unpaid_fees"): "€120.00 in fees unpaid for more than 30 days on 8 Mar 2026: 2 sessions, "
                          "the oldest on 8 Jan 2026 (59 days).",
}


@pytest.fixture
def facts(store):
    insert_sessions(store, PRACTICE)
    return session_facts(store)


def pairs(flags: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(flags["client_id"], flags["code"]))


def test_each_rule_fires_for_its_client_with_its_figures(facts):
    flags = needs_attention(facts, WEEK, DEFAULTS, OFF_TRACK)
    assert tuple(flags.columns) == FLAG_COLUMNS
    assert pairs(flags) == set(EXPECTED)   # Q (nothing), G2 and Z (off-track data) are absent
    assert {key: reason for key, reason in zip(zip(flags.client_id, flags.code), flags.reason)} == EXPECTED
    # sorted by client, then in rule order (missed_this_week before alliance_concern)
    assert list(zip(flags.client_id, flags.code)) == sorted(
        EXPECTED, key=lambda key: (key[0], [rule.code for rule in RULES].index(key[1])))
    titles = {rule.code: rule.title for rule in RULES}
    assert all(titles[code] == title for code, title in zip(flags.code, flags.title))
    assert set(flags.loc[flags.client_id == "M", "therapist_id"]) == {"T2"}
    assert set(flags.loc[flags.client_id != "M", "therapist_id"]) == {"T1"}


def test_without_off_track_frame_no_goal_flag(facts):
    assert pairs(needs_attention(facts, WEEK, DEFAULTS)) == set(EXPECTED) - {("G", "off_track")}


def test_sessions_after_the_week_flag_only_the_next_week(facts):
    # Q's no-show, late arrivals and alliance 30 all come after 03-08: not in this week's review…
    assert "Q" not in set(needs_attention(facts, WEEK, DEFAULTS).client_id)
    # …but they are in the next week's (03-09 to 03-15): alliance 30 is 36 − 6 and below 36;
    # late 20 and 15 at the last two known arrivals; the no-show on 03-10; and, last attended
    # 03-12, nothing in [03-16, 03-16 + 14 days = 03-30).
    next_week = needs_attention(facts, date(2026, 3, 9), DEFAULTS)
    q = dict(zip(next_week.loc[next_week.client_id == "Q", "code"],
                 next_week.loc[next_week.client_id == "Q", "reason"]))
    assert q == {
        "missed_this_week": "No-show on 10 Mar 2026.",
        "late_arrivals": "Arrived late at the last 2 attended sessions in a row (20, 15 min after the start).",
        "alliance_concern": "Alliance rating 30/40 on 11 Mar 2026 (down 6 from 36, below 36).",
        "nothing_booked": "Last attended on 12 Mar 2026; nothing booked from 16 Mar 2026 to 29 Mar 2026.",
    }


@pytest.mark.parametrize("name, value, gone", [
    ("attendance_alert_pct", 50, ("B", "low_attendance")),            # 50% is not below 50 %
    ("late_arrivals_in_row", 3, ("C", "late_arrivals")),              # 02-16 was on time
    ("practice_missed_in_row", 4, ("E", "practice_missed")),          # 02-09 had 0.5 done
    ("involvement_drop_points", 1.7, ("D", "involvement_falling")),   # 14/3 − 9/3 = 1.67 < 1.7
    ("alliance_drop_points", 3.1, ("F", "alliance_concern")),         # 39.5 → 36.5 is 3 < 3.1
    ("alliance_concern_below", 35.9, ("M", "alliance_concern")),      # 35.9 is not below 35.9
    ("unpaid_alert_days", 60, ("U", "unpaid_fees")),                  # 59 and 31 days ≤ 60
    ("unbooked_alert_days", 15, ("N", "nothing_booked")),             # 03-23 is in [03-09, 03-24)
    ("active_client_days", 14, ("N", "nothing_booked")),              # 02-20 < 03-09 − 14 = 02-23
])
def test_a_changed_setting_changes_the_result(facts, name, value, gone):
    flags = needs_attention(facts, WEEK, {name: value}, OFF_TRACK)
    assert pairs(flags) == set(EXPECTED) - {gone}


def test_changed_settings_change_the_figures(facts):
    # B's last 7 counted sessions add 01-19 (attended): 4 of 7 = 57.14… % → 57.1
    flags = needs_attention(facts, WEEK, {"attendance_window_sessions": 7}, OFF_TRACK)
    assert flags.loc[flags.client_id == "B", "reason"].tolist() == [
        "Attendance 57.1% over the last 7 scheduled sessions (4 of 7), below 75%."]
    # U at 29 days: 60 on 02-06 (30 days) joins: 70 + 50 + 60 = 180, 3 sessions
    flags = needs_attention(facts, WEEK, {"unpaid_alert_days": 29}, OFF_TRACK)
    assert flags.loc[flags.client_id == "U", "reason"].tolist() == [
        "€180.00 in fees unpaid for more than 29 days on 8 Mar 2026: 3 sessions, the oldest on "
        "8 Jan 2026 (59 days)."]


def test_attendance_exactly_at_the_threshold_does_not_fire(store):
    insert_sessions(store, [
        s("X1", "2026-02-09 10:00"), s("X2", "2026-02-16 10:00", "no_show"),
        s("X3", "2026-02-23 10:00"), s("X4", "2026-03-02 10:00"), s("X5", "2026-03-09 10:00", "booked"),
    ])
    facts = session_facts(store)
    # last 4 counted: 3 of 4 = 75 %, not below 75 %
    assert needs_attention(facts, WEEK, {"attendance_window_sessions": 4}).empty
    # the default window of 6: X has only 4 counted sessions, so the rule does not apply
    assert needs_attention(facts, WEEK, {"attendance_alert_pct": 100}).empty
    flags = needs_attention(facts, WEEK, {"attendance_window_sessions": 4, "attendance_alert_pct": 76})
    assert flags.reason.tolist() == [
        "Attendance 75% over the last 4 scheduled sessions (3 of 4), below 76%."]


def test_unpaid_exactly_30_days_does_not_fire_31_does(store):
    insert_sessions(store, [
        # 03-08 − 02-06 = 22 days to 02-28 + 8 = 30; 03-08 − 02-05 = 31
        s("V1", "2026-02-06 10:00", fee=60), s("V2", "2026-03-09 10:00", "booked"),
        s("W1", "2026-02-05 10:00", fee=45.5), s("W2", "2026-03-09 10:00", "booked"),
    ])
    flags = needs_attention(session_facts(store), WEEK, DEFAULTS)
    assert pairs(flags) == {("W", "unpaid_fees")}
    assert flags.reason[0] == ("€45.50 in fees unpaid for more than 30 days on 8 Mar 2026: "
                               "1 session, the oldest on 5 Feb 2026 (31 days).")


def test_alliance_boundaries(store):
    insert_sessions(store, [
        s("P1", "2026-02-23 10:00", alliance_rating=36.9), s("P2", "2026-03-03 10:00", alliance_rating=35.9),
        s("R1", "2026-02-23 10:00", alliance_rating=37), s("R2", "2026-03-03 10:00", alliance_rating=36.5),
        s("S1", "2026-03-03 10:00", alliance_rating=36),
        *(s(f"{c}9", "2026-03-10 10:00", "booked") for c in "PRS"),
    ])
    flags = needs_attention(session_facts(store), WEEK, {"alliance_drop_points": 1})
    # P: 36.9 → 35.9 is a drop of exactly 1 and 35.9 < 36; R: a drop of 0.5 < 1, 36.5 ≥ 36;
    # S: 36 is not below 36
    assert dict(zip(flags.client_id, flags.reason)) == {
        "P": "Alliance rating 35.9/40 on 3 Mar 2026 (down 1 from 36.9, below 36)."}
    # by default a 1-point drop is within measurement error (fallback threshold 2.77): P is
    # flagged only for newly crossing 36
    flags = needs_attention(session_facts(store), WEEK, DEFAULTS)
    assert dict(zip(flags.client_id, flags.reason)) == {
        "P": "Alliance rating 35.9/40 on 3 Mar 2026 (below 36)."}


def test_below_36_alerts_only_on_a_new_crossing(store):
    insert_sessions(store, [
        # L stays below 36 (35 → 34.5): no new crossing, and a 0.5 drop is noise → nothing
        s("L1", "2026-02-23 10:00", alliance_rating=35), s("L2", "2026-03-03 10:00", alliance_rating=34.5),
        # H crosses from 36 to 35.5 → flagged
        s("H1", "2026-02-23 11:00", alliance_rating=36), s("H2", "2026-03-03 11:00", alliance_rating=35.5),
        *(s(f"{c}9", "2026-03-10 10:00", "booked") for c in "LH"),
    ])
    flags = needs_attention(session_facts(store), WEEK, DEFAULTS)
    assert dict(zip(flags.client_id, flags.reason)) == {
        "H": "Alliance rating 35.5/40 on 3 Mar 2026 (below 36)."}


def calibration_facts(clients: int, ratings: list[float]) -> pd.DataFrame:
    """Every client rated the same sequence, weekly from 5 Jan 2026, all attended."""
    n = len(ratings)
    return pd.DataFrame({
        "client_id": [f"c{i:02d}" for i in range(clients) for _ in range(n)],
        "scheduled_start": [pd.Timestamp("2026-01-05") + pd.Timedelta(weeks=w) for _ in range(clients) for w in range(n)],
        "outcome": "attended",
        "alliance_rating": ratings * clients,
        "engagement": [3.0, 4.0, 2.0, 3.0][:n] * clients,
    })


def test_thresholds_are_computed_from_the_practice_spread():
    # 20 clients rated 36, 38, 37: deviations −1, 1, 0 → SS 2 per client, 40 in all;
    # N − k = 60 − 20 = 40 ≥ 30 → s_w = √(40/40) = 1 → reliable change 1.96 · √2 · 1 = 2.772
    # engagement 3, 4, 2: deviations 0, 1, −1 → s_w = 1 → 1.96 · 1 · √(2/3) = 1.600
    found = alert_thresholds(calibration_facts(20, [36.0, 38.0, 37.0]), date(2026, 3, 2), DEFAULTS)
    alliance, involvement = found["alliance_drop_points"], found["involvement_drop_points"]
    assert (alliance.source, alliance.spread, alliance.ratings, alliance.clients) == ("computed", 1.0, 60, 20)
    assert alliance.value == pytest.approx(1.959964 * math.sqrt(2), abs=1e-5)
    assert involvement.value == pytest.approx(1.959964 * math.sqrt(2 / 3), abs=1e-5)
    assert "s_w = 1" in alliance.explanation and "60 ratings of 20 clients" in alliance.explanation


def test_ratings_that_never_vary_flag_no_drop(store):
    # 20 clients (letters A…T) rated 38 weekly from 9 Feb 2026 to the reviewed week's Monday:
    # no within-client spread (SS 0, N − k = 80 − 20 = 60 ≥ 30) → s_w = 0 and a computed
    # threshold of 0; 38 → 38 on 2 Mar 2026 is no drop, so nobody is flagged (it once read
    # "down 0 from 38" for every client)
    letters = "ABCDEFGHIJKLMNOPQRST"
    insert_sessions(store, [
        *(s(f"{c}{w}", f"2026-{month}-{d:02d} 10:00", alliance_rating=38)
          for c in letters for w, (month, d) in enumerate([("02", 9), ("02", 16), ("02", 23), ("03", 2)])),
        *(s(f"{c}9", "2026-03-10 10:00", "booked") for c in letters),
    ])
    facts = session_facts(store)
    assert alert_thresholds(facts, WEEK, DEFAULTS)["alliance_drop_points"].value == 0
    assert needs_attention(facts, WEEK, DEFAULTS).empty


def test_thresholds_fall_back_with_too_little_data_and_obey_the_practice():
    # 10 clients × 3 ratings: N − k = 20 < 30 → the assumed spreads 1.0 and 0.6
    facts = calibration_facts(10, [36.0, 38.0, 37.0])
    found = alert_thresholds(facts, date(2026, 3, 2), DEFAULTS)
    assert found["alliance_drop_points"].source == "fallback"
    assert found["alliance_drop_points"].value == pytest.approx(1.959964 * math.sqrt(2) * 1.0, abs=1e-5)
    assert found["involvement_drop_points"].value == pytest.approx(1.959964 * 0.6 * math.sqrt(2 / 3), abs=1e-5)
    own = alert_thresholds(facts, date(2026, 3, 2), {"alliance_drop_points": 1.5})
    assert (own["alliance_drop_points"].source, own["alliance_drop_points"].value) == ("practice setting", 1.5)
    # ratings after the reviewed week do not count: a week before the second rating has one
    # rating per client, so nothing to measure
    early = alert_thresholds(calibration_facts(40, [36.0, 38.0, 37.0]), date(2026, 1, 5), DEFAULTS)
    assert early["alliance_drop_points"].source == "fallback"


def test_pattern_rules_only_for_current_clients(store):
    # six no-shows each (0 of 6); O's last is 01-25, one day before 03-09 − 42 days = 01-26
    insert_sessions(store, [
        *(s(f"O{n}", f"2026-01-{13 + 2 * n} 10:00", "no_show") for n in range(1, 7)),   # 01-15 … 01-25
        *(s(f"K{n}", f"2026-01-{14 + 2 * n} 10:00", "no_show") for n in range(1, 7)),   # 01-16 … 01-26
    ])
    flags = needs_attention(session_facts(store), WEEK, DEFAULTS)
    assert pairs(flags) == {("K", "low_attendance")}
    assert flags.reason[0] == "Attendance 0% over the last 6 scheduled sessions (0 of 6), below 75%."


def test_attention_by_client(facts):
    table = attention_by_client(needs_attention(facts, WEEK, DEFAULTS, OFF_TRACK))
    assert tuple(table.columns) == BY_CLIENT_COLUMNS
    assert table.client_id.tolist() == ["A", "B", "C", "D", "E", "F", "G", "M", "N", "U"]
    m = table.set_index("client_id").loc["M"]
    assert m.reasons == [EXPECTED["M", "missed_this_week"], EXPECTED["M", "alliance_concern"]]
    assert (m.n_reasons, m.therapist_id) == (2, "T2")
    assert table.n_reasons.sum() == len(EXPECTED)


def test_billable_missed(facts):
    missed = billable_missed(facts, WEEK)
    assert tuple(missed.columns) == BILLABLE_COLUMNS
    # A's no-show and 14 h late cancellation, 60 each; M's no-show has fee 0; Q's 03-06
    # cancellation gave 5 days' notice; Q's 03-10 no-show is next week
    assert missed.session_id.tolist() == ["A2", "A3"]
    assert missed.outcome.tolist() == ["no_show", "late_cancel"]
    assert missed.fee.sum() == 120
    assert missed.notice_hours[1] == pytest.approx(14.0)
    assert billable_missed(facts, date(2026, 3, 9)).session_id.tolist() == ["Q4"]


def test_the_review_opens_on_the_most_recent_week_with_a_held_session(store, facts):
    from alliance_metrics.review import latest_week
    # the latest non-booked session is Q6 on Thursday 03-12 (N's 03-23 is only booked)
    assert latest_week(store) == date(2026, 3, 9)


def test_empty_facts_give_empty_results_with_their_columns(store):
    facts = session_facts(store)
    flags = needs_attention(facts, WEEK, DEFAULTS, OFF_TRACK)
    assert flags.empty and tuple(flags.columns) == FLAG_COLUMNS
    by_client = attention_by_client(flags)
    assert by_client.empty and tuple(by_client.columns) == BY_CLIENT_COLUMNS
    missed = billable_missed(facts, WEEK)
    assert missed.empty and tuple(missed.columns) == BILLABLE_COLUMNS
    from alliance_metrics.review import latest_week
    assert latest_week(store) is None


def test_bad_settings_and_frames_are_explained(facts):
    with pytest.raises(ValueError, match=r"Attendance alert below \(%\).*from 0 to 100.*150"):   # its label
        needs_attention(facts, WEEK, {"attendance_alert_pct": 150})
    with pytest.raises(ValueError, match="Unknown setting 'attendance_pct'"):
        needs_attention(facts, WEEK, {"attendance_pct": 50})
    with pytest.raises(ValueError, match="missing billable"):
        needs_attention(facts.drop(columns="billable"), WEEK, DEFAULTS)


def test_every_rule_is_documented_with_real_settings():
    codes = [rule.code for rule in RULES]
    assert len(set(codes)) == len(codes)
    for rule in RULES:
        assert rule.title and rule.explanation
        for name in rule.settings:
            assert name in SETTINGS_BY_NAME
            # the English text names the setting by its code name; people read its label instead
            assert name in rule.explanation or (name == "active_client_days" and rule.current_only), (rule.code, name)
            assert f"“{SETTINGS_BY_NAME[name].title()}”" in rule.describe(), (rule.code, name)
        assert not any(name in rule.describe() for name in SETTINGS_BY_NAME if "_" in name), rule.describe()
    used = {name for rule in RULES for name in rule.settings}
    assert {setting.name for setting in SETTINGS if setting.group == "attention"} <= used
