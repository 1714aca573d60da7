-- Appends the rejected lines of a text batch to malformed, with their reason and the line as read,
-- cut to 1,024 characters; returns the file of every row written (flowsg counts them per file).
-- Reads: converted. Writes: malformed_loading. Params: none.
INSERT INTO malformed_loading (source_file, line_number, reason, raw)
SELECT
    source_file,
    line_number,
    reason,
    left(raw, 1024)
FROM converted
WHERE reason IS NOT NULL
RETURNING source_file;
