"""How the scores relate to progress: one question chosen in advance, the rest explored with care."""

import streamlit as st

from alliance_metrics.caseload import (
    SESSION_MEASURES,
    client_table,
    relationships,
    session_measures,
    within_client_points,
)
from alliance_metrics.charts import SCORE_COLOURS, relation_scatter, score_label
from alliance_metrics.i18n import _, ngettext
from alliance_metrics.relations import PRIMARY, family_reading, lagged, reference_reading
from alliance_metrics.scores import SCORES
from ui import sidebar
from ui.chart import plotly_chart
from ui.pages import guard
from ui.state import figure, store
from ui.widgets import EMPTY_CELL, show_relation

guard(__file__)
st.title(_("Relationships"))
st.caption(_(
    "Three different questions. *Between clients*: do clients who score higher progress more? "
    "*Within clients*: in the weeks a client scores higher than their own usual, is their goal rating "
    "higher too? *Session to session*: does a higher score today go with a better goal rating next time, "
    "beyond today's rating? None of them proves a cause."
))
therapist = sidebar.therapist()
method = st.radio(_("Correlation across clients"), ["pearson", "spearman"], horizontal=True,
                  key="relationship_method", format_func=str.capitalize,   # two names: Pearson, Spearman
                  help=_("Spearman ranks the values: robust to outliers."))
family = relationships(store(), therapist, method)
by_design = {(row.design, row.x): row.relation for row in family.itertuples()}
judged = {(row.design, row.x): family_reading(row.role, row.p_adjusted, len(family) - 1)
          for row in family.itertuples()}

st.header(_("The main question: alliance and progress"))
primary = by_design[PRIMARY]
st.caption(_(
    "Chosen in advance, before looking at the data: do clients with a stronger alliance progress more "
    "towards their goal? Clients seen for longer have had more time to progress and to build the "
    "alliance, so the correlation is adjusted for the number of sessions attended (a partial correlation)."
))
show_relation(primary)
if primary.estimate is not None:
    st.caption(reference_reading(primary.n_clients, adjusted_for=1))

st.header(_("Everything else is exploratory"))
st.caption(_(
    "The page looks at {n} other links. With that many, one or two would look convincing by "
    "chance alone even if nothing were related, so each is judged after Holm's adjustment for the number "
    "of links looked at (the *adjusted p*). Treat any of them as a question to follow up, not an answer."
).format(n=len(family) - 1))
st.dataframe(
    family.assign(design=family.design.map(lambda design: _(design).capitalize()),
                  label=family.label.map(_), role=family.role.map(_))[
        ["label", "design", "role", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "evidence"]],
    hide_index=True, key="relationship_family",
    column_config={
        "label": _("Score or measure"), "design": _("Question"), "role": _("Role"),
        "estimate": st.column_config.NumberColumn("r", format="%+.2f"),
        "ci_low": st.column_config.NumberColumn(_("95 % CI from"), format="%+.2f"),
        "ci_high": st.column_config.NumberColumn(_("to"), format="%+.2f"),
        "p_value": st.column_config.NumberColumn("p", format="%.3f"),
        "p_adjusted": st.column_config.NumberColumn(_("Adjusted p"), format="%.3f"),
        "evidence": st.column_config.CheckboxColumn(_("Evidence (adjusted p < 0.05)")),
    },
    placeholder=EMPTY_CELL,
)

st.header(_("Between clients"))
st.caption(_(
    "Adjusted for sessions attended. What this cannot take into account: anything else that differs "
    "between clients — how distressed they were at the start, their circumstances, their therapist."
))
score = st.selectbox(_("Score"), [s.name for s in SCORES], format_func=score_label,
                     index=[s.name for s in SCORES].index("alliance"), key="relationship_score")
between = by_design[("between clients", score)]
show_relation(between)
st.caption(judged[("between clients", score)])

# both charts kept between runs (0.15 s of each run at a million sessions): drawn from the data
# version's results, the caseload, the score or measure chosen and the method (the line's slope)
plotly_chart(figure("between_clients", lambda: relation_scatter(
    client_table(store(), therapist).dropna(subset=[score, "progress_points"]), score, "progress_points",
    score_label(score) + " (0–100)", _("Progress (goal points)"), between.slope, between.intercept,
    _("{score} and progress, one dot per client (line: adjusted slope)").format(score=score_label(score)),
    colour=SCORE_COLOURS[score]), therapist, score, method), key="between_chart")

st.header(_("Within clients"))
st.caption(_(
    "Each client is compared with themselves, so lasting differences between clients cannot create the "
    "link, and each client's own steady drift over therapy is taken out first (two things that both "
    "improve over time would otherwise look linked; Curran & Bauer 2011). What this cannot take into "
    "account: something that changes in a client's life and moves both at once."
))
measure = st.selectbox(_("Session measure"), list(SESSION_MEASURES),
                       format_func=lambda name: _(SESSION_MEASURES[name]), key="relationship_measure")
within = by_design[("within clients", measure)]
show_relation(within)
st.caption(judged[("within clients", measure)])
if within.estimate is not None:
    st.caption(ngettext(
        "{measure} changed from session to session for {varying} of the {n} client; a client whose measure "
        "never changes tells nothing here.",
        "{measure} changed from session to session for {varying} of the {n} clients; a client whose measure "
        "never changes tells nothing here.", int(within.n_clients)).format(
        measure=_(SESSION_MEASURES[measure]), varying=within.n_clients_varying, n=within.n_clients))
    plotly_chart(figure("within_clients", lambda: relation_scatter(
        within_client_points(store(), therapist, measure), "x_within", "y_within",
        _("{measure}, against the client's own usual and trend").format(measure=_(SESSION_MEASURES[measure])),
        _("Goal rating, against the client's own usual and trend"), within.slope, 0.0,
        _("Each dot a session, each client against their own usual"), dots=_("Sessions")), therapist, measure, method),
        key="within_chart")

st.header(_("Session to session"))
st.caption(_(
    "Does this session's measure, above the client's own usual, go with a better goal rating at the next "
    "rated session than today's rating predicts? The current goal rating and every lasting difference "
    "between clients are taken into account, and by default each client's own trend over time "
    "(Falkenström et al. 2017); the interval allows for several sessions coming from one client. "
    "What this cannot take into account: an event between sessions that moves both."
))
detrend = st.checkbox(_("Take each client's time trend into account"), value=True, key="relationship_detrend")
if detrend:
    show_relation(by_design[("session to session", measure)])
    st.caption(judged[("session to session", measure)])
else:
    show_relation(lagged(session_measures(store(), therapist), x=measure, y="goal_rating", detrend=False))
