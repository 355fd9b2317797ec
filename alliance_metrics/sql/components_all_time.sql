-- client_components (client_components.sql) over all time, read from the totals that every write
-- keeps current (client_totals.sql). Parameter: $client_id (one client, or NULL for all).
select *
from client_totals
where cast($client_id as varchar) is null or client_id = $client_id
order by client_id;
