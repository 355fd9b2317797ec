"""The weekly review: who needs attention and why, and the week's billable missed sessions.

Issue 5. Each rule of :data:`RULES` is a documented, vectorised test over the session facts
(:func:`alliance_metrics.score_queries.session_facts`) that reads its thresholds from the settings by
name. A review covers one week, ``[week_start, week_start + 7 days)``; only sessions that start
before the end of that week count, except for the booking look-ahead of ``nothing_booked`` — so
reviewing an old week gives the same list it gave at the time.

Rules about a client's recent pattern (attendance, late arrivals, involvement, practice, goal
progress) only concern **current clients**: those with a session that counts in attendance
(attended, no-show or late cancellation) in the ``active_client_days`` days up to the end of the
week. Without that, a client who left a year ago with a poor last month would be listed every week.

Two thresholds are **calibrated** on the practice's own ratings unless the practice sets them
(their default is 0): a drop in the alliance rating and a fall in involvement are flagged only
when they exceed what measurement noise produces (Jacobson & Truax 1991's reliable change), see
:func:`alert_thresholds`. A list that flags most clients every week prioritises nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Callable

import numpy as np
import pandas as pd

from alliance_metrics.i18n import N_, _, format_currency, format_date, format_decimal, format_percent, ngettext, pgettext
from alliance_metrics.settings import DEFAULTS, setting
from alliance_metrics.sorted_groups import group_bounds

_Z_975 = 1.959963984540054  # standard normal 97.5 % quantile
#: Fewest within-client degrees of freedom (ratings − clients) to compute a threshold from.
MIN_CALIBRATION_DOF = 30
#: Within-client spreads used while the practice has too few ratings (assumed, not measured):
#: 1.0 point of the 40-point Session Rating Scale gives a reliable change of 2.8 points, within
#: the 2.5–3 points usually quoted for the SRS; 0.6 of the 1–5 involvement rating is about one
#: rating step either side of a client's usual.
FALLBACK_SPREAD = {"alliance_rating": 1.0, "engagement": 0.6}

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
    """One documented needs-attention rule; its thresholds are the settings it names.

    ``title`` and ``explanation`` are the English words, marked for the catalogue (the explanation
    names the settings by their code names, for the documentation); :meth:`heading` and
    :meth:`describe` give them in the current language, the settings named by their labels.
    """

    code: str
    title: str
    explanation: str
    settings: tuple[str, ...] = ()
    current_only: bool = False   # only current clients (the module docstring): :data:`_CURRENT` follows

    def heading(self) -> str:
        """The rule's title in the current language."""
        return _(self.title)

    def describe(self) -> str:
        """The explanation in the current language, each setting's code name replaced by its
        label in quotes (``“Grace for lateness (minutes)”``)."""
        text = _(self.explanation) + (" " + _(_CURRENT) if self.current_only else "")
        for name in sorted({*self.settings, "active_client_days"}, key=len, reverse=True):
            text = re.sub(rf"\b{name}\b", _("“{label}”").format(label=setting(name).title()), text)
        return text


_CURRENT = N_("Current clients only: those with a session that counts in attendance in the "
              "active_client_days days up to the end of the week.")

