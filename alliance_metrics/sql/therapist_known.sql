-- Whether the session log holds any session of $therapist_id.
select count(*) > 0
from sessions
where therapist_id = $therapist_id;
