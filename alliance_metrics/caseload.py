"""The therapist's caseload, read from the store and shaped for the therapist pages.

Identified data: client names and goals appear here. Only therapist pages call this module;
the supervisor's pages read :mod:`alliance_metrics.anonymise` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from alliance_metrics import progress, sql
from alliance_metrics.i18n import N_, _
from alliance_metrics.inventory import client_directory
from alliance_metrics.relations import relationship_family, within_client_values
from alliance_metrics.score_queries import client_scores
from alliance_metrics.scores import SCORES
from alliance_metrics.store import Store, per_data_version

#: Session-level measures that can be related to the goal rating within clients (English labels,
#: marked for the catalogue: translate them where shown).
SESSION_MEASURES = {
    "engagement": N_("Engagement rating (1–5, therapist-rated)"),
    "homework_done": N_("Practice done (0–1)"),
    "client_late_min": N_("Client lateness (minutes)"),
    "alliance_rating": N_("Session alliance rating (0–40)"),
}


def _for_therapist(frame: pd.DataFrame, therapist_id: str | None) -> pd.DataFrame:
    return frame if therapist_id is None else frame[frame.therapist_id == therapist_id]


@per_data_version
def client_table(store: Store, therapist_id: str | None = None, since=None, until=None) -> pd.DataFrame:
    """Every client's scores and progress, with their display name and goal. Memoised per data
    version (shared: callers only read it): at a million sessions the merge with the clients file
    took 0.12 s of every run of the Client page."""
    scores = _for_therapist(client_scores(store, since, until), therapist_id)
    names = client_directory(store)[["client_id", "display_name", "goal", "contract_signed_on", "intake_date"]]
    table = scores.merge(names, on="client_id", how="left")
    table["display_name"] = table.display_name.fillna(table.client_id)
    return table


def client_label(table: pd.DataFrame) -> dict[str, str]:
    """client_id → "Name (id)" for pickers (the id alone when the client has no name)."""
    named = table.display_name != table.client_id
    labels = (table.display_name + " (" + table.client_id + ")").where(named, table.client_id)
    return dict(zip(table.client_id.tolist(), labels.tolist()))   # lists: not 60,000 Arrow scalars


#: The most clients a picker lists at once. A browser draws a few hundred options at once; 57,526
#: (a million sessions) made the Client page send 1.2 MB and take seconds to draw. Beyond it, the
#: page asks for part of a name or an id (:func:`client_choices`).
PICKER_LIMIT = 200


def _folded(text: pd.Series) -> pd.Series:
    """Text without case or accents, for searching: 'Éloïse' → 'eloise'."""
    return (text.str.normalize("NFKD").str.encode("ascii", errors="ignore").str.decode("ascii")
            .str.casefold())


def client_choices(table: pd.DataFrame, search: str = "", limit: int = PICKER_LIMIT,
                   keep: str | None = None) -> tuple[list[str], int]:
    """The client_ids a picker lists, and how many clients match *search*.

    *search* matches any part of the display name or the id, ignoring case and accents; empty, it
    matches everyone. When more than *limit* match, the *limit* seen most recently
    (``last_session``) are listed. *keep* (the client open now) is listed whenever it matches.
    Clients keep the order of *table*.

    >>> table = pd.DataFrame({"client_id": ["c1", "c2", "c3"], "display_name": ["Éloïse", "Marc", "Elodie"],
    ...     "last_session": pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-16"])})
    >>> client_choices(table, "elo")
    (['c1', 'c3'], 2)
    >>> client_choices(table, limit=2), client_choices(table, limit=2, keep="c1")
    ((['c2', 'c3'], 3), (['c1', 'c3'], 3))
    >>> client_choices(table, "C2")
    (['c2'], 1)
    """
    matches = pd.Series(True, index=table.index)
    if search.strip():
        wanted = _folded(pd.Series([search.strip()])).iloc[0]
        matches = (_folded(table.display_name.fillna("")).str.contains(wanted, regex=False)
                   | _folded(table.client_id).str.contains(wanted, regex=False))
    found = table[matches]
    if len(found) > limit:
        recency = found.last_session.rank(method="first", ascending=False, na_option="bottom")
        kept = found.client_id == keep
        if kept.any() and recency[kept].iloc[0] > limit:   # make room for the client open now
            found = found[(recency < limit) | kept]
        else:
            found = found[recency <= limit]
    return found.client_id.tolist(), int(matches.sum())


@dataclass(frozen=True)
class ExpectedProgress:
    """The practice's goal trajectories, its expected band and who is off track."""

    trajectories: pd.DataFrame
    band: progress.ExpectedBand
    off_track: pd.DataFrame
    ended: pd.Index                   # clients who have ended (no attended session for ending_gap_days)

    @cached_property
    def accuracy(self) -> progress.FlagAccuracy:
        """How well the flag foretold a poor ending, on the ended clients. Computed on first use
        (the Client page's): it replays the flag over every client's history, about 4 s at a
        million sessions, which the weekly review does not need."""
        return progress.flag_accuracy(self.trajectories, self.band, self.ended, flags=self.off_track)


def expected_progress(store: Store, until=None) -> ExpectedProgress:
    """Trajectories of the whole practice (the band needs every client), up to *until*
    (exclusive; None: all). Memoised per data version; an *until* after the latest session it
    reads is the same as none — the weekly review of the latest week and the Client page share
    one computation (seconds at a million sessions)."""
    if until is not None:
        latest = store.scalar(sql.load("latest_goal_input"))
        if latest is None or pd.Timestamp(until) > pd.Timestamp(latest):
            until = None
    return _expected_progress(store, until)


@per_data_version
def _expected_progress(store: Store, until) -> ExpectedProgress:
    ratings = store.query_through_arrow(sql.load("goal_ratings"), {"until": until})
    clients = client_directory(store)[["client_id", "goal_baseline", "goal_target"]]
    traj = progress.trajectories(ratings, clients)
    settings = store.settings()
    band = progress.expected_band(traj, min_clients=int(settings["expected_band_min_clients"]))
    # ended: no attended session in the ending_gap_days before the practice's latest one
    attended = ratings[ratings.status == "attended"]
    last_seen = attended.groupby("client_id")["scheduled_start"].max()
    cutoff = attended["scheduled_start"].max() - pd.Timedelta(days=int(settings["ending_gap_days"]))
    ended = last_seen.index[last_seen < cutoff]
    return ExpectedProgress(traj, band, progress.off_track(traj, band), ended)


@per_data_version
def band_without(store: Store, client_id: str) -> progress.ExpectedBand:
    """The expected band of *client_id*'s start level drawn from every other client who started
    at that level — the one that client is judged against (:func:`alliance_metrics.progress.off_track`,
    leave-one-out), for their chart. A level's band reads only its own clients' ratings, so the
    other levels are left out (at a million sessions: 0.53 → 0.31 s a client). Empty for a
    client without goal ratings."""
    traj = expected_progress(store).trajectories
    level = traj.start_level[traj.client_id == client_id].unique()[:1]
    return progress.expected_band(traj[traj.start_level.isin(level) & (traj.client_id != client_id)],
                                  min_clients=int(store.settings()["expected_band_min_clients"]))


def session_measures(store: Store, therapist_id: str | None = None) -> pd.DataFrame:
    """Attended sessions with the session-level measures and the goal rating, for the relations."""
    return store.query_through_arrow(sql.load("session_measures"), {"therapist_id": therapist_id})


@per_data_version
def within_client_points(store: Store, therapist_id: str | None, measure: str) -> pd.DataFrame:
    """The within-client chart's sessions: *measure* and the goal rating of each attended session,
    each against the client's own usual and trend (:func:`~alliance_metrics.relations.within_client_values`).
    Memoised per data version: 0.9 s of every visit to the Relationships page at a million sessions."""
    return within_client_values(session_measures(store, therapist_id), measure, "goal_rating")


@per_data_version
def relationships(store: Store, therapist_id: str | None = None, method: str = "pearson") -> pd.DataFrame:
    """Every score × design of the Relationships page, Holm-adjusted
    (:func:`alliance_metrics.relations.relationship_family`): between clients adjusted for
    sessions attended, within clients and session to session on the session measures."""
    table = client_table(store, therapist_id)
    attended = _("sessions attended")   # the covariate's name is read in the readings ("adjusted for …")
    return relationship_family(table.assign(**{attended: table.attended}),
                               session_measures(store, therapist_id),
                               {score.name: _(score.label) for score in SCORES},
                               {name: _(label) for name, label in SESSION_MEASURES.items()},
                               adjust_for=attended, method=method)