RULES: tuple[Rule, ...] = (
    Rule("missed_this_week", N_("Missed session this week"),
         N_("The client did not come to a session this week: a no-show, or a late cancellation "
            "(less than late_cancel_hours of notice)."),
         ("late_cancel_hours",)),
    Rule("low_attendance", N_("Low attendance"),
         N_("Attendance below attendance_alert_pct % over the client's last "
            "attendance_window_sessions sessions that count in attendance (attended, no-shows, late "
            "cancellations) up to the end of the week; only when the client has that many."),
         ("attendance_alert_pct", "attendance_window_sessions", "active_client_days"), True),
    Rule("late_arrivals", N_("Late arrivals in a row"),
         N_("The client arrived more than grace_min minutes late at each of their last "
            "late_arrivals_in_row attended sessions whose arrival time is known."),
         ("late_arrivals_in_row", "grace_min", "active_client_days"), True),
    Rule("involvement_falling", N_("Engagement rating falling"),
         N_("The mean engagement rating (the therapist's 1–5 rating of the client's involvement in "
            "the session) at the client's last involvement_window_sessions rated attended sessions "
            "is at least involvement_drop_points below the mean at the involvement_window_sessions "
            "rated sessions before them (by default, the fall that measurement noise alone exceeds "
            "in 1 case in 40, computed from the practice's ratings)."),
         ("involvement_window_sessions", "involvement_drop_points", "active_client_days"), True),
    Rule("practice_missed", N_("Agreed practice not done"),
         N_("None of the agreed practice was done at each of the client's last "
            "practice_missed_in_row attended sessions where practice had been agreed."),
         ("practice_missed_in_row", "active_client_days"), True),
    Rule("alliance_concern", N_("Alliance rating low or falling"),
         N_("A session this week has an alliance rating at least alliance_drop_points below the "
            "client's previous rating (by default the reliable change computed from the practice's "
            "ratings: a drop larger than measurement noise), or has newly fallen below "
            "alliance_concern_below from a previous rating at or above it (36 of 40 is the Session "
            "Rating Scale's cut-off for a possible alliance problem; Duncan et al. 2003, Miller et "
            "al.)."),
         ("alliance_drop_points", "alliance_concern_below")),
    Rule("off_track", N_("Goal progress off track"),
         N_("The client's latest goal ratings are below the practice's expected band (drawn where "
            "at least expected_band_min_clients clients have ratings; see Expected progress), in a "
            "run that began before the end of the week."),
         ("expected_band_min_clients", "active_client_days"), True),
    Rule("unpaid_fees", N_("Fees unpaid"),
         N_("A fee (above 0, for an attended session or a billable missed one) is still unpaid on "
            "the last day of the week, more than unpaid_alert_days days after the session. "
            "A payment dated after the week does not count yet."),
         ("unpaid_alert_days",)),
    Rule("nothing_booked", N_("Nothing booked"),
         N_("An active client (attended a session in the active_client_days days up to the end of "
            "the week) has no session at all — booked, held or cancelled — in the "
            "unbooked_alert_days days after the week."),
         ("active_client_days", "unbooked_alert_days")),
)


# -- formatting -----------------------------------------------------------------------------------

def _number(value: float, decimals: int = 1) -> str:
    """A figure rounded to *decimals*, trailing zeros dropped, in the current language:
    66.666 → '66.7' (French '66,7'), 75.0 → '75'."""
    return format_decimal(round(float(value), decimals))


def _percent(value: float) -> str:
    """A 0–100 figure as a percentage to one decimal at most: '57.1%' (French '57,1 %')."""
    value = round(float(value), 1)
    return format_percent(value, 0 if value.is_integer() else 1)


def _day(value) -> str:
    """A date as the current language writes it: '2 Mar 2026', '02/03/2026'."""
    return format_date(pd.Timestamp(value).date())


def _days(values: pd.Series) -> list[str]:
    """Timestamps as dates in the current language (see :func:`_day`)."""
    return [_day(value) for value in pd.to_datetime(values)]


def _list(parts) -> str:
    """Items of one reason joined: ', ' in English, ' ; ' in French (its decimal comma)."""
    return pgettext("list separator", ", ").join(parts)


# -- calibrated thresholds ------------------------------------------------------------------------

def within_client_spread(values: pd.Series, clients: pd.Series) -> tuple[float | None, int, int]:
    """The pooled within-client standard deviation of repeated ratings.

    .. math:: s_w = \\sqrt{\\frac{\\sum_i \\sum_t (v_{it} - \\bar v_i)^2}{N - k}}

    over the N ratings of the k clients with two or more (v̄_i: client i's mean). It measures how
    much one client's ratings vary around their own usual — measurement noise plus real session
    to session change, so thresholds built on it are, if anything, conservative. Range [0, ∞).

    Returns (s_w, N, k); s_w is None when N − k < :data:`MIN_CALIBRATION_DOF`.

    >>> within_client_spread(pd.Series([36.0, 38.0] * 40), pd.Series(range(80)) // 2)
    (1.4142135623730951, 80, 40)
    """
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    codes = pd.factorize(clients)[0]       # -1 for a missing client: left out like a missing rating
    rated = ~np.isnan(v) & (codes >= 0)
    v, codes = v[rated], codes[rated]
    # per-client counts and sums by bincount: a groupby over 700,000 ratings took 0.3 s
    count = np.bincount(codes)
    repeated = count[codes] >= 2
    n, k = int(repeated.sum()), int((count >= 2).sum())
    if n - k < MIN_CALIBRATION_DOF:
        return None, n, k
    mean = np.bincount(codes, weights=v) / np.maximum(count, 1)
    deviation = (v - mean[codes])[repeated]
    return float(np.sqrt((deviation @ deviation) / (n - k))), n, k


