-- Attended sessions with the session-level measures the relations use, for one therapist or
-- all (NULL). Only the columns needed: this feeds pandas, where width costs time.
select client_id, scheduled_start, engagement, homework_done, client_late_min, alliance_rating, goal_rating
from sessions
where status = 'attended'
  and (cast($therapist_id as varchar) is null or therapist_id = $therapist_id)
order by client_id, scheduled_start;
