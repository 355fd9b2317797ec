-- parsed_sessions: each row of the session log as the sessions table will hold it, with the
-- list of its rejected values (NULL when it has none). One pass over the file.
-- Reads: staged_sessions (the file's cells as text under <column>_text, blank = NULL, with the
-- spreadsheet line, or NULL where ingest.py numbers the rows after this query). Parameters: the
-- file's own labels that alliance_metrics.labels recognises and their meanings, as lists
-- ($status_labels, $statuses, $status_cancelled_by, $party_labels, $parties, $paid_labels,
-- $paid_values: ingest._label_params); $yes_words, $no_words, $date_formats, $file_zone,
-- $practice_zone, $paid_as_of (ingest.py says which), and the bounds $<column>_low,
-- $<column>_high of each bounded column, from the column catalogue (columns.range_parameters).
-- Problems are codes; their words are made in Python.
-- No join: the rows are written in the file's order (a plan of "Batch Create Table As",
-- tests/test_ingest_streaming.py), which numbers the rows of a file read as it streams.
create or replace temp table parsed_sessions as
with

staged as (
    -- every row, in the file's order; a row with no value in any column the importer reads (e.g.
    -- a line of separators only) is no row: marked blank, and deleted by ingest.py once the
    -- rows are numbered (a file read as it streams is numbered by its rows' places)
    select
        *,
        coalesce(
            session_id_text, client_id_text, therapist_id_text, scheduled_start_text,
            duration_min_text, status_text, cancelled_by_text, cancelled_at_text,
            client_late_min_text, therapist_late_min_text, homework_done_text, engagement_text,
            alliance_rating_text, goal_rating_text, fee_text, paid_on_text, paid_text
        ) is null as blank
    from staged_sessions
),

typed as (
    select
        staged.*,
        label_lookup($status_labels, $statuses, status_text) as status,
        label_lookup($status_labels, $status_cancelled_by, status_text) as label_cancelled_by,
        label_lookup($party_labels, $parties, cancelled_by_text) as given_cancelled_by,
        coalesce(therapist_id_text, 'default') as therapist_id,
        parse_timestamp(scheduled_start_text, $date_formats, $file_zone, $practice_zone) as scheduled_start,
        case when duration_min_text is null then 60 else parse_whole(duration_min_text) end as duration_min,
        parse_timestamp(cancelled_at_text, $date_formats, $file_zone, $practice_zone) as cancelled_at,
        parse_number(client_late_min_text) as client_late_min,
        parse_number(therapist_late_min_text) as therapist_late_min,
        parse_share(homework_done_text, $yes_words, $no_words) as homework_done,
        parse_whole(engagement_text) as engagement,
        parse_number(alliance_rating_text) as alliance_rating,
        parse_number(goal_rating_text) as goal_rating,
        parse_number(fee_text) as fee,
        parse_date(paid_on_text, $date_formats, $file_zone, $practice_zone) as paid_on,
        label_lookup($paid_labels, $paid_values, paid_text) as paid
    from staged
),

