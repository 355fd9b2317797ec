-- The audit log, oldest first.
select *
from audit_log
order by seq;
