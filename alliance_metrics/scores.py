r"""The alliance scores of SPEC §4: each a pure function of a client's counts, with its formula.

The store counts (``sql/session_facts.sql`` derives each session's facts, ``sql/client_components.sql``
counts them per client; :mod:`alliance_metrics.score_queries` runs those queries); the functions
below turn counts into scores. Nothing here reads the database. They take scalars or
pandas Series alike, so one definition serves a single client in a doctest and 50,000 clients
in the dashboard.

Every score is on a 0–100 scale, higher is better, and is **undefined** (``nan``, shown blank)
when its denominator is empty — never 0 in place of "no data".
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from alliance_metrics.i18n import N_


def _percent(numerator, denominator):
    """100 · numerator / denominator, nan where the denominator is not positive."""
    if np.ndim(denominator) == 0:
        return 100.0 * numerator / denominator if denominator > 0 else math.nan
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, 100.0 * numerator / denominator, np.nan)


def attendance_score(attended, no_shows, late_cancellations):
    r"""Attendance: the share of the sessions the client owed that they attended.

    .. math:: \text{attendance} = 100 \cdot \frac{a}{a + s + l}

    where :math:`a` is the number of attended sessions, :math:`s` of no-shows and :math:`l` of
    late cancellations by the client. Timely client cancellations and therapist cancellations
    do not count against the client.

    Range 0–100, best 100. Undefined when :math:`a + s + l = 0`.

    >>> attendance_score(3, 1, 0)
    75.0
    >>> attendance_score(0, 0, 0)
    nan
    """
    return _percent(attended, attended + no_shows + late_cancellations)


def punctuality_score(on_time_arrivals, timed_arrivals):
    r"""Punctuality: the share of attended sessions at which the client arrived on time.

    .. math:: \text{punctuality} = 100 \cdot \frac{o}{t}

    where :math:`t` is the number of attended sessions with a known ``client_late_min`` and
    :math:`o` those with ``client_late_min`` ≤ ``grace_min`` (5 minutes by default; exactly
    ``grace_min`` late is on time).

    Range 0–100, best 100. Undefined when no attended session records lateness.

    >>> punctuality_score(3, 4)
    75.0
    """
    return _percent(on_time_arrivals, timed_arrivals)


def engagement_score(homework_sum, homework_n, involvement_sum, involvement_n):
    r"""Engagement: the mean of the practice and involvement components the log has.

    .. math::
        P = 100 \cdot \frac{1}{n_h} \sum h_i, \qquad
        I = 100 \cdot \frac{1}{n_e} \sum \frac{e_i - 1}{4}, \qquad
        \text{engagement} = \operatorname{mean}(\{P, I\} \text{ that are defined})

    over attended sessions only, where :math:`h_i \in [0, 1]` is the share of agreed practice
    done (``homework_done``; blank when none was agreed) and :math:`e_i \in \{1..5\}` the
    therapist-rated involvement (``engagement``). The arguments are the sums and counts:
    ``homework_sum`` = :math:`\sum h_i`, ``involvement_sum`` = :math:`\sum (e_i - 1)/4`.

    Range 0–100, best 100. Undefined when neither component has a value.

    >>> engagement_score(1.5, 2, 1.0, 2)   # P = 75, I = 50
    62.5
    >>> engagement_score(0, 0, 0.75, 1)    # practice never agreed: I alone
    75.0
    """
    practice = _percent(homework_sum, homework_n)
    involvement = _percent(involvement_sum, involvement_n)
    if np.ndim(practice) == 0:
        defined = [value for value in (practice, involvement) if not math.isnan(value)]
        return sum(defined) / len(defined) if defined else math.nan
    components = np.vstack([practice, involvement])
    defined = ~np.isnan(components)
    count = defined.sum(axis=0)
    total = np.where(defined, components, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def payment_score(paid_on_time, payable):
    r"""Payment: the share of fees due that were paid in full on time.

    .. math:: \text{payment} = 100 \cdot \frac{p}{f}

    where :math:`f` counts the attended sessions, no-shows and late cancellations with
    ``fee`` > 0, and :math:`p` those whose ``paid_on`` ≤ session date + ``payment_grace_days``
    (7 by default). A fee still unpaid counts as not paid on time.

    A log without ``paid_on`` may carry a ``paid`` flag instead (Paid/Unpaid, oui/non): a
    paid session counts as paid on time; an unpaid one counts in :math:`f` only once the
    session is more than ``payment_grace_days`` before the day of the import that brought it;
    a session with neither is not in :math:`f` (SPEC §4).

    Range 0–100, best 100. Undefined when no fee was due — or none is known to be paid or not,
    never 0 for "no data".

    >>> payment_score(9, 10)
    90.0
    """
    return _percent(paid_on_time, payable)


def therapist_punctuality_score(therapist_on_time_starts, therapist_timed_starts):
    r"""Therapist punctuality: the therapist's own side of the contract.

    .. math:: \text{therapist\_punctuality} = 100 \cdot \frac{o_T}{t_T}

    where :math:`t_T` is the number of attended sessions with a known ``therapist_late_min``
    and :math:`o_T` those that began at most ``grace_min`` late because of the therapist.

    Range 0–100, best 100. Undefined when no attended session records it.

    >>> therapist_punctuality_score(4, 4)
    100.0
    """
    return _percent(therapist_on_time_starts, therapist_timed_starts)


def alliance_score(alliance_sum, alliance_n):
    r"""Alliance: the client's mean session alliance rating, as a share of the scale's maximum.

    .. math:: \text{alliance} = 100 \cdot \frac{\bar r}{40}

    where :math:`\bar r` is the mean ``alliance_rating`` (0–40, e.g. the Session Rating Scale
    total; Duncan et al. 2003) over the sessions that carry one. The alliance–outcome link
    across clients is r ≈ .28 (Flückiger et al. 2018).

    Range 0–100, best 100. Undefined when no session is rated.

    >>> alliance_score(72.0, 2)   # ratings 36 and 36
    90.0
    """
    return _percent(alliance_sum / 40.0, alliance_n)


def progress_points(goal_baseline, goal_latest):
    r"""Progress toward the goal, in points of the 0–10 goal scale.

    .. math:: \text{progress\_points} = g_{latest} - g_{baseline}

    :math:`g_{baseline}` is the clients file's ``goal_baseline`` when given, else the first
    ``goal_rating``; :math:`g_{latest}` the last ``goal_rating`` by scheduled start. Negative
    when the client rates themself further from the goal. Undefined without ratings.

    >>> progress_points(3.0, 7.0)
    4.0
    """
    return goal_latest - goal_baseline


def progress_pct(goal_baseline, goal_latest, goal_target):
    r"""Progress as a percentage of the way from baseline to target (goal attainment).

    .. math:: \text{progress\_pct} = 100 \cdot \frac{g_{latest} - g_{baseline}}{g_{target} - g_{baseline}}

    :math:`g_{target}` defaults to 10. The idea of scaling attainment to each client's own
    starting point and goal follows goal attainment scaling (Kiresuk & Sherman 1968).
    Not bounded: below 0 when the client moved away from the goal, above 100 past the target.
    Undefined without ratings or when the baseline already equals the target.

    >>> progress_pct(4.0, 7.0, 10.0)
    50.0
    >>> progress_pct(10.0, 10.0, 10.0)
    nan
    """
    return _percent(goal_latest - goal_baseline, goal_target - goal_baseline)


@dataclass(frozen=True)
class Score:
    """A registered score: its column name, its function and its label."""

    name: str
    function: Callable
    label: str

    @property
    def arguments(self) -> tuple[str, ...]:
        """The count columns the score is computed from (the function's parameter names)."""
        return tuple(inspect.signature(self.function).parameters)

    def compute(self, components: pd.DataFrame) -> pd.Series:
        values = self.function(**{name: components[name] for name in self.arguments})
        return pd.Series(values, index=components.index, dtype=float, name=self.name)


#: Every 0–100 score, in SPEC §5's column order. Tests check shared properties over this registry.
SCORES: tuple[Score, ...] = (
    Score("attendance", attendance_score, N_("Attendance")),
    Score("punctuality", punctuality_score, N_("Punctuality")),
    Score("engagement", engagement_score, N_("Engagement")),
    Score("payment", payment_score, N_("Payment")),
    Score("therapist_punctuality", therapist_punctuality_score, N_("Therapist punctuality")),
    Score("alliance", alliance_score, N_("Alliance (client-rated)")),
)
SCORES_BY_NAME = {score.name: score for score in SCORES}

#: The columns of ``python -m alliance_metrics scores`` (SPEC §5), in order.
SCORE_COLUMNS = (
    "client_id", "therapist_id", "sessions_scheduled", "attended", "no_shows",
    "late_cancellations", "timely_cancellations", "therapist_cancellations",
    *(score.name for score in SCORES),
    "goal_baseline", "goal_latest", "progress_points", "progress_pct",
)

#: The summed counts from which every score is computed: adding them over clients pools them.
COUNT_COLUMNS = (
    "sessions_scheduled", "attended", "no_shows", "late_cancellations", "timely_cancellations",
    "therapist_cancellations", "on_time_arrivals", "timed_arrivals", "homework_sum", "homework_n",
    "involvement_sum", "involvement_n", "paid_on_time", "payable", "therapist_on_time_starts",
    "therapist_timed_starts", "alliance_sum", "alliance_n", "billable_missed", "billable_amount",
)


def add_scores(components: pd.DataFrame) -> pd.DataFrame:
    """Return *components* with every registered score added (replacing any already there)."""
    scored = pd.DataFrame({score.name: score.compute(components) for score in SCORES},
                          index=components.index)
    return pd.concat([components.drop(columns=scored.columns, errors="ignore"), scored], axis=1)


def add_progress(components: pd.DataFrame) -> pd.DataFrame:
    """Return *components* with ``progress_points`` and ``progress_pct`` added."""
    baseline = components["goal_baseline"].astype(float)
    latest = components["goal_latest"].astype(float)
    target = components["goal_target"].astype(float)
    return components.assign(
        progress_points=pd.Series(progress_points(baseline, latest), index=components.index, dtype=float),
        progress_pct=pd.Series(progress_pct(baseline, latest, target), index=components.index, dtype=float),
    )


def pooled_scores(client_table: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Scores pooled over clients: per therapist, per period or both, or practice-wide (None).

    Pooling adds the clients' counts, then applies the same formulas — so practice attendance is
    all attended sessions over all sessions owed, each session weighing the same. Progress is the
    mean over the clients whose progress is defined. ``clients`` counts the clients pooled.
    *client_table* is the output of :func:`~alliance_metrics.score_queries.client_scores`; *by* is None, ``"therapist_id"``,
    ``"period_start"`` or a list of both.
    """
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    if not set(keys) <= {"therapist_id", "period_start"}:
        raise ValueError(
            "pooled_scores groups by 'therapist_id', 'period_start', both, or None (practice-wide); "
            f"you provided by={by!r}."
        )
    frame = client_table.assign(practice="practice") if not keys else client_table
    group = frame.groupby(keys or ["practice"], sort=True)
    pooled = group[list(COUNT_COLUMNS)].sum()
    pooled.insert(0, "clients", group["client_id"].nunique())
    pooled = add_scores(pooled).join(group[["progress_points", "progress_pct"]].mean())
    pooled = pooled.reset_index()
    return pooled if keys else pooled.drop(columns=["practice"])


def sessions_behind(facts: pd.DataFrame, score: str) -> pd.DataFrame:
    """The sessions that count in *score*, from a :func:`~alliance_metrics.score_queries.session_facts` frame.

    >>> sessions_behind(pd.DataFrame({"counts_in_attendance": [True, False]}), "attendance").index.tolist()
    [0]
    """
    if score not in SCORES_BY_NAME:
        raise ValueError(f"Unknown score {score!r}. Known scores are: {', '.join(SCORES_BY_NAME)}.")
    return facts[facts[f"counts_in_{score}"].fillna(False).astype(bool)]
