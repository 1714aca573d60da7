-- Whether `flows` is a view (this version) or a table (a database written before flows became a
-- view over flow_records), so that a load can drop it either way.
-- Reads: information_schema.tables. Writes: nothing. Params: none.
SELECT table_type
FROM information_schema.tables
WHERE table_schema = 'main' AND table_name = 'flows';
