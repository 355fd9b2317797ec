-- Schema version 4 (release ledger): every figure the supervisor's view has released (SPEC §6,
-- "No differencing, ever"), so that a later release of the same cell gives the same figure.
-- One row per released row of a supervisor table: the table, the closed period, the scope
-- ('practice' or 'therapist:<therapist_id>'), the row's key (a measure, or measure|bin) and the
-- row's aggregates as JSON (counts of distinct clients, means, medians, correlations, bin edges,
-- whether it is suppressed). No client id, name, date or per-client value is ever written here,
-- and erasing a client leaves this table as it is: frozen figures are never recomputed.

create table release_ledger (
    table_name  varchar not null,
    period      varchar not null,
    scope       varchar not null,
    row_key     varchar not null,
    figures     varchar not null,
    released_at timestamp not null,
    primary key (table_name, period, scope, row_key)
);
