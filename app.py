"""Alliance — the dashboard. Sets the page, decides who is looking, draws the shared sidebar, and
lists the pages that viewer may open."""

import streamlit as st

from ui import access, sidebar
from ui.pages import pages_for
from ui.state import store

st.set_page_config(page_title="Alliance", layout="wide")
viewer = access.viewer()
if viewer.sees_clients:
    sidebar.render(store(), viewer)

allowed = pages_for(viewer.role)
navigation: dict[str, list] = {}
for index, page in enumerate(allowed):
    navigation.setdefault(page.section, []).append(
        st.Page(page.file, title=page.title, url_path=page.url_path, default=index == 0)
    )
st.navigation(navigation).run()
