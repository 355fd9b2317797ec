-- The therapist ids in the session log, sorted.
select distinct therapist_id
from sessions
order by 1;
