-- client_components (client_components.sql) over all time, read from the totals that every write
-- keeps current (client_totals.sql). Parameter: $client_id (one client, or NULL for all).
-- In client_id order without an ORDER BY: client_totals.sql writes the rows in that order, and a
-- scan of one table with a WHERE returns rows in the order they were written (DuckDB's "order
-- preservation" guarantee, under its default preserve_insertion_order). That saves the sort,
-- a fifth of this read; tests/test_client_totals.py checks the order.
select *
from client_totals
where cast($client_id as varchar) is null or client_id = $client_id;
