-- parsed_sessions: each row of the session log as the sessions table will hold it, with the
-- list of its rejected values (NULL when it has none). One pass over the file.
-- Reads: staged_sessions (the file's cells as text under <column>_text, blank = NULL, with the
-- spreadsheet line), status_labels and party_labels (the file's own labels, matched in Python
-- by alliance_metrics.labels), paid_labels likewise. Parameters: $yes_words, $no_words,
-- $status_reason, $party_reason, $paid_reason, $date_formats, $file_zone, $practice_zone,
-- $date_reason (what a date may be, in this file's order), $paid_as_of (ingest.py says which).
create or replace temp table parsed_sessions as
with

staged as (
    -- a row with no value in any column the importer reads is no row (e.g. an empty line)
    select *
    from staged_sessions
    where coalesce(
        session_id_text, client_id_text, therapist_id_text, scheduled_start_text,
        duration_min_text, status_text, cancelled_by_text, cancelled_at_text,
        client_late_min_text, therapist_late_min_text, homework_done_text, engagement_text,
        alliance_rating_text, goal_rating_text, fee_text, paid_on_text, paid_text
    ) is not null
),

typed as (
    select
        staged.*,
        status_labels.status,
        status_labels.cancelled_by as label_cancelled_by,
        party_labels.party as given_cancelled_by,
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
        paid_labels.paid
    from staged
    left join status_labels on status_labels.label = staged.status_text
    left join party_labels on party_labels.label = staged.cancelled_by_text
    left join paid_labels on paid_labels.label = staged.paid_text
),

checked as (
    select
        *,
        list_filter([
            case when client_id_text is null then problem('client_id', client_id_text,
                'client_id is required: the code of the client') end,
            case when scheduled_start_text is null then problem('scheduled_start', scheduled_start_text,
                'scheduled_start is required: the date and time of the session') end,
            case when scheduled_start_text is not null and scheduled_start is null then problem('scheduled_start', scheduled_start_text,
                'scheduled_start must be a date and time: ' || $date_reason) end,
            case when duration_min_text is not null and not coalesce(duration_min between 1 and 1440, false) then problem('duration_min', duration_min_text,
                'duration_min must be a whole number of minutes from 1 to 1440') end,
            case when status_text is null then problem('status', status_text,
                'status is required: attended, cancelled, late_cancel, no_show or booked') end,
            case when status_text is not null and status is null then problem('status', status_text,
                $status_reason) end,
            case when cancelled_by_text is not null and given_cancelled_by is null then problem('cancelled_by', cancelled_by_text,
                $party_reason) end,
            case when given_cancelled_by is not null and status not in ('cancelled', 'late_cancel') then problem('cancelled_by', cancelled_by_text,
                'cancelled_by is only for cancellations, and this session''s status is ' || status) end,
            case when given_cancelled_by <> label_cancelled_by then problem('cancelled_by', cancelled_by_text,
                'the status says the ' || label_cancelled_by || ' cancelled, but cancelled_by says the ' || given_cancelled_by) end,
            case when cancelled_at_text is not null and cancelled_at is null then problem('cancelled_at', cancelled_at_text,
                'cancelled_at must be a date and time: ' || $date_reason) end,
            case when cancelled_at is not null and status not in ('cancelled', 'late_cancel') then problem('cancelled_at', cancelled_at_text,
                'cancelled_at is only for cancellations, and this session''s status is ' || status) end,
            case when cancelled_at > scheduled_start then problem('cancelled_at', cancelled_at_text,
                'cancelled_at is after scheduled_start (' || strftime(scheduled_start, '%Y-%m-%d %H:%M') || '): a cancellation is made before the session') end,
            case when client_late_min_text is not null and not coalesce(client_late_min between -1440 and 1440, false) then problem('client_late_min', client_late_min_text,
                'client_late_min must be a number of minutes from -1440 to 1440 (0 or less is on time)') end,
            case when therapist_late_min_text is not null and not coalesce(therapist_late_min between -1440 and 1440, false) then problem('therapist_late_min', therapist_late_min_text,
                'therapist_late_min must be a number of minutes from -1440 to 1440 (0 or less is on time)') end,
            case when homework_done_text is not null and not coalesce(homework_done between 0 and 1, false) then problem('homework_done', homework_done_text,
                'homework_done must be a share from 0 to 1 (0.5 = half the agreed practice) or yes/no (oui/non); leave it blank when no practice was agreed') end,
            case when engagement_text is not null and not coalesce(engagement between 1 and 5, false) then problem('engagement', engagement_text,
                'engagement must be a whole number from 1 to 5') end,
            case when alliance_rating_text is not null and not coalesce(alliance_rating between 0 and 40, false) then problem('alliance_rating', alliance_rating_text,
                'alliance_rating must be a number from 0 to 40') end,
            case when goal_rating_text is not null and not coalesce(goal_rating between 0 and 10, false) then problem('goal_rating', goal_rating_text,
                'goal_rating must be a number from 0 to 10') end,
            case when fee_text is not null and not coalesce(fee >= 0, false) then problem('fee', fee_text,
                'fee must be a number, 0 or more') end,
            case when paid_on_text is not null and paid_on is null then problem('paid_on', paid_on_text,
                'paid_on must be a date: ' || $date_reason) end,
            case when paid_text is not null and paid is null then problem('paid', paid_text, $paid_reason) end
        ], lambda p: p is not null) as problems
    from typed
),

final as (
    select
        line,
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
