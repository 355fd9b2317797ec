-- Add the file's clients that the store does not hold yet. Parameter: $import_id.
insert into clients (
    client_id, display_name, goal, goal_baseline, goal_target, intake_date,
    contract_signed_on, therapist_id, import_id
)
select
    client_id, display_name, goal, goal_baseline, goal_target, intake_date,
    contract_signed_on, therapist_id, $import_id
from parsed_clients as incoming
where not exists (select 1 from clients where clients.client_id = incoming.client_id);
