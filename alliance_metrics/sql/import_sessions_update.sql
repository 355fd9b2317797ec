-- Rewrite the stored sessions that the file changes (same session_id, some value different);
-- a session the file repeats unchanged is left as it is, import_id and paid_as_of included.
-- Parameter: $import_id.
update sessions
set
    client_id = incoming.client_id,
    therapist_id = incoming.therapist_id,
    scheduled_start = incoming.scheduled_start,
    duration_min = incoming.duration_min,
    status = incoming.status,
    cancelled_by = incoming.cancelled_by,
    cancelled_at = incoming.cancelled_at,
    client_late_min = incoming.client_late_min,
    therapist_late_min = incoming.therapist_late_min,
    homework_done = incoming.homework_done,
    engagement = incoming.engagement,
    alliance_rating = incoming.alliance_rating,
    goal_rating = incoming.goal_rating,
    fee = incoming.fee,
    paid_on = incoming.paid_on,
    paid = incoming.paid,
    paid_as_of = incoming.paid_as_of,
    import_id = $import_id
from parsed_sessions as incoming
where sessions.session_id = incoming.session_id
  and (
        sessions.client_id, sessions.therapist_id, sessions.scheduled_start, sessions.duration_min,
        sessions.status, sessions.cancelled_by, sessions.cancelled_at, sessions.client_late_min,
        sessions.therapist_late_min, sessions.homework_done, sessions.engagement,
        sessions.alliance_rating, sessions.goal_rating, sessions.fee, sessions.paid_on, sessions.paid
      ) is distinct from (
        incoming.client_id, incoming.therapist_id, incoming.scheduled_start, incoming.duration_min,
        incoming.status, incoming.cancelled_by, incoming.cancelled_at, incoming.client_late_min,
        incoming.therapist_late_min, incoming.homework_done, incoming.engagement,
        incoming.alliance_rating, incoming.goal_rating, incoming.fee, incoming.paid_on, incoming.paid
      );
