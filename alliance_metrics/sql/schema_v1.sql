-- Schema version 1: the session log, the clients file, the import history and the settings.
-- Units live in column names (…_min, …_hours); timestamps are the practice's local time, without zone.

create table sessions (
    session_id          varchar primary key,
    client_id           varchar not null,
    therapist_id        varchar not null default 'default',
    scheduled_start     timestamp not null,
    duration_min        integer not null default 60 check (duration_min > 0),
    status              varchar not null
                        check (status in ('attended', 'cancelled', 'late_cancel', 'no_show', 'booked')),
    cancelled_by        varchar check (cancelled_by in ('client', 'therapist')),
    cancelled_at        timestamp,
    client_late_min     double,
    therapist_late_min  double,
    homework_done       double check (homework_done between 0 and 1),
    engagement          tinyint check (engagement between 1 and 5),
    alliance_rating     double check (alliance_rating between 0 and 40),
    goal_rating         double check (goal_rating between 0 and 10),
    fee                 double check (fee >= 0),
    paid_on             date,
    import_id           integer not null
);

create table clients (
    client_id           varchar primary key,
    display_name        varchar,
    goal                varchar,
    goal_baseline       double check (goal_baseline between 0 and 10),
    goal_target         double check (goal_target between 0 and 10),
    intake_date         date,
    contract_signed_on  date,
    therapist_id        varchar,
    import_id           integer not null
);

create sequence import_ids start 1;

create table imports (
    import_id       integer primary key default nextval('import_ids'),
    kind            varchar not null check (kind in ('sessions', 'clients')),
    file_name       varchar not null,
    sha256          varchar not null,
    imported_at     timestamp not null default current_localtimestamp(),
    outcome         varchar not null check (outcome in ('imported', 'rejected')),
    rows_inserted   integer not null default 0,
    rows_updated    integer not null default 0,
    rows_unchanged  integer not null default 0,
    rows_rejected   integer not null default 0
);

create table settings (
    name        varchar primary key,
    value       double not null,
    updated_at  timestamp not null default current_localtimestamp()
);
