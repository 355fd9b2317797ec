"""Goal-rating trajectories, the practice's expected band, and the off-track flag.

A client's goal rating (0–10, SPEC §3) is followed session by session. The
practice's own history gives the *expected band*: the 25th–75th percentiles
of goal ratings at each session number among clients who started at a similar
level. A client whose latest ratings fall below that band is flagged, the way
outcome-feedback systems flag clients who are not on track. Each client is
judged against the band drawn without their own ratings (leave-one-out), and
:func:`flag_accuracy` checks the flag against how the practice's ended
clients actually ended (sensitivity and positive predictive value).

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

from alliance_metrics.i18n import N_, _, format_decimal, format_percent, ngettext, pgettext
from alliance_metrics.sorted_groups import group_bounds, group_first_row

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
NO_BAND_REASON = N_("No expected range yet for this start level / session number.")


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
        number of the last attended session, 0 before the first one. A row
        without a client_id is left out.

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
    # Integer codes in the ids' sorted order and positions, not grouped strings: the same order and
    # groups, several times faster (a million sessions hold some 60,000 clients).
    codes, ids = pd.factorize(sessions["client_id"], sort=True)
    order = np.lexsort((sessions["scheduled_start"].to_numpy(), codes))   # stable: ties keep input order
    order = order[codes[order] >= 0]                                       # a row without a client: none
    client = codes[order]
    attended = sessions["status"].eq("attended").to_numpy(dtype=bool, na_value=False)[order]
    session_number = _count_within(attended, client)

    is_rated = sessions["goal_rating"].notna().to_numpy(dtype=bool)[order]
    rows = order[is_rated]                        # positions in *sessions*, in trajectory order
    rated_client = client[is_rated]
    rating_number = _count_within(np.ones(len(rows), dtype=bool), rated_client)
    goal_rating = sessions["goal_rating"].iloc[rows].reset_index(drop=True)
    # the client's first rating: the one whose rating_number is 1
    ratings = goal_rating.to_numpy(dtype="float64", na_value=np.nan)
    baseline = ratings[np.arange(len(rows)) - rating_number + 1]
    if clients is not None:
        _require(clients, ("client_id", "goal_baseline"), "clients")
        duplicated = clients["client_id"][clients["client_id"].duplicated()]
        if len(duplicated):
            raise ValueError(
                f"The clients frame must have one row per client_id; "
                f"{duplicated.iloc[0]!r} appears more than once."
            )
        given = clients.set_index("client_id")["goal_baseline"].reindex(ids).astype("float64").to_numpy()
        given = given[rated_client]
        baseline = np.where(np.isnan(given), baseline, given)
    rated = pd.DataFrame({
        "client_id": sessions["client_id"].iloc[rows].reset_index(drop=True),
        "scheduled_start": sessions["scheduled_start"].iloc[rows].reset_index(drop=True),
        "session_number": session_number[is_rated],
        "rating_number": rating_number,
        "goal_rating": goal_rating,
        "goal_baseline": baseline,
    })
    rated["change"] = rated["goal_rating"] - rated["goal_baseline"]
    rated["start_level"] = start_level(rated["goal_baseline"])
    return rated[list(TRAJECTORY_COLUMNS)]


def _count_within(counted: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """How many rows so far are *counted*, this one included, restarting at each group
    (*groups*: the rows' group codes, each group's rows contiguous).

    >>> _count_within(np.array([True, False, True, True, True]), np.array([0, 0, 0, 1, 1]))
    array([1, 1, 2, 1, 2])
    """
    running = np.cumsum(counted, dtype="int64")
    return running - (running - counted)[group_first_row(groups)]


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


def _join(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' in the current language."""
    if len(parts) == 1:
        return parts[0]
    return _("{items} and {last}").format(items=", ".join(parts[:-1]), last=parts[-1])


