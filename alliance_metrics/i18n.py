"""Words and formats in the reader's language: a gettext catalogue and Babel's locale data.

The words
    Every sentence a person reads is written in English in the code, wrapped in :func:`_` (or
    :func:`ngettext` when it depends on a count), and translated by the gettext catalogue
    ``alliance_metrics/locale/<lang>/LC_MESSAGES/alliance.po``. Only the ``.po`` file is kept in
    the repository: it is read with Babel and compiled in memory the first time a language is
    used, so there is no ``.mo`` file to regenerate and commit. A text defined at import time
    (a setting's label, a page title) is marked with :func:`N_` — extracted, but left untouched —
    and passed through :func:`_` where it is shown, so that it follows the language of that moment.

The formats
    Dates, numbers, percentages, amounts and month names come from Babel's CLDR data for the
    language: French writes ``02/03/2026`` and ``1 234,50 €`` (the thousands separator is a narrow
    no-break space, U+202F, and a no-break space U+00A0 stands before the currency sign). Weeks
    start on Monday in both languages (English uses the en_GB conventions for that reason, and
    dates are written ``2 Mar 2026`` so that nobody has to guess the order of day and month).

The language
    :func:`choose_language` decides, in this order: ``$ALLIANCE_LANG`` (``fr`` or ``en``), the
    practice's ``language`` setting, the browser's locale (the dashboard reads it; the library
    never imports Streamlit), the system's locale; English by default. The current language is
    context-local (:mod:`contextvars`), so a dashboard run and a command-line call each set their
    own with :func:`set_language` or :func:`use_language`, and never each other's.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import io
import locale as system_locale
import os
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Iterator

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: The languages the catalogue covers, English (the source language) first.
LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
DOMAIN = "alliance"
#: Babel locale used for each language's formats. en_GB: weeks start on Monday.
FORMAT_LOCALES = {"en": "en_GB", "fr": "fr_FR"}
#: The currency while the ``currency`` setting is unset, in both languages (the practice this was
#: built for is French; a practice elsewhere sets its own).
DEFAULT_CURRENCY = "EUR"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("alliance_language", default=None)


# --- choosing the language -------------------------------------------------------------------

def language_of(tag: str | None) -> str | None:
    """The supported language of a locale tag (``fr-FR``, ``fr_CA.UTF-8``, ``en``), else None.

    >>> language_of("fr-FR"), language_of("en_US.UTF-8"), language_of("de-DE"), language_of(None)
    ('fr', 'en', None, None)
    """
    if not tag:
        return None
    code = tag.replace("-", "_").split(".", 1)[0].split("_", 1)[0].strip().lower()
    return code if code in LANGUAGES else None


def system_language() -> str | None:
    """The language of this machine's locale ($LC_ALL, $LC_MESSAGES, $LANG), if supported."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return language_of(value)   # the first one set decides, as in POSIX
    return _locale_language()


@cache
def _locale_language() -> str | None:
    """The language of the process's locale when no variable names one (asked once: it is slow)."""
    try:
        return language_of(system_locale.getlocale()[0])
    except ValueError:
        return None


