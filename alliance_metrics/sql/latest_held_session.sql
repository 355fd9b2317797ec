-- The start of the most recent held (not merely booked) session, of one therapist or all (NULL).
select max(scheduled_start)
from sessions
where status <> 'booked'
  and (cast($therapist_id as varchar) is null or therapist_id = $therapist_id);
