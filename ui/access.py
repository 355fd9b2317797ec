"""Who is looking: single-user on this machine, or a signed-in therapist or supervisor.

Without an ``[auth]`` section in ``.streamlit/secrets.toml`` the dashboard is single-user: it
listens on 127.0.0.1 only (``.streamlit/config.toml``) and shows every page to the person at the
machine. With identity configured, everyone signs in through OpenID Connect (``st.login``) and
the identity provider's token carries two claims:

- ``alliance_role``: ``therapist`` or ``supervisor``;
- ``alliance_therapist_id``: for a therapist, the therapist_id of their own sessions.

A therapist sees their own clients (and the supervisor pages, to see what they would send);
a supervisor sees the supervisor pages only. Anyone else is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from alliance_metrics import audit
from alliance_metrics.i18n import _

ROLE_CLAIM = "alliance_role"
THERAPIST_CLAIM = "alliance_therapist_id"
THERAPIST, SUPERVISOR, SINGLE_USER = "therapist", "supervisor", "single-user"
PAGES_FOLDER = Path(__file__).resolve().parent.parent / "pages"


@dataclass(frozen=True)
class Viewer:
    role: str
    therapist_id: str | None = None   # set for a signed-in therapist: the only caseload they see

    @property
    def sees_clients(self) -> bool:
        return self.role in (THERAPIST, SINGLE_USER)


def identity_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (OpenID Connect)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all (StreamlitSecretNotFoundError)
        return False


def viewer() -> Viewer:
    """The current viewer; draws the sign-in screen and stops the page when nobody is signed in.
    What this run changes is audited as done by the signed-in user (else the computer's user)."""
    audit.set_actor(None)
    if not identity_configured():
        return Viewer(SINGLE_USER)
    if not st.user.is_logged_in:
        _only(_sign_in_screen)
    audit.set_actor(signed_in_actor())
    role = st.user.get(ROLE_CLAIM)
    if role == SUPERVISOR:
        return Viewer(SUPERVISOR)
    if role == THERAPIST and st.user.get(THERAPIST_CLAIM):
        return Viewer(THERAPIST, str(st.user.get(THERAPIST_CLAIM)))
    _only(lambda: _refusal(role))


def signed_in_actor() -> str | None:
    """The name the audit log records for the signed-in user (None: single-user mode or nobody
    signed in, then the computer's user)."""
    if not identity_configured() or not st.user.is_logged_in:
        return None
    return str(st.user.get("email") or st.user.get("sub") or "signed-in user")


def audited(callback: Callable[[], None]) -> Callable[[], None]:
    """*callback* for a widget, its writes audited as done by the signed-in user: a widget's
    callback runs before the page, so before :func:`viewer` has said who is acting."""
    def run() -> None:
        with audit.acting_as(signed_in_actor()):
            callback()
    return run


def _sign_in_screen() -> None:
    st.title("Alliance")
    st.write(_("Sign in to see your dashboard."))
    st.button(_("Sign in"), on_click=st.login, type="primary", key="sign_in")


def _refusal(role: object) -> None:
    st.error(_(
        "Your account has no Alliance role (claim {claim!r} = {role!r}). Ask whoever manages "
        "sign-in to give it {therapist!r} with {therapist_claim!r}, or {supervisor!r}."
    ).format(claim=ROLE_CLAIM, role=role, therapist=THERAPIST, therapist_claim=THERAPIST_CLAIM,
             supervisor=SUPERVISOR))
    st.button(_("Sign out"), on_click=st.logout, key="sign_out_refused")


def _only(screen: Callable[[], None]) -> None:
    """Show *screen* at whatever address was asked for, with no navigation, and end the run.

    With a ``pages/`` folder Streamlit first lists every file in it as a page of a sidebar menu
    (its multipage v1 mode) before dashboard.py or the page runs; a run that stopped here would keep that
    menu. A hidden navigation with the screen at each of those addresses replaces it, so nobody
    signed out learns the page names, nor sees "Page not found" on a deep link.
    """
    addresses = ["home"] + sorted(file.stem for file in PAGES_FOLDER.glob("*.py"))
    st.navigation(
        [st.Page(screen, title="Alliance", url_path=address, default=address == "home")
         for address in addresses],
        position="hidden",
    ).run()
    st.stop()