def choose_language(setting: str | None = None, browser: str | None = None) -> str:
    """The language to use: ``$ALLIANCE_LANG``, else *setting* (the practice's ``language``
    setting), else the *browser*'s locale tag, else the system's; English by default.

    A value of ``$ALLIANCE_LANG`` other than ``fr`` or ``en`` is ignored.
    """
    return (language_of(os.environ.get("ALLIANCE_LANG")) or language_of(setting) or language_of(browser)
            or system_language() or DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language set for this context, else the one :func:`choose_language` finds alone."""
    return _current.get() or choose_language()


def set_language(language: str | None) -> contextvars.Token:
    """Make *language* (``fr``/``en``; None: choose again) the current one in this context.
    Returns the token to :meth:`contextvars.ContextVar.reset` with."""
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"Language {language!r} is not available; the languages are {', '.join(LANGUAGES)}.")
    return _current.set(language)


def reset_language(token: contextvars.Token) -> None:
    """Undo the :func:`set_language` that returned *token*."""
    _current.reset(token)


@contextlib.contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """``with use_language("fr"):`` — words and formats in French inside the block only."""
    token = set_language(language)
    try:
        yield current_language()
    finally:
        reset_language(token)


# --- the catalogue ---------------------------------------------------------------------------

def catalogue_path(language: str):
    """The ``.po`` file of *language* (a :mod:`importlib.resources` traversable)."""
    return resources.files("alliance_metrics") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The gettext translations of *language*, compiled in memory from its ``.po`` file once.

    English is the source language: its messages are the msgids themselves.
    """
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """*message* in the current language (itself when the catalogue has no translation)."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of *singular*/*plural* that suits *count*, in the current language.

    The result still holds its placeholders: ``ngettext("{n} file", "{n} files", n).format(n=n)``.
    """
    return translations(current_language()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """*message* in the current language, told apart from the same English word used elsewhere."""
    return translations(current_language()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark *message* for the catalogue without translating it now (translate it where it is shown)."""
    return message


# --- formats ---------------------------------------------------------------------------------

def format_locale(language: str | None = None) -> Locale:
    """Babel's locale for the formats of *language* (default: the current one)."""
    return _parsed_locale(FORMAT_LOCALES[language or current_language()])


@cache
def _parsed_locale(tag: str) -> Locale:
    return Locale.parse(tag)


def format_date(day: date | datetime, format: str | None = None, language: str | None = None) -> str:
    """*day* as the language writes it. Default format: French ``02/03/2026``, English ``2 Mar 2026``;
    Babel's ``"short"``, ``"medium"``, ``"long"``, ``"full"`` or a CLDR pattern otherwise.

    >>> format_date(date(2026, 3, 2), language="fr"), format_date(date(2026, 3, 2), language="en")
    ('02/03/2026', '2 Mar 2026')
    >>> format_date(date(2026, 3, 2), "full", language="fr")
    'lundi 2 mars 2026'
    """
    if isinstance(day, datetime):
        day = day.date()
    return _format_date(day, format, language or current_language())


@lru_cache(maxsize=1 << 14)   # a review repeats the same few days thousands of times: Babel takes ~60 µs
def _format_date(day: date, format: str | None, language: str) -> str:
    return dates.format_date(day, format or ("short" if language == "fr" else "medium"),
                             locale=format_locale(language))


def format_datetime(moment: datetime, language: str | None = None) -> str:
    """*moment* (a wall-clock time, not converted) with its date as :func:`format_date` and its time
    on 24 hours: ``02/03/2026 14:00`` or ``2 Mar 2026, 14:00``."""
    language = language or current_language()
    time = dates.format_time(moment, "HH:mm", locale=format_locale(language))
    return f"{format_date(moment, language=language)} {time}" if language == "fr" else \
        f"{format_date(moment, language=language)}, {time}"


def format_decimal(number: float, digits: int | None = None, language: str | None = None) -> str:
    """*number* with the language's separators; *digits* fixes the decimals (None: up to 3).

    >>> format_decimal(1234.5, 2, language="fr") == "1\\u202f234,50"
    True
    """
    return _format_decimal(number, digits, language or current_language())


@lru_cache(maxsize=1 << 16)   # a practice's tables repeat the same figures: Babel takes ~20 µs a call
def _format_decimal(number: float, digits: int | None, language: str) -> str:
    locale = format_locale(language)
    if digits is None:
        return numbers.format_decimal(number, locale=locale)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return numbers.format_decimal(number, format=pattern, locale=locale, decimal_quantization=True)


def format_percent(value: float, digits: int = 0, language: str | None = None) -> str:
    """A figure on the 0–100 scale of the scores as a percentage: ``83 %`` (French: no-break space).

    >>> format_percent(83.4, language="en"), format_percent(83.4, language="fr") == "83\\u00a0%"
    ('83%', True)
    """
    return _format_percent(value, digits, language or current_language())


@lru_cache(maxsize=1 << 14)
def _format_percent(value: float, digits: int, language: str) -> str:
    locale = format_locale(language)
    pattern = locale.percent_formats[None].pattern      # fr: "#,##0\u00a0%", en: "#,##0%"
    if digits:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return numbers.format_percent(value / 100, format=pattern, locale=locale, decimal_quantization=True)


def format_currency(amount: float, currency: str | None = None, language: str | None = None) -> str:
    """*amount* of *currency* (an ISO 4217 code, as the ``currency`` setting holds; None, while
    the setting is unset: the euro) as the language writes money.

    >>> format_currency(1234.5, "EUR", language="fr") == "1\\u202f234,50\\u00a0€"
    True
    >>> format_currency(1234.5, "EUR", language="en")
    '€1,234.50'
    """
    return _format_currency(amount, currency or DEFAULT_CURRENCY, language or current_language())


@lru_cache(maxsize=1 << 14)
def _format_currency(amount: float, currency: str, language: str) -> str:
    return numbers.format_currency(amount, currency, locale=format_locale(language))


def month_name(month: int, width: str = "wide", language: str | None = None) -> str:
    """The name of *month* (1–12) as it stands alone: ``mars``, ``March``; *width* ``abbreviated``
    for ``mars``/``Mar``.

    >>> month_name(3, language="fr"), month_name(8, language="en")
    ('mars', 'August')
    """
    return dates.get_month_names(width, context="stand-alone", locale=format_locale(language))[month]


def day_name(day: date | datetime, language: str | None = None) -> str:
    """The weekday of *day*: ``lundi``, ``Monday``."""
    return dates.format_date(day, "EEEE", locale=format_locale(language))


def first_weekday(language: str | None = None) -> int:
    """The first day of the week, 0 = Monday (both languages here)."""
    return format_locale(language).first_week_day


def currency_codes() -> tuple[str, ...]:
    """The ISO 4217 codes Babel knows, sorted (the ``currency`` setting's choices)."""
    return tuple(sorted(numbers.list_currencies()))


def currency_name(code: str, language: str | None = None) -> str:
    """``EUR`` → ``euro`` (French) or ``Euro`` (English), for a choice list."""
    return numbers.get_currency_name(code, locale=format_locale(language))
