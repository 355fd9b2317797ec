-- Schema version 5 (issue 10, importing what practices export): the paid flag, text settings, saved mappings.

-- sessions.paid: whether the fee is paid, from a `paid` column (Paid/Unpaid, oui/non…) when the
-- file has no paid_on column; NULL when unknown. sessions.paid_as_of: for a session from a file
-- without paid_on, the day of the import that brought it (an unpaid flag counts against the
-- client only once the session is more than payment_grace_days before that day); NULL for a
-- session from a file with paid_on, where a blank paid_on is unpaid (SPEC §4).
alter table sessions add column paid boolean;
alter table sessions add column paid_as_of date;

-- A setting holds a number (value) or, for a setting with choices, a text (text_value).
alter table settings add column text_value varchar;
alter table settings alter column value drop not null;

-- The column and label choices made on the Import page, offered again for a file whose headers
-- are the same (headers_key: its headers as label_key writes them, joined by a tab).
create table saved_mappings (
    name         varchar primary key,
    headers_key  varchar not null,
    mapping_toml varchar not null,
    saved_at     timestamp not null default current_localtimestamp()
);
