-- Every import, newest first, with why it cannot be undone (NULL: it can). An import can be undone
-- while it changed no row stored before it and every row it inserted still carries its import_id.
with held as (
    select import_id, count(*) as rows_held from sessions group by import_id
    union all
    select import_id, count(*) as rows_held from clients group by import_id
),
per_import as (
    select import_id, sum(rows_held) as rows_held from held group by import_id
)
select
    imports.import_id, imports.imported_at, imports.kind, imports.file_name, imports.outcome,
    imports.rows_inserted, imports.rows_updated, imports.rows_unchanged, imports.rows_rejected,
    undone_imports.undone_at,
    case
        when undone_imports.import_id is not null then 'undone'
        when imports.outcome <> 'imported' then 'nothing was imported'
        when imports.rows_updated > 0 then 'it changed sessions stored before it'
        when coalesce(per_import.rows_held, 0) <> imports.rows_inserted
            then 'a later import changed its rows'
        when imports.rows_inserted = 0 then 'it added nothing'
    end as why_not_undoable
from imports
left join undone_imports using (import_id)
left join per_import using (import_id)
order by imports.import_id desc;
