-- Per client and calendar month, from the client's own sessions before $until: their therapist,
-- whether the month holds their first session ever, and the month's last session — its outcome,
-- and whether no session of theirs follows within $gap_days (an ending). For the supervisor's
-- caseload flows (anonymise.py); identified rows, reduced to counts there at once.
-- Parameters: $grace_min, $late_cancel_hours, $payment_grace_days, $until, $gap_days.
with

own as (
    select client_id, therapist_id, scheduled_start, outcome
    from session_facts($grace_min, $late_cancel_hours, $payment_grace_days)
    where outcome in ('attended', 'no_show', 'late_cancel', 'timely_cancel')
      and scheduled_start < $until
),

sequenced as (
    select
        *,
        cast(date_trunc('month', scheduled_start) as date)                          as month,
        min(scheduled_start) over (partition by client_id)                           as first_start,
        lead(scheduled_start) over (partition by client_id order by scheduled_start) as next_start
    from own
),

final as (
    select
        client_id,
        month,
        arg_max(therapist_id, scheduled_start)                  as therapist_id,
        min(first_start) = min(scheduled_start)                 as first_month,
        max(scheduled_start)                                    as last_start,
        arg_max(outcome, scheduled_start)                       as last_outcome,
        arg_max(coalesce(next_start > scheduled_start + to_days(cast($gap_days as integer)), true),
                scheduled_start)                                as ends
    from sequenced
    group by client_id, month
)

select * from final;
