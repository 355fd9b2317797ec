"""The practice's settings: the contract's parameters, the attention rules, privacy."""

import streamlit as st

from alliance_metrics.settings import SETTINGS
from alliance_metrics.store import SettingsRejected
from ui.pages import guard
from ui.state import store

GROUPS = {
    "contract": "The contract (SPEC §4)",
    "attention": "Needs-attention rules (weekly review)",
    "progress": "Expected progress",
    "privacy": "Supervisor view (privacy)",
    "import": "Importing files",
}

guard(__file__)
st.title("Settings")
st.caption("Changing a setting recomputes every score and rule with the new value. "
           "Defaults are shown in each help text. All the changes of one save are stored together, or none.")
current = store().settings()
problems = store().setting_problems()   # values outside their range in the file: shown at their field

with st.form("settings"):
    values = {}
    for group, heading in GROUPS.items():
        st.subheader(heading)
        for setting in (s for s in SETTINGS if s.group == group):
            if setting.is_text:  # a choice among texts; None = unset
                options = [None, *setting.choices] if setting.default is None else list(setting.choices)
                chosen = current[setting.name] if current[setting.name] in options else setting.default
                values[setting.name] = st.selectbox(
                    setting.name, options, index=options.index(chosen),
                    format_func=lambda choice: "not set" if choice is None else choice,
                    help=f"{setting.help} Default: {setting.default or 'not set'}.",
                    key=f"setting_{setting.name}",
                )
            else:
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
            if setting.name in problems:
                st.error(problems[setting.name])
    saved = st.form_submit_button("Save settings", type="primary")

if saved:
    changed = {name: value for name, value in values.items() if value != current[name] or name in problems}
    try:
        if changed:
            store().save_settings(changed)
    except SettingsRejected as error:
        st.error(f"Nothing was saved: {error}")
    else:
        st.success(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.")
