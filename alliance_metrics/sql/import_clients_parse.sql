-- parsed_clients: each row of the clients file as the clients table will hold it, with the
-- list of its rejected values (NULL when it has none). One pass over the file.
-- Reads: staged_clients (the file's cells as text under <column>_text, blank = NULL, with the
-- spreadsheet line, or NULL where ingest.py numbers the rows after this query). Parameters:
-- $date_formats, $file_zone, $practice_zone (ingest.py), and the bounds $<column>_low,
-- $<column>_high from the column catalogue (columns.range_parameters).
create or replace temp table parsed_clients as
with

staged as (
    -- every row, in the file's order; a row with no value in any column the importer reads (e.g.
    -- a line of separators only) is no row: marked blank, and deleted by ingest.py once the
    -- rows are numbered (a file read as it streams is numbered by its rows' places)
    select
        *,
        coalesce(
            client_id_text, display_name_text, goal_text, goal_baseline_text,
            goal_target_text, intake_date_text, contract_signed_on_text, therapist_id_text
        ) is null as blank
    from staged_clients
),

typed as (
    select
        staged.*,
        parse_number(goal_baseline_text) as goal_baseline,
        case when goal_target_text is null then 10 else parse_number(goal_target_text) end as goal_target,
        parse_date(intake_date_text, $date_formats, $file_zone, $practice_zone) as intake_date,
        parse_date(contract_signed_on_text, $date_formats, $file_zone, $practice_zone) as contract_signed_on
    from staged
),

checked as (
    -- each problem (a one-item list): column, cell, code (alliance_metrics/problems.py words it),
    -- detail
    select
        *,
        -- a list only where a check fails: list_concat skips the NULLs (building a list of every
        -- check's outcome for each row, then filtering it, took 15 % longer at a million rows)
        list_concat(
            case when client_id_text is null then problem('client_id', client_id_text, 'missing', null) end,
            case when goal_baseline_text is not null and not coalesce(goal_baseline between $goal_baseline_low and $goal_baseline_high, false) then problem('goal_baseline', goal_baseline_text,
                number_code(goal_baseline_text, $goal_baseline_low, $goal_baseline_high), null) end,
            case when goal_target_text is not null and not coalesce(goal_target between $goal_target_low and $goal_target_high, false) then problem('goal_target', goal_target_text,
                number_code(goal_target_text, $goal_target_low, $goal_target_high), null) end,
            case when intake_date_text is not null and intake_date is null then problem('intake_date', intake_date_text,
                date_code(intake_date_text), null) end,
            case when contract_signed_on_text is not null and contract_signed_on is null then problem('contract_signed_on', contract_signed_on_text,
                date_code(contract_signed_on_text), null) end
        ) as problems
    from typed
),

final as (
    select
        line,
        blank,
        client_id_text as client_id,
        display_name_text as display_name,
        goal_text as goal,
        goal_baseline,
        goal_target,
        intake_date,
        contract_signed_on,
        therapist_id_text as therapist_id,
        nullif(problems, []) as problems
    from checked
)

select * from final;
