-- The file's session ids that the store holds already, found in one scan of the stored sessions
-- (the probable-duplicate check and the insert each scanned them for it: at nine million stored
-- sessions, 0.4 s a scan). Read after the rows without an id took their stored session's id; the
-- import changes no stored id before its insert, so the list holds until then.
create or replace temp table stored_session_ids as
select session_id
from sessions
where session_id in (select session_id from parsed_sessions);
