"""The weekly review's cheaper inputs (issue 16) give exactly what the plain computation gives, on
the demo practice: thresholds grouped by integer codes instead of client ids, computed once and
handed to needs_attention, and the off-track flag's accuracy computed on first use only."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from alliance_metrics import progress
from alliance_metrics.attention import (
    _CALIBRATED, FACT_COLUMNS, FALLBACK_SPREAD, Threshold, _settings, alert_thresholds, needs_attention,
    reliable_change, within_client_spread,
)
from alliance_metrics.caseload import expected_progress
from alliance_metrics.inventory import client_directory, load_demo_if_empty, therapists
from alliance_metrics.review import latest_week, weekly_review
from alliance_metrics.score_queries import session_facts
from alliance_metrics.store import Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("demo") / "alliance.duckdb")
    assert load_demo_if_empty(store)
    yield store
    store.close()


def thresholds_by_client_id(facts, week_start, settings) -> dict[str, Threshold]:
    """alert_thresholds as it was computed before: the spread grouped by the client ids."""
    values = _settings(settings)
    end = pd.Timestamp(week_start).normalize() + timedelta(days=7)
    held = facts[(pd.to_datetime(facts["scheduled_start"]) < end) & facts["outcome"].eq("attended")]
    found = {}
    for name, (column, window) in _CALIBRATED.items():
        if values[name] > 0:
            found[name] = Threshold(name, float(values[name]), "practice setting")
            continue
        m = 1 if window is None else int(values[window])
        spread, n, k = within_client_spread(held[column], held["client_id"])
        found[name] = (Threshold(name, reliable_change(FALLBACK_SPREAD[column], m), "fallback",
                                 FALLBACK_SPREAD[column], n, k) if spread is None
                       else Threshold(name, reliable_change(spread, m), "computed", spread, n, k))
    return found


def weeks_and_therapists(store):
    latest = latest_week(store)
    for therapist in (None, *therapists(store)):
        for back in (0, 1, 5, 20):
            yield latest - timedelta(weeks=back), therapist


def test_thresholds_and_flags_are_those_of_the_plain_computation(demo):
    settings = demo.settings()
    checked = off_track_flags = 0
    for week, therapist in weeks_and_therapists(demo):
        facts = session_facts(demo, therapist_id=therapist, until=week + timedelta(days=40),
                              columns=tuple(dict.fromkeys((*FACT_COLUMNS, "goal_rating", "payment_due_on"))))
        thresholds = alert_thresholds(facts, week, settings)
        assert thresholds == thresholds_by_client_id(facts, week, settings)
        off_track = expected_progress(demo, until=week + timedelta(days=7)).off_track
        given = needs_attention(facts, week, settings, off_track=off_track, thresholds=thresholds)
        pd.testing.assert_frame_equal(given, needs_attention(facts, week, settings, off_track=off_track))
        # off_track handed over as a function (the weekly review's other thread): the same flags
        pd.testing.assert_frame_equal(given, needs_attention(facts, week, settings, off_track=lambda: off_track,
                                                             thresholds=thresholds))
        checked += len(given)
        off_track_flags += int(given.code.eq("off_track").sum())
    assert checked > 50   # the demo's weeks do flag clients: the comparison is not of empty lists
    assert off_track_flags > 0   # and some for being off track: the function's result is used


def test_the_review_shows_the_thresholds_its_flags_used(demo):
    week, settings = latest_week(demo), demo.settings()
    review = weekly_review(demo, week)
    facts = session_facts(demo, until=week + timedelta(days=7 + int(settings["unbooked_alert_days"]) + 1),
                          columns=tuple(dict.fromkeys((*FACT_COLUMNS, "goal_rating", "payment_due_on"))))
    assert review.thresholds == thresholds_by_client_id(facts, week, settings)
    flags = needs_attention(facts, week, settings,
                            off_track=expected_progress(demo, until=week + timedelta(days=7)).off_track)
    assert review.rule_counts.clients.sum() == len(flags) > 0


def test_flag_accuracy_on_first_use_is_the_one_computed_with_the_band(demo):
    expected = expected_progress(demo)
    assert "accuracy" not in vars(expected)          # not computed until asked for
    settings = demo.settings()
    ratings = demo.query_named("goal_ratings", {"until": None})
    attended = ratings[ratings.status == "attended"]
    last_seen = attended.groupby("client_id")["scheduled_start"].max()
    cutoff = attended["scheduled_start"].max() - pd.Timedelta(days=int(settings["ending_gap_days"]))
    ended = last_seen.index[last_seen < cutoff]
    traj = progress.trajectories(ratings, client_directory(demo)[["client_id", "goal_baseline", "goal_target"]])
    band = progress.expected_band(traj, min_clients=int(settings["expected_band_min_clients"]))
    assert expected.accuracy == progress.flag_accuracy(traj, band, ended)
    assert expected.accuracy.message


def test_the_latest_weeks_expected_progress_is_the_client_pages(demo):
    """An *until* after every session the trajectories read gives the all-time result: one
    computation serves the weekly review and the Client page. An earlier *until* does not."""
    latest_input = demo.scalar("select max(scheduled_start) from sessions "
                               "where status = 'attended' or goal_rating is not null")
    after = pd.Timestamp(latest_input) + timedelta(seconds=1)
    assert expected_progress(demo, until=after) is expected_progress(demo)
    assert expected_progress(demo, until=latest_week(demo) + timedelta(days=7)) is expected_progress(demo)
    week_before = expected_progress(demo, until=latest_week(demo))   # the latest week's ratings left out
    assert week_before is not expected_progress(demo)
    assert len(week_before.trajectories) < len(expected_progress(demo).trajectories)


@pytest.mark.parametrize("kwargs", [{}, {"client_id": "no such client"}, {"columns": FACT_COLUMNS}])
def test_facts_through_arrow_are_duckdbs_own_frame(demo, kwargs):
    """session_facts converts through Arrow for speed: the same columns, dtypes (nullable only
    where a NULL is present) and values as DuckDB's own conversion — on the whole demo practice,
    on an empty result and on the rules' columns."""
    from alliance_metrics import sql
    from alliance_metrics.score_queries import FACT_COLUMNS as ALL

    columns = kwargs.get("columns", ALL)
    params = {**demo.contract_parameters(), "client_id": kwargs.get("client_id"), "therapist_id": None,
              "since": None, "until": None}
    expected = demo.query(sql.select("sessions_in_window", columns), params)
    given = session_facts(demo, **kwargs)
    pd.testing.assert_frame_equal(given, expected)
    assert len(given) == (0 if "client_id" in kwargs else demo.scalar("select count(*) from sessions"))
    if not kwargs:   # the demo has blanks: the nullable dtypes are exercised, not only numpy's
        assert str(given.engagement.dtype) == "Int8" and str(given.client_on_time.dtype) == "boolean"


