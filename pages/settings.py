"""The practice's settings: the contract's parameters, the attention rules, privacy, display."""

import streamlit as st

from alliance_metrics.i18n import N_, _
from alliance_metrics.settings import SETTINGS
from alliance_metrics.store import SettingsRejected
from ui.pages import guard
from ui.state import store

GROUPS = {
    "contract": N_("The contract"),
    "attention": N_("Needs-attention rules (weekly review)"),
    "progress": N_("Expected progress"),
    "privacy": N_("Supervisor view (privacy)"),
    "import": N_("Importing files"),
    "display": N_("Language and money"),
}

guard(__file__)
st.title(_("Settings"))
st.caption(_("Changing a setting recomputes every score and rule with the new value. "
             "Defaults are shown in each help text. All the changes of one save are stored together, or none."))
current = store().settings()
problems = store().setting_problems()   # values outside their range in the file: shown at their field

with st.form("settings"):
    values = {}
    for group, heading in GROUPS.items():
        st.subheader(_(heading))
        for setting in (s for s in SETTINGS if s.group == group):
            help_text = _("{explanation} Default: {default}.").format(
                explanation=setting.explanation(), default=setting.default_text())
            if setting.is_text:  # a choice among texts; None = unset
                options = [None, *setting.choices] if setting.default is None else list(setting.choices)
                chosen = current[setting.name] if current[setting.name] in options else setting.default
                values[setting.name] = st.selectbox(
                    setting.title(), options, index=options.index(chosen),
                    format_func=setting.choice_text,
                    help=help_text,
                    key=f"setting_{setting.name}",
                )
            else:
                kind = int if setting.integer else float  # Streamlit refuses mixed int and float
                values[setting.name] = st.number_input(
                    setting.title(),
                    min_value=kind(setting.minimum),
                    max_value=kind(setting.maximum),
                    value=kind(current[setting.name]),
                    step=kind(1 if setting.integer else 0.5),
                    help=help_text,
                    key=f"setting_{setting.name}",
                )
            if setting.name in problems:
                st.error(problems[setting.name])
    saved = st.form_submit_button(_("Save settings"), type="primary")

if saved:
    changed = {name: value for name, value in values.items() if value != current[name] or name in problems}
    try:
        if changed:
            store().save_settings(changed)
    except SettingsRejected as error:
        st.error(_("Nothing was saved: {reason}").format(reason=error))
    else:
        titles = ", ".join(setting.title() for setting in SETTINGS if setting.name in changed)
        st.success(_("Saved: {settings}.").format(settings=titles) if changed else _("Nothing changed."))
