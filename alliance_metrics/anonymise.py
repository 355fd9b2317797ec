"""The supervisor's anonymised view (SPEC §6): aggregate tables only, every figure over ≥ k clients.

:func:`supervisor_view` is the one door from the identified store to what a supervisor sees. It
returns a :class:`SupervisorView`: six small tables of counts of distinct clients, means, medians
and correlations, labelled by calendar period, measure, score bin and therapist pseudonym. No
client id, name, goal, note, exact date, amount, minimum or maximum is in it; supervisor pages
and exports read nothing else.

The rules, and why each holds
-----------------------------
- **Cells.** A figure's ``n_clients`` is the number of distinct clients it is computed from.
  A cell with 1 … k−1 clients is *suppressed*: its count and values are withheld. A count of 0 is
  shown (it describes nobody). k is the setting ``k_anonymity`` (default 11, never below 5).
- **Closed periods, one grain.** Figures are by closed calendar period — month (``2026-03``),
  quarter (``2026-Q1``), half-year (``2026-H1``) or year (``2026``); the period the view is made
  in is never shown. ``auto`` pools months into quarters, half-years or a year until most
  periods (at least half) hold k active clients; the practice's first release fixes the grain
  for good (see :mod:`alliance_metrics.ledger`).
- **Released once, frozen.** Each period's tables are computed once, for the practice and every
  therapist together, and written to the release ledger; every later view of any scope reads
  them from there. Late entries, added or erased clients and re-exports change no released
  figure, so no two releases can be subtracted (the ledger's docstring states the rule and its cost).
- **Complements.** Wherever parts add up to a total that is shown or can be worked out (the
  therapists' cells and the practice's; new + returning = active clients; ended + dropped out +
  continuing = active clients), suppression continues with the smallest shown parts until the
  hidden parts sum to 0 or to at least k clients (:func:`secure`). A hidden part can then not be
  recovered by subtraction, and what subtraction does give covers at least k clients.
- **Per period.** Trends and the caseload flow run over every closed period; the therapist
  comparison, distributions and relations describe the latest closed period, each client's
  figures over it. Distributions and relation bins are released for the practice's whole
  caseload (a therapist's own view has them when they are the practice's only therapist):
  bins of a part of the practice, merged differently, could be subtracted from the practice's.
- **Distributions** are binned on a fixed grid, neighbouring bins merged until every bin holds at
  least k clients (:func:`merge_bins`); bin edges come from the grid, never from the data.
- **Relations** are Pearson correlations across clients with a 95 % interval
  (:func:`alliance_metrics.relations.between_clients`), shown only over ≥ k clients.

Known limits: counts of *different* measures of one period can be subtracted (clients active
minus clients with an attendance score = clients who only cancelled in time; caseload counts,
released later than the scores, against the scores' counts); that yields how many clients lack a
measure, never a value about them.

References: CMS Cell Size Suppression Policy (2020, threshold 11); Hundepool et al. (2012),
*Statistical Disclosure Control*, Wiley, §4.2 (primary and secondary suppression).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Sequence

import numpy as np
import pandas as pd

from alliance_metrics import ledger, sql
from alliance_metrics.i18n import N_, _, ngettext
from alliance_metrics.pseudonym import PracticeSecret, practice_pseudonym, practice_secret, pseudonym
from alliance_metrics.score_queries import client_scores
from alliance_metrics.scores import SCORES, progress_pct, progress_points
from alliance_metrics.settings import setting
from alliance_metrics.store import Store, per_data_version

# -- vocabulary -------------------------------------------------------------------------------

#: The progress measure the scores are related to (points on the 0–10 goal scale).
PROGRESS = "progress_points"
SCORE_NAMES: tuple[str, ...] = tuple(score.name for score in SCORES)
#: Every measure with a trend, a therapist comparison and a distribution.
MEASURES: tuple[str, ...] = (*SCORE_NAMES, "progress_points", "progress_pct")
#: The measures' labels, in English and marked for the catalogue: translate them where shown (``_(…)``).
MEASURE_LABELS: dict[str, str] = {score.name: score.label for score in SCORES} | {
    "progress_points": N_("Goal progress (points)"),
    "progress_pct": N_("Goal progress (% of the way to target)"),
}
#: The caseload flow: clients with a session of their own in the period, clients whose first
#: session ever it holds, and clients whose last session in it began an ending gap — attended
#: (ended) or missed (dropped out).
CASELOAD_MEASURES: tuple[str, ...] = ("active", "new", "ended", "dropped_out")
CASELOAD_LABELS: dict[str, str] = {
    "active": N_("Active clients"), "new": N_("New clients"), "ended": N_("Endings (last session attended)"),
    "dropped_out": N_("Drop-outs (last session missed)"),
}
#: The label of the therapist table's total row (the whole scope of the view); stored in the
#: export in English, translated where shown.
TOTAL = N_("Total")
#: The scope of a view of the whole practice (else the scope is one therapist's pseudonym).
ALL_THERAPISTS = N_("All therapists")

MONTH, QUARTER, HALF, YEAR, AUTO = "month", "quarter", "half-year", "year", "auto"
#: The grains of periods, finest first, and how many months each spans.
GRAINS: dict[str, int] = {MONTH: 1, QUARTER: 3, HALF: 6, YEAR: 12}
GRANULARITIES = (AUTO, *GRAINS)
PERIOD_PATTERN = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$")

_SCORE_GRID = tuple(float(edge) for edge in range(0, 101, 10))
#: Each measure's fixed bin grid (bins [low, high), the last one closed when finite).
BIN_EDGES: dict[str, tuple[float, ...]] = {name: _SCORE_GRID for name in SCORE_NAMES} | {
    "progress_points": tuple(float(edge) for edge in range(-10, 11)),
    "progress_pct": (-math.inf, *_SCORE_GRID, math.inf),
}

#: Every table of a SupervisorView: its columns, in order, with their dtypes.
TABLE_SCHEMAS: dict[str, dict[str, str]] = {
    "trends": {"period": "str", "measure": "str", "n_clients": "Int64", "mean": "float64",
               "median": "float64", "suppressed": "bool"},
    "caseload": {"period": "str", "measure": "str", "n_clients": "Int64", "suppressed": "bool",
                 "pending": "bool"},
    "therapists": {"therapist": "str", "measure": "str", "n_clients": "Int64", "mean": "float64",
                   "median": "float64", "suppressed": "bool"},
    "distributions": {"measure": "str", "bin": "str", "bin_low": "float64", "bin_high": "float64",
                      "n_clients": "Int64", "suppressed": "bool"},
    "relation_bins": {"score": "str", "bin": "str", "bin_low": "float64", "bin_high": "float64",
                      "n_clients": "Int64", "mean_progress": "float64", "median_progress": "float64",
                      "suppressed": "bool"},
    "relations": {"score": "str", "progress": "str", "method": "str", "n_clients": "Int64",
                  "r": "float64", "ci_low": "float64", "ci_high": "float64", "suppressed": "bool"},
}
MEAN_DECIMALS, R_DECIMALS = 2, 3
#: The fewest clients a correlation is estimated over (relations.between_clients' min_clients).
MIN_RELATION_CLIENTS = 10
_Z_975 = 1.959963984540054   # the standard normal's 97.5th percentile


# -- the value a supervisor gets ------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """Whose caseload a view describes: practice pseudonym, scope, and the month it was made in."""

    practice: str   # "Practice 1a2b3c4d"
    scope: str      # ALL_THERAPISTS, or one therapist's pseudonym
    as_of: str      # "2026-05": the month of the export, not its day


@dataclass(frozen=True, eq=False)
class SupervisorView:
    """Everything a supervisor may see: aggregate tables and how they were made.

    Attributes
    ----------
    k : int
        Every shown figure covers 0 or at least k distinct clients.
    granularity : {"month", "quarter", "half-year", "year"}
        The periods of ``trends`` and ``caseload`` (the practice's, fixed by its first release).
    first_period, last_period : str or None
        The closed periods covered (None when there is none yet).
    ending_gap_days : int
        Days without a session that make the last one an ending.
    sources : tuple of Source
        One per export combined into this view.
    trends : DataFrame
        period, measure, n_clients, mean, median, suppressed — each client's score over the
        period's sessions; progress is measured from the client's baseline to their last rating
        in the period (clients rated in it).
    caseload : DataFrame
        period, measure (active, new, ended, dropped_out), n_clients, suppressed, pending
        (the period's flow is not released until its endings are known: the ending gap has not
        elapsed).
    therapists : DataFrame
        therapist (pseudonym, or "Total" for the practice — absent when there is one therapist),
        measure, n_clients, mean, median, suppressed — each client's figures over the last
        period, under their latest therapist in it.
    distributions : DataFrame
        measure, bin, bin_low, bin_high, n_clients, suppressed — over the same per-client values,
        for the whole practice (empty in a therapist's view of a practice of several).
    relation_bins : DataFrame
        score, bin, bin_low, bin_high, n_clients, mean_progress, median_progress, suppressed —
        goal progress (points) by score bin.
    relations : DataFrame
        score, progress, method, n_clients, r, ci_low, ci_high, suppressed — r undefined but not
        suppressed when too few clients or no variation (see relations.between_clients).
    """

    k: int
    granularity: str
    first_period: str | None
    last_period: str | None
    ending_gap_days: int
    sources: tuple[Source, ...]
    trends: pd.DataFrame
    caseload: pd.DataFrame
    therapists: pd.DataFrame
    distributions: pd.DataFrame
    relation_bins: pd.DataFrame
    relations: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The six tables by name, in TABLE_SCHEMAS order."""
        return {name: getattr(self, name) for name in TABLE_SCHEMAS}

    @property
    def periods(self) -> list[str]:
        """The covered periods, oldest first."""
        return periods_between(self.first_period, self.last_period)

    @property
    def title(self) -> str:
        """Whose caseload this is, in words (in the current language)."""
        if len(self.sources) == 1:
            source = self.sources[0]
            scope = _(ALL_THERAPISTS) if source.scope == ALL_THERAPISTS else source.scope
            return f"{source.practice} — {scope}"
        return ngettext("{n} export combined", "{n} exports combined", len(self.sources)).format(
            n=len(self.sources))


def table_frame(name: str, rows: list[dict]) -> pd.DataFrame:
    """A table of the view from row dicts, with TABLE_SCHEMAS' columns and dtypes."""
    schema = TABLE_SCHEMAS[name]
    frame = pd.DataFrame(rows, columns=list(schema))
    return frame.astype(schema) if len(frame) else pd.DataFrame(
        {column: pd.Series(dtype=dtype) for column, dtype in schema.items()})


# -- periods ------------------------------------------------------------------------------------

def month_start(day: date | datetime) -> date:
    """The first day of *day*'s month."""
    return date(day.year, day.month, 1)


def add_months(day: date, months: int) -> date:
    """The first day of the month *months* after *day*'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_label(day: date | datetime, granularity: str) -> str:
    """The calendar period holding *day*: ``"2026-03"``, ``"2026-Q1"``, ``"2026-H1"`` or ``"2026"``.

    >>> [period_label(date(2026, 3, 17), grain) for grain in GRAINS]
    ['2026-03', '2026-Q1', '2026-H1', '2026']
    """
    if granularity == MONTH:
        return f"{day.year}-{day.month:02d}"
    if granularity == QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if granularity == HALF:
        return f"{day.year}-H{(day.month - 1) // 6 + 1}"
    return f"{day.year}"


def granularity_of(label: str) -> str:
    """The grain of a period label: month, quarter, half-year or year."""
    if len(label) == 4:
        return YEAR
    return {"Q": QUARTER, "H": HALF}.get(label[5], MONTH)


def period_start(label: str) -> date:
    """The first day of a period.

    >>> period_start("2026-Q2"), period_start("2026-11"), period_start("2026-H2"), period_start("2026")
    (datetime.date(2026, 4, 1), datetime.date(2026, 11, 1), datetime.date(2026, 7, 1), datetime.date(2026, 1, 1))
    """
    if not PERIOD_PATTERN.match(label):
        raise ValueError(_("A period is written 2026-03 (month), 2026-Q1 (quarter), 2026-H1 (half-year) or "
                           "2026 (year); got {label!r}.").format(label=label))
    grain = granularity_of(label)
    year = int(label[:4])
    if grain == YEAR:
        return date(year, 1, 1)
    part = label[5:]
    month = int(part) if grain == MONTH else GRAINS[grain] * (int(part[1]) - 1) + 1
    return date(year, month, 1)


def period_end(label: str) -> date:
    """The first day after a period."""
    return add_months(period_start(label), GRAINS[granularity_of(label)])


def periods_between(first: str | None, last: str | None) -> list[str]:
    """Every period from *first* to *last*, inclusive, oldest first ([] when either is None).

    >>> periods_between("2025-Q4", "2026-Q2")
    ['2025-Q4', '2026-Q1', '2026-Q2']
    """
    if first is None or last is None:
        return []
    granularity = granularity_of(first)
    labels, day = [], period_start(first)
    while day < period_end(last):
        labels.append(period_label(day, granularity))
        day = period_end(labels[-1])
    return labels


# -- suppression primitives ---------------------------------------------------------------------

def is_small(n: int, k: int) -> bool:
    """Whether a cell of *n* distinct clients must be suppressed: 1 ≤ n < k.

    >>> is_small(0, 11), is_small(10, 11), is_small(11, 11)
    (False, True, False)
    """
    return 1 <= n < k


def secure(counts: Sequence[int], hidden: Sequence[bool], k: int) -> list[bool]:
    """Which parts of a shown total to hide so that no hidden part can be worked out.

    *counts* are the distinct clients of each part; *hidden* says which are hidden already (parts
    never shown — implicit ones, such as returning = active − new — are passed as hidden). Every
    part of 1 … k−1 clients is hidden (primary suppression). Let

    .. math:: S_H = \\sum_{i \\in H} n_i

    be the clients of the hidden parts :math:`H` — exactly what ``total − shown parts`` reveals.
    While :math:`0 < S_H < k`, the smallest shown non-zero part is hidden too (secondary
    suppression). At the end :math:`S_H` is 0 or ≥ k, so subtraction yields either nothing hidden
    or a sum over at least k clients. When every part is hidden and still :math:`S_H < k`, the
    total itself is small: the caller hides it.

    >>> secure([3, 20, 30], [False] * 3, 11)
    [True, True, False]
    >>> secure([20, 3], [False, True], 11)        # 20 shown would give away the hidden 3
    [True, True]
    """
    hidden = [bool(hide) or is_small(n, k) for n, hide in zip(counts, hidden)]
    while 0 < sum(n for n, hide in zip(counts, hidden) if hide) < k:
        shown = [i for i, n in enumerate(counts) if not hidden[i] and n > 0]
        if not shown:
            break
        hidden[min(shown, key=lambda i: counts[i])] = True
    return hidden


def merge_bins(counts: Sequence[int], k: int) -> list[tuple[int, int]]:
    """Merge neighbouring grid cells, left to right, until each merged bin holds ≥ k clients.

    Cells are added to the open bin until it reaches k; cells left over at the end join the
    last closed bin. When all cells together hold fewer than k, there is one bin (the caller
    suppresses it). Returns (first cell, last cell) index pairs covering every cell.

    >>> merge_bins([0, 2, 12, 5, 30], 11)
    [(0, 2), (3, 4)]
    >>> merge_bins([12, 3, 0], 11)
    [(0, 2)]
    >>> merge_bins([2, 3], 11)
    [(0, 1)]
    """
    bins: list[tuple[int, int]] = []
    start, running = 0, 0
    for index, count in enumerate(counts):
        running += count
        if running >= k:
            bins.append((start, index))
            start, running = index + 1, 0
    if start < len(counts):
        first = bins.pop()[0] if bins else 0
        bins.append((first, len(counts) - 1))
    return bins


def bin_label(low: float, high: float) -> str:
    """A bin's label from its grid edges: ``"20 to 40"``, ``"below 0"``, ``"100 or more"``.

    >>> bin_label(-3.0, 1.0), bin_label(-math.inf, 0.0), bin_label(100.0, math.inf)
    ('−3 to 1', 'below 0', '100 or more')
    """
    def number(value: float) -> str:
        return f"{value:g}".replace("-", "−")
    if low == -math.inf:
        return "all values" if high == math.inf else f"below {number(high)}"
    if high == math.inf:
        return f"{number(low)} or more"
    return f"{number(low)} to {number(high)}"


def grid_cells(values: pd.Series, edges: Sequence[float]) -> np.ndarray:
    """Index of each value's grid cell: [edge_i, edge_i+1), the last finite edge included."""
    cells = np.searchsorted(np.asarray(edges), values.to_numpy(dtype=float), side="right") - 1
    return np.clip(cells, 0, len(edges) - 2)


def _round(value: float, decimals: int) -> float:
    return float("nan") if value is None or pd.isna(value) else round(float(value), decimals)


def _rounded(values: pd.Series, decimals: int) -> list[float]:
    """:func:`_round` of each value (thousands of therapists' cells: one pass, no pandas per value)."""
    return [round(value, decimals) + 0.0 if value == value else math.nan   # + 0.0: no "-0.0"
            for value in values.to_numpy(dtype=float, na_value=np.nan).tolist()]


def summary_cell(values: pd.Series, k: int) -> dict:
    """n_clients, mean, median and suppressed for one cell, from one value per client."""
    present = values.dropna()
    return cell_of(len(present), present.mean(), present.median(), k)


def cell_of(n: int, mean: float, median: float, k: int) -> dict:
    """The cell of *n* clients with this mean and median: suppressed when 1 ≤ n < k."""
    if is_small(n, k):
        return {"n_clients": pd.NA, "mean": math.nan, "median": math.nan, "suppressed": True}
    if n == 0:
        return {"n_clients": 0, "mean": math.nan, "median": math.nan, "suppressed": False}
    return {"n_clients": int(n), "mean": _round(mean, MEAN_DECIMALS), "median": _round(median, MEAN_DECIMALS),
            "suppressed": False}


def _hide(cell: dict, *value_columns: str) -> dict:
    return cell | {"n_clients": pd.NA, "suppressed": True} | {column: math.nan for column in value_columns}


# -- reading the store (identified data: local to this section) ------------------------------------

#: The tables released per closed period; the caseload waits until the period's endings are known.
PERIOD_TABLES = ("scores", "relations", "distributions", "relation_bins")
CASELOAD = "caseload"


@per_data_version
def _monthly_flows(store: Store, until: date, gap_days: int) -> pd.DataFrame:
    """Each client's sessions month by month before *until* (sql/monthly_flows.sql); memoised per
    data version (0.3 s at a million sessions), so shared: read it, never change it."""
    params = {**store.contract_parameters(), "until": datetime(until.year, until.month, until.day),
              "gap_days": int(gap_days)}
    flows = store.query_named("monthly_flows", params)
    return flows.assign(month=pd.to_datetime(flows.month))


def _setting_or(store: Store, name: str, value: int | None) -> int:
    """*value* checked against setting *name*'s range, or the practice's setting when None."""
    return int(store.settings()[name] if value is None else setting(name).check(value))


def _labels(months: pd.Series, grain: str) -> pd.Series:
    """Each month's period label at *grain*."""
    # a few dozen distinct months among a million rows: label each month once
    labels = {month: period_label(month, grain) for month in months.unique()}
    return months.map(labels).astype("str")


def choose_grain(active: pd.DataFrame, this_month: date, k: int) -> str:
    """The finest grain at which at least half of the closed periods hold ≥ k active clients.

    *active* has one row per client and month with a session of theirs (columns client_id,
    month). Months are pooled into quarters, half-years, then a year; when no grain reaches it,
    the coarsest grain that has a closed period (a month when none has one).
    """
    coarsest = MONTH
    for grain in GRAINS:
        labels = _labels(active.month, grain)
        closed = [label for label in labels.unique() if period_end(label) <= this_month]
        if not closed:
            continue
        coarsest = grain
        counts = active.assign(period=labels).groupby("period").client_id.nunique()
        if 2 * sum(int(counts[label]) >= k for label in closed) >= len(closed):
            return grain
    return coarsest


def _practice_grain(store: Store, requested: str, active: pd.DataFrame, this_month: date, k: int) -> str:
    """The grain the ledger fixed, else *requested* (``auto``: :func:`choose_grain`)."""
    released = ledger.released_periods(store)
    if released:
        grain = granularity_of(released[0])
        if requested not in (AUTO, grain):
            # the grains are named as the command line's --period takes them (month, quarter…)
            raise ValueError(_(
                "This practice's supervisor figures have been released by {grain} since its first export; "
                "you asked for {requested}. Figures by another grain could be subtracted from them, so the "
                "grain stays {grain}: ask for '{grain}' or 'auto'.").format(grain=grain, requested=requested))
        return grain
    return choose_grain(active, this_month, k) if requested == AUTO else requested


def supervisor_view(
    store: Store,
    k: int | None = None,
    as_of: date | datetime | None = None,
    therapist_id: str | None = None,
    granularity: str = AUTO,
    secret: PracticeSecret | None = None,
    ending_gap_days: int | None = None,
) -> SupervisorView:
    """The supervisor's anonymised view of a practice, or of one therapist's caseload — a release.

    Every closed period the view covers is released through the ledger
    (:mod:`alliance_metrics.ledger`): computed once for the practice and all its therapists,
    frozen, and read back from there by every later view.

    Parameters
    ----------
    store : Store
        The (identified) database; nothing of it but aggregates leaves this function. The view
        writes the periods it releases for the first time to the store's release ledger.
    k : int, optional
        Threshold; default the setting ``k_anonymity`` (11). Below 5 is refused.
    as_of : date, optional
        A day of the month the view is made in (default today). Only closed periods — ending on
        or before the first day of this month — are covered.
    therapist_id : str, optional
        Restrict to the clients whose therapist this is (their latest in each period); default
        the whole practice. An id the store does not know is refused.
    granularity : {"auto", "month", "quarter", "half-year", "year"}
        ``"auto"``: see :func:`choose_grain`. Once the practice has released a figure, its grain
        is fixed: another is refused.
    secret : PracticeSecret, optional
        Key of the pseudonyms; default :func:`alliance_metrics.pseudonym.practice_secret`.
    ending_gap_days : int, optional
        A client's session followed by this many days with none of theirs is an ending; default
        the setting ``ending_gap_days`` (56).

    Returns
    -------
    SupervisorView
        See its attributes. A period's first release reads the store once per period; later
        ones read only the ledger.

    Raises
    ------
    ValueError
        For k or ending_gap_days outside their settings' ranges (k below 5; a gap below 14 days)
        or not whole numbers, an unknown granularity or one other than the practice's, or a
        therapist id the store does not know.
    """
    k = _setting_or(store, "k_anonymity", k)
    ending_gap_days = _setting_or(store, "ending_gap_days", ending_gap_days)
    if granularity not in GRANULARITIES:
        raise ValueError(_("The period must be one of {allowed}; you provided {value!r}.").format(
            allowed=", ".join(GRANULARITIES), value=granularity))
    if therapist_id is not None and not store.scalar(sql.load("therapist_known"), {"therapist_id": therapist_id}):
        raise ValueError(_("No therapist {therapist!r} in this database. Give the id of a therapist whose "
                           "sessions it holds, or leave it out for the whole practice.").format(therapist=therapist_id))
    secret = practice_secret() if secret is None else secret
    this_month = month_start(as_of or date.today())

    grain, periods, endings_known = _covered(store, granularity, this_month, ending_gap_days, k)
    fresh = _unreleased(store, periods, endings_known, this_month, grain, ending_gap_days, k)
    if len(fresh):
        if ledger.record_rows(store, fresh) < len(fresh):   # another view froze some of them first:
            _released_view.cache_clear()                  # a view prepared from these rows is not theirs
        _release_rows.cache_clear()   # recorded: no view needs them again (a release is tens of MB)
    of = _ViewOf(k, grain, tuple(periods), therapist_id, int(ending_gap_days), this_month, secret)
    return _released_view(store, of, ledger.frozen(store, (*PERIOD_TABLES, CASELOAD), periods))


def prepare_release(store: Store, as_of: date | datetime | None = None) -> SupervisorView:
    """Compute, and write nothing, what the practice's next supervisor view as of *as_of*'s month
    (default today) would release, with the practice's settings, and the view itself as it will be
    once released — the supervisor page's view. The view then only writes the rows: at a million
    sessions a practice's first release takes seconds to compute (nine periods' tables for 1,450
    therapists, 241,416 rows), and the dashboard computes it before its first visitor
    (ui/state.py). Nothing is frozen before a view asks: the ledger's rule, "released when first
    viewed", is unchanged, and both are those of this data version only (a change of the data or
    settings computes them again). Creates the practice key file if there is none, as the view would.
    Returns the view made ahead: the one :func:`supervisor_view` will return, unless something
    changes before it is asked for."""
    k = _setting_or(store, "k_anonymity", None)
    gap_days = _setting_or(store, "ending_gap_days", None)
    this_month = month_start(as_of or date.today())
    grain, periods, endings_known = _covered(store, AUTO, this_month, gap_days, k)
    pending = _unreleased(store, periods, endings_known, this_month, grain, gap_days, k)
    held = ledger.frozen(store, (*PERIOD_TABLES, CASELOAD), periods)
    of = _ViewOf(k, grain, tuple(periods), None, int(gap_days), this_month, practice_secret())
    view = _view_of(_read_by(store, of, pending), of)
    _released_view.remember(store, of, held | frozenset(zip(pending.table_name, pending.period)), result=view)
    return view


@dataclass(frozen=True)
class _ViewOf:
    """What a view is of, but for the ledger's rows: the arguments of a supervisor view, resolved."""

    k: int
    granularity: str
    periods: tuple[str, ...]
    therapist_id: str | None
    ending_gap_days: int
    this_month: date
    secret: PracticeSecret

    @property
    def scope(self) -> str:
        return ledger.PRACTICE if self.therapist_id is None else ledger.therapist_scope(self.therapist_id)

    @property
    def last(self) -> str | None:
        return self.periods[-1] if self.periods else None


@per_data_version
def _released_view(store: Store, of: _ViewOf, held: frozenset[tuple[str, str]]) -> SupervisorView:
    """The view *of* made from the ledger, which holds the (table, period) pairs *held* of its
    periods: memoised per data version and pairs (released rows never change), and made ahead by
    :func:`prepare_release` from the rows it will write."""
    return _view_of(_read_by(store, of), of)


def _read_by(store: Store, of: _ViewOf, pending: pd.DataFrame | None = None) -> ledger.Release:
    """The ledger's rows the view *of* reads — its scope's and the practice's, and every
    therapist's scores of its last period — with the *pending* rows (computed, not yet written:
    :func:`ledger.rows_of`) as if written."""
    last = of.last
    frozen = ledger.released(store, (*PERIOD_TABLES, CASELOAD), of.periods, scopes=(of.scope, ledger.PRACTICE))
    frozen |= ledger.released(store, ("scores",), [last] if last else [])
    if pending is not None and len(pending):
        read = pending.scope.isin([of.scope, ledger.PRACTICE]) | (
            (pending.table_name == "scores") & (pending.period == last))
        frozen |= ledger.release_of(pending[read].sort_values(["table_name", "period", "scope", "row_key"]))
    return frozen


def _view_of(frozen: ledger.Release, of: _ViewOf) -> SupervisorView:
    """The view *of* from the released rows it reads (:func:`_read_by`)."""
    secret, scope, last = of.secret, of.scope, of.last
    return SupervisorView(
        k=of.k,
        granularity=of.granularity,
        first_period=of.periods[0] if of.periods else None,
        last_period=last,
        ending_gap_days=of.ending_gap_days,
        sources=(Source(practice_pseudonym(secret),
                        ALL_THERAPISTS if of.therapist_id is None else pseudonym(of.therapist_id, secret),
                        period_label(of.this_month, MONTH)),),
        trends=_trends(frozen, list(of.periods), scope, of.k),
        caseload=_caseload(frozen, list(of.periods), scope, of.k),
        therapists=_therapists(frozen, last, scope, secret, of.k),
        distributions=_binned(frozen, "distributions", last, scope, of.k),
        relation_bins=_binned(frozen, "relation_bins", last, scope, of.k),
        relations=_relations(frozen, last, scope, of.k),
    )


def _covered(store: Store, granularity: str, this_month: date, gap_days: int, k: int) -> tuple[str, list[str], list[str]]:
    """The practice's grain, the closed periods a view as of *this_month* covers, and those of
    them whose endings are known (their ending gap has passed)."""
    flows = _monthly_flows(store, this_month, gap_days)
    grain = _practice_grain(store, granularity, flows, this_month, k)
    periods = [] if flows.empty else periods_between(
        period_label(flows.month.min(), grain), period_label(add_months(this_month, -1), grain))
    periods = [label for label in periods if period_end(label) <= this_month]
    endings_known = [label for label in periods if period_end(label) + timedelta(days=gap_days) <= this_month]
    return grain, periods, endings_known


def _unreleased(store: Store, periods: list[str], endings_known: list[str], this_month: date, grain: str,
                gap_days: int, k: int) -> pd.DataFrame:
    """The ledger rows (:func:`alliance_metrics.ledger.rows_of`) of each table of these periods the
    ledger does not hold yet, for every scope."""
    done = ledger.frozen(store, (*PERIOD_TABLES, CASELOAD), periods)
    missing = tuple((table, label) for label in periods for table in PERIOD_TABLES if (table, label) not in done)
    missing += tuple((CASELOAD, label) for label in endings_known if (CASELOAD, label) not in done)
    return _release_rows(store, missing, this_month, grain, gap_days, k) if missing else ledger.rows_of({})


@per_data_version
def _release_rows(store: Store, missing: tuple[tuple[str, str], ...], this_month: date, grain: str,
                  gap_days: int, k: int) -> pd.DataFrame:
    """The ledger rows of the *missing* (table, period) pairs, computed from one reading of the
    store per period. Memoised per data version: computed ahead by :func:`prepare_release`, they
    are what the first view writes, as long as the data and settings are the same."""
    fresh: ledger.Release = {}
    goals = None
    for label in dict.fromkeys(label for table, label in missing if table in PERIOD_TABLES):
        if goals is None:   # each client's baseline and target, over all history
            goals = client_scores(store).set_index("client_id")[["goal_baseline", "goal_target"]]
        computed = _period_tables(store, label, goals, k)
        fresh |= {(table, label): computed[table] for table in PERIOD_TABLES if (table, label) in missing}
    endings = [label for table, label in missing if table == CASELOAD]
    if endings:
        per_client = _caseload_clients(_monthly_flows(store, this_month, gap_days), grain)
        fresh |= {(CASELOAD, label): _caseload_cells(per_client, label, k) for label in endings}
    return ledger.rows_of(fresh)


# -- one period, every scope at once (what the ledger freezes) ----------------------------------------

def _partition(counts: dict[str, int], k: int) -> dict[str, bool]:
    """Which cells of one measure to hide: the practice's and its therapists' (a partition of it).

    The practice's cell is hidden when small, and then so is every therapist's; else the
    therapists' cells are :func:`secure` against the practice's total.
    """
    therapists = [scope for scope in counts if scope != ledger.PRACTICE]
    if is_small(counts[ledger.PRACTICE], k):
        return dict.fromkeys(counts, True)
    flags = secure([counts[scope] for scope in therapists], [False] * len(therapists), k)
    return {ledger.PRACTICE: False, **dict(zip(therapists, flags))}


def _period_tables(store: Store, label: str, goals: pd.DataFrame, k: int) -> dict[str, dict[str, list[dict]]]:
    """Scores, relations and bins of one closed period for the practice and every therapist."""
    table = client_scores(store, period_start(label), period_end(label)).set_index("client_id")
    # progress from the client's baseline to their last rating in the period
    latest = table.goal_latest.astype(float)
    base = goals.reindex(latest.index)
    values = table[["therapist_id", *SCORE_NAMES]].assign(
        progress_points=progress_points(base.goal_baseline.astype(float), latest),
        progress_pct=pd.Series(progress_pct(base.goal_baseline.astype(float), latest,
                                            base.goal_target.astype(float)), index=latest.index),
    )
    # one grouped pass per measure (a practice can have thousands of therapists), grouped by
    # integer codes: 0 the practice, 1… each therapist in sorted order
    codes, therapists = pd.factorize(values.therapist_id, sort=True)
    owner = pd.Series(codes + 1, index=values.index)
    scopes = [ledger.PRACTICE, *map(ledger.therapist_scope, therapists)]
    codes_of = range(len(scopes))
    scores: dict[str, list[dict]] = {scope: [] for scope in scopes}
    for measure in MEASURES:
        column = values[measure].astype(float)
        present = column.notna()
        stats = column[present].groupby(owner[present]).agg(["count", "mean", "median"])
        stats.loc[0] = [present.sum(), column[present].mean(), column[present].median()]
        stats = stats.reindex(codes_of).fillna({"count": 0})
        counts = stats["count"].astype(int).tolist()
        hidden = _partition(dict(zip(scopes, counts)), k)
        means, medians = (_rounded(stats[name], MEAN_DECIMALS) for name in ("mean", "median"))
        for scope, n, mean, median in zip(scopes, counts, means, medians):
            cell = cell_of(n, mean, median, k)
            scores[scope].append({"measure": measure, **(_hide(cell, "mean", "median") if hidden[scope] else cell)})
    relations: dict[str, list[dict]] = {scope: [] for scope in scopes}
    for score in SCORE_NAMES:
        pairs = values[[score, PROGRESS]].astype(float).assign(scope=owner).dropna()
        pairs = pd.concat([pairs, pairs.assign(scope=0)])
        found = correlations(pairs, score, PROGRESS, "scope").reindex(codes_of).fillna({"n_clients": 0})
        counts = found.n_clients.astype(int).tolist()
        hidden = _partition(dict(zip(scopes, counts)), k)
        estimates = zip(*(_rounded(found[name], R_DECIMALS) for name in ("r", "ci_low", "ci_high")))
        for scope, n, (r, low, high) in zip(scopes, counts, estimates):
            row = {"score": score, "progress": PROGRESS, "method": "pearson", "n_clients": n,
                   "r": r, "ci_low": low, "ci_high": high, "suppressed": False}
            relations[scope].append(_hide(row, "r", "ci_low", "ci_high") if hidden[scope] else row)
    return {"scores": scores, "relations": relations,
            "distributions": {ledger.PRACTICE: _distribution_rows(values, k)},
            "relation_bins": {ledger.PRACTICE: _relation_bin_rows(values, k)}}


def correlations(pairs: pd.DataFrame, x: str, y: str, group: str) -> pd.DataFrame:
    """Pearson's r of *x* and *y* across the clients of each group, with its 95 % interval.

    .. math:: r = \\frac{\\sum (x_i - \\bar x)(y_i - \\bar y)}
                        {\\sqrt{\\sum (x_i - \\bar x)^2 \\sum (y_i - \\bar y)^2}},
              \\quad \\tanh\\big(\\operatorname{atanh} r \\pm 1.96 / \\sqrt{n - 3}\\big)

    over the n clients of the group (one row each). The same estimate and Fisher z interval as
    :func:`alliance_metrics.relations.between_clients` (Pearson), computed for every group in
    one grouped pass. Range [−1, 1]. Undefined (NaN) with fewer than ``MIN_RELATION_CLIENTS``
    clients, or when x or y is the same for all of them (a centred sum of squares below 1e-12 of
    the raw one). Returns one row per group: n_clients, r, ci_low, ci_high.

    >>> frame = pd.DataFrame({"g": ["a"] * 10, "x": range(10), "y": [0, 2, 1, 3, 5, 4, 6, 8, 7, 9]})
    >>> round(float(correlations(frame, "x", "y", "g").r["a"]), 3)   # numpy.corrcoef: 0.9636…
    0.964
    """
    # sums per group with integer codes and bincount: thousands of therapists in one pass
    codes, groups = pd.factorize(pairs[group], sort=True)
    xs, ys = pairs[x].to_numpy(dtype=float), pairs[y].to_numpy(dtype=float)
    count = np.bincount(codes, minlength=len(groups))

    def total(weights: np.ndarray) -> pd.Series:
        return pd.Series(np.bincount(codes, weights, minlength=len(groups)), index=groups)

    xc = xs - (total(xs).to_numpy() / count)[codes]
    yc = ys - (total(ys).to_numpy() / count)[codes]
    sums = pd.DataFrame({"n_clients": count, "sxy": total(xc * yc), "sxx": total(xc * xc),
                         "syy": total(yc * yc), "rxx": total(xs * xs), "ryy": total(ys * ys)}, index=groups)
    n = sums.n_clients
    varies = (sums.sxx > 1e-12 * sums.rxx) & (sums.syy > 1e-12 * sums.ryy)
    defined = varies & (n >= MIN_RELATION_CLIENTS)
    r = (sums.sxy / np.sqrt(sums.sxx * sums.syy)).clip(-1, 1).where(defined)
    z = np.arctanh(r.clip(-1 + 1e-15, 1 - 1e-15))
    half = _Z_975 / np.sqrt((n - 3).clip(lower=1))
    return pd.DataFrame({"n_clients": n, "r": r, "ci_low": np.tanh(z - half).where(defined),
                         "ci_high": np.tanh(z + half).where(defined)})


def _bins(values: pd.Series, edges: Sequence[float], k: int) -> list[tuple[float, float, np.ndarray, bool]]:
    """(low, high, which values are in the bin, suppressed) for each merged bin of *values*; the
    mask runs over *values* without its blanks."""
    values = values.dropna()
    cells = grid_cells(values, edges)
    counts = np.bincount(cells, minlength=len(edges) - 1)
    merged = merge_bins(counts.tolist(), k)
    small = is_small(len(values), k)
    return [(edges[first], edges[last + 1], (cells >= first) & (cells <= last), small)
            for first, last in merged]


def _distribution_rows(per_client: pd.DataFrame, k: int) -> list[dict]:
    rows = []
    for measure in MEASURES:
        for low, high, inside, small in _bins(per_client[measure], BIN_EDGES[measure], k):
            rows.append({"measure": measure, "bin": bin_label(low, high), "bin_low": low, "bin_high": high,
                         "n_clients": pd.NA if small else int(inside.sum()), "suppressed": small})
    return rows


def _relation_bin_rows(per_client: pd.DataFrame, k: int) -> list[dict]:
    rows = []
    for score in SCORE_NAMES:
        pairs = per_client[[score, PROGRESS]].astype(float).dropna()
        progress = pairs[PROGRESS]
        for low, high, inside, small in _bins(pairs[score], BIN_EDGES[score], k):
            cell = summary_cell(progress[inside], k)     # pairs have no blanks: the mask runs over them
            if small:
                cell = _hide(cell, "mean", "median")
            rows.append({"score": score, "bin": bin_label(low, high), "bin_low": low, "bin_high": high,
                         "n_clients": cell["n_clients"], "mean_progress": cell["mean"],
                         "median_progress": cell["median"], "suppressed": cell["suppressed"]})
    return rows


def _caseload_clients(flows: pd.DataFrame, grain: str) -> pd.DataFrame:
    """One row per period and client: latest therapist, first session ever in it, whether its last
    session began an ending and that session's outcome."""
    return flows.assign(period=_labels(flows.month, grain)).sort_values("last_start").groupby(
        ["period", "client_id"]).agg(therapist_id=("therapist_id", "last"), first=("first_month", "any"),
                                     ends=("ends", "last"), last_outcome=("last_outcome", "last")).reset_index()


def _caseload_cells(per_client: pd.DataFrame, label: str, k: int) -> dict[str, list[dict]]:
    """Active, new, ended and dropped-out clients of one period for the practice and every therapist.

    Three kinds of sums tie the cells together: new + returning = active and ended + dropped out
    + continuing = active within a scope (returning and continuing are never shown), and the
    therapists' cells add up to the practice's for each measure. Each sum goes through :func:`secure`,
    and a hidden total hides its parts, until nothing changes.
    """
    clients = per_client[per_client.period == label]
    ends = clients.ends.astype(bool)
    flags = pd.DataFrame({"active": 1, "new": clients["first"].astype(bool).astype(int),
                          "ended": (ends & (clients.last_outcome == "attended")).astype(int),
                          "dropped_out": (ends & (clients.last_outcome != "attended")).astype(int)})
    by_therapist = flags.groupby(clients.therapist_id.map(ledger.therapist_scope)).sum()
    counts = {ledger.PRACTICE: {measure: int(n) for measure, n in flags.sum().items()}}
    counts |= {scope: {measure: int(n) for measure, n in row.items()}
               for scope, row in by_therapist.sort_index().iterrows()}
    hidden = {scope: {measure: is_small(n, k) for measure, n in cells.items()} for scope, cells in counts.items()}
    therapists = [scope for scope in counts if scope != ledger.PRACTICE]
    changed = True
    while changed:
        before = {scope: dict(flags) for scope, flags in hidden.items()}
        for scope, cells in counts.items():
            flags = hidden[scope]
            if flags["active"]:
                flags.update(dict.fromkeys(flags, True))
                continue
            flags["new"] = secure([cells["new"], cells["active"] - cells["new"]], [flags["new"], True], k)[0]
            flags["ended"], flags["dropped_out"] = secure(
                [cells["ended"], cells["dropped_out"], cells["active"] - cells["ended"] - cells["dropped_out"]],
                [flags["ended"], flags["dropped_out"], True], k)[:2]
        for measure in CASELOAD_MEASURES:
            if hidden[ledger.PRACTICE][measure]:
                flags = [True] * len(therapists)
            else:
                flags = secure([counts[scope][measure] for scope in therapists],
                               [hidden[scope][measure] for scope in therapists], k)
            for scope, flag in zip(therapists, flags):
                hidden[scope][measure] = flag
        changed = hidden != before
    return {scope: [{"measure": measure, "n_clients": pd.NA if hidden[scope][measure] else n,
                     "suppressed": hidden[scope][measure], "pending": False}
                    for measure, n in cells.items()] for scope, cells in counts.items()}


# -- the view's tables, read from the ledger ------------------------------------------------------

def _shown_under(row: dict, k: int, *value_columns: str) -> dict:
    """A frozen row as shown under today's k: hidden when it was shown over fewer (k was raised)."""
    n = row.get("n_clients")
    return _hide(row, *value_columns) if n is not None and not pd.isna(n) and is_small(int(n), k) else row


def _rows(frozen: ledger.Release, table: str, period: str | None, scope: str) -> list[dict]:
    return [] if period is None else frozen.get((table, period), {}).get(scope, [])


def _trends(frozen: ledger.Release, periods: list[str], scope: str, k: int) -> pd.DataFrame:
    """Each period's scores of the scope; a scope the period's release does not know had no client."""
    rows = []
    for label in periods:
        cells = {row["measure"]: row for row in _rows(frozen, "scores", label, scope)}
        for measure in MEASURES:
            row = cells.get(measure, {"n_clients": 0, "mean": None, "median": None, "suppressed": False})
            rows.append({"period": label, "measure": measure,
                         **_shown_under({key: row[key] for key in ("n_clients", "mean", "median", "suppressed")},
                                        k, "mean", "median")})
    return table_frame("trends", rows)


def _caseload(frozen: ledger.Release, periods: list[str], scope: str, k: int) -> pd.DataFrame:
    """Each period's caseload flow of the scope; pending (not yet known) until its endings are."""
    rows = []
    for label in periods:
        if (CASELOAD, label) not in frozen:
            rows += [{"period": label, "measure": measure, "n_clients": pd.NA, "suppressed": False, "pending": True}
                     for measure in CASELOAD_MEASURES]
            continue
        cells = {row["measure"]: row for row in _rows(frozen, CASELOAD, label, scope)}
        for measure in CASELOAD_MEASURES:
            row = cells.get(measure, {"n_clients": 0, "suppressed": False, "pending": False})
            rows.append({"period": label, "measure": measure, **_shown_under(
                {key: row[key] for key in ("n_clients", "suppressed", "pending")}, k)})
    return table_frame("caseload", rows)


def _therapists(frozen: ledger.Release, period: str | None, scope: str, secret: PracticeSecret,
                k: int) -> pd.DataFrame:
    """The latest period's scores per therapist (pseudonyms) and the practice's as the Total row.

    A therapist's view has their own row only; so has a practice of one therapist (its Total
    would repeat it).
    """
    released = frozen.get(("scores", period), {}) if period else {}
    therapists = sorted((pseudonym(name.split(":", 1)[1], secret), name) for name in released
                        if name != ledger.PRACTICE and (scope == ledger.PRACTICE or name == scope))
    shown = [(label, name) for label, name in therapists]
    if scope == ledger.PRACTICE and len(therapists) != 1:
        shown.append((TOTAL, ledger.PRACTICE))
    rows = [{"therapist": label, "measure": row["measure"],
             **_shown_under({key: row[key] for key in ("n_clients", "mean", "median", "suppressed")}, k,
                            "mean", "median")}
            for label, name in shown for row in released.get(name, [])]
    order = {measure: number for number, measure in enumerate(MEASURES)}
    rows.sort(key=lambda row: (order[row["measure"]], row["therapist"] == TOTAL, row["therapist"]))
    return table_frame("therapists", rows)


def _binned(frozen: ledger.Release, table: str, period: str | None, scope: str, k: int) -> pd.DataFrame:
    """The practice's bins of the latest period — for a therapist only when the period's release
    holds no other therapist (their caseload is the practice's)."""
    released = frozen.get((table, period), {}) if period else {}
    therapists = {name for name in frozen.get(("scores", period), {}) if name != ledger.PRACTICE} if period else set()
    if scope != ledger.PRACTICE and therapists != {scope}:
        return table_frame(table, [])
    values = ("mean_progress", "median_progress") if table == "relation_bins" else ()
    key, names = ("measure", MEASURES) if table == "distributions" else ("score", SCORE_NAMES)
    rows = sorted(released.get(ledger.PRACTICE, []), key=lambda row: (names.index(row[key]), row["bin_low"]))
    return table_frame(table, [_shown_under(row, k, *values) for row in rows])


def _relations(frozen: ledger.Release, period: str | None, scope: str, k: int) -> pd.DataFrame:
    cells = {row["score"]: row for row in _rows(frozen, "relations", period, scope)}
    rows = [_shown_under(cells[score], k, "r", "ci_low", "ci_high") for score in SCORE_NAMES if score in cells]
    return table_frame("relations", rows)