@pytest.mark.parametrize("name, params", [("goal_ratings", {"until": None}),
                                          ("session_measures", {"therapist_id": None})])
def test_long_reads_through_arrow_are_duckdbs_own_frame(demo, name, params):
    """The expected progress and the within-client relations read their sessions through Arrow:
    the frame DuckDB itself gives, on the demo practice."""
    from alliance_metrics import sql

    given = demo.query_through_arrow(sql.load(name), params)
    pd.testing.assert_frame_equal(given, demo.query_named(name, params))
    assert len(given) > 1000


@pytest.mark.parametrize("window", [{"period": "week", "weeks": 12}, {"period": None, "weeks": 4},
                                    {"period": "month", "weeks": 30, "client_id": "C001"},
                                    {"period": None, "weeks": -2}])   # a window after every session: empty
def test_windowed_counts_through_arrow_are_duckdbs_own_frame(demo, window):
    """Windowed scores (the weekly trend, the headlines, the Client page's months) read their counts
    through Arrow: the frame DuckDB itself gives, empty included."""
    from alliance_metrics.score_queries import client_components

    week = latest_week(demo)
    since, until = week - timedelta(weeks=window["weeks"]), week + timedelta(days=7)
    if window["weeks"] < 0:
        since, until = week + timedelta(weeks=3), week + timedelta(weeks=4)
    params = {**demo.contract_parameters(), "since": pd.Timestamp(since).to_pydatetime(),
              "until": pd.Timestamp(until).to_pydatetime(), "period": window["period"],
              "client_id": window.get("client_id")}
    expected = demo.query_named("components_in_window", params)
    given = client_components(demo, since, until, window["period"], window.get("client_id"))
    pd.testing.assert_frame_equal(given, expected)
    assert (len(given) == 0) == (window["weeks"] < 0)


def test_the_within_client_chart_is_computed_once_per_data_version(demo):
    """The Relationships page's within-client points are memoised (per_data_version): the same frame
    on the next visit, equal to what within_client_values gives."""
    from alliance_metrics.caseload import session_measures, within_client_points
    from alliance_metrics.relations import within_client_values

    first = within_client_points(demo, None, "engagement")
    assert within_client_points(demo, None, "engagement") is first
    pd.testing.assert_frame_equal(first, within_client_values(session_measures(demo), "engagement", "goal_rating"))
    assert len(first) > 100
