-- Quarantines one line found bad before it reached SQL (a header with unknown fields, a line too
-- long to hold in memory), with its line number.
-- Reads: nothing. Writes: malformed_loading. Params: $source_file, $line_number, $reason, $raw.
INSERT INTO malformed_loading (source_file, line_number, reason, raw)
VALUES ($source_file, $line_number, $reason, left($raw, 1024));