def reliable_change(spread: float, m: int = 1) -> float:
    """The smallest fall between two means of *m* ratings that noise alone rarely reaches.

    1.96 · s_w · √(2/m): the difference of two independent means of m ratings has standard error
    s_w · √(2/m), so a fall at least this large happens by chance in 2.5 % of comparisons
    (one-sided). m = 1 is Jacobson & Truax's (1991) reliable change, 1.96 · √2 · s_w.

    >>> round(reliable_change(1.0), 2), round(reliable_change(0.6, 3), 2)
    (2.77, 0.96)
    """
    return float(_Z_975 * spread * np.sqrt(2.0 / m))


@dataclass(frozen=True)
class Threshold:
    """A calibrated setting's value in use, and where it came from."""

    setting: str
    value: float
    source: str    # "practice setting", "computed" or "fallback"
    spread: float | None = None
    ratings: int = 0
    clients: int = 0

    @property
    def explanation(self) -> str:
        """One sentence a therapist can read."""
        if self.source == "practice setting":
            return _("{setting}: {value}, set on the Settings page.").format(
                setting=setting(self.setting).title(), value=_number(self.value, 2))
        if self.source == "computed":
            return _("{setting}: {value}, larger than measurement noise, computed from the spread of "
                     "each client's ratings around their own usual (s_w = {spread}, {ratings} ratings of "
                     "{clients} clients).").format(
                setting=setting(self.setting).title(), value=_number(self.value, 2),
                spread=_number(self.spread, 2), ratings=format_decimal(self.ratings),
                clients=format_decimal(self.clients))
        return _("{setting}: {value}; too few ratings yet ({ratings}) to measure the practice's own "
                 "noise, so an assumed spread of {spread} is used.").format(
            setting=setting(self.setting).title(), value=_number(self.value, 2),
            ratings=format_decimal(self.ratings), spread=_number(self.spread, 2))


#: Calibrated settings: the rated column they read and the window setting (None: one rating).
_CALIBRATED = {
    "alliance_drop_points": ("alliance_rating", None),
    "involvement_drop_points": ("engagement", "involvement_window_sessions"),
}


def alert_thresholds(facts: pd.DataFrame, week_start: date, settings: dict[str, float]) -> dict[str, Threshold]:
    """The calibrated thresholds the review of the week of *week_start* uses.

    For each of alliance_drop_points and involvement_drop_points: the practice's own value when
    it set one (not 0); otherwise :func:`reliable_change` of :func:`within_client_spread` of the
    rating (attended sessions before the end of the week, in *facts*), with m = 1 for the alliance
    and m = involvement_window_sessions for involvement; or, with too few ratings, of
    :data:`FALLBACK_SPREAD`.
    """
    _check_columns(facts, ("client_id", "scheduled_start", "outcome", "alliance_rating", "engagement"))
    values = _settings(settings)
    end = _midnight(week_start) + WEEK
    held = ((pd.to_datetime(facts["scheduled_start"]) < end) & facts["outcome"].eq("attended")).to_numpy()
    # integer codes group the same clients as their ids, several times faster than text; the
    # two rated columns are taken alone (a copy of every held row's facts took most of the time)
    clients = pd.Series(pd.factorize(facts["client_id"])[0][held])
    found = {}
    for name, (column, window) in _CALIBRATED.items():
        if values[name] > 0:
            found[name] = Threshold(name, float(values[name]), "practice setting")
            continue
        m = 1 if window is None else int(values[window])
        spread, n, k = within_client_spread(pd.Series(_floats(facts[column])[held]), clients)
        if spread is None:
            found[name] = Threshold(name, reliable_change(FALLBACK_SPREAD[column], m), "fallback",
                                    FALLBACK_SPREAD[column], n, k)
        else:
            found[name] = Threshold(name, reliable_change(spread, m), "computed", spread, n, k)
    return found


# -- the week under review ------------------------------------------------------------------------

def _midnight(value: date | datetime | str) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


