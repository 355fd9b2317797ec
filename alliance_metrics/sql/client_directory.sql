-- The clients file (identifying: display_name and goal are for therapist pages only).
select client_id, display_name, goal, goal_baseline, goal_target, intake_date,
       contract_signed_on, therapist_id
from clients
order by client_id;
