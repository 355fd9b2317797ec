"""The column catalogue: every column of the session log and of the clients file, listed once.

For each column: its type, its allowed range, whether it is required, its default, what it
means, and the headers accepted for it besides its own name (English and French, compared
ignoring case, accents and punctuation — :func:`alliance_metrics.labels.label_key`). The header
matching (``labels.py``), the Import page's choices and the data dictionary's input tables are
built from here; ``tests/test_columns.py`` checks that the importer accepts each range's ends
and refuses what lies beyond them.
"""

from __future__ import annotations

from dataclasses import dataclass

from alliance_metrics.i18n import N_

__all__ = ["CLIENT_COLUMNS", "Column", "SESSION_COLUMNS", "columns_of", "range_parameters"]


@dataclass(frozen=True)
class Column:
    """One column a file may hold.

    ``type`` is one of text, timestamp, date, whole (a whole number), number, share (0–1 or
    yes/no), status, party (client or therapist), flag (paid or unpaid). ``minimum`` and
    ``maximum`` bound numbers (None: unbounded on that side).
    """

    name: str
    type: str
    meaning: str          # English, marked for the catalogue: shown as _(meaning)
    aliases: tuple[str, ...] = ()
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    default: str | None = None

    @property
    def range_text(self) -> str:
        """The allowed values in words, e.g. '1–5', '≥ 0', or ''."""
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum:g}–{self.maximum:g}"
        if self.minimum is not None:
            return f"≥ {self.minimum:g}"
        return ""


_CLIENT_ID = ("client", "client id", "client code", "patient", "patient id", "code client",
              "code patient", "id client", "id patient")
_THERAPIST_ID = ("therapist", "therapist id", "clinician", "practitioner", "provider",
                 "thérapeute", "praticien", "praticienne", "intervenant", "code thérapeute")

#: The session log (SPEC §3), in the order of the spec's table.
SESSION_COLUMNS: tuple[Column, ...] = (
    Column("session_id", "text",
           N_("your stable id for the session; without it a row is matched by client and start"),
           ("session", "session id", "appointment id", "appointment number", "appointment no",
            "booking id", "visit id", "id séance", "id rdv", "id rendez-vous", "n° séance",
            "nº séance", "no séance", "num séance", "numéro séance", "numéro de séance",
            "séance n°", "n° rendez-vous", "numéro de rendez-vous", "n° rdv")),
    Column("client_id", "text", N_("your code for the client"), _CLIENT_ID, required=True),
    Column("therapist_id", "text", N_("the therapist's code"), _THERAPIST_ID, default="default"),
    Column("scheduled_start", "timestamp", N_("the session's date and time, the practice's local time"),
           ("date", "start", "start time", "date time", "appointment", "appointment date",
            "appointment day", "appointment time", "date of service", "service date",
            "session date", "scheduled", "date et heure", "date heure", "rendez-vous", "rdv",
            "début", "date de la séance"), required=True),
    Column("duration_min", "whole", N_("minutes booked"),
           ("duration", "duration min", "duration minutes", "length", "length min", "length minutes",
            "session length", "minutes", "durée", "durée min", "durée minutes"), minimum=1, maximum=1440,
           default="60"),
    Column("status", "status", N_("attended, cancelled, late_cancel, no_show or booked"),
           ("statut", "état", "présence", "attendance", "appointment status", "session status"),
           required=True),
    Column("cancelled_by", "party", N_("who cancelled: client or therapist"),
           ("canceled by", "cancellation by", "annulé par", "annulation par"), default="client"),
    Column("cancelled_at", "timestamp", N_("when the cancellation was made"),
           ("canceled at", "cancelled on", "canceled on", "cancellation date", "cancellation time",
            "annulé le", "date d'annulation", "date annulation")),
    Column("client_late_min", "number", N_("minutes the client arrived after the start; ≤ 0 is on time"),
           ("lateness", "late", "late min", "minutes late", "client late", "client lateness",
            "retard", "retard client", "retard min", "retard minutes"), minimum=-1440, maximum=1440),
    Column("therapist_late_min", "number", N_("minutes the session began late because of the therapist"),
           ("therapist late", "therapist lateness", "late start", "retard thérapeute",
            "retard praticien"), minimum=-1440, maximum=1440),
    Column("homework_done", "share", N_("share of the agreed practice done (0–1, or yes/no); blank = none agreed"),
           ("homework", "practice", "exercises", "pratique", "exercices", "devoirs", "tâches"),
           minimum=0, maximum=1),
    Column("engagement", "whole", N_("therapist-rated involvement"),
           ("involvement", "implication", "investissement", "participation"), minimum=1, maximum=5),
    Column("alliance_rating", "number", N_("client-rated session alliance (e.g. Session Rating Scale)"),
           ("alliance", "srs", "session rating scale", "alliance srs", "score alliance"),
           minimum=0, maximum=40),
    Column("goal_rating", "number", N_("client-rated progress toward the goal (10 = reached)"),
           ("goal", "goal score", "progress", "objectif", "note objectif", "progrès", "avancement"),
           minimum=0, maximum=10),
    Column("fee", "number", N_("the fee due for the session"),
           ("price", "amount", "tarif", "honoraires", "prix", "montant"), minimum=0),
    Column("paid_on", "date", N_("the day the fee was paid in full; blank = unpaid"),
           ("paid date", "payment date", "date paid", "paid on", "payé le", "date de paiement",
            "date paiement", "réglé le", "date de règlement")),
    Column("paid", "flag", N_("paid or unpaid, for a log without paid_on"),
           ("payment status", "client payment status", "payment", "paid status", "payé", "réglé",
            "règlement", "paiement", "statut paiement", "statut du paiement")),
)

