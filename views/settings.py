"""The practice's settings: the contract's parameters, the attention rules, privacy."""

import streamlit as st

from alliance_metrics.settings import DEFAULTS, SETTINGS
from ui.state import store

GROUPS = {
    "contract": "The contract (SPEC §4)",
    "attention": "Needs-attention rules (weekly review)",
    "progress": "Expected progress",
    "privacy": "Supervisor view (privacy)",
    "import": "Importing files",
}

st.title("Settings")
st.caption("Changing a setting recomputes every score and rule with the new value. "
           "Defaults are shown in each help text.")
current = store().settings()

with st.form("settings"):
    values = {}
    for group, heading in GROUPS.items():
        st.subheader(heading)
        for setting in (s for s in SETTINGS if s.group == group):
            if setting.is_text:  # a choice among texts; None = unset
                options = [None, *setting.choices] if setting.default is None else list(setting.choices)
                values[setting.name] = st.selectbox(
                    setting.name, options, index=options.index(current[setting.name]),
                    format_func=lambda choice: "not set" if choice is None else choice,
                    help=f"{setting.help} Default: {setting.default or 'not set'}.",
                    key=f"setting_{setting.name}",
                )
                continue
            kind = int if setting.integer else float  # Streamlit refuses mixed int and float
            values[setting.name] = st.number_input(
                setting.name,
                min_value=kind(setting.minimum),
                max_value=kind(setting.maximum),
                value=kind(current[setting.name]),
                step=kind(1 if setting.integer else 0.5),
                help=f"{setting.help} Default: {setting.default:g}.",
                key=f"setting_{setting.name}",
            )
    saved = st.form_submit_button("Save settings", type="primary")

if saved:
    changed = []
    for name, value in values.items():
        if value != current[name]:
            try:
                if value == DEFAULTS[name] or value is None:
                    store().reset_setting(name)
                else:
                    store().set_setting(name, value)
            except ValueError as error:
                st.error(str(error))
                st.stop()
            changed.append(name)
    st.success(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.")
