"""The library's sentences in French: needs-attention reasons, thresholds, rules (and, below, the
supervisor's report), worked out by hand on the hand-made practice of tests/test_attention.py."""

from __future__ import annotations

import re

import markupsafe
import pytest

from alliance_metrics.attention import RULES, alert_thresholds, needs_attention, rule_counts
from alliance_metrics.i18n import use_language
from alliance_metrics.score_queries import session_facts
from alliance_metrics.settings import DEFAULTS, SETTINGS_BY_NAME
from tests.conftest import insert_sessions
from tests.test_attention import OFF_TRACK, PRACTICE, WEEK

NBSP, NNBSP = "\u00a0", "\u202f"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture
def facts(store):
    insert_sessions(store, PRACTICE)
    return session_facts(store)


def test_needs_attention_reasons_in_french_with_french_dates_and_numbers(facts):
    with use_language("fr"):
        flags = needs_attention(facts, WEEK, DEFAULTS, OFF_TRACK)
    reasons = dict(zip(zip(flags.client_id, flags.code), flags.reason))
    # the same figures as tests/test_attention.py's EXPECTED, in French words and formats
    assert reasons[("A", "missed_this_week")] == (
        "Absence non excusée le 04/03/2026 ; annulation tardive le 06/03/2026 (préavis de 14 h).")
    assert reasons[("B", "low_attendance")] == (
        f"Assiduité de 50{NBSP}% sur les 6 dernières séances prévues (3 sur 6), sous le seuil de 75{NBSP}%.")
    assert reasons[("C", "late_arrivals")] == (
        "En retard aux 2 dernières séances suivies d'affilée (10 ; 7 min après le début).")
    assert reasons[("F", "alliance_concern")] == "Note d'alliance 36,5/40 le 03/03/2026 (en baisse de 3 depuis 39,5)."
    assert reasons[("M", "alliance_concern")] == "Note d'alliance 35,9/40 le 05/03/2026 (sous 36)."
    assert reasons[("N", "nothing_booked")] == (
        "Dernière séance suivie le 20/02/2026 ; rien de prévu du 09/03/2026 au 22/03/2026.")
    assert reasons[("U", "unpaid_fees")] == (
        f"120,00{NBSP}€ d'honoraires impayés depuis plus de 30 jours au 08/03/2026 : 2 séances, "
        "la plus ancienne le 08/01/2026 (59 jours).")
    assert set(flags.title) <= {"Séance manquée cette semaine", "Assiduité faible", "Retards répétés",
                                "Note d'engagement en baisse", "Exercices convenus non faits",
                                "Note d'alliance basse ou en baisse", "Progrès vers l'objectif hors trajectoire",
                                "Honoraires impayés", "Aucune séance prévue"}
    for reason in flags.reason:
        assert not ISO_DATE.search(reason), reason
    with use_language("en"):   # the same call in English is unchanged
        english = needs_attention(facts, WEEK, DEFAULTS, OFF_TRACK)
    assert dict(zip(zip(english.client_id, english.code), english.reason))[("A", "missed_this_week")] == (
        "No-show on 4 Mar 2026; late cancellation on 6 Mar 2026 (14 h notice).")


def test_rules_and_thresholds_explained_in_french_by_the_settings_labels(facts):
    with use_language("fr"):
        titles = rule_counts(needs_attention(facts, WEEK, DEFAULTS, OFF_TRACK)).title.tolist()
        thresholds = alert_thresholds(facts, WEEK, DEFAULTS)
        alliance = thresholds["alliance_drop_points"].explanation
        label = SETTINGS_BY_NAME["alliance_drop_points"].title()
        described = {rule.code: rule.describe() for rule in RULES}
        grace = SETTINGS_BY_NAME["grace_min"].title()
    assert titles[0] == "Séance manquée cette semaine" and len(titles) == len(RULES)
    # 10 alliance ratings in this practice: too few to measure its noise, the assumed spread 1 is used
    assert alliance.startswith(f"{label} : 2,77 ; trop peu de notes pour l'instant")
    assert f"« {grace} »" in described["late_arrivals"]
    for text in described.values():
        assert not any(name in text for name in SETTINGS_BY_NAME if "_" in name), text


# -- the supervisor's report ---------------------------------------------------------------------

@pytest.fixture
def supervisor_february(tmp_path):
    from alliance_metrics.anonymise import supervisor_view
    from alliance_metrics.store import Store
    from tests.test_anonymise import february_rows
    from tests.test_supervisor_export import MARCH, S1
    store = Store(tmp_path / "practice.duckdb")
    insert_sessions(store, february_rows())
    yield supervisor_view(store, k=11, as_of=MARCH, secret=S1)
    store.close()


