"""One client: every scheduled session, both sides' commitments, goal progress, and why each score is what it is."""

import math

import pandas as pd
import streamlit as st

from alliance_metrics.caseload import (
    PICKER_LIMIT,
    band_without,
    client_choices,
    client_label,
    client_table,
    expected_progress,
)
from alliance_metrics.charts import alliance_chart, goal_chart, outcome_label, score_label, score_months, session_timeline
from alliance_metrics.erasure import client_holdings, erase_client
from alliance_metrics.i18n import _, format_date, format_datetime, ngettext
from alliance_metrics.pseudonym import SecretFileError, secret_path
from alliance_metrics.report import signed_points
from alliance_metrics.score_queries import client_scores, session_facts
from alliance_metrics.scores import SCORES, sessions_behind
from alliance_metrics.undo import delete_session
from ui import sidebar
from ui.chart import plotly_chart
from ui.pages import guard
from ui.state import figure, store
from ui.widgets import count, percent, plain, session_table

guard(__file__)
st.title(_("Client"))
for message in st.session_state.pop("client_done", []):
    st.success(message)
table = client_table(store(), sidebar.therapist())
if table.empty:
    st.info(_("No clients yet for this therapist. Import a session log on the **Import** page."))
    st.stop()

labels = client_label(table)
opened = st.session_state.pop("open_client", None)   # "Open <name>" on the weekly review
if opened in labels:
    st.session_state["client"] = opened
    st.session_state["client_search"] = ""
choices = list(labels)
if len(labels) > PICKER_LIMIT:   # a list the browser can draw: find the others by name or id
    search = st.text_input(_("Find a client"), key="client_search",
                           placeholder=_("Part of a name or an id"))
    choices, matching = client_choices(table, search, PICKER_LIMIT, keep=st.session_state.get("client"))
    if not choices:
        st.info(_("No client's name or id contains “{search}”.").format(search=search.strip()))
        st.stop()
    if matching > len(choices):
        st.caption((_("The {shown} most recently seen of the {matching} clients who match: type more of the "
                      "name or id to narrow the list.") if search.strip() else
                    _("The {shown} most recently seen of {matching} clients: type part of a name or an id to "
                      "find another.")).format(shown=count(len(choices)), matching=count(matching)))
    if st.session_state.get("client") not in choices:
        st.session_state["client"] = choices[0]
client_id = st.selectbox(_("Client"), choices, format_func=labels.get, key="client")
client = table.set_index("client_id").loc[client_id]

signed = client.contract_signed_on
contract = (_("no signature date recorded") if pd.isna(signed)
            else _("signed on {day}").format(day=format_date(signed, "long")))
st.markdown(_("**Goal:** {goal}  ·  **Contract:** {contract}").format(
    goal="—" if pd.isna(client.goal) else plain(client.goal), contract=contract))

st.subheader(_("Both sides of the contract"))
mine, theirs = st.columns(2)
with mine:
    st.markdown("**" + _("The client's commitments") + "**")
    cells = [*st.columns(2), *st.columns(2)]
    for cell, name in zip(cells, ("attendance", "punctuality", "engagement", "payment")):
        cell.metric(score_label(name), percent(client[name]))
    st.caption(" · ".join((
        ngettext("{n} attended", "{n} attended", int(client.attended)).format(n=client.attended),
        ngettext("{n} no-show", "{n} no-shows", int(client.no_shows)).format(n=client.no_shows),
        ngettext("{n} late cancellation", "{n} late cancellations",
                 int(client.late_cancellations)).format(n=client.late_cancellations),
        ngettext("{n} cancelled with notice", "{n} cancelled with notice",
                 int(client.timely_cancellations)).format(n=client.timely_cancellations),
        ngettext("{n} billable missed session", "{n} billable missed sessions",
                 int(client.billable_missed)).format(n=client.billable_missed),
    )))
with theirs:
    st.markdown("**" + _("The therapist's commitments") + "**")
    cells = [*st.columns(2), *st.columns(2)]
    cells[0].metric(_("Punctuality"), percent(client.therapist_punctuality))
    cells[1].metric(_("Cancelled by therapist"), f"{client.therapist_cancellations}")
    cells[2].metric(_("Alliance (client-rated)"), percent(client.alliance),
                    help=_("The client's session alliance ratings, as a share of the maximum 40."))

facts = session_facts(store(), client_id=client_id)
plotly_chart(figure("client_timeline", lambda: session_timeline(facts), client_id), key="timeline")

progress = expected_progress(store())
trajectory = progress.trajectories[progress.trajectories.client_id == client_id]
if trajectory.empty:
    st.info(_("No goal ratings yet for this client: progress appears after the first rated session."))
