"""The supervisor's report: what a view shows, in words and as one self-contained HTML page.

:func:`what_it_shows` and :func:`relation_reading` are the sentences the supervisor page and the
report share; :func:`supervisor_report_html` renders a
:class:`~alliance_metrics.anonymise.SupervisorView` with inline style and tables only, nothing
fetched. Like the export file, it reads no database.
"""

from __future__ import annotations

import html
from typing import Sequence

import pandas as pd

from alliance_metrics.anonymise import (
    CASELOAD_LABELS, MEASURE_LABELS, MEASURES, MIN_RELATION_CLIENTS, SCORE_NAMES, TOTAL, SupervisorView,
)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def relation_reading(row: dict, k: int) -> str:
    """One relation row as a sentence: the coefficient and its interval, or why there is none.

    >>> relation_reading({"suppressed": True, "n_clients": None, "r": float("nan")}, 11)
    'Suppressed: fewer than 11 clients have both this score and a goal rating.'
    """
    if row["suppressed"]:
        return f"Suppressed: fewer than {k} clients have both this score and a goal rating."
    if pd.isna(row["n_clients"]) or not row["n_clients"]:
        return "No estimate: no client has both this score and a goal rating in this period."
    if pd.isna(row["r"]):
        n = int(row["n_clients"])
        if n < MIN_RELATION_CLIENTS:
            return f"No estimate: {n} clients are too few for an interval ({MIN_RELATION_CLIENTS} are needed)."
        return f"No estimate: the score or the progress is the same for all {n} clients, so they cannot be related."
    interval = f"{_number(row['ci_low'], 2)} to {_number(row['ci_high'], 2)}"
    return f"r = {_number(row['r'], 2)} (95 % interval {interval}, {int(row['n_clients'])} clients)"


def what_it_shows(view: SupervisorView) -> list[str]:
    """Sentences for the top of the page and the report: what this view lets the supervisor see,
    what it cannot, and why."""
    grain, k = view.granularity, view.k
    if view.first_period is None:
        return [f"No {grain} has closed since this caseload's first session, so nothing can be shown yet: "
                f"figures appear once a {grain} is over."]
    periods = view.periods
    scores = view.trends[view.trends.measure == "attendance"]
    hidden = int(scores.suppressed.sum())
    sentences = [
        f"Covered: {_count(len(periods), f'closed {grain}', f'closed {grain}s')}, {view.first_period} to "
        f"{view.last_period}. Every figure covers at least k = {k} distinct clients; smaller cells, and any "
        "cell from which one could be worked out, read 'suppressed'. No client, name, goal or date appears.",
        f"Figures of a closed {grain} are fixed at their first release (on this page or in an export): sessions "
        "entered later for it, or clients erased since, do not change them, so two releases can never be "
        "subtracted to single out a client.",
    ]
    if hidden:
        pooled = f" Months are pooled into {grain}s so that most periods reach k clients." if grain != "month" else ""
        sentences.append(f"In {hidden} of {len(periods)} {grain}s the scores are suppressed: they cover fewer "
                         f"than {k} clients, or showing them would let a suppressed figure be worked out.{pooled}")
    pending = sorted(set(view.caseload[view.caseload.pending].period))
    if pending:
        sentences.append(f"The caseload flow of {', '.join(pending)} is not yet known: a client counts as ended "
                         f"once {view.ending_gap_days} days have passed without a session.")
    therapists = view.therapists[view.therapists.therapist != TOTAL].therapist.nunique()
    if therapists == 1:
        sentences.append(f"The therapist comparison ({view.last_period}) has one therapist: there is nobody to "
                         "compare with, so it shows that caseload alone.")
    if view.distributions.empty and therapists:
        sentences.append("Distributions and score bands are shown for a whole practice only: bands of one "
                         "therapist's clients could be subtracted from the practice's.")
    elif len(view.distributions) and view.distributions.groupby("measure").size().max() == 1:
        sentences.append(f"Each score has a single band in {view.last_period}: no split of a score's range "
                         f"leaves at least {k} clients on both sides.")
    estimated = view.relations.r.notna().sum()
    if not estimated:
        sentences.append(f"No link between a score and goal progress can be estimated for {view.last_period}: "
                         "the table below says why for each score.")
    return sentences


