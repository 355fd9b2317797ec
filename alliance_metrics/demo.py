"""A seeded, deterministic demo practice: a session log and a clients file.

:func:`generate_practice` builds a realistic but entirely fictitious practice
with numpy's ``default_rng(seed)``; the same arguments always give the same
frames. :func:`write_practice` writes them as the two CSV files of SPEC §3
(``data/demo/`` holds the default practice, written by this module).

What is generated (defaults: 3 therapists, 60 clients, 52 weeks ending on
2026-11-20; about 22 sessions per client, booked ones included: 1,200–1,500
rows at the defaults depending on the seed, about 1.1 million at 50,000
clients — made in a few seconds):

- **Therapists** ``T01``, ``T02``, … each with one fee from 60 to 90 (steps of 5,
  distinct while there are at most seven therapists).
  ``T01`` starts late more often (about 18 % of attended sessions, 5–15 min)
  than the others (about 4 %). Even-numbered therapists record a timely or
  therapist cancellation with fee 0, the others leave the fee blank.
- **Clients** ``C001``, ``C002``, … (wider ids past 999), spread evenly over the
  therapists, with intake dates through the year (about a quarter already in
  therapy in the first eight weeks, the rest uniform over the year) and
  therapies of varied length (a quarter short, 4–12 weeks; the rest longer),
  so that clients start and end all year round.
  Each has one weekly slot (Monday–Friday, on the hour from 09:00 to 17:00,
  slots of one therapist distinct while there are at most 45 clients) and a
  duration of 60 minutes (some 45 or 90). The first session, on the intake
  date, is always attended and rated; the contract is signed that day (a few
  ``contract_signed_on`` are blank). ``display_name`` is a fake first name and
  initial ("Amélie D."), ``goal`` a short French or English goal.
- **A latent commitment** per client drives attendance, lateness, homework,
  engagement, payment and the pace of goal progress, and is correlated with
  the client's alliance level, so that across clients the Pearson correlation
  of mean ``alliance_rating`` with progress (latest goal rating − baseline) is
  about .28, the meta-analytic alliance–outcome correlation (Flückiger et al.,
  2018, *Psychotherapy* 55(4), 316–340). It is a population value: one sample
  of 60 clients scatters around it.
- **Statuses** (``session`` rows up to ``end``): therapist cancellations about
  2 % (``cancelled``, ``cancelled_by`` therapist, 1–10 days' notice); timely
  client cancellations 2–7 % per client (``cancelled``, 2–7 days' notice, 15 %
  with blank ``cancelled_at``); billable misses (no-shows and late
  cancellations, half each) from about 1 % to 25 % per client. A late
  cancellation is either ``late_cancel`` (``cancelled_at`` 1–23 h before, or
  blank) or ``cancelled`` by the client with ``cancelled_at`` 1–23 h before.
- **Booked sessions**: clients still in therapy (not finished, not dropped out)
  have their sessions of the two weeks after ``end`` with status ``booked``
  — an extension of SPEC §3's statuses: booked, no outcome yet, every outcome
  column blank. No ``booked`` row falls on or before ``end``.
- **Attended sessions** carry: ``client_late_min`` (0, blank 8 %, else 3–25 for
  a client-dependent share), ``therapist_late_min`` (0, 5–15, blank 2 %),
  ``homework_done`` (blank for the quarter of clients with no practice agreed
  and at intake; otherwise steps of 1/2, 1/4 or 1/7 depending on the client),
  ``engagement`` 1–5 (blank 3 %), ``alliance_rating`` 0–40 with one decimal
  (mean about 37, blank 10 %) and ``goal_rating`` 0–10 (85 % of attended
  sessions, always at intake). Other statuses leave these blank.
- **Goals**: the first rating is the baseline (1–6); ratings then climb toward
  a ceiling of 8–10 at a client-dependent pace with ±1 noise. The clients
  file's ``goal_baseline`` repeats the first rating (blank for 15 % of clients,
  so the first rating is used); ``goal_target`` is 10 (8 for 15 %).
- **Stalled clients** (``stalled``, about one in twelve, among clients with at
  least ten past sessions): their ratings flatten 0–0.6 points above
  baseline after a few sessions.
- **Drop-outs** (``dropped_out``, about one in five of the clients who could
  drop out, more likely the less committed — the rate of Swift & Greenberg's
  2012 meta-analysis, *J. Consult. Clin. Psychol.* 80(4):547–559): after one to
  a dozen or so sessions their last two or three sessions are no-shows, then
  nothing; their last session is at least four weeks before ``end``.
- **Money**: ``fee`` on attended sessions, no-shows and late cancellations;
  ``paid_on`` the session day (mostly), within a week, or 8–40 days later for
  a client-dependent share; a payment that would fall after ``end`` is blank
  (unpaid yet).

Frames hold canonical SPEC §3 names in SPEC order. Dtypes: ids and labels
``str``; ``scheduled_start``, ``cancelled_at`` and the date columns
``datetime64[us]`` (dates at midnight); ``duration_min`` ``int64``; the
integer columns that can be blank ``Int64``; ``homework_done`` and
``alliance_rating`` ``float64``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

# Not chosen for its findings: the built-in effects are tested across seeds 1–20
# (tests/test_demo_seeds.py), and no sentence of the README or the pages depends on this one.
DEFAULT_SEED = 2026

SESSION_COLUMNS = (
    "session_id", "client_id", "therapist_id", "scheduled_start", "duration_min",
    "status", "cancelled_by", "cancelled_at", "client_late_min", "therapist_late_min",
    "homework_done", "engagement", "alliance_rating", "goal_rating", "fee", "paid_on",
)
CLIENT_COLUMNS = (
    "client_id", "display_name", "goal", "goal_baseline", "goal_target",
    "intake_date", "contract_signed_on", "therapist_id",
)

_FIRST_NAMES = (
    "Amélie", "Camille", "Léa", "Chloé", "Manon", "Inès", "Juliette", "Zoé", "Éloïse",
    "Margaux", "Océane", "Gaëlle", "Hélène", "Noémie", "Maëlle", "Hugo", "Lucas",
    "Théo", "Louis", "Antoine", "Mathis", "Julien", "Clément", "Baptiste", "Sébastien",
    "Benoît", "Étienne", "Jérôme", "Aurélien", "Olivia", "Emma", "Charlotte", "Grace",
    "Sophie", "Hannah", "Lucy", "Emily", "Ruby", "Megan", "Oliver", "Jack", "Harry",
    "George", "Thomas", "James", "William", "Daniel", "Samuel", "Ethan",
)
_INITIALS = tuple("ABCDFGHJKLMNPRSTV")
_GOALS = (
    "Sleep through the night",
    "Retrouver confiance à l'oral",
    "Manage panic attacks at work",
    "Mieux gérer le stress au travail",
    "Arrêter de fumer",
    "Feel calmer before exams",
    "Apaiser les ruminations du soir",
    "Set boundaries with family",
    "Reprendre le sport sans douleur",
    "Prendre la parole en réunion",
    "Cope with grief",
    "Retrouver un sommeil réparateur",
    "Réduire l'anxiété en voiture",
    "Build a steady morning routine",
    "Mieux vivre une douleur chronique",
    "Préparer l'accouchement sereinement",
    "Stop procrastinating on my thesis",
    "Gérer la colère avec les enfants",
    "Feel at ease in social settings",
    "Retrouver de l'énergie après un burn-out",
)

# Effect sizes of the latent commitment z ~ N(0, 1). ALLIANCE_LOADING is the
# correlation of a client's alliance level with z and GOAL_PACE_LOADING the
# log-scale effect of z on the pace of goal progress; together they were tuned
# (on 50,000 clients) to an alliance–progress correlation of about .28.
ALLIANCE_LOADING = 0.7
GOAL_PACE_LOADING = 0.7
THERAPIST_CANCEL_RATE = 0.02
SLOTS_PER_WEEK = 45  # Monday–Friday x 09:00–17:00 starts
BOOKED_AHEAD_DAYS = 14
DROPOUT_QUIET_DAYS = 28
DROPOUT_RATE = 0.2  # Swift & Greenberg (2012): about one client in five drops out

# Internal status codes.
_ATTENDED, _THERAPIST_CANCEL, _TIMELY_CANCEL, _LATE_CANCEL, _NO_SHOW, _SCHEDULED = range(6)


@dataclass(frozen=True)
class DemoPractice:
    """A generated practice: session log, clients file and the built-in effects.

    Attributes
    ----------
    sessions : pandas.DataFrame
        SPEC §3 session-log columns (``SESSION_COLUMNS``), one row per scheduled
        session, sorted by client then time.
    clients : pandas.DataFrame
        SPEC §3 clients-file columns (``CLIENT_COLUMNS``), one row per client.
    stalled : frozenset of str
        client_ids whose goal ratings flatten early, well below the typical
        trajectory.
    dropped_out : frozenset of str
        client_ids who drop out: last sessions no-shows, then nothing.
    """

    sessions: pd.DataFrame
    clients: pd.DataFrame
    stalled: frozenset[str]
    dropped_out: frozenset[str]


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _standardised(x: np.ndarray, orthogonal_to: np.ndarray | None = None) -> np.ndarray:
    """*x* centred, made uncorrelated with *orthogonal_to*, and scaled to unit SD."""
    x = x - x.mean()
    if orthogonal_to is not None and x.size > 1:
        x = x - (x @ orthogonal_to) / (orthogonal_to @ orthogonal_to) * orthogonal_to
    sd = x.std()
    return x / sd if sd > 0 else x


def _ids(prefix: str, n: int, min_width: int) -> np.ndarray:
    """``C001``-style ids numbered from 1, zero-padded to fit *n*."""
    width = max(min_width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)])


def _pick(rng: np.random.Generator, eligible: np.ndarray, k: int,
          weights: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of *k* clients drawn without replacement among *eligible*."""
    candidates = np.flatnonzero(eligible)
    mask = np.zeros(eligible.size, dtype=bool)
    if candidates.size == 0:
        return mask
    p = None if weights is None else weights[candidates] / weights[candidates].sum()
    mask[rng.choice(candidates, size=min(k, candidates.size), replace=False, p=p)] = True
    return mask


