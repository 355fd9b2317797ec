-- The released rows of these tables and periods, of these scopes (or all when $all_scopes).
select table_name, period, scope, row_key, figures
from release_ledger
where list_contains($tables, table_name) and list_contains($periods, period)
  and ($all_scopes or list_contains($scopes, scope))
order by table_name, period, scope, row_key;