@dataclass(frozen=True, eq=False)
class _Review:
    """What every rule reads.

    ``history`` holds the held (non-booked) sessions that start before ``end``, sorted by client
    then start, with ``client`` an integer code: ``clients[code]`` is the client_id. Codes keep
    the grouping fast on a million rows.
    """

    history: pd.DataFrame
    clients: pd.Index        # client_id by code
    current: np.ndarray      # bool by code: a current client (module docstring)
    start: pd.Timestamp      # first instant of the week
    end: pd.Timestamp        # first instant after the week
    settings: dict[str, float]
    facts: pd.DataFrame      # every session, for the booking look-ahead
    off_track: pd.DataFrame | None

    @cached_property
    def week(self) -> pd.DataFrame:
        return self.history[self.history["scheduled_start"] >= self.start]

    @property
    def last_day(self) -> pd.Timestamp:
        return self.end - pd.Timedelta(days=1)

    def of_current(self, where: pd.Series, columns: list[str]) -> pd.DataFrame:
        """The history rows of current clients where *where* holds: ``client`` and *columns* only
        (a copy of every column of a million rows took most of a rule's time)."""
        keep = where.to_numpy(dtype=bool) & self.current[self.history["client"].to_numpy()]
        return self.history.loc[keep, ["client", *columns]]


def _check_columns(facts: pd.DataFrame, columns) -> None:
    missing = [column for column in columns if column not in facts.columns]
    if missing:
        # a programming error (the caller passed the wrong frame), for developers: not translated
        raise ValueError(
            f"The facts frame needs the columns of session_facts(); it is missing "
            f"{', '.join(missing)}. Columns received: {', '.join(map(str, facts.columns))}."
        )


def _settings(given: dict[str, float]) -> dict[str, float]:
    """The defaults overlaid with *given*, each value checked against its setting's range."""
    return DEFAULTS | {name: setting(name).check(value) for name, value in given.items()}


def _floats(column: pd.Series) -> np.ndarray:
    """Any numeric or nullable boolean column as float64, missing values as nan."""
    return column.to_numpy(dtype="float64", na_value=np.nan)


def _review(facts, week_start, settings, off_track, thresholds=None) -> _Review:
    _check_columns(facts, FACT_COLUMNS)
    start = _midnight(week_start)
    end = start + WEEK
    values = _settings(settings)
    codes, clients = pd.factorize(facts["client_id"], sort=True)
    starts = pd.to_datetime(facts["scheduled_start"]).to_numpy()
    outcome = facts["outcome"]
    held = np.flatnonzero((starts < end.to_datetime64()) & outcome.ne("booked").to_numpy())
    rows = held[np.lexsort((starts[held], codes[held]))]
    history = pd.DataFrame({
        "client": codes[rows],
        "scheduled_start": starts[rows],
        "session_date": pd.to_datetime(facts["session_date"]).to_numpy()[rows],
        "attended": outcome.eq("attended").to_numpy()[rows],
        "no_show": outcome.eq("no_show").to_numpy()[rows],
        "late_cancel": outcome.eq("late_cancel").to_numpy()[rows],
        "counts": facts["counts_in_attendance"].to_numpy(dtype=bool)[rows],
        "billable": facts["billable"].to_numpy(dtype=bool)[rows],
        **{name: _floats(facts[name])[rows] for name in (
            "notice_hours", "client_late_min", "client_on_time", "homework_done", "engagement",
            "alliance_rating", "fee")},
        "paid_on": pd.to_datetime(facts["paid_on"]).to_numpy()[rows],
        # known to be unpaid (SPEC §4: a paid flag, or a blank paid_on); without the column, blank paid_on
        "unpaid": (facts["paid"].eq(False) if "paid" in facts else facts["paid_on"].isna()
                   ).to_numpy(dtype=bool)[rows],
        "row": rows,   # position in facts
    })
    if thresholds is None:
        thresholds = alert_thresholds(facts, start, values)
    values |= {name: threshold.value for name, threshold in thresholds.items()}
    active_since = end - pd.Timedelta(days=values["active_client_days"])
    current = np.zeros(len(clients), dtype=bool)
    recent = history["counts"] & (history["scheduled_start"] >= active_since)
    current[history.loc[recent, "client"]] = True
    return _Review(history, clients, current, start, end, values, facts, off_track)


