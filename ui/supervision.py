"""Render a SupervisorView: anonymised aggregates only. The supervisor pages import this module
and ``alliance_metrics.anonymise`` / ``supervisor_report`` — nothing that can reach a client row."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance_metrics.anonymise import CASELOAD_LABELS, MEASURE_LABELS, SCORE_NAMES, TOTAL, SupervisorView
from alliance_metrics.charts import MEASURE_COLOURS, binned_counts, caseload_flow, period_grid, period_trend
from alliance_metrics.i18n import _, current_language, format_decimal
from alliance_metrics.supervisor_report import bin_words, in_words, relation_reading, what_it_shows
from ui.chart import plotly_chart
from ui.figures import kept
from ui.widgets import EMPTY_CELL


def _shown(frame: pd.DataFrame, value: str, decimals: int = 1) -> pd.Series:
    """Values as text: 'suppressed' where the cell covers fewer than k clients, 'no clients' at 0."""
    values = frame[value]
    # each distinct figure worded once: a network's 2,200 therapists repeat the same few hundred
    worded = {v: format_decimal(v, decimals) for v in values.dropna().unique().tolist()}
    text = values.map(worded).astype(object).where(values.notna(), _("no clients"))
    return text.where(~frame.suppressed.astype(bool), _("suppressed"))


def _labels(labels: dict[str, str]) -> dict[str, str]:
    """The library's labels (code → English, marked for the catalogue) in the current language."""
    return {code: _(label) for code, label in labels.items()}


def _figure(name: str, build, made_from: tuple[str, ...], *key: str):
    """``build()``, kept per view, language and *key* (ui/figures.py)."""
    return kept(("supervisor", name, made_from, current_language(), key), build)


def _scores_chart(view: SupervisorView, made_from: tuple[str, ...]):
    return _figure("supervisor_scores", lambda: period_grid(
        view.trends, list(SCORE_NAMES), _labels(MEASURE_LABELS), _("Commitment scores, mean per client")), made_from)


def _progress_chart(view: SupervisorView, made_from: tuple[str, ...]):
    return _figure("supervisor_progress", lambda: period_trend(
        view.trends, ["progress_points"], _labels(MEASURE_LABELS), _("Goal progress (points), mean per client")),
                   made_from)


def _caseload_chart(view: SupervisorView, made_from: tuple[str, ...]):
    return _figure("supervisor_caseload", lambda: caseload_flow(view.caseload, _labels(CASELOAD_LABELS)), made_from)


#: A score's bands are drawn from this many on: a single band shows no spread and no link.
MIN_BANDS = 2


def _band_charts(view: SupervisorView, made_from: tuple[str, ...], measure: str) -> tuple | None:
    """The clients per band of *measure*, and the mean progress by band; None with fewer than
    :data:`MIN_BANDS` bands."""
    bins = view.distributions[view.distributions.measure == measure]
    if len(bins) < MIN_BANDS:
        return None
    name = _labels(MEASURE_LABELS)[measure]
    return (_figure("supervisor_distribution", lambda: binned_counts(
                _worded(bins), "n_clients", _("{score}: clients per band").format(score=name), _("Clients"),
                MEASURE_COLOURS[measure]), made_from, measure),
            _figure("supervisor_relation_bins", lambda: binned_counts(
                _worded(view.relation_bins[view.relation_bins.score == measure]), "mean_progress",
                _("Mean progress by band of {score}").format(score=name.lower()),
                _("Mean progress (points)"), MEASURE_COLOURS[measure]), made_from, measure))


def _worded(bins: pd.DataFrame) -> pd.DataFrame:
    """*bins* labelled in the current language (the view keeps an English key: anonymise.bin_label)."""
    return bins.assign(bin=[bin_words(low, high) for low, high in zip(bins.bin_low, bins.bin_high)])


def opening_score(view: SupervisorView) -> str:
    """The score whose bands the page opens on: the first that has :data:`MIN_BANDS` (fewer draw
    nothing), else the first."""
    bands = view.distributions.measure.value_counts()
    return next((score for score in SCORE_NAMES if bands.get(score, 0) >= MIN_BANDS), SCORE_NAMES[0])


def prepare(view: SupervisorView, made_from: tuple[str, ...]) -> None:
    """Build the charts :func:`render` opens *view* with (its opening score's bands), in the
    current language, so that they are kept before the page is first drawn (ui/state.py, at the start)."""
    if view.first_period is None:
        return
    for chart in (_scores_chart, _progress_chart, _caseload_chart):
        chart(view, made_from)
    if not view.distributions.empty:
        _band_charts(view, made_from, opening_score(view))


