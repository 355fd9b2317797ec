"""The practice's settings: one table of names, defaults, units and help text.

Defaults live here, in code; the store keeps only the values a practice changed
(table ``settings``). Every score and rule reads its parameters through
:func:`alliance_metrics.store.Store.settings`, so changing one setting changes
every figure consistently.

Each setting has a code name (``grace_min``: the store, the audit log and the documentation use
it) and, for people, a label with its unit and a one-line explanation, written in English and
marked for the catalogue (:func:`alliance_metrics.i18n.N_`): :meth:`Setting.title` and
:meth:`Setting.explanation` give them in the current language.
"""

from __future__ import annotations

import os
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from alliance_metrics.i18n import LANGUAGES, N_, _, currency_codes, currency_name, format_decimal


@dataclass(frozen=True)
class Setting:
    """One parameter, with its unit in its name and its allowed range.

    A setting with ``choices`` holds one of those texts instead of a number (``minimum`` and
    ``maximum`` are then unused); its default may be None, "unset until someone sets it".
    ``label`` (with the unit) and ``help`` (one line) are the English words shown to people.
    """

    name: str
    default: float | str | None
    minimum: float
    maximum: float
    help: str
    integer: bool = True
    group: str = "contract"
    choices: tuple[str, ...] = ()
    label: str = ""

    def title(self) -> str:
        """The label people read, with its unit, in the current language."""
        return _(self.label) if self.label else self.name

    def explanation(self) -> str:
        """The one-line explanation, in the current language."""
        return _(self.help)

    def choice_text(self, choice: str | None) -> str:
        """One of this setting's choices as people read it (None: "not set"), in the current language.

        >>> from alliance_metrics.i18n import use_language
        >>> with use_language("fr"):
        ...     SETTINGS_BY_NAME["date_order"].choice_text("dmy"), SETTINGS_BY_NAME["currency"].choice_text("EUR")
        ("jour d'abord (02/03/2026 est le 2 mars)", 'EUR — euro')
        """
        if choice is None:
            return _("not set")
        if self.name == "currency":
            return f"{choice} — {currency_name(choice)}"
        if self.name == "language":
            return LANGUAGE_NAMES.get(choice, choice)
        words = CHOICE_WORDS.get(self.name, {}).get(choice)
        return _(words) if words else choice

    def default_text(self) -> str:
        """The default as people read it: ``5``, ``not set``."""
        return self.choice_text(self.default) if self.is_text else format_decimal(self.default)

    @property
    def is_text(self) -> bool:
        return bool(self.choices)

    def check(self, value: float | str) -> float | str:
        """Return *value* as this setting's type, or raise ValueError saying what is allowed."""
        if self.is_text:
            if value is None and self.default is None:
                return None  # unset
            if value not in self.choices:
                shown = ", ".join(self.choices) if len(self.choices) <= 10 else _(
                    "one of {count} names such as {examples}").format(
                    count=len(self.choices), examples=", ".join(self.choices[:3]))
                raise ValueError(_("{setting} takes {allowed}; you provided {value!r}.").format(
                    setting=self.title(), allowed=shown, value=value))
            return value
        range_error = _("{setting} takes a number from {minimum} to {maximum}; you provided {value!r}.")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(range_error.format(setting=self.title(), minimum=f"{self.minimum:g}",
                                                maximum=f"{self.maximum:g}", value=value)) from None
        if self.integer and not number.is_integer():
            raise ValueError(_("{setting} takes a whole number; you provided {value!r}.").format(
                setting=self.title(), value=value))
        if not self.minimum <= number <= self.maximum:
            raise ValueError(range_error.format(setting=self.title(), minimum=f"{self.minimum:g}",
                                                maximum=f"{self.maximum:g}", value=value))
        return int(number) if self.integer else number


def machine_timezone() -> str:
    """The IANA name of this machine's time zone ($TZ, else /etc/localtime's link), else 'UTC'."""
    zones = zoneinfo.available_timezones()
    named = os.environ.get("TZ", "").lstrip(":")
    if named in zones:
        return named
    try:
        target = str(Path("/etc/localtime").resolve())
        named = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
    except OSError:
        named = ""
    if named in zones:
        return named
    try:
        named = Path("/etc/timezone").read_text("utf-8").strip()
    except OSError:
        named = ""
    return named if named in zones else "UTC"


#: Day and month orders a date such as 02/03/2026 can be read in (SPEC §3.5).
DATE_ORDERS = ("dmy", "mdy", "ymd")

#: How the choices of text settings read (translated where shown).
CHOICE_WORDS = {
    "date_order": {"dmy": N_("day first (02/03/2026 is 2 March)"),
                   "mdy": N_("month first (02/03/2026 is 3 February)"),
                   "ymd": N_("year first (2026/03/02)")},
}
#: Each language's name in itself, so that someone lost in the other language finds theirs.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}

