-- The columns progress.trajectories needs: attended sessions (they number the sessions) and any
-- session that carries a goal rating, up to $until (exclusive; NULL = all).
select client_id, scheduled_start, status, goal_rating
from sessions
where (status = 'attended' or goal_rating is not null)
  and scheduled_start < coalesce(cast($until as timestamp), 'infinity'::timestamp)
order by client_id, scheduled_start;
