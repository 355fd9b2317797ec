-- Schema version 7 (the release ledger without its primary key): the first supervisor view of a
-- million-session practice writes 241,416 rows, and keeping their four-column key took 0.3 of its
-- 0.45 s (insert and commit; 0.15 s without it). Nothing needs it: a (table, period) is written
-- whole, once (ledger_insert.sql skips a pair the ledger holds), so a row is never written twice,
-- and a restore carries the replaced database's pairs over whole (backup.py).

create table release_ledger_unkeyed (
    table_name  varchar not null,
    period      varchar not null,
    scope       varchar not null,
    row_key     varchar not null,
    figures     varchar not null,
    released_at timestamp not null
);
insert into release_ledger_unkeyed select * from release_ledger;
drop table release_ledger;
alter table release_ledger_unkeyed rename to release_ledger;
