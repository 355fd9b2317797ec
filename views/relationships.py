"""How commitment relates to progress: between clients, within clients, session to session."""

import streamlit as st

from alliance_metrics.caseload import SESSION_MEASURES, centred_within_clients, client_table, session_measures
from alliance_metrics.charts import SCORE_COLOURS, relation_scatter
from alliance_metrics.relations import between_clients, lagged, within_client
from alliance_metrics.scores import SCORES, SCORES_BY_NAME
from ui import sidebar
from ui.state import store
from ui.widgets import PLOTLY_CONFIG, show_relation

st.title("Relationships")
st.caption(
    "Two different questions. *Between clients*: do clients who score higher progress more? "
    "*Within clients*: when a client engages more than usual, do they rate their goal higher? "
    "Only the second speaks about what changes for one person — and neither proves a cause."
)
therapist = sidebar.therapist()

st.header("Between clients")
table = client_table(store(), therapist)
left, right = st.columns([2, 1])
score = left.selectbox("Score", [s.name for s in SCORES], format_func=lambda n: SCORES_BY_NAME[n].label,
                       index=[s.name for s in SCORES].index("alliance"), key="relationship_score")
method = right.radio("Correlation", ["pearson", "spearman"], horizontal=True, key="relationship_method",
                     format_func=str.capitalize, help="Spearman ranks the values: robust to outliers.")
between = between_clients(table, x=score, y="progress_points", method=method)
show_relation(between, compare_with_reference=score == "alliance")
st.plotly_chart(
    relation_scatter(table.dropna(subset=[score, "progress_points"]), score, "progress_points",
                     SCORES_BY_NAME[score].label + " (0–100)", "Progress (goal points)",
                     between.slope, between.intercept, f"{SCORES_BY_NAME[score].label} and progress, one dot per client",
                     colour=SCORE_COLOURS[score]),
    config=PLOTLY_CONFIG, key="between_chart",
)

st.header("Within clients")
measures = session_measures(store(), therapist)
measure = st.selectbox("Session measure", list(SESSION_MEASURES), format_func=SESSION_MEASURES.get,
                       key="relationship_measure")
within = within_client(measures, x=measure, y="goal_rating")
show_relation(within)
if within.estimate is not None:
    points = centred_within_clients(measures, measure, "goal_rating")
    st.plotly_chart(
        relation_scatter(points, f"{measure}_centred", "goal_rating_centred",
                         SESSION_MEASURES[measure] + ", against the client's own mean",
                         "Goal rating, against the client's own mean", within.slope, 0.0,
                         "Each dot a session, each client centred on their own mean", dots="Sessions"),
        config=PLOTLY_CONFIG, key="within_chart",
    )

st.header("Session to session")
st.caption(
    "Does this session's measure predict the change in goal rating by the next rated session, "
    "with each client's own average removed (Falkenström et al. 2016)? Removing each client's "
    "own time trend guards against a link made only by both drifting over time."
)
detrend = st.checkbox("Remove each client's time trend first", value=True, key="relationship_detrend")
show_relation(lagged(measures, x=measure, y="goal_rating", detrend=detrend))
