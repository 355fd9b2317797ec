-- Schema version 6 (erasures survive a restore): the clients erased from this database, so that
-- restoring an older backup erases them again (GDPR art. 17: an erasure is for good).
-- client_key is HMAC-SHA256(practice secret, 'client:' || client_id) in hex (erasure.py): no client
-- id in clear, and not a plain hash either, because client codes are short and guessable (hashing
-- every code from A0001 to Z9999 would take a second); without the practice key file, which lives
-- outside the database, nobody can test a guessed id against this list.

create table erased_clients (
    client_key  varchar primary key,
    erased_at   timestamp not null
);
