-- The audit log's last row: its number and hash, which the next row chains to.
select seq, row_hash
from audit_log
order by seq desc
limit 1;
