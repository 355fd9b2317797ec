"""The queries behind the scores: each client's counts, their scores, and each session's facts.

The SQL is in ``alliance_metrics/sql/`` (``client_components.sql`` counts each client's sessions,
``session_facts.sql`` derives each session's facts); the formulas that turn counts into scores
are the pure functions of :mod:`alliance_metrics.scores`. Every window is ``[since, until)``:
*since* inclusive, *until* exclusive, dates or timestamps, None for an open end.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from alliance_metrics import sql
from alliance_metrics.scores import SCORE_COLUMNS, add_progress, add_scores
from alliance_metrics.store import Store


def _as_timestamp(value: date | datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value))


PERIODS = (None, "week", "month", "quarter")


def client_components(store: Store, since=None, until=None, period: str | None = None,
                      client_id: str | None = None) -> pd.DataFrame:
    """Per client, the counts the scores are made of, over ``[since, until)`` (open ends: None).

    With *period* ('week' — weeks start on Monday —, 'month' or 'quarter') there is one row per
    client and period, ``period_start`` giving the period's first day; otherwise one row per
    client and ``period_start`` is empty. *client_id* restricts the result to one client.

    Over all time (no *since*, *until* or *period*) the counts come from the totals the store
    keeps current at every write (``sql/client_totals.sql``); otherwise from the sessions in the
    window. Both are the same SQL (``sql/client_components.sql``).
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}; you provided period={period!r}.")
    since, until = _as_timestamp(since), _as_timestamp(until)
    if since is None and until is None and period is None:
        return store.query_wide("components_all_time", {"client_id": client_id})
    params = {**store.contract_parameters(), "since": since, "until": until, "period": period,
              "client_id": client_id}
    # through Arrow (DuckDB's dtypes kept): 12 weeks of a million sessions, 406,040 rows, 1.02 → 0.67 s
    return store.query_through_arrow(sql.load("components_in_window"), params)


def client_scores(store: Store, since=None, until=None, period: str | None = None,
                  client_id: str | None = None) -> pd.DataFrame:
    """One row per client (and *period*, see :func:`client_components`) with the SPEC §5 columns
    first, then the counts behind them.

    *since* is inclusive and *until* exclusive (dates or timestamps; None = open).
    """
    scored = add_progress(add_scores(client_components(store, since, until, period, client_id)))
    rest = [column for column in scored.columns if column not in SCORE_COLUMNS]
    return scored[[*SCORE_COLUMNS, *rest]]


def pooled_components(store: Store, since=None, until=None, period: str | None = None,
                      therapist_id: str | None = None) -> pd.DataFrame:
    """:func:`client_components` over ``[since, until)`` added up over the clients, per *period*
    (one row for the whole window when None), of every client or only of those whose latest
    therapist in the period is *therapist_id*.

    Columns: ``period_start``, ``clients`` (how many were added) and the counts of
    :data:`~alliance_metrics.scores.COUNT_COLUMNS`; no row for a period without a client. The
    same sums :func:`~alliance_metrics.scores.pooled_scores` takes of :func:`client_scores`,
    added in SQL (``sql/pooled_components.sql``): twelve weeks of a million sessions send twelve
    rows to Python, not 375,000. :func:`~alliance_metrics.scores.add_scores` turns them into the
    pooled scores.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}; you provided period={period!r}.")
    params = {**store.contract_parameters(), "since": _as_timestamp(since), "until": _as_timestamp(until),
              "period": period, "therapist_id": therapist_id}
    return store.query_through_arrow(sql.load("pooled_components"), params)


#: The columns of :func:`session_facts`, in order (docs/data-dictionary.md describes each).
FACT_COLUMNS = (
    "session_id", "client_id", "therapist_id", "scheduled_start", "session_date", "duration_min",
    "status", "cancelled_by", "cancelled_at", "notice_hours", "outcome", "client_late_min",
    "therapist_late_min", "homework_done", "engagement", "alliance_rating", "goal_rating", "fee",
    "paid_on", "paid", "billable", "counts_in_attendance", "client_on_time", "therapist_on_time",
    "payment_due_on", "paid_on_time", "homework_counted", "involvement_counted",
    "counts_in_punctuality", "counts_in_engagement", "counts_in_payment",
    "counts_in_therapist_punctuality", "counts_in_alliance",
)


def session_facts(store: Store, client_id: str | None = None, therapist_id: str | None = None,
                  since=None, until=None, columns: tuple[str, ...] = FACT_COLUMNS) -> pd.DataFrame:
    """Every session in ``[since, until)`` with its derived facts, for one client or all, by
    client then start (then session_id).

    Columns (all, or the *columns* asked for): the session log's, plus ``outcome`` (attended,
    no_show, late_cancel, timely_cancel, therapist_cancel, booked), ``notice_hours``,
    ``billable``, ``client_on_time``, ``therapist_on_time``, ``payment_due_on``, ``paid_on_time``
    and one ``counts_in_<score>`` flag per score — so every score can be explained by the
    sessions behind it.
    """
    unknown = [column for column in columns if column not in FACT_COLUMNS]
    if unknown:
        raise ValueError(f"session_facts has no column {unknown[0]!r}; its columns are {', '.join(FACT_COLUMNS)}.")
    params = {
        **store.contract_parameters(), "client_id": client_id, "therapist_id": therapist_id,
        "since": _as_timestamp(since), "until": _as_timestamp(until),
    }
    # the column names come from FACT_COLUMNS above, never from outside
    return store.query_through_arrow(sql.select("sessions_in_window", columns), params)
