-- How the file writes its dates with slashes or dots (SPEC §3.5): a first field above 12 can
-- only be a day (day first), a second field above 12 only a day (month first); both above 12
-- is no date at all, and settles nothing. Counts, and the
-- first line and cell of each kind, over the file's date columns.
-- Reads: date_cells (line, field, cell), the file's date columns one under the other.
with

numeric_dates as (
    select
        line, field, cell,
        regexp_extract(cell, '^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{4}', ['first', 'second']) as parts
    from date_cells
    where cell is not null and not iso_cell(cell)
),

read as (
    select line, field, cell, try_cast(parts.first as integer) as first, try_cast(parts.second as integer) as second
    from numeric_dates
    where parts.first <> ''
),

final as (
    select
        count(*) filter (first > 12 and second <= 12)                          as day_first,
        arg_min(line, line) filter (first > 12 and second <= 12)                as day_first_line,
        arg_min(field, line) filter (first > 12 and second <= 12)               as day_first_field,
        arg_min(cell, line) filter (first > 12 and second <= 12)                as day_first_cell,
        count(*) filter (second > 12 and first <= 12)                         as month_first,
        arg_min(line, line) filter (second > 12 and first <= 12)               as month_first_line,
        arg_min(field, line) filter (second > 12 and first <= 12)              as month_first_field,
        arg_min(cell, line) filter (second > 12 and first <= 12)               as month_first_cell,
        count(*) filter (first <= 12 and second <= 12)        as either,
        arg_min(line, line) filter (first <= 12 and second <= 12)  as either_line,
        arg_min(field, line) filter (first <= 12 and second <= 12) as either_field,
        arg_min(cell, line) filter (first <= 12 and second <= 12)  as either_cell
    from read
)

select * from final;
