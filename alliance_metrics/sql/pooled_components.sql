-- client_components (client_components.sql) over a window, added up over the clients of each
-- period ($period 'week', 'month' or 'quarter'; NULL: one row for the whole window): what
-- scores.pooled_scores adds before it applies the formulas, done here so that twelve weeks of a
-- million sessions send twelve rows to Python rather than 375,000.
-- Parameters: $grace_min, $late_cancel_hours, $payment_grace_days, $since (inclusive), $until
-- (exclusive), $period, and $therapist_id: only the clients whose latest therapist in the period
-- this is (NULL: every client). Counts are cast back to bigint (DuckDB's sum is a hugeint).
-- Sums of doubles are taken as exact decimals, as in client_components.sql: the same result
-- whatever order DuckDB's threads add the clients in.
select
    period_start,
    count(*)                                                               as clients,
    cast(sum(sessions_scheduled) as bigint)                                as sessions_scheduled,
    cast(sum(attended) as bigint)                                          as attended,
    cast(sum(no_shows) as bigint)                                          as no_shows,
    cast(sum(late_cancellations) as bigint)                                as late_cancellations,
    cast(sum(timely_cancellations) as bigint)                              as timely_cancellations,
    cast(sum(therapist_cancellations) as bigint)                           as therapist_cancellations,
    cast(sum(on_time_arrivals) as bigint)                                  as on_time_arrivals,
    cast(sum(timed_arrivals) as bigint)                                    as timed_arrivals,
    cast(sum(cast(homework_sum as decimal(38, 12))) as double)             as homework_sum,
    cast(sum(homework_n) as bigint)                                        as homework_n,
    cast(sum(cast(involvement_sum as decimal(38, 12))) as double)          as involvement_sum,
    cast(sum(involvement_n) as bigint)                                     as involvement_n,
    cast(sum(paid_on_time) as bigint)                                      as paid_on_time,
    cast(sum(payable) as bigint)                                           as payable,
    cast(sum(therapist_on_time_starts) as bigint)                          as therapist_on_time_starts,
    cast(sum(therapist_timed_starts) as bigint)                            as therapist_timed_starts,
    cast(sum(cast(alliance_sum as decimal(38, 12))) as double)             as alliance_sum,
    cast(sum(alliance_n) as bigint)                                        as alliance_n,
    cast(sum(billable_missed) as bigint)                                   as billable_missed,
    cast(sum(cast(billable_amount as decimal(38, 12))) as double)          as billable_amount
from client_components($grace_min, $late_cancel_hours, $payment_grace_days,
                       $since, $until, $period, NULL)
where $therapist_id is null or therapist_id = $therapist_id
group by period_start
order by period_start;
