"""The weekly review: who needs attention and why, and the week's billable missed sessions.

Issue 5. Each rule of :data:`RULES` is a documented, vectorised test over the session facts
(:func:`alliance_metrics.scores.session_facts`) that reads its thresholds from the settings by
name. A review covers one week, ``[week_start, week_start + 7 days)``; only sessions that start
before the end of that week count, except for the booking look-ahead of ``nothing_booked`` — so
reviewing an old week gives the same list it gave at the time.

Rules about a client's recent pattern (attendance, late arrivals, involvement, practice, goal
progress) only concern **current clients**: those with a session that counts in attendance
(attended, no-show or late cancellation) in the ``active_client_days`` days up to the end of the
week. Without that, a client who left a year ago with a poor last month would be listed every week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

import numpy as np
import pandas as pd

from alliance_metrics.settings import DEFAULTS, setting

FLAG_COLUMNS = ("client_id", "therapist_id", "code", "title", "reason")
BY_CLIENT_COLUMNS = ("client_id", "therapist_id", "reasons", "n_reasons")
BILLABLE_COLUMNS = (
    "session_id", "client_id", "therapist_id", "scheduled_start", "outcome", "notice_hours",
    "fee", "paid_on",
)
#: The session-facts columns the rules read.
FACT_COLUMNS = (
    "session_id", "client_id", "therapist_id", "scheduled_start", "session_date", "outcome",
    "notice_hours", "client_late_min", "client_on_time", "homework_done", "engagement",
    "alliance_rating", "fee", "paid_on", "billable", "counts_in_attendance",
)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Rule:
    """One documented needs-attention rule; its thresholds are the settings it names."""

    code: str
    title: str
    explanation: str
    settings: tuple[str, ...] = ()


RULES: tuple[Rule, ...] = (
    Rule("missed_this_week", "Missed session this week",
         "The client did not come to a session this week: a no-show, or a late cancellation "
         "(less than late_cancel_hours of notice)."),
    Rule("low_attendance", "Low attendance",
         "Attendance below attendance_alert_pct % over the client's last "
         "attendance_window_sessions sessions that count in attendance (attended, no-shows, late "
         "cancellations), up to the end of the week. Only for current clients with at least "
         "that many such sessions.",
         ("attendance_alert_pct", "attendance_window_sessions", "active_client_days")),
    Rule("late_arrivals", "Late arrivals in a row",
         "The client arrived more than grace_min minutes late at each of their last "
         "late_arrivals_in_row attended sessions whose arrival time is known. Current clients only.",
         ("late_arrivals_in_row", "grace_min", "active_client_days")),
    Rule("involvement_falling", "Involvement falling",
         "The mean therapist-rated involvement (engagement, 1–5) of the client's last "
         "involvement_window_sessions rated attended sessions is below the mean of the "
         "involvement_window_sessions rated sessions before them. Current clients only.",
         ("involvement_window_sessions", "active_client_days")),
    Rule("practice_missed", "Agreed practice not done",
         "None of the agreed practice was done (homework_done = 0) at each of the client's last "
         "practice_missed_in_row attended sessions where practice had been agreed. "
         "Current clients only.",
         ("practice_missed_in_row", "active_client_days")),
    Rule("alliance_concern", "Alliance rating low or falling",
         "A session this week has an alliance rating at least alliance_drop_points below the "
         "client's previous rating, or below alliance_concern_below (36 of 40 is the Session "
         "Rating Scale's cut-off for a possible alliance problem; Duncan et al. 2003, Miller et "
         "al.).",
         ("alliance_drop_points", "alliance_concern_below")),
    Rule("off_track", "Goal progress off track",
         "The client's latest goal ratings are below the practice's expected band (see "
         "Expected progress), in a run that began before the end of the week. Current clients "
         "only.",
         ("expected_band_min_clients", "active_client_days")),
    Rule("unpaid_fees", "Fees unpaid",
         "A fee (fee > 0, for an attended session or a billable missed one) is still unpaid on "
         "the last day of the week, more than unpaid_alert_days days after the session. "
         "A payment dated after the week does not count yet.",
         ("unpaid_alert_days",)),
    Rule("nothing_booked", "Nothing booked",
         "An active client (attended a session in the active_client_days days up to the end of "
         "the week) has no session at all — booked, held or cancelled — in the "
         "unbooked_alert_days days after the week.",
         ("active_client_days", "unbooked_alert_days")),
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


# -- formatting -----------------------------------------------------------------------------------

def _number(value: float, decimals: int = 1) -> str:
    """A figure rounded to *decimals*, trailing zeros dropped: 66.666 → '66.7', 75.0 → '75'."""
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _amount(value: float) -> str:
    """A sum of fees: 120 → '120', 120.5 → '120.50'."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _day(value) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# -- the week under review ------------------------------------------------------------------------

