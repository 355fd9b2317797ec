"""The practice's settings: one table of names, defaults, units and help text.

Defaults live here, in code; the store keeps only the values a practice changed
(table ``settings``). Every score and rule reads its parameters through
:func:`alliance_metrics.store.Store.settings`, so changing one setting changes
every figure consistently.
"""

from __future__ import annotations

import os
import zoneinfo
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One parameter, with its unit in its name and its allowed range.

    A setting with ``choices`` holds one of those texts instead of a number (``minimum`` and
    ``maximum`` are then unused); its default may be None, "unset until someone sets it".
    """

    name: str
    default: float | str | None
    minimum: float
    maximum: float
    help: str
    integer: bool = True
    group: str = "contract"
    choices: tuple[str, ...] = ()

    @property
    def is_text(self) -> bool:
        return bool(self.choices)

    def check(self, value: float | str) -> float | str:
        """Return *value* as this setting's type, or raise ValueError saying what is allowed."""
        if self.is_text:
            if value is None and self.default is None:
                return None  # unset
            if value not in self.choices:
                shown = ", ".join(self.choices) if len(self.choices) <= 10 else (
                    f"one of {len(self.choices)} names such as {', '.join(self.choices[:3])}")
                raise ValueError(
                    f"Setting {self.name!r} takes {shown}; you provided {value!r}.")
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"Setting {self.name!r} takes a number from {self.minimum:g} to "
                f"{self.maximum:g}; you provided {value!r}."
            ) from None
        if self.integer and not number.is_integer():
            raise ValueError(
                f"Setting {self.name!r} takes a whole number; you provided {value!r}."
            )
        if not self.minimum <= number <= self.maximum:
            raise ValueError(
                f"Setting {self.name!r} takes a number from {self.minimum:g} to "
                f"{self.maximum:g}; you provided {value!r}."
            )
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

SETTINGS: tuple[Setting, ...] = (
    # SPEC §4: the contract's parameters
    Setting("grace_min", 5, 0, 60,
            "Minutes after the scheduled start that still count as on time (both sides)."),
    Setting("late_cancel_hours", 24, 0, 168,
            "A client cancellation with less notice than this is a late cancellation, "
            "billable under the contract. Exactly this much notice is timely."),
    Setting("payment_grace_days", 7, 0, 90,
            "A fee paid within this many days after the session counts as paid on time."),
    # Issue 5: the weekly review's needs-attention rules
    Setting("attendance_alert_pct", 75, 0, 100,
            "Flag a client whose attendance over their last scheduled sessions is below this.",
            group="attention"),
    Setting("attendance_window_sessions", 6, 2, 52,
            "How many of the client's most recent scheduled sessions the attendance alert looks at.",
            group="attention"),
    Setting("late_arrivals_in_row", 2, 2, 10,
            "Flag a client who arrived late (beyond grace_min) this many attended sessions in a row.",
            group="attention"),
    Setting("involvement_window_sessions", 3, 2, 10,
            "The engagement rating (1–5) is falling when its mean over the last this-many rated "
            "sessions is below its mean over the this-many before.",
            group="attention"),
    Setting("involvement_drop_points", 0, 0, 4,
            "How far (in points of the 1–5 engagement rating) the recent mean must fall below the "
            "earlier one for the engagement rating to count as falling. 0 (the default): computed from the "
            "practice's own ratings, 1.96 · s_w · √(2/m), the fall that measurement noise alone "
            "exceeds in 1 client-week in 40 (s_w: the spread of a client's ratings around their own "
            "mean; m: involvement_window_sessions).",
            integer=False, group="attention"),
    Setting("practice_missed_in_row", 3, 2, 10,
            "Flag a client who did none of the agreed practice this many sessions running.",
            group="attention"),
    Setting("alliance_drop_points", 0, 0, 40,
            "Flag a session alliance rating that drops by at least this much from the previous one. "
            "0 (the default): the reliable change computed from the practice's own ratings, "
            "1.96 · √2 · s_w (s_w: the spread of a client's ratings around their own mean), or "
            "2.8 points while the practice has too few ratings.",
            integer=False, group="attention"),
    Setting("alliance_concern_below", 36, 0, 40,
            "Flag a session alliance rating that falls below this from a previous rating at or "
            "above it (the Session Rating Scale's concern threshold is 36/40; Duncan et al. 2003).",
            integer=False, group="attention"),
    Setting("unpaid_alert_days", 30, 1, 365,
            "Flag fees still unpaid this many days after the session.",
            group="attention"),
    Setting("unbooked_alert_days", 14, 1, 90,
            "Flag an active client with nothing booked in this many days after the reviewed week.",
            group="attention"),
    Setting("active_client_days", 42, 7, 365,
            "A client is active when they attended a session in this many days before the end "
            "of the reviewed week.",
            group="attention"),
    # Issue 4: expected progress
    Setting("expected_band_min_clients", 10, 3, 1000,
            "How many clients of the practice must have reached a session number, from the same "
            "start level, before an expected band is drawn there.",
            group="progress"),
    # SPEC §6: the supervisor's anonymised view
    Setting("k_anonymity", 11, 5, 1000,
            "Every figure a supervisor sees covers at least this many distinct clients "
            "(11: the CMS cell-size rule and the French CASD/PMSI threshold; never below 5).",
            group="privacy"),
    Setting("ending_gap_days", 56, 14, 365,
            "In the supervisor's caseload, a client's session followed by this many days without "
            "another of theirs is an ending (a drop-out when that session was missed). Lengthen it "
            "when clients are seen less often than every few weeks.",
            group="privacy"),
    # Issue 10: reading the dates of imported files (SPEC §3, §3.5)
    Setting("timezone", machine_timezone(), 0, 0,
            "The practice's time zone: times written with a zone (2026-03-02T14:00:00Z, "
            "…+01:00) are converted to it. Default: this machine's zone.",
            group="import", choices=tuple(sorted(zoneinfo.available_timezones()))),
    Setting("date_order", None, 0, 0,
            "How to read dates such as 02/03/2026 when a file does not settle it (every day and "
            "month 12 or less): dmy (day first, 2 March), mdy (month first, 3 February) or ymd. "
            "Unset: such a file is refused until the order is chosen.",
            group="import", choices=DATE_ORDERS),
)

SETTINGS_BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
DEFAULTS: dict[str, float | str | None] = {setting.name: setting.default for setting in SETTINGS}


def setting(name: str) -> Setting:
    """Return the setting called *name*, or raise ValueError listing the known ones."""
    try:
        return SETTINGS_BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"Unknown setting {name!r}. Known settings are: {', '.join(SETTINGS_BY_NAME)}."
        ) from None
