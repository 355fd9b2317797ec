"""Pooling supervisor views: the exports of several therapists or practices merged into one.

:func:`combine` adds counts, re-weights means by the clients behind them and pools correlations
(Fisher z), and never shows a cell that any of the views suppressed: every combined figure is a
function of figures the views show. It refuses views that describe the same clients (the same
export twice, or a practice's whole export with one of its therapists'), which would count
them twice.

Exports of the practice and of its therapists, made at any times, can be held together: every
figure comes from the release ledger (:mod:`alliance_metrics.ledger`), so no subtraction of one
from another isolates fewer than k clients.
"""

from __future__ import annotations

import math
from typing import Sequence

import pandas as pd

from alliance_metrics.i18n import _
from alliance_metrics.anonymise import (
    ALL_THERAPISTS, BIN_EDGES, CASELOAD_MEASURES, MEAN_DECIMALS, MEASURES, PROGRESS, R_DECIMALS,
    SCORE_NAMES, TOTAL, Source, SupervisorView, bin_label, periods_between, table_frame,
)

#: The relation table's methods: one export's own correlation, or several pooled.
PEARSON, POOLED = "pearson", "pearson (pooled over exports)"
_Z_975 = 1.959963984540054


def _overlap(a: Source, b: Source) -> bool:
    """Whether two sources can hold the same clients: same practice, and one is its whole caseload
    or both are the same therapist's."""
    return a.practice == b.practice and (ALL_THERAPISTS in (a.scope, b.scope) or a.scope == b.scope)


def _source_words(source) -> str:
    """'Practice 1a2b3c4d — All therapists' in the current language (a pseudonym stays as it is)."""
    scope = _(ALL_THERAPISTS) if source.scope == ALL_THERAPISTS else source.scope
    return f"{source.practice} — {scope}"


def combine(views: Sequence[SupervisorView]) -> SupervisorView:
    """Merge the views of several therapists or practices into one, never un-suppressing a cell.

    For each cell: if any view suppressed it, it stays suppressed; otherwise counts add,
    :math:`n = \\sum_i n_i`, and means are re-weighted by the clients behind them,
    :math:`\\bar x = \\sum_i n_i \\bar x_i / n`. A median is kept only where one view alone
    contributes clients (medians do not combine). Distributions are merged on the bin edges
    every view shares. Correlations are pooled by the fixed-effect Fisher z method,
    :math:`\\bar z = \\sum_i (n_i - 3) \\operatorname{atanh} r_i / \\sum_i (n_i - 3)`, 95 % interval
    :math:`\\tanh(\\bar z \\pm 1.96 / \\sqrt{\\sum_i (n_i - 3)})` — the within-export link,
    not the correlation of all clients pooled (Borenstein et al. 2009, *Introduction to
    Meta-Analysis*, ch. 6).

    Every combined figure is a function of figures the views show, so combining reveals
    nothing they hide; each covers 0 or at least min(k) clients. Counts are sums: the views
    must describe different clients.

    Periods run from the earliest first period to the earliest last period of the views (a view
    holds no clients before its first period; after its last, it does not know).

    Raises
    ------
    ValueError
        For no view, views of the same clients (the same export twice, or a practice's whole
        export with one of its therapists'), by month and by quarter, or with different ending gaps.
    """
    views = list(views)
    if not views:
        raise ValueError("combine needs at least one view.")
    if len(views) == 1:
        return views[0]
    sources = [source for view in views for source in view.sources]
    for i, a in enumerate(sources):
        for b in sources[i + 1:]:
            if _overlap(a, b):
                raise ValueError(_(
                    "'{first}' and '{second}' describe the same clients; combining them would count those "
                    "clients twice. Open each on its own, or combine exports of different therapists or "
                    "practices.").format(first=_source_words(a), second=_source_words(b)))
    dated = [view for view in views if view.first_period is not None]
    if len({view.granularity for view in dated}) > 1:
        raise ValueError(_("These exports are by month and by quarter, which do not combine. Export them "
                           "again by quarter (supervisor-export --period quarter)."))
    if len({view.ending_gap_days for view in views}) > 1:
        raise ValueError(_("These exports define endings by different gaps ({gaps} days); export them again "
                           "alike.").format(gaps=", ".join(str(gap) for gap in sorted(
                               {view.ending_gap_days for view in views}))))
    # labels of one granularity sort as text: "2025-12" < "2026-01", "2025-Q4" < "2026-Q1"
    first = min((view.first_period for view in dated), default=None)
    last = min((view.last_period for view in dated), default=None)
    periods = periods_between(first, last)
    k = min(view.k for view in views)
    return SupervisorView(
        k=k, granularity=dated[0].granularity if dated else views[0].granularity,
        first_period=periods[0] if periods else None, last_period=periods[-1] if periods else None,
        ending_gap_days=views[0].ending_gap_days, sources=tuple(sources),
        trends=_combine_cells("trends", [view.trends for view in views], ["period", "measure"], periods, MEASURES),
        caseload=_combine_caseload([view.caseload for view in views], periods),
        therapists=_combine_therapists([view.therapists for view in views]),
        # the per-client tables describe each view's last period; a view with none adds nothing
        distributions=_combine_bins("distributions", [view.distributions for view in dated]),
        relation_bins=_combine_bins("relation_bins", [view.relation_bins for view in dated]),
        relations=_combine_relations([view.relations for view in dated]),
    )


