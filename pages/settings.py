"""The practice's settings: the contract's parameters, the attention rules, privacy, display."""

import streamlit as st

from alliance_metrics.i18n import N_, _
from alliance_metrics.settings import SETTINGS
from ui.access import audited
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


def save() -> None:
    """Save's callback, run before the page is drawn again, so that each field not saved is
    marked where it is: the fields' values are in the session state under their keys."""
    before, stored_problems = store().settings(), store().setting_problems()
    values = {s.name: st.session_state.get(f"setting_{s.name}", before[s.name]) for s in SETTINGS}
    changed = {name: value for name, value in values.items() if value != before[name] or name in stored_problems}
    errors = store().save_valid_settings(changed)
    st.session_state["settings_outcome"] = ([name for name in changed if name not in errors], errors)


saved, not_saved = st.session_state.pop("settings_outcome", (None, {}))

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
                # no min_value/max_value: the browser would keep an out-of-range value to itself;
                # the store checks it and the field says why it was not saved
                values[setting.name] = st.number_input(
                    setting.title(),
                    value=kind(current[setting.name]),
                    step=kind(1 if setting.integer else 0.5),
                    help=help_text,
                    key=f"setting_{setting.name}",
                )
            if setting.name in not_saved:
                st.error(_("Not saved: {reason}").format(reason=not_saved[setting.name]))
            elif setting.name in problems:
                st.error(problems[setting.name])
    st.form_submit_button(_("Save settings"), type="primary", on_click=audited(save))

if saved is not None:
    titles = {setting.name: setting.title() for setting in SETTINGS}
    if saved:
        st.success(_("Saved: {settings}.").format(settings=", ".join(titles[name] for name in saved)))
    if not_saved:
        st.error(_("Not saved: {settings} — each is marked at its field above with what it takes.").format(
            settings=", ".join(titles[name] for name in not_saved)))
    if not saved and not not_saved:
        st.success(_("Nothing changed."))
