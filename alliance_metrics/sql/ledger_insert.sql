-- New rows (the registered frame release_rows), except for a (table, period) the ledger holds
-- already: another view froze it first, and a released row never changes.
insert into release_ledger (table_name, period, scope, row_key, figures, released_at)
select table_name, period, scope, row_key, figures, current_localtimestamp()
from release_rows
where (table_name, period) not in (select (table_name, period) from release_ledger);
