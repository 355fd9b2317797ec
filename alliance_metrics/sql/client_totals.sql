-- client_totals: each client's components over all time under the practice's current contract
-- parameters, so that reading every client's all-time scores does not re-aggregate the session
-- log. Rebuilt inside every write transaction, just before it commits (Store.transaction), so the
-- totals always commit — or roll back — together with the sessions, clients and settings they
-- are made of. Parameters: $grace_min, $late_cancel_hours, $payment_grace_days.
create or replace table client_totals as
select *
from client_components($grace_min, $late_cancel_hours, $payment_grace_days, null, null, null, null)
order by client_id;