else:
    level = trajectory.start_level.iloc[0]
    others = band_without(store(), client_id).table
    band = others[others.start_level == level]
    flag = progress.off_track[progress.off_track.client_id == client_id]
    if not flag.empty:
        (st.warning if bool(flag.off_track.iloc[0]) else st.caption)(flag.reason.iloc[0])
    if progress.band.message:
        st.caption(progress.band.message)
    st.caption(_("The band is drawn from the practice's other clients who started at a similar level — never "
                 "from this client's own ratings.") + " " + progress.accuracy.message)
    st.metric(_("Progress toward the goal"),
              signed_points(client.progress_points),
              None if math.isnan(client.progress_pct) else _("{percent} of the way to the target").format(
                  percent=percent(client.progress_pct)),
              delta_color="off",
              help=_("Latest goal rating minus the baseline (the clients file's, else the first rating); "
                     "the percentage is of the way from the baseline to the target."))
    plotly_chart(figure("client_goal", lambda: goal_chart(trajectory, band, target=client.goal_target), client_id),
                 key="goal")

by_month = figure("client_months", lambda: score_months(
    client_scores(store(), period="month", client_id=client_id), [s.name for s in SCORES],
    title=_("Scores by month")), client_id)
plotly_chart(by_month, key="scores_by_month")
if facts.alliance_rating.notna().any():
    concern_below = store().settings()["alliance_concern_below"]
    plotly_chart(figure("client_alliance", lambda: alliance_chart(facts, concern_below), client_id), key="alliance")

st.subheader(_("The sessions behind a score"))
score = st.selectbox(_("Score"), [s.name for s in SCORES], format_func=score_label, key="explain_score")
behind = sessions_behind(facts, score)
st.caption(ngettext("{score} = {value}, from this {n} session.", "{score} = {value}, from these {n} sessions.",
                    len(behind)).format(score=score_label(score), value=percent(client[score]), n=len(behind)))
session_table(
    behind[["scheduled_start", "outcome", "notice_hours", "client_late_min", "therapist_late_min",
            "homework_done", "engagement", "alliance_rating", "goal_rating", "fee", "paid_on",
            "client_on_time", "paid_on_time", "billable"]],
    key="sessions_behind", narrow=_("The score above counts every one of them."),
)

st.subheader(_("Correct or erase"))
with st.expander(_("Delete one session")):
    sessions = facts.sort_values("scheduled_start")
    if sessions.empty:
        st.write(_("This client has no session."))
    else:
        sessions_labels = {row.session_id: f"{format_datetime(row.scheduled_start)} — {outcome_label(row.outcome)}"
                           for row in sessions.itertuples()}
        session_id = st.selectbox(_("Session"), list(sessions_labels), format_func=sessions_labels.get,
                                  key="delete_session_choice")
        confirmed = st.checkbox(_("Yes, delete this session"), key="delete_session_confirm")
        if st.button(_("Delete the session"), disabled=not confirmed, key="delete_session"):
            try:
                delete_session(store(), session_id)
            except ValueError as error:
                st.error(str(error))
            else:
                st.session_state["client_done"] = [
                    _("Deleted the session of {session}.").format(session=sessions_labels[session_id])]
                st.rerun()

with st.expander(_("Erase this client (right to erasure)")):
    held = client_holdings(store(), client_id)
    st.write(ngettext(
        "Erasing deletes this client's {n} session, their ratings and payments, and their row of the clients "
        "file, then rewrites the database file so that nothing of them remains in it. It cannot be undone; a "
        "backup made before still holds them, but restoring it erases them again. The supervisor's figures "
        "already released do not change.",
        "Erasing deletes this client's {n} sessions, their ratings and payments, and their row of the clients "
        "file, then rewrites the database file so that nothing of them remains in it. It cannot be undone; a "
        "backup made before still holds them, but restoring it erases them again. The supervisor's figures "
        "already released do not change.", int(held.get("sessions", 0))).format(n=held.get("sessions", 0)))
    if not secret_path().exists():
        st.warning(_("There is no practice key file at {path}: erasing makes a new one there, to remember the "
                     "erased client as a keyed hash (never their id). If the practice has a key file, copy it "
                     "there (or set ALLIANCE_SECRET_FILE to its path) first.").format(path=secret_path()))
    typed = st.text_input(_("Type the client's id to confirm"), key="erase_confirm",
                          help=_("The id shown in the Client list above."))
    if st.button(_("Erase for good"), type="primary", disabled=typed != client_id, key="erase_client"):
        try:
            erasure = erase_client(store(), client_id)
        except (ValueError, SecretFileError) as error:
            st.error(str(error))
        else:
            st.session_state["client_done"] = [ngettext(
                "Erased a client: {n} session and their clients-file row; the database file was rewritten "
                "without them.",
                "Erased a client: {n} sessions and their clients-file row; the database file was rewritten "
                "without them.", int(erasure.sessions)).format(n=erasure.sessions)]
            st.rerun()
