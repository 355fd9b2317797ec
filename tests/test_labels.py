"""Header aliases, status labels and the mapping file (alliance_metrics.labels, SPEC §3.2–3.3)."""

from __future__ import annotations

import pytest

from alliance_metrics.labels import (
    CLIENT_HEADERS,
    HEADERS,
    SESSION_HEADERS,
    STATUS_LABELS,
    Mapping,
    HeaderProblem,
    MappingError,
    label_key,
    match_headers,
    party_of,
    read_mapping,
    status_of,
)
from alliance_metrics.problems import accepted_labels, reason


def test_label_key_ignores_case_accents_punctuation_and_spaces():
    assert label_key("  Présent ") == label_key("present") == label_key("PRESENT") == "present"
    assert label_key("No-Show") == label_key("no_show") == label_key("No Show") == "no show"
    assert label_key("Date d'annulation") == "date d annulation"
    assert label_key("Durée (min)") == "duree min"
    assert label_key(" ✓ ") == "✓"  # nothing but punctuation: keyed as itself


@pytest.mark.parametrize("kind", HEADERS)
def test_no_header_alias_means_two_columns(kind):
    seen: dict[str, str] = {}
    for name, aliases in HEADERS[kind].items():
        for alias in (name, *aliases):
            assert seen.setdefault(label_key(alias), name) == name, alias


def test_no_status_label_means_two_statuses():
    seen: dict[str, str] = {}
    for name, labels in STATUS_LABELS.items():
        for label in (name, *labels):
            assert seen.setdefault(label_key(label), name) == name, label


@pytest.mark.parametrize("status, labels", [
    # SPEC §3.2, "accepted at least"
    ("attended", ["attended", "show", "showed", "present", "présent", "honoré", "venu"]),
    ("cancelled", ["cancelled", "canceled", "annulé", "absent excusé"]),
    ("late_cancel", ["late cancelled", "late canceled", "late cancel", "annulation tardive"]),
    ("no_show", ["no show", "no-show", "absent", "absent non excusé"]),
    ("booked", ["booked", "scheduled", "planned", "prévu", "à venir"]),
])
def test_spec_status_labels(status, labels):
    for label in labels:
        assert status_of(label) == (status, None), label
        assert status_of(f" {label.upper()} ") == (status, None), label


@pytest.mark.parametrize("label", ["clinician canceled", "cancelled by therapist",
                                   "annulé par le thérapeute", "Clinician Canceled"])
def test_therapist_cancellation_labels(label):
    assert status_of(label) == ("cancelled", "therapist")


def test_unknown_label_is_none_and_mapping_wins():
    assert status_of("Yes") is None
    mapping = Mapping(statuses={"yes": "no_show", "Present": "no_show"})
    assert status_of("YES", mapping) == ("no_show", None)
    assert status_of("présent", mapping) == ("no_show", None)  # overrides the built-in label


def test_party_labels():
    assert party_of("Client") == "client"
    assert party_of("thérapeute") == party_of("therapist") == "therapist"
    assert party_of("someone") is None


def test_accepted_statuses_lists_labels_and_the_mapping_advice():
    text = accepted_labels("status", Mapping(statuses={"Venu(e)": "attended"}))
    assert "attended: Venu(e), attended, show" in text
    assert "absent non excusé" in text
    assert '[status] "Your label" = "no_show"' in text


def test_match_headers_aliases_in_english_and_french():
    match = match_headers(["Patient", "Date et heure", "État", "Honoraires", "Payé le", "SRS",
                           "Objectif", "Exercices", "Implication", "Retard", "Notes"], "sessions")
    assert match.columns == {
        "client_id": 0, "scheduled_start": 1, "status": 2, "fee": 3, "paid_on": 4,
        "alliance_rating": 5, "goal_rating": 6, "homework_done": 7, "engagement": 8,
        "client_late_min": 9,
    }
    assert match.problems == ()
    assert match.warnings == ("Column 'Notes' is not part of the session log and was ignored.",)


def test_match_headers_same_word_differs_by_file_kind():
    # 'Objectif' is the goal rating in a session log, the goal's wording in a clients file
    assert match_headers(["client", "objectif"], "clients").columns == {"client_id": 0, "goal": 1}
    assert "goal" in CLIENT_HEADERS and "goal" not in SESSION_HEADERS


def test_missing_required_column_names_it_lists_headers_and_aliases():
    match = match_headers(["Client", "Date", "Tarif"], "sessions")
    [problem] = match.problems
    assert (problem.code, problem.field) == ("header_missing", "status")
    message = reason(problem.code, problem.field, **problem.values)
    assert "needs a status column" in message
    assert "Headers found: 'Client', 'Date', 'Tarif'" in message
    assert "statut" in message and "état" in message
    assert '[columns] status = "Your header"' in message


