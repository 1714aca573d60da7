-- Whether a name in the database is a view or a table ('VIEW', 'BASE TABLE'; no row: neither), so
-- that a load can handle a database written by an earlier version, where `flows` and
-- `flow_records` were tables.
-- Reads: information_schema.tables. Writes: nothing. Params: $name (VARCHAR).
SELECT table_type
FROM information_schema.tables
WHERE table_schema = 'main' AND table_name = $name;