def test_the_supervisor_report_in_french_autoescaped(supervisor_february):
    import dataclasses

    from alliance_metrics.supervisor_report import supervisor_report_html, what_it_shows
    hostile = '<script>alert("x")</script> & Cie'
    source = dataclasses.replace(supervisor_february.sources[0], practice=hostile)
    view = dataclasses.replace(supervisor_february, sources=(source,))
    with use_language("fr"):
        page = supervisor_report_html(view)
        sentences = what_it_shows(view)
    assert '<html lang="fr">' in page
    assert "<h1>Rapport de supervision</h1>" in page and "<h2>File active</h2>" in page
    assert "Tous les thérapeutes" in page and "Clients actifs" in page
    assert "masqué" in page and "pas encore connu" in page
    assert "<b>80,0</b>" in page                          # February attendance, mean 80, decimal comma
    assert "de 0 à 20" in page or "sous " in page or "toutes les valeurs" in page   # bands in French
    assert not re.search(r"<td>[−\d,]+ to [−\d,]+</td>|<td>all values</td>", page)
    assert sentences[0].startswith("Période couverte : 1 période close (mois), de 2026-02 à 2026-02.")
    assert all(str(markupsafe.escape(sentence)) in page for sentence in sentences)
    # the hostile label is escaped, never markup; no English sentence of the report is left
    assert "<script>" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Cie" in page
    for english in ("Supervision report", "Caseload", "suppressed", "not yet known", "Therapists compared",
                    "Active clients", "No closed period"):
        assert english not in page, english
    # one stylesheet, shared with the weekly report: the report's own CSS is gone
    assert page.count("<style>") == 1 and "ul.reasons" in page


# -- the weekly review ----------------------------------------------------------------------------

def test_the_weekly_review_speaks_the_language_of_each_call(store):
    from datetime import date

    from alliance_metrics.review import weekly_review
    insert_sessions(store, PRACTICE)
    with use_language("fr"):
        french = weekly_review(store, WEEK, today=date(2026, 3, 10))
    english = weekly_review(store, WEEK, today=date(2026, 3, 10))   # memoised per language, not shared
    assert french.headlines.label.tolist()[:3] == ["Séances tenues", "Séances manquées", "Assiduité"]
    assert english.headlines.label.tolist()[:3] == ["Sessions held", "Missed sessions", "Attendance"]
    assert any(reason.startswith("Absence non excusée le 04/03/2026") for reasons in french.attention.reasons
               for reason in reasons)
    assert any(reason.startswith("No-show on 4 Mar 2026") for reasons in english.attention.reasons
               for reason in reasons)
    assert french.rule_counts.title[0] == "Séance manquée cette semaine"


# -- the readings of the statistics ------------------------------------------------------------------

def test_expected_progress_and_relations_read_in_french():
    import pandas as pd

    from alliance_metrics.progress import _reason, expected_band
    from alliance_metrics.relations import PEARSON, Relation, family_reading
    traj = pd.DataFrame({"client_id": ["a", "b"], "rating_number": [1, 1], "start_level": ["low", "low"],
                         "session_number": [1, 1], "goal_rating": [2.0, 3.0]})
    with use_language("fr"):
        message = expected_band(traj).message
        below = _reason(2, 2, 3.0, 4.0, 6.5, 2)
        relation = Relation(PEARSON, "alliance", "progress_points", 0.278, 0.05, 0.48, 0.02, 60, 60, 58)
        reading, family = relation.reading, family_reading("exploratory", 0.18, 13)
    assert message == ("Trop peu d'historique : 2 clients ont commencé à un niveau bas ; il en faut au moins "
                       "10 pour tracer une bande attendue.")
    assert below == "Note d'objectif sous la plage attendue aux 2 dernières séances notées (3 contre 4–6,5 attendu à la séance 2)."
    assert reading == ("Lien positif faible (r = 0,28, IC à 95 % de 0,05 à 0,48, 60 clients) ; "
                       "l'intervalle exclut 0 — l'indice d'un lien, pas de sa cause.")
    assert family.startswith("Exploratoire, l'un des 13 liens examinés : p ajusté = 0,18")
    assert relation.reading.startswith("Weak positive link (r = 0.28, 95 % CI 0.05 to 0.48")   # English again


# -- the import's warnings and notes ---------------------------------------------------------------

