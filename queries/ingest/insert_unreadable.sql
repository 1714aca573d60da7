-- Quarantines a whole file (or directory) that could not be read, or a file-level problem, as one
-- malformed row with line_number NULL.
-- Reads: nothing. Writes: malformed_loading. Params: $source_file, $reason.
INSERT INTO malformed_loading (source_file, line_number, reason, raw)
VALUES ($source_file, NULL, $reason, NULL);