def _level_word(level: str) -> str:
    """A start level (low, middle, high) in the current language."""
    if level == "low":
        return pgettext("start level", "low")
    if level == "middle":
        return pgettext("start level", "middle")
    return pgettext("start level", "high")


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
        message = _("No goal ratings yet: an expected band needs at least {min_clients} rated clients "
                    "per start level.").format(min_clients=min_clients)
        return ExpectedBand(_empty_band(), min_clients, message)

    carried = _carried_forward(traj)
    if max_session is not None:
        carried = carried[carried["session_number"] <= max_session]
    # grouped by the start level's code (START_LEVELS order), not its name: several times faster
    level = _level_codes(carried["start_level"])
    carried = carried[["session_number", "goal_rating"]].assign(level=level)[level >= 0]
    ratings = carried.groupby(["level", "session_number"])["goal_rating"]
    table = ratings.quantile([0.25, 0.5, 0.75]).unstack()
    table.columns = ["p25", "median", "p75"]
    table.insert(0, "n_clients", ratings.size())
    table = table[table["n_clients"] >= min_clients].reset_index()
    names = np.asarray(START_LEVELS, dtype=object)[table["level"].to_numpy()]
    table = table.assign(start_level=pd.array(names, dtype="str"))[list(BAND_COLUMNS)]

    clients_per_level = traj.groupby("start_level")["client_id"].nunique()
    parts = []
    for level in START_LEVELS:
        n = int(clients_per_level.get(level, 0))
        if n and level not in set(table["start_level"]):
            if n >= min_clients:
                part = ngettext("{n} client started at a {level} level, but fewer than that have a rating "
                                "at any one session number",
                                "{n} clients started at a {level} level, but fewer than that have a rating "
                                "at any one session number", n)
            else:
                part = ngettext("{n} client started at a {level} level",
                                "{n} clients started at a {level} level", n)
            parts.append(part.format(n=n, level=_level_word(level)))
    message = None
    if parts:
        lead = (_("Too little history: {parts}; at least {min_clients} are needed to draw an expected band.")
                if table.empty else
                _("Too little history for part of the band: {parts}; at least {min_clients} are needed to "
                  "draw an expected band."))
        message = lead.format(parts=_join(parts), min_clients=min_clients)
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
    """Three significant digits in the current language: 4.25 → '4.25' ('4,25')."""
    return format_decimal(float(f"{x:.3g}"))


def _reason(
    consecutive: int, run: int, rating: float, p25: float, p75: float, session_number: int
) -> str:
    if np.isnan(p25):
        return _(NO_BAND_REASON)
    versus = _("{rating} vs {p25}–{p75} expected at session {number}").format(
        rating=_num(rating), p25=_num(p25), p75=_num(p75), number=session_number)
    if run >= consecutive:
        if run == 1:   # "the latest", not a count: two sentences rather than plural forms
            return _("Goal rating below the expected range at the latest rated session ({versus}).").format(
                versus=versus)
        return _("Goal rating below the expected range at the last {n} rated sessions ({versus}).").format(
            n=run, versus=versus)
    if run >= 1:
        if run == 1:
            return _("Goal rating below the expected range at the latest rated session only ({versus}); "
                     "{needed} in a row are needed to flag.").format(versus=versus, needed=consecutive)
        return _("Goal rating below the expected range at the last {n} rated sessions only ({versus}); "
                 "{needed} in a row are needed to flag.").format(n=run, versus=versus, needed=consecutive)
    if rating > p75:
        return _("Goal rating above the expected range at the latest rated session ({versus}).").format(
            versus=versus)
    return _("Goal rating within the expected range at the latest rated session ({versus}).").format(
        versus=versus)


def _coded(traj: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """*traj* with its client ids replaced by integer codes in the ids' sorted order, and the ids
    by code: the same groups and order, but grouping and sorting integers is several times faster
    than strings (a million sessions hold some 60,000 clients)."""
    codes, ids = pd.factorize(traj["client_id"], sort=True)
    return traj.assign(client_id=codes), np.asarray(ids, dtype=object)


def _level_codes(levels: pd.Series) -> np.ndarray:
    """Each start level's position in :data:`START_LEVELS` (−1 when missing or unknown).

    >>> _level_codes(pd.Series(["high", "low", None, "high"])).tolist()
    [2, 0, -1, 2]
    """
    codes, found = pd.factorize(levels)   # a few distinct values: look those up, not every row
    position = np.append(pd.Index(START_LEVELS).get_indexer(found), -1)
    return position[codes]                # code −1 (missing) takes the appended −1


def _cell_keys(levels, sessions, clients=None) -> np.ndarray:
    """One int64 per (client,) start level code and session number, in that order: comparing,
    sorting and looking up keys is what merging on the columns did, without grouping strings.
    Session numbers stay below 2³², level codes in −1 … 2; client codes below 2²⁸."""
    key = (np.asarray(levels, dtype="int64") + 1) * 2**32 + np.asarray(sessions, dtype="int64")
    return key if clients is None else np.asarray(clients, dtype="int64") * 2**34 + key


def _lookup(keys: np.ndarray, wanted: np.ndarray, *, at_or_before: bool = False) -> np.ndarray:
    """The position in *keys* (sorted) of each *wanted* key — or, with *at_or_before*, of the
    largest key ≤ it — and −1 where there is none."""
    if len(keys) == 0:
        return np.full(len(wanted), -1)
    if at_or_before:
        return np.searchsorted(keys, wanted, side="right") - 1
    position = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[position] == wanted, position, -1)