def test_import_warnings_and_notes_in_french(store, tmp_path):
    from alliance_metrics.ingest import import_sessions
    path = tmp_path / "journal.csv"
    path.write_bytes("client;date;statut;Remarque\n"
                     "C1;13/03/2026 14:00;Présent;x\n"
                     "C2;13/03/2026 15:00;Présent;y\n"
                     "C1;13/03/2026 14:00;Présent;x\n".encode("cp1252"))
    with use_language("fr"):
        report = import_sessions(store, path)
    assert report.inserted == 2
    assert report.warnings == (
        "journal.csv n'est pas en UTF-8 : il a donc été lu en Windows-1252 (Europe occidentale ; l'encodage "
        "CSV d'Excel sous Windows). Vérifiez que les lettres accentuées s'affichent bien, ou enregistrez le "
        "fichier en CSV UTF-8.",
        "La colonne 'Remarque' ne fait pas partie du journal de séances et a été ignorée.",
        "1 ligne répétait exactement une ligne précédente (la ligne 4 répète la ligne 2) ; elle a été "
        "importée une fois.",
    )
    assert report.notes[0].startswith("Ce fichier n'a pas de colonne d'identifiant de séance")


# -- the store's messages ------------------------------------------------------------------------------

def test_store_undo_and_erasure_messages_in_french(store, tmp_path):
    from alliance_metrics.erasure import erase_client
    from alliance_metrics.store import Store, StoreError
    from alliance_metrics.undo import delete_session, undo_import
    with use_language("fr"):
        with pytest.raises(StoreError, match="Il n'y a pas de base de données à .*nowhere.duckdb"):
            Store(tmp_path / "nowhere.duckdb", create=False)
        with pytest.raises(ValueError, match="Il n'y a pas d'import n° 7. La page Vos données liste les imports."):
            undo_import(store, 7)
        with pytest.raises(ValueError, match="Il n'y a pas de séance 'S9' : rien n'a été supprimé."):
            delete_session(store, "S9")
        with pytest.raises(ValueError, match="Aucun client 'C9' dans la base : rien n'a été effacé."):
            erase_client(store, "C9")
        with store.transaction() as cursor:   # written by hand, bypassing the checks
            cursor.execute("insert into settings (name, value) values ('k_anonymity', 3)")
        problem = store.setting_problems()["k_anonymity"]
        label = SETTINGS_BY_NAME["k_anonymity"].title()
    assert problem.startswith(f"La base de données contient 3 pour le réglage « {label} », ce qui n'est pas permis")
    assert "k_anonymity" not in problem and "La valeur par défaut, 11, s'applique" in problem


def test_supervisor_file_errors_in_french():
    from alliance_metrics.supervisor_file import ExportError, loads_export
    with use_language("fr"), pytest.raises(ExportError, match="Ce n'est pas un export pour superviseur : son "
                                                                "format n'est pas 'alliance-supervisor-export'"):
        loads_export(b'{"format": "autre"}')


def test_signed_points_follow_each_language():
    from alliance_metrics.report import signed_points
    with use_language("fr"):    # French: singular below 2, decimal comma
        assert [signed_points(1), signed_points(-1.2, 1), signed_points(0.5, 1), signed_points(3)] == [
            "+1 point", "-1,2 point", "+0,5 point", "+3 points"]
    assert [signed_points(1), signed_points(-1.2, 1), signed_points(0.5, 1), signed_points(0)] == [
        "+1 point", "-1.2 points", "+0.5 points", "+0 points"]


def test_mapping_file_errors_in_french():
    from alliance_metrics.labels import MappingError, read_mapping
    with use_language("fr"), pytest.raises(MappingError, match=r"La correspondance : \[dates\] order = 'jma' ; "
                                                                r"écrivez \"dmy\" \(jour d'abord"):
        read_mapping('[dates]\norder = "jma"\n')


def test_a_missing_required_cell_is_explained_in_french_with_the_columns_meaning(tmp_path):
    """The column catalogue's meanings reach the import report translated: a blank client_id said
    "client_id est obligatoire : your code for the client" before they were marked."""
    from alliance_metrics.columns import CLIENT_COLUMNS, SESSION_COLUMNS
    from alliance_metrics.i18n import _
    from alliance_metrics.ingest import ImportRejected, import_sessions
    from alliance_metrics.store import Store
    with use_language("fr"):
        assert [column.name for column in (*SESSION_COLUMNS, *CLIENT_COLUMNS) if _(column.meaning) == column.meaning] == []
        log = tmp_path / "log.csv"
        log.write_text("session_id,client_id,therapist_id,scheduled_start,status\nS1,,T1,2026-11-03 10:00,attended\n")
        store = Store(tmp_path / "alliance.duckdb")
        with pytest.raises(ImportRejected) as refused:
            import_sessions(store, log)
        store.close()
    assert [problem.reason for problem in refused.value.report.problems] == [
        "client_id est obligatoire : votre code du client"]
    # the exception's own words too, for a program that only prints it
    assert str(refused.value) == ("log.csv n'a pas été importé : 1 problème (le premier : ligne 2, colonne "
                                  "'client_id' : client_id est obligatoire : votre code du client)")
