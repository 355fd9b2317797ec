-- client_components (client_components.sql) over a window, computed from the sessions.
-- Parameters: $grace_min, $late_cancel_hours, $payment_grace_days, $since (inclusive), $until
-- (exclusive), $period ('week', 'month', 'quarter' or NULL), $client_id (one client, or NULL).
select *
from client_components($grace_min, $late_cancel_hours, $payment_grace_days,
                       $since, $until, $period, $client_id)
order by client_id, period_start;