def _judged(traj: pd.DataFrame, band: ExpectedBand, leave_one_out: bool) -> pd.DataFrame:
    """Every rating of *traj* (client ids as integer codes, :func:`_coded`) with the p25 and p75
    it is judged against, by client and rating order: client_id, scheduled_start, rating_number,
    session_number, goal_rating, p25, p75 (NaN where no cell judges it)."""
    # Each rating is judged against the band cell of its session number or, where the practice
    # has too few clients at that number (long therapies, gaps), the nearest earlier cell: by then
    # typical clients had reached at least that range. Before the first cell, nothing is judged.
    order = np.lexsort((traj["rating_number"].to_numpy(), traj["client_id"].to_numpy()))
    t = traj.iloc[order].reset_index(drop=True)
    level = _level_codes(t["start_level"])
    session = t["session_number"].to_numpy(dtype="int64")
    cells = band.table
    if leave_one_out:   # one client more than min_clients, so that min_clients remain without the one judged
        cells = cells[cells["n_clients"] > band.min_clients]
    # each rating's cell (its row in *cells*, −1 for none): the nearest at or before the rating's
    # session number, of the same start level
    cell = np.full(len(t), -1)
    if len(cells):
        cell_level = _level_codes(cells["start_level"])
        cell_keys = _cell_keys(cell_level, cells["session_number"].to_numpy(dtype="int64"))
        by_key = np.argsort(cell_keys, kind="stable")
        nearest = _lookup(cell_keys[by_key], _cell_keys(level, session), at_or_before=True)
        candidate = by_key[np.maximum(nearest, 0)]
        cell = np.where((nearest >= 0) & (cell_level[candidate] == level), candidate, -1)
    judged = cell >= 0

    def of_cell(column: str, missing) -> np.ndarray:
        """*column* of each rating's cell; *missing* where no cell judges it."""
        if not len(cells):
            return np.full(len(t), missing)
        return np.where(judged, cells[column].to_numpy()[np.maximum(cell, 0)], missing)

    p25, p75 = of_cell("p25", np.nan).astype("float64"), of_cell("p75", np.nan).astype("float64")
    if leave_one_out and len(t):
        own = _leave_one_out(_carried_forward(traj))
        cell_session = of_cell("session_number", -1).astype("int64")
        own_keys = _cell_keys(own["level"], own["cell_session"], own["client_id"])
        by_own = np.argsort(own_keys, kind="stable")
        found = _lookup(own_keys[by_own], _cell_keys(level, cell_session, t["client_id"].to_numpy()))
        found = np.where(judged & (found >= 0), by_own[np.maximum(found, 0)], -1)
        inside = found >= 0
        enough = own["n_without"].to_numpy()[np.maximum(found, 0)] >= band.min_clients
        for name, values in (("loo_p25", p25), ("loo_p75", p75)):
            without = np.where(enough, own[name].to_numpy()[np.maximum(found, 0)], np.nan)
            values[inside] = without[inside]
    return pd.DataFrame({
        "client_id": t["client_id"].to_numpy(),
        "scheduled_start": t["scheduled_start"].to_numpy(),
        "rating_number": t["rating_number"].to_numpy(),
        "session_number": session,
        # nullable input (Int64 ratings) gives pd.NA: use NaN
        "goal_rating": t["goal_rating"].to_numpy(dtype="float64", na_value=np.nan),
        "p25": p25,
        "p75": p75,
    })


def _leave_one_out(carried: pd.DataFrame) -> pd.DataFrame:
    """Each carried rating's band cell computed without that client: p25, p75 and the clients left.

    In a cell of m ratings sorted v_0 ≤ … ≤ v_{m−1}, removing the client's own value (rank j)
    leaves m' = m − 1 values whose i-th is v_i for i < j and v_{i+1} otherwise; the quantile is
    then the type-7 quantile of :func:`expected_band` on those m' values. Returns client_id,
    level (the start level's code, :func:`_level_codes`), cell_session, n_without, loo_p25, loo_p75.
    """
    level = _level_codes(carried["start_level"])
    session = carried["session_number"].to_numpy(dtype="int64")
    rating = carried["goal_rating"].to_numpy(dtype="float64", na_value=np.nan)
    order = np.lexsort((rating, session, level))   # by cell, then value
    level, session, values = level[order], session[order], rating[order]
    starts, ends = group_bounds(level, session)   # the cells
    first = np.repeat(starts, ends - starts)
    m = np.repeat(ends - starts, ends - starts)
    rank = np.arange(len(order)) - first
    left = m - 1
    out = {"client_id": carried["client_id"].to_numpy()[order], "level": level,
           "cell_session": session, "n_without": left}
    for name, q in (("loo_p25", 0.25), ("loo_p75", 0.75)):
        h = q * np.maximum(left - 1, 0)
        lo = np.floor(h).astype("int64")
        hi = np.minimum(lo + 1, np.maximum(left - 1, 0))
        at_lo = np.minimum(first + lo + (lo >= rank), len(order) - 1)
        at_hi = np.minimum(first + hi + (hi >= rank), len(order) - 1)
        quantile = values[at_lo] + (h - lo) * (values[at_hi] - values[at_lo])
        out[name] = np.where(left >= 1, quantile, np.nan)
    return pd.DataFrame(out)