def _pool(pieces: list[dict]) -> dict:
    """One cell from the same cell of several views: suppressed if any is; else n add, means re-weight."""
    if any(piece["suppressed"] for piece in pieces):
        return {"n_clients": pd.NA, "mean": math.nan, "median": math.nan, "suppressed": True}
    contributing = [piece for piece in pieces if not pd.isna(piece["n_clients"]) and piece["n_clients"] > 0]
    n = sum(int(piece["n_clients"]) for piece in contributing)
    if not contributing:
        return {"n_clients": 0, "mean": math.nan, "median": math.nan, "suppressed": False}
    mean = sum(piece["n_clients"] * piece["mean"] for piece in contributing) / n
    median = contributing[0]["median"] if len(contributing) == 1 else math.nan
    return {"n_clients": n, "mean": round(mean, MEAN_DECIMALS), "median": median, "suppressed": False}


def _combine_cells(name: str, frames: list[pd.DataFrame], keys: list[str], periods: list[str],
                   measures: Sequence[str]) -> pd.DataFrame:
    indexed = [frame.set_index(keys) for frame in frames]
    rows = []
    for period in periods:
        for measure in measures:
            pieces = [frame.loc[(period, measure)].to_dict() for frame in indexed if (period, measure) in frame.index]
            rows.append({"period": period, "measure": measure, **_pool(pieces)})
    return table_frame(name, rows)


def _combine_caseload(frames: list[pd.DataFrame], periods: list[str]) -> pd.DataFrame:
    indexed = [frame.set_index(["period", "measure"]) for frame in frames]
    rows = []
    for period in periods:
        for measure in CASELOAD_MEASURES:
            pieces = [frame.loc[(period, measure)] for frame in indexed if (period, measure) in frame.index]
            suppressed = any(piece.suppressed for piece in pieces)
            pending = any(piece.pending for piece in pieces)
            n = pd.NA if suppressed or pending else sum(int(piece.n_clients) for piece in pieces)
            rows.append({"period": period, "measure": measure, "n_clients": n,
                         "suppressed": suppressed, "pending": pending})
    return table_frame("caseload", rows)