def test_two_headers_for_one_column_is_a_problem():
    match = match_headers(["Client", "Patient", "Date", "Status"], "sessions")
    assert match.problems == (HeaderProblem("header_ambiguous", "client_id", {"headers": ["Client", "Patient"]}),)
    assert reason("header_ambiguous", "client_id", **match.problems[0].values) == (
        "Columns 'Client' and 'Patient' both look like client_id. Keep one, or say which to "
        "use in a mapping file: [columns] client_id = \"Client\"."
    )


def test_mapping_columns_come_first():
    mapping = Mapping(columns={"client_id": "PatientId", "scheduled_start": "AppointmentDay"})
    match = match_headers(["PatientId", "Client", "AppointmentDay", "Status"], "sessions", mapping)
    assert match.columns == {"client_id": 0, "scheduled_start": 2, "status": 3}
    assert match.warnings == (
        "Column 'Client' was ignored: the mapping file reads client_id from 'PatientId'.",
    )


def test_read_mapping_spec_example(tmp_path):
    path = tmp_path / "map.toml"
    path.write_text(
        '[columns]\nclient_id = "PatientId"\nscheduled_start = "AppointmentDay"\n'
        'status = "No-show"\n\n[status]\n"Yes" = "no_show"\n"No" = "attended"\n',
        encoding="utf-8",
    )
    mapping = read_mapping(path)
    assert mapping == read_mapping(str(path)) == read_mapping(path.read_bytes())
    assert mapping.columns == {"client_id": "PatientId", "scheduled_start": "AppointmentDay",
                               "status": "No-show"}
    assert mapping.statuses == {"Yes": "no_show", "No": "attended"}


@pytest.mark.parametrize("text, expected", [
    ('[columns]\npatient = "X"', "'patient', which is not a column Alliance knows. Known columns: session_id"),
    ('[status]\n"Yes" = "gone"', "maps 'Yes' to 'gone', which is not a status. Allowed: attended"),
    ('[colums]\nclient_id = "X"', "has the section(s) [colums]"),
    ('[columns]\nclient_id = "X"\nfee = "x"', "gives the header 'x' to both client_id and fee"),
    ('[status]\n"Oui" = "no_show"\n"oui" = "attended"', "these are one label"),
    ('[columns]\nclient_id = 3', 'write name = "header in your file"'),
    ('[columns]\nfee = ["A", "B"]', "only scheduled_start and cancelled_at can be"),
    ('[dates]\norder = "myd"', 'write "dmy" (day first'),
    ('[dates]\ntimezone = "Paris"', "is not a time-zone name"),
    ('[dates]\nformat = "%Y"', "has no day (%d) and month (%m)"),
    ('[dates]\nzone = "UTC"', "[dates] has zone"),
    ('[columns\nclient_id = "X"', "is not valid TOML"),
])
def test_read_mapping_errors_say_what_to_change(text, expected):
    with pytest.raises(MappingError, match=None) as raised:
        read_mapping(text)
    assert expected in str(raised.value)


def test_read_mapping_missing_file(tmp_path):
    with pytest.raises(MappingError, match="There is no mapping file"):
        read_mapping(tmp_path / "nope.toml")


def test_mapping_status_may_name_a_known_label_and_dates_and_two_columns():
    # the README's example maps a label to another label, not to a canonical status
    mapping = read_mapping('[columns]\nscheduled_start = ["Date of Service", "Time"]\n'
                           '[status]\n"Clinician Canceled" = "cancelled by therapist"\n'
                           '"Show" = "Présent"\n'
                           '[dates]\norder = "MDY"\ntimezone = "America/New_York"\n')
    assert mapping.statuses == {"Clinician Canceled": "therapist_cancel", "Show": "attended"}
    assert mapping.columns == {"scheduled_start": ("Date of Service", "Time")}
    assert (mapping.date_order, mapping.timezone, mapping.date_format) == ("mdy", "America/New_York", None)
    assert read_mapping(mapping.to_toml()) == mapping
    match = match_headers(["Client", "Date of Service", "Time", "Status"], "sessions", mapping)
    assert match.columns == {"client_id": 0, "scheduled_start": (1, 2), "status": 3}


def test_camel_case_headers_and_french_session_numbers():
    match = match_headers(["PatientId", "AppointmentID", "AppointmentDay", "Status"], "sessions")
    assert match.columns == {"client_id": 0, "session_id": 1, "scheduled_start": 2, "status": 3}
    match = match_headers(["N° séance", "Code client", "Date", "Statut", "Réglé"], "sessions")
    assert match.columns == {"session_id": 0, "client_id": 1, "scheduled_start": 2, "status": 3,
                             "paid": 4}
