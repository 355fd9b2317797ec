"""The practice's settings: one table of names, defaults, units and help text.

Defaults live here, in code; the store keeps only the values a practice changed
(table ``settings``). Every score and rule reads its parameters through
:func:`alliance_metrics.store.Store.settings`, so changing one setting changes
every figure consistently.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """One parameter, with its unit in its name and its allowed range."""

    name: str
    default: float
    minimum: float
    maximum: float
    help: str
    integer: bool = True
    group: str = "contract"

    def check(self, value: float) -> float:
        """Return *value* as this setting's type, or raise ValueError saying what is allowed."""
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
            "Involvement is falling when the mean of the last this-many rated sessions is below "
            "the mean of the this-many before.",
            group="attention"),
    Setting("involvement_drop_points", 0, 0, 4,
            "How far (in points of the 1–5 involvement rating) the recent mean must fall below the "
            "earlier one for involvement to count as falling. 0 (the default): computed from the "
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
)

SETTINGS_BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
DEFAULTS: dict[str, float] = {setting.name: setting.default for setting in SETTINGS}


def setting(name: str) -> Setting:
    """Return the setting called *name*, or raise ValueError listing the known ones."""
    try:
        return SETTINGS_BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"Unknown setting {name!r}. Known settings are: {', '.join(SETTINGS_BY_NAME)}."
        ) from None
