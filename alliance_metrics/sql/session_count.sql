-- How many sessions the store holds.
select count(*)
from sessions;
