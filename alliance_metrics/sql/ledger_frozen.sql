-- The (table, period) pairs of these tables and periods that the ledger holds.
select distinct table_name, period
from release_ledger
where list_contains($tables, table_name) and list_contains($periods, period);
