"""Alliance: how well the therapeutic alliance holds, and how it relates to progress.

The library behind the dashboard and the command line. It never imports Streamlit.
"""