def _midnight(value: date | datetime | str) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


@dataclass(frozen=True, eq=False)
class _Review:
    """What every rule reads: the held sessions before the end of the week, sorted, and more."""

    history: pd.DataFrame   # non-booked sessions starting before `end`, by client then start
    start: pd.Timestamp     # first instant of the week
    end: pd.Timestamp       # first instant after the week
    settings: dict[str, float]
    facts: pd.DataFrame     # every session (for the booking look-ahead)
    current: pd.Index       # current clients (module docstring)
    off_track: pd.DataFrame | None

    @property
    def week(self) -> pd.DataFrame:
        return self.history[self.history["scheduled_start"] >= self.start]

    @property
    def last_day(self) -> pd.Timestamp:
        return self.end - pd.Timedelta(days=1)


def _check_columns(facts: pd.DataFrame, columns) -> None:
    missing = [column for column in columns if column not in facts.columns]
    if missing:
        raise ValueError(
            f"The facts frame needs the columns of session_facts(); it is missing "
            f"{', '.join(missing)}. Columns received: {', '.join(map(str, facts.columns))}."
        )


def _settings(given: dict[str, float]) -> dict[str, float]:
    """The defaults overlaid with *given*, each value checked against its setting's range."""
    return DEFAULTS | {name: setting(name).check(value) for name, value in given.items()}


def _review(facts, week_start, settings, off_track) -> _Review:
    _check_columns(facts, FACT_COLUMNS)
    start = _midnight(week_start)
    end = start + WEEK
    values = _settings(settings)
    starts = pd.to_datetime(facts["scheduled_start"])
    held = (starts < end) & facts["outcome"].ne("booked")
    history = (
        facts.loc[held, list(FACT_COLUMNS)]
        .sort_values(["client_id", "scheduled_start"], kind="stable", ignore_index=True)
    )
    active_since = end - pd.Timedelta(days=values["active_client_days"])
    recent = history["counts_in_attendance"].astype(bool) & (history["scheduled_start"] >= active_since)
    current = pd.Index(history.loc[recent, "client_id"].unique())
    return _Review(history, start, end, values, facts, current, off_track)


