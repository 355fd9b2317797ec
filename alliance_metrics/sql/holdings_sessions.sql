-- What the session log holds: how many clients, sessions and therapists, and its date range.
select count(distinct client_id) as clients, count(*) as sessions,
       count(distinct therapist_id) as therapists, min(scheduled_start) as first_session,
       max(scheduled_start) as last_session
from sessions;
