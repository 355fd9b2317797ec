-- Every import, newest first, with why it cannot be undone (NULL: it can). An import can be undone
-- while every row it wrote still carries its import_id (no later import changed them) and the rows
-- it updated were kept as they were before (replaced_sessions, replaced_clients).
with held as (
    select import_id, count(*) as rows_held from sessions group by import_id
    union all
    select import_id, count(*) as rows_held from clients group by import_id
),
per_import as (
    select import_id, sum(rows_held) as rows_held from held group by import_id
),
kept as (
    select replaced_by as import_id, count(*) as rows_kept from replaced_sessions group by replaced_by
    union all
    select replaced_by as import_id, count(*) as rows_kept from replaced_clients group by replaced_by
),
per_import_kept as (
    select import_id, sum(rows_kept) as rows_kept from kept group by import_id
)
select
    imports.import_id, imports.imported_at, imports.kind, imports.file_name, imports.outcome,
    imports.rows_inserted, imports.rows_updated, imports.rows_unchanged, imports.rows_rejected,
    undone_imports.undone_at,
    case
        when undone_imports.import_id is not null then 'undone'
        when imports.outcome <> 'imported' then 'nothing was imported'
        when imports.rows_inserted + imports.rows_updated = 0 then 'it changed nothing'
        when coalesce(per_import.rows_held, 0) <> imports.rows_inserted + imports.rows_updated
            then 'a later import changed its rows'
        when coalesce(per_import_kept.rows_kept, 0) <> imports.rows_updated
            then 'the rows it updated were not kept (it was made by an older release)'
    end as why_not_undoable
from imports
left join undone_imports using (import_id)
left join per_import using (import_id)
left join per_import_kept using (import_id)
order by imports.import_id desc;
