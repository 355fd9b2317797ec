"""The language of this run of the dashboard: chosen once per run, before any page draws.

The library decides (:func:`alliance_metrics.i18n.choose_language`): ``$ALLIANCE_LANG``, else
the practice's ``language`` setting, else the browser's locale — which only Streamlit knows, so it
is read here — else the system's; English by default. The choice is set in this run's context
(each browser session runs in its own thread, so sessions never see each other's language).
"""

from __future__ import annotations

import streamlit as st

from alliance_metrics.i18n import choose_language, set_language
from ui.state import practice_setting


def browser_locale() -> str | None:
    """The browser's language tag (``fr-FR``), when Streamlit knows it."""
    try:
        return st.context.locale
    except Exception:   # outside a browser session (bare mode): no browser to ask
        return None


def apply() -> str:
    """Choose this run's language and make it the current one; return it (``en`` or ``fr``)."""
    language = choose_language(setting=practice_setting("language"), browser=browser_locale())
    set_language(language)
    return language
