-- Parsers for imported cells (SPEC §3.1, §3.4): text in, typed value out, NULL when the text
-- does not parse. Blank cells are NULL before they get here, so a NULL out of a non-NULL cell
-- means "bad value": the parse queries report it as a problem, never replace it by a default.
-- Temporary macros: they exist on the importing cursor only.

-- A cell as text: surrounding spaces, tabs, line breaks and no-break spaces removed; blank = NULL.
-- (trim() alone removes spaces only; the slower trim of the others runs where one is found.)
create or replace temp macro cell_text(cell) as nullif(
    case when contains(cell, chr(9)) or contains(cell, chr(160)) or contains(cell, chr(8239))
              or contains(cell, chr(10))
         then trim(cell, ' ' || chr(9) || chr(10) || chr(13) || chr(160) || chr(8239))
         else trim(cell) end,
    '');
-- The same, for a file that holds none of those characters (ingest.py checks its bytes).
create or replace temp macro cell_text_spaces(cell) as nullif(trim(cell), '');

-- A number: decimal point or comma; spaces (also no-break ones) as thousands separators and
-- a currency sign are dropped ("1 200,50 €" = 1200.5). NaN and infinities are not numbers.
create or replace temp macro finite_or_null(x) as case when isfinite(x) then x end;
create or replace temp macro parse_number(cell) as finite_or_null(coalesce(
    try_cast(cell as double),
    try_cast(replace(regexp_replace(cell, '[\s\x{00A0}\x{202F}€$£]', '', 'g'), ',', '.') as double)
));

-- A whole number ("3" or "3,0"; not "3.5").
create or replace temp macro whole_or_null(x) as case when x = floor(x) then try_cast(x as bigint) end;
create or replace temp macro parse_whole(cell) as whole_or_null(parse_number(cell));

-- A share from 0 to 1, or a yes/no word (yes = 1, no = 0; the word lists come from labels.py).
create or replace temp macro parse_share(cell, yes_words, no_words) as case
    when list_contains(yes_words, lower(cell)) then 1.0
    when list_contains(no_words, lower(cell)) then 0.0
    else parse_number(cell)
end;

-- A local date and time: ISO 8601 (space or T, seconds optional) or day first
-- (02/03/2026 14:00 is 2 March; 14h00 also). A four-digit year from 1900 to 2100.
-- (A format that fails costs time, so the day-first formats are tried only on cells with a '/'.)
create or replace temp macro plausible_or_null(ts) as case when year(ts) between 1900 and 2100 then ts end;
create or replace temp macro parse_timestamp(cell) as plausible_or_null(case
    when contains(cell, '/') then try_strptime(cell, ['%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %Hh%M'])
    else try_strptime(cell, ['%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M',
                             '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S.%f'])
end);

-- A date: 2026-03-02 or 02/03/2026 (day first), or a date and time (its date is kept).
create or replace temp macro parse_date(cell) as case
    when length(cell) > 10 then cast(parse_timestamp(cell) as date)
    when contains(cell, '/') then cast(plausible_or_null(try_strptime(cell, '%d/%m/%Y')) as date)
    else cast(plausible_or_null(try_strptime(cell, '%Y-%m-%d')) as date)
end;

-- One rejected value, as the parse queries list them.
create or replace temp macro problem(field, cell, reason) as
    {'field': field, 'value': cell, 'reason': reason};