def _tail(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """Each client's last *n* rows of a frame sorted by client then start, with ``back``
    (0 = the client's latest row) and ``rows`` (how many rows the client has in the tail)."""
    back = frame.groupby("client_id", sort=False).cumcount(ascending=False)
    tail = frame[back < n].assign(back=back[back < n])
    return tail.assign(rows=tail.groupby("client_id", sort=False)["back"].transform("size"))


def _flags(clients, reasons) -> pd.DataFrame:
    return pd.DataFrame({"client_id": pd.array(list(clients), dtype="str"),
                         "reason": pd.array(list(reasons), dtype="str")})


def _joined(frame: pd.DataFrame, parts, prefix: str = "") -> pd.DataFrame:
    """One reason per client: its rows' *parts* joined by '; ', after *prefix*, ending in '.'."""
    joined = (
        pd.Series(list(parts), index=frame.index, dtype="str")
        .groupby(frame["client_id"], sort=False).agg("; ".join)
    )
    text = [prefix + line if prefix else line[:1].upper() + line[1:] for line in joined]
    return _flags(joined.index, [line + "." for line in text])


# -- the rules ------------------------------------------------------------------------------------

def _missed_this_week(r: _Review) -> pd.DataFrame:
    missed = r.week[r.week["outcome"].isin(["no_show", "late_cancel"])]
    parts = [
        ("no-show" if outcome == "no_show" else "late cancellation") + f" on {_day(start)}"
        + ("" if np.isnan(notice) else f" ({_number(notice)} h notice)")
        for outcome, start, notice in zip(
            missed["outcome"], missed["scheduled_start"], missed["notice_hours"].astype(float))
    ]
    return _joined(missed, parts)


def _low_attendance(r: _Review) -> pd.DataFrame:
    n = int(r.settings["attendance_window_sessions"])
    limit = r.settings["attendance_alert_pct"]
    counted = r.history[r.history["counts_in_attendance"].astype(bool)
                        & r.history["client_id"].isin(r.current)]
    tail = _tail(counted, n)
    attended = tail["outcome"].eq("attended").groupby(tail["client_id"], sort=False).sum()
    rows = tail.groupby("client_id", sort=False).size()
    percent = 100.0 * attended / n
    fired = (rows == n) & (percent < limit)
    return _flags(
        attended.index[fired],
        [f"Attendance {_number(pct)} % over the last {n} scheduled sessions "
         f"({count} of {n}), below {_number(limit)} %."
         for pct, count in zip(percent[fired], attended[fired])],
    )


def _late_arrivals(r: _Review) -> pd.DataFrame:
    k = int(r.settings["late_arrivals_in_row"])
    timed = r.history[r.history["outcome"].eq("attended") & r.history["client_on_time"].notna()
                      & r.history["client_id"].isin(r.current)]
    tail = _tail(timed, k)
    late = ~tail["client_on_time"].astype(bool)
    fired = (tail["rows"] == k) & late.groupby(tail["client_id"], sort=False).transform("all")
    rows = tail[fired]
    parts = [_number(minutes) for minutes in rows["client_late_min"].astype(float)]
    flags = _joined(rows, parts)   # minutes, oldest first: "12; 8."
    return flags.assign(reason=[
        f"Arrived late at the last {k} attended sessions in a row "
        f"({line.rstrip('.').replace('; ', ', ')} min after the start)."
        for line in flags["reason"]
    ])


def _involvement_falling(r: _Review) -> pd.DataFrame:
    m = int(r.settings["involvement_window_sessions"])
    rated = r.history[r.history["outcome"].eq("attended") & r.history["engagement"].notna()
                      & r.history["client_id"].isin(r.current)]
    tail = _tail(rated, 2 * m)
    score = tail["engagement"].astype(float)
    by_client = tail["client_id"]
    recent = score.where(tail["back"] < m).groupby(by_client, sort=False).mean()
    before = score.where(tail["back"] >= m).groupby(by_client, sort=False).mean()
    rows = tail.groupby("client_id", sort=False).size()
    fired = (rows == 2 * m) & (recent < before)
    return _flags(
        recent.index[fired],
        [f"Involvement falling: mean {_number(now, 2)} (1–5) over the last {m} rated sessions, "
         f"down from {_number(then, 2)} over the {m} before."
         for now, then in zip(recent[fired], before[fired])],
    )


def _practice_missed(r: _Review) -> pd.DataFrame:
    p = int(r.settings["practice_missed_in_row"])
    agreed = r.history[r.history["outcome"].eq("attended") & r.history["homework_done"].notna()
                       & r.history["client_id"].isin(r.current)]
    tail = _tail(agreed, p)
    none_done = tail["homework_done"].astype(float).eq(0).groupby(tail["client_id"], sort=False).all()
    rows = tail.groupby("client_id", sort=False).size()
    first = tail.groupby("client_id", sort=False)["scheduled_start"].min()
    fired = (rows == p) & none_done
    return _flags(
        none_done.index[fired],
        [f"None of the agreed practice done at the last {p} sessions where practice was agreed "
         f"(since {_day(since)})." for since in first[fired]],
    )


def _alliance_concern(r: _Review) -> pd.DataFrame:
    drop_points = r.settings["alliance_drop_points"]
    concern = r.settings["alliance_concern_below"]
    rated = r.history[r.history["alliance_rating"].notna()]
    rating = rated["alliance_rating"].astype(float)
    previous = rating.groupby(rated["client_id"], sort=False).shift(1)
    # rounded so that a drop of 37.0 → 36.0 is exactly 1 and 36.9 → 35.9 is not 0.9999999
    drop = (previous - rating).round(9)
    dropped = drop >= drop_points
    low = rating < concern
    fired = (rated["scheduled_start"] >= r.start) & (dropped | low)
    rows = rated[fired]
    parts = []
    for value, start, before, fell, is_low in zip(
            rating[fired], rows["scheduled_start"], previous[fired], dropped[fired], low[fired]):
        notes = ([f"down {_number(before - value)} from {_number(before)}"] if fell else []) + (
            [f"below {_number(concern)}"] if is_low else [])
        parts.append(f"{_number(value)}/40 on {_day(start)} ({', '.join(notes)})")
    return _joined(rows, parts, prefix="Alliance rating ")


def _off_track(r: _Review) -> pd.DataFrame:
    if r.off_track is None or r.off_track.empty:
        return _flags([], [])
    flagged = r.off_track[r.off_track["off_track"].astype(bool)]
    if "since" in flagged.columns:   # a run that began after the week is later data
        since = pd.to_datetime(flagged["since"])
        flagged = flagged[since.isna() | (since < r.end)]
    flagged = flagged[flagged["client_id"].isin(r.current)]
    return _flags(flagged["client_id"], flagged["reason"])


def _unpaid_fees(r: _Review) -> pd.DataFrame:
    limit = int(r.settings["unpaid_alert_days"])
    h = r.history
    fee = h["fee"].astype(float)
    owed = (fee > 0) & (h["outcome"].eq("attended") | h["billable"].astype(bool))
    paid_on = pd.to_datetime(h["paid_on"])
    unpaid = paid_on.isna() | (paid_on > r.last_day)
    days = (r.last_day - pd.to_datetime(h["session_date"])).dt.days
    overdue = owed & unpaid & (days > limit)
    by_client = fee[overdue].groupby(h.loc[overdue, "client_id"], sort=False)
    total, count = by_client.sum(), by_client.size()
    oldest = h.loc[overdue].groupby("client_id", sort=False)["session_date"].min()
    return _flags(
        total.index,
        [f"{_amount(amount)} in fees unpaid for more than {limit} days on {_day(r.last_day)}: "
         f"{_plural(n, 'session')}, the oldest on {_day(first)} "
         f"({(r.last_day - first).days} days)."
         for amount, n, first in zip(total, count, oldest)],
    )


def _nothing_booked(r: _Review) -> pd.DataFrame:
    active_since = r.end - pd.Timedelta(days=r.settings["active_client_days"])
    horizon = r.end + pd.Timedelta(days=r.settings["unbooked_alert_days"])
    h = r.history
    attended = h[h["outcome"].eq("attended") & (h["scheduled_start"] >= active_since)]
    last_attended = attended.groupby("client_id", sort=False)["scheduled_start"].max()
    starts = pd.to_datetime(r.facts["scheduled_start"])
    booked = r.facts.loc[(starts >= r.end) & (starts < horizon), "client_id"].unique()
    last_attended = last_attended[~last_attended.index.isin(booked)]
    until = horizon - pd.Timedelta(days=1)
    return _flags(
        last_attended.index,
        [f"Last attended on {_day(last)}; nothing booked from {_day(r.end)} to {_day(until)}."
         for last in last_attended],
    )


_FINDERS: dict[str, Callable[[_Review], pd.DataFrame]] = {
    "missed_this_week": _missed_this_week,
    "low_attendance": _low_attendance,
    "late_arrivals": _late_arrivals,
    "involvement_falling": _involvement_falling,
    "practice_missed": _practice_missed,
    "alliance_concern": _alliance_concern,
    "off_track": _off_track,
    "unpaid_fees": _unpaid_fees,
    "nothing_booked": _nothing_booked,
}


# -- the public functions -------------------------------------------------------------------------

def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="str") for column in columns})


