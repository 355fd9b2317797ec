"""Streamlit glue shared by the pages: the cached store, the sidebar, formatting. No SQL, no formulas."""