# -- the HTML report ----------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; color: #222; }
h1 { margin-bottom: 0; } .sub { color: #555; margin-top: .3rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .88rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td small { color: #666; } .hidden { color: #999; }
.bar { background: #4c78a8; height: .8rem; display: inline-block; }
"""


def _number(value: float, decimals: int = 1) -> str:
    return "—" if pd.isna(value) else f"{value:.{decimals}f}".replace("-", "−")


def _cell(row: dict) -> str:
    """A figure with its median and count, or why it is not shown."""
    if row["suppressed"]:
        return '<span class="hidden">suppressed</span>'
    if row.get("pending"):
        return '<span class="hidden">not yet known</span>'
    if "mean" not in row:
        return str(int(row["n_clients"]))
    if not row["n_clients"]:
        return '<span class="hidden">no clients</span>'
    median = "" if pd.isna(row["median"]) else f"median {_number(row['median'])} · "
    return f"<b>{_number(row['mean'])}</b><br><small>{median}n {int(row['n_clients'])}</small>"


def _pivot(frame: pd.DataFrame, index: str, labels: dict[str, str], index_title: str) -> str:
    if frame.empty:
        return "<p>No closed period yet.</p>"
    head = "".join(f"<th>{html.escape(labels[m])}</th>" for m in labels)
    body = []
    for key, group in frame.groupby(index, sort=False):
        cells = {row["measure"]: _cell(row) for row in group.to_dict("records")}
        body.append(f"<tr><th>{html.escape(str(key))}</th>" +
                    "".join(f"<td>{cells.get(m, '')}</td>" for m in labels) + "</tr>")
    return f"<table><tr><th>{html.escape(index_title)}</th>{head}</tr>{''.join(body)}</table>"


def _bins_table(frame: pd.DataFrame, key: str, names: Sequence[str], with_progress: bool) -> str:
    parts = []
    for name in names:
        rows = frame[frame[key] == name].to_dict("records")
        largest = max((int(r["n_clients"]) for r in rows if not pd.isna(r["n_clients"])), default=0) or 1
        lines = []
        for r in rows:
            if r["suppressed"]:
                count, bar = '<span class="hidden">suppressed</span>', ""
            else:
                count = str(int(r["n_clients"]))
                bar = f'<span class="bar" style="width:{12 * int(r["n_clients"]) / largest:.1f}rem"></span>'
            progress = ""
            if with_progress:
                progress = f"<td>{_number(r['mean_progress'])}</td><td>{_number(r['median_progress'])}</td>"
            lines.append(f"<tr><td>{html.escape(r['bin'])}</td><td>{count}</td>{progress}<td>{bar}</td></tr>")
        extra = "<th>mean progress</th><th>median progress</th>" if with_progress else ""
        parts.append(f"<h3>{html.escape(MEASURE_LABELS[name])}</h3><table><tr><th>bin</th><th>clients</th>"
                     f"{extra}<th></th></tr>{''.join(lines)}</table>")
    return "".join(parts)


def _relations_table(frame: pd.DataFrame, k: int) -> str:
    if frame.empty:
        return "<p>No client of this caseload was seen in the latest period: no link can be estimated.</p>"
    lines = []
    for r in frame.to_dict("records"):
        n = "" if pd.isna(r["n_clients"]) else str(int(r["n_clients"]))
        lines.append(f"<tr><td>{html.escape(MEASURE_LABELS[r['score']])}</td>"
                     f"<td>{html.escape(relation_reading(r, k))}</td><td>{n}</td>"
                     f"<td>{html.escape(r['method'])}</td></tr>")
    return ("<table><tr><th>score</th><th>correlation with goal progress (points)</th><th>clients</th>"
            f"<th>method</th></tr>{''.join(lines)}</table>")


def supervisor_report_html(view: SupervisorView) -> str:
    """The view as one self-contained HTML page: inline style, tables only, nothing fetched.

    Every text is HTML-escaped. Suppressed figures read "suppressed", endings whose gap has not
    elapsed "not yet known".
    """
    by = view.granularity
    covered = (f"{view.first_period} to {view.last_period}, by {by}" if view.first_period
               else "no closed period yet")
    made = ", ".join(sorted({source.as_of for source in view.sources}))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Alliance — supervision report</title>
<style>{STYLE}</style></head><body>
<h1>Supervision report</h1>
<p class="sub">{html.escape(view.title)} · {html.escape(covered)} · made in {html.escape(made)}</p>
{"".join(f"<p>{html.escape(sentence)}</p>" for sentence in what_it_shows(view))}
<h2>Caseload</h2>
{_pivot(view.caseload, "period", CASELOAD_LABELS, by)}
<p><small>Active: clients with a session of their own (attended, missed or cancelled by them).
An ending is a client's last session followed by {view.ending_gap_days} days with none; it is a drop-out
when that session was missed. Endings are known once those days have passed.</small></p>
<h2>Scores and goal progress by {by}</h2>
<p><small>Mean of the clients' own figures over the period (median and number of clients below).
Scores are 0–100; progress is measured from each client's baseline to their last goal rating in the period.</small></p>
{_pivot(view.trends, "period", MEASURE_LABELS, by)}
<h2>Therapists compared</h2>
<p><small>Each client's figures over {html.escape(str(view.last_period))}, under their latest therapist;
therapists under pseudonyms.</small></p>
{_pivot(view.therapists, "therapist", MEASURE_LABELS, "therapist")}
<h2>How the scores relate to goal progress ({html.escape(str(view.last_period))})</h2>
{_relations_table(view.relations, view.k)}
<p><small>Pearson correlation across clients with its 95 % confidence interval; a link, not a cause.</small></p>
{_bins_table(view.relation_bins, "score", SCORE_NAMES, with_progress=True)}
<h2>Distributions ({html.escape(str(view.last_period))})</h2>
<p><small>Neighbouring bins are merged until each holds at least k clients.</small></p>
{_bins_table(view.distributions, "measure", MEASURES, with_progress=False)}
</body></html>
"""