def needs_attention(facts: pd.DataFrame, week_start: date, settings: dict[str, float],
                    off_track: pd.DataFrame | None = None) -> pd.DataFrame:
    """List the clients who need attention after the week starting *week_start*, and why.

    Every rule of :data:`RULES` is applied to the week ``[week_start, week_start + 7 days)``
    using only the sessions that start before the end of that week, except that
    ``nothing_booked`` looks at the ``unbooked_alert_days`` days after it. Booked sessions never
    count as held ones.

    Parameters
    ----------
    facts : DataFrame
        Every session of the practice (or of one therapist), as returned by
        :func:`alliance_metrics.scores.session_facts` — including the sessions booked after the
        week, for the booking look-ahead.
    week_start : date
        First day of the reviewed week (normally a Monday; see :func:`most_recent_week`).
    settings : dict
        Setting values by name (``Store.settings()``); a setting left out takes its default.
    off_track : DataFrame, optional
        :func:`alliance_metrics.progress.off_track` computed from the same sessions up to the
        end of the week (columns client_id, off_track, since, reason). Without it, the
        ``off_track`` rule finds nothing.

    Returns
    -------
    DataFrame
        One row per (client, rule) that fires: client_id, therapist_id (of the client's latest
        held session), code, title, reason (plain words with the figures). Sorted by client_id
        then rule order. Empty, with these columns, when nothing fires.
    """
    review = _review(facts, week_start, settings, off_track)
    found = [
        finder(review).assign(code=code, order=number)
        for number, (code, finder) in enumerate(_FINDERS.items())
    ]
    flags = pd.concat(found, ignore_index=True)
    if flags.empty:
        return _empty(FLAG_COLUMNS)
    therapist = review.history.drop_duplicates("client_id", keep="last").set_index("client_id")
    flags = flags.sort_values(["client_id", "order"], ignore_index=True).assign(
        therapist_id=flags["client_id"].map(therapist["therapist_id"]),
        title=flags["code"].map({rule.code: rule.title for rule in RULES}),
    )
    return flags[list(FLAG_COLUMNS)].astype("str")


