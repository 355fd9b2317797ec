"""Alliance — the dashboard. Sets the page, opens the store, and lists the pages."""

import streamlit as st

from ui.pages import PAGES
from ui.state import store

st.set_page_config(page_title="Alliance", layout="wide")
store()

navigation: dict[str, list] = {}
for page in PAGES:
    navigation.setdefault(page.section, []).append(
        st.Page(page.file, title=page.title, url_path=page.url_path, default=page.default)
    )
st.navigation(navigation).run()
