"""Files shaped like what practices really export (issue 10): every date form, the day/month
order decided from the file or refused (SPEC §3.5), time zones, two-column dates, the paid flag,
session identity without ids, and the grouped report."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from alliance_metrics.ingest import ImportRejected, import_sessions, read_mapping
from alliance_metrics.score_queries import client_scores


def write(folder, name, text, encoding="utf-8"):
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


def starts(store):
    return [row[0] for row in store.query(
        "select scheduled_start from sessions order by scheduled_start").itertuples(index=False)]


def rejected(store, path, **options):
    with pytest.raises(ImportRejected) as raised:
        import_sessions(store, path, **options)
    return raised.value.report


# -- dates and times, every form -------------------------------------------------------------------


@pytest.mark.parametrize("written, expected", [
    ("2016-04-29", datetime(2016, 4, 29, 0, 0)),                     # a date alone: midnight
    ("2016-04-29T09:30", datetime(2016, 4, 29, 9, 30)),
    ("2016-04-29T09:30:15", datetime(2016, 4, 29, 9, 30, 15)),
    ("2016-04-29T09:30:15.250", datetime(2016, 4, 29, 9, 30, 15, 250000)),
    ("2016-04-29 9:30", datetime(2016, 4, 29, 9, 30)),
    ("29.04.2016 09:30", datetime(2016, 4, 29, 9, 30)),             # dotted, 29 settles day first
    ("29-04-2016 09:30", datetime(2016, 4, 29, 9, 30)),
    ("04/29/2016 9:30 AM", datetime(2016, 4, 29, 9, 30)),           # 29 second: month first
    ("04/29/2016 9:30 pm", datetime(2016, 4, 29, 21, 30)),
    ("04/29/2016 12:05 AM", datetime(2016, 4, 29, 0, 5)),           # 12 AM is just after midnight
    ("4/29/2016 9:30PM", datetime(2016, 4, 29, 21, 30)),
    ("29/04/2016 14h00", datetime(2016, 4, 29, 14, 0)),
    ("2016/04/29 14:00", datetime(2016, 4, 29, 14, 0)),             # year first needs no order
])
def test_each_date_form_in_a_file_that_settles_its_order(store, tmp_path, written, expected):
    import_sessions(store, write(tmp_path, "log.csv", f"client,date,status\nC1,{written},attended\n"))
    assert starts(store) == [expected]


@pytest.mark.parametrize("written, zone, expected", [
    # 09:30 UTC is 11:30 in Paris in summer (UTC+2) and 10:30 in winter (UTC+1)
    ("2016-04-29T09:30:00Z", "Europe/Paris", datetime(2016, 4, 29, 11, 30)),
    ("2016-01-29T09:30:00Z", "Europe/Paris", datetime(2016, 1, 29, 10, 30)),
    ("2016-04-29T09:30:00+02:00", "Europe/Paris", datetime(2016, 4, 29, 9, 30)),
    ("2016-04-29 09:30:00 +0200", "Europe/Paris", datetime(2016, 4, 29, 9, 30)),
    # 09:30 in New York (UTC-4 in April) is 13:30 UTC
    ("2016-04-29T09:30:00-04:00", "UTC", datetime(2016, 4, 29, 13, 30)),
    ("2016-04-29T00:00:00Z", "UTC", datetime(2016, 4, 29, 0, 0)),
])
def test_times_with_a_zone_become_the_practice_s_local_time(store, tmp_path, written, zone, expected):
    store.set_setting("timezone", zone)
    import_sessions(store, write(tmp_path, "log.csv", f"client,date,status\nC1,{written},attended\n"))
    assert starts(store) == [expected]


def test_mapping_timezone_is_the_zone_of_naive_times(store, tmp_path):
    store.set_setting("timezone", "Europe/Paris")
    path = write(tmp_path, "log.csv", "client,date,status,paid_on\n"
                                      "C1,2026-03-02 09:00,attended,2026-03-02\n")
    import_sessions(store, path, mapping='[dates]\ntimezone = "America/New_York"\n')
    # 09:00 in New York (UTC-5 on 2 March) is 14:00 UTC, 15:00 in Paris (UTC+1); a date alone
    # (paid_on) is a day, not converted
    assert starts(store) == [datetime(2026, 3, 2, 15, 0)]
    assert store.scalar("select paid_on from sessions") == date(2026, 3, 2)


def test_excel_date_cells_and_a_time_column(store, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Client", "Date of Service", "Time", "Status"])
    sheet.append(["C1", datetime(2026, 11, 2), "9:30 AM", "Show"])
    sheet.append(["C1", datetime(2026, 11, 9, 14, 0), None, "Show"])    # a date-and-time cell
    workbook.save(tmp_path / "log.xlsx")
    import_sessions(store, tmp_path / "log.xlsx")
    assert starts(store) == [datetime(2026, 11, 2, 9, 30), datetime(2026, 11, 9, 14, 0)]


def test_declared_format(store, tmp_path):
    path = write(tmp_path, "log.csv", "client,date,status\nC1,02-03-2026 at 14.30,attended\n")
    import_sessions(store, path, mapping='[dates]\nformat = "%m-%d-%Y at %H.%M"\n')
    assert starts(store) == [datetime(2026, 2, 3, 14, 30)]   # the format says month first


# -- day first or month first: decided by the file, never guessed (SPEC §3.5) -------------------------

US_EXPORT = (  # SimplePractice-like: the date and the time in two columns, labels of its own
    "Client,Date of Service,Time,Status,Fee,Client Payment Status\n"
    "C1,11/02/2026,9:30 AM,Show,90,Paid\n"
    "C1,11/09/2026,9:30 AM,No Show,90,Unpaid\n"
    "C2,11/03/2026,2:00 PM,Late Cancelled,90,Unpaid\n"
    "C2,11/10/2026,2:00 PM,Clinician Canceled,0,\n"
    "C2,11/17/2026,2:00 PM - 2:50 PM,Show,90,Paid\n"
)


def test_month_first_file_is_read_month_first(store, tmp_path):
    import_sessions(store, write(tmp_path, "export.csv", US_EXPORT))
    # 11/17/2026 can only be month first, so 11/02/2026 is 2 November (not 11 February)
    assert starts(store) == [datetime(2026, 11, 2, 9, 30), datetime(2026, 11, 3, 14, 0),
                             datetime(2026, 11, 9, 9, 30), datetime(2026, 11, 10, 14, 0),
                             datetime(2026, 11, 17, 14, 0)]
    assert store.query("select status, coalesce(cancelled_by, '-') from sessions "
                       "order by scheduled_start").values.tolist() == [
        ["attended", "-"], ["late_cancel", "client"], ["no_show", "-"], ["cancelled", "therapist"],
        ["attended", "-"]]


def test_undecided_file_is_refused_naming_both_readings(store, tmp_path):
    undecided = US_EXPORT.replace("11/17/2026", "11/12/2026")   # every field 12 or less
    report = rejected(store, write(tmp_path, "export.csv", undecided))
    [group] = report.groups
    assert "'11/02/2026 9:30 AM' (line 2) can be read two ways" in group.reason
    assert "11 February 2026 (day first) or 2 November 2026 (month first)" in group.reason
    assert '[dates] order = "dmy"' in group.reason and "date_order in Settings" in group.reason
    assert store.scalar("select count(*) from sessions") == 0


@pytest.mark.parametrize("how", ["mapping", "setting"])
def test_declared_order_reads_an_undecided_file(store, tmp_path, how):
    undecided = US_EXPORT.replace("11/17/2026", "11/12/2026")
    mapping = None
    if how == "mapping":
        mapping = '[dates]\norder = "mdy"\n'
    else:
        store.set_setting("date_order", "mdy")
    import_sessions(store, write(tmp_path, "export.csv", undecided), mapping=mapping)
    assert starts(store)[0] == datetime(2026, 11, 2, 9, 30)


def test_the_file_settles_the_order_over_the_setting(store, tmp_path):
    store.set_setting("date_order", "dmy")
    import_sessions(store, write(tmp_path, "export.csv", US_EXPORT))   # 11/17/2026: month first
    assert starts(store)[0] == datetime(2026, 11, 2, 9, 30)


def test_a_file_that_contradicts_itself_is_refused(store, tmp_path):
    path = write(tmp_path, "log.csv", "client,date,status\nC1,29/04/2016 09:30,attended\n"
                                      "C1,04/30/2016 09:30,attended\n")
    [group] = rejected(store, path).groups
    assert "line 2 has '29/04/2016 09:30'" in group.reason
    assert "line 3 has '04/30/2016 09:30'" in group.reason


def test_a_date_against_the_declared_order_is_refused_with_a_hint(store, tmp_path):
    path = write(tmp_path, "log.csv", "client,date,status\nC1,04/29/2016 09:30,attended\n"
                                      "C1,04/30/2016 09:30,attended\n")
    [group] = rejected(store, path, mapping='[dates]\norder = "dmy"\n').groups
    assert (group.column, group.count, group.lines, group.example) == (
        "date", 2, (2, 3), "04/29/2016 09:30")
    assert group.hint.startswith('These dates look month first: add [dates] order = "mdy"')


def test_five_thousand_rows_with_one_bad_date_are_refused_with_a_grouped_report(store, tmp_path):
    lines = [f"C{n % 40},2026-{1 + n % 12:02d}-{1 + n % 28:02d} {8 + n % 10}:00,attended"
             for n in range(5000)]
    lines[2345] = "C5,2026-02-30 09:00,attended"     # 30 February
    path = write(tmp_path, "log.csv", "client,date,status\n" + "\n".join(lines) + "\n")
    report = rejected(store, path)
    assert report.rows_read == 5000
    [group] = report.groups
    # lines[2345] is file line 2345 + 2 (the header is line 1)
    assert (group.column, group.count, group.lines, group.example) == ("date", 1, (2347,), "2026-02-30 09:00")
    assert store.scalar("select count(*) from sessions") == 0


# -- session identity ------------------------------------------------------------------------------

FRENCH = (
    "N° séance;Code client;Date;Statut;Tarif;Réglé\n"
    "101;C1;02/03/2026 14h00;présent;60;oui\n"
    "102;C1;16/03/2026 14h00;absent;60;non\n"
    "103;C2;03/03/2026 10h00;annulé;60;\n"
)


def test_french_session_numbers_update_a_moved_session(store, tmp_path):
    import_sessions(store, write(tmp_path, "séances.csv", FRENCH))
    moved = FRENCH.replace("03/03/2026 10h00", "03/03/2026 11h00")
    report = import_sessions(store, write(tmp_path, "séances.csv", moved))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    assert store.query("select session_id, scheduled_start from sessions where session_id = '103'"
                       ).values.tolist() == [["103", datetime(2026, 3, 3, 11, 0)]]


def test_a_log_reimported_without_its_ids_matches_the_stored_sessions(store, tmp_path):
    import_sessions(store, write(tmp_path, "log.csv", FRENCH))
    without_ids = "\n".join(line.split(";", 1)[1] for line in FRENCH.splitlines()) + "\n"
    report = import_sessions(store, write(tmp_path, "again.csv", without_ids))
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 3)
    assert store.scalar("select count(*) from sessions") == 3
    assert "no session id column" in report.notes[0]


def test_invisible_characters_in_ids_make_no_second_copy(store, tmp_path):
    import_sessions(store, write(tmp_path, "log.csv", "session_id,client,date,status\n"
                                                      "S1,C1,2026-03-02 14:00,attended\n"))
    # a BOM, a zero-width space, a NUL and a no-break space around the same ids
    path = tmp_path / "again.csv"
    path.write_bytes("session_id,client,date,status\n"
                     "\ufeffS1\u200b,C1\x00,2026-03-02 14:00,attended\n".encode("utf-8"))
    report = import_sessions(store, path)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 1)
    assert store.query("select session_id, client_id from sessions").values.tolist() == [["S1", "C1"]]


def test_a_new_id_on_a_stored_client_and_start_is_a_probable_duplicate(store, tmp_path):
    import_sessions(store, write(tmp_path, "log.csv", "session_id,client,date,status\n"
                                                      "S1,C1,2026-03-02 14:00,attended\n"))
    report = rejected(store, write(tmp_path, "other.csv", "session_id,client,date,status\n"
                                                          "X9,C1,2026-03-02 14:00,attended\n"))
    [problem] = report.problems
    assert (problem.line, problem.column, problem.value) == (2, "session_id", "X9")
    assert "probable duplicate" in problem.reason and "'S1'" in problem.reason


def test_a_stored_session_moved_away_frees_its_slot(store, tmp_path):
    import_sessions(store, write(tmp_path, "log.csv", "session_id,client,date,status\n"
                                                      "S1,C1,2026-03-02 14:00,attended\n"))
    report = import_sessions(store, write(tmp_path, "fixed.csv", "session_id,client,date,status\n"
                                                                 "S1,C1,2026-03-02 15:00,attended\n"
                                                                 "S2,C1,2026-03-02 14:00,no_show\n"))
    assert (report.inserted, report.updated) == (1, 1)


# -- the paid flag (SPEC §4) -----------------------------------------------------------------------


def test_paid_flags_without_dates_count_in_payment(store, tmp_path):
    # sessions long before today: an unpaid fee is past its grace and counts against the client
    import_sessions(store, write(tmp_path, "export.csv", US_EXPORT.replace("2026", "2024")))
    scores = client_scores(store).set_index("client_id")
    # C1: attended Paid, no-show Unpaid → 1 paid of 2 due = 50
    # C2: late cancel Unpaid (due), therapist cancellation (not due), attended Paid → 1 of 2 = 50
    assert scores.loc["C1", "payment"] == 50.0
    assert scores.loc["C2", "payment"] == 50.0


def test_an_unpaid_flag_is_not_late_until_its_grace_has_passed(store, tmp_path):
    today = date.today()
    log = ("client,date,status,fee,paid\n"
           f"C1,{today:%Y-%m-%d} 09:00,attended,60,unpaid\n"     # not due yet: not counted
           f"C2,{today:%Y-%m-%d} 09:00,attended,60,payé\n")      # paid: counted, on time
    import_sessions(store, write(tmp_path, "log.csv", log))
    scores = client_scores(store).set_index("client_id")
    assert scores.loc["C1", "payment"] != scores.loc["C1", "payment"]   # undefined (NaN), never 0
    assert scores.loc["C2", "payment"] == 100.0


def test_no_payment_column_means_payment_undefined_not_zero(store, tmp_path):
    import_sessions(store, write(tmp_path, "log.csv", "client,date,status,fee\n"
                                                      "C1,2024-03-02 09:00,attended,60\n"))
    payment = client_scores(store).set_index("client_id").loc["C1", "payment"]
    assert payment != payment   # NaN: no paid_on and no paid flag, so no fee is known unpaid


# -- the README's mapping example ------------------------------------------------------------------


def test_readme_mapping_example_is_accepted(store, tmp_path):
    mapping = read_mapping('[status]\n"Clinician Canceled" = "cancelled by therapist"\n')
    assert mapping.statuses == {"Clinician Canceled": "therapist_cancel"}


def test_kaggle_like_no_show_export(store, tmp_path):
    text = ("PatientId,AppointmentID,Gender,ScheduledDay,AppointmentDay,Age,No-show\n"
            "29872499824296,5642903,F,2016-04-29T18:38:08Z,2016-04-29T00:00:00Z,62,No\n"
            "558997776694438,5642503,M,2016-04-27T16:08:27Z,2016-04-29T00:00:00Z,56,Yes\n")
    mapping = ('[columns]\nscheduled_start = "AppointmentDay"\nstatus = "No-show"\n'
               '[status]\n"Yes" = "no_show"\n"No" = "attended"\n')
    store.set_setting("timezone", "UTC")
    report = import_sessions(store, write(tmp_path, "KaggleV2-May-2016.csv", text), mapping=mapping)
    assert report.inserted == 2
    assert store.query("select session_id, client_id, scheduled_start, status from sessions "
                       "order by session_id").values.tolist() == [
        ["5642503", "558997776694438", datetime(2016, 4, 29), "no_show"],
        ["5642903", "29872499824296", datetime(2016, 4, 29), "attended"],
    ]