def attention_by_client(flags: pd.DataFrame) -> pd.DataFrame:
    """Gather the flags of :func:`needs_attention` into one row per client, for the review list.

    Returns client_id, therapist_id, reasons (the list of the client's reasons, in rule order)
    and n_reasons (its length), clients in the order of *flags*.

    >>> flags = pd.DataFrame({"client_id": ["a", "a", "b"], "therapist_id": ["T", "T", "T"],
    ...     "code": ["x", "y", "x"], "title": ["X", "Y", "X"], "reason": ["r1.", "r2.", "r3."]})
    >>> attention_by_client(flags).to_dict("list")
    {'client_id': ['a', 'b'], 'therapist_id': ['T', 'T'], 'reasons': [['r1.', 'r2.'], ['r3.']], 'n_reasons': [2, 1]}
    """
    if flags.empty:
        return pd.DataFrame({"client_id": pd.Series(dtype="str"),
                             "therapist_id": pd.Series(dtype="str"),
                             "reasons": pd.Series(dtype=object),
                             "n_reasons": pd.Series(dtype="int64")})
    by_client = flags.groupby("client_id", sort=False)
    table = by_client.agg(therapist_id=("therapist_id", "first"), reasons=("reason", list))
    table["n_reasons"] = table["reasons"].map(len).astype("int64")
    return table.reset_index()[list(BY_CLIENT_COLUMNS)]


def billable_missed(facts: pd.DataFrame, week_start: date) -> pd.DataFrame:
    """The week's billable missed sessions: no-shows and late cancellations with a fee due.

    A session is billable when its outcome is ``no_show`` or ``late_cancel`` and its fee is not 0
    (SPEC §4; the ``billable`` column of the session facts). The week is
    ``[week_start, week_start + 7 days)``. The amount to bill is ``.fee.sum()`` (a blank fee is
    billable but adds nothing).

    Returns session_id, client_id, therapist_id, scheduled_start, outcome, notice_hours, fee,
    paid_on, sorted by scheduled_start then client_id.

    >>> facts = pd.DataFrame({"session_id": ["s1", "s2"], "client_id": ["a", "b"],
    ...     "therapist_id": ["T", "T"],
    ...     "scheduled_start": pd.to_datetime(["2026-03-03 10:00", "2026-03-10 10:00"]),
    ...     "outcome": ["no_show", "no_show"], "notice_hours": [None, None], "fee": [60.0, 60.0],
    ...     "paid_on": pd.to_datetime([None, None]), "billable": [True, True]})
    >>> billable_missed(facts, date(2026, 3, 2)).session_id.tolist()
    ['s1']
    """
    _check_columns(facts, (*BILLABLE_COLUMNS, "billable"))
    start = _midnight(week_start)
    starts = pd.to_datetime(facts["scheduled_start"])
    in_week = (starts >= start) & (starts < start + WEEK) & facts["billable"].astype(bool)
    return (facts.loc[in_week, list(BILLABLE_COLUMNS)]
            .sort_values(["scheduled_start", "client_id"], ignore_index=True))


def most_recent_week(facts: pd.DataFrame) -> date | None:
    """The Monday of the most recent week with a held session (any outcome but ``booked``).

    None when *facts* has no held session.

    >>> facts = pd.DataFrame({"outcome": ["attended", "booked"],
    ...     "scheduled_start": pd.to_datetime(["2026-03-05 10:00", "2026-03-12 10:00"])})
    >>> most_recent_week(facts)
    datetime.date(2026, 3, 2)
    """
    held = pd.to_datetime(facts.loc[facts["outcome"].ne("booked"), "scheduled_start"])
    if held.empty:
        return None
    latest = held.max().date()
    return latest - timedelta(days=latest.weekday())
