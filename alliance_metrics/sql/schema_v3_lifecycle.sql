-- Schema version 3 (issue 13, the data lifecycle): the audit log, the rows imports replaced (so that
-- an import can be undone) and the record of undone imports.
-- audit_log is append-only (no code path updates or deletes a row) and hash-chained: each row's
-- row_hash is SHA-256 over the previous row's hash and this row's fields (audit.py), so changing,
-- inserting or removing a row in the middle breaks the chain `audit --verify` checks.
-- It holds who did what and how many rows it touched: never clinical content, never a client's
-- id or name.

create table audit_log (
    seq         bigint primary key,
    logged_at   timestamp not null,
    actor       varchar not null,
    action      varchar not null,
    details     varchar not null,   -- JSON object of counts and setting values
    prev_hash   varchar not null,
    row_hash    varchar not null
);

create table undone_imports (
    import_id   integer primary key,
    undone_at   timestamp not null default current_localtimestamp()
);

-- The stored rows an import updated, as they were before it (replaced_by: that import), so that
-- undoing it puts them back. Same columns as the tables they copy, without their constraints; a
-- column a later release adds to sessions or clients is added here when first needed (undo.py).
create table replaced_sessions as select cast(null as integer) as replaced_by, * from sessions limit 0;
create table replaced_clients as select cast(null as integer) as replaced_by, * from clients limit 0;
