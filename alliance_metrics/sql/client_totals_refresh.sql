-- client_totals_refresh: the totals of client_totals.sql refreshed for the clients a write named
-- in the temporary table touched_clients (Store.transaction(totals="touched")), instead of rebuilt
-- for every client: the cost follows what the write touched, not the store's history. The same
-- macro as the rebuild, over those clients' sessions only; a named client with no session left
-- loses its row. (Bound parameters only reach the last statement: keep the insert last.)
-- Parameters: $grace_min, $late_cancel_hours, $payment_grace_days.
create or replace temp view touched_sessions as
select * from sessions semi join touched_clients using (client_id);

delete from client_totals where client_id in (select client_id from touched_clients);

insert into client_totals
select *
from client_components($grace_min, $late_cancel_hours, $payment_grace_days, null, null, null, null,
                       source := 'touched_sessions');
