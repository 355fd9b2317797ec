"""What the therapist's pages read first, computed ahead of the click.

At a million sessions each of the whole-practice results behind a therapist's page (the weekly
review, the expected progress and the flag's accuracy of the Client page, the Relationships
family) takes seconds to compute the first time after the server starts or the data change.
The dashboard calls :func:`prepare` in a background thread once a page has been drawn, so that
the next page a therapist opens finds its result memoised (``store.per_data_version``); a page
that asks while its result is being prepared waits for it rather than computing it again.

Only reads: nothing is written, and nothing leaves the process's memory.
"""

from __future__ import annotations

from alliance_metrics.caseload import expected_progress, relationships
from alliance_metrics.relations import PEARSON
from alliance_metrics.review import latest_week, weekly_review
from alliance_metrics.store import Store


def prepare(store: Store, therapist_id: str | None = None) -> None:
    """Compute what the therapist's pages open on, in the order a Monday morning opens them:
    the latest week's review, the Client page's expected progress and flag accuracy, the
    Relationships page's family (Pearson, the page's first choice) — for *therapist_id*'s
    caseload (None: the whole practice, the single user's default)."""
    week = latest_week(store, therapist_id)
    if week is None:     # no sessions: the pages say so, nothing to prepare
        return
    weekly_review(store, week, therapist_id)
    expected_progress(store).accuracy
    relationships(store, therapist_id, PEARSON)
