-- Rewrite the stored clients that the file changes (same client_id, some value different);
-- a client the file repeats unchanged is left as it is, import_id included.
-- Parameter: $import_id.
update clients
set
    display_name = incoming.display_name,
    goal = incoming.goal,
    goal_baseline = incoming.goal_baseline,
    goal_target = incoming.goal_target,
    intake_date = incoming.intake_date,
    contract_signed_on = incoming.contract_signed_on,
    therapist_id = incoming.therapist_id,
    import_id = $import_id
from parsed_clients as incoming
where clients.client_id = incoming.client_id
  and (
        clients.display_name, clients.goal, clients.goal_baseline, clients.goal_target,
        clients.intake_date, clients.contract_signed_on, clients.therapist_id
      ) is distinct from (
        incoming.display_name, incoming.goal, incoming.goal_baseline, incoming.goal_target,
        incoming.intake_date, incoming.contract_signed_on, incoming.therapist_id
      );
