-- Load summary: files and directories that could not be read (wholly or in part), and file-level
-- problems such as ignored Parquet columns.
-- Reads: malformed. Writes: nothing. Params: none.
SELECT source_file, reason
FROM malformed
WHERE line_number IS NULL
ORDER BY source_file, reason;
