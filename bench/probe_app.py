"""The benchmark's probe: the least a page of the dashboard does — a title and one plotly chart of
50 points. bench/browser.py times it in the same browser, the same way, as every page; a page's
time divided by the probe's is what issue 16 sets its goals on (warm ≤ 3× the probe)."""

import plotly.graph_objects as go
import streamlit as st

POINTS = 50

st.set_page_config(page_title="Probe", layout="wide")
st.title("Probe")
x = list(range(POINTS))
st.plotly_chart(go.Figure(go.Scatter(x=x, y=[(7 * i) % POINTS for i in x], mode="markers")))
