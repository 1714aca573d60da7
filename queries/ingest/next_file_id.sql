-- The first free file number: 1 for a new load, after the last one when a load appends.
-- Reads: source_files. Writes: nothing. Params: none.
SELECT coalesce(max(file_id), 0) + 1 AS next_id
FROM source_files;
