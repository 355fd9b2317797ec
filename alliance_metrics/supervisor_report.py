"""The supervisor's report: what a view shows, in words and as one self-contained HTML page.

:func:`what_it_shows` and :func:`relation_reading` are the sentences the supervisor page and the
report share, in the current language; :func:`supervisor_report_html` renders a
:class:`~alliance_metrics.anonymise.SupervisorView` from the autoescaped Jinja2 template
``templates/supervisor_report.html`` (extending ``base.html`` and its one stylesheet), tables only,
nothing fetched. Like the export file, it reads no database.
"""

from __future__ import annotations

import math
from typing import Sequence

import pandas as pd

from alliance_metrics.anonymise import (
    CASELOAD_LABELS, HALF, MEASURE_LABELS, MEASURES, MIN_RELATION_CLIENTS, MONTH, QUARTER,
    SCORE_NAMES, TOTAL, SupervisorView,
)
from alliance_metrics.i18n import _, format_decimal, ngettext, pgettext
from alliance_metrics.templating import MISSING, render


def grain_word(grain: str) -> str:
    """The name of a period grain in the current language: ``month`` / ``mois``."""
    if grain == MONTH:
        return pgettext("period", "month")
    if grain == QUARTER:
        return pgettext("period", "quarter")
    if grain == HALF:
        return pgettext("period", "half-year")
    return pgettext("period", "year")


def _number(value: float, decimals: int = 1) -> str:
    """A figure to *decimals* decimals in the current language (a true minus sign), '—' if undefined."""
    return MISSING if pd.isna(value) else format_decimal(float(value), decimals).replace("-", "−")


def bin_words(low: float, high: float) -> str:
    """A band's label in the current language, from its edges (the export stores an English key,
    :func:`~alliance_metrics.anonymise.bin_label`, that stays the same in every language).

    >>> bin_words(-3.0, 1.0), bin_words(-math.inf, 0.0), bin_words(100.0, math.inf)
    ('−3 to 1', 'below 0', '100 or more')
    """
    def number(value: float) -> str:
        return format_decimal(float(value)).replace("-", "−")
    if low == -math.inf:
        return _("all values") if high == math.inf else _("below {high}").format(high=number(high))
    if high == math.inf:
        return _("{low} or more").format(low=number(low))
    return _("{low} to {high}").format(low=number(low), high=number(high))


def relation_reading(row: dict, k: int) -> str:
    """One relation row as a sentence: the coefficient and its interval, or why there is none.

    >>> relation_reading({"suppressed": True, "n_clients": None, "r": float("nan")}, 11)
    'Suppressed: fewer than 11 clients have both this score and a goal rating.'
    """
    if row["suppressed"]:
        return _("Suppressed: fewer than {k} clients have both this score and a goal rating.").format(k=k)
    if pd.isna(row["n_clients"]) or not row["n_clients"]:
        return _("No estimate: no client has both this score and a goal rating in this period.")
    n = int(row["n_clients"])
    if pd.isna(row["r"]):
        if n < MIN_RELATION_CLIENTS:
            return ngettext("No estimate: {n} client is too few for an interval ({needed} are needed).",
                            "No estimate: {n} clients are too few for an interval ({needed} are needed).",
                            n).format(n=n, needed=MIN_RELATION_CLIENTS)
        return _("No estimate: the score or the progress is the same for all {n} clients, so they cannot "
                 "be related.").format(n=n)
    return _("r = {r} (95 % interval {low} to {high}, {n} clients)").format(
        r=_number(row["r"], 2), low=_number(row["ci_low"], 2), high=_number(row["ci_high"], 2), n=n)


def what_it_shows(view: SupervisorView) -> list[str]:
    """Sentences for the top of the page and the report: what this view lets the supervisor see,
    what it cannot, and why (in the current language)."""
    grain, k = grain_word(view.granularity), view.k
    if view.first_period is None:
        return [_("No period ({grain}) has closed since this caseload's first session, so nothing can be "
                  "shown yet: figures appear once a period is over.").format(grain=grain)]
    periods = view.periods
    scores = view.trends[view.trends.measure == "attendance"]
    hidden = int(scores.suppressed.sum())
    sentences = [
        ngettext("Covered: {n} closed period ({grain}), {first} to {last}.",
                 "Covered: {n} closed periods ({grain}), {first} to {last}.", len(periods)).format(
            n=len(periods), grain=grain, first=view.first_period, last=view.last_period)
        + " " + _("Every figure covers at least k = {k} distinct clients; smaller cells, and any cell from "
                  "which one could be worked out, read 'suppressed'. No client, name, goal or date "
                  "appears.").format(k=k),
        _("Figures of a closed period are fixed at their first release (on this page or in an export): "
          "sessions entered later for it, or clients erased since, do not change them, so two releases "
          "can never be subtracted to single out a client."),
    ]
    if hidden:
        sentence = ngettext(
            "In {hidden} of {n} periods the scores are suppressed: they cover fewer than {k} clients, or "
            "showing them would let a suppressed figure be worked out.",
            "In {hidden} of {n} periods the scores are suppressed: they cover fewer than {k} clients, or "
            "showing them would let a suppressed figure be worked out.", len(periods)).format(
            hidden=hidden, n=len(periods), k=k)
        if view.granularity != MONTH:
            sentence += " " + _("Months are pooled into longer periods ({grain}) so that most periods reach "
                                "k clients.").format(grain=grain)
        sentences.append(sentence)
    pending = sorted(set(view.caseload[view.caseload.pending].period))
    if pending:
        sentences.append(_("The caseload flow of {periods} is not yet known: a client counts as ended once "
                           "{days} days have passed without a session.").format(
            periods=", ".join(pending), days=view.ending_gap_days))
    therapists = view.therapists[view.therapists.therapist != TOTAL].therapist.nunique()
    if therapists == 1:
        sentences.append(_("The therapist comparison ({period}) has one therapist: there is nobody to "
                           "compare with, so it shows that caseload alone.").format(period=view.last_period))
    if view.distributions.empty and therapists:
        sentences.append(_("Distributions and score bands are shown for a whole practice only: bands of one "
                           "therapist's clients could be subtracted from the practice's."))
    elif len(view.distributions) and view.distributions.groupby("measure").size().max() == 1:
        sentences.append(_("Each score has a single band in {period}: no split of a score's range leaves at "
                           "least {k} clients on both sides.").format(period=view.last_period, k=k))
    estimated = view.relations.r.notna().sum()
    if not estimated:
        sentences.append(_("No link between a score and goal progress can be estimated for {period}: the "
                           "table below says why for each score.").format(period=view.last_period))
    return sentences


