"""SPEC §4 on a hand-worked log whose clients sit on every boundary.

Client A (clients file: goal_baseline 2), eight sessions:
  1  01-05 attended   late 5 (on time: = grace)  th. late 0   practice 1.0  inv 5  SRS 36  goal 3  fee 60 paid 01-12 (day 7: on time)
  2  01-12 attended   late 6 (late)              th. late 10  practice 0.5  inv 3  SRS 38  goal 5  fee 60 paid 01-20 (day 8: late)
  3  01-19 cancelled by client, notice exactly 24 h          → timely
  4  01-26 cancelled by client, notice 23 h 59 min, fee 60, unpaid → late cancellation, billable
  5  02-02 cancelled by client, notice unknown               → timely
  6  02-09 cancelled by the therapist, 2 h notice            → therapist cancellation
  7  02-16 no-show, fee 0                                    → not billable, no fee due
  8  02-23 attended   late unknown               th. late 5   practice —    inv 2  SRS —   goal 6  fee 60 paid 02-23
Client B: a no-show (fee 50, unpaid) and a timely cancellation — never attended.
Client C: attended (3 min early, SRS 40, goal 4), status late_cancel (notice unknown), attended
(on time, goal 7), then a booked session that counts nowhere.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from alliance_metrics.score_queries import client_scores, pooled_components, session_facts
from alliance_metrics.scores import COUNT_COLUMNS, SCORE_COLUMNS, SCORES, add_scores, pooled_scores, sessions_behind
from tests.conftest import at, day, insert_clients, insert_sessions

LOG = [
    dict(session_id="A1", client_id="A", scheduled_start=at("2026-01-05 10:00"), status="attended",
         client_late_min=5, therapist_late_min=0, homework_done=1.0, engagement=5,
         alliance_rating=36, goal_rating=3, fee=60, paid_on=day("2026-01-12")),
    dict(session_id="A2", client_id="A", scheduled_start=at("2026-01-12 10:00"), status="attended",
         client_late_min=6, therapist_late_min=10, homework_done=0.5, engagement=3,
         alliance_rating=38, goal_rating=5, fee=60, paid_on=day("2026-01-20")),
    dict(session_id="A3", client_id="A", scheduled_start=at("2026-01-19 10:00"), status="cancelled",
         cancelled_at=at("2026-01-18 10:00")),
    dict(session_id="A4", client_id="A", scheduled_start=at("2026-01-26 10:00"), status="cancelled",
         cancelled_at=at("2026-01-25 10:01"), fee=60),
    dict(session_id="A5", client_id="A", scheduled_start=at("2026-02-02 10:00"), status="cancelled"),
    dict(session_id="A6", client_id="A", scheduled_start=at("2026-02-09 10:00"), status="cancelled",
         cancelled_by="therapist", cancelled_at=at("2026-02-09 08:00")),
    dict(session_id="A7", client_id="A", scheduled_start=at("2026-02-16 10:00"), status="no_show", fee=0),
    dict(session_id="A8", client_id="A", scheduled_start=at("2026-02-23 10:00"), status="attended",
         therapist_late_min=5, engagement=2, goal_rating=6, fee=60, paid_on=day("2026-02-23")),
    dict(session_id="B1", client_id="B", therapist_id="T2", scheduled_start=at("2026-01-06 09:00"),
         status="no_show", fee=50),
    dict(session_id="B2", client_id="B", therapist_id="T2", scheduled_start=at("2026-01-13 09:00"),
         status="cancelled", cancelled_at=at("2026-01-10 09:00")),
    dict(session_id="C1", client_id="C", scheduled_start=at("2026-01-07 11:00"), status="attended",
         client_late_min=-3, alliance_rating=40, goal_rating=4),
    dict(session_id="C2", client_id="C", scheduled_start=at("2026-01-14 11:00"), status="late_cancel"),
    dict(session_id="C3", client_id="C", scheduled_start=at("2026-01-21 11:00"), status="attended",
         client_late_min=0, goal_rating=7),
    dict(session_id="C4", client_id="C", scheduled_start=at("2026-03-04 11:00"), status="booked"),
]


@pytest.fixture
def practice(store):
    insert_sessions(store, LOG)
    insert_clients(store, [dict(client_id="A", goal_baseline=2.0)])
    return store


def row(table, client_id):
    return table.set_index("client_id").loc[client_id]


def same(value, expected):
    """Equal to 1e-9, or both undefined."""
    if expected is None:
        return math.isnan(value)
    return value == pytest.approx(expected, abs=1e-9)


def test_counts_classify_every_boundary(practice):
    a = row(client_scores(practice), "A")
    # attended A1 A2 A8; no-show A7; late cancel A4 (23 h 59); timely A3 (24 h) and A5 (unknown); therapist A6
    assert (a.sessions_scheduled, a.attended, a.no_shows, a.late_cancellations,
            a.timely_cancellations, a.therapist_cancellations) == (8, 3, 1, 1, 2, 1)


def test_client_a_scores_by_hand(practice):
    a = row(client_scores(practice), "A")
    assert same(a.attendance, 100 * 3 / (3 + 1 + 1))            # 60
    assert same(a.punctuality, 100 * 1 / 2)                      # A1 on time (5 = grace), A2 late; A8 unknown
    practice_part = 100 * (1.0 + 0.5) / 2                        # 75
    involvement_part = 100 * ((5 - 1) / 4 + (3 - 1) / 4 + (2 - 1) / 4) / 3   # 58.33
    assert same(a.engagement, (practice_part + involvement_part) / 2)        # 66.67
    assert same(a.payment, 100 * 2 / 4)                          # due: A1 A2 A4 A8 (A7 fee 0); on time: A1 (day 7), A8
    assert same(a.therapist_punctuality, 100 * 2 / 3)            # A1 (0) and A8 (5) on time, A2 (10) late
    assert same(a.alliance, 100 * (36 + 38) / 2 / 40)            # 92.5
    assert a.goal_baseline == 2.0                                # the clients file wins over the first rating (3)
    assert a.goal_latest == 6.0
    assert same(a.progress_points, 4.0)
    assert same(a.progress_pct, 100 * 4 / (10 - 2))              # 50
    assert (a.billable_missed, a.billable_amount) == (1, 60.0)   # A4 only: A7's fee of 0 is not billable


def test_never_attended_is_undefined_not_zero(practice):
    b = row(client_scores(practice), "B")
    assert same(b.attendance, 0.0)       # defined: one no-show owed, none attended
    for name in ("punctuality", "engagement", "therapist_punctuality", "alliance",
                 "goal_baseline", "goal_latest", "progress_points", "progress_pct"):
        assert same(b[name], None), name
    assert same(b.payment, 0.0)          # the no-show's fee of 50 is due and unpaid
    assert b.therapist_id == "T2"


def test_booked_sessions_count_nowhere_and_first_rating_is_baseline(practice):
    c = row(client_scores(practice), "C")
    assert c.sessions_scheduled == 3     # C4 is only booked
    assert same(c.attendance, 100 * 2 / 3)
    assert same(c.punctuality, 100.0)    # 3 min early and exactly on time
    assert same(c.engagement, None)      # neither practice nor involvement recorded
    assert same(c.payment, None)         # no fee ever due
    assert same(c.alliance, 100.0)
    assert (c.goal_baseline, c.goal_latest) == (4.0, 7.0)
    assert same(c.progress_pct, 100 * 3 / 6)


def test_columns_follow_the_spec(practice):
    assert tuple(client_scores(practice).columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    assert list(client_scores(practice).client_id) == ["A", "B", "C"]


def test_settings_change_every_score_consistently(practice):
    practice.set_setting("late_cancel_hours", 23)   # A4's 23 h 59 min of notice is now enough
    practice.set_setting("grace_min", 6)            # A2's 6 minutes are now on time
    practice.set_setting("payment_grace_days", 8)   # A2 paid on day 8 is now on time
    a = row(client_scores(practice), "A")
    assert (a.late_cancellations, a.timely_cancellations) == (0, 3)
    assert same(a.attendance, 100 * 3 / 4)
    assert same(a.punctuality, 100.0)
    assert same(a.therapist_punctuality, 100 * 2 / 3)  # A2's therapist was 10 min late: still late
    assert same(a.payment, 100 * 3 / 3)                # A4 is now timely: no fee due; A2 (day 8) on time
    assert (a.billable_missed, a.billable_amount) == (0, 0.0)


def test_window_is_inclusive_then_exclusive(practice):
    a = row(client_scores(practice, since="2026-01-05", until="2026-01-12 10:00"), "A")
    assert a.sessions_scheduled == 1                   # A1 only: A2 starts exactly at `until`
    assert same(a.attendance, 100.0)
    assert a.goal_baseline == 2.0                      # the clients file still gives the baseline


def test_pooled_scores_add_counts_before_dividing(practice):
    clients = client_scores(practice)
    practice_wide = pooled_scores(clients).iloc[0]
    # attended 3 + 0 + 2; owed 5 + 1 + 3 (A: 3+1+1, B: 0+1+0, C: 2+0+1)
    assert same(practice_wide.attendance, 100 * 5 / 9)
    assert practice_wide.clients == 3
    assert same(practice_wide.progress_points, (4.0 + 3.0) / 2)   # B has no progress
    by_therapist = pooled_scores(clients, by="therapist_id").set_index("therapist_id")
    assert same(by_therapist.loc["T2", "attendance"], 0.0)
    assert same(by_therapist.loc["T1", "attendance"], 100 * 5 / 8)
    with pytest.raises(ValueError, match="you provided by='client'"):
        pooled_scores(clients, by="client")


def test_every_score_is_explained_by_its_sessions(practice):
    facts = session_facts(practice, client_id="A")
    assert list(sessions_behind(facts, "attendance").session_id) == ["A1", "A2", "A4", "A7", "A8"]
    assert list(sessions_behind(facts, "punctuality").session_id) == ["A1", "A2"]
    assert list(sessions_behind(facts, "payment").session_id) == ["A1", "A2", "A4", "A8"]
    assert list(sessions_behind(facts, "therapist_punctuality").session_id) == ["A1", "A2", "A8"]
    assert list(sessions_behind(facts, "alliance").session_id) == ["A1", "A2"]
    outcome = dict(zip(facts.session_id, facts.outcome))
    assert outcome == {"A1": "attended", "A2": "attended", "A3": "timely_cancel",
                       "A4": "late_cancel", "A5": "timely_cancel", "A6": "therapist_cancel",
                       "A7": "no_show", "A8": "attended"}
    notice = dict(zip(facts.session_id, facts.notice_hours))
    assert notice["A3"] == 24.0 and notice["A4"] == pytest.approx(23 + 59 / 60)
    with pytest.raises(ValueError, match="Unknown score 'attendence'"):
        sessions_behind(facts, "attendence")


def test_scores_per_month_for_one_client(practice):
    monthly = client_scores(practice, period="month", client_id="A").set_index("period_start")
    assert list(monthly.client_id.unique()) == ["A"]
    january, february = monthly.loc["2026-01-01"], monthly.loc["2026-02-01"]
    assert same(january.attendance, 100 * 2 / 3)    # A1 A2 attended, A4 late cancellation (A3 timely)
    assert same(february.attendance, 100 * 1 / 2)   # A8 attended, A7 no-show (A5 timely, A6 therapist)
    # pooled per month over every client: January adds B1 (no-show), C1 C3 attended, C2 late
    pooled = pooled_scores(client_scores(practice, period="month"), by="period_start").set_index("period_start")
    assert same(pooled.loc["2026-01-01", "attendance"], 100 * (2 + 0 + 2) / (3 + 1 + 3))


def test_pooled_components_add_in_sql_what_pooled_scores_adds(practice):
    weekly = add_scores(pooled_components(practice, "2026-01-05", "2026-01-19", "week")).set_index("period_start")
    # week of 5 January: A1 and C1 attended, B1 a no-show; week of 12 January: A2 attended, C2 a
    # late cancellation, B2 timely (owes nothing, but B had a session: still a client of the week)
    assert weekly.clients.tolist() == [3, 3]
    assert same(weekly.loc["2026-01-05", "attendance"], 100 * 2 / 3)
    assert same(weekly.loc["2026-01-12", "attendance"], 100 * 1 / 2)
    # one therapist: T2 had only B — a no-show, then a timely cancellation (nothing owed: undefined)
    t2 = add_scores(pooled_components(practice, "2026-01-05", "2026-01-19", "week", therapist_id="T2"))
    assert t2.clients.tolist() == [1, 1] and same(t2.attendance[0], 0.0) and same(t2.attendance[1], None)
    # no period: one row for the window; January: attended A1 A2 C1 C3, owed those and A4 B1 C2
    january = add_scores(pooled_components(practice, "2026-01-01", "2026-02-01")).iloc[0]
    assert same(january.attendance, 100 * 4 / 7) and january.clients == 3
    assert pooled_components(practice, "2027-01-01", "2027-02-01").empty      # nobody: no row
    # every count and score as pooled_scores gives them from the clients' rows, in pandas
    for period, therapist in [("week", None), ("month", "T1"), (None, None), (None, "T2")]:
        clients = client_scores(practice, "2026-01-01", "2026-03-01", period=period)
        if therapist:
            clients = clients[clients.therapist_id == therapist]
        expected = pooled_scores(clients, by="period_start" if period else None)
        found = add_scores(pooled_components(practice, "2026-01-01", "2026-03-01", period, therapist))
        columns = ["clients", *COUNT_COLUMNS, *(score.name for score in SCORES)]
        pd.testing.assert_frame_equal(found[columns], expected[columns], check_dtype=False)
    with pytest.raises(ValueError, match="you provided period='day'"):
        pooled_components(practice, period="day")


def test_memoised_reads_follow_the_data(practice):
    from alliance_metrics.review import weekly_review
    first = weekly_review(practice, at("2026-01-05 00:00").date())
    assert weekly_review(practice, at("2026-01-05 00:00").date()) is first        # nothing changed
    insert_sessions(practice, [dict(session_id="A0", client_id="A", scheduled_start=at("2026-01-06 10:00"),
                                    status="no_show")])
    second = weekly_review(practice, at("2026-01-05 00:00").date())
    assert second is not first and "A0" in set(second.sessions.session_id)
    practice.set_setting("late_cancel_hours", 12)                                  # settings count too
    assert weekly_review(practice, at("2026-01-05 00:00").date()) is not second
