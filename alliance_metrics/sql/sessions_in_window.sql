-- Each session with its derived facts (session_facts), for one client or all (NULL), over
-- [$since, $until); booked sessions included (outcome 'booked'). Ordered by client, then start
-- (the order the needs-attention rules read; at a million sessions 0.3 s, against 0.75 s by start
-- then session_id).
select *
from session_facts($grace_min, $late_cancel_hours, $payment_grace_days)
where (cast($client_id as varchar) is null or client_id = $client_id)
  and (cast($therapist_id as varchar) is null or therapist_id = $therapist_id)
  and scheduled_start >= coalesce(cast($since as timestamp), '-infinity'::timestamp)
  and scheduled_start <  coalesce(cast($until as timestamp), 'infinity'::timestamp)
order by client_id, scheduled_start, session_id;