checked as (
    -- each problem (a one-item list): column, cell, code (alliance_metrics/problems.py words it),
    -- detail
    select
        *,
        -- a list only where a check fails: list_concat skips the NULLs (building a list of every
        -- check's outcome for each row, then filtering it, took 15 % longer at a million rows)
        list_concat(
            case when client_id_text is null then problem('client_id', client_id_text, 'missing', null) end,
            case when scheduled_start_text is null then problem('scheduled_start', scheduled_start_text, 'missing', null) end,
            case when scheduled_start_text is not null and scheduled_start is null then problem('scheduled_start', scheduled_start_text,
                date_code(scheduled_start_text), null) end,
            case when duration_min_text is not null and not coalesce(duration_min between $duration_min_low and $duration_min_high, false) then problem('duration_min', duration_min_text,
                number_code(duration_min_text, $duration_min_low, $duration_min_high), null) end,
            case when status_text is null then problem('status', status_text, 'missing', null) end,
            case when status_text is not null and status is null then problem('status', status_text, 'unknown_label', null) end,
            case when cancelled_by_text is not null and given_cancelled_by is null then problem('cancelled_by', cancelled_by_text, 'unknown_label', null) end,
            case when given_cancelled_by is not null and status not in ('cancelled', 'late_cancel') then problem('cancelled_by', cancelled_by_text,
                'only_for_cancellations', status) end,
            case when given_cancelled_by <> label_cancelled_by then problem('cancelled_by', cancelled_by_text,
                'cancelled_by_contradicts_status', label_cancelled_by) end,
            case when cancelled_at_text is not null and cancelled_at is null then problem('cancelled_at', cancelled_at_text,
                date_code(cancelled_at_text), null) end,
            case when cancelled_at is not null and status not in ('cancelled', 'late_cancel') then problem('cancelled_at', cancelled_at_text,
                'only_for_cancellations', status) end,
            case when cancelled_at > scheduled_start then problem('cancelled_at', cancelled_at_text,
                'cancelled_after_start', strftime(scheduled_start, '%Y-%m-%d %H:%M')) end,
            case when client_late_min_text is not null and not coalesce(client_late_min between $client_late_min_low and $client_late_min_high, false) then problem('client_late_min', client_late_min_text,
                number_code(client_late_min_text, $client_late_min_low, $client_late_min_high), null) end,
            case when therapist_late_min_text is not null and not coalesce(therapist_late_min between $therapist_late_min_low and $therapist_late_min_high, false) then problem('therapist_late_min', therapist_late_min_text,
                number_code(therapist_late_min_text, $therapist_late_min_low, $therapist_late_min_high), null) end,
            case when homework_done_text is not null and not coalesce(homework_done between $homework_done_low and $homework_done_high, false) then problem('homework_done', homework_done_text,
                number_code(homework_done_text, $homework_done_low, $homework_done_high), null) end,
            case when engagement_text is not null and not coalesce(engagement between $engagement_low and $engagement_high, false) then problem('engagement', engagement_text,
                number_code(engagement_text, $engagement_low, $engagement_high), null) end,
            case when alliance_rating_text is not null and not coalesce(alliance_rating between $alliance_rating_low and $alliance_rating_high, false) then problem('alliance_rating', alliance_rating_text,
                number_code(alliance_rating_text, $alliance_rating_low, $alliance_rating_high), null) end,
            case when goal_rating_text is not null and not coalesce(goal_rating between $goal_rating_low and $goal_rating_high, false) then problem('goal_rating', goal_rating_text,
                number_code(goal_rating_text, $goal_rating_low, $goal_rating_high), null) end,
            case when fee_text is not null and not coalesce(fee between $fee_low and $fee_high, false) then problem('fee', fee_text,
                number_code(fee_text, $fee_low, $fee_high), null) end,
            case when paid_on_text is not null and paid_on is null then problem('paid_on', paid_on_text, date_code(paid_on_text), null) end,
            case when paid_text is not null and paid is null then problem('paid', paid_text, 'unknown_label', null) end
        ) as problems
    from typed
),

final as (
    select
        line,
        blank,
        -- no session_id in the file: the client and the start identify the session
        coalesce(session_id_text, client_id_text || '@' || strftime(scheduled_start, '%Y-%m-%dT%H:%M:%S')) as session_id,
        session_id_text is null as id_made,
        client_id_text as client_id,
        therapist_id,
        scheduled_start,
        try_cast(duration_min as integer) as duration_min,
        status,
        case when status in ('cancelled', 'late_cancel')
             then coalesce(given_cancelled_by, label_cancelled_by, 'client') end as cancelled_by,
        cancelled_at,
        client_late_min,
        therapist_late_min,
        homework_done,
        try_cast(engagement as tinyint) as engagement,
        alliance_rating,
        goal_rating,
        fee,
        paid_on,
        paid,
        cast($paid_as_of as date) as paid_as_of,
        nullif(problems, []) as problems
    from checked
)

select * from final;
