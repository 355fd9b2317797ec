"""Tables send at most MAX_TABLE_ROWS rows to the browser, and say how many they leave out
(issue 16: the weekly review once shipped 5.7 MB for a table of 17,000 rows)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.widgets import MAX_TABLE_ROWS


def sessions_script(n: int) -> None:
    import pandas as pd

    from ui.widgets import session_table

    frame = pd.DataFrame({"scheduled_start": pd.date_range("2026-03-02 09:00", periods=n, freq="h"),
                          "outcome": ["attended"] * n, "alliance_rating": [38.0] * n})
    session_table(frame, key="sessions", narrow="Choose a shorter period.")


def test_a_long_session_table_is_cut_and_says_so():
    at = AppTest.from_function(sessions_script, args=(1_200,)).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == MAX_TABLE_ROWS
    assert at.dataframe[0].value.scheduled_start.iloc[0].hour == 9   # the first rows, in the given order
    assert [c.value for c in at.caption] == [f"The first {MAX_TABLE_ROWS} of 1,200 sessions are shown. "
                                             "Choose a shorter period."]


def test_a_table_within_the_cap_is_whole_and_silent():
    at = AppTest.from_function(sessions_script, args=(MAX_TABLE_ROWS,)).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == MAX_TABLE_ROWS
    assert not at.caption