#: The clients file (SPEC §3).
CLIENT_COLUMNS: tuple[Column, ...] = (
    Column("client_id", "text", N_("your code for the client"), _CLIENT_ID, required=True),
    Column("display_name", "text", N_("the client's name (therapist pages only)"),
           ("name", "full name", "client name", "patient name", "nom", "nom complet",
            "nom du client", "prénom nom", "nom prénom")),
    Column("goal", "text", N_("the client's goal, in words (therapist pages only)"),
           ("objective", "goal description", "objectif", "objectif thérapeutique")),
    Column("goal_baseline", "number", N_("the goal rating at the start"),
           ("baseline", "goal start", "initial rating", "niveau initial", "note initiale",
            "point de départ"), minimum=0, maximum=10),
    Column("goal_target", "number", N_("the goal rating aimed at"),
           ("target", "goal rating target", "cible", "note cible", "objectif cible"),
           minimum=0, maximum=10, default="10"),
    Column("intake_date", "date", N_("the first session's day"),
           ("intake", "first session", "start date", "date d'entrée", "date de début",
            "première séance")),
    Column("contract_signed_on", "date", N_("the day the contract was signed"),
           ("contract signed", "contract date", "contract", "contrat", "contrat signé le",
            "date du contrat", "date contrat")),
    Column("therapist_id", "text", N_("the client's therapist"), _THERAPIST_ID),
)


def columns_of(kind: str) -> tuple[Column, ...]:
    """The columns of a 'sessions' log or a 'clients' file."""
    return {"sessions": SESSION_COLUMNS, "clients": CLIENT_COLUMNS}[kind]


def range_parameters(kind: str) -> dict[str, float]:
    """The bounds of each bounded column of *kind*, as the parse SQL binds them.

    ``$<name>_low`` and ``$<name>_high``; an open side is infinite, so that ``x between low and
    high`` holds for every finite x on that side. The SQL states no range itself: a bound added
    here and not checked there makes the import fail at once (DuckDB refuses unused parameters).

    >>> {k: v for k, v in range_parameters("sessions").items() if k.startswith("fee")}
    {'fee_low': 0.0, 'fee_high': inf}
    """
    parameters = {}
    for column in columns_of(kind):
        if column.minimum is None and column.maximum is None:
            continue
        parameters[f"{column.name}_low"] = -float("inf") if column.minimum is None else float(column.minimum)
        parameters[f"{column.name}_high"] = float("inf") if column.maximum is None else float(column.maximum)
    return parameters
