"""Goal-rating trajectories, the practice's expected band, and the off-track flag.

A client's goal rating (0–10, SPEC §3) is followed session by session. The
practice's own history gives the *expected band*: the 25th–75th percentiles
of goal ratings at each session number among clients who started at a similar
level. A client whose latest ratings fall below that band is flagged, the way
outcome-feedback systems flag clients who are not on track.

References
----------
Lambert, M. J., Whipple, J. L., & Kleinstäuber, M. (2018). Collecting and
delivering progress feedback: A meta-analysis of routine outcome monitoring.
*Psychotherapy*, 55(4), 520–537.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Start levels, in order, by goal_baseline (0–10 scale):
#: low is 0–3, middle is above 3 up to 6, high is above 6.
START_LEVELS: tuple[str, ...] = ("low", "middle", "high")
_LOW_MAX, _MIDDLE_MAX = 3.0, 6.0

SESSION_COLUMNS = ("client_id", "scheduled_start", "status", "goal_rating")
TRAJECTORY_COLUMNS = (
    "client_id",
    "scheduled_start",
    "session_number",
    "rating_number",
    "goal_rating",
    "goal_baseline",
    "change",
    "start_level",
)
BAND_COLUMNS = ("start_level", "session_number", "n_clients", "p25", "median", "p75")
NO_BAND_REASON = "No expected range yet for this start level / session number."


def _require(frame: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"The {name} frame needs the columns {', '.join(columns)}; "
            f"it is missing {', '.join(missing)}. Columns received: "
            f"{', '.join(map(str, frame.columns))}."
        )


def start_level(goal_baseline: pd.Series) -> pd.Series:
    """Name the start level of each goal baseline: ``low``, ``middle`` or ``high``.

    ``low`` is 0 ≤ b ≤ 3, ``middle`` is 3 < b ≤ 6 and ``high`` is b > 6, where
    b is the goal baseline on the 0–10 scale. A missing baseline gives a
    missing level.

    >>> start_level(pd.Series([3.0, 3.5, 6.0, 6.5])).tolist()
    ['low', 'middle', 'middle', 'high']
    """
    b = goal_baseline.astype("float64")
    level = np.select([b <= _LOW_MAX, b <= _MIDDLE_MAX, b > _MIDDLE_MAX], START_LEVELS, None)
    return pd.Series(level, index=goal_baseline.index, dtype="str", name="start_level")


def trajectories(sessions: pd.DataFrame, clients: pd.DataFrame | None = None) -> pd.DataFrame:
    """List each client's goal ratings in order, numbered by attended session.

    One row per session that carries a goal rating, sorted by client and
    scheduled_start (rows with the same start keep their input order).

    .. math:: \\text{change} = g - b

    where g is the session's goal_rating (0–10) and b the client's
    goal_baseline: the clients file's goal_baseline when given, else the
    client's first goal_rating (SPEC §4). change lies in [-10, 10].

    Parameters
    ----------
    sessions : DataFrame
        Columns client_id, scheduled_start, status, goal_rating (NaN when
        not rated); other columns are ignored.
    clients : DataFrame, optional
        Columns client_id and goal_baseline (NaN when not given), one row per
        client.

    Returns
    -------
    DataFrame
        client_id, scheduled_start, session_number (attended sessions up to and
        including this one, counting only status ``attended``), rating_number
        (1-based among the client's rated sessions), goal_rating,
        goal_baseline, change, start_level (see :func:`start_level`).
        A client with no rating has no row. A rating logged on a session not
        marked attended (kept, as SPEC §4 counts every goal_rating) takes the
        number of the last attended session, 0 before the first one.

    Examples
    --------
    >>> s = pd.DataFrame({"client_id": ["a", "a", "a"],
    ...     "scheduled_start": pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-16"]),
    ...     "status": ["attended", "no_show", "attended"],
    ...     "goal_rating": [3.0, None, 5.0]})
    >>> trajectories(s)[["session_number", "rating_number", "change", "start_level"]]
       session_number  rating_number  change start_level
    0               1              1     0.0         low
    1               2              2     2.0         low
    """
    _require(sessions, SESSION_COLUMNS, "sessions")
    s = sessions[list(SESSION_COLUMNS)].sort_values(
        ["client_id", "scheduled_start"], kind="stable", ignore_index=True
    )
    attended = s["status"].eq("attended").astype("int64")
    s["session_number"] = attended.groupby(s["client_id"], sort=False).cumsum()

    rated = s[s["goal_rating"].notna()].reset_index(drop=True)
    by_client = rated.groupby("client_id", sort=False)
    rated["rating_number"] = by_client.cumcount() + 1
    baseline = by_client["goal_rating"].transform("first")
    if clients is not None:
        _require(clients, ("client_id", "goal_baseline"), "clients")
        duplicated = clients["client_id"][clients["client_id"].duplicated()]
        if len(duplicated):
            raise ValueError(
                f"The clients frame must have one row per client_id; "
                f"{duplicated.iloc[0]!r} appears more than once."
            )
        given = rated["client_id"].map(clients.set_index("client_id")["goal_baseline"])
        baseline = given.astype("float64").fillna(baseline)
    rated["goal_baseline"] = baseline.astype("float64")
    rated["change"] = rated["goal_rating"] - rated["goal_baseline"]
    rated["start_level"] = start_level(rated["goal_baseline"])
    return rated[list(TRAJECTORY_COLUMNS)]


@dataclass(frozen=True, eq=False)  # eq=False: comparing DataFrames has no single truth value
class ExpectedBand:
    """The practice's typical goal rating by start level and session number.

    Attributes
    ----------
    table : DataFrame
        start_level, session_number, n_clients, p25, median, p75 (of
        goal_rating); only cells with at least ``min_clients`` clients.
    min_clients : int
        The fewest clients a cell needs to be kept.
    message : str or None
        Why there is no band, or only a partial one; None when every start
        level with clients has a band.
    """

    table: pd.DataFrame
    min_clients: int
    message: str | None = None

    def at(self, start_level: str, session_number: int) -> tuple[float, float, float] | None:
        """Return (p25, median, p75) for one cell, or None when the band has no such cell."""
        t = self.table
        cell = t[(t["start_level"] == start_level) & (t["session_number"] == session_number)]
        if cell.empty:
            return None
        row = cell.iloc[0]
        return float(row["p25"]), float(row["median"]), float(row["p75"])


def _carried_forward(traj: pd.DataFrame) -> pd.DataFrame:
    """One rating per client and session number, the last one carried forward.

    Between a client's first and last rated session numbers, a session number
    without a rating takes the client's latest earlier rating. Nothing is
    carried before the first or past the last rating.
    """
    r = (
        traj[["client_id", "rating_number", "start_level", "session_number", "goal_rating"]]
        .sort_values(["client_id", "rating_number"], kind="stable")
        .drop_duplicates(["client_id", "session_number"], keep="last")
    )
    next_number = r.groupby("client_id", sort=False)["session_number"].shift(-1)
    span = (next_number - r["session_number"]).fillna(1).astype("int64").to_numpy()
    out = r.iloc[np.repeat(np.arange(len(r)), span)].reset_index(drop=True)
    offset = np.arange(len(out)) - np.repeat(np.cumsum(span) - span, span)
    out["session_number"] = out["session_number"].to_numpy() + offset
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def expected_band(
    traj: pd.DataFrame, min_clients: int = 10, max_session: int | None = None
) -> ExpectedBand:
    """Compute the practice's expected goal rating by start level and session number.

    For each start level L and session number n, over the clients C(L, n)
    who started at level L and have a rating at session n:

    .. math:: p_{25},\\ \\text{median},\\ p_{75} = Q_{0.25},\\ Q_{0.5},\\ Q_{0.75}
              \\{ g_c(n) : c \\in C(L, n) \\}

    where g_c(n) is client c's goal rating (0–10) at session n and Q_q the
    q-quantile with linear interpolation between order statistics (numpy's
    default, Hyndman & Fan type 7): with the m values sorted as
    v_0 ≤ … ≤ v_{m-1}, Q_q = v_⌊h⌋ + (h − ⌊h⌋)(v_⌊h⌋+1 − v_⌊h⌋), h = q(m − 1).

    Irregular ratings: when a client was rated at sessions 2 and 5, their
    rating at 2 is carried forward to sessions 3 and 4 (last observation
    carried forward, within the client only). Nothing is carried before the
    first rating nor past the last one, so a client who left does not keep
    counting at later session numbers. When one session number has several
    ratings (ratings logged on non-attended sessions), the latest is used.

    Parameters
    ----------
    traj : DataFrame
        Output of :func:`trajectories`.
    min_clients : int, default 10
        Cells with fewer clients are left out (a percentile of a handful of
        clients is noise).
    max_session : int, optional
        Leave out session numbers above this.

    Returns
    -------
    ExpectedBand
        ``table`` sorted by start level (low, middle, high) and session number;
        ``message`` says which start levels have no band and why, None when
        every start level with clients has one.

    Examples
    --------
    Two low starters rated 2 and 3 at session 1: h = 0.25 × (2 − 1) = 0.25,
    so p25 = 2 + 0.25 × (3 − 2) = 2.25.

    >>> traj = pd.DataFrame({"client_id": ["a", "b"], "rating_number": [1, 1],
    ...     "start_level": ["low", "low"], "session_number": [1, 1],
    ...     "goal_rating": [2.0, 3.0]})
    >>> expected_band(traj, min_clients=2).at("low", 1)
    (2.25, 2.5, 2.75)
    >>> expected_band(traj).message
    'Too little history: 2 clients started at a low level; at least 10 are needed to draw an expected band.'
    """
    if int(min_clients) != min_clients or min_clients < 1:
        raise ValueError(f"min_clients must be a whole number ≥ 1; received {min_clients!r}.")
    if len(traj) == 0:
        message = (
            f"No goal ratings yet: an expected band needs at least {min_clients} "
            "rated clients per start level."
        )
        return ExpectedBand(_empty_band(), min_clients, message)

    carried = _carried_forward(traj)
    if max_session is not None:
        carried = carried[carried["session_number"] <= max_session]
    ratings = carried.groupby(["start_level", "session_number"])["goal_rating"]
    table = ratings.quantile([0.25, 0.5, 0.75]).unstack()
    table.columns = ["p25", "median", "p75"]
    table.insert(0, "n_clients", ratings.size())
    table = table[table["n_clients"] >= min_clients].reset_index()
    table = table.sort_values(
        ["start_level", "session_number"],
        key=lambda col: col.map(START_LEVELS.index) if col.name == "start_level" else col,
        ignore_index=True,
    )[list(BAND_COLUMNS)]

    clients_per_level = traj.groupby("start_level")["client_id"].nunique()
    parts = []
    for level in START_LEVELS:
        n = int(clients_per_level.get(level, 0))
        if n and level not in set(table["start_level"]):
            part = f"{_plural(n, 'client')} started at a {level} level"
            if n >= min_clients:
                part += ", but fewer than that have a rating at any one session number"
            parts.append(part)
    message = None
    if parts:
        lead = "Too little history" if table.empty else "Too little history for part of the band"
        message = (
            f"{lead}: {_join(parts)}; at least {min_clients} are needed to draw an expected band."
        )
    return ExpectedBand(table, min_clients, message)


def _empty_band() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "start_level": pd.Series(dtype="str"),
            "session_number": pd.Series(dtype="int64"),
            "n_clients": pd.Series(dtype="int64"),
            "p25": pd.Series(dtype="float64"),
            "median": pd.Series(dtype="float64"),
            "p75": pd.Series(dtype="float64"),
        }
    )


def _num(x: float) -> str:
    return f"{x:.3g}"


def _last(n: int) -> str:
    return "the latest rated session" if n == 1 else f"the last {n} rated sessions"


def _reason(
    consecutive: int, run: int, rating: float, p25: float, p75: float, session_number: int
) -> str:
    if np.isnan(p25):
        return NO_BAND_REASON
    versus = f"{_num(rating)} vs {_num(p25)}–{_num(p75)} expected at session {session_number}"
    if run >= consecutive:
        return f"Goal rating below the expected range at {_last(run)} ({versus})."
    if run >= 1:
        return (
            f"Goal rating below the expected range at {_last(run)} only ({versus}); "
            f"{consecutive} in a row are needed to flag."
        )
    where = "above" if rating > p75 else "within"
    return f"Goal rating {where} the expected range at the latest rated session ({versus})."


def off_track(traj: pd.DataFrame, band: ExpectedBand, consecutive: int = 2) -> pd.DataFrame:
    """Flag clients whose latest goal ratings are all below the expected band.

    A client is off track when each of their latest ``consecutive`` rated
    sessions has

    .. math:: g_i < p_{25}(L, n_i)

    where g_i is the goal rating at rated session i, n_i its session number,
    L the client's start level and p_{25} the band's 25th percentile (see
    :func:`expected_band`). It follows outcome-feedback systems such as
    OQ-Analyst and PCOMS, which compare each client with the expected
    trajectory of clients who started at a similar level and alert the
    therapist to those not on track (Lambert, Whipple & Kleinstäuber 2018,
    *Psychotherapy* 55(4), 520–537). Those systems draw their expected
    trajectories from large normative samples of a validated outcome measure;
    here the band is the practice's own history of goal ratings, and the
    cut-off (below p25, ``consecutive`` times in a row) is this project's
    choice, not a validated one.

    A rating is compared with the band cell of its session number, or — where
    too few clients of the practice reached that number (long therapies) or a
    cell is missing — with the nearest earlier cell of the same start level.
    A rating before the band's first cell cannot be judged: it counts as not
    below, so it ends any run of below-band ratings, and a client whose latest
    rating has no cell is not flagged.

    Parameters
    ----------
    traj : DataFrame
        Output of :func:`trajectories`.
    band : ExpectedBand
        Output of :func:`expected_band`.
    consecutive : int, default 2
        How many latest rated sessions in a row must be below the band.

    Returns
    -------
    DataFrame
        One row per client in ``traj`` (a client with no rating has none),
        sorted by client_id: client_id, off_track (bool), since
        (scheduled_start of the first rating of the below-band run that is
        still running when flagged, NaT otherwise), reason (plain words).
    """
    if int(consecutive) != consecutive or consecutive < 1:
        raise ValueError(f"consecutive must be a whole number ≥ 1; received {consecutive!r}.")
    keys = ["start_level", "session_number"]
    # Each rating is judged against the band cell of its session number or, where the practice
    # has too few clients at that number (long therapies, gaps), the nearest earlier cell: by then
    # typical clients had reached at least that range. Before the first cell, nothing is judged.
    ratings = traj[["client_id", "scheduled_start", "rating_number", "goal_rating", *keys]]
    cells = band.table[[*keys, "p25", "p75"]].astype({"session_number": "int64"})
    t = (
        pd.merge_asof(
            ratings.astype({"session_number": "int64"}).sort_values("session_number", kind="stable"),
            cells.sort_values("session_number", kind="stable"),
            on="session_number", by="start_level", direction="backward",
        )
        .sort_values(["client_id", "rating_number"], kind="stable", ignore_index=True)
    )
    below = t["goal_rating"] < t["p25"]
    # The running below-band run is every rating after the client's last rating
    # that was not below the band (0 when every rating so far was below).
    last_not_below = t["rating_number"].where(~below, 0).groupby(t["client_id"]).transform("max")
    run_start = t[t["rating_number"] == last_not_below + 1].set_index("client_id")["scheduled_start"]

    latest = t.drop_duplicates("client_id", keep="last").set_index("client_id")
    run = latest["rating_number"] - last_not_below.groupby(t["client_id"]).max()
    flagged = run >= consecutive
    since = run_start.reindex(latest.index).where(flagged)
    reasons = [
        _reason(consecutive, *row)
        for row in zip(
            run,
            latest["goal_rating"],
            latest["p25"],
            latest["p75"],
            latest["session_number"],
        )
    ]
    return pd.DataFrame(
        {
            "client_id": latest.index.to_numpy(),
            "off_track": flagged.to_numpy(),
            "since": since.to_numpy(),
            "reason": pd.array(reasons, dtype="str"),
        }
    )
