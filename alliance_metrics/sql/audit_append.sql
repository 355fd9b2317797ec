-- One row of the hash-chained audit log.
insert into audit_log values ($seq, $at, $actor, $action, $details, $prev, $hash);
