-- Quarantines, as one malformed row each with line_number NULL, every file of a load that could
-- not be read whole: the files of file_rows with an error (see insert_files.sql).
-- Reads: file_rows (Arrow, registered by the caller). Writes: malformed_loading. Params: none.
INSERT INTO malformed_loading (source_file, line_number, reason, raw)
SELECT source_file, NULL, error, NULL
FROM file_rows
WHERE error IS NOT NULL;
