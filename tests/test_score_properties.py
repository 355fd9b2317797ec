"""Properties every registered score shares (as sklearn's test_common does over its metrics)."""

from __future__ import annotations

import math
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
from hypothesis import HealthCheck, given, settings

from alliance_metrics.ingest import import_sessions
from alliance_metrics.score_queries import client_scores
from alliance_metrics.scores import SCORES
from alliance_metrics.store import Store
from tests.conftest import insert_sessions

START = datetime(2026, 1, 5, 9, 0)
NAMES = [score.name for score in SCORES]


@st.composite
def session(draw, number: int) -> dict:
    status = draw(st.sampled_from(["attended", "attended", "cancelled", "late_cancel", "no_show", "booked"]))
    start = START + timedelta(days=7 * number, hours=draw(st.integers(0, 8)))
    row = dict(session_id=f"s{number}", client_id=draw(st.sampled_from(["a", "b", "c"])),
               scheduled_start=start, status=status)
    if status == "cancelled":
        row["cancelled_by"] = draw(st.sampled_from(["client", "therapist"]))
        notice = draw(st.none() | st.integers(0, 96))
        row["cancelled_at"] = None if notice is None else start - timedelta(hours=notice)
    if status == "attended":
        row |= dict(
            client_late_min=draw(st.none() | st.integers(-5, 30)),
            therapist_late_min=draw(st.none() | st.integers(0, 20)),
            homework_done=draw(st.none() | st.sampled_from([0.0, 0.5, 1.0])),
            engagement=draw(st.none() | st.integers(1, 5)),
            alliance_rating=draw(st.none() | st.floats(0, 40, allow_nan=False)),
            goal_rating=draw(st.none() | st.integers(0, 10)),
        )
    if status != "booked":
        row["fee"] = draw(st.none() | st.sampled_from([0.0, 60.0]))
        if row["fee"]:
            row["paid_on"] = draw(st.none() | st.integers(0, 20).map(lambda d: (start + timedelta(days=d)).date()))
    return row


@st.composite
def session_log(draw) -> list[dict]:
    return [draw(session(number)) for number in range(draw(st.integers(0, 14)))]


def scores_of(rows: list[dict]) -> pd.DataFrame:
    store = Store(":memory:")
    insert_sessions(store, rows)
    return client_scores(store).set_index("client_id")[NAMES]


def same_table(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    return left.index.tolist() == right.index.tolist() and all(
        (math.isnan(x) and math.isnan(y)) or abs(x - y) < 1e-9
        for x, y in zip(left.to_numpy().ravel(), right.to_numpy().ravel())
    )


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(session_log())
def test_every_score_is_between_0_and_100_or_undefined(rows):
    values = scores_of(rows).to_numpy().ravel()
    assert all(math.isnan(value) or 0.0 <= value <= 100.0 for value in values)


@PROPERTY
@given(session_log(), st.randoms())
def test_row_order_changes_nothing(rows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    assert same_table(scores_of(rows), scores_of(shuffled))


def import_rows(store: Store, rows: list[dict], path: Path) -> None:
    """Write *rows* as a session-log CSV and import it through the importer."""
    columns = ["session_id", "client_id", "scheduled_start", "status", "cancelled_by", "cancelled_at",
               "client_late_min", "therapist_late_min", "homework_done", "engagement", "alliance_rating",
               "goal_rating", "fee", "paid_on"]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False, date_format="%Y-%m-%d %H:%M")
    import_sessions(store, path)


@PROPERTY
@given(session_log().filter(len), st.integers(1, 14))
def test_a_log_split_into_two_imports_gives_the_same_scores(rows, cut):
    with tempfile.TemporaryDirectory() as folder:
        whole, split = Store(":memory:"), Store(":memory:")
        import_rows(whole, rows, Path(folder) / "whole.csv")
        if rows[:cut]:
            import_rows(split, rows[:cut], Path(folder) / "first.csv")
        if rows[cut:]:
            import_rows(split, rows[cut:], Path(folder) / "second.csv")
        assert same_table(client_scores(split).set_index("client_id")[NAMES],
                          client_scores(whole).set_index("client_id")[NAMES])
        assert same_table(client_scores(whole).set_index("client_id")[NAMES], scores_of(rows))


@PROPERTY
@given(session_log())
def test_an_on_time_attended_session_never_lowers_punctuality_or_attendance(rows):
    before = scores_of(rows)
    extra = dict(session_id="extra", client_id="a", scheduled_start=START - timedelta(days=7),
                 status="attended", client_late_min=0)
    after = scores_of([*rows, extra]).loc["a"]
    for name in ("punctuality", "attendance"):
        old = before.loc["a", name] if "a" in before.index else math.nan
        assert math.isnan(old) or after[name] >= old - 1e-9
        assert after[name] > 0  # the new session alone makes both defined and positive
