"""What the therapist's pages read first, computed ahead of the click.

At a million sessions each of the whole-practice results behind a therapist's page (the weekly
review, the expected progress and the flag's accuracy of the Client page, the Relationships
family) takes seconds to compute the first time after the server starts or the data change, and
what those pages open on (the first client's expected band, the within-client chart's sessions
of the first measure) a third of a second each.
The dashboard calls :func:`prepare` in a background thread once a page has been drawn, and lets
each step start only while no page is being drawn (``ui/state.py``), so that the next page a
therapist opens finds its result memoised (``store.per_data_version``); a page that asks while
its result is being prepared waits for it rather than computing it again.

Only reads: nothing is written, and nothing leaves the process's memory.
"""

from __future__ import annotations

from collections.abc import Callable

from alliance_metrics.caseload import (
    SESSION_MEASURES,
    band_without,
    client_choices,
    client_table,
    expected_progress,
    relationships,
    within_client_points,
)
from alliance_metrics.relations import PEARSON
from alliance_metrics.review import latest_week, weekly_review
from alliance_metrics.store import Store


def prepare(store: Store, therapist_id: str | None = None, before_each: Callable[[], None] = lambda: None) -> None:
    """Compute what the therapist's pages open on, in the order a Monday morning opens them:
    the latest week's review; the Client page's expected progress, flag accuracy and its first
    client's band (the first its picker lists, :func:`~alliance_metrics.caseload.client_choices`);
    the Relationships page's family (Pearson, the page's first choice) and its within-client
    chart's sessions of the first measure — for *therapist_id*'s caseload (None: the whole
    practice, the single user's default). *before_each* is called before each step (the
    dashboard waits there until no page is being drawn)."""
    week = latest_week(store, therapist_id)
    if week is None:     # no sessions: the pages say so, nothing to prepare
        return
    before_each()
    weekly_review(store, week, therapist_id)
    before_each()
    expected_progress(store).accuracy
    before_each()
    choices, _matching = client_choices(client_table(store, therapist_id))
    if choices:   # the client the Client page opens on
        band_without(store, choices[0])
    before_each()
    relationships(store, therapist_id, PEARSON)
    before_each()
    within_client_points(store, therapist_id, next(iter(SESSION_MEASURES)))
