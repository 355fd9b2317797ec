-- spreadsheet_safe(cell): a text cell that a spreadsheet would run as a formula — one beginning
-- with =, +, -, @, a tab or a carriage return (CSV injection, OWASP) — prefixed with an
-- apostrophe; any other value as it is. The rule of export.neutralise, in SQL, for files written
-- with COPY (export.write_csv). A temporary macro: it works on read-only databases too.
create or replace temp macro spreadsheet_safe(cell) as
    case when left(cell, 1) in ('=', '+', '-', '@', chr(9), chr(13)) then '''' || cell else cell end;
