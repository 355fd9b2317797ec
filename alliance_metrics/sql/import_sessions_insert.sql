-- Add the file's sessions that the store does not hold yet (stored_session_ids, listed while
-- the file was staged). Parameter: $import_id.
insert into sessions (
    session_id, client_id, therapist_id, scheduled_start, duration_min, status, cancelled_by,
    cancelled_at, client_late_min, therapist_late_min, homework_done, engagement,
    alliance_rating, goal_rating, fee, paid_on, paid, paid_as_of, import_id
)
select
    session_id, client_id, therapist_id, scheduled_start, duration_min, status, cancelled_by,
    cancelled_at, client_late_min, therapist_late_min, homework_done, engagement,
    alliance_rating, goal_rating, fee, paid_on, paid, paid_as_of, $import_id
from parsed_sessions as incoming
where not exists (select 1 from stored_session_ids as stored where stored.session_id = incoming.session_id);
