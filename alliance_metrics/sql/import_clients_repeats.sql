-- Clients that appear on more than one line of the file: their lines, and how many different
-- versions of the client those lines hold (1 = the lines agree: the client is kept once).
with

repeated as (
    select client_id
    from parsed_clients
    where client_id is not null
    group by client_id
    having count(*) > 1
),

final as (
    select
        client_id,
        list(line order by line) as lines,
        count(distinct (
            display_name, goal, goal_baseline, goal_target, intake_date, contract_signed_on,
            therapist_id
        )) as versions
    from parsed_clients
    semi join repeated using (client_id)
    group by client_id
)

select * from final order by lines[1];