# Labels and explanations are for people: no code names in them (the README's settings table
# gives each setting's code name, and the formulas behind the automatic thresholds).
SETTINGS: tuple[Setting, ...] = (
    # SPEC §4: the contract's parameters
    Setting("grace_min", 5, 0, 60,
            N_("Minutes after the scheduled start that still count as on time, for the client and "
               "for you."),
            label=N_("Grace for lateness (minutes)")),
    Setting("late_cancel_hours", 24, 0, 168,
            N_("A client cancellation with less notice than this is late, and billable under the "
               "contract; exactly this much notice is on time."),
            label=N_("Notice for a timely cancellation (hours)")),
    Setting("payment_grace_days", 7, 0, 90,
            N_("A fee paid within this many days after the session counts as paid on time."),
            label=N_("Time to pay (days)")),
    # Issue 5: the weekly review's needs-attention rules
    Setting("attendance_alert_pct", 75, 0, 100,
            N_("Flag a client whose attendance over their last sessions is below this."),
            group="attention", label=N_("Attendance alert below (%)")),
    Setting("attendance_window_sessions", 6, 2, 52,
            N_("How many of the client's most recent scheduled sessions the attendance alert looks at."),
            group="attention", label=N_("Sessions the attendance alert looks at")),
    Setting("late_arrivals_in_row", 2, 2, 10,
            N_("Flag a client who arrived late (beyond the grace for lateness) this many attended "
               "sessions in a row."),
            group="attention", label=N_("Late arrivals in a row before an alert")),
    Setting("involvement_window_sessions", 3, 2, 10,
            N_("The engagement rating is falling when its mean over the last this-many rated sessions "
               "is below its mean over the this-many before."),
            group="attention", label=N_("Sessions compared for a falling engagement rating")),
    Setting("involvement_drop_points", 0, 0, 4,
            N_("How far the recent mean engagement rating must fall (in points of the 1–5 rating) to count; "
               "0: worked out from the practice's own ratings, the fall that noise alone rarely reaches."),
            integer=False, group="attention", label=N_("Fall in the engagement rating that counts (points of 1–5)")),
    Setting("practice_missed_in_row", 3, 2, 10,
            N_("Flag a client who did none of the agreed practice this many sessions running."),
            group="attention", label=N_("Sessions without practice before an alert")),
    Setting("alliance_drop_points", 0, 0, 40,
            N_("Flag an alliance rating that drops at least this much from the previous one; "
               "0: worked out from the practice's own ratings (2.8 points while there are too few)."),
            integer=False, group="attention", label=N_("Drop in alliance rating that counts (points of 40)")),
    Setting("alliance_concern_below", 36, 0, 40,
            N_("Flag an alliance rating that falls below this from a previous one at or above it "
               "(36/40 is the Session Rating Scale's concern threshold; Duncan et al. 2003)."),
            integer=False, group="attention", label=N_("Alliance concern threshold (points of 40)")),
    Setting("unpaid_alert_days", 30, 1, 365,
            N_("Flag fees still unpaid this many days after the session."),
            group="attention", label=N_("Unpaid fee alert after (days)")),
    Setting("unbooked_alert_days", 14, 1, 90,
            N_("Flag an active client with nothing booked in this many days after the reviewed week."),
            group="attention", label=N_("Nothing booked alert within (days)")),
    Setting("active_client_days", 42, 7, 365,
            N_("A client is active when they attended a session in this many days before the end of "
               "the reviewed week."),
            group="attention", label=N_("A client is active for (days)")),
    # Issue 4: expected progress
    Setting("expected_band_min_clients", 10, 3, 1000,
            N_("How many clients of the practice must have reached a session number, from the same "
               "start level, before an expected range is drawn there."),
            group="progress", label=N_("Clients needed for an expected range")),
    # SPEC §6: the supervisor's anonymised view
    Setting("k_anonymity", 11, 5, 1000,
            N_("Every figure a supervisor sees covers at least this many distinct clients (11: the "
               "US CMS and French CASD/PMSI threshold; never below 5)."),
            group="privacy", label=N_("Minimum clients behind a figure (k)")),
    Setting("ending_gap_days", 56, 14, 365,
            N_("A client's session followed by this many days without another is an ending (a "
               "drop-out when that session was missed); lengthen it for clients seen less often."),
            group="privacy", label=N_("Days without a session that end a therapy")),
    # Issue 10: reading the dates of imported files (SPEC §3, §3.5)
    Setting("timezone", machine_timezone(), 0, 0,
            N_("Times written with a zone (2026-03-02T14:00:00Z, …+01:00) are converted to this one. "
               "Default: this machine's zone."),
            group="import", choices=tuple(sorted(zoneinfo.available_timezones())),
            label=N_("The practice's time zone")),
    Setting("date_order", None, 0, 0,
            N_("How to read dates such as 02/03/2026 when a file does not settle it; unset, such a "
               "file is refused until the order is chosen."),
            group="import", choices=DATE_ORDERS, label=N_("Order of day and month in dates")),
    # Issue 14: language and money
    Setting("language", None, 0, 0,
            N_("The language of the pages, reports and messages; unset, the browser's (or the "
               "system's) language, English by default. ALLIANCE_LANG, when set, overrides it."),
            group="display", choices=LANGUAGES, label=N_("Language")),
    Setting("currency", None, 0, 0,
            N_("The currency of fees and amounts; unset, the euro."),
            group="display", choices=currency_codes(), label=N_("Currency")),
)

SETTINGS_BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
DEFAULTS: dict[str, float | str | None] = {setting.name: setting.default for setting in SETTINGS}


def setting(name: str) -> Setting:
    """Return the setting called *name*, or raise ValueError listing the known ones."""
    try:
        return SETTINGS_BY_NAME[name]
    except KeyError:
        raise ValueError(_("Unknown setting {name!r}. Known settings are: {names}.").format(
            name=name, names=", ".join(SETTINGS_BY_NAME))) from None
