"""One client: every scheduled session, both sides' commitments, goal progress, and why each score is what it is."""

import math

import pandas as pd
import streamlit as st

from alliance_metrics.caseload import band_without, client_label, client_table, expected_progress
from alliance_metrics.charts import alliance_chart, goal_chart, score_trend, session_timeline
from alliance_metrics.erasure import client_holdings, erase_client
from alliance_metrics.pseudonym import SecretFileError, secret_path
from alliance_metrics.score_queries import client_scores, session_facts
from alliance_metrics.scores import SCORES, SCORES_BY_NAME, sessions_behind
from alliance_metrics.undo import delete_session
from ui import sidebar
from ui.pages import guard
from ui.state import store
from ui.widgets import PLOTLY_CONFIG, percent, plain, session_table

guard(__file__)
st.title("Client")
for message in st.session_state.pop("client_done", []):
    st.success(message)
table = client_table(store(), sidebar.therapist())
if table.empty:
    st.info("No clients yet for this therapist. Import a session log on the **Import** page.")
    st.stop()

labels = client_label(table)
client_id = st.selectbox("Client", list(labels), format_func=labels.get, key="client")
client = table.set_index("client_id").loc[client_id]

signed = client.contract_signed_on
contract = "no signature date recorded" if pd.isna(signed) else f"signed on {signed:%d %B %Y}"
st.markdown(f"**Goal:** {'—' if pd.isna(client.goal) else plain(client.goal)}  ·  **Contract:** {contract}")

st.subheader("Both sides of the contract")
mine, theirs = st.columns(2)
with mine:
    st.markdown("**The client's commitments**")
    cells = [*st.columns(2), *st.columns(2)]
    for cell, name in zip(cells, ("attendance", "punctuality", "engagement", "payment")):
        cell.metric(SCORES_BY_NAME[name].label, percent(client[name]))
    st.caption(f"{client.attended} attended · {client.no_shows} no-show(s) · "
               f"{client.late_cancellations} late cancellation(s) · {client.timely_cancellations} "
               f"cancelled with notice · {client.billable_missed} billable missed session(s)")
with theirs:
    st.markdown("**The therapist's commitments**")
    cells = [*st.columns(2), *st.columns(2)]
    cells[0].metric("Punctuality", percent(client.therapist_punctuality))
    cells[1].metric("Cancelled by therapist", f"{client.therapist_cancellations}")
    cells[2].metric("Alliance (client-rated)", percent(client.alliance),
                    help="The client's session alliance ratings, as a share of the maximum 40.")

facts = session_facts(store(), client_id=client_id)
st.plotly_chart(session_timeline(facts), config=PLOTLY_CONFIG, key="timeline")

progress = expected_progress(store())
trajectory = progress.trajectories[progress.trajectories.client_id == client_id]
if trajectory.empty:
    st.info("No goal ratings yet for this client: progress appears after the first rated session.")
else:
    level = trajectory.start_level.iloc[0]
    others = band_without(store(), client_id).table
    band = others[others.start_level == level]
    flag = progress.off_track[progress.off_track.client_id == client_id]
    if not flag.empty:
        (st.warning if bool(flag.off_track.iloc[0]) else st.caption)(flag.reason.iloc[0])
    if progress.band.message:
        st.caption(progress.band.message)
    st.caption("The band is drawn from the practice's other clients who started at a similar level — never "
               "from this client's own ratings. " + progress.accuracy.message)
    st.metric("Progress toward the goal",
              "—" if math.isnan(client.progress_points) else f"{client.progress_points:+.0f} points",
              None if math.isnan(client.progress_pct) else f"{client.progress_pct:.0f} % of the way to the target",
              delta_color="off",
              help="Latest goal rating minus the baseline (the clients file's, else the first rating); "
                   "the percentage is of the way from the baseline to the target.")
    st.plotly_chart(goal_chart(trajectory, band, target=client.goal_target), config=PLOTLY_CONFIG, key="goal")

monthly = client_scores(store(), period="month", client_id=client_id)
st.plotly_chart(score_trend(monthly, [s.name for s in SCORES], title="Scores by month"),
                config=PLOTLY_CONFIG, key="scores_by_month")
if facts.alliance_rating.notna().any():
    st.plotly_chart(alliance_chart(facts), config=PLOTLY_CONFIG, key="alliance")

st.subheader("The sessions behind a score")
score = st.selectbox("Score", [s.name for s in SCORES], format_func=lambda n: SCORES_BY_NAME[n].label,
                     key="explain_score")
behind = sessions_behind(facts, score)
st.caption(f"{SCORES_BY_NAME[score].label} = {percent(client[score])}, from these {len(behind)} session(s).")
session_table(
    behind[["scheduled_start", "outcome", "notice_hours", "client_late_min", "therapist_late_min",
            "homework_done", "engagement", "alliance_rating", "goal_rating", "fee", "paid_on",
            "client_on_time", "paid_on_time", "billable"]],
    key="sessions_behind",
)

st.subheader("Correct or erase")
with st.expander("Delete one session"):
    sessions = facts.sort_values("scheduled_start")
    if sessions.empty:
        st.write("This client has no session.")
    else:
        sessions_labels = {row.session_id: f"{row.scheduled_start:%a %d %b %Y, %H:%M} — {row.outcome}"
                           for row in sessions.itertuples()}
        session_id = st.selectbox("Session", list(sessions_labels), format_func=sessions_labels.get,
                                  key="delete_session_choice")
        confirmed = st.checkbox("Yes, delete this session", key="delete_session_confirm")
        if st.button("Delete the session", disabled=not confirmed, key="delete_session"):
            try:
                delete_session(store(), session_id)
            except ValueError as error:
                st.error(str(error))
            else:
                st.session_state["client_done"] = [f"Deleted the session of {sessions_labels[session_id]}."]
                st.rerun()

with st.expander("Erase this client (right to erasure)"):
    held = client_holdings(store(), client_id)
    st.write(f"Erasing deletes this client's {held.get('sessions', 0)} session(s), their ratings and payments, "
             "and their row of the clients file, then rewrites the database file so that nothing of them "
             "remains in it. It cannot be undone; a backup made before still holds them, but restoring it "
             "erases them again. The supervisor's figures already released do not change.")
    if not secret_path().exists():
        st.warning(f"There is no practice key file at {secret_path()}: erasing makes a new one there, to "
                   "remember the erased client as a keyed hash (never their id). If the practice has a key "
                   "file, copy it there (or set ALLIANCE_SECRET_FILE to its path) first.")
    typed = st.text_input("Type the client's id to confirm", key="erase_confirm",
                          help="The id shown in the Client list above.")
    if st.button("Erase for good", type="primary", disabled=typed != client_id, key="erase_client"):
        try:
            erasure = erase_client(store(), client_id)
        except (ValueError, SecretFileError) as error:
            st.error(str(error))
        else:
            st.session_state["client_done"] = [
                f"Erased a client: {erasure.sessions} session(s) and their clients-file row; the database "
                "file was rewritten without them."]
            st.rerun()
