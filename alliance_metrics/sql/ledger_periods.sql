-- Every period the ledger holds a figure for.
select distinct period
from release_ledger
order by period;
