"""HTML documents from autoescaped Jinja2 templates, in the reader's language.

The templates live in ``alliance_metrics/templates/``: ``base.html`` (the page, its header and
footer, the one stylesheet ``report.css`` inlined so that the file is self-contained) and one
template per document, which extends it (``weekly_report.html``; the supervisor's report can
extend the same base). Every value is escaped by Jinja2 (autoescape on); words go through the
gettext catalogue (``{{ _("…") }}``, with ``%(name)s`` placeholders as Jinja2's i18n extension
expects), and values through the filters below, which format them as the current language does.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

import jinja2
import pandas as pd

from alliance_metrics import i18n

MISSING = "—"   # an undefined value, never 0 and never "<NA>"


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT (an undefined value).

    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NA), is_missing(0)
    (True, True, True, False)
    """
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):   # not a scalar
        return False


def _or_missing(function):
    def formatted(value, *args, **kwargs):
        return MISSING if is_missing(value) else function(value, *args, **kwargs)
    formatted.__doc__ = function.__doc__
    return formatted


@_or_missing
def date_filter(value: date | datetime) -> str:
    """``02/03/2026`` / ``2 Mar 2026``."""
    return i18n.format_date(value)


@_or_missing
def datetime_filter(value: datetime) -> str:
    """``02/03/2026 14:00`` / ``2 Mar 2026, 14:00`` (wall-clock time, as stored)."""
    return i18n.format_datetime(value)


@_or_missing
def day_filter(value: date) -> str:
    """``lundi 2 mars 2026`` / ``Monday 2 March 2026``."""
    return i18n.format_date(value, "full")


@_or_missing
def number_filter(value: float, digits: int | None = None) -> str:
    """A number with the language's separators (*digits* decimals, else as needed up to 3)."""
    return i18n.format_decimal(value, digits)


@_or_missing
def whole_filter(value: float) -> str:
    """A whole number (minutes, counts): ``12``."""
    return i18n.format_decimal(round(float(value)), 0)


@_or_missing
def percent_filter(value: float, digits: int = 0) -> str:
    """A 0–100 figure as a percentage: ``83 %``."""
    return i18n.format_percent(float(value), digits)


@_or_missing
def share_filter(value: float) -> str:
    """A 0–1 share as a percentage: ``50 %``."""
    return i18n.format_percent(100 * float(value))


def money_filter(value: float, currency: str | None = None) -> str:
    """An amount in the practice's currency: ``1 234,50 €``."""
    return MISSING if is_missing(value) else i18n.format_currency(float(value), currency)


@cache
def environment() -> jinja2.Environment:
    """The templates' environment: autoescaped, strict about undefined names, gettext installed."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("alliance_metrics", "templates"),
        autoescape=True,     # every file is HTML (the stylesheet is included raw inside <style>)
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # the functions, not bound translations: they look the current language up at each call
    env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True)
    env.filters.update({
        "date": date_filter, "datetime": datetime_filter, "day": day_filter, "number": number_filter,
        "whole": whole_filter, "percent": percent_filter, "share": share_filter, "money": money_filter,
    })
    return env


def render(template: str, **context) -> str:
    """The template *template* rendered with *context*, in the current language."""
    return environment().get_template(template).render(language=i18n.current_language(), **context)
