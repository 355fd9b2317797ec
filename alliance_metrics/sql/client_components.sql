-- client_components(grace_min, late_cancel_hours, payment_grace_days,
--                   window_start, window_end, period_unit, only_client, source := 'sessions'):
-- per client (and per period when period_unit is 'week', 'month' or 'quarter'; NULL for the whole
-- window), over a window, the counts and sums every score of scores.py is made of.
-- window_start is inclusive and window_end exclusive (NULL for open ends); only_client is one
-- client_id, or NULL for all; source the table of sessions read (session_facts.sql). Booked
-- sessions have no outcome yet and count nowhere.
-- Recreated when the code changes (store.py), so it always matches the code. Read through
-- components_in_window.sql, and over all time from the table client_totals.sql keeps.
create or replace macro client_components(grace_min, late_cancel_hours, payment_grace_days,
                                          window_start, window_end, period_unit, only_client,
                                          source := 'sessions') as table
with

facts as (
    select *
    from session_facts(grace_min, late_cancel_hours, payment_grace_days, source := source)
    where outcome <> 'booked'
      and (cast(only_client as varchar) is null or client_id = only_client)
      and scheduled_start >= coalesce(cast(window_start as timestamp), '-infinity'::timestamp)
      and scheduled_start <  coalesce(cast(window_end as timestamp), 'infinity'::timestamp)
),

-- Sums of doubles are taken as exact decimals (12 places, then back to double): a double sum
-- depends on the order DuckDB's parallel threads add the rows in, and the same data imported twice
-- gave scores differing in the last digit. A decimal sum does not depend on the order.
per_client as (
    select
        client_id,
        date_trunc(cast(period_unit as varchar), scheduled_start) as period_start,
        arg_max(therapist_id, scheduled_start)                  as therapist_id,
        count(*)                                                as sessions_scheduled,
        count(*) filter (outcome = 'attended')                  as attended,
        count(*) filter (outcome = 'no_show')                   as no_shows,
        count(*) filter (outcome = 'late_cancel')               as late_cancellations,
        count(*) filter (outcome = 'timely_cancel')             as timely_cancellations,
        count(*) filter (outcome = 'therapist_cancel')          as therapist_cancellations,
        count(*) filter (client_on_time)                        as on_time_arrivals,
        count(client_on_time)                                   as timed_arrivals,
        coalesce(cast(sum(cast(homework_counted as decimal(38, 12))) as double), 0) as homework_sum,
        count(homework_counted)                                 as homework_n,
        coalesce(cast(sum(cast(involvement_counted as decimal(38, 12))) as double), 0) as involvement_sum,
        count(involvement_counted)                              as involvement_n,
        count(*) filter (paid_on_time)                          as paid_on_time,
        count(paid_on_time)                                     as payable,
        count(*) filter (therapist_on_time)                     as therapist_on_time_starts,
        count(therapist_on_time)                                as therapist_timed_starts,
        coalesce(cast(sum(cast(alliance_rating as decimal(38, 12))) as double), 0) as alliance_sum,
        count(alliance_rating)                                  as alliance_n,
        arg_min(goal_rating, scheduled_start) filter (goal_rating is not null) as first_goal_rating,
        arg_max(goal_rating, scheduled_start) filter (goal_rating is not null) as goal_latest,
        count(*) filter (billable)                              as billable_missed,
        coalesce(cast(sum(cast(fee as decimal(38, 12))) filter (billable) as double), 0) as billable_amount,
        min(scheduled_start)                                    as first_session,
        max(scheduled_start)                                    as last_session
    from facts
    group by client_id, period_start
),

final as (
    select
        per_client.*,
        coalesce(clients.goal_baseline, per_client.first_goal_rating) as goal_baseline,
        coalesce(clients.goal_target, 10.0)                           as goal_target
    from per_client
    left join clients using (client_id)
)

select * from final;
