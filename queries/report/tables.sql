-- The tables of the database (to check that an analysis is there before a report).
-- Reads: information_schema.tables. Writes: nothing. Params: none.
SELECT table_name
FROM information_schema.tables
WHERE table_schema = 'main';
