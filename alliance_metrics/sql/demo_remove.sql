-- Empty the store of the demo practice before a real import (inside the import's transaction).
delete from sessions;
delete from clients;
delete from imports;