def _tail(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """Each client's last *n* rows of a frame sorted by client then start, with ``back``
    (0 = the client's latest row, 1 the one before, …)."""
    back = frame.groupby("client", sort=False).cumcount(ascending=False)
    keep = back < n
    return frame[keep].assign(back=back[keep])


def _flags(clients, reasons) -> pd.DataFrame:
    """A rule's findings: client codes and their reasons."""
    return pd.DataFrame({"client": np.asarray(clients, dtype="int64"),
                         "reason": pd.array(list(reasons), dtype="str")})


def _joined(rows: pd.DataFrame, parts: pd.Series) -> pd.Series:
    """Each client's *parts* (one per row) joined by '; ' (French ' ; '), indexed by client code
    (ascending), each client's parts in row order.

    >>> _joined(pd.DataFrame({"client": [3, 1, 3]}), pd.Series(["a", "b", "c"])).to_dict()
    {1: 'b', 3: 'a; c'}
    """
    # one stable sort and a split: a groupby joining strings took 0.2 s for 2,000 clients
    clients = rows["client"].to_numpy()
    order = np.argsort(clients, kind="stable")
    ordered = clients[order]
    starts, ends = group_bounds(ordered)
    texts = np.asarray(parts.tolist(), dtype=object)[order].tolist()
    separator = pgettext("list of events", "; ")
    return pd.Series([separator.join(texts[start:end]) for start, end in zip(starts.tolist(), ends.tolist())],
                     index=ordered[starts], dtype="str")


# -- the rules ------------------------------------------------------------------------------------

def _missed_this_week(r: _Review) -> pd.DataFrame:
    missed = r.week[r.week["no_show"] | r.week["late_cancel"]]
    parts = pd.Series([
        _("no-show on {day}").format(day=day) if no_show
        else _("late cancellation on {day}").format(day=day) if np.isnan(notice)
        else _("late cancellation on {day} ({hours} h notice)").format(day=day, hours=_number(notice))
        for no_show, day, notice in zip(
            missed["no_show"], _days(missed["scheduled_start"]), missed["notice_hours"])
    ], index=missed.index, dtype="str")
    joined = _joined(missed, parts)
    return _flags(joined.index, [line[:1].upper() + line[1:] + "." for line in joined])


def _low_attendance(r: _Review) -> pd.DataFrame:
    n = int(r.settings["attendance_window_sessions"])
    limit = r.settings["attendance_alert_pct"]
    tail = _tail(r.of_current(r.history["counts"], ["attended"]), n)
    per = tail.groupby("client", sort=False).agg(
        rows=("back", "size"), attended=("attended", "sum"))
    per["percent"] = 100.0 * per["attended"] / n
    per = per[(per["rows"] == n) & (per["percent"] < limit)]
    return _flags(per.index, [
        ngettext("Attendance {percent} over the last {n} scheduled session ({count} of {n}), below {limit}.",
                 "Attendance {percent} over the last {n} scheduled sessions ({count} of {n}), below {limit}.",
                 n).format(percent=_percent(pct), n=n, count=int(count), limit=_percent(limit))
        for pct, count in zip(per["percent"], per["attended"])
    ])


def _late_arrivals(r: _Review) -> pd.DataFrame:
    k = int(r.settings["late_arrivals_in_row"])
    h = r.history
    tail = _tail(r.of_current(h["attended"] & h["client_on_time"].notna(), ["client_on_time", "client_late_min"]), k)
    per = (tail.assign(late=tail["client_on_time"].eq(0))
           .groupby("client", sort=False).agg(rows=("back", "size"), late=("late", "all")))
    fired = per.index[(per["rows"] == k) & per["late"]]
    rows = tail[tail["client"].isin(fired)]
    minutes = rows["client_late_min"].map(_number).astype("str")
    by_client = minutes.groupby(rows["client"].to_numpy(), sort=False).agg(_list)
    return _flags(by_client.index, [
        ngettext("Arrived late at the last {k} attended session in a row ({minutes} min after the start).",
                 "Arrived late at the last {k} attended sessions in a row ({minutes} min after the start).",
                 k).format(k=k, minutes=line)
        for line in by_client
    ])


def _involvement_falling(r: _Review) -> pd.DataFrame:
    m = int(r.settings["involvement_window_sessions"])
    h = r.history
    tail = _tail(r.of_current(h["attended"] & h["engagement"].notna(), ["engagement"]), 2 * m)
    score = tail["engagement"]
    per = (tail.assign(recent=score.where(tail["back"] < m), before=score.where(tail["back"] >= m))
           .groupby("client", sort=False)
           .agg(rows=("back", "size"), recent=("recent", "mean"), before=("before", "mean")))
    drop = r.settings["involvement_drop_points"]
    fall = per["before"] - per["recent"]
    per = per[(per["rows"] == 2 * m) & (fall > 0) & (fall >= drop - 1e-9)]
    return _flags(per.index, [
        ngettext("Engagement rating falling: mean {now} (1–5) over the last {m} rated session, "
                 "down from {then} over the {m} before.",
                 "Engagement rating falling: mean {now} (1–5) over the last {m} rated sessions, "
                 "down from {then} over the {m} before.", m).format(now=_number(now, 2), then=_number(then, 2), m=m)
        for now, then in zip(per["recent"], per["before"])
    ])


def _practice_missed(r: _Review) -> pd.DataFrame:
    p = int(r.settings["practice_missed_in_row"])
    h = r.history
    tail = _tail(r.of_current(h["attended"] & h["homework_done"].notna(), ["homework_done", "scheduled_start"]), p)
    per = (tail.assign(none=tail["homework_done"].eq(0))
           .groupby("client", sort=False)
           .agg(rows=("back", "size"), none=("none", "all"), since=("scheduled_start", "min")))
    per = per[(per["rows"] == p) & per["none"]]
    return _flags(per.index, [
        ngettext("None of the agreed practice done at the last {p} session where practice was agreed "
                 "(since {since}).",
                 "None of the agreed practice done at the last {p} sessions where practice was agreed "
                 "(since {since}).", p).format(p=p, since=since)
        for since in _days(per["since"])
    ])


def _alliance_concern(r: _Review) -> pd.DataFrame:
    drop_points = r.settings["alliance_drop_points"]
    concern = r.settings["alliance_concern_below"]
    rated = r.history.loc[r.history["alliance_rating"].notna(), ["client", "alliance_rating", "scheduled_start"]]
    rating = rated["alliance_rating"]
    previous = rating.groupby(rated["client"], sort=False).shift(1)
    # rounded so that 36.9 → 35.9 is a drop of exactly 1, not 0.999…; a drop is a fall (with
    # ratings that never vary the computed threshold is 0, and 38 → 38 is no drop)
    fall = (previous - rating).round(9)
    dropped = (fall > 0) & (fall >= drop_points)
    low = (rating < concern) & ~(previous < concern)   # a new crossing: the previous was not below
    fired = (rated["scheduled_start"] >= r.start) & (dropped | low)
    rows = rated[fired]
    parts = pd.Series([
        _("{rating}/40 on {day} ({details})").format(rating=_number(value), day=day, details=_list(
            ([_("down {fall} from {before}").format(fall=_number(before - value), before=_number(before))]
             if fell else [])
            + ([_("below {concern}").format(concern=_number(concern))] if is_low else [])))
        for value, day, before, fell, is_low in zip(
            rating[fired], _days(rows["scheduled_start"]), previous[fired], dropped[fired],
            low[fired])
    ], index=rows.index, dtype="str")
    joined = _joined(rows, parts)
    return _flags(joined.index, [_("Alliance rating {ratings}.").format(ratings=line) for line in joined])


def _off_track(r: _Review) -> pd.DataFrame:
    if r.off_track is None or r.off_track.empty:
        return _flags([], [])
    flagged = r.off_track[r.off_track["off_track"].astype(bool)]
    if "since" in flagged.columns:   # a run that began after the week rests on later data
        since = pd.to_datetime(flagged["since"])
        flagged = flagged[since.isna() | (since < r.end)]
    codes = r.clients.get_indexer(flagged["client_id"])
    known = codes >= 0
    codes, reasons = codes[known], flagged["reason"][known]
    current = r.current[codes]
    return _flags(codes[current], reasons[current])


def _unpaid_fees(r: _Review) -> pd.DataFrame:
    limit = int(r.settings["unpaid_alert_days"])
    last_day = r.last_day
    h = r.history
    owed = (h["fee"] > 0) & (h["attended"] | h["billable"])
    unpaid = h["unpaid"] | (h["paid_on"] > last_day)
    overdue = h.loc[owed & unpaid & ((last_day - h["session_date"]).dt.days > limit), ["client", "fee", "session_date"]]
    per = overdue.groupby("client", sort=False).agg(
        total=("fee", "sum"), sessions=("fee", "size"), oldest=("session_date", "min"))
    age = (last_day - per["oldest"]).dt.days
    currency = r.settings.get("currency")
    return _flags(per.index, [
        ngettext("{amount} in fees unpaid for more than {limit} days on {day}: {count} session, "
                 "the oldest on {oldest} ({days} days).",
                 "{amount} in fees unpaid for more than {limit} days on {day}: {count} sessions, "
                 "the oldest on {oldest} ({days} days).", int(count)).format(
            amount=format_currency(float(total), currency), limit=limit, day=_day(last_day),
            count=int(count), oldest=oldest, days=int(days))
        for total, count, oldest, days in zip(
            per["total"], per["sessions"], _days(per["oldest"]), age)
    ])


def _nothing_booked(r: _Review) -> pd.DataFrame:
    active_since = r.end - pd.Timedelta(days=r.settings["active_client_days"])
    horizon = r.end + pd.Timedelta(days=r.settings["unbooked_alert_days"])
    h = r.history
    attended = h.loc[h["attended"] & (h["scheduled_start"] >= active_since), ["client", "scheduled_start"]]
    last_attended = attended.groupby("client", sort=False)["scheduled_start"].max()
    starts = pd.to_datetime(r.facts["scheduled_start"])
    ahead = r.facts.loc[(starts >= r.end) & (starts < horizon), "client_id"]
    booked = r.clients.get_indexer(ahead.unique())
    last_attended = last_attended[~last_attended.index.isin(booked)]
    until = horizon - pd.Timedelta(days=1)
    return _flags(last_attended.index, [
        _("Last attended on {last}; nothing booked from {start} to {end}.").format(
            last=last, start=_day(r.end), end=_day(until))
        for last in _days(last_attended)
    ])


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
                    off_track: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
                    thresholds: dict[str, Threshold] | None = None) -> pd.DataFrame:
    """List the clients who need attention after the week starting *week_start*, and why.

    Every rule of :data:`RULES` is applied to the week ``[week_start, week_start + 7 days)``
    using only the sessions that start before the end of that week, except that
    ``nothing_booked`` looks at the ``unbooked_alert_days`` days after it. Booked sessions never
    count as held ones. With the settings' names as symbols, a rule fires when

    - ``missed_this_week``: the week has a session with outcome no_show or late_cancel;
    - ``low_attendance``: 100 · a / N < attendance_alert_pct, where N =
      attendance_window_sessions and a counts the attended sessions among the client's last N
      sessions that count in attendance (the client must have N);
    - ``late_arrivals``: client_on_time is False at each of the client's last
      late_arrivals_in_row attended sessions with a known client_late_min;
    - ``involvement_falling``: mean(e_{m+1} … e_{2m}) − mean(e₁ … e_m) ≥ involvement_drop_points
      (and > 0), where e₁ is the
      engagement (1–5) of the latest rated attended session, e₂ the one before, … and
      m = involvement_window_sessions (the client must have 2m);
    - ``practice_missed``: homework_done = 0 at each of the client's last
      practice_missed_in_row attended sessions with a homework_done value;
    - ``alliance_concern``: a rating r this week with r_prev − r ≥ alliance_drop_points
      (r_prev: the client's previous rating), or r < alliance_concern_below ≤ r_prev (a new
      crossing; a first rating below it counts too);
    - ``off_track``: *off_track* says so (see below);
    - ``unpaid_fees``: a fee > 0 of an attended or billable session is unpaid on D, the week's
      last day (paid_on blank or after D), and D − session_date > unpaid_alert_days days;
    - ``nothing_booked``: an attended session in ``[end − active_client_days, end)`` and no
      session at all in ``[end, end + unbooked_alert_days)``, where end = week_start + 7 days.

    The four pattern rules and ``off_track`` only concern current clients (module docstring).
    alliance_drop_points and involvement_drop_points at 0 (their default) are replaced by the
    values :func:`alert_thresholds` computes from *facts*.

    Parameters
    ----------
    facts : DataFrame
        Every session of the practice (or of one therapist), as returned by
        :func:`alliance_metrics.score_queries.session_facts` — including the sessions booked after the
        week, for the booking look-ahead.
    week_start : date
        First day of the reviewed week (normally a Monday; see :func:`alliance_metrics.review.latest_week`).
    settings : dict
        Setting values by name (``Store.settings()``); a setting left out takes its default.
    off_track : DataFrame, optional
        :func:`alliance_metrics.progress.off_track` computed from the same sessions up to the
        end of the week (columns client_id, off_track, since, reason), or a function that
        returns it, called once every other rule is applied (the weekly review computes it in
        another thread meanwhile). Without it, the ``off_track`` rule finds nothing.
    thresholds : dict, optional
        :func:`alert_thresholds` of the same *facts*, *week_start* and *settings*, when the caller
        has them already (the weekly review shows them): computed here otherwise.

    Returns
    -------
    DataFrame
        One row per (client, rule) that fires: client_id, therapist_id (of the client's latest
        held session), code, title, reason (plain words with the figures). Sorted by client_id
        then rule order. Empty, with these columns, when nothing fires.
    """
    later = callable(off_track)
    review = _review(facts, week_start, settings, None if later else off_track, thresholds)
    # the off-track rule last: a caller computing off_track meanwhile (the weekly review, in
    # another thread) waits for it only once every other rule is applied
    found = {rule.code: _FINDERS[rule.code](review) for rule in RULES if rule.code != "off_track"}
    if later:
        review = replace(review, off_track=off_track())
    found["off_track"] = _off_track(review)
    flags = pd.concat([found[rule.code].assign(code=rule.code, order=number) for number, rule in enumerate(RULES)],
                      ignore_index=True).sort_values(["client", "order"], ignore_index=True)
    if flags.empty:
        return _empty(FLAG_COLUMNS)
    # the therapist of each client's latest held session
    latest = review.history.drop_duplicates("client", keep="last").set_index("client")["row"]
    return pd.DataFrame({
        "client_id": review.clients[flags["client"]],
        "therapist_id": facts["therapist_id"].to_numpy()[flags["client"].map(latest)],
        "code": flags["code"],
        "title": flags["code"].map({rule.code: rule.heading() for rule in RULES}),
        "reason": flags["reason"],
    }).astype("str")


