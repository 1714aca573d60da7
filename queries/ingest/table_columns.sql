-- The columns of a table (or view) of the database, with their types, in order: which columns a
-- flow store table has already, and the type each column of the view flow_records has.
-- Reads: information_schema.columns. Writes: nothing. Params: $name (VARCHAR).
SELECT column_name, data_type
FROM information_schema.columns
WHERE table_schema = 'main' AND table_name = $name
ORDER BY ordinal_position;