def off_track(traj: pd.DataFrame, band: ExpectedBand, consecutive: int = 2,
              leave_one_out: bool = True) -> pd.DataFrame:
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

    Leave-one-out (the default): the cell a client's rating is judged against is
    computed without that client's own rating (the same percentiles over the
    other clients of the cell), so a client is never compared with a band
    they helped draw; only cells with more than ``band.min_clients`` clients
    are used, so that at least ``band.min_clients`` remain without the client. Bands are conditional on the
    client's start level (their baseline; see :func:`start_level`).

    A flag is not proof of a poor course: clients picked because they are
    low now tend to rate higher next time even with no change in therapy
    (regression to the mean; Barnett, van der Pols & Dobson 2005, *Int. J.
    Epidemiol.* 34:215–220), so improvement after a flag is partly that.

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
    leave_one_out : bool, default True
        Judge each client against the band drawn without them.

    Returns
    -------
    DataFrame
        One row per client in ``traj`` (a client with no rating has none),
        sorted by client_id: client_id, off_track (bool), since
        (scheduled_start of the first rating of the below-band run that is
        still running when flagged, NaT otherwise), reason (plain words),
        ever_off_track (bool: ``consecutive`` ratings in a row below the band anywhere in the
        client's course, not only at the end — what :func:`flag_accuracy` checks).
    """
    if int(consecutive) != consecutive or consecutive < 1:
        raise ValueError(f"consecutive must be a whole number ≥ 1; received {consecutive!r}.")
    coded, ids = _coded(traj)
    t = _judged(coded, band, leave_one_out)
    below = t["goal_rating"] < t["p25"]
    # The running below-band run is every rating after the client's last rating
    # that was not below the band (0 when every rating so far was below).
    last_not_below = t["rating_number"].where(~below, 0).groupby(t["client_id"]).transform("max")
    run_start = t[t["rating_number"] == last_not_below + 1].set_index("client_id")["scheduled_start"]

    latest = t.drop_duplicates("client_id", keep="last").set_index("client_id")
    run = latest["rating_number"] - last_not_below.groupby(t["client_id"]).max()
    flagged = run >= consecutive
    since = run_start.reindex(latest.index).where(flagged)
    # tens of thousands of clients share a few thousand (run, rating, band, session) cases: word
    # each case once (a NaN never equals another, so those are worded one by one)
    worded: dict[tuple, str] = {}
    reasons = [
        worded[case] if case in worded else worded.setdefault(case, _reason(consecutive, *case))
        for case in zip(
            run.tolist(),
            latest["goal_rating"].tolist(),
            latest["p25"].tolist(),
            latest["p75"].tolist(),
            latest["session_number"].tolist(),
        )
    ]
    return pd.DataFrame(
        {
            "client_id": pd.array(ids[latest.index.to_numpy()], dtype=traj["client_id"].dtype),
            "off_track": flagged.to_numpy(),
            "since": since.to_numpy(),
            "reason": pd.array(reasons, dtype="str"),
            "ever_off_track": _ever_below(t["client_id"].to_numpy(), below.to_numpy(), consecutive)[
                latest.index.to_numpy()],
        }
    )


def _ever_below(clients: np.ndarray, below: np.ndarray, consecutive: int) -> np.ndarray:
    """By client code (0 … max), whether *below* holds at *consecutive* rows in a row of one
    client, the rows sorted by client then rating order.

    >>> _ever_below(np.array([0, 0, 1, 1, 1]), np.array([True, False, True, False, True]), 2)
    array([False, False])
    >>> _ever_below(np.array([0, 0, 1, 1, 1]), np.array([False, True, True, True, False]), 2)
    array([False,  True])
    """
    run = below.copy()
    for back in range(1, consecutive):   # this row and the *back* before it, all of one client
        earlier = np.zeros_like(below)
        earlier[back:] = below[:-back] & (clients[back:] == clients[:-back])
        run[back:] &= earlier[back:]
        run[:back] = False
    ever = np.zeros(int(clients.max()) + 1 if len(clients) else 0, dtype=bool)
    ever[clients[run]] = True
    return ever


@dataclass(frozen=True)
class FlagAccuracy:
    """How well the off-track flag foretold an ending without reliable improvement, on ended clients.

    ``sensitivity`` = flagged_poor / poor and ``ppv`` (positive predictive value) =
    flagged_poor / flagged, both None when there is too little history (``message`` says so).
    """

    ended: int
    poor: int
    flagged: int
    flagged_poor: int
    reliable_change: float | None
    sensitivity: float | None
    ppv: float | None
    message: str


def flag_accuracy(traj: pd.DataFrame, band: ExpectedBand, ended, consecutive: int = 2,
                  min_ended: int = 20, flags: pd.DataFrame | None = None) -> FlagAccuracy:
    """Check the off-track flag against what happened to the clients who have ended.

    A client of *ended* (ids) "ended without reliable improvement" when their last goal rating
    minus their baseline is below the reliable change RC = 1.96 · √MSSD, where MSSD is the mean
    squared successive difference of consecutive goal ratings over the practice's clients (von
    Neumann 1941; √MSSD estimates √2 times a client's rating noise, so RC is Jacobson & Truax's
    1.96 · √2 · s_w; real change between ratings makes it larger, so conservative). A client was
    flagged when it was ever off track (the ``ever_off_track`` column of :func:`off_track`). Then

    sensitivity = flagged and poor / poor,   ppv = flagged and poor / flagged   (ranges 0–1)

    Undefined (None, with a message saying why) with fewer than *min_ended* ended clients with
    ratings, or none poor, or none flagged. *flags*: :func:`off_track` of the same *traj*, *band*
    and *consecutive*, when the caller has it (computed here otherwise).
    """
    ended = set(ended)
    rated = traj[traj["client_id"].isin(ended)]
    difference = traj.groupby("client_id")["goal_rating"].diff().dropna()
    rc = float(1.959963984540054 * np.sqrt((difference**2).mean())) if len(difference) else None
    n_ended = rated["client_id"].nunique()
    if rc is None or n_ended < min_ended:
        return FlagAccuracy(n_ended, 0, 0, 0, rc, None, None,
                            ngettext("Too little history to know how well the off-track flag foretells "
                                     "a poor ending: {n} client with goal ratings has ended; at least "
                                     "{needed} are needed.",
                                     "Too little history to know how well the off-track flag foretells "
                                     "a poor ending: {n} clients with goal ratings have ended; at least "
                                     "{needed} are needed.", n_ended).format(n=n_ended, needed=min_ended))
    last = rated.groupby("client_id")["change"].last()
    poor = last < rc
    flags = off_track(traj, band, consecutive) if flags is None else flags
    ever = pd.Series(flags["ever_off_track"].to_numpy(), index=flags["client_id"].to_numpy())
    flagged = ever.reindex(last.index, fill_value=False)
    n_poor, n_flagged, both = int(poor.sum()), int(flagged.sum()), int((poor & flagged).sum())
    if n_poor == 0 or n_flagged == 0:
        return FlagAccuracy(n_ended, n_poor, n_flagged, both, rc, None, None,
                            _("Too little history to know how well the off-track flag foretells a "
                              "poor ending: of {n} ended clients, {poor} ended without reliable "
                              "improvement and {flagged} had been flagged.").format(
                                n=n_ended, poor=n_poor, flagged=n_flagged))
    sensitivity, ppv = both / n_poor, both / n_flagged
    return FlagAccuracy(
        n_ended, n_poor, n_flagged, both, rc, sensitivity, ppv,
        _("On this practice's {n} ended clients: {poor} ended without reliable improvement (less than "
          "{rc} goal points above their start); the flag had caught {both} of them ({sensitivity}), and "
          "{both} of the {flagged} clients it flagged ({ppv}) ended that way. Part of the improvement "
          "seen after a flag is regression to the mean: clients picked while low tend to rate higher "
          "next time anyway (Barnett et al. 2005).").format(
            n=n_ended, poor=n_poor, rc=_num(rc), both=both, sensitivity=format_percent(100 * sensitivity),
            flagged=n_flagged, ppv=format_percent(100 * ppv)),
    )