def _combine_therapists(frames: list[pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for measure in MEASURES:
        parts = [frame[frame.measure == measure] for frame in frames]
        therapists = pd.concat([part[part.therapist != TOTAL] for part in parts])
        if therapists.therapist.duplicated().any():
            raise ValueError(_("Two exports show the same therapist pseudonym; they describe the same clients."))
        rows += therapists.sort_values("therapist").to_dict("records")
        totals = [_total(part) for part in parts if len(part)]
        if totals:
            rows.append({"therapist": TOTAL, "measure": measure, **_pool(totals)})
    return table_frame("therapists", rows)


def _total(part: pd.DataFrame) -> dict:
    """A view's whole caseload for one measure: its Total row, or its one therapist's row."""
    total = part[part.therapist == TOTAL]
    return (total if len(total) else part).iloc[0].to_dict()


def _combine_bins(name: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge binned tables on the edges every contributing view shares."""
    key = "measure" if name == "distributions" else "score"
    names = MEASURES if name == "distributions" else SCORE_NAMES
    rows = []
    for measure in names:
        edges = BIN_EDGES[measure]
        parts = [frame[frame[key] == measure] for frame in frames]
        if any(part.empty for part in parts):   # not released in some view: not in the whole either
            continue
        suppressed = any(part.suppressed.any() for part in parts)
        contributing = [part for part in parts if part.n_clients.fillna(0).sum() > 0]
        common = set(edges)
        for part in contributing:
            common &= set(part.bin_low) | set(part.bin_high)
        bounds = sorted(common) if contributing and not suppressed else [edges[0], edges[-1]]
        for low, high in zip(bounds, bounds[1:]):
            row = {key: measure, "bin": bin_label(low, high), "bin_low": low, "bin_high": high}
            if suppressed:
                rows.append(row | {"n_clients": pd.NA, "mean_progress": math.nan, "median_progress": math.nan,
                                   "suppressed": True})
                continue
            pieces = [piece for part in contributing for piece in part.to_dict("records")
                      if low <= piece["bin_low"] and piece["bin_high"] <= high and piece["n_clients"] > 0]
            if name == "distributions":
                rows.append(row | {"n_clients": sum(int(p["n_clients"]) for p in pieces), "suppressed": False})
            else:
                cell = _pool([{"n_clients": p["n_clients"], "mean": p["mean_progress"],
                               "median": p["median_progress"], "suppressed": False} for p in pieces])
                rows.append(row | {"n_clients": cell["n_clients"], "mean_progress": cell["mean"],
                                   "median_progress": cell["median"], "suppressed": False})
    if name == "distributions":
        rows = [{column: value for column, value in row.items() if "progress" not in column} for row in rows]
    return table_frame(name, rows)


def _combine_relations(frames: list[pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for score in SCORE_NAMES:
        pieces = [frame[frame.score == score].iloc[0] for frame in frames if (frame.score == score).any()]
        if not pieces:
            continue
        row = {"score": score, "progress": PROGRESS, "method": PEARSON, "n_clients": 0, "r": math.nan,
               "ci_low": math.nan, "ci_high": math.nan, "suppressed": False}
        contributing = [piece for piece in pieces if not piece.suppressed and piece.n_clients > 0]
        if any(piece.suppressed for piece in pieces):
            row |= {"n_clients": pd.NA, "suppressed": True}
        elif len(contributing) == 1:
            row = contributing[0].to_dict()
        elif contributing:
            row |= {"method": POOLED, "n_clients": sum(int(piece.n_clients) for piece in contributing)}
            if all(not math.isnan(piece.r) for piece in contributing):
                weights = [int(piece.n_clients) - 3 for piece in contributing]
                z = sum(w * math.atanh(max(-0.999999, min(0.999999, piece.r)))
                        for w, piece in zip(weights, contributing)) / sum(weights)
                half = _Z_975 / math.sqrt(sum(weights))
                row |= {"r": round(math.tanh(z), R_DECIMALS), "ci_low": round(math.tanh(z - half), R_DECIMALS),
                        "ci_high": round(math.tanh(z + half), R_DECIMALS)}
        rows.append(row)
    return table_frame("relations", rows)
