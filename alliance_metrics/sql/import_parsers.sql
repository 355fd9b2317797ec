-- Parsers for imported cells (SPEC §3.1, §3.4): text in, typed value out, NULL when the text
-- does not parse. Blank cells are NULL before they get here, so a NULL out of a non-NULL cell
-- means "bad value": the parse queries report it as a problem, never replace it by a default.
-- Temporary macros: they exist on the importing cursor only.

-- trim(cell), only where the cell holds a space: trim writes a new string even when there is
-- nothing to trim, and most cells (numbers, identifiers) hold none (at 10,000,000 sessions the
-- parse took 11.3–12.5 s this way, 12.2–12.8 s trimming every cell).
create or replace temp macro spaces_trimmed(cell) as case when contains(cell, ' ') then trim(cell) else cell end;
-- A cell as text: surrounding spaces, tabs, line breaks and no-break spaces removed; blank = NULL.
-- (trim() alone removes spaces only; the slower trim of the others runs where one is found.)
create or replace temp macro cell_text(cell) as nullif(
    case when contains(cell, chr(9)) or contains(cell, chr(160)) or contains(cell, chr(8239))
              or contains(cell, chr(10))
         then trim(cell, ' ' || chr(9) || chr(10) || chr(13) || chr(160) || chr(8239))
         else spaces_trimmed(cell) end,
    '');
-- The same, for a file that holds none of those characters (ingest.py checks its bytes).
create or replace temp macro cell_text_spaces(cell) as nullif(spaces_trimmed(cell), '');

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
-- list_position, not list_contains: DuckDB turns the latter into a join, which may write the
-- parsed rows out of the file's order (see import_sessions_parse.sql).
create or replace temp macro parse_share(cell, yes_words, no_words) as case
    when list_position(yes_words, lower(cell)) is not null then 1.0
    when list_position(no_words, lower(cell)) is not null then 0.0
    else parse_number(cell)
end;

-- An identifier: also without the invisible characters a copy and paste or an export leaves
-- (control characters such as NUL, the soft hyphen, zero-width spaces and joiners, the BOM).
create or replace temp macro clean_id(cell) as nullif(trim(regexp_replace(cell,
    '[\x00-\x1F\x7F\x{00AD}\x{200B}-\x{200F}\x{2060}-\x{2064}\x{FEFF}]', '', 'g')), '');

-- Dates and times (SPEC §3, §3.5). $formats is the list of strftime formats for dates written
-- with slashes or dots, day or month first as ingest.py decided from the whole file (never
-- guessed); file_zone is the zone of the file's times without a zone, practice_zone the
-- practice's. A four-digit year from 1900 to 2100.
create or replace temp macro plausible_or_null(ts) as case when year(ts) between 1900 and 2100 then ts end;
-- ISO 8601 starts 2026-…; a zone is a final Z, or a + or - after the date part, after at least
-- hours and minutes (2026-03-02T14:00Z: 17 characters; the length test comes first as it is the
-- cheapest, and spares the common 2026-03-02 14:00 the rest).
create or replace temp macro iso_cell(cell) as cell[5] = '-';
create or replace temp macro zoned_cell(cell) as length(cell) > 16 and iso_cell(cell)
    and (upper(cell[-1]) = 'Z' or contains(substr(cell, 11), '+') or contains(substr(cell, 12), '-'));
-- 29.04.2016 and 29-04-2016 as 29/04/2016; "9:30am", "9:30 a.m." as "9:30 AM"; runs of spaces as one.
create or replace temp macro written_date(cell) as regexp_replace(regexp_replace(regexp_replace(
    cell, '^(\d{1,2})[.\-](\d{1,2})[.\-](\d{4})', '\1/\2/\3'),
    '\s*([AaPp])\.?\s?[Mm]\.?$', ' \1M'), '\s+', ' ', 'g');
create or replace temp macro naive_timestamp(cell, formats) as case
    when iso_cell(cell) then coalesce(try_cast(cell as timestamp),
        try_strptime(cell, ['%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f',
                            '%Y-%m-%d %I:%M %p', '%Y-%m-%d %Hh%M']))
    else coalesce(try_strptime(cell, formats), try_strptime(written_date(cell), formats))
end;
create or replace temp macro parse_timestamp(cell, formats, file_zone, practice_zone) as plausible_or_null(case
    when zoned_cell(cell) then timezone(practice_zone,
        try_cast(regexp_replace(upper(cell), '\s+([+\-])', '\1') as timestamptz))
    -- a date alone is a day, not an instant: no zone to convert
    when length(cell) <= 10 or file_zone = practice_zone then naive_timestamp(cell, formats)
    else timezone(practice_zone, timezone(file_zone, naive_timestamp(cell, formats)))
end);
-- A date cell and a time cell as one (SPEC §3.3): "11/02/2026" and "9:30 AM" (or "9:30 AM - 10:20 AM",
-- whose end is dropped). A date cell that holds a time already (longer than a date) is kept whole.
create or replace temp macro date_and_time(day, time_of_day) as case
    when time_of_day is null or length(day) > 10 then day
    else day || ' ' || regexp_replace(time_of_day, '\s*[-–].*$', '')
end;
-- A date: as a date and time, its day kept.
create or replace temp macro parse_date(cell, formats, file_zone, practice_zone) as
    cast(parse_timestamp(cell, formats, file_zone, practice_zone) as date);

-- What a label of the file means: meanings[i] where labels[i] = cell, NULL for a label not listed.
-- The lists are made in Python (ingest._label_params, from alliance_metrics.labels).
create or replace temp macro label_lookup(labels, meanings, cell) as meanings[list_position(labels, cell)];

-- One rejected value, as a one-item list that the parse queries concatenate: its column, the
-- cell, a problem code and, where the code needs one, a detail. The words are made from the code in Python
-- (alliance_metrics/problems.py), never here.
create or replace temp macro problem(field, cell, code, detail) as
    [{'field': field, 'value': cell, 'code': code, 'detail': cast(detail as varchar)}];
-- Why a number cell was refused (its range bound from the column catalogue by ingest.py); run only
-- on refused cells. A number within the range is refused only because it is not whole.
create or replace temp macro number_code(cell, low, high) as case
    when parse_number(cell) is null then 'not_a_number'
    when parse_number(cell) between low and high then 'not_whole'
    else 'out_of_range'
end;
-- Why a date cell did not parse, when its shape says more than "not a date"; run only on refused
-- cells. Five digits: an Excel date serial (46329 is 3 Nov 2026) exported as a number. A two-digit
-- year (02/03/26): its century is never guessed. A month written as a word, English or French
-- (2 Nov 2026, 2 novembre 2026), beside a number.
create or replace temp macro date_code(cell) as case
    when regexp_full_match(cell, '\d{5}([.,]\d+)?') then 'date_excel_serial'
    when regexp_matches(cell, '^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}(\D|$)') then 'date_two_digit_year'
    when regexp_matches(cell, '\d') and regexp_matches(lower(cell), '(^|[^a-zà-ÿ])(jan|janv|janvier|january|feb|february'
        || '|f[ée]vr?|f[ée]vrier|mar|march|mars|apr|april|avr|avril|may|mai|jun|june|juin|jul|july|juil|juillet'
        || '|aug|august|ao[uû]t|sept?|september|septembre|oct|october|octobre|nov|november|novembre|dec|december'
        || '|d[ée]c|d[ée]cembre)\.?([^a-zà-ÿ]|$)')
        then 'date_month_name'
    else 'not_a_date'
end;
