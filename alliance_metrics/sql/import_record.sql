-- One row of import history per file, committed or rejected; returns its import_id.
insert into imports (kind, file_name, sha256, outcome, rows_rejected)
values ($kind, $file_name, $sha256, $outcome, $rows_rejected)
returning import_id;
