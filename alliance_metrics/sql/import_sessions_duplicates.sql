-- Probable duplicates (SPEC §3.4): a session new to the store (its id is not stored) with the
-- client and start of a stored session under another id, which will still be there after this
-- import (the file does not move it elsewhere). Reads parsed_sessions, stored_session_ids and sessions.
with

new_sessions as (
    select line, session_id, client_id, scheduled_start
    from parsed_sessions as incoming
    where not id_made
      and not exists (select 1 from stored_session_ids as stored where stored.session_id = incoming.session_id)
),

final as (
    select new_sessions.line, new_sessions.session_id, new_sessions.client_id,
           new_sessions.scheduled_start, stored.session_id as stored_id
    from new_sessions
    join sessions as stored
      on stored.client_id = new_sessions.client_id
     and stored.scheduled_start = new_sessions.scheduled_start
    where not exists (
        select 1 from parsed_sessions as moved
        where moved.session_id = stored.session_id
          and (moved.client_id, moved.scheduled_start) is distinct from (stored.client_id, stored.scheduled_start)
    )
)

select * from final order by line;