def attention_by_client(flags: pd.DataFrame) -> pd.DataFrame:
    """Gather the flags of :func:`needs_attention` into one row per client, for the review list.

    Returns client_id, therapist_id, reasons (the list of the client's reasons, in rule order)
    and n_reasons (its length), clients in the order of *flags*.

    >>> flags = pd.DataFrame({"client_id": ["a", "a", "b"], "therapist_id": ["T", "T", "T"],
    ...     "code": ["x", "y", "x"], "title": ["X", "Y", "X"], "reason": ["r1.", "r2.", "r3."]})
    >>> table = attention_by_client(flags)
    >>> table.reasons.tolist(), table.n_reasons.tolist()
    ([['r1.', 'r2.'], ['r3.']], [2, 1])
    """
    if flags.empty:
        return pd.DataFrame({"client_id": pd.Series(dtype="str"),
                             "therapist_id": pd.Series(dtype="str"),
                             "reasons": pd.Series(dtype=object),
                             "n_reasons": pd.Series(dtype="int64")})
    # one stable sort and a split: a groupby collecting lists took 0.65 s for 15,000 flags
    codes, clients = pd.factorize(flags["client_id"], sort=False)   # clients in the order of *flags*
    order = np.argsort(codes, kind="stable")
    starts, ends = group_bounds(codes[order])
    reasons = flags["reason"].to_numpy(dtype=object)[order].tolist()
    return pd.DataFrame({
        "client_id": flags["client_id"].to_numpy()[order][starts],
        "therapist_id": flags["therapist_id"].to_numpy()[order][starts],
        "reasons": [reasons[start:end] for start, end in zip(starts.tolist(), ends.tolist())],
        "n_reasons": (ends - starts).astype("int64"),
    })[list(BY_CLIENT_COLUMNS)]


