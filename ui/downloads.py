"""Downloads whose file costs time to make: made when the user asks, not on every run.

A ``st.download_button`` needs its file when the page is drawn, so a page that offers a report
builds it on every run — 1.5 s of the supervisor page's 2.05 s at a million sessions (issue 16),
for a button most visits never press. :func:`download_when_asked` shows a "Prepare" button
instead; pressing it builds the file *in the script run* that the press starts, keeps the bytes in
the browser session's state under the data version they were made from, and puts the real
download button in its place. Later runs of the page reuse the kept bytes until the version
changes.

What this avoids (commit a14d015): Streamlit's deferred download — a callable given as ``data`` —
runs the callable when the download is clicked, outside the script run, and in the browser tests
it sometimes never finished, leaving the button disabled. Here the download button only ever gets
bytes that already exist, and ``on_click="ignore"`` keeps its click from rerunning the page (a
rerun while the browser fetches the file could drop it). The real-browser test
``tests/test_downloads_browser.py`` presses Prepare, then the download, and checks the file.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import streamlit as st

from alliance_metrics.i18n import _

_KEPT = "_download_when_asked"   # session state: download key → (version, bytes)


def prepare_key(key: str) -> str:
    """The key of the Prepare button that stands for the download button *key*."""
    return f"{key}_prepare"


def download_when_asked(label: str, build: Callable[[], str | bytes], *, file_name: str, mime: str, key: str,
                        version: Hashable, prepare_label: str, container=None) -> bool:
    """A download button whose file *build()* makes only once the user presses *prepare_label*.

    *version* names what the file is made from (the store's data version and the page's choices):
    the file is kept, in this browser session only, until the version changes; then the Prepare
    button comes back. *container* (a column, say) is where the button goes; by default, here.
    Returns True when the download button is shown (the file is ready).
    """
    place = (container or st).empty()
    kept: dict = st.session_state.setdefault(_KEPT, {})
    ready = kept.get(key)
    if ready is None or ready[0] != version:
        kept.pop(key, None)   # a file of older data is never offered, nor kept in memory
        if not place.button(prepare_label, key=prepare_key(key)):
            return False
        with place, st.spinner(_("Preparing the file…")):
            data = build()
        ready = kept[key] = (version, data)
    place.download_button(label, ready[1], file_name=file_name, mime=mime, on_click="ignore", key=key)
    return True
