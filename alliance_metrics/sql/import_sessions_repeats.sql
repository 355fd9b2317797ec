-- Sessions that appear on more than one line of the file: their lines, and how many different
-- versions of the session those lines hold (1 = the lines agree: the session is kept once).
with

repeated as (
    select session_id
    from parsed_sessions
    where session_id is not null
    group by session_id
    having count(*) > 1
),

final as (
    select
        session_id,
        list(line order by line) as lines,
        count(distinct (
            client_id, therapist_id, scheduled_start, duration_min, status, cancelled_by,
            cancelled_at, client_late_min, therapist_late_min, homework_done, engagement,
            alliance_rating, goal_rating, fee, paid_on, paid
        )) as versions
    from parsed_sessions
    semi join repeated using (session_id)
    group by session_id
)

select * from final order by lines[1];