def rule_counts(flags: pd.DataFrame) -> pd.DataFrame:
    """How many clients each rule of :data:`RULES` flagged, every rule listed (0 when silent).

    Columns code, title, clients; in rule order.

    >>> flags = pd.DataFrame({"client_id": ["a", "a", "b"], "code": ["off_track", "unpaid_fees", "off_track"]})
    >>> rule_counts(flags).set_index("code").clients[["off_track", "unpaid_fees", "late_arrivals"]].tolist()
    [2, 1, 0]
    """
    flagged = flags.groupby("code")["client_id"].nunique() if not flags.empty else pd.Series(dtype="int64")
    return pd.DataFrame({
        "code": [rule.code for rule in RULES],
        "title": [rule.heading() for rule in RULES],
        "clients": [int(flagged.get(rule.code, 0)) for rule in RULES],
    })


def current_clients(facts: pd.DataFrame, week_start: date, settings: dict[str, float]) -> int:
    """How many clients are current at the end of the week (module docstring): the denominator
    of "how many clients need attention"."""
    end = _midnight(week_start) + WEEK
    since = end - pd.Timedelta(days=_settings(settings)["active_client_days"])
    starts = pd.to_datetime(facts["scheduled_start"])
    counted = facts["counts_in_attendance"].astype(bool) & (starts >= since) & (starts < end)
    return int(facts.loc[counted, "client_id"].nunique())


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
