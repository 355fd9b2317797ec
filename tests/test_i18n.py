"""French and English: the catalogue is complete and in step with the code, the formats are the
locale's (checked by hand against French typography), and the language is chosen as documented."""

from __future__ import annotations

import contextvars
import re
import threading
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from alliance_metrics import i18n
from alliance_metrics.i18n import (
    _,
    choose_language,
    current_language,
    first_weekday,
    format_currency,
    format_date,
    format_decimal,
    format_percent,
    month_name,
    ngettext,
    set_language,
    use_language,
)
from alliance_metrics.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "alliance_metrics" / "locale" / "fr" / "LC_MESSAGES" / "alliance.po"
NBSP, NNBSP = "\u00a0", "\u202f"   # no-break space; narrow no-break space (French thousands)


def catalogue():
    with PO.open("rb") as po:
        return read_po(po, locale="fr", domain="alliance")


def extracted_from_code() -> set[str]:
    """Every message the code marks (_, N_, ngettext, pgettext, the templates' _()), found by Babel's
    own extractor with the project's babel.cfg (what `make messages` extracts)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map,
            directory_filter=lambda path: not Path(path).name.startswith((".", "__pycache__"))):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def messages():
    return [message for message in catalogue() if message.id]


def key(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def test_every_message_has_a_french_translation():
    untranslated = [key(m) for m in messages()
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string) or m.fuzzy]
    assert untranslated == []


def test_every_message_of_the_code_is_in_the_catalogue_and_no_other():
    in_code, in_catalogue = extracted_from_code(), {key(m) for m in messages()}
    assert len(in_code) > 150                      # the extractor did find the code's messages
    assert sorted(in_code - in_catalogue) == [], "run `make messages` and translate"
    assert sorted(in_catalogue - in_code) == [], "obsolete messages: run `make messages`"


#: A placeholder's name (its conversion, {x!r}, is kept; its format spec, {n:,}, may differ: French
#: writes no comma between thousands), or a %-style one.
PLACEHOLDERS = re.compile(r"(\{[a-z_]+(?:![rs])?)(?::[^}]*)?\}|(%\([a-z_]+\)[sdr]|%[sdr])")


def placeholders(text: str) -> list[str]:
    return sorted({brace or percent for brace, percent in PLACEHOLDERS.findall(text)})


@pytest.mark.parametrize("message", messages(), ids=key)
def test_a_translation_keeps_the_placeholders_of_its_message(message):
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    wanted = placeholders(ids[-1])
    for string in strings:
        assert placeholders(string) == wanted, string


def test_translations_are_used_and_plurals_follow_french_rules():
    with use_language("fr"):
        assert _("Settings") == "Réglages"
        one = "{count} line (line {lines})"
        many = "{count} lines (lines {lines})"
        assert ngettext(one, many, 0).startswith("{count} ligne ")     # French: 0 and 1 singular
        assert ngettext(one, many, 1).startswith("{count} ligne ")
        assert ngettext(one, many, 2).startswith("{count} lignes ")
        assert _("a sentence nobody translated") == "a sentence nobody translated"
    with use_language("en"):
        assert _("Settings") == "Settings" and ngettext(one, many, 2) == many


# --- formats, as French typography writes them (checked by hand) ---------------------------------

def test_money_in_french_and_english():
    with use_language("fr"):
        assert format_currency(1234.5, "EUR") == f"1{NNBSP}234,50{NBSP}€"     # 1 234,50 €
        assert format_currency(1234.5) == f"1{NNBSP}234,50{NBSP}€"            # euro by default
        assert format_currency(0, "CHF") == f"0,00{NBSP}CHF"
    with use_language("en"):
        assert format_currency(1234.5, "EUR") == "€1,234.50"
        assert format_currency(1234.5, "GBP") == "£1,234.50"


def test_dates_numbers_and_percentages():
    with use_language("fr"):
        assert format_date(date(2026, 3, 2)) == "02/03/2026"
        assert format_date(date(2026, 3, 2), "full") == "lundi 2 mars 2026"
        assert format_decimal(1234.5, 2) == f"1{NNBSP}234,50"
        assert format_decimal(0.75) == "0,75"
        assert format_percent(83.4) == f"83{NBSP}%"
        assert format_percent(83.46, 1) == f"83,5{NBSP}%"
    with use_language("en"):
        assert format_date(date(2026, 3, 2)) == "2 Mar 2026"           # never 3/2/26: no guessing
        assert format_decimal(1234.5, 2) == "1,234.50"
        assert format_percent(83.4) == "83%"


def test_french_month_names_and_monday_first():
    assert [month_name(m, language="fr") for m in range(1, 13)] == [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre"]
    assert month_name(3, "abbreviated", language="fr") == "mars"
    assert month_name(8, language="en") == "August"
    assert first_weekday("fr") == first_weekday("en") == 0             # Monday


# --- choosing the language --------------------------------------------------------------------------

@pytest.fixture
def no_language_in_env(monkeypatch):
    for name in ("ALLIANCE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(i18n.system_locale, "getlocale", lambda: (None, None))
    return monkeypatch


def test_the_order_of_choice(no_language_in_env):
    env = no_language_in_env
    assert choose_language() == "en"                                       # English by default
    env.setenv("LANG", "fr_FR.UTF-8")
    assert choose_language() == "fr"                                       # the system's
    assert choose_language(browser="en-GB") == "en"                        # the browser's first
    assert choose_language(setting="fr", browser="en-GB") == "fr"          # the setting first
    env.setenv("ALLIANCE_LANG", "en")
    assert choose_language(setting="fr", browser="fr-FR") == "en"          # ALLIANCE_LANG first
    env.setenv("ALLIANCE_LANG", "de")                                      # not offered: ignored
    assert choose_language(setting="fr") == "fr"
    assert choose_language(browser="de-DE") == "fr"                        # LANG=fr_FR again


def test_the_language_is_context_local(no_language_in_env):
    seen = {}

    def other_session():
        set_language("fr")
        seen["other"] = (current_language(), _("Settings"))

    with use_language("en"):
        thread = threading.Thread(target=contextvars.copy_context().run, args=(other_session,))
        thread.start()
        thread.join()
        assert current_language() == "en" and _("Settings") == "Settings"
    assert seen["other"] == ("fr", "Réglages")
    with pytest.raises(ValueError, match="'de' is not available"):
        set_language("de")


# --- settings in plain words ------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_setting_has_a_label_and_an_explanation_without_code_names(language):
    codes = {setting.name for setting in SETTINGS}
    with use_language(language):
        for setting in SETTINGS:
            words = f"{setting.title()} {setting.explanation()}"
            assert setting.label and setting.title() and setting.explanation(), setting.name
            assert not any(re.search(rf"\b{code}\b", words) for code in codes - {"timezone", "language",
                                                                                   "currency"}), words
            assert "SPEC" not in words and "_" not in setting.title(), words
            if language == "fr":
                assert setting.title() != setting.label, setting.name      # translated


def test_new_settings_language_and_currency():
    by_name = {setting.name: setting for setting in SETTINGS}
    assert by_name["language"].choices == ("en", "fr") and by_name["language"].default is None
    assert "EUR" in by_name["currency"].choices and by_name["currency"].default is None
    with use_language("fr"):
        assert format_currency(12, by_name["currency"].default) == f"12,00{NBSP}€"   # unset: the euro


def test_the_french_readme_lists_every_setting_by_its_french_label_and_code_name():
    readme = (ROOT / "README.fr.md").read_text("utf-8")
    rows = dict(re.findall(r"^\| ([^|`]+) \| `([a-z_]+)` \|", readme, flags=re.MULTILINE))
    with use_language("fr"):
        assert {code: label for label, code in rows.items()} == {
            setting.name: setting.title() for setting in SETTINGS}
    assert "SPEC" not in readme