def render(view: SupervisorView, made_from: tuple[str, ...]) -> None:
    """The whole supervisor view: what it covers and why, trends, caseload, relations, therapists.

    *made_from* names what *view* was made from — the export files' digests
    (:func:`alliance_metrics.supervisor_file.exports_digest`) — and keys its charts: a rerun of the
    page does not rebuild them."""
    measures = _labels(MEASURE_LABELS)
    st.caption(", ".join(_("{practice} ({scope}, made {as_of})").format(practice=in_words(s.practice), scope=_(s.scope),
                                                                        as_of=s.as_of) for s in view.sources))
    st.info("\n".join(f"- {sentence}" for sentence in what_it_shows(view)))
    if view.first_period is None:
        return

    st.header(_("Trends by {period}").format(period=_(view.granularity)))
    plotly_chart(_scores_chart(view, made_from), key="supervisor_scores")
    plotly_chart(_progress_chart(view, made_from), key="supervisor_progress")

    st.header(_("Caseload flow"))
    plotly_chart(_caseload_chart(view, made_from), key="supervisor_caseload")

    st.header(_("How the scores relate to progress ({period})").format(period=view.last_period))
    if view.relations.empty:
        st.write(_("No client of this caseload was seen in the latest period, so no link can be estimated."))
    else:
        relations = pd.DataFrame({
            _("Score"): view.relations.score.map(measures),
            _("Correlation with goal progress (points)"): [relation_reading(row, view.k)
                                                            for row in view.relations.to_dict("records")],
        })
        st.dataframe(relations, hide_index=True, key="supervisor_relations", placeholder=EMPTY_CELL)
    if view.distributions.empty:
        st.write(_("Score bands are shown for a whole practice only: bands of one therapist's clients could be "
                   "subtracted from the practice's."))
    else:
        measure = st.selectbox(_("Score"), SCORE_NAMES, index=SCORE_NAMES.index(opening_score(view)),
                               format_func=measures.get, key="supervisor_measure")
        charts = _band_charts(view, made_from, measure)
        if charts is None:
            st.write(_("{score}: one band only — no split of the score's range leaves at least {k} clients on "
                       "both sides, so no distribution or link by band can be drawn.").format(
                score=measures[measure], k=view.k))
        else:
            left, right = st.columns(2)
            with left:
                plotly_chart(charts[0], key="supervisor_distribution")
            with right:
                plotly_chart(charts[1], key="supervisor_relation_bins")

    st.header(_("Therapists compared ({period})").format(period=view.last_period))
    if view.therapists.empty:
        st.write(_("No client of this caseload was seen in the latest period."))
        return
    several = (view.therapists.therapist != TOTAL).sum() > view.therapists.measure.nunique()
    st.caption(_("Under pseudonyms that stay the same from one export to the next (HMAC-SHA256 keyed by the "
                 "practice's secret).") + " "
               + (_("'{total}' is the whole practice.").format(total=_(TOTAL)) if several else
                  _("One therapist: there is no one to compare with and no total to repeat.")))
    st.dataframe(therapists_table(view.therapists), key="supervisor_therapists", placeholder=EMPTY_CELL)


#: Past this many therapists (and the total), the table turns: one row per therapist. A network
#: of 2,200 therapists as columns sent 600 kB and took seconds to draw, and no one reads it sideways.
MAX_THERAPIST_COLUMNS = 12


def therapists_table(therapists: pd.DataFrame) -> pd.DataFrame:
    """One row per measure (in the order of MEASURE_LABELS), one column per therapist, the total
    last: eight measures with long names as columns scrolled sideways even at 1440 px, while a
    practice's few pseudonyms fit side by side. The measures are the (unnamed) index; measures and
    the total's name in the current language. With more than :data:`MAX_THERAPIST_COLUMNS`
    columns, the same table turned: one row per therapist, the total first, one column per measure.

    >>> rows = pd.DataFrame({"therapist": ["a", "b", TOTAL] * 2, "measure": ["attendance"] * 3 + ["payment"] * 3,
    ...     "mean": [80.0, 90.0, 85.0, 70.0, None, 70.0], "suppressed": [False, False, False, False, True, False]})
    >>> therapists_table(rows).to_dict("list")
    {'a': ['80.0', '70.0'], 'b': ['90.0', 'suppressed'], 'Total': ['85.0', '70.0']}
    """
    shown = therapists.assign(value=_shown(therapists, "mean").astype(object))
    names = therapists.therapist.unique().tolist()   # in the frame's order
    present = set(therapists.measure.unique().tolist())
    measures = [m for m in MEASURE_LABELS if m in present]
    labels = _labels(MEASURE_LABELS)

    def in_reading(name: str) -> str:
        return _(TOTAL) if name == TOTAL else in_words(name)

    if len(names) <= MAX_THERAPIST_COLUMNS:
        table = shown.pivot(index="measure", columns="therapist", values="value").reindex(index=measures, columns=names)
        table.index = [labels[m] for m in measures]
        table.columns = [in_reading(name) for name in names]
        return table
    # turned, and pivoted that way round: 2,200 text columns turned took 0.7 s of every run
    if TOTAL in names:    # the total first
        names = [names[-1], *names[:-1]]
    turned = shown.pivot(index="therapist", columns="measure", values="value").reindex(index=names, columns=measures)
    turned.index = [in_reading(name) for name in names]
    turned.columns = [labels[m] for m in measures]
    return turned