def _within_client(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each row, the sum of *values* over the earlier rows of the same client.

    Rows are grouped by client, ``counts[c]`` rows for client ``c`` in order.
    """
    running = np.cumsum(values) - values
    first_row = np.cumsum(counts) - counts
    return running - np.repeat(running[first_row[counts > 0]], counts[counts > 0])


def _nullable_int(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """*values* as pandas ``Int64``, missing where *present* is False."""
    return pd.arrays.IntegerArray(np.where(present, values, 0).astype("int64"), ~present)


def generate_practice(
    seed: int = DEFAULT_SEED,
    n_therapists: int = 3,
    n_clients: int = 60,
    weeks: int = 52,
    end: date = date(2026, 11, 20),
) -> DemoPractice:
    """Generate a fictitious practice, the same for the same arguments.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``.
    n_therapists : int
        Number of therapists, ``T01`` … (at least 1).
    n_clients : int
        Number of clients, ``C001`` … (at least 1).
    weeks : int
        Calendar weeks covered, the last one holding *end* (at least 2).
    end : datetime.date
        Last day with outcomes; sessions in the two weeks after it are
        ``booked``.

    Returns
    -------
    DemoPractice
        Sessions, clients and the ids of stalled and dropped-out clients; see
        the module docstring for every built-in effect.

    Raises
    ------
    ValueError
        If a count is below its minimum.

    Examples
    --------
    >>> practice = generate_practice(n_clients=5, weeks=4)
    >>> sorted(practice.clients["client_id"])
    ['C001', 'C002', 'C003', 'C004', 'C005']
    >>> practice.sessions["status"].iloc[0]
    'attended'
    """
    if n_therapists < 1 or n_clients < 1 or weeks < 2:
        raise ValueError(
            "generate_practice needs n_therapists >= 1, n_clients >= 1 and weeks >= 2; "
            f"you provided n_therapists={n_therapists}, n_clients={n_clients}, weeks={weeks}."
        )
    rng = np.random.default_rng(seed)
    n = n_clients

    # --- therapists -----------------------------------------------------------
    therapist_ids = _ids("T", n_therapists, 2)
    fees = np.arange(60, 91, 5)
    therapist_fee = rng.choice(fees, size=n_therapists, replace=n_therapists > fees.size)
    therapist_late_p = np.where(np.arange(n_therapists) == 0, 0.18, 0.04)
    zero_fee_when_free = np.arange(1, n_therapists + 1) % 2 == 0

    # --- clients: traits --------------------------------------------------------
    therapist = rng.permutation(np.arange(n) % n_therapists)
    z = _standardised(rng.standard_normal(n))  # commitment
    alliance_level = ALLIANCE_LOADING * z + np.sqrt(1 - ALLIANCE_LOADING**2) * _standardised(
        rng.standard_normal(n), orthogonal_to=z)
    alliance_mean = np.clip(37.0 + 1.8 * alliance_level, 30.0, 39.8)
    goal_pace = 0.07 * np.exp(GOAL_PACE_LOADING * z + 0.25 * rng.standard_normal(n))
    goal_ceiling = rng.uniform(8.0, 10.0, n)
    baseline = rng.choice(np.arange(1, 7), size=n, p=[0.1, 0.2, 0.25, 0.2, 0.15, 0.1])
    miss_p = np.clip(_expit(-3.2 - 0.8 * z + 0.6 * rng.standard_normal(n)), 0.0, 0.25)
    timely_p = rng.uniform(0.02, 0.07, n)
    client_late_p = _expit(-2.4 - 0.5 * z + 0.5 * rng.standard_normal(n))
    late_payer_p = rng.beta(1.0, 8.0, n)
    practice_agreed = rng.random(n) < 0.75
    homework_level = _expit(0.4 + 1.0 * z + 0.5 * rng.standard_normal(n))
    homework_steps = rng.choice(np.array([2, 4, 7]), size=n)
    engagement_mean = 3.4 + 0.7 * z

    # --- clients: calendar ------------------------------------------------------
    # Day numbers count from the Monday of the first week; day `last` is `end`.
    first_monday = np.datetime64(end, "D") - np.timedelta64(end.weekday() + 7 * (weeks - 1), "D")
    last = 7 * (weeks - 1) + end.weekday()
    early = rng.random(n) < 0.25   # the caseload already in therapy at the start of the calendar
    intake_week = np.where(early, rng.integers(0, min(8, weeks - 1) + 1, n),
                           np.floor((weeks - 1) * rng.random(n))).astype(np.int64)
    short = rng.random(n) < 0.25
    therapy_weeks = np.where(
        short,
        rng.integers(4, 13, n),
        np.clip(np.rint(rng.lognormal(np.log(55.0), 0.5, n)), 13, 200).astype(np.int64),
    )
    # Slots: a random permutation of the 45 weekly slots per therapist, dealt
    # in turn to that therapist's clients.
    slot_order = rng.random((n_therapists, SLOTS_PER_WEEK)).argsort(axis=1)
    rank = pd.Series(therapist).groupby(therapist).cumcount().to_numpy()
    slot = slot_order[therapist, rank % SLOTS_PER_WEEK]
    weekday, hour = slot // 9, 9 + slot % 9
    duration = rng.choice(np.array([60, 45, 90]), size=n, p=[0.8, 0.12, 0.08])

    def sessions_until(day: int) -> np.ndarray:
        """Per client, the number of weekly sessions dated on or before *day*."""
        fits = np.maximum((day - weekday) // 7 - intake_week + 1, 0)
        return np.minimum(therapy_weeks, fits)

    n_past = sessions_until(last)
    n_booked = sessions_until(last + BOOKED_AHEAD_DAYS)
    n_before_quiet = sessions_until(last - DROPOUT_QUIET_DAYS)

    n_special = max(1, round(n / 12))
    could_drop = n_before_quiet >= 4
    dropped = _pick(rng, could_drop, round(DROPOUT_RATE * could_drop.sum()), weights=np.exp(-z))
    stalled = _pick(rng, ~dropped & (n_past >= 10), n_special)
    # most drop-outs leave early in therapy: after 4 to 15 scheduled sessions
    dropout_len = np.minimum(rng.integers(4, 16, n), np.maximum(n_before_quiet, 4))
    dropout_no_shows = rng.integers(2, 4, n)
    stall_height = rng.uniform(0.0, 0.6, n)
    n_rows = np.where(dropped, dropout_len, n_booked)

    # --- sessions ---------------------------------------------------------------
    c = np.repeat(np.arange(n), n_rows)  # client index of each row
    k = np.arange(c.size) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)  # week in therapy
    day = 7 * (intake_week[c] + k) + weekday[c]
    m = c.size

    u = rng.random(m)
    half_miss = miss_p[c] / 2
    thresholds = np.cumsum(
        [np.full(m, THERAPIST_CANCEL_RATE), timely_p[c], half_miss, half_miss], axis=0
    )
    drawn = np.array([_THERAPIST_CANCEL, _TIMELY_CANCEL, _LATE_CANCEL, _NO_SHOW, _ATTENDED])
    code = drawn[(u >= thresholds).sum(axis=0)]
    code[k == 0] = _ATTENDED
    code[dropped[c] & (k >= n_rows[c] - dropout_no_shows[c])] = _NO_SHOW
    code[day > last] = _SCHEDULED
    attended = code == _ATTENDED

    labels = np.array(["attended", "cancelled", "cancelled", "late_cancel", "no_show", "booked"])
    status = labels[code]
    as_cancelled = rng.random(m) < 0.5  # late cancellations recorded as 'cancelled'
    status[(code == _LATE_CANCEL) & as_cancelled] = "cancelled"
    by_client = (code == _TIMELY_CANCEL) | (code == _LATE_CANCEL)
    cancelled_by = np.where(code == _THERAPIST_CANCEL, "therapist",
                            np.where(by_client, "client", None))

    notice_min = np.select(
        [code == _THERAPIST_CANCEL, code == _TIMELY_CANCEL, code == _LATE_CANCEL],
        [rng.integers(24 * 60, 10 * 24 * 60 + 1, m), rng.integers(48 * 60, 7 * 24 * 60 + 1, m),
         rng.integers(60, 23 * 60 + 1, m)],
        0,
    )
    notice_blank = rng.random(m)
    has_notice = (
        (code == _THERAPIST_CANCEL)
        | ((code == _TIMELY_CANCEL) & (notice_blank >= 0.15))
        | ((code == _LATE_CANCEL) & (as_cancelled | (notice_blank >= 0.5)))
    )

    start = (first_monday + day.astype("timedelta64[D]")).astype("datetime64[m]") + (
        hour[c] * 60).astype("timedelta64[m]")
    cancelled_at = np.where(has_notice, start - notice_min.astype("timedelta64[m]"),
                            np.datetime64("NaT", "m"))

    # Lateness, on attended sessions only.
    client_late_known = attended & (rng.random(m) >= 0.08)
    client_late = np.where(rng.random(m) < client_late_p[c], rng.integers(3, 26, m), 0)
    t_late = np.where(rng.random(m) < therapist_late_p[therapist[c]], rng.integers(5, 16, m), 0)
    t_late_known = attended & (rng.random(m) >= 0.02)

    # Practice, engagement, alliance.
    sessions_before = _within_client(n_rows, attended.astype(np.int64))
    steps = homework_steps[c]
    share_done = np.clip(homework_level[c] + 0.25 * rng.standard_normal(m), 0, 1)
    homework = np.round(np.rint(share_done * steps) / steps, 2)
    homework_known = attended & practice_agreed[c] & (k > 0)
    engagement = np.clip(np.rint(engagement_mean[c] + 0.7 * rng.standard_normal(m)), 1, 5)
    engagement_known = attended & (rng.random(m) >= 0.03)
    alliance = np.round(np.clip(alliance_mean[c] + 0.9 * rng.standard_normal(m), 0, 40), 1)
    alliance_known = attended & (rng.random(m) >= 0.10)

    # Goal ratings: baseline, then an exponential approach to the ceiling
    # (stalled clients: to baseline + 0–0.6 points, quickly: flat, well below their peers).
    b = baseline[c]
    climb = np.where(
        stalled[c],
        stall_height[c] * (1 - np.exp(-0.6 * sessions_before)),
        (goal_ceiling[c] - b) * (1 - np.exp(-goal_pace[c] * sessions_before)),
    )
    noise = np.where(sessions_before == 0, 0.0, 0.6 * rng.standard_normal(m))
    goal = np.clip(np.rint(b + climb + noise), 0, 10)
    goal_known = attended & ((sessions_before == 0) | (rng.random(m) < 0.85))

    # Money.
    billable = attended | (code == _LATE_CANCEL) | (code == _NO_SHOW)
    free = (code == _THERAPIST_CANCEL) | (code == _TIMELY_CANCEL)
    fee = np.where(billable, therapist_fee[therapist[c]], 0)
    fee_known = billable | (free & zero_fee_when_free[therapist[c]])
    r = rng.random(m)
    delay = np.select(
        [r < late_payer_p[c], r < late_payer_p[c] + 0.3],
        [rng.integers(8, 41, m), rng.integers(1, 8, m)],
        0,
    )
    paid_known = billable & (day + delay <= last)  # later payments have not happened yet
    paid_on = np.where(paid_known, first_monday + (day + delay).astype("timedelta64[D]"),
                       np.datetime64("NaT", "D"))

    client_ids = _ids("C", n, 3)
    sessions = pd.DataFrame({
        "session_id": pd.array(_ids("S", m, 6), dtype="str"),
        "client_id": pd.array(client_ids[c], dtype="str"),
        "therapist_id": pd.array(therapist_ids[therapist[c]], dtype="str"),
        "scheduled_start": start.astype("datetime64[us]"),
        "duration_min": duration[c].astype("int64"),
        "status": pd.array(status, dtype="str"),
        "cancelled_by": pd.array(cancelled_by, dtype="str"),
        "cancelled_at": cancelled_at.astype("datetime64[us]"),
        "client_late_min": _nullable_int(client_late, client_late_known),
        "therapist_late_min": _nullable_int(t_late, t_late_known),
        "homework_done": np.where(homework_known, homework, np.nan),
        "engagement": _nullable_int(engagement, engagement_known),
        "alliance_rating": np.where(alliance_known, alliance, np.nan),
        "goal_rating": _nullable_int(goal, goal_known),
        "fee": _nullable_int(fee, fee_known),
        "paid_on": paid_on.astype("datetime64[us]"),
    })

    intake = first_monday + (7 * intake_week + weekday).astype("timedelta64[D]")
    names = [f"{first} {initial}." for first, initial in zip(
        rng.choice(np.array(_FIRST_NAMES), n), rng.choice(np.array(_INITIALS), n))]
    clients = pd.DataFrame({
        "client_id": pd.array(client_ids, dtype="str"),
        "display_name": pd.array(names, dtype="str"),
        "goal": pd.array(rng.choice(np.array(_GOALS), n), dtype="str"),
        "goal_baseline": _nullable_int(baseline, rng.random(n) >= 0.15),
        "goal_target": np.where(rng.random(n) < 0.15, 8, 10).astype("int64"),
        "intake_date": intake.astype("datetime64[us]"),
        "contract_signed_on": np.where(rng.random(n) >= 0.05, intake,
                                       np.datetime64("NaT", "D")).astype("datetime64[us]"),
        "therapist_id": pd.array(therapist_ids[therapist], dtype="str"),
    })
    return DemoPractice(
        sessions=sessions,
        clients=clients,
        stalled=frozenset(client_ids[stalled].tolist()),
        dropped_out=frozenset(client_ids[dropped].tolist()),
    )


def write_practice(practice: DemoPractice, out_dir: Path) -> tuple[Path, Path]:
    """Write ``sessions.csv`` and ``clients.csv`` into *out_dir* (created if missing).

    Canonical headers, UTF-8 without BOM, comma separator, ``.`` decimal point,
    timestamps ``YYYY-MM-DD HH:MM``, dates ``YYYY-MM-DD``, blank for missing —
    a file the SPEC §3 importer reads without a mapping.

    Parameters
    ----------
    practice : DemoPractice
        As returned by :func:`generate_practice`.
    out_dir : pathlib.Path
        Directory to write into; existing files of those names are replaced.

    Returns
    -------
    tuple of pathlib.Path
        The paths of ``sessions.csv`` and ``clients.csv``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = {
        "scheduled_start": "%Y-%m-%d %H:%M", "cancelled_at": "%Y-%m-%d %H:%M",
        "paid_on": "%Y-%m-%d", "intake_date": "%Y-%m-%d", "contract_signed_on": "%Y-%m-%d",
    }
    paths = (out_dir / "sessions.csv", out_dir / "clients.csv")
    for frame, path in zip((practice.sessions, practice.clients), paths):
        text = frame.assign(**{
            column: frame[column].dt.strftime(fmt)
            for column, fmt in formats.items() if column in frame
        })
        text.to_csv(path, index=False, na_rep="", lineterminator="\n", encoding="utf-8")
    return paths
