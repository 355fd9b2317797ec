"""Render a SupervisorView: anonymised aggregates only. The supervisor pages import this module
and ``alliance_metrics.anonymise`` / ``supervisor_export`` — nothing that can reach a client row."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance_metrics.anonymise import CASELOAD_LABELS, MEASURE_LABELS, TOTAL, SupervisorView
from alliance_metrics.charts import MEASURE_COLOURS, binned_counts, caseload_flow, period_trend
from ui.widgets import PLOTLY_CONFIG

SCORE_MEASURES = ["attendance", "punctuality", "engagement", "payment", "therapist_punctuality", "alliance"]


def _shown(frame: pd.DataFrame, value: str, decimals: int = 1) -> pd.Series:
    """Values as text, 'suppressed' where the cell covers fewer than k clients."""
    return frame[value].map(lambda v: "—" if pd.isna(v) else f"{v:.{decimals}f}").where(
        ~frame.suppressed.astype(bool), "suppressed")


def render(view: SupervisorView) -> None:
    """The whole supervisor view: what it covers, trends, caseload, therapists, relations."""
    sources = ", ".join(f"{s.practice} ({s.scope}, made {s.as_of})" for s in view.sources)
    st.caption(
        f"{sources}. Closed {view.granularity}s {view.first_period} to {view.last_period}. Every figure "
        f"covers at least {view.k} clients; smaller cells, and any cell that would let one be worked out, "
        "are shown as *suppressed*. No client, name, goal or date appears here."
    )

    st.header("Trends")
    st.plotly_chart(period_trend(view.trends, SCORE_MEASURES, MEASURE_LABELS, "Commitment scores, mean per client"),
                    config=PLOTLY_CONFIG, key="supervisor_scores")
    st.plotly_chart(period_trend(view.trends, ["progress_points"], MEASURE_LABELS, "Goal progress (points), mean per client"),
                    config=PLOTLY_CONFIG, key="supervisor_progress")

    st.header("Caseload flow")
    st.plotly_chart(caseload_flow(view.caseload, CASELOAD_LABELS), config=PLOTLY_CONFIG, key="supervisor_caseload")
    if view.caseload.pending.any():
        st.caption(f"Endings of the most recent periods are pending: a client counts as ended after "
                   f"{view.ending_gap_days} days without a session.")

    st.header("How the scores relate to progress")
    relations = view.relations.assign(
        score=view.relations.score.map(MEASURE_LABELS),
        r=_shown(view.relations, "r", decimals=2),
        interval=[("suppressed" if hidden else f"{low:+.2f} to {high:+.2f}")
                  for hidden, low, high in zip(view.relations.suppressed, view.relations.ci_low, view.relations.ci_high)],
    )[["score", "method", "n_clients", "r", "interval"]]
    st.dataframe(relations, hide_index=True, key="supervisor_relations",
                 column_config={"score": "Score", "method": "Method", "n_clients": "Clients",
                                "r": "r with progress (points)", "interval": "95 % interval"})
    measure = st.selectbox("Score", SCORE_MEASURES, format_func=MEASURE_LABELS.get, key="supervisor_measure")
    left, right = st.columns(2)
    left.plotly_chart(binned_counts(view.distributions[view.distributions.measure == measure], "n_clients",
                                    f"{MEASURE_LABELS[measure]}: clients per band", "Clients",
                                    MEASURE_COLOURS[measure]), config=PLOTLY_CONFIG, key="supervisor_distribution")
    right.plotly_chart(binned_counts(view.relation_bins[view.relation_bins.score == measure], "mean_progress",
                                     f"Mean progress by {MEASURE_LABELS[measure].lower()} band",
                                     "Mean progress (points)", MEASURE_COLOURS[measure]),
                       config=PLOTLY_CONFIG, key="supervisor_relation_bins")

    st.header("Therapists compared")
    st.caption("Under pseudonyms that stay the same from one export to the next (HMAC-SHA256 keyed by the "
               f"practice's secret). '{TOTAL}' is the whole practice.")
    therapists = view.therapists.assign(value=_shown(view.therapists, "mean"),
                                        measure=view.therapists.measure.map(MEASURE_LABELS))
    st.dataframe(therapists.pivot(index="therapist", columns="measure", values="value").reset_index(),
                 hide_index=True, key="supervisor_therapists")
