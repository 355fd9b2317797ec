"""The therapist's weekly review: the week's headline figures against the four weeks before.

Weeks start on Monday at 00:00 (local time) and end before the next Monday.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from alliance_metrics import sql
from alliance_metrics.attention import (
    FACT_COLUMNS,
    Threshold,
    alert_thresholds,
    attention_by_client,
    billable_missed,
    current_clients,
    needs_attention,
    rule_counts,
)
from alliance_metrics.caseload import expected_progress
from alliance_metrics.i18n import N_, _, current_language, format_date, ngettext, use_language
from alliance_metrics.inventory import client_directory
from alliance_metrics.score_queries import pooled_components, session_facts
from alliance_metrics.scores import SCORES, add_scores
from alliance_metrics.store import Store, per_data_version

COMPARISON_WEEKS = 4

#: The headline figures, in display order: (column of pooled_scores, label, unit). The labels are
#: English, marked for the catalogue; :func:`headlines` gives them in the current language.
HEADLINES = (
    ("attended", N_("Sessions held"), "count"),
    ("missed", N_("Missed sessions"), "count"),
    *((score.name, score.label, "%") for score in SCORES),
    ("billable_amount", N_("Billable (missed)"), "amount"),
)


def monday(day: date | datetime) -> date:
    """The Monday of *day*'s week.

    >>> monday(date(2026, 11, 26))
    datetime.date(2026, 11, 23)
    """
    day = day.date() if isinstance(day, datetime) else day
    return day - timedelta(days=day.weekday())


def latest_week(store: Store, therapist_id: str | None = None) -> date | None:
    """The Monday of the most recent week with a held (not merely booked) session."""
    latest = store.scalar(sql.load("latest_held_session"), {"therapist_id": therapist_id})
    return None if latest is None else monday(latest)


def _pooled(store: Store, since: date, until: date, therapist_id: str | None) -> pd.Series:
    """The scores of ``[since, until)`` pooled over the clients (:func:`scores.pooled_scores`), and
    the missed sessions; empty when no client had a session."""
    table = pooled_components(store, since, until, therapist_id=therapist_id)
    if table.empty:
        return pd.Series(dtype=float)
    pooled = add_scores(table).iloc[0]
    pooled["missed"] = pooled["no_shows"] + pooled["late_cancellations"]
    return pooled


def headlines(store: Store, week_start: date, therapist_id: str | None = None) -> pd.DataFrame:
    """The week's figures beside those of the four weeks before (pooled over those four weeks).

    Counts and amounts of the four weeks are weekly means, so they compare with one week.
    Columns: measure, label (in the current language), unit, this_week, before, change
    (this_week − before).
    """
    week_end = week_start + timedelta(days=7)
    this_week = _pooled(store, week_start, week_end, therapist_id)
    before = _pooled(store, week_start - timedelta(weeks=COMPARISON_WEEKS), week_start, therapist_id)
    rows = []
    for measure, label, unit in HEADLINES:
        now = this_week.get(measure, float("nan"))
        then = before.get(measure, float("nan"))
        if unit != "%" and not before.empty:
            then = then / COMPARISON_WEEKS
        rows.append({"measure": measure, "label": _(label), "unit": unit,
                     "this_week": float(now), "before": float(then)})
    table = pd.DataFrame(rows)
    table["change"] = table.this_week - table.before
    return table


def weekly_trend(store: Store, last_week: date, weeks: int = 12, therapist_id: str | None = None) -> pd.DataFrame:
    """Practice-wide (or one therapist's) scores per week, for the *weeks* weeks ending with *last_week*."""
    since = last_week - timedelta(weeks=weeks - 1)
    # pooled as scores.pooled_scores pools, the sums added in SQL (score_queries.pooled_components)
    return add_scores(pooled_components(store, since, last_week + timedelta(days=7), "week", therapist_id))


@dataclass(frozen=True)
class WeeklyReview:
    """Everything the weekly review shows, for one week and one therapist (or the practice)."""

    week_start: date
    therapist_id: str | None
    headlines: pd.DataFrame
    trend: pd.DataFrame
    sessions: pd.DataFrame      # the week's sessions with their facts and the client's name
    attention: pd.DataFrame     # one row per client: client_id, display_name, reasons, n_reasons;
                                # most reasons first (most_urgent_first)
    billable: pd.DataFrame      # the week's billable missed sessions with amounts
    not_yet_due: pd.DataFrame   # the week's sessions whose fee is unpaid but not due yet
    rule_counts: pd.DataFrame   # code, title, clients: how many clients each rule flagged
    current_clients: int        # clients current at the end of the week
    thresholds: dict[str, Threshold]  # the calibrated thresholds in use, with their source

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def payment_note(self) -> str | None:
        """Why the week's payment may look low, when some of its fees are not due yet: the page's
        and the weekly report's note, in the current language (it names no document the reader
        does not have)."""
        if self.not_yet_due.empty:
            return None
        count = len(self.not_yet_due)
        last = pd.Timestamp(self.not_yet_due.payment_due_on.max()).date()
        return ngettext(
            "Payment counts an unpaid fee as not paid on time even before it is due: {count} of this "
            "week's fees is unpaid but not late yet (due by {day}). The figure rises as it is paid on time.",
            "Payment counts an unpaid fee as not paid on time even before it is due: {count} of this "
            "week's fees are unpaid but not late yet (the last is due by {day}). The figure rises as they "
            "are paid on time.", count).format(count=count, day=format_date(last, "EEEE d MMMM"))


def most_urgent_first(attention: pd.DataFrame) -> pd.DataFrame:
    """The needs-attention list in reading order: the clients with the most reasons first, then
    by name (then code), numbered from 0.

    >>> table = pd.DataFrame({"client_id": ["b", "a", "c"], "display_name": ["Bea", "Ann", "Cy"],
    ...                       "n_reasons": [1, 1, 3]})
    >>> most_urgent_first(table).client_id.tolist()
    ['c', 'a', 'b']
    """
    return attention.sort_values(["n_reasons", "display_name", "client_id"],
                                 ascending=[False, True, True]).reset_index(drop=True)


def fees_not_yet_due(facts: pd.DataFrame, today: date) -> pd.DataFrame:
    """The sessions of *facts* whose fee is unpaid but can still be paid on time on *today*.

    SPEC §4 counts every unpaid fee as not paid on time, due or not, so the payment score of a
    recent week is low until its fees fall due; the weekly review says so. Uses the columns
    ``paid_on`` and ``payment_due_on`` of :func:`alliance_metrics.score_queries.session_facts`
    (the due date is set when a fee is owed: > 0, for a session attended, missed or cancelled late).

    >>> facts = pd.DataFrame({"paid_on": [None, None, date(2026, 3, 4), None],
    ...                       "payment_due_on": [date(2026, 3, 9), date(2026, 3, 2), date(2026, 3, 9), None]})
    >>> fees_not_yet_due(facts, date(2026, 3, 5)).index.tolist()  # unpaid, due on 03-09: not late yet
    [0]
    """
    due = pd.to_datetime(facts.payment_due_on)
    return facts[facts.paid_on.isna() & due.notna() & (due >= pd.Timestamp(today))]


def weekly_review(store: Store, week_start: date, therapist_id: str | None = None,
                  today: date | None = None) -> WeeklyReview:
    """Build the review of the week of *week_start* (any day of it), as seen on *today*.

    *today* (default: the machine's date) only decides which fees are not due yet. Memoised
    until the data, the settings or the day change: a page rerun (another widget touched, a
    page visited again) costs nothing.
    """
    return _weekly_review(store, monday(week_start), therapist_id, today or date.today())


def _in_language(language: str, function, *args, **kwargs):
    """``function(*args, **kwargs)`` in *language* (a thread does not inherit the caller's)."""
    with use_language(language):
        return function(*args, **kwargs)


@per_data_version
def _weekly_review(store: Store, week_start: date, therapist_id: str | None, today: date) -> WeeklyReview:
    week_end = week_start + timedelta(days=7)
    names = client_directory(store)[["client_id", "display_name"]]

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        merged = frame.merge(names, on="client_id", how="left")
        return merged.assign(display_name=merged.display_name.fillna(merged.client_id))

    # every rule looks back (attendance over the last sessions, unpaid fees) and one looks ahead
    # (nothing booked): read the client's whole history, not just the week
    settings = store.settings()
    look_ahead = timedelta(days=int(settings["unbooked_alert_days"]) + 1)
    # the expected progress (every client's goal ratings: seconds at a million sessions) in a
    # thread of its own while this one reads the facts and the headlines: DuckDB's reads and much of
    # pandas release the GIL, so the two overlap on a machine of two cores or more
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="alliance-review") as pool:
        language = current_language()
        progress_ahead = pool.submit(_in_language, language, expected_progress, store, until=week_end)
        facts = session_facts(store, therapist_id=therapist_id, until=week_end + look_ahead,
                              columns=tuple(dict.fromkeys((*FACT_COLUMNS, "goal_rating", "payment_due_on"))))
        thresholds = alert_thresholds(facts, week_start, settings)
        figures = headlines(store, week_start, therapist_id)
        trend = weekly_trend(store, week_start, therapist_id=therapist_id)
        # every other rule is applied while the expected progress is still being computed
        flags = needs_attention(facts, week_start, settings, off_track=lambda: progress_ahead.result().off_track,
                                thresholds=thresholds)
    in_week = facts[(facts.scheduled_start >= pd.Timestamp(week_start)) & (facts.scheduled_start < pd.Timestamp(week_end))
                    ].sort_values(["scheduled_start", "session_id"], ignore_index=True)   # facts: by client
    return WeeklyReview(
        week_start=week_start,
        therapist_id=therapist_id,
        headlines=figures,
        trend=trend,
        sessions=named(in_week),
        attention=most_urgent_first(named(attention_by_client(flags))),
        billable=named(billable_missed(facts, week_start)),
        not_yet_due=named(fees_not_yet_due(in_week, today)),
        rule_counts=rule_counts(flags),
        current_clients=current_clients(facts, week_start, settings),
        thresholds=thresholds,
    )