# -- the HTML report ----------------------------------------------------------------------------

def _cell(row: dict) -> dict:
    """A figure with its median and count, or why it is not shown (kind: hidden, count or figure)."""
    if row["suppressed"]:
        return {"kind": "hidden", "text": _("suppressed")}
    if row.get("pending"):
        return {"kind": "hidden", "text": _("not yet known")}
    if "mean" not in row:
        return {"kind": "count", "text": format_decimal(int(row["n_clients"]))}
    if not row["n_clients"]:
        return {"kind": "hidden", "text": _("no clients")}
    n = format_decimal(int(row["n_clients"]))
    detail = (_("n {n}").format(n=n) if pd.isna(row["median"])
              else _("median {median} · n {n}").format(median=_number(row["median"]), n=n))
    return {"kind": "figure", "text": _number(row["mean"]), "detail": detail}


def _row_name(key: str) -> str:
    """A table's row heading: a period, a therapist's pseudonym, or the total row (translated)."""
    return _(TOTAL) if key == TOTAL else str(key)


def _pivot(frame: pd.DataFrame, index: str, labels: dict[str, str], index_title: str) -> dict:
    rows = []
    for key, group in frame.groupby(index, sort=False):
        cells = {row["measure"]: _cell(row) for row in group.to_dict("records")}
        rows.append({"key": _row_name(key), "cells": [cells.get(m) for m in labels]})
    return {"index_title": index_title, "labels": [_(labels[m]) for m in labels], "rows": rows}


def _bins(frame: pd.DataFrame, key: str, names: Sequence[str], with_progress: bool) -> list[dict]:
    tables = []
    for name in names:
        rows = frame[frame[key] == name].to_dict("records")
        largest = max((int(r["n_clients"]) for r in rows if not pd.isna(r["n_clients"])), default=0) or 1
        tables.append({"label": _(MEASURE_LABELS[name]), "with_progress": with_progress, "rows": [{
            "bin": bin_words(r["bin_low"], r["bin_high"]), "suppressed": bool(r["suppressed"]),
            "count": "" if r["suppressed"] else format_decimal(int(r["n_clients"])),
            "width": "0" if r["suppressed"] else f"{12 * int(r['n_clients']) / largest:.1f}",
            "mean": _number(r["mean_progress"]) if with_progress else "",
            "median": _number(r["median_progress"]) if with_progress else "",
        } for r in rows]})
    return tables


def supervisor_report_html(view: SupervisorView) -> str:
    """The view as one self-contained HTML page, in the current language: the shared stylesheet
    inline, tables only, nothing fetched.

    Every value is HTML-escaped by the template. Suppressed figures read "suppressed", endings
    whose gap has not elapsed "not yet known".
    """
    grain = grain_word(view.granularity)
    covered = (_("{first} to {last}, by {grain}").format(first=view.first_period, last=view.last_period,
                                                         grain=grain)
               if view.first_period else _("no closed period yet"))
    title = view.title
    relations = [{
        "score": _(MEASURE_LABELS[r["score"]]), "reading": relation_reading(r, view.k),
        "clients": "" if pd.isna(r["n_clients"]) else format_decimal(int(r["n_clients"])),
        "method": r["method"],
    } for r in view.relations.to_dict("records")]
    return render(
        "supervisor_report.html",
        title=title, covered=covered, made=", ".join(sorted({source.as_of for source in view.sources})),
        sentences=what_it_shows(view), grain=grain, last_period=view.last_period or MISSING,
        ending_gap_days=view.ending_gap_days,
        caseload=_pivot(view.caseload, "period", CASELOAD_LABELS, _("Period")),
        trends=_pivot(view.trends, "period", MEASURE_LABELS, _("Period")),
        therapists=_pivot(view.therapists, "therapist", MEASURE_LABELS, _("Therapist")),
        relations=relations,
        relation_bins=_bins(view.relation_bins, "score", SCORE_NAMES, with_progress=True),
        distributions=_bins(view.distributions, "measure", MEASURES, with_progress=False),
    )


def in_words(label: str) -> str:
    """A pseudonym as a reader of the current language reads it: the word before the hex digits
    translated ("Therapist 1a2b3c4d" → "Thérapeute 1a2b3c4d"); the export keeps the English word (alliance_metrics.pseudonym),
    so that the same therapist keeps one pseudonym in every language. Other labels unchanged.

    >>> in_words("Therapist 1a2b3c4d"), in_words("Total")
    ('Therapist 1a2b3c4d', 'Total')
    """
    word, _space, code = label.partition(" ")
    if len(code) == 8 and all(c in "0123456789abcdef" for c in code):
        if word == "Therapist":
            return _("Therapist {code}").format(code=code)
        if word == "Practice":
            return _("Practice {code}").format(code=code)
    return label
