-- client_components (client_components.sql) over all time, read from the totals that every write
-- keeps current (client_totals.sql, client_totals_refresh.sql). Parameter: $client_id (one
-- client, or NULL for all). Sorted here: a refresh appends the clients it recomputed at the end
-- of the table, so the order the rows were written in is no longer the clients' order.
select *
from client_totals
where cast($client_id as varchar) is null or client_id = $client_id
order by client_id;
