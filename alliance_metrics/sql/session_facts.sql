-- session_facts(grace_min, late_cancel_hours, payment_grace_days, source := 'sessions'):
-- every logged session with the facts SPEC §4 derives from it, so that each score
-- can be explained by listing the sessions behind it. *source* names the table or view the
-- sessions are read from: 'sessions', or a subset of it with the same columns (the refresh of
-- some clients' totals reads 'touched_sessions', client_totals_refresh.sql). Recreated when the
-- code changes (store.py), so it always matches the code.
create or replace macro session_facts(grace_min, late_cancel_hours, payment_grace_days,
                                      source := 'sessions') as table
with

logged as (
    select * from query_table(source)
),

classified as (
    select
        *,
        -- notice in hours, fractional; NULL when cancelled_at is unknown
        (epoch(scheduled_start) - epoch(cancelled_at)) / 3600.0 as notice_hours,
        case
            when status = 'attended' then 'attended'
            when status = 'no_show' then 'no_show'
            when status = 'booked' then 'booked'
            -- a therapist's cancellation never counts against the client, however late
            when cancelled_by = 'therapist' then 'therapist_cancel'
            when status = 'late_cancel' then 'late_cancel'
            -- exactly late_cancel_hours of notice is timely; unknown notice counts as timely
            when (epoch(scheduled_start) - epoch(cancelled_at)) < late_cancel_hours * 3600.0
                then 'late_cancel'
            else 'timely_cancel'
        end as outcome
    from logged
),

derived as (
    select
        session_id,
        client_id,
        therapist_id,
        scheduled_start,
        cast(scheduled_start as date) as session_date,
        duration_min,
        status,
        cancelled_by,
        cancelled_at,
        notice_hours,
        outcome,
        client_late_min,
        therapist_late_min,
        homework_done,
        engagement,
        alliance_rating,
        goal_rating,
        fee,
        paid_on,
        -- paid or not, as far as the log says: from paid_on when the log has it (blank =
        -- unpaid), else from its paid flag; NULL when the log says nothing
        case when paid_on is not null then true
             when paid_as_of is null then false
             else paid end as paid,

        -- the contract's rule: a no-show or a late cancellation is billed, unless its fee is 0
        outcome in ('no_show', 'late_cancel') and coalesce(fee, 1) > 0 as billable,
        outcome in ('attended', 'no_show', 'late_cancel') as counts_in_attendance,

        case when outcome = 'attended' and client_late_min is not null
             then client_late_min <= grace_min end as client_on_time,
        case when outcome = 'attended' and therapist_late_min is not null
             then therapist_late_min <= grace_min end as therapist_on_time,

        case when outcome in ('attended', 'no_show', 'late_cancel') and fee > 0
             then cast(scheduled_start as date) + cast(payment_grace_days as integer) end as payment_due_on,
        -- SPEC §4: paid_on decides; a log without paid_on (paid_as_of set) may say paid or unpaid
        -- instead: paid counts as on time, unpaid counts against the client only once the session
        -- is more than payment_grace_days before the day it was imported; no word, no count
        case when outcome in ('attended', 'no_show', 'late_cancel') and fee > 0 then case
            when paid_on is not null
                then paid_on <= cast(scheduled_start as date) + cast(payment_grace_days as integer)
            when paid_as_of is null then false   -- the log has paid_on, blank here: unpaid
            when paid then true
            when not paid and cast(scheduled_start as date) + cast(payment_grace_days as integer) < paid_as_of
                then false
        end end as paid_on_time,

        case when outcome = 'attended' then homework_done end as homework_counted,
        case when outcome = 'attended' then (engagement - 1) / 4.0 end as involvement_counted
    from classified
),

final as (
    select
        *,
        -- which score each session counts in (besides counts_in_attendance above)
        client_on_time is not null                                          as counts_in_punctuality,
        homework_counted is not null or involvement_counted is not null     as counts_in_engagement,
        paid_on_time is not null                                            as counts_in_payment,
        therapist_on_time is not null                                       as counts_in_therapist_punctuality,
        alliance_rating is not null                                         as counts_in_alliance
    from derived
)

select * from final;
